//! `webhookEndpoints` and `webhookDeliveries` (admins; see `auth::policy`).

use super::{WebhookDelivery, WebhookEndpoint};
use crate::error::{ApiError, ApiResult};
use crate::id::{self, Kind};
use crate::lists::top_list;
use crate::pagination::{Conn, KeyKind, KeyValue, PageArgs, Sort};
use async_graphql::{Context, ID, InputObject, Object};
use entities::{webhook_delivery, webhook_endpoint};
use sea_orm::{ColumnTrait, Condition};

/// Which deliveries to list.
#[derive(InputObject, Default)]
pub struct WebhookDeliveryFilter {
    /// Only deliveries in one of these states.
    pub status: Option<Vec<crate::enums::WebhookDeliveryStatus>>,
    /// Only deliveries of these event types (`message.created`, `webhook.test`, …).
    pub event_type: Option<Vec<String>>,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The workspace's webhook endpoints, newest first. Secrets are never shown again.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
    ) -> ApiResult<Conn<WebhookEndpoint>> {
        use webhook_endpoint::Column as C;
        let sort: Sort<webhook_endpoint::Entity> = Sort {
            name: "createdAt",
            col: C::CreatedAt,
            id: C::Id,
            desc: true,
            kind: KeyKind::Time,
            key: |m| (KeyValue::time(m.created_at), m.id),
        };
        top_list(ctx, Condition::all(), sort, PageArgs::new(first, after, last, before), WebhookEndpoint::from).await
    }

    /// An endpoint's deliveries, newest first.
    #[expect(clippy::too_many_arguments, reason = "the connection arguments and the filter")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint (its global id).")] endpoint_id: ID,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which deliveries to include.")] filter: Option<WebhookDeliveryFilter>,
    ) -> ApiResult<Conn<WebhookDelivery>> {
        use webhook_delivery::Column as C;
        let endpoint = id::decode(Kind::WebhookEndpoint, &endpoint_id, "endpointId")?;
        let mut cond = Condition::all().add(C::EndpointId.eq(endpoint));
        let f = filter.unwrap_or_default();
        if let Some(s) = f.status {
            if s.len() > 10 {
                return Err(ApiError::bad_input("filter.status", "at most 10 values"));
            }
            cond = cond.add(C::Status.is_in(s.into_iter().map(entities::enums::WebhookDeliveryStatus::from)));
        }
        if let Some(t) = f.event_type {
            if t.len() > 50 {
                return Err(ApiError::bad_input("filter.eventType", "at most 50 values"));
            }
            cond = cond.add(C::EventType.is_in(t));
        }
        let sort: Sort<webhook_delivery::Entity> = Sort {
            name: "createdAt",
            col: C::CreatedAt,
            id: C::Id,
            desc: true,
            kind: KeyKind::Time,
            key: |m| (KeyValue::time(m.created_at), m.id),
        };
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), WebhookDelivery::from).await
    }
}
