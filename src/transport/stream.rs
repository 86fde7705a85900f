//! A streamed `fetch` response body (the `'sse'` transport): the request
//! (`openStream` of `src/host.js`) carries the `x-user-key` header; the body is read
//! chunk by chunk as `Uint8Array`s, each copied once into wasm memory in
//! slices of at most [`MAX_SLICE`] bytes (a browser may hand over a fast
//! stream in chunks of a megabyte or more).
//!
//! The global `fetch` works in browsers, Node 18+ and edge workers.
//! Dropping a [`BodyStream`] aborts the request.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;

use crate::error::{error_from_response, Error};
use crate::host;

/// Longest error body read from a refused listen request, in UTF-16 units.
const MAX_ERROR_BODY: u32 = 64 * 1024;

/// Most bytes one [`BodyStream::read`] returns: the rest of a larger chunk
/// is kept on the JS side for the next reads, so the wasm buffer (and
/// whatever is decoded from one read) stays this small.
pub(crate) const MAX_SLICE: u32 = 64 * 1024;

/// An open response body being read.
pub(crate) struct BodyStream {
    reader: ReadableStreamDefaultReader,
    /// The request: aborted when the stream is dropped.
    request: host::Pending,
    /// The read in flight: kept when a caller stops waiting (a timer won a
    /// race), so no chunk is ever lost.
    pending: Option<JsFuture>,
    /// The last chunk and how much of it was returned; read in slices
    /// before the next chunk is asked for.
    chunk: Option<(Uint8Array, u32)>,
    /// Holds the slice a read returns: [`MAX_SLICE`] bytes, allocated (and
    /// zero-filled) once, by the first read.
    buf: Vec<u8>,
    done: bool,
}

impl Drop for BodyStream {
    fn drop(&mut self) {
        if !self.done {
            // The promise rejects when the stream already failed: consume it,
            // or Node reports an unhandled rejection.
            let cancel = self.reader.cancel();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(cancel).await;
            });
        }
        self.request.cancel();
    }
}

pub(crate) fn network_error(context: &str, e: &JsValue) -> Error {
    Error::network(format!("{context}: {}", host::error_text(e)))
}

/// Opens `GET url` with the user key (`openStream` of `src/host.js`) and
/// resolves once the response head arrived. A non-2xx answer is read
/// (bounded) and classified.
pub(crate) async fn open(url: &str, key: &str) -> Result<BodyStream, Error> {
    let request = host::open_stream(url, key, MAX_ERROR_BODY);
    let promise: js_sys::Promise = request.clone().unchecked_into();
    // Aborts the request if this future is dropped before the body is handed over.
    let guard = host::CancelOnDrop::new(request);
    let answer: js_sys::Array = match JsFuture::from(promise).await {
        Ok(a) => a.unchecked_into(),
        Err(e) => return Err(network_error("listen request failed", &e)),
    };
    let status = answer.get(0).as_f64().unwrap_or(0.0) as u16;
    match answer.get(1).dyn_into::<ReadableStreamDefaultReader>() {
        Ok(reader) => {
            Ok(BodyStream { reader, request: guard.keep(), pending: None, chunk: None, buf: Vec::new(), done: false })
        }
        Err(_) if (200..300).contains(&status) => Err(Error::network("listen response has no body")),
        Err(text) => {
            let text = text.as_string().unwrap_or_default();
            Err(error_from_response(status, host::json::parse_value(&text).ok().as_ref(), &text))
        }
    }
}

impl BodyStream {
    /// Reads the next bytes: at most [`MAX_SLICE`] of them, in order, each
    /// exactly once. `Ok(None)` once the body ended.
    pub(crate) async fn read(&mut self) -> Result<Option<&[u8]>, Error> {
        let (chunk, offset) = match self.chunk.take() {
            Some(rest) => rest,
            None => match self.next_chunk().await? {
                Some(chunk) => (chunk, 0),
                None => return Ok(None),
            },
        };
        let len = chunk.length();
        let end = len.min(offset.saturating_add(MAX_SLICE));
        let n = (end - offset) as usize;
        if self.buf.is_empty() {
            self.buf = vec![0; MAX_SLICE as usize];
        }
        let out = &mut self.buf[..n];
        if offset == 0 && end == len {
            chunk.copy_to(out);
        } else {
            chunk.subarray(offset, end).copy_to(out);
            if end < len {
                self.chunk = Some((chunk, end));
            }
        }
        Ok(Some(&self.buf[..n]))
    }

    /// Waits for the next chunk; `None` once the body ended.
    async fn next_chunk(&mut self) -> Result<Option<Uint8Array>, Error> {
        if self.done {
            return Ok(None);
        }
        let reader = &self.reader;
        let pending = self.pending.get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = pending.await;
        self.pending = None;
        let result = result.map_err(|e| {
            self.done = true;
            network_error("stream read failed", &e)
        })?;
        let done = Reflect::get(&result, &JsValue::from_str("done")).map(|v| v.is_truthy()).unwrap_or(true);
        if done {
            self.done = true;
            return Ok(None);
        }
        let value = Reflect::get(&result, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
        let chunk = value.dyn_into().map_err(|_| Error::decode("stream chunk is not a Uint8Array"))?;
        Ok(Some(chunk))
    }
}

/// Checks why a listen URL refuses a connection, for transports that cannot
/// see the HTTP status (EventSource, WebSocket): `Some(error)` if the server
/// answers the same request with an error, `None` if it would accept it.
pub(crate) async fn probe(url: &str, key: &str) -> Option<Error> {
    match open(url, key).await {
        Ok(body) => {
            drop(body);
            None
        }
        Err(e) if e.is_api_error() => Some(e),
        Err(_) => None,
    }
}
