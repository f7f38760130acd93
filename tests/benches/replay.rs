//! The raw baseline of `bulk_invite`: the DynamoDB calls a phase made,
//! recorded as they left the SDK (an interceptor clones each input), then sent
//! again by a bare loop to a copy of the table taken just before the phase.
//! Same calls, same items, same conditions, same order: the time the loop
//! takes is the store's and the SDK's alone, so the phase's time over it is
//! Roster's own cost.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
enum Call {
    Transact(TransactWriteItemsInput),
    BatchGet(BatchGetItemInput),
    Get(GetItemInput),
    /// An operation the worker does not make today: named, not replayed.
    Other(String),
}

/// Records the calls made through the clients it is installed on.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let call = if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
            Call::Transact(i.clone())
        } else if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
            Call::BatchGet(i.clone())
        } else if let Some(i) = input.downcast_ref::<GetItemInput>() {
            Call::Get(i.clone())
        } else {
            Call::Other(format!("{input:?}").chars().take(60).collect())
        };
        self.calls.lock().expect("recorder lock").push(call);
        Ok(())
    }
}

impl Recorder {
    /// A client like `client` that records its calls here.
    pub fn client(&self, client: &Client) -> Client {
        Client::from_conf(
            client
                .config()
                .to_builder()
                .interceptor(self.clone())
                .build(),
        )
    }

    /// Sends every recorded call again, in order, one at a time, to `table`
    /// (every table name in the calls is replaced by it). Returns how many
    /// calls were sent and how many were not replayable.
    pub async fn replay(&self, client: &Client, table: &str) -> (usize, usize) {
        let calls = self.calls.lock().expect("recorder lock").clone();
        let (mut sent, mut skipped) = (0, 0);
        for call in calls {
            match call {
                Call::Transact(input) => {
                    let items = input
                        .transact_items
                        .unwrap_or_default()
                        .into_iter()
                        .map(|mut item| {
                            if let Some(p) = item.put.as_mut() {
                                p.table_name = table.to_owned();
                            }
                            if let Some(u) = item.update.as_mut() {
                                u.table_name = table.to_owned();
                            }
                            if let Some(d) = item.delete.as_mut() {
                                d.table_name = table.to_owned();
                            }
                            if let Some(c) = item.condition_check.as_mut() {
                                c.table_name = table.to_owned();
                            }
                            item
                        })
                        .collect();
                    let result = client
                        .transact_write_items()
                        .set_transact_items(Some(items))
                        .send()
                        .await;
                    if let Err(err) = result {
                        eprintln!("replay: a transaction failed: {err:?}");
                    }
                }
                Call::BatchGet(input) => {
                    let requests = input
                        .request_items
                        .unwrap_or_default()
                        .into_values()
                        .map(|keys| (table.to_owned(), keys))
                        .collect();
                    client
                        .batch_get_item()
                        .set_request_items(Some(requests))
                        .send()
                        .await
                        .expect("replayed batch read");
                }
                Call::Get(input) => {
                    client
                        .get_item()
                        .table_name(table)
                        .set_key(input.key)
                        .set_consistent_read(input.consistent_read)
                        .send()
                        .await
                        .expect("replayed read");
                }
                Call::Other(name) => {
                    eprintln!("replay: not replayed: {name}");
                    skipped += 1;
                    continue;
                }
            }
            sent += 1;
        }
        (sent, skipped)
    }
}

/// Copies every item of `from` into `to` (a table of the same definition),
/// 25 at a time; not timed.
pub async fn copy_items(client: &Client, from: &str, to: &str) {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(from)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scanning the table to copy");
        let items = page.items.unwrap_or_default();
        for batch in items.chunks(25) {
            let writes = batch
                .iter()
                .map(|item| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item.clone()))
                                .build()
                                .expect("put request"),
                        )
                        .build()
                })
                .collect();
            client
                .batch_write_item()
                .request_items(to, writes)
                .send()
                .await
                .expect("copying items");
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
}
