//! The servers of the native suites, the ones `scripts/wasm-test-runner.sh`
//! starts for a wasm test binary, started here for each test: chat-server on
//! a free loopback port (`CHAT_SERVER`, or the one built beside this test
//! binary, built by `cargo build -p chat-server` when there is none) and the
//! fault proxy (`node tests/support/fault-proxy.mjs`).
//!
//! A test owns its servers through its [`Fixtures`]: they are killed by
//! process id when it is dropped, when the test ends or panics. Each is
//! also started with `--exit-after`: if the test binary itself is killed
//! outright, its servers outlive it by [`EXIT_AFTER_SECS`] at most.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a server lives if nothing stops it: longer than any test.
const EXIT_AFTER_SECS: &str = "300";

/// How long a server may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The last bytes a server wrote (stdout after its first line, and stderr),
/// shown when its test fails.
const LOG_TAIL: usize = 16 * 1024;

/// The servers of one test and their URLs, by the names the wasm runner
/// gives them (`sharedUrl`, `apiUrl`, …).
pub struct Fixtures {
    values: Vec<(&'static str, String)>,
    /// Owned for their `Drop`, which stops them.
    _servers: Vec<Server>,
}

impl Fixtures {
    /// The fixture `key` (a URL, a key).
    pub fn get(&self, key: &str) -> &str {
        match self.values.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => v,
            None => panic!("no fixture \"{key}\" for this suite"),
        }
    }

    /// The client suite's: a shared-mode server with small pages and the
    /// canned faults, and a manual-mode one with an encryption key.
    pub fn client() -> Fixtures {
        let key = format!("client-test-key-{}", std::process::id());
        let shared = Server::chat(
            "shared",
            &["--webhook-id", "local", "--page-size", "3", "--test-faults", "--bot-delay-ms", "10"],
        );
        let manual = Server::chat("manual", &["--webhook-id", "local", "--encryption-key", &key, "--test-faults"]);
        Fixtures {
            values: vec![("sharedUrl", shared.url.clone()), ("manualUrl", manual.url.clone()), ("encryptionKey", key)],
            _servers: vec![shared, manual],
        }
    }

    /// The realtime scenarios': a server that sends a keep-alive every
    /// second, and the fault proxy in front of it.
    pub fn realtime() -> Fixtures {
        let server = Server::chat("chat-server", &["--keepalive-secs", "1", "--bot-delay-ms", "5"]);
        let (proxy, control) = Server::fault_proxy(&server.url);
        Fixtures {
            values: vec![
                ("apiUrl", format!("{}/local", server.url)),
                ("proxyUrl", format!("{}/local", proxy.url)),
                ("controlUrl", control),
            ],
            _servers: vec![server, proxy],
        }
    }
}

/// For the examples' tests.
impl Fixtures {
    /// chat-server with `args` at `addr` (`127.0.0.1:0` for any free port);
    /// `apiUrl` is its API (webhook id `local`).
    pub fn chat_server(addr: &str, args: &[&str]) -> Fixtures {
        let server = Server::chat_at("chat-server", addr, args);
        Fixtures { values: vec![("apiUrl", format!("{}/local", server.url))], _servers: vec![server] }
    }

    /// The example `name` (built by `cargo test` beside this test binary)
    /// run as a server: its first line says `listening on http://…`, its
    /// `url`.
    pub fn example_server(name: &'static str, args: &[&str]) -> Fixtures {
        let mut cmd = Command::new(example(name));
        cmd.args(args);
        let (mut server, first) = Server::spawn(name, cmd, "the example (cargo test builds it)");
        match first.strip_prefix("listening on ") {
            Some(url) => {
                server.url = url.trim().to_string();
                Fixtures { values: vec![("url", server.url.clone())], _servers: vec![server] }
            }
            None => server.fail(&format!("unexpected first line {first:?}")),
        }
    }

    /// These fixtures and `other`'s, owned together.
    pub fn and(mut self, other: Fixtures) -> Fixtures {
        self.values.extend(other.values);
        self._servers.extend(other._servers);
        self
    }
}

/// The path of the example `name`: `target/<profile>/examples/<name>`.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A server process, killed on drop.
struct Server {
    name: &'static str,
    child: Child,
    url: String,
    /// What it wrote after its first line.
    log: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// chat-server with `args`, on a free loopback port.
    fn chat(name: &'static str, args: &[&str]) -> Server {
        Server::chat_at(name, "127.0.0.1:0", args)
    }

    /// chat-server with `args` at `addr`.
    fn chat_at(name: &'static str, addr: &str, args: &[&str]) -> Server {
        let mut cmd = Command::new(chat_server());
        cmd.args(["--addr", addr, "--exit-after", EXIT_AFTER_SECS]).args(args);
        let (mut server, first) = Server::spawn(name, cmd, "chat-server (see CHAT_SERVER)");
        match first.strip_prefix("listening on ").map(|u| u.trim().trim_end_matches('/')) {
            Some(url) if url.starts_with("http://") => {
                server.url = url.to_string();
                server
            }
            _ => server.fail(&format!("unexpected first line {first:?}")),
        }
    }

    /// The fault proxy in front of `target` (`http://127.0.0.1:PORT`): the
    /// proxy (its `url`) and its control API's URL.
    fn fault_proxy(target: &str) -> (Server, String) {
        let script = workspace_root().join("tests/support/fault-proxy.mjs");
        let mut cmd = Command::new("node");
        cmd.arg(&script).args(["--target", target.trim_start_matches("http://"), "--exit-after", EXIT_AFTER_SECS]);
        let (mut server, first) = Server::spawn(
            "fault-proxy",
            cmd,
            "Node.js: the realtime tests run the fault proxy tests/support/fault-proxy.mjs with `node`, \
             which must be on PATH",
        );
        let mut words = first.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("PROXY"), Some(proxy), Some(control)) => {
                server.url = proxy.to_string();
                let control = control.to_string();
                (server, control)
            }
            _ => server.fail(&format!("unexpected first line {first:?}")),
        }
    }

    /// Starts `cmd` and waits for the first line of its stdout; what it
    /// writes afterwards (and on stderr) goes to its log.
    fn spawn(name: &'static str, mut cmd: Command, what: &str) -> (Server, String) {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (first_tx, first_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let out_log = log.clone();
        std::thread::spawn(move || read_stdout(stdout, first_tx, &out_log));
        let err_log = log.clone();
        std::thread::spawn(move || copy_to(stderr, &err_log));
        let server = Server { name, child, url: String::new(), log };
        match first_rx.recv_timeout(START_TIMEOUT) {
            Ok(first) => (server, first),
            Err(mpsc::RecvTimeoutError::Timeout) => server.fail("it did not say where it listens within 60 s"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Its stderr, which explains the exit, may still be on its way.
                std::thread::sleep(Duration::from_millis(200));
                server.fail("it exited before saying where it listens")
            }
        }
    }

    /// Stops it and panics with `why` and what it wrote.
    fn fail(mut self, why: &str) -> ! {
        self.stop();
        panic!("{} failed to start: {why}; its output:\n{}", self.name, self.log_text())
    }

    fn log_text(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Kills it by process id and reaps it; when its test is failing, shows
    /// what it wrote.
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        if std::thread::panicking() && !self.url.is_empty() {
            let log = self.log_text();
            if !log.trim().is_empty() {
                eprintln!("--- {} ({}) wrote:\n{log}--- end of {}", self.name, self.url, self.name);
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends the first line of `out` through `first`, then keeps the rest.
fn read_stdout(out: ChildStdout, first: mpsc::Sender<String>, log: &Mutex<Vec<u8>>) {
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let _ = first.send(line.trim_end().to_string());
    drop(first);
    copy_to(reader, log);
}

/// Keeps the last [`LOG_TAIL`] bytes of `from` in `log`, until it ends.
fn copy_to(mut from: impl Read, log: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = from.read(&mut buf) {
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.extend_from_slice(&buf[..n]);
        if log.len() > 2 * LOG_TAIL {
            let cut = log.len() - LOG_TAIL;
            log.drain(..cut);
        }
    }
}

/// The repository's root (this crate is `crates/botpress-chat`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The chat-server binary: `CHAT_SERVER` if set (as for scripts/lib.sh),
/// else the one Cargo built beside this test binary (same target directory
/// and profile, as `cargo test --workspace` builds it), else one built now.
/// Found once per test binary.
fn chat_server() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("CHAT_SERVER").filter(|p| !p.is_empty()) {
                return PathBuf::from(path);
            }
            // target/<profile>/deps/<test binary>
            let exe = std::env::current_exe().expect("the test binary's path");
            let beside = exe.parent().and_then(Path::parent).map(|dir| dir.join("chat-server"));
            match beside {
                Some(path) if path.is_file() => path,
                _ => build_chat_server(),
            }
        })
        .clone()
}

/// `cargo build -p chat-server` (what `cargo test -p botpress-chat` alone
/// does not build), its binary's path as Cargo reports it. Cargo has
/// released the target directory's lock while tests run, so this does not
/// wait for the `cargo test` that started it.
fn build_chat_server() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("no chat-server beside this test binary, nor CHAT_SERVER: cargo build -p chat-server");
    let out = Command::new(cargo)
        .args(["build", "-p", "chat-server", "--message-format=json-render-diagnostics"])
        .current_dir(workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo build -p chat-server");
    assert!(out.status.success(), "cargo build -p chat-server failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "chat-server")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo build -p chat-server reported no chat-server binary")
}
