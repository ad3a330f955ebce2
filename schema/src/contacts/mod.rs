//! Contacts: the people who talk to bots and agents.

mod filter;
mod mutation;
mod query;
pub mod service;
mod types;

pub use filter::{ContactFilter, ContactOrder};
pub use mutation::ContactMutation;
pub use query::ContactQuery;
pub use types::Contact;
