//! Email: templates rendered in Rust (text + escaped HTML), the SES v2
//! sender, and the bounce and complaint events SES sends back. The outbox items themselves live in [`crate::store::outbox`].

pub mod feedback;
pub mod sender;
pub mod templates;

pub use sender::{MailError, Mailer};
pub use templates::RenderedMail;
