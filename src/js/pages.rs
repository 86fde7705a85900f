//! `client.list.*`: the steps of a list iteration for the `AsyncCollection`
//! of `src/js/pages.js`, which calls the client's own list method and hands
//! each answer back. Which method lists, which answer field holds the items
//! and what the next page's arguments are (none after the last page) are
//! decided here, from the core ([`Spec::list_field`],
//! [`meta_next_token`](crate::api::meta_next_token)); JS only iterates.

use wasm_bindgen::prelude::*;

use super::client::ChatClient;
use super::error::to_js_error;
use crate::api::{meta_next_token, ListConversationsInput, ListMessagesInput, ListParticipantsInput, Operation, Spec};
use crate::error::Error;
use crate::transport::keys::get;

/// The list operations, found by the name of their answer's list
/// (`client.list.messages` is listMessages).
const LISTS: [&Spec; 3] = [&ListConversationsInput::SPEC, &ListMessagesInput::SPEC, &ListParticipantsInput::SPEC];

fn list(name: &str) -> Result<&'static Spec, JsValue> {
    LISTS
        .into_iter()
        .find(|s| s.list_field() == Some(name))
        .ok_or_else(|| to_js_error(Error::config("list: not a list operation")))
}

/// One step of `list.{name}`: `[op, items, next]`, where `op` is the method
/// that lists (`"listMessages"` for `"messages"`), and with a page's answer
/// `items` are its items and `next` the next page's arguments (undefined
/// after the last page); with no answer yet, both undefined.
fn list_step(name: &str, args: JsValue, answer: JsValue) -> Result<js_sys::Array, JsValue> {
    let spec = list(name)?;
    let op = JsValue::from_str(spec.name);
    if answer.is_undefined() {
        return Ok(js_sys::Array::of3(&op, &answer, &answer));
    }
    // The answer was read and checked by the list call already: its `meta` reads.
    let meta = crate::host::json::from_js(&get(&answer, "meta")).ok().flatten().unwrap_or_default();
    let next = match meta_next_token(&meta) {
        Some(token) => {
            let next = js_sys::Object::assign(&js_sys::Object::new(), &js_sys::Object::from(args));
            let _ = js_sys::Reflect::set(&next, &"nextToken".into(), &token.into());
            next.into()
        }
        None => JsValue::UNDEFINED,
    };
    Ok(js_sys::Array::of3(&op, &get(&answer, spec.list_field().unwrap_or_default()), &next))
}

#[wasm_bindgen]
impl ChatClient {
    /// One step of a `list.*` iteration, for both client classes (see
    /// `src/js/pages.js`).
    #[wasm_bindgen(js_name = __listStep, skip_typescript)]
    pub fn list_step(name: &str, args: JsValue, answer: JsValue) -> Result<js_sys::Array, JsValue> {
        list_step(name, args, answer)
    }
}
