//! `POST /orgs/{org}/tokens` (for oneself) and
//! `POST /orgs/{org}/members/{user_id}/tokens` (an admin, for a seated member,
//! or anyone for themselves): a new `rst_` token, shown once, stored as its
//! SHA-256 only, bound to the member's current seat.

use crate::ops::commit::{Audit, commit};
use crate::ops::{Caller, Membership, OpError};
use crate::App;
use crate::domain::Limit;
use crate::domain::time::rfc3339;
use crate::domain::{
    AccessToken, AccessTokenSecret, Action, ChannelScope, OrgSlug, TokenName, TokenTtlDays, UserId,
};
use crate::store::{Reads, Transaction, members, quotas, tokens};
use serde_json::json;

pub struct NewToken {
    pub org: OrgSlug,
    /// Whose token: the caller, or (for admins) another member.
    pub holder: UserId,
    pub name: TokenName,
    pub ttl: TokenTtlDays,
    pub channels: ChannelScope,
}

pub struct IssuedToken {
    pub token: AccessToken,
    /// The plaintext, for the 201 answer only.
    pub secret: String,
}

pub async fn issue_token(
    app: &App,
    caller: &Caller,
    input: NewToken,
) -> Result<IssuedToken, OpError> {
    caller.require_verified()?;
    let slug = &input.org;
    let holder = &input.holder;
    let for_self = *holder == caller.user_id;
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, holder)).await?;
    if !for_self {
        membership.require(Action::IssueTokenForOther)?;
    }
    let member = membership.member(holder)?;
    if !member.has_seat() {
        return Err(OpError::SeatRequired);
    }
    let now = app.now();
    let secret = AccessTokenSecret::generate();
    let token = AccessToken {
        id: uuid::Uuid::now_v7().to_string(),
        org: slug.clone(),
        user_id: holder.clone(),
        name: input.name,
        channels: input.channels,
        seat_epoch: member.seat_epoch,
        created_at: now,
        expires_at: now + input.ttl.duration(),
        hash: secret.hash(),
    };
    let [entry, lookup] = tokens::create(&token);
    let mut tx = Transaction::new();
    // The seat the token is bound to must still be there as we write.
    tx.push("seat", members::holds_seat(slug, holder, member.seat_epoch))
        .push("token", entry)
        .push("lookup", lookup);
    // Tokens issued to this holder today, counted in the issuing transaction.
    let max_tokens = app.config.limits.tokens_per_member_per_day;
    let over = || {
        OpError::LimitExceeded(quotas::daily_refusal(
            Limit::TokensPerMemberPerDay,
            max_tokens,
            now,
        ))
    };
    let quota = quotas::take(
        quotas::member_tokens_today(slug, holder, now),
        1,
        max_tokens,
        quotas::daily(now),
    )
    .ok_or_else(over)?;
    tx.push("tokens_today", quota);
    let detail = json!({"token_id": token.id, "name": token.name,
        "channels": token.channels.to_strings(), "expires_at": rfc3339(token.expires_at)});
    let audit = Audit::new("token.issued", holder.as_str(), detail);
    let guard = (!for_self).then_some(&membership);
    match commit(app, &membership.caller, slug, tx, audit, guard).await? {
        Ok(()) => Ok(IssuedToken {
            token,
            secret: secret.expose(),
        }),
        Err(lost) if lost.on("seat") => Err(OpError::SeatRequired),
        Err(lost) if lost.on("tokens_today") => Err(over()),
        Err(lost) => Err(lost.into()),
    }
}
