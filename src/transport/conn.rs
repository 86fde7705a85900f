//! The web host's listening connections: the core's
//! [`Transport`](botpress_chat::realtime::driver::Transport) over a streamed
//! `fetch` body (SSE, decoded by the core's `SseDecoder`), a WebSocket or an
//! EventSource.

use futures::future::LocalBoxFuture;
use wasm_bindgen::JsValue;

use botpress_chat::realtime::driver::{Batch, Connection, ListenAt, Transport};

use super::eventsource::EsStream;
use super::stream::{self, BodyStream};
use super::websocket::{self, WsStream};
use crate::error::Error;
use crate::protocol::sse::SseDecoder;
use crate::realtime::Protocol;
use crate::WebHost;

/// An open listening connection.
pub struct WebConn(Conn);

enum Conn {
    /// A streamed `fetch` body and its decoder.
    Sse {
        body: BodyStream,
        decoder: SseDecoder,
    },
    Ws(WsStream),
    Es(EsStream),
}

impl Connection<JsValue> for WebConn {
    fn read<'a>(&'a mut self, batch: &'a mut Batch<JsValue>) -> LocalBoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match &mut self.0 {
                Conn::Sse { body, decoder } => {
                    let Some(bytes) = body.read().await? else {
                        return Err(Error::network("the server closed the event stream"));
                    };
                    let texts = &mut batch.texts;
                    decoder.feed(bytes, &mut |e| {
                        if e.is_message() {
                            texts.push(e.data)
                        }
                    })
                }
                Conn::Ws(ws) => websocket::next_frames(&ws.shared, &mut batch.frames).await,
                Conn::Es(es) => websocket::next_frames(&es.shared, &mut batch.frames).await,
            }
        })
    }
}

impl Transport for WebHost {
    type Frame = JsValue;
    type Conn = WebConn;

    fn open(&self, at: &ListenAt, protocol: Protocol) -> LocalBoxFuture<'static, Result<WebConn, Error>> {
        let at = at.clone();
        Box::pin(async move { open(&at, protocol).await })
    }

    fn frame_text(frame: &JsValue) -> Option<String> {
        frame.as_string()
    }
}

async fn open(at: &ListenAt, protocol: Protocol) -> Result<WebConn, Error> {
    let url = at.url(protocol);
    match protocol {
        Protocol::Sse => {
            let body = stream::open(&url, &at.key).await?;
            Ok(WebConn(Conn::Sse { body, decoder: SseDecoder::new() }))
        }
        Protocol::WebSocket => {
            let ws = WsStream::connect(&url)?;
            match websocket::opened(&ws.shared).await {
                Ok(()) => Ok(WebConn(Conn::Ws(ws))),
                Err(e) => {
                    drop(ws);
                    Err(refusal(at, e).await)
                }
            }
        }
        Protocol::EventSource => {
            let es = EsStream::connect(&url)?;
            match websocket::opened(&es.shared).await {
                Ok(()) => Ok(WebConn(Conn::Es(es))),
                Err(e) => {
                    drop(es);
                    Err(refusal(at, e).await)
                }
            }
        }
    }
}

/// A WebSocket or EventSource refused without telling why: ask the same
/// route over HTTP, so 401/403/404 are recognised as final.
async fn refusal(at: &ListenAt, e: Error) -> Error {
    stream::probe(&at.url(Protocol::Sse), &at.key).await.unwrap_or(e)
}
