//! Patches as the team attaches them to a case: unified diffs (as `git diff` or
//! `git format-patch` write them), checked before they are stored — every file has
//! its `---`/`+++` header, every hunk header's line counts match its body — so the
//! pre-notification never carries a diff that does not apply.

/// What a checked diff holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffSummary {
    /// Files changed (the `+++` names, without `b/`).
    pub files: Vec<String>,
    /// Lines added.
    pub added: usize,
    /// Lines removed.
    pub removed: usize,
}

/// Parse `@@ -a,b +c,d @@` into (old count, new count).
fn hunk_counts(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let count = |r: &str| -> Option<usize> {
        match r.split_once(',') {
            Some((start, n)) => {
                start.parse::<usize>().ok()?;
                n.parse().ok()
            }
            None => {
                r.parse::<usize>().ok()?;
                Some(1)
            }
        }
    };
    Some((count(old)?, count(new)?))
}

/// Check a unified diff; the error names the line and what is wrong.
pub fn check(text: &str) -> Result<DiffSummary, String> {
    if text.len() > 1024 * 1024 {
        return Err(
            "the patch is larger than 1 MiB; attach it per file or link the private branch".into(),
        );
    }
    if text.contains('\0') {
        return Err(
            "the patch contains binary data; attach a text diff (git diff, without --binary)"
                .into(),
        );
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut files = Vec::new();
    let (mut added, mut removed) = (0, 0);
    let mut i = 0;
    let mut in_file = false;
    while i < lines.len() {
        let line = lines[i];
        if let Some(old) = line.strip_prefix("--- ") {
            let Some(new) = lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")) else {
                return Err(format!(
                    "line {}: `--- {old}` is not followed by a `+++` line",
                    i + 1
                ));
            };
            let name = new.split('\t').next().unwrap_or(new).trim();
            let name = name.strip_prefix("b/").unwrap_or(name);
            let name = if name == "/dev/null" {
                old.split('\t')
                    .next()
                    .unwrap_or(old)
                    .trim()
                    .trim_start_matches("a/")
            } else {
                name
            };
            files.push(name.to_owned());
            in_file = true;
            i += 2;
            continue;
        }
        if line.starts_with("@@") {
            if !in_file {
                return Err(format!(
                    "line {}: a hunk before any `---`/`+++` file header",
                    i + 1
                ));
            }
            let Some((mut old_n, mut new_n)) = hunk_counts(line) else {
                return Err(format!(
                    "line {}: `{}` is not a hunk header (@@ -start,count +start,count @@)",
                    i + 1,
                    line.chars().take(60).collect::<String>()
                ));
            };
            let header = i + 1;
            i += 1;
            while old_n > 0 || new_n > 0 {
                let Some(body) = lines.get(i) else {
                    return Err(format!(
                        "the hunk at line {header} ends early: {old_n} old and {new_n} new lines are missing"
                    ));
                };
                match body.chars().next() {
                    Some(' ') | None => {
                        if old_n == 0 || new_n == 0 {
                            return Err(format!(
                                "line {}: more context than the hunk header at line {header} counts",
                                i + 1
                            ));
                        }
                        old_n -= 1;
                        new_n -= 1;
                    }
                    Some('-') => {
                        if old_n == 0 {
                            return Err(format!(
                                "line {}: more removed lines than the hunk header at line {header} counts",
                                i + 1
                            ));
                        }
                        old_n -= 1;
                        removed += 1;
                    }
                    Some('+') => {
                        if new_n == 0 {
                            return Err(format!(
                                "line {}: more added lines than the hunk header at line {header} counts",
                                i + 1
                            ));
                        }
                        new_n -= 1;
                        added += 1;
                    }
                    Some('\\') => {} // "\ No newline at end of file"
                    Some(_) => {
                        return Err(format!(
                            "line {}: the hunk at line {header} ends early ({old_n} old and {new_n} new lines missing)",
                            i + 1
                        ));
                    }
                }
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    if files.is_empty() {
        return Err("this is not a unified diff: no `---`/`+++` file headers (make it with git diff or git format-patch)".into());
    }
    Ok(DiffSummary {
        files,
        added,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] Bound the header\n\n---\n src/parse.c | 3 ++-\n\ndiff --git a/src/parse.c b/src/parse.c\nindex 1..2 100644\n--- a/src/parse.c\n+++ b/src/parse.c\n@@ -10,4 +10,5 @@ int parse(void)\n {\n-    copy(buf, in);\n+    if (len > MAX) return -1;\n+    copy(buf, in, len);\n     return 0;\n }\n";

    #[test]
    fn a_format_patch_is_read() {
        let s = check(GOOD).unwrap();
        assert_eq!(s.files, vec!["src/parse.c"]);
        assert_eq!((s.added, s.removed), (2, 1));
    }

    #[test]
    fn broken_diffs_are_named() {
        assert!(
            check("just some text\n")
                .unwrap_err()
                .contains("not a unified diff")
        );
        let short = GOOD.replace("@@ -10,4 +10,5 @@", "@@ -10,4 +10,7 @@");
        assert!(
            check(&short).unwrap_err().contains("ends early"),
            "{}",
            check(&short).unwrap_err()
        );
        let long = GOOD.replace("@@ -10,4 +10,5 @@", "@@ -10,2 +10,5 @@");
        assert!(check(&long).unwrap_err().contains("hunk header at line"));
        let bad = GOOD.replace("@@ -10,4 +10,5 @@", "@@ nonsense @@");
        assert!(check(&bad).unwrap_err().contains("is not a hunk header"));
        assert!(
            check("--- a/x\nno plus line\n")
                .unwrap_err()
                .contains("not followed by a `+++`")
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,400}") {
            let _ = check(&s);
        }
    }
}
