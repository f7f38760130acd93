//! The cold-start baseline: an HTTP API function with no state and no SDK
//! client, answering 200 with an empty body. `make bench` compares every
//! Roster function's init and first invoke against this one.

use lambda_http::{Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(lambda_http::service_fn(|_req: Request| async {
        Ok::<_, Error>(Response::builder().status(200).body(Body::Empty)?)
    }))
    .await
}
