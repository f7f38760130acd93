//! Mail in tests: feed an org's queued outbox items to the real
//! `deliver-email` handler as a stream event (what the stream poller does
//! locally), and read what the emulator's SES received.

use crate::TestApp;
use aws_lambda_events::event::dynamodb::Event;
use roster::store::attrs::s;
use roster::store::keys::{DUE_SHARDS, GSI2, due_gsi2pk};
use roster::store::outbox::DUE_KIND;
use std::io::{Read, Write};

/// The outbox items of `org` still queued, as stored.
pub async fn queued_outbox_items(app: &TestApp, org: &str) -> Vec<roster::store::Item> {
    let mut items = Vec::new();
    for shard in 0..DUE_SHARDS {
        let mut start = None;
        loop {
            let out = app
                .app
                .store
                .client()
                .query()
                .table_name(app.app.store.table())
                .index_name(GSI2)
                .key_condition_expression("gsi2pk = :pk")
                .filter_expression("org = :org AND #status = :queued")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pk", s(due_gsi2pk(DUE_KIND, shard)))
                .expression_attribute_values(":org", s(org))
                .expression_attribute_values(":queued", s("queued"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("querying the outbox");
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    items
}

/// Stream records (INSERT) carrying `items` as their new image.
pub fn stream_event(items: Vec<roster::store::Item>) -> Event {
    let records: Vec<serde_json::Value> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let keys: roster::store::Item = item
                .iter()
                .filter(|(k, _)| *k == "pk" || *k == "sk")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let image: serde_dynamo::Item = item.into();
            let keys: serde_dynamo::Item = keys.into();
            serde_json::json!({
                "eventID": format!("{i}"),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_700_000_000,
                    "Keys": keys,
                    "NewImage": image,
                    "SequenceNumber": format!("{:021}", i + 1),
                    "SizeBytes": 100,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/roster/stream/x"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).expect("stream event")
}

/// Delivers every queued outbox item of `org` through the `deliver-email`
/// handler; returns how many records it was given.
pub async fn deliver_queued(app: &TestApp, org: &str) -> usize {
    let items = queued_outbox_items(app, org).await;
    let n = items.len();
    let event = stream_event(items);
    let response = roster::events::deliver_email::deliver_records(&app.app, event.records).await;
    assert!(response.batch_item_failures.is_empty(), "delivery failures");
    n
}

#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub source: String,
}

fn emulator_get(path: &str) -> String {
    // Where the SDK sends SES v2 calls, so where the sent mail is.
    let endpoint = crate::emulators().ses;
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&host).expect("connect to emulator");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// Every message the emulator's SES accepted for `to`, oldest first.
pub async fn sent_to(to: &str) -> Vec<SentMail> {
    let to = to.to_owned();
    tokio::task::spawn_blocking(move || {
        let data: serde_json::Value =
            serde_json::from_str(&emulator_get("/moto-api/data.json")).expect("moto data");
        data["ses"]["Message"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let dests: Vec<String> = m["destinations"]["ToAddresses"]
                    .as_array()?
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                dests.contains(&to).then(|| SentMail {
                    to: dests,
                    subject: m["subject"].as_str().unwrap_or("").to_owned(),
                    body: m["body"].as_str().unwrap_or("").to_owned(),
                    source: m["source"].as_str().unwrap_or("").to_owned(),
                })
            })
            .collect()
    })
    .await
    .expect("reading sent mail")
}

/// How many messages the emulator's SES accepted for an address containing
/// `needle` (one read of the emulator, however many addresses match).
pub async fn sent_count_containing(needle: &str) -> usize {
    let needle = needle.to_owned();
    tokio::task::spawn_blocking(move || {
        let data: serde_json::Value =
            serde_json::from_str(&emulator_get("/moto-api/data.json")).expect("moto data");
        data["ses"]["Message"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .filter(|m| {
                        m["destinations"]["ToAddresses"]
                            .as_array()
                            .is_some_and(|to| {
                                to.iter()
                                    .any(|a| a.as_str().is_some_and(|a| a.contains(&needle)))
                            })
                    })
                    .count()
            })
            .unwrap_or(0)
    })
    .await
    .expect("reading sent mail")
}

/// The accept token in the newest invitation email to `to`.
pub async fn latest_invite_token(to: &str) -> Option<String> {
    let mails = sent_to(to).await;
    mails.iter().rev().find_map(|m| token_in(&m.body))
}

pub fn token_in(body: &str) -> Option<String> {
    let start = body.find("/invitations/accept?token=")? + "/invitations/accept?token=".len();
    let rest = &body[start..];
    let end = rest.find(['"', '<', ' ', '\n']).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}
