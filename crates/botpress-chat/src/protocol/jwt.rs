//! User keys for personal-mode servers (PROTOCOL.md §2.3): an HS256 JWT with the
//! claims `{"id": <user id>, "iat": <unix seconds>}`, signed with the
//! integration's encryption key.
//!
//! The token's layout is written here once; the HMAC itself is the host's
//! ([`Host::hmac_sha256`](crate::host::Host::hmac_sha256): this module's
//! [`hmac_sha256`] by default, WebCrypto in the npm package).
//!
//! The encryption key is only used to sign: it is never sent, logged,
//! stored in an error or shown by `Debug`.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::error::Error;

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
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

/// The checks before signing; the error never holds the key.
pub fn check_inputs(encryption_key: &str, user_id: &str) -> Result<(), Error> {
    if encryption_key.is_empty() {
        return Err(Error::config("encryptionKey must not be empty"));
    }
    if user_id.is_empty() {
        return Err(Error::config("userId is required to sign a user key"));
    }
    Ok(())
}

/// What is signed: the base64url header `{"alg":"HS256","typ":"JWT"}`, a dot,
/// and the base64url claims `{"id":…,"iat":…}`. `write` writes a JSON string
/// (the host's [`write_json`](crate::host::Host::write_json)).
pub fn signing_input(user_id: &str, iat_secs: u64, write: &dyn Fn(&Value) -> String) -> String {
    let mut claims = String::from("{\"id\":");
    claims.push_str(&write(&Value::String(user_id.to_string())));
    claims.push_str(",\"iat\":");
    claims.push_str(&iat_secs.to_string());
    claims.push('}');
    let mut input = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    input.push('.');
    input.push_str(&b64url(claims.as_bytes()));
    input
}

/// The token: the signing input, a dot, the base64url signature.
pub fn token(signing_input: &str, signature: &[u8]) -> String {
    let mut token = String::from(signing_input);
    token.push('.');
    token.push_str(&b64url(signature));
    token
}

/// HMAC-SHA256 of `data` with `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    // HMAC takes keys of any length; the error exists in the signature only.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::config("cannot sign the user key"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Signs a user key for `user_id`, issued at `iat_secs` (Unix seconds), with
/// this module's HMAC and serde_json.
pub fn sign_user_key(encryption_key: &str, user_id: &str, iat_secs: u64) -> Result<String, Error> {
    check_inputs(encryption_key, user_id)?;
    let input = signing_input(user_id, iat_secs, &|v| v.to_string());
    Ok(token(&input, &hmac_sha256(encryption_key.as_bytes(), input.as_bytes())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwt_compact::alg::{Hs256, Hs256Key};
    use jwt_compact::{AlgorithmExt, UntrustedToken};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Back {
        id: String,
    }

    #[test]
    fn signed_key_verifies_and_has_exactly_id_and_iat() {
        let token = sign_user_key("s3cret", "user-1", 1_700_000_000).unwrap();
        let untrusted = UntrustedToken::new(&token).unwrap();
        assert_eq!(untrusted.algorithm(), "HS256");
        assert_eq!(untrusted.header().token_type.as_deref(), Some("JWT"));

        let key = Hs256Key::new(b"s3cret");
        let checked = Hs256.validator::<Back>(&key).validate(&untrusted).unwrap();
        assert_eq!(checked.claims().custom, Back { id: "user-1".into() });
        assert_eq!(checked.claims().issued_at.map(|t| t.timestamp()), Some(1_700_000_000));

        // The claims object is exactly {id, iat}.
        let raw = base64_url_decode(token.split('.').nth(1).unwrap());
        let claims: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(claims, serde_json::json!({"id": "user-1", "iat": 1_700_000_000u64}));

        let wrong = Hs256Key::new(b"other");
        assert!(Hs256.validator::<Back>(&wrong).validate(&untrusted).is_err());
    }

    #[test]
    fn known_vector() {
        let token = sign_user_key("k", "u", 1).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&base64_url_decode(parts[0])).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT"}));
        let claims = base64_url_decode(parts[1]);
        assert_eq!(claims, br#"{"id":"u","iat":1}"#);
    }

    #[test]
    fn empty_inputs_are_config_errors_without_the_key() {
        let e = sign_user_key("", "u", 1).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Config);
        let e = sign_user_key("topsecretkey", "", 1).unwrap_err();
        assert!(!format!("{e:?}{e}").contains("topsecretkey"));
    }

    /// Decodes unpadded base64url (test inputs only).
    fn base64_url_decode(s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len() * 3 / 4);
        let (mut buf, mut bits) = (0u32, 0);
        for c in s.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => panic!("not base64url: {s}"),
            };
            buf = (buf << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buf >> bits) as u8);
                buf &= (1 << bits) - 1;
            }
        }
        out
    }
}
