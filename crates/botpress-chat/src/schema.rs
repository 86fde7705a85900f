//! The shapes of the API's records as data, and the one checker that holds a
//! JSON value to them.
//!
//! Each record type (entities, signal data, answers) is declared with
//! [`record!`](crate::record), which writes the Rust struct and its field
//! table from the same lines, so the table cannot drift from the type. The
//! checker is not generic: one copy serves every record, whatever surface the
//! value came from (an answer, a signal frame, a webhook body).

use serde_json::Value;

use crate::model::{JsonObject, MessagePayload};

/// How one field of a record is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A string.
    Str,
    /// A string, absent or `null`.
    OptStr,
    /// A number.
    Num,
    /// A non-negative integer.
    UInt,
    /// A boolean.
    Bool,
    /// A JSON object.
    Obj,
    /// A JSON object, absent or `null`.
    OptObj,
    /// A message payload (the rules of [`MessagePayload::from_map`]).
    Payload,
    /// A nested record.
    Record(&'static Fields),
    /// An array of records.
    List(&'static Fields),
}

/// A record's fields: JSON name and kind, in declaration order.
pub type Fields = [(&'static str, Kind)];

/// A type whose JSON form is a record with these fields.
pub trait Record {
    /// The fields.
    const FIELDS: &'static Fields;
}

/// The [`Kind`] of a field of this Rust type.
pub trait FieldType {
    /// The kind.
    const KIND: Kind;
}

macro_rules! field_types {
    ($($ty:ty => $kind:ident),* $(,)?) => { $(impl FieldType for $ty { const KIND: Kind = Kind::$kind; })* };
}
field_types!(String => Str, Option<String> => OptStr, f64 => Num, u64 => UInt, bool => Bool,
    JsonObject => Obj, Option<JsonObject> => OptObj, MessagePayload => Payload);

impl<T: Record> FieldType for T {
    const KIND: Kind = Kind::Record(T::FIELDS);
}

impl<T: Record> FieldType for Vec<T> {
    const KIND: Kind = Kind::List(T::FIELDS);
}

/// Declares a record: the struct (with serde's camelCase JSON names given
/// field by field) and its [`Record`] table, from one list of fields.
#[macro_export]
macro_rules! record {
    ($(#[$attr:meta])* pub struct $name:ident {
        $($(#[$fattr:meta])* $field:ident as $json:literal : $ty:ty),* $(,)?
    }) => {
        $(#[$attr])*
        pub struct $name {
            $($(#[$fattr])* #[serde(rename = $json)] pub $field: $ty,)*
        }

        impl $crate::schema::Record for $name {
            const FIELDS: &'static $crate::schema::Fields =
                &[$(($json, <$ty as $crate::schema::FieldType>::KIND)),*];
        }
    };
}

/// What a JSON value is, in serde's words (`integer `7``, `string "x"`, `map`).
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => match n.as_i64() {
            Some(i) => format!("integer `{i}`"),
            None => "floating point".into(),
        },
        Value::String(s) => format!("string \"{s}\""),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// `path: invalid type: …, expected …`.
pub fn invalid(path: &str, v: &Value, expected: &str) -> String {
    format!("{path}: invalid type: {}, expected {expected}", describe(v))
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// Checks that `value` is an object holding `fields`; `at` is where it sits
/// (`""` at the top, `messages[0]`). The error names the field.
pub fn check(value: &Value, fields: &Fields, at: &str) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err(if at.is_empty() { invalid("value", value, "an object") } else { invalid(at, value, "an object") });
    };
    for &(name, kind) in fields {
        let v = map.get(name);
        let absent = matches!(v, None | Some(Value::Null));
        let ok = match (kind, v) {
            (Kind::OptStr | Kind::OptObj, _) if absent => true,
            (_, None) => {
                return Err(if at.is_empty() {
                    format!("missing field `{name}`")
                } else {
                    format!("{at}: missing field `{name}`")
                })
            }
            (Kind::Str | Kind::OptStr, Some(v)) => v.is_string(),
            (Kind::Num, Some(v)) => v.is_number(),
            (Kind::UInt, Some(v)) => v.is_u64(),
            (Kind::Bool, Some(v)) => v.is_boolean(),
            (Kind::Obj | Kind::OptObj, Some(v)) => v.is_object(),
            (Kind::Payload, Some(Value::Object(m))) => {
                MessagePayload::check_map(m).map_err(|e| format!("{}: {e}", join(at, name)))?;
                true
            }
            (Kind::Record(inner), Some(v)) => {
                check(v, inner, &join(at, name))?;
                true
            }
            (Kind::List(inner), Some(Value::Array(items))) => {
                let path = join(at, name);
                for (i, item) in items.iter().enumerate() {
                    check(item, inner, &format!("{path}[{i}]"))?;
                }
                true
            }
            (_, Some(_)) => false,
        };
        if !ok {
            let expected = match kind {
                Kind::Str | Kind::OptStr => "a string",
                Kind::Num => "a number",
                Kind::UInt => "a non-negative integer",
                Kind::Bool => "a boolean",
                Kind::List(_) => "an array",
                _ => "an object",
            };
            return Err(invalid(&join(at, name), v.unwrap_or(&Value::Null), expected));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{Message, User};

    #[test]
    fn records_are_checked_field_by_field() {
        let user = json!({"id": "u", "createdAt": "a", "updatedAt": "b", "extra": [1]});
        assert_eq!(check(&user, User::FIELDS, ""), Ok(()));
        let e = check(&json!({"id": 5, "createdAt": "a", "updatedAt": "b"}), User::FIELDS, "user").unwrap_err();
        assert_eq!(e, "user.id: invalid type: integer `5`, expected a string");
        let e = check(&json!({"id": "u"}), User::FIELDS, "").unwrap_err();
        assert_eq!(e, "missing field `createdAt`");
        let e =
            check(&json!({"id": "u", "name": null, "createdAt": "a", "updatedAt": 1.5}), User::FIELDS, "").unwrap_err();
        assert_eq!(e, "updatedAt: invalid type: floating point, expected a string");
        let m = json!({"id": "m", "createdAt": "a", "conversationId": "c", "userId": "u",
            "payload": {"type": "text", "text": 7}});
        let e = check(&m, Message::FIELDS, "messages[0]").unwrap_err();
        assert_eq!(e, "messages[0].payload: invalid text payload: text: expected a string");
    }
}
