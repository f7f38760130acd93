//! The two emails Roster sends, as plain text and HTML. Every interpolated
//! value is escaped for its HTML context, and the org name (the one value a
//! stranger chooses) is shown quoted and defanged in subject, text and HTML, so
//! that no mail client turns it into a link: the only link in a mail is the
//! one Roster builds from its own `ROSTER_WEB_URL`.

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Asks Apple Mail and iOS not to detect links, addresses or numbers.
const NO_DETECTION: &str =
    "<meta name=\"format-detection\" content=\"telephone=no,date=no,address=no,email=no,url=no\">";

/// The org name as mails show it: in quotes, with every `.`, `@` and `:` that
/// could join a host name, an address or a scheme to what follows written as
/// `[.]`, `[@]`, `[:]` (the convention for a defanged link). "Acme Inc." keeps
/// its final dot; "evil.example" becomes "evil[.]example". Names are
/// restricted at creation (`OrgName::parse`); this also covers names stored
/// before that and whatever a rule change lets through.
pub fn plain_org_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let joins = chars
            .peek()
            .is_some_and(|next| next.is_alphanumeric() || *next == '/');
        match c {
            '.' | '@' | ':' if joins => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    format!("\u{201C}{out}\u{201D}")
}

pub fn invitation(
    org_name: &str,
    inviter: &str,
    expires_at: DateTime<Utc>,
    accept_url: &str,
) -> RenderedMail {
    invitation_mail(org_name, inviter, expires_at, accept_url, false)
}

/// The one reminder of an invitation's generation, before it expires. Its
/// link is a second one to the same invitation: either works, once.
pub fn invitation_reminder(
    org_name: &str,
    inviter: &str,
    expires_at: DateTime<Utc>,
    accept_url: &str,
) -> RenderedMail {
    invitation_mail(org_name, inviter, expires_at, accept_url, true)
}

fn invitation_mail(
    org_name: &str,
    inviter: &str,
    expires_at: DateTime<Utc>,
    accept_url: &str,
    reminder: bool,
) -> RenderedMail {
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let org = plain_org_name(org_name);
    let (subject, lead, link_note) = if reminder {
        (
            format!("Reminder: your invitation to join {org} on Roster expires soon"),
            format!(", and the invitation expires on {expires}"),
            "This link (or the one in the first email) works once.".to_owned(),
        )
    } else {
        (
            format!("{inviter} invited you to join {org} on Roster"),
            String::new(),
            format!("This link works once and expires on {expires}."),
        )
    };
    RenderedMail {
        subject,
        text: format!(
            "{inviter} invited you to join the organization {org} on Roster{lead}.\n\n\
             Accept the invitation: {accept_url}\n\n\
             {link_note}\n\
             If you did not expect this email you can ignore it.\n"
        ),
        html: format!(
            "<!doctype html><html><head>{NO_DETECTION}</head><body>\
             <p>{inviter} invited you to join the organization <strong>{org}</strong> on Roster{lead}.</p>\
             <p><a href=\"{href}\">Accept the invitation</a></p>\
             <p>{link_note}</p>\
             <p>If you did not expect this email you can ignore it.</p>\
             </body></html>",
            inviter = text(inviter),
            org = text(&org),
            lead = text(&lead),
            href = attr(accept_url),
            link_note = text(&link_note),
        ),
    }
}

pub fn seat_assigned(org_name: &str, tokens_url: &str) -> RenderedMail {
    let org = plain_org_name(org_name);
    RenderedMail {
        subject: format!("You have a seat in {org} on Roster"),
        text: format!(
            "You now have a seat in the organization {org} on Roster.\n\n\
             Create an access token on the Token Access page: {tokens_url}\n"
        ),
        html: format!(
            "<!doctype html><html><head>{NO_DETECTION}</head><body>\
             <p>You now have a seat in the organization <strong>{org}</strong> on Roster.</p>\
             <p>Create an access token on the <a href=\"{href}\">Token Access page</a>.</p>\
             </body></html>",
            org = text(&org),
            href = attr(tokens_url),
        ),
    }
}

/// To an admin: the invitations they sent that expired unanswered since the
/// last digest (`emails`, the first of `total`), with where to resend them.
pub fn expired_digest(
    org_name: &str,
    emails: &[crate::domain::Email],
    total: u32,
    invitations_url: &str,
) -> RenderedMail {
    let org = plain_org_name(org_name);
    let more = (total as usize).saturating_sub(emails.len());
    let tail = if more > 0 {
        format!("and {more} more\n")
    } else {
        String::new()
    };
    let plural = if total == 1 { "" } else { "s" };
    let listed: String = emails.iter().map(|e| format!("- {e}\n")).collect();
    let items: String = emails
        .iter()
        .map(|e| format!("<li>{}</li>", text(e.as_str())))
        .collect();
    RenderedMail {
        subject: format!("{total} invitation{plural} to {org} expired unanswered"),
        text: format!(
            "These invitations you sent to the organization {org} on Roster expired \
             without being accepted:\n\n{listed}{tail}\n\
             Resend them from the Invitations page: {invitations_url}\n\n\
             You get this digest because an admin of {org} turned it on.\n"
        ),
        html: format!(
            "<!doctype html><html><head>{NO_DETECTION}</head><body>\
             <p>These invitations you sent to the organization <strong>{org_html}</strong> \
             on Roster expired without being accepted:</p><ul>{items}</ul>{more_html}\
             <p>Resend them from the <a href=\"{href}\">Invitations page</a>.</p>\
             <p>You get this digest because an admin of {org_html} turned it on.</p>\
             </body></html>",
            org_html = text(&org),
            more_html = if more > 0 {
                format!("<p>and {more} more</p>")
            } else {
                String::new()
            },
            href = attr(invitations_url),
        ),
    }
}

/// To an admin: a webhook endpoint of the org failed for three days and
/// was disabled. The endpoint's URL stays out of the mail (it is the org's
/// own text); the console shows it.
pub fn webhook_disabled(org_name: &str, webhooks_url: &str) -> RenderedMail {
    let org = plain_org_name(org_name);
    RenderedMail {
        subject: format!("A webhook endpoint of {org} was disabled"),
        text: format!(
            "A webhook endpoint of the organization {org} on Roster failed every \
             delivery for three days, so Roster disabled it. Events are no longer sent to it.\n\n\
             See its deliveries, fix it and enable it again on the Webhooks page: {webhooks_url}\n"
        ),
        html: format!(
            "<!doctype html><html><head>{NO_DETECTION}</head><body>\
             <p>A webhook endpoint of the organization <strong>{org}</strong> on Roster failed \
             every delivery for three days, so Roster disabled it. Events are no longer sent to it.</p>\
             <p>See its deliveries, fix it and enable it again on the \
             <a href=\"{href}\">Webhooks page</a>.</p>\
             </body></html>",
            org = text(&org),
            href = attr(webhooks_url),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCEPT: &str = "https://roster.test/invitations/accept?token=abc";

    /// What an autolinker would turn into a link: `scheme:`, `www.`, or a
    /// `name.tld` / `user@host` run of characters.
    fn linkable_runs(s: &str) -> Vec<String> {
        // `[` and `]` cannot be part of a host name, so they end a run.
        s.split(|c: char| c.is_whitespace() || "<>\"\u{201C}\u{201D}()[]".contains(c))
            .filter(|w| {
                let w = w.trim_end_matches(['.', ',', '!', '?']);
                w.contains("://")
                    || w.contains("www.")
                    || w.split('@').filter(|p| !p.is_empty()).count() > 1
                    || w.split('.').filter(|p| !p.is_empty()).count() > 1
            })
            .map(str::to_owned)
            .collect()
    }

    fn invite(name: &str) -> RenderedMail {
        invitation(
            name,
            "alice@example.com",
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            ACCEPT,
        )
    }

    #[test]
    fn invitation_names_org_inviter_link_and_expiry() {
        let mail = invite("Acme");
        assert!(mail.subject.contains("\u{201C}Acme\u{201D}"));
        assert!(mail.text.contains("\u{201C}Acme\u{201D}"));
        assert!(mail.text.contains("alice@example.com"));
        assert!(mail.text.contains(ACCEPT));
        assert!(mail.html.contains("2027-01-15"));
    }

    #[test]
    fn a_reminder_says_when_the_invitation_expires_and_escapes_like_the_first_mail() {
        let expires = DateTime::parse_from_rfc3339("2027-01-15T10:00:00Z").unwrap();
        let mail = invitation_reminder("A & B", "alice@example.com", expires.into(), ACCEPT);
        assert!(mail.subject.starts_with("Reminder:"));
        assert!(mail.text.contains("2027-01-15 10:00 UTC"));
        assert!(mail.text.contains(ACCEPT) && mail.text.contains("alice@example.com"));
        assert!(mail.html.contains("A &amp; B") && !mail.html.contains("A & B"));
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

    #[test]
    fn an_org_name_that_looks_like_a_link_is_not_one_in_any_part() {
        for hostile in [
            "evil.example",
            "Log in at https://evil.example/reset now",
            "www.evil.example",
            "pay@evil.example",
            "Acme Inc. evil.co.uk",
        ] {
            let mail = invite(hostile);
            for (part, body) in [
                ("subject", &mail.subject),
                ("text", &mail.text),
                ("html", &mail.html),
            ] {
                let links: Vec<String> = linkable_runs(body)
                    .into_iter()
                    .filter(|w| !w.contains("roster.test") && w != "alice@example.com")
                    .collect();
                assert!(links.is_empty(), "{hostile:?} {part}: {links:?}");
            }
            // The only anchor is Roster's own.
            assert_eq!(mail.html.matches("<a ").count(), 1, "{}", mail.html);
            assert!(mail.html.contains(&format!("<a href=\"{}\"", attr(ACCEPT))));
            assert_eq!(mail.text.matches("https://").count(), 1);
        }
        let seat = seat_assigned("evil.example", "https://roster.test/orgs/x/tokens");
        assert!(seat.subject.contains("evil[.]example"));
        assert!(!seat.text.contains("evil.example"));
        assert!(!seat.html.contains("evil.example"));
    }

    #[test]
    fn ordinary_names_read_as_typed() {
        assert_eq!(plain_org_name("Acme Inc."), "\u{201C}Acme Inc.\u{201D}");
        assert_eq!(
            plain_org_name("Team: Berlin, Inc. (EU)"),
            "\u{201C}Team: Berlin, Inc. (EU)\u{201D}"
        );
        assert_eq!(plain_org_name("Acme.com"), "\u{201C}Acme[.]com\u{201D}");
    }

    #[test]
    fn a_disabled_webhook_mail_names_the_org_defanged_and_links_only_to_the_console() {
        let mail = webhook_disabled("evil.example", "https://roster.test/app/orgs/x/webhooks");
        assert!(mail.subject.contains("evil[.]example"), "{}", mail.subject);
        for body in [&mail.text, &mail.html] {
            assert!(!body.contains("evil.example"));
            assert!(body.contains("three days"));
        }
        assert_eq!(mail.html.matches("<a ").count(), 1);
        assert!(mail.html.contains("url=no"));
        assert_eq!(mail.text.matches("https://").count(), 1);
    }

    #[test]
    fn html_tells_clients_not_to_detect_links() {
        assert!(invite("Acme").html.contains("url=no"));
        assert!(
            seat_assigned("Acme", "https://x.test/t")
                .html
                .contains("url=no")
        );
    }
}
