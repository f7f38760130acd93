//! Typed values that can only hold valid data, and the business rules as plain
//! functions. Nothing here knows about AWS or HTTP.

pub mod access_token;
pub mod api_key;
pub mod audit;
pub mod credential;
pub mod directory;
pub mod email;
pub mod events;
pub mod import;
pub mod invitation;
pub mod limits;
pub mod member;
pub mod org;
pub mod outbox;
pub mod permissions;
pub mod role;
pub mod secret;
pub mod suppression;
pub mod time;
pub mod webhook;

pub use access_token::{
    AccessToken, AccessTokenSecret, Channel, ChannelScope, Inactive, TokenName, TokenTtlDays,
};
pub use api_key::ApiKey;
pub use audit::AuditEntry;
pub use credential::Credential;
pub use email::Email;
pub use invitation::{
    EmailStatus, Invitation, InvitationId, InvitationState, InviteLink, StatusFilter,
};
pub use limits::{Limit, LimitExceeded, Limits};
pub use member::{Member, UserId};
pub use org::{IdleSeatDays, Org, OrgName, OrgSlug, ReminderDay, SeatLimit};
pub use outbox::{DeliveryStatus, MailKind, OutboxMessage};
pub use permissions::Action;
pub use role::Role;
pub use secret::{PrefixedSecret, Secret, SecretHash};
pub use suppression::{ClearReason, Suppression, SuppressionId, SuppressionReason};

/// Why a value failed to parse; shown to the caller as a field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// `raw`, owned, when `ok`; else refused for `reason`. The last step of
    /// most text values' `parse`.
    pub fn unless(ok: bool, raw: &str, reason: &str) -> Result<String, Self> {
        if ok {
            Ok(raw.to_owned())
        } else {
            Err(Self::new(reason))
        }
    }

    /// `raw` when it lies in `range` and fits `T`; else refused for
    /// `reason`. The whole of the numeric values' `parse`.
    pub fn unless_within<T: TryFrom<i64>>(
        raw: i64,
        range: std::ops::RangeInclusive<i64>,
        reason: &str,
    ) -> Result<T, Self> {
        range
            .contains(&raw)
            .then(|| T::try_from(raw).ok())
            .flatten()
            .ok_or_else(|| Self::new(reason))
    }
}

/// `Display` for values that are their text (`as_str`).
macro_rules! display_as_str {
    ($($ty:ty),+) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use display_as_str;

/// A whole number that holds only within `range`: `parse` (of the API's
/// input and of what the store reads back alike) refuses any other for
/// `reason`, `get` gives it back.
macro_rules! bounded_number {
    ($(#[$doc:meta])* pub struct $name:ident($int:ty): $range:expr, $reason:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name($int);

        impl $name {
            pub fn parse(raw: i64) -> Result<Self, $crate::domain::Invalid> {
                $crate::domain::Invalid::unless_within(raw, $range, $reason).map(Self)
            }

            pub fn get(self) -> $int {
                self.0
            }
        }
    };
}
pub(crate) use bounded_number;

/// Characters of a submitted value shown back (an invalid row's value and
/// reason, in a synchronous answer and in an import's stored chunks): only so
/// far, so 10,000 rows of junk cannot push an answer past Lambda's 6 MB
/// response limit nor a chunk past DynamoDB's 400 KB item limit (valid
/// addresses are at most 254).
pub const MAX_ECHO_CHARS: usize = 100;

/// `value`, cut to [`MAX_ECHO_CHARS`] characters with an ellipsis when longer
/// (cutting a cut value again changes nothing).
pub fn echo(value: &str) -> String {
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}\u{2026}", &value[..cut]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_echoed_truncated() {
        assert_eq!(echo("a@b.com"), "a@b.com");
        let exact = "é".repeat(MAX_ECHO_CHARS);
        assert_eq!(echo(&exact), exact);
        let long = echo(&"é".repeat(5_000));
        assert_eq!(long.chars().count(), MAX_ECHO_CHARS + 1);
        assert!(long.ends_with('\u{2026}'));
        assert_eq!(echo(&long), long, "a cut value stays as it is");
    }

    #[test]
    fn a_number_outside_its_range_or_its_type_is_refused_with_the_reason() {
        assert_eq!(Invalid::unless_within::<u8>(6, 0..=6, "too big"), Ok(6));
        assert_eq!(Invalid::unless_within::<u8>(0, 0..=6, "too big"), Ok(0));
        assert_eq!(
            Invalid::unless_within::<u8>(7, 0..=6, "too big"),
            Err(Invalid::new("too big"))
        );
        assert!(Invalid::unless_within::<u8>(-1, -1..=300, "x").is_err());
        assert!(Invalid::unless_within::<u8>(300, -1..=300, "x").is_err());
    }

    #[test]
    fn a_text_value_is_kept_only_when_it_passed() {
        assert_eq!(Invalid::unless(true, "acme", "bad"), Ok("acme".to_owned()));
        assert_eq!(
            Invalid::unless(false, "acme", "bad"),
            Err(Invalid::new("bad"))
        );
    }
}
