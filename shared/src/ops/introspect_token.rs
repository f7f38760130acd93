//! `POST /tokens/introspect`: for channel servers. A token is active only if
//! its lookup item exists (not revoked), it has not expired (checked against
//! the clock, not TTL), its holder is still a member holding the very seat the
//! token was issued under, and the channel (if asked) is in scope. Two reads,
//! however many tokens the member holds: revoking a seat or removing a member
//! kills them all at once.

use super::OpError;
use crate::App;
use crate::domain::{AccessToken, AccessTokenSecret, Channel};

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
    if !token.hash.matches(&hash) || app.now() >= token.expires_at {
        return Ok(None);
    }
    if input
        .channel
        .is_some_and(|c| !token.channels.allows(c.as_str()))
    {
        return Ok(None);
    }
    let Some(member) = app.store.member(&token.org, &token.user_id).await? else {
        return Ok(None);
    };
    if !member.has_seat() || member.seat_epoch != token.seat_epoch {
        return Ok(None);
    }
    Ok(Some(token))
}
