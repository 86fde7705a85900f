//! User keys for personal-mode servers (PROTOCOL.md §2.3): an HS256 JWT with the
//! claims `{"id": <user id>, "iat": <unix seconds>}`, signed with the
//! integration's encryption key.
//!
//! The encryption key is only used to sign here: it is never sent, logged,
//! stored in an error or shown by `Debug`.

use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header};
use serde::Serialize;

use crate::error::Error;

#[derive(Serialize)]
struct UserClaims<'a> {
    id: &'a str,
    iat: u64,
}

/// Signs a user key for `user_id`, issued at `iat_secs` (Unix seconds,
/// supplied by the caller: `js_sys::Date::now()` on wasm).
pub fn sign_user_key(encryption_key: &str, user_id: &str, iat_secs: u64) -> Result<String, Error> {
    if encryption_key.is_empty() {
        return Err(Error::config("encryptionKey must not be empty"));
    }
    if user_id.is_empty() {
        return Err(Error::config("userId is required to sign a user key"));
    }
    let key = Hs256Key::new(encryption_key.as_bytes());
    let header = Header::empty().with_token_type("JWT");
    let claims = Claims::new(UserClaims { id: user_id, iat: iat_secs });
    // The only failure is a claims serialisation error (of a string and a
    // number, so in practice none); a fixed message keeps serde_json's
    // error texts out of the binary.
    Hs256.token(&header, &claims, &key).map_err(|_| Error::config("cannot sign the user key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwt_compact::UntrustedToken;
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
