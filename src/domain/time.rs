//! Instants as Embargo keeps them — Unix seconds, UTC — and the few ways they are
//! shown. Every page, mail, CLI line and export formats time through [`Timestamp`],
//! so one instant reads the same everywhere.

use std::fmt;

/// An instant: seconds since the Unix epoch, UTC (how every `*_at` column stores it).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    fn jiff(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_second(self.0).ok()
    }

    fn format(self, fmt: &str) -> String {
        self.jiff()
            .map(|t| t.strftime(fmt).to_string())
            .unwrap_or_default()
    }

    /// `2026-12-01 14:00 UTC`: how pages, mails and the CLI show an instant.
    pub fn minute(self) -> String {
        self.format("%Y-%m-%d %H:%M UTC")
    }

    /// `2026-12-01 14:00:05 UTC`: where the second matters (schedules, the audit trail).
    pub fn second(self) -> String {
        self.format("%Y-%m-%d %H:%M:%S UTC")
    }

    /// `2026-12-01 14:00`: in tables whose heading says UTC.
    pub fn minute_bare(self) -> String {
        self.format("%Y-%m-%d %H:%M")
    }

    /// `2026-12-01`.
    pub fn day(self) -> String {
        self.format("%Y-%m-%d")
    }

    /// `2026-12-01T14:00:00Z` (RFC 3339, for feeds and exports).
    pub fn rfc3339(self) -> String {
        self.jiff()
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
    }

    /// `Tuesday 2026-12-01 15:00 CET (Europe/Amsterdam)`: an instant in the zone it
    /// was stated in (UTC when the zone is unknown).
    pub fn in_zone(self, zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        self.jiff()
            .map(|t| {
                format!(
                    "{} ({zone})",
                    t.to_zoned(tz).strftime("%A %Y-%m-%d %H:%M %Z")
                )
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.minute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_instant_every_way() {
        let t = Timestamp(1_764_597_605); // 2025-12-01 14:00:05 UTC
        assert_eq!(t.minute(), "2025-12-01 14:00 UTC");
        assert_eq!(t.second(), "2025-12-01 14:00:05 UTC");
        assert_eq!(t.minute_bare(), "2025-12-01 14:00");
        assert_eq!(t.day(), "2025-12-01");
        assert_eq!(t.rfc3339(), "2025-12-01T14:00:05Z");
        assert_eq!(
            t.in_zone("Europe/Amsterdam"),
            "Monday 2025-12-01 15:00 CET (Europe/Amsterdam)"
        );
        assert_eq!(
            t.in_zone("Nowhere/Atlantis"),
            "Monday 2025-12-01 14:00 UTC (Nowhere/Atlantis)"
        );
        assert_eq!(t.to_string(), t.minute());
    }

    #[test]
    fn out_of_range_shows_nothing_rather_than_panicking() {
        assert_eq!(Timestamp(i64::MAX).minute(), "");
        assert_eq!(Timestamp(i64::MAX).rfc3339(), "1970-01-01T00:00:00Z");
    }
}
