//! Webhook delivery: every signal envelope is POSTed, in order, to the
//! configured http:// URL (one attempt; failures are logged).

use bytes::Bytes;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Where webhook calls go: an `http://` URL split into its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query, as given (`/` when empty).
    pub path: String,
}

/// Parses an `http://host[:port][/path][?query]` URL.
pub fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("webhook URL {url:?}: only http:// URLs are supported locally"))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        let (h, after) = h.split_once(']').ok_or("bad IPv6 host")?;
        (h.to_string(), after.strip_prefix(':').map(str::parse).transpose().map_err(|_| "bad port")?)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse().map_err(|_| "bad port")?)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(format!("webhook URL {url:?}: no host"));
    }
    Ok(Target { host, port: port.unwrap_or(80), path })
}

async fn post(t: &Target, authority: &str, secret: Option<&str>, body: &[u8]) -> Result<u16, String> {
    let io = async {
        let mut s = TcpStream::connect((t.host.as_str(), t.port)).await.map_err(|e| e.to_string())?;
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            t.path,
            body.len()
        );
        if let Some(secret) = secret {
            head.push_str(&format!("x-secret-key: {secret}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
        s.write_all(body).await.map_err(|e| e.to_string())?;
        let mut buf = Vec::with_capacity(256);
        let mut chunk = [0u8; 256];
        while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 4096 {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let line = String::from_utf8_lossy(&buf);
        line.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| "no HTTP status line in the answer".to_string())
    };
    match tokio::time::timeout(Duration::from_secs(10), io).await {
        Ok(Ok(code)) if (200..300).contains(&code) => Ok(code),
        Ok(Ok(code)) => Err(format!("answered HTTP {code}")),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("timed out after 10 s".into()),
    }
}

/// Starts the delivery task; returns the queue to publish into.
pub fn start(url: String, secret: Option<String>) -> Result<mpsc::UnboundedSender<Bytes>, String> {
    let target = parse_url(&url)?;
    let authority = url.trim_start_matches("http://").split(['/', '?']).next().unwrap_or_default().to_string();
    let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
    tokio::spawn(async move {
        while let Some(body) = rx.recv().await {
            if let Err(e) = post(&target, &authority, secret.as_deref(), &body).await {
                eprintln!("chat-server: webhook POST {url} failed: {e}");
            }
        }
    });
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:9000/hook?a=1").unwrap(),
            Target { host: "127.0.0.1".into(), port: 9000, path: "/hook?a=1".into() }
        );
        assert_eq!(parse_url("http://localhost").unwrap().path, "/");
        assert_eq!(parse_url("http://[::1]:81/x").unwrap(), Target { host: "::1".into(), port: 81, path: "/x".into() });
        assert!(parse_url("https://example.com/").is_err());
    }
}
