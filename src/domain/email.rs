//! E-mail addresses of team members, reporters and list members.
//!
//! An [`EmailAddress`] is a syntactically plausible `local@domain` address
//! (RFC 5321 §4.5.3.1 length limits, no whitespace or control characters, a
//! domain made of LDH labels), normalised to lower case so that it can serve
//! as a login identifier. Deliverability is proved by mail, not by parsing.

use std::fmt;
use std::str::FromStr;

/// A validated, lower-cased e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an e-mail address: {reason}")]
pub struct EmailError {
    input: String,
    reason: &'static str,
}

impl EmailAddress {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

fn refuse(input: &str, reason: &'static str) -> EmailError {
    let mut shown: String = input.chars().take(80).collect();
    if shown.len() < input.len() {
        shown.push('…');
    }
    EmailError {
        input: shown,
        reason,
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        if text.is_empty() {
            return Err(refuse(input, "it is empty"));
        }
        if text.len() > 254 {
            return Err(refuse(input, "it is longer than 254 characters"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse(input, "it contains spaces or control characters"));
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(refuse(input, "it has no `@`"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(refuse(
                input,
                "the part before `@` must be 1 to 64 characters",
            ));
        }
        if local.contains('@')
            || local.contains(['<', '>', '(', ')', ',', ';', ':', '"', '\\', '[', ']'])
        {
            return Err(refuse(
                input,
                "the part before `@` contains a character that needs quoting",
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(refuse(input, "the part before `@` has a misplaced dot"));
        }
        // An internationalised domain (RFC 5890) is kept in its ASCII form (punycode),
        // which is what DNS and every relay understand; a UTF-8 local part (RFC 6531)
        // is kept as it is.
        let ascii_domain;
        let domain = if domain.is_ascii() {
            domain
        } else {
            match url::Host::parse(domain) {
                Ok(url::Host::Domain(d)) => {
                    ascii_domain = d;
                    ascii_domain.as_str()
                }
                _ => return Err(refuse(input, "the part after `@` is not a domain name")),
            }
        };
        let labels_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(refuse(input, "the part after `@` is not a domain name"));
        }
        Ok(Self(format!(
            "{}@{}",
            local.to_lowercase(),
            domain.to_lowercase()
        )))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises() {
        let e: EmailAddress = " Security@Example.ORG ".parse().unwrap();
        assert_eq!(e.as_str(), "security@example.org");
        assert_eq!(e.domain(), "example.org");
        assert!("a+tag@localhost".parse::<EmailAddress>().is_ok());
    }

    #[test]
    fn accepts_international_addresses() {
        let e: EmailAddress = "Jürgen@Bücher.example".parse().unwrap();
        assert_eq!(e.as_str(), "jürgen@xn--bcher-kva.example");
        assert_eq!(e.domain(), "xn--bcher-kva.example");
        let e: EmailAddress = "用户@例子.广告".parse().unwrap();
        assert!(e.as_str().starts_with("用户@xn--"), "{e}");
    }

    #[test]
    fn refuses_with_reasons() {
        for bad in [
            "",
            "no-at-sign",
            "@example.org",
            "a@",
            "a b@example.org",
            "a@exa_mple.org",
            "a..b@example.org",
            "a@-x.org",
            "a@b@c.org",
        ] {
            assert!(bad.parse::<EmailAddress>().is_err(), "{bad} accepted");
        }
        let err = "x".parse::<EmailAddress>().unwrap_err().to_string();
        assert!(err.contains("no `@`"), "{err}");
    }

    proptest! {
        #[test]
        fn display_round_trips(local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", domain in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,2}") {
            prop_assume!(!local.contains(".."));
            let e: EmailAddress = format!("{local}@{domain}").parse().unwrap();
            prop_assert_eq!(e.to_string().parse::<EmailAddress>().unwrap(), e);
        }

        #[test]
        fn never_panics(text in ".*") {
            let _ = text.parse::<EmailAddress>();
        }
    }
}
