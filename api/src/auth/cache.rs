//! A small per-instance cache with a time to live, for what authentication reads on every request (API key rows,
//! agents and contacts behind tokens). The TTL is how long a change (a revoked key, a deleted agent) may take to
//! reach this instance; the size bound keeps an attacker's random credentials from growing it without end.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max: usize,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, max: usize) -> Self {
        Self { ttl, max, map: Mutex::new(HashMap::new()) }
    }

    /// The value stored less than the TTL ago.
    pub fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(k).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.max {
                let ttl = self.ttl;
                map.retain(|_, (_, at)| at.elapsed() < ttl);
                if map.len() >= self.max {
                    map.clear();
                }
            }
            map.insert(k, (v, Instant::now()));
        }
    }
}
