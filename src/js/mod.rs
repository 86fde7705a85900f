//! The `#[wasm_bindgen]` facade for JS: `ChatClient` (connected, like
//! `@botpress/chat`'s `AuthenticatedClient`) and `Client` (each call takes
//! `'x-user-key'`), with hand-written TypeScript declarations for every
//! request, response, payload, signal and error type.

mod check;
mod client;
mod error;
mod jwt;
mod listener;

#[allow(unused_imports)]
pub use client::ChatClient;
#[allow(unused_imports)]
pub(crate) use error::to_js_error;

#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");
