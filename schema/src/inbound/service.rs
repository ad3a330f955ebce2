//! Writing what a channel delivered, as the inbox's workspace (`Viewer::system`): for each message, the contact
//! (upserted by external id), the contact's unresolved conversation on the inbox's channel and bot (or a new
//! one), and the message through `messages::service` with the platform's id as `sourceId`. For each receipt,
//! the status rule of `updateMessageStatus`.
//!
//! Retries: a message whose `sourceId` is already stored is answered as replayed and writes nothing. When
//! identical deliveries race, the unique index `(workspace_id, channel, source_id)` lets one write; the others'
//! transactions fail and roll back (a conversation they started included) and they read the winner's row.

use super::{Batch, InboundMessage};
use crate::contacts::service::{self as contacts, ContactFields};
use crate::context::Viewer;
use crate::conversations::service::{self as conversations, NewConversation};
use crate::error::{ApiError, ApiResult};
use crate::inboxes::InboxChannel;
use crate::messages::service::{self as messages, NewMessage};
use crate::messages::status;
use crate::scope::scoped;
use entities::enums::{Channel, ConversationStatus, MessageKind, Priority, SenderKind};
use entities::{conversation, event, inbox, message};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// What a request wrote, and the events to publish.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Messages written now.
    pub created: usize,
    /// Messages already stored (a retried delivery): nothing written.
    pub replayed: usize,
    /// Receipts that changed a message's status.
    pub receipts: usize,
    pub events: Vec<event::Model>,
}

/// Writes `batch` into `inbox`'s workspace. The caller publishes `events` (after this returns, every write is
/// committed). Stops at the first failure: what was written before it stays, and a retry of the same delivery
/// skips it as replayed.
#[tracing::instrument(skip_all, fields(inbox = %inbox.id))]
pub async fn receive(db: &DatabaseConnection, inbox: &inbox::Model, batch: Batch) -> ApiResult<Outcome> {
    let viewer = Viewer::system(inbox.workspace_id);
    let channel = InboxChannel::parse(&inbox.channel).ok_or(ApiError::Internal)?.conversation_channel();
    let mut out = Outcome::default();
    for msg in batch.messages {
        let (replayed, events) = message_in(db, &viewer, inbox, channel, msg).await?;
        if replayed {
            out.replayed += 1;
        } else {
            out.created += 1;
        }
        out.events.extend(events);
    }
    for r in batch.receipts {
        // A receipt for a message Parlor did not send (or not yet stored) concerns nobody here.
        let Some(m) = by_source(db, &viewer, channel, &r.source_id).await? else { continue };
        match status::set_status(db, &viewer, m.id, r.status, r.reason).await {
            Ok(edited) => {
                if !edited.events.is_empty() {
                    out.receipts += 1;
                }
                out.events.extend(edited.events);
            }
            // A receipt that contradicts the message's final state (read after failed…): nothing to do.
            Err(ApiError::InvalidTransition { message, .. }) => tracing::info!(%message, "receipt ignored"),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

async fn by_source(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel: Channel,
    source_id: &str,
) -> ApiResult<Option<message::Model>> {
    Ok(scoped::<message::Entity>(viewer)
        .filter(message::Column::Channel.eq(channel))
        .filter(message::Column::SourceId.eq(source_id))
        .one(db)
        .await?)
}

/// One message: whether it was a replay, and the events written.
async fn message_in(
    db: &DatabaseConnection,
    viewer: &Viewer,
    inbox: &inbox::Model,
    channel: Channel,
    msg: InboundMessage,
) -> ApiResult<(bool, Vec<event::Model>)> {
    if by_source(db, viewer, channel, &msg.source_id).await?.is_some() {
        return Ok((true, vec![]));
    }
    let source_id = msg.source_id.clone();
    match write_message(db, viewer, inbox, channel, msg).await {
        Ok(done) => Ok(done),
        // Lost a race with an identical delivery: the winner's message is the answer.
        Err(e) => match by_source(db, viewer, channel, &source_id).await? {
            Some(_) => Ok((true, vec![])),
            None => Err(e),
        },
    }
}

async fn write_message(
    db: &DatabaseConnection,
    viewer: &Viewer,
    inbox: &inbox::Model,
    channel: Channel,
    msg: InboundMessage,
) -> ApiResult<(bool, Vec<event::Model>)> {
    let mut fields = ContactFields { external_id: Some(Some(msg.contact.external_id.clone())), ..Default::default() };
    if let Some(name) = &msg.contact.name {
        fields.name = Some(Some(name.clone()));
    }
    if let Some(phone) = &msg.contact.phone {
        fields.phone = Some(Some(phone.clone()));
    }
    fields.validate()?;
    let (contact, _, mut events) = contacts::upsert(db, viewer, &fields).await?;

    let kind = match msg.attachments.first() {
        _ if !msg.text.trim().is_empty() => MessageKind::Text,
        Some(a) if a["kind"] == "image" => MessageKind::Image,
        _ => MessageKind::File,
    };
    let inbox_id = crate::id::encode(crate::id::Kind::Inbox, inbox.id).0;
    let mut payload = json!({ "inboxId": inbox_id });
    if !msg.attachments.is_empty() {
        payload["attachments"] = json!(msg.attachments);
    }
    if let Some(at) = msg.sent_at {
        payload["sentAt"] = json!(at);
    }
    let new = NewMessage {
        conversation_id: Uuid::nil(),
        sender_kind: SenderKind::Contact,
        sender_id: None,
        kind,
        content: msg.text,
        payload,
        private: false,
        client_message_id: None,
        source_id: Some(msg.source_id),
    };
    let open = scoped::<conversation::Entity>(viewer)
        .filter(conversation::Column::ContactId.eq(contact.id))
        .filter(conversation::Column::Channel.eq(channel))
        .filter(match inbox.bot_id {
            Some(b) => conversation::Column::BotId.eq(b),
            None => conversation::Column::BotId.is_null(),
        })
        .filter(conversation::Column::Status.ne(ConversationStatus::Resolved))
        .order_by_desc(conversation::Column::LastActivityAt)
        .one(db)
        .await?;
    match open {
        Some(conv) => {
            let sent = messages::send(db, viewer, NewMessage { conversation_id: conv.id, ..new }).await?;
            events.extend(sent.events);
            Ok((sent.replayed, events))
        }
        None => {
            let start = NewConversation {
                contact_id: contact.id,
                bot_id: inbox.bot_id,
                channel,
                subject: None,
                priority: Priority::Normal,
                attributes: json!({ "inboxId": inbox_id }),
            };
            let started = conversations::start(db, viewer, start, Some(new)).await?;
            let replayed = started.events.is_empty();
            events.extend(started.events);
            Ok((replayed, events))
        }
    }
}
