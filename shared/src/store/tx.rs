//! Builders for the actions of a `TransactWriteItems`, so operations read as
//! a list of puts, updates, deletes and checks with their conditions.

use super::Item;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use std::collections::HashMap;

/// Names (`#x`) and values (`:x`) used by an expression.
#[derive(Debug, Default, Clone)]
pub struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub fn put(table: &str, item: Item, condition: Option<&str>, expr: Expr) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .expect("put has table and item");
    TransactWriteItem::builder().put(put).build()
}

/// A put that must not overwrite an existing item.
pub fn put_new(table: &str, item: Item) -> TransactWriteItem {
    put(table, item, Some("attribute_not_exists(pk)"), Expr::new())
}

pub fn update(
    table: &str,
    key: Item,
    update_expression: &str,
    condition: Option<&str>,
    expr: Expr,
) -> TransactWriteItem {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .update_expression(update_expression)
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .build()
        .expect("update has table, key and expression");
    TransactWriteItem::builder().update(update).build()
}

pub fn delete(table: &str, key: Item, condition: Option<&str>, expr: Expr) -> TransactWriteItem {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .build()
        .expect("delete has table and key");
    TransactWriteItem::builder().delete(delete).build()
}

pub fn check(table: &str, key: Item, condition: &str, expr: Expr) -> TransactWriteItem {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression(condition)
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .build()
        .expect("check has table, key and condition");
    TransactWriteItem::builder().condition_check(check).build()
}
