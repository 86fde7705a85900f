//! The Rust API: [`Listen::listen_conversation`] gives a `Stream` of
//! signals (wasm), from the core's listening loop over the web host.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::future::LocalBoxFuture;
use futures::Stream;

use crate::api::ListMessagesInput;
use crate::client::AuthenticatedClient;
use crate::error::Error;
use crate::model::Message;
use crate::realtime::driver::{self, Event, Progress, SignalCodec, Target};
use crate::realtime::{ConnectionState, ListenOptions};
use crate::signal::Signal;
use crate::WebHost;

pub(crate) fn target(client: &AuthenticatedClient, conversation_id: &str) -> Target<Message> {
    let c = client.clone();
    let conversation = conversation_id.to_string();
    Target {
        api_url: client.client().api_url().to_string(),
        key: client.key().to_string(),
        user_id: client.user().id.clone(),
        conversation_id: conversation_id.to_string(),
        own: Some(client.client().watch_sends(conversation_id)),
        list_page: Box::new(move |next_token| {
            let c = c.clone();
            let input = ListMessagesInput { conversation_id: conversation.clone(), next_token };
            Box::pin(async move {
                let out = c.list_messages(&input).await?;
                Ok((out.messages, out.meta.next_token))
            })
        }),
    }
}

/// The signals of one conversation, as they arrive.
///
/// With reconnecting on (the default), dropped connections are re-opened
/// with backoff and the messages missed meanwhile are delivered as
/// `message_created`, exactly once and in order; the stream ends after a
/// final error (401, 403 — e.g. the user was removed — or 404), yielded as
/// `Err`. With reconnecting off, the first failure is yielded and ends it.
/// A failure of the first connection always ends it. Dropping the stream
/// closes the connection and clears its timers.
pub struct SignalStream {
    driver: Option<LocalBoxFuture<'static, ()>>,
    queue: Rc<RefCell<VecDeque<Result<Signal, Error>>>>,
    connected: Rc<Cell<bool>>,
    state: Rc<Cell<ConnectionState>>,
}

impl SignalStream {
    /// Where the connection stands ([`ConnectionState`]), as of the last
    /// poll of the stream.
    pub fn state(&self) -> ConnectionState {
        self.state.get()
    }

    /// Waits until the first connection is open (signals that arrive
    /// meanwhile stay queued). Fails with the error that ends the stream if
    /// it cannot connect.
    pub async fn connected(&mut self) -> Result<(), Error> {
        poll_fn(|cx| {
            if self.connected.get() {
                return Poll::Ready(Ok(()));
            }
            if let Some(Err(e)) = self.queue.borrow().front() {
                return Poll::Ready(Err(e.clone()));
            }
            let Some(driver) = self.driver.as_mut() else {
                return Poll::Ready(Err(Error::network("the listener stopped")));
            };
            if driver.as_mut().poll(cx).is_ready() {
                self.driver = None;
            }
            if self.connected.get() {
                return Poll::Ready(Ok(()));
            }
            if let Some(Err(e)) = self.queue.borrow().front() {
                return Poll::Ready(Err(e.clone()));
            }
            if self.driver.is_none() {
                return Poll::Ready(Err(Error::network("the listener stopped")));
            }
            Poll::Pending
        })
        .await
    }
}

impl Stream for SignalStream {
    type Item = Result<Signal, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(item) = self.queue.borrow_mut().pop_front() {
            return Poll::Ready(Some(item));
        }
        let Some(driver) = self.driver.as_mut() else {
            return Poll::Ready(None);
        };
        let done = driver.as_mut().poll(cx).is_ready();
        if done {
            self.driver = None;
        }
        match self.queue.borrow_mut().pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None if done => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// Realtime listening for the core's client on the web host.
pub trait Listen {
    /// Listens to a conversation's signals (PROTOCOL.md §7): see [`SignalStream`].
    fn listen_conversation(&self, conversation_id: &str, options: ListenOptions) -> SignalStream;
}

impl Listen for AuthenticatedClient {
    fn listen_conversation(&self, conversation_id: &str, options: ListenOptions) -> SignalStream {
        let target = Rc::new(target(self, conversation_id));
        let queue: Rc<RefCell<VecDeque<Result<Signal, Error>>>> = Rc::default();
        let q = queue.clone();
        let connected = Rc::new(Cell::new(false));
        let state = Rc::new(Cell::new(ConnectionState::Closed));
        let (c, st) = (connected.clone(), state.clone());
        let driver = Box::pin(async move {
            let mut codec = SignalCodec(WebHost);
            let mut emit = |e: Event<Signal>| {
                st.set(st.get().after(&e, crate::host::online));
                match e {
                    Event::Signal(s) => q.borrow_mut().push_back(Ok(s)),
                    Event::Connected => c.set(true),
                    Event::Failed(err) => q.borrow_mut().push_back(Err(err)),
                    _ => {}
                }
                true
            };
            driver::run(WebHost, target, options, Rc::new(Progress::default()), &mut codec, &mut emit).await;
        });
        SignalStream { driver: Some(driver), queue, connected, state }
    }
}
