//! The bulk-upload form of `POST /orgs/{org}/invitations`: a UTF-8 CSV (BOM
//! allowed, CRLF or LF, quoted fields) with an `email` column and optional
//! `role` and `seat` columns, in any order and any case. Row problems (a bad
//! value, fewer or more fields than the header: spreadsheets export such rows)
//! become per-row `invalid` outcomes; only a file-level problem (not UTF-8, no
//! `email` column, an unclosed quote, no data rows, too many rows) is a 400
//! saying where.

use crate::domain::{Invalid, Role};
use crate::ops::OpError;
use crate::ops::invitations::pipeline::InviteRow;

pub const MAX_ROWS: usize = 10_000;

pub fn parse(body: &[u8]) -> Result<Vec<InviteRow>, OpError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Err(err) = std::str::from_utf8(body) {
        return Err(bad(format!(
            "the file is not UTF-8 (first invalid byte at offset {})",
            err.valid_up_to()
        )));
    }
    if let Some(line) = unterminated_quote(body) {
        return Err(bad(format!("line {line}: a quoted field is never closed")));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("the header row cannot be read: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let email_col =
        column("email").ok_or_else(|| bad("the header row has no `email` column".to_owned()))?;
    let role_col = column("role");
    let seat_col = column("seat");

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(pos) => bad(format!("line {}: {}", pos.line(), e.kind_message())),
            None => bad(format!("the file cannot be read: {e}")),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(OpError::TooLarge(format!(
                "A CSV upload holds at most {MAX_ROWS} data rows."
            )));
        }
        let field = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
        let role = match field(role_col) {
            "" => Ok(Role::Member),
            raw => Role::parse(raw),
        };
        rows.push(InviteRow {
            email: field(Some(email_col)).to_owned(),
            // A ragged row is invalid whatever its values: a field may have shifted.
            role: ragged(record.len(), headers.len()).map_or(role, Err),
            seat: parse_seat(field(seat_col)),
        });
    }
    if rows.is_empty() {
        return Err(bad("the file has no data rows".to_owned()));
    }
    Ok(rows)
}

/// The line where a quoted field opens and never closes, if any. An escaped
/// quote (`""`) toggles twice, so counting toggles is enough.
fn unterminated_quote(body: &[u8]) -> Option<usize> {
    let mut line = 1;
    let mut open_at = None;
    for &b in body {
        match b {
            b'"' => open_at = if open_at.is_some() { None } else { Some(line) },
            b'\n' => line += 1,
            _ => {}
        }
    }
    open_at
}

/// Why a row with `fields` fields does not fit a header of `columns`, if it does not.
fn ragged(fields: usize, columns: usize) -> Option<Invalid> {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    (fields != columns).then(|| {
        Invalid(format!(
            "the row has {fields} field{} but the header has {columns} column{}",
            plural(fields),
            plural(columns)
        ))
    })
}

fn parse_seat(raw: &str) -> Result<bool, Invalid> {
    match raw.to_ascii_lowercase().as_str() {
        "" | "false" => Ok(false),
        "true" => Ok(true),
        _ => Err(Invalid::new("seat must be true or false")),
    }
}

fn bad(message: String) -> OpError {
    OpError::invalid("body", Invalid(message))
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_owned(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(rows: &[InviteRow]) -> Vec<&str> {
        rows.iter().map(|r| r.email.as_str()).collect()
    }

    #[test]
    fn bom_crlf_quotes_and_mixed_case_headers_are_read() {
        let body =
            b"\xEF\xBB\xBF Seat ,ROLE, Email \r\ntrue,admin,\"a@x.com\"\r\n,,\"b,c\"@x.com\r\n";
        let rows = parse(body).unwrap();
        assert_eq!(emails(&rows), ["a@x.com", "b,c@x.com"]);
        assert_eq!(rows[0].role, Ok(Role::Admin));
        assert_eq!(rows[0].seat, Ok(true));
        assert_eq!(rows[1].role, Ok(Role::Member));
    }

    #[test]
    fn a_missing_email_column_is_a_bad_request() {
        assert!(matches!(
            parse(b"mail\na@x.com\n"),
            Err(OpError::Invalid { .. })
        ));
    }

    #[test]
    fn a_row_with_missing_or_extra_fields_is_that_rows_problem() {
        let rows = parse(b"email,role\na@x.com,member\nb@x.com\nc@x.com,member,true\n").unwrap();
        assert_eq!(emails(&rows), ["a@x.com", "b@x.com", "c@x.com"]);
        assert_eq!(rows[0].role, Ok(Role::Member));
        let missing = rows[1].role.as_ref().unwrap_err();
        assert!(
            missing.0.contains("1 field but the header has 2"),
            "{missing}"
        );
        let extra = rows[2].role.as_ref().unwrap_err();
        assert!(extra.0.contains("3 fields but the header has 2"), "{extra}");
    }

    #[test]
    fn non_utf8_is_a_bad_request() {
        let err = parse(b"email\n\xff@x.com\n").unwrap_err();
        match err {
            OpError::Invalid { reason, .. } => assert!(reason.0.contains("offset 6"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_unterminated_quote_says_where() {
        let err = parse(b"email\na@x.com\n\"b@x.com\nc@x.com").unwrap_err();
        match err {
            OpError::Invalid { reason, .. } => assert!(reason.0.contains("line 3"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn more_than_ten_thousand_rows_is_too_large() {
        let mut body = String::from("email\n");
        for i in 0..=MAX_ROWS {
            body.push_str(&format!("u{i}@x.com\n"));
        }
        assert!(matches!(parse(body.as_bytes()), Err(OpError::TooLarge(_))));
    }

    #[test]
    fn bad_role_or_seat_marks_only_that_row() {
        let rows = parse(b"email,role,seat\na@x.com,owner,true\nb@x.com,member,maybe\n").unwrap();
        assert!(rows[0].role.is_err());
        assert!(rows[1].seat.is_err());
    }
}
