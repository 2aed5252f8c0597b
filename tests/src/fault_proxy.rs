//! A fault-injecting TCP proxy between the desk and the central store (Toxiproxy is not in Debian).
//! The fault is chosen when a connection opens, and a change of fault cuts every open connection, as a
//! network that goes down does (a client's kept-alive connection must not outlive the cut). The
//! fault that matters most is [`Fault::DropResponse`]:
//! the request reaches the server, the server commits and answers, and the desk never hears it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to the next connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Pass through after a delay.
    Delay(Duration),
    /// Close the connection at once (the network is down).
    Refuse,
    /// Read the request, then reset the connection without forwarding it.
    Reset,
    /// Forward the request, wait for the server's answer, then close without passing it on.
    DropResponse,
    /// Pass on the first bytes of the answer, then close mid-body.
    CutResponse,
}

/// A running proxy; dropping it stops accepting.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    fault: watch::Sender<Fault>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (fault, watching) = watch::channel(Fault::None);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut changes = watching.clone();
                let now = *changes.borrow_and_update();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = handle(client, upstream, now) => {}
                        // The fault changed: this connection is cut.
                        _ = changes.changed() => {}
                    }
                });
            }
        });
        Ok(FaultProxy { addr, fault, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the fault for new connections and cuts the open ones.
    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::Refuse => return Ok(()),
        Fault::Reset => {
            let mut buf = [0u8; 1024];
            let _ = client.read(&mut buf).await?;
            client.set_zero_linger()?;
            return Ok(());
        }
        Fault::Delay(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    let mut server = TcpStream::connect(upstream).await?;
    match fault {
        Fault::DropResponse | Fault::CutResponse => {
            let (mut client_read, mut client_write) = client.split();
            let (mut server_read, mut server_write) = server.split();
            let to_server = tokio::io::copy(&mut client_read, &mut server_write);
            let from_server = async {
                let mut buf = vec![0u8; 64 * 1024];
                // The first bytes of the answer mean the server has finished the request.
                let n = server_read.read(&mut buf).await?;
                if fault == Fault::CutResponse && n > 1 {
                    client_write.write_all(&buf[..n / 2]).await?;
                }
                Ok::<_, std::io::Error>(())
            };
            tokio::select! {
                r = from_server => r?,
                _ = to_server => {}
            }
            Ok(())
        }
        _ => {
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
            Ok(())
        }
    }
}
