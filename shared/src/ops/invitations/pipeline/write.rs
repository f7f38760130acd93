//! Writing the invitations with their mail, in transactions of up to
//! [`INVITES_PER_WRITE`], with the audit entry, the caller's guard and any
//! other named actions that must commit with them.

use super::CONCURRENCY;
use crate::App;
use crate::domain::{Invitation, MailKind, OrgName, OutboxMessage};
use crate::ops::commit::{Audit, Lost};
use crate::ops::invitations::limits::Take;
use crate::ops::{Membership, OpError};
use crate::store::tx::Action as TxAction;
use crate::store::{MAX_TRANSACTION_ITEMS, Transaction, invitations, outbox};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use serde_json::json;

/// Invitations per transaction: two actions each, plus the audit entry and
/// the caller's authorization check.
pub(crate) const INVITES_PER_WRITE: usize = (MAX_TRANSACTION_ITEMS - 2) / 2;

/// The mail of an invitation at its current generation: delivery mints the
/// link only while the invitation is still at that generation.
pub fn invitation_mail(inv: &Invitation, org_name: &OrgName, now: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage::new(
        inv.org.clone(),
        org_name.clone(),
        inv.email.clone(),
        MailKind::Invitation {
            invited_by: inv.invited_by.clone(),
            generation: inv.generation,
            expires_at: inv.expires_at,
            reminder: false,
        },
        now,
    )
}

/// Writes the invitations; returns the row indexes that lost a race with a
/// concurrent invite of the same email (they are `already_invited`).
pub(crate) async fn write_invitations(
    app: &App,
    membership: &Membership,
    to_invite: Vec<(usize, Invitation)>,
    takes: Vec<Take>,
) -> Result<Vec<usize>, OpError> {
    // The first transaction also carries the limit counters (two actions
    // fewer for invitations), and goes alone: the rest follow only once the
    // counters have admitted the request.
    let first_len = to_invite.len().min(INVITES_PER_WRITE - 1);
    let mut lost = write_chunk(app, membership, to_invite[..first_len].to_vec(), &takes).await?;
    let chunks: Vec<&[(usize, Invitation)]> =
        to_invite[first_len..].chunks(INVITES_PER_WRITE).collect();
    for wave in chunks.chunks(CONCURRENCY) {
        let results = try_join_all(
            wave.iter()
                .map(|chunk| write_chunk(app, membership, chunk.to_vec(), &[])),
        )
        .await?;
        lost.extend(results.into_iter().flatten());
    }
    Ok(lost)
}

/// One transaction of invitations (and their mail). Rows that lost a race
/// with a concurrent invite of the same email are dropped and the rest
/// written again; returns the lost rows.
async fn write_chunk(
    app: &App,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
    takes: &[Take],
) -> Result<Vec<usize>, OpError> {
    let mut lost = Vec::new();
    while !chunk.is_empty() {
        let (mut tx, audit) = chunk_transaction(app, membership, &chunk);
        for (name, take, _) in takes {
            tx.push(*name, take.clone());
        }
        match membership.commit(app, tx, audit).await? {
            Ok(()) => break,
            Err(failed) if takes.iter().any(|(name, _, _)| failed.on(name)) => {
                let (_, _, over) = takes
                    .iter()
                    .find(|(name, _, _)| failed.on(name))
                    .expect("found above");
                return Err(OpError::LimitExceeded(*over));
            }
            Err(failed) if any_lost(&chunk, &failed) => {
                chunk = drop_lost(chunk, &failed, &mut lost);
            }
            Err(failed) => return Err(failed.into()),
        }
    }
    Ok(lost)
}

/// Why [`write_batch`] did not write.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// The condition of the extra action of this name failed: nothing was written.
    ExtraFailed(String),
    Op(OpError),
}

/// Writes `chunk` (at most [`INVITES_PER_WRITE`] invitations with their mail,
/// the audit entry and the caller's guard) in one transaction together with
/// the named actions `extra` builds (an import job's progress, which must
/// commit with the invitations or not at all; committed alone, without an
/// audit entry, if no invitation is left). Rows that lost a race with a
/// concurrent invite of the same email are dropped and the rest written
/// again; `extra` is given, and this returns, their row indexes.
pub(crate) async fn write_batch(
    app: &App,
    membership: &Membership,
    mut chunk: Vec<(usize, Invitation)>,
    extra: impl Fn(&[usize]) -> Vec<(String, TxAction)>,
) -> Result<Vec<usize>, BatchError> {
    let mut lost = Vec::new();
    loop {
        let extras = extra(&lost);
        let names: Vec<String> = extras.iter().map(|(name, _)| name.clone()).collect();
        let (mut tx, audit) = chunk_transaction(app, membership, &chunk);
        for (name, action) in extras {
            tx.push(name, action);
        }
        if chunk.is_empty() {
            // Nobody invited: no audit entry, only the guard and the extras.
            membership.guard(&mut tx);
            return match app.store.transact(tx).await {
                Ok(()) => Ok(lost),
                Err(err) if err.failed("caller") => Err(BatchError::Op(OpError::Forbidden)),
                Err(err) => match names.iter().find(|n| err.failed(n)) {
                    Some(name) => Err(BatchError::ExtraFailed(name.clone())),
                    None => Err(BatchError::Op(err.into())),
                },
            };
        }
        match membership.commit(app, tx, audit).await {
            Err(err) => return Err(BatchError::Op(err)),
            Ok(Ok(())) => return Ok(lost),
            Ok(Err(failed)) => {
                if let Some(name) = names.iter().find(|n| failed.on(n)) {
                    return Err(BatchError::ExtraFailed(name.clone()));
                }
                if !any_lost(&chunk, &failed) {
                    return Err(BatchError::Op(failed.into()));
                }
                chunk = drop_lost(chunk, &failed, &mut lost);
            }
        }
    }
}

fn row_name(i: usize) -> String {
    format!("invitation {i}")
}

/// Whether some row's invitation failed its condition: a concurrent invite
/// of the same email won.
fn any_lost(chunk: &[(usize, Invitation)], failed: &Lost) -> bool {
    (0..chunk.len()).any(|i| failed.on(&row_name(i)))
}

/// `chunk` without the rows that lost (see [`any_lost`]), whose indexes go
/// to `lost`.
fn drop_lost(
    chunk: Vec<(usize, Invitation)>,
    failed: &Lost,
    lost: &mut Vec<usize>,
) -> Vec<(usize, Invitation)> {
    let (gone, kept): (Vec<_>, Vec<_>) = chunk
        .into_iter()
        .enumerate()
        .partition(|(i, _)| failed.on(&row_name(*i)));
    lost.extend(gone.into_iter().map(|(_, (index, _))| index));
    kept.into_iter().map(|(_, entry)| entry).collect()
}

fn chunk_transaction(
    app: &App,
    membership: &Membership,
    chunk: &[(usize, Invitation)],
) -> (Transaction, Audit) {
    let now = app.now();
    let mut tx = Transaction::new();
    for (i, (_, inv)) in chunk.iter().enumerate() {
        let mail = invitation_mail(inv, &membership.org.name, now);
        tx.push(row_name(i), invitations::create(inv, now))
            .push("mail", outbox::enqueue(&mail));
    }
    let emails: Vec<&str> = chunk.iter().map(|(_, inv)| inv.email.as_str()).collect();
    let ids: Vec<String> = chunk
        .iter()
        .map(|(_, inv)| inv.id().as_str().to_owned())
        .collect();
    let target = format!("{} invitations", chunk.len());
    let detail = json!({"emails": emails, "ids": ids, "count": chunk.len()});
    (tx, Audit::new("invitation.created", target, detail))
}
