//! `parlor token` (a development JWT) and `parlor api-key create | list | revoke`: credentials from the command
//! line, through the same service functions as the GraphQL API.

use crate::auth::workspaces::WorkspaceCache;
use crate::config::{ApiKeyCmd, AuthOpts, TokenCmd};
use entities::enums::Role;
use entities::{agent, api_key, contact};
use schema::api_keys::service::{self, NewKey};
use schema::auth::token::TokenSigner;
use schema::auth::{Scopes, Viewer};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

async fn workspace(db: &DatabaseConnection, key: &str) -> anyhow::Result<Uuid> {
    WorkspaceCache::default().resolve(key, db).await?.ok_or_else(|| anyhow::anyhow!("no workspace {key:?}"))
}

fn role(name: &str) -> anyhow::Result<Role> {
    Ok(match name {
        "admin" => Role::Admin,
        "agent" => Role::Agent,
        "analyst" => Role::Analyst,
        "bot" => Role::Bot,
        "contact" => Role::Contact,
        _ => anyhow::bail!("unknown role {name:?}: admin, agent, analyst, bot or contact"),
    })
}

fn scopes(list: Option<&str>) -> anyhow::Result<Option<Scopes>> {
    let Some(list) = list else { return Ok(None) };
    let mut s = Scopes::NONE;
    for name in list.split([',', ' ']).map(str::trim).filter(|n| !n.is_empty()) {
        let scope = schema::auth::Scope::parse(name).ok_or_else(|| anyhow::anyhow!("unknown scope {name:?}"))?;
        s = s.with(scope);
    }
    Ok(Some(s))
}

fn id_of(text: &str, kind: schema::id::Kind) -> Option<Uuid> {
    Uuid::parse_str(text).ok().or_else(|| schema::id::decode(kind, &text.into(), "id").ok())
}

/// Prints a token for an agent (or a contact) of the workspace.
pub async fn token(db: &DatabaseConnection, auth: &AuthOpts, cmd: TokenCmd) -> anyhow::Result<()> {
    let secret = auth.secret().ok_or_else(|| anyhow::anyhow!("no JWT secret: set PARLOR_JWT_SECRET"))?;
    let signer = TokenSigner::new(secret.as_bytes(), auth.jwt_issuer.clone(), auth.jwt_audience.clone())
        .map_err(|e| anyhow::anyhow!(e))?;
    let ws = workspace(db, &cmd.workspace).await?;
    let role = role(&cmd.role)?;
    let subject = match role {
        Role::Bot => anyhow::bail!("bots use keys: parlor api-key create --bot <id>"),
        Role::Contact => {
            let text = cmd.contact.as_deref().ok_or_else(|| anyhow::anyhow!("a contact token needs --contact <id>"))?;
            let id = id_of(text, schema::id::Kind::Contact).ok_or_else(|| anyhow::anyhow!("bad contact id"))?;
            contact::Entity::find_by_id(id)
                .filter(contact::Column::WorkspaceId.eq(ws))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no such contact in the workspace"))?
                .id
        }
        _ => {
            let mut q = agent::Entity::find().filter(agent::Column::WorkspaceId.eq(ws));
            q = match cmd.agent.as_deref() {
                Some(a) => match id_of(a, schema::id::Kind::Agent) {
                    Some(id) => q.filter(agent::Column::Id.eq(id)),
                    None => q.filter(agent::Column::Email.eq(a)),
                },
                // The first agent with this role; for an admin token, the first admin.
                None => q.filter(agent::Column::Role.eq(role)),
            };
            q.order_by_asc(agent::Column::CreatedAt)
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no matching agent in the workspace (give --agent <email>)"))?
                .id
        }
    };
    let ttl = chrono::Duration::from_std(cmd.ttl)?;
    let minted = signer
        .mint(ws, subject, role, scopes(cmd.scopes.as_deref())?, ttl)
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    println!("{}", minted.token);
    eprintln!("expires at {}", minted.expires_at.to_rfc3339());
    Ok(())
}

pub async fn api_key(db: &DatabaseConnection, cmd: ApiKeyCmd) -> anyhow::Result<()> {
    match cmd {
        ApiKeyCmd::Create { workspace: w, name, role: r, scopes: s, bot, expires_in, budget } => {
            let viewer = Viewer::system(workspace(db, &w).await?);
            let bot = match bot {
                Some(b) => Some(id_of(&b, schema::id::Kind::Bot).ok_or_else(|| anyhow::anyhow!("bad bot id"))?),
                None => None,
            };
            let new = NewKey {
                name,
                role: r.as_deref().map(role).transpose()?,
                scopes: scopes(s.as_deref())?,
                bot,
                expires_at: match expires_in {
                    Some(d) => Some(chrono::Utc::now() + chrono::Duration::from_std(d)?),
                    None => None,
                },
                budget,
            };
            let issued = service::create(db, &viewer, new).await.map_err(|e| anyhow::anyhow!(e.message()))?;
            println!("{}", issued.secret);
            eprintln!(
                "created {} ({}, role {:?}); the secret above is shown only once",
                issued.key.prefix, issued.key.name, issued.key.role
            );
        }
        ApiKeyCmd::List { workspace: w } => {
            let ws = workspace(db, &w).await?;
            let keys = api_key::Entity::find()
                .filter(api_key::Column::WorkspaceId.eq(ws))
                .order_by_desc(api_key::Column::CreatedAt)
                .all(db)
                .await?;
            for k in keys {
                let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                let used = k.last_used_at.map_or("never used".to_owned(), |t| format!("last used {}", t.to_rfc3339()));
                println!("{}  {:<8} {:?}  {}  {}", k.prefix, state, k.role, k.name, used);
            }
        }
        ApiKeyCmd::Revoke { workspace: w, key } => {
            let viewer = Viewer::system(workspace(db, &w).await?);
            let by = match id_of(&key, schema::id::Kind::ApiKey) {
                Some(id) => Condition::all().add(api_key::Column::Id.eq(id)),
                None => Condition::all().add(api_key::Column::Prefix.eq(key.as_str())),
            };
            let row = api_key::Entity::find()
                .filter(api_key::Column::WorkspaceId.eq(viewer.workspace_id))
                .filter(by)
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no such key in the workspace"))?;
            let revoked = service::revoke(db, &viewer, row.id).await.map_err(|e| anyhow::anyhow!(e.message()))?;
            println!("revoked {}", revoked.prefix);
        }
    }
    Ok(())
}
