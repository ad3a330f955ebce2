//! The two ways a list field is served, written once: [`top_list`] (a root field such as `conversations`) and
//! [`child_list`] (a relation such as `Conversation.messages`, batched across parents through `ChildPages`).

use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult};
use crate::filter::{FilterCtx, FilterInput};
use crate::loaders::{ChildCounts, ChildKey, ChildPages, ChildQuery, Loaders};
use crate::pagination::{Conn, CountFn, PageArgs, Sort, count_of, fetch_page, into_connection};
use crate::scope::{Tenanted, scoped};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, OutputType};
use sea_orm::{Condition, FromQueryResult, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

/// Whether the selection of a connection field asks for `field` on its nodes.
pub fn selects_on_nodes(ctx: &Context<'_>, field: &str) -> bool {
    let look = ctx.look_ahead();
    look.field("nodes").field(field).exists() || look.field("edges").field("node").field(field).exists()
}

/// The request's loaders.
pub fn loaders<'a>(ctx: &'a Context<'_>) -> ApiResult<&'a Arc<Loaders>> {
    ctx.viewer()?;
    ctx.data::<Arc<Loaders>>().map_err(|_| {
        tracing::error!("no loaders in the request data");
        ApiError::Internal
    })
}

/// A filter input's condition (an absent filter matches everything).
pub fn condition<F: FilterInput>(ctx: &Context<'_>, filter: Option<&F>) -> ApiResult<Condition> {
    match filter {
        Some(f) => f.build(&FilterCtx::new(ctx.db()?.get_database_backend())),
        None => Ok(Condition::all()),
    }
}

/// A root list: the viewer's rows of `E` matching `cond`, one keyset page of them.
pub async fn top_list<E, N>(
    ctx: &Context<'_>,
    cond: Condition,
    sort: Sort<E>,
    args: PageArgs,
    wrap: fn(E::Model) -> N,
) -> ApiResult<Conn<N>>
where
    E: Tenanted,
    E::Model: Sync,
    N: OutputType,
{
    let (db, viewer) = (ctx.db()?, ctx.viewer()?);
    let window = args.window(&sort)?;
    let select = scoped::<E>(viewer).filter(cond);
    let page = fetch_page(db, select.clone(), &sort, &window).await?;
    Ok(into_connection(page, &sort, count_of(db, select), wrap))
}

/// Which loaders serve one relation.
pub struct ChildLoaders<E: Tenanted> {
    pub pages: fn(&Loaders) -> &DataLoader<ChildPages<E>, HashMapCache>,
    pub counts: fn(&Loaders) -> &DataLoader<ChildCounts<E>, HashMapCache>,
}

/// What one parent asks of a relation's list.
pub struct ChildSpec<E: Tenanted> {
    /// Canonical text of the arguments that shaped `cond` (the filter and order as given): parents asking the same
    /// shape are served by one statement.
    pub shape: String,
    pub cond: Condition,
    pub sort: Sort<E>,
    pub args: PageArgs,
    /// Whether to load the rows' relations for the whole batch at once (see `loaders::Prefetch`).
    pub prefetch: bool,
}

/// A relation's list for one parent, batched with every other parent's through `via`.
pub async fn child_list<E, N>(
    ctx: &Context<'_>,
    via: ChildLoaders<E>,
    parent: Uuid,
    spec: ChildSpec<E>,
    wrap: fn(E::Model) -> N,
) -> ApiResult<Conn<N>>
where
    E: Tenanted,
    E::Model: Send + Sync + Clone + FromQueryResult,
    N: OutputType,
{
    let ChildSpec { shape, cond, sort, args, prefetch } = spec;
    let loaders = loaders(ctx)?;
    let window = args.window(&sort)?;
    let key = format!("{shape}|{window:?}|{prefetch}");
    let query = Arc::new(ChildQuery { key, cond, sort, window, prefetch });
    let child = ChildKey { parent, query: query.clone() };
    let page = (via.pages)(loaders)
        .load_one(child.clone())
        .await?
        .map(|p| (*p).clone())
        .unwrap_or_else(|| crate::pagination::Page { rows: vec![], has_previous: false, has_next: false });
    let (all, counts) = (loaders.clone(), via.counts);
    let count: CountFn = Arc::new(move || {
        let (all, child) = (all.clone(), child.clone());
        Box::pin(async move { Ok(counts(&all).load_one(child).await?.unwrap_or(0)) })
    });
    Ok(into_connection(page, &query.sort, count, wrap))
}
