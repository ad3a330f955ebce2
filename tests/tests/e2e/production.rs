//! `PARLOR_ENV=production`: refuses to start without a real JWT secret or JWKS, with the development secret,
//! with a short secret, or with the demo data; GraphiQL is off and introspection needs a credential by default.

use crate::harness::{self, TestApp};
use serde_json::json;
use std::process::{Command, Stdio};

const REAL_SECRET: &str = "a-production-secret-of-at-least-32-bytes-0123456789";

/// Runs `parlor serve` in production mode over `database_url` with these extra environment variables; its exit
/// status and stderr, or `None` when it started listening (it is then killed).
fn start(database_url: &str, env: &[(&str, &str)]) -> Option<(bool, String)> {
    let mut cmd = Command::new(harness::binary());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--demo-data", "no"])
        .env("DATABASE_URL", database_url)
        .env("PARLOR_ENV", "production")
        .env_remove("PARLOR_JWT_SECRET")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn parlor");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            return Some((status.success(), err));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[tokio::test]
async fn production_refuses_development_settings_and_demo_data() {
    let app = TestApp::spawn().await;
    let url = app.database_url.clone();
    let dev = "parlor-development-secret-not-for-production-use";
    for (what, env, says) in [
        ("no secret", vec![], "PARLOR_JWT_SECRET or PARLOR_JWT_JWKS"),
        ("the development secret", vec![("PARLOR_JWT_SECRET", dev)], "development JWT secret"),
        ("a short secret", vec![("PARLOR_JWT_SECRET", "short")], "at least 32 bytes"),
        ("demo data", vec![("PARLOR_JWT_SECRET", REAL_SECRET)], "demo data"),
    ] {
        let outcome = tokio::task::spawn_blocking({
            let (url, env) = (url.clone(), env.clone());
            move || start(&url, &env)
        })
        .await
        .expect("join");
        let (ok, stderr) = outcome.unwrap_or_else(|| panic!("{what}: the server started"));
        assert!(!ok, "{what}: exit status");
        assert!(stderr.contains(says), "{what}: {stderr}");
        assert!(!stderr.contains(REAL_SECRET), "{what}: a secret was printed");
    }
}

#[tokio::test]
async fn production_hides_graphiql_and_asks_a_credential_for_introspection() {
    // An empty database: production starts, with no demo data to refuse.
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("prod.db").display());
    let app = TestApp::start_over(&url, &[], &[("PARLOR_ENV", "production"), ("PARLOR_JWT_SECRET", REAL_SECRET)]).await;
    let page =
        app.client().get(format!("{}/graphiql", app.url)).header("accept", "text/html").send().await.expect("get");
    assert_eq!(page.status().as_u16(), 404);
    let reply = app.post_as(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!((reply.status, reply.body["errors"][0]["extensions"]["code"].as_str()), (401, Some("UNAUTHENTICATED")));
    // `{ __typename }` reads nothing, and load balancers may probe with it.
    assert_eq!(app.post_as(None, "{ __typename }", json!({})).await.status, 200);
}
