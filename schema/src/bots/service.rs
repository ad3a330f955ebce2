//! Creating and deleting bots (the status changes are plain edits, in `mutation`).

use crate::context::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::outbox::Subject;
use crate::events::types::EventType;
use crate::id::{self, Kind};
use crate::scope::{scoped, scoped_delete, scoped_update};
use crate::write::{self, append_all};
use entities::enums::{BotStatus, ConversationStatus, HandledBy};
use entities::{api_key, bot, conversation, event};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    name: &str,
    description: Option<String>,
    config: serde_json::Value,
) -> ApiResult<(bot::Model, Vec<event::Model>)> {
    let now = entities::now();
    let txn = crate::write::begin(db).await?;
    let result: Result<_, ApiError> = async {
        let bot = bot::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(viewer.workspace_id),
            name: Set(name.to_owned()),
            description: Set(description),
            status: Set(BotStatus::Active),
            config: Set(config),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let payload = json!({ "botId": id::encode(Kind::Bot, bot.id) });
        let events = append_all(&txn, viewer, Subject::default(), vec![(EventType::BotCreated, payload)]).await?;
        Ok((bot, events))
    }
    .await;
    crate::write::finish(txn, result).await
}

/// Deletes the bot in one transaction: its unresolved conversations go to humans (`pending` becomes `open`), all
/// its conversations lose their bot, then the row goes and its bot keys are revoked. Returns how many conversations went to humans.
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> ApiResult<(u64, Vec<event::Model>)> {
    let txn = crate::write::begin(db).await?;
    let result: Result<_, ApiError> = async {
        let bot =
            write::lock::<bot::Entity, _>(&txn, viewer, id).await?.ok_or_else(|| ApiError::NotFound("bot".into()))?;
        let of_bot = || scoped_update::<conversation::Entity>(viewer).filter(conversation::Column::BotId.eq(id));
        let unresolved: Vec<(Uuid, ConversationStatus)> = scoped::<conversation::Entity>(viewer)
            .select_only()
            .column(conversation::Column::Id)
            .column(conversation::Column::Status)
            .filter(conversation::Column::BotId.eq(id))
            .filter(conversation::Column::HandledBy.eq(HandledBy::Bot))
            .filter(conversation::Column::Status.ne(ConversationStatus::Resolved))
            .into_tuple()
            .all(&txn)
            .await?;
        if !unresolved.is_empty() && bot.status != BotStatus::Archived {
            let n = unresolved.len();
            return Err(ApiError::InvalidTransition {
                message: format!(
                    "bot is {}: it still handles {n} unresolved conversation(s); archive it or resolve them first",
                    write::enum_name(bot.status)
                ),
                state: write::enum_name(bot.status),
            });
        }
        let now = entities::now();
        of_bot()
            .col_expr(conversation::Column::Status, Expr::value(ConversationStatus::Open))
            .filter(conversation::Column::Status.eq(ConversationStatus::Pending))
            .exec(&txn)
            .await?;
        of_bot()
            .col_expr(conversation::Column::HandledBy, Expr::value(HandledBy::Human))
            .col_expr(conversation::Column::UpdatedAt, Expr::value(now))
            .filter(conversation::Column::HandledBy.eq(HandledBy::Bot))
            .filter(conversation::Column::Status.ne(ConversationStatus::Resolved))
            .exec(&txn)
            .await?;
        of_bot().col_expr(conversation::Column::BotId, Expr::value(Option::<Uuid>::None)).exec(&txn).await?;
        scoped_delete::<bot::Entity>(viewer).filter(bot::Column::Id.eq(id)).exec(&txn).await?;
        // The bot's keys die with it.
        scoped_update::<api_key::Entity>(viewer)
            .col_expr(api_key::Column::RevokedAt, Expr::value(Some(now)))
            .filter(api_key::Column::BotId.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;

        let mut events = vec![];
        for (conversation, status) in &unresolved {
            let to = if *status == ConversationStatus::Pending { ConversationStatus::Open } else { *status };
            let payload = json!({ "reason": "bot deleted", "status": write::from_to(status, to) });
            let subject = Subject { conversation: Some(*conversation), ..Default::default() };
            events.extend(append_all(&txn, viewer, subject, vec![(EventType::ConversationHandoff, payload)]).await?);
        }
        let payload = json!({ "botId": id::encode(Kind::Bot, id), "handedToHumans": unresolved.len() });
        events.extend(append_all(&txn, viewer, Subject::default(), vec![(EventType::BotDeleted, payload)]).await?);
        Ok((unresolved.len() as u64, events))
    }
    .await;
    crate::write::finish(txn, result).await
}
