//! The dispatcher: CORS, routing, request validation and the operations.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use botpress_chat_wasm::model::{JsonObject, MAX_PROFILE_LEN};
use botpress_chat_wasm::{ApiErrorType, MessagePayload};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;

use crate::error::{ApiError, ApiResult};
use crate::store::{BotJob, UserFields};
use crate::util::{now_secs, parse_query, percent_decode};
use crate::App;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bodies up to this size are read (and dropped) before answering 413, so
/// the client sees the answer rather than a reset.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

pub const HELLO: &str = "Hello, Botpress User 🤖";

pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(dispatch).with_state(app).layer(middleware::from_fn(cors))
}

/// CORS on every response; `OPTIONS` on any path is answered here, before
/// anything else.
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    let mut resp = if req.method() == Method::OPTIONS {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(0));
        r.headers_mut().insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(600));
        r
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.unwrap_or(HeaderValue::from_static("*")));
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    let allow = match requested.as_ref().and_then(|v| v.to_str().ok()).map(str::trim) {
        Some(extra) if !extra.is_empty() => HeaderValue::from_str(&format!("content-type, x-user-key, {extra}"))
            .unwrap_or(HeaderValue::from_static("content-type, x-user-key")),
        _ => HeaderValue::from_static("content-type, x-user-key"),
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("retry-after"));
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

async fn dispatch(State(app): State<Arc<App>>, req: Request) -> Response {
    let segments: Vec<String> =
        req.uri().path().split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect();
    if app.cfg.test_faults && segments.first().map(String::as_str) == Some("_fault") {
        return crate::faults::handle(&app, req, &segments[1..]).await;
    }
    if segments.first() == Some(&app.cfg.webhook_id) {
        return match api(app.clone(), req, &segments[1..]).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        };
    }
    let method = req.method().clone();
    drop(req);
    crate::statics::serve(&app, &method, &segments).await
}

/// One API route, with its path parameters.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Hello,
    OpenApi,
    CreateUser,
    GetUser,
    GetOrCreateUser,
    UpdateUser,
    DeleteUser,
    CreateConversation,
    GetConversation(String),
    GetOrCreateConversation,
    DeleteConversation(String),
    ListConversations,
    Listen(String),
    ListMessages(String),
    AddParticipant(String),
    GetParticipant(String, String),
    RemoveParticipant(String, String),
    ListParticipants(String),
    CreateMessage,
    GetMessage(String),
    DeleteMessage(String),
    CreateEvent,
    GetEvent(String),
}

fn route(segs: &[String], method: &Method) -> ApiResult<Op> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let p = |i: usize| s[i].to_string();
    let m = if method == Method::HEAD { Method::GET } else { method.clone() };
    // (GET, POST, PUT, DELETE) for the matched template.
    type Choice = [Option<Op>; 4];
    let choice: Choice = match s.as_slice() {
        ["hello"] => [Some(Op::Hello), None, None, None],
        ["openapi.json"] => [Some(Op::OpenApi), None, None, None],
        ["users"] => [None, Some(Op::CreateUser), None, None],
        ["users", "me"] => [Some(Op::GetUser), None, Some(Op::UpdateUser), Some(Op::DeleteUser)],
        ["users", "get-or-create"] => [None, Some(Op::GetOrCreateUser), None, None],
        ["conversations"] => [Some(Op::ListConversations), Some(Op::CreateConversation), None, None],
        ["conversations", "get-or-create"] => [None, Some(Op::GetOrCreateConversation), None, None],
        ["conversations", _] => [Some(Op::GetConversation(p(1))), None, None, Some(Op::DeleteConversation(p(1)))],
        ["conversations", _, "listen"] => [Some(Op::Listen(p(1))), None, None, None],
        ["conversations", _, "messages"] => [Some(Op::ListMessages(p(1))), None, None, None],
        ["conversations", _, "participants"] => {
            [Some(Op::ListParticipants(p(1))), Some(Op::AddParticipant(p(1))), None, None]
        }
        ["conversations", _, "participants", _] => {
            [Some(Op::GetParticipant(p(1), p(3))), None, None, Some(Op::RemoveParticipant(p(1), p(3)))]
        }
        ["messages"] => [None, Some(Op::CreateMessage), None, None],
        ["messages", _] => [Some(Op::GetMessage(p(1))), None, None, Some(Op::DeleteMessage(p(1)))],
        ["events"] => [None, Some(Op::CreateEvent), None, None],
        ["events", _] => [Some(Op::GetEvent(p(1))), None, None, None],
        _ => return Err(ApiError::not_found(format!("Route doesn't exist: /{}", s.join("/")))),
    };
    let idx = match m {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::DELETE => 3,
        _ => 4,
    };
    if let Some(Some(op)) = choice.get(idx) {
        return Ok(op.clone());
    }
    let allowed: Vec<&str> = ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .zip(choice.iter())
        .filter(|(_, o)| o.is_some())
        .map(|(n, _)| *n)
        .collect();
    let mut e = ApiError::new(
        ApiErrorType::MethodNotFound,
        format!("Method doesn't exist: {method} /{} (allowed: {})", s.join("/"), allowed.join(", ")),
    );
    e.allow = Some(allowed.join(", "));
    Err(e)
}

/// Reads the body, up to [`BODY_LIMIT`].
async fn read_body(body: Body) -> ApiResult<Bytes> {
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("body: could not be read: {e}")))?;
        total += chunk.len();
        if total <= BODY_LIMIT {
            buf.extend_from_slice(&chunk);
        } else if total > DRAIN_LIMIT {
            break;
        }
    }
    if total > BODY_LIMIT {
        return Err(ApiError::new(
            ApiErrorType::PayloadTooLarge,
            format!("body: {total} bytes or more; request bodies are limited to {BODY_LIMIT} bytes"),
        ));
    }
    Ok(Bytes::from(buf))
}

fn parse_json(bytes: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid(format!("body: invalid JSON ({e})")))
}

/// The JSON object body POST and PUT require.
fn body_object(bytes: &[u8]) -> ApiResult<JsonObject> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("body: a JSON object body is required (send {} when no field is needed)"));
    }
    match parse_json(bytes)? {
        Value::Object(o) => Ok(o),
        _ => Err(ApiError::invalid("body: must be a JSON object")),
    }
}

fn opt_string(o: &JsonObject, field: &str) -> ApiResult<Option<String>> {
    match o.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(format!("{field}: must be a string"))),
    }
}

fn req_string(o: &JsonObject, field: &str) -> ApiResult<String> {
    match opt_string(o, field)? {
        None => Err(ApiError::invalid(format!("{field}: is required"))),
        Some(s) if s.is_empty() => Err(ApiError::invalid(format!("{field}: must be a non-empty string"))),
        Some(s) => Ok(s),
    }
}

fn user_fields(o: &JsonObject) -> ApiResult<UserFields> {
    let f = UserFields {
        name: opt_string(o, "name")?,
        picture_url: opt_string(o, "pictureUrl")?,
        profile: opt_string(o, "profile")?,
    };
    if f.profile.as_ref().is_some_and(|p| p.chars().count() > MAX_PROFILE_LEN) {
        return Err(ApiError::invalid(format!("profile: must be at most {MAX_PROFILE_LEN} characters")));
    }
    Ok(f)
}

fn payload(o: &JsonObject) -> ApiResult<MessagePayload> {
    let v = match o.get("payload") {
        None => return Err(ApiError::invalid("payload: is required")),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(ApiError::invalid("payload: must be an object")),
    };
    let p: MessagePayload = serde_json::from_value(v).map_err(|e| ApiError::invalid(format!("payload: {e}")))?;
    p.validate().map_err(ApiError::invalid)?;
    Ok(p)
}

fn metadata(o: &JsonObject) -> ApiResult<Option<JsonObject>> {
    match o.get("metadata") {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(ApiError::invalid("metadata: must be an object")),
    }
}

fn event_payload(o: &JsonObject) -> ApiResult<JsonObject> {
    match o.get("payload") {
        None => Err(ApiError::invalid("payload: is required")),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::invalid("payload: must be an object")),
    }
}

pub fn json_response(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub fn hello_response() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], HELLO).into_response()
}

fn header_key(headers: &HeaderMap) -> Option<String> {
    headers.get("x-user-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Verifies a key; returns its `id` claim.
pub fn verify_key(app: &App, key: &str) -> ApiResult<String> {
    crate::auth::verify(&app.secret, key, now_secs()).map_err(|_| ApiError::bad_key())
}

async fn api(app: Arc<App>, req: Request, segs: &[String]) -> ApiResult<Response> {
    let op = route(segs, req.method())?;
    match op {
        Op::Hello => return Ok(hello_response()),
        Op::OpenApi => {
            let doc = crate::openapi::document(&format!("/{}", app.cfg.webhook_id));
            return Ok(json_response(doc.to_string()));
        }
        Op::Listen(id) => return Ok(crate::realtime::listen(app, req, id).await),
        _ => {}
    }
    let method = req.method().clone();
    let query = parse_query(req.uri().query());
    let next_token = query.iter().find(|(k, _)| k == "nextToken").map(|(_, v)| v.clone());
    let key = header_key(req.headers());
    let keyed = op != Op::CreateUser;
    if keyed && key.is_none() {
        return Err(ApiError::invalid("x-user-key: the header is required"));
    }
    let bytes = read_body(req.into_body()).await?;
    let body = if method == Method::POST || method == Method::PUT {
        body_object(&bytes)?
    } else {
        if method == Method::DELETE && !bytes.iter().all(u8::is_ascii_whitespace) {
            parse_json(&bytes)?;
        }
        JsonObject::new()
    };
    if op == Op::CreateUser {
        if app.manual {
            return Err(ApiError::new(
                ApiErrorType::Unauthorized,
                "The \"createUser\" operation can only be called when using the shared encryption key.",
            ));
        }
        let id = opt_string(&body, "id")?.filter(|s| !s.is_empty());
        let fields = user_fields(&body)?;
        let v = app.store().atomic(|st| st.create_user(id, fields, &app.secret))?;
        return Ok(json_response(v));
    }
    // Validate the body fully before checking the key (validation comes first, as in the cloud).
    enum Input {
        None,
        Fields(UserFields),
        Id(Option<String>),
        ReqId(String),
        UserId(String),
        Message(String, MessagePayload, Option<JsonObject>),
        Event(String, JsonObject),
    }
    let input = match &op {
        Op::GetOrCreateUser | Op::UpdateUser => Input::Fields(user_fields(&body)?),
        Op::CreateConversation => Input::Id(opt_string(&body, "id")?.filter(|s| !s.is_empty())),
        Op::GetOrCreateConversation => Input::ReqId(req_string(&body, "id")?),
        Op::AddParticipant(_) => Input::UserId(req_string(&body, "userId")?),
        Op::CreateMessage => {
            let conv = req_string(&body, "conversationId")?;
            Input::Message(conv, payload(&body)?, metadata(&body)?)
        }
        Op::CreateEvent => Input::Event(req_string(&body, "conversationId")?, event_payload(&body)?),
        _ => Input::None,
    };
    let claim = verify_key(&app, key.as_deref().unwrap_or_default())?;
    let token = next_token.as_deref();
    let mut job: Option<BotJob> = None;
    let v = app.store().atomic(|st| {
        Ok(match (op, input) {
            (Op::GetUser, _) => st.get_user(&claim)?,
            (Op::GetOrCreateUser, Input::Fields(f)) => st.get_or_create_user(&claim, f)?,
            (Op::UpdateUser, Input::Fields(f)) => st.update_user(&claim, f)?,
            (Op::DeleteUser, _) => st.delete_user(&claim)?,
            (Op::CreateConversation, Input::Id(id)) => st.create_conversation(&claim, id)?,
            (Op::GetConversation(id), _) => st.get_conversation(&claim, &id)?,
            (Op::GetOrCreateConversation, Input::ReqId(id)) => st.get_or_create_conversation(&claim, &id)?,
            (Op::DeleteConversation(id), _) => st.delete_conversation(&claim, &id)?,
            (Op::ListConversations, _) => st.list_conversations(&claim, token)?,
            (Op::ListMessages(c), _) => st.list_messages(&claim, &c, token)?,
            (Op::AddParticipant(c), Input::UserId(u)) => st.add_participant(&claim, &c, &u)?,
            (Op::GetParticipant(c, u), _) => st.get_participant(&claim, &c, &u)?,
            (Op::RemoveParticipant(c, u), _) => st.remove_participant(&claim, &c, &u)?,
            (Op::ListParticipants(c), _) => st.list_participants(&claim, &c, token)?,
            (Op::CreateMessage, Input::Message(c, p, m)) => {
                let (v, j) = st.create_message(&claim, &c, p, m)?;
                job = j;
                v
            }
            (Op::GetMessage(id), _) => st.get_message(&claim, &id)?,
            (Op::DeleteMessage(id), _) => st.delete_message(&claim, &id)?,
            (Op::CreateEvent, Input::Event(c, p)) => {
                let (v, j) = st.create_event(&claim, &c, p)?;
                job = j;
                v
            }
            (Op::GetEvent(id), _) => st.get_event(&claim, &id)?,
            _ => return Err(ApiError::internal("unroutable operation")),
        })
    })?;
    if let Some(job) = job {
        crate::bot::spawn(app.clone(), job);
    }
    Ok(json_response(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').filter(|s| !s.is_empty()).map(String::from).collect()
    }

    #[test]
    fn routing() {
        assert_eq!(route(&segs("/conversations/get-or-create"), &Method::POST), Ok(Op::GetOrCreateConversation));
        assert_eq!(route(&segs("conversations/abc"), &Method::GET), Ok(Op::GetConversation("abc".into())));
        let e = route(&segs("/conversations/get-or-create"), &Method::GET).unwrap_err();
        assert_eq!(e.ty, ApiErrorType::MethodNotFound);
        let e = route(&segs("/nope"), &Method::GET).unwrap_err();
        assert_eq!(e.ty, ApiErrorType::ResourceNotFound);
        assert_eq!(
            route(&segs("/conversations/c/participants/u"), &Method::DELETE),
            Ok(Op::RemoveParticipant("c".into(), "u".into()))
        );
    }
}
