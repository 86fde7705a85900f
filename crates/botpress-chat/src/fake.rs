//! A host for unit tests: a scripted server (answers and listen
//! connections) and a virtual clock. Time only
//! moves when every task waits: [`FakeHost::run`] then jumps to the next
//! timer, so a test of a 10-second backoff takes no time and always sees the
//! same order of events.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use futures::task::noop_waker_ref;

use crate::error::Error;
use crate::host::{Failure, Host, HttpRequest, HttpResponse};
use crate::realtime::driver::{Batch, Connection, ListenAt, Transport};
use crate::realtime::Protocol;
use crate::sync::{BoxFuture, Lock, Shared};

/// What the scripted server does with the next request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers after `after_ms` with this status, `Retry-After` and body.
    Answer { after_ms: u32, status: u16, retry_after: Option<String>, body: String },
    /// Fails after `after_ms`.
    Fail { after_ms: u32, failure: Failure },
    /// Never answers.
    Hang,
}

impl Reply {
    /// An immediate answer.
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Answer { after_ms: 0, status, retry_after: None, body: body.into() }
    }

    /// An immediate answer with a `Retry-After` header.
    pub fn retry_after(status: u16, retry_after: &str) -> Reply {
        Reply::Answer { after_ms: 0, status, retry_after: Some(retry_after.into()), body: String::new() }
    }
}

/// A request as the host saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: &'static str,
    pub url: String,
    pub user_key: Option<String>,
    pub body: Option<String>,
    pub at_ms: f64,
}

#[derive(Default)]
struct State {
    now: Lock<f64>,
    /// Deadlines of the timers polled since the clock last moved.
    waiting: Lock<Vec<f64>>,
    replies: Lock<VecDeque<Reply>>,
    /// `/hello` answers 200 unless scripted here.
    hello: Lock<VecDeque<Reply>>,
    seen: Lock<Vec<Seen>>,
    logged: Lock<Vec<String>>,
    /// How the next listen connections go.
    conns: Lock<VecDeque<Conn>>,
    /// When listen connections were opened.
    opened: Lock<Vec<f64>>,
    /// What `Host::online` says.
    offline: Lock<bool>,
}

/// The fake host; clones share one server and clock.
#[derive(Clone, Default)]
pub struct FakeHost(Shared<State>);

/// A cancellation signal: set it to abort.
pub type FakeSignal = Shared<Lock<bool>>;

impl FakeHost {
    /// Queues replies to the next API requests, in order.
    pub fn reply(&self, replies: impl IntoIterator<Item = Reply>) -> &Self {
        self.0.replies.lock().extend(replies);
        self
    }

    /// Queues replies to the next `/hello` checks.
    pub fn hello(&self, replies: impl IntoIterator<Item = Reply>) -> &Self {
        self.0.hello.lock().extend(replies);
        self
    }

    /// Every request sent so far (`/hello` included).
    pub fn seen(&self) -> Vec<Seen> {
        self.0.seen.lock().clone()
    }

    /// The requests sent to `path` (a URL suffix).
    pub fn count(&self, path: &str) -> usize {
        self.0.seen.lock().iter().filter(|s| s.url.ends_with(path)).count()
    }

    /// The `debug` lines.
    pub fn logged(&self) -> Vec<String> {
        self.0.logged.lock().clone()
    }

    /// Sets what `Host::online` answers.
    #[cfg_attr(not(feature = "exactly-once"), allow(dead_code))]
    pub fn set_offline(&self, offline: bool) {
        self.0.offline.set(offline);
    }

    /// Virtual milliseconds since the test began.
    pub fn now(&self) -> f64 {
        self.0.now.get()
    }

    /// Runs `fut` to completion, moving the clock to the next timer whenever
    /// nothing else can happen. Panics when it waits with no timer set
    /// (the future would never end).
    pub fn run<T>(&self, fut: impl Future<Output = T>) -> T {
        let mut fut = pin!(fut);
        let mut cx = Context::from_waker(noop_waker_ref());
        loop {
            self.0.waiting.lock().clear();
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            let next = self.0.waiting.lock().iter().copied().fold(f64::INFINITY, f64::min);
            assert!(next.is_finite(), "the future waits for nothing that will ever happen");
            self.0.now.set(next.max(self.now()));
        }
    }

    fn timer(&self, ms: u32) -> Timer {
        Timer { host: self.clone(), deadline: self.now() + f64::from(ms) }
    }
}

/// A virtual `setTimeout`.
struct Timer {
    host: FakeHost,
    deadline: f64,
}

impl Future for Timer {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.host.now() >= self.deadline {
            Poll::Ready(())
        } else {
            self.host.0.waiting.lock().push(self.deadline);
            Poll::Pending
        }
    }
}

impl Host for FakeHost {
    type Signal = FakeSignal;

    fn send(&self, req: HttpRequest<'_, FakeSignal>) -> BoxFuture<'static, Result<HttpResponse, Failure>> {
        let s = &self.0;
        s.seen.lock().push(Seen {
            method: req.method,
            url: req.url.to_string(),
            user_key: req.user_key.map(str::to_string),
            body: req.body.map(str::to_string),
            at_ms: self.now(),
        });
        let queue = if req.url.ends_with("/hello") { &s.hello } else { &s.replies };
        let reply = queue.lock().pop_front();
        let reply = match reply {
            Some(r) => r,
            None if req.url.ends_with("/hello") => Reply::status(200, "{}"),
            None => panic!("no reply scripted for {} {}", req.method, req.url),
        };
        let signal = req.signal.cloned();
        let host = self.clone();
        let deadline = host.timer(req.timeout_ms);
        let exchange = async move {
            let aborted = || signal.as_ref().is_some_and(|s| s.get());
            if aborted() {
                return Err(Failure::Aborted);
            }
            let (after_ms, outcome) = match reply {
                Reply::Answer { after_ms, status, retry_after, body } => {
                    (after_ms, Ok(HttpResponse { status, retry_after, body }))
                }
                Reply::Fail { after_ms, failure } => (after_ms, Err(failure)),
                Reply::Hang => return futures::future::pending().await,
            };
            host.timer(after_ms).await;
            outcome
        };
        // The timeout, as a host enforces it: whichever comes first.
        Box::pin(async move {
            match futures::future::select(Box::pin(exchange), deadline).await {
                futures::future::Either::Left((outcome, _)) => outcome,
                futures::future::Either::Right(_) => Err(Failure::Timeout),
            }
        })
    }

    fn is_aborted(&self, signal: &FakeSignal) -> bool {
        signal.get()
    }

    fn sleep(&self, ms: u32) -> BoxFuture<'static, ()> {
        Box::pin(self.timer(ms))
    }

    fn now_ms(&self) -> f64 {
        self.now()
    }

    fn online(&self) -> bool {
        !self.0.offline.get()
    }

    fn random(&self) -> f64 {
        0.5
    }

    fn log_request(&self, op: &str, method: &str, url: &str, outcome: Result<u16, &str>) {
        let outcome = match outcome {
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        };
        self.0.logged.lock().push(format!("{op} {method} {url} {outcome}"));
    }
}

/// What a scripted listen connection does next.
#[derive(Debug, Clone)]
pub enum Step {
    /// Sends these frames after `after_ms`.
    Frames { after_ms: u32, frames: Vec<String> },
    /// Ends the connection after `after_ms`.
    Close { after_ms: u32 },
}

/// How the next listen connection goes.
#[derive(Debug, Clone)]
pub enum Conn {
    /// Refused with this error.
    Refuse(Error),
    /// Never opens.
    Hang,
    /// Open; its steps, then silence.
    Open(Vec<Step>),
}

/// A scripted connection. Like a real one it keeps its state between reads:
/// a read dropped before its step was due (the loop had something else to
/// do) loses nothing.
pub struct FakeConn {
    host: FakeHost,
    steps: VecDeque<Step>,
    /// When the current step is due.
    due: Option<f64>,
}

impl FakeHost {
    /// Queues how the next listen connections go, in order.
    pub fn listen(&self, conns: impl IntoIterator<Item = Conn>) -> &Self {
        self.0.conns.lock().extend(conns);
        self
    }

    /// The times at which listen connections were opened.
    pub fn opened(&self) -> Vec<f64> {
        self.0.opened.lock().clone()
    }
}

impl Connection<String> for FakeConn {
    fn read<'a>(&'a mut self, batch: &'a mut Batch<String>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let after_ms = match self.steps.front() {
                Some(Step::Frames { after_ms, .. } | Step::Close { after_ms }) => *after_ms,
                None => return futures::future::pending().await,
            };
            let due = *self.due.get_or_insert(self.host.now() + f64::from(after_ms));
            Timer { host: self.host.clone(), deadline: due }.await;
            self.due = None;
            match self.steps.pop_front() {
                Some(Step::Frames { frames, .. }) => {
                    batch.frames.extend(frames);
                    Ok(())
                }
                _ => Err(Error::network("the server closed the event stream")),
            }
        })
    }
}

impl Transport for FakeHost {
    type Frame = String;
    type Conn = FakeConn;

    fn open(&self, _: &ListenAt, _: Protocol) -> BoxFuture<'static, Result<FakeConn, Error>> {
        self.0.opened.lock().push(self.now());
        let next = self.0.conns.lock().pop_front();
        let host = self.clone();
        Box::pin(async move {
            match next {
                Some(Conn::Open(steps)) => Ok(FakeConn { host, steps: steps.into(), due: None }),
                Some(Conn::Refuse(e)) => Err(e),
                Some(Conn::Hang) | None => futures::future::pending().await,
            }
        })
    }

    fn frame_text(frame: &String) -> Option<String> {
        Some(frame.clone())
    }
}
