//! Who a credential may act as, in one place: every service that writes as someone (a message, typing, a read
//! marker, a new conversation) asks here first.
//!
//! - A widget token acts only as its contact; a bot key only as its bot.
//! - An agent's token writes as that agent (or as the system), never as a contact or a bot.
//! - API keys (integrations, channel bridges) may write as any participant of the workspace.

use super::{Principal, Viewer};
use crate::error::{ApiError, ApiResult};
use entities::enums::SenderKind;
use uuid::Uuid;

/// The sender a write may claim, with the credential's own identity filled in when `id` is left out. `FORBIDDEN`
/// when the credential may not write as that sender.
pub fn sender(viewer: &Viewer, kind: SenderKind, id: Option<Uuid>) -> ApiResult<Option<Uuid>> {
    let own = |me: Uuid, as_kind: SenderKind, what: &str| match (kind == as_kind, id) {
        (true, None) => Ok(Some(me)),
        (true, Some(x)) if x == me => Ok(Some(me)),
        _ => Err(ApiError::Forbidden(format!("{what} writes only as itself"))),
    };
    match viewer.principal {
        Principal::Contact(me) => own(me, SenderKind::Contact, "a contact token"),
        Principal::ApiKey { bot: Some(me), .. } => own(me, SenderKind::Bot, "a bot key"),
        Principal::Agent(me) => match kind {
            SenderKind::System => Ok(id),
            SenderKind::Agent => own(me, SenderKind::Agent, "an agent's token"),
            SenderKind::Contact | SenderKind::Bot => {
                Err(ApiError::Forbidden("an agent's token writes only as its agent (or SYSTEM)".into()))
            }
        },
        Principal::ApiKey { bot: None, .. } | Principal::System => Ok(id),
    }
}

/// Which side's read marker a credential may move: a contact token the contact's, an agent's token the agents'.
pub fn read_side(viewer: &Viewer, contact_side: bool) -> ApiResult<()> {
    match (viewer.principal, contact_side) {
        (Principal::Contact(_), false) => {
            Err(ApiError::Forbidden("a contact token marks read only as the contact".into()))
        }
        (Principal::Agent(_), true) => {
            Err(ApiError::Forbidden("an agent's token marks read only as the agents".into()))
        }
        _ => Ok(()),
    }
}

/// The bot a new conversation may have: a bot key starts its own conversations only.
pub fn conversation_bot(viewer: &Viewer, bot: Option<Uuid>) -> ApiResult<Option<Uuid>> {
    match (viewer.principal, bot) {
        (Principal::ApiKey { bot: Some(me), .. }, None) => Ok(Some(me)),
        (Principal::ApiKey { bot: Some(me), .. }, Some(b)) if b != me => {
            Err(ApiError::Forbidden("a bot key starts conversations for its own bot only".into()))
        }
        (_, b) => Ok(b),
    }
}
