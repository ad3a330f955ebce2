//! One HTTP attempt: the Standard Webhooks headers and signature, a timeout, no redirects, and (in production)
//! only public addresses, checked after DNS resolution by our resolver (an address literal never reaches a
//! resolver, so it is checked here before sending).

use hmac::{Hmac, KeyInit, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use schema::webhooks::address::is_public;
use sha2::Sha256;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of a response body is kept (`lastResponse`, the attempt record).
pub const EXCERPT: usize = 1024;

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, the `webhook-signature` of Standard Webhooks.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    use base64::Engine;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// Resolves names to public addresses only (production); a name with none is an error, never a fallback.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<std::net::SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves to no public address (refused)").into();
                return Err(err);
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

/// What an attempt found.
pub struct Outcome {
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub error: Option<String>,
    pub excerpt: Option<String>,
    pub duration: Duration,
}

impl Sender {
    pub fn new(timeout: Duration, allow_private: bool) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the host itself, past the public-address check below.
            .no_proxy()
            .user_agent(concat!("Parlor-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self { client: builder.build()?, allow_private })
    }

    /// POSTs `body` to `url`, signed with `key`.
    pub async fn post(&self, url: &str, key: &[u8], id: &str, body: &str) -> Outcome {
        let started = Instant::now();
        let failed = |error: String| Outcome {
            status: None,
            retry_after: None,
            error: Some(error),
            excerpt: None,
            duration: started.elapsed(),
        };
        if !self.allow_private
            && let Some(ip) = reqwest::Url::parse(url).ok().and_then(|u| literal_ip(&u))
            && !is_public(ip)
        {
            return failed(format!("{ip} is not a public address (refused)"));
        }
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature(key, id, timestamp, body))
            .body(body.to_owned())
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return failed("timeout".into()),
            Err(e) => return failed(describe(&e)),
        };
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut excerpt = Vec::new();
        let mut error = None;
        while excerpt.len() < EXCERPT {
            match resp.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk[..chunk.len().min(EXCERPT - excerpt.len())]),
                Ok(None) => break,
                Err(e) => {
                    // The status is in; a body cut short changes nothing about it.
                    error = Some(if e.is_timeout() { "timeout reading the response".into() } else { describe(&e) });
                    break;
                }
            }
        }
        let excerpt = (!excerpt.is_empty()).then(|| String::from_utf8_lossy(&excerpt).into_owned());
        Outcome { status: Some(status), retry_after, error, excerpt, duration: started.elapsed() }
    }
}

fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// The error and its causes in one line (reqwest's top-level message alone says only "error sending request").
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    /// The Standard Webhooks specification's example: this secret, id, timestamp and body give this signature.
    #[test]
    fn signs_like_the_standard_webhooks_example() {
        let key = schema::webhooks::service::secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let sig = super::signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
