//! Parlor's GraphQL schema: one module per domain object, plus the shared machinery (pagination, filters, errors,
//! loaders, the tenant scope). No HTTP here: the api crate serves [`ParlorSchema`].

pub mod agents;
pub mod api_keys;
pub mod auth;
pub mod bots;
pub mod contacts;
pub mod context;
pub mod conversations;
pub mod document;
pub mod enums;
pub mod error;
pub mod events;
pub mod filter;
pub mod id;
pub mod labels;
pub mod limits;
pub mod lists;
pub mod loaders;
pub mod messages;
pub mod node;
pub mod pagination;
pub mod rate;
pub mod scope;
pub mod stats;
pub mod tasks;
pub mod tickets;
pub mod webhooks;
pub mod workspaces;
pub mod write;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub use context::{NoViewer, Viewer};
pub use limits::Limits;
pub use loaders::Loaders;
pub use tasks::TaskQueue;

#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    workspaces::WorkspaceQuery,
    agents::AgentQuery,
    bots::BotQuery,
    contacts::ContactQuery,
    conversations::ConversationQuery,
    messages::MessageQuery,
    tickets::TicketQuery,
    labels::LabelQuery,
    api_keys::ApiKeyQuery,
    webhooks::WebhookQuery,
    auth::graphql::ViewerQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    bots::BotMutation,
    contacts::ContactMutation,
    conversations::ConversationMutation,
    conversations::ConversationLifecycleMutation,
    messages::MessageMutation,
    messages::MessageStatusMutation,
    labels::LabelMutation,
    tickets::TicketMutation,
    api_keys::ApiKeyMutation,
    webhooks::WebhookMutation,
    auth::graphql::ContactTokenMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(events::subscription::EventSubscription, events::updates::UpdateSubscription);

pub type ParlorSchema = Schema<Query, Mutation, Subscription>;

/// The spec validator for the schema we serve (see [`document::spec`]); build it once and share it.
pub fn spec_validator() -> Result<Arc<document::spec::SpecValidator>, String> {
    document::spec::SpecValidator::new(&sdl()).map(Arc::new)
}

/// The schema, with the database connection and event bus in its data, `limits` and the permission table
/// (`auth::policy`) enforced before execution.
pub fn build(
    db: DatabaseConnection,
    bus: events::EventBus,
    limits: Limits,
    spec: Arc<document::spec::SpecValidator>,
    auth: auth::Setup,
) -> ParlorSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .data(db)
        .data(bus)
        .data(auth.webhooks.clone())
        .limit_depth(limits.depth)
        .extension(limits::ErrorCodes)
        .extension(document::DocumentGuard::new(limits, spec.clone()))
        // Before the permission check in the chain, so that it charges after it (see `rate::RateGuard`).
        .extension(rate::RateGuard)
        .extension(auth::access::AccessGuard::new(spec, auth.introspection));
    if let Some(limiter) = auth.limiter {
        builder = builder.data(limiter);
    }
    if let Some(signer) = auth.signer {
        builder = builder.data(signer);
    }
    if auth.introspection_off {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL, as `parlor schema` prints it.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), Subscription::default()).finish().sdl()
}
