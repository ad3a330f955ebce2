//! A fan-out subscriber's connection: graphql-transport-ws over a WebSocket, or graphql-sse (distinct connections
//! mode: one `POST` with `Accept: text/event-stream` per subscriber) over an event stream. Both give the text of
//! each result (a WebSocket frame, an SSE event's data), so the fan-out scenario measures them the same way.

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How fan-out subscribers connect (`--fanout-transport`).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// WebSocket, graphql-transport-ws.
    Ws,
    /// Server-Sent Events, graphql-sse distinct connections mode.
    Sse,
}

pub enum Feed {
    Ws(Box<Socket>),
    Sse { body: BoxStream<'static, reqwest::Result<Vec<u8>>>, buffer: String },
}

/// What a subscriber receives.
pub enum Item {
    /// A result's text (its JSON).
    Result(String),
    /// A graphql-transport-ws ping, to answer.
    Ping,
    /// The subscription ended (complete, an error, the connection closed), and why.
    End(String),
}

impl Feed {
    /// Connects and subscribes to `query` (the subscription is live once the server answered: for SSE, its
    /// response headers come once the operation is admitted).
    pub async fn connect(transport: Transport, addr: &str, credential: &str, query: &str) -> Result<Feed> {
        match transport {
            Transport::Ws => ws(&format!("ws://{addr}/graphql"), credential, query).await,
            Transport::Sse => sse(&format!("http://{addr}/graphql"), credential, query).await,
        }
    }

    pub async fn next(&mut self) -> Item {
        match self {
            Feed::Ws(socket) => loop {
                return match socket.next().await {
                    Some(Ok(Frame::Text(text))) if text.as_str().contains(r#""type":"ping""#) => Item::Ping,
                    Some(Ok(Frame::Text(text))) => Item::Result(text.as_str().to_owned()),
                    Some(Ok(Frame::Close(_))) | None => Item::End("the server closed the connection".to_owned()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => Item::End(format!("socket: {e}")),
                };
            },
            Feed::Sse { body, buffer } => loop {
                if let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let mut kind = "";
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            kind = v.trim();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    match kind {
                        "" => continue, // a keep-alive comment
                        "next" => return Item::Result(data),
                        other => return Item::End(format!("event `{other}`: {data}")),
                    }
                }
                match body.next().await {
                    Some(Ok(chunk)) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                    Some(Err(e)) => return Item::End(format!("stream: {e}")),
                    None => return Item::End("the server ended the stream".to_owned()),
                }
            },
        }
    }

    pub async fn pong(&mut self) {
        if let Feed::Ws(socket) = self {
            let _ = socket.send(Frame::text(r#"{"type":"pong"}"#)).await;
        }
    }
}

async fn sse(url: &str, credential: &str, query: &str) -> Result<Feed> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    // One client for all: every open stream holds a connection of its own anyway (HTTP/1.1).
    let client = CLIENT.get_or_init(|| reqwest::Client::builder().no_proxy().build().unwrap_or_default());
    let resp = client
        .post(url)
        .bearer_auth(credential)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": query }))
        .timeout(Duration::from_secs(24 * 3600))
        .send();
    let resp = tokio::time::timeout(Duration::from_secs(30), resp)
        .await
        .context("no event stream within 30 s")?
        .context("event stream request")?;
    if resp.status() != 200 {
        bail!("event stream refused: {} {}", resp.status(), resp.text().await.unwrap_or_default());
    }
    Ok(Feed::Sse { body: resp.bytes_stream().map(|r| r.map(|b| b.to_vec())).boxed(), buffer: String::new() })
}

async fn ws(url: &str, credential: &str, query: &str) -> Result<Feed> {
    let mut request = url.into_client_request().context("WebSocket request")?;
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let (mut socket, _) = tokio::time::timeout(Duration::from_secs(30), connecting)
        .await
        .context("WebSocket handshake timed out")?
        .context("WebSocket handshake")?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {credential}") } });
    socket.send(Frame::text(init.to_string())).await.context("send connection_init")?;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .context("no connection_ack within 30 s")?
            .context("closed before connection_ack")?
            .context("socket error before connection_ack")?;
        if let Frame::Text(text) = frame {
            if text.as_str().contains("connection_ack") {
                break;
            }
            if text.as_str().contains(r#""type":"ping""#) {
                socket.send(Frame::text(r#"{"type":"pong"}"#)).await.context("pong")?;
                continue;
            }
            bail!("expected connection_ack, got {}", text.as_str());
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    socket.send(Frame::text(subscribe.to_string())).await.context("send subscribe")?;
    Ok(Feed::Ws(Box::new(socket)))
}
