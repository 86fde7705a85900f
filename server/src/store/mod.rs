//! Storage: SQLite (in memory or in a file) and the API operations on it,
//! one file per resource (`users`, `conversations`, `participants`,
//! `messages`, `events`, and the echo bot's writes in `bot`).
//!
//! An operation checks the caller's rights, writes, and queues its signals;
//! run inside [`Store::atomic`] (as every API operation is) its writes land in
//! one transaction and its signals go out when it commits, in order, before
//! the store's lock is released. Operations answer model values
//! ([`User`], [`Message`], [`Page`]…): the routes render them as JSON.

mod bot;
mod conversations;
mod events;
mod messages;
mod participants;
mod users;

use botpress_chat::model::JsonObject;
use botpress_chat::{Conversation, MessagePayload, Signal, User};
use rusqlite::{params, Connection, OptionalExtension};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::util::{now_iso, now_ms};

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
    /// Internal id.
    pub id: String,
    /// The id the caller chose, if it chose one.
    pub fid: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// URL of the user's picture.
    pub picture_url: Option<String>,
    /// Free text about the user.
    pub profile: Option<String>,
    /// Creation time (ISO 8601).
    pub created_at: String,
    /// Last update time (ISO 8601).
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
    /// Internal id.
    pub id: String,
    /// The id the caller chose, if it chose one.
    pub fid: Option<String>,
    /// Internal id of the user who created it.
    pub owner: String,
    /// Creation time (ISO 8601).
    pub created_at: String,
    /// Last update time (ISO 8601).
    pub updated_at: String,
}

impl ConvRow {
    /// The id callers know: the caller-chosen id, else the internal one.
    pub fn canonical(&self) -> &str {
        self.fid.as_deref().unwrap_or(&self.id)
    }
    fn to_conversation(&self, id: &str) -> Conversation {
        Conversation { id: id.to_string(), created_at: self.created_at.clone(), updated_at: self.updated_at.clone() }
    }
}

/// One page of a list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items, in order.
    pub items: Vec<T>,
    /// The token of the next page; `None` on the last one.
    pub next_token: Option<String>,
}

/// Work for the echo bot after an operation.
#[derive(Debug, Clone)]
pub enum BotJob {
    /// Reply to a message.
    Reply {
        /// The conversation's internal id.
        conv: String,
        /// The message's payload.
        payload: MessagePayload,
        /// The message's metadata.
        metadata: Option<JsonObject>,
    },
    /// Answer an event.
    Event {
        /// The conversation's internal id.
        conv: String,
        /// The event's data.
        payload: JsonObject,
    },
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

/// The server's data: users, conversations, participants, messages and events in SQLite,
/// with the hub that publishes their signals.
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

    /// The hub that carries this store's signals.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// A stored setting; `init` is stored and returned the first time.
    pub fn setting_or_init(&self, name: &str, init: &str) -> rusqlite::Result<String> {
        self.conn.execute("INSERT OR IGNORE INTO settings(name, value) VALUES(?1, ?2)", [name, init])?;
        self.conn.query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| r.get(0))
    }

    // ----- lookups ---------------------------------------------------------

    /// A user by caller-chosen id, else by internal id (PROTOCOL.md §3.4).
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

    /// A conversation by its caller-chosen or internal id.
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

    /// Whether `user` (internal id) takes part in `conv` (internal id).
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

    /// A page from `page_size + 1` rows keyed by their sequence number.
    fn page<T>(&self, mut rows: Vec<(i64, T)>) -> Page<T> {
        let next_token = if rows.len() > self.page_size {
            rows.truncate(self.page_size);
            rows.last().map(|r| page_token(r.0))
        } else {
            None
        };
        Page { items: rows.into_iter().map(|(_, t)| t).collect(), next_token }
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
