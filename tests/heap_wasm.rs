//! The crate's wasm allocator (feature `small-alloc`, `src/heap.rs`) as the
//! global allocator of a wasm program, in Node: random sizes, frees and
//! reallocations whose contents are checked, and a check that it is really
//! this allocator that serves them.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

mod heap;
