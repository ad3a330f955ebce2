//! `createContact`, `updateContact`, `upsertContact`, `deleteContact`.

use super::Contact;
use super::service::{self, ContactFields};
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::events::publish;
use crate::id::{self, Kind};
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};

/// A new contact.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The contact's id in your own system; unique in the workspace.
    pub external_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Unique in the workspace, case-insensitively.
    pub email: Option<String>,
    /// Phone number, as given.
    pub phone: Option<String>,
    /// Custom attributes: a JSON object.
    pub attributes: Option<Json<serde_json::Value>>,
}

/// Fields left out stay as they are; `null` clears a field; `attributes` are merged into the stored ones (a key
/// set to `null` is removed), not replaced.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The contact (its global id).
    pub id: ID,
    /// Your system's id for the contact; `null` removes it, absent keeps it.
    pub external_id: MaybeUndefined<String>,
    /// Display name; `null` removes it, absent keeps it.
    pub name: MaybeUndefined<String>,
    /// Email address; `null` removes it, absent keeps it.
    pub email: MaybeUndefined<String>,
    /// Phone number; `null` removes it, absent keeps it.
    pub phone: MaybeUndefined<String>,
    /// Merged into the contact's attributes (RFC 7396: a key set to `null` is removed).
    pub attributes: Option<Json<serde_json::Value>>,
}

/// Matches on `externalId` if given, else on `email`; creates the contact when none matches, else updates it like
/// `updateContact` (attributes merged).
#[derive(InputObject)]
pub struct UpsertContactInput {
    /// Your system's id: the contact with it is updated, or created.
    pub external_id: Option<String>,
    /// Email address: without `externalId`, the contact with it is updated, or created.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Merged into the contact's attributes (RFC 7396: a key set to `null` is removed).
    pub attributes: Option<Json<serde_json::Value>>,
}

/// A contact to erase.
#[derive(InputObject)]
pub struct DeleteContactInput {
    /// The contact (its global id).
    pub id: ID,
}

/// A contact after a change.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The contact as it is after this mutation.
    pub contact: Contact,
}

/// The contact found or created by `upsertContact`.
#[derive(SimpleObject)]
pub struct UpsertContactPayload {
    /// The contact as it is after this mutation.
    pub contact: Contact,
    /// True when no contact matched and this one was created.
    pub created: bool,
}

fn maybe(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(s) => Some(Some(s)),
    }
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Creates a contact. A taken `externalId` or email is `CONFLICT`.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: CreateContactInput,
    ) -> ApiResult<ContactPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let mut f = ContactFields {
            external_id: Some(input.external_id),
            name: Some(input.name),
            email: Some(input.email),
            phone: Some(input.phone),
            attributes: input.attributes.map(|j| j.0),
        };
        f.validate()?;
        let (contact, events) = service::create(db, viewer, &f).await?;
        publish(ctx, &events).await?;
        Ok(ContactPayload { contact: contact.into() })
    }

    /// Changes a contact's fields and merges its attributes.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: UpdateContactInput,
    ) -> ApiResult<ContactPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Contact, &input.id, "id")?;
        let mut f = ContactFields {
            external_id: maybe(input.external_id),
            name: maybe(input.name),
            email: maybe(input.email),
            phone: maybe(input.phone),
            attributes: input.attributes.map(|j| j.0),
        };
        f.validate()?;
        let edited = service::update(db, viewer, id, &f).await?;
        publish(ctx, &edited.events).await?;
        Ok(ContactPayload { contact: edited.model.into() })
    }

    /// Creates or updates the contact with this `externalId` (or, without one, this email).
    async fn upsert_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: UpsertContactInput,
    ) -> ApiResult<UpsertContactPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let mut f = ContactFields {
            external_id: input.external_id.map(Some),
            name: input.name.map(Some),
            email: input.email.map(Some),
            phone: input.phone.map(Some),
            attributes: input.attributes.map(|j| j.0),
        };
        f.validate()?;
        let (contact, created, events) = service::upsert(db, viewer, &f).await?;
        publish(ctx, &events).await?;
        Ok(UpsertContactPayload { contact: contact.into(), created })
    }

    /// Erases a contact's personal data (name, email, phone, external id, attributes). The contact stays as an
    /// anonymous participant (`deletedAt` set) so its conversations keep their history; it leaves `contacts`.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: DeleteContactInput,
    ) -> ApiResult<ContactPayload> {
        let (db, viewer) = (ctx.db()?, ctx.viewer()?);
        let id = id::decode(Kind::Contact, &input.id, "id")?;
        let edited = service::erase(db, viewer, id).await?;
        publish(ctx, &edited.events).await?;
        Ok(ContactPayload { contact: edited.model.into() })
    }
}
