//! Labels, and the labels of conversations, contacts and tickets.

mod mutation;

pub use mutation::LabelMutation;

use crate::error::{ApiResult, OrNull};
use crate::filter::{FilterCtx, FilterInput, StringFilter};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::loaders::LabelJoin;
use crate::pagination::KeyKind;
use crate::pagination::{Conn, KeyValue, PageArgs, Sort};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entities::label::{Column as C, Entity, Model};
use sea_orm::Condition;
use std::sync::Arc;
use uuid::Uuid;

pub struct Label(pub Arc<Model>);

impl From<Model> for Label {
    fn from(m: Model) -> Self {
        Label(Arc::new(m))
    }
}

/// A named colour tag on conversations, contacts and tickets.
#[Object]
impl Label {
    /// Global id (opaque; `node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        id::encode(Kind::Label, self.0.id)
    }
    /// The label's name, unique in the workspace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A CSS colour, such as `#1f77b4`.
    async fn color(&self) -> &str {
        &self.0.color
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The labels on one conversation, contact or ticket (batched across owners).
pub async fn labels_of(ctx: &Context<'_>, join: LabelJoin, owner: Uuid) -> ApiResult<Vec<Label>> {
    let labels = loaders(ctx)?.labels_of().load_one((join, owner)).await?.unwrap_or_default();
    Ok(labels.iter().map(|m| Label(Arc::new(m.clone()))).collect())
}

/// Which labels to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct LabelFilter {
    /// Matches `name`.
    pub name: Option<StringFilter>,
    /// Every one of these filters matches.
    pub and: Option<Vec<LabelFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<LabelFilter>>,
    /// This filter does not match.
    pub not: Option<Box<LabelFilter>>,
}

impl FilterInput for LabelFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        match &self.name {
            Some(f) => f.condition(C::Name, "label", "name", fx),
            None => Ok(Condition::all()),
        }
    }

    crate::filter_combinators!();
}

#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// The workspace's labels, by name.
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<LabelFilter>,
    ) -> ApiResult<Conn<Label>> {
        let cond = condition(ctx, filter.as_ref())?;
        let sort: Sort<Entity> = Sort {
            name: "name",
            col: C::Name,
            id: C::Id,
            desc: false,
            kind: KeyKind::Text,
            key: |m| (KeyValue::Text(m.name.clone()), m.id),
        };
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Label::from).await
    }

    /// One label by id; null when it does not exist in this workspace.
    async fn label(&self, ctx: &Context<'_>, #[graphql(desc = "The label (its global id).")] id: ID) -> Option<Label> {
        let found: ApiResult<Option<Label>> = async {
            let id = id::decode(Kind::Label, &id, "id")?;
            Ok(loaders(ctx)?.label().load_one(id).await?.map(Label))
        }
        .await;
        found.or_null(ctx)
    }
}
