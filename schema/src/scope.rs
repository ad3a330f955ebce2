//! The tenant scope: every select of a tenant table starts here, so no query can forget `workspace_id`.

use crate::context::Viewer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

/// A table whose rows belong to one workspace and have a uuid `id`.
pub trait Tenanted: EntityTrait {
    fn id_col() -> Self::Column;
    fn workspace_col() -> Self::Column;
    fn model_id(m: &Self::Model) -> Uuid;
}

/// Rows of `E` visible to `viewer`.
pub fn scoped<E: Tenanted>(viewer: &Viewer) -> Select<E> {
    E::find().filter(E::workspace_col().eq(viewer.workspace_id))
}

macro_rules! tenanted {
    ($($m:ident),+) => {$(
        impl Tenanted for entities::$m::Entity {
            fn id_col() -> Self::Column {
                entities::$m::Column::Id
            }
            fn workspace_col() -> Self::Column {
                entities::$m::Column::WorkspaceId
            }
            fn model_id(m: &Self::Model) -> Uuid {
                m.id
            }
        }
    )+};
}

tenanted!(agent, bot, contact, conversation, message, ticket, label);
