//! `POST /orgs/{org}/tokens` (for oneself) and
//! `POST /orgs/{org}/members/{user_id}/tokens` (an admin, for a seated member,
//! or anyone for themselves): a new `rst_` token, shown once, stored as its
//! SHA-256 only, bound to the member's current seat.

use crate::App;
use crate::domain::Limit;
use crate::domain::time::rfc3339;
use crate::domain::{
    AccessToken, AccessTokenSecret, Action, ChannelScope, Credential, Member, OrgSlug,
    PrefixedSecret, TokenName, TokenTtlDays, UserId,
};
use crate::ops::commit::{Audit, commit};
use crate::ops::quota::Daily;
use crate::ops::{Caller, Membership, OpError};
use crate::store::{Reads, Transaction, members, quotas, tokens};
use chrono::{DateTime, Utc};
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
    let (slug, holder) = (&input.org, &input.holder);
    let for_self = *holder == caller.user_id;
    if for_self {
        caller.require_person()?;
    }
    let membership = Membership::load(app, slug, caller, Reads::new().member(slug, holder)).await?;
    if !for_self {
        membership.require(Action::IssueTokenForOther)?;
    }
    let member = membership.member(holder)?;
    let now = app.now();
    let secret = AccessTokenSecret::generate();
    let token = new_token(&member, &input, &secret, now)?;
    let [entry, lookup] = tokens::create(&token);
    let mut tx = Transaction::new();
    // The seat the token is bound to must still be there as we write.
    tx.push("seat", members::holds_seat(slug, holder, member.seat_epoch))
        .push("token", entry)
        .push("lookup", lookup);
    // Tokens issued to this holder today, counted in the issuing transaction.
    let daily = Daily {
        limit: Limit::TokensPerMemberPerDay,
        max: app.config.limits.tokens_per_member_per_day,
        now,
    };
    tx.push(
        "tokens_today",
        daily.take_one(quotas::member_tokens_today(slug, holder, now))?,
    );
    let c = &token.credential;
    let detail = json!({"token_id": c.id, "name": c.name,
        "channels": token.channels.to_strings(), "expires_at": rfc3339(c.expires_at)});
    let audit = Audit::new("token.issued", holder.as_str(), detail);
    let guard = (!for_self).then_some(&membership);
    match commit(app, &membership, slug, tx, audit, guard).await? {
        Ok(()) => Ok(IssuedToken {
            token,
            secret: secret.expose(),
        }),
        Err(lost) if lost.on("seat") => Err(OpError::SeatRequired),
        Err(lost) if lost.on("tokens_today") => Err(daily.refusal()),
        Err(lost) => Err(lost.into()),
    }
}

/// The token `input` asks for, bound to `holder`'s current seat (a holder
/// without one gets none), stored as `secret`'s hash only.
fn new_token(
    holder: &Member,
    input: &NewToken,
    secret: &PrefixedSecret,
    now: DateTime<Utc>,
) -> Result<AccessToken, OpError> {
    if !holder.has_seat() {
        return Err(OpError::SeatRequired);
    }
    Ok(AccessToken {
        credential: Credential::new(&input.org, &input.name, input.ttl, secret, now),
        user_id: holder.user_id.clone(),
        channels: input.channels.clone(),
        seat_epoch: holder.seat_epoch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::ops::fixtures::{at, member, slug};

    fn asked(holder: &Member) -> NewToken {
        NewToken {
            org: slug(),
            holder: holder.user_id.clone(),
            name: TokenName::parse("laptop").unwrap(),
            ttl: TokenTtlDays::parse(30).unwrap(),
            channels: ChannelScope::All,
        }
    }

    #[test]
    fn a_token_is_bound_to_the_holders_seat_and_works_until_its_ttl() {
        let holder = Member {
            seat_epoch: 42,
            ..member("bob", Role::Member, true)
        };
        let secret = AccessTokenSecret::generate();
        let now = at(0);
        let token = new_token(&holder, &asked(&holder), &secret, now).unwrap();
        assert_eq!(token.seat_epoch, 42);
        assert_eq!(token.user_id, holder.user_id);
        assert_eq!(
            token.credential.expires_at,
            now + chrono::Duration::days(30)
        );
        assert_eq!(token.credential.hash, secret.hash());
        assert_eq!(token.inactive(Some(&holder), now), None);
    }

    #[test]
    fn a_holder_without_a_seat_gets_no_token() {
        let holder = member("bob", Role::Member, false);
        let refused = new_token(
            &holder,
            &asked(&holder),
            &AccessTokenSecret::generate(),
            at(0),
        );
        assert!(matches!(refused, Err(OpError::SeatRequired)));
    }
}
