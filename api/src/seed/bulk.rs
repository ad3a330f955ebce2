//! Multi-row `INSERT`s in chunks that stay under the bind-parameter limits of SQLite (32,766) and PostgreSQL
//! (65,535).

use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, Iterable};

/// Bind parameters per statement: rows × columns stays under this.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` in as few statements as the parameter limit allows; returns the number of rows inserted.
pub async fn insert<A, M>(txn: &DatabaseTransaction, rows: Vec<M>) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
    M: IntoActiveModel<A> + Send,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count().max(1);
    let per_statement = (MAX_PARAMS / columns).max(1);
    let mut inserted = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).map(IntoActiveModel::into_active_model).collect();
        inserted += A::Entity::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(inserted)
}
