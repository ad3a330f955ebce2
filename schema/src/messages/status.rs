//! `updateMessageStatus`: delivery receipts from channels and clients.
//!
//! Receipts arrive out of order (a "read" before its "delivered"), so a status never moves back: a late
//! `DELIVERED` after `READ` changes nothing and is not an error. `FAILED` is final, and a read message cannot fail.

use super::Message;
use crate::context::ContextExt;
use crate::context::Viewer;
use crate::enums::MessageStatus;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::write::{self, Change, Edited, from_to};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::enums::MessageStatus as S;
use entities::message;
use sea_orm::{DatabaseConnection, IntoActiveModel, Set};
use serde_json::json;
use uuid::Uuid;

/// A delivery receipt for a message.
#[derive(InputObject)]
pub struct UpdateMessageStatusInput {
    /// The message (its global id).
    pub message_id: ID,
    /// `DELIVERED`, `READ` or `FAILED` (never back: `FAILED` is final).
    pub status: MessageStatus,
    /// Why delivery failed: required with `FAILED`, refused otherwise.
    pub reason: Option<String>,
}

/// A message after a delivery receipt.
#[derive(SimpleObject)]
pub struct UpdateMessageStatusPayload {
    /// The message as it is after this mutation.
    pub message: Message,
    /// False when the message already had this status or a later one (nothing was written).
    pub changed: bool,
}

fn rank(s: S) -> u8 {
    match s {
        S::Sent => 0,
        S::Delivered => 1,
        S::Read => 2,
        S::Failed => 3,
    }
}

fn subject(m: &message::Model) -> Subject {
    Subject { conversation: Some(m.conversation_id), message: Some(m.id), ..Default::default() }
}

/// Applies a receipt: the one place the status rules live (`updateMessageStatus`, WhatsApp status webhooks).
/// A receipt that would move the status back writes nothing (no event). `reason` is the failure's, checked by
/// the caller.
pub async fn set_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    to: S,
    reason: Option<String>,
) -> ApiResult<Edited<message::Model>> {
    write::edit::<message::Entity, _>(db, viewer, id, "message", subject, |m| {
        if m.status == S::Failed && to != S::Failed {
            return Err(ApiError::transition("message", m.status, "change status"));
        }
        if to == S::Failed && m.status == S::Read {
            return Err(ApiError::transition("message", m.status, "fail"));
        }
        if rank(to) <= rank(m.status) {
            return Ok(None);
        }
        let mut row = m.clone().into_active_model();
        row.status = Set(to);
        row.failure_reason = Set(reason.clone());
        let mut payload = json!({ "status": from_to(m.status, to) });
        if let Some(r) = &reason {
            payload["reason"] = json!(r);
        }
        Ok(Some(Change::new(row).event(EventType::MessageUpdated, payload)))
    })
    .await
}

#[derive(Default)]
pub struct MessageStatusMutation;

#[Object]
impl MessageStatusMutation {
    /// Records a delivery receipt: `DELIVERED`, `READ`, or `FAILED` with a reason.
    async fn update_message_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: UpdateMessageStatusInput,
    ) -> ApiResult<UpdateMessageStatusPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Message, &input.message_id, "messageId")?;
        let to = S::from(input.status);
        let reason = match (to, input.reason) {
            (S::Failed, Some(r)) => {
                write::required_text("reason", &r, 1000)?;
                Some(r.trim().to_owned())
            }
            (S::Failed, None) => return Err(ApiError::bad_input("reason", "required when the status is FAILED")),
            (_, Some(_)) => return Err(ApiError::bad_input("reason", "only with status FAILED")),
            (_, None) => None,
        };
        let edited = set_status(db, viewer, id, to, reason).await?;
        let changed = !edited.events.is_empty();
        crate::events::publish(ctx, &edited.events).await?;
        Ok(UpdateMessageStatusPayload { message: edited.model.into(), changed })
    }
}
