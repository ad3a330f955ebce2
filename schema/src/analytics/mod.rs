//! Analytics for dashboards and analysts: aggregates computed by the database over the tenant scope, with
//! calendar buckets in the caller's time zone ([`buckets`]) and exact duration statistics ([`stats`]).

pub mod buckets;
pub mod conversations;
pub mod group;
pub mod query;
pub mod queue;
pub mod stats;
pub mod subscription;
pub mod tickets;

pub use query::AnalyticsQuery;
pub use subscription::AnalyticsSubscription;
