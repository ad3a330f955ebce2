//! Subscriptions over the bus: [`live`] adapts this instance's broadcast to one subscriber's filtered stream, and
//! `events(after:)` replays the outbox after a cursor and then goes live, so a client that reconnects misses
//! nothing.

use super::{Envelope, EventBus};
use crate::context::{ContextExt, Viewer};
use crate::conversations::Conversation;
use crate::error::{ApiError, ApiResult};
use crate::events::types::EventType;
use crate::messages::Message;
use async_graphql::{Context, ID, Json, Object, SimpleObject, Subscription};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entities::event;
use futures::stream::{self, Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// The error a subscriber gets when it fell too far behind; its stream then ends.
fn lagged() -> async_graphql::Error {
    ApiError::Conflict(
        "this subscriber fell behind and was dropped: resume with `events(after: <the last cursor you received>)`"
            .into(),
    )
    .into()
}

/// The error every live stream of an instance gets when it could not deliver some events; the stream then ends.
fn interrupted() -> async_graphql::Error {
    ApiError::Conflict(
        "live delivery was interrupted on this server: resume with `events(after: <the last cursor you received>)`"
            .into(),
    )
    .into()
}

/// The one way to a live stream: this instance's broadcast, narrowed to what the request's viewer may see
/// (its workspace, and what its credential reaches: `scope::sees`), then filtered and mapped by `pick`. The
/// receiver is subscribed at once, so nothing published after this call is missed.
pub fn live<T, F>(ctx: &Context<'_>, pick: F) -> ApiResult<impl Stream<Item = async_graphql::Result<T>> + use<T, F>>
where
    T: Send + 'static,
    F: FnMut(&Envelope) -> Option<T> + Send + 'static,
{
    let viewer = ctx.viewer()?.clone();
    let rx = ctx.data::<EventBus>().map_err(|_| ApiError::Internal)?.subscribe();
    Ok(follow_stored(rx, viewer, pick))
}

/// `rx` narrowed to what `viewer` sees, then filtered and mapped by `pick`; ends with an error when the receiver
/// lagged or the instance's delivery was interrupted.
pub(crate) fn follow_stored<T, F>(
    rx: Receiver<Arc<Envelope>>,
    viewer: Viewer,
    pick: F,
) -> impl Stream<Item = async_graphql::Result<T>> + use<T, F>
where
    T: Send + 'static,
    F: FnMut(&Envelope) -> Option<T> + Send + 'static,
{
    stream::unfold(Some((rx, viewer, pick)), |state| async move {
        let (mut rx, viewer, mut pick) = state?;
        loop {
            match rx.recv().await {
                Ok(env) if matches!(*env, Envelope::Interrupted) => return Some((Err(interrupted()), None)),
                Ok(env) => {
                    if crate::scope::sees(&viewer, &env)
                        && let Some(item) = pick(&env)
                    {
                        metrics::counter!(crate::metrics::EVENTS_DELIVERED).increment(1);
                        return Some((Ok(item), Some((rx, viewer, pick))));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    metrics::counter!(crate::metrics::EVENTS_DROPPED, "reason" => "lagged").increment(missed);
                    return Some((Err(lagged()), None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// An event from the outbox.
pub struct Event(pub event::Model);

/// An entry of the workspace's event log (the outbox): every write appends one, in commit order. `cursor` resumes
/// `events(after:)`.
#[Object]
impl Event {
    /// Resume point: pass it as `events(after:)`.
    async fn cursor(&self) -> String {
        encode_cursor(self.0.id)
    }
    /// The event type's wire name, as webhooks will carry it: `message.created`, `conversation.status_changed`,
    /// … (the `EventType` enum lists them all: `MESSAGE_CREATED` is `message.created`). `payload` says what
    /// changed (`{"from": …, "to": …}` pairs, `fields`).
    async fn r#type(&self) -> &str {
        &self.0.event_type
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// What changed, as a JSON object (its shape depends on `type`).
    async fn payload(&self) -> Json<&serde_json::Value> {
        Json(&self.0.payload)
    }
    /// The conversation the event is about, if any (global id).
    async fn conversation_id(&self) -> Option<ID> {
        self.0.conversation_id.map(|id| crate::id::encode(crate::id::Kind::Conversation, id))
    }
    /// The message the event is about, if any (global id).
    async fn message_id(&self) -> Option<ID> {
        self.0.message_id.map(|id| crate::id::encode(crate::id::Kind::Message, id))
    }
    /// The ticket the event is about, if any (global id).
    async fn ticket_id(&self) -> Option<ID> {
        self.0.ticket_id.map(|id| crate::id::encode(crate::id::Kind::Ticket, id))
    }
    /// The contact the event is about, if any (global id).
    async fn contact_id(&self) -> Option<ID> {
        self.0.contact_id.map(|id| crate::id::encode(crate::id::Kind::Contact, id))
    }
    /// The conversation the event is about, as it is now.
    async fn conversation(&self, ctx: &Context<'_>) -> ApiResult<Option<Conversation>> {
        let Some(id) = self.0.conversation_id else { return Ok(None) };
        Ok(crate::lists::loaders(ctx)?.conversation().load_one(id).await?.map(Conversation))
    }
    /// The message the event is about, as it is now.
    async fn message(&self, ctx: &Context<'_>) -> ApiResult<Option<Message>> {
        let Some(id) = self.0.message_id else { return Ok(None) };
        Ok(crate::lists::loaders(ctx)?.message().load_one(id).await?.map(Message))
    }
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("event:{id}"))
}

pub(crate) fn decode_cursor(c: &str) -> ApiResult<i64> {
    let bad = || ApiError::bad_input("after", "invalid event cursor: use an Event.cursor you received");
    let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = std::str::from_utf8(&raw).map_err(|_| bad())?;
    text.strip_prefix("event:").and_then(|n| n.parse().ok()).ok_or_else(bad)
}

const REPLAY_PAGE: u64 = 500;

async fn backlog(
    db: &DatabaseConnection,
    viewer: &Viewer,
    after: i64,
    types: &Option<Vec<EventType>>,
) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    let mut q = crate::scope::scoped_events(viewer)
        .filter(event::Column::Id.gt(after))
        .order_by_asc(event::Column::Id)
        .limit(REPLAY_PAGE);
    if let Some(types) = types {
        q = q.filter(event::Column::EventType.is_in(types.iter().map(|t| t.as_str())));
    }
    q.all(db).await
}

/// Someone typing, or having stopped. Ids are global ids, as everywhere else.
#[derive(SimpleObject)]
pub struct TypingEvent {
    /// The conversation (global id).
    pub conversation_id: ID,
    /// Who is typing.
    pub sender_kind: crate::enums::SenderKind,
    /// The contact, agent or bot typing (null for SYSTEM).
    pub sender_id: Option<ID>,
    /// `true` when typing started, `false` when it stopped.
    pub on: bool,
}

#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Every stored event of the workspace: first those after `after` (from the outbox), then live ones. Without
    /// `after`, only live events. `types` narrows to some event types.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Replay the stored events after this cursor (an `Event.cursor`) first, then go live; without it, only live events."
        )]
        after: Option<String>,
        #[graphql(desc = "Only events of these types (at most 50).")] types: Option<Vec<EventType>>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Event>> + use<>, ApiError> {
        let (db, viewer) = (ctx.db()?.clone(), ctx.viewer()?.clone());
        if types.as_ref().is_some_and(|t| t.len() > 50) {
            return Err(ApiError::bad_input("types", "at most 50 types"));
        }
        let after = after.as_deref().map(decode_cursor).transpose()?;
        // Over an event stream resumed with `Last-Event-ID`, the later of the two cursors.
        let resume = ctx.data_opt::<Arc<super::resume::Resume>>().cloned();
        let after = after.max(resume.as_ref().and_then(|r| r.resumes_after()));
        // Subscribe before reading the backlog: nothing committed in between is missed; duplicates are skipped.
        let last_replayed = Arc::new(std::sync::atomic::AtomicI64::new(after.unwrap_or(0)));
        let (newer, wanted) = (last_replayed.clone(), types.clone());
        let live = live(ctx, move |env| match env {
            Envelope::Stored { event, .. }
                if event.id > newer.load(std::sync::atomic::Ordering::Relaxed)
                    && wanted.as_ref().is_none_or(|t| t.iter().any(|x| x.as_str() == event.event_type)) =>
            {
                Some(Event(event.clone()))
            }
            _ => None,
        })?;
        let replay = {
            let (db, types) = (db.clone(), types.clone());
            stream::unfold(after, move |cursor| {
                let (db, types, viewer) = (db.clone(), types.clone(), viewer.clone());
                async move {
                    let from = cursor?;
                    match backlog(&db, &viewer, from, &types).await {
                        Ok(page) if page.is_empty() => None,
                        Ok(page) => {
                            let next = page.last().map(|e| e.id);
                            Some((Ok(page), next))
                        }
                        Err(e) => Some((Err(ApiError::from(e).into()), None)),
                    }
                }
            })
            .flat_map(|page: async_graphql::Result<Vec<event::Model>>| match page {
                Ok(events) => stream::iter(events.into_iter().map(|e| Ok(Event(e))).collect::<Vec<_>>()),
                Err(e) => stream::iter(vec![Err(e)]),
            })
        };
        let replay = replay.inspect(move |e| {
            if let Ok(e) = e {
                last_replayed.fetch_max(e.0.id, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Ok(replay.chain(live).inspect(move |e| {
            if let (Ok(e), Some(r)) = (e, &resume) {
                r.delivered(e.0.id);
            }
        }))
    }

    /// Someone starts or stops typing in a conversation (ephemeral: never replayed).
    async fn typing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation (global id).")] conversation_id: ID,
    ) -> Result<impl Stream<Item = async_graphql::Result<TypingEvent>> + use<>, ApiError> {
        let id = crate::id::decode(crate::id::Kind::Conversation, &conversation_id, "conversationId")?;
        // Typing signals carry no conversation row: check at once that the viewer sees this one.
        crate::lists::loaders(ctx)?
            .conversation()
            .load_one(id)
            .await?
            .ok_or_else(|| ApiError::NotFound("conversation".into()))?;
        live(ctx, move |env| match env {
            Envelope::Typing(t) if t.conversation_id == id => Some(TypingEvent {
                conversation_id: conversation_id.clone(),
                sender_kind: t.sender_kind.into(),
                sender_id: crate::messages::sender_kind_id(t.sender_kind.into())
                    .zip(t.sender_id)
                    .map(|(kind, id)| crate::id::encode(kind, id)),
                on: t.on,
            }),
            _ => None,
        })
    }

    /// New messages: of one conversation, of one bot's conversations, or (no argument) of the whole workspace.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only messages of this conversation (global id).")] conversation_id: Option<ID>,
        #[graphql(desc = "Only messages of conversations this bot handles (global id).")] bot_id: Option<ID>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Message>> + use<>, ApiError> {
        let conv = conversation_id
            .as_ref()
            .map(|c| crate::id::decode(crate::id::Kind::Conversation, c, "conversationId"))
            .transpose()?;
        let bot = bot_id.as_ref().map(|b| crate::id::decode(crate::id::Kind::Bot, b, "botId")).transpose()?;
        super::resume::resumable(ctx, move |env| match env {
            Envelope::Stored { event, message: Some(m), conversation, .. }
                if event.event_type == EventType::MessageCreated.as_str()
                    && conv.is_none_or(|c| m.conversation_id == c)
                    && bot.is_none_or(|b| conversation.as_ref().is_some_and(|c| c.bot_id == Some(b))) =>
            {
                Some(Message(m.clone()))
            }
            _ => None,
        })
    }
}
