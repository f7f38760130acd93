//! Property tests for the parsers of outside input (issue 8): whatever the
//! bytes, they never panic, and what they accept round-trips. `Email` is
//! tested only through its public `parse`.

use proptest::prelude::*;
use roster::domain::{Email, InviteLink, OrgSlug};
use roster::http::csv_upload;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn csv_upload_never_panics_on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = csv_upload::parse(&body);
    }

    #[test]
    fn csv_upload_reads_every_row_of_a_well_formed_file_in_order(
        rows in proptest::collection::vec(("[a-z]{1,8}@[a-z]{1,8}\\.com", prop::option::of(0usize..3)), 1..40)
    ) {
        // Some rows are ragged (missing or extra fields): still one outcome per row.
        let mut body = String::from("email,role\n");
        for (email, shape) in &rows {
            match shape {
                None => body.push_str(&format!("{email},member\n")),
                Some(0) => body.push_str(&format!("{email}\n")),
                Some(n) => body.push_str(&format!("{email},member{}\n", ",x".repeat(*n))),
            }
        }
        let parsed = csv_upload::parse(body.as_bytes()).expect("a readable file");
        prop_assert_eq!(parsed.len(), rows.len());
        for (row, (email, shape)) in parsed.iter().zip(&rows) {
            prop_assert_eq!(&row.email, email);
            prop_assert_eq!(row.role.is_ok(), shape.is_none());
        }
    }

    #[test]
    fn org_slug_never_panics_and_what_it_accepts_round_trips(raw in any::<String>()) {
        if let Ok(slug) = OrgSlug::parse(&raw) {
            prop_assert_eq!(slug.as_str(), raw.as_str());
            prop_assert_eq!(OrgSlug::parse(slug.as_str()).unwrap(), slug);
        }
    }

    #[test]
    fn org_slug_accepts_its_documented_shape(raw in "[a-z0-9][a-z0-9-]{1,37}[a-z0-9]") {
        prop_assume!(!raw.contains("--"));
        prop_assert!(OrgSlug::parse(&raw).is_ok(), "{raw}");
    }

    #[test]
    fn email_never_panics_and_what_it_accepts_round_trips(raw in any::<String>()) {
        if let Ok(email) = Email::parse(&raw) {
            let again = Email::parse(email.as_str()).expect("a parsed email parses again");
            prop_assert_eq!(again.as_str(), email.as_str());
        }
    }

    #[test]
    fn email_of_a_plain_address_round_trips(raw in "[a-z]{1,10}(\\.[a-z]{1,5})?@[a-z]{1,10}\\.(com|org|io)") {
        let email = Email::parse(&raw).expect("a plain address");
        let again = Email::parse(email.as_str()).expect("parses again");
        prop_assert_eq!(again.as_str(), email.as_str());
    }

    #[test]
    fn invite_link_never_panics_and_what_it_accepts_round_trips(raw in any::<String>()) {
        if let Ok(link) = InviteLink::parse(&raw) {
            let token = link.to_token();
            let again = InviteLink::parse(&token).expect("its own token parses");
            prop_assert_eq!(again.to_token(), token);
        }
    }
}
