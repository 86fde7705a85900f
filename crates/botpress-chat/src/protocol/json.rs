//! JSON text ⇄ Rust values.
//!
//! Text is parsed into a [`serde_json::Value`] and typed values are read
//! from it, so every typed deserialiser is instantiated once, against
//! `Value`, whichever way the data came in (HTTP body, realtime frame, JS
//! argument).
//!
//! Every failure is a [`Decode`](crate::ErrorKind::Decode) error whose
//! message says what was wrong and where.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Parses JSON text into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    from_value(parse_value(text)?)
}

/// Parses JSON text into a [`Value`] with serde_json. The error says whether
/// the text was empty, cut short or not JSON at all.
pub fn parse_value(text: &str) -> Result<Value, Error> {
    parse_value_with(text, &serde_parse)
}

/// serde_json's parser, with its message as the error.
pub fn serde_parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A JSON parser: the host's (see [`Host::parse_json`](crate::host::Host::parse_json)).
pub type Parse<'a> = &'a dyn Fn(&str) -> Result<Value, String>;

/// [`parse_value`] with the given parser.
pub fn parse_value_with(text: &str, parse: Parse<'_>) -> Result<Value, Error> {
    if text.trim().is_empty() {
        return Err(Error::decode("expected JSON, got an empty body"));
    }
    parse(text).map_err(|detail| Error::decode(describe_bad_json(text, &detail)))
}

/// Reads `T` from a [`Value`]. The error names the offending field when it
/// can be located, e.g. `messages[0].createdAt: invalid type: integer `5`,
/// expected a string`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    match T::deserialize(&value) {
        Ok(v) => Ok(v),
        Err(e) => Err(Error::decode(with_path(&value, e.to_string()))),
    }
}

/// Checks that `value` has the shape of `T`, without keeping the result.
pub fn check<T: DeserializeOwned>(value: &Value) -> Result<(), Error> {
    match T::deserialize(value) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::decode(with_path(value, e.to_string()))),
    }
}

/// Prefixes a serde message with the path of the value it complains about,
/// when exactly one value in the tree matches its description. Cheaper than
/// tracking paths during deserialisation (which instantiates a tracking
/// wrapper for every visited type).
fn with_path(root: &Value, message: String) -> String {
    let found = ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| message.find(p).map(|i| &message[i + p.len()..]))
        .and_then(|rest| rest.split_once(", expected "))
        .map(|(unexpected, _)| unexpected.to_string());
    if let Some(unexpected) = found {
        let mut hits = Vec::new();
        locate(root, &unexpected, &mut String::new(), &mut hits);
        if hits.len() == 1 && !hits[0].is_empty() {
            return format!("{}: {message}", hits[0]);
        }
    }
    message
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => format!("integer `{u}`"),
            (None, Some(i)) => format!("integer `{i}`"),
            _ => format!("floating point `{n}`"),
        },
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

fn locate(v: &Value, unexpected: &str, path: &mut String, hits: &mut Vec<String>) {
    if hits.len() > 1 {
        return;
    }
    if describe(v) == unexpected {
        hits.push(path.clone());
    }
    let len = path.len();
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                locate(item, unexpected, path, hits);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                locate(item, unexpected, path, hits);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Writes `T` as compact JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::decode(format!("cannot encode JSON: {e}")))
}

fn snippet(text: &str) -> String {
    let t = text.trim();
    let mut s: String = t.chars().take(80).collect();
    if s.len() < t.len() {
        s.push('…');
    }
    s
}

pub(crate) fn describe_bad_json(text: &str, detail: &str) -> String {
    let t = text.trim_start();
    if t.starts_with('<') {
        format!("expected JSON, got HTML: {}", snippet(text))
    } else if t.starts_with('{') || t.starts_with('[') {
        format!("invalid or truncated JSON ({detail}): {}", snippet(text))
    } else {
        format!("expected JSON, got text: {}", snippet(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ListMessagesOutput, UserOutput};
    use crate::ErrorKind;

    fn err(text: &str) -> String {
        let e = parse::<UserOutput>(text).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Decode);
        e.message
    }

    #[test]
    fn parses_typed_values() {
        let u: UserOutput = parse(r#"{"user":{"id":"u","createdAt":"a","updatedAt":"b","extra":1}}"#).unwrap();
        assert_eq!(u.user.id, "u");
        assert_eq!(to_string(&u).unwrap(), r#"{"user":{"id":"u","createdAt":"a","updatedAt":"b"}}"#);
    }

    #[test]
    fn malformed_text_is_named() {
        assert_eq!(err(""), "expected JSON, got an empty body");
        assert_eq!(err("  \n"), "expected JSON, got an empty body");
        assert!(err("<html><body>502 Bad Gateway</body></html>").starts_with("expected JSON, got HTML: <html>"));
        assert!(err("Internal Server Error").starts_with("expected JSON, got text: Internal"));
        assert!(err(r#"{"user":{"id":"u","creat"#).starts_with("invalid or truncated JSON"));
    }

    #[test]
    fn wrong_types_name_the_path() {
        assert_eq!(
            err(r#"{"user":{"id":5,"createdAt":"a","updatedAt":"b"}}"#),
            "user.id: invalid type: integer `5`, expected a string"
        );
        assert!(
            err(r#"{"user":{"id":"u"}}"#).contains("missing field `createdAt`"),
            "{}",
            err(r#"{"user":{"id":"u"}}"#)
        );
        assert!(err(r#"{"nope":1}"#).contains("missing field `user`"));
        assert!(err("[1,2]").contains("invalid type: integer `1`"), "{}", err("[1,2]"));
        let e = parse::<ListMessagesOutput>(
            r#"{"messages":[{"id":"m","createdAt":"a","conversationId":"c","userId":"u","payload":{"type":"text","text":7}}],"meta":{}}"#,
        )
        .unwrap_err();
        assert_eq!(e.message, "invalid text payload: text: expected a string");
    }

    #[test]
    fn long_snippets_are_cut() {
        let m = err(&format!("<html>{}</html>", "x".repeat(1000)));
        assert!(m.chars().count() < 140, "{m}");
        assert!(m.ends_with('…'));
    }
}
