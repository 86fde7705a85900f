//! Requests and answers of the JS facade as plain JS values: arguments are
//! checked against the operation table ([`FieldKind`], payload rules of
//! PROTOCOL.md §5.5), bodies written by the host's `JSON.stringify`, answers read
//! by `JSON.parse` and checked against a small [`Shape`] table. The parsed
//! object itself is what JS receives.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{encode_component, FieldKind, Method, Operation, Shape};
use crate::client::Prepared;
use crate::error::{error_from_fields, Error, ErrorFields};
use crate::host::{self, FieldTypes, JsType, Names};
use crate::js::fields;
use crate::model::{MAX_PROFILE_LEN, PAYLOAD_KINDS};
use crate::protocol::http;
use crate::protocol::json;
use crate::transport::keys;

pub(crate) use crate::transport::keys::get;

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

/// `a + b + c …` without the formatting machinery.
fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// What a JS value is, in serde's words (`integer `7``, `string "x"`, `map`).
fn describe(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return cat(&["string \"", &s, "\""]);
    }
    if let Some(b) = v.as_bool() {
        return if b { "boolean `true`".into() } else { "boolean `false`".into() };
    }
    if let Some(n) = v.as_f64() {
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return cat(&["integer `", &(n as i64).to_string(), "`"]);
        }
        return "floating point".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "sequence".into();
    }
    if v.is_object() {
        return "map".into();
    }
    "unit value".into()
}

fn invalid(path: &str, v: &JsValue, expected: &str) -> String {
    cat(&[path, ": invalid type: ", &describe(v), ", expected ", expected])
}

fn missing(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        cat(&["missing field `", name, "`"])
    } else {
        cat(&[parent, ": missing field `", name, "`"])
    }
}

/* ---------- arguments ---------- */

/// A required non-empty string field.
fn required_str(args: &JsValue, name: &'static str) -> Result<String, String> {
    let v = get(args, name);
    if v.is_undefined() {
        return Err(missing("", name));
    }
    match v.as_string() {
        Some(s) if s.is_empty() => Err(cat(&[name, ": must be a non-empty string"])),
        Some(s) => Ok(s),
        None => Err(invalid(name, &v, "a string")),
    }
}

/// How one payload field is checked (PROTOCOL.md §5.5); the tables, one per
/// kind, are in `fields.rs`, generated from the payload types.
#[derive(Clone, Copy)]
pub(crate) enum P {
    /// A non-empty string.
    Str,
    /// A non-empty string, or absent.
    OptStr,
    /// A number.
    Num,
    /// An array of card actions.
    Actions,
    /// An array of choice options.
    Options,
    /// An array of cards.
    Cards,
    /// An array of bloc items.
    Items,
}

fn kind_fields(kind: &str) -> Option<&'static [(&'static str, P)]> {
    fields::PAYLOADS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f)
}

/// A payload error: `Err((type_error, message))`; type errors are prefixed
/// with `invalid {kind} payload: `, empty strings are named from `payload.`.
type PErr = (bool, String);

/// All names of a table of fields.
fn all<T>(table: &'static [(&'static str, T)]) -> Names<(&'static str, T)> {
    Names { table, selection: 0, pick: |f| Some(f.0) }
}

/// Checks `obj`'s fields; `at` is the path inside the payload (`items[0].`).
fn check_fields(obj: &JsValue, fields: &'static [(&'static str, P)], at: &str) -> Result<(), PErr> {
    let types = FieldTypes::of(obj, &all(fields));
    for (i, &(name, p)) in fields.iter().enumerate() {
        let t = types.get(i);
        let path = || cat(&[at, name]);
        match p {
            P::Str | P::OptStr => match t {
                JsType::Str => {}
                t if t.is_absent() => {
                    if matches!(p, P::Str) {
                        return Err((true, cat(&[at, "missing field `", name, "`"])));
                    }
                }
                JsType::EmptyStr => return Err((false, cat(&["payload.", &path(), ": must be a non-empty string"]))),
                _ => return Err((true, cat(&[&path(), ": expected a string"]))),
            },
            P::Num => {
                if t != JsType::Num {
                    return Err((
                        true,
                        if t.is_absent() {
                            cat(&[at, "missing field `", name, "`"])
                        } else {
                            cat(&[&path(), ": expected a number"])
                        },
                    ));
                }
            }
            P::Actions | P::Options | P::Cards | P::Items => {
                if t == JsType::Undefined {
                    return Err((true, cat(&[at, "missing field `", name, "`"])));
                }
                if t != JsType::Array {
                    return Err((true, cat(&[&path(), ": expected an array"])));
                }
                let path = path();
                let v = get(obj, name);
                let arr: &Array = v.unchecked_ref();
                for (i, item) in arr.iter().enumerate() {
                    let item_at = cat(&[&path, "[", &i.to_string(), "]"]);
                    if !is_plain_object(&item) {
                        return Err((true, cat(&[&item_at, ": expected an object"])));
                    }
                    let inner = cat(&[&item_at, "."]);
                    match p {
                        P::Actions => {
                            check_fields(&item, fields::ACTION, &inner)?;
                            let a = get(&item, "action").as_string().unwrap_or_default();
                            if !matches!(a.as_str(), "postback" | "url" | "say") {
                                return Err((
                                    true,
                                    cat(&[&inner, "action: unknown action \"", &a, "\" (postback, url, say)"]),
                                ));
                            }
                        }
                        P::Options => check_fields(&item, fields::OPTION, &inner)?,
                        P::Cards => {
                            if get(&item, "type").as_string().as_deref() != Some("card") {
                                return Err((true, cat(&[&inner, "type: expected \"card\""])));
                            }
                            check_fields(&item, fields::CARD, &inner)?;
                        }
                        _ => {
                            let k = get(&item, "type");
                            let Some(k) = k.as_string() else {
                                return Err((
                                    true,
                                    if absent(&k) {
                                        cat(&[&inner, "missing field `type`"])
                                    } else {
                                        cat(&[&inner, "type: expected a string"])
                                    },
                                ));
                            };
                            if !fields::BLOC_KINDS.contains(&k.as_str()) {
                                return Err((
                                    true,
                                    cat(&[
                                        &inner,
                                        "type: \"",
                                        &k,
                                        "\" cannot be in a bloc (text, markdown, image, audio, video, file, location)",
                                    ]),
                                ));
                            }
                            check_fields(&item, kind_fields(&k).unwrap_or(&[]), &inner)?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The rules of [`MessagePayload::validate`](crate::MessagePayload::validate) on a JS value.
fn check_payload(v: &JsValue, t: JsType) -> Result<(), String> {
    if t == JsType::Undefined {
        return Err(missing("", "payload"));
    }
    if t != JsType::Object {
        return Err(invalid("payload", v, "an object"));
    }
    let kind = match get(v, "type") {
        k if absent(&k) => return Err("payload.type is missing".into()),
        k => k.as_string().ok_or_else(|| String::from("payload.type must be a string"))?,
    };
    let Some(fields) = kind_fields(&kind) else {
        return Err(cat(&[
            "payload.type: unknown payload type \"",
            &kind,
            "\" (expected one of ",
            &PAYLOAD_KINDS.join(", "),
            ")",
        ]));
    };
    check_fields(v, fields, "").map_err(
        |(typed, m)| {
            if typed {
                cat(&["invalid ", &kind, " payload: ", &m])
            } else {
                m
            }
        },
    )?;
    if keys::has(v, "metadata") {
        return Err("payload.metadata: metadata belongs beside the payload, not inside it".into());
    }
    Ok(())
}

/// One operation as the facade needs it: plain data, no generics.
#[derive(Clone, Copy)]
pub(crate) struct OpSpec {
    pub name: &'static str,
    method: Method,
    path: &'static str,
    keyed: bool,
    fields: &'static [(&'static str, FieldKind)],
    shape: &'static [(&'static str, Shape)],
}

macro_rules! all_specs {
    ($($rust:ident, $js:literal, $ty:ty, $keyed:literal;)*) => {
        /// Every operation, in the table's order.
        const ALL: &[OpSpec] = &[$(OpSpec::of::<$ty>()),*];
    };
}
crate::for_each_operation!(all_specs);

impl OpSpec {
    pub(crate) const fn of<O: Operation>() -> OpSpec {
        OpSpec { name: O::NAME, method: O::METHOD, path: O::PATH, keyed: O::KEYED, fields: O::FIELDS, shape: O::SHAPE }
    }

    /// The operation named `name` (`"createMessage"`).
    pub(crate) fn by_name(name: &str) -> Option<OpSpec> {
        ALL.iter().find(|s| s.name == name).copied()
    }

    /// Its HTTP method.
    pub(crate) fn method(&self) -> Method {
        self.method
    }

    /// Checks the arguments and builds the request: path parameters from
    /// the template, the query, and a body holding only the body fields.
    pub(crate) fn prepare(&self, args: &JsValue) -> Result<Prepared, Error> {
        self.prepare_inner(args).map_err(|m| Error::invalid_argument(cat(&[self.name, ": ", &m])))
    }

    fn prepare_inner(&self, args: &JsValue) -> Result<Prepared, String> {
        let mut path = String::with_capacity(self.path.len() + 32);
        for seg in self.path.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => path.push_str(&encode_component(&required_str(args, name)?)),
                None => path.push_str(seg),
            }
        }
        let types = FieldTypes::of(args, &all(self.fields));
        let mut query = false;
        for (i, &(name, kind)) in self.fields.iter().enumerate() {
            let t = types.get(i);
            match kind {
                FieldKind::Required => match t {
                    JsType::Str => {}
                    _ => {
                        required_str(args, name)?;
                    }
                },
                FieldKind::Payload => {
                    let v = if t == JsType::Undefined { JsValue::UNDEFINED } else { get(args, name) };
                    check_payload(&v, t)?
                }
                FieldKind::Object => {
                    if t == JsType::Undefined {
                        return Err(missing("", name));
                    }
                    if t != JsType::Object {
                        return Err(invalid(name, &get(args, name), "an object"));
                    }
                }
                _ if t.is_absent() => {}
                FieldKind::OptionalObject => {
                    if t != JsType::Object {
                        return Err(invalid(name, &get(args, name), "an object"));
                    }
                }
                FieldKind::Optional | FieldKind::Profile | FieldKind::Query => {
                    if !t.is_string() {
                        return Err(invalid(name, &get(args, name), "a string"));
                    }
                    if kind == FieldKind::Optional {
                        continue;
                    }
                    let s = get(args, name).as_string().unwrap_or_default();
                    // Characters = bytes that do not continue a UTF-8 sequence.
                    if kind == FieldKind::Profile && s.bytes().filter(|b| b & 0xC0 != 0x80).count() > MAX_PROFILE_LEN {
                        return Err("profile: must be at most 1000 characters".into());
                    }
                    if kind == FieldKind::Query {
                        path.push(if query { '&' } else { '?' });
                        query = true;
                        path.push_str(name);
                        path.push('=');
                        path.push_str(&encode_component(&s));
                    }
                }
            }
        }
        // The body: every field set but the query's.
        let body = if self.method.has_body() {
            let names = Names { table: self.fields, selection: 1, pick: |f| (f.1 != FieldKind::Query).then_some(f.0) };
            let text =
                host::body_text(args, &names).map_err(|e| cat(&["cannot encode JSON: ", &host::error_text(&e)]))?;
            Some(text)
        } else {
            None
        };
        Ok(Prepared { op: self.name, method: self.method, keyed: self.keyed, path, body })
    }

    /// Checks an answer's shape; the error names the field.
    pub(crate) fn check(&self, value: &JsValue) -> Result<(), Error> {
        check_shape(value, self.shape, "").map_err(|m| Error::decode(cat(&[self.name, ": unexpected response: ", &m])))
    }
}

/* ---------- answers ---------- */

/// How one field of an answer or a signal is checked (the tables are in
/// `fields.rs`, generated from the Rust types).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// A string.
    Str,
    /// A string, absent or `null`.
    OptStr,
    /// A string or `null` (present).
    StrOrNull,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// A JSON object.
    Obj,
    /// A JSON object, absent or `null`.
    OptObj,
    /// A message payload: an object with a string `type`.
    Payload,
    /// A message (the `MESSAGE` table).
    Message,
}

fn check_object(v: &JsValue, at: &str) -> Result<(), String> {
    if is_plain_object(v) {
        Ok(())
    } else if v.is_undefined() {
        Err(cat(&["missing field `", at, "`"]))
    } else {
        Err(invalid(at, v, "an object"))
    }
}

/// Names read on their own: `type` of a payload, `code` of an answer.
const TYPE: &[&str] = &["type"];
const CODE: &[&str] = &["code"];

fn one(v: &JsValue, names: &'static [&'static str]) -> FieldTypes {
    FieldTypes::of(v, &Names { table: names, selection: 0, pick: |n| Some(*n) })
}

/// Checks the fields of the object `v` (found at `at`) against a table; the
/// error names the first field that does not fit. The types of all fields
/// are read in one call; values only for a nested check or an error.
pub(crate) fn check_record(v: &JsValue, fields: &'static [(&'static str, Field)], at: &str) -> Result<(), String> {
    let types = FieldTypes::of(v, &all(fields));
    if !types.is_object() {
        return check_object(v, at);
    }
    for (i, &(name, kind)) in fields.iter().enumerate() {
        let t = types.get(i);
        let (optional, expected) = match kind {
            Field::Str => (false, "a string"),
            Field::OptStr => (true, "a string"),
            Field::StrOrNull => (false, "a string or null"),
            Field::Num => (false, "a number"),
            Field::Bool => (false, "a boolean"),
            Field::Obj | Field::Payload | Field::Message => (false, "an object"),
            Field::OptObj => (true, "an object"),
        };
        if t == JsType::Undefined || (optional && t == JsType::Null) {
            if optional {
                continue;
            }
            return Err(missing(at, name));
        }
        // The field's path, made only when a nested check or an error needs it.
        let path = || cat(&[at, ".", name]);
        let ok = match kind {
            Field::Str | Field::OptStr => t.is_string(),
            Field::StrOrNull => t.is_string() || t == JsType::Null,
            Field::Num => t == JsType::Num,
            Field::Bool => t == JsType::Bool,
            Field::Obj | Field::OptObj => t == JsType::Object,
            Field::Payload if t == JsType::Object => {
                // An object with a string `type`.
                let f = get(v, name);
                if !one(&f, TYPE).get(0).is_string() {
                    let path = path();
                    let t = get(&f, "type");
                    return Err(if t.is_undefined() {
                        missing(&path, "type")
                    } else {
                        invalid(&cat(&[&path, ".type"]), &t, "a string")
                    });
                }
                true
            }
            Field::Payload => false,
            Field::Message => {
                check_record(&get(v, name), fields::MESSAGE, &path())?;
                true
            }
        };
        if !ok {
            return Err(invalid(&path(), &get(v, name), expected));
        }
    }
    Ok(())
}

fn check_entity(v: &JsValue, shape: Shape, at: &str) -> Result<(), String> {
    let table = match shape {
        Shape::User => fields::USER,
        Shape::Conversation => fields::CONVERSATION,
        Shape::Meta => fields::META,
        Shape::Message => fields::MESSAGE,
        Shape::Event => fields::EVENT,
        _ => return Ok(()),
    };
    check_record(v, table, at)
}

fn check_shape(value: &JsValue, shape: &[(&'static str, Shape)], _at: &str) -> Result<(), String> {
    for &(name, s) in shape {
        let v = get(value, name);
        let item = match s {
            Shape::Users => Shape::User,
            Shape::Conversations => Shape::Conversation,
            Shape::Messages => Shape::Message,
            Shape::Str => {
                if v.is_string() {
                    continue;
                }
                return Err(if v.is_undefined() { missing("", name) } else { invalid(name, &v, "a string") });
            }
            _ => {
                check_entity(&v, s, name)?;
                continue;
            }
        };
        if !Array::is_array(&v) {
            return Err(if v.is_undefined() { missing("", name) } else { invalid(name, &v, "a sequence") });
        }
        let arr: &Array = v.unchecked_ref();
        for (i, x) in arr.iter().enumerate() {
            check_entity(&x, item, &cat(&[name, "[", &i.to_string(), "]"]))?;
        }
    }
    Ok(())
}

/// The fields of an error body read from a parsed JS value.
fn error_fields(obj: &JsValue) -> (Option<String>, Option<String>, Option<String>, Option<crate::model::JsonObject>) {
    if !is_plain_object(obj) {
        return (None, None, None, None);
    }
    let meta = get(obj, "metadata");
    let meta = if is_plain_object(&meta) {
        match host::json::js_to_value(&meta) {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    } else {
        None
    };
    (get(obj, "message").as_string(), get(obj, "type").as_string(), get(obj, "id").as_string(), meta)
}

fn api_error(status: u16, body: Option<&JsValue>, raw: &str) -> Error {
    let (message, kind, id, metadata) = body.map(error_fields).unwrap_or((None, None, None, None));
    error_from_fields(status, ErrorFields { message: message.as_deref(), kind: kind.as_deref(), id, metadata }, raw)
}

/// [`http::classify_object`] with the host's `JSON.parse`: the parsed
/// object, or the error the answer stands for. `body` is the JS string as
/// received; the usual answer (2xx, a JSON object, no error code) is parsed
/// where it is, without a copy through wasm memory.
pub(crate) fn classify(op: &str, status: u16, body: &JsValue) -> Result<JsValue, Error> {
    if http::is_success(status) {
        if let Ok(value) = host::json_parse(body) {
            let t = one(&value, CODE);
            if t.is_object() && t.get(0) == JsType::Undefined {
                return Ok(value);
            }
        }
    }
    classify_text(op, status, &body.as_string().unwrap_or_default())
}

fn classify_text(op: &str, status: u16, body: &str) -> Result<JsValue, Error> {
    let parsed = if body.trim().is_empty() {
        Err("expected JSON, got an empty body".to_string())
    } else {
        host::json_parse_str(body).map_err(|e| json::describe_bad_json(body, &host::error_text(&e)))
    };
    let status_text = status.to_string();
    if http::is_success(status) {
        let value = parsed.map_err(|m| Error::decode(cat(&[op, ": HTTP ", &status_text, ": ", &m])))?;
        if is_plain_object(&value) {
            if let Some(code) = get(&value, "code").as_f64() {
                if code.fract() == 0.0 && (400.0..=599.0).contains(&code) {
                    let mut err = Error::decode("");
                    err.kind = crate::error::ErrorKind::Http;
                    err.code = code as u16;
                    err.message = get(&value, "message").as_string().unwrap_or_else(|| "An error occurred".into());
                    return Err(err);
                }
            }
            return Ok(value);
        }
        let got = if Array::is_array(&value) {
            "an array"
        } else if value.is_string() {
            "a string"
        } else if value.as_f64().is_some() {
            "a number"
        } else if value.as_bool().is_some() {
            "a boolean"
        } else {
            "null"
        };
        return Err(Error::decode(cat(&[op, ": unexpected response: expected a JSON object, got ", got])));
    }
    match parsed {
        Err(m) if body.trim_start().starts_with('<') => {
            Err(Error::decode(cat(&[op, ": HTTP ", &status_text, ": ", &m])))
        }
        parsed => Err(api_error(status, parsed.ok().as_ref(), body)),
    }
}
