//! Resuming a live stream where a client left it, for transports that number their events (Server-Sent Events'
//! `id` and `Last-Event-ID`, `api::http::sse`). The transport puts an `Arc<Resume>` in the request's data: the
//! subscriptions that follow stored events ([`resumable`]) then first replay, from the outbox, the events after
//! the client's cursor that they would have delivered, and record the outbox cursor of every event they deliver,
//! which the transport writes as the SSE event's `id`.
//!
//! The cursor is the one `events(after:)` takes (`Event.cursor`). Replay is at least once: events already
//! delivered before the cursor are never repeated, an event committed late (out of id order) may be.

use super::subscription::{decode_cursor, encode_cursor};
use super::{Envelope, EventBus};
use crate::context::{ContextExt, Viewer};
use crate::error::{ApiError, ApiResult};
use async_graphql::Context;
use futures::stream::{self, Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Events read from the outbox per query while replaying.
const PAGE: u64 = 500;
/// Most events a replay reads: a client away for longer reloads instead (its stream ends with a `CONFLICT`).
pub const MAX_REPLAY: usize = 50_000;

/// A stream's resume point (from the client) and the cursor of the last event it delivered (for the client).
#[derive(Debug, Default)]
pub struct Resume {
    after: Option<i64>,
    /// The outbox id of the last event delivered; 0 before the first.
    last: AtomicI64,
}

impl Resume {
    /// Resumes after `cursor` (an `Event.cursor`, as sent back in `Last-Event-ID`).
    pub fn after(cursor: &str) -> ApiResult<Self> {
        let after = decode_cursor(cursor.trim()).map_err(|_| {
            ApiError::bad_input("Last-Event-ID", "not an event id this server sent: reconnect without it")
        })?;
        Ok(Self { after: Some(after), last: AtomicI64::new(0) })
    }

    /// The cursor of the last event delivered, if any.
    pub fn last(&self) -> Option<String> {
        let id = self.last.load(Ordering::Acquire);
        (id > 0).then(|| encode_cursor(id))
    }

    /// Whether the stream replays from a client's cursor before it goes live.
    pub fn resumes(&self) -> bool {
        self.after.is_some()
    }

    /// The client's cursor, if it resumes.
    pub(crate) fn resumes_after(&self) -> Option<i64> {
        self.after
    }

    pub(crate) fn delivered(&self, id: i64) {
        self.last.store(id, Ordering::Release);
    }
}

/// A live stream of stored events like [`super::subscription::live`], resumable: when the request carries a
/// [`Resume`] with a cursor, the events after it are replayed from the outbox first (through the same `sees`
/// and `pick`), then live ones newer than the replay follow; every delivered event's cursor is recorded.
pub fn resumable<T, F>(
    ctx: &Context<'_>,
    pick: F,
) -> ApiResult<impl Stream<Item = async_graphql::Result<T>> + use<T, F>>
where
    T: Send + 'static,
    F: FnMut(&Envelope) -> Option<T> + Send + 'static,
{
    let viewer = ctx.viewer()?.clone();
    let resume = ctx.data_opt::<Arc<Resume>>().cloned();
    let bus = ctx.data::<EventBus>().map_err(|_| ApiError::Internal)?;
    // Subscribed before the replay reads anything: nothing committed in between is missed.
    let rx = bus.subscribe();
    let after = resume.as_ref().and_then(|r| r.after);
    let replayed = Arc::new(AtomicI64::new(after.unwrap_or(0)));
    let pick = Arc::new(std::sync::Mutex::new(pick));
    let replay = match after {
        Some(after) => replay(ctx.db()?.clone(), viewer.clone(), after, pick.clone(), replayed.clone()).boxed(),
        None => stream::empty().boxed(),
    };
    let newer = replayed.clone();
    let live = super::subscription::follow_stored(rx, viewer, move |env| match env {
        Envelope::Stored { event, .. } if event.id <= newer.load(Ordering::Acquire) => None,
        Envelope::Stored { event, .. } => {
            let item = pick.lock().ok()?(env)?;
            Some((event.id, item))
        }
        _ => pick.lock().ok()?(env).map(|item| (0, item)),
    });
    Ok(replay.chain(live).map(move |item| {
        item.map(|(id, item)| {
            if let (Some(r), true) = (&resume, id > 0) {
                r.delivered(id);
            }
            item
        })
    }))
}

/// The outbox after `after`, page by page, as envelopes the viewer sees and `pick` keeps (tagged with their id).
fn replay<T, F>(
    db: DatabaseConnection,
    viewer: Viewer,
    after: i64,
    pick: Arc<std::sync::Mutex<F>>,
    replayed: Arc<AtomicI64>,
) -> impl Stream<Item = async_graphql::Result<(i64, T)>>
where
    T: Send + 'static,
    F: FnMut(&Envelope) -> Option<T> + Send + 'static,
{
    stream::unfold(Some((after, 0usize)), move |state| {
        let (db, viewer, pick, replayed) = (db.clone(), viewer.clone(), pick.clone(), replayed.clone());
        async move {
            let (from, read) = state?;
            if read >= MAX_REPLAY {
                let msg = format!(
                    "more than {MAX_REPLAY} events happened since Last-Event-ID: load the current state and subscribe again without it"
                );
                return Some((vec![Err(ApiError::Conflict(msg).into())], None));
            }
            let page = crate::scope::scoped_events(&viewer)
                .filter(entities::event::Column::Id.gt(from))
                .order_by_asc(entities::event::Column::Id)
                .limit(PAGE)
                .all(&db)
                .await;
            let page = match page {
                Ok(p) if p.is_empty() => return None,
                Ok(p) => p,
                Err(e) => return Some((vec![Err(ApiError::from(e).into())], None)),
            };
            let (last, count) = (page.last().map_or(from, |e| e.id), page.len());
            let envelopes = match super::envelopes(&db, page).await {
                Ok(e) => e,
                Err(e) => return Some((vec![Err(ApiError::from(e).into())], None)),
            };
            let mut items = Vec::new();
            for env in envelopes {
                let Envelope::Stored { event, .. } = &env else { continue };
                let id = event.id;
                if crate::scope::sees(&viewer, &env)
                    && let Ok(mut pick) = pick.lock()
                    && let Some(item) = pick(&env)
                {
                    items.push(Ok((id, item)));
                }
            }
            replayed.fetch_max(last, Ordering::AcqRel);
            Some((items, Some((last, read + count))))
        }
    })
    .flat_map(stream::iter)
}
