//! `conversationMetrics`: figures over conversations made through the API, checked against what this test
//! computes from the API's own answers (message and resolution times); day buckets across a daylight-saving change
//! checked against counts of the `conversations` list.

use crate::harness::TestApp;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const METRICS: &str = "query($f: ConversationFilter, $r: MetricsRange!, $tz: String, $g: [MetricsGroupBy!]) {
  conversationMetrics(filter: $f, range: $r, timezone: $tz, groupBy: $g) {
    period { date start end } channel status botId
    conversationsStarted conversationsResolved conversationsReopened messagesIn messagesOut botHandled
    botContainmentRate handoffRate
    firstResponseTime { count mean median p90 } resolutionTime { count mean median p90 }
  }
}";

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("a time: {v}"))
}

fn secs(a: &Value, b: &Value) -> f64 {
    (time(b) - time(a)).num_microseconds().expect("µs") as f64 / 1e6
}

/// What the test expects of one group, computed from its own records.
#[derive(Default, Debug)]
struct Expected {
    started: i64,
    resolved: i64,
    reopened: i64,
    messages_in: i64,
    messages_out: i64,
    bot_handled: i64,
    contained: i64,
    handed_off: i64,
    first: Vec<f64>,
    resolution: Vec<f64>,
}

/// (count, mean, median, p90 by nearest rank), written independently of the server's code.
fn stats(mut v: Vec<f64>) -> (i64, Option<f64>, Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (0, None, None, None);
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
    let n = v.len();
    let median = if n.is_multiple_of(2) { (v[n / 2 - 1] + v[n / 2]) / 2.0 } else { v[n / 2] };
    let rank = ((n as f64) * 0.9).ceil() as usize;
    (n as i64, Some(v.iter().sum::<f64>() / n as f64), Some(median), Some(v[rank - 1]))
}

fn close(a: &Value, b: Option<f64>, what: &str) {
    match b {
        None => assert!(a.is_null(), "{what}: expected null, got {a}"),
        Some(b) => {
            let a = a.as_f64().unwrap_or_else(|| panic!("{what}: expected {b}, got {a}"));
            assert!((a - b).abs() < 1e-3, "{what}: expected {b}, got {a}");
        }
    }
}

struct Api<'a> {
    app: &'a TestApp,
    contact: Value,
    bot: Value,
    agent: Value,
}

impl Api<'_> {
    async fn start(&self, channel: &str, with_bot: bool) -> Value {
        let q = "mutation($c: ID!, $b: ID, $ch: Channel!) { startConversation(input: {contactId: $c, botId: $b, channel: $ch}) { conversation { id createdAt } } }";
        let bot = if with_bot { self.bot.clone() } else { Value::Null };
        self.app.query(q, json!({ "c": self.contact, "b": bot, "ch": channel })).await["startConversation"]
            ["conversation"]
            .clone()
    }

    /// Sends a message; its `createdAt`.
    async fn say(&self, conv: &Value, kind: &str, private: bool) -> Value {
        let q = "mutation($id: ID!, $k: SenderKind!, $s: ID, $p: Boolean!) { sendMessage(input: {conversationId: $id, senderKind: $k, senderId: $s, content: \"hi\", private: $p}) { message { createdAt } } }";
        let sender = if kind == "AGENT" { self.agent.clone() } else { Value::Null };
        self.app.query(q, json!({ "id": conv["id"], "k": kind, "s": sender, "p": private })).await["sendMessage"]
            ["message"]["createdAt"]
            .clone()
    }

    async fn status(&self, conv: &Value, status: &str) -> Value {
        let q = "mutation($id: ID!, $s: ConversationStatus!) { setConversationStatus(input: {conversationId: $id, status: $s}) { conversation { resolvedAt } } }";
        self.app.query(q, json!({ "id": conv["id"], "s": status })).await["setConversationStatus"]["conversation"]
            ["resolvedAt"]
            .clone()
    }

    async fn handoff(&self, conv: &Value) {
        let q = "mutation($id: ID!, $a: ID) { handoffToHuman(input: {conversationId: $id, reason: \"asked\", agentId: $a}) { conversation { id } } }";
        self.app.query(q, json!({ "id": conv["id"], "a": self.agent })).await;
    }
}

#[tokio::test]
async fn conversation_metrics_match_figures_computed_from_the_api() {
    let app = TestApp::spawn().await;
    let d = app
        .query(
            "{ contacts(first: 1) { nodes { id } } bots(first: 1) { nodes { id } } agents(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let api = Api {
        app: &app,
        contact: d["contacts"]["nodes"][0]["id"].clone(),
        bot: d["bots"]["nodes"][0]["id"].clone(),
        agent: d["agents"]["nodes"][0]["id"].clone(),
    };
    let mut exp: BTreeMap<&str, Expected> = BTreeMap::new();
    let mut created = vec![];

    // WEB, bot answers and resolves alone: contained.
    let c = api.start("WEB", true).await;
    created.push(time(&c["createdAt"]));
    let asked = api.say(&c, "CONTACT", false).await;
    let answered = api.say(&c, "BOT", false).await;
    api.say(&c, "BOT", false).await;
    let resolved = api.status(&c, "RESOLVED").await;
    let e = exp.entry("WEB").or_default();
    e.started += 1;
    e.resolved += 1;
    e.messages_in += 1;
    e.messages_out += 2;
    e.bot_handled += 1;
    e.contained += 1;
    e.first.push(secs(&asked, &answered));
    e.resolution.push(secs(&c["createdAt"], &resolved));

    // WEB, handed to an agent, resolved, then reopened by the contact.
    let c = api.start("WEB", true).await;
    created.push(time(&c["createdAt"]));
    let asked = api.say(&c, "CONTACT", false).await;
    api.say(&c, "CONTACT", false).await;
    api.handoff(&c).await;
    api.say(&c, "AGENT", true).await; // a private note is no response
    let answered = api.say(&c, "AGENT", false).await;
    api.status(&c, "RESOLVED").await;
    api.say(&c, "CONTACT", false).await;
    let e = exp.entry("WEB").or_default();
    e.started += 1;
    e.reopened += 1;
    e.messages_in += 3;
    e.messages_out += 1;
    e.bot_handled += 1;
    e.handed_off += 1;
    e.first.push(secs(&asked, &answered));

    // SMS, bot-handled and still open.
    let c = api.start("SMS", true).await;
    created.push(time(&c["createdAt"]));
    let asked = api.say(&c, "CONTACT", false).await;
    let answered = api.say(&c, "BOT", false).await;
    api.say(&c, "CONTACT", false).await;
    let e = exp.entry("SMS").or_default();
    e.started += 1;
    e.messages_in += 2;
    e.messages_out += 1;
    e.bot_handled += 1;
    e.first.push(secs(&asked, &answered));

    // SMS, humans only: an agent writes first; the response is the reply after the contact's first message.
    for _ in 0..2 {
        let c = api.start("SMS", false).await;
        created.push(time(&c["createdAt"]));
        api.say(&c, "AGENT", false).await;
        let asked = api.say(&c, "CONTACT", false).await;
        let answered = api.say(&c, "AGENT", false).await;
        let resolved = api.status(&c, "RESOLVED").await;
        let e = exp.entry("SMS").or_default();
        e.started += 1;
        e.resolved += 1;
        e.messages_in += 1;
        e.messages_out += 2;
        e.first.push(secs(&asked, &answered));
        e.resolution.push(secs(&c["createdAt"], &resolved));
    }

    // WEB, humans only, unanswered.
    let c = api.start("WEB", false).await;
    created.push(time(&c["createdAt"]));
    api.say(&c, "CONTACT", false).await;
    let e = exp.entry("WEB").or_default();
    e.started += 1;
    e.messages_in += 1;

    // The demo data ends a month before the test runs: the range holds only these conversations.
    let from = created.iter().min().expect("created").to_rfc3339();
    let to = (*created.iter().max().expect("created") + chrono::Duration::seconds(1)).to_rfc3339();
    let range = json!({ "from": from, "to": to });
    let d = app.query(METRICS, json!({ "r": range, "g": ["CHANNEL"] })).await;
    let groups = d["conversationMetrics"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{d}");
    for g in groups {
        let ch = g["channel"].as_str().expect("channel");
        let e = &exp[ch];
        let got = |f: &str| g[f].as_i64().unwrap_or_else(|| panic!("{f} in {g}"));
        assert_eq!(
            [got("conversationsStarted"), got("conversationsResolved"), got("conversationsReopened")],
            [e.started, e.resolved, e.reopened],
            "{ch}: {g}"
        );
        assert_eq!(
            [got("messagesIn"), got("messagesOut"), got("botHandled")],
            [e.messages_in, e.messages_out, e.bot_handled]
        );
        let rate = |n: i64| (e.bot_handled > 0).then(|| n as f64 / e.bot_handled as f64);
        close(&g["botContainmentRate"], rate(e.contained), &format!("{ch} containment"));
        close(&g["handoffRate"], rate(e.handed_off), &format!("{ch} handoff"));
        for (field, values) in [("firstResponseTime", &e.first), ("resolutionTime", &e.resolution)] {
            let (n, mean, median, p90) = stats(values.clone());
            let s = &g[field];
            assert_eq!(s["count"].as_i64(), Some(n), "{ch} {field}: {s}");
            close(&s["mean"], mean, &format!("{ch} {field} mean"));
            close(&s["median"], median, &format!("{ch} {field} median"));
            close(&s["p90"], p90, &format!("{ch} {field} p90"));
        }
        assert!(g["period"].is_null() && g["status"].is_null(), "only the asked dimensions: {g}");
    }

    // No groupBy: one group; a filter narrows it (bot conversations only); by status.
    let d = app.query(METRICS, json!({ "r": range })).await;
    assert_eq!(d["conversationMetrics"][0]["conversationsStarted"], 6, "{d}");
    let d = app.query(METRICS, json!({ "r": range, "f": { "botId": { "isNull": false } } })).await;
    assert_eq!(d["conversationMetrics"][0]["conversationsStarted"], 3, "{d}");
    let d = app.query(METRICS, json!({ "r": range, "g": ["STATUS"] })).await;
    let by_status: BTreeMap<String, i64> = d["conversationMetrics"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["status"].as_str().expect("status").to_owned(), g["conversationsStarted"].as_i64().expect("n")))
        .collect();
    assert_eq!(
        by_status,
        BTreeMap::from([("OPEN".to_owned(), 2), ("PENDING".to_owned(), 1), ("RESOLVED".to_owned(), 3)]),
        "{d}"
    );

    // An analyst may ask; another workspace sees only its own (none in the range).
    let analyst = app.post_as(Some(&app.token("acme", "analyst")), METRICS, json!({ "r": range })).await;
    assert_eq!(analyst.body["data"]["conversationMetrics"][0]["conversationsStarted"], 6, "{}", analyst.body);
    let other = app.post(Some("globex"), METRICS, json!({ "r": range })).await;
    let none = &other.body["data"]["conversationMetrics"];
    assert_eq!(none[0]["conversationsStarted"], 0, "another workspace sees none of them: {}", other.body);
    assert!(none[0]["firstResponseTime"]["median"].is_null() && none[0]["botContainmentRate"].is_null(), "{none}");
}

#[tokio::test]
async fn day_buckets_follow_the_time_zone_across_daylight_saving() {
    let app = TestApp::spawn().await;
    // Paris leaves summer time on 2026-10-25: that day lasts 25 hours.
    let days = [
        ("2026-10-24", "2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z"),
        ("2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
        ("2026-10-26", "2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z"),
    ];
    let range = json!({ "from": days[0].1, "to": days[2].2 });
    let d = app.query(METRICS, json!({ "r": range, "tz": "Europe/Paris", "g": ["DAY"] })).await;
    let groups = d["conversationMetrics"].as_array().expect("groups");
    assert_eq!(groups.len(), 3, "the demo data has conversations on each day: {d}");
    for (g, (date, start, end)) in groups.iter().zip(days) {
        assert_eq!(g["period"]["date"], date);
        assert_eq!(time(&g["period"]["start"]), time(&json!(start)));
        assert_eq!(time(&g["period"]["end"]), time(&json!(end)));
        let list = app
            .query(
                "query($f: ConversationFilter) { conversations(first: 1, filter: $f) { totalCount } }",
                json!({ "f": { "createdAt": { "gte": start, "lt": end } } }),
            )
            .await;
        assert_eq!(g["conversationsStarted"], list["conversations"]["totalCount"], "{date}");
    }
    // The same range in UTC splits differently (or at least starts at UTC midnight).
    let d = app.query(METRICS, json!({ "r": range, "g": ["DAY"] })).await;
    assert_eq!(time(&d["conversationMetrics"][0]["period"]["start"]), time(&json!("2026-10-23T00:00:00Z")), "{d}");

    for (vars, why) in [
        (json!({ "r": range, "tz": "Mars/Olympus" }), "unknown time zone"),
        (json!({ "r": { "from": days[2].2, "to": days[0].1 } }), "from after to"),
        (json!({ "r": range, "g": ["DAY", "WEEK"] }), "two calendar units"),
        (
            json!({ "r": { "from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" }, "g": ["DAY"] }),
            "too many days",
        ),
    ] {
        let reply = app.post(Some("acme"), METRICS, vars).await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{why}: {}", reply.body);
    }
}
