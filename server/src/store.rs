//! Storage (SQLite, in memory or in a file) and the API operations.
//!
//! Every operation runs under the store's lock and publishes its signals
//! before the lock is released, so signals of a conversation go out in the
//! order their messages were created.

use botpress_chat_wasm::api::{
    ConversationOutput, CreateUserOutput, Empty, EventOutput, ListConversationsOutput, ListMessagesOutput, ListMeta,
    ListParticipantsOutput, MessageOutput, ParticipantOutput, UserOutput,
};
use botpress_chat_wasm::model::{validate_fid, JsonObject};
use botpress_chat_wasm::signal::{
    EventCreated, MessageCreated, MessageDeleted, MessageStreamComplete, MessageStreamDelta, ParticipantChange,
};
use botpress_chat_wasm::{Conversation, Event, Message, MessagePayload, Signal, User};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::util::{iso, new_id, now_iso, now_ms};

/// The echo bot's user id. It is a participant of every conversation.
pub const BOT_ID: &str = "bot_echo";
/// The echo bot's display name.
pub const BOT_NAME: &str = "Echo Bot";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, fid TEXT UNIQUE,
  name TEXT, picture_url TEXT, profile TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, fid TEXT UNIQUE,
  owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, conv TEXT NOT NULL, user TEXT NOT NULL, UNIQUE(conv, user));
CREATE INDEX IF NOT EXISTS participants_user ON participants(user, seq);
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, conv TEXT NOT NULL, user TEXT NOT NULL,
  payload TEXT NOT NULL, metadata TEXT, created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_conv ON messages(conv, seq);
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, conv TEXT NOT NULL, user TEXT NOT NULL,
  payload TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_conv ON events(conv, seq);
CREATE TABLE IF NOT EXISTS settings(name TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub fid: Option<String>,
    pub name: Option<String>,
    pub picture_url: Option<String>,
    pub profile: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl UserRow {
    /// The id callers know: the caller-chosen id, else the internal one.
    pub fn canonical(&self) -> &str {
        self.fid.as_deref().unwrap_or(&self.id)
    }
    fn to_user(&self, id: &str) -> User {
        User {
            id: id.to_string(),
            name: self.name.clone(),
            picture_url: self.picture_url.clone(),
            profile: self.profile.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

/// A stored conversation.
#[derive(Debug, Clone)]
pub struct ConvRow {
    pub id: String,
    pub fid: Option<String>,
    pub owner: String,
    pub created_at: String,
    pub updated_at: String,
}

impl ConvRow {
    pub fn canonical(&self) -> &str {
        self.fid.as_deref().unwrap_or(&self.id)
    }
    fn to_conversation(&self, id: &str) -> Conversation {
        Conversation { id: id.to_string(), created_at: self.created_at.clone(), updated_at: self.updated_at.clone() }
    }
}

/// User fields settable by createUser, getOrCreateUser and updateUser.
#[derive(Debug, Clone, Default)]
pub struct UserFields {
    pub name: Option<String>,
    pub picture_url: Option<String>,
    pub profile: Option<String>,
}

/// Work for the echo bot after an operation.
#[derive(Debug, Clone)]
pub enum BotJob {
    Reply { conv: String, payload: MessagePayload, metadata: Option<JsonObject> },
    Event { conv: String, payload: JsonObject },
}

const USER_COLS: &str = "id, fid, name, picture_url, profile, created_at, updated_at";

fn user_row(r: &rusqlite::Row<'_>, base: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(base)?,
        fid: r.get(base + 1)?,
        name: r.get(base + 2)?,
        picture_url: r.get(base + 3)?,
        profile: r.get(base + 4)?,
        created_at: r.get(base + 5)?,
        updated_at: r.get(base + 6)?,
    })
}

fn conv_row(r: &rusqlite::Row<'_>, base: usize) -> rusqlite::Result<ConvRow> {
    Ok(ConvRow {
        id: r.get(base)?,
        fid: r.get(base + 1)?,
        owner: r.get(base + 2)?,
        created_at: r.get(base + 3)?,
        updated_at: r.get(base + 4)?,
    })
}

/// The page tokens this server issues and accepts (empty: the first page), as a regular expression.
pub const PAGE_TOKEN_PATTERN: &str = "^(p[0-9a-f]{1,15})?$";

fn page_token(seq: i64) -> String {
    format!("p{seq:x}")
}

fn parse_token(token: Option<&str>) -> ApiResult<i64> {
    match token {
        None | Some("") => Ok(0),
        // Exactly what PAGE_TOKEN_PATTERN describes: `p` and 1 to 15 lowercase hex digits.
        Some(t) => t
            .strip_prefix('p')
            .filter(|h| (1..=15).contains(&h.len()) && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .and_then(|h| i64::from_str_radix(h, 16).ok())
            .ok_or_else(|| ApiError::invalid("nextToken: not a token this server issued")),
    }
}

/// A response body, fields in declaration order.
fn to_value<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

fn parse_payload(text: &str) -> MessagePayload {
    serde_json::from_str(text).unwrap_or_else(|_| MessagePayload::text(text))
}

fn parse_object(text: Option<String>) -> Option<JsonObject> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

const NOT_PARTICIPANT: &str = "You are not a participant in this conversation";
const NOT_OWNER: &str = "You are not the owner of this conversation";

/// A message or event row: (conversation internal id, author internal id,
/// conversation canonical id, author canonical id, id, payload, metadata, ms).
type ItemRow = (String, String, String, String, String, String, Option<String>, i64);

/// Creates a new database file readable by its owner only (it holds the
/// shared-mode secret); SQLite gives its `-wal` and `-shm` files the same
/// permissions. An existing file is left as it is.
fn create_private(path: &Path) {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let _ = o.open(path);
}

pub struct Store {
    conn: Connection,
    clocks: HashMap<String, i64>,
    hub: Arc<Hub>,
    page_size: usize,
    /// Inside [`Store::begin`]…[`Store::commit`]: the signals to publish once
    /// the transaction is committed (none go out for a write that is rolled back).
    pending: Option<RefCell<Vec<(String, Signal)>>>,
}

impl Store {
    /// Opens the store: a SQLite file when `path` is given, else in memory.
    pub fn open(path: Option<&Path>, hub: Arc<Hub>, page_size: usize) -> rusqlite::Result<Store> {
        let conn = match path {
            Some(p) => {
                create_private(p);
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(SCHEMA)?;
        let now = now_iso();
        conn.execute(
            "INSERT OR IGNORE INTO users(id, fid, name, created_at, updated_at) VALUES(?1, NULL, ?2, ?3, ?3)",
            params![BOT_ID, BOT_NAME, now],
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store { conn, clocks: HashMap::new(), hub, page_size: page_size.max(1), pending: None })
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// A stored setting; `init` is stored and returned the first time.
    pub fn setting_or_init(&self, name: &str, init: &str) -> rusqlite::Result<String> {
        self.conn.execute("INSERT OR IGNORE INTO settings(name, value) VALUES(?1, ?2)", [name, init])?;
        self.conn.query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| r.get(0))
    }

    // ----- lookups ---------------------------------------------------------

    /// A user by caller-chosen id, else by internal id (spec §3.4).
    pub fn user_by_ref(&self, r: &str) -> rusqlite::Result<Option<UserRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE fid = ?1 OR id = ?1 ORDER BY fid IS ?1 DESC LIMIT 1"
            ))?
            .query_row([r], |row| user_row(row, 0))
            .optional()
    }

    /// The caller's user, from the key's `id` claim.
    pub fn require_user(&self, claim: &str) -> ApiResult<UserRow> {
        match self.user_by_ref(claim)? {
            Some(u) if u.id == BOT_ID => Err(ApiError::bad_key()),
            Some(u) => Ok(u),
            None => Err(ApiError::not_found(format!("User \"{claim}\" not found"))),
        }
    }

    pub fn conv_by_ref(&self, r: &str) -> rusqlite::Result<Option<ConvRow>> {
        self.conn
            .prepare_cached(
                "SELECT id, fid, owner, created_at, updated_at FROM conversations
                 WHERE fid = ?1 OR id = ?1 ORDER BY fid IS ?1 DESC LIMIT 1",
            )?
            .query_row([r], |row| conv_row(row, 0))
            .optional()
    }

    fn require_conv(&self, r: &str) -> ApiResult<ConvRow> {
        self.conv_by_ref(r)?.ok_or_else(|| ApiError::not_found(format!("Conversation \"{r}\" not found")))
    }

    pub fn is_participant(&self, conv: &str, user: &str) -> rusqlite::Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM participants WHERE conv = ?1 AND user = ?2")?
            .query_row([conv, user], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn require_participant(&self, conv: &ConvRow, user: &UserRow, message: &str) -> ApiResult<()> {
        if self.is_participant(&conv.id, &user.id)? {
            Ok(())
        } else {
            Err(ApiError::forbidden(message))
        }
    }

    fn require_owner(&self, conv: &ConvRow, user: &UserRow) -> ApiResult<()> {
        if conv.owner == user.id {
            Ok(())
        } else {
            Err(ApiError::forbidden(NOT_OWNER))
        }
    }

    /// The next creation time in a conversation: strictly increasing, so
    /// `createdAt` orders its messages and events totally.
    fn tick(&mut self, conv: &str) -> rusqlite::Result<i64> {
        let last = match self.clocks.get(conv) {
            Some(v) => *v,
            None => self
                .conn
                .prepare_cached(
                    "SELECT MAX(m) FROM (SELECT MAX(created_ms) AS m FROM messages WHERE conv = ?1
                     UNION ALL SELECT MAX(created_ms) FROM events WHERE conv = ?1)",
                )?
                .query_row([conv], |r| r.get::<_, Option<i64>>(0))?
                .unwrap_or(0),
        };
        let t = now_ms().max(last + 1);
        self.clocks.insert(conv.to_string(), t);
        Ok(t)
    }

    fn add_participant_row(&self, conv: &str, user: &str) -> rusqlite::Result<bool> {
        Ok(self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO participants(conv, user) VALUES(?1, ?2)")?
            .execute([conv, user])?
            == 1)
    }

    fn insert_message(
        &mut self,
        conv: &str,
        user: &str,
        payload: &MessagePayload,
        metadata: Option<&JsonObject>,
    ) -> ApiResult<(String, i64)> {
        let ms = self.tick(conv)?;
        let id = new_id("msg");
        let payload = serde_json::to_string(payload).map_err(|e| ApiError::internal(e.to_string()))?;
        let metadata = metadata.map(|m| Value::Object(m.clone()).to_string());
        self.conn
            .prepare_cached(
                "INSERT INTO messages(id, conv, user, payload, metadata, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, conv, user, payload, metadata, ms])?;
        Ok((id, ms))
    }

    // ----- users -----------------------------------------------------------

    pub fn create_user(&mut self, id: Option<String>, f: UserFields, secret: &[u8]) -> ApiResult<String> {
        if let Some(fid) = &id {
            validate_fid(fid).map_err(ApiError::invalid)?;
            if self.user_by_ref(fid)?.is_some() {
                return Err(ApiError::exists(format!("User with id {fid} already exists")));
            }
        }
        let internal = new_id("user");
        let now = now_iso();
        self.conn
            .prepare_cached(
                "INSERT INTO users(id, fid, name, picture_url, profile, created_at, updated_at)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![internal, id, f.name, f.picture_url, f.profile, now])?;
        let row = UserRow {
            id: internal,
            fid: id,
            name: f.name,
            picture_url: f.picture_url,
            profile: f.profile,
            created_at: now.clone(),
            updated_at: now,
        };
        let public = row.canonical().to_string();
        let key = crate::auth::mint(secret, &public, crate::util::now_secs());
        Ok(to_value(&CreateUserOutput { user: row.to_user(&public), key }))
    }

    pub fn get_user(&self, claim: &str) -> ApiResult<String> {
        let u = self.require_user(claim)?;
        Ok(to_value(&UserOutput { user: u.to_user(claim) }))
    }

    fn update_fields(&self, user: &mut UserRow, f: UserFields) -> ApiResult<()> {
        if f.name.is_none() && f.picture_url.is_none() && f.profile.is_none() {
            return Ok(());
        }
        let now = now_iso();
        self.conn
            .prepare_cached(
                "UPDATE users SET name = COALESCE(?2, name), picture_url = COALESCE(?3, picture_url),
                 profile = COALESCE(?4, profile), updated_at = ?5 WHERE id = ?1",
            )?
            .execute(params![user.id, f.name, f.picture_url, f.profile, now])?;
        if f.name.is_some() {
            user.name = f.name;
        }
        if f.picture_url.is_some() {
            user.picture_url = f.picture_url;
        }
        if f.profile.is_some() {
            user.profile = f.profile;
        }
        user.updated_at = now;
        Ok(())
    }

    pub fn get_or_create_user(&mut self, claim: &str, f: UserFields) -> ApiResult<String> {
        let user = match self.user_by_ref(claim)? {
            Some(u) if u.id == BOT_ID => return Err(ApiError::bad_key()),
            Some(mut u) => {
                self.update_fields(&mut u, f)?;
                u
            }
            None => {
                validate_fid(claim).map_err(ApiError::invalid)?;
                let internal = new_id("user");
                let now = now_iso();
                self.conn
                    .prepare_cached(
                        "INSERT INTO users(id, fid, name, picture_url, profile, created_at, updated_at)
                         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    )?
                    .execute(params![internal, claim, f.name, f.picture_url, f.profile, now])?;
                UserRow {
                    id: internal,
                    fid: Some(claim.to_string()),
                    name: f.name,
                    picture_url: f.picture_url,
                    profile: f.profile,
                    created_at: now.clone(),
                    updated_at: now,
                }
            }
        };
        Ok(to_value(&UserOutput { user: user.to_user(claim) }))
    }

    pub fn update_user(&mut self, claim: &str, f: UserFields) -> ApiResult<String> {
        let mut u = self.require_user(claim)?;
        self.update_fields(&mut u, f)?;
        Ok(to_value(&UserOutput { user: u.to_user(claim) }))
    }

    pub fn delete_user(&mut self, claim: &str) -> ApiResult<String> {
        let u = self.require_user(claim)?;
        self.conn.prepare_cached("DELETE FROM participants WHERE user = ?1")?.execute([&u.id])?;
        self.conn.prepare_cached("DELETE FROM users WHERE id = ?1")?.execute([&u.id])?;
        self.hub.close_user(&u.id, None);
        Ok(to_value(&Empty {}))
    }

    // ----- conversations ---------------------------------------------------

    fn insert_conversation(&mut self, owner: &UserRow, fid: Option<&str>) -> ApiResult<ConvRow> {
        let row = ConvRow {
            id: new_id("conv"),
            fid: fid.map(str::to_string),
            owner: owner.id.clone(),
            created_at: now_iso(),
            updated_at: String::new(),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO conversations(id, fid, owner, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![row.id, row.fid, row.owner, row.created_at])?;
        self.add_participant_row(&row.id, &owner.id)?;
        self.add_participant_row(&row.id, BOT_ID)?;
        Ok(ConvRow { updated_at: row.created_at.clone(), ..row })
    }

    pub fn create_conversation(&mut self, claim: &str, id: Option<String>) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        if let Some(fid) = &id {
            validate_fid(fid).map_err(ApiError::invalid)?;
            if self.conv_by_ref(fid)?.is_some() {
                return Err(ApiError::exists(format!("Conversation with id {fid} already exists")));
            }
        }
        let c = self.insert_conversation(&user, id.as_deref())?;
        Ok(to_value(&ConversationOutput { conversation: c.to_conversation(c.canonical()) }))
    }

    pub fn get_conversation(&self, claim: &str, id: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(id)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        Ok(to_value(&ConversationOutput { conversation: c.to_conversation(id) }))
    }

    pub fn get_or_create_conversation(&mut self, claim: &str, id: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = match self.conv_by_ref(id)? {
            Some(c) => {
                self.require_owner(&c, &user)?;
                c
            }
            None => {
                validate_fid(id).map_err(ApiError::invalid)?;
                self.insert_conversation(&user, Some(id))?
            }
        };
        Ok(to_value(&ConversationOutput { conversation: c.to_conversation(id) }))
    }

    pub fn delete_conversation(&mut self, claim: &str, id: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(id)?;
        self.require_owner(&c, &user)?;
        for sql in [
            "DELETE FROM participants WHERE conv = ?1",
            "DELETE FROM messages WHERE conv = ?1",
            "DELETE FROM events WHERE conv = ?1",
            "DELETE FROM conversations WHERE id = ?1",
        ] {
            self.conn.prepare_cached(sql)?.execute([&c.id])?;
        }
        self.clocks.remove(&c.id);
        self.hub.close_conversation(&c.id);
        Ok(to_value(&Empty {}))
    }

    pub fn list_conversations(&self, claim: &str, token: Option<&str>) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let after = parse_token(token)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.seq, c.id, c.fid, c.owner, c.created_at, c.updated_at
             FROM participants p JOIN conversations c ON c.id = p.conv
             WHERE p.user = ?1 AND p.seq > ?2 ORDER BY p.seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![user.id, after, self.page_size as i64 + 1], |r| {
                Ok((r.get::<_, i64>(0)?, conv_row(r, 1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (rows, next) = self.page(rows);
        let conversations = rows.iter().map(|(_, c)| c.to_conversation(c.canonical())).collect();
        Ok(to_value(&ListConversationsOutput { conversations, meta: ListMeta { next_token: next } }))
    }

    fn page<T>(&self, mut rows: Vec<(i64, T)>) -> (Vec<(i64, T)>, Option<String>) {
        if rows.len() > self.page_size {
            rows.truncate(self.page_size);
            let last = rows.last().map(|r| r.0).unwrap_or(0);
            (rows, Some(page_token(last)))
        } else {
            (rows, None)
        }
    }

    /// Checks a listener: returns the conversation's and the user's internal ids.
    pub fn listen_check(&self, claim: &str, id: &str) -> ApiResult<(String, String)> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(id)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        Ok((c.id, user.id))
    }

    // ----- participants ----------------------------------------------------

    pub fn add_participant(&mut self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_owner(&c, &user)?;
        let target =
            self.user_by_ref(user_ref)?.ok_or_else(|| ApiError::not_found(format!("User \"{user_ref}\" not found")))?;
        if self.add_participant_row(&c.id, &target.id)? {
            let signal = Signal::ParticipantAdded(ParticipantChange {
                conversation_id: c.canonical().to_string(),
                participant_id: target.canonical().to_string(),
            });
            self.publish(&c.id, &signal);
        }
        Ok(to_value(&ParticipantOutput { participant: target.to_user(user_ref) }))
    }

    fn require_member(&self, c: &ConvRow, user_ref: &str) -> ApiResult<UserRow> {
        let not_found = || ApiError::not_found(format!("Participant \"{user_ref}\" not found in this conversation"));
        let target = self.user_by_ref(user_ref)?.ok_or_else(not_found)?;
        if self.is_participant(&c.id, &target.id)? {
            Ok(target)
        } else {
            Err(not_found())
        }
    }

    pub fn get_participant(&self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_owner(&c, &user)?;
        let target = self.require_member(&c, user_ref)?;
        Ok(to_value(&ParticipantOutput { participant: target.to_user(user_ref) }))
    }

    pub fn remove_participant(&mut self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_owner(&c, &user)?;
        let target = self.require_member(&c, user_ref)?;
        if target.id == c.owner {
            return Err(ApiError::invalid(
                "You cannot remove yourself from the conversation because you are its owner",
            ));
        }
        self.conn
            .prepare_cached("DELETE FROM participants WHERE conv = ?1 AND user = ?2")?
            .execute([&c.id, &target.id])?;
        self.hub.close_user(&target.id, Some(&c.id));
        let signal = Signal::ParticipantRemoved(ParticipantChange {
            conversation_id: c.canonical().to_string(),
            participant_id: target.canonical().to_string(),
        });
        self.publish(&c.id, &signal);
        Ok(to_value(&Empty {}))
    }

    pub fn list_participants(&self, claim: &str, conv: &str, token: Option<&str>) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        let after = parse_token(token)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.seq, u.id, u.fid, u.name, u.picture_url, u.profile, u.created_at, u.updated_at
             FROM participants p JOIN users u ON u.id = p.user
             WHERE p.conv = ?1 AND p.seq > ?2 ORDER BY p.seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![c.id, after, self.page_size as i64 + 1], |r| Ok((r.get::<_, i64>(0)?, user_row(r, 1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (rows, next) = self.page(rows);
        let participants = rows.iter().map(|(_, u)| u.to_user(u.canonical())).collect();
        Ok(to_value(&ListParticipantsOutput { participants, meta: ListMeta { next_token: next } }))
    }

    // ----- messages --------------------------------------------------------

    pub fn create_message(
        &mut self,
        claim: &str,
        conv: &str,
        payload: MessagePayload,
        metadata: Option<JsonObject>,
    ) -> ApiResult<(String, Option<BotJob>)> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        let (id, ms) = self.insert_message(&c.id, &user.id, &payload, metadata.as_ref())?;
        let created_at = iso(ms);
        let signal = Signal::MessageCreated(MessageCreated {
            id: id.clone(),
            created_at: created_at.clone(),
            conversation_id: c.canonical().to_string(),
            user_id: user.canonical().to_string(),
            payload: payload.clone(),
            metadata: metadata.clone(),
            is_bot: false,
        });
        self.publish(&c.id, &signal);
        let job = BotJob::Reply { conv: c.id.clone(), payload: payload.clone(), metadata: metadata.clone() };
        let message = Message {
            id,
            created_at,
            conversation_id: conv.to_string(),
            user_id: claim.to_string(),
            payload,
            metadata,
        };
        Ok((to_value(&MessageOutput { message }), Some(job)))
    }

    pub fn list_messages(&self, claim: &str, conv: &str, token: Option<&str>) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        let after = parse_token(token)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.seq, m.id, COALESCE(u.fid, m.user), m.payload, m.metadata, m.created_ms
             FROM messages m LEFT JOIN users u ON u.id = m.user
             WHERE m.conv = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![c.id, after, self.page_size as i64 + 1], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Message {
                        id: r.get(1)?,
                        created_at: iso(r.get(5)?),
                        conversation_id: conv.to_string(),
                        user_id: r.get(2)?,
                        payload: parse_payload(&r.get::<_, String>(3)?),
                        metadata: parse_object(r.get(4)?),
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (rows, next) = self.page(rows);
        let messages = rows.into_iter().map(|(_, m)| m).collect();
        Ok(to_value(&ListMessagesOutput { messages, meta: ListMeta { next_token: next } }))
    }

    /// A message or event row, or 404 `Message "<id>" not found` /
    /// `Event "<id>" not found`.
    fn load_item(&self, table: &str, id: &str) -> ApiResult<ItemRow> {
        let meta = if table == "messages" { "x.metadata" } else { "NULL" };
        self.conn
            .prepare_cached(&format!(
                "SELECT x.conv, x.user, COALESCE(c.fid, x.conv), COALESCE(u.fid, x.user), x.id, x.payload, {meta},
                 x.created_ms FROM {table} x JOIN conversations c ON c.id = x.conv
                 LEFT JOIN users u ON u.id = x.user WHERE x.id = ?1"
            ))?
            .query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })
            .optional()?
            .ok_or_else(|| {
                let noun = if table == "messages" { "Message" } else { "Event" };
                ApiError::not_found(format!("{noun} \"{id}\" not found"))
            })
    }

    /// A message or event the caller may read: 403 with `forbidden` unless the
    /// caller is a participant of its conversation.
    fn load_readable_item(&self, claim: &str, table: &str, id: &str, forbidden: &str) -> ApiResult<ItemRow> {
        let user = self.require_user(claim)?;
        let row = self.load_item(table, id)?;
        if !self.is_participant(&row.0, &user.id)? {
            return Err(ApiError::forbidden(forbidden));
        }
        Ok(row)
    }

    pub fn get_message(&self, claim: &str, id: &str) -> ApiResult<String> {
        let (_, _, conv_c, author_c, mid, payload, metadata, ms) =
            self.load_readable_item(claim, "messages", id, "You are not a participant in this message's conversation")?;
        let message = Message {
            id: mid,
            created_at: iso(ms),
            conversation_id: conv_c,
            user_id: author_c,
            payload: parse_payload(&payload),
            metadata: parse_object(metadata),
        };
        Ok(to_value(&MessageOutput { message }))
    }

    pub fn delete_message(&mut self, claim: &str, id: &str) -> ApiResult<String> {
        let user = self.require_user(claim)?;
        let (conv, author, conv_c, author_c, mid, ..) = self.load_item("messages", id)?;
        if author != user.id {
            return Err(ApiError::forbidden("You are not the sender of this message"));
        }
        self.conn.prepare_cached("DELETE FROM messages WHERE id = ?1")?.execute([&mid])?;
        let signal = Signal::MessageDeleted(MessageDeleted { id: mid, conversation_id: conv_c, user_id: author_c });
        self.publish(&conv, &signal);
        Ok(to_value(&Empty {}))
    }

    // ----- events ----------------------------------------------------------

    pub fn create_event(
        &mut self,
        claim: &str,
        conv: &str,
        payload: JsonObject,
    ) -> ApiResult<(String, Option<BotJob>)> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_participant(&c, &user, "You are not a participant in this event's conversation")?;
        let ms = self.tick(&c.id)?;
        let id = new_id("evt");
        self.conn
            .prepare_cached("INSERT INTO events(id, conv, user, payload, created_ms) VALUES(?1, ?2, ?3, ?4, ?5)")?
            .execute(params![id, c.id, user.id, Value::Object(payload.clone()).to_string(), ms])?;
        let created_at = iso(ms);
        let signal = Signal::EventCreated(EventCreated {
            id: Some(id.clone()),
            created_at: created_at.clone(),
            conversation_id: c.canonical().to_string(),
            user_id: user.canonical().to_string(),
            payload: payload.clone(),
            is_bot: false,
        });
        self.publish(&c.id, &signal);
        let job = BotJob::Event { conv: c.id.clone(), payload: payload.clone() };
        let event = Event { id, created_at, conversation_id: conv.to_string(), user_id: claim.to_string(), payload };
        Ok((to_value(&EventOutput { event }), Some(job)))
    }

    pub fn get_event(&self, claim: &str, id: &str) -> ApiResult<String> {
        let (_, _, conv_c, author_c, eid, payload, _, ms) =
            self.load_readable_item(claim, "events", id, "You are not a participant in this event's conversation")?;
        let event = Event {
            id: eid,
            created_at: iso(ms),
            conversation_id: conv_c,
            user_id: author_c,
            payload: serde_json::from_str(&payload).unwrap_or_default(),
        };
        Ok(to_value(&EventOutput { event }))
    }

    // ----- the bot ---------------------------------------------------------

    /// The conversation's canonical id if it still exists and the bot is in it.
    pub fn bot_conversation(&self, conv: &str) -> rusqlite::Result<Option<String>> {
        if !self.is_participant(conv, BOT_ID)? {
            return Ok(None);
        }
        Ok(self.conv_by_ref(conv)?.map(|c| c.canonical().to_string()))
    }

    /// Stores and signals a bot message. A string `metadata.streamId` makes it
    /// the end of a streamed reply: `message_stream_complete` goes out first.
    pub fn bot_message(
        &mut self,
        conv: &str,
        conv_canonical: &str,
        payload: MessagePayload,
        metadata: Option<JsonObject>,
    ) -> ApiResult<()> {
        let (id, ms) = self.insert_message(conv, BOT_ID, &payload, metadata.as_ref())?;
        let message = Message {
            id,
            created_at: iso(ms),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            payload,
            metadata,
        };
        if let Some(stream_id) = message.metadata.as_ref().and_then(|m| m.get("streamId")).and_then(Value::as_str) {
            let s = Signal::MessageStreamComplete(MessageStreamComplete {
                stream_id: stream_id.to_string(),
                message: message.clone(),
            });
            self.publish(conv, &s);
        }
        self.publish(conv, &Signal::MessageCreated(MessageCreated::from_message(message, true)));
        Ok(())
    }

    /// Signals one chunk of a streamed bot reply (not stored).
    pub fn bot_delta(&self, conv: &str, conv_canonical: &str, stream_id: &str, sequence: u64, delta: String) {
        let s = Signal::MessageStreamDelta(MessageStreamDelta {
            stream_id: stream_id.to_string(),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            created_at: now_iso(),
            client_message_id: None,
            sequence,
            delta,
        });
        self.publish(conv, &s);
    }

    /// Signals a bot custom event (not stored, `id: null`).
    pub fn bot_event(&self, conv: &str, conv_canonical: &str, payload: JsonObject) {
        let s = Signal::EventCreated(EventCreated {
            id: None,
            created_at: now_iso(),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            payload,
            is_bot: true,
        });
        self.publish(conv, &s);
    }

    /// Publishes a signal now, or at [`Store::commit`] inside a transaction.
    fn publish(&self, conv: &str, signal: &Signal) {
        match &self.pending {
            Some(p) => p.borrow_mut().push((conv.to_string(), signal.clone())),
            None => self.hub.publish(conv, signal),
        }
    }

    /// Starts a transaction: the writes until [`Store::commit`] land together or not at all.
    pub fn begin(&mut self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.pending = Some(RefCell::default());
        Ok(())
    }

    /// Commits, then publishes the transaction's signals in order.
    pub fn commit(&mut self) -> rusqlite::Result<()> {
        let r = self.conn.execute_batch("COMMIT");
        let pending = self.pending.take().map(RefCell::into_inner).unwrap_or_default();
        if r.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.clocks.clear();
            return r;
        }
        for (conv, signal) in pending {
            self.hub.publish(&conv, &signal);
        }
        Ok(())
    }

    /// Undoes the transaction's writes; its signals are dropped.
    pub fn rollback(&mut self) {
        self.pending = None;
        self.clocks.clear();
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    /// Runs `f` in one transaction: committed when it succeeds, rolled back when it fails.
    pub fn atomic<T>(&mut self, f: impl FnOnce(&mut Store) -> ApiResult<T>) -> ApiResult<T> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                self.commit()?;
                Ok(v)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }
}
