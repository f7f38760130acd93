//! `POST /orgs/{org}/tokens` (for oneself) and
//! `POST /orgs/{org}/members/{user_id}/tokens` (an admin, for a seated member):
//! a new `rst_` token, shown once, stored as its SHA-256 only, bound to the
//! member's current seat.

use super::{Caller, Membership, OpError, audit};
use crate::App;
use crate::domain::Limit;
use crate::domain::{
    AccessTokenSecret, Action, ChannelScope, OrgSlug, TokenName, TokenTtlDays, UserId,
};
use crate::store::attrs::n;
use crate::store::tokens::{self, StoredToken};
use crate::store::tx::{Expr, check, put_new};
use crate::store::{members, quotas};
use serde_json::json;

pub struct NewToken {
    pub name: TokenName,
    pub ttl: TokenTtlDays,
    pub channels: ChannelScope,
}

pub struct IssuedToken {
    pub token: StoredToken,
    /// The plaintext, for the 201 answer only.
    pub secret: String,
}

pub async fn issue_token(
    app: &App,
    caller: &Caller,
    slug: &OrgSlug,
    holder: &UserId,
    input: NewToken,
) -> Result<IssuedToken, OpError> {
    caller.require_verified()?;
    let for_self = *holder == caller.user_id;
    let extra = if for_self {
        vec![]
    } else {
        vec![members::member_key(slug, holder)]
    };
    let membership = Membership::load(app, slug, caller, extra).await?;
    if !for_self {
        membership.require(Action::IssueTokenForOther)?;
    }
    let member = membership.member(holder)?;
    if !member.has_seat() {
        return Err(OpError::SeatRequired);
    }
    let now = app.now();
    let secret = AccessTokenSecret::generate();
    let token = StoredToken {
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
    let table = app.store.table();
    let mut actions = vec![
        // The seat the token is bound to must still be there as we write.
        check(
            table,
            members::member_key(slug, holder),
            "attribute_exists(seat_assigned_at) AND seat_epoch = :epoch",
            Expr::new().value(":epoch", n(member.seat_epoch)),
        ),
        put_new(table, tokens::to_item(&token)),
        put_new(table, tokens::to_lookup_item(&token)),
        audit::entry(
            app,
            slug,
            caller,
            "token.issued",
            holder.as_str(),
            json!({"token_id": token.id, "name": token.name, "channels": token.channels.to_strings(),
                   "expires_at": crate::http::views::time(token.expires_at)}),
        ),
    ];
    // Tokens issued to this holder today, counted in the issuing transaction.
    let max_tokens = app.config.limits.tokens_per_member_per_day;
    let over = || {
        OpError::LimitExceeded(quotas::daily_refusal(
            Limit::TokensPerMemberPerDay,
            max_tokens,
            now,
        ))
    };
    actions.push(
        quotas::take(
            table,
            quotas::member_tokens_today(slug, holder, now),
            1,
            max_tokens,
            quotas::daily(now),
        )
        .ok_or_else(over)?,
    );
    let quota_index = actions.len() - 1;
    if !for_self {
        actions.push(membership.still_authorized(app));
    }
    match app.store.transact(actions).await {
        Ok(()) => Ok(IssuedToken {
            token,
            secret: secret.expose(),
        }),
        Err(err) if err.failed_at(0) => Err(OpError::SeatRequired),
        Err(err) if err.failed_at(quota_index) => Err(over()),
        Err(err) if err.failed_at(quota_index + 1) => Err(OpError::Forbidden),
        Err(err) => Err(err.into()),
    }
}
