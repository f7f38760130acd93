//! `mail-events`: fed by the SNS topic SES publishes the configuration set's
//! bounce and complaint events to. Each message is read into a
//! [`MailEvent`](crate::mail::feedback::MailEvent) and recorded; a message
//! that can never be read (not SES's shape, not Roster's tags) is logged and
//! dropped. A store failure fails the invocation, so Lambda retries it (and,
//! after its retries, the template's dead-letter queue keeps it): recording
//! is idempotent, so a retry of an event already recorded changes nothing.

use crate::App;
use crate::error_chain::ErrorChain;
use crate::mail::feedback::{Parsed, parse};
use crate::ops::mail::feedback::record_mail_feedback;
use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use lambda_runtime::LambdaEvent;
use std::sync::Arc;
use tracing::Instrument;

pub async fn handle(
    app: Arc<App>,
    event: LambdaEvent<SnsEvent>,
) -> Result<(), lambda_runtime::Error> {
    for record in event.payload.records {
        let span = tracing::info_span!(
            "record",
            op = "mail-events",
            message_id = %record.sns.message_id,
            org = tracing::field::Empty
        );
        // Boxed: the nested futures are otherwise too deep for rustc's layout query.
        Box::pin(record_one(&app, &record).instrument(span)).await?;
    }
    Ok(())
}

/// Records one SNS message; `Err` only for a failure worth retrying.
async fn record_one(app: &App, record: &SnsRecord) -> Result<(), lambda_runtime::Error> {
    let event = match parse(&record.sns.message) {
        Ok(Parsed::Event(event)) => event,
        Ok(Parsed::Ignored(why)) => {
            tracing::info!(why, "mail event ignored");
            return Ok(());
        }
        Err(err) => {
            tracing::error!(error = %ErrorChain(&err), "mail event unreadable, dropped");
            return Ok(());
        }
    };
    tracing::Span::current().record("org", event.org.as_str());
    match record_mail_feedback(app, &event).await {
        Ok(recorded) => {
            let suppressed = recorded.iter().filter(|r| r.suppressed).count();
            let marked = recorded.iter().filter(|r| r.invitation_marked).count();
            tracing::info!(kind = ?event.kind, recipients = recorded.len(), suppressed, marked, "mail event recorded");
            Ok(())
        }
        Err(err) => {
            tracing::warn!(error = %ErrorChain(&err), "mail event not recorded, will be retried");
            Err(Box::new(err))
        }
    }
}
