//! `skranke-fakepay`: the fake Vipps and Klarna servers as a process, for the demo and end-to-end tests.

use clap::Parser;
use skranke_fakepay::FakeConfig;

#[derive(Parser)]
#[command(about = "Falske Vipps- og Klarna-tjenere for demo og tester")]
struct Args {
    /// Where to listen (`127.0.0.1:0` picks a free port; the address is printed on the first line).
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: String,
    /// Where Vipps webhooks go (the central store's `/v1/webhooks/vipps`).
    #[arg(long)]
    vipps_webhook_url: Option<String>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    println!("http://{addr}");
    let config = FakeConfig::demo(&format!("http://{addr}"), args.vipps_webhook_url);
    skranke_fakepay::serve(listener, config).await
}
