//! Conversations: the inbox's rows, with their contact, bot, assignee, messages, labels and tickets; starting them.

mod filter;
mod lifecycle;
mod mutation;
mod query;
pub mod service;
mod types;

pub use filter::{ConversationFilter, ConversationOrder};
pub use lifecycle::ConversationLifecycleMutation;
pub use mutation::ConversationMutation;
pub use query::ConversationQuery;
pub use types::Conversation;
