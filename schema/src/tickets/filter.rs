//! `TicketFilter` and `TicketOrder`.

use crate::enums::{OrderDirection, Priority, TicketStatus};
use crate::error::ApiResult;
use crate::filter::{EnumFilter, FilterCtx, FilterInput, IdFilter, IntFilter, StringFilter, TimeFilter, has_label};
use crate::id::Kind;
use crate::pagination::KeyKind;
use crate::pagination::{KeyFn, KeyValue, Sort};
use async_graphql::{Enum, InputObject};
use entities::ticket::{Column as C, Entity, Model};
use sea_orm::Condition;

/// Which tickets to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct TicketFilter {
    /// Matches the global id.
    pub id: Option<IdFilter>,
    /// Matches `number`.
    pub number: Option<IntFilter>,
    /// Matches `status`.
    pub status: Option<EnumFilter<TicketStatus>>,
    /// Matches `priority`.
    pub priority: Option<EnumFilter<Priority>>,
    /// Matches the contact (its global id).
    pub contact_id: Option<IdFilter>,
    /// Matches the conversation (its global id).
    pub conversation_id: Option<IdFilter>,
    /// Matches the assignee (its global id).
    pub assignee_id: Option<IdFilter>,
    /// Matches the label (its global id).
    pub label_id: Option<IdFilter>,
    /// Matches `subject`.
    pub subject: Option<StringFilter>,
    /// Matches `createdAt`.
    pub created_at: Option<TimeFilter>,
    /// Matches `dueAt`.
    pub due_at: Option<TimeFilter>,
    /// Matches `resolvedAt`.
    pub resolved_at: Option<TimeFilter>,
    /// Every one of these filters matches.
    pub and: Option<Vec<TicketFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<TicketFilter>>,
    /// This filter does not match.
    pub not: Option<Box<TicketFilter>>,
}

impl FilterInput for TicketFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(C::Id, Kind::Ticket, "id")?);
        }
        if let Some(f) = &self.number {
            c = c.add(f.condition(C::Number, "number")?);
        }
        if let Some(f) = &self.status {
            c = c.add(f.condition(C::Status, "status")?);
        }
        if let Some(f) = &self.priority {
            c = c.add(f.condition(C::Priority, "priority")?);
        }
        if let Some(f) = &self.contact_id {
            c = c.add(f.condition(C::ContactId, Kind::Contact, "contactId")?);
        }
        if let Some(f) = &self.conversation_id {
            c = c.add(f.condition(C::ConversationId, Kind::Conversation, "conversationId")?);
        }
        if let Some(f) = &self.assignee_id {
            c = c.add(f.condition(C::AssigneeAgentId, Kind::Agent, "assigneeId")?);
        }
        if let Some(f) = &self.label_id {
            c = c.add(has_label(C::Id, "ticket_label", "ticket_id", f, "labelId")?);
        }
        if let Some(f) = &self.subject {
            c = c.add(f.condition(C::Subject, "ticket", "subject", fx)?);
        }
        for (f, col) in [(&self.created_at, C::CreatedAt), (&self.due_at, C::DueAt), (&self.resolved_at, C::ResolvedAt)]
        {
            if let Some(f) = f {
                c = c.add(f.condition(col));
            }
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

/// What tickets can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum TicketOrderField {
    /// When the ticket was opened.
    #[default]
    CreatedAt,
    /// When the ticket last changed.
    UpdatedAt,
    /// The ticket's number.
    Number,
}

/// How to order tickets (default: newest first).
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct TicketOrder {
    /// What to sort by.
    #[graphql(default)]
    pub field: TicketOrderField,
    /// `ASC` (oldest, lowest first) or `DESC` (newest, highest first).
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl TicketOrder {
    pub fn sort(self) -> Sort<Entity> {
        use TicketOrderField as F;
        let (name, col, kind, key): (_, _, _, KeyFn<Model>) = match self.field {
            F::CreatedAt => ("createdAt", C::CreatedAt, KeyKind::Time, |m| (KeyValue::time(m.created_at), m.id)),
            F::UpdatedAt => ("updatedAt", C::UpdatedAt, KeyKind::Time, |m| (KeyValue::time(m.updated_at), m.id)),
            F::Number => ("number", C::Number, KeyKind::Int, |m| (KeyValue::Int(m.number), m.id)),
        };
        Sort { name, col, id: C::Id, desc: self.direction.desc(), kind, key }
    }
}
