//! The `'eventsource'` transport: the host's native `EventSource`, key in the
//! `x-user-key` query parameter (browsers cannot send headers with it). The
//! browser's own retry is suppressed: the first error ends the connection and
//! the listener decides. Dropping an [`EsStream`] closes it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventSource;

use crate::error::Error;
use crate::transport::websocket::{open_and_message_handlers, Shared};

pub(crate) struct EsStream {
    es: EventSource,
    pub(crate) shared: Rc<RefCell<Shared>>,
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

impl Drop for EsStream {
    fn drop(&mut self) {
        self.es.set_onopen(None);
        self.es.set_onmessage(None);
        self.es.set_onerror(None);
        self.es.close();
    }
}

impl EsStream {
    pub(crate) fn connect(url: &str) -> Result<EsStream, Error> {
        if !js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("EventSource")).unwrap_or(false) {
            return Err(Error::config(
                "EventSource is not available in this runtime (browsers only; use protocol 'sse' elsewhere)",
            ));
        }
        let es = EventSource::new(url).map_err(|e| crate::transport::stream::network_error("EventSource", &e))?;
        let shared = Rc::new(RefCell::new(Shared::default()));
        let (on_open, on_message) = open_and_message_handlers(&shared);
        let s = shared.clone();
        let es2 = es.clone();
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            es2.close();
            let mut s = s.borrow_mut();
            if s.ended.is_none() {
                let what = if s.open { "EventSource connection lost" } else { "EventSource refused" };
                s.ended = Some(Error::network(what));
            }
            s.open = false;
            s.wake();
        });
        es.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(EsStream { es, shared, _handlers: [on_open, on_message, on_error] })
    }
}
