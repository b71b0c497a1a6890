//! A project's security policy, as written in its TOML policy file.
//!
//! [`Policy::parse`] reads the file into this typed model and returns either
//! the policy or *every* problem found — syntax, unknown keys, bad values and
//! semantic contradictions — each with line, column, key and a fix. The model
//! expresses the processes of the four seed policies (Pylons, Django,
//! CPython's PSRT, PyPackIT); `docs/policy.md` documents every key.

mod check;
pub mod document;
mod parse;
pub mod reader;
pub mod support;
pub mod versions;

use crate::domain::duration::Duration;
use crate::domain::email::EmailAddress;
use crate::domain::slug::ProjectSlug;
use std::fmt;
use std::str::FromStr;
pub use versions::{Version, VersionScheme};

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted key path (`clocks.acknowledge`), empty for syntax errors.
    pub key: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        } else {
            write!(
                f,
                "line {}, column {}: `{}`: {}",
                self.line, self.column, self.key, self.message
            )
        }
    }
}

/// Define a keyword enum: kebab-case names, `FromStr` whose error lists the valid names, `Display`.
macro_rules! keywords {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The keyword as written in the policy file.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} `{}`; use one of: {}",
                        $what,
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keywords!(
    /// A way to send a report, in the project's order of preference.
    Channel, "channel" {
        /// Embargo's private web form.
        WebForm = "web-form",
        /// Plain e-mail to the security addresses.
        Email = "email",
        /// OpenPGP-encrypted e-mail to the security addresses.
        EncryptedEmail = "encrypted-email",
    }
);

keywords!(
    /// What the policy covers.
    ScopeArea, "scope area" {
        /// Released packages and applications.
        ReleasedSoftware = "released-software",
        /// Deployed websites and online services.
        DeployedSites = "deployed-sites",
        /// The source repository, its settings and its CI/CD workflows.
        RepositoryAndCi = "repository-and-ci",
        /// Documentation (when it could mislead users into insecure use).
        Documentation = "documentation",
    }
);

keywords!(
    /// What the policy excludes.
    Exclusion, "exclusion" {
        /// Behaviour the documentation describes (pickle executes code).
        DocumentedBehaviour = "documented-behaviour",
        /// Features marked experimental.
        ExperimentalFeatures = "experimental-features",
        /// Platforms the project does not support.
        UnsupportedPlatforms = "unsupported-platforms",
        /// Versions outside the support policy.
        UnsupportedVersions = "unsupported-versions",
        /// Vulnerabilities that belong to a dependency.
        DependencyVulnerabilities = "dependency-vulnerabilities",
        /// Code unlikely to be used in production.
        NonProductionCode = "non-production-code",
        /// Attacks that need malicious control of launch conditions (arguments, environment, files).
        MaliciousLaunchConditions = "malicious-launch-conditions",
    }
);

keywords!(
    /// Status of a release series.
    SeriesStatus, "series status" {
        /// The development branch (unreleased).
        Development = "development",
        /// Alphas, betas and release candidates of an upcoming series.
        Prerelease = "prerelease",
        /// Receives bug fixes and security fixes.
        Bugfix = "bugfix",
        /// Receives security fixes only.
        Security = "security",
        /// Long-term support until an end date.
        Lts = "lts",
        /// No longer supported.
        EndOfLife = "end-of-life",
    }
);

keywords!(
    /// An issue that is fixed in public instead of under embargo.
    PublicFixCase, "public-fix case" {
        /// The issue affects only the development branch.
        DevelopmentBranch = "development-branch",
        /// The issue affects only pre-releases.
        Prerelease = "prerelease",
    }
);

keywords!(
    /// A CVSS version the team scores with.
    CvssVersion, "CVSS version" {
        /// CVSS v3.1.
        V3_1 = "3.1",
        /// CVSS v4.0.
        V4_0 = "4.0",
    }
);

keywords!(
    /// What a report can contain.
    ReportField, "report field" {
        /// A short description of the problem.
        Description = "description",
        /// The versions the reporter tested, and which were vulnerable.
        TestedVersions = "tested-versions",
        /// A proof of concept that shows whether the issue is present.
        ProofOfConcept = "proof-of-concept",
        /// Steps to reproduce.
        ReproductionSteps = "reproduction-steps",
        /// What an attacker gains.
        Impact = "impact",
        /// A minimal patch that fixes it.
        Patch = "patch",
        /// Which threat-model criteria the reporter considered.
        ThreatModelCitation = "threat-model-citation",
    }
);

keywords!(
    /// A field of a notification-list membership request.
    RequestField, "request field" {
        /// Full, real name.
        FullName = "full-name",
        /// The organisation represented, if any.
        Organisation = "organisation",
        /// The applicant's role in it.
        Role = "role",
        /// Which group's criteria the applicant meets, and how.
        GroupCriteria = "group-criteria",
        /// Why they need the notifications.
        Reason = "reason",
        /// The address to add to the list.
        Address = "address",
        /// Who reads mail at that address, and what automated actions it triggers.
        AddressHandling = "address-handling",
        /// For individuals: the ID of their OpenPGP public key.
        PublicKey = "public-key",
    }
);

keywords!(
    /// When the reporter is credited in the advisory.
    CreditReporter, "credit rule" {
        /// Only if they ask to be.
        IfWished = "if-wished",
        /// Always (with the name they give).
        Always = "always",
        /// Never.
        Never = "never",
    }
);

keywords!(
    /// The project's relation to a CVE Numbering Authority.
    CnaMode, "CNA mode" {
        /// The project is a CNA and assigns IDs itself.
        SelfAssigned = "self",
        /// A CNA assigns IDs for the project (the PSF CNA for CPython).
        Via = "via",
        /// CVE IDs are requested from MITRE or a CNA of last resort, case by case.
        Request = "request",
        /// The project does not use CVE IDs.
        None = "none",
    }
);

keywords!(
    /// What the team does when an upstream maintainer does not fix in time.
    UpstreamRemedy, "upstream remedy" {
        /// Document how to avoid the problem.
        WorkaroundDocs = "workaround-docs",
        /// Ship a patched version of the dependency.
        PatchedVersion = "patched-version",
    }
);

keywords!(
    /// A place advisories are published.
    PublishTo, "publication place" {
        /// The project's advisory pages on this Embargo instance (archive, Atom, OSV, CVE, CSAF).
        ProjectPages = "project-pages",
        /// A post on the project's own website or blog.
        Website = "website",
        /// The code host's advisory database (GitHub security advisories).
        CodeHost = "code-host",
    }
);

keywords!(
    /// Who acknowledges a report.
    AckMode, "acknowledgement mode" {
        /// Embargo acknowledges on receipt with the policy's text.
        Automatic = "automatic",
        /// A team member acknowledges, with a personal message.
        Team = "team",
    }
);

/// Who the project is.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInfo {
    /// Slug on this instance.
    pub slug: ProjectSlug,
    /// Display name.
    pub name: String,
    /// The project's website.
    pub homepage: Option<String>,
    /// The public tracker, where security issues must NOT be reported.
    pub public_tracker: Option<String>,
    /// OSV ecosystem of the project's package (`PyPI`, `npm`, `crates.io`, …).
    pub ecosystem: Option<String>,
    /// The package's name in that ecosystem.
    pub package: Option<String>,
}

/// How to reach the security team.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Addresses that reach the whole team (an alias, or each person).
    pub addresses: Vec<EmailAddress>,
    /// Whether the private web form is open.
    pub web_form: bool,
    /// Channels in order of preference.
    pub channels: Vec<Channel>,
    /// The team's OpenPGP key, if it publishes one.
    pub openpgp: Option<OpenPgp>,
    /// Places reporters must not use (the public tracker, public lists).
    pub do_not_report_to: Vec<String>,
    /// Languages reports may be written in (BCP 47 tags).
    pub languages: Vec<String>,
}

/// The team's published OpenPGP key.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenPgp {
    /// Long key ID, `0x` and 16 hex digits.
    pub key_id: Option<String>,
    /// Full fingerprint, 40 (v4) or 64 (v6) hex digits.
    pub fingerprint: Option<String>,
    /// Where the key can be fetched (defaults to this instance's key URL).
    pub key_url: Option<String>,
    /// Where else it is published, in words ("most commonly-used keyservers").
    pub published: Option<String>,
    /// Whether encryption is required rather than optional.
    pub required: bool,
}

/// What the policy covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Covered areas.
    pub covers: Vec<ScopeArea>,
    /// Excluded kinds of issue.
    pub excludes: Vec<Exclusion>,
    /// Further notes, in the project's words.
    pub notes: Vec<String>,
}

/// Response clocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Clocks {
    /// Acknowledge a report within this (the acknowledgement is always sent; this is its deadline).
    pub acknowledge: Option<Duration>,
    /// Decide (accept or reject) within this.
    pub decide: Option<Duration>,
    /// Aim to resolve within this.
    pub target_fix: Option<Duration>,
    /// After this, the reporter may disclose.
    pub reporter_may_disclose_after: Option<Duration>,
    /// Decide on a notification-list request within this.
    pub membership_decision: Option<Duration>,
    /// Remind the team this long before a clock falls due (default: 1 day).
    pub remind_before: Option<Duration>,
    /// Remind about one clock at most this often (default: 1 day).
    pub remind_every: Option<Duration>,
}

/// Embargo bounds and the announcement schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbargoBounds {
    /// The longest embargo the team will hold.
    pub longest: Option<Duration>,
    /// Lead time of the public pre-announcement (date, time, severity; no details).
    pub pre_announcement_lead: Option<Duration>,
    /// Lead time of the confidential pre-notification.
    pub pre_notification_lead: Option<Duration>,
    /// The shortest lead time the team accepts in normal cases.
    pub shortest_lead: Option<Duration>,
    /// The lead time allowed for issues exploited in the wild.
    pub exploited_lead: Option<Duration>,
    /// IANA time zone that announcement times are stated in.
    pub time_zone: String,
    /// Announce publicly only once a fix (or a workaround) exists.
    pub announce_only_after_fix: bool,
}

/// The rule that picks supported series (Django: development + 2 most recent + LTS).
#[derive(Debug, Clone, PartialEq)]
pub struct SupportRule {
    /// How many of the most recent released series are supported.
    pub recent_series: u32,
    /// Whether the development branch is supported.
    pub development: bool,
    /// Whether LTS series are supported until their end date.
    pub lts: bool,
}

/// A release series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its version prefix (`"5.2"`).
    pub name: String,
    /// Status, when stated rather than derived from dates.
    pub status: Option<SeriesStatus>,
    /// First final release.
    pub released: Option<jiff::civil::Date>,
    /// Bug fixes end; security fixes go on.
    pub bugfix_until: Option<jiff::civil::Date>,
    /// Security support ends.
    pub end: Option<jiff::civil::Date>,
    /// Long-term support series.
    pub lts: bool,
}

/// The supported-versions policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Versions {
    /// Version scheme.
    pub scheme: VersionScheme,
    /// Name of the development branch (`main`).
    pub development_branch: Option<String>,
    /// Rule-based support, if any (else each series' dates and status decide).
    pub rule: Option<SupportRule>,
    /// The release series.
    pub series: Vec<Series>,
    /// Issues fixed in public rather than under embargo.
    pub public_fix: Vec<PublicFixCase>,
    /// Affected-version lists name supported versions only.
    pub affected_lists_supported_only: bool,
    /// Where the project publishes its own version status (python.org's table).
    pub status_page: Option<String>,
}

/// One severity level.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityLevel {
    /// Its name ("High").
    pub name: String,
    /// Named categories that fall in it.
    pub categories: Vec<String>,
    /// Optional explanation.
    pub description: Option<String>,
}

/// How severity is expressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Severity {
    /// The project's levels, most severe first.
    pub levels: Vec<SeverityLevel>,
    /// CVSS versions the team scores with.
    pub cvss: Vec<CvssVersion>,
    /// Whether the team assigns a CWE to each issue.
    pub cwe: bool,
}

/// One threat-model criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatCheck {
    /// Short id cited in decisions (`real-world`).
    pub id: String,
    /// The criterion a vulnerability must meet.
    pub criterion: String,
    /// An example or clarification.
    pub example: Option<String>,
}

/// The checklist reports are triaged against.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatModel {
    /// Where the project documents its threat model.
    pub reference: Option<String>,
    /// Reporters are asked to cite the criteria they considered.
    pub reporters_cite: bool,
    /// The criteria.
    pub checks: Vec<ThreatCheck>,
}

/// Attachment rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachments {
    /// Allowed MIME types (`text/plain`, `text/x-diff`); empty means none allowed.
    pub allowed_types: Vec<String>,
    /// At most this many.
    pub max_count: u32,
    /// Each at most this many bytes.
    pub max_bytes: u64,
}

/// What a report must and must not contain.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRules {
    /// Required parts.
    pub require: Vec<ReportField>,
    /// Encouraged parts.
    pub encourage: Vec<ReportField>,
    /// Refuse a reporter-supplied severity or CVSS.
    pub refuse_reporter_severity: bool,
    /// Largest report body, in bytes.
    pub max_bytes: u64,
    /// Attachment rules.
    pub attachments: Attachments,
    /// Further guidance, in the project's words.
    pub guidance: Vec<String>,
}

/// A notification-list group.
#[derive(Debug, Clone, PartialEq)]
pub struct ListGroup {
    /// Short id (`distributors`).
    pub id: String,
    /// Name shown to applicants.
    pub name: String,
    /// Who qualifies.
    pub criteria: String,
    /// Members must give a generic (not personal) address.
    pub generic_address_required: bool,
    /// Admission is case by case.
    pub case_by_case: bool,
}

/// The confidential pre-notification list.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationList {
    /// The membership is never published.
    pub confidential: bool,
    /// Groups.
    pub groups: Vec<ListGroup>,
    /// Fields every request must answer.
    pub required_fields: Vec<RequestField>,
    /// Kinds of entity never admitted ("security audit and scanning entities").
    pub excluded: Vec<String>,
    /// Individuals must give an OpenPGP key.
    pub individuals_need_key: bool,
    /// Membership is revocable at any time, with or without explanation.
    pub revocable_without_reason: bool,
    /// Missing information counts against the request.
    pub incomplete_counts_against: bool,
    /// Subject line for requests sent by e-mail.
    pub request_subject: Option<String>,
    /// How long after a rejection or a revocation the same address may apply again
    /// (none: at any time).
    pub reapply_after: Option<Duration>,
}

/// A public mailing list.
#[derive(Debug, Clone, PartialEq)]
pub struct MailingList {
    /// Its name.
    pub name: String,
    /// Its posting address.
    pub address: EmailAddress,
    /// Where to subscribe.
    pub subscribe_url: Option<String>,
}

/// Announcements.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcements {
    /// Public announce lists.
    pub lists: Vec<MailingList>,
    /// Send a pre-announcement (date, time, severity) before disclosure.
    pub pre_announce: bool,
    /// oss-security-style lists that get the disclosure notice.
    pub disclosure_notices_to: Vec<EmailAddress>,
}

/// Publication and credit.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    /// Where advisories go.
    pub publish_to: Vec<PublishTo>,
    /// The project's website or blog for advisory posts.
    pub website: Option<String>,
    /// Category of the news post ("Security Advisory").
    pub news_category: Option<String>,
    /// Keep a public archive of all disclosed issues.
    pub archive: bool,
    /// When the reporter is credited.
    pub credit_reporter: CreditReporter,
    /// Credit every collaborator.
    pub credit_collaborators: bool,
    /// Release steps on disclosure day, in the project's words.
    pub disclosure_day: Vec<String>,
    /// A registered OSV home-database prefix for the project's OSV ids (else `x_`).
    pub osv_prefix: Option<OsvPrefix>,
}

/// OSV home-database prefixes registered in the OSV schema (tests/data/schemas/osv/schema.json).
pub const OSV_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// A registered OSV prefix (`PYSEC`, `GHSA`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvPrefix(pub String);

impl std::str::FromStr for OsvPrefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match OSV_PREFIXES.iter().find(|p| **p == s.trim()) {
            Some(p) => Ok(Self((*p).to_owned())),
            None => Err(format!(
                "`{s}` is not a registered OSV prefix; leave `osv_prefix` out to use `x_`, or use one of: {}",
                OSV_PREFIXES.join(", ")
            )),
        }
    }
}

/// A CVE Services organisation UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgId(pub String);

impl std::str::FromStr for OrgId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_lowercase();
        let groups: Vec<&str> = t.split('-').collect();
        let shape = groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
            && groups[2].starts_with('4')
            && groups[3].starts_with(['8', '9', 'a', 'b']);
        if shape {
            Ok(Self(t))
        } else {
            Err(format!(
                "`{s}` is not a CVE Services organisation UUID (version 4, such as 8254265b-2729-46b6-b9e3-3dfca2d5bfca)"
            ))
        }
    }
}

/// CVE IDs.
#[derive(Debug, Clone, PartialEq)]
pub struct Cve {
    /// Relation to a CNA.
    pub cna: CnaMode,
    /// The CNA's name when it is not the project.
    pub cna_name: Option<String>,
    /// Series statuses eligible for CVE IDs (CPython: bugfix, security).
    pub eligible_statuses: Vec<SeriesStatus>,
    /// The CNA's organisation UUID in CVE Services (for CVE records).
    pub org_id: Option<OrgId>,
}

/// Conduct rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Conduct {
    /// The code of conduct.
    pub code_of_conduct: Option<String>,
    /// Policy violations before a reporter's reports are rejected.
    pub strikes_before_ban: Option<u32>,
    /// Spam and non-reports are discarded without a reply.
    pub discard_spam_silently: bool,
}

/// Vulnerabilities in dependencies.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    /// Contact the dependency's maintainer.
    pub contact_maintainer: bool,
    /// How long to wait for their release.
    pub wait: Option<Duration>,
    /// What to do after that.
    pub then: Vec<UpstreamRemedy>,
    /// Only for serious issues.
    pub only_if_serious: bool,
}

/// How fixes are made.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    /// A confirmed vulnerability halts other development ("security release in progress").
    pub freeze_development: bool,
    /// Fixes are made in a temporary private fork.
    pub private_fork: bool,
    /// Fixes are reviewed before merge.
    pub review_before_merge: bool,
    /// Other affected projects may be contacted privately to coordinate.
    pub coordinate_with_affected_projects: bool,
    /// Keep a transparent, two-way dialogue with the reporter until resolved.
    pub reporter_dialogue: bool,
    /// The acknowledgement asks the reporter to keep the issue confidential until it is announced.
    pub ask_confidentiality: bool,
    /// Who acknowledges a report.
    pub acknowledgement: AckMode,
}

/// security.txt details.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityTxt {
    /// `Expires` is this long after rendering (at most a year).
    pub expires_after: Duration,
    /// Acknowledgments page, if not the advisory archive.
    pub acknowledgments: Option<String>,
    /// Hiring page.
    pub hiring: Option<String>,
}

/// A whole policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Project identity.
    pub project: ProjectInfo,
    /// Contact.
    pub contact: Contact,
    /// Scope.
    pub scope: Scope,
    /// Clocks.
    pub clocks: Clocks,
    /// Embargo bounds.
    pub embargo: EmbargoBounds,
    /// Supported versions.
    pub versions: Versions,
    /// Severity.
    pub severity: Severity,
    /// Threat model.
    pub threat_model: ThreatModel,
    /// Report rules.
    pub reports: ReportRules,
    /// The notification list, if the project keeps one.
    pub notification_list: Option<NotificationList>,
    /// Announcements.
    pub announcements: Announcements,
    /// Publication.
    pub publication: Publication,
    /// CVE.
    pub cve: Cve,
    /// Conduct.
    pub conduct: Conduct,
    /// Dependencies.
    pub upstream: Upstream,
    /// Fix process.
    pub process: Process,
    /// security.txt.
    pub security_txt: SecurityTxt,
}

impl Policy {
    /// Parse and check a policy file; every problem is returned, in file order.
    pub fn parse(src: &str) -> Result<Self, Vec<PolicyError>> {
        let doc = match toml_edit::ImDocument::parse(src) {
            Ok(doc) => doc,
            Err(e) => {
                let (line, column) = reader::line_col(src, e.span().map(|s| s.start).unwrap_or(0));
                let message = e.message().trim().to_owned();
                return Err(vec![PolicyError {
                    line,
                    column,
                    key: String::new(),
                    message: format!("not valid TOML: {message}"),
                }]);
            }
        };
        let mut r = reader::Reader::new(src);
        let root: &dyn toml_edit::TableLike = doc.as_table();
        let policy = parse::build(root, &mut r);
        if let Some(p) = &policy {
            check::check(p, root, &mut r);
        }
        let mut errors = r.errors;
        errors.sort_by_key(|e| (e.line, e.column));
        errors.dedup();
        match policy {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }
}

/// A byte size written as `"64 KiB"`, `"1 MiB"`, `"500 bytes"`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "`{text}` is not a size; write a number and a unit, such as \"64 KiB\" or \"1 MiB\" (units: bytes, KiB, MiB)"
        )
    };
    let mut parts = text.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let n: u64 = n.parse().map_err(|_| bad())?;
    let factor = match unit {
        "byte" | "bytes" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => return Err(bad()),
    };
    n.checked_mul(factor).ok_or_else(bad)
}

/// A byte size in the largest exact unit (`65536` → `"64 KiB"`).
pub fn format_size(bytes: u64) -> String {
    if bytes != 0 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes != 0 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keywords_explain_themselves() {
        assert_eq!("web-form".parse::<Channel>(), Ok(Channel::WebForm));
        let err = "webform".parse::<Channel>().unwrap_err();
        assert_eq!(
            err,
            "unknown channel `webform`; use one of: web-form, email, encrypted-email"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64 KiB"), Ok(65536));
        assert_eq!(format_size(65536), "64 KiB");
        assert!(parse_size("64KB").is_err());
    }

    proptest! {
        #[test]
        fn sizes_round_trip(n in 0u64..1_000_000_000) {
            prop_assert_eq!(parse_size(&format_size(n)), Ok(n));
        }

        #[test]
        fn parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = Policy::parse(&text);
        }

        #[test]
        fn parser_never_panics_on_toml_like_text(text in "(\\[[a-z_.]{0,12}\\]\n|[a-z_]{1,12} = (\"[^\"\n]{0,12}\"|[0-9]{1,4}|true|\\[\\]|[0-9]{4}-[0-9]{2}-[0-9]{2})\n){0,20}") {
            let _ = Policy::parse(&text);
        }
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    fn load(name: &str) -> Policy {
        let path = format!(
            "{}/examples/policies/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let src = std::fs::read_to_string(&path).unwrap();
        Policy::parse(&src).unwrap_or_else(|errors| {
            panic!(
                "{name}.toml:\n{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    #[test]
    fn the_four_examples_parse() {
        for name in ["pylons", "django", "cpython", "pypackit"] {
            let p = load(name);
            assert_eq!(p.project.slug.as_str(), name);
        }
    }
}
