//! The `#[wasm_bindgen]` facade for JS: `ChatClient` (connected, like
//! `@botpress/chat`'s `AuthenticatedClient`) and `Client` (each call takes
//! `'x-user-key'`), with TypeScript declarations: generated from the Rust
//! definitions for the models, payloads, signals, inputs, outputs and error
//! classes (`generated.d.ts`, the generated parts of `types.d.ts`), written
//! here for the rest (options, client classes, listener, pagination).

mod client;
mod error;
mod listener;
mod pages;

#[allow(unused_imports)]
pub use client::ChatClient;
#[allow(unused_imports)]
pub(crate) use error::to_js_error;

#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

/// The model, signal and operation types, generated from their Rust
/// definitions by `cargo run -p codegen`.
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_GENERATED: &'static str = include_str!("generated.d.ts");
