//! Offline GraphiQL: the IDE page and its browser assets, served from the binary.
//!
//! Parlor runs on firewalled machines that cannot reach a CDN, so the GraphiQL
//! page must not load anything from outside. The unmodified UMD production
//! bundles of React 18, ReactDOM 18, GraphiQL 4 and its explorer plugin (click
//! queries together from the schema's fields) live in
//! `api/assets/graphiql/` (pinned and refreshed by `scripts/refresh-graphiql.sh`,
//! sums and licences in its `MANIFEST.md`), are embedded with `include_bytes!`
//! and served by [`asset`] under `/graphiql/assets/<file>`. [`page`] renders the
//! HTML that loads them and points GraphiQL at the HTTP endpoint, and at the
//! same path over `ws://`/`wss://` (derived in the browser from `location`)
//! for subscriptions; the GraphiQL bundle carries its own `graphql-ws` client.

use std::hash::{DefaultHasher, Hasher};
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Embedded files: (name under `/graphiql/assets/`, content type, bytes).
const ASSETS: [(&str, &str, &[u8]); 6] = [
    ("react.production.min.js", JS, include_bytes!("../assets/graphiql/react.production.min.js")),
    ("react-dom.production.min.js", JS, include_bytes!("../assets/graphiql/react-dom.production.min.js")),
    ("graphiql.min.js", JS, include_bytes!("../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", CSS, include_bytes!("../assets/graphiql/graphiql.min.css")),
    ("plugin-explorer.umd.js", JS, include_bytes!("../assets/graphiql/plugin-explorer.umd.js")),
    ("plugin-explorer.css", CSS, include_bytes!("../assets/graphiql/plugin-explorer.css")),
];

/// Cache-busting token for the asset URLs: the assets are served as immutable
/// for a year under stable names, so a new bundle must come with a new URL.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    for (name, _, bytes) in ASSETS {
        hasher.write(name.as_bytes());
        hasher.write(bytes);
    }
    format!("{:016x}", hasher.finish())
});

/// `s` as a JavaScript string literal that is safe inside an HTML `<script>`
/// element: JSON-quoted, with `<`, `>`, `&` and U+2028/U+2029 escaped so it can
/// neither close the element nor break the statement.
fn js_string(s: &str) -> String {
    serde_json::Value::from(s)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// What GraphiQL's first tab holds instead of its welcome text: a working query over the demo data (README.md's
/// first example). Its comment lines stay short: the editor is narrow beside the explorer pane.
pub const EXAMPLE_QUERY: &str = r#"# Parlor: the open and pending WhatsApp conversations of
# your workspace, with their contact, bot, assignee, labels
# and last three messages. Run it with the ▶ button (or
# Ctrl-Enter). Tick fields in the Explorer pane (left) or
# type them (Ctrl-Space completes); the Docs pane describes
# every type. Lists are Relay connections: page on with
# `after: endCursor`. The next tab answers an analyst.
query Inbox {
  workspace { name }
  conversations(first: 10, filter: {status: {in: [OPEN, PENDING]}, channel: {eq: WHATSAPP}}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      number status subject lastActivityAt
      contact { name email }
      bot { name }
      assignee { name }
      labels { name color }
      messages(last: 3) {
        nodes {
          seq content
          sender { __typename ... on Contact { contactName: name } ... on Agent { agentName: name } }
        }
      }
    }
  }
}
"#;

/// GraphiQL's second tab: the analyst's question "median first response time by channel, per day, last 30 days",
/// with the range in the tab's variables (see [`metrics_variables`]).
pub const METRICS_QUERY: &str = r#"# Median first response time by channel, per day, over
# the last 30 days (UTC days). The range is in the
# Variables pane below, set when this page was loaded;
# durations are in seconds. The demo data (`parlor seed
# --demo`) ends on 2026-11-01: to see it, set
#   "from": "2026-10-02T00:00:00Z",
#   "to": "2026-11-01T00:00:00Z"
# Add figures, a `filter:` or other `groupBy:` dimensions
# in the Explorer pane.
query FirstResponseByChannel($from: DateTime!, $to: DateTime!) {
  conversationMetrics(range: {from: $from, to: $to}, timezone: "UTC", groupBy: [DAY, CHANNEL]) {
    period { date }
    channel
    conversationsStarted
    firstResponseTime { count median p90 }
  }
}
"#;

/// [`METRICS_QUERY`]'s variables on `today`: the 30 UTC days up to and including it.
fn metrics_variables(today: NaiveDate) -> String {
    let to = today.checked_add_days(Days::new(1)).unwrap_or(today);
    let from = to.checked_sub_days(Days::new(30)).unwrap_or(to);
    format!("{{\n  \"from\": \"{from}T00:00:00Z\",\n  \"to\": \"{to}T00:00:00Z\"\n}}")
}

/// The GraphiQL page for the GraphQL `endpoint` (a path such as `/graphql`, or
/// an absolute URL), with the headers editor open and pre-filled with
/// `default_headers` (JSON text such as `{"Authorization": "Bearer …"}`).
pub fn page(endpoint: &str, default_headers: &str) -> Html<String> {
    page_on(endpoint, default_headers, Utc::now().date_naive())
}

/// [`page`] as served on `today` (the metrics tab's range ends then).
///
/// A browser without saved GraphiQL tabs opens two (`defaultTabs`): [`EXAMPLE_QUERY`] and [`METRICS_QUERY`];
/// saved tabs are kept as they are, and a new tab starts with [`EXAMPLE_QUERY`] (`defaultQuery`). The explorer
/// pane is open on a first visit; whichever pane the user leaves open (or none) is remembered in localStorage.
fn page_on(endpoint: &str, default_headers: &str, today: NaiveDate) -> Html<String> {
    let v = ASSET_VERSION.as_str();
    let endpoint = js_string(endpoint);
    let headers = js_string(default_headers);
    let query = js_string(EXAMPLE_QUERY);
    let metrics = js_string(METRICS_QUERY);
    let metrics_variables = js_string(&metrics_variables(today));
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parlor · GraphiQL</title>
<link rel="stylesheet" href="/graphiql/assets/graphiql.min.css?v={v}">
<link rel="stylesheet" href="/graphiql/assets/plugin-explorer.css?v={v}">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/assets/react.production.min.js?v={v}"></script>
<script src="/graphiql/assets/react-dom.production.min.js?v={v}"></script>
<script src="/graphiql/assets/graphiql.min.js?v={v}"></script>
<script src="/graphiql/assets/plugin-explorer.umd.js?v={v}"></script>
<script>
(function () {{
  var http = new URL({endpoint}, location.href);
  var ws = new URL(http.href);
  ws.protocol = http.protocol === "https:" ? "wss:" : "ws:";
  var defaultHeaders = {headers};
  var base = GraphiQL.createFetcher({{ url: http.href, subscriptionUrl: ws.href }});
  // GraphiQL 4 fetches the schema before its headers editor exists, so that
  // first introspection would go out without the pre-filled headers.
  var fetcher = function (params, opts) {{
    if (params && params.operationName === "IntrospectionQuery" && !(opts && opts.headers)) {{
      try {{ opts = Object.assign({{}}, opts, {{ headers: JSON.parse(defaultHeaders) }}); }} catch (e) {{}}
    }}
    return base(params, opts);
  }};
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  // The pane left open last time (a plugin's title, "" for none); the explorer on a first visit.
  var paneKey = "parlor:graphiql:visiblePlugin", pane = null;
  try {{ pane = localStorage.getItem(paneKey); }} catch (e) {{}}
  if (pane === null) pane = explorer.title;
  // GraphiQL 4 learns its plugins after its first render, and its `visiblePlugin` prop then marks a pane visible
  // without opening it; so the pane is opened as a user would, by its sidebar button, once that is rendered.
  var root = document.getElementById("graphiql");
  function openPane() {{
    // The explorer focuses (and scrolls to) its first argument input unless a text area has the focus: the
    // query editor gets it first, where a user starts typing anyway.
    var editor = root.querySelector(".graphiql-query-editor textarea");
    var buttons = root.querySelectorAll("button[aria-label]");
    for (var i = 0; editor && i < buttons.length; i++) {{
      if (buttons[i].getAttribute("aria-label") !== "Show " + pane) continue;
      editor.focus();
      buttons[i].click();
      return true;
    }}
    return false;
  }}
  if (pane) {{
    var watch = new MutationObserver(function () {{ if (openPane()) watch.disconnect(); }});
    watch.observe(root, {{ childList: true, subtree: true }});
    setTimeout(function () {{ watch.disconnect(); }}, 30000);
  }}
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {{
      fetcher: fetcher,
      plugins: [explorer],
      onTogglePluginVisibility: function (plugin) {{
        try {{ localStorage.setItem(paneKey, plugin ? plugin.title : ""); }} catch (e) {{}}
      }},
      // Only for a browser without saved tabs; a new tab gets defaultQuery and defaultHeaders.
      defaultTabs: [
        {{ query: {query}, headers: defaultHeaders }},
        {{ query: {metrics}, variables: {metrics_variables}, headers: defaultHeaders }}
      ],
      defaultQuery: {query},
      defaultHeaders: defaultHeaders,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false
    }})
  );
}})();
</script>
</body>
</html>
"#
    ))
}

/// Serves one embedded asset by file name, cacheable for a year; 404 otherwise.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_contains_escaped_endpoint_and_headers() {
        let Html(html) = page("/graphql", r#"{"X-Parlor-Workspace": "acme"}"#);
        assert!(html.contains(r#"new URL("/graphql", location.href)"#));
        assert!(html.contains(r#"var defaultHeaders = "{\"X-Parlor-Workspace\": \"acme\"}";"#));
        assert!(html.contains("/graphiql/assets/graphiql.min.js?v="));
        assert!(
            html.contains(r##"defaultQuery: "# Parlor: the open and pending"##),
            "the example, not the welcome text"
        );

        let Html(html) = page("/x\"</script><script>alert(1)//", "</script>");
        assert!(!html.contains("<script>alert"));
        assert_eq!(html.matches("</script>").count(), 5);
        assert!(html.contains(r#""/x\"\u003c/script\u003e\u003cscript\u003ealert(1)//""#));
    }

    /// The default tabs' examples are valid documents for the schema we serve.
    #[test]
    fn the_example_queries_are_valid() {
        let spec = schema::spec_validator().expect("the schema validates");
        for query in [EXAMPLE_QUERY, METRICS_QUERY] {
            assert!(spec.validate(query).is_ok(), "{:?}", spec.validate(query));
        }
    }

    #[test]
    fn the_metrics_tab_covers_the_last_30_days() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 5).expect("date");
        let vars: serde_json::Value = serde_json::from_str(&metrics_variables(today)).expect("JSON");
        assert_eq!(vars, serde_json::json!({"from": "2026-02-04T00:00:00Z", "to": "2026-03-06T00:00:00Z"}));
        let Html(html) = page_on("/graphql", "{}", today);
        assert!(html.contains(r#"\"to\": \"2026-03-06T00:00:00Z\""#), "{html}");
        assert!(html.contains("/graphiql/assets/plugin-explorer.umd.js?v="));
    }

    #[tokio::test]
    async fn unknown_asset_is_404() {
        for name in ["nope.js", "../Cargo.toml", "MANIFEST.md", ""] {
            let response = asset(Path(name.to_owned())).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
        }
    }

    #[tokio::test]
    async fn known_asset_has_js_content_type() {
        let response = asset(Path("graphiql.min.js".to_owned())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(JS.as_bytes()));
        assert_eq!(
            headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"public, max-age=31536000, immutable"[..])
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        assert_eq!(body.ok().map(|b| b.len()), Some(ASSETS[2].2.len()));
    }
}
