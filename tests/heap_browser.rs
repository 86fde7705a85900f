//! The allocator tests of `heap_wasm.rs` in a browser (`wasm-pack test
//! --headless --chrome --firefox`): the same wasm, another engine.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod heap;
