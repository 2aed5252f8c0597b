//! A small TCP load balancer for the benchmarks (issue 21 item 3): one address in front of several
//! central-store instances, each new connection to the next instance in turn. A desk's client keeps
//! its connection, so its requests stay on one instance until the connection closes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

/// The balancer's address and how many connections each instance got.
#[derive(Debug)]
pub struct Balancer {
    pub addr: SocketAddr,
    connections: Arc<Vec<AtomicU64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Balancer {
    /// Listens on a free loopback port and spreads connections over `upstreams`.
    pub async fn start(upstreams: Vec<SocketAddr>) -> std::io::Result<Balancer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let connections: Arc<Vec<AtomicU64>> =
            Arc::new(upstreams.iter().map(|_| AtomicU64::new(0)).collect());
        let counts = connections.clone();
        let next = AtomicUsize::new(0);
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let i = next.fetch_add(1, Ordering::Relaxed) % upstreams.len();
                counts[i].fetch_add(1, Ordering::Relaxed);
                let upstream = upstreams[i];
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Ok(Balancer {
            addr,
            connections,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections each instance got, in the order given.
    pub fn connections(&self) -> Vec<u64> {
        self.connections
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
