//! Exactly-once `createMessage`: the rules the client follows after a send
//! fails (the client runs them, [`Client`](crate::client::Client)'s
//! `createMessage`).
//!
//! The Chat API has no idempotency key, so a send that fails after the
//! request may have reached the server leaves the caller not knowing whether
//! the message exists. The client finds out with the API as it is:
//!
//! - [`after_error`] says what a failed attempt means: nothing reached the
//!   server (429: send again after a pause), the outcome is unknown (a
//!   timeout, a network failure — a refused connection too, which a browser
//!   cannot tell from a reset —, 502/503/504 from a proxy: check first), or
//!   the failure is the answer (any other status, the caller's abort).
//! - [`Sending`] is these rules as a state machine: each [`Step`] is one I/O
//!   the client makes (its `OnceSend`), and what came of it is the next
//!   [`Input`].
//! - The check lists the conversation's messages and [`look`]s for one from
//!   this user with the same payload and metadata, created after the send
//!   began (by the server's clock, see [`Probe::after_ms`]), that no other
//!   send of this client resolved with. Found: the call resolves with it.
//!   Absent, once the listing has shown every message since the send began
//!   (a newest-first listing that reaches back before it, or the last page of
//!   an oldest-first one): the message was not created, so it is sent again.
//!   The check reads page after page within the call's timeout; when the time
//!   runs out first (a busy conversation, a slow server), the outcome stays
//!   unknown and the call fails with
//!   [`ErrorKind::UnknownOutcome`] — never
//!   a silent second message.
//!
//! Sends of one client to one conversation go one at a time, in call order
//! (so a check never sees the message of a send still in flight, and order
//! survives waiting out an outage). Identical sends made on purpose each
//! create their message: a match is claimed by one send only.

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// How much earlier than the send's start (by the estimated server clock) a
/// message may be dated and still be the send's: the estimate's error.
pub const CLOCK_MARGIN_MS: f64 = 1_000.0;

/// How far the client's clock is assumed to run ahead of the server's before
/// the client has created a message (which tells it the difference).
pub const UNKNOWN_SKEW_MS: f64 = 5_000.0;

/// How often a send waiting for the network looks again.
pub const POLL_MS: u32 = 20;

/// How often a send waiting for its turn looks at the caller's signal.
pub const TURN_LOOK_MS: u32 = 250;

/// How long a send waits for a listener that cannot reach the server to
/// reconnect before trying anyway (and never more than half its timeout).
pub const LINK_WAIT_MS: f64 = 2_000.0;

/// The first pause before sending again after a failure that reached
/// nothing (doubling, up to [`MAX_PAUSE_MS`]).
pub const FIRST_PAUSE_MS: u32 = 100;

/// The longest pause between two attempts.
pub const MAX_PAUSE_MS: u32 = 2_000;

/// What to do after an attempt that did not create the message for sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing reached the server: send again (after a pause).
    Resend,
    /// The message may exist: check before sending again.
    Check,
    /// The failure is the call's answer.
    Fail,
}

/// What a failed attempt means for the message.
pub fn after_error(e: &Error) -> Next {
    match (e.kind, e.code) {
        // Refused before it was processed.
        (ErrorKind::Api(_), 429) => Next::Resend,
        // From a proxy or gateway: the server behind it may have created it.
        (ErrorKind::Api(_), 502..=504) => Next::Check,
        // No answer: the request may have reached the server. (A refused
        // connection is one too: a browser cannot tell it from a reset.)
        (ErrorKind::Network | ErrorKind::Timeout, _) => Next::Check,
        _ => Next::Fail,
    }
}

/// What a check looks for.
#[derive(Debug)]
pub struct Probe<'a> {
    /// The sender's user id.
    pub user_id: &'a str,
    /// The payload sent.
    pub payload: &'a Value,
    /// The metadata sent, if any.
    pub metadata: Option<&'a Value>,
    /// The earliest `createdAt` (ms since the epoch, server clock) the
    /// message can have: the send's start on the client's clock, moved by the
    /// estimated skew, less the margin ([`after_ms`]).
    pub after_ms: i64,
}

/// The earliest `createdAt` a send begun at `started_ms` (client clock) can
/// give its message. `skew_ms` is a lower bound of (server clock − client
/// clock) when the client knows one ([`skew_bound`]).
pub fn after_ms(started_ms: f64, skew_ms: Option<f64>) -> i64 {
    let at = match skew_ms {
        Some(skew) => started_ms + skew - CLOCK_MARGIN_MS,
        None => started_ms - UNKNOWN_SKEW_MS,
    };
    at.floor() as i64
}

/// A lower bound of (server clock − client clock) from a message the server
/// created at `created_ms`, answered at `answered_ms` on the client's clock:
/// it was created before the answer arrived.
pub fn skew_bound(created_ms: f64, answered_ms: f64) -> f64 {
    created_ms - answered_ms
}

/// What a page of the check's listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The message at this index of the page is the send's.
    Found(usize),
    /// The listing has shown every message since the send began (a
    /// newest-first page reaching back before it, or the last page) and holds
    /// no match: the message was not created.
    Absent,
    /// No match yet, and the listing has not reached back far enough.
    Further,
}

/// Looks for the send's message in one page of `listMessages` (`last`: the
/// page has no next token). `claimed` tells the ids other sends of this
/// client resolved with; `time` reads a `createdAt` ([`Host::parse_time`](crate::host::Host::parse_time)).
/// When several messages match, the oldest is taken.
pub fn look(page: &[Value], last: bool, probe: &Probe<'_>, claimed: &dyn Fn(&str) -> bool, time: Time<'_>) -> Look {
    let mut found: Option<(usize, i64)> = None;
    let mut oldest: Option<i64> = None;
    let mut descending = true;
    let mut previous: Option<i64> = None;
    for (i, m) in page.iter().enumerate() {
        let Some(at) = m["createdAt"].as_str().and_then(time) else { continue };
        let at = at as i64;
        descending &= previous.map_or(true, |p| p >= at);
        previous = Some(at);
        oldest = Some(oldest.map_or(at, |o| o.min(at)));
        if at >= probe.after_ms
            && m["userId"].as_str() == Some(probe.user_id)
            && m["id"].as_str().is_some_and(|id| !claimed(id))
            && contains(&m["payload"], probe.payload)
            && metadata_matches(m.get("metadata"), probe.metadata)
            && found.map_or(true, |(_, f)| at < f)
        {
            found = Some((i, at));
        }
    }
    if let Some((i, _)) = found {
        return Look::Found(i);
    }
    // A newest-first page that reaches an older message has shown every
    // message created since; an oldest-first listing must be read to its end.
    let reached = descending && oldest.is_some_and(|o| o < probe.after_ms);
    if last || reached {
        Look::Absent
    } else {
        Look::Further
    }
}

/// What the client does next for a send ([`Sending::next`]).
#[derive(Debug)]
pub enum Step {
    /// Wait until the sends begun earlier in the conversation are settled
    /// ([`Sends::turn`](crate::realtime::sends::Sends::turn)), then
    /// [`Input::Woke`].
    Turn,
    /// Sleep this long, then call [`Sending::next`] with [`Input::Woke`].
    Wait(u32),
    /// Send the request with this timeout; then [`Input::Failed`] unless it
    /// succeeded (a success is the call's answer).
    Send(u32),
    /// Call `getUser` with this timeout, then [`Input::User`].
    GetUser(u32),
    /// Call `listMessages` (from this page token) with this timeout, then
    /// [`Input::Page`].
    List(Option<String>, u32),
    /// The call resolves with this message (found by a check).
    Found(Value),
    /// The call fails with this error.
    Fail(Error),
}

/// What happened since the last [`Step`].
#[derive(Debug)]
pub enum Input {
    /// The start, or the end of a [`Step::Wait`] or [`Step::Turn`].
    Woke,
    /// The attempt failed: what it means, and the error it is.
    Failed(Next, Error),
    /// `getUser`'s answer.
    User(Result<Value, Error>),
    /// A `listMessages` page.
    Page(Result<Value, Error>),
}

/// What the client knows when it asks for the next step.
pub struct Env<'a> {
    /// Its clock.
    pub now_ms: f64,
    /// The platform's `online`.
    pub online: bool,
    /// A send begun earlier in the conversation is still in flight.
    pub earlier_pending: bool,
    /// A listener of the client could not reach the server when it tried to
    /// reconnect ([`Sends::link_down`](crate::realtime::sends::Sends::link_down)).
    pub link_down: bool,
    /// The caller's signal fired.
    pub aborted: bool,
    /// Whether another send of the client resolved with this message id.
    pub claimed: &'a dyn Fn(&str) -> bool,
    /// Reads a `createdAt`.
    pub time: Time<'a>,
}

/// Reads an ISO 8601 time to milliseconds since the epoch.
pub type Time<'a> = &'a dyn Fn(&str) -> Option<f64>;

/// Where a send stands: the rules of this module as a state machine that
/// the client drives (each [`Step`] is one I/O).
#[derive(Debug)]
pub struct Sending {
    /// Set when the send's turn comes: its timeout runs from then.
    deadline: Option<f64>,
    timeout_ms: u32,
    skew_ms: Option<f64>,
    payload: Value,
    metadata: Option<Value>,
    after_ms: i64,
    /// Pauses made so far (they double).
    pauses: u32,
    /// Time spent waiting for a listener's connection.
    link_waited: f64,
    /// The failure a check is settling, while one runs (or waits to retry).
    cause: Option<Error>,
    user_id: Option<String>,
}

impl Sending {
    /// A send of `payload` (and `metadata`) with `timeout_ms`, counted from
    /// its turn; `skew_ms` as for [`after_ms`].
    pub fn new(payload: Value, metadata: Option<Value>, timeout_ms: u32, skew_ms: Option<f64>) -> Self {
        Sending {
            deadline: None,
            timeout_ms,
            skew_ms,
            payload,
            metadata,
            after_ms: 0,
            pauses: 0,
            link_waited: 0.0,
            cause: None,
            user_id: None,
        }
    }

    /// The next step after `input`.
    pub fn next(&mut self, input: Input, env: &Env<'_>) -> Step {
        if env.aborted {
            return Step::Fail(Error::aborted("createMessage: the request was aborted"));
        }
        // The conversation's earlier sends go first; the timeout runs from the turn.
        if self.deadline.is_none() {
            if env.earlier_pending {
                return Step::Turn;
            }
            self.deadline = Some(env.now_ms + f64::from(self.timeout_ms));
            self.after_ms = after_ms(env.now_ms, self.skew_ms);
        }
        match input {
            Input::Woke if self.cause.is_some() => return self.check(env),
            Input::Woke => {}
            Input::Failed(Next::Fail, error) => return Step::Fail(error),
            Input::Failed(Next::Resend, error) => return self.pause(env, error),
            Input::Failed(Next::Check, error) => {
                self.cause = Some(error);
                return self.check(env);
            }
            Input::User(Ok(answer)) => {
                self.user_id = answer["user"]["id"].as_str().map(String::from);
                return self.check(env);
            }
            Input::Page(Ok(page)) => {
                let last = crate::api::next_token(&page);
                let items = page.get("messages").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                let probe = Probe {
                    user_id: self.user_id.as_deref().unwrap_or_default(),
                    payload: &self.payload,
                    metadata: self.metadata.as_ref(),
                    after_ms: self.after_ms,
                };
                match look(items, last.is_none(), &probe, env.claimed, env.time) {
                    Look::Found(i) => return Step::Found(items[i].clone()),
                    // Not created: send it (again).
                    Look::Absent => self.cause = None,
                    Look::Further => match self.left(env) {
                        0 => return self.unknown("the listing did not reach back to the send in time"),
                        left => return Step::List(last, left),
                    },
                }
            }
            Input::User(Err(e)) | Input::Page(Err(e)) => {
                // A check that failed on the way is tried again within the time left.
                let passing =
                    matches!(e.kind, ErrorKind::Network | ErrorKind::Timeout) || e.code >= 500 || e.code == 429;
                return if passing { self.pause(env, e) } else { self.unknown(&e.message) };
            }
        }
        // Ready to send: an outage is waited out.
        // A listener that cannot reach the server delays the send a little:
        // at most LINK_WAIT_MS and half the send's time, then it is tried.
        let link = env.link_down && self.link_waited < LINK_WAIT_MS.min(f64::from(self.timeout_ms) / 2.0);
        if !env.online || link {
            if env.now_ms >= self.deadline() {
                let ms = self.timeout_ms;
                return Step::Fail(Error::timeout(format!("createMessage: waited for the network for {ms} ms")));
            }
            if link {
                self.link_waited += f64::from(POLL_MS);
            }
            return Step::Wait(POLL_MS);
        }
        // A third of the time left stays for a check.
        Step::Send((self.left(env) as f64 * 2.0 / 3.0).max(1.0) as u32)
    }

    /// The check's next call: the user's id first.
    fn check(&mut self, env: &Env<'_>) -> Step {
        let left = self.left(env);
        if left == 0 {
            return self.unknown("there was no time left to check");
        }
        match self.user_id {
            None => Step::GetUser(left),
            Some(_) => Step::List(None, left),
        }
    }

    /// A pause before trying again (a send, or a check while `cause` is
    /// set); `error` is the answer if the time left does not allow it.
    fn pause(&mut self, env: &Env<'_>, error: Error) -> Step {
        let pause = (FIRST_PAUSE_MS << self.pauses.min(4)).min(MAX_PAUSE_MS);
        self.pauses += 1;
        if env.now_ms + f64::from(pause) < self.deadline() {
            return Step::Wait(pause);
        }
        match self.cause {
            Some(_) => self.unknown(&error.message),
            None => Step::Fail(error),
        }
    }

    fn left(&self, env: &Env<'_>) -> u32 {
        (self.deadline() - env.now_ms).max(0.0) as u32
    }

    fn deadline(&self) -> f64 {
        self.deadline.unwrap_or(f64::INFINITY)
    }

    /// The call's end when the outcome stays unknown (`why`: the check's failure).
    fn unknown(&mut self, why: &str) -> Step {
        let cause = self.cause.take().map(|e| e.message).unwrap_or_default();
        Step::Fail(Error::unknown_outcome(format!(
            "createMessage: the message may or may not have been created ({cause}); checking failed: {why}"
        )))
    }
}

/// Whether `listed` holds everything `sent` says: the same value, where a
/// listed object may carry fields the sender left out (a server may add some).
fn contains(listed: &Value, sent: &Value) -> bool {
    match (listed, sent) {
        (Value::Object(l), Value::Object(s)) => s.iter().all(|(k, v)| l.get(k).is_some_and(|lv| contains(lv, v))),
        (Value::Array(l), Value::Array(s)) => l.len() == s.len() && l.iter().zip(s).all(|(a, b)| contains(a, b)),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

/// Sent without metadata: the listed message has none (or an empty object).
fn metadata_matches(listed: Option<&Value>, sent: Option<&Value>) -> bool {
    match sent {
        Some(s) => listed.is_some_and(|l| contains(l, s)),
        None => listed.map_or(true, |l| l.is_null() || l.as_object().is_some_and(|o| o.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiErrorType;
    use crate::realtime::backfill::iso_string;
    use serde_json::json;

    const T0: i64 = 1_760_000_000_000;

    fn ms(text: &str) -> Option<f64> {
        crate::realtime::backfill::iso_ms(text).map(|v| v as f64)
    }

    fn msg(id: &str, at: i64, user: &str, text: &str) -> Value {
        json!({"id": id, "createdAt": iso_string(at), "userId": user, "conversationId": "c",
               "payload": {"type": "text", "text": text}})
    }

    fn probe<'a>(payload: &'a Value, metadata: Option<&'a Value>) -> Probe<'a> {
        Probe { user_id: "me", payload, metadata, after_ms: T0 }
    }

    /// Runs a send's machine from its start while a listener's link is down
    /// (and the platform online): how long it waited before sending.
    fn waited_for_the_link(timeout_ms: u32) -> Result<f64, Error> {
        let mut sending = Sending::new(json!({"type": "text", "text": "hi"}), None, timeout_ms, None);
        let mut now_ms = T0 as f64;
        let time = |_: &str| None;
        loop {
            let env = Env {
                now_ms,
                online: true,
                earlier_pending: false,
                link_down: true,
                aborted: false,
                claimed: &|_| false,
                time: &time,
            };
            match sending.next(Input::Woke, &env) {
                Step::Wait(ms) => now_ms += f64::from(ms),
                Step::Send(_) => return Ok(now_ms - T0 as f64),
                Step::Fail(e) => return Err(e),
                other => panic!("unexpected step {other:?}"),
            }
        }
    }

    #[test]
    fn a_listener_that_cannot_reconnect_delays_a_send_but_never_fails_it() {
        assert_eq!(waited_for_the_link(30_000).expect("sent"), LINK_WAIT_MS);
        // A short timeout: half of it at most, then the send is tried.
        assert_eq!(waited_for_the_link(1_500).expect("sent"), 760.0);
    }

    #[test]
    fn which_failures_are_ambiguous() {
        let status = |code: u16| crate::error::error_from_response(code, None, "");
        assert_eq!(after_error(&status(429)), Next::Resend);
        for s in [502, 503, 504] {
            assert_eq!(after_error(&status(s)), Next::Check, "{s}");
        }
        for s in [400, 401, 403, 404, 409, 413, 500] {
            assert_eq!(after_error(&status(s)), Next::Fail, "{s}");
        }
        assert_eq!(after_error(&Error::timeout("t")), Next::Check);
        assert_eq!(after_error(&Error::network("reset")), Next::Check);
        assert_eq!(after_error(&Error::aborted("a")), Next::Fail);
        assert_eq!(after_error(&Error::decode("d")), Next::Fail);
        assert_eq!(after_error(&Error::api(ApiErrorType::RateLimited, "slow")), Next::Resend);
    }

    #[test]
    fn a_match_is_from_this_user_with_the_same_payload_after_the_start_and_unclaimed() {
        let sent = json!({"type": "text", "text": "hi"});
        let none = |_: &str| false;
        let page = [
            msg("bot", T0 + 30, "bot", "hi"),
            msg("other-text", T0 + 20, "me", "hello"),
            msg("mine", T0 + 10, "me", "hi"),
            msg("before", T0 - 10, "me", "hi"),
        ];
        assert_eq!(look(&page, false, &probe(&sent, None), &none, &ms), Look::Found(2));
        // Claimed by another send: not this one's; the page reaches back, so absent.
        assert_eq!(look(&page, false, &probe(&sent, None), &|id| id == "mine", &ms), Look::Absent);
        // Only older or foreign messages, newest first, reaching back: absent.
        assert_eq!(look(&page[..2], true, &probe(&sent, None), &none, &ms), Look::Absent);
        assert_eq!(look(&page[3..], false, &probe(&sent, None), &none, &ms), Look::Absent);
    }

    #[test]
    fn the_oldest_of_several_matches_is_taken() {
        let sent = json!({"type": "text", "text": "ok"});
        let page = [msg("b", T0 + 20, "me", "ok"), msg("a", T0 + 10, "me", "ok")];
        assert_eq!(look(&page, true, &probe(&sent, None), &|_| false, &ms), Look::Found(1));
        assert_eq!(look(&page, true, &probe(&sent, None), &|id| id == "a", &ms), Look::Found(0));
    }

    #[test]
    fn a_listing_that_does_not_reach_back_is_read_further() {
        let sent = json!({"type": "text", "text": "hi"});
        // Newest first, all after the start, none ours: the next page may hold it.
        let page = [msg("x", T0 + 30, "bot", "a"), msg("y", T0 + 20, "bot", "b")];
        assert_eq!(look(&page, false, &probe(&sent, None), &|_| false, &ms), Look::Further);
        // Oldest first: an old message on the first page proves nothing.
        let page = [msg("old", T0 - 10, "bot", "a"), msg("y", T0 + 20, "bot", "b")];
        assert_eq!(look(&page, false, &probe(&sent, None), &|_| false, &ms), Look::Further);
        assert_eq!(look(&page, true, &probe(&sent, None), &|_| false, &ms), Look::Absent);
    }

    #[test]
    fn metadata_and_payload_fields_must_agree() {
        let sent = json!({"type": "choice", "text": "pick", "options": [{"label": "a", "value": "a"}]});
        let mut listed = msg("m", T0 + 1, "me", "");
        listed["payload"] = json!({"type": "choice", "text": "pick", "options": [{"label": "a", "value": "a"}],
                                    "added": true});
        let page = [listed.clone()];
        assert_eq!(
            look(&page, true, &probe(&sent, None), &|_| false, &ms),
            Look::Found(0),
            "extra listed fields are fine"
        );
        let meta = json!({"k": 1});
        assert_eq!(
            look(&page, true, &probe(&sent, Some(&meta)), &|_| false, &ms),
            Look::Absent,
            "metadata sent, none listed"
        );
        listed["metadata"] = json!({"k": 1});
        assert_eq!(look(&[listed.clone()], true, &probe(&sent, Some(&meta)), &|_| false, &ms), Look::Found(0));
        assert_eq!(
            look(&[listed.clone()], true, &probe(&sent, None), &|_| false, &ms),
            Look::Absent,
            "listed has metadata"
        );
        listed["metadata"] = json!({});
        assert_eq!(look(&[listed], true, &probe(&sent, None), &|_| false, &ms), Look::Found(0));
        let other = json!({"type": "choice", "text": "pick", "options": [{"label": "b", "value": "b"}]});
        assert_eq!(look(&page, true, &probe(&other, None), &|_| false, &ms), Look::Absent);
    }

    #[test]
    fn the_start_is_moved_by_the_known_skew() {
        assert_eq!(after_ms(10_000.0, None), 5_000);
        assert_eq!(after_ms(10_000.0, Some(2_000.0)), 11_000);
        assert_eq!(skew_bound((T0 + 500) as f64, T0 as f64), 500.0);
    }
}
