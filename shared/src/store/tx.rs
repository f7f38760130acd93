//! Transactions of named actions. Each action is pushed under a name, and a
//! cancelled transaction answers which names failed their condition
//! (`err.failed("seat_limit")`), never which position. The entity modules
//! build the actions; [`super::rules`] holds the ones that keep invariants.

use super::{Item, StoreError};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use std::borrow::Cow;
use std::collections::HashMap;

/// Sets an action's condition and expression names and values on an SDK
/// builder (they all have the same three setters).
macro_rules! expressions {
    ($builder:expr, $action:expr) => {
        $builder
            .set_condition_expression($action.condition())
            .set_expression_attribute_names($action.names())
            .set_expression_attribute_values($action.values())
    };
}

/// [`expressions!`] and the table and key: the builders of the actions that
/// address an existing item by its key (update, delete, check).
macro_rules! keyed {
    ($builder:expr, $action:expr, $table:expr) => {
        expressions!($builder, $action)
            .table_name($table)
            .set_key(Some($action.key.clone()))
    };
}

/// A name given to an action when it is pushed.
pub type Name = Cow<'static, str>;

#[derive(Debug, Clone)]
enum Kind {
    Put(Item),
    Update(String),
    Delete,
    Check,
}

/// One write (or condition check) on one item, with its condition and the
/// names (`#x`) and values (`:x`) its expressions use.
#[derive(Debug, Clone)]
pub struct Action {
    kind: Kind,
    key: Item,
    conditions: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Action {
    fn new(kind: Kind, key: Item) -> Self {
        Self {
            kind,
            key,
            conditions: Vec::new(),
            names: HashMap::new(),
            values: HashMap::new(),
        }
    }

    pub fn put(item: Item) -> Self {
        let key = item
            .iter()
            .filter(|(name, _)| name.as_str() == "pk" || name.as_str() == "sk")
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        Self::new(Kind::Put(item), key)
    }

    /// A put that must not overwrite an existing item.
    pub fn put_new(item: Item) -> Self {
        Self::put(item).when("attribute_not_exists(pk)")
    }

    pub fn update(key: Item, expression: impl Into<String>) -> Self {
        Self::new(Kind::Update(expression.into()), key)
    }

    pub fn delete(key: Item) -> Self {
        Self::new(Kind::Delete, key)
    }

    /// Records a use at `now` in `attribute` of the item at `key`, if the item
    /// still exists (the last use of a token, its seat, an API key).
    pub fn record_use(key: Item, attribute: &str, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self::update(key, "SET #used = :now")
            .when("attribute_exists(pk)")
            .name("#used", attribute)
            .value(":now", super::attrs::time(now))
    }

    /// A condition on an item that is not written.
    pub fn check(key: Item) -> Self {
        Self::new(Kind::Check, key)
    }

    /// Adds a condition; several are joined with `AND`.
    pub fn when(mut self, condition: impl Into<String>) -> Self {
        self.conditions.push(condition.into());
        self
    }

    placeholder_setters!();

    /// Turns a check into an update of the same item, under the same conditions.
    pub fn into_update(mut self, expression: impl Into<String>) -> Self {
        self.kind = Kind::Update(expression.into());
        self
    }

    /// Folds `other`'s condition (a check on the same item) into this action.
    fn absorb(&mut self, other: Action) {
        debug_assert!(matches!(other.kind, Kind::Check));
        self.conditions.extend(other.conditions);
        self.names.extend(other.names);
        self.values.extend(other.values);
    }

    pub(crate) fn condition(&self) -> Option<String> {
        (!self.conditions.is_empty()).then(|| {
            self.conditions
                .iter()
                .map(|c| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" AND ")
        })
    }

    pub(crate) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(crate) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    #[cfg(test)]
    pub(crate) fn update_expression(&self) -> Option<&str> {
        match &self.kind {
            Kind::Update(expression) => Some(expression),
            _ => None,
        }
    }

    pub(crate) fn into_sdk(self, table: &str) -> TransactWriteItem {
        let builder = TransactWriteItem::builder();
        match &self.kind {
            Kind::Put(item) => builder.put(
                expressions!(Put::builder().set_item(Some(item.clone())), self)
                    .table_name(table)
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .build()
                    .expect("put has table and item"),
            ),
            Kind::Update(expression) => builder.update(
                keyed!(Update::builder().update_expression(expression), self, table)
                    .build()
                    .expect("update has table, key and expression"),
            ),
            Kind::Delete => builder.delete(
                keyed!(Delete::builder(), self, table)
                    .build()
                    .expect("delete has table and key"),
            ),
            Kind::Check => builder.condition_check(
                keyed!(ConditionCheck::builder(), self, table)
                    .build()
                    .expect("check has table, key and condition"),
            ),
        }
        .build()
    }

    /// Sends the action on its own (`PutItem`, `UpdateItem`, `DeleteItem`).
    pub(crate) async fn send(self, client: &Client, table: &str) -> Result<(), StoreError> {
        match &self.kind {
            Kind::Put(item) => expressions!(client.put_item().set_item(Some(item.clone())), self)
                .table_name(table)
                .send()
                .await
                .map(drop)
                .map_err(StoreError::from_sdk),
            Kind::Update(expression) => {
                expressions!(client.update_item().update_expression(expression), self)
                    .table_name(table)
                    .set_key(Some(self.key.clone()))
                    .send()
                    .await
                    .map(drop)
                    .map_err(StoreError::from_sdk)
            }
            Kind::Delete => expressions!(client.delete_item(), self)
                .table_name(table)
                .set_key(Some(self.key.clone()))
                .send()
                .await
                .map(drop)
                .map_err(StoreError::from_sdk),
            Kind::Check => Err(StoreError::Corrupt(
                "a condition check is only meaningful in a transaction".into(),
            )),
        }
    }
}

/// The actions of one `TransactWriteItems`, each under a name.
#[derive(Debug, Default)]
pub struct Transaction {
    actions: Vec<(Name, Action)>,
}

impl Transaction {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, name: impl Into<Name>, action: Action) -> &mut Self {
        self.actions.push((name.into(), action));
        self
    }

    /// Adds a condition check under `name`, unless another action already
    /// addresses the same item: DynamoDB refuses two operations on one item
    /// in a transaction, so the check's condition then joins that action's
    /// and a failure reports that action's name only.
    pub fn push_check(&mut self, name: impl Into<Name>, check: Action) -> &mut Self {
        match self.actions.iter_mut().find(|(_, a)| a.key == check.key) {
            Some((_, host)) => host.absorb(check),
            None => self.actions.push((name.into(), check)),
        }
        self
    }

    pub(crate) fn into_parts(self) -> (Vec<Name>, Vec<Action>) {
        self.actions.into_iter().unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrgSlug, UserId};
    use crate::store::attrs::s;
    use crate::store::{members::member_key, orgs::org_key};

    #[test]
    fn a_check_on_an_item_already_written_joins_that_write() {
        let org = OrgSlug::parse("acme").unwrap();
        let me = member_key(&org, &UserId::parse("u").unwrap());
        let mut tx = Transaction::new();
        tx.push(
            "member",
            Action::update(me.clone(), "REMOVE x").when("attribute_exists(x)"),
        );
        tx.push_check(
            "caller",
            Action::check(me)
                .when("#role = :role")
                .name("#role", "role")
                .value(":role", s("admin")),
        );
        tx.push_check("other", Action::check(org_key(&org)).when("x"));
        let (names, actions) = tx.into_parts();
        assert_eq!(names, ["member", "other"]);
        assert_eq!(
            actions[0].condition().unwrap(),
            "(attribute_exists(x)) AND (#role = :role)"
        );
        assert_eq!(actions[0].update_expression(), Some("REMOVE x"));
    }
}
