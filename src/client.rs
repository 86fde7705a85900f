//! The Rust client: [`Client`] (each call takes the user key) and
//! [`AuthenticatedClient`] (returned by [`Client::connect`], holds the user
//! and its key).
//!
//! ```no_run
//! # async fn demo() -> Result<(), botpress_chat_wasm::Error> {
//! use botpress_chat_wasm::api::{CreateConversationInput, CreateMessageInput};
//! use botpress_chat_wasm::client::{Auth, Client, ClientOptions};
//! use botpress_chat_wasm::MessagePayload;
//! use futures::StreamExt;
//!
//! let client = Client::new(ClientOptions::webhook("my-webhook-id"))?;
//! let chat = client.connect(Auth::CreateUser { user_id: None }).await?;
//! let conv = chat.create_conversation(&CreateConversationInput::default()).await?.conversation;
//! chat.create_message(&CreateMessageInput {
//!     conversation_id: conv.id.clone(),
//!     payload: MessagePayload::text("hi"),
//!     metadata: None,
//! }).await?;
//! let mut all = chat.list_all_messages(&conv.id);
//! while let Some(message) = all.next().await {
//!     println!("{:?}", message?.payload);
//! }
//! # Ok(()) }
//! ```

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use futures::stream::{self, LocalBoxStream, StreamExt};
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::api::{self, CreateUserInput, GetOrCreateUserInput, ListOperation, Operation};
use crate::error::{Error, ErrorKind};
use crate::host;
use crate::model::{Conversation, Message, User};
use crate::protocol::http::{self, RetryPolicy, DEFAULT_MAX_RESPONSE_BYTES};
use crate::protocol::{json, jwt};
use crate::transport::fetch;

/// The hosted service; `{baseApiUrl}/{webhookId}` is the API's base URL.
pub const DEFAULT_BASE_API_URL: &str = "https://chat.botpress.cloud";
/// Default request timeout: 60 s.
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;

/// How to reach the API and how requests behave.
#[derive(Clone)]
pub struct ClientOptions {
    /// The API's base URL, used as is (`http://127.0.0.1:8080/local`). Wins over `webhook_id`.
    pub api_url: Option<String>,
    /// The webhook id of the bot's Chat integration, joined to `base_api_url`.
    pub webhook_id: Option<String>,
    /// Host part for `webhook_id`; default [`DEFAULT_BASE_API_URL`].
    pub base_api_url: Option<String>,
    /// Per-request timeout in milliseconds (default 60 000).
    pub timeout_ms: u32,
    /// Extra headers sent with every API call (not with the `/hello` check).
    pub headers: Vec<(String, String)>,
    /// Retry of GETs on 429/502/503/504.
    pub retry: RetryPolicy,
    /// Largest accepted response body (default 1 MiB). A body declaring a
    /// larger `Content-Length` is refused unread; one without it is counted
    /// as it arrives and the read stops at the limit; a compressed body is
    /// measured again once decoded.
    pub max_response_bytes: usize,
    /// Logs each request (operation, method, URL, status or failure; never
    /// the user key) with `console.info`.
    pub debug: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_url: None,
            webhook_id: None,
            base_api_url: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            headers: Vec::new(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            debug: false,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold secrets: show the names only.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ClientOptions")
            .field("api_url", &self.api_url)
            .field("webhook_id", &self.webhook_id)
            .field("base_api_url", &self.base_api_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("headers", &names)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientOptions {
    /// Options for an explicit API URL.
    pub fn new(api_url: impl Into<String>) -> Self {
        ClientOptions { api_url: Some(api_url.into()), ..Default::default() }
    }

    /// Options for a webhook id on the hosted service.
    pub fn webhook(webhook_id: impl Into<String>) -> Self {
        ClientOptions { webhook_id: Some(webhook_id.into()), ..Default::default() }
    }

    /// The base URL these options address, without a trailing slash.
    pub fn resolve_api_url(&self) -> Result<String, Error> {
        let url = match (&self.api_url, &self.webhook_id) {
            (Some(url), _) if !url.trim().is_empty() => url.trim().to_string(),
            (_, Some(id)) if !id.trim().is_empty() => {
                let base = self.base_api_url.as_deref().map(str::trim).filter(|b| !b.is_empty());
                format!("{}/{}", base.unwrap_or(DEFAULT_BASE_API_URL).trim_end_matches('/'), id.trim())
            }
            _ => return Err(Error::config("either apiUrl or webhookId is required")),
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::config(format!("apiUrl must start with http:// or https://, got \"{url}\"")));
        }
        Ok(url.trim_end_matches('/').to_string())
    }
}

/// Per-call options: cancellation and a timeout that overrides the client's.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Aborts the call when this signal fires.
    pub signal: Option<web_sys::AbortSignal>,
    /// Timeout for this call, in milliseconds.
    pub timeout_ms: Option<u32>,
}

/// How [`Client::connect`] authenticates (PROTOCOL.md §9.2).
#[derive(Clone)]
pub enum Auth {
    /// An existing user key: getOrCreateUser with it.
    UserKey(String),
    /// Personal mode: sign `{id: user_id, iat}` with the integration's
    /// encryption key, then getOrCreateUser.
    EncryptionKey {
        /// The integration's encryption key (the HS256 secret).
        encryption_key: String,
        /// The user the key is for.
        user_id: String,
    },
    /// Shared mode: createUser, optionally with a chosen id; the server mints the key.
    CreateUser {
        /// The id to create the user with; the server picks one when `None`.
        user_id: Option<String>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::UserKey(_) => f.write_str("UserKey(..)"),
            Auth::EncryptionKey { user_id, .. } => {
                f.debug_struct("EncryptionKey").field("user_id", user_id).finish_non_exhaustive()
            }
            Auth::CreateUser { user_id } => f.debug_struct("CreateUser").field("user_id", user_id).finish(),
        }
    }
}

/// The outcome of a running check, filled in before its promise settles.
type HelloSlot = Rc<RefCell<Option<Result<(), Error>>>>;

enum Hello {
    NotYet,
    /// The check runs as its own JS task (so a caller that gives up does
    /// not cancel it for the others); every caller awaits its promise.
    Running(js_sys::Promise, HelloSlot),
    Passed,
}

struct Inner {
    api_url: String,
    opts: ClientOptions,
    hello: RefCell<Hello>,
}

/// A client for one Chat API; every call takes the user key. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("api_url", &self.inner.api_url).finish_non_exhaustive()
    }
}

/// A request with everything operation-specific done: validated, path
/// filled in, body serialised.
pub(crate) struct Prepared {
    pub op: &'static str,
    pub method: api::Method,
    pub keyed: bool,
    pub path: String,
    /// The JSON text, already a JS string (what `fetch` is given).
    pub body: Option<JsValue>,
}

/// Validates an input and turns it into a [`Prepared`] request. POST and
/// PUT always carry a JSON object body (`{}` at least).
pub(crate) fn prepare<O: Operation>(input: &O) -> Result<Prepared, Error> {
    input.validate().map_err(|m| Error::invalid_argument(format!("{}: {m}", O::NAME)))?;
    let body = if O::METHOD.has_body() { Some(JsValue::from_str(&json::to_string(input)?)) } else { None };
    Ok(Prepared { op: O::NAME, method: O::METHOD, keyed: O::KEYED, path: input.path_and_query(), body })
}

impl Client {
    /// A client for the API these options address. Does no I/O: the
    /// connectivity check runs before the first call.
    pub fn new(opts: ClientOptions) -> Result<Client, Error> {
        let api_url = opts.resolve_api_url()?;
        if opts.timeout_ms == 0 {
            return Err(Error::config("timeout must be a positive number of milliseconds"));
        }
        Ok(Client { inner: Rc::new(Inner { api_url, opts, hello: RefCell::new(Hello::NotYet) }) })
    }

    /// The API's base URL.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// Whether the `/hello` check has passed (it is not run again then).
    pub(crate) fn is_ready(&self) -> bool {
        matches!(*self.inner.hello.borrow(), Hello::Passed)
    }

    /// The options this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }

    /// The API version this client speaks.
    pub fn api_version(&self) -> &'static str {
        crate::API_VERSION
    }

    /// The connectivity check: `GET {apiUrl}/hello`, once per client
    /// (concurrent callers share one attempt; a failed check is retried by
    /// the next call).
    pub async fn hello(&self) -> Result<(), Error> {
        let (promise, slot) = {
            let mut state = self.inner.hello.borrow_mut();
            match &*state {
                Hello::Passed => return Ok(()),
                Hello::Running(p, slot) => (p.clone(), slot.clone()),
                Hello::NotYet => {
                    let url = self.inner.api_url.clone();
                    let timeout_ms = self.inner.opts.timeout_ms;
                    let slot: HelloSlot = Rc::new(RefCell::new(None));
                    let out = slot.clone();
                    let p = wasm_bindgen_futures::future_to_promise(async move {
                        let result = check_hello(url, timeout_ms).await;
                        *out.borrow_mut() = Some(result);
                        Ok(wasm_bindgen::JsValue::UNDEFINED)
                    });
                    *state = Hello::Running(p.clone(), slot.clone());
                    (p, slot)
                }
            }
        };
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        let result = slot.borrow().clone().unwrap_or(Ok(()));
        let mut state = self.inner.hello.borrow_mut();
        if matches!(&*state, Hello::Running(_, s) if Rc::ptr_eq(s, &slot)) {
            *state = if result.is_ok() { Hello::Passed } else { Hello::NotYet };
        }
        result
    }

    /// Calls one operation. `key` is the `x-user-key` (required by all but createUser).
    pub async fn call<O: Operation>(&self, key: Option<&str>, input: &O) -> Result<O::Output, Error> {
        self.call_with(key, input, &CallOptions::default()).await
    }

    /// [`call`](Self::call) with per-call options (abort signal, timeout).
    pub async fn call_with<O: Operation>(
        &self,
        key: Option<&str>,
        input: &O,
        opts: &CallOptions,
    ) -> Result<O::Output, Error> {
        let value = self.invoke(key, prepare(input)?, opts).await?;
        http::decode_value::<O::Output>(O::NAME, value)
    }

    /// Sends a prepared request (with retries) and classifies the answer
    /// into its JSON object. Not generic: one copy serves every operation.
    pub(crate) async fn invoke(&self, key: Option<&str>, req: Prepared, opts: &CallOptions) -> Result<Value, Error> {
        let op = req.op;
        let (status, body) = self.exchange(key, req, opts).await?;
        http::classify_object(op, status, &body.as_string().unwrap_or_default())
    }

    /// Sends a prepared request (with retries) and returns the final
    /// answer's status and body text (a JS string).
    pub(crate) async fn exchange(
        &self,
        key: Option<&str>,
        req: Prepared,
        opts: &CallOptions,
    ) -> Result<(u16, JsValue), Error> {
        let Prepared { op, method, keyed, path, body } = req;
        let key = key.filter(|k| !k.is_empty());
        if keyed && key.is_none() {
            return Err(Error::missing_key(format!("{op}: x-user-key is required")));
        }
        self.hello().await?;
        let o = &self.inner.opts;
        let url = format!("{}{}", self.inner.api_url, path);
        let mut attempt = 0;
        loop {
            let res = fetch::send(fetch::HttpRequest {
                op,
                method: method.as_str(),
                url: &url,
                headers: &o.headers,
                user_key: if keyed { key } else { None },
                body: body.clone(),
                timeout_ms: opts.timeout_ms.unwrap_or(o.timeout_ms),
                signal: opts.signal.as_ref(),
                max_bytes: o.max_response_bytes,
            })
            .await;
            if o.debug {
                debug_log(op, method.as_str(), &url, &res);
            }
            let res = res?;
            // Success is never retried: skip the clock and the dice.
            let delay = if http::is_success(res.status) {
                None
            } else {
                o.retry.delay_ms(
                    method,
                    res.status,
                    res.retry_after.as_deref(),
                    attempt,
                    host::now_ms(),
                    host::random(),
                )
            };
            match delay {
                Some(ms) => {
                    attempt += 1;
                    host::sleep(ms).await;
                    if opts.signal.as_ref().is_some_and(|s| s.aborted()) {
                        return Err(Error::aborted(format!("{op}: the request was aborted")));
                    }
                }
                None => return Ok((res.status, res.body)),
            }
        }
    }

    /// Authenticates (PROTOCOL.md §9.2) and returns a client bound to the user.
    pub async fn connect(&self, auth: Auth) -> Result<AuthenticatedClient, Error> {
        self.hello().await?;
        // One request, then one decode: the shared, non-generic path.
        let auth = match auth {
            Auth::EncryptionKey { encryption_key, user_id } => {
                let iat = signing_request(&user_id)?;
                Auth::UserKey(jwt::sign_user_key(&encryption_key, &user_id, iat)?)
            }
            auth => auth,
        };
        let (key, req) = connect_request(auth)?;
        let value = self.invoke(key.as_deref(), req, &CallOptions::default()).await?;
        // createUser answers `{user, key}`, getOrCreateUser `{user}`.
        let out = http::decode_value::<api::CreateUserOutput>(
            "connect",
            match (key.as_deref(), value) {
                (Some(k), Value::Object(mut map)) => {
                    map.insert("key".into(), Value::String(k.to_string()));
                    Value::Object(map)
                }
                (_, v) => v,
            },
        )?;
        let (user, key) = (out.user, out.key);
        Ok(AuthenticatedClient { inner: Rc::new(AuthInner { client: self.clone(), user, key }) })
    }

    /// All items of a list operation, page after page, as one stream. The
    /// stream ends after the first error.
    pub fn paginate<O>(&self, key: Option<&str>, input: O) -> LocalBoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + 'static,
        O::Item: 'static,
    {
        self.paginate_with(key, input, CallOptions::default())
    }

    /// [`paginate`](Self::paginate) with per-call options applied to every page.
    pub fn paginate_with<O>(
        &self,
        key: Option<&str>,
        input: O,
        opts: CallOptions,
    ) -> LocalBoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + 'static,
        O::Item: 'static,
    {
        struct State<O: ListOperation> {
            client: Client,
            key: Option<String>,
            next: Option<O>,
            buffer: VecDeque<O::Item>,
            opts: CallOptions,
        }
        let state = State {
            client: self.clone(),
            key: key.map(str::to_string),
            next: Some(input),
            buffer: VecDeque::new(),
            opts,
        };
        stream::unfold(state, |mut s| async move {
            loop {
                if let Some(item) = s.buffer.pop_front() {
                    return Some((Ok(item), s));
                }
                let input = s.next.take()?;
                match s.client.call_with(s.key.as_deref(), &input, &s.opts).await {
                    Ok(out) => {
                        let (items, token) = O::into_page(out);
                        s.buffer.extend(items);
                        if let Some(token) = token.filter(|t| !t.is_empty()) {
                            let mut next = input;
                            next.set_next_token(Some(token));
                            s.next = Some(next);
                        }
                    }
                    Err(e) => return Some((Err(e), s)),
                }
            }
        })
        .boxed_local()
    }
}

/// The request that authenticates (PROTOCOL.md §9.2): getOrCreateUser with the
/// given or signed key, or createUser. Bodies are written by hand: `{}`, or
/// `{"id": …}` for a chosen user id. `Auth::EncryptionKey` is signed first
/// (see [`signing_request`]); here it is a configuration error.
pub(crate) fn connect_request(auth: Auth) -> Result<(Option<String>, Prepared), Error> {
    match auth {
        Auth::UserKey(key) => {
            if key.is_empty() {
                return Err(Error::config("userKey must not be empty"));
            }
            Ok((Some(key), get_or_create_request()))
        }
        Auth::EncryptionKey { .. } => Err(Error::config("encryptionKey: the user key must be signed first")),
        Auth::CreateUser { user_id } => {
            let body = match user_id.filter(|s| !s.is_empty()) {
                Some(id) => {
                    let id =
                        String::from(js_sys::JSON::stringify(&id.as_str().into()).unwrap_or_else(|_| "\"\"".into()));
                    let mut b = String::from("{\"id\":");
                    b.push_str(&id);
                    b.push('}');
                    b
                }
                None => "{}".to_string(),
            };
            let req = Prepared {
                op: <CreateUserInput as Operation>::NAME,
                method: <CreateUserInput as Operation>::METHOD,
                keyed: false,
                path: <CreateUserInput as Operation>::PATH.to_string(),
                body: Some(JsValue::from_str(&body)),
            };
            Ok((None, req))
        }
    }
}

/// For `Auth::EncryptionKey`: the user id and the issue time (Unix
/// seconds) to sign, after checking the user id.
pub(crate) fn signing_request(user_id: &str) -> Result<u64, Error> {
    if user_id.is_empty() {
        return Err(Error::config("userId is required with encryptionKey"));
    }
    Ok((host::now_ms() / 1000.0) as u64)
}

fn get_or_create_request() -> Prepared {
    Prepared {
        op: <GetOrCreateUserInput as Operation>::NAME,
        method: <GetOrCreateUserInput as Operation>::METHOD,
        keyed: true,
        path: <GetOrCreateUserInput as Operation>::PATH.to_string(),
        body: Some(JsValue::from_str("{}")),
    }
}

/// The `debug` option's line for one request: the status, or the failure.
fn debug_log(op: &str, method: &str, url: &str, res: &Result<fetch::HttpResponse, Error>) {
    let outcome = match res {
        Ok(r) => wasm_bindgen::JsValue::from(r.status),
        Err(e) => wasm_bindgen::JsValue::from_str(&e.message),
    };
    host::console_info("[chat]", op, method, url, &outcome);
}

async fn check_hello(api_url: String, timeout_ms: u32) -> Result<(), Error> {
    let url = format!("{api_url}/hello");
    let failed = |e: Error| Error {
        kind: ErrorKind::Connect,
        message: format!("Failed to connect to url \"{api_url}\": {}", e.message),
        ..e
    };
    let res = fetch::send(fetch::HttpRequest {
        op: "hello",
        method: "GET",
        url: &url,
        headers: &[],
        user_key: None,
        body: None,
        timeout_ms,
        signal: None,
        max_bytes: 64 * 1024,
    })
    .await
    .map_err(failed)?;
    http::hello_ok(res.status, &res.body.as_string().unwrap_or_default()).map_err(failed)
}

macro_rules! client_methods {
    ($($rust:ident, $js:literal, $ty:ty, $keyed:literal;)*) => {
        /// One method per operation; `key` is the `x-user-key`.
        impl Client {
            $(
                #[doc = concat!("`", $js, "`.")]
                pub async fn $rust(&self, key: Option<&str>, input: &$ty)
                    -> Result<<$ty as Operation>::Output, Error>
                {
                    self.call(key, input).await
                }
            )*
        }
    };
}
crate::for_each_operation!(client_methods);

struct AuthInner {
    client: Client,
    user: User,
    key: String,
}

/// A client bound to one user: operations carry its key. Cheap to clone.
#[derive(Clone)]
pub struct AuthenticatedClient {
    inner: Rc<AuthInner>,
}

impl fmt::Debug for AuthenticatedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatedClient")
            .field("api_url", &self.inner.client.api_url())
            .field("user", &self.inner.user.id)
            .finish_non_exhaustive()
    }
}

impl AuthenticatedClient {
    /// Binds a known user and key without any request (e.g. restored from storage).
    pub fn from_parts(client: Client, user: User, key: String) -> Self {
        AuthenticatedClient { inner: Rc::new(AuthInner { client, user, key }) }
    }

    /// The user, as returned when connecting.
    pub fn user(&self) -> &User {
        &self.inner.user
    }

    /// The user key (`x-user-key`); keep it to reconnect as the same user.
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Calls one operation with this user's key.
    pub async fn call<O: Operation>(&self, input: &O) -> Result<O::Output, Error> {
        self.inner.client.call(Some(&self.inner.key), input).await
    }

    /// [`call`](Self::call) with per-call options.
    pub async fn call_with<O: Operation>(&self, input: &O, opts: &CallOptions) -> Result<O::Output, Error> {
        self.inner.client.call_with(Some(&self.inner.key), input, opts).await
    }

    /// Every item of a list operation, across pages.
    pub fn paginate<O>(&self, input: O) -> LocalBoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + 'static,
        O::Item: 'static,
    {
        self.inner.client.paginate(Some(&self.inner.key), input)
    }

    /// Every conversation the user owns, across pages.
    pub fn list_all_conversations(&self) -> LocalBoxStream<'static, Result<Conversation, Error>> {
        self.paginate(api::ListConversationsInput::default())
    }

    /// Every message of a conversation, across pages (server order).
    pub fn list_all_messages(&self, conversation_id: &str) -> LocalBoxStream<'static, Result<Message, Error>> {
        self.paginate(api::ListMessagesInput { conversation_id: conversation_id.into(), next_token: None })
    }

    /// Every participant of a conversation, across pages.
    pub fn list_all_participants(&self, conversation_id: &str) -> LocalBoxStream<'static, Result<User, Error>> {
        self.paginate(api::ListParticipantsInput { conversation_id: conversation_id.into(), next_token: None })
    }
}

macro_rules! authenticated_method {
    (create_user, $js:literal, $ty:ty) => {};
    (get_or_create_user, $js:literal, $ty:ty) => {};
    ($rust:ident, $js:literal, $ty:ty) => {
        #[doc = concat!("`", $js, "` with this user's key.")]
        pub async fn $rust(&self, input: &$ty) -> Result<<$ty as Operation>::Output, Error> {
            self.call(input).await
        }
    };
}

macro_rules! authenticated_methods {
    ($($rust:ident, $js:literal, $ty:ty, $keyed:literal;)*) => {
        /// The operations of [`Client`] except createUser and getOrCreateUser.
        impl AuthenticatedClient {
            $( authenticated_method!($rust, $js, $ty); )*
        }
    };
}
crate::for_each_operation!(authenticated_methods);
