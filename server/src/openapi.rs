//! `GET {apiUrl}/openapi.json`: the OpenAPI 3 description of the API,
//! generated from the definitions the client and the server share.
//!
//! - Operations, methods, paths, path parameters, body and query fields, and
//!   whether the user key is needed come from the operation table
//!   ([`botpress_chat::api::Operation`], one row per
//!   [`for_each_operation!`](botpress_chat::for_each_operation)); the
//!   answer's fields come from `Operation::SHAPE`.
//! - Entity schemas (user, conversation, message, event, list meta, error
//!   body) are read off serialised instances of the model types: the fields a
//!   fully filled instance has are the properties, those a minimal one keeps
//!   are required.
//! - Message payload schemas are found by probing the shared decoder and
//!   validator (`MessagePayload` + `validate`) with a sample of each kind: a
//!   field is required when removing it is refused, a string must be
//!   non-empty when `""` is refused, nullable when `null` is accepted, and an
//!   enumeration when an arbitrary value is refused.
//! - Caller-chosen ids follow `validate_fid` (its accepted characters are
//!   probed), profiles `MAX_PROFILE_LEN`, error types `ApiErrorType::ALL`.
//!
//! listenConversation is not in the request/response table; it is added here
//! with the path the router serves it at.

use botpress_chat::api::{FieldKind, ListMeta, Method, Operation};
use botpress_chat::error::ErrorBody;
use botpress_chat::model::{
    validate_fid, AudioPayload, BlocItem, Card, CardAction, CardActionKind, CarouselCard, ChoiceOption, ChoicePayload,
    FilePayload, ImagePayload, JsonObject, KnownPayload, LocationPayload, MarkdownPayload, TextPayload, VideoPayload,
    MAX_FID_LEN, MAX_PROFILE_LEN, PAYLOAD_KINDS,
};
use botpress_chat::schema::{Fields, Kind, Record};
use botpress_chat::{ApiErrorType, Conversation, Event, Message, MessagePayload, User};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Path of listenConversation, relative to the API base.
pub const LISTEN_PATH: &str = "/conversations/{id}/listen";

/// The whole document; `base` is the API's path on this server (`/local`).
pub fn document(base: &str) -> Value {
    let mut paths = Map::new();
    macro_rules! add_all {
        ($($r:ident, $js:literal, $t:ty;)*) => {
            $( add(&mut paths, <$t as Operation>::PATH, method(<$t as Operation>::METHOD), operation::<$t>()); )*
        };
    }
    botpress_chat::for_each_operation!(add_all);
    add(&mut paths, LISTEN_PATH, "get", listen_operation());
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Botpress Chat API (chat-server)",
            "version": botpress_chat::API_VERSION,
            "description": "The Chat API as the local chat-server implements it. Generated from the operation table \
                and model types shared by the client and the server.",
        },
        "servers": [{ "url": base }],
        "paths": paths,
        "components": { "schemas": components() },
    })
}

fn add(paths: &mut Map<String, Value>, path: &str, method: &str, op: Value) {
    let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
    entry[method] = op;
}

fn method(m: Method) -> &'static str {
    match m {
        Method::Get => "get",
        Method::Post => "post",
        Method::Put => "put",
        Method::Delete => "delete",
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The `x-user-key` header. A required header rather than a security scheme:
/// a missing key is a validation failure (400), a wrong one is 401.
fn key_header() -> Value {
    json!({ "name": "x-user-key", "in": "header", "required": true,
        "description": "The user key: an HS256 JWT whose `id` claim names the user.",
        "schema": { "type": "string", "minLength": 1 } })
}

fn path_parameter(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "minLength": 1 } })
}

/// The characters `validate_fid` accepts, as a regular expression class body.
fn fid_class() -> String {
    let ok: Vec<char> = (0x20u8..0x7f).map(char::from).filter(|c| validate_fid(&c.to_string()).is_ok()).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < ok.len() {
        let mut j = i;
        while j + 1 < ok.len() && ok[j + 1] as u32 == ok[j] as u32 + 1 {
            j += 1;
        }
        let esc = |c: char| if matches!(c, '\\' | ']' | '[' | '^' | '-') { format!("\\{c}") } else { c.to_string() };
        if j - i >= 2 {
            out.push_str(&format!("{}-{}", esc(ok[i]), esc(ok[j])));
        } else {
            (i..=j).for_each(|k| out.push_str(&esc(ok[k])));
        }
        i = j + 1;
    }
    out
}

/// A caller-chosen id; `min` is 0 where an empty string means "none".
fn fid_schema(min: usize) -> Value {
    json!({ "type": "string", "pattern": format!("^[{}]{{{min},{MAX_FID_LEN}}}$", fid_class()) })
}

fn field_schema(name: &str, kind: FieldKind) -> Value {
    match (name, kind) {
        ("id", FieldKind::Required) => fid_schema(1),
        ("id", FieldKind::Optional) => fid_schema(0),
        (_, FieldKind::Required) => json!({ "type": "string", "minLength": 1 }),
        (_, FieldKind::Optional) => json!({ "type": "string" }),
        (_, FieldKind::Profile) => json!({ "type": "string", "maxLength": MAX_PROFILE_LEN }),
        (_, FieldKind::Query) => json!({ "type": "string", "pattern": crate::store::PAGE_TOKEN_PATTERN }),
        (_, FieldKind::Payload) => schema_ref("MessagePayload"),
        (_, FieldKind::Object) | (_, FieldKind::OptionalObject) => json!({ "type": "object" }),
    }
}

fn is_required(kind: FieldKind) -> bool {
    matches!(kind, FieldKind::Required | FieldKind::Payload | FieldKind::Object)
}

/// The name of the component schema of a record's fields (the answers hold
/// these records and strings only).
fn record_name(fields: &'static Fields) -> &'static str {
    let named: [(&str, &'static Fields); 5] = [
        ("User", User::FIELDS),
        ("Conversation", Conversation::FIELDS),
        ("Message", Message::FIELDS),
        ("Event", Event::FIELDS),
        ("ListMeta", ListMeta::FIELDS),
    ];
    named.iter().find(|(_, f)| *f == fields).map_or("Unknown", |(n, _)| n)
}

fn answer_schema(kind: Kind) -> Value {
    match kind {
        Kind::Record(f) => schema_ref(record_name(f)),
        Kind::List(f) => json!({ "type": "array", "items": schema_ref(record_name(f)) }),
        _ => json!({ "type": "string", "minLength": 1 }),
    }
}

/// The error answers an operation can give, by status.
fn error_statuses(keyed: bool, has_body: bool, path: &str, fields: &[(&str, FieldKind)]) -> Vec<u16> {
    // 400: validation (and a missing x-user-key); 401: a bad key (createUser:
    // manual mode); 404: the key's user (or an addressed resource) is unknown.
    let mut s = vec![400, 401];
    if keyed && !path.starts_with("/users") {
        s.push(403); // not a participant / not the owner
    }
    if keyed {
        s.push(404);
    }
    if fields.iter().any(|(n, k)| *n == "id" && *k == FieldKind::Optional) {
        s.push(409); // a caller-chosen id that exists
    }
    if has_body {
        s.push(413);
    }
    s
}

fn error_response(status: u16) -> Value {
    let types: Vec<&str> = ApiErrorType::ALL.iter().filter(|t| t.code() == status).map(|t| t.name()).collect();
    let reason = match status {
        400 => "Invalid input (the message starts with the field)",
        401 => "Invalid user key",
        403 => "Forbidden: not a participant or not the owner",
        404 => "Not found",
        409 => "Already exists",
        413 => "Request body too large",
        _ => "Error",
    };
    json!({
        "description": reason,
        "content": { "application/json": { "schema": { "allOf": [
            schema_ref("Error"),
            { "type": "object", "properties": {
                "code": { "type": "integer", "enum": [status] },
                "type": { "type": "string", "enum": types },
            } },
        ] } } },
    })
}

fn operation<O: Operation>() -> Value {
    let mut parameters: Vec<Value> = O::SPEC.path_params().map(path_parameter).collect();
    if O::KEYED {
        parameters.push(key_header());
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, kind) in O::FIELDS {
        if *kind == FieldKind::Query {
            parameters.push(json!({ "name": name, "in": "query", "required": false,
                "schema": field_schema(name, *kind) }));
        } else {
            props.insert(name.to_string(), field_schema(name, *kind));
            if is_required(*kind) {
                required.push(*name);
            }
        }
    }
    let mut answer = Map::new();
    let fields = <O::Output as Record>::FIELDS;
    for (name, kind) in fields {
        answer.insert(name.to_string(), answer_schema(*kind));
    }
    let answer_required: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({ "description": "Success", "content": { "application/json": { "schema": {
            "type": "object", "properties": answer, "required": answer_required, "additionalProperties": false,
        } } } }),
    );
    for status in error_statuses(O::KEYED, O::METHOD.has_body(), O::PATH, O::FIELDS) {
        responses.insert(status.to_string(), error_response(status));
    }
    let mut op = json!({
        "operationId": O::NAME,
        "parameters": parameters,
        "responses": responses,
    });
    if O::METHOD.has_body() {
        let mut schema = json!({ "type": "object", "properties": props });
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    }
    op
}

fn listen_operation() -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({ "description": "Server-Sent Events: `event: message` frames whose data is a signal envelope \
            (or `ping`). A WebSocket upgrade on the same path gets the same signals as text frames.",
            "content": { "text/event-stream": { "schema": { "type": "object", "required": ["event", "data"],
                "properties": { "event": { "type": "string", "enum": ["message"] }, "data": { "type": "string" } },
            } } } }),
    );
    for status in [400, 401, 403, 404] {
        responses.insert(status.to_string(), error_response(status));
    }
    json!({
        "operationId": "listenConversation",
        "description": "The key may also be given in the `x-user-key` query parameter (for EventSource and WebSocket).",
        "parameters": [path_parameter("id"), key_header()],
        "responses": responses,
    })
}

// ----- entity schemas, read off instances -----------------------------------

fn json_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!({ "type": "string" }),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({ "type": "integer" }),
        Value::Number(_) => json!({ "type": "number" }),
        Value::Bool(_) => json!({ "type": "boolean" }),
        Value::Object(_) => json!({ "type": "object" }),
        Value::Array(_) => json!({ "type": "array" }),
        Value::Null => json!({ "nullable": true }),
    }
}

/// Properties from a full instance, required fields from a minimal one;
/// `refs` overrides the schema of some properties.
fn entity<T: Serialize>(full: &T, minimal: &T, refs: &[(&str, Value)]) -> Value {
    let full = serde_json::to_value(full).unwrap_or_default();
    let minimal = serde_json::to_value(minimal).unwrap_or_default();
    let mut props = Map::new();
    for (k, v) in full.as_object().into_iter().flatten() {
        let schema = refs.iter().find(|(n, _)| n == k).map(|(_, s)| s.clone()).unwrap_or_else(|| json_type(v));
        props.insert(k.clone(), schema);
    }
    let required: Vec<&String> = minimal.as_object().into_iter().flat_map(|m| m.keys()).collect();
    json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false })
}

fn user(full: bool) -> User {
    let s = |v: &str| full.then(|| v.to_string());
    User {
        id: "u".into(),
        name: s("n"),
        picture_url: s("p"),
        profile: s("f"),
        created_at: "t".into(),
        updated_at: "t".into(),
    }
}

fn message(full: bool) -> Message {
    Message {
        id: "m".into(),
        created_at: "t".into(),
        conversation_id: "c".into(),
        user_id: "u".into(),
        payload: MessagePayload::text("x"),
        metadata: full.then(JsonObject::new),
    }
}

fn components() -> Value {
    let conversation = Conversation { id: "c".into(), created_at: "t".into(), updated_at: "t".into() };
    let event = Event {
        id: "e".into(),
        created_at: "t".into(),
        conversation_id: "c".into(),
        user_id: "u".into(),
        payload: JsonObject::new(),
    };
    let meta = |t: Option<&str>| ListMeta { next_token: t.map(str::to_string) };
    let error =
        |m: Option<JsonObject>| ErrorBody { metadata: m, ..ErrorBody::new(ApiErrorType::Unknown, "e".into(), "m") };
    let error_types: Vec<&str> = ApiErrorType::ALL.iter().map(|t| t.name()).collect();
    let mut error_schema = entity(&error(Some(JsonObject::new())), &error(None), &[]);
    error_schema["properties"]["type"] = json!({ "type": "string", "enum": error_types });
    error_schema["properties"]["id"] = json!({ "type": "string", "pattern": "^err_[0-9]{14}x[0-9A-F]{8}$" });
    json!({
        "User": entity(&user(true), &user(false), &[]),
        "Conversation": entity(&conversation, &conversation, &[]),
        "Message": entity(&message(true), &message(false), &[("payload", schema_ref("MessagePayload"))]),
        "Event": entity(&event, &event, &[]),
        "ListMeta": entity(&meta(Some("p1")), &meta(None), &[]),
        "Error": error_schema,
        "MessagePayload": payload_schema(),
    })
}

// ----- message payloads, probed ----------------------------------------------

/// A sample of every payload kind, every optional field set, every list non-empty.
fn payload_samples() -> Vec<KnownPayload> {
    let s = |v: &str| v.to_string();
    let card = || Card {
        title: s("t"),
        subtitle: Some(s("s")),
        image_url: Some(s("i")),
        actions: vec![CardAction { action: CardActionKind::Postback, label: s("l"), value: s("v") }],
    };
    let options = || vec![ChoiceOption { label: s("l"), value: s("v") }];
    let bloc_items = vec![
        BlocItem::Text(TextPayload { text: s("t") }),
        BlocItem::Markdown(MarkdownPayload { markdown: s("m") }),
        BlocItem::Image(ImagePayload { image_url: s("i") }),
        BlocItem::Audio(AudioPayload { audio_url: s("a") }),
        BlocItem::Video(VideoPayload { video_url: s("v") }),
        BlocItem::File(FilePayload { file_url: s("f"), title: Some(s("t")) }),
        BlocItem::Location(LocationPayload {
            latitude: 1.5,
            longitude: 2.5,
            address: Some(s("a")),
            title: Some(s("t")),
        }),
    ];
    // The kinds a bloc holds stand alone too.
    let mut all: Vec<KnownPayload> = bloc_items.iter().cloned().map(KnownPayload::from).collect();
    all.extend([
        KnownPayload::Card(card()),
        KnownPayload::Choice(ChoicePayload { text: s("t"), options: options() }),
        KnownPayload::Dropdown(ChoicePayload { text: s("t"), options: options() }),
        KnownPayload::Carousel { items: vec![CarouselCard { card: card() }] },
        KnownPayload::Bloc { items: bloc_items },
    ]);
    // A new payload kind must get a sample above: this match has no wildcard.
    for p in &all {
        match p {
            KnownPayload::Text(_)
            | KnownPayload::Markdown(_)
            | KnownPayload::Image(_)
            | KnownPayload::Audio(_)
            | KnownPayload::Video(_)
            | KnownPayload::File(_)
            | KnownPayload::Location(_)
            | KnownPayload::Card(_)
            | KnownPayload::Choice(_)
            | KnownPayload::Dropdown(_)
            | KnownPayload::Carousel { .. }
            | KnownPayload::Bloc { .. } => {}
        }
    }
    all
}

/// Values tried for strings that take only some values.
fn enum_candidates() -> Vec<String> {
    let actions = [CardActionKind::Postback, CardActionKind::Url, CardActionKind::Say].map(|a| {
        // A new action kind must be listed above: this match has no wildcard.
        match a {
            CardActionKind::Postback | CardActionKind::Url | CardActionKind::Say => {}
        }
        serde_json::to_value(a).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    });
    PAYLOAD_KINDS.iter().map(|k| k.to_string()).chain(actions).collect()
}

/// Whether the shared decoder and validator accept a payload.
fn accepts(v: &Value) -> bool {
    serde_json::from_value::<MessagePayload>(v.clone()).is_ok_and(|p| p.validate().is_ok())
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

fn with(root: &Value, path: &[Seg], f: impl FnOnce(&mut Value)) -> Value {
    let mut copy = root.clone();
    f(at(&mut copy, path));
    copy
}

/// The schema of the value at `path` of an accepted sample `root`.
fn probe(root: &Value, path: &[Seg], candidates: &[String]) -> Value {
    let here = at(&mut root.clone(), path).clone();
    let set = |v: Value| accepts(&with(root, path, |x| *x = v));
    match &here {
        Value::String(current) => {
            if !set(json!("zz-probe-value")) {
                // `type` is the tag of the payload's variant: only its own value
                // keeps the other fields' rules (another kind would read them
                // differently). Other enumerations are probed value by value.
                if matches!(path.last(), Some(Seg::Key(k)) if k == "type") {
                    return json!({ "type": "string", "enum": [current] });
                }
                let values: Vec<&String> = candidates.iter().filter(|c| set(json!(c))).collect();
                return json!({ "type": "string", "enum": values });
            }
            let mut schema = json!({ "type": "string" });
            if !set(json!("")) {
                schema["minLength"] = json!(1);
            }
            if set(Value::Null) {
                schema["nullable"] = json!(true); // an optional field given as null counts as absent
            }
            schema
        }
        Value::Array(items) => {
            let mut variants: Vec<Value> = Vec::new();
            for i in 0..items.len() {
                let mut p = path.to_vec();
                p.push(Seg::Index(i));
                let s = probe(root, &p, candidates);
                if !variants.contains(&s) {
                    variants.push(s);
                }
            }
            let items = if variants.len() == 1 { variants.remove(0) } else { json!({ "oneOf": variants }) };
            json!({ "type": "array", "items": items })
        }
        Value::Object(map) => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for k in map.keys() {
                let mut p = path.to_vec();
                p.push(Seg::Key(k.clone()));
                props.insert(k.clone(), probe(root, &p, candidates));
                let without = with(root, path, |x| {
                    x.as_object_mut().map(|o| o.remove(k));
                });
                if !accepts(&without) {
                    required.push(k.clone());
                }
            }
            json!({ "type": "object", "properties": props, "required": required })
        }
        other => json_type(other),
    }
}

/// `oneOf` the payload kinds, each probed from its sample.
fn payload_schema() -> Value {
    let candidates = enum_candidates();
    let kinds: Vec<Value> = payload_samples()
        .into_iter()
        .map(|p| {
            let root = serde_json::to_value(&p).unwrap_or_default();
            debug_assert!(accepts(&root), "sample {root} refused");
            let mut schema = probe(&root, &[], &candidates);
            // `metadata` sits beside the payload, never inside it.
            if !accepts(&with(&root, &[], |x| x["metadata"] = json!({}))) {
                schema["not"] = json!({ "required": ["metadata"] });
            }
            schema
        })
        .collect();
    json!({ "oneOf": kinds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_samples_cover_every_kind() {
        let kinds: Vec<&str> = payload_samples().iter().map(|p| p.kind()).collect();
        assert_eq!(kinds, PAYLOAD_KINDS);
    }

    #[test]
    fn probed_payload_rules() {
        let s = payload_schema();
        let text = &s["oneOf"][0];
        assert_eq!(text["properties"]["type"]["enum"], json!(["text"]));
        assert_eq!(text["properties"]["text"]["minLength"], 1);
        assert_eq!(text["required"], json!(["text", "type"]));
        assert_eq!(text["not"], json!({ "required": ["metadata"] }));
        let card = &s["oneOf"][7];
        assert_eq!(card["properties"]["type"]["enum"], json!(["card"]));
        let action = &card["properties"]["actions"]["items"]["properties"]["action"];
        assert_eq!(action["enum"], json!(["postback", "url", "say"]));
        assert!(!card["required"].as_array().unwrap().contains(&json!("subtitle")));
        let location = &s["oneOf"][6];
        assert_eq!(location["properties"]["latitude"]["type"], "number");
        assert_eq!(location["properties"]["address"], json!({ "type": "string", "nullable": true }));
        assert_eq!(location["properties"]["latitude"], json!({ "type": "number" }));
        let bloc_items = &s["oneOf"][11]["properties"]["items"]["items"]["oneOf"];
        assert_eq!(bloc_items.as_array().unwrap().len(), 7);
    }

    #[test]
    fn fid_pattern() {
        // '/' and '0' are neighbours: "/-9" is the range from '/' to '9'.
        assert_eq!(fid_class(), "\\-/-9A-Z\\\\_a-z");
        assert_eq!(fid_schema(1)["pattern"], "^[\\-/-9A-Z\\\\_a-z]{1,70}$");
    }

    #[test]
    fn twenty_one_operations() {
        let d = document("/local");
        let mut ids = Vec::new();
        for (_, item) in d["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                ids.push(op["operationId"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(ids.len(), 21, "{ids:?}");
        let create_user = &d["paths"]["/users"]["post"];
        assert_eq!(create_user["parameters"], json!([]));
        assert!(create_user["responses"]["409"].is_object());
        let get_message = &d["paths"]["/messages/{id}"]["get"];
        assert!(get_message["requestBody"].is_null());
        assert_eq!(get_message["parameters"][0]["name"], "id");
        let list = &d["paths"]["/conversations/{conversationId}/messages"]["get"];
        assert_eq!(list["parameters"][1]["name"], "x-user-key");
        assert_eq!(list["parameters"][2]["name"], "nextToken");
    }
}
