//! Secrets (invitation links, access tokens): 256 bits from the OS RNG, shown
//! once, stored only as their SHA-256 hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// A freshly minted secret. Deliberately not `Debug`-printable in full and not
/// `Serialize`, so it cannot slip into a log line or a stored item by accident.
pub struct Secret(String);

impl Secret {
    const BYTES: usize = 32;

    /// 256 random bits from the operating system, base64url without padding.
    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::BYTES];
        getrandom::fill(&mut bytes).expect("the OS random number generator is unavailable");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The plaintext, for the one place it is shown (an email, a 201 answer).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A secret behind its kind's prefix (`rst_` access tokens, `rk_` API keys),
/// so a leaked one says what it is to a secret scanner and a log filter.
pub struct PrefixedSecret {
    prefix: &'static str,
    secret: Secret,
}

impl PrefixedSecret {
    pub fn generate(prefix: &'static str) -> Self {
        Self {
            prefix,
            secret: Secret::generate(),
        }
    }

    /// The secret as shown once to its owner.
    pub fn expose(&self) -> String {
        format!("{}{}", self.prefix, self.secret.expose())
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.expose())
    }

    /// Hash of a presented secret, if it has `prefix` and the right shape at all.
    pub fn hash_presented(prefix: &str, raw: &str) -> Option<SecretHash> {
        let body = raw.strip_prefix(prefix)?;
        let ok = (22..=64).contains(&body.len())
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SecretHash::of(raw))
    }
}

impl fmt::Debug for PrefixedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrefixedSecret({}..)", self.prefix)
    }
}

/// Hex SHA-256 of a secret: the only form a secret is stored in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn of(plaintext: &str) -> Self {
        Self(hex::encode(Sha256::digest(plaintext.as_bytes())))
    }

    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison, so timing never tells how much of a hash matched.
    pub fn matches(&self, other: &SecretHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_bits_and_differ() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn hashes_match_only_their_secret() {
        let s = Secret::generate();
        assert!(s.hash().matches(&SecretHash::of(s.expose())));
        assert!(!s.hash().matches(&Secret::generate().hash()));
        assert_eq!(s.hash().as_str().len(), 64);
        assert!(!format!("{s:?}").contains(s.expose()));
    }
}
