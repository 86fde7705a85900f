//! Frames to signals: a parsed envelope becomes a [`JsSignal`] (its kind, the
//! data callbacks get, the envelope the iterator yields) after a cheap shape
//! check, and the messages a backfill lists become `message_created` signals.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{get, key, object};
use crate::client::{CallOptions, Client};
use crate::host::{json_parse, json_parse_str};
use crate::realtime::driver::{Codec, Decoded, Frame, MessageKey, Target};
use crate::realtime::Listed;
use crate::signal::SignalKind;

/// One decoded signal: `kind` is `None` for a kind this version does not
/// know; `data` is what callbacks get; `envelope` is what the iterator yields.
pub(super) struct JsSignal {
    pub(super) kind: Option<SignalKind>,
    pub(super) data: JsValue,
    pub(super) envelope: JsValue,
}

impl JsSignal {
    pub(super) fn unknown(raw: JsValue) -> JsSignal {
        let envelope = object(&[("type", &key("unknown")), ("data", &raw)]);
        JsSignal { kind: None, data: raw, envelope }
    }

    pub(super) fn name(&self) -> &'static str {
        self.kind.map_or("unknown", SignalKind::name)
    }
}

/// Classifies a parsed envelope: known type with an object `data`, or unknown
/// (with the whole parsed value as data, as the official client emits it).
/// JS strings made once per thread: property keys and the signal types,
/// so the per-signal work creates no strings.
pub(super) struct Interned {
    pub(super) ty: JsValue,
    pub(super) data: JsValue,
    pub(super) id: JsValue,
    pub(super) created_at: JsValue,
    pub(super) types: Vec<JsValue>,
}

thread_local! {
    static INTERNED: Interned = Interned {
        ty: key("type"),
        data: key("data"),
        id: key("id"),
        created_at: key("createdAt"),
        types: SignalKind::ALL.iter().map(|k| key(k.name())).collect(),
    };
}

/// Classifies a parsed envelope: known type with an object `data`, or unknown
/// (with the whole parsed value as data, as the official client emits it).
pub(super) fn decode_envelope(envelope: JsValue, track: bool) -> Decoded<JsSignal, JsValue> {
    INTERNED.with(|i| {
        let at = |o: &JsValue, k: &JsValue| Reflect::get(o, k).unwrap_or(JsValue::UNDEFINED);
        let kind = if envelope.is_object() {
            let ty = at(&envelope, &i.ty);
            if ty.is_string() {
                i.types.iter().position(|t| *t == ty).map(|at| SignalKind::ALL[at])
            } else {
                None
            }
        } else {
            None
        };
        let data = match kind {
            Some(_) => at(&envelope, &i.data),
            None => JsValue::UNDEFINED,
        };
        match kind {
            Some(k) if data.is_object() => {
                let message = if k == SignalKind::MessageCreated && track {
                    Some(MessageKey::Lazy(at(&data, &i.id), at(&data, &i.created_at)))
                } else {
                    None
                };
                Decoded { item: JsSignal { kind: Some(k), data, envelope }, message }
            }
            _ => Decoded { item: JsSignal::unknown(envelope), message: None },
        }
    })
}

pub(super) struct JsCodec {
    pub(super) track: bool,
}

/// A message listed for a backfill: the parsed object and its keys.
pub(super) struct JsListed {
    pub(super) id: String,
    pub(super) created_at: String,
    pub(super) user_id: String,
    pub(super) value: JsValue,
}

impl Listed for JsListed {
    fn id(&self) -> &str {
        &self.id
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// The listening target with backfills listed through the facade's own
/// request path (plain JS objects, no typed decoding).
pub(super) fn js_target(c: Client, key: String, user_id: String, conversation_id: &str) -> Target<JsListed> {
    let conversation = conversation_id.to_string();
    Target {
        api_url: c.api_url().to_string(),
        key: key.clone(),
        user_id,
        conversation_id: conversation.clone(),
        own: Some(c.watch_sends(conversation_id)),
        list_page: Box::new(move |next_token| {
            let (c, key, conversation) = (c.clone(), key.clone(), conversation.clone());
            Box::pin(async move {
                let mut args = serde_json::Map::new();
                args.insert("conversationId".into(), conversation.into());
                if let Some(token) = next_token {
                    args.insert("nextToken".into(), token.into());
                }
                let spec = &<crate::api::ListMessagesInput as crate::api::Operation>::SPEC;
                let text = c.call_json(Some(&key), spec, &args.into(), &CallOptions::default()).await?;
                let page = crate::host::json::to_js_parsed(&text).map_err(crate::error::Error::decode)?;
                let items: js_sys::Array = get(&page, "messages").unchecked_into();
                let text = |v: &JsValue, k: &str| get(v, k).as_string().unwrap_or_default();
                let list = items
                    .iter()
                    .map(|v| JsListed {
                        id: text(&v, "id"),
                        created_at: text(&v, "createdAt"),
                        user_id: text(&v, "userId"),
                        value: v,
                    })
                    .collect();
                let next = get(&get(&page, "meta"), "nextToken").as_string();
                Ok((list, next))
            })
        }),
    }
}

impl Codec<JsValue> for JsCodec {
    type Item = JsSignal;
    type Listed = JsListed;

    fn decode(&mut self, frame: Frame<'_, JsValue>) -> Option<Decoded<JsSignal, JsValue>> {
        let parsed = match frame {
            Frame::Text(t) => {
                if t.len() <= 8 && t.trim() == "ping" {
                    return None;
                }
                json_parse_str(t).map_err(|_| JsValue::from_str(t))
            }
            Frame::Host(v) => {
                let Some(s) = v.dyn_ref::<js_sys::JsString>() else {
                    return Some(Decoded { item: JsSignal::unknown(v.clone()), message: None });
                };
                if s.length() <= 8 && v.as_string().is_some_and(|t| t.trim() == "ping") {
                    return None;
                }
                json_parse(v).map_err(|_| v.clone())
            }
        };
        Some(match parsed {
            Ok(env) => decode_envelope(env, self.track),
            Err(raw) => Decoded { item: JsSignal::unknown(raw), message: None },
        })
    }

    /// All frames of a read parsed by one `JSON.parse` of `[f1,f2,…]` (one
    /// text conversion and one parse per chunk instead of one per frame);
    /// frame by frame if that fails (a frame that is not JSON).
    fn decode_texts(&mut self, texts: &[String], out: &mut Vec<Decoded<JsSignal, JsValue>>) {
        let frames: Vec<&str> =
            texts.iter().map(String::as_str).filter(|t| !(t.len() <= 8 && t.trim() == "ping")).collect();
        if frames.len() > 1 {
            let mut joined = String::with_capacity(frames.iter().map(|f| f.len() + 1).sum::<usize>() + 1);
            joined.push('[');
            for (i, f) in frames.iter().enumerate() {
                if i > 0 {
                    joined.push(',');
                }
                joined.push_str(f);
            }
            joined.push(']');
            if let Ok(parsed) = json_parse_str(&joined) {
                let array: &js_sys::Array = parsed.unchecked_ref();
                if array.length() as usize == frames.len() {
                    out.extend(array.iter().map(|env| decode_envelope(env, self.track)));
                    return;
                }
            }
        }
        out.extend(frames.into_iter().filter_map(|t| self.decode(Frame::Text(t))));
    }

    fn backfilled(&mut self, m: JsListed, is_bot: bool) -> JsSignal {
        let data: JsValue = js_sys::Object::assign(&js_sys::Object::new(), m.value.unchecked_ref()).into();
        let _ = Reflect::set(&data, &key("isBot"), &JsValue::from_bool(is_bot));
        let envelope = object(&[("type", &key(SignalKind::MessageCreated.name())), ("data", &data)]);
        JsSignal { kind: Some(SignalKind::MessageCreated), data, envelope }
    }
}
