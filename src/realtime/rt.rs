//! Host timers and randomness for the listener (wasm only).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

#[derive(Default)]
struct DelayState {
    fired: bool,
    waker: Option<Waker>,
}

/// Resolves after `ms`; dropping it clears the timer, so an abandoned wait
/// keeps neither a tab nor a Node process busy.
pub(crate) struct Delay {
    ms: u32,
    state: Rc<RefCell<DelayState>>,
    armed: Option<(JsValue, Closure<dyn FnMut()>)>,
}

pub(crate) fn sleep(ms: u32) -> Delay {
    Delay { ms, state: Rc::default(), armed: None }
}

impl Future for Delay {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        {
            let mut s = self.state.borrow_mut();
            if s.fired {
                return Poll::Ready(());
            }
            s.waker = Some(cx.waker().clone());
        }
        if self.armed.is_none() {
            let state = self.state.clone();
            let cb = Closure::<dyn FnMut()>::new(move || {
                let mut s = state.borrow_mut();
                s.fired = true;
                if let Some(w) = s.waker.take() {
                    w.wake();
                }
            });
            let id = set_timeout(cb.as_ref().unchecked_ref(), self.ms.min(i32::MAX as u32) as i32);
            self.armed = Some((id, cb));
        }
        Poll::Pending
    }
}

impl Drop for Delay {
    fn drop(&mut self) {
        if let Some((id, _)) = &self.armed {
            if !self.state.borrow().fired {
                clear_timeout(id);
            }
        }
    }
}

pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// Resolves once nothing was received for `timeout_ms` (`last` is the time
/// of the last activity, updated by the reader). One timer per period, not
/// one per chunk.
pub(crate) async fn watchdog(last: Rc<std::cell::Cell<f64>>, timeout_ms: u32) {
    loop {
        let remaining = last.get() + f64::from(timeout_ms) - now_ms();
        if remaining <= 0.0 {
            return;
        }
        sleep(remaining.ceil() as u32).await;
    }
}
