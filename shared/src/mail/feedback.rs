//! SES feedback: the tags Roster puts on every message it sends, and the
//! bounce and complaint events SES publishes for them (through the
//! configuration set's SNS topic), read back into what Roster acts on.
//!
//! The tags carry what the event must find again without a lookup: the org,
//! what the mail was about and, for an invitation, its generation (so an
//! event about an old mail cannot mark a resent invitation).

use crate::domain::{Email, Invalid, MailKind, OrgSlug, OutboxMessage};
use serde::Deserialize;
use std::collections::HashMap;

pub const TAG_ORG: &str = "roster-org";
pub const TAG_KIND: &str = "roster-kind";
pub const TAG_GENERATION: &str = "roster-generation";

/// The message tags of an outbox message. SES allows only ASCII letters,
/// digits, `_` and `-` in tag values: slugs, kind names and numbers are.
pub fn tags_for(msg: &OutboxMessage) -> Vec<(&'static str, String)> {
    let mut tags = vec![
        (TAG_ORG, msg.org.as_str().to_owned()),
        (TAG_KIND, msg.kind.name().to_owned()),
    ];
    if let MailKind::Invitation { generation, .. } = &msg.kind {
        tags.push((TAG_GENERATION, generation.to_string()));
    }
    tags
}

/// A bounce or complaint about one message of Roster's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailEvent {
    pub kind: EventKind,
    pub org: OrgSlug,
    /// The invitation generation the mail carried, for invitation mail.
    pub invitation_generation: Option<u64>,
    /// The recipients it is about, with what SES said of each.
    pub recipients: Vec<(Email, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A permanent bounce: the address does not exist; suppressed.
    HardBounce,
    /// A transient or undetermined bounce (full mailbox, greylisting): shown
    /// on the invitation, not suppressed.
    SoftBounce,
    Complaint,
}

/// What to do with one SNS message.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Event(MailEvent),
    /// Well-formed, but nothing for Roster: another event type (delivery,
    /// open...), or a message Roster did not tag.
    Ignored(&'static str),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    /// Configuration-set event publishing says `eventType`; identity
    /// notifications say `notificationType`. Both shapes are read.
    event_type: Option<String>,
    notification_type: Option<String>,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
    mail: Mail,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    #[serde(default)]
    bounce_sub_type: String,
    bounced_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    complained_recipients: Vec<Recipient>,
    complaint_feedback_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
    diagnostic_code: Option<String>,
}

#[derive(Deserialize)]
struct Mail {
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

/// Reads one SNS message body. `Err` is a message that can never be acted on
/// (not JSON, not SES's shape, a recipient that is not an address).
pub fn parse(message: &str) -> Result<Parsed, Invalid> {
    let note: Notification = serde_json::from_str(message)
        .map_err(|e| Invalid::new(format!("not an SES event: {e}")))?;
    let event_type = note
        .event_type
        .or(note.notification_type)
        .unwrap_or_default();
    let (kind, recipients, said) = match (event_type.as_str(), note.bounce, note.complaint) {
        ("Bounce", Some(b), _) => {
            let kind = if b.bounce_type == "Permanent" {
                EventKind::HardBounce
            } else {
                EventKind::SoftBounce
            };
            let said = format!("{} bounce ({})", b.bounce_type, b.bounce_sub_type);
            (kind, b.bounced_recipients, said)
        }
        ("Complaint", _, Some(c)) => {
            let feedback = c
                .complaint_feedback_type
                .unwrap_or_else(|| "unknown".into());
            let said = format!("complaint ({feedback})");
            (EventKind::Complaint, c.complained_recipients, said)
        }
        ("Bounce" | "Complaint", _, _) => {
            return Err(Invalid::new(format!(
                "{event_type} event without its details"
            )));
        }
        _ => return Ok(Parsed::Ignored("not a bounce or complaint")),
    };
    let tag = |name: &str| note.mail.tags.get(name).and_then(|v| v.first()).cloned();
    let Some(org) = tag(TAG_ORG) else {
        return Ok(Parsed::Ignored("mail without Roster's tags"));
    };
    let org = OrgSlug::parse(&org).map_err(|_| Invalid::new("the org tag is not a slug"))?;
    let invitation_generation = match tag(TAG_KIND).as_deref() {
        Some("invitation" | "reminder") => tag(TAG_GENERATION).and_then(|g| g.parse().ok()),
        _ => None,
    };
    let recipients = recipients
        .into_iter()
        .map(|r| {
            let email = Email::parse(&r.email_address)
                .map_err(|_| Invalid::new("a recipient is not an email address"))?;
            let detail = match r.diagnostic_code {
                Some(code) => format!("{said}: {code}"),
                None => said.clone(),
            };
            Ok((email, detail))
        })
        .collect::<Result<_, Invalid>>()?;
    Ok(Parsed::Event(MailEvent {
        kind,
        org,
        invitation_generation,
        recipients,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// SES's event publishing shape (docs: "Examples of event data that
    /// Amazon SES publishes to Amazon SNS"), trimmed to the fields read and
    /// a few it carries beside them.
    fn event(kind: &str, detail: serde_json::Value, tags: serde_json::Value) -> String {
        let mut event = json!({
            "eventType": kind,
            "mail": {
                "timestamp": "2026-11-29T05:40:02.012Z",
                "source": "Roster <no-reply@example.com>",
                "messageId": "0100018c-example",
                "destination": ["bob@example.com"],
                "tags": tags,
            },
        });
        event[kind.to_lowercase()] = detail;
        event.to_string()
    }

    fn roster_tags() -> serde_json::Value {
        json!({
            "ses:configuration-set": ["roster-mail"],
            "roster-org": ["acme"],
            "roster-kind": ["invitation"],
            "roster-generation": ["1764394802012"],
        })
    }

    #[test]
    fn a_permanent_bounce_names_org_generation_and_recipient() {
        let bounce = json!({
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{
                "emailAddress": "Bob@Example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }],
            "timestamp": "2026-11-29T05:41:02.669Z",
        });
        let Parsed::Event(event) = parse(&event("Bounce", bounce, roster_tags())).unwrap() else {
            panic!("a bounce is an event");
        };
        assert_eq!(event.kind, EventKind::HardBounce);
        assert_eq!(event.org.as_str(), "acme");
        assert_eq!(event.invitation_generation, Some(1_764_394_802_012));
        assert_eq!(event.recipients.len(), 1);
        assert_eq!(event.recipients[0].0.as_str(), "bob@example.com");
        assert_eq!(
            event.recipients[0].1,
            "Permanent bounce (General): smtp; 550 5.1.1 user unknown"
        );
    }

    #[test]
    fn transient_bounces_and_complaints_are_told_apart() {
        let soft = json!({"bounceType": "Transient", "bounceSubType": "MailboxFull",
            "bouncedRecipients": [{"emailAddress": "bob@example.com"}]});
        let Parsed::Event(e) = parse(&event("Bounce", soft, roster_tags())).unwrap() else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::SoftBounce);
        let complaint = json!({"complainedRecipients": [{"emailAddress": "bob@example.com"}],
            "complaintFeedbackType": "abuse"});
        let Parsed::Event(e) = parse(&event("Complaint", complaint, roster_tags())).unwrap() else {
            panic!()
        };
        assert_eq!(e.kind, EventKind::Complaint);
        assert_eq!(e.recipients[0].1, "complaint (abuse)");
    }

    #[test]
    fn other_events_and_untagged_mail_are_ignored_and_garbage_refused() {
        let delivery = event(
            "Delivery",
            json!({"recipients": ["bob@example.com"]}),
            roster_tags(),
        );
        assert!(matches!(parse(&delivery), Ok(Parsed::Ignored(_))));
        let bounce = json!({"bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "bob@example.com"}]});
        let untagged = event(
            "Bounce",
            bounce.clone(),
            json!({"ses:configuration-set": ["x"]}),
        );
        assert!(matches!(parse(&untagged), Ok(Parsed::Ignored(_))));
        assert!(parse("not json").is_err());
        assert!(parse(&event("Bounce", json!(null), roster_tags())).is_err());
        let forged = event("Bounce", bounce, json!({"roster-org": ["../admin"]}));
        assert!(parse(&forged).is_err());
    }

    #[test]
    fn a_bounce_of_a_reminder_names_the_generation_as_one_of_the_first_mail_does() {
        let bounce = json!({"bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "bob@example.com"}]});
        let tags = json!({"roster-org": ["acme"], "roster-kind": ["reminder"], "roster-generation": ["42"]});
        let Parsed::Event(event) = parse(&event("Bounce", bounce, tags)).unwrap() else {
            panic!("a reminder's bounce is Roster's");
        };
        assert_eq!(event.invitation_generation, Some(42));
    }

    #[test]
    fn tags_name_org_kind_and_generation_in_characters_ses_allows() {
        let msg = OutboxMessage::new(
            OrgSlug::parse("acme-2").unwrap(),
            crate::domain::OrgName::parse("Acme").unwrap(),
            Email::parse("bob@example.com").unwrap(),
            MailKind::Invitation {
                invited_by: Email::parse("ann@example.com").unwrap(),
                generation: 42,
                expires_at: chrono::Utc::now(),
                reminder: false,
            },
            chrono::Utc::now(),
        );
        let tags = tags_for(&msg);
        assert_eq!(
            tags,
            vec![
                (TAG_ORG, "acme-2".to_owned()),
                (TAG_KIND, "invitation".to_owned()),
                (TAG_GENERATION, "42".to_owned())
            ]
        );
        let allowed = |v: &str| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        assert!(tags.iter().all(|(k, v)| allowed(k) && allowed(v)));
    }
}
