//! Ticket rules: numbering, status transitions (`CLOSED` is final), first response and resolution times, and
//! comments (messages on the ticket's conversation).

use crate::context::Viewer;
use crate::conversations::service::{self as conversations, NewConversation};
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::messages::service::{self as messages, NewMessage, Sent};
use crate::write::{self, Change, Edited, append_all, from_to};
use entities::enums::{Channel, MessageKind, Priority, SenderKind, TicketStatus as S};
use entities::{event, ticket};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, IntoActiveModel, Set};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub contact_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub subject: String,
    pub description: Option<String>,
    pub priority: Priority,
    pub assignee_agent_id: Option<Uuid>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn subject(t: &ticket::Model) -> Subject {
    Subject { ticket: Some(t.id), conversation: t.conversation_id, contact: Some(t.contact_id), ..Default::default() }
}

pub async fn create(db: &DatabaseConnection, viewer: &Viewer, new: NewTicket) -> ApiResult<Edited<ticket::Model>> {
    write::retry_on_unique("ticket", || insert(db, viewer, &new)).await
}

async fn insert(db: &DatabaseConnection, viewer: &Viewer, new: &NewTicket) -> Result<Edited<ticket::Model>, DbErr> {
    let txn = crate::write::begin(db).await?;
    let result: Result<_, DbErr> = async {
        let number = crate::write::next_number::<ticket::Entity, _>(&txn, viewer, ticket::Column::Number).await?;
        let now = entities::now();
        let model = ticket::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(viewer.workspace_id),
            number: Set(number),
            conversation_id: Set(new.conversation_id),
            contact_id: Set(new.contact_id),
            subject: Set(new.subject.clone()),
            description: Set(new.description.clone()),
            status: Set(S::Open),
            priority: Set(new.priority),
            assignee_agent_id: Set(new.assignee_agent_id),
            due_at: Set(new.due_at),
            first_response_at: Set(None),
            resolved_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let events = append_all(&txn, viewer, subject(&model), vec![(EventType::TicketCreated, json!({}))]).await?;
        Ok(Edited { model, events })
    }
    .await;
    crate::write::finish(txn, result).await
}

/// The ticket after moving to `to`, if its state allows it.
pub fn set_status(t: &ticket::Model, to: S) -> ApiResult<Option<Change<ticket::ActiveModel>>> {
    if t.status == to {
        return Ok(None);
    }
    if t.status == S::Closed {
        return Err(ApiError::transition("ticket", t.status, "change status (closed is final)"));
    }
    let now = entities::now();
    let mut row = t.clone().into_active_model();
    row.status = Set(to);
    let mut payload = json!({ "status": from_to(t.status, to) });
    // Any move out of OPEN is the first response, unless a public comment came first.
    if t.first_response_at.is_none() && t.status == S::Open {
        row.first_response_at = Set(Some(now));
        payload["firstResponseAt"] = json!(now);
    }
    match to {
        S::Resolved => row.resolved_at = Set(Some(now)),
        S::Closed => row.resolved_at = Set(Some(t.resolved_at.unwrap_or(now))),
        _ => row.resolved_at = Set(None),
    }
    row.updated_at = Set(now);
    Ok(Some(Change::new(row).event(EventType::TicketUpdated, payload)))
}

/// Refuses changes to a closed ticket.
pub fn open_for_changes(t: &ticket::Model) -> ApiResult<()> {
    if t.status == S::Closed {
        return Err(ApiError::transition("ticket", t.status, "be changed (closed is final)"));
    }
    Ok(())
}

pub struct Comment {
    pub agent_id: Uuid,
    pub body: String,
    pub public: bool,
    pub client_message_id: Option<String>,
}

/// Adds a comment as a message of the ticket's conversation, starting one (channel `API`, handled by humans) for a
/// ticket that has none. A public comment is an agent reply the contact sees and counts as the first response;
/// the default is a private note.
pub async fn comment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: Uuid,
    c: Comment,
) -> ApiResult<(Edited<ticket::Model>, Sent)> {
    let new = NewMessage {
        conversation_id: Uuid::nil(),
        sender_kind: SenderKind::Agent,
        sender_id: Some(c.agent_id),
        kind: MessageKind::Text,
        content: c.body,
        payload: serde_json::Value::Null,
        private: !c.public,
        client_message_id: c.client_message_id,
        source_id: None,
    };
    messages::validate(&new)?;
    // One transaction: the ticket is locked first, so concurrent first comments queue up and the second sees
    // the conversation the first started (measured before: 6 concurrent first comments started 4).
    write::retry_on_unique("conversation", || comment_once(db, viewer, ticket_id, &new)).await?
}

/// One attempt: `Err` is a database error (retried on a unique violation), `Ok(Err)` a refusal; either way
/// nothing is written.
async fn comment_once(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: Uuid,
    new: &NewMessage,
) -> Result<ApiResult<(Edited<ticket::Model>, Sent)>, DbErr> {
    let txn = write::begin(db).await?;
    let result = comment_in(&txn, viewer, ticket_id, new).await;
    match result {
        Ok(Ok(done)) if !done.1.replayed => {
            txn.commit().await?;
            Ok(Ok(done))
        }
        Ok(other) => {
            write::rollback(txn).await;
            Ok(other)
        }
        Err(e) => {
            write::rollback(txn).await;
            Err(e)
        }
    }
}

async fn comment_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    ticket_id: Uuid,
    new: &NewMessage,
) -> Result<ApiResult<(Edited<ticket::Model>, Sent)>, DbErr> {
    let Some(t) = write::lock::<ticket::Entity, _>(txn, viewer, ticket_id).await? else {
        return Ok(Err(ApiError::NotFound("ticket".into())));
    };
    if let Err(e) = open_for_changes(&t) {
        return Ok(Err(e));
    }
    let sender = match messages::resolve_sender(txn, viewer, t.contact_id, None, new.sender_kind, new.sender_id).await {
        Ok(sender) => sender,
        Err(ApiError::Internal) => return Err(DbErr::Custom("sender lookup failed".into())),
        Err(e) => return Ok(Err(e)),
    };
    let mut events: Vec<event::Model> = vec![];
    let (conversation_id, t) = match t.conversation_id {
        Some(id) => {
            if let Some(replay) = messages::existing_in(txn, viewer, id, new).await? {
                return Ok(Ok((Edited { model: t, events: vec![] }, replay)));
            }
            (id, t)
        }
        None => {
            let start = NewConversation {
                contact_id: t.contact_id,
                bot_id: None,
                channel: Channel::Api,
                subject: Some(truncate(&t.subject, crate::filter::MAX_TEXT)),
                priority: t.priority,
                attributes: json!({ "ticket": id::encode(Kind::Ticket, t.id).to_string() }),
            };
            let (conv, created) = conversations::insert_in(txn, viewer, &start).await?;
            events.push(created);
            let mut row = t.into_active_model();
            row.conversation_id = Set(Some(conv.id));
            row.updated_at = Set(entities::now());
            let linked = row.update(txn).await?;
            let change = vec![(EventType::TicketUpdated, json!({ "fields": ["conversation"] }))];
            events.extend(append_all(txn, viewer, subject(&linked), change).await?);
            (conv.id, linked)
        }
    };
    let sent = messages::write_in(txn, viewer, &NewMessage { conversation_id, ..new.clone() }, sender).await?;
    let public = !new.private;
    let mut payload = json!({ "comment": id::encode(Kind::Message, sent.message.id), "public": public });
    let mut row = t.clone().into_active_model();
    if public && t.first_response_at.is_none() {
        row.first_response_at = Set(Some(sent.message.created_at));
        payload["firstResponseAt"] = json!(sent.message.created_at);
    }
    row.updated_at = Set(entities::now());
    let model = row.update(txn).await?;
    events.extend(append_all(txn, viewer, subject(&model), vec![(EventType::TicketUpdated, payload)]).await?);
    Ok(Ok((Edited { model, events }, sent)))
}

fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}
