//! Email: templates rendered in Rust (text + escaped HTML) and the SES v2
//! sender. The outbox items themselves live in [`crate::store::outbox`].

pub mod sender;
pub mod templates;

pub use sender::{MailError, Mailer};
pub use templates::RenderedMail;
