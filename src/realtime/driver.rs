//! The listening loop (wasm): connect over the chosen transport (live
//! first: no request before), take the listing that tells history from news
//! or finds `since` once live, decode frames, watch for silence, reconnect
//! with backoff, backfill what was missed. Generic over how frames become items ([`Codec`]: Rust `Signal`s
//! or JS objects) and over where items go (an `emit` callback).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::{pending, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;

use futures::future::{select, Either};
use wasm_bindgen::JsValue;

use crate::error::{ApiErrorType, Error};
use crate::host::{now_ms, random, sleep};
use crate::protocol::sse::SseDecoder;
use crate::realtime::backfill::{Delivered, Listed, DEFAULT_SEEN_CAPACITY};
use crate::realtime::backoff::{is_final, Backoff};
use crate::realtime::{listen_url, ListenOptions, Protocol};
use crate::transport::eventsource::EsStream;
use crate::transport::stream::{self, BodyStream};
use crate::transport::websocket::{self, WsStream};

/// A backfill listing in progress.
type Listing<'a, T> = Pin<Box<dyn Future<Output = Result<Vec<T>, Error>> + 'a>>;

/// One page of `listMessages`: the messages and the next page's token.
pub(crate) type Page<M> = Pin<Box<dyn Future<Output = Result<(Vec<M>, Option<String>), Error>>>>;

/// What to listen to, and how to list its messages for backfills.
pub(crate) struct Target<M> {
    pub api_url: String,
    pub key: String,
    pub user_id: String,
    pub conversation_id: String,
    pub list_page: Box<dyn Fn(Option<String>) -> Page<M>>,
}

/// A frame's data as it arrived: UTF-8 text from our SSE decoder, or a JS
/// string from a WebSocket or EventSource.
pub(crate) enum Frame<'a> {
    Text(&'a str),
    Js(&'a JsValue),
}

/// The id and `createdAt` of a `message_created`: as Rust strings, or as
/// the JS strings (converted only when a backfill needs them).
pub(crate) enum MessageKey {
    Eager(String, String),
    Lazy(JsValue, JsValue),
}

impl MessageKey {
    fn resolve(self) -> (String, String) {
        match self {
            MessageKey::Eager(id, at) => (id, at),
            MessageKey::Lazy(id, at) => (id.as_string().unwrap_or_default(), at.as_string().unwrap_or_default()),
        }
    }
}

/// A decoded frame; `message` is set for `message_created`.
pub(crate) struct Decoded<T> {
    pub item: T,
    pub message: Option<MessageKey>,
}

pub(crate) trait Codec {
    type Item;
    /// A message listed for a backfill.
    type Listed: Listed;
    /// `None` for a keep-alive.
    fn decode(&mut self, frame: Frame<'_>) -> Option<Decoded<Self::Item>>;
    /// Decodes the text frames of one read, in order (a codec may decode
    /// them in one go).
    fn decode_texts(&mut self, texts: &[String], out: &mut Vec<Decoded<Self::Item>>) {
        out.extend(texts.iter().filter_map(|t| self.decode(Frame::Text(t))));
    }
    /// A message found by a backfill, as a `message_created` item.
    fn backfilled(&mut self, m: Self::Listed, is_bot: bool) -> Self::Item;
}

/// What the loop reports.
pub(crate) enum Event<T> {
    Signal(T),
    Connecting,
    Connected,
    Reconnecting {
        attempt: u32,
        delay_ms: u32,
        error: Error,
    },
    Reconnected {
        attempt: u32,
        missed: usize,
    },
    /// The end: a final error (or any error with reconnecting off).
    Failed(Error),
}

/// Shared between runs of one listener (a `connect()` after `disconnect()`
/// continues where the previous run stopped).
#[derive(Default)]
pub(crate) struct Progress {
    pub delivered: RefCell<Delivered>,
    /// The first listing (the baseline, or the one `since` starts from) was
    /// handled.
    pub primed: Cell<bool>,
    /// A run has connected before: the next connection is a reconnect.
    pub connected_once: Cell<bool>,
    /// Lazily keyed live messages not yet recorded in `delivered`, oldest
    /// first (at most the capacity of `delivered`).
    recent: RefCell<std::collections::VecDeque<(JsValue, JsValue)>>,
}

impl Progress {
    /// Records the lazily keyed live messages (before a backfill).
    fn fold_recent(&self) {
        let recent = std::mem::take(&mut *self.recent.borrow_mut());
        let mut d = self.delivered.borrow_mut();
        for (id, at) in recent {
            let (id, at) = MessageKey::Lazy(id, at).resolve();
            d.observe(&id, &at);
        }
    }
}

enum Conn {
    Sse { body: BodyStream, decoder: SseDecoder },
    Ws(WsStream),
    Es(EsStream),
}

/// The frames of one read. An SSE read is at most
/// [`stream::MAX_SLICE`] bytes, so its frames are decoded and delivered
/// before the rest of a large chunk is copied.
#[derive(Default)]
struct Batch {
    texts: Vec<String>,
    js: Vec<JsValue>,
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
async fn watchdog(last: Rc<Cell<f64>>, timeout_ms: u32) {
    loop {
        let remaining = last.get() + f64::from(timeout_ms) - now_ms();
        if remaining <= 0.0 {
            return;
        }
        sleep(remaining.ceil() as u32).await;
    }
}

async fn open<M>(target: &Target<M>, protocol: Protocol) -> Result<Conn, Error> {
    let url = listen_url(&target.api_url, &target.conversation_id, &target.key, protocol);
    match protocol {
        Protocol::Sse => {
            let body = stream::open(&url, &[("x-user-key", &target.key), ("accept", "text/event-stream")]).await?;
            Ok(Conn::Sse { body, decoder: SseDecoder::new() })
        }
        Protocol::WebSocket => {
            let ws = WsStream::connect(&url)?;
            match websocket::opened(&ws.shared).await {
                Ok(()) => Ok(Conn::Ws(ws)),
                Err(e) => {
                    drop(ws);
                    Err(refusal(target, e).await)
                }
            }
        }
        Protocol::EventSource => {
            let es = EsStream::connect(&url)?;
            match websocket::opened(&es.shared).await {
                Ok(()) => Ok(Conn::Es(es)),
                Err(e) => {
                    drop(es);
                    Err(refusal(target, e).await)
                }
            }
        }
    }
}

/// A WebSocket or EventSource refused without telling why: ask the same
/// route over HTTP, so 401/403/404 are recognised as final.
async fn refusal<M>(target: &Target<M>, e: Error) -> Error {
    let url = listen_url(&target.api_url, &target.conversation_id, &target.key, Protocol::Sse);
    stream::probe(&url, &target.key).await.unwrap_or(e)
}

impl Conn {
    /// Reads what arrived next. `Err` once the connection ended.
    async fn read(&mut self, batch: &mut Batch) -> Result<(), Error> {
        batch.texts.clear();
        batch.js.clear();
        bound(&mut batch.texts);
        bound(&mut batch.js);
        match self {
            Conn::Sse { body, decoder } => {
                let Some(bytes) = body.read().await? else {
                    return Err(Error::network("the server closed the event stream"));
                };
                let texts = &mut batch.texts;
                decoder.feed(bytes, &mut |e| {
                    if e.is_message() {
                        texts.push(e.data)
                    }
                })
            }
            Conn::Ws(ws) => websocket::next_frames(&ws.shared, &mut batch.js).await,
            Conn::Es(es) => websocket::next_frames(&es.shared, &mut batch.js).await,
        }
    }
}

/// Lists the conversation's messages up to the newest (or, for newest-first
/// listings, back to the watermark).
async fn list_recent<M: Listed>(target: &Target<M>, progress: &Progress) -> Result<Vec<M>, Error> {
    let mut all = Vec::new();
    let mut token = None;
    for _ in 0..LIST_PAGE_LIMIT {
        let (page, next) = (target.list_page)(token.take()).await?;
        let stop = progress.delivered.borrow().page_reaches_watermark(&page);
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
pub(crate) async fn run<C: Codec>(
    target: Rc<Target<C::Listed>>,
    opts: ListenOptions,
    progress: Rc<Progress>,
    codec: &mut C,
    emit: &mut dyn FnMut(Event<C::Item>) -> bool,
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
        let ended = match open(&target, opts.protocol).await {
            Err(e) => e,
            Ok(conn) => {
                let reconnected = progress.connected_once.get();
                progress.connected_once.set(true);
                first = false;
                if !emit(Event::Connected) {
                    return;
                }
                match pump(&target, &opts, &progress, codec, emit, conn, reconnected, &mut backoff, &mut attempt).await
                {
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
        let delay_ms = backoff.next_delay(random());
        if !emit(Event::Reconnecting { attempt, delay_ms, error: ended }) {
            return;
        }
        sleep(delay_ms).await;
    }
}

/// Reads one connection until it ends (`Some(why)`) or `emit` says stop.
#[allow(clippy::too_many_arguments)]
async fn pump<C: Codec>(
    target: &Target<C::Listed>,
    opts: &ListenOptions,
    progress: &Progress,
    codec: &mut C,
    emit: &mut dyn FnMut(Event<C::Item>) -> bool,
    mut conn: Conn,
    reconnected: bool,
    backoff: &mut Backoff,
    attempt: &mut u32,
) -> Option<Error> {
    let track = opts.reconnect || opts.since.is_some();
    let starting = !progress.primed.get();
    // Once live, a listing: on the first connection it is the baseline (live
    // signals go out at once, the listing's news not yet received follows);
    // with `since`, or after a reconnect, live signals are held back until
    // what the listing adds is delivered.
    let mut holding = track && (reconnected || (starting && opts.since.is_some()));
    let mut listing: Option<Listing<'_, C::Listed>> =
        if holding || (track && starting) { Some(Box::pin(list_recent(target, progress))) } else { None };
    let mut held: Vec<Decoded<C::Item>> = Vec::new();
    let last = Rc::new(Cell::new(now_ms()));
    let mut silence = Box::pin(watchdog(last.clone(), opts.timeout_ms));
    let mut batch = Batch::default();
    let mut decoded: Vec<Decoded<C::Item>> = Vec::new();
    let mut healthy = false;

    // Ids just backfilled: live messages right after a backfill may repeat
    // them; the first live message that is not among them is newer than the
    // listing, and so is everything after it.
    let mut overlap: HashSet<String> = HashSet::new();
    let deliver =
        |d: Decoded<C::Item>, overlap: &mut HashSet<String>, emit: &mut dyn FnMut(Event<C::Item>) -> bool| -> bool {
            if let (true, Some(key)) = (track, d.message) {
                let key = match key {
                    MessageKey::Lazy(id, at) if overlap.is_empty() => {
                        let mut recent = progress.recent.borrow_mut();
                        if recent.len() >= DEFAULT_SEEN_CAPACITY {
                            recent.pop_front();
                        }
                        recent.push_back((id, at));
                        None
                    }
                    key => Some(key.resolve()),
                };
                if let Some((id, at)) = key {
                    if !overlap.is_empty() {
                        if overlap.remove(&id) {
                            return true;
                        }
                        overlap.clear();
                    }
                    if !progress.delivered.borrow_mut().observe(&id, &at) {
                        return true;
                    }
                }
            }
            emit(Event::Signal(d.item))
        };

    loop {
        let step = {
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
                last.set(now_ms());
                if !healthy {
                    healthy = true;
                    backoff.reset();
                }
                codec.decode_texts(&batch.texts, &mut decoded);
                decoded.extend(batch.js.iter().filter_map(|v| codec.decode(Frame::Js(v))));
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
                progress.fold_recent();
                let missed = {
                    let mut d = progress.delivered.borrow_mut();
                    match (&opts.since, progress.primed.get()) {
                        (Some(since), false) => match d.start_after(list, since, &target.user_id) {
                            Ok(m) => m,
                            Err(why) => return Some(Error::api(ApiErrorType::ResourceNotFound, why)),
                        },
                        (None, false) => {
                            d.baseline(&list);
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
