//! Exactly-once delivery across reconnects: which `message_created` signals
//! were delivered, and which listed messages a backfill must still deliver.
//!
//! A listener goes live first and lists afterwards, so a listing may hold
//! messages created after it went live whose signals are still on their way.
//! Signals of one conversation arrive in creation order, which tells the two
//! apart: in a listing taken once live, every message before the first one
//! received live is history (created before the subscription, never
//! delivered), and every message from it on is news. Until a listed message
//! arrives live, the listing's tail counts as history; the first of them that
//! does arrive shows that it and all after it were news (see
//! [`Delivered::baseline`]).

use crate::realtime::idset::IdSet;

use crate::model::Message;
use crate::signal::MessageCreated;

/// A listed message as backfills see it: its id, creation time and author.
pub trait Listed {
    /// The message's id.
    fn id(&self) -> &str;
    /// When it was created (ISO 8601).
    fn created_at(&self) -> &str;
    /// The author's user id.
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
    /// Creation time of the newest delivered message (ISO 8601).
    pub created_at: String,
    /// The id of that message.
    pub id: String,
}

/// Where a listener's delivery starts (`since`): after a message, or after
/// a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// After this message (by id): the messages created after it, ties in
    /// `createdAt` ordered as the server lists them.
    Message(String),
    /// After this time, in milliseconds since the Unix epoch: the messages
    /// whose `createdAt` is later (a `createdAt` that is not an ISO 8601
    /// time counts as later: delivered rather than lost).
    Time(i64),
}

impl Since {
    /// Reads a `since` string, the one rule for Rust and JS: an ISO 8601
    /// time with seconds (`2025-01-31T12:00:00Z`; a fraction, and an offset
    /// instead of `Z`, allowed: [`iso_ms`]) or else a message id.
    pub fn parse(text: &str) -> Since {
        match iso_ms(text) {
            Some(ms) => Since::Time(ms),
            None => Since::Message(text.to_string()),
        }
    }
}

/// Milliseconds since the Unix epoch in the API's form
/// (`2025-01-31T12:00:00.000Z`): the tests' `createdAt`s.
#[cfg(test)]
pub(crate) fn iso_string(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (the inverse of days_from_civil).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// An ISO 8601 date-time (`YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]`) in
/// milliseconds since the Unix epoch; `None` for anything else.
pub fn iso_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day, h, m, s) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..3 {
            millis *= 10;
        }
    }
    let offset_min = match b.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] if b.len() == at + 6 && b[at + 3] == b':' => {
            let minutes = num(at + 1, 2)? * 60 + num(at + 4, 2)?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = crate::protocol::http::days_from_civil(year, month as u32, day as u32);
    Some(((days * 86_400 + h * 3600 + m * 60 + s) - offset_min * 60) * 1000 + millis)
}

/// Tracks delivered messages (bounded) and the watermark.
#[derive(Debug, Clone)]
pub struct Delivered {
    last: Option<Watermark>,
    /// Listed messages taken as history (id, `createdAt`), oldest first,
    /// bounded: the tail of the baseline listing not yet proven news.
    history: Vec<(String, String)>,
    seen: IdSet,
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
    /// Bookkeeping that remembers the last `capacity` message ids.
    pub fn with_capacity(capacity: usize) -> Self {
        Delivered {
            last: None,
            history: Vec::new(),
            seen: IdSet::default(),
            order: Vec::new(),
            next: 0,
            capacity: capacity.max(1),
        }
    }

    /// The newest message delivered (or primed) so far.
    pub fn watermark(&self) -> Option<&Watermark> {
        self.last.as_ref()
    }

    /// Whether a listed message is taken as history (never to be delivered).
    pub fn is_history(&self, id: &str) -> bool {
        self.history.iter().any(|(h, _)| h == id)
    }

    /// Where a message created at `created_at` stands in the history, if
    /// there. The history is in creation order, so a message newer than its
    /// last entry (every live message once history is behind) costs one
    /// comparison, not a scan.
    fn history_position(&self, id: &str, created_at: &str) -> Option<usize> {
        let (_, newest) = self.history.last()?;
        if created_at > newest.as_str() {
            return None;
        }
        self.history.iter().position(|(h, _)| h == id)
    }

    /// Whether a message id was already delivered (among the remembered ones).
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// Records a message; `false` if it was already delivered (drop it). A
    /// message taken as history that arrives after all was news, and so is
    /// every history message listed after it.
    pub fn observe(&mut self, id: &str, created_at: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if let Some(i) = self.history_position(id, created_at) {
            self.history.truncate(i);
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

    /// Takes the first listing made once live (without `since`) as the
    /// baseline: the messages before the first one already delivered live are
    /// history; if none was delivered yet, all of them are, until one arrives
    /// live ([`observe`](Self::observe) then moves it and those after it back
    /// to news). `own`: messages this client created while the listener was
    /// starting (see [`sends`](crate::realtime::sends)); the first of them
    /// and every one after it are news too. Follow with
    /// [`backfill_items`](Self::backfill_items) on the same listing, which
    /// delivers the news not yet delivered.
    pub fn baseline<M: Listed>(&mut self, listed: &[M], own: &[String]) {
        let mut sorted: Vec<&M> = listed.iter().collect();
        if is_descending(&sorted) {
            sorted.reverse();
        }
        sort_by_creation(&mut sorted);
        let end = sorted.iter().position(|m| self.seen.contains(m.id())).unwrap_or(sorted.len());
        let end = sorted[..end].iter().position(|m| own.iter().any(|id| id == m.id())).unwrap_or(end);
        let skip = end.saturating_sub(self.capacity);
        self.history = sorted[skip..end].iter().map(|m| (m.id().to_string(), m.created_at().to_string())).collect();
    }

    /// With `since`: from a complete listing made once live, the messages
    /// after `since` not yet delivered, oldest first (ties in listing order),
    /// each with its `isBot`; they and everything before them are marked
    /// delivered. `Err` names why when `since` is a message id the listing
    /// does not hold (deleted, or never in this conversation).
    pub fn start_after<M: Listed>(
        &mut self,
        listed: Vec<M>,
        since: &Since,
        own_user_id: &str,
    ) -> Result<Vec<(M, bool)>, String> {
        let mut listed = listed;
        if is_descending(&listed) {
            listed.reverse();
        }
        sort_by_creation(&mut listed);
        let start = match since {
            Since::Message(id) => match listed.iter().position(|m| m.id() == id) {
                Some(i) => i + 1,
                None => return Err(format!("since: the conversation has no message {id} (deleted, or unknown)")),
            },
            Since::Time(at) => {
                listed.iter().position(|m| iso_ms(m.created_at()).map_or(true, |t| t > *at)).unwrap_or(listed.len())
            }
        };
        let news = listed.split_off(start);
        let skip = listed.len().saturating_sub(self.capacity);
        for m in &listed[skip..] {
            self.observe(m.id(), m.created_at());
        }
        let mut out = Vec::new();
        for m in news {
            if self.observe(m.id(), m.created_at()) {
                let is_bot = m.user_id() != own_user_id;
                out.push((m, is_bot));
            }
        }
        Ok(out)
    }

    /// The oldest `createdAt` a backfill can still deliver: the newest
    /// delivered message's, or the newest history message's if later.
    fn floor(&self) -> Option<&str> {
        let last = self.last.as_ref().map(|w| w.created_at.as_str());
        let history = self.history.last().map(|(_, at)| at.as_str());
        match (last, history) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether listing can stop after this page: the page is newest first and
    /// already reaches messages older than the watermark. (Oldest-first
    /// listings must be read to the end.)
    pub fn page_reaches_watermark<M: Listed>(&self, page: &[M]) -> bool {
        let Some(floor) = self.floor() else { return false };
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return false;
        };
        let descending = page.windows(2).all(|p| p[0].created_at() >= p[1].created_at());
        descending && first.created_at() > last.created_at() && last.created_at() < floor
    }

    /// Picks from listed messages those a backfill must deliver: not older
    /// than the watermark or the newest history message, not delivered, not
    /// history, in creation order (stable for equal timestamps: listing
    /// order, once the listing is put oldest first). Marks them delivered.
    /// `own_user_id` decides `isBot`. Without a watermark or history every
    /// undelivered message is new.
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
        let floor = self.floor().map(str::to_string);
        let mut out = Vec::new();
        for m in listed {
            let new = match &floor {
                None => true,
                Some(f) => m.created_at() >= f.as_str(),
            };
            if new && self.history_position(m.id(), m.created_at()).is_none() && self.observe(m.id(), m.created_at()) {
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
    fn baseline_splits_history_from_news_at_the_first_live_message() {
        // Listed once live: h1, h2 existed before; p1, p2 were created after, p1 already arrived.
        let mut d = Delivered::default();
        assert!(d.observe("p1", "2025-01-01T00:00:03.000Z"));
        let listing = vec![msg("h1", "01", "u"), msg("h2", "02", "u"), msg("p1", "03", "u"), msg("p2", "04", "u")];
        d.baseline(&listing, &[]);
        assert!(d.is_history("h2") && !d.is_history("p2"));
        assert_eq!(ids(&d.backfill(listing, "me")), ["p2"], "news of the listing not yet delivered");
        assert!(!d.observe("p2", "2025-01-01T00:00:04.000Z"), "its live signal is a duplicate");
    }

    #[test]
    fn history_that_arrives_live_was_news() {
        let mut d = Delivered::default();
        let listing = vec![msg("h1", "01", "u"), msg("p1", "02", "u"), msg("p2", "03", "u")];
        d.baseline(&listing, &[]);
        assert!(d.backfill(listing.clone(), "me").is_empty(), "nothing is known to be news yet");
        // p1's signal was in flight: it and p2 are news after all.
        assert!(d.observe("p1", "2025-01-01T00:00:02.000Z"));
        assert!(d.is_history("h1") && !d.is_history("p2"));
        // The connection drops before p2 arrives: the next backfill delivers it.
        let out = d.backfill(
            vec![msg("h1", "01", "u"), msg("p1", "02", "u"), msg("p2", "03", "u"), msg("n", "04", "u")],
            "me",
        );
        assert_eq!(ids(&out), ["p2", "n"]);
    }

    #[test]
    fn start_after_a_message_or_a_time() {
        let listing = || vec![msg("a", "01", "me"), msg("b", "02", "bot"), msg("c", "02", "me"), msg("d", "03", "bot")];
        let mut d = Delivered::default();
        let out = d.start_after(listing(), &Since::Message("b".into()), "me").unwrap();
        assert_eq!(out.iter().map(|(m, bot)| (m.id.as_str(), *bot)).collect::<Vec<_>>(), [("c", false), ("d", true)]);
        assert!(!d.observe("b", "2025-01-01T00:00:02.000Z"), "what precedes since counts as delivered");
        let mut d = Delivered::default();
        let out = d.start_after(listing(), &Since::parse("2025-01-01T00:00:02Z"), "me").unwrap();
        assert_eq!(out.iter().map(|(m, _)| m.id.as_str()).collect::<Vec<_>>(), ["d"]);
        // A time between two listed messages, not written as they are.
        let out =
            Delivered::default().start_after(listing(), &Since::parse("2025-01-01T01:00:01.5+01:00"), "me").unwrap();
        assert_eq!(out.iter().map(|(m, _)| m.id.as_str()).collect::<Vec<_>>(), ["b", "c", "d"]);
        // A createdAt that is not a time is delivered rather than lost.
        let mut odd = listing();
        odd[3].created_at = "later".into();
        let out = Delivered::default().start_after(odd, &Since::parse("2025-01-01T00:00:02Z"), "me").unwrap();
        assert_eq!(out.iter().map(|(m, _)| m.id.as_str()).collect::<Vec<_>>(), ["d"]);
        let e = Delivered::default().start_after(listing(), &Since::Message("gone".into()), "me").unwrap_err();
        assert!(e.contains("gone"), "{e}");
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(iso_ms("1970-01-01T01:00:00.123456+01:00"), Some(123));
        assert_eq!(iso_ms("2025-01-31T12:00:00.000Z"), iso_ms("2025-01-31T07:00:00-05:00"));
        for bad in
            ["", "msg_01ABC", "2025-13-01T00:00:00Z", "2025-01-01T00:00:00", "2025-01-01T00:00:00.Z", "2025-01-01"]
        {
            assert_eq!(iso_ms(bad), None, "{bad}");
        }
        assert_eq!(Since::parse("msg_1"), Since::Message("msg_1".into()));
        assert_eq!(Since::parse("2025-01-31T07:00:00-05:00"), Since::Time(1_738_324_800_000));
        assert_eq!(Since::parse("2025-01-31T12:00Z"), Since::Message("2025-01-31T12:00Z".into()));
        for ms in [0, 1, 951_782_400_000, 1_738_324_800_123, 4_102_444_799_999] {
            assert_eq!(iso_ms(&iso_string(ms)), Some(ms), "{ms}");
        }
        assert_eq!(iso_string(1_738_324_800_123), "2025-01-31T12:00:00.123Z");
        // Every field zero-padded to its width, at both ends of the form's years.
        for t in ["0000-01-01T00:00:00.000Z", "0999-03-04T05:06:07.089Z", "9999-12-31T23:59:59.999Z"] {
            assert_eq!(iso_string(iso_ms(t).unwrap()), t);
        }
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
