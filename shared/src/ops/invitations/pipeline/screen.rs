//! Screening: each row as it arrived is parsed; invalid and duplicate rows
//! get their outcome here, the others become [`Candidate`]s.

use super::{Candidate, InviteRow, Outcome, RowResult};
use crate::domain::Email;
use std::collections::HashSet;

/// Parses each row: invalid and duplicate rows get their outcome now, the
/// others become candidates (their outcome is decided after the lookup).
pub(crate) fn screen(rows: Vec<InviteRow>) -> (Vec<RowResult>, Vec<Candidate>) {
    let mut results = Vec::with_capacity(rows.len());
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.into_iter().enumerate() {
        let parsed = Email::parse(&row.email).and_then(|email| Ok((email, row.role?, row.seat?)));
        let (email, outcome) = match parsed {
            Err(reason) => (
                row.email.trim().to_owned(),
                Outcome::Invalid(reason.to_string()),
            ),
            Ok((email, _, _)) if !seen.insert(email.clone()) => {
                (row.email.trim().to_owned(), Outcome::Duplicate)
            }
            Ok((email, role, seat)) => {
                let shown = email.to_string();
                candidates.push(Candidate {
                    index,
                    email,
                    role,
                    seat,
                });
                // Placeholder until the lookup decides.
                (shown, Outcome::Duplicate)
            }
        };
        results.push(RowResult {
            row: index + 1,
            email,
            outcome,
        });
    }
    (results, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Invalid, Role};

    fn row(email: &str) -> InviteRow {
        InviteRow {
            email: email.into(),
            role: Ok(Role::Member),
            seat: Ok(false),
        }
    }

    #[test]
    fn invalid_and_repeated_rows_are_settled_and_the_rest_become_candidates() {
        let bad_role = InviteRow {
            role: Err(Invalid::new("no such role")),
            ..row("carol@example.com")
        };
        let rows = vec![
            row(" Bob@Example.com "),
            row("not an address"),
            row("bob@example.com"),
            bad_role,
            row("dan@example.com"),
        ];
        let (results, candidates) = screen(rows);
        let outcomes: Vec<&str> = results.iter().map(|r| r.outcome.name()).collect();
        assert_eq!(
            outcomes,
            ["duplicate", "invalid", "duplicate", "invalid", "duplicate"],
            "candidates carry a placeholder until decided"
        );
        let rows: Vec<(usize, &str)> = candidates
            .iter()
            .map(|c| (c.index, c.email.as_str()))
            .collect();
        assert_eq!(rows, [(0, "bob@example.com"), (4, "dan@example.com")]);
        assert_eq!(results[2].email, "bob@example.com", "shown trimmed");
        assert_eq!(results[0].row, 1, "rows count from 1");
    }
}
