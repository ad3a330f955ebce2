//! Writing contacts: identity fields checked against the workspace's other contacts, attributes merged (RFC 7396),
//! erasure that keeps the conversations.

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::scope::scoped;
use crate::write::{self, Change, Edited, append_all, is_unique_violation, merge, optional_text};
use entities::{contact, event};
use sea_orm::sea_query::{ExprTrait, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbErr, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

pub const MAX_FIELD: usize = 320;

/// A change to a contact's fields: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct ContactFields {
    pub external_id: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    /// Merged into the stored attributes.
    pub attributes: Option<Value>,
}

impl ContactFields {
    pub fn validate(&mut self) -> ApiResult<()> {
        for (field, v) in [
            ("externalId", &mut self.external_id),
            ("name", &mut self.name),
            ("email", &mut self.email),
            ("phone", &mut self.phone),
        ] {
            if let Some(Some(s)) = v {
                optional_text(field, s, MAX_FIELD)?;
                let trimmed = s.trim();
                // A blank value clears the field.
                *v = Some((!trimmed.is_empty()).then(|| trimmed.to_owned()));
            }
        }
        if let Some(Some(email)) = &self.email {
            let ok = email.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && !host.is_empty() && !host.contains('@') && !email.contains(char::is_whitespace)
            });
            if !ok {
                return Err(ApiError::bad_input("email", "is not an email address"));
            }
        }
        if let Some(a) = &self.attributes {
            write::json_object("attributes", a)?;
        }
        Ok(())
    }

    /// Applies the change to `row`; returns the names of the fields that changed.
    fn apply(&self, current: &contact::Model, row: &mut contact::ActiveModel) -> Vec<&'static str> {
        let mut changed = vec![];
        let mut set = |name, new: &Option<Option<String>>, old: &Option<String>, col: &mut sea_orm::ActiveValue<_>| {
            if let Some(v) = new
                && v != old
            {
                *col = Set(v.clone());
                changed.push(name);
            }
        };
        set("externalId", &self.external_id, &current.external_id, &mut row.external_id);
        set("name", &self.name, &current.name, &mut row.name);
        set("email", &self.email, &current.email, &mut row.email);
        set("phone", &self.phone, &current.phone, &mut row.phone);
        if let Some(patch) = &self.attributes {
            let mut attributes = current.attributes.clone();
            merge(&mut attributes, patch);
            if attributes != current.attributes {
                row.attributes = Set(attributes);
                changed.push("attributes");
            }
        }
        changed
    }
}

fn subject(c: &contact::Model) -> Subject {
    Subject { contact: Some(c.id), ..Default::default() }
}

/// Another live contact of the workspace with the same external id or email: `CONFLICT`, naming the field.
async fn check_unique<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    me: Option<Uuid>,
    f: &ContactFields,
) -> ApiResult<()> {
    if let Some(Some(ext)) = &f.external_id {
        let mut q = scoped::<contact::Entity>(viewer).filter(contact::Column::ExternalId.eq(ext.as_str()));
        if let Some(me) = me {
            q = q.filter(contact::Column::Id.ne(me));
        }
        if q.one(db).await?.is_some() {
            return Err(ApiError::Conflict(format!("externalId: another contact has {:?}", crate::id::shorten(ext))));
        }
    }
    if let Some(Some(email)) = &f.email {
        let mut q = scoped::<contact::Entity>(viewer).filter(by_email(email));
        if let Some(me) = me {
            q = q.filter(contact::Column::Id.ne(me));
        }
        if q.one(db).await?.is_some() {
            return Err(ApiError::Conflict("email: another contact has this email address".into()));
        }
    }
    Ok(())
}

fn by_email(email: &str) -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Expr::from(Func::lower(sea_orm::sea_query::Expr::col(contact::Column::Email)))
        .eq(email.to_lowercase())
}

fn conflict_on_race(e: DbErr) -> ApiError {
    if is_unique_violation(&e) {
        ApiError::Conflict("another contact has this externalId or email (written concurrently)".into())
    } else {
        e.into()
    }
}

pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    f: &ContactFields,
) -> ApiResult<(contact::Model, Vec<event::Model>)> {
    check_unique(db, viewer, None, f).await?;
    // The insert is the transaction's first statement: on SQLite it takes the write lock at once, and a racing
    // create of the same key fails on the unique index (reported as CONFLICT) instead of on a stale read.
    let txn = crate::write::begin(db).await?;
    let result: Result<_, ApiError> = async {
        let now = entities::now();
        let mut attributes = json!({});
        if let Some(a) = &f.attributes {
            merge(&mut attributes, a);
        }
        let flat = |v: &Option<Option<String>>| v.clone().flatten();
        let row = contact::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(viewer.workspace_id),
            external_id: Set(flat(&f.external_id)),
            name: Set(flat(&f.name)),
            email: Set(flat(&f.email)),
            phone: Set(flat(&f.phone)),
            attributes: Set(attributes),
            last_seen_at: Set(None),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(conflict_on_race)?;
        let events = append_all(&txn, viewer, subject(&row), vec![(EventType::ContactCreated, json!({}))]).await?;
        Ok((row, events))
    }
    .await;
    crate::write::finish(txn, result).await
}

pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    f: &ContactFields,
) -> ApiResult<Edited<contact::Model>> {
    check_unique(db, viewer, Some(id), f).await?;
    write::edit::<contact::Entity, _>(db, viewer, id, "contact", subject, |c| {
        if c.deleted_at.is_some() {
            return Err(ApiError::NotFound("contact".into()));
        }
        let mut row = c.clone().into_active_model();
        let changed = f.apply(c, &mut row);
        if changed.is_empty() {
            return Ok(None);
        }
        row.updated_at = Set(entities::now());
        Ok(Some(Change::new(row).event(EventType::ContactUpdated, json!({ "fields": changed }))))
    })
    .await
}

/// Finds the contact by external id, else by email; updates it, or creates it. Returns whether it was created.
pub async fn upsert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    f: &ContactFields,
) -> ApiResult<(contact::Model, bool, Vec<event::Model>)> {
    let mut key = Condition::any();
    if let Some(Some(ext)) = &f.external_id {
        key = key.add(contact::Column::ExternalId.eq(ext.as_str()));
    } else if let Some(Some(email)) = &f.email {
        key = key.add(by_email(email));
    } else {
        return Err(ApiError::bad_input("externalId", "an upsert needs externalId or email to match on"));
    }
    // Two attempts: a concurrent upsert of the same contact may create it between our lookup and our insert.
    for _ in 0..2 {
        let found = scoped::<contact::Entity>(viewer)
            .filter(key.clone())
            .filter(contact::Column::DeletedAt.is_null())
            .one(db)
            .await?;
        match found {
            Some(c) => {
                let edited = update(db, viewer, c.id, f).await?;
                return Ok((edited.model, false, edited.events));
            }
            None => match create(db, viewer, f).await {
                Ok((c, events)) => return Ok((c, true, events)),
                Err(ApiError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            },
        }
    }
    Err(ApiError::Conflict("another contact has this externalId or email".into()))
}

/// Erases a contact's personal data (name, email, phone, external id, attributes); the row stays, marked
/// deleted, so that its conversations and messages keep their history, anonymised.
pub async fn erase(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<Edited<contact::Model>> {
    write::edit::<contact::Entity, _>(db, viewer, id, "contact", subject, |c| {
        if c.deleted_at.is_some() {
            return Err(ApiError::NotFound("contact".into()));
        }
        let mut row = c.clone().into_active_model();
        let now = entities::now();
        row.external_id = Set(None);
        row.name = Set(None);
        row.email = Set(None);
        row.phone = Set(None);
        row.attributes = Set(json!({}));
        row.last_seen_at = Set(None);
        row.deleted_at = Set(Some(now));
        row.updated_at = Set(now);
        Ok(Some(Change::new(row).event(EventType::ContactDeleted, json!({}))))
    })
    .await
}
