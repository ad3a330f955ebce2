//! Segments: filters on custom `attributes` (contacts and conversations) and contacts ordered by name.
//!
//! PostgreSQL: `attributes` becomes `jsonb` (it was `json`, which has no containment or key-existence operators
//! and is re-parsed on every access) with a GIN index (`jsonb_ops`, which serves both `@>` and `?`), and
//! `parlor_attr_time(text)` reads an RFC 3339 timestamp or gives NULL where a plain cast would fail the query
//! (PostgreSQL 15 has no `pg_input_is_valid`). Both: an index for the name order, on the same expression the query
//! sorts by (`COALESCE(name, '')`, so unnamed contacts take part in keyset pagination).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000007_segments"
    }
}

const TABLES: [&str; 2] = ["contact", "conversation"];

const ATTR_TIME: &str = r#"CREATE OR REPLACE FUNCTION parlor_attr_time(v text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
BEGIN
  IF v !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$' THEN
    RETURN NULL;
  END IF;
  RETURN v::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$"#;

const NAME_INDEX: &str =
    "CREATE INDEX ix_contact_workspace_name_order ON contact (workspace_id, (COALESCE(name, '')), id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DatabaseBackend::Postgres {
            for t in TABLES {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ALTER COLUMN attributes TYPE jsonb USING attributes::jsonb"
                ))
                .await?;
                db.execute_unprepared(&format!("CREATE INDEX ix_{t}_attributes ON {t} USING gin (attributes)")).await?;
            }
            db.execute_unprepared(ATTR_TIME).await?;
        }
        db.execute_unprepared(NAME_INDEX).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_contact_workspace_name_order").await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS parlor_attr_time(text)").await?;
            for t in TABLES {
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS ix_{t}_attributes")).await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ALTER COLUMN attributes TYPE json USING attributes::json"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
