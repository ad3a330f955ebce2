//! Conversations: the inbox's rows, with their contact, bot, assignee, messages, labels and tickets.

mod filter;
mod query;
mod types;

pub use filter::{ConversationFilter, ConversationOrder};
pub use query::ConversationQuery;
pub use types::Conversation;
