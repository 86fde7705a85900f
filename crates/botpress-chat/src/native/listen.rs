//! The native host's listening connections: the core's
//! [`Transport`] over a streamed `reqwest` body (SSE, decoded by the core's
//! [`SseDecoder`]) or a `tokio-tungstenite` WebSocket.
//!
//! Both reads are cancel-safe, as the listening loop needs (it drops a read
//! when its watchdog or a listing finishes first): a read that is dropped
//! has taken nothing from the connection.

use futures::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, protocol::WebSocketConfig, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{failure_text, NativeHost};
use crate::error::{error_from_response, Error};
use crate::protocol::http::DEFAULT_MAX_RESPONSE_BYTES;
use crate::protocol::sse::SseDecoder;
use crate::realtime::driver::{Batch, Connection, ListenAt, Transport};
use crate::realtime::Protocol;
use crate::sync::BoxFuture;

/// Longest error body read from a refused listen request.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// An open listening connection of the native host.
pub struct NativeConn(Conn);

impl std::fmt::Debug for NativeConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Conn::Sse { .. } => "NativeConn(SSE)",
            Conn::Ws(_) => "NativeConn(WebSocket)",
        })
    }
}

enum Conn {
    /// A streamed response body and its decoder (SSE and EventSource).
    Sse { body: Box<reqwest::Response>, decoder: SseDecoder },
    /// A WebSocket: one JSON text frame per signal.
    Ws(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
}

impl Connection<String> for NativeConn {
    fn read<'a>(&'a mut self, batch: &'a mut Batch<String>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match &mut self.0 {
                Conn::Sse { body, decoder } => {
                    let chunk = body
                        .chunk()
                        .await
                        .map_err(|e| Error::network(format!("the event stream failed: {}", failure_text(e))))?;
                    let Some(bytes) = chunk else {
                        return Err(Error::network("the server closed the event stream"));
                    };
                    let texts = &mut batch.texts;
                    decoder.feed(&bytes, &mut |e| {
                        if e.is_message() {
                            texts.push(e.data)
                        }
                    })
                }
                Conn::Ws(ws) => match ws.next().await {
                    Some(Ok(WsMessage::Text(text))) => {
                        batch.frames.push(text.as_str().to_string());
                        Ok(())
                    }
                    // Pings are answered by tungstenite; like any byte they
                    // count as activity for the watchdog.
                    Some(Ok(WsMessage::Close(_))) | None => Err(Error::network("the server closed the WebSocket")),
                    Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => Err(Error::network(format!("the WebSocket failed: {e}"))),
                },
            }
        })
    }
}

impl Transport for NativeHost {
    type Frame = String;
    type Conn = NativeConn;

    fn open(&self, at: &ListenAt, protocol: Protocol) -> BoxFuture<'static, Result<NativeConn, Error>> {
        let (host, at) = (self.clone(), at.clone());
        Box::pin(async move {
            match protocol {
                Protocol::Sse | Protocol::EventSource => host.open_sse(&at, protocol).await,
                Protocol::WebSocket => open_ws(&at).await,
            }
        })
    }

    fn frame_text(frame: &String) -> Option<String> {
        Some(frame.clone())
    }
}

impl NativeHost {
    /// `GET` the listen route as an event stream: the key in the
    /// `x-user-key` header (`Sse`) or in the query (`EventSource`, as a
    /// browser's `EventSource` sends it). A non-2xx answer is read (bounded)
    /// and classified.
    async fn open_sse(&self, at: &ListenAt, protocol: Protocol) -> Result<NativeConn, Error> {
        let mut req = self.http.get(at.url(protocol)).header("accept", "text/event-stream");
        if protocol == Protocol::Sse {
            req = req.header("x-user-key", at.key.as_str());
        }
        let res =
            req.send().await.map_err(|e| Error::network(format!("listen request failed: {}", failure_text(e))))?;
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(NativeConn(Conn::Sse { body: Box::new(res), decoder: SseDecoder::new() }));
        }
        let text = super::read_body(res, MAX_ERROR_BODY).await.unwrap_or_default();
        Err(refused(status, &text))
    }
}

/// A refused listen request, as the server explained it.
fn refused(status: u16, text: &str) -> Error {
    error_from_response(status, crate::protocol::json::serde_parse(text).ok().as_ref(), text)
}

/// Opens the WebSocket; a refused upgrade is classified from its answer
/// (401, 403 and 404 are final for the listening loop).
async fn open_ws(at: &ListenAt) -> Result<NativeConn, Error> {
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(DEFAULT_MAX_RESPONSE_BYTES);
    config.max_frame_size = Some(DEFAULT_MAX_RESPONSE_BYTES);
    match tokio_tungstenite::connect_async_with_config(at.url(Protocol::WebSocket), Some(config), false).await {
        Ok((ws, _)) => Ok(NativeConn(Conn::Ws(Box::new(ws)))),
        Err(tungstenite::Error::Http(res)) => {
            let body = res.body().as_deref().unwrap_or_default();
            Err(refused(res.status().as_u16(), &String::from_utf8_lossy(body)))
        }
        // tungstenite's messages name no URL, so the key in the query stays out.
        Err(e) => Err(Error::network(format!("WebSocket connection failed: {e}"))),
    }
}
