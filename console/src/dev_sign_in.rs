//! `POST /app/dev/token`: the local sign-in. Takes an email and answers a dev
//! JWT (HS256, the claims `sub` = `dev|<email>`, `email`, `email_verified`,
//! `exp` in 12 hours) that the API accepts only where `ROSTER_DEV_JWT_SECRET`
//! is set. The route exists only then: without the secret it is a 404, and
//! the deployed template never sets the secret nor routes a POST here.

use chrono::{DateTime, Utc};
use lambda_http::{Body, Request};
use roster::domain::Email;
use roster::http::ApiError;

const LIFETIME_HOURS: i64 = 12;

#[derive(serde::Deserialize)]
struct Input {
    email: String,
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: String,
    email: &'a str,
    email_verified: bool,
    exp: i64,
}

#[derive(serde::Serialize)]
pub struct Issued {
    pub token: String,
    pub expires_at: String,
}

pub fn issue(req: &Request, secret: &str, now: DateTime<Utc>) -> Result<Issued, ApiError> {
    let body: &[u8] = match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    let input: Input = serde_json::from_slice(body)
        .map_err(|_| ApiError::invalid("body", "expected {\"email\": \"...\"}"))?;
    let email = Email::parse(&input.email).map_err(|e| ApiError::invalid("email", e.0))?;
    let exp = now + chrono::Duration::hours(LIFETIME_HOURS);
    let claims = Claims {
        sub: format!("dev|{email}"),
        email: email.as_str(),
        email_verified: true,
        exp: exp.timestamp(),
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| {
        ApiError::Op(roster::ops::OpError::Internal(
            format!("signing a dev JWT: {e}").into(),
        ))
    })?;
    Ok(Issued {
        token,
        expires_at: exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}
