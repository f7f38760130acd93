//! An SDK interceptor that counts DynamoDB calls per operation name, so tests
//! can assert how many calls a request costs.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl CallCounter {
    pub fn total(&self) -> usize {
        self.calls.lock().expect("counter lock").values().sum()
    }

    pub fn by_operation(&self) -> BTreeMap<String, usize> {
        self.calls.lock().expect("counter lock").clone()
    }

    pub fn reset(&self) {
        self.calls.lock().expect("counter lock").clear();
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = operation_name(context);
        *self
            .calls
            .lock()
            .expect("counter lock")
            .entry(name)
            .or_default() += 1;
        Ok(())
    }
}

fn operation_name(context: &BeforeSerializationInterceptorContextRef<'_>) -> String {
    use aws_sdk_dynamodb::operation::*;
    let input = context.input();
    macro_rules! detect {
        ($($module:ident :: $ty:ident => $name:literal),* $(,)?) => {
            $(if input.downcast_ref::<$module::$ty>().is_some() { return $name.to_owned(); })*
        };
    }
    detect!(
        get_item::GetItemInput => "GetItem",
        batch_get_item::BatchGetItemInput => "BatchGetItem",
        transact_get_items::TransactGetItemsInput => "TransactGetItems",
        query::QueryInput => "Query",
        scan::ScanInput => "Scan",
        put_item::PutItemInput => "PutItem",
        update_item::UpdateItemInput => "UpdateItem",
        delete_item::DeleteItemInput => "DeleteItem",
        transact_write_items::TransactWriteItemsInput => "TransactWriteItems",
        batch_write_item::BatchWriteItemInput => "BatchWriteItem",
    );
    "Other".to_owned()
}
