//! `addLabels`, `removeLabels`: on a conversation, contact or ticket.

use super::Label;
use crate::context::{ContextExt, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::loaders::LabelJoin;
use crate::node::Node;
use crate::scope::scoped;
use crate::write::{self, append_all};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entities::{contact, conversation, label, ticket};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

pub const MAX_LABELS: usize = 50;

/// Labels to add to, or remove from, a conversation, contact or ticket.
#[derive(InputObject)]
pub struct LabelsInput {
    /// The conversation, contact or ticket.
    pub labelable_id: ID,
    /// The labels (global ids, at most 50).
    pub label_ids: Vec<ID>,
}

/// Labels after `addLabels` or `removeLabels`.
#[derive(SimpleObject)]
pub struct LabelsPayload {
    /// The conversation, contact or ticket, after the change.
    pub labelable: Option<Node>,
    /// All its labels now, by name.
    pub labels: Vec<Label>,
    /// How many labels were added or removed (0 when it already was so).
    pub changed: u64,
}

/// The owner's join table, and the event type and subject its changes are reported with.
fn labelable(gid: &ID) -> ApiResult<(LabelJoin, Uuid, EventType, Subject)> {
    let bad = || ApiError::bad_input("labelableId", "expected a Conversation, Contact or Ticket id");
    let (kind, uuid) = id::decode_any(gid).map_err(|_| bad())?;
    Ok(match kind {
        Kind::Conversation => (
            LabelJoin::Conversation,
            uuid,
            EventType::ConversationUpdated,
            Subject { conversation: Some(uuid), ..Default::default() },
        ),
        Kind::Contact => {
            (LabelJoin::Contact, uuid, EventType::ContactUpdated, Subject { contact: Some(uuid), ..Default::default() })
        }
        Kind::Ticket => {
            (LabelJoin::Ticket, uuid, EventType::TicketUpdated, Subject { ticket: Some(uuid), ..Default::default() })
        }
        _ => return Err(bad()),
    })
}

async fn lock_owner(txn: &DatabaseTransaction, viewer: &Viewer, join: LabelJoin, id: Uuid) -> ApiResult<()> {
    let found = match join {
        LabelJoin::Conversation => write::lock::<conversation::Entity, _>(txn, viewer, id).await?.is_some(),
        LabelJoin::Contact => {
            write::lock::<contact::Entity, _>(txn, viewer, id).await?.is_some_and(|c| c.deleted_at.is_none())
        }
        LabelJoin::Ticket => write::lock::<ticket::Entity, _>(txn, viewer, id).await?.is_some(),
    };
    if found { Ok(()) } else { Err(ApiError::NotFound(format!("{join:?}").to_lowercase())) }
}

async fn label_ids(db: &DatabaseConnection, viewer: &Viewer, ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    if ids.is_empty() || ids.len() > MAX_LABELS {
        return Err(ApiError::bad_input("labelIds", format!("give 1 to {MAX_LABELS} label ids")));
    }
    let mut uuids = ids.iter().map(|i| id::decode(Kind::Label, i, "labelIds")).collect::<ApiResult<Vec<_>>>()?;
    uuids.sort();
    uuids.dedup();
    let found = scoped::<label::Entity>(viewer).filter(label::Column::Id.is_in(uuids.clone())).count(db).await?;
    if found != uuids.len() as u64 {
        return Err(ApiError::NotFound("label".into()));
    }
    Ok(uuids)
}

async fn change(ctx: &Context<'_>, input: LabelsInput, add: bool) -> ApiResult<LabelsPayload> {
    let (db, viewer) = (ctx.db()?, ctx.viewer()?);
    let (join, owner, event_type, subject) = labelable(&input.labelable_id)?;
    let labels = label_ids(db, viewer, &input.label_ids).await?;
    let table = Alias::new(join.table());
    let owner_col = Alias::new(join.owner_col());
    let txn = crate::write::begin(db).await?;
    let result: Result<_, ApiError> = async {
        lock_owner(&txn, viewer, join, owner).await?;
        let backend = db.get_database_backend();
        let stmt = if add {
            let now = entities::now();
            let mut insert = Query::insert();
            insert.into_table(table).columns([
                owner_col.clone(),
                Alias::new("label_id"),
                Alias::new("workspace_id"),
                Alias::new("created_at"),
            ]);
            for l in &labels {
                insert.values_panic([owner.into(), (*l).into(), viewer.workspace_id.into(), now.into()]);
            }
            insert.on_conflict(OnConflict::columns([owner_col, Alias::new("label_id")]).do_nothing().to_owned());
            backend.build(&insert)
        } else {
            let delete = Query::delete()
                .from_table(table)
                .and_where(Expr::col(owner_col).eq(owner))
                .and_where(Expr::col(Alias::new("label_id")).is_in(labels.clone()))
                .to_owned();
            backend.build(&delete)
        };
        let changed = txn.execute_raw(stmt).await?.rows_affected();
        let events = if changed == 0 {
            vec![]
        } else {
            let key = if add { "added" } else { "removed" };
            let gids: Vec<ID> = labels.iter().map(|l| id::encode(Kind::Label, *l)).collect();
            let payload = json!({ "fields": ["labels"], "labels": { key: gids } });
            append_all(&txn, viewer, subject, vec![(event_type, payload)]).await?
        };
        Ok((events, changed))
    }
    .await;
    let (events, changed) = crate::write::finish(txn, result).await?;
    crate::events::publish(ctx, &events).await?;
    let now_on = now_labels(db, viewer, join, owner).await?;
    let labelable = crate::node::load(ctx, &input.labelable_id).await?;
    Ok(LabelsPayload { labelable, labels: now_on, changed })
}

async fn now_labels(db: &DatabaseConnection, viewer: &Viewer, join: LabelJoin, owner: Uuid) -> ApiResult<Vec<Label>> {
    let on = Query::select()
        .column(Alias::new("label_id"))
        .from(Alias::new(join.table()))
        .and_where(Expr::col(Alias::new(join.owner_col())).eq(owner))
        .to_owned();
    let rows = scoped::<label::Entity>(viewer)
        .filter(label::Column::Id.in_subquery(on))
        .order_by_asc(label::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Label::from).collect())
}

#[derive(Default)]
pub struct LabelMutation;

#[Object]
impl LabelMutation {
    /// Puts labels on a conversation, contact or ticket; labels already there stay (idempotent).
    async fn add_labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: LabelsInput,
    ) -> ApiResult<LabelsPayload> {
        change(ctx, input, true).await
    }

    /// Takes labels off a conversation, contact or ticket; labels that were not there are ignored.
    async fn remove_labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: see the input type.")] input: LabelsInput,
    ) -> ApiResult<LabelsPayload> {
        change(ctx, input, false).await
    }
}
