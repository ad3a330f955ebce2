//! Contacts: the people who write in, created oldest first over the 90 days before the anchor.

use super::clock::{DAY, END, HOUR, START, Stream, at, between, id, pick, rng_for};
use super::people::{ContactRef, Ws};
use super::text;
use entities::{contact, contact_label};
use rand::Rng;
use serde_json::json;
use std::collections::HashSet;

/// Lowercase ASCII for an email's local part.
fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ü' => Some('u'),
            'ö' => Some('o'),
            'ř' => Some('r'),
            'á' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The contacts of `ws` (created oldest first, from 30 days before the activity window to 5 days before its end)
/// and the labels on some of them. Fills `ws.contacts`.
pub fn generate(ws: &mut Ws) -> (Vec<contact::Model>, Vec<contact_label::Model>) {
    let n = ws.contact_count;
    let (lo, hi) = (START - 30 * DAY, END - 5 * DAY);
    let mut emails = HashSet::new();
    let mut rows = Vec::with_capacity(n as usize);
    let mut labels = Vec::new();
    for j in 0..n {
        let mut rng = rng_for(Stream::Contact, ws.idx, j);
        let created = lo + ((j as f64 + rng.random::<f64>()) / n as f64 * (hi - lo) as f64) as i64;
        let contact_id = id(&mut rng, created);
        let (country, prefix, language) = *pick(&mut rng, text::COUNTRIES);
        let named = rng.random_bool(0.93);
        let first = named.then(|| *pick(&mut rng, text::FIRST_NAMES));
        let last = *pick(&mut rng, text::LAST_NAMES);
        let email = rng.random_bool(0.9).then(|| {
            let domain = pick(&mut rng, text::EMAIL_DOMAINS);
            let local = match first {
                Some(f) if rng.random_bool(0.1) => format!("{f}.{last}"), // stored mixed case
                Some(f) if rng.random_bool(0.5) => format!("{}.{}", ascii(f), ascii(last)),
                Some(f) => format!("{}{}", ascii(f).chars().next().unwrap_or('x'), ascii(last)),
                None => format!("user{:05}", rng.random_range(0..100_000)),
            };
            let mut email = format!("{local}@{domain}");
            let mut k = 2;
            while !emails.insert(email.to_lowercase()) {
                email = format!("{local}{k}@{domain}");
                k += 1;
            }
            email
        });
        let last_seen = rng.random_bool(0.9).then(|| between(&mut rng, created, END));
        let mut attributes = json!({"plan": pick(&mut rng, text::PLANS), "country": country});
        if rng.random_bool(0.5) {
            attributes["language"] = json!(language);
        }
        if rng.random_bool(0.3) {
            attributes["company"] = json!(pick(&mut rng, &["Northwind", "Initech", "Umbrella", "Hooli", "Vandelay"]));
        }
        rows.push(contact::Model {
            id: contact_id,
            workspace_id: ws.id,
            external_id: rng.random_bool(0.88).then(|| format!("crm-{:05}", j + 1)),
            name: first.map(|f| format!("{f} {last}")),
            email,
            phone: rng.random_bool(0.4).then(|| format!("{prefix} {:07}", rng.random_range(0..10_000_000))),
            attributes,
            last_seen_at: last_seen.map(at),
            deleted_at: None,
            created_at: at(created),
            updated_at: at(last_seen.unwrap_or(created)),
        });
        if rng.random_bool(0.25) {
            let names = ["vip", "churn-risk", "feedback", "onboarding"];
            let skip = rng.random_range(0..names.len());
            for name in names.iter().cycle().skip(skip).take(rng.random_range(1..=2)) {
                if let Some(label) = ws.label(name) {
                    labels.push(contact_label::Model {
                        contact_id,
                        label_id: label.id,
                        workspace_id: ws.id,
                        created_at: at(between(&mut rng, created + HOUR, created + 10 * DAY).min(END)),
                    });
                }
            }
        }
        ws.contacts.push(ContactRef { id: contact_id, created, first });
    }
    (rows, labels)
}
