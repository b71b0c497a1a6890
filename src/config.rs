//! The instance configuration: built-in defaults, then an optional TOML file
//! (`--config embargo.toml`), then `EMBARGO_*` environment variables, each
//! layer overriding the one before. Every value is validated once, here; a
//! bad value yields one [`ConfigError`] naming the key, where it came from
//! and what would be valid. Secrets never appear in `Debug` or in
//! [`Config::describe`].

use crate::domain::duration::Duration;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Default,
    /// The configuration file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Env(var) => f.write_str(var),
            Self::Flag(flag) => f.write_str(flag),
        }
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration key `{key}` (from {origin}): {message}")]
pub struct ConfigError {
    /// The key, as written in the file.
    pub key: String,
    /// Where the bad value came from.
    pub origin: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// One configuration key: its file name, its default, whether it is secret, and what it means.
struct Key {
    name: &'static str,
    default: Option<&'static str>,
    secret: bool,
    help: &'static str,
}

const KEYS: &[Key] = &[
    Key {
        name: "data_dir",
        default: Some("./embargo-data"),
        secret: false,
        help: "directory for the SQLite database and key material",
    },
    Key {
        name: "database_url",
        default: None,
        secret: true,
        help: "sqlite://PATH or postgres://USER:PASSWORD@HOST/DB (default: embargo.sqlite in data_dir)",
    },
    Key {
        name: "public_url",
        default: None,
        secret: false,
        help: "the address people reach this instance at, used in links in mail (default: http:// and the listen address)",
    },
    Key {
        name: "listen",
        default: Some("127.0.0.1:8080"),
        secret: false,
        help: "address and port `serve` listens on",
    },
    Key {
        name: "secure_cookies",
        default: None,
        secret: false,
        help: "mark cookies Secure (default: true when public_url is https)",
    },
    Key {
        name: "trust_forwarded_for",
        default: Some("false"),
        secret: false,
        help: "take the client address from X-Forwarded-For (only behind a reverse proxy you run)",
    },
    Key {
        name: "require_two_factor",
        default: Some("true"),
        secret: false,
        help: "team members must enrol TOTP before using the team pages",
    },
    Key {
        name: "session_idle_timeout",
        default: Some("2 hours"),
        secret: false,
        help: "a session ends after this long without a request",
    },
    Key {
        name: "session_max_age",
        default: Some("12 hours"),
        secret: false,
        help: "a session ends this long after sign-in, whatever its use",
    },
    Key {
        name: "outbox_retention",
        default: Some("30 days"),
        secret: false,
        help: "the body of a sent mail is erased from the outbox this long after it was sent (its record stays)",
    },
    Key {
        name: "login_max_failures_per_account",
        default: Some("5"),
        secret: false,
        help: "failed sign-ins for one account within login_failure_window before it is locked for the rest of the window",
    },
    Key {
        name: "login_max_failures_per_ip",
        default: Some("20"),
        secret: false,
        help: "failed sign-ins from one address within login_failure_window before it is refused",
    },
    Key {
        name: "login_failure_window",
        default: Some("15 minutes"),
        secret: false,
        help: "the window the login limits count over",
    },
    Key {
        name: "log",
        default: Some("info"),
        secret: false,
        help: "log filter (tracing EnvFilter syntax, e.g. `info,embargo=debug`)",
    },
    Key {
        name: "smtp_url",
        default: None,
        secret: true,
        help: "SMTP relay: smtp://HOST:PORT (STARTTLS required, except to a loopback address), smtp://HOST:PORT?tls=none (plain, said explicitly), smtps://USER:PASS@HOST (implicit TLS); unset: mail stays queued",
    },
    Key {
        name: "mail_from",
        default: None,
        secret: false,
        help: "sender address of Embargo's mail (default: embargo@ the public URL's host)",
    },
    Key {
        name: "secret_key",
        default: None,
        secret: true,
        help: "base64 master key (32 bytes) sealing secret keys at rest; share it between processes (embargo secret generate)",
    },
    Key {
        name: "secret_key_file",
        default: None,
        secret: false,
        help: "file holding the master key when secret_key is unset (default: <data_dir>/secret.key, created on first need)",
    },
    Key {
        name: "reports_per_ip_per_hour",
        default: Some("10"),
        secret: false,
        help: "web-form reports accepted per client address per hour",
    },
    Key {
        name: "reports_per_hour",
        default: Some("500"),
        secret: false,
        help: "web-form reports per hour, all clients together, past which the log warns of a flood (reports are still taken)",
    },
    Key {
        name: "outbox_max_attempts",
        default: Some("8"),
        secret: false,
        help: "delivery attempts before a message is marked failed",
    },
    Key {
        name: "outbox_retry_base",
        default: Some("30 seconds"),
        secret: false,
        help: "first retry delay; each later one doubles (capped at 1 hour)",
    },
    Key {
        name: "outbox_concurrency",
        default: Some("32"),
        secret: false,
        help: "messages one worker sends at once, each over its own SMTP connection (at most 256; stay under the relay's per-client connection limit)",
    },
    Key {
        name: "outbox_lease",
        default: Some("2 minutes"),
        secret: false,
        help: "how long a worker holds a message it is sending before another may take it over",
    },
];

/// The validated configuration.
#[derive(Clone)]
pub struct Config {
    /// Directory for the SQLite database and key material.
    pub data_dir: PathBuf,
    /// The database to use.
    pub database: DatabaseUrl,
    /// The instance's public base URL, without a trailing slash.
    pub public_url: url::Url,
    /// Where `serve` listens.
    pub listen: SocketAddr,
    /// Whether cookies carry the `Secure` attribute.
    pub secure_cookies: bool,
    /// Whether to read the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Whether team members must enrol a second factor.
    pub require_two_factor: bool,
    /// Idle timeout of a web session.
    pub session_idle_timeout: Duration,
    /// Absolute lifetime of a web session.
    pub session_max_age: Duration,
    /// How long a sent mail's body stays in the outbox.
    pub outbox_retention: Duration,
    /// Failed logins per account per window.
    pub login_max_failures_per_account: u32,
    /// Failed logins per client address per window.
    pub login_max_failures_per_ip: u32,
    /// The login-limit window.
    pub login_failure_window: Duration,
    /// Log filter.
    pub log: String,
    /// SMTP relay URL (may carry a password), if mail is to be sent.
    pub smtp_url: Option<String>,
    /// Sender address of Embargo's mail.
    pub mail_from: crate::domain::email::EmailAddress,
    /// Base64 master key, if given directly.
    secret_key: Option<String>,
    /// Master key file.
    pub secret_key_file: PathBuf,
    /// Web-form reports per client address per hour.
    pub reports_per_ip_per_hour: u32,
    /// Web-form reports per hour in all.
    pub reports_per_hour: u32,
    /// Delivery attempts before failure.
    pub outbox_max_attempts: u32,
    /// First retry delay.
    pub outbox_retry_base: Duration,
    /// Worker lease.
    pub outbox_lease: Duration,
    /// Messages one worker sends at once (SMTP connections in its pool).
    pub outbox_concurrency: u32,
    sources: BTreeMap<&'static str, (String, Source)>,
}

/// Which database backend, and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server; the URL may carry a password.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parse `sqlite://PATH`, `sqlite:PATH` or `postgres://…`/`postgresql://…`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "an sqlite URL needs a file path, e.g. sqlite://./embargo-data/embargo.sqlite"
                        .into(),
                );
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            url::Url::parse(text).map_err(|e| format!("not a valid PostgreSQL URL ({e})"))?;
            return Ok(Self::Postgres(text.to_owned()));
        }
        Err("use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE".into())
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(text) => redact_url(text),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A URL with its password (if any) replaced by `***`.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database", &self.database)
            .field("public_url", &self.public_url.as_str())
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

/// Values given on the command line, which override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
}

impl Config {
    /// Load defaults, then `file` if given, then the process environment, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(file, &env, overrides)
    }

    /// As [`Config::load`], with the environment given explicitly (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: &[(String, String)],
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut values: BTreeMap<&'static str, (String, Source)> = BTreeMap::new();
        for key in KEYS {
            if let Some(default) = key.default {
                values.insert(key.name, (default.to_owned(), Source::Default));
            }
        }
        if let Some(path) = file {
            for (name, value) in read_file(path)? {
                values.insert(name, (value, Source::File(path.to_owned())));
            }
        }
        for key in KEYS {
            let var = format!("EMBARGO_{}", key.name.to_ascii_uppercase());
            if let Some((_, value)) = env.iter().rev().find(|(k, _)| *k == var) {
                values.insert(key.name, (value.clone(), Source::Env(var)));
            }
        }
        if let Some(listen) = &overrides.listen {
            values.insert("listen", (listen.clone(), Source::Flag("--listen")));
        }
        Self::validate(values)
    }

    fn validate(values: BTreeMap<&'static str, (String, Source)>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| values.get(name).map(|(v, s)| (v.as_str(), s));
        let fail = |name: &str, message: String| {
            let source = values
                .get(name)
                .map(|(_, s)| s.to_string())
                .unwrap_or_else(|| "default".into());
            ConfigError {
                key: name.to_owned(),
                origin: source,
                message,
            }
        };
        let text = |name: &'static str| get(name).map(|(v, _)| v.to_owned()).unwrap_or_default();
        let duration = |name: &'static str| -> Result<Duration, ConfigError> {
            let d: Duration = text(name).parse().map_err(|e| fail(name, format!("{e}")))?;
            if d.as_seconds() == 0 {
                return Err(fail(name, "must be longer than 0 seconds".into()));
            }
            Ok(d)
        };
        let boolean = |name: &'static str| -> Result<bool, ConfigError> {
            match text(name).to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                other => Err(fail(
                    name,
                    format!("`{other}` is not a boolean; use true or false"),
                )),
            }
        };
        let count = |name: &'static str| -> Result<u32, ConfigError> {
            let raw = text(name);
            match raw.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(fail(
                    name,
                    format!("`{raw}` is not a whole number of at least 1"),
                )),
            }
        };

        let data_dir = PathBuf::from(text("data_dir"));
        if data_dir.as_os_str().is_empty() {
            return Err(fail("data_dir", "must not be empty".into()));
        }
        let database = match get("database_url") {
            Some((raw, _)) => DatabaseUrl::parse(raw).map_err(|m| fail("database_url", m))?,
            None => DatabaseUrl::Sqlite(data_dir.join("embargo.sqlite")),
        };
        let listen_raw = text("listen");
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            fail(
                "listen",
                format!("`{listen_raw}` is not an address and port; use e.g. 127.0.0.1:8080 or [::]:8080"),
            )
        })?;
        let public_raw = match get("public_url") {
            Some((raw, _)) => raw.to_owned(),
            None => format!("http://{}", text("listen")),
        };
        let public_url = url::Url::parse(&public_raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                fail(
                    "public_url",
                    format!("`{public_raw}` is not an http(s) URL; use e.g. https://security.example.org"),
                )
            })?;
        let secure_cookies = if values.contains_key("secure_cookies") {
            boolean("secure_cookies")?
        } else {
            public_url.scheme() == "https"
        };
        let smtp_url = match get("smtp_url") {
            Some((raw, _)) => {
                let parsed = url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some());
                let Some(parsed) = parsed else {
                    return Err(fail("smtp_url", "use smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required or smtps://USER:PASS@HOST".into()));
                };
                Some(effective_smtp_url(parsed).map_err(|m| fail("smtp_url", m))?)
            }
            None => None,
        };
        let mail_from = match get("mail_from") {
            Some((raw, _)) => raw.parse().map_err(|e| fail("mail_from", format!("{e}")))?,
            None => format!("embargo@{}", public_url.host_str().unwrap_or("localhost"))
                .parse()
                .or_else(|_| "embargo@localhost".parse())
                .map_err(|e| fail("mail_from", format!("{e}")))?,
        };
        let secret_key = get("secret_key").map(|(v, _)| v.to_owned());
        if let Some(k) = &secret_key
            && let Err(e) = crate::vault::Vault::from_base64(k)
        {
            return Err(fail("secret_key", e.to_string()));
        }
        let secret_key_file = get("secret_key_file")
            .map(|(v, _)| PathBuf::from(v))
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let log = text("log");
        if tracing_subscriber::EnvFilter::try_new(&log).is_err() {
            return Err(fail(
                "log",
                format!("`{log}` is not a log filter; use e.g. info or info,embargo=debug"),
            ));
        }
        Ok(Self {
            data_dir,
            database,
            public_url,
            listen,
            secure_cookies,
            trust_forwarded_for: boolean("trust_forwarded_for")?,
            require_two_factor: boolean("require_two_factor")?,
            session_idle_timeout: duration("session_idle_timeout")?,
            session_max_age: duration("session_max_age")?,
            outbox_retention: duration("outbox_retention")?,
            login_max_failures_per_account: count("login_max_failures_per_account")?,
            login_max_failures_per_ip: count("login_max_failures_per_ip")?,
            login_failure_window: duration("login_failure_window")?,
            log,
            smtp_url,
            mail_from,
            secret_key,
            secret_key_file,
            reports_per_ip_per_hour: count("reports_per_ip_per_hour")?,
            reports_per_hour: count("reports_per_hour")?,
            outbox_max_attempts: count("outbox_max_attempts")?,
            outbox_retry_base: duration("outbox_retry_base")?,
            outbox_lease: duration("outbox_lease")?,
            outbox_concurrency: match count("outbox_concurrency")? {
                n if n <= 256 => n,
                n => {
                    return Err(fail(
                        "outbox_concurrency",
                        format!("`{n}` is more than 256 connections; use 1 to 256"),
                    ));
                }
            },
            sources: values,
        })
    }

    /// The master key that seals secrets at rest; with `create`, a missing key file is created.
    pub fn vault(&self, create: bool) -> Result<crate::vault::Vault, crate::vault::VaultError> {
        match &self.secret_key {
            Some(k) => crate::vault::Vault::from_base64(k),
            None => crate::vault::Vault::from_file(&self.secret_key_file, create),
        }
    }

    /// Whether `key` was set by a file, the environment or a flag (not left at its default).
    pub fn is_set(&self, key: &str) -> bool {
        self.sources
            .get(key)
            .is_some_and(|(_, s)| *s != Source::Default)
    }

    /// The public URL of `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), path)
    }

    /// The effective configuration, one `key = value  # source` line per key, secrets redacted.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for key in KEYS {
            let (value, source) = match (key.name, self.sources.get(key.name)) {
                ("database_url", Some((_, source))) => {
                    (self.database.redacted(), source.to_string())
                }
                ("database_url", None) => {
                    (self.database.redacted(), "derived from data_dir".into())
                }
                ("secure_cookies", None) => (
                    self.secure_cookies.to_string(),
                    "derived from public_url".into(),
                ),
                ("public_url", None) => (self.public_url.to_string(), "derived from listen".into()),
                ("smtp_url", Some((raw, source))) => (redact_url(raw), source.to_string()),
                ("mail_from", None) => {
                    (self.mail_from.to_string(), "derived from public_url".into())
                }
                ("secret_key_file", None) => (
                    self.secret_key_file.display().to_string(),
                    "derived from data_dir".into(),
                ),
                (_, Some((value, source))) if key.secret => (
                    format!("<redacted {} chars>", value.len()),
                    source.to_string(),
                ),
                (_, Some((value, source))) => (value.clone(), source.to_string()),
                (_, None) => (String::new(), "unset".into()),
            };
            out.push_str(&format!(
                "{} = {:?}    # {}; {}\n",
                key.name, value, source, key.help
            ));
        }
        for warning in self.warnings() {
            out.push_str(&format!("# warning: {warning}\n"));
        }
        out
    }

    /// Settings that are valid but probably not what the operator wants.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let https = self.public_url.scheme() == "https";
        if https && self.listen.ip().is_loopback() && !self.trust_forwarded_for {
            out.push(format!(
                "public_url is https but Embargo listens on {}: it runs behind a proxy, yet trust_forwarded_for is off, so every client counts as the proxy for the per-address limits (reports, sign-in); set trust_forwarded_for = true if the proxy is yours and sets X-Forwarded-For",
                self.listen
            ));
        }
        out
    }
}

fn read_file(path: &Path) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let fail = |message: String| ConfigError {
        key: "--config".into(),
        origin: path.display().to_string(),
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| fail(format!("not valid TOML: {}", e.message())))?;
    let mut out = Vec::new();
    for (name, value) in table {
        let Some(key) = KEYS.iter().find(|k| k.name == name) else {
            let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
            return Err(ConfigError {
                key: name,
                origin: path.display().to_string(),
                message: format!("unknown key; the known keys are: {}", known.join(", ")),
            });
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError {
                    key: name,
                    origin: path.display().to_string(),
                    message: format!(
                        "expected a string, number or boolean, found {}",
                        other.type_str()
                    ),
                });
            }
        };
        out.push((key.name, value));
    }
    Ok(out)
}

/// The relay URL as the mail worker uses it (security review F15: no TLS must
/// be asked for, never the default). `smtp://` to a host that is not a loopback
/// address requires STARTTLS unless the URL says `tls=none` (or another `tls=`
/// value); to a loopback address (a local MTA) it stays plain. `smtps://` is
/// implicit TLS.
pub fn effective_smtp_url(mut url: url::Url) -> Result<String, String> {
    if url.scheme() == "smtps" {
        return Ok(url.to_string());
    }
    let tls: Option<String> = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        // `smtp:` is not a special scheme: its host stays text, addresses included.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|a| a.is_loopback())
        }
        None => false,
    };
    match tls.as_deref() {
        Some("none") => {
            let rest: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if rest.is_empty() {
                url.set_query(None);
            } else {
                url.query_pairs_mut().clear().extend_pairs(rest);
            }
        }
        Some("required" | "opportunistic") => {}
        Some(other) => {
            return Err(format!(
                "tls={other} is not a TLS mode; use tls=required (STARTTLS), tls=opportunistic or tls=none"
            ));
        }
        None if !loopback => {
            url.query_pairs_mut().append_pair("tls", "required");
        }
        None => {}
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn smtp_needs_tls_unless_local_or_said_otherwise() {
        let eff = |u: &str| effective_smtp_url(url::Url::parse(u).unwrap());
        assert_eq!(
            eff("smtp://relay.example.org:587").unwrap(),
            "smtp://relay.example.org:587?tls=required"
        );
        assert_eq!(eff("smtp://127.0.0.1:25").unwrap(), "smtp://127.0.0.1:25");
        assert_eq!(eff("smtp://localhost:25").unwrap(), "smtp://localhost:25");
        assert_eq!(eff("smtp://[::1]:25").unwrap(), "smtp://[::1]:25");
        assert_eq!(
            eff("smtp://10.0.0.5:25").unwrap(),
            "smtp://10.0.0.5:25?tls=required"
        );
        assert_eq!(
            eff("smtp://relay.example.org:25?tls=none").unwrap(),
            "smtp://relay.example.org:25"
        );
        assert_eq!(
            eff("smtp://u:p@relay.example.org:587?tls=opportunistic").unwrap(),
            "smtp://u:p@relay.example.org:587?tls=opportunistic"
        );
        assert!(eff("smtp://relay.example.org?tls=maybe").is_err());
        assert_eq!(
            eff("smtps://relay.example.org").unwrap(),
            "smtps://relay.example.org"
        );
    }

    #[test]
    fn a_proxy_without_trusted_forwarding_is_warned_of() {
        let c = Config::load_from(
            None,
            &env(&[
                ("EMBARGO_PUBLIC_URL", "https://security.example.org"),
                ("EMBARGO_LISTEN", "127.0.0.1:8080"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert!(c.describe().contains("# warning: public_url is https"));
        let c = Config::load_from(
            None,
            &env(&[
                ("EMBARGO_PUBLIC_URL", "https://security.example.org"),
                ("EMBARGO_LISTEN", "127.0.0.1:8080"),
                ("EMBARGO_TRUST_FORWARDED_FOR", "true"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert!(c.warnings().is_empty());
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load_from(None, &[], &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            c.database,
            DatabaseUrl::Sqlite(PathBuf::from("./embargo-data/embargo.sqlite"))
        );
        assert!(!c.secure_cookies);
    }

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("embargo.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\npublic_url = \"https://sec.example.org\"\nlogin_max_failures_per_ip = 7\n").unwrap();
        let c = Config::load_from(
            Some(&file),
            &env(&[("EMBARGO_LISTEN", "127.0.0.1:9001")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(c.login_max_failures_per_ip, 7);
        assert!(c.secure_cookies, "https public URL implies Secure cookies");
        let c = Config::load_from(
            Some(&file),
            &env(&[("EMBARGO_LISTEN", "127.0.0.1:9001")]),
            &Overrides {
                listen: Some("127.0.0.1:9002".into()),
            },
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9002");
    }

    #[test]
    fn bad_values_name_key_and_source() {
        let err = Config::load_from(
            None,
            &env(&[("EMBARGO_LISTEN", "nowhere")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.key, "listen");
        assert_eq!(err.origin, "EMBARGO_LISTEN");
        assert!(err.to_string().contains("127.0.0.1:8080"), "{err}");

        let err = Config::load_from(
            None,
            &env(&[("EMBARGO_DATABASE_URL", "mysql://x")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.key, "database_url");
        assert!(err.message.contains("postgres://"), "{err}");

        let err = Config::load_from(
            None,
            &env(&[("EMBARGO_SESSION_IDLE_TIMEOUT", "soon")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.key, "session_idle_timeout");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("embargo.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = Config::load_from(Some(&file), &[], &Overrides::default()).unwrap_err();
        assert_eq!(err.key, "lisen");
        assert!(err.message.contains("listen"));
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config::load_from(
            None,
            &env(&[(
                "EMBARGO_DATABASE_URL",
                "postgres://embargo:hunter2hunter2@db.example.org/embargo",
            )]),
            &Overrides::default(),
        )
        .unwrap();
        assert!(!c.describe().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(
            c.describe()
                .contains("postgres://embargo:***@db.example.org/embargo")
        );
    }
}
