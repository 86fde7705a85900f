//! listenConversation: Server-Sent Events, or a WebSocket when the request
//! is an upgrade (PROTOCOL.md §7).

use axum::body::{Body, Bytes};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use botpress_chat::ApiErrorType;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use crate::app::App;
use crate::auth::verify_key;
use crate::error::ApiError;
use crate::extract::header_key;
use crate::hub::{Subscription, SSE_PING};
use crate::util::parse_query;

fn is_upgrade(req: &Request) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn idle(keepalive: Option<Duration>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    match keepalive {
        Some(d) => Box::pin(tokio::time::sleep(d)),
        None => Box::pin(std::future::pending()),
    }
}

/// What a listener does next.
enum Next {
    Frame(Arc<crate::hub::Frame>),
    Ping,
    /// Removed from the conversation, or the conversation/user was deleted.
    Closed,
    /// Fell too far behind: the client must reconnect and resynchronise.
    Lagged,
}

async fn next_event(sub: &mut Subscription, keepalive: Option<Duration>) -> Next {
    let mut sleep = idle(keepalive);
    loop {
        tokio::select! {
            biased;
            n = sub.closes.recv() => match n {
                Ok(n) if sub.closes_me(&n) => return Next::Closed,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return Next::Closed,
            },
            f = sub.signals.recv() => return match f {
                Ok(f) => Next::Frame(f),
                Err(RecvError::Lagged(_)) => Next::Lagged,
                Err(RecvError::Closed) => Next::Closed,
            },
            _ = &mut sleep => return Next::Ping,
        }
    }
}

/// listenConversation (`GET …/conversations/{id}/listen`).
pub async fn listen(State(app): State<Arc<App>>, Path(id): Path<String>, req: Request) -> Response {
    let query = parse_query(req.uri().query());
    let query_key = query.into_iter().find(|(k, _)| k == "x-user-key").map(|(_, v)| v).filter(|v| !v.is_empty());
    let ws = is_upgrade(&req);
    let key = match (query_key.or(header_key(req.headers())), ws) {
        (Some(k), _) => k,
        (None, true) => {
            return ApiError::new(ApiErrorType::Unauthorized, "x-user-key should be specified as a query param.")
                .into_response()
        }
        (None, false) => {
            return ApiError::invalid("x-user-key: the header (or query parameter) is required").into_response()
        }
    };
    let claim = match verify_key(&app.secret, &key) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let sub = {
        let st = app.store();
        match st.listen_check(&claim, &id) {
            Ok((conv, user)) => st.hub().subscribe(&conv, &user),
            Err(e) => return e.into_response(),
        }
    };
    let keepalive = app.keepalive();
    if ws {
        let (mut parts, _body) = req.into_parts();
        return match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(upgrade) => upgrade.on_upgrade(move |socket| websocket(socket, sub, keepalive)),
            Err(rejection) => rejection.into_response(),
        };
    }
    sse(sub, keepalive, app.cfg.stream_max_secs.map(|s| Duration::from_secs_f64(s.max(0.0))))
}

fn sse(sub: Subscription, keepalive: Option<Duration>, max: Option<Duration>) -> Response {
    let stream = futures_util::stream::unfold(Some(sub), move |state| async move {
        let mut sub = state?;
        match next_event(&mut sub, keepalive).await {
            Next::Frame(f) => Some((Ok::<Bytes, Infallible>(f.sse.clone()), Some(sub))),
            Next::Ping => Some((Ok(Bytes::from_static(SSE_PING)), Some(sub))),
            Next::Closed | Next::Lagged => None,
        }
    });
    let end = async move {
        match max {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let stream = futures_util::StreamExt::take_until(stream, Box::pin(end));
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

async fn websocket(mut socket: WebSocket, mut sub: Subscription, keepalive: Option<Duration>) {
    loop {
        let next = tokio::select! {
            biased;
            n = next_event(&mut sub, keepalive) => n,
            m = socket.recv() => match m {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Close(_))) => {
                    // The WebSocket layer answers with the same close frame (same
                    // code; empty when the client gave none); drive that to its end.
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while let Some(Ok(_)) = socket.recv().await {}
                    })
                    .await;
                    return;
                }
                // Clients send nothing; data frames are ignored.
                Some(Ok(_)) => continue,
            },
        };
        let msg = match next {
            Next::Frame(f) => Message::Text(f.text.clone()),
            Next::Ping => Message::Text("ping".into()),
            Next::Closed => {
                let _ = socket.send(close(1000, "stream closed")).await;
                return;
            }
            Next::Lagged => {
                let _ = socket.send(close(1013, "listener fell behind; reconnect and resynchronise")).await;
                return;
            }
        };
        if socket.send(msg).await.is_err() {
            return;
        }
    }
}
