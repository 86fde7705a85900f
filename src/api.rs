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

use crate::model::{Conversation, Event, JsonObject, Message, MessagePayload, User};

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

/// The shape of one field of an answer, as checked on plain JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Str,
    /// A user.
    User,
    /// A conversation.
    Conversation,
    /// A message.
    Message,
    /// An event.
    Event,
    /// The `meta` object of a list answer.
    Meta,
    /// An array of users.
    Users,
    /// An array of conversations.
    Conversations,
    /// An array of messages.
    Messages,
}

/// The top-level fields of an answer and their shapes.
pub trait Shaped {
    /// The fields, by their JSON names, each with its shape.
    const SHAPE: &'static [(&'static str, Shape)];
}

/// A type that can be a field of an answer.
pub trait FieldShape {
    /// The shape of a value of this type.
    const SHAPE: Shape;
}

macro_rules! field_shape {
    ($($ty:ty => $shape:ident),*) => { $(impl FieldShape for $ty { const SHAPE: Shape = Shape::$shape; })* };
}
field_shape!(String => Str, User => User, Conversation => Conversation, Message => Message, Event => Event,
    ListMeta => Meta, Vec<User> => Users, Vec<Conversation> => Conversations, Vec<Message> => Messages);

/// One API operation: its input is `Self`, serialised as the JSON body
/// (path and query fields are skipped when serialising).
pub trait Operation: Serialize + DeserializeOwned {
    /// The operation's name, as in `@botpress/chat` (`"createMessage"`).
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// Path template relative to the base URL, e.g. `/messages/{id}`.
    const PATH: &'static str;
    /// Whether the `x-user-key` header is required (all but createUser).
    const KEYED: bool = true;
    /// The input fields besides the path parameters, by their JSON names.
    const FIELDS: &'static [(&'static str, FieldKind)] = &[];
    /// The answer's top-level fields and their shapes (for checks on plain
    /// JSON values; empty: no check).
    const SHAPE: &'static [(&'static str, Shape)] = &[];
    /// What the operation answers.
    type Output: Serialize + DeserializeOwned;

    /// Path parameter values, in template order (raw, not encoded).
    fn path_params(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Query parameters that are set.
    fn query(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }

    /// The path with its parameters filled in and percent-encoded, plus the
    /// query string.
    fn path_and_query(&self) -> String {
        let mut out = fill_path(Self::PATH, &self.path_params());
        for (i, (k, v)) in self.query().iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&encode_component(v));
        }
        out
    }

    /// Checks required fields that serde cannot (non-empty ids, payload
    /// rules); the message names the field.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A list operation, paginated with `nextToken` (PROTOCOL.md §4.4).
pub trait ListOperation: Operation + Clone {
    /// The type of one listed element.
    type Item: Serialize + DeserializeOwned;
    /// Sets the token of the page to ask for (`None`: the first page).
    fn set_next_token(&mut self, token: Option<String>);
    /// Splits an answer into its elements and the next page's token.
    fn into_page(output: Self::Output) -> (Vec<Self::Item>, Option<String>);
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

fn required(field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err(format!("{field}: must be a non-empty string"))
    } else {
        Ok(())
    }
}

fn profile_ok(profile: &Option<String>) -> Result<(), String> {
    match profile {
        Some(p) if p.chars().count() > crate::model::MAX_PROFILE_LEN => {
            Err("profile: must be at most 1000 characters".into())
        }
        _ => Ok(()),
    }
}

/// `meta` of list responses.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// The token of the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The empty `{}` answer of delete operations.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

impl Shaped for Empty {
    const SHAPE: &'static [(&'static str, Shape)] = &[];
}

macro_rules! output {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $(#[doc = concat!("The answer's `", stringify!($field), "`.")] pub $field: $ty),* }

        impl Shaped for $name {
            const SHAPE: &'static [(&'static str, Shape)] = &[$((stringify!($field), <$ty as FieldShape>::SHAPE)),*];
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
            #[serde(skip_serializing)]
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
    #[serde(default, skip_serializing)]
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
            #[serde(skip_serializing)]
            pub conversation_id: String,
            /// The token of the page to fetch; absent for the first.
            #[serde(default, skip_serializing)]
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
    #[serde(skip_serializing)]
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
            #[serde(skip_serializing)]
            pub conversation_id: String,
            /// The participant in the path.
            #[serde(skip_serializing)]
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
     $(, params($($p:ident),*))?
     $(, query($($q:ident as $qn:literal),*))?
     $(, fields($($f:literal : $k:ident),*))?
     $(, validate |$s:ident| $v:expr)?) => {
        impl Operation for $input {
            const NAME: &'static str = $name;
            const METHOD: Method = Method::$method;
            const PATH: &'static str = $path;
            $(const KEYED: bool = $keyed;)?
            $(const FIELDS: &'static [(&'static str, FieldKind)] = &[$(($f, FieldKind::$k)),*];)?
            const SHAPE: &'static [(&'static str, Shape)] = <$output as Shaped>::SHAPE;
            type Output = $output;
            $(fn path_params(&self) -> Vec<&str> { vec![$(self.$p.as_str()),*] })?
            $(fn query(&self) -> Vec<(&'static str, &str)> {
                let mut q = Vec::new();
                $(if let Some(v) = self.$q.as_deref() { q.push(($qn, v)); })*
                q
            })?
            $(fn validate(&self) -> Result<(), String> { let $s = self; $v })?
        }
    };
}

operation!(CreateUserInput => CreateUserOutput, "createUser", Post "/users", keyed = false,
    fields("id": Optional, "name": Optional, "pictureUrl": Optional, "profile": Profile),
    validate |s| profile_ok(&s.fields.profile));
operation!(GetUserInput => UserOutput, "getUser", Get "/users/me");
operation!(GetOrCreateUserInput => UserOutput, "getOrCreateUser", Post "/users/get-or-create",
    fields("name": Optional, "pictureUrl": Optional, "profile": Profile),
    validate |s| profile_ok(&s.fields.profile));
operation!(UpdateUserInput => UserOutput, "updateUser", Put "/users/me",
    fields("name": Optional, "pictureUrl": Optional, "profile": Profile),
    validate |s| profile_ok(&s.fields.profile));
operation!(DeleteUserInput => Empty, "deleteUser", Delete "/users/me");
operation!(CreateConversationInput => ConversationOutput, "createConversation", Post "/conversations",
    fields("id": Optional));
operation!(GetConversationInput => ConversationOutput, "getConversation", Get "/conversations/{id}",
    params(id), validate |s| required("id", &s.id));
operation!(GetOrCreateConversationInput => ConversationOutput, "getOrCreateConversation",
    Post "/conversations/get-or-create", fields("id": Required), validate |s| required("id", &s.id));
operation!(DeleteConversationInput => Empty, "deleteConversation", Delete "/conversations/{id}",
    params(id), validate |s| required("id", &s.id));
operation!(ListConversationsInput => ListConversationsOutput, "listConversations", Get "/conversations",
    query(next_token as "nextToken"), fields("nextToken": Query));
operation!(ListMessagesInput => ListMessagesOutput, "listMessages",
    Get "/conversations/{conversationId}/messages", params(conversation_id),
    query(next_token as "nextToken"), fields("nextToken": Query), validate |s| required("conversationId", &s.conversation_id));
operation!(AddParticipantInput => ParticipantOutput, "addParticipant",
    Post "/conversations/{conversationId}/participants", params(conversation_id),
    fields("userId": Required), validate |s| required("conversationId", &s.conversation_id).and(required("userId", &s.user_id)));
operation!(GetParticipantInput => ParticipantOutput, "getParticipant",
    Get "/conversations/{conversationId}/participants/{userId}", params(conversation_id, user_id),
    validate |s| required("conversationId", &s.conversation_id).and(required("userId", &s.user_id)));
operation!(RemoveParticipantInput => Empty, "removeParticipant",
    Delete "/conversations/{conversationId}/participants/{userId}", params(conversation_id, user_id),
    validate |s| required("conversationId", &s.conversation_id).and(required("userId", &s.user_id)));
operation!(ListParticipantsInput => ListParticipantsOutput, "listParticipants",
    Get "/conversations/{conversationId}/participants", params(conversation_id),
    query(next_token as "nextToken"), fields("nextToken": Query), validate |s| required("conversationId", &s.conversation_id));
operation!(CreateMessageInput => MessageOutput, "createMessage", Post "/messages",
    fields("conversationId": Required, "payload": Payload, "metadata": OptionalObject), validate |s| required("conversationId", &s.conversation_id).and_then(|_| s.payload.validate()));
operation!(GetMessageInput => MessageOutput, "getMessage", Get "/messages/{id}",
    params(id), validate |s| required("id", &s.id));
operation!(DeleteMessageInput => Empty, "deleteMessage", Delete "/messages/{id}",
    params(id), validate |s| required("id", &s.id));
operation!(CreateEventInput => EventOutput, "createEvent", Post "/events",
    fields("conversationId": Required, "payload": Object), validate |s| required("conversationId", &s.conversation_id));
operation!(GetEventInput => EventOutput, "getEvent", Get "/events/{id}",
    params(id), validate |s| required("id", &s.id));

macro_rules! list_operation {
    ($input:ty, $item:ty, $field:ident) => {
        impl ListOperation for $input {
            type Item = $item;
            fn set_next_token(&mut self, token: Option<String>) {
                self.next_token = token;
            }
            fn into_page(output: Self::Output) -> (Vec<$item>, Option<String>) {
                (output.$field, output.meta.next_token)
            }
        }
    };
}

list_operation!(ListConversationsInput, Conversation, conversations);
list_operation!(ListMessagesInput, Message, messages);
list_operation!(ListParticipantsInput, User, participants);

/// Calls `$callback!` with the whole operation table, one row per
/// operation: `rust_name, "jsName", InputType, keyed;`. Use it to generate
/// one method per operation (Rust client, JS facade) from this single list.
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            create_user, "createUser", $crate::api::CreateUserInput, false;
            get_user, "getUser", $crate::api::GetUserInput, true;
            get_or_create_user, "getOrCreateUser", $crate::api::GetOrCreateUserInput, true;
            update_user, "updateUser", $crate::api::UpdateUserInput, true;
            delete_user, "deleteUser", $crate::api::DeleteUserInput, true;
            create_conversation, "createConversation", $crate::api::CreateConversationInput, true;
            get_conversation, "getConversation", $crate::api::GetConversationInput, true;
            get_or_create_conversation, "getOrCreateConversation", $crate::api::GetOrCreateConversationInput, true;
            delete_conversation, "deleteConversation", $crate::api::DeleteConversationInput, true;
            list_conversations, "listConversations", $crate::api::ListConversationsInput, true;
            list_messages, "listMessages", $crate::api::ListMessagesInput, true;
            add_participant, "addParticipant", $crate::api::AddParticipantInput, true;
            get_participant, "getParticipant", $crate::api::GetParticipantInput, true;
            remove_participant, "removeParticipant", $crate::api::RemoveParticipantInput, true;
            list_participants, "listParticipants", $crate::api::ListParticipantsInput, true;
            create_message, "createMessage", $crate::api::CreateMessageInput, true;
            get_message, "getMessage", $crate::api::GetMessageInput, true;
            delete_message, "deleteMessage", $crate::api::DeleteMessageInput, true;
            create_event, "createEvent", $crate::api::CreateEventInput, true;
            get_event, "getEvent", $crate::api::GetEventInput, true;
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_queries_and_bodies() {
        let i = GetParticipantInput { conversation_id: "c 1".into(), user_id: "u/2".into() };
        assert_eq!(i.path_and_query(), "/conversations/c%201/participants/u%2F2");
        assert_eq!(serde_json::to_value(&i).unwrap(), json!({}));

        let i = ListMessagesInput { conversation_id: "c".into(), next_token: Some("a=b&c".into()) };
        assert_eq!(i.path_and_query(), "/conversations/c/messages?nextToken=a%3Db%26c");
        let i = ListConversationsInput { next_token: None };
        assert_eq!(i.path_and_query(), "/conversations");

        let i = AddParticipantInput { conversation_id: "c".into(), user_id: "u".into() };
        assert_eq!(serde_json::to_value(&i).unwrap(), json!({"userId":"u"}));

        let i: CreateMessageInput = serde_json::from_value(json!({"conversationId":"c",
            "payload":{"type":"text","text":"hi"},"metadata":{"k":1}}))
        .unwrap();
        assert_eq!(serde_json::to_value(&i).unwrap()["metadata"], json!({"k":1}));
        assert_eq!(<CreateMessageInput as Operation>::METHOD, Method::Post);
        const { assert!(!<CreateUserInput as Operation>::KEYED) };
        let i = CreateUserInput {
            id: Some("u".into()),
            fields: UserFields { name: Some("N".into()), ..Default::default() },
        };
        assert_eq!(serde_json::to_value(&i).unwrap(), json!({"id":"u","name":"N"}));
    }

    #[test]
    fn validation_names_fields() {
        let e = GetMessageInput { id: String::new() }.validate().unwrap_err();
        assert!(e.starts_with("id:"));
        let i: CreateMessageInput = serde_json::from_value(json!({"conversationId":"c",
            "payload":{"type":"text","text":""}}))
        .unwrap();
        assert!(i.validate().unwrap_err().starts_with("payload.text"));
        let i = UpdateUserInput { fields: UserFields { profile: Some("x".repeat(1001)), ..Default::default() } };
        assert!(i.validate().unwrap_err().starts_with("profile"));
    }

    #[test]
    fn table_has_twenty_operations() {
        macro_rules! count {
            ($($r:ident, $js:literal, $t:ty, $k:literal;)*) => {{
                let names: Vec<&str> = vec![$(<$t as Operation>::NAME),*];
                let js: Vec<&str> = vec![$($js),*];
                let keyed: Vec<bool> = vec![$(<$t as Operation>::KEYED == $k),*];
                (names, js, keyed)
            }};
        }
        let (names, js, keyed) = for_each_operation!(count);
        assert_eq!(names.len(), 20);
        assert_eq!(names, js);
        assert!(keyed.iter().all(|k| *k));
    }
}
