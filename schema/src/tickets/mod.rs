//! Tickets: units of support work, optionally born from a conversation.

mod filter;
mod mutation;
mod query;
mod service;
mod types;

pub use filter::{TicketFilter, TicketOrder};
pub use mutation::TicketMutation;
pub use query::TicketQuery;
pub use types::Ticket;
