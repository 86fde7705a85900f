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

/// The JS string for `name`, made on first use.
pub(crate) fn key(name: &'static str) -> JsValue {
    let id = (name.as_ptr() as usize, name.len());
    KEYS.with(|cell| {
        let Ok(mut keys) = cell.try_borrow_mut() else {
            return JsValue::from_str(name);
        };
        if let Some((_, v)) = keys.iter().find(|(k, _)| *k == id) {
            return v.clone();
        }
        let v = JsValue::from_str(name);
        keys.push((id, v.clone()));
        v
    })
}

/// `obj[name]`, or `undefined` when reading it throws.
pub(crate) fn get(obj: &JsValue, name: &'static str) -> JsValue {
    Reflect::get(obj, &key(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `name in obj`.
pub(crate) fn has(obj: &JsValue, name: &'static str) -> bool {
    Reflect::has(obj, &key(name)).unwrap_or(false)
}
