//! createMessage, listMessages, getMessage, deleteMessage, and the storage of
//! messages and events shared with the bot and `events`.

use botpress_chat::model::JsonObject;
use botpress_chat::signal::{MessageCreated, MessageDeleted};
use botpress_chat::{Message, MessagePayload, Signal};
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::{parse_object, parse_payload, parse_token, BotJob, ItemRow, Page, Store, NOT_PARTICIPANT};
use crate::error::{ApiError, ApiResult};
use crate::util::{iso, new_id};

impl Store {
    pub(super) fn insert_message(
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

    /// createMessage: stores the message, publishes `message_created` and returns the bot's job.
    pub fn create_message(
        &mut self,
        claim: &str,
        conv: &str,
        payload: MessagePayload,
        metadata: Option<JsonObject>,
    ) -> ApiResult<(Message, BotJob)> {
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
        Ok((message, job))
    }

    /// listMessages: one page of a conversation's messages after `token`, for a participant.
    pub fn list_messages(&self, claim: &str, conv: &str, token: Option<&str>) -> ApiResult<Page<Message>> {
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
        Ok(self.page(rows))
    }

    /// A message or event row, or 404 `Message "<id>" not found` /
    /// `Event "<id>" not found`.
    pub(super) fn load_item(&self, table: &str, id: &str) -> ApiResult<ItemRow> {
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
    pub(super) fn load_readable_item(&self, claim: &str, table: &str, id: &str, forbidden: &str) -> ApiResult<ItemRow> {
        let user = self.require_user(claim)?;
        let row = self.load_item(table, id)?;
        if !self.is_participant(&row.0, &user.id)? {
            return Err(ApiError::forbidden(forbidden));
        }
        Ok(row)
    }

    /// getMessage: only for a participant of its conversation.
    pub fn get_message(&self, claim: &str, id: &str) -> ApiResult<Message> {
        let (_, _, conv_c, author_c, mid, payload, metadata, ms) =
            self.load_readable_item(claim, "messages", id, "You are not a participant in this message's conversation")?;
        Ok(Message {
            id: mid,
            created_at: iso(ms),
            conversation_id: conv_c,
            user_id: author_c,
            payload: parse_payload(&payload),
            metadata: parse_object(metadata),
        })
    }

    /// deleteMessage: only by its sender; publishes `message_deleted`.
    pub fn delete_message(&mut self, claim: &str, id: &str) -> ApiResult<()> {
        let user = self.require_user(claim)?;
        let (conv, author, conv_c, author_c, mid, ..) = self.load_item("messages", id)?;
        if author != user.id {
            return Err(ApiError::forbidden("You are not the sender of this message"));
        }
        self.conn.prepare_cached("DELETE FROM messages WHERE id = ?1")?.execute([&mid])?;
        let signal = Signal::MessageDeleted(MessageDeleted { id: mid, conversation_id: conv_c, user_id: author_c });
        self.publish(&conv, &signal);
        Ok(())
    }
}
