//! User keys: HS256 JWTs (PROTOCOL.md §2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length")
}

/// Signs `{"id": id, "iat": iat}` with HS256.
pub fn mint(secret: &[u8], id: &str, iat: i64) -> String {
    sign(secret, &json!({"alg": "HS256", "typ": "JWT"}), &json!({"id": id, "iat": iat}))
}

/// Signs any header and claims (used by tests for forged keys too).
pub fn sign(secret: &[u8], header: &Value, claims: &Value) -> String {
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{head}.{body}");
    let mut m = mac(secret);
    m.update(input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{input}.{sig}")
}

/// Verifies a key now; returns its `id` claim, or 401 `Invalid user key`.
pub fn verify_key(secret: &[u8], key: &str) -> ApiResult<String> {
    verify(secret, key, crate::util::now_secs()).map_err(|_| ApiError::bad_key())
}

/// Why a key was refused (always answered as 401 `Invalid user key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey;

fn decode_part(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

fn time_claim(claims: &serde_json::Map<String, Value>, name: &str) -> Result<Option<f64>, InvalidKey> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or(InvalidKey),
    }
}

/// Verifies a key and returns its `id` claim. Only HS256 is accepted; an
/// `exp` in the past or an `nbf` in the future fails, as does a payload
/// without a string `id`.
pub fn verify(secret: &[u8], token: &str, now_secs: i64) -> Result<String, InvalidKey> {
    let mut it = token.split('.');
    let (head, body, sig) = match (it.next(), it.next(), it.next(), it.next()) {
        (Some(h), Some(b), Some(s), None) => (h, b, s),
        _ => return Err(InvalidKey),
    };
    let header: Value = serde_json::from_slice(&decode_part(head).ok_or(InvalidKey)?).map_err(|_| InvalidKey)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(InvalidKey);
    }
    let sig = decode_part(sig).ok_or(InvalidKey)?;
    let mut m = mac(secret);
    m.update(head.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m.verify_slice(&sig).map_err(|_| InvalidKey)?;
    let claims: Value = serde_json::from_slice(&decode_part(body).ok_or(InvalidKey)?).map_err(|_| InvalidKey)?;
    let claims = claims.as_object().ok_or(InvalidKey)?;
    let now = now_secs as f64;
    if let Some(exp) = time_claim(claims, "exp")? {
        if now >= exp {
            return Err(InvalidKey);
        }
    }
    if let Some(nbf) = time_claim(claims, "nbf")? {
        if nbf > now {
            return Err(InvalidKey);
        }
    }
    time_claim(claims, "iat")?;
    match claims.get("id") {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(InvalidKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let k = mint(b"s", "u1", 100);
        assert_eq!(verify(b"s", &k, 200), Ok("u1".into()));
        assert!(verify(b"t", &k, 200).is_err());
        let none =
            format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#), URL_SAFE_NO_PAD.encode(r#"{"id":"u1"}"#));
        assert!(verify(b"s", &none, 200).is_err());
        let hs512 = sign(b"s", &json!({"alg":"HS512"}), &json!({"id":"u"}));
        assert!(verify(b"s", &hs512, 200).is_err());
        let exp = sign(b"s", &json!({"alg":"HS256"}), &json!({"id":"u","exp":150}));
        assert!(verify(b"s", &exp, 200).is_err());
        assert!(verify(b"s", &exp, 100).is_ok());
        let nbf = sign(b"s", &json!({"alg":"HS256"}), &json!({"id":"u","nbf":300}));
        assert!(verify(b"s", &nbf, 200).is_err());
        let noid = sign(b"s", &json!({"alg":"HS256"}), &json!({"sub":"u"}));
        assert!(verify(b"s", &noid, 200).is_err());
        let numid = sign(b"s", &json!({"alg":"HS256"}), &json!({"id":5}));
        assert!(verify(b"s", &numid, 200).is_err());
        assert!(verify(b"s", "garbage", 200).is_err());
    }
}
