//! What the client shares between its tasks, `Send + Sync` where the
//! platform has threads and free of atomics and locks where it has one.
//!
//! Natively a client is shared across tokio tasks, so its state sits in an
//! `Arc` and a `Mutex`, and every future the host hands over is `Send`. A
//! browser (wasm) has one thread and its futures (over JS promises) cannot
//! be `Send`: there the same names are `Rc`, `RefCell` and local futures, so
//! the package pays nothing for threads it does not have.

use std::future::Future;
use std::pin::Pin;

/// `Send` natively; every type on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` natively; every type on wasm.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` natively; every type on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` natively; every type on wasm.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future: `Send` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` natively.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A boxed stream: `Send` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + Send + 'a>>;
/// A boxed stream: `Send` natively.
#[cfg(target_arch = "wasm32")]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + 'a>>;

/// Boxes a future as a [`BoxFuture`].
pub fn boxed<'a, F: Future + MaybeSend + 'a>(f: F) -> BoxFuture<'a, F::Output> {
    Box::pin(f)
}

/// Boxes a stream as a [`BoxStream`].
pub fn boxed_stream<'a, S: futures::Stream + MaybeSend + 'a>(s: S) -> BoxStream<'a, S::Item> {
    Box::pin(s)
}

/// Shared ownership: `Arc` natively, `Rc` on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub type Shared<T> = std::sync::Arc<T>;
/// Shared ownership: `Arc` natively, `Rc` on wasm.
#[cfg(target_arch = "wasm32")]
pub type Shared<T> = std::rc::Rc<T>;

/// Interior mutability: a `Mutex` natively (a panic while it is held does
/// not poison it for the others), a `RefCell` on wasm. Held only between
/// awaits, never across one.
#[derive(Debug, Default)]
pub struct Lock<T> {
    #[cfg(not(target_arch = "wasm32"))]
    inner: std::sync::Mutex<T>,
    #[cfg(target_arch = "wasm32")]
    inner: std::cell::RefCell<T>,
}

impl<T> Lock<T> {
    /// A lock holding `value`.
    pub const fn new(value: T) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let inner = std::sync::Mutex::new(value);
        #[cfg(target_arch = "wasm32")]
        let inner = std::cell::RefCell::new(value);
        Lock { inner }
    }

    /// The value, borrowed until the guard drops.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value, borrowed until the guard drops.
    #[cfg(target_arch = "wasm32")]
    pub fn lock(&self) -> std::cell::RefMut<'_, T> {
        self.inner.borrow_mut()
    }

    /// A copy of the value.
    pub fn get(&self) -> T
    where
        T: Copy,
    {
        *self.lock()
    }

    /// Replaces the value.
    pub fn set(&self, value: T) {
        *self.lock() = value;
    }

    /// Takes the value, leaving the default.
    pub fn take(&self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut *self.lock())
    }
}
