//! Identity: the claims the API's authorizer passes on, and nothing
//! else. The tokens themselves are verified by the `authorize` function
//! (deployed behind API Gateway; locally behind `scripts/gateway.py`, tested
//! in `tests/gateway/`).

use chrono::Utc;
use lambda_http::RequestExt;
use roster::http::routes::{create_org, list_my_orgs};
use roster_tests::{Req, Resp, TestApp, User, jwt};
use serde_json::json;

async fn me_orgs(app: &TestApp, req: Req) -> Resp {
    req.send(app, list_my_orgs::handle).await
}

#[tokio::test]
async fn a_request_without_identity_is_401() {
    let app = TestApp::spawn().await;
    let resp = me_orgs(&app, Req::get("/me/orgs")).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.code(), "unauthenticated");
    assert_eq!(resp.content_type, "application/problem+json");
}

#[tokio::test]
async fn a_token_that_reaches_a_function_without_the_authorizers_claims_is_not_an_identity() {
    // A route wired without the authorizer, say: the bearer token, valid or
    // not, is never read.
    let app = TestApp::spawn().await;
    let user = User::new("mallory");
    let req = Req::get("/me/orgs")
        .bypassing_the_authorizer()
        .header("authorization", &format!("Bearer {}", user.token()));
    let resp = Resp::from(list_my_orgs::handle(app.app.clone(), req).await);
    assert_eq!(resp.status, 401, "{}", resp.body);
    assert_eq!(resp.code(), "unauthenticated");
}

#[tokio::test]
async fn claims_a_provider_left_out_or_roster_cannot_use_are_named_in_the_401() {
    let app = TestApp::spawn().await;
    let user = User::new("mallory");
    let future = Utc::now().timestamp() + 600;
    let no_verified = jwt(&json!({"sub": user.sub, "email": user.email, "exp": future}));
    let no_sub = jwt(&json!({"email": user.email, "email_verified": true, "exp": future}));
    let bad_email =
        jwt(&json!({"sub": user.sub, "email": "nope", "email_verified": true, "exp": future}));
    for (name, token, code) in [
        ("no email_verified", no_verified, "identity_claim_missing"),
        ("no sub", no_sub, "identity_claim_missing"),
        ("bad email", bad_email, "identity_claim_invalid"),
    ] {
        let resp = me_orgs(&app, Req::get("/me/orgs").bearer(&token)).await;
        assert_eq!(resp.status, 401, "{name}: {}", resp.body);
        assert_eq!(resp.code(), code, "{name}");
    }
}

#[tokio::test]
async fn a_verified_callers_claims_are_accepted() {
    let app = TestApp::spawn().await;
    let resp = me_orgs(&app, Req::get("/me/orgs").user(&User::new("alice"))).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json["items"], json!([]));
}

/// `req` with these claims from the authorizer, whatever bearer it carries;
/// the values are strings, as API Gateway passes them on.
fn with_authorizer(req: Req, claims: serde_json::Value) -> lambda_http::Request {
    let claims = claims
        .as_object()
        .expect("claims are an object")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("claims are strings").to_owned(),
            )
        })
        .collect();
    req.build()
        .with_request_context(roster_tests::authorizer::context(
            &roster_tests::authorizer::person(&claims),
        ))
}

#[tokio::test]
async fn authorizer_claims_are_the_identity_when_present() {
    let app = TestApp::spawn().await;
    let user = User::new("carol");
    let slug = roster_tests::slug();
    let req = with_authorizer(
        Req::post("/orgs").json(json!({"slug": slug, "name": "Carol Co"})),
        json!({"sub": user.sub, "email": user.email, "email_verified": "true"}),
    );
    let resp = Resp::from(create_org::handle(app.app.clone(), req).await);
    assert_eq!(resp.status, 201, "{}", resp.body);
    let mine = me_orgs(&app, Req::get("/me/orgs").user(&user)).await;
    assert_eq!(mine.json["items"][0]["org"]["slug"], json!(slug));
    assert_eq!(mine.json["items"][0]["role"], "admin");
}

#[tokio::test]
async fn an_authorizer_context_without_claims_wins_over_a_bearer_token() {
    let app = TestApp::spawn().await;
    let user = User::new("dave");
    // The authorizer's (empty) claims, not the bearer header, say who calls.
    let req = with_authorizer(
        Req::post("/orgs")
            .user(&user)
            .json(json!({"slug": roster_tests::slug(), "name": "X"})),
        json!({}),
    );
    let resp = Resp::from(create_org::handle(app.app.clone(), req).await);
    assert_eq!(resp.status, 401, "{}", resp.body);
}

#[tokio::test]
async fn a_provider_that_omits_a_needed_claim_is_told_which_one_not_a_bare_401() {
    let app = TestApp::spawn().await;
    let user = User::new("erin");
    let all = json!({"sub": user.sub, "email": user.email, "email_verified": "true"});
    let without = |claim: &str| {
        let mut claims = all.clone();
        claims.as_object_mut().unwrap().remove(claim);
        claims
    };
    let with = |claim: &str, value: &str| {
        let mut claims = all.clone();
        claims[claim] = json!(value);
        claims
    };
    for (claims, code, claim) in [
        (
            without("email_verified"),
            "identity_claim_missing",
            "email_verified",
        ),
        (without("email"), "identity_claim_missing", "email"),
        (without("sub"), "identity_claim_missing", "sub"),
        (
            with("email", "not-an-address"),
            "identity_claim_invalid",
            "email",
        ),
        (with("sub", "a/b"), "identity_claim_invalid", "sub"),
    ] {
        let req = with_authorizer(Req::get("/me/orgs"), claims);
        let resp = Resp::from(list_my_orgs::handle(app.app.clone(), req).await);
        assert_eq!(resp.status, 401, "{claim}: {}", resp.body);
        assert_eq!(resp.content_type, "application/problem+json");
        assert_eq!(resp.code(), code, "{claim}");
        assert_eq!(resp.json["claim"], json!(claim));
        let detail = resp.json["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("`{claim}`")), "{detail}");
        assert!(
            !resp.body.contains("not-an-address"),
            "the value is not echoed"
        );
    }
    // With every claim the same request is served.
    let req = with_authorizer(Req::get("/me/orgs"), all);
    let resp = Resp::from(list_my_orgs::handle(app.app.clone(), req).await);
    assert_eq!(resp.status, 200, "{}", resp.body);
}

#[tokio::test]
async fn an_issuer_that_verifies_every_address_may_omit_email_verified_when_the_deployment_says_so()
{
    // Entra ID work accounts carry no email_verified: EmailsVerifiedByIssuer.
    let mut app = TestApp::spawn().await;
    let mut inner = (*app.app).clone();
    inner.config.emails_verified_by_issuer = true;
    app.app = std::sync::Arc::new(inner);
    let user = User::new("entra");
    let create = |claims: serde_json::Value| {
        with_authorizer(
            Req::post("/orgs").json(json!({"slug": roster_tests::slug(), "name": "Entra Co"})),
            claims,
        )
    };
    let no_claim = json!({"sub": user.sub, "email": user.email});
    let resp = Resp::from(create_org::handle(app.app.clone(), create(no_claim)).await);
    assert_eq!(resp.status, 201, "counted as verified: {}", resp.body);
    // A provider that says "not verified" is still believed; "True" is true.
    let said_false = json!({"sub": user.sub, "email": user.email, "email_verified": "false"});
    let resp = Resp::from(create_org::handle(app.app.clone(), create(said_false)).await);
    assert_eq!(resp.status, 403, "{}", resp.body);
    assert_eq!(resp.code(), "email_unverified");
    let capitalized = json!({"sub": user.sub, "email": user.email, "email_verified": "True"});
    let resp = Resp::from(create_org::handle(app.app.clone(), create(capitalized)).await);
    assert_eq!(resp.status, 201, "{}", resp.body);
}
