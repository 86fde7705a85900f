//! createConversation, getConversation, getOrCreateConversation,
//! deleteConversation, listConversations, and the listener check.

use botpress_chat::model::validate_fid;
use botpress_chat::Conversation;
use rusqlite::params;

use super::{conv_row, parse_token, ConvRow, Page, Store, UserRow, BOT_ID, NOT_PARTICIPANT};
use crate::error::{ApiError, ApiResult};
use crate::util::{new_id, now_iso};

impl Store {
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

    /// createConversation for the user `claim`, with an optional id of its choosing.
    pub fn create_conversation(&mut self, claim: &str, id: Option<&str>) -> ApiResult<Conversation> {
        let user = self.require_user(claim)?;
        if let Some(fid) = id {
            validate_fid(fid).map_err(ApiError::invalid)?;
            if self.conv_by_ref(fid)?.is_some() {
                return Err(ApiError::exists(format!("Conversation with id {fid} already exists")));
            }
        }
        let c = self.insert_conversation(&user, id)?;
        Ok(c.to_conversation(c.canonical()))
    }

    /// getConversation: only for a participant.
    pub fn get_conversation(&self, claim: &str, id: &str) -> ApiResult<Conversation> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(id)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        Ok(c.to_conversation(id))
    }

    /// getOrCreateConversation: the conversation with id `id`, created for `claim` if it does not exist;
    /// only its owner gets an existing one.
    pub fn get_or_create_conversation(&mut self, claim: &str, id: &str) -> ApiResult<Conversation> {
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
        Ok(c.to_conversation(id))
    }

    /// deleteConversation: only by its owner; removes its participants, messages and events and closes its streams.
    pub fn delete_conversation(&mut self, claim: &str, id: &str) -> ApiResult<()> {
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
        Ok(())
    }

    /// listConversations: the conversations `claim` takes part in, one page after `token`.
    pub fn list_conversations(&self, claim: &str, token: Option<&str>) -> ApiResult<Page<Conversation>> {
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
        let page = self.page(rows);
        let items = page.items.iter().map(|c| c.to_conversation(c.canonical())).collect();
        Ok(Page { items, next_token: page.next_token })
    }

    /// Checks a listener: returns the conversation's and the user's internal ids.
    pub fn listen_check(&self, claim: &str, id: &str) -> ApiResult<(String, String)> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(id)?;
        self.require_participant(&c, &user, NOT_PARTICIPANT)?;
        Ok((c.id, user.id))
    }
}
