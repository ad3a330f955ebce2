//! `ConversationFilter` and `ConversationOrder`.

use crate::enums::{Channel, ConversationStatus, HandledBy, OrderDirection, Priority};
use crate::error::ApiResult;
use crate::filter::{
    AttributeFilter, EnumFilter, FilterCtx, FilterInput, IdFilter, IntFilter, StringFilter, TimeFilter,
    attributes_condition, has_label,
};
use crate::id::Kind;
use crate::pagination::KeyKind;
use crate::pagination::{KeyFn, KeyValue, Sort};
use async_graphql::{Enum, InputObject};
use entities::conversation::{Column as C, Entity, Model};
use sea_orm::Condition;

/// Which conversations to list. All given fields must match; `and`/`or`/`not` combine filters.
#[derive(InputObject, Default, Clone, Debug)]
pub struct ConversationFilter {
    /// Matches the global id.
    pub id: Option<IdFilter>,
    /// Matches `number`.
    pub number: Option<IntFilter>,
    /// Matches `status`.
    pub status: Option<EnumFilter<ConversationStatus>>,
    /// Matches `channel`.
    pub channel: Option<EnumFilter<Channel>>,
    /// Matches `priority`.
    pub priority: Option<EnumFilter<Priority>>,
    /// Matches `handledBy`.
    pub handled_by: Option<EnumFilter<HandledBy>>,
    /// Matches the bot (its global id).
    pub bot_id: Option<IdFilter>,
    /// Matches the contact (its global id).
    pub contact_id: Option<IdFilter>,
    /// The assigned agent; `{isNull: true}` for unassigned conversations.
    pub assignee_id: Option<IdFilter>,
    /// Conversations carrying any of these labels; `{isNull: true}` for those with none.
    pub label_id: Option<IdFilter>,
    /// Matches `subject`.
    pub subject: Option<StringFilter>,
    /// Matches `createdAt`.
    pub created_at: Option<TimeFilter>,
    /// Matches `updatedAt`.
    pub updated_at: Option<TimeFilter>,
    /// Matches `lastMessageAt`.
    pub last_message_at: Option<TimeFilter>,
    /// Matches `lastActivityAt`.
    pub last_activity_at: Option<TimeFilter>,
    /// Conditions on custom `attributes`, all of which must hold (a segment such as
    /// `[{key: "plan", eq: "pro"}, {key: "lifetime_value", gt: 100}]`).
    pub attributes: Option<Vec<AttributeFilter>>,
    /// Every one of these filters matches.
    pub and: Option<Vec<ConversationFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<ConversationFilter>>,
    /// This filter does not match.
    pub not: Option<Box<ConversationFilter>>,
}

impl FilterInput for ConversationFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(C::Id, Kind::Conversation, "id")?);
        }
        if let Some(f) = &self.number {
            c = c.add(f.condition(C::Number, "number")?);
        }
        if let Some(f) = &self.status {
            c = c.add(f.condition(C::Status, "status")?);
        }
        if let Some(f) = &self.channel {
            c = c.add(f.condition(C::Channel, "channel")?);
        }
        if let Some(f) = &self.priority {
            c = c.add(f.condition(C::Priority, "priority")?);
        }
        if let Some(f) = &self.handled_by {
            c = c.add(f.condition(C::HandledBy, "handledBy")?);
        }
        if let Some(f) = &self.bot_id {
            c = c.add(f.condition(C::BotId, Kind::Bot, "botId")?);
        }
        if let Some(f) = &self.contact_id {
            c = c.add(f.condition(C::ContactId, Kind::Contact, "contactId")?);
        }
        if let Some(f) = &self.assignee_id {
            c = c.add(f.condition(C::AssigneeAgentId, Kind::Agent, "assigneeId")?);
        }
        if let Some(f) = &self.label_id {
            c = c.add(has_label(C::Id, "conversation_label", "conversation_id", f, "labelId")?);
        }
        if let Some(f) = &self.subject {
            c = c.add(f.condition(C::Subject, "conversation", "subject", fx)?);
        }
        for (f, col) in [
            (&self.created_at, C::CreatedAt),
            (&self.updated_at, C::UpdatedAt),
            (&self.last_message_at, C::LastMessageAt),
            (&self.last_activity_at, C::LastActivityAt),
        ] {
            if let Some(f) = f {
                c = c.add(f.condition(col));
            }
        }
        if let Some(fs) = &self.attributes {
            c = c.add(attributes_condition(fs, C::Attributes, fx.backend)?);
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

/// What conversations can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ConversationOrderField {
    /// Last message, or creation before the first message: the inbox order.
    #[default]
    LastActivityAt,
    /// When the conversation started.
    CreatedAt,
    /// When the conversation last changed.
    UpdatedAt,
    /// The conversation's number.
    Number,
}

/// How to order conversations (default: most recent activity first).
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct ConversationOrder {
    /// What to sort by.
    #[graphql(default)]
    pub field: ConversationOrderField,
    /// `ASC` (oldest, lowest first) or `DESC` (newest, highest first).
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl ConversationOrder {
    pub fn sort(self) -> Sort<Entity> {
        use ConversationOrderField as F;
        let (name, col, kind, key): (_, _, _, KeyFn<Model>) = match self.field {
            F::LastActivityAt => {
                ("lastActivityAt", C::LastActivityAt, KeyKind::Time, |m| (KeyValue::time(m.last_activity_at), m.id))
            }
            F::CreatedAt => ("createdAt", C::CreatedAt, KeyKind::Time, |m| (KeyValue::time(m.created_at), m.id)),
            F::UpdatedAt => ("updatedAt", C::UpdatedAt, KeyKind::Time, |m| (KeyValue::time(m.updated_at), m.id)),
            F::Number => ("number", C::Number, KeyKind::Int, |m| (KeyValue::Int(m.number), m.id)),
        };
        Sort { name, col, id: C::Id, desc: self.direction.desc(), kind, key }
    }
}
