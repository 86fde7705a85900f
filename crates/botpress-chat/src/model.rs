//! Pure data: the Chat API's entities and message payloads (PROTOCOL.md §5), plus the
//! input rules both ends enforce (non-empty strings, caller-chosen id rules).
//!
//! Every type serialises to exactly the JSON the API speaks: camelCase fields,
//! optional fields omitted rather than `null`, dates as ISO 8601 strings.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An arbitrary JSON object (message metadata, unknown payload fields).
pub type JsonObject = Map<String, Value>;

crate::record! {
    /// A chat user.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct User {
        /// The user's id.
        id as "id": String,
        /// Display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name as "name": Option<String>,
        /// URL of the user's picture.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        picture_url as "pictureUrl": Option<String>,
        /// Free text about the user (at most 1000 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile as "profile": Option<String>,
        /// When the user was created (ISO 8601).
        created_at as "createdAt": String,
        /// When the user was last updated (ISO 8601).
        updated_at as "updatedAt": String,
    }
}

crate::record! {
    /// A conversation between users and the bot.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Conversation {
        /// The conversation's id.
        id as "id": String,
        /// When the conversation was created (ISO 8601).
        created_at as "createdAt": String,
        /// When the conversation was last updated (ISO 8601).
        updated_at as "updatedAt": String,
    }
}

crate::record! {
    /// A message. `metadata` sits beside the payload, never inside it.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Message {
        /// The message's id.
        id as "id": String,
        /// When the message was created (ISO 8601).
        created_at as "createdAt": String,
        /// The conversation the message belongs to.
        conversation_id as "conversationId": String,
        /// The author's user id.
        user_id as "userId": String,
        /// What the message carries (text, image, card…).
        #[cfg_attr(feature = "ts", ts(as = "KnownPayload"))]
        payload as "payload": MessagePayload,
        /// Caller-defined data stored with the message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
        metadata as "metadata": Option<JsonObject>,
    }
}

crate::record! {
    /// A custom event; its payload is any JSON object.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Event {
        /// The event's id.
        id as "id": String,
        /// When the event was created (ISO 8601).
        created_at as "createdAt": String,
        /// The conversation the event belongs to.
        conversation_id as "conversationId": String,
        /// The user who sent it.
        user_id as "userId": String,
        /// The event's data: any JSON object.
        #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
        payload as "payload": JsonObject,
    }
}

/// The action of a card button.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardActionKind {
    /// Sends `value` back to the bot.
    Postback,
    /// Opens the URL in `value`.
    Url,
    /// Sends `value` as the user's message.
    Say,
}

/// A button on a card.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardAction {
    /// What pressing the button does.
    pub action: CardActionKind,
    /// The button's text.
    pub label: String,
    /// The postback value, URL or text, depending on `action`.
    pub value: String,
}

/// One option of a choice or dropdown.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The text shown.
    pub label: String,
    /// The value sent when the option is chosen.
    pub value: String,
}

/// A card (standalone payload, or an item of a carousel).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// The card's title.
    pub title: String,
    /// Text under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// URL of the card's image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The card's buttons.
    pub actions: Vec<CardAction>,
}

/// A card inside a carousel: serialised with its own `"type": "card"`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "card")]
pub struct CarouselCard {
    /// The card itself (its fields sit beside `type`).
    #[serde(flatten)]
    pub card: Card,
}

/// Declares the payload kinds' own structs (each kind's fields, once). In
/// TypeScript they are `…Fields` (the package names `TextPayload` and the like
/// for the whole payload, `type` included).
macro_rules! payload_structs {
    ($($(#[$doc:meta])* $name:ident as $ts:literal { $($(#[$fattr:meta])* $field:ident : $ty:ty),* $(,)? })*) => {
        $(
            $(#[$doc])*
            #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = $ts))]
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $name { $($(#[$fattr])* pub $field: $ty,)* }
        )*
    };
}

payload_structs! {
    /// `text`: plain text.
    TextPayload as "TextFields" {
        /// The text.
        text: String,
    }
    /// `markdown`: Markdown text.
    MarkdownPayload as "MarkdownFields" {
        /// The Markdown source.
        markdown: String,
    }
    /// `image`: an image.
    ImagePayload as "ImageFields" {
        /// URL of the image.
        image_url: String,
    }
    /// `audio`: an audio clip.
    AudioPayload as "AudioFields" {
        /// URL of the audio file.
        audio_url: String,
    }
    /// `video`: a video.
    VideoPayload as "VideoFields" {
        /// URL of the video.
        video_url: String,
    }
    /// `file`: a file to download.
    FilePayload as "FileFields" {
        /// URL of the file.
        file_url: String,
        /// Name shown for the file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        title: Option<String>,
    }
    /// `location`: a place on a map.
    LocationPayload as "LocationFields" {
        /// Latitude in degrees.
        latitude: f64,
        /// Longitude in degrees.
        longitude: f64,
        /// Street address of the place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        address: Option<String>,
        /// Name of the place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        title: Option<String>,
    }
    /// `choice` and `dropdown`: a question with options (buttons or a list).
    ChoicePayload as "ChoiceFields" {
        /// The question.
        text: String,
        /// The options offered.
        options: Vec<ChoiceOption>,
    }
}

/// The payloads that can stand alone or inside a bloc.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum BlocItem {
    /// Plain text.
    Text(TextPayload),
    /// Markdown text.
    Markdown(MarkdownPayload),
    /// An image.
    Image(ImagePayload),
    /// An audio clip.
    Audio(AudioPayload),
    /// A video.
    Video(VideoPayload),
    /// A file to download.
    File(FilePayload),
    /// A place on a map.
    Location(LocationPayload),
}

/// The 12 known payload kinds (PROTOCOL.md §5.5).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "MessagePayload"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum KnownPayload {
    /// Plain text.
    Text(TextPayload),
    /// Markdown text.
    Markdown(MarkdownPayload),
    /// An image.
    Image(ImagePayload),
    /// An audio clip.
    Audio(AudioPayload),
    /// A video.
    Video(VideoPayload),
    /// A file to download.
    File(FilePayload),
    /// A place on a map.
    Location(LocationPayload),
    /// A card with buttons.
    Card(Card),
    /// A question with options shown as buttons.
    Choice(ChoicePayload),
    /// A question with options shown as a dropdown list.
    Dropdown(ChoicePayload),
    /// Cards shown side by side.
    Carousel {
        /// The cards.
        items: Vec<CarouselCard>,
    },
    /// Several items (text, media, location) in one message.
    Bloc {
        /// The items, in order.
        items: Vec<BlocItem>,
    },
}

impl From<BlocItem> for KnownPayload {
    fn from(item: BlocItem) -> Self {
        match item {
            BlocItem::Text(p) => KnownPayload::Text(p),
            BlocItem::Markdown(p) => KnownPayload::Markdown(p),
            BlocItem::Image(p) => KnownPayload::Image(p),
            BlocItem::Audio(p) => KnownPayload::Audio(p),
            BlocItem::Video(p) => KnownPayload::Video(p),
            BlocItem::File(p) => KnownPayload::File(p),
            BlocItem::Location(p) => KnownPayload::Location(p),
        }
    }
}

/// The names of the 12 known payload kinds, in the order of PROTOCOL.md §5.5.
pub const PAYLOAD_KINDS: [&str; 12] = [
    "text", "markdown", "image", "audio", "video", "file", "location", "card", "choice", "dropdown", "carousel", "bloc",
];

/// A message payload: one of the 12 known kinds, or a kind this version does
/// not know yet (kept whole, so nothing a newer server sends is lost).
///
/// Fields a known kind does not declare are kept in `extra` and written back
/// on serialisation.
#[derive(Debug, Clone, PartialEq)]
pub enum MessagePayload {
    /// One of the 12 known kinds.
    Known {
        /// The payload's declared fields.
        payload: KnownPayload,
        /// Fields the kind does not declare, kept as received.
        extra: JsonObject,
    },
    /// A kind this version does not know.
    Unknown {
        /// The payload's `type` string.
        kind: String,
        /// Its other fields, as received.
        data: JsonObject,
    },
}

impl MessagePayload {
    /// A text payload.
    pub fn text(text: impl Into<String>) -> Self {
        KnownPayload::Text(TextPayload { text: text.into() }).into()
    }

    /// The payload's `type` string.
    pub fn kind(&self) -> &str {
        match self {
            MessagePayload::Known { payload, .. } => payload.kind(),
            MessagePayload::Unknown { kind, .. } => kind,
        }
    }

    /// The known payload, if this is one of the 12 kinds.
    pub fn known(&self) -> Option<&KnownPayload> {
        match self {
            MessagePayload::Known { payload, .. } => Some(payload),
            MessagePayload::Unknown { .. } => None,
        }
    }

    /// Checks the input rules of PROTOCOL.md §5.5 (non-empty strings, no nested
    /// blocs). Unknown kinds are rejected: a server accepts only the 12.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            MessagePayload::Known { payload, extra } => input_rules(payload, extra),
            MessagePayload::Unknown { kind, .. } => Err(unknown_kind(kind)),
        }
    }

    /// [`from_map`](Self::from_map) then [`validate`](Self::validate), on a
    /// payload object as a caller gave it, without taking it apart.
    pub fn check_input(map: &JsonObject) -> Result<(), String> {
        let kind = payload_kind(map)?;
        if !PAYLOAD_KINDS.contains(&kind) {
            return Err(unknown_kind(kind));
        }
        let payload = known_from_map(kind, map).map_err(|e| format!("invalid {kind} payload: {e}"))?;
        input_rules(&payload, map)
    }
}

impl From<KnownPayload> for MessagePayload {
    fn from(payload: KnownPayload) -> Self {
        MessagePayload::Known { payload, extra: JsonObject::new() }
    }
}

fn non_empty(path: &str, field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err(format!("{path}.{field}: must be a non-empty string"))
    } else {
        Ok(())
    }
}

fn opt_non_empty(path: &str, field: &str, value: &Option<String>) -> Result<(), String> {
    value.as_deref().map_or(Ok(()), |v| non_empty(path, field, v))
}

fn validate_card(path: &str, card: &Card) -> Result<(), String> {
    non_empty(path, "title", &card.title)?;
    opt_non_empty(path, "subtitle", &card.subtitle)?;
    opt_non_empty(path, "imageUrl", &card.image_url)?;
    for (i, a) in card.actions.iter().enumerate() {
        let p = format!("{path}.actions[{i}]");
        non_empty(&p, "label", &a.label)?;
        non_empty(&p, "value", &a.value)?;
    }
    Ok(())
}

fn validate_options(path: &str, options: &[ChoiceOption]) -> Result<(), String> {
    for (i, o) in options.iter().enumerate() {
        let p = format!("{path}.options[{i}]");
        non_empty(&p, "label", &o.label)?;
        non_empty(&p, "value", &o.value)?;
    }
    Ok(())
}

/// The input rules of one payload kind's own fields.
trait Rules {
    fn validate(&self, path: &str) -> Result<(), String>;
}

/// Kinds whose one field is a required non-empty string.
macro_rules! one_text_field {
    ($($ty:ident . $field:ident as $json:literal),* $(,)?) => {
        $(impl Rules for $ty {
            fn validate(&self, path: &str) -> Result<(), String> {
                non_empty(path, $json, &self.$field)
            }
        })*
    };
}

one_text_field!(
    TextPayload.text as "text",
    MarkdownPayload.markdown as "markdown",
    ImagePayload.image_url as "imageUrl",
    AudioPayload.audio_url as "audioUrl",
    VideoPayload.video_url as "videoUrl",
);

impl Rules for FilePayload {
    fn validate(&self, path: &str) -> Result<(), String> {
        non_empty(path, "fileUrl", &self.file_url)?;
        opt_non_empty(path, "title", &self.title)
    }
}

impl Rules for LocationPayload {
    fn validate(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}

impl Rules for ChoicePayload {
    fn validate(&self, path: &str) -> Result<(), String> {
        non_empty(path, "text", &self.text)?;
        validate_options(path, &self.options)
    }
}

impl BlocItem {
    fn validate(&self, path: &str) -> Result<(), String> {
        match self {
            BlocItem::Text(p) => p.validate(path),
            BlocItem::Markdown(p) => p.validate(path),
            BlocItem::Image(p) => p.validate(path),
            BlocItem::Audio(p) => p.validate(path),
            BlocItem::Video(p) => p.validate(path),
            BlocItem::File(p) => p.validate(path),
            BlocItem::Location(p) => p.validate(path),
        }
    }
}

impl KnownPayload {
    /// The payload's `type` string.
    pub fn kind(&self) -> &'static str {
        match self {
            KnownPayload::Text(_) => "text",
            KnownPayload::Markdown(_) => "markdown",
            KnownPayload::Image(_) => "image",
            KnownPayload::Audio(_) => "audio",
            KnownPayload::Video(_) => "video",
            KnownPayload::File(_) => "file",
            KnownPayload::Location(_) => "location",
            KnownPayload::Card(_) => "card",
            KnownPayload::Choice(_) => "choice",
            KnownPayload::Dropdown(_) => "dropdown",
            KnownPayload::Carousel { .. } => "carousel",
            KnownPayload::Bloc { .. } => "bloc",
        }
    }

    fn validate(&self, path: &str) -> Result<(), String> {
        match self {
            KnownPayload::Text(p) => p.validate(path),
            KnownPayload::Markdown(p) => p.validate(path),
            KnownPayload::Image(p) => p.validate(path),
            KnownPayload::Audio(p) => p.validate(path),
            KnownPayload::Video(p) => p.validate(path),
            KnownPayload::File(p) => p.validate(path),
            KnownPayload::Location(p) => p.validate(path),
            KnownPayload::Card(card) => validate_card(path, card),
            KnownPayload::Choice(p) | KnownPayload::Dropdown(p) => p.validate(path),
            KnownPayload::Carousel { items } => {
                items.iter().enumerate().try_for_each(|(i, c)| validate_card(&format!("{path}.items[{i}]"), &c.card))
            }
            KnownPayload::Bloc { items } => {
                items.iter().enumerate().try_for_each(|(i, it)| it.validate(&format!("{path}.items[{i}]")))
            }
        }
    }

    /// The field names this kind declares (besides `type`).
    fn fields(kind: &str) -> &'static [&'static str] {
        match kind {
            "text" => &["text"],
            "markdown" => &["markdown"],
            "image" => &["imageUrl"],
            "audio" => &["audioUrl"],
            "video" => &["videoUrl"],
            "file" => &["fileUrl", "title"],
            "location" => &["latitude", "longitude", "address", "title"],
            "card" => &["title", "subtitle", "imageUrl", "actions"],
            "choice" | "dropdown" => &["text", "options"],
            "carousel" | "bloc" => &["items"],
            _ => &[],
        }
    }
}

impl Serialize for MessagePayload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MessagePayload::Known { payload, extra } if extra.is_empty() => payload.serialize(serializer),
            MessagePayload::Known { payload, extra } => {
                let mut value = serde_json::to_value(payload).map_err(serde::ser::Error::custom)?;
                if let Value::Object(map) = &mut value {
                    for (k, v) in extra {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                value.serialize(serializer)
            }
            MessagePayload::Unknown { kind, data } => {
                let mut map = data.clone();
                map.insert("type".into(), Value::String(kind.clone()));
                map.serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for MessagePayload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = JsonObject::deserialize(deserializer)?;
        MessagePayload::from_map(map).map_err(D::Error::custom)
    }
}

// Payload decoding by hand rather than through serde's internally tagged
// enums: those buffer every value into serde's private `Content` tree, which
// costs tens of KB of wasm, and give messages that do not name the field.

fn field_str(map: &JsonObject, name: &str) -> Result<String, String> {
    match map.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(format!("missing field `{name}`")),
        Some(_) => Err(format!("{name}: expected a string")),
    }
}

fn field_opt_str(map: &JsonObject, name: &str) -> Result<Option<String>, String> {
    match map.get(name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(format!("{name}: expected a string")),
    }
}

fn field_f64(map: &JsonObject, name: &str) -> Result<f64, String> {
    match map.get(name) {
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| format!("{name}: expected a number")),
        None => Err(format!("missing field `{name}`")),
        Some(_) => Err(format!("{name}: expected a number")),
    }
}

fn field_objects<'a>(map: &'a JsonObject, name: &str) -> Result<Vec<&'a JsonObject>, String> {
    match map.get(name) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_object().ok_or_else(|| format!("{name}[{i}]: expected an object")))
            .collect(),
        None => Err(format!("missing field `{name}`")),
        Some(_) => Err(format!("{name}: expected an array")),
    }
}

fn in_item<T>(name: &str, i: usize, r: Result<T, String>) -> Result<T, String> {
    r.map_err(|e| format!("{name}[{i}].{e}"))
}

fn card_from_map(map: &JsonObject) -> Result<Card, String> {
    let mut actions = Vec::new();
    for (i, a) in field_objects(map, "actions")?.into_iter().enumerate() {
        let action = match in_item("actions", i, field_str(a, "action"))?.as_str() {
            "postback" => CardActionKind::Postback,
            "url" => CardActionKind::Url,
            "say" => CardActionKind::Say,
            other => return Err(format!("actions[{i}].action: unknown action \"{other}\" (postback, url, say)")),
        };
        actions.push(CardAction {
            action,
            label: in_item("actions", i, field_str(a, "label"))?,
            value: in_item("actions", i, field_str(a, "value"))?,
        });
    }
    Ok(Card {
        title: field_str(map, "title")?,
        subtitle: field_opt_str(map, "subtitle")?,
        image_url: field_opt_str(map, "imageUrl")?,
        actions,
    })
}

fn options_from_map(map: &JsonObject) -> Result<Vec<ChoiceOption>, String> {
    field_objects(map, "options")?
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            Ok(ChoiceOption {
                label: in_item("options", i, field_str(o, "label"))?,
                value: in_item("options", i, field_str(o, "value"))?,
            })
        })
        .collect()
}

/// The kinds that may stand alone or sit in a bloc; `None` for other kinds.
fn bloc_item_from_map(kind: &str, map: &JsonObject) -> Result<Option<BlocItem>, String> {
    Ok(Some(match kind {
        "text" => BlocItem::Text(TextPayload { text: field_str(map, "text")? }),
        "markdown" => BlocItem::Markdown(MarkdownPayload { markdown: field_str(map, "markdown")? }),
        "image" => BlocItem::Image(ImagePayload { image_url: field_str(map, "imageUrl")? }),
        "audio" => BlocItem::Audio(AudioPayload { audio_url: field_str(map, "audioUrl")? }),
        "video" => BlocItem::Video(VideoPayload { video_url: field_str(map, "videoUrl")? }),
        "file" => {
            BlocItem::File(FilePayload { file_url: field_str(map, "fileUrl")?, title: field_opt_str(map, "title")? })
        }
        "location" => BlocItem::Location(LocationPayload {
            latitude: field_f64(map, "latitude")?,
            longitude: field_f64(map, "longitude")?,
            address: field_opt_str(map, "address")?,
            title: field_opt_str(map, "title")?,
        }),
        _ => return Ok(None),
    }))
}

fn known_from_map(kind: &str, map: &JsonObject) -> Result<KnownPayload, String> {
    if let Some(item) = bloc_item_from_map(kind, map)? {
        return Ok(item.into());
    }
    Ok(match kind {
        "card" => KnownPayload::Card(card_from_map(map)?),
        "choice" => {
            KnownPayload::Choice(ChoicePayload { text: field_str(map, "text")?, options: options_from_map(map)? })
        }
        "dropdown" => {
            KnownPayload::Dropdown(ChoicePayload { text: field_str(map, "text")?, options: options_from_map(map)? })
        }
        "carousel" => {
            let mut items = Vec::new();
            for (i, c) in field_objects(map, "items")?.into_iter().enumerate() {
                if c.get("type").and_then(Value::as_str) != Some("card") {
                    return Err(format!("items[{i}].type: expected \"card\""));
                }
                items.push(CarouselCard { card: in_item("items", i, card_from_map(c))? });
            }
            KnownPayload::Carousel { items }
        }
        "bloc" => {
            let mut items = Vec::new();
            for (i, it) in field_objects(map, "items")?.into_iter().enumerate() {
                let k = in_item("items", i, field_str(it, "type"))?;
                match in_item("items", i, bloc_item_from_map(&k, it))? {
                    Some(item) => items.push(item),
                    None => {
                        return Err(format!(
                            "items[{i}].type: \"{k}\" cannot be in a bloc (text, markdown, image, audio, video, file, location)"
                        ))
                    }
                }
            }
            KnownPayload::Bloc { items }
        }
        other => return Err(format!("unknown payload type \"{other}\"")),
    })
}

/// The input rules of a known payload; `fields` holds what the kind does not
/// declare (or every field: declared ones are not looked at).
fn input_rules(payload: &KnownPayload, fields: &JsonObject) -> Result<(), String> {
    if fields.contains_key("metadata") {
        return Err("payload.metadata: metadata belongs beside the payload, not inside it".into());
    }
    payload.validate("payload")
}

fn unknown_kind(kind: &str) -> String {
    let mut m = format!("payload.type: unknown payload type \"{kind}\" (expected one of ");
    for (i, k) in PAYLOAD_KINDS.iter().enumerate() {
        if i > 0 {
            m.push_str(", ");
        }
        m.push_str(k);
    }
    m.push(')');
    m
}

/// The `type` of a payload object.
fn payload_kind(map: &JsonObject) -> Result<&str, String> {
    match map.get("type") {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err("payload.type must be a string".into()),
        None => Err("payload.type is missing".into()),
    }
}

impl MessagePayload {
    /// Checks a payload object by the rules of [`from_map`](Self::from_map)
    /// without taking it apart.
    pub fn check_map(map: &JsonObject) -> Result<(), String> {
        let kind = payload_kind(map)?;
        if PAYLOAD_KINDS.contains(&kind) {
            known_from_map(kind, map).map_err(|e| format!("invalid {kind} payload: {e}"))?;
        }
        Ok(())
    }

    /// Decodes a payload object: one of the 12 kinds (fields it does not
    /// declare kept in `extra`), or an unknown kind kept whole.
    pub fn from_map(mut map: JsonObject) -> Result<Self, String> {
        let kind = payload_kind(&map)?.to_string();
        if !PAYLOAD_KINDS.contains(&kind.as_str()) {
            map.remove("type");
            return Ok(MessagePayload::Unknown { kind, data: map });
        }
        let payload = known_from_map(&kind, &map).map_err(|e| format!("invalid {kind} payload: {e}"))?;
        let declared = KnownPayload::fields(&kind);
        map.retain(|k, _| k.as_str() != "type" && !declared.contains(&k.as_str()));
        Ok(MessagePayload::Known { payload, extra: map })
    }
}

/// How many characters (Unicode scalar values) `s` has: its bytes that do
/// not continue a character. What `s.chars().count()` gives, without the
/// vectorised counter it compiles to (about 1 KB of the package).
pub(crate) fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// Maximum length of a caller-chosen user or conversation id (PROTOCOL.md §3.2).
pub const MAX_FID_LEN: usize = 70;

/// Checks a caller-chosen ("foreign") user or conversation id: at most 70
/// characters of `A-Z a-z 0-9 _ - / \`. Returns the error message of PROTOCOL.md §3.2.
pub fn validate_fid(id: &str) -> Result<(), &'static str> {
    if char_count(id) > MAX_FID_LEN {
        return Err("Fid length exceeds the maximum allowed length of 70");
    }
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '\\')) {
        return Err("Fid contains invalid characters");
    }
    Ok(())
}

/// Maximum length of a user's `profile` on input (PROTOCOL.md §4.5).
pub const MAX_PROFILE_LEN: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_kinds_round_trip() {
        let samples = [
            json!({"type":"text","text":"hi"}),
            json!({"type":"markdown","markdown":"**b**"}),
            json!({"type":"image","imageUrl":"http://x/i.png"}),
            json!({"type":"audio","audioUrl":"http://x/a.mp3"}),
            json!({"type":"video","videoUrl":"http://x/v.mp4"}),
            json!({"type":"file","fileUrl":"http://x/f.pdf","title":"F"}),
            json!({"type":"location","latitude":1.5,"longitude":-2.0,"address":"","title":"T"}),
            json!({"type":"card","title":"C","actions":[{"action":"url","label":"L","value":"V"}]}),
            json!({"type":"choice","text":"Pick","options":[{"label":"A","value":"a"}]}),
            json!({"type":"dropdown","text":"Pick","options":[]}),
            json!({"type":"carousel","items":[{"type":"card","title":"C","actions":[]}]}),
            json!({"type":"bloc","items":[{"type":"text","text":"a"},{"type":"location","latitude":0.0,"longitude":0.0}]}),
        ];
        for (i, s) in samples.iter().enumerate() {
            let p: MessagePayload = serde_json::from_value(s.clone()).unwrap();
            assert_eq!(p.kind(), PAYLOAD_KINDS[i]);
            assert!(p.known().is_some());
            p.validate().unwrap();
            assert_eq!(&serde_json::to_value(&p).unwrap(), s);
        }
    }

    #[test]
    fn unknown_kinds_and_extra_fields_are_kept() {
        let v = json!({"type":"poll","question":"?","n":3});
        let p: MessagePayload = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.kind(), "poll");
        assert!(p.validate().is_err());
        assert_eq!(serde_json::to_value(&p).unwrap(), v);

        let v = json!({"type":"text","text":"hi","newField":{"a":1}});
        let p: MessagePayload = serde_json::from_value(v.clone()).unwrap();
        assert!(matches!(p.known(), Some(KnownPayload::Text(TextPayload { text })) if text == "hi"));
        assert_eq!(serde_json::to_value(&p).unwrap(), v);
    }

    #[test]
    fn invalid_payloads_name_the_field() {
        let bad = [
            (json!({"type":"text","text":""}), "payload.text"),
            (
                json!({"type":"card","title":"t","actions":[{"action":"say","label":"","value":"v"}]}),
                "payload.actions[0].label",
            ),
            (json!({"type":"bloc","items":[{"type":"image","imageUrl":""}]}), "payload.items[0].imageUrl"),
            (json!({"type":"text","text":"x","metadata":{}}), "payload.metadata"),
        ];
        for (v, field) in bad {
            let p: MessagePayload = serde_json::from_value(v).unwrap();
            let e = p.validate().unwrap_err();
            assert!(e.starts_with(field), "{e}");
        }
        assert!(serde_json::from_value::<MessagePayload>(json!({"type":"text"})).is_err());
        assert!(serde_json::from_value::<MessagePayload>(json!({"text":"x"})).is_err());
        assert!(serde_json::from_value::<MessagePayload>(
            json!({"type":"bloc","items":[{"type":"card","title":"x","actions":[]}]})
        )
        .is_err());
        assert!(
            serde_json::from_value::<MessagePayload>(json!({"type":"location","latitude":"1","longitude":2})).is_err()
        );
    }

    #[test]
    fn fid_rules() {
        assert!(validate_fid("user_1-A/b\\c").is_ok());
        assert_eq!(validate_fid(&"a".repeat(71)), Err("Fid length exceeds the maximum allowed length of 70"));
        assert!(validate_fid(&"a".repeat(70)).is_ok());
        assert_eq!(validate_fid("a b"), Err("Fid contains invalid characters"));
        assert_eq!(validate_fid(""), Err("Fid contains invalid characters"));
        assert_eq!(validate_fid("é"), Err("Fid contains invalid characters"));
    }
}
