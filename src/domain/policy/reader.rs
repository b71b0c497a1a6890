//! A TOML reader that collects every error instead of stopping at the first.
//!
//! The policy file is parsed with `toml_edit`, which keeps the byte span of
//! every key and value. [`Reader`] walks it table by table: each getter takes
//! the table, its dotted path and a key, converts the value, and on failure
//! records a [`PolicyError`] with line, column, key and what would be valid,
//! then carries on, so `embargo policy check` can list all mistakes at once.

use super::PolicyError;
use crate::domain::duration::Duration;
use std::fmt::Display;
use std::ops::Range;
use std::str::FromStr;
use toml_edit::{Item, TableLike, Value};

/// Walks a parsed document and collects errors.
pub struct Reader<'s> {
    src: &'s str,
    /// Errors found so far, in document order of discovery.
    pub errors: Vec<PolicyError>,
}

/// `path.key`, or `key` at the top level.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset.min(src.len())).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "an array",
            Value::InlineTable(_) => "a table",
        },
    }
}

impl<'s> Reader<'s> {
    /// A reader over `src` (which the spans point into).
    pub fn new(src: &'s str) -> Self {
        Self {
            src,
            errors: Vec::new(),
        }
    }

    /// Record an error at `span` (or at the start of the file if there is none).
    pub fn error(&mut self, span: Option<Range<usize>>, key: &str, message: impl Into<String>) {
        let (line, column) = line_col(self.src, span.map(|s| s.start).unwrap_or(0));
        self.errors.push(PolicyError {
            line,
            column,
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// The span of `key`'s value in `table`, else of the key, else of the table.
    pub fn span_of(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
        table
            .get_key_value(key)
            .and_then(|(k, item)| item.span().or_else(|| k.span()))
    }

    /// Refuse keys not in `allowed`, naming the valid ones.
    pub fn only_keys(&mut self, table: &dyn TableLike, path: &str, allowed: &[&str]) {
        let unknown: Vec<(String, Option<Range<usize>>)> = table
            .iter()
            .filter(|(k, _)| !allowed.contains(k))
            .map(|(k, _)| (k.to_owned(), table.key(k).and_then(|key| key.span())))
            .collect();
        for (key, span) in unknown {
            let suggestion = closest(&key, allowed)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            self.error(
                span,
                &join(path, &key),
                format!(
                    "unknown key{suggestion}; the keys allowed here are: {}",
                    allowed.join(", ")
                ),
            );
        }
    }

    fn missing(
        &mut self,
        table: &dyn TableLike,
        table_span: Option<Range<usize>>,
        path: &str,
        key: &str,
        what: &str,
    ) {
        let _ = table;
        let where_ = if path.is_empty() {
            "at the top of the file".to_owned()
        } else {
            format!("in [{path}]")
        };
        self.error(
            table_span,
            &join(path, key),
            format!("missing; add {what} {where_}"),
        );
    }

    /// A sub-table (`[path.key]` or an inline table).
    pub fn table<'t>(
        &mut self,
        parent: &'t dyn TableLike,
        parent_span: Option<Range<usize>>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'t dyn TableLike> {
        match parent.get(key) {
            None => {
                if required {
                    self.missing(
                        parent,
                        parent_span,
                        path,
                        key,
                        &format!("a [{}] table", join(path, key)),
                    );
                }
                None
            }
            Some(item) => match item.as_table_like() {
                Some(t) => Some(t),
                None => {
                    self.error(
                        item.span(),
                        &join(path, key),
                        format!("expected a table, found {}", type_name(item)),
                    );
                    None
                }
            },
        }
    }

    /// An array of tables (`[[path.key]]` or an array of inline tables), with each table's span.
    pub fn tables<'t>(
        &mut self,
        parent: &'t dyn TableLike,
        path: &str,
        key: &str,
    ) -> Vec<(&'t dyn TableLike, Option<Range<usize>>)> {
        let Some(item) = parent.get(key) else {
            return Vec::new();
        };
        if let Some(aot) = item.as_array_of_tables() {
            return aot
                .iter()
                .map(|t| (t as &dyn TableLike, t.span()))
                .collect();
        }
        if let Some(array) = item.as_array() {
            let mut out = Vec::new();
            for v in array.iter() {
                match v.as_inline_table() {
                    Some(t) => out.push((t as &dyn TableLike, v.span())),
                    None => self.error(
                        v.span(),
                        &join(path, key),
                        "expected a table in this array, such as { name = \"…\" }",
                    ),
                }
            }
            return out;
        }
        self.error(
            item.span(),
            &join(path, key),
            format!(
                "expected an array of tables ([[{}]]), found {}",
                join(path, key),
                type_name(item)
            ),
        );
        Vec::new()
    }

    /// A string value.
    pub fn string(
        &mut self,
        table: &dyn TableLike,
        table_span: Option<Range<usize>>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let item = match table.get(key) {
            None => {
                if required {
                    self.missing(table, table_span, path, key, &format!("`{key} = \"…\"`"));
                }
                return None;
            }
            Some(item) => item,
        };
        match item.as_str() {
            Some(s) if s.trim().is_empty() => {
                self.error(item.span(), &join(path, key), "must not be empty");
                None
            }
            Some(s) => Some(s.to_owned()),
            None => {
                self.error(
                    item.span(),
                    &join(path, key),
                    format!("expected a string in quotes, found {}", type_name(item)),
                );
                None
            }
        }
    }

    /// A string parsed with `FromStr`; the parser's message says what is valid.
    pub fn parsed<T: FromStr>(
        &mut self,
        table: &dyn TableLike,
        table_span: Option<Range<usize>>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<T>
    where
        T::Err: Display,
    {
        let text = self.string(table, table_span, path, key, required)?;
        match text.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(Self::span_of(table, key), &join(path, key), e.to_string());
                None
            }
        }
    }

    /// A duration such as `"48 hours"`.
    pub fn duration(
        &mut self,
        table: &dyn TableLike,
        table_span: Option<Range<usize>>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<Duration> {
        self.parsed::<Duration>(table, table_span, path, key, required)
    }

    /// A boolean, `default` when absent.
    pub fn boolean(&mut self, table: &dyn TableLike, path: &str, key: &str, default: bool) -> bool {
        match table.get(key) {
            None => default,
            Some(item) => match item.as_bool() {
                Some(b) => b,
                None => {
                    self.error(
                        item.span(),
                        &join(path, key),
                        format!("expected true or false, found {}", type_name(item)),
                    );
                    default
                }
            },
        }
    }

    /// A whole number within `range`.
    pub fn integer(
        &mut self,
        table: &dyn TableLike,
        path: &str,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let item = table.get(key)?;
        match item.as_integer() {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.error(
                    item.span(),
                    &join(path, key),
                    format!(
                        "{n} is out of range; use a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
            None => {
                self.error(
                    item.span(),
                    &join(path, key),
                    format!("expected a whole number, found {}", type_name(item)),
                );
                None
            }
        }
    }

    /// A calendar date written as a TOML local date (`2028-04-30`).
    pub fn date(
        &mut self,
        table: &dyn TableLike,
        path: &str,
        key: &str,
    ) -> Option<jiff::civil::Date> {
        let item = table.get(key)?;
        let bad = |r: &mut Self| {
            r.error(
                item.span(),
                &join(path, key),
                "expected a date without quotes, such as 2028-04-30",
            )
        };
        let Some(dt) = item.as_datetime() else {
            bad(self);
            return None;
        };
        match (dt.date, dt.time) {
            (Some(d), None) => {
                match jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8) {
                    Ok(date) => Some(date),
                    Err(e) => {
                        self.error(
                            item.span(),
                            &join(path, key),
                            format!("not a valid date: {e}"),
                        );
                        None
                    }
                }
            }
            _ => {
                bad(self);
                None
            }
        }
    }

    /// An array of strings (each non-empty).
    pub fn strings(&mut self, table: &dyn TableLike, path: &str, key: &str) -> Vec<String> {
        self.string_items(table, path, key)
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    /// An array of strings with each element's span.
    pub fn string_items(
        &mut self,
        table: &dyn TableLike,
        path: &str,
        key: &str,
    ) -> Vec<(String, Option<Range<usize>>)> {
        let Some(item) = table.get(key) else {
            return Vec::new();
        };
        let Some(array) = item.as_array() else {
            self.error(
                item.span(),
                &join(path, key),
                format!(
                    "expected an array of strings such as [\"…\", \"…\"], found {}",
                    type_name(item)
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v.as_str() {
                Some(s) if !s.trim().is_empty() => out.push((s.to_owned(), v.span())),
                Some(_) => self.error(
                    v.span(),
                    &join(path, key),
                    "the array holds an empty string",
                ),
                None => self.error(
                    v.span(),
                    &join(path, key),
                    "every element must be a string in quotes",
                ),
            }
        }
        out
    }

    /// An array of strings each parsed with `FromStr`.
    pub fn parsed_list<T: FromStr>(
        &mut self,
        table: &dyn TableLike,
        path: &str,
        key: &str,
    ) -> Vec<T>
    where
        T::Err: Display,
    {
        let mut out = Vec::new();
        for (text, span) in self.string_items(table, path, key) {
            match text.parse::<T>() {
                Ok(v) => out.push(v),
                Err(e) => self.error(span, &join(path, key), e.to_string()),
            }
        }
        out
    }
}

/// The allowed name closest to `typed` (edit distance ≤ 2), for "did you mean".
fn closest<'a>(typed: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(typed, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("acknowlege", &["acknowledge", "decide"]),
            Some("acknowledge")
        );
        assert_eq!(closest("zzz", &["acknowledge"]), None);
    }
}
