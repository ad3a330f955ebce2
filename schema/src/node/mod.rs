//! Relay's `Node` interface, `node(id:)` and `nodes(ids:)`: any object by global id, inside the viewer's workspace.

use crate::agents::Agent;
use crate::api_keys::ApiKey;
use crate::bots::Bot;
use crate::contacts::Contact;
use crate::context::ContextExt;
use crate::conversations::Conversation;
use crate::error::{ApiError, ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::inboxes::Inbox;
use crate::labels::Label;
use crate::lists::loaders;
use crate::messages::Message;
use crate::tickets::Ticket;
use crate::webhooks::{WebhookDelivery, WebhookEndpoint};
use crate::workspaces::{self, Workspace};
use async_graphql::{Context, ID, Interface, Object};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id (opaque; `node(id:)` resolves it)."))]
pub enum Node {
    Workspace(Workspace),
    Agent(Agent),
    Bot(Bot),
    Contact(Contact),
    Conversation(Conversation),
    Message(Message),
    Ticket(Ticket),
    Label(Label),
    ApiKey(ApiKey),
    WebhookEndpoint(WebhookEndpoint),
    WebhookDelivery(WebhookDelivery),
    Inbox(Inbox),
}

pub const MAX_NODES: usize = 100;

pub(crate) async fn load(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let (kind, uuid) =
        id::decode_any(id).map_err(|_| ApiError::bad_input("id", format!("malformed id {:?}", id::shorten(id))))?;
    let l = loaders(ctx)?;
    // `node` may return any type: the type's read scope is checked here, for the object asked for.
    if let Some(scope) = crate::auth::policy::type_scope(kind.name()) {
        ctx.viewer()?.require(scope, &format!("reading {}", kind.name()))?;
    }
    Ok(match kind {
        Kind::Workspace => {
            let ws = workspaces::current(ctx).await?;
            (ws.0.id == uuid && ctx.viewer()?.workspace_id == uuid).then_some(Node::Workspace(ws))
        }
        Kind::Agent => l.agent().load_one(uuid).await?.map(|m| Node::Agent(Agent(m))),
        Kind::Bot => l.bot().load_one(uuid).await?.map(|m| Node::Bot(Bot(m))),
        Kind::Contact => l.contact().load_one(uuid).await?.map(|m| Node::Contact(Contact(m))),
        Kind::Conversation => l.conversation().load_one(uuid).await?.map(|m| Node::Conversation(Conversation(m))),
        Kind::Message => l.message().load_one(uuid).await?.map(|m| Node::Message(Message(m))),
        Kind::Ticket => l.ticket().load_one(uuid).await?.map(|m| Node::Ticket(Ticket(m))),
        Kind::Label => l.label().load_one(uuid).await?.map(|m| Node::Label(Label(m))),
        Kind::ApiKey => l.api_key().load_one(uuid).await?.map(|m| Node::ApiKey(ApiKey(m))),
        Kind::WebhookEndpoint => {
            l.webhook_endpoint().load_one(uuid).await?.map(|m| Node::WebhookEndpoint(WebhookEndpoint(m)))
        }
        Kind::WebhookDelivery => {
            l.webhook_delivery().load_one(uuid).await?.map(|m| Node::WebhookDelivery(WebhookDelivery(m)))
        }
        Kind::Inbox => l.inbox().load_one(uuid).await?.map(|m| Node::Inbox(Inbox(m))),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when it does not exist in this workspace.
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "Any object's global id.")] id: ID) -> Option<Node> {
        let found: ApiResult<Option<Node>> = async {
            ctx.viewer()?;
            load(ctx, &id).await
        }
        .await;
        found.or_null(ctx)
    }

    /// Objects by global id, in the order asked (null for each one not found); at most 100.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ids of any kinds, at most 100; the answer keeps their order, with null for those not found."
        )]
        ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        ctx.viewer()?;
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids")));
        }
        futures::future::try_join_all(ids.iter().map(|id| load(ctx, id))).await
    }
}
