//! `liveQueueUpdated`: the live queue again after each change that can move it (a conversation created, assigned,
//! handed off, its status changed, a message written). Computed once per change for all the subscribers of a
//! workspace ([`queue::Shared`]).

use super::queue::{self, LiveQueue};
use crate::context::ContextExt;
use crate::error::ApiError;
use crate::events::Envelope;
use crate::events::subscription::live;
use crate::events::types::EventType;
use async_graphql::{Context, Subscription};
use futures::{Stream, StreamExt};

#[derive(Default)]
pub struct AnalyticsSubscription;

#[Subscription]
impl AnalyticsSubscription {
    /// The workspace's live queue (as `liveQueue`), each time a conversation changes.
    async fn live_queue_updated(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = async_graphql::Result<LiveQueue>> + use<>, ApiError> {
        let (db, viewer) = (ctx.db()?.clone(), ctx.viewer()?.clone());
        let shared = ctx.data_opt::<queue::Shared>().cloned().unwrap_or_default();
        let changes = live(ctx, |env| match env {
            Envelope::Stored { event, conversation: Some(_), .. }
                if EventType::parse(&event.event_type)
                    .is_some_and(|t| t.is_conversation() || t == EventType::MessageCreated) =>
            {
                Some(event.id)
            }
            _ => None,
        })?;
        Ok(changes.then(move |change| {
            let (db, viewer, shared) = (db.clone(), viewer.clone(), shared.clone());
            async move {
                let event_id = change?;
                shared.after(&db, &viewer, event_id).await.map_err(async_graphql::Error::from)
            }
        }))
    }
}
