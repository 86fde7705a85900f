//! Pure protocol: no I/O, tested natively.

pub mod http;
pub mod json;
pub mod jwt;
pub mod lean_json;
pub mod sse;
