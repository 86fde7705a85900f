//! The operation table (PROTOCOL.md §4): for each of the API's request/response
//! operations, its flat input (path, query and body fields merged, as in
//! `@botpress/chat`), its output, method and path.
//!
//! [`for_each_operation!`](crate::for_each_operation) drives both the Rust
//! client methods and the JS facade from this one table. Realtime listening
//! (`listenConversation`) is not a request/response operation and lives in
//! the realtime layer.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::model::{Conversation, Event, JsonObject, Message, MessagePayload, User, MAX_PROFILE_LEN};
use crate::schema::{self, Fields, Record};

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name as sent on the wire (`"GET"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the request carries a JSON body (POST and PUT always do, `{}`
    /// when empty; PROTOCOL.md §1.2).
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put)
    }

    /// Reads that can be retried safely.
    pub fn is_idempotent_read(self) -> bool {
        matches!(self, Method::Get)
    }
}

/// How one input field of an operation is checked when it comes from JS
/// (path parameters, taken from [`Operation::PATH`], are always required
/// non-empty strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A required non-empty string, sent in the body.
    Required,
    /// An optional string, sent in the body.
    Optional,
    /// An optional user profile (at most 1000 characters), sent in the body.
    Profile,
    /// An optional string sent in the query string.
    Query,
    /// A message payload (PROTOCOL.md §5.5), required.
    Payload,
    /// A required JSON object.
    Object,
    /// An optional JSON object.
    OptionalObject,
}

/// One API operation: its input is `Self`, serialised as one JSON object
/// holding every field (path, query and body alike, as in `@botpress/chat`);
/// [`Spec::prepare`] sorts them into the request.
pub trait Operation: Serialize + DeserializeOwned {
    /// The operation's name, as in `@botpress/chat` (`"createMessage"`).
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// Path template relative to the base URL, e.g. `/messages/{id}`; each
    /// `{name}` is a required non-empty string field of the input.
    const PATH: &'static str;
    /// Whether the `x-user-key` header is required (all but createUser).
    const KEYED: bool = true;
    /// The input fields besides the path parameters, by their JSON names.
    const FIELDS: &'static [(&'static str, FieldKind)] = &[];
    /// What the operation answers.
    type Output: Serialize + DeserializeOwned + Record;
    /// The operation as plain data (what every caller checks and sends with).
    const SPEC: Spec = Spec {
        name: Self::NAME,
        method: Self::METHOD,
        path: Self::PATH,
        keyed: Self::KEYED,
        fields: Self::FIELDS,
        answer: <Self::Output as Record>::FIELDS,
    };
}

/// One operation as plain data, with no generics: the checks of its
/// arguments, the request they make, and the shape of its answer. The typed
/// client, the JS facade and `chat-server` all go through it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The operation's name (`"createMessage"`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// Whether the `x-user-key` header is required.
    pub keyed: bool,
    /// The input fields besides the path parameters.
    pub fields: &'static [(&'static str, FieldKind)],
    /// The answer's fields.
    pub answer: &'static Fields,
}

/// A request with everything operation-specific done: arguments checked,
/// path and query filled in, body written.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The operation's name.
    pub op: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Whether the `x-user-key` header is required.
    pub keyed: bool,
    /// Path and query, relative to the base URL, percent-encoded.
    pub path: String,
    /// The JSON body: POST and PUT always carry an object (`{}` at least).
    pub body: Option<JsonObject>,
}

impl Spec {
    /// The path template's parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// Checks the arguments (one object: path, query and body fields);
    /// the message names the field.
    pub fn check_args(&self, args: &JsonObject) -> Result<(), String> {
        let path = self.path_params().map(|p| (p, FieldKind::Required));
        for (name, kind) in path.chain(self.fields.iter().copied()) {
            check_arg(name, kind, args.get(name))?;
        }
        Ok(())
    }

    /// Checks the arguments and builds the request: path parameters from the
    /// template, the query, and a body holding the body fields that are set.
    /// Every refusal is an invalid argument naming the operation.
    pub fn prepare(&self, args: &Value) -> Result<Prepared, Error> {
        let refuse = |m: &str| Error::invalid_argument(format!("{}: {m}", self.name));
        let Value::Object(args) = args else { return Err(refuse("expected an object argument")) };
        self.check_args(args).map_err(|m| refuse(&m))?;
        let text = |name: &str| args.get(name).and_then(Value::as_str).unwrap_or("");
        let params: Vec<&str> = self.path_params().map(text).collect();
        let mut path = fill_path(self.path, &params);
        let mut body = JsonObject::new();
        for &(name, kind) in self.fields {
            match args.get(name) {
                None | Some(Value::Null) => {}
                Some(_) if kind == FieldKind::Query => {
                    path.push(if path.contains('?') { '&' } else { '?' });
                    path.push_str(name);
                    path.push('=');
                    path.push_str(&encode_component(text(name)));
                }
                Some(v) => {
                    body.insert(name.to_string(), v.clone());
                }
            }
        }
        let body = self.method.has_body().then_some(body);
        Ok(Prepared { op: self.name, method: self.method, keyed: self.keyed, path, body })
    }

    /// The answer field that holds a list operation's elements (the answer's
    /// one array of records); `None` for other operations.
    pub fn list_field(&self) -> Option<&'static str> {
        self.answer.iter().find(|(_, kind)| matches!(kind, schema::Kind::List(_))).map(|(name, _)| *name)
    }

    /// Checks that an answer (already classified, PROTOCOL.md §6.4) has the
    /// operation's shape.
    pub fn check_answer(&self, value: &Value) -> Result<(), Error> {
        schema::check(value, self.answer, "")
            .map_err(|m| Error::decode(format!("{}: unexpected response: {m}", self.name)))
    }
}

/// The rule of one argument (PROTOCOL.md §4, §5.5).
fn check_arg(name: &str, kind: FieldKind, value: Option<&Value>) -> Result<(), String> {
    let Some(v) = value.filter(|v| !v.is_null()) else {
        return match kind {
            FieldKind::Required | FieldKind::Payload | FieldKind::Object => Err(match value {
                None => format!("missing field `{name}`"),
                Some(v) => schema::invalid(name, v, if kind == FieldKind::Required { "a string" } else { "an object" }),
            }),
            _ => Ok(()),
        };
    };
    match (kind, v) {
        (FieldKind::Required, Value::String(s)) if s.is_empty() => Err(format!("{name}: must be a non-empty string")),
        (FieldKind::Profile, Value::String(s)) if crate::model::char_count(s) > MAX_PROFILE_LEN => {
            Err(format!("{name}: must be at most {MAX_PROFILE_LEN} characters"))
        }
        (FieldKind::Required | FieldKind::Optional | FieldKind::Profile | FieldKind::Query, Value::String(_)) => Ok(()),
        (FieldKind::Required | FieldKind::Optional | FieldKind::Profile | FieldKind::Query, _) => {
            Err(schema::invalid(name, v, "a string"))
        }
        (FieldKind::Payload, Value::Object(m)) => MessagePayload::check_input(m),
        (FieldKind::Object | FieldKind::OptionalObject, Value::Object(_)) => Ok(()),
        (_, _) => Err(schema::invalid(name, v, "an object")),
    }
}

/// Prepares the request of a typed input: the same checks and request as
/// [`Spec::prepare`] on its JSON form.
pub fn prepare<O: Operation>(input: &O) -> Result<Prepared, Error> {
    let args = serde_json::to_value(input).map_err(|e| Error::invalid_argument(format!("{}: {e}", O::NAME)))?;
    O::SPEC.prepare(&args)
}

/// A list operation, paginated with `nextToken` (PROTOCOL.md §4.4).
pub trait ListOperation: Operation + Clone {
    /// The type of one listed element.
    type Item: Serialize + DeserializeOwned;
    /// Sets the token of the page to ask for (`None`: the first page).
    fn set_next_token(&mut self, token: Option<String>);
    /// The elements of an answer (the next page's token is [`next_token`]'s).
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// The token of the page after a list answer (`meta.nextToken`); `None` on
/// the last page, which has none or an empty one (PROTOCOL.md §4.4).
pub fn next_token(answer: &Value) -> Option<String> {
    meta_next_token(answer.get("meta")?)
}

/// [`next_token`] from the answer's `meta` alone.
pub fn meta_next_token(meta: &Value) -> Option<String> {
    meta.get("nextToken")?.as_str().filter(|t| !t.is_empty()).map(str::to_string)
}

/// Percent-encodes like JS `encodeURIComponent`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fills `{name}` segments of a template with the encoded values, in order.
pub fn fill_path(template: &str, params: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut values = params.iter();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if seg.starts_with('{') {
            out.push_str(&encode_component(values.next().copied().unwrap_or("")));
        } else {
            out.push_str(seg);
        }
    }
    out
}

crate::record! {
    /// `meta` of list responses.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct ListMeta {
        /// The token of the next page; absent on the last one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_token as "nextToken": Option<String>,
    }
}

/// The empty `{}` answer of delete operations.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

impl Record for Empty {
    const FIELDS: &'static Fields = &[];
}

macro_rules! output {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $(#[doc = concat!("The answer's `", stringify!($field), "`.")] pub $field: $ty),* }

        impl Record for $name {
            const FIELDS: &'static Fields = &[$((stringify!($field), <$ty as schema::FieldType>::KIND)),*];
        }
    };
}

output!(
    /// `{user, key}`
    CreateUserOutput { user: User, key: String });
output!(
    /// `{user}`
    UserOutput { user: User });
output!(
    /// `{conversation}`
    ConversationOutput { conversation: Conversation });
output!(
    /// `{conversations, meta}`
    ListConversationsOutput { conversations: Vec<Conversation>, meta: ListMeta });
output!(
    /// `{messages, meta}`
    ListMessagesOutput { messages: Vec<Message>, meta: ListMeta });
output!(
    /// `{participant}`
    ParticipantOutput { participant: User });
output!(
    /// `{participants, meta}`
    ListParticipantsOutput { participants: Vec<User>, meta: ListMeta });
output!(
    /// `{message}`
    MessageOutput { message: Message });
output!(
    /// `{event}`
    EventOutput { event: Event });

/// Fields of a user that createUser, getOrCreateUser and updateUser set.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFields {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URL of the user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_url: Option<String>,
    /// Free text about the user (at most 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// createUser input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserInput {
    /// An id of the caller's choosing; the server makes one up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's name, picture and profile.
    #[serde(flatten)]
    pub fields: UserFields,
}

/// getUser input (none).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetUserInput {}

/// getOrCreateUser input: the identity comes from the key.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetOrCreateUserInput {
    /// The user's name, picture and profile, used if the user is created.
    #[serde(flatten)]
    pub fields: UserFields,
}

/// updateUser input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateUserInput {
    /// The fields to change; absent ones keep their value.
    #[serde(flatten)]
    pub fields: UserFields,
}

/// deleteUser input (none).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteUserInput {}

/// createConversation input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateConversationInput {
    /// An id of the caller's choosing; the server makes one up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// An input whose only field is the `id` path parameter.
macro_rules! id_input {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            /// The id in the path.
            pub id: String,
        }
    };
}

id_input!(
    /// getConversation input.
    GetConversationInput);
id_input!(
    /// deleteConversation input.
    DeleteConversationInput);
id_input!(
    /// getMessage input.
    GetMessageInput);
id_input!(
    /// deleteMessage input.
    DeleteMessageInput);
id_input!(
    /// getEvent input.
    GetEventInput);

/// getOrCreateConversation input (`id` is a body field here, and required).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetOrCreateConversationInput {
    /// The conversation's id, created with it if it does not exist.
    pub id: String,
}

/// listConversations input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListConversationsInput {
    /// The token of the page to fetch; absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// An input addressed to a conversation, optionally paginated.
macro_rules! conversation_list_input {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The conversation in the path.
            pub conversation_id: String,
            /// The token of the page to fetch; absent for the first.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub next_token: Option<String>,
        }
    };
}

conversation_list_input!(
    /// listMessages input.
    ListMessagesInput);
conversation_list_input!(
    /// listParticipants input.
    ListParticipantsInput);

/// addParticipant input (`userId` is a body field).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantInput {
    /// The conversation in the path.
    pub conversation_id: String,
    /// The user to add.
    pub user_id: String,
}

/// An input addressed to one participant of a conversation (path only).
macro_rules! participant_input {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The conversation in the path.
            pub conversation_id: String,
            /// The participant in the path.
            pub user_id: String,
        }
    };
}

participant_input!(
    /// getParticipant input.
    GetParticipantInput);
participant_input!(
    /// removeParticipant input.
    RemoveParticipantInput);

/// createMessage input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMessageInput {
    /// The conversation to write to.
    pub conversation_id: String,
    /// What the message carries.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::KnownPayload"))]
    pub payload: MessagePayload,
    /// Caller-defined data stored with the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
    pub metadata: Option<JsonObject>,
}

/// createEvent input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEventInput {
    /// The conversation the event is sent to.
    pub conversation_id: String,
    /// The event's data: any JSON object.
    #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
    pub payload: JsonObject,
}

macro_rules! operation {
    ($input:ty => $output:ty, $name:literal, $method:ident $path:literal
     $(, keyed = $keyed:literal)?
     $(, fields($($f:literal : $k:ident),*))?) => {
        impl Operation for $input {
            const NAME: &'static str = $name;
            const METHOD: Method = Method::$method;
            const PATH: &'static str = $path;
            $(const KEYED: bool = $keyed;)?
            $(const FIELDS: &'static [(&'static str, FieldKind)] = &[$(($f, FieldKind::$k)),*];)?
            type Output = $output;
        }
    };
}

operation!(CreateUserInput => CreateUserOutput, "createUser", Post "/users", keyed = false,
    fields("id": Optional, "name": Optional, "pictureUrl": Optional, "profile": Profile));
operation!(GetUserInput => UserOutput, "getUser", Get "/users/me");
operation!(GetOrCreateUserInput => UserOutput, "getOrCreateUser", Post "/users/get-or-create",
    fields("name": Optional, "pictureUrl": Optional, "profile": Profile));
operation!(UpdateUserInput => UserOutput, "updateUser", Put "/users/me",
    fields("name": Optional, "pictureUrl": Optional, "profile": Profile));
operation!(DeleteUserInput => Empty, "deleteUser", Delete "/users/me");
operation!(CreateConversationInput => ConversationOutput, "createConversation", Post "/conversations",
    fields("id": Optional));
operation!(GetConversationInput => ConversationOutput, "getConversation", Get "/conversations/{id}");
operation!(GetOrCreateConversationInput => ConversationOutput, "getOrCreateConversation",
    Post "/conversations/get-or-create", fields("id": Required));
operation!(DeleteConversationInput => Empty, "deleteConversation", Delete "/conversations/{id}");
operation!(ListConversationsInput => ListConversationsOutput, "listConversations", Get "/conversations",
    fields("nextToken": Query));
operation!(ListMessagesInput => ListMessagesOutput, "listMessages",
    Get "/conversations/{conversationId}/messages", fields("nextToken": Query));
operation!(AddParticipantInput => ParticipantOutput, "addParticipant",
    Post "/conversations/{conversationId}/participants", fields("userId": Required));
operation!(GetParticipantInput => ParticipantOutput, "getParticipant",
    Get "/conversations/{conversationId}/participants/{userId}");
operation!(RemoveParticipantInput => Empty, "removeParticipant",
    Delete "/conversations/{conversationId}/participants/{userId}");
operation!(ListParticipantsInput => ListParticipantsOutput, "listParticipants",
    Get "/conversations/{conversationId}/participants", fields("nextToken": Query));
operation!(CreateMessageInput => MessageOutput, "createMessage", Post "/messages",
    fields("conversationId": Required, "payload": Payload, "metadata": OptionalObject));
operation!(GetMessageInput => MessageOutput, "getMessage", Get "/messages/{id}");
operation!(DeleteMessageInput => Empty, "deleteMessage", Delete "/messages/{id}");
operation!(CreateEventInput => EventOutput, "createEvent", Post "/events",
    fields("conversationId": Required, "payload": Object));
operation!(GetEventInput => EventOutput, "getEvent", Get "/events/{id}");

macro_rules! list_operation {
    ($input:ty, $item:ty, $field:ident) => {
        impl ListOperation for $input {
            type Item = $item;
            fn set_next_token(&mut self, token: Option<String>) {
                self.next_token = token;
            }
            fn into_items(output: Self::Output) -> Vec<$item> {
                output.$field
            }
        }
    };
}

list_operation!(ListConversationsInput, Conversation, conversations);
list_operation!(ListMessagesInput, Message, messages);
list_operation!(ListParticipantsInput, User, participants);

/// Calls `$callback!` with the whole operation table, one row per
/// operation: `rust_name, "jsName", InputType;` (`"jsName"` is the input's
/// [`Operation::NAME`], written out because attributes need a literal). Use it to generate
/// one method per operation (Rust client, JS facade) from this single list.
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            create_user, "createUser", $crate::api::CreateUserInput;
            get_user, "getUser", $crate::api::GetUserInput;
            get_or_create_user, "getOrCreateUser", $crate::api::GetOrCreateUserInput;
            update_user, "updateUser", $crate::api::UpdateUserInput;
            delete_user, "deleteUser", $crate::api::DeleteUserInput;
            create_conversation, "createConversation", $crate::api::CreateConversationInput;
            get_conversation, "getConversation", $crate::api::GetConversationInput;
            get_or_create_conversation, "getOrCreateConversation", $crate::api::GetOrCreateConversationInput;
            delete_conversation, "deleteConversation", $crate::api::DeleteConversationInput;
            list_conversations, "listConversations", $crate::api::ListConversationsInput;
            list_messages, "listMessages", $crate::api::ListMessagesInput;
            add_participant, "addParticipant", $crate::api::AddParticipantInput;
            get_participant, "getParticipant", $crate::api::GetParticipantInput;
            remove_participant, "removeParticipant", $crate::api::RemoveParticipantInput;
            list_participants, "listParticipants", $crate::api::ListParticipantsInput;
            create_message, "createMessage", $crate::api::CreateMessageInput;
            get_message, "getMessage", $crate::api::GetMessageInput;
            delete_message, "deleteMessage", $crate::api::DeleteMessageInput;
            create_event, "createEvent", $crate::api::CreateEventInput;
            get_event, "getEvent", $crate::api::GetEventInput;
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(p: Result<Prepared, Error>) -> Option<Value> {
        p.unwrap().body.map(Value::Object)
    }

    #[test]
    fn paths_queries_and_bodies() {
        let i = GetParticipantInput { conversation_id: "c 1".into(), user_id: "u/2".into() };
        let p = prepare(&i).unwrap();
        assert_eq!((p.path.as_str(), p.body), ("/conversations/c%201/participants/u%2F2", None));

        let i = ListMessagesInput { conversation_id: "c".into(), next_token: Some("a=b&c".into()) };
        assert_eq!(prepare(&i).unwrap().path, "/conversations/c/messages?nextToken=a%3Db%26c");
        let i = ListConversationsInput { next_token: None };
        assert_eq!(prepare(&i).unwrap().path, "/conversations");

        let i = AddParticipantInput { conversation_id: "c".into(), user_id: "u".into() };
        assert_eq!(body(prepare(&i)), Some(json!({"userId":"u"})));
        assert_eq!(prepare(&DeleteUserInput {}).unwrap().body, None);
        assert_eq!(body(prepare(&CreateConversationInput::default())), Some(json!({})));

        let i: CreateMessageInput = serde_json::from_value(json!({"conversationId":"c",
            "payload":{"type":"text","text":"hi"},"metadata":{"k":1}}))
        .unwrap();
        assert_eq!(
            body(prepare(&i)),
            Some(json!({"conversationId":"c","payload":{"type":"text","text":"hi"},"metadata":{"k":1}}))
        );
        const { assert!(!<CreateUserInput as Operation>::KEYED) };
        let i = CreateUserInput {
            id: Some("u".into()),
            fields: UserFields { name: Some("N".into()), ..Default::default() },
        };
        assert_eq!(body(prepare(&i)), Some(json!({"id":"u","name":"N"})));
    }

    #[test]
    fn arguments_are_checked_by_the_table() {
        let err = |spec: Spec, args: Value| spec.prepare(&args).unwrap_err().message;
        let m = err(GetMessageInput::SPEC, json!({"id": ""}));
        assert!(m.starts_with("getMessage: id: must be a non-empty string"), "{m}");
        let m = err(GetMessageInput::SPEC, json!({}));
        assert!(m.starts_with("getMessage: missing field `id`"), "{m}");
        let m = err(CreateMessageInput::SPEC, json!({"conversationId": "c", "payload": {"type": "text", "text": ""}}));
        assert!(m.starts_with("createMessage: payload.text"), "{m}");
        let m = err(CreateMessageInput::SPEC, json!({"conversationId": 7, "payload": {"type": "text", "text": "x"}}));
        assert!(m.starts_with("createMessage: conversationId: invalid type: integer `7`, expected a string"), "{m}");
        let m = err(UpdateUserInput::SPEC, json!({"profile": "x".repeat(1001)}));
        assert!(m.starts_with("updateUser: profile: must be at most 1000 characters"), "{m}");
        let m = err(CreateEventInput::SPEC, json!({"conversationId": "c", "payload": [1]}));
        assert!(m.starts_with("createEvent: payload: invalid type: sequence, expected an object"), "{m}");
        let m = err(ListMessagesInput::SPEC, json!({"conversationId": "c", "nextToken": 3}));
        assert!(m.starts_with("listMessages: nextToken: invalid type: integer `3`"), "{m}");
        assert!(err(GetUserInput::SPEC, json!([])).starts_with("getUser: expected an object argument"));
        // Absent and null optional fields are left out of the body.
        let p = CreateUserInput::SPEC.prepare(&json!({"name": null, "id": "u"})).unwrap();
        assert_eq!(body(Ok(p)), Some(json!({"id":"u"})));
    }

    #[test]
    fn typed_inputs_and_their_json_form_agree() {
        let i = CreateMessageInput { conversation_id: "c".into(), payload: MessagePayload::text("hi"), metadata: None };
        let from_json = CreateMessageInput::SPEC.prepare(&serde_json::to_value(&i).unwrap()).unwrap();
        assert_eq!(prepare(&i).unwrap(), from_json);
        let back: CreateMessageInput = serde_json::from_value(serde_json::to_value(&i).unwrap()).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn answers_are_checked_against_the_output_record() {
        let ok = json!({"user": {"id": "u", "createdAt": "a", "updatedAt": "b"}, "key": "k"});
        assert!(CreateUserInput::SPEC.check_answer(&ok).is_ok());
        let e = CreateUserInput::SPEC.check_answer(&json!({"user": {"id": "u"}})).unwrap_err();
        assert_eq!(e.message, "createUser: unexpected response: user: missing field `createdAt`");
        let e = ListMessagesInput::SPEC.check_answer(&json!({"messages": {}, "meta": {}})).unwrap_err();
        assert_eq!(e.message, "listMessages: unexpected response: messages: invalid type: map, expected an array");
        assert!(DeleteUserInput::SPEC.check_answer(&json!({})).is_ok());
    }

    #[test]
    fn pages() {
        assert_eq!(ListMessagesInput::SPEC.list_field(), Some("messages"));
        assert_eq!(ListParticipantsInput::SPEC.list_field(), Some("participants"));
        assert_eq!(GetUserInput::SPEC.list_field(), None);
        assert_eq!(next_token(&json!({"meta": {"nextToken": "p3"}})).as_deref(), Some("p3"));
        assert_eq!(next_token(&json!({"meta": {"nextToken": ""}})), None);
        assert_eq!(next_token(&json!({"meta": {}})), None);
    }

    #[test]
    fn table_has_twenty_operations() {
        macro_rules! count {
            ($($r:ident, $js:literal, $t:ty;)*) => {{
                let names: Vec<&str> = vec![$(<$t as Operation>::NAME),*];
                let js: Vec<&str> = vec![$($js),*];
                (names, js)
            }};
        }
        let (names, js) = for_each_operation!(count);
        assert_eq!(names.len(), 20);
        assert_eq!(names, js);
    }
}
