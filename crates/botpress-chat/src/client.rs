//! The Rust client: [`Client`] (each call takes the user key) and
//! [`AuthenticatedClient`] (returned by [`Client::connect`], holds the user
//! and its key).
//!
//! Generic over the [`Host`] it runs on: natively the tokio host
//! [`NativeHost`](crate::native::NativeHost) by default, on wasm the npm
//! package's `WebHost`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), botpress_chat::Error> {
//! use botpress_chat::api::{CreateConversationInput, CreateMessageInput};
//! use botpress_chat::client::{Auth, Client, ClientOptions};
//! use botpress_chat::MessagePayload;
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

use std::collections::VecDeque;
use std::fmt;
#[cfg(feature = "exactly-once")]
use std::future::Future;
#[cfg(feature = "exactly-once")]
use std::pin::Pin;
#[cfg(feature = "exactly-once")]
use std::task::{Context, Poll};

use futures::future::{FutureExt, Shared as SharedFuture};
use futures::stream;
use serde_json::Value;

use crate::api::{self, CreateUserInput, GetOrCreateUserInput, ListOperation, Operation, Prepared, Spec};
use crate::error::{Error, ErrorKind};
use crate::host::{Failure, Host, HttpRequest, HttpResponse};
use crate::model::{Conversation, Message, User};
#[cfg(feature = "exactly-once")]
use crate::once;
use crate::protocol::http::{self, RetryPolicy, DEFAULT_MAX_RESPONSE_BYTES};
use crate::protocol::jwt;
use crate::realtime::sends::{SendWatch, Sends};
use crate::sync::{BoxFuture, BoxStream, Lock, MaybeSend, MaybeSync, Shared};

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
    /// the user key) through the host: `console.info` on the web, stderr
    /// natively.
    pub debug: bool,
    /// `createMessage` creates its message exactly once (default `true`;
    /// with the crate feature `exactly-once`, on by default): after a
    /// failure that leaves the outcome unknown it checks before sending
    /// again, it waits out an outage, and sends to one conversation go one
    /// at a time ([`crate::once`]). Without the feature, sends are
    /// never retried.
    pub exactly_once: bool,
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
            exactly_once: true,
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
            .field("exactly_once", &self.exactly_once)
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
/// `S` is the host's signal type ([`Host::Signal`]).
#[derive(Clone)]
#[cfg(not(target_arch = "wasm32"))]
pub struct CallOptions<S = crate::native::CancellationToken> {
    /// Aborts the call when this signal fires.
    pub signal: Option<S>,
    /// Timeout for this call, in milliseconds.
    pub timeout_ms: Option<u32>,
    /// Overrides [`ClientOptions::exactly_once`] for this call.
    pub exactly_once: Option<bool>,
}

/// Per-call options: cancellation and a timeout that overrides the client's.
/// `S` is the host's signal type ([`Host::Signal`]).
#[derive(Clone)]
#[cfg(target_arch = "wasm32")]
pub struct CallOptions<S> {
    /// Aborts the call when this signal fires.
    pub signal: Option<S>,
    /// Timeout for this call, in milliseconds.
    pub timeout_ms: Option<u32>,
    /// Overrides [`ClientOptions::exactly_once`] for this call.
    pub exactly_once: Option<bool>,
}

impl<S> Default for CallOptions<S> {
    fn default() -> Self {
        CallOptions { signal: None, timeout_ms: None, exactly_once: None }
    }
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

/// The `/hello` check while it runs: every caller awaits the same future,
/// so a caller that gives up does not cancel it for the others.
type HelloCheck = SharedFuture<BoxFuture<'static, Result<(), Error>>>;

struct Inner<H> {
    host: H,
    api_url: String,
    opts: ClientOptions,
    hello: Lock<Option<HelloCheck>>,
    hello_passed: Lock<bool>,
    /// The messages this client creates, for its listeners' first listing
    /// and for exactly-once sends.
    sends: Shared<Sends>,
    /// A lower bound of (server clock − client clock), from the last message
    /// this client created ([`once::skew_bound`]).
    #[cfg(feature = "exactly-once")]
    skew: Lock<Option<f64>>,
}

/// A client for one Chat API over the host `H` (natively, by default, the
/// tokio host [`NativeHost`](crate::native::NativeHost)); every call takes
/// the user key. Cheap to clone; natively `Send + Sync`, its futures `Send`.
#[cfg(not(target_arch = "wasm32"))]
pub struct Client<H: Host = crate::native::NativeHost> {
    inner: Shared<Inner<H>>,
}

/// A client for one Chat API over the host `H`; every call takes the user
/// key. Cheap to clone.
#[cfg(target_arch = "wasm32")]
pub struct Client<H: Host> {
    inner: Shared<Inner<H>>,
}

impl<H: Host> Clone for Client<H> {
    fn clone(&self) -> Self {
        Client { inner: self.inner.clone() }
    }
}

impl<H: Host> fmt::Debug for Client<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("api_url", &self.inner.api_url).finish_non_exhaustive()
    }
}

#[cfg(target_arch = "wasm32")]
impl<H: Host + Default> Client<H> {
    /// A client for the API these options address. Does no I/O: the
    /// connectivity check runs before the first call.
    pub fn new(opts: ClientOptions) -> Result<Self, Error> {
        Self::with_host(H::default(), opts)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Client {
    /// A client for the API these options address, over the native host
    /// (its own connection pool). Does no I/O: the connectivity check runs
    /// before the first call. Another host: [`with_host`](Client::with_host).
    pub fn new(opts: ClientOptions) -> Result<Self, Error> {
        Self::with_host(crate::native::NativeHost::default(), opts)
    }
}

/// A message being created (`createMessage`): recorded for the listeners
/// starting meanwhile ([`sends`](crate::realtime::sends)). Out of line: the
/// call's future stays small.
#[inline(never)]
fn begin_send(sends: &Sends, spec: &Spec, req: &Prepared) -> Option<u64> {
    if spec.name != api::CreateMessageInput::NAME {
        return None;
    }
    let conversation_id = req.body.as_ref()?.get("conversationId")?.as_str()?;
    Some(sends.begin(conversation_id))
}

/// Settles a send begun by [`begin_send`] with the id it created, if any.
#[inline(never)]
fn settle_send(sends: &Sends, seq: u64, answer: &Result<(Value, String), Error>) {
    let id = answer.as_ref().ok().and_then(|(v, _)| v["message"]["id"].as_str());
    sends.settle(seq, id.map(String::from));
}

impl<H: Host> Client<H> {
    /// A client over the given host.
    pub fn with_host(host: H, opts: ClientOptions) -> Result<Self, Error> {
        let api_url = opts.resolve_api_url()?;
        if opts.timeout_ms == 0 {
            return Err(Error::config("timeout must be a positive number of milliseconds"));
        }
        let inner = Inner {
            host,
            api_url,
            opts,
            hello: Lock::new(None),
            hello_passed: Lock::new(false),
            sends: Shared::default(),
            #[cfg(feature = "exactly-once")]
            skew: Lock::new(None),
        };
        Ok(Client { inner: Shared::new(inner) })
    }

    /// The host this client runs on.
    pub fn host(&self) -> &H {
        &self.inner.host
    }

    /// The API's base URL.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// The messages this client creates in `conversation_id` from now on,
    /// and those it is creating there: what a listener starting now watches
    /// ([`sends`](crate::realtime::sends)).
    pub fn watch_sends(&self, conversation_id: &str) -> SendWatch {
        self.inner.sends.watch(conversation_id)
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
        if self.inner.hello_passed.get() {
            return Ok(());
        }
        let check = {
            let mut slot = self.inner.hello.lock();
            let (host, url, timeout_ms) =
                (self.inner.host.clone(), self.inner.api_url.clone(), self.inner.opts.timeout_ms);
            slot.get_or_insert_with(|| crate::sync::boxed(check_hello(host, url, timeout_ms)).shared()).clone()
        };
        let result = check.clone().await;
        let mut slot = self.inner.hello.lock();
        if slot.as_ref().is_some_and(|running| running.ptr_eq(&check)) {
            *slot = None;
            self.inner.hello_passed.set(result.is_ok());
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
        opts: &CallOptions<H::Signal>,
    ) -> Result<O::Output, Error> {
        let (value, _) = self.run(key, &O::SPEC, api::prepare(input)?, opts).await?;
        http::decode_value::<O::Output>(O::NAME, value)
    }

    /// Calls the operation `spec` with its arguments as one JSON object
    /// (path, query and body fields together, as `@botpress/chat` takes
    /// them): the same checks, request and answer check as
    /// [`call_with`](Self::call_with), with no type per operation. Returns
    /// the answer's JSON text as the server sent it, so unknown fields and key
    /// order survive.
    pub async fn call_json(
        &self,
        key: Option<&str>,
        spec: &Spec,
        args: &Value,
        opts: &CallOptions<H::Signal>,
    ) -> Result<String, Error> {
        // Boxed: one copy of the exchange's state machine however many callers
        // (the JS facade's calls, the listener's listings) await it.
        let run: BoxFuture<'_, _> = Box::pin(self.run(key, spec, spec.prepare(args)?, opts));
        let (_, text) = run.await?;
        Ok(text)
    }

    /// Sends a prepared request, classifies the answer and checks its shape:
    /// the value and the text it was read from.
    async fn run(
        &self,
        key: Option<&str>,
        spec: &Spec,
        req: Prepared,
        opts: &CallOptions<H::Signal>,
    ) -> Result<(Value, String), Error> {
        let send = begin_send(&self.inner.sends, spec, &req);
        let answer = match send {
            #[cfg(feature = "exactly-once")]
            Some(seq) if opts.exactly_once.unwrap_or(self.inner.opts.exactly_once) => {
                OnceSend::new(self, key, seq, req, opts).await
            }
            _ => match self.invoke(key, req, opts).await {
                Ok((value, text)) => spec.check_answer(&value).map(|()| (value, text)),
                Err(e) => Err(e),
            },
        };
        if let Some(seq) = send {
            settle_send(&self.inner.sends, seq, &answer);
        }
        answer
    }

    /// Sends a prepared request (with retries) and classifies the answer
    /// into its JSON object, returned with the body text it was read from.
    /// Boxed: one copy of the exchange's state machine for every caller (a
    /// call, each step of an exactly-once send).
    fn invoke<'a>(
        &'a self,
        key: Option<&'a str>,
        req: Prepared,
        opts: &'a CallOptions<H::Signal>,
    ) -> BoxFuture<'a, Result<(Value, String), Error>> {
        crate::sync::boxed(async move {
            let op = req.op;
            let (status, body) = self.exchange(key, req, opts).await?;
            let value = http::classify_object(op, status, &body, &|t| self.inner.host.parse_json(t))?;
            Ok((value, body))
        })
    }

    /// Sends a prepared request (with retries) and returns the final
    /// answer's status and body text.
    async fn exchange(
        &self,
        key: Option<&str>,
        req: Prepared,
        opts: &CallOptions<H::Signal>,
    ) -> Result<(u16, String), Error> {
        let Prepared { op, method, keyed, path, body } = req;
        let key = key.filter(|k| !k.is_empty());
        if keyed && key.is_none() {
            return Err(Error::missing_key(format!("{op}: x-user-key is required")));
        }
        self.hello().await?;
        let (o, host) = (&self.inner.opts, &self.inner.host);
        if let Some((name, _)) = o.headers.iter().find(|(k, v)| !(http::header_name_ok(k) && http::header_value_ok(v)))
        {
            return Err(Error::config(format!("header \"{name}\": not a valid header name or value")));
        }
        let user_key = if keyed { key } else { None };
        if user_key.is_some_and(|k| !http::header_value_ok(k)) {
            return Err(Error::config(format!("{op}: x-user-key is not a valid header value")));
        }
        // Not `format!`: a successful call formats nothing, so a wasm host that compiles
        // each function at its first call (workerd, V8) never compiles the formatter for it.
        let mut url = self.inner.api_url.clone();
        url.push_str(&path);
        let body = body.map(|b| host.write_json(&Value::Object(b)));
        let timeout_ms = opts.timeout_ms.unwrap_or(o.timeout_ms);
        let mut attempt = 0;
        loop {
            let req = HttpRequest {
                method: method.as_str(),
                url: &url,
                headers: &o.headers,
                user_key,
                body: body.as_deref(),
                signal: opts.signal.as_ref(),
                timeout_ms,
                max_bytes: o.max_response_bytes,
            };
            let res = send(host, op, req).await;
            if o.debug {
                host.log_request(
                    op,
                    method.as_str(),
                    &url,
                    res.as_ref().map(|r| r.status).map_err(|e| e.message.as_str()),
                );
            }
            let res = res?;
            // Success is never retried: skip the clock and the dice.
            let delay = if http::is_success(res.status) {
                None
            } else {
                o.retry.delay_ms(method, res.status, res.retry_after.as_deref(), attempt, host.now_ms(), host.random())
            };
            match delay {
                Some(ms) => {
                    attempt += 1;
                    host.sleep(ms).await;
                    if opts.signal.as_ref().is_some_and(|s| host.is_aborted(s)) {
                        return Err(Error::aborted(format!("{op}: the request was aborted")));
                    }
                }
                None => return Ok((res.status, res.body)),
            }
        }
    }

    #[cfg(feature = "exactly-once")]
    /// The I/O of one step of an exactly-once send ([`OnceSend`]): a future
    /// of what it gives the machine (or, `Err`, of the send's answer when it
    /// went through), or the call's end.
    #[allow(clippy::type_complexity)]
    fn once_step<'a>(
        &'a self,
        step: once::Step,
        seq: u64,
        key: Option<&'a str>,
        req: &Prepared,
        conversation: &Value,
        opts: &CallOptions<H::Signal>,
    ) -> Result<OnceIo<'a>, Result<(Value, String), Error>> {
        let woke = |()| Ok(once::Input::Woke);
        let host = &self.inner.host;
        let (spec, prepared, ms) = match step {
            once::Step::Turn => {
                let conversation = conversation.as_str().unwrap_or_default();
                // Most sends find their turn at once: no timer for them.
                if !self.inner.sends.earlier_pending(seq, conversation) {
                    return Ok(Box::pin(futures::future::ready(Ok(once::Input::Woke))));
                }
                // Its turn, or a look at the caller's signal now and then.
                let turn = self.inner.sends.turn(seq, conversation);
                let look = host.sleep(once::TURN_LOOK_MS);
                return Ok(Box::pin(futures::future::select(turn, look).map(|_| Ok(once::Input::Woke))));
            }
            once::Step::Wait(ms) => return Ok(Box::pin(host.sleep(ms).map(woke))),
            once::Step::Send(ms) => (&api::CreateMessageInput::SPEC, Ok(req.clone()), ms),
            once::Step::GetUser(ms) => {
                let spec = &api::GetUserInput::SPEC;
                (spec, spec.prepare(&Value::Object(Default::default())), ms)
            }
            once::Step::List(token, ms) => {
                let mut args = serde_json::Map::new();
                args.insert("conversationId".into(), conversation.clone());
                if let Some(t) = token {
                    args.insert("nextToken".into(), Value::String(t));
                }
                let spec = &api::ListMessagesInput::SPEC;
                (spec, spec.prepare(&Value::Object(args)), ms)
            }
            once::Step::Found(message) => {
                let mut answer = serde_json::Map::new();
                answer.insert("message".into(), message);
                let answer = Value::Object(answer);
                let text = host.write_json(&answer);
                return Err(Ok((answer, text)));
            }
            once::Step::Fail(e) => return Err(Err(e)),
        };
        let req = prepared.map_err(Err)?;
        let call = CallOptions { signal: opts.signal.clone(), timeout_ms: Some(ms.max(1)), exactly_once: None };
        let exchange = async move { self.invoke(key, req, &call).await };
        Ok(Box::pin(exchange.map(move |answer| once_input(spec, answer))))
    }

    /// Authenticates (PROTOCOL.md §9.2) and returns a client bound to the user.
    pub async fn connect(&self, auth: Auth) -> Result<AuthenticatedClient<H>, Error> {
        let (key, answer, _) = self.authenticate(auth).await?;
        let user = http::decode_value::<User>("connect", answer["user"].clone())?;
        Ok(AuthenticatedClient { inner: Shared::new(AuthInner { client: self.clone(), user, key }) })
    }

    /// What [`connect`](Self::connect) does, with the answer left as JSON
    /// (the npm package hands it to JS as the server sent it): the user key,
    /// the checked answer (`{user}`) and its text. The `/hello` check comes
    /// first; with `Auth::EncryptionKey` the key is then signed (the HMAC is
    /// the host's).
    pub async fn authenticate(&self, auth: Auth) -> Result<(String, Value, String), Error> {
        self.hello().await?;
        let host = &self.inner.host;
        // getOrCreateUser with the given or signed key, or createUser with the
        // chosen user id, if any.
        let mut args = serde_json::Map::new();
        let key = match auth {
            Auth::UserKey(key) if key.is_empty() => return Err(Error::config("userKey must not be empty")),
            Auth::UserKey(key) => Some(key),
            Auth::EncryptionKey { encryption_key, user_id } => {
                if user_id.is_empty() {
                    return Err(Error::config("userId is required with encryptionKey"));
                }
                jwt::check_inputs(&encryption_key, &user_id)?;
                let iat = (host.now_ms() / 1000.0) as u64;
                let input = jwt::signing_input(&user_id, iat, &|v| host.write_json(v));
                let mac = host.hmac_sha256(encryption_key.as_bytes(), input.as_bytes()).await?;
                Some(jwt::token(&input, &mac))
            }
            Auth::CreateUser { user_id } => {
                if let Some(id) = user_id.filter(|s| !s.is_empty()) {
                    args.insert("id".into(), Value::String(id));
                }
                None
            }
        };
        let spec = if key.is_some() { &GetOrCreateUserInput::SPEC } else { &CreateUserInput::SPEC };
        let req = spec.prepare(&Value::Object(args))?;
        let (value, text) = self.run(key.as_deref(), spec, req, &CallOptions::default()).await?;
        // createUser answers `{user, key}` (checked: a string), getOrCreateUser `{user}`.
        let key = match key {
            Some(k) => k,
            None => value["key"].as_str().unwrap_or_default().to_string(),
        };
        Ok((key, value, text))
    }

    /// All items of a list operation, page after page, as one stream. The
    /// stream ends after the first error.
    pub fn paginate<O>(&self, key: Option<&str>, input: O) -> BoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + MaybeSend + MaybeSync + 'static,
        O::Item: MaybeSend + 'static,
    {
        self.paginate_with(key, input, CallOptions::default())
    }

    /// [`paginate`](Self::paginate) with per-call options applied to every page.
    pub fn paginate_with<O>(
        &self,
        key: Option<&str>,
        input: O,
        opts: CallOptions<H::Signal>,
    ) -> BoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + MaybeSend + MaybeSync + 'static,
        O::Item: MaybeSend + 'static,
    {
        struct State<O: ListOperation, H: Host> {
            client: Client<H>,
            key: Option<String>,
            next: Option<O>,
            buffer: VecDeque<O::Item>,
            opts: CallOptions<H::Signal>,
        }
        let state = State {
            client: self.clone(),
            key: key.map(str::to_string),
            next: Some(input),
            buffer: VecDeque::new(),
            opts,
        };
        crate::sync::boxed_stream(stream::unfold(state, |mut s| async move {
            loop {
                if let Some(item) = s.buffer.pop_front() {
                    return Some((Ok(item), s));
                }
                let input = s.next.take()?;
                let page = async {
                    let prepared = api::prepare(&input)?;
                    let (value, _) = s.client.run(s.key.as_deref(), &O::SPEC, prepared, &s.opts).await?;
                    let token = api::next_token(&value);
                    Ok::<_, Error>((O::into_items(http::decode_value::<O::Output>(O::NAME, value)?), token))
                };
                match page.await {
                    Ok((items, token)) => {
                        s.buffer.extend(items);
                        if let Some(token) = token {
                            let mut next = input;
                            next.set_next_token(Some(token));
                            s.next = Some(next);
                        }
                    }
                    Err(e) => return Some((Err(e), s)),
                }
            }
        }))
    }
}

/// One exchange: the host's failures become the operation's errors.
async fn send<H: Host>(host: &H, op: &str, req: HttpRequest<'_, H::Signal>) -> Result<HttpResponse, Error> {
    let (max_bytes, timeout_ms) = (req.max_bytes, req.timeout_ms);
    host.send(req).await.map_err(|failure| match failure {
        Failure::Aborted => Error::aborted(format!("{op}: the request was aborted")),
        Failure::Timeout => Error::timeout(format!("{op}: no response within {timeout_ms} ms")),
        Failure::TooLarge => http::too_large(op, max_bytes),
        Failure::Network(text) => Error::network(format!("{op}: {text}")),
    })
}

/// What an exactly-once send's step gives back ([`Client::once_step`]).
#[cfg(feature = "exactly-once")]
type OnceIo<'a> = BoxFuture<'a, Result<once::Input, (Value, String)>>;

/// An answer of an exactly-once send's request, for the machine: `Err` is
/// the send's own success (the call's answer).
#[cfg(feature = "exactly-once")]
fn once_input(spec: &Spec, answer: Result<(Value, String), Error>) -> Result<once::Input, (Value, String)> {
    let answer = answer.and_then(|(value, text)| spec.check_answer(&value).map(|()| (value, text)));
    Ok(match answer {
        Ok(done) if spec.name == api::CreateMessageInput::NAME => return Err(done),
        Err(e) if spec.name == api::CreateMessageInput::NAME => once::Input::Failed(once::after_error(&e), e),
        answer if spec.name == api::GetUserInput::NAME => once::Input::User(answer.map(|(v, _)| v)),
        answer => once::Input::Page(answer.map(|(v, _)| v)),
    })
}

/// `createMessage`, exactly once: drives [`once::Sending`], one I/O per step
/// ([`Client::once_step`]). A plain future rather than an `async fn`: its
/// state is the machine and the one I/O under way.
#[cfg(feature = "exactly-once")]
struct OnceSend<'a, H: Host> {
    client: &'a Client<H>,
    key: Option<&'a str>,
    seq: u64,
    req: Prepared,
    conversation: Value,
    opts: &'a CallOptions<H::Signal>,
    machine: once::Sending,
    io: Option<OnceIo<'a>>,
}

#[cfg(feature = "exactly-once")]
impl<'a, H: Host> OnceSend<'a, H> {
    fn new(
        client: &'a Client<H>,
        key: Option<&'a str>,
        seq: u64,
        req: Prepared,
        opts: &'a CallOptions<H::Signal>,
    ) -> Self {
        let fields = req.body.as_ref();
        let field = |name: &str| fields.and_then(|f| f.get(name)).cloned();
        let machine = once::Sending::new(
            field("payload").unwrap_or_default(),
            field("metadata"),
            opts.timeout_ms.unwrap_or(client.inner.opts.timeout_ms),
            client.inner.skew.get(),
        );
        let conversation = field("conversationId").unwrap_or_default();
        OnceSend { client, key, seq, req, conversation, opts, machine, io: None }
    }
}

#[cfg(feature = "exactly-once")]
impl<H: Host> Future for OnceSend<'_, H> {
    type Output = Result<(Value, String), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (host, sends) = (&this.client.inner.host, &this.client.inner.sends);
        loop {
            let input = match this.io.as_mut().map(|io| io.as_mut().poll(cx)) {
                None => once::Input::Woke,
                Some(Poll::Pending) => return Poll::Pending,
                Some(Poll::Ready(Ok(input))) => input,
                // Sent: the answer, which also tells the server's clock.
                Some(Poll::Ready(Err((value, text)))) => {
                    if let Some(at) = value["message"]["createdAt"].as_str().and_then(|t| host.parse_time(t)) {
                        this.client.inner.skew.set(Some(once::skew_bound(at, host.now_ms())));
                    }
                    sends.link_up();
                    return Poll::Ready(Ok((value, text)));
                }
            };
            this.io = None;
            let env = once::Env {
                now_ms: host.now_ms(),
                online: host.online(),
                earlier_pending: sends.earlier_pending(this.seq, this.conversation.as_str().unwrap_or_default()),
                link_down: sends.link_down(),
                aborted: this.opts.signal.as_ref().is_some_and(|s| host.is_aborted(s)),
                claimed: &|id| sends.claimed(id),
                time: &|t| host.parse_time(t),
            };
            let step = this.machine.next(input, &env);
            match this.client.once_step(step, this.seq, this.key, &this.req, &this.conversation, this.opts) {
                Ok(io) => this.io = Some(io),
                Err(end) => return Poll::Ready(end),
            }
        }
    }
}

async fn check_hello<H: Host>(host: H, api_url: String, timeout_ms: u32) -> Result<(), Error> {
    let mut url = api_url.clone();
    url.push_str("/hello");
    let failed = |e: Error| Error {
        kind: ErrorKind::Connect,
        message: format!("Failed to connect to url \"{api_url}\": {}", e.message),
        ..e
    };
    let req = HttpRequest {
        method: "GET",
        url: &url,
        headers: &[],
        user_key: None,
        body: None,
        signal: None,
        timeout_ms,
        max_bytes: 64 * 1024,
    };
    let res = send(&host, "hello", req).await.map_err(failed)?;
    http::hello_ok(res.status, &res.body, &|t| host.parse_json(t)).map_err(failed)
}

macro_rules! client_methods {
    ($($rust:ident, $js:literal, $ty:ty;)*) => {
        /// One method per operation; `key` is the `x-user-key`.
        impl<H: Host> Client<H> {
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

struct AuthInner<H: Host> {
    client: Client<H>,
    user: User,
    key: String,
}

/// A client bound to one user: operations carry its key. Cheap to clone;
/// natively `Send + Sync`, over the native host by default.
#[cfg(not(target_arch = "wasm32"))]
pub struct AuthenticatedClient<H: Host = crate::native::NativeHost> {
    inner: Shared<AuthInner<H>>,
}

/// A client bound to one user: operations carry its key. Cheap to clone.
#[cfg(target_arch = "wasm32")]
pub struct AuthenticatedClient<H: Host> {
    inner: Shared<AuthInner<H>>,
}

impl<H: Host> Clone for AuthenticatedClient<H> {
    fn clone(&self) -> Self {
        AuthenticatedClient { inner: self.inner.clone() }
    }
}

impl<H: Host> fmt::Debug for AuthenticatedClient<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatedClient")
            .field("api_url", &self.inner.client.api_url())
            .field("user", &self.inner.user.id)
            .finish_non_exhaustive()
    }
}

impl<H: Host> AuthenticatedClient<H> {
    /// Binds a known user and key without any request (e.g. restored from storage).
    pub fn from_parts(client: Client<H>, user: User, key: String) -> Self {
        AuthenticatedClient { inner: Shared::new(AuthInner { client, user, key }) }
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
    pub fn client(&self) -> &Client<H> {
        &self.inner.client
    }

    /// Calls one operation with this user's key.
    pub async fn call<O: Operation>(&self, input: &O) -> Result<O::Output, Error> {
        self.inner.client.call(Some(&self.inner.key), input).await
    }

    /// [`call`](Self::call) with per-call options.
    pub async fn call_with<O: Operation>(&self, input: &O, opts: &CallOptions<H::Signal>) -> Result<O::Output, Error> {
        self.inner.client.call_with(Some(&self.inner.key), input, opts).await
    }

    /// Every item of a list operation, across pages.
    pub fn paginate<O>(&self, input: O) -> BoxStream<'static, Result<O::Item, Error>>
    where
        O: ListOperation + MaybeSend + MaybeSync + 'static,
        O::Item: MaybeSend + 'static,
    {
        self.inner.client.paginate(Some(&self.inner.key), input)
    }

    /// Every conversation the user owns, across pages.
    pub fn list_all_conversations(&self) -> BoxStream<'static, Result<Conversation, Error>> {
        self.paginate(api::ListConversationsInput::default())
    }

    /// Every message of a conversation, across pages (server order).
    pub fn list_all_messages(&self, conversation_id: &str) -> BoxStream<'static, Result<Message, Error>> {
        self.paginate(api::ListMessagesInput { conversation_id: conversation_id.into(), next_token: None })
    }

    /// Every participant of a conversation, across pages.
    pub fn list_all_participants(&self, conversation_id: &str) -> BoxStream<'static, Result<User, Error>> {
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
    ($($rust:ident, $js:literal, $ty:ty;)*) => {
        /// The operations of [`Client`] except createUser and getOrCreateUser.
        impl<H: Host> AuthenticatedClient<H> {
            $( authenticated_method!($rust, $js, $ty); )*
        }
    };
}
crate::for_each_operation!(authenticated_methods);

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
