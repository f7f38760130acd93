//! Least privilege, proven: an SDK interceptor that records the IAM actions a
//! handler's DynamoDB and SES calls need (with the resource each is authorized
//! on), and the grants each function's policy in `infra/template.yaml` gives,
//! in the same terms, so a test can compare them exactly.
//!
//! IAM authorizes a `TransactWriteItems` per item (`PutItem`, `UpdateItem`,
//! `DeleteItem`, `ConditionCheckItem`), a `Query` on an index against
//! `<table>/index/<name>`, and an SES v2 `SendEmail` through a configuration
//! set against both the identity and the configuration set: the recorder
//! expands calls the same way.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// An IAM action on a resource of Roster's: `("dynamodb:Query", "index/gsi1")`,
/// `("dynamodb:PutItem", "table")`, `("ses:SendEmail", "identity")`.
pub type Grant = (String, String);

fn grant(action: &str, resource: &str) -> Grant {
    (action.to_owned(), resource.to_owned())
}

/// Records the grants every call made through the clients it is installed on
/// needs, attempted calls included (a failed condition was still authorized).
#[derive(Debug, Clone)]
pub struct ActionRecorder {
    table: Arc<Mutex<String>>,
    used: Arc<Mutex<BTreeSet<Grant>>>,
}

impl ActionRecorder {
    pub fn new(table: &str) -> Self {
        Self {
            table: Arc::new(Mutex::new(table.to_owned())),
            used: Arc::default(),
        }
    }

    /// The table whose calls count as `table` (any other is named in full).
    pub fn set_table(&self, table: &str) {
        *self.table.lock().expect("recorder lock") = table.to_owned();
    }

    pub fn reset(&self) {
        self.used.lock().expect("recorder lock").clear();
    }

    /// What was recorded since the last reset.
    pub fn take(&self) -> BTreeSet<Grant> {
        std::mem::take(&mut *self.used.lock().expect("recorder lock"))
    }

    fn record(&self, grants: impl IntoIterator<Item = Grant>) {
        self.used.lock().expect("recorder lock").extend(grants);
    }

    fn table_resource(&self, name: Option<&str>) -> String {
        let ours = self.table.lock().expect("recorder lock");
        match name {
            Some(name) if name == *ours => "table".to_owned(),
            Some(other) => format!("table:{other}"),
            None => "table:<none>".to_owned(),
        }
    }

    fn index_resource(&self, table: Option<&str>, index: Option<&str>) -> String {
        let table = self.table_resource(table);
        match index {
            Some(index) => format!("{table}/index/{index}").replacen("table/", "", 1),
            None => table,
        }
    }

    fn dynamodb_grants(
        &self,
        input: &aws_smithy_runtime_api::client::interceptors::context::Input,
    ) -> Option<Vec<Grant>> {
        use aws_sdk_dynamodb::operation::*;
        let on = |action: &str, resource: String| (format!("dynamodb:{action}"), resource);
        if let Some(i) = input.downcast_ref::<get_item::GetItemInput>() {
            return Some(vec![on("GetItem", self.table_resource(i.table_name()))]);
        }
        if let Some(i) = input.downcast_ref::<put_item::PutItemInput>() {
            return Some(vec![on("PutItem", self.table_resource(i.table_name()))]);
        }
        if let Some(i) = input.downcast_ref::<update_item::UpdateItemInput>() {
            return Some(vec![on("UpdateItem", self.table_resource(i.table_name()))]);
        }
        if let Some(i) = input.downcast_ref::<delete_item::DeleteItemInput>() {
            return Some(vec![on("DeleteItem", self.table_resource(i.table_name()))]);
        }
        if let Some(i) = input.downcast_ref::<query::QueryInput>() {
            return Some(vec![on(
                "Query",
                self.index_resource(i.table_name(), i.index_name()),
            )]);
        }
        if let Some(i) = input.downcast_ref::<scan::ScanInput>() {
            return Some(vec![on(
                "Scan",
                self.index_resource(i.table_name(), i.index_name()),
            )]);
        }
        if let Some(i) = input.downcast_ref::<batch_get_item::BatchGetItemInput>() {
            return Some(
                i.request_items()
                    .into_iter()
                    .flat_map(|m| m.keys())
                    .map(|t| on("BatchGetItem", self.table_resource(Some(t))))
                    .collect(),
            );
        }
        if let Some(i) = input.downcast_ref::<batch_write_item::BatchWriteItemInput>() {
            return Some(
                i.request_items()
                    .into_iter()
                    .flat_map(|m| m.keys())
                    .map(|t| on("BatchWriteItem", self.table_resource(Some(t))))
                    .collect(),
            );
        }
        if let Some(i) = input.downcast_ref::<transact_get_items::TransactGetItemsInput>() {
            return Some(
                i.transact_items()
                    .iter()
                    .filter_map(|item| item.get())
                    .map(|get| on("GetItem", self.table_resource(Some(get.table_name()))))
                    .collect(),
            );
        }
        if let Some(i) = input.downcast_ref::<transact_write_items::TransactWriteItemsInput>() {
            return Some(
                i.transact_items()
                    .iter()
                    .map(|item| {
                        if let Some(p) = item.put() {
                            on("PutItem", self.table_resource(Some(p.table_name())))
                        } else if let Some(u) = item.update() {
                            on("UpdateItem", self.table_resource(Some(u.table_name())))
                        } else if let Some(d) = item.delete() {
                            on("DeleteItem", self.table_resource(Some(d.table_name())))
                        } else if let Some(c) = item.condition_check() {
                            on(
                                "ConditionCheckItem",
                                self.table_resource(Some(c.table_name())),
                            )
                        } else {
                            on("<empty transaction item>", "table".to_owned())
                        }
                    })
                    .collect(),
            );
        }
        None
    }

    fn ses_grants(
        input: &aws_smithy_runtime_api::client::interceptors::context::Input,
    ) -> Option<Vec<Grant>> {
        let send = input.downcast_ref::<aws_sdk_sesv2::operation::send_email::SendEmailInput>()?;
        let mut grants = vec![grant("ses:SendEmail", "identity")];
        if send.configuration_set_name().is_some() {
            grants.push(grant("ses:SendEmail", "configuration-set"));
        }
        Some(grants)
    }
}

impl Intercept for ActionRecorder {
    fn name(&self) -> &'static str {
        "ActionRecorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let grants = self
            .dynamodb_grants(input)
            .or_else(|| Self::ses_grants(input))
            .or_else(|| {
                input
                    .downcast_ref::<aws_sdk_eventbridge::operation::put_events::PutEventsInput>()
                    .map(|_| vec![grant("events:PutEvents", "bus")])
            })
            .unwrap_or_else(|| vec![grant("<unrecognized operation>", "?")]);
        self.record(grants);
        Ok(())
    }
}

/// Each function's grants in `infra/template.yaml`, keyed by its binary
/// (`create-org`), in the recorder's terms. Resources other than the table, its
/// indexes, SES identities and the configuration set are named as written
/// (`Resource: '*'` stays `*`), so they can never match a recorded call.
pub fn template_grants() -> BTreeMap<String, BTreeSet<Grant>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    let text = std::fs::read_to_string(path).expect("reading infra/template.yaml");
    let template: Value = serde_norway::from_str(&text).expect("parsing infra/template.yaml");
    let mut out = BTreeMap::new();
    let resources = template["Resources"]
        .as_mapping()
        .expect("Resources is a mapping");
    for (logical_id, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{logical_id:?} has no BuildProperties.Binary"))
            .to_owned();
        let mut grants = BTreeSet::new();
        for policy in resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let statements = policy["Statement"].as_sequence().unwrap_or_else(|| {
                panic!("{binary}: only inline policy statements are checked, found {policy:?}")
            });
            for statement in statements {
                assert_eq!(
                    statement["Effect"].as_str(),
                    Some("Allow"),
                    "{binary}: {statement:?}"
                );
                for action in strings(&statement["Action"]) {
                    for resource in resource_names(&statement["Resource"]) {
                        grants.insert((action.clone(), resource));
                    }
                }
            }
        }
        out.insert(binary, grants);
    }
    out
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        other => panic!("expected a string or a list of strings, found {other:?}"),
    }
}

fn resource_names(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().flat_map(resource_names).collect(),
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let inner = tagged.value.as_str().unwrap_or_default();
            let name = match (tag.as_str(), inner) {
                ("!GetAtt", "Table.Arn") => "table".to_owned(),
                ("!GetAtt", "EventBus.Arn") => "bus".to_owned(),
                ("!Sub", sub) if sub.starts_with("${Table.Arn}/index/") => {
                    sub.trim_start_matches("${Table.Arn}/").to_owned()
                }
                ("!Sub", sub) if sub.ends_with(":identity/*") => "identity".to_owned(),
                ("!Sub", sub) if sub.ends_with(":configuration-set/${MailConfigurationSet}") => {
                    "configuration-set".to_owned()
                }
                _ => format!("{tag} {inner}"),
            };
            vec![name]
        }
        Value::String(s) => vec![s.clone()],
        other => panic!("unexpected Resource {other:?}"),
    }
}
