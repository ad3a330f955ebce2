//! API keys: credentials for servers (a role and, optionally, fewer scopes) and for bots (bound to one bot,
//! acting as it). Created, listed, rotated and revoked by admins; the api crate verifies them on each request.

pub mod secret;
pub mod service;

mod mutation;
mod query;
mod types;

pub use mutation::ApiKeyMutation;
pub use query::ApiKeyQuery;
pub use types::{ApiKey, scopes_of};
