//! A local SMTP server (mailin-embedded) that keeps what it receives, refuses the first N deliveries
//! with 451 at RCPT (greylisting), and answers 550 (no such mailbox) for addresses with "finnes-ikke" in them.

use std::sync::{Arc, Mutex};

use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response, Server};

#[derive(Debug, Default)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Shared {
    refuse_next: usize,
    refused: usize,
    received: Vec<Received>,
}

#[derive(Debug, Clone)]
pub struct SmtpSink {
    shared: Arc<Mutex<Shared>>,
    pub port: u16,
}

#[derive(Debug, Clone)]
struct Session {
    shared: Arc<Mutex<Shared>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Session {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.contains("finnes-ikke") {
            return NO_MAILBOX;
        }
        // Greylisting, as many real servers do to a sender they have not seen: 451 at RCPT.
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if shared.refuse_next > 0 {
            shared.refuse_next -= 1;
            shared.refused += 1;
            return Response::custom(451, "Midlertidig avvist, prøv igjen senere".to_string());
        }
        OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.received.push(Received {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        OK
    }
}

impl SmtpSink {
    pub fn start() -> std::io::Result<SmtpSink> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut server = Server::new(Session {
            shared: shared.clone(),
            to: Vec::new(),
            data: Vec::new(),
        });
        server
            .with_name("sink.test")
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || server.serve().map_err(|e| e.to_string()));
        Ok(SmtpSink { shared, port })
    }

    /// The next `n` messages are refused with 451.
    pub fn refuse_next(&self, n: usize) {
        self.shared.lock().unwrap_or_else(|p| p.into_inner()).refuse_next = n;
    }

    pub fn refused(&self) -> usize {
        self.shared.lock().unwrap_or_else(|p| p.into_inner()).refused
    }

    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut self.shared.lock().unwrap_or_else(|p| p.into_inner()).received)
    }
}
