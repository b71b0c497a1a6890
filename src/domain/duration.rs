//! Durations as people write them in policy and configuration files:
//! `"48 hours"`, `"7 days"`, `"90 seconds"`, `"2 weeks"`.
//!
//! A [`Duration`] is a whole number of seconds that remembers the unit it was
//! written in, so a policy's "48 hours" is shown as "48 hours", not "2 days".
//! Equality and order compare the seconds only; a duration built from seconds
//! displays in the largest unit that divides it exactly. `parse(display(d)) == d`
//! for every value.

use std::fmt;
use std::str::FromStr;

/// A span of time written as `<count> <unit>`.
#[derive(Debug, Clone, Copy)]
pub struct Duration {
    seconds: u64,
    /// Seconds per unit of the unit to display in (divides `seconds` exactly).
    unit: u64,
}

impl PartialEq for Duration {
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds
    }
}

impl Eq for Duration {}

impl PartialOrd for Duration {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Duration {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.seconds.cmp(&other.seconds)
    }
}

impl std::hash::Hash for Duration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.seconds.hash(state);
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The text is not `<count> <unit>`.
    #[error(
        "`{0}` is not a duration; write a count and a unit, such as \"48 hours\" or \"7 days\""
    )]
    Shape(String),
    /// The unit is not one we know.
    #[error("unknown unit `{0}`; use seconds, minutes, hours, days or weeks")]
    Unit(String),
    /// The count does not fit.
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

const UNITS: [(&str, u64); 5] = [
    ("week", 7 * 24 * 3600),
    ("day", 24 * 3600),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
];

impl Duration {
    /// A duration of `seconds` seconds, shown in the largest unit that divides it.
    pub fn from_seconds(seconds: u64) -> Self {
        let unit = UNITS
            .iter()
            .map(|(_, factor)| *factor)
            .find(|factor| seconds != 0 && seconds.is_multiple_of(*factor))
            .unwrap_or(1);
        Self { seconds, unit }
    }

    /// The whole number of seconds.
    pub const fn as_seconds(self) -> u64 {
        self.seconds
    }

    /// The number of seconds as a signed value, saturating, for timestamp arithmetic.
    pub fn as_seconds_i64(self) -> i64 {
        i64::try_from(self.seconds).unwrap_or(i64::MAX)
    }

    /// As a standard library duration.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.seconds)
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split_whitespace();
        let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(DurationError::Shape(text.to_owned()));
        };
        let count: u64 = count
            .parse()
            .map_err(|_| DurationError::Shape(text.to_owned()))?;
        let unit = unit.to_ascii_lowercase();
        let singular = unit.strip_suffix('s').unwrap_or(&unit);
        let factor = UNITS
            .iter()
            .find(|(name, _)| *name == singular)
            .map(|(_, factor)| *factor)
            .ok_or_else(|| DurationError::Unit(unit.clone()))?;
        count
            .checked_mul(factor)
            .map(|seconds| Self {
                seconds,
                unit: factor,
            })
            .ok_or_else(|| DurationError::Overflow(text.to_owned()))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, factor) = UNITS
            .iter()
            .find(|(_, factor)| *factor == self.unit)
            .copied()
            .unwrap_or(("second", 1));
        let count = self.seconds / factor;
        let plural = if count == 1 { "" } else { "s" };
        write!(f, "{count} {name}{plural}")
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_policy_examples() {
        assert_eq!("48 hours".parse(), Ok(Duration::from_seconds(48 * 3600)));
        assert_eq!("7 days".parse(), Ok(Duration::from_seconds(7 * 86400)));
        assert_eq!("90 seconds".parse(), Ok(Duration::from_seconds(90)));
        assert_eq!("1 week".parse(), Ok(Duration::from_seconds(604_800)));
        assert_eq!("15 Minutes".parse(), Ok(Duration::from_seconds(900)));
    }

    #[test]
    fn keeps_the_written_unit() {
        let d: Duration = "48 hours".parse().unwrap();
        assert_eq!(d.to_string(), "48 hours");
        assert_eq!(d, Duration::from_seconds(2 * 86400));
        assert_eq!("7 days".parse::<Duration>().unwrap().to_string(), "7 days");
    }

    #[test]
    fn displays_in_the_largest_exact_unit() {
        assert_eq!(Duration::from_seconds(48 * 3600).to_string(), "2 days");
        assert_eq!(Duration::from_seconds(90).to_string(), "90 seconds");
        assert_eq!(Duration::from_seconds(3600).to_string(), "1 hour");
        assert_eq!(Duration::from_seconds(0).to_string(), "0 seconds");
    }

    #[test]
    fn rejects_with_a_reason() {
        assert!(matches!(
            "soon".parse::<Duration>(),
            Err(DurationError::Shape(_))
        ));
        assert!(matches!(
            "3 fortnights".parse::<Duration>(),
            Err(DurationError::Unit(_))
        ));
        assert!(matches!(
            "-3 days".parse::<Duration>(),
            Err(DurationError::Shape(_))
        ));
        assert!(matches!(
            "99999999999999999 weeks".parse::<Duration>(),
            Err(DurationError::Overflow(_))
        ));
    }

    proptest! {
        #[test]
        fn display_round_trips(seconds in 0u64..=u64::MAX / 2) {
            let d = Duration::from_seconds(seconds);
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn never_panics(text in ".*") {
            let _ = text.parse::<Duration>();
        }
    }
}
