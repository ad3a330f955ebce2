//! Endpoint management, redelivery and test deliveries (admins; see `auth::policy`).

use super::service::{self, EndpointChange, NewEndpoint};
use super::{Settings, WebhookDelivery, WebhookEndpoint};
use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult};
use crate::events::types::EventType;
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

/// A new webhook endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// Where to POST: `https://…` (or `http://`). Production refuses loopback, private and link-local addresses.
    pub url: String,
    /// Event types to send; absent or empty: every type (including types added later).
    pub events: Option<Vec<EventType>>,
    /// A note for people: what the endpoint is for.
    pub description: Option<String>,
}

/// Changes to an endpoint: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint (its global id).
    pub id: ID,
    /// A new URL (checked as at creation).
    pub url: Option<String>,
    /// Replaces the list; empty: every type.
    pub events: Option<Vec<EventType>>,
    /// A new note.
    pub description: Option<String>,
    /// `true` resumes a disabled endpoint (its failure count starts again from 0).
    pub enabled: Option<bool>,
}

/// Names one webhook endpoint.
#[derive(InputObject)]
pub struct WebhookEndpointIdInput {
    /// The endpoint (its global id).
    pub id: ID,
}

/// Names the delivery to send again.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The delivery (its global id).
    pub delivery_id: ID,
}

/// Names the endpoint that gets a test delivery.
#[derive(InputObject)]
pub struct SendTestWebhookInput {
    /// The endpoint (its global id).
    pub endpoint_id: ID,
}

/// An endpoint and its signing secret, shown only here: store it now.
#[derive(SimpleObject)]
pub struct WebhookEndpointSecretPayload {
    /// The endpoint.
    pub webhook_endpoint: WebhookEndpoint,
    /// `whsec_…`: the HMAC-SHA256 key is the base64 after `whsec_` (see README, "Webhooks").
    pub secret: String,
}

/// The endpoint as it is after the change.
#[derive(SimpleObject)]
pub struct WebhookEndpointPayload {
    /// The endpoint.
    pub webhook_endpoint: WebhookEndpoint,
}

/// What `deleteWebhookEndpoint` removed.
#[derive(SimpleObject)]
pub struct DeleteWebhookEndpointPayload {
    /// The deleted endpoint's id.
    pub deleted_id: ID,
}

/// The delivery queued or sent again.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPayload {
    /// The delivery.
    pub webhook_delivery: WebhookDelivery,
}

fn settings<'a>(ctx: &'a Context<'_>) -> ApiResult<&'a Settings> {
    ctx.data::<Settings>().map_err(|_| ApiError::Internal)
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Creates an endpoint and shows its signing secret once. Events from now on are sent to it.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The URL, event types and note.")] input: CreateWebhookEndpointInput,
    ) -> ApiResult<WebhookEndpointSecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let new =
            NewEndpoint { url: input.url, events: input.events.unwrap_or_default(), description: input.description };
        let (endpoint, secret) = service::create(db, viewer, settings(ctx)?, new).await?;
        Ok(WebhookEndpointSecretPayload { webhook_endpoint: endpoint.into(), secret })
    }

    /// Changes an endpoint's URL, event types, note, or resumes it (`enabled: true`).
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and what changes.")] input: UpdateWebhookEndpointInput,
    ) -> ApiResult<WebhookEndpointPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::WebhookEndpoint, &input.id, "id")?;
        let change = EndpointChange {
            url: input.url,
            events: input.events,
            description: input.description,
            enabled: input.enabled,
        };
        let endpoint = service::update(db, viewer, settings(ctx)?, id, change).await?;
        Ok(WebhookEndpointPayload { webhook_endpoint: endpoint.into() })
    }

    /// Deletes an endpoint and its deliveries.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: WebhookEndpointIdInput,
    ) -> ApiResult<DeleteWebhookEndpointPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::WebhookEndpoint, &input.id, "id")?;
        service::delete(db, viewer, id).await?;
        Ok(DeleteWebhookEndpointPayload { deleted_id: input.id })
    }

    /// A new signing secret, shown once; deliveries are signed with it from now on.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: WebhookEndpointIdInput,
    ) -> ApiResult<WebhookEndpointSecretPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::WebhookEndpoint, &input.id, "id")?;
        let (endpoint, secret) = service::rotate(db, viewer, id).await?;
        Ok(WebhookEndpointSecretPayload { webhook_endpoint: endpoint.into(), secret })
    }

    /// Sends a delivery again now (same `webhook-id`, a new timestamp and signature), whatever its state.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery.")] input: RedeliverWebhookInput,
    ) -> ApiResult<WebhookDeliveryPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::WebhookDelivery, &input.delivery_id, "deliveryId")?;
        let d = service::redeliver(db, viewer, settings(ctx)?, id).await?;
        Ok(WebhookDeliveryPayload { webhook_delivery: d.into() })
    }

    /// Queues a `webhook.test` delivery to the endpoint.
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: SendTestWebhookInput,
    ) -> ApiResult<WebhookDeliveryPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::WebhookEndpoint, &input.endpoint_id, "endpointId")?;
        let d = service::send_test(db, viewer, settings(ctx)?, id).await?;
        Ok(WebhookDeliveryPayload { webhook_delivery: d.into() })
    }
}
