//! What the reporter's page shows of their case besides the thread. The team chooses;
//! by default the planned disclosure date, the CVE ID and the credit are shown, and the
//! severity is not (it is the team's assessment to share when it is settled).

/// One fact the reporter may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The planned disclosure date.
    Date,
    /// The CVE ID.
    Cve,
    /// How the advisory will credit them.
    Credit,
    /// The severity (the project's level and CVSS scores).
    Severity,
}

impl Fact {
    /// Every fact, in the order the page lists them.
    pub const ALL: [Fact; 4] = [Fact::Date, Fact::Cve, Fact::Credit, Fact::Severity];

    /// Its name in the stored list and in forms.
    pub fn key(self) -> &'static str {
        match self {
            Fact::Date => "date",
            Fact::Cve => "cve",
            Fact::Credit => "credit",
            Fact::Severity => "severity",
        }
    }

    /// In words, for the team's form.
    pub fn label(self) -> &'static str {
        match self {
            Fact::Date => "the planned disclosure date",
            Fact::Cve => "the CVE ID",
            Fact::Credit => "how they will be credited",
            Fact::Severity => "the severity (level and CVSS)",
        }
    }
}

/// The facts shown, from the stored list (`None`: the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(Vec<Fact>);

impl Shown {
    /// From the stored column; unknown names are ignored.
    pub fn from_stored(stored: Option<&str>) -> Self {
        match stored {
            None => Self(vec![Fact::Date, Fact::Cve, Fact::Credit]),
            Some(list) => Self(
                Fact::ALL
                    .into_iter()
                    .filter(|f| list.split(',').any(|k| k.trim() == f.key()))
                    .collect(),
            ),
        }
    }

    /// From the facts chosen.
    pub fn of(facts: &[Fact]) -> Self {
        Self(
            Fact::ALL
                .into_iter()
                .filter(|f| facts.contains(f))
                .collect(),
        )
    }

    /// Whether `fact` is shown.
    pub fn shows(&self, fact: Fact) -> bool {
        self.0.contains(&fact)
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.0.iter().map(|f| f.key()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_keeps_severity_for_the_team_and_choices_round_trip() {
        let d = Shown::from_stored(None);
        assert!(d.shows(Fact::Date) && d.shows(Fact::Cve) && d.shows(Fact::Credit));
        assert!(!d.shows(Fact::Severity));
        let chosen = Shown::of(&[Fact::Severity, Fact::Date]);
        assert_eq!(chosen.to_stored(), "date,severity");
        assert_eq!(Shown::from_stored(Some("date,severity,bogus")), chosen);
        assert!(!Shown::from_stored(Some("")).shows(Fact::Date));
    }
}
