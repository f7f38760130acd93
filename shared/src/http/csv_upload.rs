//! The bulk-upload form of `POST /orgs/{org}/invitations`: a CSV as
//! spreadsheets save it (CRLF or LF, quoted fields) with an `email` column and
//! optional `role` and `seat` columns, in any order and any case. Row problems
//! (a bad value, fewer or more fields than the header: spreadsheets export
//! such rows) become per-row `invalid` outcomes; only a file-level problem (a
//! broken UTF-8 or UTF-16 file, no `email` column, an unclosed quote, no data
//! rows, too many rows) is a 400 saying where.
//!
//! Files as saved ([`decode`]): UTF-8 with or without a BOM, UTF-16 with a BOM
//! (Excel's "Unicode text"), and anything else as Windows-1252 (Excel's "CSV"
//! on Windows), which every byte sequence is; the delimiter is the header
//! row's comma, semicolon (Excel in locales whose decimal mark is a comma) or
//! tab (Unicode text), whichever it has most. The answer says which it read.

use crate::domain::{Invalid, Role};
use crate::ops::OpError;
use crate::ops::invitations::pipeline::InviteRow;

pub const MAX_ROWS: usize = 10_000;

/// How a file was read: its encoding and delimiter, as the answer names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub encoding: &'static str,
    pub delimiter: u8,
}

impl Format {
    pub fn delimiter_name(self) -> &'static str {
        match self.delimiter {
            b';' => "semicolon",
            b'\t' => "tab",
            _ => "comma",
        }
    }
}

/// The rows of a CSV upload, and how the file was read.
pub fn parse(body: &[u8]) -> Result<(Vec<InviteRow>, Format), OpError> {
    let (text, encoding) = decode(body)?;
    let delimiter = delimiter(&text);
    let rows = parse_text(text.as_bytes(), delimiter)?;
    Ok((
        rows,
        Format {
            encoding,
            delimiter,
        },
    ))
}

/// The text of a file as saved, and the name of its encoding.
pub fn decode(body: &[u8]) -> Result<(String, &'static str), OpError> {
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), "utf-8")),
            Err(err) => Err(bad(format!(
                "the file starts as UTF-8 but is not (first invalid byte at offset {})",
                err.valid_up_to() + 3
            ))),
        };
    }
    for (bom, name, unit) in [
        (
            b"\xFF\xFE",
            "utf-16le",
            u16::from_le_bytes as fn([u8; 2]) -> u16,
        ),
        (b"\xFE\xFF", "utf-16be", u16::from_be_bytes),
    ] {
        if let Some(rest) = body.strip_prefix(bom) {
            if rest.len() % 2 != 0 {
                return Err(bad("the UTF-16 file ends in half a character".to_owned()));
            }
            let units = rest.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
            return char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map(|text| (text, name))
                .map_err(|_| bad("the UTF-16 file holds an unpaired surrogate".to_owned()));
        }
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text.to_owned(), "utf-8")),
        // UTF-8 with a broken byte, not Windows-1252: reading it as the
        // latter would turn its accented letters into other ones (and a
        // domain into another domain).
        Err(err) if has_utf8_multibyte(body) => Err(bad(format!(
            "the file is UTF-8 with an invalid byte at offset {}",
            err.valid_up_to()
        ))),
        Err(_) => Ok((
            body.iter().map(|&b| windows_1252(b)).collect(),
            "windows-1252",
        )),
    }
}

/// Whether `body` holds a well-formed UTF-8 sequence of two or more bytes,
/// which Windows-1252 text practically never does.
fn has_utf8_multibyte(body: &[u8]) -> bool {
    body.utf8_chunks().any(|chunk| !chunk.valid().is_ascii())
}

/// One Windows-1252 byte as a character (the WHATWG mapping: the five bytes
/// the code page leaves undefined map to the C1 controls of the same value).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// The header row's most frequent of comma, semicolon and tab (comma when
/// none, or on a tie with it).
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |d: char| header.chars().filter(|&c| c == d).count();
    [b';', b'\t']
        .into_iter()
        .filter(|&d| count(char::from(d)) > count(','))
        .max_by_key(|&d| count(char::from(d)))
        .unwrap_or(b',')
}

fn parse_text(body: &[u8], delimiter: u8) -> Result<Vec<InviteRow>, OpError> {
    if let Some(line) = unterminated_quote(body) {
        return Err(bad(format!("line {line}: a quoted field is never closed")));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
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

    fn parse(body: &[u8]) -> Result<Vec<InviteRow>, OpError> {
        super::parse(body).map(|(rows, _)| rows)
    }

    /// That the file was refused with a reason that mentions `place`.
    fn assert_refused_for(parsed: Result<Vec<InviteRow>, OpError>, place: &str) {
        match parsed {
            Err(OpError::Invalid { reason, .. }) => assert!(reason.0.contains(place), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
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
    fn excel_on_windows_saves_windows_1252_and_it_is_read_as_such() {
        // "José" as Excel on Windows writes it: é is 0xE9; ’ is 0x92.
        let body = b"name,email\nJos\xE9,jose@x.com\nO\x92Brien,ob@x.com\n";
        let (rows, format) = super::parse(body).unwrap();
        assert_eq!(format.encoding, "windows-1252");
        assert_eq!(emails(&rows), ["jose@x.com", "ob@x.com"]);
        assert_eq!(
            decode(body).unwrap().0,
            "name,email\nJosé,jose@x.com\nO’Brien,ob@x.com\n"
        );
    }

    #[test]
    fn excel_unicode_text_is_utf16_with_a_bom_and_tabs() {
        let text = "email\trole\r\nzoë@x.com\tadmin\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let (rows, format) = super::parse(&le).unwrap();
        assert_eq!(
            (format.encoding, format.delimiter_name()),
            ("utf-16le", "tab")
        );
        assert_eq!(emails(&rows), ["zoë@x.com"]);
        assert_eq!(rows[0].role, Ok(Role::Admin));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(super::parse(&be).unwrap().1.encoding, "utf-16be");
        assert!(matches!(
            super::parse(&le[..le.len() - 1]),
            Err(OpError::Invalid { .. })
        ));
    }

    #[test]
    fn semicolon_files_are_detected_and_commas_win_ties() {
        let (rows, format) = super::parse(b"email;role;seat\na@x.com;admin;true\n").unwrap();
        assert_eq!(format.delimiter_name(), "semicolon");
        assert_eq!(
            (rows[0].role.clone(), rows[0].seat.clone()),
            (Ok(Role::Admin), Ok(true))
        );
        let (_, format) = super::parse(b"email,note\na@x.com,\"x;y\"\n").unwrap();
        assert_eq!(format.delimiter_name(), "comma");
    }

    #[test]
    fn utf8_with_a_broken_byte_is_refused_not_read_as_windows_1252() {
        // "córdoba.es" in UTF-8, then one stray byte.
        assert_refused_for(
            parse(b"email\na@c\xC3\xB3rdoba.es\nb@x.com\xFF\n"),
            "offset 27",
        );
    }

    #[test]
    fn a_file_claiming_utf8_by_its_bom_must_be_utf8() {
        assert_refused_for(parse(b"\xEF\xBB\xBFemail\n\xff@x.com\n"), "offset 9");
    }

    #[test]
    fn an_unterminated_quote_says_where() {
        assert_refused_for(parse(b"email\na@x.com\n\"b@x.com\nc@x.com"), "line 3");
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
