//! The router: CORS and path normalisation around everything, the API under
//! `/{webhook-id}` (one route per operation of the shared table, at the
//! table's path and method), the fault injector, and static files.

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, MethodFilter, MethodRouter};
use axum::Router;
use botpress_chat::api::{
    self as ops, encode_component, ConversationOutput, CreateUserOutput, Empty, EventOutput, ListConversationsOutput,
    ListMessagesOutput, ListMeta, ListParticipantsOutput, MessageOutput, Operation, ParticipantOutput, UserOutput,
};
use botpress_chat::ApiErrorType;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::responses::{hello_response, json_response, render};
use crate::util::{now_secs, path_segments as segments};

/// The server's routes: the API under `/{webhook id}`, and the static files if any.
pub fn router(app: Arc<App>) -> Router {
    let mut inner = Router::new().nest(&format!("/{}", encode_component(&app.cfg.webhook_id)), api());
    if app.cfg.test_faults {
        inner = inner.route("/_fault", any(crate::faults::handle)).route("/_fault/{*case}", any(crate::faults::handle));
    }
    let inner = inner.fallback(crate::statics::serve).with_state(app);
    // The outer router only wraps: its middleware runs before the inner one routes.
    Router::new().fallback_service(inner).layer(middleware::from_fn(normalize)).layer(middleware::from_fn(cors))
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

/// Rewrites the path before routing: empty segments (doubled or trailing
/// slashes) go, and each segment is decoded then encoded again, so routes and
/// path parameters see one spelling of every path (`%7E`, `~` → `~`; an
/// invalid UTF-8 escape → U+FFFD).
async fn normalize(mut req: Request, next: Next) -> Response {
    let path: String = segments(req.uri().path()).iter().map(|s| format!("/{}", encode_component(s))).collect();
    let path = if path.is_empty() { "/".to_string() } else { path };
    if path != req.uri().path() {
        let with_query = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = with_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

fn filter(m: ops::Method) -> MethodFilter {
    match m {
        ops::Method::Get => MethodFilter::GET,
        ops::Method::Post => MethodFilter::POST,
        ops::Method::Put => MethodFilter::PUT,
        ops::Method::Delete => MethodFilter::DELETE,
    }
}

/// The API's routes, grouped by path: (path, allowed methods, method router).
#[derive(Default)]
struct Routes(BTreeMap<&'static str, (Vec<&'static str>, MethodRouter<Arc<App>>)>);

impl Routes {
    fn add<H, T>(mut self, path: &'static str, method: ops::Method, handler: H) -> Self
    where
        H: Handler<T, Arc<App>>,
        T: 'static,
    {
        let (methods, mr) = self.0.remove(path).unwrap_or_default();
        let mut methods = methods;
        methods.push(method.as_str());
        self.0.insert(path, (methods, mr.on(filter(method), handler)));
        self
    }

    /// Operation `O` at the path and method of the shared table.
    fn op<O: Operation, H, T>(self, handler: H) -> Self
    where
        H: Handler<T, Arc<App>>,
        T: 'static,
    {
        self.add(O::PATH, O::METHOD, handler)
    }

    fn into_router(self) -> Router<Arc<App>> {
        let mut r = Router::new();
        for (path, (mut methods, mr)) in self.0 {
            methods.sort_by_key(|m| ["GET", "POST", "PUT", "DELETE"].iter().position(|x| x == m));
            let allowed = methods.join(", ");
            r = r.route(path, mr.fallback(move |req: Request| method_not_found(req, allowed.clone())));
        }
        r.fallback(route_not_found)
    }
}

/// Every API route: the hello check, the description, the 20 request/response
/// operations of the shared table, and listenConversation.
fn api() -> Router<Arc<App>> {
    use ops::*;
    Routes::default()
        .add("/hello", ops::Method::Get, || async { hello_response() })
        .add("/openapi.json", ops::Method::Get, openapi)
        .add(crate::openapi::LISTEN_PATH, ops::Method::Get, crate::realtime::listen)
        .op::<CreateUserInput, _, _>(create_user)
        .op::<GetUserInput, _, _>(get_user)
        .op::<GetOrCreateUserInput, _, _>(get_or_create_user)
        .op::<UpdateUserInput, _, _>(update_user)
        .op::<DeleteUserInput, _, _>(delete_user)
        .op::<CreateConversationInput, _, _>(create_conversation)
        .op::<GetConversationInput, _, _>(get_conversation)
        .op::<GetOrCreateConversationInput, _, _>(get_or_create_conversation)
        .op::<DeleteConversationInput, _, _>(delete_conversation)
        .op::<ListConversationsInput, _, _>(list_conversations)
        .op::<ListMessagesInput, _, _>(list_messages)
        .op::<AddParticipantInput, _, _>(add_participant)
        .op::<GetParticipantInput, _, _>(get_participant)
        .op::<RemoveParticipantInput, _, _>(remove_participant)
        .op::<ListParticipantsInput, _, _>(list_participants)
        .op::<CreateMessageInput, _, _>(create_message)
        .op::<GetMessageInput, _, _>(get_message)
        .op::<DeleteMessageInput, _, _>(delete_message)
        .op::<CreateEventInput, _, _>(create_event)
        .op::<GetEventInput, _, _>(get_event)
        .into_router()
}

async fn route_not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("Route doesn't exist: /{}", segments(uri.path()).join("/")))
}

async fn method_not_found(req: Request, allowed: String) -> ApiError {
    let mut e = ApiError::new(
        ApiErrorType::MethodNotFound,
        format!(
            "Method doesn't exist: {} /{} (allowed: {allowed})",
            req.method(),
            segments(req.uri().path()).join("/")
        ),
    );
    e.allow = Some(allowed);
    e
}

async fn openapi(State(app): State<Arc<App>>) -> Response {
    json_response(crate::openapi::document(&format!("/{}", app.cfg.webhook_id)).to_string())
}

// ----- the operations: one transaction each, answers rendered here ---------

type Answer = ApiResult<Response>;

fn page_meta(next_token: Option<String>) -> ListMeta {
    ListMeta { next_token }
}

async fn create_user(State(app): State<Arc<App>>, call: Call<ops::CreateUserInput>) -> Answer {
    let ops::CreateUserInput { id, fields } = call.input;
    let id = id.filter(|s| !s.is_empty());
    let user = app.store().atomic(|st| st.create_user(id.as_deref(), fields))?;
    let key = crate::auth::mint(&app.secret, &user.id, now_secs());
    Ok(render(&CreateUserOutput { user, key }))
}

async fn get_user(State(app): State<Arc<App>>, call: Call<ops::GetUserInput>) -> Answer {
    let user = app.store().atomic(|st| st.get_user(&call.claim))?;
    Ok(render(&UserOutput { user }))
}

async fn get_or_create_user(State(app): State<Arc<App>>, call: Call<ops::GetOrCreateUserInput>) -> Answer {
    let user = app.store().atomic(|st| st.get_or_create_user(&call.claim, call.input.fields))?;
    Ok(render(&UserOutput { user }))
}

async fn update_user(State(app): State<Arc<App>>, call: Call<ops::UpdateUserInput>) -> Answer {
    let user = app.store().atomic(|st| st.update_user(&call.claim, call.input.fields))?;
    Ok(render(&UserOutput { user }))
}

async fn delete_user(State(app): State<Arc<App>>, call: Call<ops::DeleteUserInput>) -> Answer {
    app.store().atomic(|st| st.delete_user(&call.claim))?;
    Ok(render(&Empty {}))
}

async fn create_conversation(State(app): State<Arc<App>>, call: Call<ops::CreateConversationInput>) -> Answer {
    let id = call.input.id.filter(|s| !s.is_empty());
    let conversation = app.store().atomic(|st| st.create_conversation(&call.claim, id.as_deref()))?;
    Ok(render(&ConversationOutput { conversation }))
}

async fn get_conversation(State(app): State<Arc<App>>, call: Call<ops::GetConversationInput>) -> Answer {
    let conversation = app.store().atomic(|st| st.get_conversation(&call.claim, &call.input.id))?;
    Ok(render(&ConversationOutput { conversation }))
}

async fn get_or_create_conversation(
    State(app): State<Arc<App>>,
    call: Call<ops::GetOrCreateConversationInput>,
) -> Answer {
    let conversation = app.store().atomic(|st| st.get_or_create_conversation(&call.claim, &call.input.id))?;
    Ok(render(&ConversationOutput { conversation }))
}

async fn delete_conversation(State(app): State<Arc<App>>, call: Call<ops::DeleteConversationInput>) -> Answer {
    app.store().atomic(|st| st.delete_conversation(&call.claim, &call.input.id))?;
    Ok(render(&Empty {}))
}

async fn list_conversations(State(app): State<Arc<App>>, call: Call<ops::ListConversationsInput>) -> Answer {
    let page = app.store().atomic(|st| st.list_conversations(&call.claim, call.input.next_token.as_deref()))?;
    Ok(render(&ListConversationsOutput { conversations: page.items, meta: page_meta(page.next_token) }))
}

async fn list_messages(State(app): State<Arc<App>>, call: Call<ops::ListMessagesInput>) -> Answer {
    let i = call.input;
    let page = app.store().atomic(|st| st.list_messages(&call.claim, &i.conversation_id, i.next_token.as_deref()))?;
    Ok(render(&ListMessagesOutput { messages: page.items, meta: page_meta(page.next_token) }))
}

async fn add_participant(State(app): State<Arc<App>>, call: Call<ops::AddParticipantInput>) -> Answer {
    let i = call.input;
    let participant = app.store().atomic(|st| st.add_participant(&call.claim, &i.conversation_id, &i.user_id))?;
    Ok(render(&ParticipantOutput { participant }))
}

async fn get_participant(State(app): State<Arc<App>>, call: Call<ops::GetParticipantInput>) -> Answer {
    let i = call.input;
    let participant = app.store().atomic(|st| st.get_participant(&call.claim, &i.conversation_id, &i.user_id))?;
    Ok(render(&ParticipantOutput { participant }))
}

async fn remove_participant(State(app): State<Arc<App>>, call: Call<ops::RemoveParticipantInput>) -> Answer {
    let i = call.input;
    app.store().atomic(|st| st.remove_participant(&call.claim, &i.conversation_id, &i.user_id))?;
    Ok(render(&Empty {}))
}

async fn list_participants(State(app): State<Arc<App>>, call: Call<ops::ListParticipantsInput>) -> Answer {
    let i = call.input;
    let page =
        app.store().atomic(|st| st.list_participants(&call.claim, &i.conversation_id, i.next_token.as_deref()))?;
    Ok(render(&ListParticipantsOutput { participants: page.items, meta: page_meta(page.next_token) }))
}

async fn create_message(State(app): State<Arc<App>>, call: Call<ops::CreateMessageInput>) -> Answer {
    let i = call.input;
    let (message, job) =
        app.store().atomic(|st| st.create_message(&call.claim, &i.conversation_id, i.payload, i.metadata))?;
    crate::bot::spawn(app.clone(), job);
    Ok(render(&MessageOutput { message }))
}

async fn get_message(State(app): State<Arc<App>>, call: Call<ops::GetMessageInput>) -> Answer {
    let message = app.store().atomic(|st| st.get_message(&call.claim, &call.input.id))?;
    Ok(render(&MessageOutput { message }))
}

async fn delete_message(State(app): State<Arc<App>>, call: Call<ops::DeleteMessageInput>) -> Answer {
    app.store().atomic(|st| st.delete_message(&call.claim, &call.input.id))?;
    Ok(render(&Empty {}))
}

async fn create_event(State(app): State<Arc<App>>, call: Call<ops::CreateEventInput>) -> Answer {
    let i = call.input;
    let (event, job) = app.store().atomic(|st| st.create_event(&call.claim, &i.conversation_id, i.payload))?;
    crate::bot::spawn(app.clone(), job);
    Ok(render(&EventOutput { event }))
}

async fn get_event(State(app): State<Arc<App>>, call: Call<ops::GetEventInput>) -> Answer {
    let event = app.store().atomic(|st| st.get_event(&call.claim, &call.input.id))?;
    Ok(render(&EventOutput { event }))
}
