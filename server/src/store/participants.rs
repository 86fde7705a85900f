//! addParticipant, getParticipant, removeParticipant, listParticipants.

use botpress_chat::signal::ParticipantChange;
use botpress_chat::{Signal, User};
use rusqlite::params;

use super::{parse_token, user_row, ConvRow, Page, Store, UserRow, NOT_PARTICIPANT};
use crate::error::{ApiError, ApiResult};

impl Store {
    /// addParticipant: the owner adds a user; `participant_added` goes out if it was not one already.
    pub fn add_participant(&mut self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<User> {
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
        Ok(target.to_user(user_ref))
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

    /// getParticipant: one participant of the conversation, for its owner.
    pub fn get_participant(&self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<User> {
        let user = self.require_user(claim)?;
        let c = self.require_conv(conv)?;
        self.require_owner(&c, &user)?;
        let target = self.require_member(&c, user_ref)?;
        Ok(target.to_user(user_ref))
    }

    /// removeParticipant: the owner removes another participant, whose streams on the conversation close.
    pub fn remove_participant(&mut self, claim: &str, conv: &str, user_ref: &str) -> ApiResult<()> {
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
        Ok(())
    }

    /// listParticipants: one page of a conversation's participants after `token`, for a participant.
    pub fn list_participants(&self, claim: &str, conv: &str, token: Option<&str>) -> ApiResult<Page<User>> {
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
        let page = self.page(rows);
        Ok(Page { items: page.items.iter().map(|u| u.to_user(u.canonical())).collect(), next_token: page.next_token })
    }
}
