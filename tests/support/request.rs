//! Building `lambda_http` requests for the real handlers, and reading answers.

use crate::{TestApp, User};
use lambda_http::{Body, Request, RequestExt, Response};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

pub struct Req {
    method: http::Method,
    path: String,
    path_params: HashMap<String, String>,
    query: HashMap<String, String>,
    headers: Vec<(String, String)>,
    body: Body,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub json: serde_json::Value,
    pub headers: http::HeaderMap,
}

impl Req {
    pub fn new(method: http::Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            path_params: HashMap::new(),
            query: HashMap::new(),
            headers: vec![],
            body: Body::Empty,
        }
    }
    pub fn get(path: &str) -> Self {
        Self::new(http::Method::GET, path)
    }
    pub fn post(path: &str) -> Self {
        Self::new(http::Method::POST, path)
    }
    pub fn put(path: &str) -> Self {
        Self::new(http::Method::PUT, path)
    }
    pub fn patch(path: &str) -> Self {
        Self::new(http::Method::PATCH, path)
    }
    pub fn delete(path: &str) -> Self {
        Self::new(http::Method::DELETE, path)
    }

    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.path_params.insert(name.into(), value.into());
        self
    }
    pub fn org(self, slug: &str) -> Self {
        self.param("org", slug)
    }
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.insert(name.into(), value.into());
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// The caller's bearer token, replacing any set before (`.user(u)` then
    /// `.bearer(other)` sends `other` only).
    pub fn bearer(mut self, token: &str) -> Self {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn user(self, user: &User) -> Self {
        self.bearer(&user.token())
    }
    pub fn json(mut self, value: serde_json::Value) -> Self {
        self.body = Body::Text(value.to_string());
        self.header("content-type", "application/json")
    }
    pub fn csv(mut self, text: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Binary(text.into());
        self.header("content-type", "text/csv")
    }
    pub fn raw_body(mut self, content_type: &str, bytes: Vec<u8>) -> Self {
        self.body = Body::Binary(bytes);
        self.header("content-type", content_type)
    }

    /// The request as the function receives it behind API Gateway. Panics on
    /// a token the in-process authorizer refuses: [`Req::send`] answers those.
    pub fn build(self) -> Request {
        match self.authorized() {
            Ok(req) => req,
            Err(refused) => panic!("the authorizer refuses this request: {}", refused.body),
        }
    }

    fn bearer_token(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.trim_start_matches("Bearer ").trim().to_owned())
    }

    /// The authorizer, in process, for a person's token: its claims reach
    /// the function as strings in the authorizer's context, and a token that
    /// cannot be read or has expired is answered 401 before any function
    /// runs. A request without a token passes with no authorizer context
    /// (the function answers it). Signatures are not checked here: the
    /// tokens are the tests' own ([`crate::jwt`]); the RS256 check against an
    /// issuer's JWKS is the `authorize` function's (unit tests in
    /// `roster::authorizer::jwt`, and `tests/gateway/` through the local
    /// gateway against the local OpenID Connect provider).
    fn authorized(self) -> Result<Request, Box<Resp>> {
        let claims = match self.bearer_token() {
            None => None,
            Some(token) if token.starts_with("rk_") => {
                panic!("API keys need the store: send the request with Req::send")
            }
            Some(token) => Some(
                crate::authorizer::claims(&token).ok_or_else(|| Box::new(Resp::unauthorized()))?,
            ),
        };
        let mut req = self.request();
        if let Some(claims) = claims {
            let person = crate::authorizer::person(&claims);
            req = req.with_request_context(crate::authorizer::context(&person));
        }
        Ok(req)
    }

    /// The request as a function would get it from a route wired without
    /// the authorizer: headers as sent, no authorizer context.
    pub fn bypassing_the_authorizer(self) -> Bypass {
        Bypass(self)
    }

    fn request(self) -> Request {
        let mut path = self.path.clone();
        for (k, v) in &self.path_params {
            path = path.replace(&format!("{{{k}}}"), v);
        }
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(format!("https://api.roster.test{path}"));
        for (k, v) in &self.headers {
            builder = builder.header(k, v);
        }
        builder
            .body(self.body)
            .expect("test request")
            .with_path_parameters(self.path_params)
            .with_query_string_parameters(self.query)
    }

    pub async fn send<F, Fut>(self, app: &TestApp, handler: F) -> Resp
    where
        F: Fn(Arc<roster::App>, Request) -> Fut,
        Fut: Future<Output = Response<Body>>,
    {
        if let Some(key) = self.bearer_token().filter(|t| t.starts_with("rk_")) {
            // An API key: the real authorizer's decision, against the emulator.
            let principal = roster::authorizer::api_key(&app.app, &key)
                .await
                .expect("the authorizer reads the key");
            let req = self
                .request()
                .with_request_context(crate::authorizer::context(&principal));
            return Resp::from(handler(app.app.clone(), req).await);
        }
        match self.authorized() {
            Ok(req) => Resp::from(handler(app.app.clone(), req).await),
            Err(refused) => *refused,
        }
    }
}

/// A [`Req`] that skips the stand-in authorizer ([`Req::bypassing_the_authorizer`]).
pub struct Bypass(Req);

impl Bypass {
    pub fn header(self, name: &str, value: &str) -> Request {
        self.0.header(name, value).request()
    }
}

impl From<Response<Body>> for Resp {
    fn from(resp: Response<Body>) -> Self {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = match resp.into_body() {
            Body::Text(t) => t,
            Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        Self {
            status,
            content_type,
            body,
            json,
            headers,
        }
    }
}

impl Resp {
    /// API Gateway's own answer to a token its authorizer refuses.
    fn unauthorized() -> Self {
        let body = r#"{"message":"Unauthorized"}"#.to_owned();
        Self {
            status: 401,
            content_type: "application/json".into(),
            json: serde_json::from_str(&body).expect("JSON"),
            body,
            headers: http::HeaderMap::new(),
        }
    }

    /// The problem `code` of an error answer.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }
}
