//! Building URLs from values, and the rule for what a path parameter may be.
//!
//! No handler renders a URL from raw request input: path parameters reach page
//! handlers only through [`crate::http::pages::PagePath`], which admits plain
//! segments alone ([`is_plain_segment`]), and URLs are assembled with
//! [`path`], which percent-encodes every segment. Together they make a link
//! such as `…/key/..%2F..%2Fteam%2Fcases%2F3%2Fdisclosure%2Fpublish` a 404
//! instead of a form that posts somewhere else on the site.

use std::fmt::Write;

/// Whether a decoded path parameter is a plain segment: ASCII letters, digits,
/// `-`, `_`, `.`, `~`, 1–200 bytes, and not a dot segment (`.`, `..`).
/// Every identifier Embargo puts in a path (slugs, tokens, ids, advisory ids,
/// export names, WKD hashes and domains) is one.
pub fn is_plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes().any(|b| b != b'.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// One path segment, percent-encoded: everything but ASCII letters, digits,
/// `-`, `_`, `.`, `~` is escaped, and a dot segment (`.`, `..`, which browsers
/// resolve even when escaped) becomes `_`, a segment no route has.
pub fn segment(s: &str) -> String {
    if s.is_empty() || s.bytes().all(|b| b == b'.') {
        return "_".to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query string from pairs, each value percent-encoded like a segment (but an empty
/// value stays empty): `query(&[("q", "a b")])` is `q=a%20b`.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let mut out = format!("{k}=");
            for b in v.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// An absolute path from segments, each encoded with [`segment`]:
/// `path(&["p", slug, "notification-list", "key", token])`. A trailing `""`
/// gives a trailing slash.
pub fn path(segments: &[&str]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        out.push('/');
        if !(s.is_empty() && i + 1 == segments.len()) {
            out.push_str(&segment(s));
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_and_dot_segments_neutralised() {
        assert_eq!(segment("demo"), "demo");
        assert_eq!(segment("DEMO-2026-001.osv.json"), "DEMO-2026-001.osv.json");
        assert_eq!(segment("../team"), "..%2Fteam");
        assert_eq!(segment(".."), "_");
        assert_eq!(segment("."), "_");
        assert_eq!(segment("a\"<b>\0"), "a%22%3Cb%3E%00");
        assert_eq!(segment("é"), "%C3%A9");
        assert_eq!(
            path(&["p", "demo", "notification-list", "key", "../../team"]),
            "/p/demo/notification-list/key/..%2F..%2Fteam"
        );
        assert_eq!(path(&["p", "demo", ""]), "/p/demo/");
    }

    #[test]
    fn plain_segments() {
        for ok in ["demo", "Abc_-~.x", "12", "DEMO-2026-001.csaf.json"] {
            assert!(is_plain_segment(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a%2Fb", "a b", "a\"", "<", "\0", "é"] {
            assert!(!is_plain_segment(bad), "{bad:?}");
        }
        assert!(!is_plain_segment(&"a".repeat(201)));
    }
}
