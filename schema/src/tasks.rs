//! Runs a request's DataLoader batches inside the request's own task, and only when execution is idle.
//!
//! With `tokio::spawn`ed batches, a batch's delay timer fires on another worker thread while the request is still
//! polling resolvers that enqueue keys (and large lists yield midway through a poll, for fairness), so one
//! relation splits into a varying number of statements: measured, 18 sender batches for one dashboard query.
//! [`TaskQueue::run`] polls the execution first and polls queued batches only once the execution is waiting
//! without having woken itself, i.e. once every key it can reach is enqueued. Statement counts then depend on the
//! query's shape, not on timing or build profile. Batches also inherit the request's span and SQL counter.

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
pub struct TaskQueue {
    inner: Mutex<Queue>,
    /// For operations nobody drives with [`TaskQueue::run`] (subscriptions over WebSocket): batches are spawned.
    detached: bool,
}

#[derive(Default)]
struct Queue {
    new: Vec<BoxFuture<'static, ()>>,
    waker: Option<Waker>,
}

/// Forwards wake-ups and remembers that one happened.
struct Flagged {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for Flagged {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

impl TaskQueue {
    /// A queue that spawns batches on the runtime instead of holding them for `run`.
    pub fn detached() -> Self {
        Self { detached: true, ..Self::default() }
    }

    pub fn is_detached(&self) -> bool {
        self.detached
    }

    /// Queues `fut` (the DataLoader spawner).
    pub fn spawn(&self, fut: BoxFuture<'static, ()>) {
        if self.detached {
            tokio::spawn(fut);
            return;
        }
        let Ok(mut q) = self.inner.lock() else { return };
        q.new.push(fut);
        if let Some(w) = q.waker.take() {
            w.wake();
        }
    }

    /// Runs `fut` to completion, with queued batches run whenever `fut` is idle.
    pub async fn run<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(|cx| {
            loop {
                let flag = Arc::new(Flagged { woken: AtomicBool::new(false), inner: cx.waker().clone() });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(out) = fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(out);
                }
                if flag.woken.load(Ordering::Acquire) {
                    // Still busy (it yielded mid-pass); our waker was woken, so we are polled again.
                    return Poll::Pending;
                }
                if let Ok(mut q) = self.inner.lock() {
                    running.extend(q.new.drain(..));
                    q.waker = Some(cx.waker().clone());
                }
                match running.poll_next_unpin(cx) {
                    // A batch finished: its waiters are woken; let the execution use the results.
                    Poll::Ready(Some(())) => continue,
                    Poll::Ready(None) | Poll::Pending => {
                        let more = self.inner.lock().map(|q| !q.new.is_empty()).unwrap_or(false);
                        if !more {
                            return Poll::Pending;
                        }
                    }
                }
            }
        })
        .await
    }
}

/// The DataLoader's spawner (async-graphql 8 takes a `futures::task::Spawn`): hands batches to the queue.
pub struct QueueSpawner(pub Arc<TaskQueue>);

impl futures::task::Spawn for QueueSpawner {
    fn spawn_obj(&self, future: futures::task::FutureObj<'static, ()>) -> Result<(), futures::task::SpawnError> {
        self.0.spawn(Box::pin(future));
        Ok(())
    }
}

/// The DataLoader's timer. Our loaders use no delay (batches start when execution is idle), so a zero delay is
/// ready at once instead of a trip through the timer wheel.
pub struct LoaderTimer;

impl async_graphql::runtime::Timer for LoaderTimer {
    fn delay(&self, duration: std::time::Duration) -> BoxFuture<'static, ()> {
        if duration.is_zero() { Box::pin(std::future::ready(())) } else { Box::pin(tokio::time::sleep(duration)) }
    }
}
