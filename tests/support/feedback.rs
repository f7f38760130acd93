//! SES feedback in tests: an interceptor that keeps the tags of every message
//! the handlers send, and SES's recorded event shapes (bounce, complaint)
//! carrying those tags, delivered as SNS events to the real `mail-events`
//! handler. The emulator cannot bounce mail; these shapes stand in for SES.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A message's tags, by name.
pub type Tags = BTreeMap<String, String>;

/// The tags of each message sent, by recipient (the latest send last).
#[derive(Debug, Clone, Default)]
pub struct SentTags {
    sent: Arc<Mutex<Vec<(String, Tags)>>>,
}

impl SentTags {
    /// The tags of the latest message sent to `to`.
    pub fn latest(&self, to: &str) -> Option<Tags> {
        let sent = self.sent.lock().expect("tags lock");
        sent.iter()
            .rev()
            .find(|(addr, _)| addr == to)
            .map(|(_, tags)| tags.clone())
    }
}

impl Intercept for SentTags {
    fn name(&self) -> &'static str {
        "SentTags"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_sesv2::operation::send_email::SendEmailInput;
        if let Some(send) = context.input().downcast_ref::<SendEmailInput>() {
            let tags = send
                .email_tags()
                .iter()
                .map(|t| (t.name().to_owned(), t.value().to_owned()))
                .collect();
            let to = send
                .destination()
                .map(|d| d.to_addresses().join(","))
                .unwrap_or_default();
            self.sent.lock().expect("tags lock").push((to, tags));
        }
        Ok(())
    }
}

/// What SES reports.
#[derive(Debug, Clone, Copy)]
pub enum Feedback {
    PermanentBounce,
    TransientBounce,
    Complaint,
}

/// SES's event publishing JSON for `feedback` about a message to `to` that
/// carried `tags` (as SES echoes them: name to a list of values, beside its
/// own `ses:` tags).
pub fn ses_event(feedback: Feedback, to: &str, tags: &Tags) -> Value {
    let mut mail_tags: serde_json::Map<String, Value> =
        tags.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
    mail_tags.insert(
        "ses:configuration-set".into(),
        json!(["roster-mail-events"]),
    );
    mail_tags.insert("ses:source-ip".into(), json!(["192.0.2.0"]));
    let mail = json!({
        "timestamp": "2026-11-29T05:40:02.012Z",
        "source": "no-reply@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
        "sendingAccountId": "123456789012",
        "messageId": "0100018c1d2e3f4a-example-000000",
        "destination": [to],
        "headersTruncated": false,
        "tags": mail_tags,
    });
    match feedback {
        Feedback::PermanentBounce | Feedback::TransientBounce => {
            let (kind, sub) = match feedback {
                Feedback::PermanentBounce => ("Permanent", "General"),
                _ => ("Transient", "MailboxFull"),
            };
            json!({
                "eventType": "Bounce",
                "bounce": {
                    "feedbackId": "0100018c-bounce-000000",
                    "bounceType": kind,
                    "bounceSubType": sub,
                    "bouncedRecipients": [{
                        "emailAddress": to,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }],
                    "timestamp": "2026-11-29T05:41:02.669Z",
                    "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
                },
                "mail": mail,
            })
        }
        Feedback::Complaint => json!({
            "eventType": "Complaint",
            "complaint": {
                "feedbackId": "0100018c-complaint-000000",
                "complainedRecipients": [{"emailAddress": to}],
                "timestamp": "2026-11-29T05:42:02.000Z",
                "userAgent": "Mozilla/5.0",
                "complaintFeedbackType": "abuse",
                "arrivalDate": "2026-11-29T05:42:01.000Z",
            },
            "mail": mail,
        }),
    }
}

/// An SNS event (as Lambda receives it from the topic) with `message`.
pub fn sns_event(message: &str) -> aws_lambda_events::event::sns::SnsEvent {
    serde_json::from_value(json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:mail-events:1",
            "Sns": {
                "Type": "Notification",
                "MessageId": uuid::Uuid::new_v4().to_string(),
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:mail-events",
                "Subject": null,
                "Message": message,
                "Timestamp": "2026-11-29T05:41:03.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/unsubscribe",
                "MessageAttributes": {},
            },
        }],
    }))
    .expect("an SNS event")
}
