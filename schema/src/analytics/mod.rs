//! Analytics for dashboards and analysts: aggregates computed by the database over the tenant scope, with
//! calendar buckets in the caller's time zone ([`buckets`]) and exact duration statistics ([`stats`]).

pub mod buckets;
pub mod conversations;
pub mod group;
pub mod query;
pub mod stats;

pub use query::AnalyticsQuery;
