//! Tickets: units of support work, optionally born from a conversation.

mod filter;
mod query;
mod types;

pub use filter::{TicketFilter, TicketOrder};
pub use query::TicketQuery;
pub use types::Ticket;
