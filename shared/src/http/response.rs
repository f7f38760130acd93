//! Success answers.

use lambda_http::{Body, Response};
use serde::Serialize;

pub fn json<T: Serialize>(status: u16, value: &T) -> Response<Body> {
    let body = serde_json::to_string(value).expect("views serialize");
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(body))
        .expect("static response parts are valid")
}

pub fn ok<T: Serialize>(value: &T) -> Response<Body> {
    json(200, value)
}

/// `202 Accepted` for work that continues after the answer, at `location`.
pub fn accepted<T: Serialize>(location: &str, value: &T) -> Response<Body> {
    let mut response = json(202, value);
    response.headers_mut().insert(
        http::header::LOCATION,
        http::HeaderValue::from_str(location).expect("locations are built from parsed values"),
    );
    response
}

pub fn no_content() -> Response<Body> {
    Response::builder()
        .status(204)
        .body(Body::Empty)
        .expect("static response parts are valid")
}
