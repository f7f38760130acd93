//! Property tests for the parsers of outside input: whatever the
//! bytes, they never panic, and what they accept round-trips. `Email` is
//! tested only through its public `parse`; pagination cursors through the
//! store's real queries (`Query::start`, and `Query::cursor` for what
//! `Store::page` hands out) and `Cursor`; the authorizer's claims through
//! `identity::caller`, the entry point every route uses.

use chrono::Utc;
use lambda_http::{Body, Request};
use proptest::prelude::*;
use roster::domain::invitation::StatusFilter;
use roster::domain::{Email, InviteLink, OrgSlug, Role, UserId};
use roster::http::csv_upload;
use roster::http::identity;
use roster::ops::Caller;
use roster::store::keys::{
    AUDIT_PREFIX, INVITATION_PREFIX, MEMBER_PREFIX, TOKEN_PREFIX, invitations_gsi1pk, org_pk,
    tokens_gsi1pk,
};
use roster::store::members::MemberFilter;
use roster::store::{
    Cursor, InvalidCursor, Item, Query, Start, audit, invitations, members, tokens,
};
use std::collections::BTreeMap;

/// An item key of string attributes.
fn key(attrs: &[(&str, String)]) -> Item {
    attrs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), roster::store::attrs::s(value.clone())))
        .collect()
}

/// Real listing queries of one org, each with its distinct scope, and a key
/// that lies in its range built from `suffix`: `Err` for keys of the wrong
/// shape. Type-erased to their cursor handling.
type StartFn = dyn Fn(&str) -> Result<Option<Start>, InvalidCursor>;

struct Listing {
    name: &'static str,
    start: Box<StartFn>,
    cursor: Box<dyn Fn(&Item) -> Cursor>,
    key: fn(&OrgSlug, &str) -> Item,
}

fn listing<T: 'static>(
    name: &'static str,
    query: Query<T>,
    key: fn(&OrgSlug, &str) -> Item,
) -> Listing {
    let query = std::rc::Rc::new(query);
    let q = query.clone();
    Listing {
        name,
        start: Box::new(move |raw| q.start(Some(raw))),
        cursor: Box::new(move |k| query.cursor(k)),
        key,
    }
}

fn member_key(org: &OrgSlug, suffix: &str) -> Item {
    key(&[
        ("pk", org_pk(org)),
        ("sk", format!("{MEMBER_PREFIX}{suffix}")),
    ])
}

fn holder() -> UserId {
    UserId::parse("holder").unwrap()
}

fn listings(org: &OrgSlug) -> Vec<Listing> {
    let now = Utc::now();
    vec![
        listing(
            "members",
            members::listing(org, MemberFilter::default()),
            member_key,
        ),
        listing(
            "admins",
            members::listing(
                org,
                MemberFilter {
                    role: Some(Role::Admin),
                    ..Default::default()
                },
            ),
            member_key,
        ),
        listing(
            "seated",
            members::listing(
                org,
                MemberFilter {
                    seat: Some(true),
                    ..Default::default()
                },
            ),
            member_key,
        ),
        listing(
            "idle seats",
            members::listing(
                org,
                MemberFilter {
                    idle: Some((30, now)),
                    ..Default::default()
                },
            ),
            member_key,
        ),
        listing("audit", audit::listing(org), |org, suffix| {
            key(&[
                ("pk", org_pk(org)),
                ("sk", format!("{AUDIT_PREFIX}{suffix}")),
            ])
        }),
        listing(
            "invitations",
            invitations::listing(org, StatusFilter::All, now),
            |org, suffix| {
                key(&[
                    ("gsi1pk", invitations_gsi1pk(org)),
                    ("gsi1sk", suffix.to_owned()),
                    ("pk", org_pk(org)),
                    ("sk", format!("{INVITATION_PREFIX}{suffix}")),
                ])
            },
        ),
        listing("tokens", tokens::listing(org, &holder()), |org, suffix| {
            key(&[
                ("gsi1pk", tokens_gsi1pk(org, &holder())),
                ("gsi1sk", suffix.to_owned()),
                ("pk", org_pk(org)),
                ("sk", format!("{TOKEN_PREFIX}{suffix}")),
            ])
        }),
    ]
}

/// A cursor payload as `Cursor` encodes it, with whatever query and key.
fn forged_cursor(q: &str, k: &BTreeMap<String, String>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::json!({"q": q, "k": k}).to_string())
}

fn with_authorization(value: &[u8]) -> Option<Request> {
    let value = http::HeaderValue::from_bytes(value).ok()?;
    Some(
        http::Request::builder()
            .uri("/orgs")
            .header(http::header::AUTHORIZATION, value)
            .body(Body::Empty)
            .unwrap(),
    )
}

/// A request whose authorizer verified a person's token with these claims.
fn with_claims(claims: &[(&str, &str)]) -> Request {
    use lambda_http::RequestExt;
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayV2httpRequestContext,
    };
    use roster::authorizer::context::Principal;
    let claim = |name: &str| {
        claims
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let person = Principal::Person {
        sub: claim("sub"),
        email: claim("email"),
        email_verified: claim("email_verified"),
    };
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.fields = person.to_context().into_iter().collect();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.authorizer = Some(authorizer);
    http::Request::builder()
        .uri("/orgs")
        .body(Body::Empty)
        .unwrap()
        .with_request_context(lambda_http::request::RequestContext::ApiGatewayV2(context))
}

fn sub_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.:@|+-]{1,64}"
}

fn email_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{1,10}([._+-][A-Za-z0-9]{1,5})?@[A-Za-z0-9]{1,10}\\.(com|org|io)"
}

fn org_strategy() -> impl Strategy<Value = OrgSlug> {
    "[a-z0-9]{3,20}".prop_map(|s| OrgSlug::parse(&s).unwrap())
}

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
        let (parsed, format) = csv_upload::parse(body.as_bytes()).expect("a readable file");
        prop_assert_eq!(format.encoding, "utf-8");
        prop_assert_eq!(parsed.len(), rows.len());
        for (row, (email, shape)) in parsed.iter().zip(&rows) {
            prop_assert_eq!(&row.email, email);
            prop_assert_eq!(row.role.is_ok(), shape.is_none());
        }
    }

    #[test]
    fn windows_1252_decodes_every_byte_and_round_trips_latin_1(text in "[ -~\u{a0}-\u{ff}]{0,64}") {
        let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
        // Latin-1 pairs that happen to be valid UTF-8 ("Ã©") read as UTF-8 (tested apart).
        prop_assume!(bytes.utf8_chunks().all(|chunk| chunk.valid().is_ascii()));
        let (decoded, encoding) = csv_upload::decode(&bytes).unwrap();
        // ASCII-only and valid UTF-8 bytes read as UTF-8; the rest as Windows-1252.
        if std::str::from_utf8(&bytes).is_err() {
            prop_assert_eq!(encoding, "windows-1252");
            prop_assert_eq!(decoded, text);
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

    // Cursors (a cursor that fails validation is a 400).

    #[test]
    fn cursor_decoding_never_panics_and_no_string_opens_two_queries(
        raw in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_-]{0,200}",
            proptest::collection::vec(any::<u8>(), 0..200).prop_map(|bytes| {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
            }),
        ],
    ) {
        let org = OrgSlug::parse("acme").unwrap();
        let opened: Vec<&str> = listings(&org)
            .iter()
            .filter(|l| (l.start)(&raw).is_ok())
            .map(|l| l.name)
            .collect();
        prop_assert!(opened.len() <= 1, "{:?} opens {:?}", raw, opened);
    }

    #[test]
    fn a_well_formed_payload_opens_at_most_one_query_and_only_in_its_org(
        q in prop_oneof![
            Just("members:acme:*:*".to_owned()),
            Just("audit:acme".to_owned()),
            Just("invitations:acme:all".to_owned()),
            Just("members:evil:*:*".to_owned()),
            any::<String>(),
        ],
        k in proptest::collection::btree_map(
            prop_oneof![Just("pk".to_owned()), Just("sk".to_owned()), Just("gsi1pk".to_owned()),
                        Just("gsi1sk".to_owned()), "[a-z]{1,6}"],
            prop_oneof![Just("ORG#acme".to_owned()), Just("ORG#evil".to_owned()),
                        "MEMBER#[a-z]{0,8}", "AUDIT#[a-z]{0,8}", "INV#[a-z]{0,8}", any::<String>()],
            0..5,
        ),
    ) {
        let org = OrgSlug::parse("acme").unwrap();
        let raw = forged_cursor(&q, &k);
        let opened: Vec<&str> = listings(&org)
            .iter()
            .filter(|l| (l.start)(&raw).is_ok())
            .map(|l| l.name)
            .collect();
        prop_assert!(opened.len() <= 1, "{:?} opens {:?}", raw, opened);
        if !opened.is_empty() {
            // Whatever it opens, it points into this org's partition.
            prop_assert_eq!(k.get("pk").map(String::as_str), Some("ORG#acme"));
        }
    }

    #[test]
    fn a_cursor_round_trips_to_its_key(
        // Short enough to stay under the 2048-byte cursor limit.
        scope in "\\PC{0,40}",
        k in proptest::collection::btree_map("[a-z0-9]{1,8}", "\\PC{1,30}", 1..5),
    ) {
        let item = key(&k.iter().map(|(n, v)| (n.as_str(), v.clone())).collect::<Vec<_>>());
        let names: Vec<&str> = k.keys().map(String::as_str).collect();
        let cursor = Cursor::encode(&scope, &item);
        prop_assert_eq!(Cursor::decode(cursor.as_str(), &scope, &names, |_, _| true), Ok(item));
        let another = format!("{scope}x");
        prop_assert!(Cursor::decode(cursor.as_str(), &another, &names, |_, _| true).is_err());
    }

    #[test]
    fn a_real_querys_cursor_opens_that_query_only_and_only_at_its_key(
        org in org_strategy(),
        suffix in "\\PC{1,60}",
        other_suffix in "\\PC{1,60}",
    ) {
        let all = listings(&org);
        for from in &all {
            let key = (from.key)(&org, &suffix);
            let cursor = (from.cursor)(&key);
            let start = (from.start)(cursor.as_str());
            prop_assert!(matches!(start, Ok(Some(_))), "{}: {:?}", from.name, start);
            if other_suffix != suffix {
                let other = (from.cursor)(&(from.key)(&org, &other_suffix));
                prop_assert_ne!(&(from.start)(other.as_str()), &start, "{}", from.name);
            }
            for to in all.iter().filter(|to| to.name != from.name) {
                prop_assert!((to.start)(cursor.as_str()).is_err(), "{} opens {}", from.name, to.name);
            }
        }
    }

    #[test]
    fn a_cursor_pointing_into_another_org_is_refused(
        org in org_strategy(),
        other in org_strategy(),
        suffix in "\\PC{1,60}",
    ) {
        prop_assume!(org != other);
        for l in listings(&org) {
            // Encoded under this query's own scope, but keyed into `other`.
            let forged = (l.cursor)(&(l.key)(&other, &suffix));
            prop_assert!((l.start)(forged.as_str()).is_err(), "{}", l.name);
        }
    }

    // The authorizer's claims: the only identity a function trusts. A token
    // alone, whatever its bytes, is never one (the gateway verifies tokens).

    #[test]
    fn a_bearer_token_without_the_authorizers_claims_is_never_an_identity(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        bearer in any::<bool>(),
    ) {
        let value = if bearer { [b"Bearer ".as_slice(), &bytes].concat() } else { bytes };
        if let Some(req) = with_authorization(&value) {
            prop_assert!(identity::caller(&req, false).is_err());
        }
    }

    #[test]
    fn the_authorizers_claims_round_trip_to_the_same_caller(
        sub in sub_strategy(),
        email in email_strategy(),
        verified in any::<bool>(),
    ) {
        // No person passes for an API key (tested below).
        prop_assume!(!sub.starts_with("apikey:"));
        let verified_text = if verified { "true" } else { "false" };
        let req = with_claims(&[("sub", &sub), ("email", &email), ("email_verified", verified_text)]);
        let caller = identity::caller(&req, false).expect("valid claims");
        prop_assert_eq!(caller, Caller {
            user_id: UserId::parse(&sub).unwrap(),
            email: Email::parse(&email).unwrap(),
            email_verified: verified,
        });
    }

    #[test]
    fn no_persons_token_passes_for_an_api_key(key in "[a-z0-9-]{1,36}") {
        let sub = format!("apikey:{key}");
        let req = with_claims(&[("sub", &sub), ("email", "a@example.com"), ("email_verified", "true")]);
        prop_assert!(identity::caller(&req, false).is_err());
    }

    #[test]
    fn claims_the_parsers_refuse_are_refused(
        sub in prop_oneof![Just(String::new()), "[ /#?]{1,3}", "[a-z]{129}"],
        email in prop_oneof![Just("not-an-email".to_owned()), Just("\"q\"@x.com".to_owned()), "[a-z]{1,8}"],
        bad in 0usize..3,
    ) {
        // One refused or missing claim at a time; the others valid.
        let req = match bad {
            0 => with_claims(&[("sub", &sub), ("email", "a@example.com"), ("email_verified", "true")]),
            1 => with_claims(&[("sub", "user-1"), ("email", &email), ("email_verified", "true")]),
            _ => with_claims(&[("sub", "user-1"), ("email", "a@example.com")]),
        };
        prop_assert!(identity::caller(&req, false).is_err());
    }
}
