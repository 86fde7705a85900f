//! `chat-server`: the local Chat API server with its echo bot (options: `chat-server --help`).
// main.rs only starts the library's server: the package's dependencies are the library's,
// and the lint checks them there.
#![allow(unused_crate_dependencies)]

use clap::Parser;

#[tokio::main]
async fn main() {
    let cfg = chat_server::Config::parse();
    if let Err(e) = chat_server::run(cfg).await {
        eprintln!("chat-server: {e}");
        std::process::exit(1);
    }
}
