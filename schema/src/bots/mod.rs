//! Bots: automated responders and the conversations they handle.

mod query;
mod types;

pub use query::{BotFilter, BotQuery};
pub use types::Bot;
