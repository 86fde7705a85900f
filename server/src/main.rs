use clap::Parser;

#[tokio::main]
async fn main() {
    let cfg = chat_server::Config::parse();
    if let Err(e) = chat_server::run(cfg).await {
        eprintln!("chat-server: {e}");
        std::process::exit(1);
    }
}
