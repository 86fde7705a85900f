//! `ChatClient` and `Client` for JS, generated from the operation table.
//!
//! Arguments are read into the typed inputs and validated before any I/O;
//! a wrong or missing field rejects with a `Config` error naming it.
//! Results are plain JS objects (camelCase, ISO date strings).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::stream::{self, LocalBoxStream, StreamExt};
use js_sys::{Promise, Reflect};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use super::error::to_js_error;
use crate::api::Operation;
use crate::client::{prepare, Auth, AuthenticatedClient, CallOptions, Client, ClientOptions, Prepared};
use crate::error::Error;
use crate::protocol::http::{self, RetryPolicy};
use crate::protocol::json;

/* ---------- arguments ---------- */

/// `new Client(props)` and `ChatClient.connect(props)`, read field by
/// field (no serde: this runs once per client). No `Debug`: it may hold an
/// encryption key.
#[derive(Default)]
struct Props {
    api_url: Option<String>,
    webhook_id: Option<String>,
    base_api_url: Option<String>,
    timeout: Option<f64>,
    headers: Vec<(String, String)>,
    retry: Option<[Option<f64>; 3]>,
    max_response_bytes: Option<f64>,
    user_key: Option<String>,
    encryption_key: Option<String>,
    user_id: Option<String>,
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn opt_string(obj: &JsValue, path: &str, name: &str) -> Result<Option<String>, Error> {
    let v = field(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| Error::config(format!("{path}{name}: expected a string")))
}

fn opt_number(obj: &JsValue, path: &str, name: &str) -> Result<Option<f64>, Error> {
    let v = field(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| Error::config(format!("{path}{name}: expected a number")))
}

fn read_props(props: JsValue) -> Result<Props, Error> {
    if !props.is_object() {
        return Err(Error::config("props: expected an object with apiUrl or webhookId"));
    }
    let p = &props;
    let mut headers = Vec::new();
    let h = field(p, "headers");
    if h.is_object() {
        for entry in js_sys::Object::entries(h.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let (k, v) = (pair.get(0).as_string().unwrap_or_default(), pair.get(1));
            match v.as_string() {
                Some(v) => headers.push((k, v)),
                None => return Err(Error::config(format!("props.headers.{k}: expected a string"))),
            }
        }
    } else if !h.is_undefined() && !h.is_null() {
        return Err(Error::config("props.headers: expected an object"));
    }
    let r = field(p, "retry");
    let retry = if r.is_object() {
        Some([
            opt_number(&r, "props.retry.", "maxRetries")?,
            opt_number(&r, "props.retry.", "baseDelayMs")?,
            opt_number(&r, "props.retry.", "maxDelayMs")?,
        ])
    } else {
        None
    };
    Ok(Props {
        api_url: opt_string(p, "props.", "apiUrl")?,
        webhook_id: opt_string(p, "props.", "webhookId")?,
        base_api_url: opt_string(p, "props.", "baseApiUrl")?,
        timeout: opt_number(p, "props.", "timeout")?,
        headers,
        retry,
        max_response_bytes: opt_number(p, "props.", "maxResponseBytes")?,
        user_key: opt_string(p, "props.", "userKey")?,
        encryption_key: opt_string(p, "props.", "encryptionKey")?,
        user_id: opt_string(p, "props.", "userId")?,
    })
}

fn positive_ms(what: &str, v: f64) -> Result<u32, Error> {
    if v.is_finite() && v >= 1.0 {
        Ok(v.min(f64::from(u32::MAX)) as u32)
    } else {
        Err(Error::config(format!("{what}: must be a positive number of milliseconds")))
    }
}

/// Reads an optional argument object into a JSON object.
fn object_arg(what: &str, v: JsValue) -> Result<Map<String, Value>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(Map::new());
    }
    if !v.is_object() || js_sys::Array::is_array(&v) {
        return Err(Error::config(format!("{what}: expected an object argument")));
    }
    match json::value_from_js(v) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::config(format!("{what}: expected an object argument"))),
        Err(e) => Err(Error::config(format!("{what}: {}", e.message))),
    }
}


fn client_options(p: &Props) -> Result<ClientOptions, Error> {
    let mut o = ClientOptions {
        api_url: p.api_url.clone(),
        webhook_id: p.webhook_id.clone(),
        base_api_url: p.base_api_url.clone(),
        ..Default::default()
    };
    if let Some(t) = p.timeout {
        o.timeout_ms = positive_ms("timeout", t)?;
    }
    o.headers = p.headers.clone();
    if let Some([max_retries, base, max]) = p.retry {
        let d = RetryPolicy::default();
        let n = |v: Option<f64>, d: u32| v.map_or(d, |v| v.clamp(0.0, f64::from(u32::MAX)) as u32);
        o.retry = RetryPolicy {
            max_retries: n(max_retries, d.max_retries),
            base_delay_ms: n(base, d.base_delay_ms),
            max_delay_ms: n(max, d.max_delay_ms),
        };
    }
    if let Some(m) = p.max_response_bytes {
        if !(m.is_finite() && m >= 1.0) {
            return Err(Error::config("maxResponseBytes: must be a positive number"));
        }
        o.max_response_bytes = m as usize;
    }
    Ok(o)
}

/// The second argument of every operation: `{signal?, timeout?}`.
fn call_options(v: &JsValue) -> Result<CallOptions, Error> {
    let mut o = CallOptions::default();
    if v.is_undefined() || v.is_null() {
        return Ok(o);
    }
    if !v.is_object() {
        return Err(Error::config("options: expected an object"));
    }
    let signal = Reflect::get(v, &"signal".into()).unwrap_or(JsValue::UNDEFINED);
    if !signal.is_undefined() && !signal.is_null() {
        let has_aborted = Reflect::has(&signal, &"aborted".into()).unwrap_or(false);
        if !signal.is_object() || !has_aborted {
            return Err(Error::config("options.signal: expected an AbortSignal"));
        }
        o.signal = Some(signal.unchecked_into());
    }
    let timeout = Reflect::get(v, &"timeout".into()).unwrap_or(JsValue::UNDEFINED);
    if !timeout.is_undefined() && !timeout.is_null() {
        match timeout.as_f64() {
            Some(t) => o.timeout_ms = Some(positive_ms("options.timeout", t)?),
            None => return Err(Error::config("options.timeout: must be a number")),
        }
    }
    Ok(o)
}

/// The operation-specific steps, as plain function pointers so that the
/// async machinery around them exists once, not once per operation.
#[derive(Clone, Copy)]
struct OpFns {
    name: &'static str,
    /// Reads and validates the arguments into a ready request.
    prep: fn(Map<String, Value>) -> Result<Prepared, Error>,
    /// Checks the answer's shape.
    check: fn(&Value) -> Result<(), Error>,
}

fn prep<O: Operation>(map: Map<String, Value>) -> Result<Prepared, Error> {
    let input = json::from_value::<O>(Value::Object(map))
        .map_err(|e| Error::config(format!("{}: {}", O::NAME, e.message)))?;
    prepare(&input)
}

fn check<O: Operation>(value: &Value) -> Result<(), Error> {
    http::check::<O::Output>(O::NAME, value)
}

fn op_fns<O: Operation>() -> OpFns {
    OpFns { name: O::NAME, prep: prep::<O>, check: check::<O> }
}

/// Takes `'x-user-key'` out of the arguments (the `Client` calling convention).
fn take_key(op: &str, map: &mut Map<String, Value>) -> Result<Option<String>, Error> {
    match map.remove("x-user-key") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::config(format!("{op}: x-user-key: must be a string"))),
    }
}

async fn js_call(client: Client, key: Option<String>, args: JsValue, options: JsValue, f: OpFns) -> Result<JsValue, JsValue> {
    let run = async {
        let mut map = object_arg(f.name, args)?;
        let key = match key {
            Some(k) => Some(k),
            None => take_key(f.name, &mut map)?,
        };
        let opts = call_options(&options)?;
        let req = (f.prep)(map)?;
        let value = client.invoke(key.as_deref(), req, &opts).await?;
        (f.check)(&value)?;
        json::value_to_js(&value)
    };
    run.await.map_err(to_js_error)
}

fn with_key(mut user: Value, key: &str) -> Value {
    if let Value::Object(map) = &mut user {
        map.insert("key".into(), Value::String(key.into()));
    }
    user
}

/* ---------- ChatClient ---------- */

/// A client connected as one user (`@botpress/chat`'s `AuthenticatedClient`).
#[wasm_bindgen]
pub struct ChatClient {
    pub(crate) inner: AuthenticatedClient,
    user: JsValue,
    lists: RefCell<Option<JsValue>>,
}

async fn connect(props: JsValue) -> Result<ChatClient, JsValue> {
    let run = async {
        let p = read_props(props)?;
        let opts = client_options(&p)?;
        let auth = match (&p.user_key, &p.encryption_key) {
            (Some(k), _) => Auth::UserKey(k.clone()),
            (None, Some(ek)) => match &p.user_id {
                Some(id) if !id.is_empty() => Auth::EncryptionKey { encryption_key: ek.clone(), user_id: id.clone() },
                _ => return Err(Error::config("userId is required with encryptionKey")),
            },
            (None, None) => Auth::CreateUser { user_id: p.user_id.clone() },
        };
        let client = Client::new(opts)?;
        let inner = client.connect(auth).await?;
        ChatClient::from_inner(inner)
    };
    run.await.map_err(to_js_error)
}

impl ChatClient {
    pub(crate) fn from_inner(inner: AuthenticatedClient) -> Result<ChatClient, Error> {
        let user = json::value_to_js(&with_key(serde_json::to_value(inner.user()).unwrap_or(Value::Null), inner.key()))?;
        Ok(ChatClient { inner, user, lists: RefCell::new(None) })
    }
}

#[wasm_bindgen]
impl ChatClient {
    /// Connects (spec §9.2): with `userKey`, `encryptionKey` + `userId`, or
    /// neither (creates a user, optionally with `userId`).
    pub async fn connect(
        #[wasm_bindgen(unchecked_param_type = "ConnectProps")] props: JsValue,
    ) -> Result<ChatClient, JsValue> {
        connect(props).await
    }

    /// The connected user, with its `key`.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectedUser")]
    pub fn user(&self) -> JsValue {
        self.user.clone()
    }

    /// The user key (`x-user-key`).
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.inner.key().to_string()
    }

    /// The API's base URL.
    #[wasm_bindgen(getter, js_name = apiUrl)]
    pub fn api_url(&self) -> String {
        self.inner.client().api_url().to_string()
    }

    /// The API version this client speaks (`"1.0.0"`).
    #[wasm_bindgen(getter, js_name = apiVersion)]
    pub fn api_version(&self) -> String {
        crate::API_VERSION.to_string()
    }

    /// `list.conversations()`, `list.messages({conversationId})`,
    /// `list.participants({conversationId})`: every item across pages.
    #[wasm_bindgen(getter, unchecked_return_type = "ChatLists")]
    pub fn list(&self) -> JsValue {
        self.lists
            .borrow_mut()
            .get_or_insert_with(|| {
                Lists { client: self.inner.client().clone(), key: Some(self.inner.key().to_string()) }.into()
            })
            .clone()
    }
}

macro_rules! chat_client_method {
    (create_user, $js:literal, $ty:ty) => {};
    (get_or_create_user, $js:literal, $ty:ty) => {};
    ($rust:ident, $js:literal, $ty:ty) => {
        #[wasm_bindgen]
        impl ChatClient {
            #[wasm_bindgen(js_name = $js, skip_typescript)]
            pub fn $rust(&self, args: JsValue, options: JsValue) -> Promise {
                let (client, key) = (self.inner.client().clone(), self.inner.key().to_string());
                future_to_promise(js_call(client, Some(key), args, options, op_fns::<$ty>()))
            }
        }
    };
}

macro_rules! chat_client_methods {
    ($($rust:ident, $js:literal, $ty:ty, $keyed:literal;)*) => {
        $( chat_client_method!($rust, $js, $ty); )*
    };
}
crate::for_each_operation!(chat_client_methods);

/* ---------- Client ---------- */

/// A client whose calls each take `'x-user-key'` (`@botpress/chat`'s `Client`).
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    inner: Client,
    lists: RefCell<Option<JsValue>>,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// `new Client({apiUrl})` or `new Client({webhookId, baseApiUrl?})`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "ClientProps")] props: JsValue) -> Result<JsClient, JsValue> {
        let run = || -> Result<JsClient, Error> {
            let p = read_props(props)?;
            Ok(JsClient { inner: Client::new(client_options(&p)?)?, lists: RefCell::new(None) })
        };
        run().map_err(to_js_error)
    }

    /// Same as `ChatClient.connect`.
    pub async fn connect(
        #[wasm_bindgen(unchecked_param_type = "ConnectProps")] props: JsValue,
    ) -> Result<ChatClient, JsValue> {
        connect(props).await
    }

    /// The API's base URL.
    #[wasm_bindgen(getter, js_name = apiUrl)]
    pub fn api_url(&self) -> String {
        self.inner.api_url().to_string()
    }

    /// The API version this client speaks (`"1.0.0"`).
    #[wasm_bindgen(getter, js_name = apiVersion)]
    pub fn api_version(&self) -> String {
        crate::API_VERSION.to_string()
    }

    /// Paginated lists; each call's arguments carry `'x-user-key'`.
    #[wasm_bindgen(getter, unchecked_return_type = "ClientLists")]
    pub fn list(&self) -> JsValue {
        self.lists
            .borrow_mut()
            .get_or_insert_with(|| Lists { client: self.inner.clone(), key: None }.into())
            .clone()
    }
}

macro_rules! client_methods {
    ($($rust:ident, $js:literal, $ty:ty, $keyed:literal;)*) => {
        #[wasm_bindgen(js_class = Client)]
        impl JsClient {
            $(
                #[wasm_bindgen(js_name = $js, skip_typescript)]
                pub fn $rust(&self, args: JsValue, options: JsValue) -> Promise {
                    future_to_promise(js_call(self.inner.clone(), None, args, options, op_fns::<$ty>()))
                }
            )*
        }
    };
}
crate::for_each_operation!(client_methods);

/* ---------- pagination ---------- */

/// `client.list`: async collections over every page.
#[wasm_bindgen(skip_typescript)]
pub struct Lists {
    client: Client,
    key: Option<String>,
}

/// Every item of a list operation across pages; `field` names the items'
/// array in each page.
fn pages(
    client: Client,
    key: Option<String>,
    args: Map<String, Value>,
    opts: CallOptions,
    f: OpFns,
    field: &'static str,
) -> LocalBoxStream<'static, Result<Value, Error>> {
    struct Pager {
        client: Client,
        key: Option<String>,
        args: Map<String, Value>,
        opts: CallOptions,
        f: OpFns,
        field: &'static str,
        next: Option<Option<String>>,
        buffer: VecDeque<Value>,
    }
    let start = args.get("nextToken").and_then(Value::as_str).map(str::to_string);
    let pager = Pager { client, key, args, opts, f, field, next: Some(start), buffer: VecDeque::new() };
    stream::unfold(pager, |mut p| async move {
        loop {
            if let Some(item) = p.buffer.pop_front() {
                return Some((Ok(item), p));
            }
            let token = p.next.take()?;
            let mut args = p.args.clone();
            match token {
                Some(t) => args.insert("nextToken".into(), Value::String(t)),
                None => args.remove("nextToken"),
            };
            let page = async {
                let req = (p.f.prep)(args)?;
                let value = p.client.invoke(p.key.as_deref(), req, &p.opts).await?;
                (p.f.check)(&value)?;
                Ok::<Value, Error>(value)
            };
            match page.await {
                Ok(mut value) => {
                    if let Some(Value::Array(items)) = value.get_mut(p.field).map(Value::take) {
                        p.buffer.extend(items);
                    }
                    let token = value.pointer("/meta/nextToken").and_then(Value::as_str).filter(|t| !t.is_empty());
                    if let Some(t) = token {
                        p.next = Some(Some(t.to_string()));
                    }
                }
                Err(e) => return Some((Err(e), p)),
            }
        }
    })
    .boxed_local()
}

impl Lists {
    fn collection(&self, args: JsValue, options: JsValue, f: OpFns, field: &'static str) -> JsValue {
        let setup = || -> Result<LocalBoxStream<'static, Result<Value, Error>>, Error> {
            let mut map = object_arg(f.name, args)?;
            let key = match &self.key {
                Some(k) => Some(k.clone()),
                None => take_key(f.name, &mut map)?,
            };
            let opts = call_options(&options)?;
            (f.prep)(map.clone())?;
            Ok(pages(self.client.clone(), key, map, opts, f, field))
        };
        AsyncCollection::into_js(match setup() {
            Ok(stream) => Coll::Ready(stream),
            Err(e) => Coll::Failed(e),
        })
    }
}

#[wasm_bindgen]
impl Lists {
    #[wasm_bindgen(skip_typescript)]
    pub fn conversations(&self, args: JsValue, options: JsValue) -> JsValue {
        self.collection(args, options, op_fns::<crate::api::ListConversationsInput>(), "conversations")
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn messages(&self, args: JsValue, options: JsValue) -> JsValue {
        self.collection(args, options, op_fns::<crate::api::ListMessagesInput>(), "messages")
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn participants(&self, args: JsValue, options: JsValue) -> JsValue {
        self.collection(args, options, op_fns::<crate::api::ListParticipantsInput>(), "participants")
    }
}

enum Coll {
    Ready(LocalBoxStream<'static, Result<Value, Error>>),
    Busy,
    Failed(Error),
    Done,
}

/// Every item of a list across pages: an async iterator with `collect()`.
#[wasm_bindgen(skip_typescript)]
pub struct AsyncCollection {
    state: Rc<RefCell<Coll>>,
}

fn iter_result(value: JsValue, done: bool) -> JsValue {
    let obj = js_sys::Object::new();
    let _ = Reflect::set(&obj, &"value".into(), &value);
    let _ = Reflect::set(&obj, &"done".into(), &JsValue::from_bool(done));
    obj.into()
}

/// The next item, `Ok(None)` at the end.
async fn next_item(state: &Rc<RefCell<Coll>>) -> Result<Option<JsValue>, Error> {
    match next_value(state).await {
        Ok(Some(v)) => json::value_to_js(&v).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn next_value(state: &Rc<RefCell<Coll>>) -> Result<Option<Value>, Error> {
    let taken = std::mem::replace(&mut *state.borrow_mut(), Coll::Busy);
    let mut stream = match taken {
        Coll::Ready(s) => s,
        Coll::Busy => return Err(Error::config("next() called before the previous call settled")),
        Coll::Failed(e) => {
            *state.borrow_mut() = Coll::Done;
            return Err(e);
        }
        Coll::Done => {
            *state.borrow_mut() = Coll::Done;
            return Ok(None);
        }
    };
    let item = stream.next().await;
    let mut st = state.borrow_mut();
    if matches!(&*st, Coll::Busy) {
        *st = match &item {
            Some(Ok(_)) => Coll::Ready(stream),
            _ => Coll::Done,
        };
    }
    item.transpose()
}

impl AsyncCollection {
    fn into_js(state: Coll) -> JsValue {
        let obj = JsValue::from(AsyncCollection { state: Rc::new(RefCell::new(state)) });
        // `[Symbol.asyncIterator]() { return this }`, without generating code:
        // Object.prototype.valueOf returns its receiver.
        let proto = js_sys::Object::get_prototype_of(&obj);
        let sym = js_sys::Symbol::async_iterator();
        if !Reflect::has(&proto, &sym).unwrap_or(true) {
            if let Ok(value_of) = Reflect::get(&js_sys::Object::new(), &"valueOf".into()) {
                let _ = Reflect::set(&proto, &sym, &value_of);
            }
        }
        obj
    }
}

#[wasm_bindgen]
impl AsyncCollection {
    /// The async-iterator protocol.
    #[wasm_bindgen(skip_typescript)]
    pub fn next(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            match next_item(&state).await {
                Ok(Some(v)) => Ok(iter_result(v, false)),
                Ok(None) => Ok(iter_result(JsValue::UNDEFINED, true)),
                Err(e) => Err(to_js_error(e)),
            }
        })
    }

    /// Ends the iteration early (`break` in `for await`).
    #[wasm_bindgen(js_name = "return", skip_typescript)]
    pub fn return_(&self) -> Promise {
        *self.state.borrow_mut() = Coll::Done;
        Promise::resolve(&iter_result(JsValue::UNDEFINED, true))
    }

    /// The remaining items, at most `limit`, as an array.
    #[wasm_bindgen(skip_typescript)]
    pub fn collect(&self, props: JsValue) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let limit = if props.is_object() {
                Reflect::get(&props, &"limit".into()).ok().and_then(|v| v.as_f64())
            } else {
                None
            };
            let limit = limit.map(|l| l.max(0.0) as usize).unwrap_or(usize::MAX);
            let out = js_sys::Array::new();
            while (out.length() as usize) < limit {
                match next_item(&state).await {
                    Ok(Some(v)) => {
                        out.push(&v);
                    }
                    Ok(None) => break,
                    Err(e) => return Err(to_js_error(e)),
                }
            }
            Ok(out.into())
        })
    }
}
