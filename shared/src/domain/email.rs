//! `Email`: a trimmed, lower-cased, syntactically valid address that is safe to
//! put in a mail header.

use super::Invalid;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP allows (RFC 5321 forward-path limit).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("email is empty"));
        }
        // Control characters (CR/LF above all) would let a caller inject mail headers.
        if trimmed.chars().any(|c| c.is_control()) {
            return Err(Invalid::new("email contains control characters"));
        }
        if trimmed.len() > Self::MAX_LEN {
            return Err(Invalid::new("email is longer than 254 characters"));
        }
        let lowered = trimmed.to_lowercase();
        let parsed = email_address::EmailAddress::parse_with_options(
            &lowered,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .map_err(|_| Invalid::new("not an email address"))?;
        // A bare host ("a@localhost") is valid RFC 5322 but undeliverable in practice.
        if !parsed.domain().contains('.') {
            return Err(Invalid::new("not an email address"));
        }
        Ok(Self(lowered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Alice@Example.COM ").unwrap().as_str(),
            "alice@example.com"
        );
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
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn header_injection_is_rejected() {
        assert!(Email::parse("a@b.com\r\nBcc: x@y.com").is_err());
        assert!(Email::parse("a@b.com\nx").is_err());
        assert!(Email::parse("a\u{7}@b.com").is_err());
    }

    #[test]
    fn overlong_addresses_are_rejected() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
