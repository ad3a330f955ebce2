//! GraphiQL in a real browser (headless Chromium over DevTools): the page loads nothing from outside the server,
//! the explorer pane lists the schema's Query fields, the default tabs' example queries run without errors, and a
//! user's saved tabs survive a reload. A screenshot is left in the target dir to look at.

use crate::cdp::Browser;
use crate::harness::TestApp;
use serde_json::{Value, json};

/// The content of the CodeMirror editor inside `selector`.
fn editor(selector: &str) -> String {
    format!(
        "(() => {{ const e = document.querySelector('{selector} .CodeMirror'); return e ? e.CodeMirror.getValue() : null; }})()"
    )
}

/// Whether GraphiQL has parsed the query editor's document and selected the operation `name`.
fn operation_is(name: &str) -> String {
    format!("document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName === {name:?}")
}

const TABS: &str = "[...document.querySelectorAll('.graphiql-tab')].map(t => t.innerText.trim())";

/// Runs the active tab's operation and returns the response (the JSON in the response pane).
async fn run(browser: &mut Browser) -> Value {
    browser
        .eval(&format!("{}.CodeMirror.setValue('')", "document.querySelector('.graphiql-response .CodeMirror')"))
        .await;
    browser.eval("document.querySelector('.graphiql-execute-button').click()").await;
    let text = browser.wait_for("a response", &editor(".graphiql-response")).await;
    serde_json::from_str(text.as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("response {text}: {e}"))
}

#[tokio::test]
async fn graphiql_runs_offline_with_the_explorer_and_example_tabs() {
    let Some(mut browser) = Browser::launch(1400, 900).await else {
        println!("SKIPPED: no Chromium (set PARLOR_TEST_CHROMIUM or `apt-get install chromium`); CI has one");
        return;
    };
    let app = TestApp::spawn().await;
    for domain in ["Page", "Network", "Runtime"] {
        browser.call(&format!("{domain}.enable"), json!({})).await;
    }
    let viewport = json!({ "width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false });
    browser.call("Emulation.setDeviceMetricsOverride", viewport).await;
    browser.call("Page.navigate", json!({ "url": format!("{}/graphiql", app.url) })).await;

    // The explorer pane is open on a first visit and lists the Query fields of the introspected schema.
    let explorer = "(() => { const e = document.querySelector('.graphiql-explorer-root'); \
                    return e && e.innerText.includes('conversationMetrics') ? e.innerText : null; })()";
    let fields = browser.wait_for("the explorer's Query fields", explorer).await;
    for field in ["workspace", "conversations", "contacts", "conversationMetrics", "ticketMetrics"] {
        assert!(fields.as_str().is_some_and(|f| f.contains(field)), "{field} in {fields}");
    }
    // The explorer has not taken the focus (it grabs it for an argument input unless a text area has it).
    let focus = "!!(document.activeElement && document.activeElement.closest('.graphiql-query-editor'))";
    assert_eq!(browser.eval(focus).await, json!(true), "the query editor has the focus");

    // Two example tabs instead of the welcome text; the first is open and runs with data.
    assert_eq!(browser.eval(TABS).await, json!(["Inbox", "FirstResponseByChannel"]));
    let query = browser.eval(&editor(".graphiql-query-editor")).await;
    assert!(query.as_str().is_some_and(|q| q.starts_with("# Parlor")), "{query}");
    let inbox = run(&mut browser).await;
    assert!(inbox.get("errors").is_none(), "{inbox}");
    let nodes = inbox["data"]["conversations"]["nodes"].as_array().map_or(0, Vec::len);
    assert!(nodes > 0, "the demo data's conversations: {inbox}");
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("graphiql.png");
    browser.screenshot(&shot).await;
    println!("screenshot: {}", shot.display());

    // The metrics tab: the analyst's question, over the last 30 days (the variables hold the range).
    browser.eval("document.querySelectorAll('.graphiql-tab')[1].querySelector('button').click()").await;
    // GraphiQL parses the editor's document shortly after a change: a click before that would send the previous
    // tab's operation name.
    browser.wait_for("the metrics tab", &operation_is("FirstResponseByChannel")).await;
    let tab_state = "JSON.parse(localStorage.getItem('graphiql:tabState')).tabs[1].variables";
    let variables: Value =
        serde_json::from_str(browser.eval(tab_state).await.as_str().unwrap_or_default()).expect("JSON");
    let today = chrono::Utc::now().date_naive();
    let to = format!("{}T00:00:00Z", today + chrono::Days::new(1));
    assert_eq!(variables["to"], json!(to), "{variables}");
    let metrics = run(&mut browser).await;
    assert!(metrics.get("errors").is_none(), "{metrics}");
    assert!(metrics["data"]["conversationMetrics"].is_array(), "{metrics}");
    browser.screenshot(&shot.with_file_name("graphiql-metrics.png")).await;

    // A user's tabs are kept: edit the metrics tab, wait until GraphiQL saved it, reload.
    let edited = "query Mine { workspace { name } }";
    browser
        .eval(&format!(
            "{}.CodeMirror.setValue({edited:?})",
            "document.querySelector('.graphiql-query-editor .CodeMirror')"
        ))
        .await;
    browser
        .wait_for("the saved tabs", &format!("(localStorage.getItem('graphiql:tabState') || '').includes({edited:?})"))
        .await;
    browser.eval("window.beforeReload = true").await;
    browser.call("Page.reload", json!({})).await;
    browser.wait_for("the explorer after a reload", &format!("!window.beforeReload && {explorer}")).await;
    browser.wait_for("the saved tabs after a reload", &format!("{TABS}.length > 0")).await;
    assert_eq!(browser.eval(TABS).await, json!(["Inbox", "Mine"]));
    assert_eq!(browser.eval(&editor(".graphiql-query-editor")).await, json!(edited));
    browser.wait_for("the edited document parsed", &operation_is("Mine")).await;
    let mine = run(&mut browser).await;
    assert_eq!(mine["data"], json!({ "workspace": { "name": "Acme Support" } }), "{mine}");

    // Nothing but this server was asked for anything.
    let ws = app.url.replacen("http", "ws", 1);
    let urls = browser.requested_urls();
    assert!(urls.iter().any(|u| u.contains("/graphiql/assets/plugin-explorer.umd.js")), "{urls:?}");
    let outside: Vec<_> = urls
        .iter()
        .filter(|u| {
            !(u.starts_with(&app.url) || u.starts_with(&ws) || u.starts_with("data:") || u.starts_with("about:"))
        })
        .collect();
    assert!(outside.is_empty(), "requests that leave the server: {outside:?}");
    assert_eq!(browser.exceptions(), Vec::<String>::new());
}
