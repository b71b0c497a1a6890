//! What a policy says to the outside world: a SECURITY.md, the same text as
//! an HTML page, and an RFC 9116 security.txt.
//!
//! [`security_policy`] builds one [`Document`] (sections of paragraphs, lists
//! and tables); [`Document::to_markdown`] and [`Document::to_html`] render
//! it, escaping every policy-supplied string, so the Markdown file and the web
//! page never drift apart.

use super::support::series_on;
use super::*;
use jiff::civil::Date;

/// Where and when the document is rendered.
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// The instance's public base URL, without a trailing slash.
    pub base_url: String,
    /// The date supported versions are computed for.
    pub date: Date,
    /// The moment of rendering (security.txt's Expires counts from it).
    pub now: jiff::Timestamp,
}

impl RenderContext {
    fn project_url(&self, p: &Policy, rest: &str) -> String {
        format!(
            "{}/p/{}/{rest}",
            self.base_url.trim_end_matches('/'),
            p.project.slug
        )
    }
}

/// A run of text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Emphasised text.
    Strong(String),
    /// Code or an identifier.
    Code(String),
    /// A link.
    Link {
        /// Shown text.
        text: String,
        /// Target.
        url: String,
    },
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Para(Vec<Inline>),
    /// A bulleted list.
    List(Vec<Vec<Inline>>),
    /// A table with a header row.
    Table {
        /// Column titles.
        head: Vec<String>,
        /// Rows.
        rows: Vec<Vec<String>>,
    },
}

/// A titled section.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Title.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// A whole document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Title.
    pub title: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

fn t(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}
fn b(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}
fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}
fn link(text: impl Into<String>, url: impl Into<String>) -> Inline {
    Inline::Link {
        text: text.into(),
        url: url.into(),
    }
}
fn para(parts: Vec<Inline>) -> Block {
    Block::Para(parts)
}
fn text_para(s: impl Into<String>) -> Block {
    Block::Para(vec![t(s)])
}
fn list(items: Vec<Vec<Inline>>) -> Block {
    Block::List(items)
}

fn join_words(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

/// A language tag with its English name, for the common ones.
fn language_name(tag: &str) -> String {
    let primary = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let name = match primary.as_str() {
        "en" => "English",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        "it" => "Italian",
        "nl" => "Dutch",
        "pt" => "Portuguese",
        "ru" => "Russian",
        "ja" => "Japanese",
        "zh" => "Chinese",
        "ko" => "Korean",
        _ => return tag.to_owned(),
    };
    format!("{name} ({tag})")
}

fn report_field(f: ReportField) -> &'static str {
    match f {
        ReportField::Description => "a short description of the vulnerability",
        ReportField::TestedVersions => "the versions you tested, and which of them were vulnerable",
        ReportField::ProofOfConcept => {
            "a proof of concept that shows whether the vulnerability is present"
        }
        ReportField::ReproductionSteps => "the steps to reproduce it",
        ReportField::Impact => "what an attacker can achieve with it",
        ReportField::Patch => "a minimal patch that fixes it",
        ReportField::ThreatModelCitation => {
            "which threat-model criteria you considered (see Scope)"
        }
    }
}

/// What a request field asks for, in the applicant's words.
pub fn request_field_prompt(f: RequestField) -> &'static str {
    match f {
        RequestField::FullName => "your full, real name",
        RequestField::Organisation => "the name of the organisation you represent, if any",
        RequestField::Role => "your role within that organisation",
        RequestField::GroupCriteria => {
            "a detailed explanation of how you or your organisation fit at least one of the groups above"
        }
        RequestField::Reason => {
            "a detailed explanation of why you are requesting security notifications"
        }
        RequestField::Address => "the e-mail address you would like added to the list",
        RequestField::AddressHandling => {
            "who will receive and review mail sent to that address, and any automated actions it triggers (such as filing a confidential issue in a bug tracker)"
        }
        RequestField::PublicKey => {
            "for individuals, the ID of an OpenPGP public key associated with your address, used to verify mail from you and encrypt mail to you"
        }
    }
}

fn scope_area(a: ScopeArea) -> &'static str {
    match a {
        ScopeArea::ReleasedSoftware => "the released software",
        ScopeArea::DeployedSites => "deployed websites and online services",
        ScopeArea::RepositoryAndCi => {
            "the source repository itself: its settings, CI/CD workflows and automation"
        }
        ScopeArea::Documentation => {
            "the documentation, where it could lead users into insecure use"
        }
    }
}

fn exclusion(e: Exclusion) -> &'static str {
    match e {
        Exclusion::DocumentedBehaviour => "documented behaviour",
        Exclusion::ExperimentalFeatures => "features marked experimental",
        Exclusion::UnsupportedPlatforms => "issues that affect only unsupported platforms",
        Exclusion::UnsupportedVersions => {
            "versions that are no longer supported (see Supported versions)"
        }
        Exclusion::DependencyVulnerabilities => {
            "vulnerabilities in dependencies, unless the project's use of the dependency interferes with its secure use"
        }
        Exclusion::NonProductionCode => "code unlikely to be used in a production program",
        Exclusion::MaliciousLaunchConditions => {
            "attacks that need malicious control of launch conditions (command-line arguments, environment variables, files on the target system)"
        }
    }
}

fn status_word(s: SeriesStatus) -> &'static str {
    match s {
        SeriesStatus::Development => "development",
        SeriesStatus::Prerelease => "pre-release",
        SeriesStatus::Bugfix => "bug and security fixes",
        SeriesStatus::Security => "security fixes only",
        SeriesStatus::Lts => "long-term support",
        SeriesStatus::EndOfLife => "end of life",
    }
}

/// The whole SECURITY.md / policy page for a policy.
pub fn security_policy(p: &Policy, ctx: &RenderContext) -> Document {
    let name = &p.project.name;
    let sections = [
        reporting(p, ctx),
        what_to_include(p, ctx),
        scope(p, ctx),
        what_happens_next(p, ctx),
        supported_versions(p, ctx),
        severity(p, ctx),
        disclosure(p, ctx),
        notification_list(p, ctx),
        staying_informed(p, ctx),
    ]
    .concat();

    Document {
        title: format!("Security policy for {name}"),
        sections,
    }
}

/// Reporting a vulnerability: the channels, the acknowledgement, the languages.
fn reporting(p: &Policy, ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let name = &p.project.name;
    let mut blocks = Vec::new();
    let mut intro = vec![t(format!(
        "Please report security vulnerabilities in {name} privately."
    ))];
    if !p.contact.do_not_report_to.is_empty() || p.project.public_tracker.is_some() {
        let mut places = p.contact.do_not_report_to.clone();
        if places.is_empty() {
            places.push("the public issue tracker".into());
        }
        intro.push(t(format!(
            " Do not report them in {}",
            join_words(&places, "or")
        )));
        if let Some(tracker) = &p.project.public_tracker {
            intro.push(t(" ("));
            intro.push(link(tracker.clone(), tracker.clone()));
            intro.push(t(")"));
        }
        intro.push(t(
            ": that would tell attackers about the problem before a fix is available.",
        ));
    }
    blocks.push(para(intro));
    let addresses: Vec<String> = p
        .contact
        .addresses
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut ways = Vec::new();
    for channel in &p.contact.channels {
        match channel {
            Channel::WebForm => {
                let url = ctx.project_url(p, "report");
                ways.push(vec![t("The private report form: "), link(url.clone(), url), t(" (it works without JavaScript; you get a private link to follow your report).")]);
            }
            Channel::Email => {
                let whom = if addresses.len() > 1 {
                    format!("all of {}", join_words(&addresses, "and"))
                } else {
                    join_words(&addresses, "and")
                };
                ways.push(vec![t(format!(
                    "E-mail to {whom}. Mail sent there reaches the whole security team."
                ))]);
            }
            Channel::EncryptedEmail => {
                let mut item = vec![t(format!(
                    "OpenPGP-encrypted e-mail to {}",
                    join_words(&addresses, "and")
                ))];
                if let Some(k) = &p.contact.openpgp {
                    if let Some(id) = &k.key_id {
                        item.push(t(", key ID "));
                        item.push(code(id.clone()));
                    }
                    if let Some(fp) = &k.fingerprint {
                        item.push(t(", fingerprint "));
                        item.push(code(fp.clone()));
                    }
                    if let Some(url) = &k.key_url {
                        item.push(t(", available at "));
                        item.push(link(url.clone(), url.clone()));
                    }
                    if let Some(published) = &k.published {
                        item.push(t(format!(", available from {published}")));
                    }
                    item.push(t(if k.required {
                        ". Encryption is required."
                    } else {
                        ". Encryption is optional."
                    }));
                }
                ways.push(item);
            }
        }
    }
    if !ways.is_empty() {
        blocks.push(text_para(if ways.len() > 1 {
            "Ways to report, in order of preference:"
        } else {
            "How to report:"
        }));
        blocks.push(list(ways));
    }
    let mut ack = vec![t(match p.clocks.acknowledge {
        Some(d) => format!(
            "You will receive an acknowledgement from a member of the security team within {d}."
        ),
        None => "You will receive an acknowledgement from a member of the security team.".into(),
    })];
    if p.process.ask_confidentiality {
        ack.push(t(
            " Please keep the issue confidential until it is announced.",
        ));
    }
    blocks.push(para(ack));
    let languages: Vec<String> = p
        .contact
        .languages
        .iter()
        .map(|tag| language_name(tag))
        .collect();
    blocks.push(text_para(format!(
        "Reports may be written in {}.",
        join_words(&languages, "or")
    )));
    sections.push(Section {
        title: "Reporting a vulnerability".into(),
        blocks,
    });

    sections
}

/// What a report must and should contain.
fn what_to_include(p: &Policy, _ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let r = &p.reports;
    let mut blocks = Vec::new();
    if !r.require.is_empty() {
        blocks.push(text_para("Your report must include:"));
        blocks.push(list(
            r.require
                .iter()
                .map(|f| vec![t(report_field(*f))])
                .collect(),
        ));
    }
    if !r.encourage.is_empty() {
        blocks.push(text_para("Ideally, also include:"));
        blocks.push(list(
            r.encourage
                .iter()
                .map(|f| vec![t(report_field(*f))])
                .collect(),
        ));
    }
    if r.refuse_reporter_severity {
        blocks.push(para(vec![b("Do not include a severity rating or CVSS score"), t(": the security team determines severity. A report that includes one is refused, with an explanation.")]));
    }
    let mut limits = vec![t(format!(
        "A report may be at most {}.",
        format_size(r.max_bytes)
    ))];
    if r.attachments.allowed_types.is_empty() || r.attachments.max_count == 0 {
        limits.push(t(
            " Attachments are not accepted; paste everything as text.",
        ));
    } else {
        limits.push(t(format!(
            " Attachments: at most {} files of {} each, of these types only: {}. No PDFs, binaries, notebooks or other files that cannot be reviewed safely as text.",
            r.attachments.max_count,
            format_size(r.attachments.max_bytes),
            r.attachments.allowed_types.join(", ")
        )));
    }
    blocks.push(para(limits));
    if !r.guidance.is_empty() {
        blocks.push(list(
            r.guidance.iter().map(|g| vec![t(g.clone())]).collect(),
        ));
    }
    sections.push(Section {
        title: "What to include".into(),
        blocks,
    });

    sections
}

/// Scope: what the threat model covers and excludes.
fn scope(p: &Policy, _ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut blocks = Vec::new();
    if !p.scope.covers.is_empty() {
        blocks.push(text_para("This policy covers:"));
        blocks.push(list(
            p.scope
                .covers
                .iter()
                .map(|a| vec![t(scope_area(*a))])
                .collect(),
        ));
    }
    if !p.scope.excludes.is_empty() {
        blocks.push(text_para("These are not treated as vulnerabilities:"));
        blocks.push(list(
            p.scope
                .excludes
                .iter()
                .map(|e| vec![t(exclusion(*e))])
                .collect(),
        ));
    }
    if !p.scope.notes.is_empty() {
        blocks.push(list(
            p.scope.notes.iter().map(|n| vec![t(n.clone())]).collect(),
        ));
    }
    if !p.threat_model.checks.is_empty() {
        let mut lead = vec![t(
            "Every report is triaged against this threat-model checklist, and the decision cites it.",
        )];
        if p.threat_model.reporters_cite {
            lead.push(t(" Before you report, check your finding against it and say which criteria you considered."));
        }
        if let Some(reference) = &p.threat_model.reference {
            lead.push(t(" Details: "));
            lead.push(link(reference.clone(), reference.clone()));
        }
        blocks.push(para(lead));
        blocks.push(list(
            p.threat_model
                .checks
                .iter()
                .map(|c| {
                    let mut item = vec![code(c.id.clone()), t(format!(": {}", c.criterion))];
                    if let Some(ex) = &c.example {
                        item.push(t(format!(" ({ex})")));
                    }
                    item
                })
                .collect(),
        ));
    }
    if !blocks.is_empty() {
        sections.push(Section {
            title: "Scope".into(),
            blocks,
        });
    }

    sections
}

/// What happens next: the clocks and steps after a report.
fn what_happens_next(p: &Policy, _ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let name = &p.project.name;
    let mut steps: Vec<Vec<Inline>> = Vec::new();
    let k = &p.clocks;
    if let Some(d) = k.acknowledge {
        steps.push(vec![b("Acknowledgement"), t(format!(" within {d}."))]);
    }
    if let Some(d) = k.decide {
        steps.push(vec![
            b("Decision"),
            t(format!(
                " (accepted, or rejected with the reason) within {d}."
            )),
        ]);
    }
    if let Some(d) = k.target_fix {
        steps.push(vec![
            b("Fix"),
            t(format!(": we aim to resolve the issue within {d}.")),
        ]);
    }
    if let Some(d) = k.reporter_may_disclose_after {
        steps.push(vec![
            b("Disclosure deadline"),
            t(format!(
                ": after {d} you may disclose the vulnerability publicly yourself."
            )),
        ]);
    }
    if p.process.reporter_dialogue {
        steps.push(vec![t("We keep you informed and answer your questions through your private report link until the issue is resolved.")]);
    }
    if p.process.freeze_development {
        steps.push(vec![t("Once a vulnerability is confirmed, all other development halts until a fix exists, including patches against the current release (a visible \"security release in progress\" state).")]);
    }
    if p.process.private_fork {
        steps.push(vec![t(
            "A verified vulnerability is fixed in a temporary private fork",
        )]);
        if p.process.review_before_merge {
            if let Some(last) = steps.last_mut() {
                last.push(t("; the fix is reviewed before it is merged."));
            }
        } else if let Some(last) = steps.last_mut() {
            last.push(t("."));
        }
    } else if p.process.review_before_merge {
        steps.push(vec![t(
            "Fixes are prepared privately and reviewed before they are merged.",
        )]);
    }
    if p.process.coordinate_with_affected_projects {
        steps.push(vec![t("If the issue affects other projects, we may contact their maintainers privately and coordinate our disclosure and resolution with theirs.")]);
    }
    if !p.threat_model.checks.is_empty()
        || p.scope.excludes.contains(&Exclusion::DocumentedBehaviour)
    {
        steps.push(vec![t("If the report is not a vulnerability, we tell you why, and you may then open a public issue.")]);
    }
    if p.conduct.discard_spam_silently {
        steps.push(vec![t("Spam and messages that are not vulnerability reports (such as requests for compliance or due-diligence work) are discarded without a reply.")]);
    }
    let mut blocks = vec![list(steps)];
    let u = &p.upstream;
    if u.contact_maintainer {
        let mut text = format!(
            "If the vulnerability is in a component {name} uses, we acknowledge your report, ask you to keep it confidential, and contact the component's developer or maintainer."
        );
        if !u.then.is_empty() {
            let wait = u
                .wait
                .map(|w| format!("within {w}"))
                .unwrap_or_else(|| "in a reasonable time".into());
            let serious = if u.only_if_serious {
                " and the vulnerability is serious"
            } else {
                ""
            };
            let remedies: Vec<String> = u
                .then
                .iter()
                .map(|r| match r {
                    UpstreamRemedy::WorkaroundDocs => {
                        "publish documentation explaining how to avoid the problem".to_owned()
                    }
                    UpstreamRemedy::PatchedVersion => "release a patched version".to_owned(),
                })
                .collect();
            text.push_str(&format!(
                " If they do not release a fixed version {wait}{serious}, we {}.",
                join_words(&remedies, "or, as a last resort,")
            ));
        }
        blocks.push(text_para(text));
    }
    if let Some(strikes) = p.conduct.strikes_before_ban {
        blocks.push(text_para(format!("Repeatedly ignoring this policy ({strikes} times) leads to future reports being rejected and the reporter being banned, regardless of technical merit.")));
    }
    sections.push(Section {
        title: "What happens next".into(),
        blocks,
    });

    sections
}

/// Supported versions: the series and their status today.
fn supported_versions(p: &Policy, ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let v = &p.versions;
    let mut blocks = Vec::new();
    if let Some(rule) = &v.rule {
        let mut parts = Vec::new();
        if rule.development {
            parts.push(match &v.development_branch {
                Some(branch) => format!("the development branch ({branch})"),
                None => "the development branch".into(),
            });
        }
        if rule.recent_series > 0 {
            parts.push(if rule.recent_series == 1 {
                "the most recent release series".into()
            } else {
                format!("the {} most recent release series", rule.recent_series)
            });
        }
        if rule.lts {
            parts.push("long-term support (LTS) series until their announced end date".into());
        }
        blocks.push(text_para(format!(
            "Security fixes are provided for {}.",
            join_words(&parts, "and")
        )));
    }
    let on = series_on(v, ctx.date);
    if !on.is_empty() {
        blocks.push(text_para(format!("On {}:", ctx.date)));
        blocks.push(Block::Table {
            head: vec![
                "Series".into(),
                "Status".into(),
                "Security fixes".into(),
                "Until".into(),
            ],
            rows: on
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        status_word(s.status).into(),
                        if s.supported {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        s.end
                            .filter(|_| s.supported && s.status != SeriesStatus::Development)
                            .map(|e| e.to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        });
    }
    if let Some(page) = &v.status_page {
        blocks.push(para(vec![
            t("The current status of each version: "),
            link(page.clone(), page.clone()),
        ]));
    }
    if v.affected_lists_supported_only {
        blocks.push(text_para("Advisories list affected supported versions only: older versions may also be affected, but they are not investigated and receive no patches."));
    }
    for case in &v.public_fix {
        blocks.push(text_para(match case {
            PublicFixCase::DevelopmentBranch => "Issues that affect only the development branch, and no released version, are fixed in public without going through the disclosure process.",
            PublicFixCase::Prerelease => "Issues that affect only pre-releases (alphas, betas, release candidates) are handled as regular public bugs, without an embargo.",
        }));
    }
    sections.push(Section {
        title: "Supported versions".into(),
        blocks,
    });

    sections
}

/// Severity: the levels, CVSS and CWE.
fn severity(p: &Policy, _ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let s = &p.severity;
    let mut blocks = Vec::new();
    if !s.levels.is_empty() {
        blocks.push(text_para("Severity levels:"));
        blocks.push(list(
            s.levels
                .iter()
                .map(|l| {
                    let mut item = vec![
                        b(l.name.clone()),
                        t(format!(": {}.", l.categories.join("; "))),
                    ];
                    if let Some(d) = &l.description {
                        item.push(t(format!(" {d}")));
                    }
                    item
                })
                .collect(),
        ));
    }
    if !s.cvss.is_empty() {
        let versions: Vec<String> = s.cvss.iter().map(|c| format!("CVSS v{c}")).collect();
        let cwe = if s.cwe {
            ", and classified with a CWE identifier"
        } else {
            ""
        };
        blocks.push(text_para(format!(
            "Accepted issues are scored with {}{cwe}.",
            join_words(&versions, "and")
        )));
    }
    if !blocks.is_empty() {
        sections.push(Section {
            title: "Severity".into(),
            blocks,
        });
    }

    sections
}

/// Disclosure: embargo bounds, dates and announcements.
fn disclosure(p: &Policy, ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let name = &p.project.name;
    let e = &p.embargo;
    let a = &p.announcements;
    let mut blocks = Vec::new();
    if e.announce_only_after_fix {
        blocks.push(text_para("Vulnerabilities are announced only once a fix (or a documented way to avoid the problem) is available."));
    }
    let list_names: Vec<String> = a.lists.iter().map(|l| l.name.clone()).collect();
    let mut steps = Vec::new();
    if a.pre_announce
        && let Some(lead) = e.pre_announcement_lead
    {
        steps.push(vec![t(format!(
            "About {lead} before disclosure, {} is told the date and approximate time (in {}) of the upcoming security release and the severity of the issues, without any details, so that organisations can have staff ready.",
            join_words(&list_names, "and"),
            e.time_zone
        ))]);
    }
    if p.notification_list.is_some() {
        let lead = e
            .pre_notification_lead
            .map(|d| format!("About {d} before disclosure, t"))
            .unwrap_or_else(|| "Before disclosure, t".into());
        steps.push(vec![t(format!("{lead}he confidential notification list (see below) receives an e-mail signed with the OpenPGP key of a release team member, containing a full description of the issue and the affected versions, the steps we will take to remedy it, the patches, and the date on which we will apply them, release, and disclose."))]);
    }
    if let Some(d) = e.exploited_lead {
        steps.push(vec![t(format!("If an issue is particularly time-sensitive, for example because it is exploited in the wild, the time between advance notification and disclosure may be shortened to as little as {d}."))]);
    }
    if let Some(d) = e.longest {
        steps.push(vec![t(format!("An embargo lasts at most {d}."))]);
    }
    if !steps.is_empty() {
        blocks.push(list(steps));
    }
    if !p.publication.disclosure_day.is_empty() {
        blocks.push(text_para("On the day of disclosure:"));
        blocks.push(list(
            p.publication
                .disclosure_day
                .iter()
                .map(|s| vec![t(s.clone())])
                .collect(),
        ));
    }
    let pb = &p.publication;
    let mut places: Vec<Vec<Inline>> = Vec::new();
    for place in &pb.publish_to {
        places.push(match place {
            PublishTo::ProjectPages => {
                let url = ctx.project_url(p, "advisories");
                vec![
                    t("the advisory archive at "),
                    link(url.clone(), url),
                    t(" (with an Atom feed and OSV, CVE and CSAF files)"),
                ]
            }
            PublishTo::Website => {
                let mut item = vec![t("a post on the project's website")];
                if let Some(w) = &pb.website {
                    item.push(t(" ("));
                    item.push(link(w.clone(), w.clone()));
                    item.push(t(")"));
                }
                if let Some(cat) = &pb.news_category {
                    item.push(t(format!(", in the \"{cat}\" category")));
                }
                item
            }
            PublishTo::CodeHost => vec![t("a security advisory on the code host's repository")],
        });
    }
    if !places.is_empty() {
        blocks.push(text_para("Advisories are published in:"));
        blocks.push(list(places));
    }
    if pb.archive {
        blocks.push(text_para(
            "Every disclosed issue stays in the public archive.",
        ));
    }
    let mut notices: Vec<String> = a
        .lists
        .iter()
        .map(|l| format!("{} ({})", l.name, l.address))
        .collect();
    notices.extend(a.disclosure_notices_to.iter().map(ToString::to_string));
    if !notices.is_empty() {
        blocks.push(text_para(format!(
            "Disclosure notices linking to the advisory go to {}.",
            join_words(&notices, "and")
        )));
    }
    let credit = match pb.credit_reporter {
        CreditReporter::IfWished => {
            "The reporter is credited in the advisory if they wish to be publicly identified."
        }
        CreditReporter::Always => "Advisories are published with attribution to the reporter.",
        CreditReporter::Never => "Advisories do not name the reporter.",
    };
    let collaborators = if pb.credit_collaborators {
        " Everyone who helped resolve the issue is credited as a collaborator."
    } else {
        ""
    };
    blocks.push(text_para(format!("{credit}{collaborators}")));
    let cve = &p.cve;
    let cve_text = match cve.cna {
        CnaMode::SelfAssigned => Some(format!(
            "{name} is a CVE Numbering Authority and assigns a CVE ID to each accepted vulnerability."
        )),
        CnaMode::Via => Some(format!(
            "Accepted vulnerabilities get a CVE ID assigned by the {} CNA.",
            cve.cna_name.clone().unwrap_or_default()
        )),
        CnaMode::Request => {
            Some("A CVE ID is requested for each accepted vulnerability.".to_owned())
        }
        CnaMode::None => None,
    };
    if let Some(mut text) = cve_text {
        if !cve.eligible_statuses.is_empty() {
            let statuses: Vec<String> = cve
                .eligible_statuses
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect();
            text.push_str(&format!(
                " Only versions with a status of {} are eligible.",
                join_words(&statuses, "or")
            ));
        }
        blocks.push(text_para(text));
    }
    sections.push(Section {
        title: "Disclosure".into(),
        blocks,
    });

    sections
}

/// The advance notification list: who may join and how.
fn notification_list(p: &Policy, ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    if let Some(nl) = &p.notification_list {
        let mut blocks = Vec::new();
        let mut intro = String::from(
            "Some people and organisations, primarily operating-system vendors and other distributors, are notified before disclosure.",
        );
        if nl.confidential {
            intro.push_str(
                " The list of recipients is confidential: it is not and will not be made public.",
            );
        }
        intro.push_str(" It is kept as small as possible; being a user is not enough reason to be on it — to hear about upcoming security releases, subscribe to the announcement list instead.");
        blocks.push(text_para(intro));
        blocks.push(text_para("Recipients fall into these groups:"));
        blocks.push(list(
            nl.groups
                .iter()
                .map(|g| {
                    let mut item = vec![b(g.name.clone()), t(format!(": {}", g.criteria))];
                    if g.case_by_case {
                        item.push(t(" (admitted case by case)"));
                    }
                    if g.generic_address_required {
                        item.push(t(
                            " A generic address is required, not an individual's personal address.",
                        ));
                    }
                    item
                })
                .collect(),
        ));
        for excluded in &nl.excluded {
            blocks.push(text_para(format!("Not admitted: {excluded}.")));
        }
        let apply = ctx.project_url(p, "notification-list/apply");
        let mut how = vec![
            t("To ask to join, use the request form at "),
            link(apply.clone(), apply),
        ];
        if let (Some(subject), Some(addr)) = (&nl.request_subject, p.contact.addresses.first()) {
            how.push(t(format!(
                ", or e-mail {addr} with the subject line \"{subject}\""
            )));
        }
        how.push(t(". Your request must include:"));
        blocks.push(para(how));
        blocks.push(list(
            nl.required_fields
                .iter()
                .map(|f| vec![t(request_field_prompt(*f))])
                .collect(),
        ));
        let mut after = Vec::new();
        if nl.incomplete_counts_against {
            after.push(
                "A failure to provide the required information counts against the request."
                    .to_owned(),
            );
        }
        if let Some(d) = p.clocks.membership_decision {
            after.push(format!(
                "You will be told the result of your request within {d}."
            ));
        }
        if nl.revocable_without_reason {
            after.push("Receiving notifications is a privilege that can be revoked at any time, with or without explanation.".to_owned());
        }
        if !after.is_empty() {
            blocks.push(text_para(after.join(" ")));
        }
        sections.push(Section {
            title: "Advance notification list".into(),
            blocks,
        });
    }

    sections
}

/// Announcements, and the code of conduct.
fn staying_informed(p: &Policy, _ctx: &RenderContext) -> Vec<Section> {
    let mut sections = Vec::new();
    let name = &p.project.name;
    let a = &p.announcements;
    if !a.lists.is_empty() {
        let mut items = Vec::new();
        for l in &a.lists {
            let mut item = vec![b(l.name.clone()), t(format!(" ({})", l.address))];
            if let Some(url) = &l.subscribe_url {
                item.push(t(": subscribe at "));
                item.push(link(url.clone(), url.clone()));
            }
            items.push(item);
        }
        sections.push(Section {
            title: "Staying informed".into(),
            blocks: vec![
                text_para(format!("Security releases of {name} are announced on:")),
                list(items),
            ],
        });
    }

    if let Some(coc) = &p.conduct.code_of_conduct {
        sections.push(Section {
            title: "Code of conduct".into(),
            blocks: vec![para(vec![t("Vulnerability reporting is subject to the code of conduct, even though communication is private: "), link(coc.clone(), coc.clone())])],
        });
    }
    sections
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn inlines_md(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(s) => md_escape(s),
            Inline::Strong(s) => format!("**{}**", md_escape(s)),
            Inline::Code(s) => format!("`{}`", s.replace('`', "'")),
            Inline::Link { text, url } if text == url => format!("<{url}>"),
            Inline::Link { text, url } => format!("[{}]({url})", md_escape(text)),
        })
        .collect()
}

fn inlines_html(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(s) => html_escape(s),
            Inline::Strong(s) => format!("<strong>{}</strong>", html_escape(s)),
            Inline::Code(s) => format!("<code>{}</code>", html_escape(s)),
            Inline::Link { text, url } => {
                format!("<a href=\"{}\">{}</a>", html_escape(url), html_escape(text))
            }
        })
        .collect()
}

impl Document {
    /// CommonMark text, suitable as a project's SECURITY.md.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", md_escape(&self.title));
        for section in &self.sections {
            out.push_str(&format!("\n## {}\n", md_escape(&section.title)));
            for block in &section.blocks {
                out.push('\n');
                match block {
                    Block::Para(parts) => out.push_str(&format!("{}\n", inlines_md(parts))),
                    Block::List(items) => {
                        for item in items {
                            out.push_str(&format!("- {}\n", inlines_md(item)));
                        }
                    }
                    Block::Table { head, rows } => {
                        out.push_str(&format!(
                            "| {} |\n",
                            head.iter()
                                .map(|h| md_escape(h))
                                .collect::<Vec<_>>()
                                .join(" | ")
                        ));
                        out.push_str(&format!("|{}\n", " --- |".repeat(head.len())));
                        for row in rows {
                            out.push_str(&format!(
                                "| {} |\n",
                                row.iter()
                                    .map(|c| md_escape(c))
                                    .collect::<Vec<_>>()
                                    .join(" | ")
                            ));
                        }
                    }
                }
            }
        }
        out
    }

    /// The sections as HTML (headings from `h2`), every string escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        for section in &self.sections {
            out.push_str(&format!(
                "<section>\n<h2>{}</h2>\n",
                html_escape(&section.title)
            ));
            for block in &section.blocks {
                match block {
                    Block::Para(parts) => {
                        out.push_str(&format!("<p>{}</p>\n", inlines_html(parts)))
                    }
                    Block::List(items) => {
                        out.push_str("<ul>\n");
                        for item in items {
                            out.push_str(&format!("<li>{}</li>\n", inlines_html(item)));
                        }
                        out.push_str("</ul>\n");
                    }
                    Block::Table { head, rows } => {
                        out.push_str("<table>\n<thead><tr>");
                        for h in head {
                            out.push_str(&format!("<th>{}</th>", html_escape(h)));
                        }
                        out.push_str("</tr></thead>\n<tbody>\n");
                        for row in rows {
                            out.push_str("<tr>");
                            for c in row {
                                out.push_str(&format!("<td>{}</td>", html_escape(c)));
                            }
                            out.push_str("</tr>\n");
                        }
                        out.push_str("</tbody>\n</table>\n");
                    }
                }
            }
            out.push_str("</section>\n");
        }
        out
    }
}

/// An RFC 9116 security.txt for the project, served at `canonical`; `served_key` is the
/// URL of the project key this instance serves, if it has one.
pub fn security_txt(
    p: &Policy,
    ctx: &RenderContext,
    canonical: &str,
    served_key: Option<&str>,
) -> String {
    let mut out = format!(
        "# Security contact for {}, published by Embargo from the project's security policy.\n",
        p.project.name.replace('\n', " ")
    );
    if !ctx.base_url.starts_with("https://") {
        out.push_str("# Note: this instance's public URL is not https://; RFC 9116 requires https:// web addresses. Set public_url.\n");
    }
    for channel in &p.contact.channels {
        match channel {
            Channel::WebForm => {
                out.push_str(&format!("Contact: {}\n", ctx.project_url(p, "report")))
            }
            Channel::Email => {
                for a in &p.contact.addresses {
                    out.push_str(&format!("Contact: mailto:{a}\n"));
                }
            }
            Channel::EncryptedEmail => {}
        }
    }
    let contacts_written = out.lines().any(|l| l.starts_with("Contact:"));
    if !contacts_written {
        for a in &p.contact.addresses {
            out.push_str(&format!("Contact: mailto:{a}\n"));
        }
    }
    let expires = ctx
        .now
        .saturating_add(jiff::SignedDuration::from_secs(
            p.security_txt.expires_after.as_seconds_i64(),
        ))
        .unwrap_or(ctx.now);
    let expires = jiff::Timestamp::from_second(expires.as_second()).unwrap_or(expires);
    out.push_str(&format!("Expires: {expires}\n"));
    match (served_key, &p.contact.openpgp) {
        (Some(url), _) => out.push_str(&format!("Encryption: {url}\n")),
        (None, Some(k)) => {
            if let Some(url) = &k.key_url {
                out.push_str(&format!("Encryption: {url}\n"));
            } else if let Some(fp) = &k.fingerprint {
                out.push_str(&format!("Encryption: openpgp4fpr:{fp}\n"));
            }
        }
        (None, None) => {}
    }
    if let Some(ack) = &p.security_txt.acknowledgments {
        out.push_str(&format!("Acknowledgments: {ack}\n"));
    }
    out.push_str(&format!(
        "Preferred-Languages: {}\n",
        p.contact.languages.join(", ")
    ));
    out.push_str(&format!("Canonical: {canonical}\n"));
    out.push_str(&format!("Policy: {}\n", ctx.project_url(p, "policy")));
    if let Some(h) = &p.security_txt.hiring {
        out.push_str(&format!("Hiring: {h}\n"));
    }
    out
}

/// The instance-wide security.txt when no single project speaks for the instance.
pub fn instance_security_txt(base_url: &str, now: jiff::Timestamp) -> String {
    let base = base_url.trim_end_matches('/');
    let expires = jiff::Timestamp::from_second(now.as_second() + 180 * 86400).unwrap_or(now);
    format!(
        "# This Embargo instance hosts the security policies of several projects.\n# Each project's contacts are listed at the address below.\nContact: {base}/\nExpires: {expires}\nCanonical: {base}/.well-known/security.txt\nPolicy: {base}/\n"
    )
}
