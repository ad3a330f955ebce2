//! Credentials made in the tests: HS256 tokens signed with the test servers' secret, for the agents and contacts
//! of the demo data (read once from the database: every test database is a copy of the same template).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;
use uuid::Uuid;

pub struct Workspace {
    pub id: Uuid,
    /// (role, agent id), oldest agent first.
    pub agents: Vec<(String, Uuid)>,
    /// Contacts of the workspace, oldest first.
    pub contacts: Vec<Uuid>,
    pub bots: Vec<Uuid>,
}

impl Workspace {
    /// The first agent with this role.
    pub fn agent(&self, role: &str) -> Option<Uuid> {
        self.agents.iter().find(|(r, _)| r == role).map(|(_, id)| *id)
    }
}

pub struct Directory(HashMap<String, Workspace>);

impl Directory {
    pub fn workspace(&self, slug: &str) -> Option<&Workspace> {
        self.0.get(slug)
    }
}

static DIRECTORY: OnceLock<Directory> = OnceLock::new();

/// The demo data's workspaces, agents, contacts and bots.
pub fn directory(database_url: &str) -> &'static Directory {
    DIRECTORY.get_or_init(|| {
        let url = database_url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(read(&url))
        })
        .join()
        .expect("directory thread")
    })
}

async fn read(url: &str) -> Directory {
    use sea_orm::{ConnectionTrait, Statement};
    let db = sea_orm::Database::connect(url).await.expect("connect to the test database");
    let rows = |sql: &str| {
        let (db, sql) = (&db, sql.to_owned());
        async move { db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("query") }
    };
    // Joined on the workspace rather than compared with a literal id: SQLite stores uuids as blobs.
    let mut out: HashMap<String, Workspace> = HashMap::new();
    for w in rows("SELECT id, slug FROM workspace").await {
        let id: Uuid = w.try_get("", "id").expect("id");
        let slug: String = w.try_get("", "slug").expect("slug");
        out.insert(slug, Workspace { id, agents: vec![], contacts: vec![], bots: vec![] });
    }
    let of = |table: &str, extra: &str| {
        format!(
            "SELECT w.slug AS slug, t.id AS id{extra} FROM {table} t JOIN workspace w ON w.id = t.workspace_id \
             ORDER BY t.created_at, t.id"
        )
    };
    for r in rows(&of("agent", ", t.role AS role")).await {
        let slug: String = r.try_get("", "slug").expect("slug");
        let role: String = r.try_get("", "role").expect("role");
        out.get_mut(&slug).expect("workspace").agents.push((role, r.try_get("", "id").expect("id")));
    }
    for r in rows(&of("contact", "")).await {
        let slug: String = r.try_get("", "slug").expect("slug");
        out.get_mut(&slug).expect("workspace").contacts.push(r.try_get("", "id").expect("id"));
    }
    for r in rows(&of("bot", "")).await {
        let slug: String = r.try_get("", "slug").expect("slug");
        out.get_mut(&slug).expect("workspace").bots.push(r.try_get("", "id").expect("id"));
    }
    let _ = db.close().await;
    Directory(out)
}

/// An HS256 token with these claims, `iat` now and `exp` in `ttl_secs` (negative: already expired).
pub fn sign(mut claims: Value, ttl_secs: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = now.into();
    claims["exp"] = (now + ttl_secs).into();
    sign_raw(&claims)
}

/// An HS256 token with exactly these claims.
pub fn sign_raw(claims: &Value) -> String {
    let key = EncodingKey::from_secret(crate::harness::JWT_SECRET.as_bytes()).expect("key");
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).expect("sign")
}

/// The uuid inside a global id.
pub fn uuid_of(global: &Value) -> Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global.as_str().expect("an id")).expect("base64");
    let text = String::from_utf8(raw).expect("utf8");
    text.split_once(':').and_then(|(_, u)| Uuid::parse_str(u).ok()).expect("Type:uuid")
}
