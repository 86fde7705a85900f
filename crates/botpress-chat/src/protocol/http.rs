//! Pure HTTP rules: how a response (status, body text) becomes a value or an
//! [`Error`], the response size limit, and when a request is retried.
//!
//! Classification (PROTOCOL.md §1.3, §6.4):
//! - 2xx–3xx with a JSON body: the body, unless it is an object carrying a
//!   numeric `code` of 400–599 (an error wrapped in a success).
//! - 2xx–3xx with an empty, truncated, HTML or otherwise non-JSON body, or a
//!   body of the wrong shape: a `Decode` error saying what was wrong.
//! - other statuses with the typed error body: that API error.
//! - other statuses with a bare `{"message"}`, plain text or an empty body:
//!   an `Unknown` API error whose `code` is the HTTP status.
//! - other statuses with an HTML page (a proxy or a wrong URL answered, not
//!   the Chat API): a `Decode` error that keeps the status in its message.

use serde_json::Value;

use crate::api::Method;
use crate::error::{error_from_response, error_in_success, Error};
use crate::protocol::json::{self, Parse};

/// Default limit on a response body: 1 MiB. Larger answers fail with a
/// `Decode` error instead of being buffered.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Whether a status counts as success (the official client accepts 200–399).
pub fn is_success(status: u16) -> bool {
    (200..400).contains(&status)
}

/// Whether `fetch` accepts this header name: an HTTP token.
pub fn header_name_ok(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `fetch` accepts this header value: no NUL, CR or LF and no
/// character above U+00FF.
pub fn header_value_ok(value: &str) -> bool {
    // In UTF-8, U+0100 and above start with a byte from 0xC4 up.
    !value.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n') || b >= 0xC4)
}

/// The error for a body over `limit` bytes.
pub fn too_large(op: &str, limit: usize) -> Error {
    Error::decode(format!("{op}: the response body exceeds the limit of {limit} bytes"))
}

/// Checks a declared or counted body size against the limit.
pub fn check_size(op: &str, len: usize, limit: usize) -> Result<(), Error> {
    if len > limit {
        Err(too_large(op, limit))
    } else {
        Ok(())
    }
}

fn looks_like_html(body: &str) -> bool {
    let t = body.trim_start();
    t.starts_with('<')
}

/// Classifies a response into its JSON body or an error. `op` names the
/// operation in messages.
pub fn classify(op: &str, status: u16, body: &str, parse: Parse<'_>) -> Result<Value, Error> {
    if is_success(status) {
        let value = json::parse_value_with(body, parse)
            .map_err(|e| Error::decode(format!("{op}: HTTP {status}: {}", e.message)))?;
        if let Some(err) = error_in_success(&value) {
            return Err(err);
        }
        return Ok(value);
    }
    let parsed = json::parse_value_with(body, parse);
    if looks_like_html(body) {
        if let Err(e) = parsed {
            return Err(Error::decode(format!("{op}: HTTP {status}: {}", e.message)));
        }
    }
    let parsed = parsed.ok();
    Err(error_from_response(status, parsed.as_ref(), body))
}

/// [`classify`], then requires the body to be a JSON object (every
/// operation answers with one).
pub fn classify_object(op: &str, status: u16, body: &str, parse: Parse<'_>) -> Result<Value, Error> {
    let value = classify(op, status, body, parse)?;
    if !value.is_object() {
        let got = match value {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(Error::decode(format!("{op}: unexpected response: expected a JSON object, got {got}")));
    }
    Ok(value)
}

fn unexpected(op: &str, e: Error) -> Error {
    Error::decode(format!("{op}: unexpected response: {}", e.message))
}

/// Checks that a classified body has the shape of `T`.
pub fn check<T: serde::de::DeserializeOwned>(op: &str, value: &Value) -> Result<(), Error> {
    json::check::<T>(value).map_err(|e| unexpected(op, e))
}

/// Classifies a response and reads the typed output from it.
pub fn decode<T: serde::de::DeserializeOwned>(op: &str, status: u16, body: &str) -> Result<T, Error> {
    decode_value(op, classify_object(op, status, body, &json::serde_parse)?)
}

/// Reads the typed output from a classified body.
pub fn decode_value<T: serde::de::DeserializeOwned>(op: &str, value: Value) -> Result<T, Error> {
    json::from_value(value).map_err(|e| unexpected(op, e))
}

/// Whether the `/hello` connectivity check passed (PROTOCOL.md §9.2): any 2xx whose
/// body is not an error in disguise.
pub fn hello_ok(status: u16, body: &str, parse: Parse<'_>) -> Result<(), Error> {
    if !(200..300).contains(&status) {
        let parsed = json::parse_value_with(body, parse).ok();
        return Err(error_from_response(status, parsed.as_ref(), body));
    }
    // Only a JSON object can be an error in disguise: the usual answer, plain
    // text, is not read as JSON (a failed read would build its message for
    // nothing, at every connect).
    if body.trim_start().starts_with('{') {
        if let Ok(value) = json::parse_value_with(body, parse) {
            if let Some(err) = error_in_success(&value) {
                return Err(err);
            }
        }
    }
    Ok(())
}

/// Bounded retry of idempotent reads on 429, 502, 503 and 504.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// First backoff delay when the server gives no `Retry-After`; doubles each retry.
    pub base_delay_ms: u32,
    /// Longest wait: a larger `Retry-After` is not waited for, the error is returned.
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_delay_ms: 300, max_delay_ms: 10_000 }
    }
}

impl RetryPolicy {
    /// No retries.
    pub const NONE: RetryPolicy = RetryPolicy { max_retries: 0, base_delay_ms: 0, max_delay_ms: 0 };

    /// The delay before retry number `attempt` (0 for the first retry), or
    /// `None` to give up. `retry_after` is the header's value, `now_ms` the
    /// current time (for HTTP-date values) and `jitter` a number in [0, 1)
    /// that spreads backoff delays (half fixed, half random).
    pub fn delay_ms(
        &self,
        method: Method,
        status: u16,
        retry_after: Option<&str>,
        attempt: u32,
        now_ms: f64,
        jitter: f64,
    ) -> Option<u32> {
        if !method.is_idempotent_read() || attempt >= self.max_retries {
            return None;
        }
        if !matches!(status, 429 | 502 | 503 | 504) {
            return None;
        }
        if let Some(ms) = retry_after.and_then(|v| parse_retry_after(v, now_ms)) {
            return (ms <= u64::from(self.max_delay_ms)).then_some(ms as u32);
        }
        let backoff =
            u64::from(self.base_delay_ms).saturating_mul(1u64 << attempt.min(20)).min(u64::from(self.max_delay_ms));
        let jitter = jitter.clamp(0.0, 1.0);
        Some((backoff as f64 * (0.5 + 0.5 * jitter)) as u32)
    }
}

/// Parses `Retry-After`: delay-seconds (`"120"`) or an IMF-fixdate
/// (`"Sun, 06 Nov 1994 08:49:37 GMT"`), to milliseconds from `now_ms`.
/// Dates in the past give 0. Anything else gives `None`.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v.parse::<u64>().ok()?.saturating_mul(1000));
    }
    let at_ms = parse_http_date(v)? as f64 * 1000.0;
    Some(if at_ms <= now_ms { 0 } else { (at_ms - now_ms).ceil() as u64 })
}

/// IMF-fixdate to Unix seconds. The format has a fixed layout, so it is
/// read by position: `"Sun, 06 Nov 1994 08:49:37 GMT"`.
fn parse_http_date(v: &str) -> Option<i64> {
    const MONTHS: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let b: &[u8; 29] = v.as_bytes().try_into().ok()?;
    let num = |at: usize, len: usize| -> Option<i64> {
        b[at..at + len].iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let layout = [(3, b','), (4, b' '), (7, b' '), (11, b' '), (16, b' '), (19, b':'), (22, b':'), (25, b' ')];
    if layout.iter().any(|&(i, c)| b[i] != c) || &b[26..] != b"GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m[..] == b[8..11])? as u32 + 1;
    let (day, year, h, m, s) = (num(5, 2)?, num(12, 4)?, num(17, 2)?, num(20, 2)?, num(23, 2)?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day as u32) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::UserOutput;
    use crate::{ApiErrorType, ErrorKind};

    #[test]
    fn header_names_and_values() {
        for name in ["x-user-key", "X_Custom!", "a"] {
            assert!(header_name_ok(name), "{name:?}");
        }
        for name in ["", "bad header", "x:y", "x\u{e9}"] {
            assert!(!header_name_ok(name), "{name:?}");
        }
        for value in ["eyJhbGciOi.J9.x", "caf\u{e9} au lait", "\u{ff}", ""] {
            assert!(header_value_ok(value), "{value:?}");
        }
        for value in ["a\r\nb", "nul\0", "\u{100}", "\u{2603}"] {
            assert!(!header_value_ok(value), "{value:?}");
        }
    }

    const USER: &str =
        r#"{"user":{"id":"u","createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-01T00:00:00.000Z"}}"#;

    fn dec(status: u16, body: &str) -> Result<UserOutput, Error> {
        decode::<UserOutput>("getUser", status, body)
    }

    #[test]
    fn success() {
        assert_eq!(dec(200, USER).unwrap().user.id, "u");
        assert_eq!(dec(201, USER).unwrap().user.id, "u");
    }

    #[test]
    fn typed_api_errors() {
        for ty in [
            ApiErrorType::Unauthorized,
            ApiErrorType::Forbidden,
            ApiErrorType::InvalidPayload,
            ApiErrorType::AlreadyExists,
            ApiErrorType::ResourceNotFound,
            ApiErrorType::MethodNotFound,
            ApiErrorType::Internal,
            ApiErrorType::RateLimited,
        ] {
            let body = format!(r#"{{"id":"err_1","code":{},"type":"{}","message":"m"}}"#, ty.code(), ty.name());
            let e = dec(ty.code(), &body).unwrap_err();
            assert_eq!(
                (e.kind, e.code, e.id.as_deref(), e.message.as_str()),
                (ErrorKind::Api(ty), ty.code(), Some("err_1"), "m")
            );
        }
    }

    #[test]
    fn malformed_successes_are_decode_errors() {
        let cases = [
            ("", "getUser: HTTP 200: expected JSON, got an empty body"),
            ("not json", "getUser: HTTP 200: expected JSON, got text: not json"),
            ("<!doctype html><p>hi", "getUser: HTTP 200: expected JSON, got HTML: <!doctype html><p>hi"),
            (r#"{"user":{"id":"u","crea"#, "getUser: HTTP 200: invalid or truncated JSON"),
            (
                r#"{"user":{"id":1,"createdAt":"a","updatedAt":"b"}}"#,
                "getUser: unexpected response: user.id: invalid type: integer `1`, expected a string",
            ),
            (r#"{"user":null}"#, "getUser: unexpected response: user: invalid type: null"),
            ("[]", "getUser: unexpected response: expected a JSON object, got an array"),
            ("null", "getUser: unexpected response: expected a JSON object, got null"),
        ];
        for (body, want) in cases {
            let e = dec(200, body).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Decode, "{body}");
            assert!(e.message.starts_with(want), "{body}: {}", e.message);
        }
    }

    #[test]
    fn error_wrapped_in_success() {
        let e = dec(200, r#"{"code":403,"type":"Forbidden","message":"no","id":"err_x"}"#).unwrap_err();
        assert_eq!((e.kind, e.code, e.message.as_str()), (ErrorKind::Http, 403, "no"));
        let e = dec(200, r#"{"code":502}"#).unwrap_err();
        assert_eq!((e.kind, e.code, e.message.as_str()), (ErrorKind::Http, 502, "An error occurred"));
        // A code outside 400-599 is not an error marker.
        assert!(dec(200, r#"{"code":200}"#).unwrap_err().kind == ErrorKind::Decode);
    }

    #[test]
    fn irregular_failures_are_unknown_with_the_status() {
        const UNKNOWN: ErrorKind = ErrorKind::Api(ApiErrorType::Unknown);
        let e = dec(400, r#"{"message":"must have required property 'x-user-key'"}"#).unwrap_err();
        assert_eq!((e.kind, e.code), (UNKNOWN, 400));
        assert_eq!(e.message, "must have required property 'x-user-key'");
        let e = dec(404, r#"{"message":"Route doesn't exist"}"#).unwrap_err();
        assert_eq!((e.kind, e.code), (UNKNOWN, 404));
        let e = dec(500, "Something broke").unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (UNKNOWN, "HTTP 500: Something broke"));
        let e = dec(500, "").unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (UNKNOWN, "HTTP 500 with an empty body"));
        let e = dec(503, "{\"trunc").unwrap_err();
        assert_eq!((e.kind, e.code), (UNKNOWN, 503));
        let e = dec(500, "<html><title>Oops</title></html>").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Decode);
        assert!(e.message.starts_with("getUser: HTTP 500: expected JSON, got HTML"), "{}", e.message);
        let e = dec(429, "").unwrap_err();
        assert_eq!((e.kind, e.code), (UNKNOWN, 429));
    }

    #[test]
    fn size_limit() {
        assert!(check_size("getUser", 10, 10).is_ok());
        let e = check_size("getUser", 11, 10).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Decode, "getUser: the response body exceeds the limit of 10 bytes")
        );
    }

    #[test]
    fn hello() {
        // The plain-text answer passes without being read as JSON.
        let reads = std::cell::Cell::new(0);
        let counting = |t: &str| {
            reads.set(reads.get() + 1);
            json::serde_parse(t)
        };
        assert!(hello_ok(200, "Hello, Botpress User 🤖", &counting).is_ok());
        assert_eq!(reads.get(), 0, "plain text was read as JSON");
        assert_eq!(hello_ok(200, " {\"code\":503,\"message\":\"down\"}", &counting).unwrap_err().code, 503);
        assert_eq!(reads.get(), 1);
        assert!(hello_ok(200, "Hello, Botpress User 🤖", &json::serde_parse).is_ok());
        assert!(hello_ok(204, "", &json::serde_parse).is_ok());
        assert_eq!(hello_ok(200, r#"{"code":500,"message":"down"}"#, &json::serde_parse).unwrap_err().code, 500);
        assert_eq!(hello_ok(404, r#"{"message":"Route doesn't exist"}"#, &json::serde_parse).unwrap_err().code, 404);
    }

    #[test]
    fn retry_decisions() {
        let p = RetryPolicy::default();
        // Only GETs, only the four statuses, bounded.
        assert_eq!(p.delay_ms(Method::Post, 503, Some("0"), 0, 0.0, 0.0), None);
        assert_eq!(p.delay_ms(Method::Get, 500, None, 0, 0.0, 0.0), None);
        assert_eq!(p.delay_ms(Method::Get, 404, None, 0, 0.0, 0.0), None);
        for s in [429, 502, 503, 504] {
            assert_eq!(p.delay_ms(Method::Get, s, Some("0"), 0, 0.0, 0.0), Some(0));
        }
        assert_eq!(p.delay_ms(Method::Get, 503, Some("2"), 2, 0.0, 0.0), Some(2000));
        assert_eq!(p.delay_ms(Method::Get, 503, Some("0"), 3, 0.0, 0.0), None);
        // Retry-After beyond the cap: give up rather than ignore it.
        assert_eq!(p.delay_ms(Method::Get, 429, Some("60"), 0, 0.0, 0.0), None);
        // Backoff doubles, with jitter between half and all of it, capped.
        assert_eq!(p.delay_ms(Method::Get, 502, None, 0, 0.0, 0.0), Some(150));
        assert_eq!(p.delay_ms(Method::Get, 502, None, 1, 0.0, 0.999_999), Some(599));
        let big = RetryPolicy { max_retries: 30, base_delay_ms: 300, max_delay_ms: 10_000 };
        assert_eq!(big.delay_ms(Method::Get, 502, None, 25, 0.0, 0.999_999_99), Some(9_999));
        // Unparsable Retry-After falls back to backoff.
        assert_eq!(p.delay_ms(Method::Get, 503, Some("soon"), 0, 0.0, 0.0), Some(150));
        assert_eq!(RetryPolicy::NONE.delay_ms(Method::Get, 503, Some("0"), 0, 0.0, 0.0), None);
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("0", 0.0), Some(0));
        assert_eq!(parse_retry_after(" 3 ", 0.0), Some(3000));
        assert_eq!(parse_retry_after("-1", 0.0), None);
        assert_eq!(parse_retry_after("1.5", 0.0), None);
        assert_eq!(parse_retry_after("", 0.0), None);
        // 784111777 = Sun, 06 Nov 1994 08:49:37 GMT
        let at = 784_111_777_000.0;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 2500.0), Some(2500));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + 1.0), Some(0));
        assert_eq!(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0.0), Some(0));
        assert_eq!(parse_retry_after("Sat, 29 Feb 2020 12:00:00 GMT", 1_582_977_600_000.0 - 1000.0), Some(1000));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", 0.0), None);
        assert_eq!(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", 0.0), None);
        for bad in [
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun 06 Nov 1994 08:49:37 GMT!",
            "Sun, 06 Nov 1994 08:4x:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTX",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }
}
