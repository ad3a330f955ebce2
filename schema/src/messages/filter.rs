//! `MessageFilter` and `MessageOrder`.

use crate::enums::{Channel, MessageKind, MessageStatus, OrderDirection, SenderKind};
use crate::error::ApiResult;
use crate::filter::{EnumFilter, FilterCtx, FilterInput, IdFilter, StringFilter, TimeFilter};
use crate::id::Kind;
use crate::pagination::KeyKind;
use crate::pagination::{KeyFn, KeyValue, Sort};
use async_graphql::{Enum, InputObject};
use entities::message::{Column as C, Entity, Model};
use sea_orm::{ColumnTrait, Condition};

/// Which messages to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct MessageFilter {
    /// Matches the global id.
    pub id: Option<IdFilter>,
    /// Matches the conversation (its global id).
    pub conversation_id: Option<IdFilter>,
    /// Matches `channel`.
    pub channel: Option<EnumFilter<Channel>>,
    /// Matches `senderKind`.
    pub sender_kind: Option<EnumFilter<SenderKind>>,
    /// Matches `kind`.
    pub kind: Option<EnumFilter<MessageKind>>,
    /// Matches `status`.
    pub status: Option<EnumFilter<MessageStatus>>,
    /// Private agent notes only (`true`) or public messages only (`false`).
    pub private: Option<bool>,
    /// Matches the message text (`contains` is case-insensitive substring search).
    pub content: Option<StringFilter>,
    /// Matches `createdAt`.
    pub created_at: Option<TimeFilter>,
    /// Every one of these filters matches.
    pub and: Option<Vec<MessageFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<MessageFilter>>,
    /// This filter does not match.
    pub not: Option<Box<MessageFilter>>,
}

impl FilterInput for MessageFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(C::Id, Kind::Message, "id")?);
        }
        if let Some(f) = &self.conversation_id {
            c = c.add(f.condition(C::ConversationId, Kind::Conversation, "conversationId")?);
        }
        if let Some(f) = &self.channel {
            c = c.add(f.condition(C::Channel, "channel")?);
        }
        if let Some(f) = &self.sender_kind {
            c = c.add(f.condition(C::SenderKind, "senderKind")?);
        }
        if let Some(f) = &self.kind {
            c = c.add(f.condition(C::Kind, "kind")?);
        }
        if let Some(f) = &self.status {
            c = c.add(f.condition(C::Status, "status")?);
        }
        if let Some(p) = self.private {
            c = c.add(C::Private.eq(p));
        }
        if let Some(f) = &self.content {
            c = c.add(f.condition(C::Content, "message", "content", fx)?);
        }
        if let Some(f) = &self.created_at {
            c = c.add(f.condition(C::CreatedAt));
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

/// What messages can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum MessageOrderField {
    /// When the message was written.
    #[default]
    CreatedAt,
    /// Position in the conversation; only meaningful inside one conversation.
    Seq,
}

/// How to order messages.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct MessageOrder {
    /// What to sort by.
    #[graphql(default)]
    pub field: MessageOrderField,
    /// `ASC` (oldest, lowest first) or `DESC` (newest, highest first).
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl MessageOrder {
    /// The default inside a conversation: `seq`, oldest first.
    pub fn in_conversation() -> Self {
        Self { field: MessageOrderField::Seq, direction: OrderDirection::Asc }
    }

    pub fn sort(self) -> Sort<Entity> {
        let (name, col, kind, key): (_, _, _, KeyFn<Model>) = match self.field {
            MessageOrderField::CreatedAt => {
                ("createdAt", C::CreatedAt, KeyKind::Time, |m| (KeyValue::time(m.created_at), m.id))
            }
            MessageOrderField::Seq => ("seq", C::Seq, KeyKind::Int, |m| (KeyValue::Int(m.seq), m.id)),
        };
        Sort { name, col, id: C::Id, desc: self.direction.desc(), kind, key }
    }
}
