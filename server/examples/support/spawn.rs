//! Starting `chat-server` for the example programs (the crash and load
//! tests): a child process on a free loopback port whose first line says
//! where it listens. The caller kills it (by pid, through the `Child`).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `bin --addr 127.0.0.1:0 ARGS…`; returns the child and its base URL
/// (`http://127.0.0.1:PORT`). A server that does not say it listens on the
/// loopback is killed and reported.
pub fn spawn<I, S>(bin: &Path, args: I) -> Result<(Child, String), String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(bin)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut line = String::new();
    let read = match child.stdout.take() {
        Some(out) => BufReader::new(out).read_line(&mut line).map_err(|e| e.to_string()),
        None => Err("no stdout".to_string()),
    };
    let url = line.trim().strip_prefix("listening on ").filter(|u| u.starts_with("http://127.0.0.1:"));
    match (read, url) {
        (Ok(_), Some(url)) => Ok((child, url.trim_end_matches('/').to_string())),
        (read, _) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("{} did not start on the loopback: {:?} {line:?}", bin.display(), read.err()))
        }
    }
}
