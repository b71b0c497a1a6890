//! One retry policy for Embargo's two leased work queues — the outbox (mail to send)
//! and the disclosure jobs (pre-announce, pre-notify, publish at their time): after a
//! failed attempt the work is due again after an exponential backoff (base × 2^(n − 1),
//! capped), until the maximum number of attempts; then it has failed for good, and the
//! caller tells people (the outbox logs and shows it in `embargo outbox list`; a
//! disclosure job notes it on the case and mails the team).

/// How a queue retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first delay, in seconds.
    pub base: i64,
    /// The longest delay, in seconds.
    pub cap: i64,
    /// Attempts in all (the first included); after the last, the work has failed.
    pub max_attempts: i64,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again at this time (Unix seconds).
    RetryAt(i64),
    /// Failed for good: no more attempts.
    GiveUp,
}

impl RetryPolicy {
    /// The disclosure jobs: a minute, doubling to half an hour, twelve attempts
    /// (about three and a half hours) — long enough to ride out a relay or database
    /// outage, short enough that the team hears of a stuck publication the same day.
    pub const DISCLOSURE_JOBS: Self = Self {
        base: 60,
        cap: 1800,
        max_attempts: 12,
    };

    /// Delay after the `attempts`-th failed attempt: base × 2^(attempts − 1), capped.
    pub fn delay(&self, attempts: i64) -> i64 {
        let exp = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        self.base
            .saturating_mul(2i64.saturating_pow(exp))
            .min(self.cap)
            .max(0)
    }

    /// After the `attempts`-th attempt failed at `now` (`permanent`: the failure will
    /// not go away by waiting, e.g. a 5xx refusal).
    pub fn after_failure(&self, attempts: i64, permanent: bool, now: i64) -> Next {
        if permanent || attempts >= self.max_attempts {
            Next::GiveUp
        } else {
            Next::RetryAt(now.saturating_add(self.delay(attempts)))
        }
    }

    /// The longest the work can keep failing before it is given up, in seconds.
    pub fn patience(&self) -> i64 {
        (1..self.max_attempts).map(|n| self.delay(n)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            base: 60,
            cap: 600,
            max_attempts: 10,
        };
        let delays: Vec<i64> = (1..=6).map(|n| p.delay(n)).collect();
        assert_eq!(delays, [60, 120, 240, 480, 600, 600]);
        assert_eq!(p.delay(0), 60, "no attempt yet counts as the first");
        assert_eq!(p.delay(i64::MAX), 600, "no overflow");
    }

    #[test]
    fn gives_up_after_the_last_attempt_or_at_once_when_permanent() {
        let p = RetryPolicy::DISCLOSURE_JOBS;
        assert_eq!(p.after_failure(1, false, 1000), Next::RetryAt(1060));
        assert_eq!(p.after_failure(11, false, 1000), Next::RetryAt(2800));
        assert_eq!(p.after_failure(12, false, 1000), Next::GiveUp);
        assert_eq!(p.after_failure(1, true, 1000), Next::GiveUp);
        // 60 + 120 + 240 + 480 + 960 + 6 × 1800
        assert_eq!(p.patience(), 12_660);
    }
}
