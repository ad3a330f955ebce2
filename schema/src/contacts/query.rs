//! Root fields: `contacts`, `contact`.

use super::{Contact, ContactFilter, ContactOrder};
use crate::error::{ApiResult, OrNull};
use crate::id::{self, Kind};
use crate::lists::{condition, loaders, top_list};
use crate::pagination::{Conn, PageArgs};
use async_graphql::{Context, ID, Object};
use sea_orm::{ColumnTrait, Condition};

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// Contacts of the workspace, newest first unless `orderBy` says otherwise.
    #[expect(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items from the start of the list (or after `after`); at most 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the items after this one.")] after: Option<String>,
        #[graphql(desc = "Items from the end of the list (or before `before`); at most 100.")] last: Option<i32>,
        #[graphql(desc = "A cursor: the items before this one.")] before: Option<String>,
        #[graphql(desc = "Which items to include.")] filter: Option<ContactFilter>,
        #[graphql(desc = "Sort order.")] order_by: Option<ContactOrder>,
    ) -> ApiResult<Conn<Contact>> {
        // Erased contacts (`deleteContact`) stay reachable from their conversations, not in the list.
        let cond =
            Condition::all().add(condition(ctx, filter.as_ref())?).add(entities::contact::Column::DeletedAt.is_null());
        let sort = order_by.unwrap_or_default().sort();
        top_list(ctx, cond, sort, PageArgs::new(first, after, last, before), Contact::from).await
    }

    /// One contact by id; null when it does not exist in this workspace.
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact (its global id).")] id: ID,
    ) -> Option<Contact> {
        let found: ApiResult<Option<Contact>> = async {
            let id = id::decode(Kind::Contact, &id, "id")?;
            Ok(loaders(ctx)?.contact().load_one(id).await?.map(Contact))
        }
        .await;
        found.or_null(ctx)
    }
}
