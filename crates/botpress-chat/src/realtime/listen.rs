//! The Rust API of listening: [`AuthenticatedClient::listen_conversation`]
//! gives a [`SignalStream`], the listening loop ([`driver`]) over the
//! client's host, with typed [`Signal`]s.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use crate::api::ListMessagesInput;
use crate::client::AuthenticatedClient;
use crate::error::Error;
use crate::model::Message;
use crate::realtime::driver::{self, Event, Progress, SignalCodec, Target, Transport};
use crate::realtime::{ConnectionState, ListenOptions};
use crate::signal::Signal;
use crate::sync::{BoxFuture, Lock, Shared};

/// What the listening loop hands to the stream.
type Queue = Shared<Lock<VecDeque<Result<Signal, Error>>>>;

/// The signals of one conversation, as they arrive.
///
/// With reconnecting on (the default), dropped connections are re-opened
/// with backoff and the messages missed meanwhile are delivered as
/// `message_created`, exactly once and in order; the stream ends after a
/// final error (401, 403 — e.g. the user was removed — or 404), yielded as
/// `Err`. With reconnecting off, the first failure is yielded and ends it.
/// A failure of the first connection always ends it.
///
/// The stream runs its listening loop itself, each time it is polled: no
/// task is spawned, so it works on any executor, and dropping the stream
/// closes the connection and clears its timers. It is `Send` natively.
pub struct SignalStream {
    driver: Option<BoxFuture<'static, ()>>,
    queue: Queue,
    connected: Shared<Lock<bool>>,
    state: Shared<Lock<ConnectionState>>,
}

impl std::fmt::Debug for SignalStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalStream").field("state", &self.state()).finish_non_exhaustive()
    }
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
            if !self.connected.get() && self.queue.lock().front().is_none() {
                if let Some(driver) = self.driver.as_mut() {
                    if driver.as_mut().poll(cx).is_ready() {
                        self.driver = None;
                    }
                }
            }
            if self.connected.get() {
                return Poll::Ready(Ok(()));
            }
            if let Some(Err(e)) = self.queue.lock().front() {
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
        if let Some(item) = self.queue.lock().pop_front() {
            return Poll::Ready(Some(item));
        }
        let Some(driver) = self.driver.as_mut() else {
            return Poll::Ready(None);
        };
        let done = driver.as_mut().poll(cx).is_ready();
        if done {
            self.driver = None;
        }
        let next = self.queue.lock().pop_front();
        match next {
            Some(item) => Poll::Ready(Some(item)),
            None if done => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// What a listener of `client` lists its backfills with.
fn target<H: Transport>(client: &AuthenticatedClient<H>, conversation_id: &str) -> Target<Message> {
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

impl<H: Transport> AuthenticatedClient<H> {
    /// Listens to a conversation's signals (PROTOCOL.md §7): see [`SignalStream`].
    pub fn listen_conversation(&self, conversation_id: &str, options: ListenOptions) -> SignalStream {
        let target = Shared::new(target(self, conversation_id));
        let queue: Queue = Shared::default();
        let connected = Shared::new(Lock::new(false));
        let state = Shared::new(Lock::new(ConnectionState::Closed));
        let (q, c, st) = (queue.clone(), connected.clone(), state.clone());
        let host = self.client().host().clone();
        let driver = Box::pin(async move {
            let mut codec = SignalCodec(host.clone());
            let online = host.clone();
            let mut emit = move |e: Event<Signal>| {
                st.set(st.get().after(&e, || online.online()));
                match e {
                    Event::Signal(s) => q.lock().push_back(Ok(s)),
                    Event::Connected => c.set(true),
                    Event::Failed(err) => q.lock().push_back(Err(err)),
                    _ => {}
                }
                true
            };
            driver::run(host, target, options, Shared::new(Progress::default()), &mut codec, &mut emit).await;
        });
        SignalStream { driver: Some(driver), queue, connected, state }
    }
}
