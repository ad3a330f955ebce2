//! Root fields `bots`, `bot`, and `BotFilter`.

use super::Bot;
use crate::enums::{BotStatus, OrderDirection};
use crate::error::{ApiResult, OrNull};
use crate::filter::{EnumFilter, FilterCtx, FilterInput, IdFilter, StringFilter, TimeFilter};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::KeyKind;
use crate::pagination::{Conn, KeyValue, PageArgs, Sort};
use async_graphql::{Context, ID, InputObject, Object};
use entities::bot::{Column as C, Entity};
use sea_orm::Condition;

/// Which bots to list.
#[derive(InputObject, Default, Clone, Debug)]
pub struct BotFilter {
    /// Matches the global id.
    pub id: Option<IdFilter>,
    /// Matches `status`.
    pub status: Option<EnumFilter<BotStatus>>,
    /// Matches `name`.
    pub name: Option<StringFilter>,
    /// Matches `createdAt`.
    pub created_at: Option<TimeFilter>,
    /// Every one of these filters matches.
    pub and: Option<Vec<BotFilter>>,
    /// At least one of these filters matches.
    pub or: Option<Vec<BotFilter>>,
    /// This filter does not match.
    pub not: Option<Box<BotFilter>>,
}

impl FilterInput for BotFilter {
    fn own(&self, fx: &FilterCtx) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(C::Id, Kind::Bot, "id")?);
        }
        if let Some(f) = &self.status {
            c = c.add(f.condition(C::Status, "status")?);
        }
        if let Some(f) = &self.name {
            c = c.add(f.condition(C::Name, "bot", "name", fx)?);
        }
        if let Some(f) = &self.created_at {
            c = c.add(f.condition(C::CreatedAt));
        }
        Ok(c)
    }

    crate::filter_combinators!();
}

fn sort(direction: OrderDirection) -> Sort<Entity> {
    Sort {
        name: "createdAt",
        col: C::CreatedAt,
        id: C::Id,
        desc: direction.desc(),
        kind: KeyKind::Time,
        key: |m| (KeyValue::time(m.created_at), m.id),
    }
}

#[derive(Default)]
pub struct BotQuery;

#[Object]
impl BotQuery {
    /// Bots of the workspace, oldest first unless `direction` is `DESC`.
    #[expect(clippy::too_many_arguments)]
    async fn bots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<BotFilter>,
        #[graphql(default_with = "OrderDirection::Asc", desc = "`ASC` (oldest first, the default) or `DESC`.")]
        direction: OrderDirection,
    ) -> ApiResult<Conn<Bot>> {
        let cond = condition(ctx, filter.as_ref())?;
        top_list(ctx, cond, sort(direction), PageArgs::new(first, after, last, before), Bot::from).await
    }

    /// One bot by id; null when it does not exist in this workspace.
    async fn bot(&self, ctx: &Context<'_>, #[graphql(desc = "The bot (its global id).")] id: ID) -> Option<Bot> {
        let found: ApiResult<Option<Bot>> = async {
            let id = id::decode(Kind::Bot, &id, "id")?;
            Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot))
        }
        .await;
        found.or_null(ctx)
    }
}
