//! Webhooks: admins [`manage`] their org's endpoints; [`deliver`] makes one
//! signed attempt of one delivery; [`wake_due`] (run by the sweep) wakes the
//! deliveries whose retry has come.

pub mod deliver;
pub mod manage;

use crate::App;
use crate::ops::OpError;
use crate::store::webhooks;

/// Wakes a shard's due deliveries (a retry's time has come, or a claim's
/// lease ran out); the stream hands each to `deliver-webhooks`. Returns how
/// many it woke.
pub async fn wake_due(app: &App, shard: u32, max: i32) -> Result<usize, OpError> {
    let now = app.now();
    let due = app
        .store
        .page(&webhooks::due(shard, now), None, max)
        .await?;
    let mut woken = 0;
    for delivery in due.items {
        match app.store.write(webhooks::wake(delivery, now)).await {
            Ok(()) => woken += 1,
            // Delivered or redelivered meanwhile.
            Err(err) if err.is_condition_failed() => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(woken)
}
