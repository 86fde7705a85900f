//! The `'websocket'` transport: one JSON text frame per signal, `ping` text
//! frames as keep-alive, the key in the query string. Dropping a
//! [`WsStream`] closes the socket and detaches every handler.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::error::Error;

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) frames: Vec<JsValue>,
    pub(crate) open: bool,
    /// Why the connection ended, once it did.
    pub(crate) ended: Option<Error>,
    pub(crate) waker: Option<Waker>,
}

impl Shared {
    pub(crate) fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// Waits until `ready` takes what it waits for from the shared state, or the
/// connection ended (queued frames are still taken after the end).
async fn wait<T>(shared: &Rc<RefCell<Shared>>, mut ready: impl FnMut(&mut Shared) -> Option<T>) -> Result<T, Error> {
    poll_fn(|cx| {
        let mut s = shared.borrow_mut();
        if let Some(v) = ready(&mut s) {
            return Poll::Ready(Ok(v));
        }
        if let Some(e) = &s.ended {
            return Poll::Ready(Err(e.clone()));
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// Waits until frames are queued and moves them into `out`, or the
/// connection ended.
pub(crate) async fn next_frames(shared: &Rc<RefCell<Shared>>, out: &mut Vec<JsValue>) -> Result<(), Error> {
    out.clear();
    wait(shared, |s| (!s.frames.is_empty()).then(|| std::mem::swap(out, &mut s.frames))).await
}

/// Waits until the connection opened, or failed before opening.
pub(crate) async fn opened(shared: &Rc<RefCell<Shared>>) -> Result<(), Error> {
    wait(shared, |s| s.open.then_some(())).await
}

/// A JS event handler kept alive by the stream that set it.
pub(crate) type Handler = Closure<dyn FnMut(JsValue)>;

/// The `open` and `message` handlers both socket-like transports share:
/// `open` marks the connection open, each message's data is queued.
pub(crate) fn open_and_message_handlers(shared: &Rc<RefCell<Shared>>) -> (Handler, Handler) {
    let s = shared.clone();
    let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        let mut s = s.borrow_mut();
        s.open = true;
        s.wake();
    });
    let s = shared.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let e: MessageEvent = e.unchecked_into();
        let mut s = s.borrow_mut();
        s.frames.push(e.data());
        if s.frames.len() == 1 {
            s.wake();
        }
    });
    (on_open, on_message)
}

pub(crate) struct WsStream {
    ws: WebSocket,
    pub(crate) shared: Rc<RefCell<Shared>>,
    _handlers: [Closure<dyn FnMut(JsValue)>; 4],
}

impl Drop for WsStream {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

impl WsStream {
    /// Starts connecting; await [`opened`] on `shared` to know the outcome.
    pub(crate) fn connect(url: &str) -> Result<WsStream, Error> {
        if !js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("WebSocket")).unwrap_or(false) {
            return Err(Error::config("WebSocket is not available in this runtime (Node 20 needs --experimental-websocket, Node 22+ has it; or use protocol 'sse')"));
        }
        let ws = WebSocket::new(url).map_err(|e| crate::transport::stream::network_error("WebSocket", &e))?;
        let shared = Rc::new(RefCell::new(Shared::default()));
        let (on_open, on_message) = open_and_message_handlers(&shared);
        let s = shared.clone();
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let mut s = s.borrow_mut();
            if s.ended.is_none() {
                s.ended = Some(Error::network("WebSocket error"));
            }
            s.wake();
        });
        let s = shared.clone();
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let e: CloseEvent = e.unchecked_into();
            let mut s = s.borrow_mut();
            let was_open = s.open;
            s.open = false;
            let msg = if was_open {
                format!("WebSocket closed (code {})", e.code())
            } else {
                format!("WebSocket refused (code {})", e.code())
            };
            if s.ended.as_ref().map_or(true, |_| !was_open) {
                s.ended = Some(Error::network(msg));
            }
            s.wake();
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(WsStream { ws, shared, _handlers: [on_open, on_message, on_error, on_close] })
    }
}
