//! `POST /tokens/introspect`: for channel servers. A token is active only if
//! its lookup item exists (not revoked), it has not expired (checked against
//! the clock, not TTL), its holder is still a member holding the very seat the
//! token was issued under, and the channel (if asked) is in scope. Two reads,
//! however many tokens the member holds: revoking a seat or removing a member
//! kills them all at once.

use crate::App;
use crate::domain::AccessTokenSecret;
use crate::store::tokens::{self, StoredToken};
use crate::store::{StoreError, members};

pub async fn introspect(
    app: &App,
    presented: &str,
    channel: Option<&str>,
) -> Result<Option<StoredToken>, StoreError> {
    let Some(hash) = AccessTokenSecret::hash_presented(presented) else {
        return Ok(None);
    };
    let Some(item) = app.store.get(tokens::lookup_key(&hash)).await? else {
        return Ok(None);
    };
    let token = tokens::from_item(&item)?;
    // Secrets are only ever compared through their hashes, in constant time;
    // the lookup by hash already matched, this guards against a stored item
    // whose attributes disagree with its key.
    if !token.hash.matches(&hash) || app.now() >= token.expires_at {
        return Ok(None);
    }
    if channel.is_some_and(|c| !token.channels.allows(c)) {
        return Ok(None);
    }
    let Some(member_item) = app
        .store
        .get(members::member_key(&token.org, &token.user_id))
        .await?
    else {
        return Ok(None);
    };
    let member = members::from_item(&member_item)?;
    if !member.has_seat() || member.seat_epoch != token.seat_epoch {
        return Ok(None);
    }
    Ok(Some(token))
}
