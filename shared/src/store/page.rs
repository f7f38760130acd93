//! Paged queries: one partition of the table or of an index, decoded into
//! typed items, continued with a cursor bound to the query it came from. The
//! entity modules describe their queries; [`Store::page`] runs any of them.

use super::attrs::s;
use super::cursor::{Cursor, InvalidCursor};
use super::keys::org_pk;
use super::{Item, Store, StoreError};
use crate::domain::OrgSlug;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

/// Where a cursor's key attribute may point for a query.
#[derive(Debug, Clone)]
pub enum Bound {
    Equals(String),
    StartsWith(&'static str),
    /// At or above (`>=`) this value: the sort-key range of the key condition.
    AtLeast(String),
    /// Below (`<`) this value.
    Below(String),
    Any,
}

/// One query: a key condition on a partition (of the table or an index),
/// optional filters, the order, and how each item decodes.
pub struct Query<T> {
    /// Names the query for its cursors, e.g. `members:acme:admin:*`.
    scope: String,
    index: Option<&'static str>,
    key_condition: String,
    filters: Vec<&'static str>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    newest_first: bool,
    consistent: bool,
    /// The key attributes a cursor may carry, and where they may point.
    bounds: Vec<(&'static str, Bound)>,
    decode: fn(&Item) -> Result<T, StoreError>,
}

/// Where a page starts: a decoded cursor of one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    scope: String,
    key: Item,
}

/// A page of results and the cursor to continue from.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Query<T> {
    /// `partition = :pk` on the table (`index` `None`) or an index.
    pub fn partition(
        scope: String,
        index: Option<&'static str>,
        partition: (&'static str, String),
        decode: fn(&Item) -> Result<T, StoreError>,
    ) -> Self {
        let (attribute, value) = partition;
        Self {
            scope,
            index,
            key_condition: format!("{attribute} = :pk"),
            filters: Vec::new(),
            names: HashMap::new(),
            values: HashMap::from([(":pk".to_owned(), s(value.clone()))]),
            newest_first: false,
            consistent: index.is_none(),
            bounds: vec![(attribute, Bound::Equals(value))],
            decode,
        }
    }

    /// The items of `org`'s partition whose sort key starts with `prefix`,
    /// in sort key order; cursors are bound to `kind` (`api_keys`) and the org.
    pub fn org_items(
        kind: &str,
        org: &OrgSlug,
        prefix: &'static str,
        decode: fn(&Item) -> Result<T, StoreError>,
    ) -> Self {
        Self::partition(format!("{kind}:{org}"), None, ("pk", org_pk(org)), decode)
            .sk_prefix(prefix)
    }

    /// Narrows the key condition on the sort key (`begins_with(sk, :prefix)`,
    /// `gsi1sk >= :sort`...), with the values it uses.
    pub fn sort_key(mut self, condition: &str, values: &[(&str, String)]) -> Self {
        self.key_condition = format!("{} AND {condition}", self.key_condition);
        for (placeholder, value) in values {
            self.values
                .insert((*placeholder).to_owned(), s(value.clone()));
        }
        self
    }

    /// The partition's items whose `sk` starts with `prefix` (one kind of
    /// item in a shared partition), cursors bound to it.
    pub fn sk_prefix(self, prefix: &'static str) -> Self {
        self.sort_key(
            "begins_with(sk, :prefix)",
            &[(":prefix", prefix.to_owned())],
        )
        .cursor_key("sk", Bound::StartsWith(prefix))
    }

    pub fn filter(mut self, condition: &'static str) -> Self {
        self.filters.push(condition);
        self
    }

    placeholder_setters!();

    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// Another key attribute a cursor of this query carries.
    pub fn cursor_key(mut self, attribute: &'static str, bound: Bound) -> Self {
        self.bounds.push((attribute, bound));
        self
    }

    /// The cursor that continues this query after `last_key` (what
    /// [`Store::page`] hands out; public so the binding of cursors to their
    /// query can be tested without a table).
    pub fn cursor(&self, last_key: &Item) -> Cursor {
        Cursor::encode(&self.scope, last_key)
    }

    /// Decodes a caller's cursor for this query; one from another query, or
    /// pointing outside this query's partition, is refused.
    pub fn start(&self, cursor: Option<&str>) -> Result<Option<Start>, InvalidCursor> {
        let Some(raw) = cursor else {
            return Ok(None);
        };
        // Exactly the query's key attributes: one missing or extra would
        // reach DynamoDB as a malformed start key.
        let names: Vec<&str> = self
            .bounds
            .iter()
            .map(|(attribute, _)| *attribute)
            .collect();
        let key = Cursor::decode(raw, &self.scope, &names, |name, value| {
            self.bounds.iter().any(|(attribute, bound)| {
                *attribute == name
                    && match bound {
                        Bound::Equals(expected) => value == expected,
                        Bound::StartsWith(prefix) => value.starts_with(prefix),
                        Bound::AtLeast(low) => value >= low.as_str(),
                        Bound::Below(high) => value < high.as_str(),
                        Bound::Any => true,
                    }
            })
        })?;
        Ok(Some(Start {
            scope: self.scope.clone(),
            key,
        }))
    }
}

impl Store {
    /// Every item of `query`, page after page.
    pub async fn all<T>(&self, query: &Query<T>) -> Result<Vec<T>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self.page(query, start, 1000).await?;
            items.extend(page.items);
            match page.next {
                None => return Ok(items),
                Some(cursor) => {
                    start = query
                        .start(Some(cursor.as_str()))
                        .map_err(|_| StoreError::Corrupt("own cursor refused".into()))?;
                }
            }
        }
    }

    /// One query call: up to `limit` items from `start`, and the cursor to go on.
    pub async fn page<T>(
        &self,
        query: &Query<T>,
        start: Option<Start>,
        limit: i32,
    ) -> Result<Page<T>, StoreError> {
        debug_assert!(start.as_ref().is_none_or(|s| s.scope == query.scope));
        let with_cursor = start.is_some();
        let filter = (!query.filters.is_empty()).then(|| query.filters.join(" AND "));
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(str::to_owned))
            .key_condition_expression(&query.key_condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names((!query.names.is_empty()).then(|| query.names.clone()))
            .set_expression_attribute_values(Some(query.values.clone()))
            .scan_index_forward(!query.newest_first)
            .set_consistent_read(query.consistent.then_some(true))
            .limit(limit)
            .set_exclusive_start_key(start.map(|s| s.key))
            .send()
            .await
            .map_err(|err| match StoreError::from_sdk(err) {
                // Our checks passed the cursor but DynamoDB refused its key:
                // the caller's `invalid_cursor`, not a 500.
                StoreError::Rejected(_) if with_cursor => StoreError::CursorRejected,
                other => other,
            })?;
        let items = out
            .items()
            .iter()
            .map(query.decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            next: out.last_evaluated_key.map(|k| query.cursor(&k)),
        })
    }
}
