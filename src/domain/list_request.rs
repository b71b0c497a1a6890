//! A request to join a project's confidential pre-notification list, checked against
//! the policy's `[notification_list]` (docs/policy.md), and the flags that help a
//! reviewer decide it.
//!
//! [`problems`] lists what is missing or inconsistent (the applicant sees these and
//! must fix them; the attempt is recorded). [`flags`] are hints for the reviewer, not
//! refusals: an organisation applying with a personal address, an address that looks
//! like a public list or tracker, an applicant that looks like an entity the policy
//! excludes (security scanning and audit firms), a duplicate of an existing member.
//! Both are pure: the key's facts come in as [`KeyFacts`], the members as a slice.

use super::email::EmailAddress;
use super::policy::{NotificationList, RequestField};

/// The applicant's answers, as submitted (trimmed by the caller's form parsing).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Application {
    /// Full, real name.
    #[serde(default)]
    pub name: String,
    /// Organisation represented (empty for an individual).
    #[serde(default)]
    pub organisation: String,
    /// Role in the organisation.
    #[serde(default)]
    pub org_role: String,
    /// The group claimed (a policy group id).
    #[serde(default)]
    pub group: String,
    /// Applying as an individual rather than for an organisation.
    #[serde(default)]
    pub individual: bool,
    /// How they fit the group's criteria.
    #[serde(default)]
    pub criteria: String,
    /// Why they need the notifications.
    #[serde(default)]
    pub reason: String,
    /// The address to add.
    #[serde(default)]
    pub email: String,
    /// Who receives mail at that address and what automated actions it triggers.
    #[serde(default)]
    pub address_handling: String,
    /// Armored OpenPGP public key.
    #[serde(default)]
    pub public_key: String,
    /// The key's ID or fingerprint, as the applicant states it.
    #[serde(default)]
    pub key_id: String,
}

/// What the key turned out to be (from `pgp::KeyInfo`, or why it could not be used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFacts {
    /// No key given.
    None,
    /// A usable encryption key.
    Usable {
        /// Upper-case hex fingerprint.
        fingerprint: String,
        /// Its user IDs.
        user_ids: Vec<String>,
    },
    /// Given but unusable: unparsable, expired, revoked or unable to encrypt.
    Unusable(String),
}

/// One problem with a request: the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The form field (`name`, `organisation`, …).
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Longest answer accepted in a free-text field.
pub const MAX_ANSWER: usize = 8 * 1024;

fn field_of(f: RequestField) -> &'static str {
    match f {
        RequestField::FullName => "name",
        RequestField::Organisation => "organisation",
        RequestField::Role => "org_role",
        RequestField::GroupCriteria => "criteria",
        RequestField::Reason => "reason",
        RequestField::Address => "email",
        RequestField::AddressHandling => "address_handling",
        RequestField::PublicKey => "public_key",
    }
}

/// Normalise a key ID or fingerprint as people write them (`0x…`, spaces) to upper hex.
pub fn normalise_key_id(id: &str) -> String {
    id.trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// Missing or inconsistent answers; empty when the request can go to review.
pub fn problems(list: &NotificationList, a: &Application, key: &KeyFacts) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, message: String| out.push(Problem { field, message });
    let group = list.groups.iter().find(|g| g.id == a.group);
    if group.is_none() {
        let names: Vec<&str> = list.groups.iter().map(|g| g.name.as_str()).collect();
        push(
            "group",
            format!(
                "choose the group you claim to belong to: {}",
                names.join("; ")
            ),
        );
    }
    for f in &list.required_fields {
        let (value, needed) = match f {
            RequestField::FullName => (&a.name, true),
            // An individual has no organisation, and no role in one.
            RequestField::Organisation | RequestField::Role => (
                if *f == RequestField::Organisation {
                    &a.organisation
                } else {
                    &a.org_role
                },
                !a.individual,
            ),
            RequestField::GroupCriteria => (&a.criteria, true),
            RequestField::Reason => (&a.reason, true),
            RequestField::Address => (&a.email, true),
            RequestField::AddressHandling => (&a.address_handling, true),
            // The key is checked below (individuals only, unless given).
            RequestField::PublicKey => continue,
        };
        if needed && value.trim().is_empty() {
            push(
                field_of(*f),
                format!(
                    "this is required: {}",
                    super::policy::document::request_field_prompt(*f)
                ),
            );
        }
    }
    for (field, text) in [
        ("name", &a.name),
        ("organisation", &a.organisation),
        ("org_role", &a.org_role),
        ("criteria", &a.criteria),
        ("reason", &a.reason),
        ("address_handling", &a.address_handling),
    ] {
        if text.len() > MAX_ANSWER {
            push(field, "shorten this answer to 8 KiB".into());
        }
    }
    let email: Option<EmailAddress> = if a.email.trim().is_empty() {
        None
    } else {
        match a.email.trim().parse() {
            Ok(e) => Some(e),
            Err(e) => {
                push("email", format!("{e}"));
                None
            }
        }
    };
    if let Some(g) = group
        && g.generic_address_required
        && a.individual
    {
        push(
            "individual",
            format!(
                "the group “{}” admits organisations with a generic security address, not individuals; choose another group or apply for your organisation",
                g.name
            ),
        );
    }
    let key_required = list.required_fields.contains(&RequestField::PublicKey)
        && (a.individual || list.individuals_need_key && a.organisation.trim().is_empty());
    let stated = normalise_key_id(&a.key_id);
    match key {
        KeyFacts::None => {
            if key_required {
                push(
                    "public_key",
                    "individuals must give their OpenPGP public key (armored, as `gpg --armor --export` prints it) and its ID".into(),
                );
            }
            if !stated.is_empty() {
                push(
                    "public_key",
                    "you gave a key ID but no key; paste the armored public key too".into(),
                );
            }
        }
        KeyFacts::Unusable(why) => push(
            "public_key",
            format!("the public key cannot be used: {why}; send a current key that can encrypt"),
        ),
        KeyFacts::Usable {
            fingerprint,
            user_ids,
        } => {
            if stated.is_empty() {
                push(
                    "key_id",
                    "give the key's ID or fingerprint, as `gpg --list-keys` shows it".into(),
                );
            } else if stated.len() < 16
                || !stated.chars().all(|c| c.is_ascii_hexdigit())
                || !fingerprint.ends_with(&stated)
            {
                push(
                    "key_id",
                    format!(
                        "the key ID `{}` does not match the key you sent (its fingerprint is {fingerprint}); give its long ID or fingerprint",
                        a.key_id.trim()
                    ),
                );
            }
            if let Some(e) = &email {
                let wanted = format!("<{}>", e.as_str());
                if !user_ids
                    .iter()
                    .any(|u| u.to_lowercase().contains(&wanted) || u.to_lowercase() == e.as_str())
                {
                    push(
                        "public_key",
                        format!(
                            "the key is not associated with {e}: none of its user IDs ({}) names that address",
                            user_ids.join(", ")
                        ),
                    );
                }
            }
        }
    }
    out
}

/// A hint for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flag {
    /// Short kind: `personal-address`, `public-list`, `excluded`, `duplicate`, `incomplete-before`.
    pub kind: String,
    /// The explanation shown to the reviewer.
    pub note: String,
}

/// A current member, as far as duplicate detection needs it.
pub struct ExistingMember<'a> {
    /// Address.
    pub email: &'a str,
    /// Organisation.
    pub organisation: &'a str,
    /// Key fingerprint.
    pub fingerprint: Option<&'a str>,
}

const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "fastmail.com",
    "aol.com",
    "zoho.com",
    "tutanota.com",
];

const GENERIC_LOCAL: &[&str] = &[
    "security",
    "secure",
    "psirt",
    "cert",
    "csirt",
    "secalert",
    "security-team",
    "securityteam",
    "security-response",
    "vulnerabilities",
    "vuln",
    "distro",
    "distros",
    "packagers",
];

const LIST_LOCAL: &[&str] = &[
    "announce",
    "discuss",
    "users",
    "devel",
    "dev",
    "general",
    "list",
    "lists",
    "bugs",
    "bug",
    "issues",
    "tracker",
    "jira",
    "bugzilla",
    "tickets",
    "noreply",
    "no-reply",
    "notifications",
];

const LIST_DOMAINS: &[&str] = &[
    "googlegroups.com",
    "groups.io",
    "lists.sourceforge.net",
    "freelists.org",
    "github.com",
    "gitlab.com",
    "noreply.github.com",
    "atlassian.net",
];

/// Words that mark a security scanning, audit or research vendor.
const SCANNER_WORDS: &[&str] = &[
    "scan",
    "audit",
    "pentest",
    "penetration test",
    "bug bounty",
    "threat intel",
    "vulnerability research",
    "vulnerability intelligence",
    "vulnerability database",
    "security research",
    "offensive security",
    "red team",
];

fn looks_personal(local: &str, domain: &str, name: &str) -> Option<String> {
    if FREE_MAIL.contains(&domain) {
        return Some(format!("{domain} is a free-mail provider"));
    }
    let l = local.to_lowercase();
    if GENERIC_LOCAL.iter().any(|g| {
        l == *g
            || l.starts_with(&format!("{g}-"))
            || l.starts_with(&format!("{g}."))
            || l.starts_with(&format!("{g}_"))
    }) {
        return None;
    }
    let parts: Vec<String> = name
        .split(|c: char| !c.is_alphabetic())
        .filter(|p| p.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    if parts.iter().any(|p| l.contains(p.as_str())) {
        return Some(format!("`{local}@` contains the applicant's name"));
    }
    if l.contains('.') && l.split('.').all(|p| p.chars().all(char::is_alphabetic)) {
        return Some(format!(
            "`{local}@` looks like a person's address (first.last)"
        ));
    }
    None
}

/// Flags for a request that passed [`problems`]. `incomplete_before` is the number of
/// recorded incomplete attempts from the same address.
pub fn flags(
    list: &NotificationList,
    a: &Application,
    fingerprint: Option<&str>,
    members: &[ExistingMember<'_>],
    incomplete_before: usize,
) -> Vec<Flag> {
    let mut out = Vec::new();
    let email = a.email.trim().to_lowercase();
    let (local, domain) = email.split_once('@').unwrap_or((email.as_str(), ""));
    let group = list.groups.iter().find(|g| g.id == a.group);
    if ((!a.individual && !a.organisation.trim().is_empty())
        || group.is_some_and(|g| g.generic_address_required))
        && let Some(why) = looks_personal(local, domain, &a.name)
    {
        {
            out.push(Flag {
                kind: "personal-address".into(),
                note: format!(
                    "an organisation applying with what looks like a personal address ({why}); the policy asks for a generic security contact"
                ),
            });
        }
    }
    let l = local.to_lowercase();
    if LIST_LOCAL
        .iter()
        .any(|w| l == *w || l.ends_with(&format!("-{w}")) || l.starts_with(&format!("{w}-")))
        || LIST_DOMAINS
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
        || domain.starts_with("lists.")
    {
        out.push(Flag {
            kind: "public-list".into(),
            note: format!(
                "{email} looks like a public mailing list or tracker; such addresses must not receive pre-notifications"
            ),
        });
    }
    let text = format!(
        "{} {} {} {}",
        a.organisation, a.org_role, a.criteria, a.reason
    )
    .to_lowercase();
    let hits: Vec<&str> = SCANNER_WORDS
        .iter()
        .copied()
        .filter(|w| text.contains(w))
        .collect();
    if !hits.is_empty() && !list.excluded.is_empty() {
        out.push(Flag {
            kind: "excluded".into(),
            note: format!(
                "the answers mention {} — the policy excludes {}",
                hits.iter()
                    .map(|h| format!("“{h}”"))
                    .collect::<Vec<_>>()
                    .join(", "),
                list.excluded.join("; ")
            ),
        });
    }
    let org = a.organisation.trim().to_lowercase();
    for m in members {
        let why = if m.email == email {
            Some(format!("{email} is already a member"))
        } else if fingerprint.is_some() && m.fingerprint == fingerprint {
            Some(format!("the key is already on file for member {}", m.email))
        } else if !org.is_empty() && m.organisation.trim().to_lowercase() == org {
            Some(format!(
                "{} already has a member ({})",
                a.organisation.trim(),
                m.email
            ))
        } else {
            None
        };
        if let Some(note) = why {
            out.push(Flag {
                kind: "duplicate".into(),
                note,
            });
        }
    }
    if incomplete_before > 0 {
        out.push(Flag {
            kind: "incomplete-before".into(),
            note: format!(
                "{incomplete_before} earlier request(s) from this address lacked required information{}",
                if list.incomplete_counts_against {
                    " — the policy counts this against the request"
                } else {
                    ""
                }
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;

    fn django() -> NotificationList {
        let src = include_str!("../../examples/policies/django.toml");
        Policy::parse(src).unwrap().notification_list.unwrap()
    }

    fn complete() -> Application {
        Application {
            name: "Jane Packager".into(),
            organisation: "Example Linux".into(),
            org_role: "Security team lead".into(),
            group: "distributors".into(),
            individual: false,
            criteria: "We ship Django in Example Linux.".into(),
            reason: "To prepare updated packages before disclosure.".into(),
            email: "security@example-linux.org".into(),
            address_handling: "Our five-person security team; each mail opens a private ticket."
                .into(),
            public_key: String::new(),
            key_id: String::new(),
        }
    }

    #[test]
    fn a_complete_organisation_request_has_no_problems_and_no_flags() {
        let a = complete();
        assert_eq!(problems(&django(), &a, &KeyFacts::None), vec![]);
        assert_eq!(flags(&django(), &a, None, &[], 0), vec![]);
    }

    #[test]
    fn missing_answers_name_their_fields() {
        let a = Application {
            reason: String::new(),
            address_handling: " ".into(),
            group: "nope".into(),
            ..complete()
        };
        let fields: Vec<&str> = problems(&django(), &a, &KeyFacts::None)
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["group", "reason", "address_handling"]);
    }

    #[test]
    fn an_individual_needs_a_matching_key_for_their_address() {
        let a = Application {
            individual: true,
            organisation: String::new(),
            org_role: String::new(),
            group: "package-maintainers".into(),
            email: "jane@example.net".into(),
            key_id: "0x1111 2222 3333 4444".into(),
            ..complete()
        };
        let p = problems(&django(), &a, &KeyFacts::None);
        assert!(p.iter().any(|p| p.field == "public_key"), "{p:?}");
        let key = KeyFacts::Usable {
            fingerprint: "AAAABBBBCCCCDDDDEEEEFFFF0000999988887777".into(),
            user_ids: vec!["Jane <jane@example.net>".into()],
        };
        let p = problems(&django(), &a, &key);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("does not match"), "{p:?}");
        let ok = Application {
            key_id: "0x0000 9999 8888 7777".into(),
            ..a.clone()
        };
        assert_eq!(problems(&django(), &ok, &key), vec![]);
        let other_address = Application {
            email: "someone@example.net".into(),
            ..ok
        };
        let p = problems(&django(), &other_address, &key);
        assert!(p[0].message.contains("not associated"), "{p:?}");
        let p = problems(&django(), &a, &KeyFacts::Unusable("it has expired".into()));
        assert!(p.iter().any(|p| p.message.contains("expired")), "{p:?}");
    }

    #[test]
    fn individuals_cannot_claim_a_generic_address_group() {
        let a = Application {
            individual: true,
            ..complete()
        };
        let p = problems(&django(), &a, &KeyFacts::None);
        assert!(p.iter().any(|p| p.field == "individual"), "{p:?}");
    }

    #[test]
    fn flags_help_the_reviewer() {
        let kinds = |a: &Application, members: &[ExistingMember<'_>], before| {
            flags(&django(), a, None, members, before)
                .into_iter()
                .map(|f| f.kind)
                .collect::<Vec<_>>()
        };
        let personal = Application {
            email: "jane.packager@example-linux.org".into(),
            ..complete()
        };
        assert_eq!(kinds(&personal, &[], 0), ["personal-address"]);
        let gmail = Application {
            email: "elinux.sec@gmail.com".into(),
            ..complete()
        };
        assert_eq!(kinds(&gmail, &[], 0), ["personal-address"]);
        let list = Application {
            email: "example-linux-security@googlegroups.com".into(),
            ..complete()
        };
        assert_eq!(kinds(&list, &[], 0), ["public-list"]);
        let scanner = Application {
            organisation: "ScanCorp".into(),
            reason: "We run a vulnerability scanning service and audit customers.".into(),
            ..complete()
        };
        assert_eq!(kinds(&scanner, &[], 0), ["excluded"]);
        let member = ExistingMember {
            email: "security@example-linux.org",
            organisation: "Other",
            fingerprint: None,
        };
        assert_eq!(
            kinds(&complete(), &[member], 2),
            ["duplicate", "incomplete-before"]
        );
    }

    #[test]
    fn key_ids_normalise() {
        assert_eq!(normalise_key_id(" 0xab12 CD34 "), "AB12CD34");
    }
}
