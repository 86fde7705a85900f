//! Clock, dates, identifiers and percent-decoding.

use rand::Rng;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn parts(ms: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    (y, mo, d, rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000)
}

/// ISO 8601 UTC with milliseconds: `2025-01-31T12:34:56.789Z`.
pub fn iso(ms: i64) -> String {
    let (y, mo, d, h, mi, s, milli) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// The current time as an ISO 8601 string.
pub fn now_iso() -> String {
    iso(now_ms())
}

/// An error id: `err_` + `YYYYMMDDhhmmss` + `x` + 8 uppercase hex digits.
pub fn error_id() -> String {
    let (y, mo, d, h, mi, s, _) = parts(now_ms());
    let r: u32 = rand::thread_rng().gen();
    format!("err_{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}x{r:08X}")
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static ULID_STATE: Mutex<(u64, u128)> = Mutex::new((0, 0));

/// A ULID (26 characters, Crockford base32): 48-bit millisecond time and 80
/// random bits, monotonic within a millisecond, so ids sort by creation time.
pub fn ulid() -> String {
    let ms = now_ms().max(0) as u64;
    let rand_bits = {
        let mut st = ULID_STATE.lock().unwrap_or_else(|e| e.into_inner());
        if ms <= st.0 {
            st.1 = (st.1 + 1) & ((1u128 << 80) - 1);
        } else {
            st.0 = ms;
            st.1 = rand::thread_rng().gen::<u128>() & ((1u128 << 79) - 1);
        }
        ((st.0 as u128) << 80) | st.1
    };
    let mut out = [0u8; 26];
    for (i, c) in out.iter_mut().enumerate() {
        let shift = 125 - 5 * i as u32;
        *c = CROCKFORD[((rand_bits >> shift) & 31) as usize];
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// A prefixed internal id, e.g. `conv_01JABC…`; it also satisfies the
/// caller-chosen id rules.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid())
}

/// Random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..bytes).map(|_| format!("{:02x}", rng.gen::<u8>())).collect()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one path segment or query component (`+` is a space when
/// `plus_is_space`). Invalid escapes are kept as they are; invalid UTF-8 is
/// replaced.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Path segments, percent-decoded after splitting; empty segments (doubled
/// or trailing slashes) dropped.
pub fn path_segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect()
}

/// Parses a query string into decoded (name, value) pairs (`qs`-like: `+` is a space).
pub fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_738_326_896_789), "2025-01-31T12:34:56.789Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn ids() {
        let a = new_id("msg");
        let b = new_id("msg");
        assert!(a < b, "{a} {b}");
        assert_eq!(a.len(), 30);
        botpress_chat::model::validate_fid(&a).unwrap();
        let e = error_id();
        assert_eq!(e.len(), 4 + 14 + 1 + 8);
        assert!(e[19..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b%2Fc", false), "a b/c");
        assert_eq!(percent_decode("a+b%", true), "a b%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(
            parse_query(Some("x-user-key=a.b.c&nextToken=t%3D1")),
            vec![("x-user-key".into(), "a.b.c".into()), ("nextToken".into(), "t=1".into())]
        );
        assert_eq!(path_segments("//local/conversations/a%2Fb/"), ["local", "conversations", "a/b"]);
        assert!(path_segments("/").is_empty());
    }
}
