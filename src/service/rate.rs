//! A sliding-window rate limiter for the report form, per client address and
//! overall, held in the process's memory: counting floods must not cost the
//! database a write per report. Each `serve` process limits on its own.
//!
//! Keys that are client addresses are counted per network, not per address:
//! an IPv6 client holds a whole /64, so IPv6 addresses are keyed by their /64
//! ([`client_key`]).

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

/// The rate-limit key of a client address: an IPv4 address as it is (also when
/// IPv4-mapped), an IPv6 address as its /64 network; anything else unchanged.
pub fn client_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// What [`RateLimiter::admit_report`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Within both limits.
    Admitted,
    /// Within the client's limit, past the overall one: taken, and the
    /// operator alarmed (a flood from many clients must not turn real
    /// reporters away).
    OverTotal,
    /// Past the client's limit.
    Refused,
}

impl RateLimiter {
    /// The report form's rule: the per-client limit refuses; the overall limit
    /// only raises the alarm (F12: one flooder could otherwise lock every
    /// reporter out).
    pub fn admit_report(&self, ip: &str, now: i64, per_key: u32, total: u32) -> Admission {
        let key = client_key(ip);
        let Ok(mut w) = self.inner.lock() else {
            return Admission::Refused;
        };
        prune(&mut w.total, now);
        let over = w.total.len() >= total as usize;
        if w.per_key.len() > 100_000 {
            w.per_key
                .retain(|_, q| q.back().is_some_and(|t| *t > now - WINDOW));
        }
        let q = w.per_key.entry(key).or_default();
        prune(q, now);
        if q.len() >= per_key as usize {
            return Admission::Refused;
        }
        q.push_back(now);
        w.total.push_back(now);
        if over {
            Admission::OverTotal
        } else {
            Admission::Admitted
        }
    }

    /// Record an event for `key` (a client address is keyed by [`client_key`]) at
    /// `now` if it stays within both limits; `false` if refused.
    pub fn admit(&self, key: &str, now: i64, per_key: u32, total: u32) -> bool {
        let key = client_key(key);
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
        let q = w.per_key.entry(key).or_default();
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

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(client_key("192.0.2.7"), "192.0.2.7");
        let r = RateLimiter::default();
        assert!(r.admit("2001:db8::1", 0, 2, 100));
        assert!(r.admit("2001:db8::2", 0, 2, 100));
        assert!(!r.admit("2001:db8::ffff:3", 0, 2, 100), "same /64");
        assert!(r.admit("2001:db8:0:1::1", 0, 2, 100), "another /64");
    }

    #[test]
    fn the_overall_report_limit_alarms_but_does_not_refuse() {
        let r = RateLimiter::default();
        assert_eq!(r.admit_report("a", 0, 2, 2), Admission::Admitted);
        assert_eq!(r.admit_report("b", 0, 2, 2), Admission::Admitted);
        assert_eq!(r.admit_report("c", 0, 2, 2), Admission::OverTotal);
        assert_eq!(r.admit_report("c", 0, 2, 2), Admission::OverTotal);
        assert_eq!(r.admit_report("c", 0, 2, 2), Admission::Refused);
    }
}
