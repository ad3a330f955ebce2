//! Shared subscription executions: subscribers whose requests have the same [`ShareKey`] (same document,
//! operation and variables, same visibility, a live-only root field: `schema::events::sharing`) receive the
//! results of one execution, serialised once. A delivery then costs a copy of an `Arc` into each subscriber's
//! queue and a frame write, not an execution and a serialisation per subscriber.
//!
//! Every subscriber still runs its own execution until it is admitted (document limits, validation, permissions,
//! the rate charge: refusals are its own, as before). Admitted, it either joins the running execution for its key
//! and drops its own, or its own execution becomes the shared one, driven by a task of its own that outlives the
//! subscriber who started it and stops when the last one leaves.
//!
//! Each subscriber has a bounded queue of [`QUEUE`] results. One whose queue is full (its socket does not keep up)
//! is cut off, never skipped silently: it gets the results already queued, then [`Delivery::Lagged`], then its
//! operation ends, as a lagging subscriber of the event bus does.

use async_graphql::Response;
use futures::stream::{self, BoxStream, StreamExt};
use schema::events::resume::Resume;
use schema::events::sharing::ShareKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Results a subscriber may have waiting before it is cut off.
pub const QUEUE: usize = 256;

/// What a subscriber of a shared execution receives.
pub enum Delivery {
    /// A result, shared by every subscriber.
    Next(Arc<Payload>),
    /// It fell [`QUEUE`] results behind and was cut off; nothing follows.
    Lagged,
}

/// A result serialised once.
pub struct Payload {
    /// The JSON of the GraphQL response.
    pub json: Box<str>,
    /// The outbox cursor of the last stored event the execution delivered (Server-Sent Events write it as `id`).
    pub cursor: Option<String>,
}

/// The running shared executions of this instance, by key.
#[derive(Default)]
pub struct Sharing {
    running: Mutex<HashMap<ShareKey, Weak<Shared>>>,
}

/// One shared execution: alive while a subscriber holds it.
struct Shared {
    key: ShareKey,
    sharing: Arc<Sharing>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    subscribers: Vec<Subscriber>,
    /// The execution ended: nobody may join any more.
    ended: bool,
    driver: Option<AbortHandle>,
}

struct Subscriber {
    tx: mpsc::Sender<Arc<Payload>>,
    lagged: Arc<AtomicBool>,
}

impl Sharing {
    /// Subscribes to the running execution for `key`, dropping `own`; or, if none runs, makes `own` (an admitted
    /// execution that has produced nothing yet) the shared one. `resume` is the one in `own`'s request data: it
    /// gives each result's cursor.
    pub fn join(
        self: &Arc<Self>,
        key: ShareKey,
        own: BoxStream<'static, Response>,
        resume: Arc<Resume>,
    ) -> BoxStream<'static, Delivery> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let lagged = Arc::new(AtomicBool::new(false));
        let subscriber = Subscriber { tx, lagged: lagged.clone() };
        let Ok(mut running) = self.running.lock() else {
            // A poisoned registry: run on its own (still one serialisation per result).
            return own.map(move |resp| Delivery::Next(serialise(&resp, &resume))).boxed();
        };
        // Arcs upgraded under the lock are dropped after it: the last one's `Drop` takes the lock itself.
        let existing = running.get(&key).and_then(Weak::upgrade);
        let (shared, own) = match existing {
            Some(shared) if shared.add(&subscriber) => (shared, Some(own)),
            ended => {
                let shared = Arc::new(Shared { key: key.clone(), sharing: self.clone(), state: Mutex::default() });
                ::metrics::gauge!(schema::metrics::SHARED_EXECUTIONS).increment(1);
                shared.add(&subscriber);
                running.insert(key, Arc::downgrade(&shared));
                let driver = tokio::spawn(drive(own, resume, Arc::downgrade(&shared)));
                if let Ok(mut s) = shared.state.lock() {
                    s.driver = Some(driver.abort_handle());
                }
                drop(running);
                drop(ended);
                return receive(shared, rx, lagged);
            }
        };
        drop(running);
        drop(own); // this subscriber's own execution: it joined another (dropped outside the registry's lock)
        receive(shared, rx, lagged)
    }
}

impl Shared {
    /// Adds a subscriber unless the execution has ended.
    fn add(&self, subscriber: &Subscriber) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        if s.ended {
            return false;
        }
        s.subscribers.push(Subscriber { tx: subscriber.tx.clone(), lagged: subscriber.lagged.clone() });
        true
    }

    /// Queues a result for every subscriber; those whose queue is full are cut off. Returns how many got it.
    fn send(&self, json: &Arc<Payload>) -> usize {
        let Ok(mut s) = self.state.lock() else { return 0 };
        s.subscribers.retain(|sub| match sub.tx.try_send(json.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                sub.lagged.store(true, Ordering::Release);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        s.subscribers.len()
    }

    /// The execution ended: subscribers get what is queued, then the end.
    fn end(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.ended = true;
            s.subscribers.clear();
        }
        self.unregister();
    }

    fn unregister(&self) {
        if let Ok(mut running) = self.sharing.running.lock()
            && running.get(&self.key).is_some_and(|w| std::ptr::eq(w.as_ptr(), self) || w.strong_count() == 0)
        {
            running.remove(&self.key);
        }
    }
}

impl Drop for Shared {
    /// The last subscriber left: the execution stops.
    fn drop(&mut self) {
        ::metrics::gauge!(schema::metrics::SHARED_EXECUTIONS).decrement(1);
        if let Ok(mut s) = self.state.lock()
            && let Some(driver) = s.driver.take()
        {
            driver.abort();
        }
        self.unregister();
    }
}

/// Runs the shared execution, serialising each result once for every subscriber.
async fn drive(mut results: BoxStream<'static, Response>, resume: Arc<Resume>, shared: Weak<Shared>) {
    while let Some(resp) = results.next().await {
        let json = serialise(&resp, &resume);
        // Held only between awaits: the subscribers, not the driver, keep the execution alive.
        let Some(s) = shared.upgrade() else { return };
        let got = s.send(&json);
        // The execution counted one delivery; the others are copies of it.
        if got > 1 {
            ::metrics::counter!(schema::metrics::EVENTS_DELIVERED).increment(got as u64 - 1);
        }
    }
    if let Some(s) = shared.upgrade() {
        s.end();
    }
}

/// One subscriber's results: its queue, then [`Delivery::Lagged`] if it was cut off.
fn receive(
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Arc<Payload>>,
    lagged: Arc<AtomicBool>,
) -> BoxStream<'static, Delivery> {
    stream::unfold(Some((shared, rx, lagged)), |state| async move {
        let (shared, mut rx, lagged) = state?;
        match rx.recv().await {
            Some(json) => Some((Delivery::Next(json), Some((shared, rx, lagged)))),
            None if lagged.load(Ordering::Acquire) => {
                ::metrics::counter!(schema::metrics::EVENTS_DROPPED, "reason" => "lagged").increment(1);
                Some((Delivery::Lagged, None))
            }
            None => None,
        }
    })
    .boxed()
}

/// A result serialised once, with the cursor its execution recorded for it.
fn serialise(resp: &Response, resume: &Resume) -> Arc<Payload> {
    let json = match serde_json::to_string(resp) {
        Ok(json) => json.into(),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a subscription result");
            let code = schema::error::Code::Internal.as_str();
            serde_json::json!({ "data": null, "errors": [{ "message": "internal error", "extensions": { "code": code } }] })
                .to_string()
                .into()
        }
    };
    Arc::new(Payload { json, cursor: resume.last() })
}

/// The result a subscriber cut off for falling behind gets last.
pub fn lagged_json() -> String {
    let message =
        "this subscriber fell behind and was dropped: resume with `events(after: <the last cursor you received>)`";
    let code = schema::error::Code::Conflict.as_str();
    serde_json::json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] }).to_string()
}
