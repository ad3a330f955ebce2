//! Contacts: the people who talk to bots and agents.

mod filter;
mod query;
mod types;

pub use filter::{ContactFilter, ContactOrder};
pub use query::ContactQuery;
pub use types::Contact;
