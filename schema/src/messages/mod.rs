//! Messages: one conversation's thread, or the whole workspace's stream; sending them.

mod filter;
mod mutation;
mod query;
pub mod service;
pub mod status;
mod types;

pub use filter::{MessageFilter, MessageOrder};
pub(crate) use mutation::sender_kind_id;
pub use mutation::{MessageMutation, SendMessageInput};
pub use query::MessageQuery;
pub use status::MessageStatusMutation;
pub use types::{Message, Sender};
