//! `POST /tokens/introspect`: for channel servers. A token is active only if
//! its lookup item exists (not revoked), the channel (if asked) is in scope,
//! and [`AccessToken::inactive`] finds nothing: it has not expired (checked
//! against the clock, not TTL) and its holder is still the member, holding
//! the very seat, it was issued under (the rule listings show too). Two
//! reads, however many tokens the member holds: revoking a seat or removing a
//! member kills them all at once.
//!
//! An active token's use is recorded (on the token and on its seat, for the
//! idle-seat view) when the recorded one is an hour old or more: one
//! transaction per token per hour at most, so the hot path almost never
//! writes. The write is a courtesy: its failure never changes the answer.

use crate::App;
use crate::domain::{AccessToken, AccessTokenSecret, Channel};
use crate::ops::OpError;
use crate::store::tokens;

pub struct Introspection {
    /// The token as presented (not yet known to be of the right shape).
    pub token: String,
    pub channel: Option<Channel>,
}

/// The token if it is active, `None` for every kind of inactive.
pub async fn introspect(app: &App, input: Introspection) -> Result<Option<AccessToken>, OpError> {
    let Some(hash) = AccessTokenSecret::hash_presented(&input.token) else {
        return Ok(None);
    };
    let Some(token) = app.store.token_by_hash(&hash).await? else {
        return Ok(None);
    };
    // Secrets are only ever compared through their hashes, in constant time;
    // the lookup by hash already matched, this guards against a stored item
    // whose attributes disagree with its key.
    if !token.credential.hash.matches(&hash) || token.credential.is_expired(app.now()) {
        return Ok(None);
    }
    if input
        .channel
        .is_some_and(|c| !token.channels.allows(c.as_str()))
    {
        return Ok(None);
    }
    let member = app
        .store
        .member(&token.credential.org, &token.user_id)
        .await?;
    let now = app.now();
    if token.inactive(member.as_ref(), now).is_some() {
        return Ok(None);
    }
    if token.credential.use_is_stale(now) {
        match app.store.transact(tokens::record_use(&token, now)).await {
            // Revoked, or its seat lost, since the reads: the answer stands.
            Err(err) if err.is_condition_failed() => {}
            Err(err) => {
                tracing::warn!(error = %crate::error_chain::ErrorChain(&err), "cannot record the token's use")
            }
            Ok(()) => {}
        }
    }
    Ok(Some(token))
}
