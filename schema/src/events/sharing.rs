//! Which subscriptions may share one execution among their subscribers (the transports keep the registry:
//! `api::http::shared`). A fan-out costs one execution and one serialised payload per event for every group of
//! subscribers with the same document, operation, variables and *visibility*, instead of one per subscriber.
//!
//! Two subscribers may share when a fresh execution for either would deliver the same payloads from now on:
//! - the same request text (query, operation name, variables; no extensions, which could name another document);
//! - the same [`Visibility`]: every resolver reads the viewer through its workspace, reach, role and scopes only
//!   (`scope::visible`, `Viewer::require`), never through who it is; and
//! - a root field in [`LIVE_ONLY`]: it delivers only what happens after it starts, with nothing first (no
//!   replay, no initial state), so one who joins a running execution misses nothing a fresh one would have
//!   given. `events(after:)` replays and `liveQueueUpdated` starts with the current state: never shared.

use crate::auth::{Reach, Role, Scopes, Viewer};
use async_graphql::parser::types::{OperationType, Selection};
use uuid::Uuid;

/// Root subscription fields that only deliver what happens after they start.
pub const LIVE_ONLY: [&str; 5] =
    ["messageAdded", "conversationUpdated", "ticketUpdated", "typing", "agentPresenceChanged"];

/// What the payloads of a subscription may depend on in its viewer (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Visibility {
    workspace_id: Uuid,
    reach: Reach,
    role: Role,
    scopes: Scopes,
}

impl Visibility {
    pub fn of(viewer: &Viewer) -> Self {
        Visibility {
            workspace_id: viewer.workspace_id,
            reach: viewer.reach(),
            role: viewer.role,
            scopes: viewer.scopes,
        }
    }
}

/// The key under which subscribers share an execution. Compared in full (never by hash alone): two keys are equal
/// only when the texts and the visibility are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShareKey {
    query: String,
    operation_name: Option<String>,
    variables: String,
    visibility: Visibility,
}

/// The key for `request` seen by `viewer`, or `None` when it must run on its own.
pub fn share_key(request: &async_graphql::Request, viewer: &Viewer) -> Option<ShareKey> {
    if !request.extensions.is_empty() || request.query.is_empty() {
        return None;
    }
    if !live_only(&request.query, request.operation_name.as_deref()) {
        return None;
    }
    let variables = serde_json::to_string(&request.variables).ok()?;
    Some(ShareKey {
        query: request.query.clone(),
        operation_name: request.operation_name.clone(),
        variables,
        visibility: Visibility::of(viewer),
    })
}

/// Whether the operation picked by `operation_name` is a subscription whose one root selection is a plain field
/// (no directive, no fragment) of [`LIVE_ONLY`]. A document that does not parse is not shareable (it is refused
/// on its own execution anyway).
fn live_only(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return false };
    let mut operations = doc.operations.iter();
    let operation = match operation_name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)).map(|(_, op)| op),
        None => match (operations.next(), operations.next()) {
            (Some((_, op)), None) => Some(op),
            _ => None,
        },
    };
    let Some(op) = operation else { return false };
    let op = &op.node;
    if op.ty != OperationType::Subscription || !op.directives.is_empty() {
        return false;
    }
    match op.selection_set.node.items.as_slice() {
        [one] => match &one.node {
            Selection::Field(f) => f.node.directives.is_empty() && LIVE_ONLY.contains(&f.node.name.node.as_str()),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::live_only;

    #[test]
    fn only_live_root_fields_share() {
        assert!(live_only("subscription { messageAdded { id content } }", None));
        assert!(live_only("subscription S($c: ID) { m: messageAdded(conversationId: $c) { id } }", Some("S")));
        assert!(live_only("query Q { a } subscription S { typing(conversationId: \"x\") { on } }", Some("S")));
        assert!(!live_only("subscription { events(after: \"x\") { cursor } }", None));
        assert!(!live_only("subscription { liveQueueUpdated { open } }", None));
        assert!(!live_only("subscription { messageAdded @include(if: true) { id } }", None));
        assert!(!live_only("subscription { ... on Subscription { messageAdded { id } } }", None));
        assert!(!live_only("query { messageAdded { id } }", None));
        assert!(!live_only("subscription A { messageAdded { id } } subscription B { typing { on } }", None));
        assert!(!live_only("subscription {", None));
    }
}
