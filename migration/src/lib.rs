//! Parlor's schema history. Depends on none of our crates: migrations are history, entities change.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_search;
mod m20261123_000003_lifecycle;
mod m20261202_000004_auth;
mod m20261202_000005_analytics;
mod m20261202_000006_webhooks;
mod m20261202_000007_segments;
mod m20261202_000008_presence;
mod m20261202_000009_inboxes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_search::Migration),
            Box::new(m20261123_000003_lifecycle::Migration),
            Box::new(m20261202_000004_auth::Migration),
            Box::new(m20261202_000005_analytics::Migration),
            Box::new(m20261202_000006_webhooks::Migration),
            Box::new(m20261202_000007_segments::Migration),
            Box::new(m20261202_000008_presence::Migration),
            Box::new(m20261202_000009_inboxes::Migration),
        ]
    }
}
