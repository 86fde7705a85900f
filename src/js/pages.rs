//! `client.list.*`: the pages of a list operation for the `AsyncCollection`
//! of `src/js/pages.js`. Which answer field holds the items and when the
//! last page was reached are the core's ([`Spec::list_field`],
//! [`next_token`](crate::api::next_token)); JS only iterates.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::client::{arg_key, args_value, call_options, ChatClient, JsClient};
use super::error::to_js_error;
use crate::api::{ListConversationsInput, ListMessagesInput, ListParticipantsInput, Operation, Spec};
use crate::client::Client;
use crate::error::Error;
use crate::transport::keys::get;

/// The list operations, found by the name of their answer's list
/// (`client.list.messages` is listMessages).
const LISTS: [&Spec; 3] = [&ListConversationsInput::SPEC, &ListMessagesInput::SPEC, &ListParticipantsInput::SPEC];

struct State {
    client: Client,
    key: Option<String>,
    spec: &'static Spec,
    /// The next page's arguments; `Err` once refused, `None` after the last page.
    args: Option<Result<Value, Error>>,
    options: JsValue,
}

/// The pages of one `client.list.*(args, options)` call.
#[wasm_bindgen]
pub struct Pages {
    state: Rc<RefCell<State>>,
}

#[wasm_bindgen]
impl Pages {
    /// The next page's items (a JS array), or `undefined` after the last page.
    #[wasm_bindgen(js_name = nextPage, skip_typescript)]
    pub fn next_page(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let (client, key, spec, args, options) = {
                let mut s = state.borrow_mut();
                let Some(args) = s.args.take() else { return Ok(JsValue::UNDEFINED) };
                (s.client.clone(), s.key.clone(), s.spec, args, s.options.clone())
            };
            let run = async {
                let mut args = args?;
                let key = match key {
                    Some(k) => Some(k),
                    None => arg_key(spec.name, &args)?,
                };
                let (text, token) = client.call_page(key.as_deref(), spec, &args, &call_options(&options)?).await?;
                let page = crate::host::json::to_js_parsed(&text).map_err(Error::decode)?;
                if let (Some(token), Some(map)) = (token, args.as_object_mut()) {
                    map.insert("nextToken".into(), Value::String(token));
                    state.borrow_mut().args = Some(Ok(args));
                }
                Ok(get(&page, spec.list_field().unwrap_or_default()))
            };
            run.await.map_err(to_js_error)
        })
    }
}

fn pages(client: &Client, key: Option<&str>, name: &str, args: JsValue, options: JsValue) -> Result<Pages, JsValue> {
    let spec = LISTS
        .into_iter()
        .find(|s| s.list_field() == Some(name))
        .ok_or_else(|| to_js_error(Error::config(format!("list.{name}: not a list operation"))))?;
    let state = State {
        client: client.clone(),
        key: key.map(str::to_string),
        spec,
        args: Some(args_value(spec.name, &args)),
        options,
    };
    Ok(Pages { state: Rc::new(RefCell::new(state)) })
}

#[wasm_bindgen]
impl ChatClient {
    /// The pages of `list.{name}` (see `src/js/pages.js`).
    #[wasm_bindgen(js_name = __pages, skip_typescript)]
    pub fn list_pages(&self, name: &str, args: JsValue, options: JsValue) -> Result<Pages, JsValue> {
        pages(&self.client, Some(&self.key), name, args, options)
    }
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// The pages of `list.{name}` (see `src/js/pages.js`).
    #[wasm_bindgen(js_name = __pages, skip_typescript)]
    pub fn list_pages(&self, name: &str, args: JsValue, options: JsValue) -> Result<Pages, JsValue> {
        pages(self.client(), None, name, args, options)
    }
}
