//! `ContactFilter` and `ContactOrder`.

use crate::enums::OrderDirection;
use crate::error::ApiResult;
use crate::filter::{
    AttributeFilter, FilterCtx, FilterInput, IdFilter, StringFilter, TimeFilter, attributes_condition, check_text,
    contains, has_label,
};
use crate::id::Kind;
use crate::pagination::KeyKind;
use crate::pagination::{KeyFn, KeyValue, Sort};
use async_graphql::{Enum, InputObject};
use entities::contact::{Column as C, Entity, Model};
use sea_orm::Condition;

/// Which contacts to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct ContactFilter {
    /// Matches the global id.
    pub id: Option<IdFilter>,
    /// Matches the external (its global id).
    pub external_id: Option<StringFilter>,
    /// Matches `name`.
    pub name: Option<StringFilter>,
    /// Matches `email`.
    pub email: Option<StringFilter>,
    /// Matches `phone`.
    pub phone: Option<StringFilter>,
    /// Case-insensitive substring of the name or the email.
    pub search: Option<String>,
    /// Contacts carrying any of these labels; `{isNull: true}` for those with none.
    pub label_id: Option<IdFilter>,
    /// Matches `createdAt`.
    pub created_at: Option<TimeFilter>,
    /// Matches `lastSeenAt`.
    pub last_seen_at: Option<TimeFilter>,
    /// Conditions on custom `attributes`, all of which must hold (a segment such as
    /// `[{key: "plan", eq: "pro"}, {key: "lifetime_value", gt: 100}]`).
    pub attributes: Option<Vec<AttributeFilter>>,
    /// Every one of these filters matches.
    pub and: Option<Vec<ContactFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<ContactFilter>>,
    /// This filter does not match.
    pub not: Option<Box<ContactFilter>>,
}

impl FilterInput for ContactFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(C::Id, Kind::Contact, "id")?);
        }
        for (f, col, name) in [
            (&self.external_id, C::ExternalId, "externalId"),
            (&self.name, C::Name, "name"),
            (&self.email, C::Email, "email"),
            (&self.phone, C::Phone, "phone"),
        ] {
            if let Some(f) = f {
                c = c.add(f.condition(col, "contact", name, fx)?);
            }
        }
        if let Some(s) = &self.search {
            check_text("search", s)?;
            c = c.add(Condition::any().add(contains(fx.backend, "contact", C::Name, s)).add(contains(
                fx.backend,
                "contact",
                C::Email,
                s,
            )));
        }
        if let Some(f) = &self.label_id {
            c = c.add(has_label(C::Id, "contact_label", "contact_id", f, "labelId")?);
        }
        if let Some(f) = &self.created_at {
            c = c.add(f.condition(C::CreatedAt));
        }
        if let Some(f) = &self.last_seen_at {
            c = c.add(f.condition(C::LastSeenAt));
        }
        if let Some(fs) = &self.attributes {
            c = c.add(attributes_condition(fs, C::Attributes, fx.backend)?);
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

/// What contacts can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ContactOrderField {
    /// When the contact was created.
    #[default]
    CreatedAt,
    /// When the contact last changed.
    UpdatedAt,
    /// The name, in the database's collation (code-point order on SQLite and on a `C.UTF-8` PostgreSQL); contacts
    /// without a name sort as an empty name (first ascending, last descending); ties are broken by id.
    Name,
}

/// How to order contacts (default: newest first).
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct ContactOrder {
    /// What to sort by.
    #[graphql(default)]
    pub field: ContactOrderField,
    /// `ASC` (oldest, lowest first) or `DESC` (newest, highest first).
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl ContactOrder {
    pub fn sort(self) -> Sort<Entity> {
        let (name, col, kind, key): (_, _, _, KeyFn<Model>) = match self.field {
            ContactOrderField::CreatedAt => {
                ("createdAt", C::CreatedAt, KeyKind::Time, |m| (KeyValue::time(m.created_at), m.id))
            }
            ContactOrderField::UpdatedAt => {
                ("updatedAt", C::UpdatedAt, KeyKind::Time, |m| (KeyValue::time(m.updated_at), m.id))
            }
            ContactOrderField::Name => {
                ("name", C::Name, KeyKind::NullableText, |m| (KeyValue::Text(m.name.clone().unwrap_or_default()), m.id))
            }
        };
        Sort { name, col, id: C::Id, desc: self.direction.desc(), kind, key }
    }
}
