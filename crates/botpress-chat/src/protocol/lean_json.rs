//! A small JSON reader into [`serde_json::Value`], for a host that must not
//! carry serde_json's parser: the npm package (it would add about 17 KB gzip
//! to its download, and reading through the JS engine's `JSON` instead costs
//! a boundary crossing per value). The package writes JSON with the JS
//! engine's `JSON.stringify`: request bodies are small, and a writer here,
//! measured, saved no time per call and cost download.
//!
//! Floating-point numbers, rare in this API (a location's coordinates), are
//! read by a function the host passes (JS `parseFloat`), which keeps float
//! parsing tables out of the package as well. Integers are read here.
//!
//! Natively the host uses serde_json; `tests/json_props.rs` holds both to the
//! same values on any JSON serde_json writes.

use serde_json::{Map, Number, Value};

/// How deeply arrays and objects may nest (serde_json's limit): a deeper
/// text, e.g. a hostile answer of nested arrays within the size limit, is an
/// error instead of a recursion down the stack.
pub const MAX_DEPTH: usize = 128;

/// Reads a float's text (`-1.5e3`): `None` when it is not a finite number.
pub type ReadFloat<'a> = &'a dyn Fn(&str) -> Option<f64>;

/// Parses JSON text (RFC 8259: one value, whitespace around it). Objects
/// keep the last of duplicate keys, as `JSON.parse` does; an escaped lone
/// surrogate, which a Rust string cannot hold, reads as U+FFFD. The error
/// says what was expected and at which byte.
pub fn parse(text: &str, float: ReadFloat<'_>) -> Result<Value, String> {
    let mut r = Reader { text, at: 0, depth: 0, float };
    r.skip_space();
    let value = r.value()?;
    r.skip_space();
    if r.at < text.len() {
        return Err(r.fail("trailing characters"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
    float: ReadFloat<'a>,
}

impl Reader<'_> {
    fn fail(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    /// The bytes from the current one on.
    fn rest(&self) -> &[u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'{') => self.nested(b'}'),
            Some(b'[') => self.nested(b']'),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.fail("expected a value")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
        if self.rest().starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.fail("expected a value"))
        }
    }

    /// An object (`close` is `}`) or an array (`]`), from its opening byte.
    fn nested(&mut self, close: u8) -> Result<Value, String> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail("nested deeper than 128 levels"));
        }
        self.depth += 1;
        self.at += 1;
        let object = close == b'}';
        let (mut map, mut items) = (Map::new(), Vec::new());
        self.skip_space();
        if self.peek() == Some(close) {
            self.at += 1;
        } else {
            loop {
                self.skip_space();
                if object {
                    if self.peek() != Some(b'"') {
                        return Err(self.fail("expected a key"));
                    }
                    let key = self.string()?;
                    self.skip_space();
                    if self.peek() != Some(b':') {
                        return Err(self.fail("expected `:`"));
                    }
                    self.at += 1;
                    self.skip_space();
                    let value = self.value()?;
                    map.insert(key, value);
                } else {
                    items.push(self.value()?);
                }
                self.skip_space();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(c) if c == close => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.fail("expected `,` or the end of the list")),
                }
            }
        }
        self.depth -= 1;
        Ok(if object { Value::Object(map) } else { Value::Array(items) })
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The stops are ASCII, so both ends are character boundaries
            // (`get`: no slicing that could panic, and no panic message code).
            out.push_str(self.text.get(start..self.at).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => return Err(self.fail("control character in a string")),
                None => return Err(self.fail("unterminated string")),
            }
        }
    }

    /// The character of an escape, from the byte after its backslash.
    fn escape(&mut self) -> Result<char, String> {
        let c = self.peek().ok_or_else(|| self.fail("unterminated string"))?;
        self.at += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let mut code = high;
                if (0xD800..0xDC00).contains(&high) && self.rest().starts_with(b"\\u") {
                    let back = self.at;
                    self.at += 2;
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    } else {
                        self.at = back; // a lone high surrogate; the next escape stands alone
                    }
                }
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            _ => {
                self.at -= 1;
                return Err(self.fail("invalid escape"));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| char::from(c).to_digit(16));
            n = n * 16 + digit.ok_or_else(|| self.fail("invalid \\u escape"))?;
            self.at += 1;
        }
        Ok(n)
    }

    /// Reads ASCII digits: how many, and their value unless it passes
    /// `u64::MAX` (digits are counted, never converted, by a generic parser:
    /// this keeps `str::parse` out of the package).
    fn digits(&mut self) -> (usize, Option<u64>) {
        let (start, mut n) = (self.at, Some(0u64));
        while let Some(c @ b'0'..=b'9') = self.peek() {
            n = n.and_then(|n| n.checked_mul(10)).and_then(|n| n.checked_add(u64::from(c - b'0')));
            self.at += 1;
        }
        (self.at - start, n)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let (count, mut integer) = self.digits();
        // One digit or more, and no leading zero.
        if count == 0 || (count > 1 && self.text.as_bytes().get(self.at - count) == Some(&b'0')) {
            return Err(self.fail("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            integer = None;
            if self.digits().0 == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            integer = None;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits().0 == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        match integer {
            Some(n) if !negative => return Ok(Value::from(n)),
            // Down to i64::MIN (2^63 wraps to it); "-0" is a float, as serde_json reads it.
            Some(n) if n != 0 && n <= 1 << 63 => return Ok(Value::from((n as i64).wrapping_neg())),
            _ => {}
        }
        let text = self.text.get(start..self.at).unwrap_or_default();
        match (self.float)(text).and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(self.fail("number out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Result<Value, String> {
        parse(text, &|s| s.parse().ok())
    }

    #[test]
    fn reads_every_kind_of_value() {
        let v =
            read(" {\"a\" : [1, -2, 3.5, -0, 1e2, true, false, null, \"x\\n\\u00e9\\ud83e\\udd16\\/\"], \"b\":{}} ")
                .unwrap();
        assert_eq!(v, json!({"a": [1, -2, 3.5, -0.0, 100.0, true, false, null, "x\né🤖/"], "b": {}}));
        assert_eq!(read("18446744073709551615").unwrap(), json!(u64::MAX));
        assert_eq!(read("-9223372036854775808").unwrap(), json!(i64::MIN));
        assert_eq!(read("18446744073709551616").unwrap(), json!(18446744073709551616.0));
        assert_eq!(read(r#"{"k":1,"k":2}"#).unwrap(), json!({"k": 2}));
        assert_eq!(read(r#""\ud800x""#).unwrap(), json!("\u{FFFD}x"));
    }

    #[test]
    fn refuses_what_json_does_not_allow() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "tru",
            "nul",
            "\"a",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"a\nb\"",
            "[1 2]",
            "{\"a\" 1}",
            "1 2",
            "NaN",
            "Infinity",
            "1e999",
        ] {
            assert!(read(bad).is_err(), "{bad:?} was read");
        }
        assert_eq!(read("[1,]").unwrap_err(), "expected a value at byte 3");
        assert_eq!(read("{\"a\":").unwrap_err(), "expected a value at byte 5");
    }

    #[test]
    fn depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(read(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(read(&deep).unwrap_err().starts_with("nested deeper than 128 levels"));
        // A hostile depth far past the limit fails without exhausting the stack.
        assert!(read(&"[".repeat(1_000_000)).is_err());
    }
}
