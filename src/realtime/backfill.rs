//! Exactly-once delivery across reconnects: which `message_created` signals
//! were delivered, and which listed messages a backfill must still deliver.

use std::collections::HashSet;

use crate::model::Message;
use crate::signal::MessageCreated;

/// A listed message as backfills see it: its id, creation time and author.
pub trait Listed {
    fn id(&self) -> &str;
    fn created_at(&self) -> &str;
    fn user_id(&self) -> &str;
}

impl Listed for Message {
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

impl<M: Listed> Listed for &M {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn created_at(&self) -> &str {
        (**self).created_at()
    }
    fn user_id(&self) -> &str {
        (**self).user_id()
    }
}

/// How many recent message ids are remembered for de-duplication.
pub const DEFAULT_SEEN_CAPACITY: usize = 4096;

/// The newest delivered message: backfills deliver what is newer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub created_at: String,
    pub id: String,
}

/// Tracks delivered messages (bounded) and the watermark.
#[derive(Debug, Clone)]
pub struct Delivered {
    last: Option<Watermark>,
    seen: HashSet<String>,
    /// The remembered ids as a ring: `order[next]` is the oldest once full.
    order: Vec<String>,
    next: usize,
    capacity: usize,
}

impl Default for Delivered {
    fn default() -> Self {
        Delivered::with_capacity(DEFAULT_SEEN_CAPACITY)
    }
}

impl Delivered {
    pub fn with_capacity(capacity: usize) -> Self {
        Delivered { last: None, seen: HashSet::new(), order: Vec::new(), next: 0, capacity: capacity.max(1) }
    }

    /// The newest message delivered (or primed) so far.
    pub fn watermark(&self) -> Option<&Watermark> {
        self.last.as_ref()
    }

    /// Whether a message id was already delivered (among the remembered ones).
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// Records a message; `false` if it was already delivered (drop it).
    pub fn observe(&mut self, id: &str, created_at: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() < self.capacity {
            self.order.push(id.to_string());
        } else {
            let old = std::mem::replace(&mut self.order[self.next], id.to_string());
            self.seen.remove(&old);
            self.next = (self.next + 1) % self.capacity;
        }
        self.seen.insert(id.to_string());
        let newer = match &self.last {
            None => true,
            Some(w) => created_at >= w.created_at.as_str(),
        };
        if newer {
            self.last = Some(Watermark { created_at: created_at.to_string(), id: id.to_string() });
        }
        true
    }

    /// Marks the messages that existed when listening started as delivered
    /// (they are history, not news), so a later backfill starts after them.
    pub fn prime<M: Listed>(&mut self, existing: &[M]) {
        let mut sorted: Vec<&M> = existing.iter().collect();
        if is_descending(&sorted) {
            sorted.reverse();
        }
        sort_by_creation(&mut sorted);
        let skip = sorted.len().saturating_sub(self.capacity);
        for m in &sorted[skip..] {
            self.observe(m.id(), m.created_at());
        }
    }

    /// Whether listing can stop after this page: the page is newest first and
    /// already reaches messages older than the watermark. (Oldest-first
    /// listings must be read to the end.)
    pub fn page_reaches_watermark<M: Listed>(&self, page: &[M]) -> bool {
        let Some(w) = &self.last else { return false };
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return false;
        };
        let descending = page.windows(2).all(|p| p[0].created_at() >= p[1].created_at());
        descending && first.created_at() > last.created_at() && last.created_at() < w.created_at.as_str()
    }

    /// Picks from listed messages those a backfill must deliver: newer than
    /// the watermark (or as old, and not delivered), not delivered, in
    /// creation order (stable for equal timestamps: listing order, once the
    /// listing is put oldest first). Marks them delivered. `own_user_id`
    /// decides `isBot`. Without a watermark every undelivered message is new.
    pub fn backfill(&mut self, listed: Vec<Message>, own_user_id: &str) -> Vec<MessageCreated> {
        self.backfill_items(listed, own_user_id)
            .into_iter()
            .map(|(m, is_bot)| MessageCreated::from_message(m, is_bot))
            .collect()
    }

    /// [`backfill`](Self::backfill) for any listed message type: the
    /// messages to deliver, each with its `isBot`.
    pub fn backfill_items<M: Listed>(&mut self, listed: Vec<M>, own_user_id: &str) -> Vec<(M, bool)> {
        let mut listed = listed;
        if is_descending(&listed) {
            listed.reverse();
        }
        sort_by_creation(&mut listed);
        let floor = self.last.clone();
        let mut out = Vec::new();
        for m in listed {
            let new = match &floor {
                None => true,
                Some(w) => m.created_at() >= w.created_at.as_str(),
            };
            if new && self.observe(m.id(), m.created_at()) {
                let is_bot = m.user_id() != own_user_id;
                out.push((m, is_bot));
            }
        }
        out
    }
}

/// A newest-first listing (not all timestamps equal).
fn is_descending<M: Listed>(v: &[M]) -> bool {
    v.len() > 1
        && v.windows(2).all(|p| p[0].created_at() >= p[1].created_at())
        && v[0].created_at() != v[v.len() - 1].created_at()
}

/// Stable insertion sort by `createdAt`: listings arrive (nearly) in order,
/// so this is linear in practice, and far smaller in wasm than `sort_by`.
fn sort_by_creation<M: Listed>(v: &mut [M]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1].created_at() > v[j].created_at() {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessagePayload;

    fn msg(id: &str, at: &str, user: &str) -> Message {
        Message {
            id: id.into(),
            created_at: format!("2025-01-01T00:00:{at}.000Z"),
            conversation_id: "c".into(),
            user_id: user.into(),
            payload: MessagePayload::text(id),
            metadata: None,
        }
    }

    fn ids(v: &[MessageCreated]) -> Vec<&str> {
        v.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn delivers_only_missed_messages_in_order_once() {
        let mut d = Delivered::default();
        let m1 = msg("m1", "01", "me");
        assert!(d.observe(&m1.id, &m1.created_at));
        assert!(!d.observe(&m1.id, &m1.created_at));
        let listed = vec![m1.clone(), msg("m3", "03", "bot"), msg("m2", "02", "me")];
        let out = d.backfill(listed.clone(), "me");
        assert_eq!(ids(&out), ["m2", "m3"]);
        assert!(!out[0].is_bot && out[1].is_bot);
        assert!(d.backfill(listed, "me").is_empty(), "second backfill delivers nothing");
        // A live duplicate after the backfill is dropped.
        assert!(!d.observe("m3", "2025-01-01T00:00:03.000Z"));
        assert_eq!(d.watermark().unwrap().id, "m3");
    }

    #[test]
    fn equal_timestamps_are_deduplicated_by_id() {
        let mut d = Delivered::default();
        d.observe("a", "2025-01-01T00:00:05.000Z");
        let out =
            d.backfill(vec![msg("z", "04", "u"), msg("a", "05", "u"), msg("b", "05", "u"), msg("c", "05", "u")], "u");
        assert_eq!(ids(&out), ["b", "c"]);
    }

    #[test]
    fn newest_first_listings_are_reordered_and_can_stop_early() {
        let mut d = Delivered::default();
        d.observe("m2", "2025-01-01T00:00:02.000Z");
        let page = vec![msg("m5", "05", "u"), msg("m4", "04", "u"), msg("m1", "01", "u")];
        assert!(d.page_reaches_watermark(&page));
        assert!(!d.page_reaches_watermark(&[msg("m1", "01", "u"), msg("m5", "05", "u")]));
        assert_eq!(ids(&d.backfill(page, "u")), ["m4", "m5"]);
    }

    #[test]
    fn priming_hides_history() {
        let mut d = Delivered::default();
        d.prime(&[msg("h1", "01", "u"), msg("h2", "02", "u")]);
        let out = d.backfill(vec![msg("h1", "01", "u"), msg("h2", "02", "u"), msg("n", "03", "u")], "me");
        assert_eq!(ids(&out), ["n"]);
        let mut fresh = Delivered::default();
        assert_eq!(fresh.backfill(vec![msg("x", "01", "u")], "u").len(), 1);
    }

    #[test]
    fn memory_is_bounded() {
        let mut d = Delivered::with_capacity(10);
        for i in 0..100 {
            d.observe(&format!("m{i}"), &format!("2025-01-01T00:{i:02}:00.000Z"));
        }
        assert!(d.contains("m99") && !d.contains("m0"));
        assert_eq!(d.order.len(), 10);
    }
}
