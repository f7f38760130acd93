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
