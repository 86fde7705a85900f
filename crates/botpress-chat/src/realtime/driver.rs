//! The listening loop: connect over the chosen transport (live first: no
//! request before), take the listing that tells history from news or finds
//! `since` once live, decode frames, watch for silence, reconnect with
//! backoff, backfill what was missed. Generic over the host's transport
//! ([`Transport`]: the npm package's `fetch` streams, WebSocket and
//! EventSource; the unit tests' scripted connections), over how frames become
//! items ([`Codec`]: Rust `Signal`s or JS objects) and over where items go
//! (an `emit` callback).

use std::future::pending;
use std::pin::pin;

use futures::future::{select, Either};

use crate::error::{ApiErrorType, Error, ErrorKind};
use crate::host::Host;
use crate::realtime::backfill::{Delivered, Listed, DEFAULT_SEEN_CAPACITY};
use crate::realtime::backoff::{is_final, Backoff};
use crate::realtime::idset::IdSet;
use crate::realtime::sends::SendWatch;
use crate::realtime::{listen_url, ListenOptions, Protocol};
use crate::sync::{BoxFuture, Lock, MaybeSend, MaybeSync, Shared};

/// What the listening loop needs of the host beyond [`Host`]: connections
/// that deliver frames.
pub trait Transport: Host {
    /// A frame as the host's transport hands it over (a JS string on the web,
    /// converted only when needed).
    type Frame: MaybeSend + 'static;
    /// An open connection.
    type Conn: Connection<Self::Frame> + MaybeSend + 'static;

    /// Opens the conversation's listen route over `protocol` (the URL is
    /// [`listen_url`]); resolves once the connection is open. A refusal is
    /// the error the server answered (401, 403 and 404 are final).
    fn open(&self, at: &ListenAt, protocol: Protocol) -> BoxFuture<'static, Result<Self::Conn, Error>>;

    /// The text of a frame, when it is one.
    fn frame_text(frame: &Self::Frame) -> Option<String>;
}

/// Where a listener listens.
#[derive(Debug, Clone)]
pub struct ListenAt {
    /// The API's base URL.
    pub api_url: String,
    /// The conversation.
    pub conversation_id: String,
    /// The user key.
    pub key: String,
}

impl ListenAt {
    /// The listen URL for `protocol`.
    pub fn url(&self, protocol: Protocol) -> String {
        listen_url(&self.api_url, &self.conversation_id, &self.key, protocol)
    }
}

/// An open connection of a [`Transport`].
pub trait Connection<F> {
    /// Waits for what arrives next and adds it to `batch`: the data of SSE
    /// messages (decoded with [`SseDecoder`](crate::protocol::sse::SseDecoder))
    /// as text, or whole frames. `Err` once the connection ended.
    fn read<'a>(&'a mut self, batch: &'a mut Batch<F>) -> BoxFuture<'a, Result<(), Error>>;
}

/// A backfill listing in progress.
type Listing<'a, T> = BoxFuture<'a, Result<Vec<T>, Error>>;

/// One page of `listMessages`: the messages and the next page's token.
pub type Page<M> = BoxFuture<'static, Result<(Vec<M>, Option<String>), Error>>;

/// How a listener lists one page of `listMessages`, from a page token.
pub trait ListPage<M>: Fn(Option<String>) -> Page<M> + MaybeSend + MaybeSync {}
impl<M, F: Fn(Option<String>) -> Page<M> + MaybeSend + MaybeSync> ListPage<M> for F {}

/// Where a listening loop hands what it reports ([`Event`]); `false` stops it.
pub trait Emit<T>: FnMut(Event<T>) -> bool + MaybeSend {}
impl<T, F: FnMut(Event<T>) -> bool + MaybeSend> Emit<T> for F {}

/// What to listen to, and how to list its messages for backfills.
pub struct Target<M> {
    /// The API's base URL.
    pub api_url: String,
    /// The user key.
    pub key: String,
    /// The listening user (its messages are not the bot's).
    pub user_id: String,
    /// The conversation.
    pub conversation_id: String,
    /// One page of `listMessages`, from a page token.
    pub list_page: Box<dyn ListPage<M>>,
    /// The messages the listening client is creating there
    /// ([`sends`](crate::realtime::sends)), when it knows them.
    pub own: Option<SendWatch>,
}

/// A frame's data as it arrived: UTF-8 text from the SSE decoder, or a
/// frame of the host's (a JS string from a WebSocket or EventSource).
pub enum Frame<'a, F> {
    /// Text.
    Text(&'a str),
    /// A host frame.
    Host(&'a F),
}

/// The id and `createdAt` of a `message_created`: as Rust strings, or as
/// host frames (converted only when a backfill needs them).
pub enum MessageKey<F> {
    /// Already text.
    Eager(String, String),
    /// Host values, read with [`Transport::frame_text`].
    Lazy(F, F),
}

impl<F> MessageKey<F> {
    fn resolve(self, text: fn(&F) -> Option<String>) -> (String, String) {
        match self {
            MessageKey::Eager(id, at) => (id, at),
            MessageKey::Lazy(id, at) => (text(&id).unwrap_or_default(), text(&at).unwrap_or_default()),
        }
    }
}

/// A decoded frame; `message` is set for `message_created`.
pub struct Decoded<T, F> {
    /// What the listener delivers.
    pub item: T,
    /// The message's keys, for exactly-once delivery.
    pub message: Option<MessageKey<F>>,
}

/// How frames become the items a listener delivers.
pub trait Codec<F> {
    /// What is delivered.
    type Item;
    /// A message listed for a backfill.
    type Listed: Listed + MaybeSend;
    /// `None` for a keep-alive.
    fn decode(&mut self, frame: Frame<'_, F>) -> Option<Decoded<Self::Item, F>>;
    /// Decodes the text frames of one read, in order (a codec may decode
    /// them in one go).
    fn decode_texts(&mut self, texts: &[String], out: &mut Vec<Decoded<Self::Item, F>>) {
        out.extend(texts.iter().filter_map(|t| self.decode(Frame::Text(t))));
    }
    /// A message found by a backfill, as a `message_created` item.
    fn backfilled(&mut self, m: Self::Listed, is_bot: bool) -> Self::Item;
}

/// What the loop reports.
pub enum Event<T> {
    /// An item to deliver.
    Signal(T),
    /// A connection is being opened.
    Connecting,
    /// It is open.
    Connected,
    /// It ended; the next attempt starts after `delay_ms`.
    Reconnecting {
        /// Attempts since the last healthy connection, from 1.
        attempt: u32,
        /// The wait before it.
        delay_ms: u32,
        /// Why the connection ended.
        error: Error,
    },
    /// A reconnection caught up: `missed` messages were backfilled.
    Reconnected {
        /// The attempt that succeeded.
        attempt: u32,
        /// Messages delivered from the listing.
        missed: usize,
    },
    /// The end: a final error (or any error with reconnecting off).
    Failed(Error),
}

/// Shared between runs of one listener (a `connect()` after `disconnect()`
/// continues where the previous run stopped).
pub struct Progress<F> {
    /// What was delivered (exactly-once bookkeeping).
    pub delivered: Lock<Delivered>,
    /// The first listing (the baseline, or the one `since` starts from) was
    /// handled.
    pub primed: Lock<bool>,
    /// A run has connected before: the next connection is a reconnect.
    pub connected_once: Lock<bool>,
    /// Lazily keyed live messages not yet recorded in `delivered`, oldest
    /// first (at most the capacity of `delivered`).
    recent: Lock<std::collections::VecDeque<(F, F)>>,
}

impl<F> Default for Progress<F> {
    fn default() -> Self {
        Progress {
            delivered: Lock::default(),
            primed: Lock::default(),
            connected_once: Lock::default(),
            recent: Lock::default(),
        }
    }
}

impl<F> Progress<F> {
    /// Records the lazily keyed live messages (before a backfill).
    fn fold_recent(&self, text: fn(&F) -> Option<String>) {
        let recent = self.recent.take();
        let mut d = self.delivered.lock();
        for (id, at) in recent {
            let (id, at) = MessageKey::Lazy(id, at).resolve(text);
            d.observe(&id, &at);
        }
    }
}

/// The frames of one read. A host reads a bounded slice of a large chunk
/// at a time, so its frames are decoded and delivered before the rest is
/// copied.
pub struct Batch<F> {
    /// The data of SSE messages.
    pub texts: Vec<String>,
    /// Whole frames of the host's.
    pub frames: Vec<F>,
}

impl<F> Default for Batch<F> {
    fn default() -> Self {
        Batch { texts: Vec::new(), frames: Vec::new() }
    }
}

/// Frames (or decoded items) whose room is kept between reads; a read that
/// needed more gives it back once it was delivered.
const KEPT_CAPACITY: usize = 1024;

/// Frees an emptied buffer that grew past [`KEPT_CAPACITY`].
fn bound<T>(v: &mut Vec<T>) {
    if v.capacity() > KEPT_CAPACITY {
        debug_assert!(v.is_empty());
        *v = Vec::new();
    }
}

const LIST_PAGE_LIMIT: usize = 10_000;

/// Resolves once nothing was received for `timeout_ms` (`last` is the time
/// of the last activity, updated by the reader). One timer per period, not
/// one per chunk.
async fn watchdog<H: Host>(host: H, last: Shared<Lock<f64>>, timeout_ms: u32) {
    loop {
        let remaining = last.get() + f64::from(timeout_ms) - host.now_ms();
        if remaining <= 0.0 {
            return;
        }
        host.sleep(remaining.ceil() as u32).await;
    }
}

/// How often [`settled`] looks at the client's sends.
const SENDS_POLL_MS: u32 = 10;

/// Resolves once no send the listener watches is in flight (each is bounded
/// by its call's timeout).
async fn settled<H: Host>(host: &H, watch: &SendWatch) {
    while watch.pending() {
        host.sleep(SENDS_POLL_MS).await;
    }
}

/// Empties a batch before a read, giving back room a large read took.
fn clear<F>(batch: &mut Batch<F>) {
    batch.texts.clear();
    batch.frames.clear();
    bound(&mut batch.texts);
    bound(&mut batch.frames);
}

/// Lists the conversation's messages up to the newest (or, for newest-first
/// listings, back to the watermark). `live`: live signals are delivered as
/// they come while it lists (the first listing without `since`); then a page
/// that holds a message already delivered live is the last one needed —
/// every message created after it comes live too — so a listing does not
/// chase a conversation that grows faster than it pages.
async fn list_recent<M: Listed, F>(target: &Target<M>, progress: &Progress<F>, live: bool) -> Result<Vec<M>, Error> {
    let mut all = Vec::new();
    let mut token = None;
    for _ in 0..LIST_PAGE_LIMIT {
        let (page, next) = (target.list_page)(token.take()).await?;
        let stop = {
            let d = progress.delivered.lock();
            d.page_reaches_watermark(&page) || (live && page.iter().any(|m| d.contains(m.id())))
        };
        all.extend(page);
        match next {
            Some(t) if !stop && !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(all)
}

enum Step<M> {
    Read(Result<(), Error>),
    Silent,
    Listed(Result<Vec<M>, Error>),
}

/// Runs until a final failure (reported as [`Event::Failed`]) or until
/// `emit` returns `false`.
pub async fn run<T: Transport, C: Codec<T::Frame>>(
    host: T,
    target: Shared<Target<C::Listed>>,
    opts: ListenOptions,
    progress: Shared<Progress<T::Frame>>,
    codec: &mut C,
    emit: &mut dyn Emit<C::Item>,
) {
    let mut backoff = opts.backoff.clone();
    let mut attempt: u32 = 0;
    let mut first = true;
    // Live first: no request before the connection is open; the listing that
    // tells history from news (and finds `since`) is taken once it is live.
    loop {
        if !emit(Event::Connecting) {
            return;
        }
        let at = ListenAt {
            api_url: target.api_url.clone(),
            conversation_id: target.conversation_id.clone(),
            key: target.key.clone(),
        };
        // The `sse` request carries the key as a header (the others, in the
        // query): a key no header can hold ends the listener (`first`).
        let opened = if opts.protocol == Protocol::Sse && !crate::protocol::http::header_value_ok(&at.key) {
            Err(Error::config("x-user-key is not a valid header value"))
        } else {
            // A connection that does not open within the silence timeout failed,
            // as one that falls silent does (else a server that accepts and never
            // answers would hold the listener for ever).
            match select(host.open(&at, opts.protocol), host.sleep(opts.timeout_ms)).await {
                Either::Left((opened, _)) => opened,
                Either::Right(_) => Err(Error::timeout("the listen connection did not open in time")),
            }
        };
        // Could not even connect: the network may be down (see below).
        let unreachable =
            opened.as_ref().err().is_some_and(|e| matches!(e.kind, ErrorKind::Network | ErrorKind::Timeout));
        let ended = match opened {
            Err(e) => e,
            Ok(conn) => {
                let reconnected = progress.connected_once.get();
                progress.connected_once.set(true);
                first = false;
                if let Some(own) = &target.own {
                    own.set_link_down(false);
                }
                if !emit(Event::Connected) {
                    return;
                }
                let run = Run { host: &host, target: &target, opts: &opts, progress: &progress };
                match pump(run, codec, emit, conn, reconnected, &mut backoff, &mut attempt).await {
                    Some(e) => e,
                    None => return,
                }
            }
        };
        if first || !opts.reconnect || is_final(&ended) {
            emit(Event::Failed(ended));
            return;
        }
        attempt += 1;
        let delay_ms = backoff.next_delay(host.random());
        // A reconnection that could not reach the server (not a cut of an
        // open connection): the client's sends wait a while for it.
        if let Some(own) = &target.own {
            own.set_link_down(unreachable);
        }
        if !emit(Event::Reconnecting { attempt, delay_ms, error: ended }) {
            return;
        }
        // A platform coming back online ends the wait at once.
        select(host.sleep(delay_ms), host.until_online()).await;
    }
}

/// What one run listens with.
struct Run<'a, T: Transport, M> {
    host: &'a T,
    target: &'a Target<M>,
    opts: &'a ListenOptions,
    progress: &'a Progress<T::Frame>,
}

/// Reads one connection until it ends (`Some(why)`) or `emit` says stop.
async fn pump<T: Transport, C: Codec<T::Frame>>(
    run: Run<'_, T, C::Listed>,
    codec: &mut C,
    emit: &mut dyn Emit<C::Item>,
    mut conn: T::Conn,
    reconnected: bool,
    backoff: &mut Backoff,
    attempt: &mut u32,
) -> Option<Error> {
    let Run { host, target, opts, progress } = run;
    let track = opts.reconnect || opts.since.is_some();
    let starting = !progress.primed.get();
    // Once live, a listing: on the first connection it is the baseline (live
    // signals go out at once, the listing's news not yet received follows);
    // with `since`, or after a reconnect, live signals are held back until
    // what the listing adds is delivered. So they are when the client is
    // creating messages there, or created some since the listener started:
    // the baseline waits for those sends to settle, and delivers their
    // messages (created before it was live) first.
    let own = target.own.as_ref().filter(|w| starting && opts.since.is_none() && w.any());
    let mut holding = track && (reconnected || (starting && opts.since.is_some()) || own.is_some());
    let live = !holding;
    let mut listing: Option<Listing<'_, C::Listed>> = if holding || (track && starting) {
        Some(Box::pin(async move {
            if let Some(w) = own {
                settled(host, w).await;
            }
            list_recent(target, progress, live).await
        }))
    } else {
        None
    };
    let mut held: Vec<Decoded<C::Item, T::Frame>> = Vec::new();
    let last = Shared::new(Lock::new(host.now_ms()));
    let mut silence = Box::pin(watchdog(host.clone(), last.clone(), opts.timeout_ms));
    let mut batch = Batch::default();
    let mut decoded: Vec<Decoded<C::Item, T::Frame>> = Vec::new();
    let mut healthy = false;

    // Ids just backfilled: live messages right after a backfill may repeat
    // them; the first live message that is not among them is newer than the
    // listing, and so is everything after it.
    let mut overlap = IdSet::default();
    let deliver = |d: Decoded<C::Item, T::Frame>, overlap: &mut IdSet, emit: &mut dyn Emit<C::Item>| -> bool {
        if let (true, Some(key)) = (track, d.message) {
            let key = match key {
                MessageKey::Lazy(id, at) if overlap.is_empty() => {
                    let mut recent = progress.recent.lock();
                    if recent.len() >= DEFAULT_SEEN_CAPACITY {
                        recent.pop_front();
                    }
                    recent.push_back((id, at));
                    None
                }
                key => Some(key.resolve(T::frame_text)),
            };
            if let Some((id, at)) = key {
                if !overlap.is_empty() {
                    if overlap.remove(&id) {
                        return true;
                    }
                    overlap.clear();
                }
                if !progress.delivered.lock().observe(&id, &at) {
                    return true;
                }
            }
        }
        emit(Event::Signal(d.item))
    };

    loop {
        let step = {
            clear(&mut batch);
            let read = pin!(conn.read(&mut batch));
            let listed = pin!(async {
                match listing.as_mut() {
                    Some(f) => f.await,
                    None => pending().await,
                }
            });
            match select(read, select(silence.as_mut(), listed)).await {
                Either::Left((r, _)) => Step::Read(r),
                Either::Right((Either::Left(_), _)) => Step::Silent,
                Either::Right((Either::Right((r, _)), _)) => Step::Listed(r),
            }
        };
        match step {
            Step::Read(Err(e)) => return Some(e),
            Step::Silent => return Some(Error::timeout("Client connection timed out")),
            Step::Read(Ok(())) => {
                last.set(host.now_ms());
                if !healthy {
                    healthy = true;
                    backoff.reset();
                }
                codec.decode_texts(&batch.texts, &mut decoded);
                decoded.extend(batch.frames.iter().filter_map(|v| codec.decode(Frame::Host(v))));
                for d in decoded.drain(..) {
                    if holding {
                        held.push(d);
                    } else if !deliver(d, &mut overlap, emit) {
                        return None;
                    }
                }
                bound(&mut decoded);
            }
            Step::Listed(result) => {
                listing = None;
                let list = match result {
                    Ok(list) => list,
                    Err(e) => return Some(e),
                };
                progress.fold_recent(T::frame_text);
                let missed = {
                    let mut d = progress.delivered.lock();
                    match (&opts.since, progress.primed.get()) {
                        (Some(since), false) => match d.start_after(list, since, &target.user_id) {
                            Ok(m) => m,
                            Err(why) => return Some(Error::api(ApiErrorType::ResourceNotFound, why)),
                        },
                        (None, false) => {
                            let created = own.map(SendWatch::created).unwrap_or_default();
                            d.baseline(&list, &created);
                            d.backfill_items(list, &target.user_id)
                        }
                        (_, true) => d.backfill_items(list, &target.user_id),
                    }
                };
                progress.primed.set(true);
                holding = false;
                let count = missed.len();
                overlap = missed.iter().map(|m| m.0.id().to_string()).collect();
                for (m, is_bot) in missed {
                    let item = codec.backfilled(m, is_bot);
                    if !emit(Event::Signal(item)) {
                        return None;
                    }
                }
                for d in std::mem::take(&mut held) {
                    if !deliver(d, &mut overlap, emit) {
                        return None;
                    }
                }
                if reconnected {
                    let n = std::mem::replace(attempt, 0);
                    if !emit(Event::Reconnected { attempt: n, missed: count }) {
                        return None;
                    }
                }
            }
        }
    }
}

/// Frames to typed [`Signal`](crate::signal::Signal)s: what the Rust `Stream`
/// of signals delivers. A well-formed known signal is read straight from its
/// text (serde_json); anything else goes through the host's JSON parser and
/// [`Signal::from_value`](crate::signal::Signal::from_value), which keeps it
/// as `Unknown`.
pub struct SignalCodec<T>(pub T);

impl<T: Transport> SignalCodec<T> {
    fn signal(&self, data: &str) -> Option<crate::signal::Signal> {
        use crate::protocol::sse::{frame_kind, FrameKind};
        use crate::signal::Signal;
        if frame_kind(data) == FrameKind::Ping {
            return None;
        }
        // A well-formed known signal straight from its text (no JSON value in
        // between); anything else through the value, which keeps it as `Unknown`.
        if let Ok(signal) = serde_json::from_str::<Signal>(data) {
            return Some(signal);
        }
        Some(match self.0.parse_json(data) {
            Ok(v) => Signal::from_value(v),
            Err(_) => Signal::Unknown { kind: "unknown".into(), data: serde_json::Value::String(data.into()) },
        })
    }
}

impl<T: Transport> Codec<T::Frame> for SignalCodec<T> {
    type Item = crate::signal::Signal;
    type Listed = crate::model::Message;

    fn decode(&mut self, frame: Frame<'_, T::Frame>) -> Option<Decoded<Self::Item, T::Frame>> {
        use crate::signal::Signal;
        let signal = match frame {
            Frame::Text(t) => self.signal(t)?,
            Frame::Host(v) => match T::frame_text(v) {
                Some(t) => self.signal(&t)?,
                None => Signal::Unknown { kind: "unknown".into(), data: serde_json::Value::Null },
            },
        };
        let message = match &signal {
            Signal::MessageCreated(m) => Some(MessageKey::Eager(m.id.clone(), m.created_at.clone())),
            _ => None,
        };
        Some(Decoded { item: signal, message })
    }

    fn backfilled(&mut self, m: crate::model::Message, is_bot: bool) -> Self::Item {
        crate::signal::Signal::MessageCreated(crate::signal::MessageCreated::from_message(m, is_bot))
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
