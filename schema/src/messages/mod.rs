//! Messages: one conversation's thread, or the whole workspace's stream.

mod filter;
mod query;
mod types;

pub use filter::{MessageFilter, MessageOrder};
pub use query::MessageQuery;
pub use types::{Message, Sender};
