//! Bots: automated responders and the conversations they handle.

mod mutation;
mod query;
mod service;
mod types;

pub use mutation::BotMutation;
pub use query::{BotFilter, BotQuery};
pub use types::Bot;
