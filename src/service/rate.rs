//! A sliding-window rate limiter for the report form, per client address and
//! overall, held in the process's memory: counting floods must not cost the
//! database a write per report. Each `serve` process limits on its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Events within the last hour, per key and in total.
#[derive(Debug, Default)]
pub struct RateLimiter {
    inner: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    per_key: HashMap<String, VecDeque<i64>>,
    total: VecDeque<i64>,
}

/// The window (seconds).
const WINDOW: i64 = 3600;

fn prune(q: &mut VecDeque<i64>, now: i64) {
    while q.front().is_some_and(|t| *t <= now - WINDOW) {
        q.pop_front();
    }
}

impl RateLimiter {
    /// Record an event for `key` at `now` if it stays within both limits; `false` if refused.
    pub fn admit(&self, key: &str, now: i64, per_key: u32, total: u32) -> bool {
        let Ok(mut w) = self.inner.lock() else {
            return false;
        };
        prune(&mut w.total, now);
        if w.total.len() >= total as usize {
            return false;
        }
        if w.per_key.len() > 100_000 {
            w.per_key
                .retain(|_, q| q.back().is_some_and(|t| *t > now - WINDOW));
        }
        let q = w.per_key.entry(key.to_owned()).or_default();
        prune(q, now);
        if q.len() >= per_key as usize {
            return false;
        }
        q.push_back(now);
        w.total.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_total_within_the_window() {
        let r = RateLimiter::default();
        assert!(r.admit("a", 0, 2, 3));
        assert!(r.admit("a", 1, 2, 3));
        assert!(!r.admit("a", 2, 2, 3), "third from a in the window");
        assert!(r.admit("b", 3, 2, 3));
        assert!(!r.admit("c", 4, 2, 3), "total reached");
        assert!(r.admit("a", WINDOW + 1, 2, 3), "the window moved on");
    }
}
