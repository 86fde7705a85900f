//! JS strings for the facade's `&'static str` property names, made once per
//! thread: reading `args.payload` or checking `message.createdAt` then costs
//! no UTF-8 → JS string conversion on each call.

use std::cell::RefCell;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

thread_local! {
    /// (address, length) of the Rust string → its JS string.
    static KEYS: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the JS string for `name`, made on first use.
pub(crate) fn with_key<R>(name: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    let id = (name.as_ptr() as usize, name.len());
    KEYS.with(|cell| {
        // `f` may re-enter (a getter calling back into wasm): shared borrows
        // nest, and a key made while the list is borrowed is simply not kept.
        if let Ok(keys) = cell.try_borrow() {
            if let Some((_, v)) = keys.iter().find(|(k, _)| *k == id) {
                return f(v);
            }
        }
        let v = JsValue::from_str(name);
        let out = f(&v);
        if let Ok(mut keys) = cell.try_borrow_mut() {
            keys.push((id, v));
        }
        out
    })
}

/// `obj[name]`, or `undefined` when reading it throws.
pub(crate) fn get(obj: &JsValue, name: &'static str) -> JsValue {
    with_key(name, |k| Reflect::get(obj, k).unwrap_or(JsValue::UNDEFINED))
}

/// `obj[name] = value`.
pub(crate) fn set(obj: &JsValue, name: &'static str, value: &JsValue) {
    with_key(name, |k| {
        let _ = Reflect::set(obj, k, value);
    })
}

/// `name in obj`.
pub(crate) fn has(obj: &JsValue, name: &'static str) -> bool {
    with_key(name, |k| Reflect::has(obj, k).unwrap_or(false))
}
