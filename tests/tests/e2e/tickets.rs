//! Tickets: creation from a conversation, edits, assignment, the status machine, comments.

use crate::harness::TestApp;
use serde_json::json;

const T: &str = "ticket { id number status priority subject description dueAt firstResponseAt resolvedAt assignee { id } contact { id } conversation { id } }";

#[tokio::test]
async fn a_ticket_moves_through_its_states_and_takes_comments() {
    let app = TestApp::spawn().await;
    let d = app
        .query("{ conversations(first: 1) { nodes { id contact { id } } } contacts(first: 2) { nodes { id } } agents(first: 1) { nodes { id } } }", json!({}))
        .await;
    let conv = d["conversations"]["nodes"][0].clone();
    let other = d["contacts"]["nodes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] != conv["contact"]["id"]).cloned())
        .expect("contact");
    let agent = d["agents"]["nodes"][0]["id"].clone();

    let create = format!("mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ {T} }} }}");
    let (code, _) = app.error(&create, json!({ "i": { "subject": "Refund" } })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a ticket needs a contact or a conversation");
    let (code, _) = app
        .error(&create, json!({ "i": { "subject": "Refund", "conversationId": conv["id"], "contactId": other["id"] } }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "contact and conversation disagree");
    let t = app
        .query(&create, json!({ "i": { "subject": "Refund", "conversationId": conv["id"], "priority": "HIGH" } }))
        .await["createTicket"]["ticket"]
        .clone();
    assert_eq!((t["status"].as_str(), t["priority"].as_str()), (Some("OPEN"), Some("HIGH")));
    assert_eq!(t["contact"]["id"], conv["contact"]["id"]);
    let t2 = app.query(&create, json!({ "i": { "subject": "Invoice", "contactId": other["id"] } })).await["createTicket"]["ticket"].clone();
    assert_eq!(t2["number"].as_i64(), t["number"].as_i64().map(|n| n + 1));

    let update = format!("mutation($i: UpdateTicketInput!) {{ updateTicket(input: $i) {{ {T} }} }}");
    let u = &app
        .query(
            &update,
            json!({ "i": { "id": t["id"], "description": "double charge", "dueAt": "2999-01-01T00:00:00Z" } }),
        )
        .await["updateTicket"]["ticket"];
    assert_eq!((u["description"].as_str(), u["subject"].as_str()), (Some("double charge"), Some("Refund")));
    let u = &app.query(&update, json!({ "i": { "id": t["id"], "dueAt": null } })).await["updateTicket"]["ticket"];
    assert!(u["dueAt"].is_null());

    let assign = format!("mutation($id: ID!, $a: ID) {{ assignTicket(input: {{id: $id, agentId: $a}}) {{ {T} }} }}");
    assert_eq!(
        app.query(&assign, json!({ "id": t["id"], "a": agent })).await["assignTicket"]["ticket"]["assignee"]["id"],
        agent
    );

    let status = format!(
        "mutation($id: ID!, $s: TicketStatus!) {{ setTicketStatus(input: {{id: $id, status: $s}}) {{ {T} }} }}"
    );
    let s = &app.query(&status, json!({ "id": t["id"], "s": "IN_PROGRESS" })).await["setTicketStatus"]["ticket"];
    assert!(s["firstResponseAt"].is_string(), "leaving OPEN is the first response");
    let first = s["firstResponseAt"].clone();
    let s = &app.query(&status, json!({ "id": t["id"], "s": "RESOLVED" })).await["setTicketStatus"]["ticket"];
    assert!(s["resolvedAt"].is_string());
    assert_eq!(s["firstResponseAt"], first, "recorded once");
    let s = &app.query(&status, json!({ "id": t["id"], "s": "WAITING" })).await["setTicketStatus"]["ticket"];
    assert!(s["resolvedAt"].is_null(), "reopening clears resolvedAt");

    // Comments: a private note on the ticket's conversation; the second ticket gets a conversation of its own.
    let comment = "mutation($i: AddTicketCommentInput!) { addTicketComment(input: $i) { replayed comment { id private senderKind conversation { id } } ticket { firstResponseAt conversation { id } } } }";
    let c = &app
        .query(comment, json!({ "i": { "ticketId": t["id"], "agentId": agent, "body": "checking the ledger" } }))
        .await["addTicketComment"];
    assert_eq!((c["comment"]["private"].as_bool(), c["comment"]["senderKind"].as_str()), (Some(true), Some("AGENT")));
    assert_eq!(c["comment"]["conversation"]["id"], conv["id"]);
    let input = json!({ "ticketId": t2["id"], "agentId": agent, "body": "We are on it", "public": true, "clientMessageId": "c-1" });
    let c = app.query(comment, json!({ "i": input })).await["addTicketComment"].clone();
    assert!(c["ticket"]["conversation"]["id"].is_string(), "a conversation was started for the ticket");
    assert!(c["ticket"]["firstResponseAt"].is_string(), "a public comment is the first response");
    let again = app.query(comment, json!({ "i": input })).await["addTicketComment"].clone();
    assert_eq!((again["replayed"].as_bool(), &again["comment"]["id"]), (Some(true), &c["comment"]["id"]));
    let (code, _) = app.error(comment, json!({ "i": { "ticketId": t2["id"], "agentId": agent, "body": "" } })).await;
    assert_eq!(code, "BAD_USER_INPUT");

    // CLOSED is final.
    let close = format!("mutation($id: ID!) {{ closeTicket(input: {{id: $id}}) {{ {T} }} }}");
    let s = &app.query(&close, json!({ "id": t["id"] })).await["closeTicket"]["ticket"];
    assert_eq!(s["status"], "CLOSED");
    assert!(s["resolvedAt"].is_string());
    app.query(&close, json!({ "id": t["id"] })).await;
    for (q, v) in [
        (&status, json!({ "id": t["id"], "s": "OPEN" })),
        (&update, json!({ "i": { "id": t["id"], "subject": "x" } })),
        (&assign, json!({ "id": t["id"] })),
    ] {
        let reply = app.post(Some("acme"), q, v).await;
        let ext = &reply.body["errors"][0]["extensions"];
        assert_eq!(
            (ext["code"].as_str(), ext["currentState"].as_str()),
            (Some("CONFLICT"), Some("CLOSED")),
            "{}",
            reply.body
        );
    }
    let (code, _) = app.error(comment, json!({ "i": { "ticketId": t["id"], "agentId": agent, "body": "late" } })).await;
    assert_eq!(code, "CONFLICT");
}
