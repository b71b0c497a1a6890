//! Build a [`Policy`] from a parsed TOML document, section by section.
//! Defaults live here, next to the key they belong to, and match docs/policy.md.

use super::reader::{Reader, join};
use super::*;
use std::ops::Range;
use toml_edit::TableLike;

type Span = Option<Range<usize>>;

const TOP: &[&str] = &[
    "project",
    "contact",
    "scope",
    "clocks",
    "embargo",
    "versions",
    "severity",
    "threat_model",
    "reports",
    "notification_list",
    "announcements",
    "publication",
    "cve",
    "conduct",
    "upstream",
    "process",
    "security_txt",
];

/// Build the policy; `None` if a required section is unusable (errors say why).
pub fn build(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<Policy> {
    r.only_keys(root, "", TOP);
    let project = project(root, r);
    let contact = contact(root, r);
    let scope = scope(root, r);
    let clocks = clocks(root, r);
    let embargo = embargo(root, r);
    let versions = versions(root, r);
    let severity = severity(root, r);
    let threat_model = threat_model(root, r);
    let reports = reports(root, r);
    let notification_list = notification_list(root, r);
    let announcements = announcements(root, r);
    let publication = publication(root, r);
    let cve = cve(root, r);
    let conduct = conduct(root, r);
    let upstream = upstream(root, r);
    let process = process(root, r);
    let security_txt = security_txt(root, r);
    Some(Policy {
        project: project?,
        contact: contact?,
        scope,
        clocks: clocks?,
        embargo: embargo?,
        versions: versions?,
        severity,
        threat_model,
        reports,
        notification_list,
        announcements,
        publication,
        cve,
        conduct,
        upstream,
        process,
        security_txt,
    })
}

/// An optional table, or an empty one to read defaults from.
fn section<'t>(
    root: &'t dyn TableLike,
    r: &mut Reader<'_>,
    key: &str,
    required: bool,
) -> Option<(&'t dyn TableLike, Span)> {
    let span = root.get(key).and_then(|i| i.span());
    r.table(root, None, "", key, required).map(|t| (t, span))
}

fn url(r: &mut Reader<'_>, t: &dyn TableLike, span: Span, path: &str, key: &str) -> Option<String> {
    let text = r.string(t, span, path, key, false)?;
    match url::Url::parse(&text) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Some(text),
        _ => {
            r.error(
                Reader::span_of(t, key),
                &join(path, key),
                format!("`{text}` is not a web address; use a full https:// URL"),
            );
            None
        }
    }
}

fn project(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<ProjectInfo> {
    let (t, span) = section(root, r, "project", true)?;
    let p = "project";
    r.only_keys(
        t,
        p,
        &[
            "slug",
            "name",
            "homepage",
            "public_tracker",
            "ecosystem",
            "package",
        ],
    );
    let slug = r.parsed::<ProjectSlug>(t, span.clone(), p, "slug", true);
    let name = r.string(t, span.clone(), p, "name", true);
    let homepage = url(r, t, span.clone(), p, "homepage");
    let public_tracker = url(r, t, span.clone(), p, "public_tracker");
    let ecosystem = r.string(t, span.clone(), p, "ecosystem", false);
    let package = r.string(t, span, p, "package", false);
    if ecosystem.is_some() != package.is_some() {
        r.error(
            Reader::span_of(t, if ecosystem.is_some() { "ecosystem" } else { "package" }),
            "project.package",
            "give both `ecosystem` (such as \"PyPI\") and `package` (the package's name there), or neither",
        );
    }
    Some(ProjectInfo {
        slug: slug?,
        name: name?,
        homepage,
        public_tracker,
        ecosystem,
        package,
    })
}

fn contact(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<Contact> {
    let (t, span) = section(root, r, "contact", true)?;
    let p = "contact";
    r.only_keys(
        t,
        p,
        &[
            "addresses",
            "web_form",
            "channels",
            "openpgp",
            "do_not_report_to",
            "languages",
        ],
    );
    let addresses = r.parsed_list::<EmailAddress>(t, p, "addresses");
    let web_form = r.boolean(t, p, "web_form", true);
    let openpgp = r.table(t, span, p, "openpgp", false).map(|o| {
        let op = "contact.openpgp";
        r.only_keys(o, op, &["key_id", "fingerprint", "key_url", "published", "required"]);
        let key_id = r.string(o, None, op, "key_id", false).and_then(|k| {
            let hex = k.strip_prefix("0x").or_else(|| k.strip_prefix("0X")).unwrap_or(&k);
            if hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                Some(format!("0x{}", hex.to_ascii_lowercase()))
            } else {
                r.error(Reader::span_of(o, "key_id"), &join(op, "key_id"), format!("`{k}` is not a long key ID; write 0x and 16 hex digits, such as 0xfcb84b8d1d17f80b"));
                None
            }
        });
        let fingerprint = r.string(o, None, op, "fingerprint", false).and_then(|f| {
            let hex: String = f.chars().filter(|c| !c.is_whitespace()).collect();
            if (hex.len() == 40 || hex.len() == 64) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                Some(hex.to_ascii_uppercase())
            } else {
                r.error(Reader::span_of(o, "fingerprint"), &join(op, "fingerprint"), "a fingerprint is 40 hex digits (v4 keys) or 64 (v6 keys); spaces are allowed");
                None
            }
        });
        let key_url = url(r, o, None, op, "key_url");
        let published = r.string(o, None, op, "published", false);
        let required = r.boolean(o, op, "required", false);
        OpenPgp { key_id, fingerprint, key_url, published, required }
    });
    let default_channels = {
        let mut c = Vec::new();
        if web_form {
            c.push(Channel::WebForm);
        }
        if !addresses.is_empty() {
            c.push(Channel::Email);
            if openpgp.is_some() {
                c.push(Channel::EncryptedEmail);
            }
        }
        c
    };
    let channels = if t.contains_key("channels") {
        r.parsed_list::<Channel>(t, p, "channels")
    } else {
        default_channels
    };
    let do_not_report_to = r.strings(t, p, "do_not_report_to");
    let mut languages = r.strings(t, p, "languages");
    for (lang, s) in r.string_items(t, p, "languages") {
        let ok = lang.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !ok {
            r.error(
                s,
                &join(p, "languages"),
                format!("`{lang}` is not a language tag; use tags such as \"en\" or \"pt-BR\""),
            );
        }
    }
    if languages.is_empty() {
        languages.push("en".into());
    }
    Some(Contact {
        addresses,
        web_form,
        channels,
        openpgp,
        do_not_report_to,
        languages,
    })
}

fn scope(root: &dyn TableLike, r: &mut Reader<'_>) -> Scope {
    let Some((t, _)) = section(root, r, "scope", false) else {
        return Scope {
            covers: vec![ScopeArea::ReleasedSoftware],
            excludes: Vec::new(),
            notes: Vec::new(),
        };
    };
    let p = "scope";
    r.only_keys(t, p, &["covers", "excludes", "notes"]);
    let mut covers = r.parsed_list::<ScopeArea>(t, p, "covers");
    if covers.is_empty() && !t.contains_key("covers") {
        covers.push(ScopeArea::ReleasedSoftware);
    }
    Scope {
        covers,
        excludes: r.parsed_list(t, p, "excludes"),
        notes: r.strings(t, p, "notes"),
    }
}

fn clocks(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<Clocks> {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "clocks", false).unwrap_or((&empty, None));
    let p = "clocks";
    r.only_keys(
        t,
        p,
        &[
            "acknowledge",
            "decide",
            "target_fix",
            "reporter_may_disclose_after",
            "membership_decision",
            "remind_before",
            "remind_every",
        ],
    );
    Some(Clocks {
        acknowledge: r.duration(t, span.clone(), p, "acknowledge", false),
        decide: r.duration(t, span.clone(), p, "decide", false),
        target_fix: r.duration(t, span.clone(), p, "target_fix", false),
        reporter_may_disclose_after: r.duration(
            t,
            span.clone(),
            p,
            "reporter_may_disclose_after",
            false,
        ),
        membership_decision: r.duration(t, span.clone(), p, "membership_decision", false),
        remind_before: r.duration(t, span.clone(), p, "remind_before", false),
        remind_every: r.duration(t, span, p, "remind_every", false),
    })
}

fn embargo(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<EmbargoBounds> {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "embargo", false).unwrap_or((&empty, None));
    let p = "embargo";
    r.only_keys(
        t,
        p,
        &[
            "longest",
            "pre_announcement_lead",
            "pre_notification_lead",
            "shortest_lead",
            "exploited_lead",
            "time_zone",
            "announce_only_after_fix",
        ],
    );
    let time_zone = r
        .string(t, span.clone(), p, "time_zone", false)
        .unwrap_or_else(|| "UTC".into());
    let zone_ok = jiff::tz::TimeZone::get(&time_zone).is_ok();
    if !zone_ok {
        r.error(Reader::span_of(t, "time_zone"), &join(p, "time_zone"), format!("`{time_zone}` is not an IANA time zone; use a name such as \"UTC\", \"Europe/Amsterdam\" or \"America/Chicago\""));
    }
    let bounds = EmbargoBounds {
        longest: r.duration(t, span.clone(), p, "longest", false),
        pre_announcement_lead: r.duration(t, span.clone(), p, "pre_announcement_lead", false),
        pre_notification_lead: r.duration(t, span.clone(), p, "pre_notification_lead", false),
        shortest_lead: r.duration(t, span.clone(), p, "shortest_lead", false),
        exploited_lead: r.duration(t, span, p, "exploited_lead", false),
        time_zone,
        announce_only_after_fix: r.boolean(t, p, "announce_only_after_fix", true),
    };
    zone_ok.then_some(bounds)
}

fn versions(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<Versions> {
    let (t, span) = section(root, r, "versions", true)?;
    let p = "versions";
    r.only_keys(
        t,
        p,
        &[
            "scheme",
            "development_branch",
            "support",
            "series",
            "public_fix",
            "affected_lists_supported_only",
            "status_page",
        ],
    );
    let scheme = r.parsed::<VersionScheme>(t, span.clone(), p, "scheme", true);
    let rule = r.table(t, span.clone(), p, "support", false).map(|s| {
        let sp = "versions.support";
        r.only_keys(s, sp, &["recent_series", "development", "lts"]);
        let recent = r.integer(s, sp, "recent_series", 0..=100).unwrap_or(0);
        if !s.contains_key("recent_series") {
            r.error(t.get("support").and_then(|i| i.span()), &join(sp, "recent_series"), "missing; say how many of the most recent release series are supported, such as `recent_series = 2`");
        }
        SupportRule { recent_series: u32::try_from(recent).unwrap_or(0), development: r.boolean(s, sp, "development", true), lts: r.boolean(s, sp, "lts", true) }
    });
    let mut series = Vec::new();
    for (i, (s, s_span)) in r.tables(t, p, "series").into_iter().enumerate() {
        let sp = format!("versions.series[{i}]");
        r.only_keys(
            s,
            &sp,
            &["name", "status", "released", "bugfix_until", "end", "lts"],
        );
        let name = r.string(s, s_span.clone(), &sp, "name", true);
        if let (Some(name), Some(scheme)) = (&name, scheme)
            && let Err(e) = scheme.check_series(name)
        {
            r.error(
                Reader::span_of(s, "name"),
                &join(&sp, "name"),
                e.to_string(),
            );
        }
        let entry = Series {
            name: name.unwrap_or_default(),
            status: r.parsed::<SeriesStatus>(s, s_span, &sp, "status", false),
            released: r.date(s, &sp, "released"),
            bugfix_until: r.date(s, &sp, "bugfix_until"),
            end: r.date(s, &sp, "end"),
            lts: r.boolean(s, &sp, "lts", false),
        };
        series.push(entry);
    }
    let public_fix = r.parsed_list::<PublicFixCase>(t, p, "public_fix");
    Some(Versions {
        scheme: scheme?,
        development_branch: r.string(t, span.clone(), p, "development_branch", false),
        rule,
        series,
        public_fix,
        affected_lists_supported_only: r.boolean(t, p, "affected_lists_supported_only", true),
        status_page: url(r, t, span, p, "status_page"),
    })
}

fn severity(root: &dyn TableLike, r: &mut Reader<'_>) -> Severity {
    let Some((t, _)) = section(root, r, "severity", false) else {
        return Severity {
            levels: Vec::new(),
            cvss: vec![CvssVersion::V3_1, CvssVersion::V4_0],
            cwe: true,
        };
    };
    let p = "severity";
    r.only_keys(t, p, &["levels", "cvss", "cwe"]);
    let cvss = if t.contains_key("cvss") {
        r.parsed_list(t, p, "cvss")
    } else {
        vec![CvssVersion::V3_1, CvssVersion::V4_0]
    };
    let mut levels = Vec::new();
    for (i, (l, l_span)) in r.tables(t, p, "levels").into_iter().enumerate() {
        let lp = format!("severity.levels[{i}]");
        r.only_keys(l, &lp, &["name", "categories", "description"]);
        let name = r
            .string(l, l_span.clone(), &lp, "name", true)
            .unwrap_or_default();
        levels.push(SeverityLevel {
            name,
            categories: r.strings(l, &lp, "categories"),
            description: r.string(l, l_span, &lp, "description", false),
        });
    }
    Severity {
        levels,
        cvss,
        cwe: r.boolean(t, p, "cwe", true),
    }
}

fn threat_model(root: &dyn TableLike, r: &mut Reader<'_>) -> ThreatModel {
    let Some((t, span)) = section(root, r, "threat_model", false) else {
        return ThreatModel {
            reference: None,
            reporters_cite: false,
            checks: Vec::new(),
        };
    };
    let p = "threat_model";
    r.only_keys(t, p, &["reference", "reporters_cite", "checks"]);
    let mut checks = Vec::new();
    for (i, (c, c_span)) in r.tables(t, p, "checks").into_iter().enumerate() {
        let cp = format!("threat_model.checks[{i}]");
        r.only_keys(c, &cp, &["id", "criterion", "example"]);
        let id = r
            .string(c, c_span.clone(), &cp, "id", true)
            .unwrap_or_default();
        let criterion = r
            .string(c, c_span.clone(), &cp, "criterion", true)
            .unwrap_or_default();
        checks.push(ThreatCheck {
            id,
            criterion,
            example: r.string(c, c_span, &cp, "example", false),
        });
    }
    ThreatModel {
        reference: url(r, t, span, p, "reference"),
        reporters_cite: r.boolean(t, p, "reporters_cite", false),
        checks,
    }
}

fn size(r: &mut Reader<'_>, t: &dyn TableLike, path: &str, key: &str, default: u64) -> u64 {
    let Some(text) = r.string(t, None, path, key, false) else {
        return default;
    };
    match parse_size(&text) {
        Ok(0) => {
            r.error(
                Reader::span_of(t, key),
                &join(path, key),
                "must be larger than 0 bytes",
            );
            default
        }
        Ok(n) => n,
        Err(e) => {
            r.error(Reader::span_of(t, key), &join(path, key), e);
            default
        }
    }
}

fn reports(root: &dyn TableLike, r: &mut Reader<'_>) -> ReportRules {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "reports", false).unwrap_or((&empty, None));
    let p = "reports";
    r.only_keys(
        t,
        p,
        &[
            "require",
            "encourage",
            "refuse_reporter_severity",
            "max_size",
            "attachments",
            "guidance",
        ],
    );
    let attachments = match r.table(t, span, p, "attachments", false) {
        Some(a) => {
            let ap = "reports.attachments";
            r.only_keys(a, ap, &["allowed_types", "max_count", "max_size"]);
            let mut allowed = Vec::new();
            for (mime, s) in r.string_items(a, ap, "allowed_types") {
                let ok = mime.split_once('/').is_some_and(|(ty, sub)| {
                    !ty.is_empty()
                        && !sub.is_empty()
                        && !mime.contains(char::is_whitespace)
                        && !mime.contains('*')
                });
                if ok {
                    allowed.push(mime.to_ascii_lowercase());
                } else {
                    r.error(s, &join(ap, "allowed_types"), format!("`{mime}` is not a media type; write type/subtype, such as \"text/plain\" or \"text/x-diff\""));
                }
            }
            Attachments {
                allowed_types: allowed,
                max_count: u32::try_from(r.integer(a, ap, "max_count", 0..=100).unwrap_or(5))
                    .unwrap_or(5),
                max_bytes: size(r, a, ap, "max_size", 1024 * 1024),
            }
        }
        None => Attachments {
            allowed_types: vec!["text/plain".into()],
            max_count: 5,
            max_bytes: 1024 * 1024,
        },
    };
    ReportRules {
        require: r.parsed_list(t, p, "require"),
        encourage: r.parsed_list(t, p, "encourage"),
        refuse_reporter_severity: r.boolean(t, p, "refuse_reporter_severity", false),
        max_bytes: size(r, t, p, "max_size", 64 * 1024),
        attachments,
        guidance: r.strings(t, p, "guidance"),
    }
}

fn notification_list(root: &dyn TableLike, r: &mut Reader<'_>) -> Option<NotificationList> {
    let (t, span) = section(root, r, "notification_list", false)?;
    let p = "notification_list";
    r.only_keys(
        t,
        p,
        &[
            "confidential",
            "groups",
            "required_fields",
            "excluded",
            "individuals_need_key",
            "revocable_without_reason",
            "incomplete_counts_against",
            "request_subject",
            "reapply_after",
        ],
    );
    let mut groups = Vec::new();
    for (i, (g, g_span)) in r.tables(t, p, "groups").into_iter().enumerate() {
        let gp = format!("notification_list.groups[{i}]");
        r.only_keys(
            g,
            &gp,
            &[
                "id",
                "name",
                "criteria",
                "generic_address_required",
                "case_by_case",
            ],
        );
        groups.push(ListGroup {
            id: r
                .string(g, g_span.clone(), &gp, "id", true)
                .unwrap_or_default(),
            name: r
                .string(g, g_span.clone(), &gp, "name", true)
                .unwrap_or_default(),
            criteria: r
                .string(g, g_span, &gp, "criteria", true)
                .unwrap_or_default(),
            generic_address_required: r.boolean(g, &gp, "generic_address_required", false),
            case_by_case: r.boolean(g, &gp, "case_by_case", false),
        });
    }
    Some(NotificationList {
        confidential: r.boolean(t, p, "confidential", true),
        groups,
        required_fields: r.parsed_list(t, p, "required_fields"),
        excluded: r.strings(t, p, "excluded"),
        individuals_need_key: r.boolean(t, p, "individuals_need_key", false),
        revocable_without_reason: r.boolean(t, p, "revocable_without_reason", true),
        incomplete_counts_against: r.boolean(t, p, "incomplete_counts_against", false),
        request_subject: r.string(t, span.clone(), p, "request_subject", false),
        reapply_after: r.duration(t, span, p, "reapply_after", false),
    })
}

fn announcements(root: &dyn TableLike, r: &mut Reader<'_>) -> Announcements {
    let Some((t, _)) = section(root, r, "announcements", false) else {
        return Announcements {
            lists: Vec::new(),
            pre_announce: false,
            disclosure_notices_to: Vec::new(),
        };
    };
    let p = "announcements";
    r.only_keys(t, p, &["lists", "pre_announce", "disclosure_notices_to"]);
    let mut lists = Vec::new();
    for (i, (l, l_span)) in r.tables(t, p, "lists").into_iter().enumerate() {
        let lp = format!("announcements.lists[{i}]");
        r.only_keys(l, &lp, &["name", "address", "subscribe_url"]);
        let name = r.string(l, l_span.clone(), &lp, "name", true);
        let address = r.parsed::<EmailAddress>(l, l_span.clone(), &lp, "address", true);
        let subscribe_url = url(r, l, l_span, &lp, "subscribe_url");
        if let (Some(name), Some(address)) = (name, address) {
            lists.push(MailingList {
                name,
                address,
                subscribe_url,
            });
        }
    }
    Announcements {
        lists,
        pre_announce: r.boolean(t, p, "pre_announce", false),
        disclosure_notices_to: r.parsed_list(t, p, "disclosure_notices_to"),
    }
}

fn publication(root: &dyn TableLike, r: &mut Reader<'_>) -> Publication {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "publication", false).unwrap_or((&empty, None));
    let p = "publication";
    r.only_keys(
        t,
        p,
        &[
            "publish_to",
            "website",
            "news_category",
            "archive",
            "credit_reporter",
            "credit_collaborators",
            "disclosure_day",
            "osv_prefix",
        ],
    );
    let publish_to = if t.contains_key("publish_to") {
        r.parsed_list(t, p, "publish_to")
    } else {
        vec![PublishTo::ProjectPages]
    };
    Publication {
        publish_to,
        website: url(r, t, span.clone(), p, "website"),
        news_category: r.string(t, span.clone(), p, "news_category", false),
        archive: r.boolean(t, p, "archive", true),
        credit_reporter: r
            .parsed(t, span, p, "credit_reporter", false)
            .unwrap_or(CreditReporter::IfWished),
        credit_collaborators: r.boolean(t, p, "credit_collaborators", true),
        disclosure_day: r.strings(t, p, "disclosure_day"),
        osv_prefix: r.parsed(t, None, p, "osv_prefix", false),
    }
}

fn cve(root: &dyn TableLike, r: &mut Reader<'_>) -> Cve {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "cve", false).unwrap_or((&empty, None));
    let p = "cve";
    r.only_keys(t, p, &["cna", "cna_name", "eligible_statuses", "org_id"]);
    Cve {
        cna: r
            .parsed(t, span.clone(), p, "cna", false)
            .unwrap_or(CnaMode::Request),
        cna_name: r.string(t, span.clone(), p, "cna_name", false),
        org_id: r.parsed(t, span, p, "org_id", false),
        eligible_statuses: r.parsed_list(t, p, "eligible_statuses"),
    }
}

fn conduct(root: &dyn TableLike, r: &mut Reader<'_>) -> Conduct {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "conduct", false).unwrap_or((&empty, None));
    let p = "conduct";
    r.only_keys(
        t,
        p,
        &[
            "code_of_conduct",
            "strikes_before_ban",
            "discard_spam_silently",
        ],
    );
    Conduct {
        code_of_conduct: url(r, t, span, p, "code_of_conduct"),
        strikes_before_ban: r
            .integer(t, p, "strikes_before_ban", 1..=100)
            .and_then(|n| u32::try_from(n).ok()),
        discard_spam_silently: r.boolean(t, p, "discard_spam_silently", true),
    }
}

fn upstream(root: &dyn TableLike, r: &mut Reader<'_>) -> Upstream {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "upstream", false).unwrap_or((&empty, None));
    let p = "upstream";
    r.only_keys(
        t,
        p,
        &["contact_maintainer", "wait", "then", "only_if_serious"],
    );
    Upstream {
        contact_maintainer: r.boolean(t, p, "contact_maintainer", true),
        wait: r.duration(t, span, p, "wait", false),
        then: r.parsed_list(t, p, "then"),
        only_if_serious: r.boolean(t, p, "only_if_serious", false),
    }
}

fn process(root: &dyn TableLike, r: &mut Reader<'_>) -> Process {
    let empty = toml_edit::Table::new();
    let (t, _) = section(root, r, "process", false).unwrap_or((&empty, None));
    let p = "process";
    r.only_keys(
        t,
        p,
        &[
            "freeze_development",
            "private_fork",
            "review_before_merge",
            "coordinate_with_affected_projects",
            "reporter_dialogue",
            "ask_confidentiality",
            "acknowledgement",
        ],
    );
    Process {
        freeze_development: r.boolean(t, p, "freeze_development", false),
        private_fork: r.boolean(t, p, "private_fork", false),
        review_before_merge: r.boolean(t, p, "review_before_merge", true),
        coordinate_with_affected_projects: r.boolean(
            t,
            p,
            "coordinate_with_affected_projects",
            false,
        ),
        reporter_dialogue: r.boolean(t, p, "reporter_dialogue", true),
        ask_confidentiality: r.boolean(t, p, "ask_confidentiality", true),
        acknowledgement: r
            .parsed(t, None, p, "acknowledgement", false)
            .unwrap_or(AckMode::Automatic),
    }
}

fn security_txt(root: &dyn TableLike, r: &mut Reader<'_>) -> SecurityTxt {
    let empty = toml_edit::Table::new();
    let (t, span) = section(root, r, "security_txt", false).unwrap_or((&empty, None));
    let p = "security_txt";
    r.only_keys(t, p, &["expires_after", "acknowledgments", "hiring"]);
    SecurityTxt {
        expires_after: r
            .duration(t, span.clone(), p, "expires_after", false)
            .unwrap_or(Duration::from_seconds(180 * 86400)),
        acknowledgments: url(r, t, span.clone(), p, "acknowledgments"),
        hiring: url(r, t, span, p, "hiring"),
    }
}
