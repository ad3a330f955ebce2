//! API key secrets: `prl_<12 hex>_<43 base64url>`, a recognisable prefix (secret scanners and people can tell a
//! Parlor key at a glance, as GitHub's `ghp_` and Stripe's `sk_live_`), a public id used to find the row, then 256
//! random bits. Only a SHA-256 hash of the whole key is stored: a fast hash is the right tool for a high-entropy
//! random secret (nothing to brute-force; OWASP's password-hashing advice is for low-entropy passwords, as GitHub
//! does for its tokens), and the comparison is constant-time.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const PREFIX: &str = "prl_";
/// `prl_` and 12 hex characters: what listings show and lookups use.
pub const PUBLIC_LEN: usize = PREFIX.len() + 12;
const SECRET_LEN: usize = 43;

/// A new key: its public prefix, the whole key (shown once) and the hash to store.
pub struct Generated {
    pub prefix: String,
    pub key: String,
    pub hash: String,
}

pub fn generate() -> Generated {
    let mut rng = rand::rng();
    let mut id = [0u8; 6];
    rng.fill_bytes(&mut id);
    let prefix = format!("{PREFIX}{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>());
    with_prefix(prefix)
}

/// A new secret for an existing key (rotation): the prefix stays, so the key keeps its identity.
pub fn with_prefix(prefix: String) -> Generated {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let key = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    let hash = hash(&key);
    Generated { prefix, key, hash }
}

/// The public prefix of something that looks like a Parlor key, or `None`.
pub fn prefix_of(key: &str) -> Option<&str> {
    let well_formed = key.len() == PUBLIC_LEN + 1 + SECRET_LEN
        && key.starts_with(PREFIX)
        && key.as_bytes()[PREFIX.len()..PUBLIC_LEN].iter().all(u8::is_ascii_hexdigit)
        && key.as_bytes()[PUBLIC_LEN] == b'_';
    well_formed.then(|| &key[..PUBLIC_LEN])
}

pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `key` hashes to `stored`, in constant time.
pub fn matches(key: &str, stored: &str) -> bool {
    hash(key).as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_verify() {
        let g = generate();
        assert_eq!(prefix_of(&g.key), Some(g.prefix.as_str()));
        assert!(matches(&g.key, &g.hash));
        assert!(!matches(&format!("{}x", &g.key[..g.key.len() - 1]), &g.hash));
        assert_eq!(prefix_of("prl_zz"), None);
        assert_eq!(prefix_of("eyJhbGciOi.x.y"), None);
        let rotated = with_prefix(g.prefix.clone());
        assert_eq!(prefix_of(&rotated.key), Some(g.prefix.as_str()));
        assert_ne!(rotated.hash, g.hash);
    }
}
