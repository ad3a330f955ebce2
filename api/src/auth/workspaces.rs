//! Which workspace a token names (its `workspace` claim, or `parlor token --workspace`): a workspace id (plain or
//! global) or its slug.

use entities::workspace;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

/// Workspace slugs and ids already seen, so most requests resolve their workspace without a query. Per instance;
/// workspaces are never renamed, so entries cannot go stale (a deleted workspace only finds no rows).
#[derive(Default)]
pub struct WorkspaceCache(RwLock<HashMap<String, Uuid>>);

impl WorkspaceCache {
    fn get(&self, key: &str) -> Option<Uuid> {
        self.0.read().ok()?.get(key).copied()
    }

    fn put(&self, key: &str, id: Uuid) {
        if let Ok(mut m) = self.0.write() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(key.to_owned(), id);
        }
    }

    /// The workspace named by `key`, if there is one.
    pub async fn resolve(&self, key: &str, db: &DatabaseConnection) -> Result<Option<Uuid>, DbErr> {
        let key = key.trim();
        if key.is_empty() || key.len() > 96 || key.contains('\0') {
            return Ok(None);
        }
        if let Some(id) = self.get(key) {
            return Ok(Some(id));
        }
        let by_id = Uuid::parse_str(key)
            .ok()
            .or_else(|| schema::id::decode(schema::id::Kind::Workspace, &key.into(), "workspace").ok());
        let query = match by_id {
            Some(id) => workspace::Entity::find_by_id(id),
            None => workspace::Entity::find().filter(workspace::Column::Slug.eq(key)),
        };
        let found = query.one(db).await?.map(|w| w.id);
        if let Some(id) = found {
            self.put(key, id);
        }
        Ok(found)
    }
}
