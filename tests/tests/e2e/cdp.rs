//! A small Chrome DevTools Protocol client for the tests that open a page in a real browser: headless Chromium
//! in a throwaway profile, one page driven over its DevTools WebSocket (JSON commands by id, events collected).
//! No browser-automation crate: the tests already speak WebSocket, and CDP needs nothing more.
//!
//! Chromium is `PARLOR_TEST_CHROMIUM`, else the first of `chromium`, `chromium-browser`, `google-chrome` on `PATH`;
//! without one, [`Browser::launch`] returns `None` and the test says it skipped.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a page gets to reach a state the test waits for (a debug server on a busy 2-core machine).
const PATIENCE: Duration = Duration::from_secs(90);

pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    socket: Socket,
    next_id: u64,
    /// Every event received so far (`{"method": …, "params": …}`), in order.
    pub events: Vec<Value>,
}

fn find_chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PARLOR_TEST_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let dirs = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// The DevTools port Chromium chose (`--remote-debugging-port=0`), from the file it writes in its profile.
async fn devtools_port(profile: &Path, child: &mut Child) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(port) = std::fs::read_to_string(&file).ok().and_then(|s| s.lines().next()?.parse().ok()) {
            return port;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("Chromium exited before opening DevTools: {status}");
        }
        assert!(Instant::now() < deadline, "Chromium did not open DevTools");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    /// Headless Chromium with one blank page of `width`×`height`, or `None` when there is no Chromium here.
    pub async fn launch(width: u32, height: u32) -> Option<Browser> {
        let chromium = find_chromium()?;
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                // The browser's own traffic (updates, safe browsing…) is not the page's; keep it off anyway.
                "--disable-background-networking",
                "--disable-component-update",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromium.display()));
        let port = devtools_port(profile.path(), &mut child).await;
        let targets: Value = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
            .await
            .and_then(|r| r.error_for_status())
            .expect("DevTools target list")
            .json()
            .await
            .expect("targets JSON");
        let page = targets
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_owned();
        let (socket, _) = tokio_tungstenite::connect_async(page.as_str()).await.expect("DevTools WebSocket");
        Some(Browser { child, _profile: profile, socket, next_id: 0, events: Vec::new() })
    }

    /// Sends one command and waits for its answer (its `result`); events arriving meanwhile are kept.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::text(command)).await.expect("send a DevTools command");
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .unwrap_or_else(|| panic!("DevTools closed during {method}"))
                .expect("DevTools message");
            let Message::Text(text) = message else { continue };
            let value: Value = serde_json::from_str(text.as_str()).expect("DevTools JSON");
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {}", value["error"]);
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited); panics on an exception.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }))
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it yields something other than `null`, `false` or `""`, and returns that.
    pub async fn wait_for(&mut self, what: &str, expression: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.eval(expression).await;
            if !(value.is_null() || value == json!(false) || value == json!("")) {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The URLs the page requested (documents, scripts, styles, fetches, WebSockets), in order.
    pub fn requested_urls(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str() {
                Some("Network.requestWillBeSent") => e["params"]["request"]["url"].as_str(),
                Some("Network.webSocketCreated") => e["params"]["url"].as_str(),
                _ => None,
            })
            .map(str::to_owned)
            .collect()
    }

    /// The page's uncaught exceptions so far, as text.
    pub fn exceptions(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Runtime.exceptionThrown")
            .map(|e| e["params"]["exceptionDetails"].to_string())
            .collect()
    }

    /// A PNG of the viewport, written to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" })).await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap_or_default());
        std::fs::write(path, png.expect("screenshot base64")).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
