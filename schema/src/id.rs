//! Opaque global ids (`Node.id`): base64url of `Type:uuid`. Decoding checks the type, so an id of one kind is
//! never taken for another, and every failure is `BAD_USER_INPUT`.

use crate::error::ApiError;
use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

/// The object types that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Workspace,
    Agent,
    Bot,
    Contact,
    Conversation,
    Message,
    Ticket,
    Label,
    ApiKey,
    WebhookEndpoint,
    WebhookDelivery,
    Inbox,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Workspace,
        Kind::Agent,
        Kind::Bot,
        Kind::Contact,
        Kind::Conversation,
        Kind::Message,
        Kind::Ticket,
        Kind::Label,
        Kind::ApiKey,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
        Kind::Inbox,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Workspace => "Workspace",
            Kind::Agent => "Agent",
            Kind::Bot => "Bot",
            Kind::Contact => "Contact",
            Kind::Conversation => "Conversation",
            Kind::Message => "Message",
            Kind::Ticket => "Ticket",
            Kind::Label => "Label",
            Kind::ApiKey => "ApiKey",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
            Kind::Inbox => "Inbox",
        }
    }
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id.as_hyphenated())))
}

/// Any global id: its kind and uuid.
pub fn decode_any(id: &str) -> Result<(Kind, Uuid), ApiError> {
    let bad = || ApiError::BadUserInput { message: format!("malformed id {:?}", shorten(id)), field: None };
    if id.len() > 96 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(id).map_err(|_| bad())?;
    let text = std::str::from_utf8(&raw).map_err(|_| bad())?;
    let (name, uuid) = text.split_once(':').ok_or_else(bad)?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name).ok_or_else(bad)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| bad())?;
    Ok((kind, uuid))
}

/// A global id that must be of `kind`; `field` names the argument in the error.
pub fn decode(kind: Kind, id: &ID, field: &str) -> Result<Uuid, ApiError> {
    match decode_any(id) {
        Ok((k, uuid)) if k == kind => Ok(uuid),
        Ok((k, _)) => Err(ApiError::bad_input(field, format!("expected a {} id, got a {} id", kind.name(), k.name()))),
        Err(_) => Err(ApiError::bad_input(field, format!("malformed {} id {:?}", kind.name(), shorten(id)))),
    }
}

/// At most 40 characters of untrusted input, for error messages.
pub fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).filter(|c| !c.is_control()).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_kind_check() {
        let u = Uuid::now_v7();
        let id = encode(Kind::Bot, u);
        assert_eq!(decode(Kind::Bot, &id, "id").ok(), Some(u));
        assert!(decode(Kind::Contact, &id, "id").is_err());
        assert!(decode_any("not-an-id").is_err());
        assert!(decode_any("\0").is_err());
    }
}
