//! Parlor's GraphQL schema: one module per domain object, plus the shared machinery (pagination, filters, errors,
//! loaders, the tenant scope). No HTTP here: the api crate serves [`ParlorSchema`].

pub mod admission;
pub mod agents;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod bots;
pub mod contacts;
pub mod context;
pub mod conversations;
pub mod describe;
pub mod document;
pub mod enums;
pub mod error;
pub mod events;
pub mod filter;
pub mod id;
pub mod inbound;
pub mod inboxes;
pub mod labels;
pub mod limits;
pub mod lists;
pub mod loaders;
pub mod messages;
pub mod metrics;
pub mod node;
pub mod pagination;
pub mod presence;
pub mod rate;
pub mod scope;
pub mod sdl_diff;
pub mod stats;
pub mod tasks;
pub mod tickets;
pub mod webhooks;
pub mod workspaces;
pub mod write;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use pagination::Conn;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub use context::{NoViewer, Viewer};
pub use limits::Limits;
pub use loaders::Loaders;
pub use tasks::TaskQueue;

/// What can be read: the caller's workspace and everything in it, by id (`node`, `nodes`) or as filtered,
/// ordered, paginated lists.
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
    inboxes::InboxQuery,
    auth::graphql::ViewerQuery,
    analytics::AnalyticsQuery,
);

/// What can be changed. Each mutation takes one input object and returns one payload; retried writes take an
/// idempotency key.
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
    inboxes::InboxMutation,
    auth::graphql::ContactTokenMutation,
    presence::graphql::PresenceMutation,
);

/// What can be followed live over WebSocket (`graphql-transport-ws` or `graphql-ws` on `/graphql`), filtered by
/// the subscriber's workspace and permissions.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    events::subscription::EventSubscription,
    events::updates::UpdateSubscription,
    analytics::AnalyticsSubscription,
    presence::graphql::PresenceSubscription,
);

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
    let mut builder = builder()
        .data(db)
        .data(bus)
        .data(auth.webhooks.clone())
        .data(analytics::queue::Shared::default())
        .limit_depth(limits.depth)
        // First, so that it wraps every other check (see `admission`).
        .extension(admission::AdmissionGuard)
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

/// The schema's types, with the descriptions that doc comments cannot give (see [`describe`]).
pub(crate) fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(describe::DATE_TIME)
        .override_input_type_description::<chrono::DateTime<chrono::Utc>>(describe::DATE_TIME)
        .override_output_type_description::<Conn<agents::Agent>>("A page of agents (a Relay connection).")
        .override_output_type_description::<Conn<api_keys::ApiKey>>("A page of API keys (a Relay connection).")
        .override_output_type_description::<Conn<bots::Bot>>("A page of bots (a Relay connection).")
        .override_output_type_description::<Conn<contacts::Contact>>("A page of contacts (a Relay connection).")
        .override_output_type_description::<Conn<conversations::Conversation>>(
            "A page of conversations (a Relay connection).",
        )
        .override_output_type_description::<Conn<labels::Label>>("A page of labels (a Relay connection).")
        .override_output_type_description::<Conn<messages::Message>>("A page of messages (a Relay connection).")
        .override_output_type_description::<Conn<tickets::Ticket>>("A page of tickets (a Relay connection).")
        .override_output_type_description::<Conn<webhooks::WebhookEndpoint>>(
            "A page of webhook endpoints (a Relay connection).",
        )
        .override_output_type_description::<Conn<webhooks::WebhookDelivery>>(
            "A page of webhook deliveries (a Relay connection).",
        )
        .override_output_type_description::<Conn<inboxes::Inbox>>("A page of inboxes (a Relay connection).")
}

/// The SDL, as `parlor schema` prints it and `schema.graphql` holds it: `@specifiedBy` on custom scalars, and the
/// schema's description on its `schema` definition (which async-graphql writes last).
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().include_specified_by().use_space_ident();
    let mut sdl = builder().finish().sdl_with_options(options);
    let at = sdl.rfind("schema {").unwrap_or(sdl.len());
    sdl.insert_str(at, &format!("\n\"\"\"\n{}\n\"\"\"\n", describe::SCHEMA));
    sdl
}
