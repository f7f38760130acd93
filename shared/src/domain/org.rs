//! Organizations: the slug that names them, their display name, and the seat
//! arithmetic that must never let `seats_used` pass `seat_limit`.

use super::Invalid;
use chrono::{DateTime, Utc};

/// 3–39 of `a-z 0-9 -`, starting and ending with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrgSlug(String);

impl OrgSlug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok_len = (3..=39).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_ends = raw
            .bytes()
            .next()
            .zip(raw.bytes().last())
            .is_some_and(|(first, last)| first != b'-' && last != b'-');
        Invalid::unless(
            ok_len && ok_chars && ok_ends,
            raw,
            "slug must be 3-39 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
        )
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::display_as_str!(OrgSlug);

/// A display name that goes into mail subjects and bodies, so it is held to
/// what a company name needs and nothing a phishing payload does: 1–100
/// characters after NFC normalization and trimming, made of letters, combining
/// marks, digits, single spaces and `& ' , . - ( ) + ! ? : # _`. No `/`, `@`,
/// `<`, `"`, `%`, `=`, no symbols or emoji, no control or formatting characters.
/// A name like `evil.com` still parses; mails show it unlinkable (see
/// `mail::templates`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    pub const MAX_CHARS: usize = 100;
    const PUNCTUATION: &'static str = "&',.-()+!?:#_";

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        use icu_properties::CodePointMapData;
        use icu_properties::props::{GeneralCategory as G, GeneralCategoryGroup};
        let normalized = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(raw);
        let trimmed = normalized.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(Invalid::new("name must be 1-100 characters"));
        }
        let categories = CodePointMapData::<G>::new();
        let allowed = |c: char| {
            let category = categories.get(c);
            GeneralCategoryGroup::Letter.contains(category)
                || GeneralCategoryGroup::Mark.contains(category)
                || category == G::DecimalNumber
                || c == ' '
                || Self::PUNCTUATION.contains(c)
        };
        if let Some(c) = trimmed.chars().find(|&c| !allowed(c)) {
            return Err(Invalid::new(format!(
                "name may hold letters, digits, spaces and {}; not U+{:04X}",
                Self::PUNCTUATION,
                u32::from(c)
            )));
        }
        if trimmed.contains("  ") {
            return Err(Invalid::new("name must not contain repeated spaces"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// A name read back from the table. Names stored before the character
    /// rules above stay readable (mails defang whatever they hold); only
    /// [`OrgName::parse`] guards what callers can store.
    pub fn stored(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.chars().any(char::is_control) {
            return Err(Invalid::new("stored name is malformed"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::bounded_number! {
    /// 0–100,000 seats.
    pub struct SeatLimit(u32): 0..=SeatLimit::MAX, "seat_limit must be between 0 and 100000"
}

impl SeatLimit {
    pub const MAX: i64 = 100_000;
}

super::bounded_number! {
    /// After how many days without use a seat counts as idle, for the org's
    /// admins and billing managers: 1-365, 30 unless set.
    pub struct IdleSeatDays(u16): 1..=365, "idle_seat_days must be between 1 and 365"
}

impl IdleSeatDays {
    pub const DEFAULT: Self = Self(30);
}

super::bounded_number! {
    /// On which day of its seven an invitation's invitee gets one reminder, if
    /// they have not accepted by then: 1-6, 5 unless set; 0 sends none.
    pub struct ReminderDay(u8): 0..=6,
        "invitation_reminder_day must be between 1 and 6, or 0 for no reminder"
}

impl ReminderDay {
    pub const DEFAULT: Self = Self(5);
    pub const OFF: Self = Self(0);

    /// When the invitee of an invitation mailed at `mailed_at` is reminded
    /// (`None`: never).
    pub fn remind_at(self, mailed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self != Self::OFF).then(|| mailed_at + chrono::Duration::days(i64::from(self.0)))
    }
}

/// An organization as stored and as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub slug: OrgSlug,
    pub name: OrgName,
    pub seat_limit: SeatLimit,
    pub seats_used: u32,
    pub admin_count: u32,
    pub created_at: DateTime<Utc>,
    /// How many addresses the org no longer mails ([`super::Suppression`]).
    pub suppressed: u32,
    /// Its idle-seat threshold (the console's default for the idle filter).
    pub idle_seat_days: IdleSeatDays,
    pub invitation_reminder_day: ReminderDay,
    /// Whether each admin gets a daily digest of the invitations they sent
    /// that expired unanswered.
    pub expired_digest: bool,
}

/// The hour (UTC) at which expiry digests go out.
pub const DIGEST_HOUR: u32 = 8;

/// When the expiry digest after `now` is due: the next 08:00 UTC.
pub fn next_digest_at(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now
        .date_naive()
        .and_hms_opt(DIGEST_HOUR, 0, 0)
        .expect("a valid hour")
        .and_utc();
    if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

impl Org {
    pub fn has_free_seat(&self) -> bool {
        self.seats_used < self.seat_limit.get()
    }

    /// A new limit may never go below the seats already handed out.
    pub fn can_set_seat_limit(&self, limit: SeatLimit) -> bool {
        limit.get() >= self.seats_used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_goes_on_the_chosen_day_of_seven_or_never() {
        let mailed = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let day = |d| ReminderDay::parse(d).unwrap().remind_at(mailed);
        assert_eq!(
            ReminderDay::DEFAULT.remind_at(mailed),
            Some(mailed + chrono::Duration::days(5))
        );
        assert_eq!(day(1), Some(mailed + chrono::Duration::days(1)));
        assert_eq!(day(6), Some(mailed + chrono::Duration::days(6)));
        assert_eq!(day(0), None);
        for bad in [-1, 7, 365] {
            assert!(ReminderDay::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs_follow_the_contract() {
        for good in ["acme", "a-1", "abc", &"a".repeat(39)] {
            assert!(OrgSlug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "Acme",
            "ac_me",
            "a.b.c",
            &"a".repeat(40),
            "",
        ] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("   ").is_err());
        assert!(OrgName::parse(&"x".repeat(101)).is_err());
        assert!(OrgName::parse(&"é".repeat(100)).is_ok());
        assert!(OrgName::parse("a\nb").is_err());
    }

    #[test]
    fn company_names_parse() {
        for good in [
            "Acme Inc.",
            "Müller & Söhne GmbH",
            "O'Reilly Media",
            "AT&T",
            "Yahoo!",
            "株式会社テスト",
            "Team #42 (Berlin)",
            "C++ Users: Paris",
            "Acme.com",
            "Zürich-Nord_1",
        ] {
            assert_eq!(OrgName::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn names_cannot_carry_links_markup_or_invisible_characters() {
        for bad in [
            "https://evil.example/login",
            "Pay at evil.example/pay",
            "support@evil.example",
            "<b>Acme</b>",
            "\"Acme\"",
            "50% off",
            "a=b",
            "Acme \u{1F600}",
            "Acme\u{202E}cni",
            "Ac\u{200B}me",
            "Ac\u{00AD}me",
            "Acme\u{00A0}Inc",
            "Acme  Inc",
            "Acme\\Inc",
        ] {
            assert!(OrgName::parse(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn names_are_nfc_normalized_and_counted_after_normalization() {
        assert_eq!(
            OrgName::parse("Mu\u{0308}ller").unwrap().as_str(),
            "M\u{00FC}ller"
        );
        // 100 decomposed é are 200 code points as typed, 100 after NFC.
        assert!(OrgName::parse(&"e\u{0301}".repeat(100)).is_ok());
    }

    #[test]
    fn stored_names_from_before_the_rules_stay_readable() {
        assert!(OrgName::stored("https://old.example").is_ok());
        assert!(OrgName::stored("").is_err());
    }

    #[test]
    fn seat_limits_are_bounded() {
        assert!(SeatLimit::parse(0).is_ok());
        assert!(SeatLimit::parse(100_000).is_ok());
        assert!(SeatLimit::parse(100_001).is_err());
        assert!(SeatLimit::parse(-1).is_err());
    }

    #[test]
    fn seat_limit_cannot_drop_below_usage() {
        let org = Org {
            slug: OrgSlug::parse("acme").unwrap(),
            name: OrgName::parse("Acme").unwrap(),
            seat_limit: SeatLimit::parse(5).unwrap(),
            seats_used: 3,
            admin_count: 1,
            created_at: Utc::now(),
            suppressed: 0,
            idle_seat_days: IdleSeatDays::DEFAULT,
            invitation_reminder_day: ReminderDay::DEFAULT,
            expired_digest: false,
        };
        assert!(org.can_set_seat_limit(SeatLimit::parse(3).unwrap()));
        assert!(!org.can_set_seat_limit(SeatLimit::parse(2).unwrap()));
        assert!(org.has_free_seat());
    }
}
