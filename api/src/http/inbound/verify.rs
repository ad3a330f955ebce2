//! Is this request from the platform? One check per channel, each in constant time:
//! - generic: Standard Webhooks, as our outbound deliveries are signed (`crate::webhooks::send::signature`):
//!   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>`, timestamps
//!   within five minutes (replays);
//! - WhatsApp: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>` over the raw body;
//! - Telegram: `X-Telegram-Bot-Api-Secret-Token` equal to the inbox's secret token.

use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a generic request's `webhook-timestamp` may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Why a generic request is refused, or `Ok`.
pub fn generic(h: &HeaderMap, secret: &str, body: &[u8], now: i64) -> Result<(), &'static str> {
    let (Some(id), Some(ts), Some(sigs)) =
        (header(h, "webhook-id"), header(h, "webhook-timestamp"), header(h, "webhook-signature"))
    else {
        return Err("webhook-id, webhook-timestamp and webhook-signature headers are required");
    };
    let Ok(t) = ts.trim().parse::<i64>() else { return Err("webhook-timestamp is not Unix seconds") };
    if (now - t).abs() > TOLERANCE_SECS {
        return Err("webhook-timestamp is more than five minutes from the server's clock");
    }
    let key = schema::webhooks::service::secret_key(secret);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return Err("bad signature") };
    mac.update(format!("{id}.{t}.").as_bytes());
    mac.update(body);
    let signed = |s: &str| s.strip_prefix("v1,").and_then(|b| STANDARD.decode(b).ok());
    if sigs.split(' ').filter_map(signed).any(|sig| mac.clone().verify_slice(&sig).is_ok()) {
        Ok(())
    } else {
        Err("bad signature")
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub fn whatsapp(h: &HeaderMap, app_secret: &str, body: &[u8]) -> Result<(), &'static str> {
    let Some(sig) = header(h, "x-hub-signature-256") else { return Err("X-Hub-Signature-256 header is required") };
    let Some(sig) = sig.trim().strip_prefix("sha256=").and_then(hex) else {
        return Err("X-Hub-Signature-256 is not sha256=<hex>");
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else { return Err("bad signature") };
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| "bad signature")
}

pub fn telegram(h: &HeaderMap, secret_token: &str) -> Result<(), &'static str> {
    let Some(got) = header(h, "x-telegram-bot-api-secret-token") else {
        return Err("X-Telegram-Bot-Api-Secret-Token header is required");
    };
    if bool::from(got.as_bytes().ct_eq(secret_token.as_bytes())) { Ok(()) } else { Err("bad secret token") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_accepts_what_the_outbound_signer_makes() {
        let secret = schema::webhooks::service::new_secret();
        let key = schema::webhooks::service::secret_key(&secret);
        let body = r#"{"a":1}"#;
        let sig = crate::webhooks::send::signature(&key, "msg_1", 1_700_000_000, body);
        let mut h = HeaderMap::new();
        h.insert("webhook-id", "msg_1".parse().expect("value"));
        h.insert("webhook-timestamp", "1700000000".parse().expect("value"));
        h.insert("webhook-signature", format!("v1,xxxx {sig}").parse().expect("value"));
        assert_eq!(generic(&h, &secret, body.as_bytes(), 1_700_000_100), Ok(()));
        assert!(generic(&h, &secret, b"{\"a\":2}", 1_700_000_100).is_err());
        assert!(generic(&h, &secret, body.as_bytes(), 1_700_000_400).is_err());
    }

    #[test]
    fn whatsapp_and_telegram() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"app-secret").expect("key");
        mac.update(b"{}");
        let hexed: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let mut h = HeaderMap::new();
        h.insert("x-hub-signature-256", format!("sha256={hexed}").parse().expect("value"));
        assert_eq!(whatsapp(&h, "app-secret", b"{}"), Ok(()));
        assert!(whatsapp(&h, "other", b"{}").is_err());
        h.insert("x-telegram-bot-api-secret-token", "tok".parse().expect("value"));
        assert_eq!(telegram(&h, "tok"), Ok(()));
        assert!(telegram(&h, "tok2").is_err());
    }
}
