//! `for await (const { type, data } of listener)`: the listener's async iterator.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::core::call;
use super::core::{iter_result, Core, IterState};

/// The async iterator of a listener.
#[wasm_bindgen(skip_typescript)]
pub struct SignalIterator {
    pub(super) state: Rc<RefCell<IterState>>,
    pub(super) core: Weak<Core>,
}

#[wasm_bindgen]
impl SignalIterator {
    #[wasm_bindgen(skip_typescript)]
    pub fn next(&self) -> Promise {
        let mut it = self.state.borrow_mut();
        if let Some(v) = it.queue.pop_front() {
            return Promise::resolve(&iter_result(&v, false));
        }
        if it.ended {
            if let Some(e) = it.error.take() {
                return Promise::reject(&e);
            }
            return Promise::resolve(&iter_result(&JsValue::UNDEFINED, true));
        }
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, reject| waiter = Some((resolve, reject)));
        if let Some(w) = waiter {
            it.waiters.push(w);
        }
        promise
    }

    /// Stops this iteration (`break` in `for await`); the listener stays
    /// connected.
    #[wasm_bindgen(js_name = "return", skip_typescript)]
    pub fn return_(&self) -> Promise {
        {
            let mut it = self.state.borrow_mut();
            it.ended = true;
            it.queue.clear();
            for (resolve, _) in it.waiters.drain(..) {
                call(&resolve, &iter_result(&JsValue::UNDEFINED, true));
            }
        }
        if let Some(core) = self.core.upgrade() {
            core.st.borrow_mut().iters.retain(|i| !Rc::ptr_eq(i, &self.state));
        }
        Promise::resolve(&iter_result(&JsValue::UNDEFINED, true))
    }
}
