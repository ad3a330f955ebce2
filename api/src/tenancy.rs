//! Which workspace a request acts in. Until authentication lands this is the `X-Parlor-Workspace` header (slug or
//! global id); [`viewer`] is the one function to replace.

use entities::workspace;
use schema::{NoViewer, Viewer};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

pub const HEADER: &str = "x-parlor-workspace";

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
}

/// The viewer for a request, or why there is none (told to the client as `UNAUTHENTICATED`).
pub async fn viewer(
    header: Option<&str>,
    db: &DatabaseConnection,
    cache: &WorkspaceCache,
) -> Result<Result<Viewer, NoViewer>, sea_orm::DbErr> {
    let Some(key) = header.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(Err(NoViewer("send an X-Parlor-Workspace header with the workspace's slug or id".into())));
    };
    if let Some(id) = cache.get(key) {
        return Ok(Ok(Viewer { workspace_id: id }));
    }
    let by_id = schema::id::decode(schema::id::Kind::Workspace, &key.into(), "X-Parlor-Workspace").ok();
    let query = match by_id {
        Some(id) => workspace::Entity::find_by_id(id),
        None if key.len() <= 64 && !key.contains('\0') => {
            workspace::Entity::find().filter(workspace::Column::Slug.eq(key))
        }
        None => return Ok(Err(NoViewer("unknown workspace".into()))),
    };
    Ok(match query.one(db).await? {
        Some(ws) => {
            cache.put(key, ws.id);
            Ok(Viewer { workspace_id: ws.id })
        }
        None => Err(NoViewer(format!("unknown workspace {:?}", schema::id::shorten(key)))),
    })
}
