//! The messages a client is creating, so that a listener it starts meanwhile
//! delivers them.
//!
//! A listener goes live first and then lists the conversation: what the
//! listing holds from before it went live is history, never delivered. A
//! message this client sent just before listening (`createMessage` still in
//! flight when `listenConversation` is called, or resolving before the
//! listener is live) is created before the listener is live, so its signal
//! is missed and the listing would take it as history. The client knows
//! better: [`Sends`] records every `createMessage` it makes, and a listener
//! started on the conversation watches the ones that were in flight when it
//! was started or began later ([`SendWatch`]). Its first listing waits for
//! them to settle, and they (and whatever was created after them) are news,
//! delivered once, in creation order, before the live signals held meanwhile.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::sync::{Lock, Shared};

/// How many settled sends are remembered (the oldest are forgotten first;
/// sends in flight are always kept).
const REMEMBERED: usize = 256;

/// One `createMessage` of the client.
#[derive(Debug)]
struct Send {
    seq: u64,
    conversation_id: String,
    /// Settled: the created message's id, or `None` when the call failed.
    outcome: Option<Option<String>>,
}

/// The client's `createMessage` calls, in the order they began.
#[derive(Debug, Default)]
pub struct Sends {
    next: Lock<u64>,
    log: Lock<Vec<Send>>,
    /// A listener of the client could not reach the server when it tried to
    /// reconnect, and has not connected since: sends wait a while for it
    /// ([`crate::once`]).
    link_down: Lock<bool>,
    /// Sends waiting for their turn ([`Sends::turn`]), woken when one settles.
    waiters: Lock<Vec<Waker>>,
}

impl Sends {
    /// Records a `createMessage` in `conversation_id` that is starting; its
    /// sequence number settles it.
    pub fn begin(&self, conversation_id: &str) -> u64 {
        let seq = self.next.get();
        self.next.set(seq + 1);
        let mut log = self.log.lock();
        if log.len() >= REMEMBERED {
            if let Some(i) = log.iter().position(|s| s.outcome.is_some()) {
                log.remove(i);
            }
        }
        log.push(Send { seq, conversation_id: conversation_id.to_string(), outcome: None });
        seq
    }

    /// Settles a send: the id of the message it created, or `None` if it failed.
    pub fn settle(&self, seq: u64, message_id: Option<String>) {
        if let Some(s) = self.log.lock().iter_mut().find(|s| s.seq == seq) {
            s.outcome = Some(message_id);
        }
        for waker in self.waiters.take() {
            waker.wake();
        }
    }

    /// Resolves when no send begun before `seq` in `conversation_id` is in
    /// flight: the send's turn.
    pub fn turn(self: &Shared<Self>, seq: u64, conversation_id: &str) -> Turn {
        Turn { sends: self.clone(), seq, conversation_id: conversation_id.to_string() }
    }

    /// Whether a send begun before `seq` in `conversation_id` is still in
    /// flight (sends to one conversation go one at a time).
    pub fn earlier_pending(&self, seq: u64, conversation_id: &str) -> bool {
        let log = self.log.lock();
        log.iter().any(|s| s.seq < seq && s.outcome.is_none() && s.conversation_id == conversation_id)
    }

    /// Whether a send of this client resolved with the message `id` (among
    /// the sends remembered).
    pub fn claimed(&self, id: &str) -> bool {
        self.log.lock().iter().any(|s| matches!(&s.outcome, Some(Some(m)) if m == id))
    }

    /// Whether a listener could not reach the server and has not connected since.
    pub fn link_down(&self) -> bool {
        self.link_down.get()
    }

    /// An exchange or a listener went through: the network is back.
    pub fn link_up(&self) {
        self.link_down.set(false);
    }

    /// What a listener on `conversation_id` starting now must watch: the
    /// sends in flight there, and every send after now.
    pub fn watch(self: &Shared<Self>, conversation_id: &str) -> SendWatch {
        let log = self.log.lock();
        let in_flight = log.iter().find(|s| s.outcome.is_none() && s.conversation_id == conversation_id);
        let from = in_flight.map_or(self.next.get(), |s| s.seq);
        SendWatch { sends: self.clone(), conversation_id: conversation_id.to_string(), from }
    }
}

/// A send's turn ([`Sends::turn`]).
#[derive(Debug)]
pub struct Turn {
    sends: Shared<Sends>,
    seq: u64,
    conversation_id: String,
}

impl Future for Turn {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.sends.earlier_pending(self.seq, &self.conversation_id) {
            return Poll::Ready(());
        }
        // Polled again while waiting (the send looks at its signal now and
        // then): one waker per task.
        let mut waiters = self.sends.waiters.lock();
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The sends a listener watches (see the module documentation).
#[derive(Debug, Clone)]
pub struct SendWatch {
    sends: Shared<Sends>,
    conversation_id: String,
    /// The first sequence number watched.
    from: u64,
}

impl SendWatch {
    /// Whether there is anything to watch: a send in the conversation since
    /// the listener started (in flight or settled).
    pub fn any(&self) -> bool {
        self.sends.log.lock().iter().any(|s| self.watches(s))
    }

    /// Whether a watched send is still in flight.
    pub fn pending(&self) -> bool {
        self.sends.log.lock().iter().any(|s| self.watches(s) && s.outcome.is_none())
    }

    /// The ids of the messages the watched sends created.
    pub fn created(&self) -> Vec<String> {
        let log = self.sends.log.lock();
        log.iter().filter(|s| self.watches(s)).filter_map(|s| s.outcome.clone().flatten()).collect()
    }

    /// The listener could not reach the server (`true`) or is connected
    /// again (`false`): sends of the client wait for it a while.
    pub fn set_link_down(&self, down: bool) {
        self.sends.link_down.set(down);
    }

    fn watches(&self, s: &Send) -> bool {
        s.seq >= self.from && s.conversation_id == self.conversation_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_watches_the_sends_in_flight_and_later_ones_in_its_conversation() {
        let sends = Shared::new(Sends::default());
        let done = sends.begin("c");
        sends.settle(done, Some("m0".into()));
        let flying = sends.begin("c");
        let elsewhere = sends.begin("other");
        let w = sends.watch("c");
        assert!(w.any() && w.pending(), "the send in flight is watched");
        sends.settle(flying, Some("m1".into()));
        sends.settle(elsewhere, Some("x".into()));
        let later = sends.begin("c");
        assert!(w.pending(), "a send begun after the listener started is watched");
        sends.settle(later, None);
        assert!(!w.pending());
        // m0 settled before the listener started: history, as for any listener.
        assert_eq!(w.created(), ["m1"]);
    }

    #[test]
    fn with_nothing_in_flight_only_later_sends_count() {
        let sends = Shared::new(Sends::default());
        let s = sends.begin("c");
        sends.settle(s, Some("old".into()));
        let w = sends.watch("c");
        assert!(!w.any());
        let s = sends.begin("c");
        assert!(w.any());
        sends.settle(s, Some("new".into()));
        assert_eq!(w.created(), ["new"]);
    }

    #[test]
    fn settled_sends_are_forgotten_beyond_the_bound_but_none_in_flight() {
        let sends = Shared::new(Sends::default());
        let first = sends.begin("c");
        for _ in 0..2 * REMEMBERED {
            let s = sends.begin("c");
            sends.settle(s, Some("m".into()));
        }
        assert!(sends.log.lock().len() <= REMEMBERED);
        assert!(sends.log.lock().iter().any(|s| s.seq == first), "the send in flight is kept");
    }
}
