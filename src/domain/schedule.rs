//! A disclosure schedule: a date, an hour and an IANA time zone, turned into an
//! instant and checked against the policy's embargo bounds (`[embargo]`): not past
//! the longest embargo counted from receipt, not sooner than the shortest lead time
//! — unless the issue is exploited in the wild, which needs a recorded reason and
//! then allows the policy's shorter `exploited_lead`. The plan also says when the
//! pre-announcement and the pre-notification fire (their lead times before the
//! date; a lead already past fires at once).

use super::policy::EmbargoBounds;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// What the team asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Disclosure date, in `zone`.
    pub date: Date,
    /// Disclosure time of day, in `zone`.
    pub time: Time,
    /// IANA time zone name (empty: the policy's `embargo.time_zone`).
    pub zone: String,
    /// Why the shortened timeline for issues exploited in the wild applies (if it does).
    pub exploited: Option<String>,
}

/// A checked schedule (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The disclosure instant.
    pub disclose_at: i64,
    /// The zone it is stated in.
    pub zone: String,
    /// When the public pre-announcement fires, if the policy has one.
    pub pre_announce_at: Option<i64>,
    /// When the confidential pre-notification fires, if the policy has one.
    pub pre_notify_at: Option<i64>,
    /// The exploited-in-the-wild timeline was used.
    pub shortened: bool,
}

fn show(t: i64, zone: &TimeZone) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| {
            ts.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default()
}

/// Check a request against the bounds, for a case received at `received_at`, at `now`.
pub fn plan(
    bounds: &EmbargoBounds,
    received_at: i64,
    now: i64,
    req: &Request,
) -> Result<Plan, String> {
    let zone_name = if req.zone.trim().is_empty() {
        bounds.time_zone.clone()
    } else {
        req.zone.trim().to_owned()
    };
    let tz = TimeZone::get(&zone_name).map_err(|_| {
        format!("`{zone_name}` is not an IANA time zone; write it as Europe/Amsterdam, America/New_York or UTC")
    })?;
    let zoned = req
        .date
        .to_datetime(req.time)
        .to_zoned(tz.clone())
        .map_err(|e| format!("{} {} in {zone_name}: {e}", req.date, req.time))?;
    let disclose_at = zoned.timestamp().as_second();
    if disclose_at <= now {
        return Err(format!(
            "{} is in the past; choose a later date",
            show(disclose_at, &tz)
        ));
    }
    if let Some(longest) = bounds.longest {
        let latest = received_at + longest.as_seconds_i64();
        if disclose_at > latest {
            return Err(format!(
                "the policy's longest embargo is {longest} from receipt: disclose by {} at the latest",
                show(latest, &tz)
            ));
        }
    }
    let reason = req
        .exploited
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let (lead, shortened) = match reason {
        Some(_) => (bounds.exploited_lead.or(bounds.shortest_lead), true),
        None => (bounds.shortest_lead, false),
    };
    if let Some(lead) = lead {
        let earliest = now + lead.as_seconds_i64();
        if disclose_at < earliest {
            return Err(if shortened {
                format!(
                    "even for an issue exploited in the wild the policy needs {lead} of notice: disclose at {} or later",
                    show(earliest, &tz)
                )
            } else {
                format!(
                    "the policy needs {lead} of notice: disclose at {} or later (for an issue exploited in the wild, give the reason to use the shorter timeline)",
                    show(earliest, &tz)
                )
            });
        }
    }
    let fire = |lead: Option<super::duration::Duration>| {
        lead.map(|l| (disclose_at - l.as_seconds_i64()).max(now))
    };
    Ok(Plan {
        disclose_at,
        zone: zone_name,
        pre_announce_at: fire(bounds.pre_announcement_lead),
        pre_notify_at: fire(bounds.pre_notification_lead),
        shortened,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> EmbargoBounds {
        let src = include_str!("../../examples/policies/demo.toml");
        crate::domain::policy::Policy::parse(src).unwrap().embargo
    }

    fn req(date: &str, time: &str, zone: &str, exploited: Option<&str>) -> Request {
        Request {
            date: date.parse().unwrap(),
            time: time.parse().unwrap(),
            zone: zone.into(),
            exploited: exploited.map(str::to_owned),
        }
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn a_date_within_the_bounds_is_planned_in_its_zone() {
        let received = at("2026-11-01T09:00:00Z");
        let now = at("2026-11-02T09:00:00Z");
        // Demo policy: longest 90 days, pre-announce 7 days, pre-notify 5 days, shortest lead 2 days.
        let p = plan(
            &bounds(),
            received,
            now,
            &req("2026-12-01", "15:00", "", None),
        )
        .unwrap();
        assert_eq!(p.zone, "Europe/Amsterdam");
        assert_eq!(
            p.disclose_at,
            at("2026-12-01T14:00:00Z"),
            "15:00 CET is 14:00 UTC"
        );
        assert_eq!(p.pre_announce_at, Some(at("2026-11-24T14:00:00Z")));
        assert_eq!(p.pre_notify_at, Some(at("2026-11-26T14:00:00Z")));
        assert!(!p.shortened);
        let p = plan(
            &bounds(),
            received,
            now,
            &req("2026-12-01", "09:00", "America/New_York", None),
        )
        .unwrap();
        assert_eq!(p.disclose_at, at("2026-12-01T14:00:00Z"));
    }

    #[test]
    fn bounds_are_enforced_with_the_date_that_would_do() {
        let received = at("2026-11-01T09:00:00Z");
        let now = at("2026-11-02T09:00:00Z");
        let e = plan(
            &bounds(),
            received,
            now,
            &req("2027-03-01", "12:00", "", None),
        )
        .unwrap_err();
        assert!(
            e.contains("longest embargo is 90 days") && e.contains("2027-01-30"),
            "{e}"
        );
        let e = plan(
            &bounds(),
            received,
            now,
            &req("2026-11-03", "12:00", "", None),
        )
        .unwrap_err();
        assert!(
            e.contains("needs 2 days of notice") && e.contains("exploited in the wild"),
            "{e}"
        );
        // Exploited in the wild, with a reason: the 1-day lead applies, and the leads that
        // are already past fire at once.
        let p = plan(
            &bounds(),
            received,
            now,
            &req("2026-11-03", "12:00", "", Some("attacks seen in the wild")),
        )
        .unwrap();
        assert!(p.shortened);
        assert_eq!(p.pre_notify_at, Some(now));
        let e = plan(
            &bounds(),
            received,
            now,
            &req("2026-11-02", "18:00", "", Some("attacks")),
        )
        .unwrap_err();
        assert!(e.contains("even for an issue exploited in the wild"), "{e}");
        let e = plan(
            &bounds(),
            received,
            now,
            &req("2026-11-01", "12:00", "", None),
        )
        .unwrap_err();
        assert!(e.contains("in the past"), "{e}");
        let e = plan(
            &bounds(),
            received,
            now,
            &req("2026-12-01", "12:00", "Mars/Olympus", None),
        )
        .unwrap_err();
        assert!(e.contains("not an IANA time zone"), "{e}");
    }
}
