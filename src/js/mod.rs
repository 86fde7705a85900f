//! The `#[wasm_bindgen]` facade for JS.

mod listener;
