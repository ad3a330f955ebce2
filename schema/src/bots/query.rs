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
    pub id: Option<IdFilter>,
    pub status: Option<EnumFilter<BotStatus>>,
    pub name: Option<StringFilter>,
    pub created_at: Option<TimeFilter>,
    pub and: Option<Vec<BotFilter>>,
    pub or: Option<Vec<BotFilter>>,
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<BotFilter>,
        #[graphql(default_with = "OrderDirection::Asc")] direction: OrderDirection,
    ) -> ApiResult<Conn<Bot>> {
        let cond = condition(ctx, filter.as_ref())?;
        top_list(ctx, cond, sort(direction), PageArgs::new(first, after, last, before), Bot::from).await
    }

    async fn bot(&self, ctx: &Context<'_>, id: ID) -> Option<Bot> {
        let found: ApiResult<Option<Bot>> = async {
            let id = id::decode(Kind::Bot, &id, "id")?;
            Ok(loaders(ctx)?.bot().load_one(id).await?.map(Bot))
        }
        .await;
        found.or_null(ctx)
    }
}
