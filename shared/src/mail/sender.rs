//! The SES v2 sender, with retries (backoff and jitter) on throttling and
//! transient errors; permanent rejections are returned at once. SES's error
//! texts can name addresses: they are logged through
//! [`ErrorChain`](crate::error_chain::ErrorChain), which scrubs them.

use super::RenderedMail;
use crate::domain::Email;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[derive(Clone)]
pub struct Mailer {
    /// Built on the first send when the mailer is [`Mailer::lazy`].
    client: Arc<OnceLock<Client>>,
    sdk: Option<aws_types::SdkConfig>,
    from: Email,
    /// The SES configuration set every message goes through (deployed: the one
    /// whose bounce and complaint events come back to Roster).
    configuration_set: Option<String>,
    max_tries: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// SES will not take this message as it is (bad sender, bad recipient...):
    /// retrying right away will not help.
    #[error("SES rejected the message ({code})")]
    Rejected {
        code: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Throttled or unavailable after every retry.
    #[error("SES is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Mailer {
    pub fn new(client: Client, from: Email) -> Self {
        Self {
            client: Arc::new(OnceLock::from(client)),
            ..Self::unbuilt(from)
        }
    }

    /// A mailer whose SES client is built from `sdk` on the first send, so a
    /// function that never mails never pays for the client at cold start.
    pub fn lazy(sdk: &aws_types::SdkConfig, from: Email) -> Self {
        Self {
            sdk: Some(sdk.clone()),
            ..Self::unbuilt(from)
        }
    }

    fn unbuilt(from: Email) -> Self {
        Self {
            client: Arc::new(OnceLock::new()),
            sdk: None,
            from,
            configuration_set: None,
            max_tries: 4,
        }
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| {
            Client::new(
                self.sdk
                    .as_ref()
                    .expect("a mailer is built with a client or an SdkConfig"),
            )
        })
    }

    /// Sends every message through the SES configuration set `name`.
    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name.filter(|n| !n.is_empty());
        self
    }

    /// Sends `mail` to `to` with message `tags` (SES echoes them in the
    /// bounce and complaint events); returns the SES message id.
    pub async fn send(
        &self,
        to: &Email,
        mail: &RenderedMail,
        tags: &[(&str, String)],
    ) -> Result<String, MailError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(to, mail, tags).await {
                Ok(id) => return Ok(id),
                Err(MailError::Unavailable(source)) if attempt < self.max_tries => {
                    tracing::warn!(
                        attempt,
                        error = %crate::error_chain::ErrorChain(source.as_ref()),
                        "SES send failed, retrying"
                    );
                    tokio::time::sleep(backoff_with_jitter(attempt)).await;
                }
                Err(other) => return Err(other),
            }
        }
    }

    async fn send_once(
        &self,
        to: &Email,
        mail: &RenderedMail,
        tags: &[(&str, String)],
    ) -> Result<String, MailError> {
        let content = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .expect("content has data")
        };
        let message = Message::builder()
            .subject(content(&mail.subject))
            .body(
                Body::builder()
                    .text(content(&mail.text))
                    .html(content(&mail.html))
                    .build(),
            )
            .build();
        let tags = tags
            .iter()
            .map(|(name, value)| {
                MessageTag::builder()
                    .name(*name)
                    .value(value)
                    .build()
                    .expect("a tag has a name and a value")
            })
            .collect();
        let result = self
            .client()
            .send_email()
            .from_email_address(self.from.as_str())
            .set_configuration_set_name(self.configuration_set.clone())
            .destination(Destination::builder().to_addresses(to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_email_tags(Some(tags))
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.message_id.unwrap_or_default()),
            Err(err) => {
                let code = err.code().unwrap_or("").to_owned();
                let transient = matches!(
                    code.as_str(),
                    "TooManyRequestsException"
                        | "Throttling"
                        | "ThrottlingException"
                        | "LimitExceededException"
                        | "InternalFailure"
                        | "ServiceUnavailable"
                ) || code.is_empty();
                if transient {
                    Err(MailError::Unavailable(Box::new(err)))
                } else {
                    Err(MailError::Rejected {
                        code,
                        source: Box::new(err),
                    })
                }
            }
        }
    }
}

/// Full jitter: a random wait up to 100 ms × 2^attempt, capped at 2 s.
fn backoff_with_jitter(attempt: u32) -> Duration {
    let cap = (100u64 << attempt.min(5)).min(2_000);
    let mut byte = [0u8; 2];
    getrandom::fill(&mut byte).ok();
    let r = u16::from_le_bytes(byte) as u64;
    Duration::from_millis(cap * r / u64::from(u16::MAX) + 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jittered_backoff_stays_under_its_cap() {
        for attempt in 1..10 {
            assert!(backoff_with_jitter(attempt) <= Duration::from_millis(2_010));
        }
    }
}
