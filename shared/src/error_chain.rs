//! Formatting an error with all its sources, for logs (never for answers),
//! with every email address in it replaced by a short hash: SES names the
//! recipient or sender it refused ("The following identities failed the
//! check in region US-EAST-1: bob@example.com"), and other services may echo
//! a key or a value that holds one.

use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Displays an error followed by each of its sources, `a: b: c`, scrubbed
/// of addresses ([`scrub_addresses`]).
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        f.write_str(&scrub_addresses(&text))
    }
}

/// `text` with each `local@domain` (also written `local%40domain`) replaced
/// by `<address ~` and 12 hex digits of its SHA-256 (lowercased) `>`: the
/// same address reads the same in every line, and is not readable.
pub fn scrub_addresses(text: &str) -> Cow<'_, str> {
    if !text.contains('@') && !text.contains("%40") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // text[..copied] is in `out` or replaced
    let mut at = 0;
    while let Some((sign, len)) = next_at_sign(text, at) {
        let mut local_start = text[copied..sign]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map_or(sign, |(i, _)| copied + i);
        // An opening quote is prose, not part of the address.
        local_start = sign
            - text[local_start..sign]
                .trim_start_matches(['\'', '`', '.'])
                .len();
        let domain = &text[sign + len..];
        let mut domain_len = domain
            .char_indices()
            .find(|(_, c)| !is_domain_char(*c))
            .map_or(domain.len(), |(i, _)| i);
        // A sentence's full stop or a trailing hyphen is not part of a domain.
        domain_len -=
            domain[..domain_len].len() - domain[..domain_len].trim_end_matches(['.', '-']).len();
        if local_start == sign || domain_len == 0 {
            at = sign + len;
            continue;
        }
        let end = sign + len + domain_len;
        let address = format!("{}@{}", &text[local_start..sign], &domain[..domain_len]);
        let digest = Sha256::digest(address.to_lowercase().as_bytes());
        out.push_str(&text[copied..local_start]);
        out.push_str("<address ~");
        out.push_str(&hex::encode(digest)[..12]);
        out.push('>');
        copied = end;
        at = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The next `@` or `%40` at or after `from`: its index and length.
fn next_at_sign(text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let plain = rest.find('@').map(|i| (from + i, 1));
    let encoded = rest.find("%40").map(|i| (from + i, 3));
    match (plain, encoded) {
        (Some(p), Some(e)) => Some(if p.0 < e.0 { p } else { e }),
        (p, e) => p.or(e),
    }
}

/// A character of a local part as one appears in running text: RFC 5322's
/// atext and dots, and any non-ASCII letter (SMTPUTF8). Quotes, brackets,
/// commas, colons and spaces end it.
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(address: &str) -> String {
        format!(
            "<address ~{}>",
            &hex::encode(Sha256::digest(address.as_bytes()))[..12]
        )
    }

    #[test]
    fn ses_refusals_do_not_log_the_address_they_name() {
        let cases = [
            (
                "Email address is not verified. The following identities failed the check in region US-EAST-1: bob@example.com",
                "Email address is not verified. The following identities failed the check in region US-EAST-1: {bob}",
            ),
            (
                "MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: noreply@roster.example, Bob.Smith+tag@Example.co.uk.",
                "MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: {noreply}, {smith}.",
            ),
            (
                "AccountSuspendedException: Illegal address: <bob@example.com>",
                "AccountSuspendedException: Illegal address: <{bob}>",
            ),
            (
                "NotFoundException: Identity bob%40example.com does not exist",
                "NotFoundException: Identity {bob} does not exist",
            ),
            (
                "SES rejected the message (BadRequestException): service error: Missing final '@domain' in \"To\": \"bob@example.com\"",
                "SES rejected the message (BadRequestException): service error: Missing final '@domain' in \"To\": \"{bob}\"",
            ),
        ];
        for (raw, expected) in cases {
            let expected = expected
                .replace("{bob}", &hash_of("bob@example.com"))
                .replace("{noreply}", &hash_of("noreply@roster.example"))
                .replace("{smith}", &hash_of("bob.smith+tag@example.co.uk"));
            let scrubbed = scrub_addresses(raw);
            assert_eq!(scrubbed, expected, "{raw}");
            assert!(!scrubbed.to_lowercase().contains("bob@"), "{scrubbed}");
        }
    }

    #[test]
    fn the_same_address_scrubs_the_same_and_text_without_one_is_untouched() {
        assert_eq!(
            scrub_addresses("to Bob@Example.com"),
            scrub_addresses("to bob@example.com")
        );
        assert_ne!(
            scrub_addresses("to bob@example.com"),
            scrub_addresses("to carol@example.com")
        );
        for plain in [
            "ThrottlingException: Rate exceeded",
            "a lone @ sign, an @handle, a trailing user@",
            "ConditionalCheckFailed",
        ] {
            assert_eq!(scrub_addresses(plain), plain);
        }
        let ids = "user dev|dave@corp.example.com failed";
        assert!(!scrub_addresses(ids).contains("dave"));
    }

    #[test]
    fn an_error_chain_is_scrubbed_in_every_source() {
        #[derive(Debug, thiserror::Error)]
        #[error("SES rejected the message (MessageRejected)")]
        struct Outer(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("service error: The following identities failed the check: eve@example.net")]
        struct Inner;
        let logged = ErrorChain(&Outer(Inner)).to_string();
        assert_eq!(
            logged,
            format!(
                "SES rejected the message (MessageRejected): service error: The following identities failed the check: {}",
                hash_of("eve@example.net")
            )
        );
    }
}
