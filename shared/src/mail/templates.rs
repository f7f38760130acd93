//! The two emails Roster sends, as plain text and HTML. Every interpolated
//! value is escaped for its HTML context.

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn invitation(
    org_name: &str,
    inviter: &str,
    expires_at: DateTime<Utc>,
    accept_url: &str,
) -> RenderedMail {
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    RenderedMail {
        subject: format!("{inviter} invited you to join {org_name} on Roster"),
        text: format!(
            "{inviter} invited you to join {org_name} on Roster.\n\n\
             Accept the invitation: {accept_url}\n\n\
             This link works once and expires on {expires}.\n\
             If you did not expect this email you can ignore it.\n"
        ),
        html: format!(
            "<!doctype html><html><body>\
             <p>{inviter} invited you to join <strong>{org}</strong> on Roster.</p>\
             <p><a href=\"{href}\">Accept the invitation</a></p>\
             <p>This link works once and expires on {expires}.</p>\
             <p>If you did not expect this email you can ignore it.</p>\
             </body></html>",
            inviter = text(inviter),
            org = text(org_name),
            href = attr(accept_url),
            expires = text(&expires),
        ),
    }
}

pub fn seat_assigned(org_name: &str, tokens_url: &str) -> RenderedMail {
    RenderedMail {
        subject: format!("You have a seat in {org_name} on Roster"),
        text: format!(
            "You now have a seat in {org_name} on Roster.\n\n\
             Create an access token on the Token Access page: {tokens_url}\n"
        ),
        html: format!(
            "<!doctype html><html><body>\
             <p>You now have a seat in <strong>{org}</strong> on Roster.</p>\
             <p>Create an access token on the <a href=\"{href}\">Token Access page</a>.</p>\
             </body></html>",
            org = text(org_name),
            href = attr(tokens_url),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_names_org_inviter_link_and_expiry() {
        let mail = invitation(
            "Acme",
            "alice@example.com",
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            "https://roster.test/invitations/accept?token=abc",
        );
        assert!(mail.text.contains("Acme"));
        assert!(mail.text.contains("alice@example.com"));
        assert!(
            mail.text
                .contains("https://roster.test/invitations/accept?token=abc")
        );
        assert!(mail.html.contains("2027-01-15"));
    }

    #[test]
    fn html_values_are_escaped() {
        let mail = invitation(
            "<script>alert(1)</script>",
            "a@b.com",
            Utc::now(),
            "https://x.test/?a=\"b\"",
        );
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(!mail.html.contains("\"b\""));
        let seat = seat_assigned("A & B", "https://x.test/orgs/ab/tokens");
        assert!(seat.html.contains("A &amp; B"));
    }
}
