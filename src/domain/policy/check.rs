//! Semantic checks: values that are each valid but contradict each other or
//! the seed processes (an LTS series without an end date, a pre-notification
//! lead longer than the longest embargo, …). Each error points at the key
//! to change.

use super::reader::Reader;
use super::*;
use std::collections::HashSet;
use std::ops::Range;
use toml_edit::TableLike;

/// The span of a dotted path such as `versions.series[2].end`.
fn locate(root: &dyn TableLike, path: &str) -> Option<Range<usize>> {
    let mut table: &dyn TableLike = root;
    let mut last_span = None;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*part, None),
        };
        let item = table.get(key)?;
        last_span = item
            .span()
            .or_else(|| table.key(key).and_then(|k| k.span()))
            .or(last_span);
        let is_last = i + 1 == parts.len();
        let next: Option<&dyn TableLike> = match index {
            Some(n) => {
                if let Some(aot) = item.as_array_of_tables() {
                    let t = aot.get(n)?;
                    last_span = t.span().or(last_span);
                    Some(t as &dyn TableLike)
                } else {
                    let v = item.as_array()?.get(n)?;
                    last_span = v.span().or(last_span);
                    v.as_inline_table().map(|t| t as &dyn TableLike)
                }
            }
            None => item.as_table_like(),
        };
        if is_last {
            return last_span;
        }
        table = next?;
    }
    last_span
}

struct Checker<'a, 'r, 's> {
    root: &'a dyn TableLike,
    r: &'r mut Reader<'s>,
}

impl Checker<'_, '_, '_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        // Point at the key if present, else at its nearest enclosing table.
        let mut span = locate(self.root, path);
        let mut parent = path;
        while span.is_none() {
            match parent.rfind('.') {
                Some(i) => {
                    parent = &parent[..i];
                    span = locate(self.root, parent);
                }
                None => break,
            }
        }
        self.r.error(span, path, message);
    }

    fn longer(&mut self, a: (&str, Option<Duration>), b: (&str, Option<Duration>), message: &str) {
        if let (Some(x), Some(y)) = (a.1, b.1)
            && x > y
        {
            self.error(
                a.0,
                format!("{x} is longer than `{}` ({y}); {message}", b.0),
            );
        }
    }

    fn duplicates<'n>(
        &mut self,
        names: impl Iterator<Item = (usize, &'n str)>,
        path: &str,
        key: &str,
        what: &str,
    ) {
        let mut seen = HashSet::new();
        for (i, name) in names {
            if !name.is_empty() && !seen.insert(name) {
                self.error(
                    &format!("{path}[{i}].{key}"),
                    format!("{what} `{name}` appears twice; each must be unique"),
                );
            }
        }
    }
}

/// Run every semantic check, adding errors to the reader.
pub fn check(p: &Policy, root: &dyn TableLike, r: &mut Reader<'_>) {
    let mut c = Checker { root, r };

    // Contact: there must be a way to report, and channels must exist.
    if p.contact.addresses.is_empty() && !p.contact.web_form {
        c.error("contact.addresses", "reporters have no way to reach the team: list at least one address or set `web_form = true`");
    }
    for channel in &p.contact.channels {
        let problem = match channel {
            Channel::WebForm if !p.contact.web_form => {
                Some("the web form is closed (`web_form = false`)")
            }
            Channel::Email if p.contact.addresses.is_empty() => Some("there are no `addresses`"),
            Channel::EncryptedEmail if p.contact.addresses.is_empty() => {
                Some("there are no `addresses`")
            }
            Channel::EncryptedEmail if p.contact.openpgp.is_none() => {
                Some("there is no [contact.openpgp] key")
            }
            _ => None,
        };
        if let Some(why) = problem {
            c.error("contact.channels", format!("lists `{channel}` but {why}"));
        }
    }

    // Clocks must be in a sensible order.
    let k = &p.clocks;
    c.longer(
        ("clocks.acknowledge", k.acknowledge),
        ("clocks.decide", k.decide),
        "a report must be acknowledged before it is decided",
    );
    c.longer(
        ("clocks.decide", k.decide),
        ("clocks.target_fix", k.target_fix),
        "the decision comes before the fix",
    );
    c.longer(
        ("clocks.target_fix", k.target_fix),
        (
            "clocks.reporter_may_disclose_after",
            k.reporter_may_disclose_after,
        ),
        "the fix should land before the reporter may disclose",
    );
    if k.membership_decision.is_some() && p.notification_list.is_none() {
        c.error(
            "clocks.membership_decision",
            "there is no [notification_list] to decide requests for; add one or remove this clock",
        );
    }

    // Embargo bounds.
    let e = &p.embargo;
    c.longer(
        ("embargo.pre_notification_lead", e.pre_notification_lead),
        ("embargo.longest", e.longest),
        "the pre-notification cannot come before the embargo starts",
    );
    c.longer(
        ("embargo.pre_announcement_lead", e.pre_announcement_lead),
        ("embargo.longest", e.longest),
        "the pre-announcement cannot come before the embargo starts",
    );
    c.longer(
        ("embargo.shortest_lead", e.shortest_lead),
        ("embargo.pre_notification_lead", e.pre_notification_lead),
        "the shortest lead time cannot exceed the usual one",
    );
    if let (Some(x), Some(y)) = (
        e.exploited_lead,
        e.pre_notification_lead.or(e.pre_announcement_lead),
    ) && x >= y
    {
        c.error("embargo.exploited_lead", format!("{x} is not shorter than the usual lead time ({y}); the timeline for issues exploited in the wild must be shorter"));
    }
    if let (Some(longest), Some(deadline)) = (e.longest, k.reporter_may_disclose_after)
        && longest > deadline
    {
        c.error("embargo.longest", format!("{longest} is longer than `clocks.reporter_may_disclose_after` ({deadline}); the reporter could disclose during the embargo"));
    }

    // Supported versions.
    let v = &p.versions;
    c.duplicates(
        v.series
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.name.as_str())),
        "versions.series",
        "name",
        "series",
    );
    for (i, s) in v.series.iter().enumerate() {
        let path = |key: &str| format!("versions.series[{i}].{key}");
        if (s.lts || s.status == Some(SeriesStatus::Lts)) && s.end.is_none() {
            c.error(
                &path("lts"),
                format!(
                    "series {} is long-term support but has no end date; add `end = YYYY-MM-DD`",
                    s.name
                ),
            );
        }
        let unreleased = matches!(
            s.status,
            Some(SeriesStatus::Development | SeriesStatus::Prerelease)
        );
        if s.released.is_none() && !unreleased && s.status != Some(SeriesStatus::EndOfLife) {
            c.error(&path("name"), format!("series {} needs `released = YYYY-MM-DD`, or `status = \"development\"` / \"prerelease\" if it is not released yet", s.name));
        }
        if let (Some(a), Some(b)) = (s.released, s.end)
            && a > b
        {
            c.error(
                &path("end"),
                format!("series {} ends ({b}) before it is released ({a})", s.name),
            );
        }
        if let (Some(a), Some(b)) = (s.bugfix_until, s.end)
            && a > b
        {
            c.error(
                &path("bugfix_until"),
                format!(
                    "bug fixes for {} end ({a}) after its security support ends ({b})",
                    s.name
                ),
            );
        }
    }
    if let Some(rule) = &v.rule {
        if rule.recent_series == 0 && !rule.development && !rule.lts {
            c.error(
                "versions.support.recent_series",
                "this rule supports nothing: no recent series, no development branch, no LTS",
            );
        }
        if v.scheme == VersionScheme::Plain {
            c.error("versions.support", "\"the N most recent series\" needs ordered versions; use scheme pep440 or semver, or give each series its dates");
        }
    }
    if v.rule.is_none() && v.series.is_empty() {
        c.error("versions.series", "say which versions are supported: add [[versions.series]] entries, a [versions.support] rule, or both");
    }

    // Severity.
    c.duplicates(
        p.severity
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.name.as_str())),
        "severity.levels",
        "name",
        "severity level",
    );
    for (i, level) in p.severity.levels.iter().enumerate() {
        if level.categories.is_empty() {
            c.error(&format!("severity.levels[{i}].categories"), format!("severity level `{}` has no categories; list the kinds of issue it covers, such as [\"Remote code execution\"]", level.name));
        }
    }
    if p.severity.levels.is_empty() && p.severity.cvss.is_empty() {
        c.error(
            "severity",
            "no way to rate severity: add [[severity.levels]] or `cvss = [\"3.1\", \"4.0\"]`",
        );
    }

    // Threat model and reports.
    c.duplicates(
        p.threat_model
            .checks
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.id.as_str())),
        "threat_model.checks",
        "id",
        "threat-model check",
    );
    for field in &p.reports.require {
        if p.reports.encourage.contains(field) {
            c.error(
                "reports.encourage",
                format!(
                    "`{field}` is already required; list it in `require` or `encourage`, not both"
                ),
            );
        }
    }

    // Notification list.
    if let Some(list) = &p.notification_list {
        if list.groups.is_empty() {
            c.error("notification_list", "the notification list has no groups; add [[notification_list.groups]] entries such as distributors");
        }
        c.duplicates(
            list.groups
                .iter()
                .enumerate()
                .map(|(i, g)| (i, g.id.as_str())),
            "notification_list.groups",
            "id",
            "group",
        );
        if list.required_fields.is_empty() {
            c.error("notification_list.required_fields", "say what a membership request must contain, such as [\"full-name\", \"organisation\", \"reason\", \"address\"]");
        }
        if list.individuals_need_key && !list.required_fields.contains(&RequestField::PublicKey) {
            c.error("notification_list.required_fields", "individuals must give a key (`individuals_need_key = true`), so include \"public-key\"");
        }
    }

    // Announcements, CVE, security.txt.
    if p.announcements.pre_announce && p.announcements.lists.is_empty() {
        c.error(
            "announcements.pre_announce",
            "pre-announcements need a list to go to; add [[announcements.lists]]",
        );
    }
    if p.announcements.pre_announce && e.pre_announcement_lead.is_none() {
        c.error(
            "embargo.pre_announcement_lead",
            "`announcements.pre_announce = true` needs a lead time, such as \"7 days\"",
        );
    }
    if p.cve.cna == CnaMode::Via && p.cve.cna_name.is_none() {
        c.error(
            "cve.cna_name",
            "`cna = \"via\"` needs the CNA's name, such as \"PSF\"",
        );
    }
    if p.security_txt.expires_after.as_seconds() > 365 * 86400 {
        c.error("security_txt.expires_after", "RFC 9116 §2.5.5 recommends an Expires less than a year ahead; use at most \"365 days\"");
    }
    if p.security_txt.expires_after.as_seconds() == 0 {
        c.error(
            "security_txt.expires_after",
            "must be longer than 0 seconds",
        );
    }
}
