//! The CWE list (MITRE's Common Weakness Enumeration), shipped with the binary from
//! `data/cwe/cwe.tsv` (weaknesses and categories with their names; see
//! `data/cwe/NOTICE`). Cases record a CWE id; the name shown beside it comes from here.

use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/cwe/cwe.tsv");

/// One CWE entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cwe {
    /// Numeric id (`79` for CWE-79).
    pub id: u32,
    /// `weakness` or `category`.
    pub kind: &'static str,
    /// Pillar, Class, Base, Variant or Compound (weaknesses).
    pub abstraction: &'static str,
    /// Stable, Draft, Incomplete, Obsolete, Deprecated.
    pub status: &'static str,
    /// The entry's name.
    pub name: &'static str,
}

impl Cwe {
    /// Whether a case may be filed under it (MITRE discourages categories and deprecated entries).
    pub fn assignable(&self) -> bool {
        self.kind == "weakness" && !matches!(self.status, "Deprecated" | "Obsolete")
    }
}

/// The CWE version shipped.
pub fn version() -> &'static str {
    DATA.lines()
        .next()
        .and_then(|l| l.strip_prefix("# CWE "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("unknown")
}

/// Every entry, by id.
pub fn all() -> &'static [Cwe] {
    static LIST: OnceLock<Vec<Cwe>> = OnceLock::new();
    LIST.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(Cwe {
                    id: f.next()?.parse().ok()?,
                    kind: f.next()?,
                    abstraction: f.next()?,
                    status: f.next()?,
                    name: f.next()?,
                })
            })
            .collect()
    })
}

/// Look an entry up by `79`, `CWE-79` or `cwe-79`.
pub fn lookup(text: &str) -> Result<&'static Cwe, String> {
    let t = text.trim();
    let digits = t
        .strip_prefix("CWE-")
        .or_else(|| t.strip_prefix("cwe-"))
        .unwrap_or(t);
    let id: u32 = digits
        .parse()
        .map_err(|_| format!("`{t}` is not a CWE id; write it as CWE-79 or 79"))?;
    let list = all();
    list.binary_search_by_key(&id, |c| c.id)
        .map(|i| &list[i])
        .map_err(|_| format!("CWE-{id} is not in the CWE list (version {})", version()))
}

/// Entries whose name or id contains `query` (case-insensitive), assignable ones only.
pub fn search(query: &str, limit: usize) -> Vec<&'static Cwe> {
    let q = query.trim().to_lowercase();
    all()
        .iter()
        .filter(|c| c.assignable())
        .filter(|c| {
            q.is_empty()
                || c.name.to_lowercase().contains(&q)
                || format!("cwe-{}", c.id).contains(&q)
        })
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_and_sorted() {
        let list = all();
        assert!(list.len() > 1300, "{}", list.len());
        assert!(list.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(version(), "4.14");
    }

    #[test]
    fn lookups() {
        let xss = lookup("CWE-79").unwrap();
        assert!(xss.name.contains("Cross-site Scripting"));
        assert!(xss.assignable());
        assert_eq!(lookup("89").unwrap().id, 89);
        assert!(
            lookup("CWE-999999")
                .unwrap_err()
                .contains("not in the CWE list")
        );
        assert!(lookup("XSS").unwrap_err().contains("not a CWE id"));
        assert!(!lookup("CWE-1").unwrap().assignable());
        assert!(
            search("regular expression", 10)
                .iter()
                .any(|c| c.id == 1333)
        );
    }
}
