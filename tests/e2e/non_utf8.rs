//! A body that is not UTF-8 where text is expected is a 400 problem+json
//! `invalid_request`, never a 500 (a CSV upload with no BOM that is not UTF-8
//! at all is read as Windows-1252, as Excel saves it). Deployed, API Gateway
//! base64-encodes such bodies (`isBase64Encoded: true`): these tests feed the
//! handlers real HTTP API v2 events in that form, through lambda_http's own
//! event parsing.

use base64::Engine;
use roster::http::routes;
use roster_tests::{Resp, TestApp, User};
use serde_json::json;

/// A real HTTP API (payload v2) event, authorized by the API's authorizer as `user`.
fn event(
    method: &str,
    route: &str,
    path: &str,
    params: serde_json::Value,
    user: &User,
    content_type: &str,
    body: &[u8],
) -> lambda_http::Request {
    let event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {route}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": content_type, "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com"},
        "pathParameters": params,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "authorizer": {"lambda": {
                "principal": "person", "sub": user.sub, "email": user.email, "email_verified": "true",
            }},
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "test"},
            "requestId": "non-utf8",
            "routeKey": format!("{method} {route}"),
            "stage": "$default",
            "time": "28/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795860000000u64
        },
        "body": base64::engine::general_purpose::STANDARD.encode(body),
        "isBase64Encoded": true
    });
    lambda_http::request::from_str(&event.to_string()).expect("an HTTP API v2 event")
}

fn assert_invalid_utf8(resp: &Resp, what: &str) {
    assert_eq!(resp.status, 400, "{what}: {}", resp.body);
    assert_eq!(resp.content_type, "application/problem+json", "{what}");
    assert_eq!(
        resp.json["code"], "invalid_request",
        "{what}: {}",
        resp.body
    );
    assert!(
        resp.json["detail"].as_str().unwrap_or("").contains("UTF-8"),
        "{what}: {}",
        resp.body
    );
}

#[tokio::test]
async fn every_route_that_reads_a_text_body_answers_400_for_bytes_that_are_not_utf8() {
    let app = TestApp::spawn().await;
    let alice = User::new("alice");
    let org = app.create_org(&alice, 5).await;
    let json_body: &[u8] = b"{\"slug\": \"caf\xe9\", \"name\": \"\xff\xfe\"}";
    let p = |extra: serde_json::Value| {
        let mut params = json!({"org": org});
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        params
    };
    let member = json!({"user_id": alice.sub});
    let check = |what: &str, resp: lambda_http::Response<lambda_http::Body>| {
        assert_invalid_utf8(&Resp::from(resp), what)
    };
    let a = &app.app;
    check(
        "create-org",
        routes::create_org::handle(
            a.clone(),
            event(
                "POST",
                "/orgs",
                "/orgs",
                json!({}),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "update-org",
        routes::update_org::handle(
            a.clone(),
            event(
                "PATCH",
                "/orgs/{org}",
                "/orgs/x",
                p(json!({})),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "invite-members (JSON)",
        routes::invite_members::handle(
            a.clone(),
            event(
                "POST",
                "/orgs/{org}/invitations",
                "/orgs/x/invitations",
                p(json!({})),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "invite-members (CSV)",
        routes::invite_members::handle(
            a.clone(),
            event(
                "POST",
                "/orgs/{org}/invitations",
                "/orgs/x/invitations",
                p(json!({})),
                &alice,
                "text/csv",
                // UTF-8 (its é) with a broken byte: not read as Windows-1252.
                b"email\ncaf\xc3\xa9@example.com\n\xff@example.com\n",
            ),
        )
        .await,
    );
    // A CSV with no BOM that is not UTF-8 at all is Excel's Windows-1252.
    let cp1252 = Resp::from(
        routes::invite_members::handle(
            a.clone(),
            event(
                "POST",
                "/orgs/{org}/invitations",
                "/orgs/x/invitations",
                p(json!({})),
                &alice,
                "text/csv",
                b"name,email\nJos\xe9,jose@example.com\n",
            ),
        )
        .await,
    );
    assert_eq!(cp1252.status, 200, "{}", cp1252.body);
    assert_eq!(cp1252.json["csv"]["encoding"], "windows-1252");
    check(
        "accept-invitation",
        routes::accept_invitation::handle(
            a.clone(),
            event(
                "POST",
                "/invitations/accept",
                "/invitations/accept",
                json!({}),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "change-role",
        routes::change_role::handle(
            a.clone(),
            event(
                "PUT",
                "/orgs/{org}/members/{user_id}/role",
                "/orgs/x/members/y/role",
                p(member),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "issue-token",
        routes::issue_token::handle(
            a.clone(),
            event(
                "POST",
                "/orgs/{org}/tokens",
                "/orgs/x/tokens",
                p(json!({})),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
    check(
        "introspect-token",
        routes::introspect_token::handle(
            a.clone(),
            event(
                "POST",
                "/tokens/introspect",
                "/tokens/introspect",
                json!({}),
                &alice,
                "application/json",
                json_body,
            ),
        )
        .await,
    );
}
