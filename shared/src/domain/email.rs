//! `Email`: an address in the one canonical form Roster stores, compares and
//! mails to, and that cannot spoof what a reader sees.
//!
//! The rules, in order: trim; refuse control, format (bidi overrides, zero
//! widths, soft hyphens), private-use, unassigned and separator characters;
//! the local part is what real mailbox providers issue, as typed (ASCII
//! letters, digits and `. _ - + '`, no quoting, no empty dot-atoms), then
//! lower-cased; the domain is normalized to NFC and goes through IDNA (UTS #46, strict STD3 rules) and
//! is stored as lower-case ASCII, `xn--` punycode for international labels, so
//! a look-alike domain shows as what it is. Lengths are checked on the result.

use super::Invalid;
use icu_normalizer::ComposingNormalizerBorrowed;
use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP allows (RFC 5321 forward-path limit).
    pub const MAX_LEN: usize = 254;
    /// Longest local part SMTP allows (RFC 5321 §4.5.3.1.1).
    pub const MAX_LOCAL_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("email is empty"));
        }
        // Control characters (CR/LF above all) would let a caller inject mail
        // headers; format characters reorder or hide what a reader sees.
        if let Some(c) = trimmed.chars().find(|&c| is_hidden_or_control(c)) {
            return Err(Invalid::new(format!(
                "email contains an invisible, control or formatting character (U+{:04X})",
                u32::from(c)
            )));
        }
        let (local, domain) = trimmed
            .split_once('@')
            .ok_or_else(|| Invalid::new("not an email address"))?;
        // Checked as typed: NFC and lower-casing would fold look-alikes (the
        // Kelvin sign) into ASCII, aliasing another mailbox.
        let local = local_part(local)?;
        let domain = domain_part(&ComposingNormalizerBorrowed::new_nfc().normalize(domain))?;
        let email = format!("{local}@{domain}");
        if email.len() > Self::MAX_LEN {
            return Err(Invalid::new("email is longer than 254 characters"));
        }
        Ok(Self(email))
    }

    /// An address read back from our own table, taken as stored.
    ///
    /// Only for the store's decoders; everything from outside goes through
    /// [`Email::parse`]. The input rules have grown stricter over time (NFC,
    /// no quoted local parts, provider-style ASCII local parts, punycode
    /// domains, lengths after normalization), and an address stored under the
    /// earlier, looser rules (lower-cased, no control characters, RFC 5322
    /// syntax) must still read back: re-applying today's rules would make every
    /// read of that org fail as corrupt, a 500. So this checks only what any
    /// version of `parse` guaranteed and what mail headers need: not empty, no
    /// control characters, and an `@` with something on both sides of the
    /// last one (an old quoted local part may hold an `@` of its own).
    /// Anything else is refused, and the store reports the item as corrupt.
    pub fn from_stored(stored: &str) -> Result<Self, Invalid> {
        let shape_ok = !stored.chars().any(char::is_control)
            && stored
                .rsplit_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        Invalid::unless(shape_ok, stored, "stored email is not an address").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cc, Cf, Co, Cs, Cn, Zl, Zp, and every space but the ASCII one (which the
/// grammar below refuses anyway): none belongs in an address.
fn is_hidden_or_control(c: char) -> bool {
    use GeneralCategory as G;
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        G::Control
            | G::Format
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::SpaceSeparator
    ) && c != ' '
}

fn local_part(local: &str) -> Result<String, Invalid> {
    if local.starts_with('"') || local.contains('"') {
        return Err(Invalid::new("quoted addresses are not accepted"));
    }
    if local.is_empty() {
        return Err(Invalid::new("not an email address"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '\'');
    if !local.chars().all(allowed) {
        return Err(Invalid::new(
            "the part before @ may hold only ASCII letters, digits and . _ - + '",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(Invalid::new("not an email address"));
    }
    if local.len() > Email::MAX_LOCAL_LEN {
        return Err(Invalid::new(
            "the part before @ is longer than 64 characters",
        ));
    }
    Ok(local.to_ascii_lowercase())
}

fn domain_part(domain: &str) -> Result<String, Invalid> {
    // `domain_to_ascii_strict` lower-cases, maps and punycodes, and refuses
    // what DNS cannot hold (STD3 characters, label and name lengths).
    let ascii = idna::domain_to_ascii_strict(domain)
        .map_err(|_| Invalid::new("the domain is not a valid host name"))?;
    let labels: Vec<&str> = ascii.split('.').collect();
    // A bare host ("a@localhost") is valid RFC 5322 but undeliverable in
    // practice; an all-digit top-level label is an IP address, not a domain.
    let tld = labels.last().copied().unwrap_or_default();
    if labels.len() < 2
        || labels.iter().any(|l| l.is_empty())
        || tld.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Invalid::new("not an email address"));
    }
    Ok(ascii)
}

super::display_as_str!(Email);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(raw: &str) -> String {
        Email::parse(raw)
            .unwrap_or_else(|e| panic!("{raw:?}: {e}"))
            .0
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(parsed("  Alice@Example.COM "), "alice@example.com");
    }

    #[test]
    fn addresses_real_providers_issue_are_accepted() {
        for good in [
            "a@b.co",
            "first.last@example.com",
            "first_last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "x-y@xn--bcher-kva.example",
            "123@example.com",
        ] {
            assert_eq!(parsed(good), good.to_ascii_lowercase());
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "bad",
            "a@",
            "@b.com",
            "a b@c.com",
            "a@localhost",
            "Alice <a@b.com>",
            "a@b@c.com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@b..com",
            "a@b.com.",
            "a@-b.com",
            "a@b_c.com",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a(comment)@b.com",
            "a,b@c.com",
            "<a@b.com>",
            "a;b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn quoted_local_parts_are_rejected() {
        for bad in [
            "\"<script>\"@x.com",
            "\"a b\"@x.com",
            "\"a@b\"@x.com",
            "\"\"@x.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.0.contains("quoted"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn header_injection_is_rejected() {
        assert!(Email::parse("a@b.com\r\nBcc: x@y.com").is_err());
        assert!(Email::parse("a@b.com\nx").is_err());
        assert!(Email::parse("a\u{7}@b.com").is_err());
    }

    #[test]
    fn bidi_and_invisible_characters_are_rejected() {
        for bad in [
            "a\u{202E}moc.b@x.com", // right-to-left override
            "a@exa\u{202E}mple.com",
            "a\u{200B}b@x.com",      // zero width space
            "a@exa\u{00AD}mple.com", // soft hyphen: IDNA would silently drop it
            "a@b.com\u{2066}",       // left-to-right isolate
            "a\u{200D}@x.com",       // zero width joiner
            "a\u{FEFF}@x.com",       // byte order mark
            "a\u{E000}@x.com",       // private use
            "a\u{00A0}b@x.com",      // no-break space
            "a\u{2028}@x.com",       // line separator
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.0.contains("U+"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_kelvin_sign_and_other_non_ascii_local_parts_are_rejected() {
        // U+212A KELVIN SIGN lower-cases (and NFC-normalizes) to an ASCII `k`:
        // folded, a mailbox `\u{212A}elvin` at a provider that keeps it distinct
        // would match invitations for `kelvin`. Non-ASCII local parts are
        // refused as typed (SES cannot deliver to them either).
        for bad in [
            "\u{212A}elvin@example.com",
            "\u{0130}stanbul@x.com", // İ lower-cases to two code points
            "jos\u{00E9}@x.com",
            "\u{0430}dmin@x.com", // Cyrillic а
            "\u{FF46}ull@x.com",  // fullwidth f
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.0.contains("ASCII"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn idn_domains_are_stored_as_punycode() {
        assert_eq!(parsed("a@B\u{00FC}cher.example"), "a@xn--bcher-kva.example");
        // Decomposed and precomposed ü are the same domain after NFC.
        assert_eq!(
            parsed("a@bu\u{0308}cher.example"),
            "a@xn--bcher-kva.example"
        );
        // A Cyrillic look-alike of "apple.com" shows as what it is.
        let spoof = parsed("a@\u{0430}pple.com");
        assert!(spoof.starts_with("a@xn--"), "{spoof}");
        assert_ne!(spoof, "a@apple.com");
    }

    #[test]
    fn overlong_addresses_are_rejected() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
        let local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&local).is_err());
        let label = format!("a@{}.com", "b".repeat(64));
        assert!(Email::parse(&label).is_err());
    }

    #[test]
    fn length_is_checked_after_normalization() {
        // Under 254 bytes as typed, over it as punycode: refused.
        let label = "\u{65E5}\u{672C}\u{8A9E}\u{306E}\u{96FB}\u{5B50}\u{30E1}\u{30FC}\u{30EB}\u{4F8B}\u{984C}";
        let raw = format!("{}@{}.jp", "a".repeat(40), [label; 6].join("."));
        assert!(raw.len() <= Email::MAX_LEN, "{}", raw.len());
        let err = Email::parse(&raw).unwrap_err();
        assert!(err.0.contains("longer than 254"), "{err}");
        // Over 254 bytes as typed, 190 once the Kelvin signs map to `k`: accepted.
        let kelvins = "\u{212A}".repeat(60);
        let raw = format!("{}@{kelvins}.{kelvins}.com", "a".repeat(64));
        assert!(raw.len() > Email::MAX_LEN);
        assert_eq!(Email::parse(&raw).unwrap().as_str().len(), 190);
    }

    /// The rules of the first `Email::parse` (commit ce5fc88), kept to show
    /// which stored addresses `from_stored` must still read back.
    fn first_parse(raw: &str) -> Option<String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().any(char::is_control) || trimmed.len() > 254 {
            return None;
        }
        let lowered = trimmed.to_lowercase();
        let parsed = email_address::EmailAddress::parse_with_options(
            &lowered,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .ok()?;
        parsed.domain().contains('.').then_some(lowered)
    }

    #[test]
    fn addresses_the_earlier_rules_stored_read_back_as_stored() {
        // Stored under the first rules; today's refuse them, or (an IDN
        // domain) rewrite them to punycode, which would no longer match the
        // keys they are stored under. They must still read back as stored.
        for legacy in [
            "\"<script>\"@x.com",
            "\"a@b\"@x.com",
            "jos\u{e9}@x.com",
            "a@b\u{fc}cher.example",
            "a\u{200b}b@x.com",
            "a!#$%b@x.com",
        ] {
            assert_eq!(first_parse(legacy).as_deref(), Some(legacy), "{legacy:?}");
            assert_ne!(
                Email::parse(legacy).as_ref().map(Email::as_str),
                Ok(legacy),
                "{legacy:?}"
            );
            assert_eq!(Email::from_stored(legacy).unwrap().as_str(), legacy);
        }
        for corrupt in ["", "a", "@x.com", "a@", "a@b.com\r\nBcc: x@y.com"] {
            assert!(Email::from_stored(corrupt).is_err(), "{corrupt:?}");
        }
    }

    fn local_strategy() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_+'-]{1,20}(\\.[a-zA-Z0-9_+'-]{1,20}){0,2}"
    }

    fn domain_strategy() -> impl Strategy<Value = String> {
        // One hyphen at most per label: `ab--` is reserved for IDNA (`xn--`).
        "[a-zA-Z0-9]{1,10}(-[a-zA-Z0-9]{1,10})?(\\.[a-zA-Z0-9]{1,10}){0,2}\\.[a-zA-Z]{2,6}"
    }

    proptest! {
        #[test]
        fn well_formed_ascii_addresses_round_trip_lower_cased(
            local in local_strategy(), domain in domain_strategy()
        ) {
            let raw = format!("{local}@{domain}");
            let email = Email::parse(&raw).unwrap();
            prop_assert_eq!(email.as_str(), raw.to_ascii_lowercase());
        }

        #[test]
        fn parsing_is_idempotent(raw in "\\PC{0,40}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
            }
        }

        #[test]
        fn every_accepted_address_is_short_printable_ascii_with_one_at(raw in "\\PC{0,300}") {
            if let Ok(email) = Email::parse(&raw) {
                let s = email.as_str();
                prop_assert!(s.len() <= Email::MAX_LEN);
                prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{}", s);
                prop_assert_eq!(s.matches('@').count(), 1);
                prop_assert!(!s.contains('"'));
                prop_assert_eq!(s.to_ascii_lowercase(), s);
            }
        }

        #[test]
        fn a_format_or_control_character_anywhere_is_refused(
            local in local_strategy(),
            domain in domain_strategy(),
            hidden in prop::sample::select(vec![
                '\u{0}', '\r', '\n', '\u{7f}', '\u{ad}', '\u{200b}', '\u{200c}', '\u{200d}',
                '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
                '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{feff}',
                '\u{061c}', '\u{2060}', '\u{e0001}',
            ]),
            at in 0usize..64,
        ) {
            let mut raw: Vec<char> = format!("{local}@{domain}").chars().collect();
            // Inside the address (trimming may legitimately drop it at the ends).
            let at = 1 + at % (raw.len() - 1);
            raw.insert(at, hidden);
            let raw: String = raw.into_iter().collect();
            prop_assert!(Email::parse(&raw).is_err(), "{:?}", raw);
        }

        #[test]
        fn whatever_parse_accepts_reads_back_from_the_store_unchanged(raw in "\\PC{0,60}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::from_stored(email.as_str()).unwrap(), email);
            }
        }

        #[test]
        fn whatever_the_first_rules_stored_reads_back_unchanged(
            raw in prop_oneof![
                "\\PC{0,40}",
                "(\"[^\"\\\\]{0,8}\"|[a-zA-Z0-9\u{e9}\u{212a}!#$%&'*+/=?^_`{|}~.-]{1,12})@[a-z\u{fc}\u{430}-]{1,8}\\.[a-z]{2,4}\\.?",
            ]
        ) {
            if let Some(stored) = first_parse(&raw) {
                let read = Email::from_stored(&stored).unwrap();
                prop_assert_eq!(read.as_str(), stored.as_str());
            }
        }

        #[test]
        fn a_quoted_local_part_is_always_refused(inner in "[^\"\\\\]{0,20}", domain in domain_strategy()) {
            let raw = format!("\"{inner}\"@{domain}");
            prop_assert!(Email::parse(&raw).is_err());
        }

        #[test]
        fn international_domains_are_stored_as_ascii_punycode(
            local in local_strategy(),
            label in "[a-z]{0,5}[äöüéñçøå][a-z]{0,5}",
            tld in "[a-z]{2,4}",
        ) {
            let email = Email::parse(&format!("{local}@{label}.{tld}")).unwrap();
            let domain = email.as_str().split_once('@').unwrap().1;
            prop_assert!(domain.starts_with("xn--"), "{}", domain);
            prop_assert!(domain.is_ascii());
        }
    }
}
