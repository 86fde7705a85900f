//! createEvent, getEvent.

use botpress_chat::model::JsonObject;
use botpress_chat::signal::EventCreated;
use botpress_chat::{Event, Signal};
use rusqlite::params;
use serde_json::Value;

use super::{BotJob, Store};
use crate::error::ApiResult;
use crate::util::{iso, new_id};

impl Store {
    /// createEvent: stores the event, publishes `event_created` and returns the bot's job.
    pub fn create_event(&mut self, claim: &str, conv: &str, payload: JsonObject) -> ApiResult<(Event, BotJob)> {
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
        Ok((event, job))
    }

    /// getEvent: only for a participant of its conversation.
    pub fn get_event(&self, claim: &str, id: &str) -> ApiResult<Event> {
        let (_, _, conv_c, author_c, eid, payload, _, ms) =
            self.load_readable_item(claim, "events", id, "You are not a participant in this event's conversation")?;
        Ok(Event {
            id: eid,
            created_at: iso(ms),
            conversation_id: conv_c,
            user_id: author_c,
            payload: serde_json::from_str(&payload).unwrap_or_default(),
        })
    }
}
