//! User keys for personal mode (PROTOCOL.md §2.3) signed by the host's WebCrypto:
//! the same HS256 token as [`crate::protocol::jwt::sign_user_key`]
//! (`{"alg":"HS256","typ":"JWT"}`, claims `{"id", "iat"}`), without linking a
//! SHA-256, HMAC and JSON serialiser into the JS package. Needs
//! `crypto.subtle`: browsers in secure contexts (https, localhost), Node 19+,
//! Deno, edge workers.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::host;

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
fn b64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..=chunk.len() {
            out.push(char::from(B64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn failed(e: &JsValue) -> Error {
    let mut m = String::from("cannot sign the user key with WebCrypto (crypto.subtle)");
    m.push_str(": ");
    m.push_str(&host::error_text(e));
    Error::config(m)
}

/// Signs a user key for `user_id`, issued at `iat_secs` (Unix seconds).
pub(crate) async fn sign_user_key(encryption_key: &str, user_id: &str, iat_secs: u64) -> Result<String, Error> {
    if encryption_key.is_empty() {
        return Err(Error::config("encryptionKey must not be empty"));
    }
    if user_id.is_empty() {
        return Err(Error::config("userId is required to sign a user key"));
    }
    let id = String::from(js_sys::JSON::stringify(&JsValue::from_str(user_id)).map_err(|e| failed(&e))?);
    let mut claims = String::from("{\"id\":");
    claims.push_str(&id);
    claims.push_str(",\"iat\":");
    claims.push_str(&iat_secs.to_string());
    claims.push('}');
    let mut token = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    token.push('.');
    token.push_str(&b64url(claims.as_bytes()));

    let algorithm = Object::new();
    let _ = Reflect::set(&algorithm, &"name".into(), &"HMAC".into());
    let _ = Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into());
    let usages = Array::of1(&"sign".into());
    let raw = Uint8Array::from(encryption_key.as_bytes());
    let key = host::import_key("raw", &raw, &algorithm, false, &usages).map_err(|e| failed(&e))?;
    let key = JsFuture::from(key).await.map_err(|e| failed(&e))?;
    let data = Uint8Array::from(token.as_bytes());
    let sig = host::subtle_sign("HMAC", &key, &data).map_err(|e| failed(&e))?;
    let sig = JsFuture::from(sig).await.map_err(|e| failed(&e))?;
    let sig = Uint8Array::new(&sig).to_vec();
    token.push('.');
    token.push_str(&b64url(&sig));
    Ok(token)
}
