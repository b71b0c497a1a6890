//! Text rules shared by every input path that echoes what a person typed into a place
//! others read or trust: a name credited in a public advisory, a name greeted in mail the
//! project signs.

/// Invisible formatting characters (Unicode category Cf and their kin): bidirectional
/// overrides and isolates, zero-width spaces and joiners, the soft hyphen, the BOM. They
/// can make a name read differently from what it is.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Longest name a signed mail greets.
pub const GREETING_MAX: usize = 48;

/// A person's name as a mail the project signs may greet them: one line, without control
/// or invisible characters, without a link, at most [`GREETING_MAX`] characters — else
/// empty (the mail then greets no one). A public form or a `From:` header must not get
/// text of the sender's choosing signed with the project's key.
pub fn greeting_name(raw: &str) -> String {
    let line = raw.lines().next().unwrap_or("");
    let clean: String = line
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .collect();
    let clean = clean.trim();
    let lower = clean.to_lowercase();
    if clean.chars().count() > GREETING_MAX || lower.contains("://") || lower.contains("www.") {
        return String::new();
    }
    clean.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_one_short_line_without_links() {
        assert_eq!(greeting_name("  Ada Lovelace "), "Ada Lovelace");
        assert_eq!(greeting_name("Bob,\n\nThe team confirms …"), "Bob,");
        assert_eq!(greeting_name("Eve\u{202E}gnp.exe"), "Evegnp.exe");
        assert_eq!(greeting_name("get it at https://evil.example"), "");
        assert_eq!(greeting_name(&"x".repeat(GREETING_MAX + 1)), "");
        assert!(is_invisible('\u{200B}') && !is_invisible('a'));
    }
}
