//! `ChatClient` and `Client` for JS, generated from the operation table.
//!
//! Arguments are validated before any I/O: a wrong or missing field rejects
//! with the error the server would have answered (`InvalidPayloadError`, or
//! `UnauthorizedError` for a missing key) naming it; wrong client options
//! reject with a `ChatConfigError`.
//! Results are plain JS objects (camelCase, ISO date strings).

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use serde_json::Value;

use super::error::to_js_error;
use crate::api::{Operation, Spec};
use crate::client::{Auth, CallOptions, Client, ClientOptions};
use crate::error::Error;
use crate::protocol::http::RetryPolicy;
use crate::transport::keys::get;

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
    debug: bool,
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn opt_string(obj: &JsValue, path: &str, name: &str) -> Result<Option<String>, Error> {
    let v = field(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| expected(path, name, ": expected a string"))
}

fn expected(path: &str, name: &str, what: &str) -> Error {
    let mut m = String::from(path);
    m.push_str(name);
    m.push_str(what);
    Error::config(m)
}

/// Reads optional string fields, in order.
fn opt_strings<const N: usize>(obj: &JsValue, path: &str, names: [&str; N]) -> Result<[Option<String>; N], Error> {
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = opt_string(obj, path, name)?;
    }
    Ok(out)
}

/// Reads optional number fields, in order.
fn opt_numbers<const N: usize>(obj: &JsValue, path: &str, names: [&str; N]) -> Result<[Option<f64>; N], Error> {
    let mut out = [None; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = opt_number(obj, path, name)?;
    }
    Ok(out)
}

fn opt_number(obj: &JsValue, path: &str, name: &str) -> Result<Option<f64>, Error> {
    let v = field(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| expected(path, name, ": expected a number"))
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
                None => return Err(expected("props.headers.", &k, ": expected a string")),
            }
        }
    } else if !h.is_undefined() && !h.is_null() {
        return Err(Error::config("props.headers: expected an object"));
    }
    let r = field(p, "retry");
    let retry = if r.is_object() {
        Some(opt_numbers(&r, "props.retry.", ["maxRetries", "baseDelayMs", "maxDelayMs"])?)
    } else {
        None
    };
    let [api_url, webhook_id, base_api_url, user_key, encryption_key, user_id] =
        opt_strings(p, "props.", ["apiUrl", "webhookId", "baseApiUrl", "userKey", "encryptionKey", "userId"])?;
    let [timeout, max_response_bytes] = opt_numbers(p, "props.", ["timeout", "maxResponseBytes"])?;
    let debug = field(p, "debug");
    let debug = match debug.as_bool() {
        Some(b) => b,
        None if debug.is_undefined() || debug.is_null() => false,
        None => return Err(Error::config("props.debug: expected a boolean")),
    };
    Ok(Props {
        debug,
        api_url,
        webhook_id,
        base_api_url,
        timeout,
        headers,
        retry,
        max_response_bytes,
        user_key,
        encryption_key,
        user_id,
    })
}

fn positive_ms(what: &str, v: f64) -> Result<u32, Error> {
    if v.is_finite() && v >= 1.0 {
        Ok(v.min(f64::from(u32::MAX)) as u32)
    } else {
        Err(Error::config(format!("{what}: must be a positive number of milliseconds")))
    }
}

fn client_options(p: &Props) -> Result<ClientOptions, Error> {
    let mut o = ClientOptions {
        api_url: p.api_url.clone(),
        webhook_id: p.webhook_id.clone(),
        base_api_url: p.base_api_url.clone(),
        debug: p.debug,
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
    let signal = get(v, "signal");
    if !signal.is_undefined() && !signal.is_null() {
        let has_aborted = crate::transport::keys::has(&signal, "aborted");
        if !signal.is_object() || !has_aborted {
            return Err(Error::config("options.signal: expected an AbortSignal"));
        }
        o.signal = Some(signal.unchecked_into());
    }
    let timeout = get(v, "timeout");
    if !timeout.is_undefined() && !timeout.is_null() {
        match timeout.as_f64() {
            Some(t) => o.timeout_ms = Some(positive_ms("options.timeout", t)?),
            None => return Err(Error::config("options.timeout: must be a number")),
        }
    }
    Ok(o)
}

/// A call's arguments as JSON (`{}` when absent), taken across the boundary
/// in one piece; a value JSON cannot carry is a refusal naming the operation.
fn args_value(op: &str, args: &JsValue) -> Result<Value, Error> {
    match crate::host::json::from_js(args) {
        Ok(value) => Ok(value.unwrap_or_else(|| Value::Object(Default::default()))),
        Err(m) => Err(Error::invalid_argument(format!("{op}: the arguments cannot be sent as JSON: {m}"))),
    }
}

/// The `'x-user-key'` of the arguments (the `Client` calling convention; it
/// is not an input field, so it never reaches a body).
fn arg_key(op: &str, args: &Value) -> Result<Option<String>, Error> {
    match args.get("x-user-key") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(k)) => Ok(Some(k.clone())),
        Some(_) => Err(Error::missing_key(format!("{op}: x-user-key: must be a string"))),
    }
}

/// One operation for JS: the arguments and options across the boundary, the
/// Rust client's call of the operation's [`Spec`], the answer back as the
/// object the server sent. One copy serves every operation.
fn js_call(client: Client, key: Option<String>, args: JsValue, options: JsValue, spec: &'static Spec) -> Promise {
    // What needs no waiting is read before the call's future (which stays small).
    let read = || -> Result<_, Error> {
        let args = args_value(spec.name, &args)?;
        let taken = arg_key(spec.name, &args)?;
        Ok((args, key.or(taken), call_options(&options)?))
    };
    let (args, key, opts) = match read() {
        Ok(read) => read,
        Err(e) => return Promise::reject(&to_js_error(e)),
    };
    future_to_promise(async move {
        let text = client.call_json(key.as_deref(), spec, &args, &opts).await.map_err(to_js_error)?;
        crate::host::json::to_js_parsed(&text).map_err(|m| to_js_error(Error::decode(m)))
    })
}

/* ---------- ChatClient ---------- */

/// A client connected as one user (`@botpress/chat`'s `AuthenticatedClient`).
#[wasm_bindgen]
pub struct ChatClient {
    pub(crate) client: Client,
    pub(crate) key: String,
    pub(crate) user_id: String,
    user: JsValue,
}

/// Both classes' `connect`: one promise of a [`ChatClient`].
fn connect(props: JsValue) -> Promise {
    future_to_promise(async move {
        let run = async {
            let p = read_props(props)?;
            let opts = client_options(&p)?;
            let auth = match (&p.user_key, &p.encryption_key) {
                (Some(k), _) => Auth::UserKey(k.clone()),
                (None, Some(ek)) => {
                    Auth::EncryptionKey { encryption_key: ek.clone(), user_id: p.user_id.clone().unwrap_or_default() }
                }
                (None, None) => Auth::CreateUser { user_id: p.user_id.clone() },
            };
            let client = Client::new(opts)?;
            let (key, answer, text) = client.authenticate(auth).await?;
            let user_id = answer["user"]["id"].as_str().unwrap_or_default().to_string();
            // The user object as the server sent it (the answer was checked), with its key.
            let js_user = get(&crate::host::json::to_js_parsed(&text).map_err(Error::decode)?, "user");
            let _ = Reflect::set(&js_user, &"key".into(), &JsValue::from_str(&key));
            Ok(ChatClient { client, key, user_id, user: js_user })
        };
        run.await.map(JsValue::from).map_err(to_js_error)
    })
}

#[wasm_bindgen]
impl ChatClient {
    /// Connects (PROTOCOL.md §9.2): with `userKey`, `encryptionKey` + `userId`, or
    /// neither (creates a user, optionally with `userId`).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatClient>")]
    pub fn connect(#[wasm_bindgen(unchecked_param_type = "ConnectProps")] props: JsValue) -> Promise {
        connect(props)
    }

    /// The connected user, with its `key`.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectedUser")]
    pub fn user(&self) -> JsValue {
        self.user.clone()
    }

    /// The user key (`x-user-key`).
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.key.clone()
    }

    /// The API's base URL.
    #[wasm_bindgen(getter, js_name = apiUrl)]
    pub fn api_url(&self) -> String {
        self.client.api_url().to_string()
    }

    /// The API version this client speaks (`"1.0.0"`).
    #[wasm_bindgen(getter, js_name = apiVersion)]
    pub fn api_version(&self) -> String {
        crate::API_VERSION.to_string()
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
                let (client, key) = (self.client.clone(), self.key.clone());
                js_call(client, Some(key), args, options, &<$ty as Operation>::SPEC)
            }
        }
    };
}

macro_rules! chat_client_methods {
    ($($rust:ident, $js:literal, $ty:ty;)*) => {
        $( chat_client_method!($rust, $js, $ty); )*
    };
}
botpress_chat::for_each_operation!(chat_client_methods);

/* ---------- Client ---------- */

/// A client whose calls each take `'x-user-key'` (`@botpress/chat`'s `Client`).
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    inner: Client,
    props: JsValue,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// `new Client({apiUrl})` or `new Client({webhookId, baseApiUrl?})`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "ClientProps")] props: JsValue) -> Result<JsClient, JsValue> {
        let run = || -> Result<JsClient, Error> {
            let p = read_props(props.clone())?;
            let inner = Client::new(client_options(&p)?)?;
            // `props` as given (as `@botpress/chat` keeps it).
            Ok(JsClient { inner, props })
        };
        run().map_err(to_js_error)
    }

    /// Same as `ChatClient.connect`.
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatClient>")]
    pub fn connect(#[wasm_bindgen(unchecked_param_type = "ConnectProps")] props: JsValue) -> Promise {
        connect(props)
    }

    /// The API's base URL.
    #[wasm_bindgen(getter, js_name = apiUrl)]
    pub fn api_url(&self) -> String {
        self.inner.api_url().to_string()
    }

    /// The options the client was made with, as given.
    #[wasm_bindgen(getter, unchecked_return_type = "Readonly<ClientProps>")]
    pub fn props(&self) -> JsValue {
        self.props.clone()
    }

    /// The API version this client speaks (`"1.0.0"`).
    #[wasm_bindgen(getter, js_name = apiVersion)]
    pub fn api_version(&self) -> String {
        crate::API_VERSION.to_string()
    }
}

impl JsClient {
    pub(crate) fn client(&self) -> &Client {
        &self.inner
    }
}

macro_rules! client_methods {
    ($($rust:ident, $js:literal, $ty:ty;)*) => {
        #[wasm_bindgen(js_class = Client)]
        impl JsClient {
            $(
                #[wasm_bindgen(js_name = $js, skip_typescript)]
                pub fn $rust(&self, args: JsValue, options: JsValue) -> Promise {
                    js_call(self.inner.clone(), None, args, options, &<$ty as Operation>::SPEC)
                }
            )*
        }
    };
}
botpress_chat::for_each_operation!(client_methods);
