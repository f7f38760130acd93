//! The web console: the `console` function serves the people-facing pages and
//! their static files on the same HTTP API as the operations, under `/app`, so
//! pages and API share one origin (no CORS) and never collide: every API path
//! stays where it is, and `ROSTER_WEB_URL` is `<origin>/app`, which makes the
//! mails' `/invitations/accept?token=…` and `/orgs/<slug>/tokens` links open
//! console pages.
//!
//! | path | answer |
//! |---|---|
//! | `GET /app`, `/app/signin`, `/app/callback`, `/app/invitations/accept`, `/app/orgs/{slug}[/members\|invitations\|tokens\|api-keys\|directory\|webhooks\|audit]`, each also with one trailing slash (`/app/`) | the single page (routes in the browser) |
//! | `GET /app/api` | the API reference page; `GET /app/api/openapi.yaml` the contract it renders |
//! | `GET /app/assets/{build}/{name}` | scripts, styles, the vendored OpenAPI renderer (immutable) |
//! | `GET /app/config.json` | how to sign in (the OpenID Connect client's settings) |
//!
//! Every answer carries the headers of [`headers`].
//!
//! A crate of its own, beside `roster` (which it uses for configuration errors,
//! typed values, problem+json errors and tracing, and which never uses it): the
//! pages, their assets and `infra/openapi.yaml` are embedded here, so editing
//! one rebuilds this crate and the `console` function only.

pub mod headers;
pub mod settings;
pub mod site;

use lambda_http::{Body, Request, Response};
use roster::config::ConfigError;
use roster::domain::OrgSlug;
use settings::SignIn;
use site::SITE;
use std::sync::Arc;

pub struct Console {
    pub sign_in: SignIn,
    csp: String,
}

/// What a request asks for, decided from its method and path alone.
#[derive(Debug, PartialEq)]
enum Target<'a> {
    Page,
    Reference,
    OpenApi,
    Asset { build: &'a str, name: &'a str },
    Settings,
    NotFound,
}

fn route<'a>(method: &http::Method, path: &'a str) -> Target<'a> {
    use Target::*;
    if method != http::Method::GET {
        return NotFound;
    }
    let Some(rest) = path.strip_prefix("/app") else {
        return NotFound;
    };
    match rest {
        // Deployed, `/app` and `/app/{proxy+}` are the routes: never rely on a
        // trailing slash reaching us.
        "/api" | "/api/" => return Reference,
        "/api/openapi.yaml" => return OpenApi,
        "/config.json" => return Settings,
        _ => {}
    }
    if let Some(asset) = rest.strip_prefix("/assets/") {
        return match asset.split_once('/') {
            Some((build, name)) => Asset { build, name },
            None => NotFound,
        };
    }
    // A page answers the same with one trailing slash (`/app/` is `/app`);
    // the page's own router drops it.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if matches!(rest, "" | "/signin" | "/callback" | "/invitations/accept") {
        return Page;
    }
    if let Some(org_page) = rest.strip_prefix("/orgs/") {
        let (slug, tab) = org_page.split_once('/').unwrap_or((org_page, ""));
        let known_tab = matches!(
            tab,
            "" | "members"
                | "invitations"
                | "tokens"
                | "api-keys"
                | "directory"
                | "webhooks"
                | "audit"
        );
        if known_tab && OrgSlug::parse(slug).is_ok() {
            return Page;
        }
    }
    NotFound
}

#[derive(Clone, Copy)]
enum Caching {
    /// Revalidate every time (pages, settings): cheap with the ETag.
    Revalidate,
    /// Content-addressed URL: never changes.
    Immutable,
}

impl Console {
    pub fn new(sign_in: SignIn) -> Self {
        let csp = headers::content_security_policy(&sign_in);
        Self { sign_in, csp }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(SignIn::from_env()?))
    }

    pub fn handle(&self, req: &Request) -> Response<Body> {
        let mut resp = match route(req.method(), req.uri().path()) {
            Target::Page => self.file(
                req,
                "text/html; charset=utf-8",
                SITE.index_html.as_bytes(),
                Caching::Revalidate,
            ),
            Target::Reference => self.file(
                req,
                "text/html; charset=utf-8",
                SITE.reference_html.as_bytes(),
                Caching::Revalidate,
            ),
            Target::OpenApi => self.file(
                req,
                site::content_type("openapi.yaml"),
                site::OPENAPI_YAML.as_bytes(),
                Caching::Revalidate,
            ),
            Target::Asset { build, name } => match site::asset(build, name) {
                Some(asset) => match site::gzipped(asset) {
                    Some(gz) if accepts_gzip(req) => {
                        let mut resp =
                            self.file(req, site::content_type(asset.name), gz, Caching::Immutable);
                        let ok = resp.status() == 200;
                        let h = resp.headers_mut();
                        h.insert("vary", http::HeaderValue::from_static("accept-encoding"));
                        if ok {
                            h.insert("content-encoding", http::HeaderValue::from_static("gzip"));
                            *resp.body_mut() = Body::Binary(gz.to_vec());
                        }
                        resp
                    }
                    gz => {
                        let mut resp = self.file(
                            req,
                            site::content_type(asset.name),
                            asset.bytes,
                            Caching::Immutable,
                        );
                        if gz.is_some() {
                            resp.headers_mut()
                                .insert("vary", http::HeaderValue::from_static("accept-encoding"));
                        }
                        resp
                    }
                },
                None => not_found(),
            },
            Target::Settings => {
                let body = settings_json(&self.sign_in);
                self.file(
                    req,
                    "application/json",
                    body.as_bytes(),
                    Caching::Revalidate,
                )
            }
            Target::NotFound => not_found(),
        };
        headers::apply(resp.headers_mut(), &self.csp);
        resp
    }

    fn file(
        &self,
        req: &Request,
        content_type: &str,
        bytes: &[u8],
        caching: Caching,
    ) -> Response<Body> {
        let etag = site::etag(bytes);
        let cache_control = match caching {
            Caching::Revalidate => "no-cache",
            Caching::Immutable => "public, max-age=31536000, immutable",
        };
        let builder = Response::builder()
            .header("etag", &etag)
            .header("cache-control", cache_control);
        let unchanged = req
            .headers()
            .get(http::header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
        if unchanged {
            return builder
                .status(304)
                .body(Body::Empty)
                .expect("static response parts are valid");
        }
        builder
            .status(200)
            .header("content-type", content_type)
            .body(Body::Text(String::from_utf8_lossy(bytes).into_owned()))
            .expect("static response parts are valid")
    }
}

fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            // `gzip;q=0` refuses it.
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

fn settings_json(sign_in: &SignIn) -> String {
    serde_json::json!({"sign_in": "oidc", "oidc": sign_in}).to_string()
}

fn not_found() -> Response<Body> {
    Response::builder()
        .status(404)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::Text(
            "<!doctype html><meta charset=utf-8><title>Not found</title>\
             <p>No such page. <a href=\"/app/\">Open the console</a>.</p>"
                .into(),
        ))
        .expect("static response parts are valid")
}

/// What the `console` function's `main` runs.
pub async fn serve() -> Result<(), lambda_http::Error> {
    roster::runtime::init_tracing();
    let console = Arc::new(Console::from_env().inspect_err(|err| {
        tracing::error!(error = %err, "configuration error");
    })?);
    tracing::info!(sign_in = ?console.sign_in, "console ready");
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let console = console.clone();
        async move { Ok::<_, std::convert::Infallible>(console.handle(&req)) }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn oidc() -> SignIn {
        SignIn {
            client_id: "console".into(),
            authorize_url: "https://idp.example.com/authorize".into(),
            token_url: "https://idp.example.com/token".into(),
            scope: "openid email".into(),
            token_origin: "https://idp.example.com".into(),
        }
    }

    fn request(method: Method, path: &str, body: &str) -> Request {
        http::Request::builder()
            .method(method)
            .uri(format!("https://roster.test{path}"))
            .header("content-type", "application/json")
            .body(Body::Text(body.into()))
            .unwrap()
    }

    fn text(resp: &Response<Body>) -> String {
        match resp.body() {
            Body::Text(t) => t.clone(),
            Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        }
    }

    #[test]
    fn there_is_no_sign_in_of_the_consoles_own() {
        // Every token comes from the identity provider; the console never mints one.
        let console = Console::new(oidc());
        for method in [Method::POST, Method::PUT] {
            let resp = console.handle(&request(method, "/app/dev/token", r#"{"email":"a@b.c"}"#));
            assert_eq!(resp.status(), 404);
        }
    }

    #[test]
    fn every_answer_carries_the_security_headers() {
        let console = Console::new(oidc());
        let asset = format!("/app/assets/{}/app.js", SITE.build);
        for (method, path) in [
            (Method::GET, "/app"),
            (Method::GET, "/app/orgs/acme/tokens"),
            (Method::GET, "/app/api"),
            (Method::GET, "/app/api/openapi.yaml"),
            (Method::GET, "/app/config.json"),
            (Method::GET, asset.as_str()),
            (Method::GET, "/app/nope"),
            (Method::POST, "/app/dev/token"),
        ] {
            let resp = console.handle(&request(method.clone(), path, ""));
            let h = resp.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(csp.starts_with("default-src 'self';"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}");
            assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        }
    }

    #[test]
    fn assets_are_immutable_and_pages_revalidate_with_an_etag() {
        let console = Console::new(oidc());
        let asset = console.handle(&request(
            Method::GET,
            &format!("/app/assets/{}/style.css", SITE.build),
            "",
        ));
        assert_eq!(asset.status(), 200);
        assert_eq!(asset.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(
            asset.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let page = console.handle(&request(Method::GET, "/app/invitations/accept", ""));
        assert_eq!(page.headers()["cache-control"], "no-cache");
        let etag = page.headers()["etag"].to_str().unwrap().to_owned();
        let mut again = request(Method::GET, "/app/invitations/accept", "");
        again
            .headers_mut()
            .insert("if-none-match", etag.parse().unwrap());
        let unchanged = console.handle(&again);
        assert_eq!(unchanged.status(), 304);
        assert!(matches!(unchanged.body(), Body::Empty));
    }

    #[test]
    fn the_large_vendored_files_go_gzipped_to_browsers_that_accept_it() {
        let console = Console::new(oidc());
        let path = format!("/app/assets/{}/vendor/swagger-ui-bundle.js", SITE.build);
        let mut gzip = request(Method::GET, &path, "");
        gzip.headers_mut()
            .insert("accept-encoding", "gzip, deflate, br".parse().unwrap());
        let zipped = console.handle(&gzip);
        assert_eq!(zipped.status(), 200);
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["vary"], "accept-encoding");
        let Body::Binary(bytes) = zipped.body() else {
            panic!("gzip is binary")
        };
        assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
        assert!(bytes.len() < 600_000, "{}", bytes.len());

        let plain = console.handle(&request(Method::GET, &path, ""));
        assert!(plain.headers().get("content-encoding").is_none());
        assert!(text(&plain).len() > 1_000_000);
        assert_ne!(plain.headers()["etag"], zipped.headers()["etag"]);
        let mut refused = request(Method::GET, &path, "");
        refused
            .headers_mut()
            .insert("accept-encoding", "gzip;q=0".parse().unwrap());
        assert!(
            console
                .handle(&refused)
                .headers()
                .get("content-encoding")
                .is_none()
        );
    }

    #[test]
    fn the_settings_name_the_sign_in_without_secrets() {
        let oidc = Console::new(oidc()).handle(&request(Method::GET, "/app/config.json", ""));
        let value: serde_json::Value = serde_json::from_str(&text(&oidc)).unwrap();
        assert_eq!(value["sign_in"], "oidc");
        assert_eq!(value["oidc"]["client_id"], "console");
        assert_eq!(value["oidc"]["token_url"], "https://idp.example.com/token");
        assert_eq!(value["oidc"].as_object().unwrap().len(), 4, "{value}");
    }

    #[test]
    fn api_paths_are_never_console_pages() {
        for path in [
            "/orgs/acme/tokens",
            "/invitations/accept",
            "/me/orgs",
            "/orgs",
        ] {
            assert_eq!(route(&Method::GET, path), Target::NotFound, "{path}");
        }
    }

    #[test]
    fn the_home_page_with_a_trailing_slash_answers_like_without() {
        assert_eq!(route(&Method::GET, "/app/"), Target::Page);
        for path in ["/app/signin/", "/app/orgs/acme/", "/app/orgs/acme/members/"] {
            assert_eq!(route(&Method::GET, path), Target::Page, "{path}");
        }
        for path in [
            "/app//",
            "/app/orgs/acme/members//",
            "/app/orgs/",
            "/app/nope/",
        ] {
            assert_eq!(route(&Method::GET, path), Target::NotFound, "{path}");
        }
        let console = Console::new(oidc());
        let bare = console.handle(&request(Method::GET, "/app", ""));
        let slash = console.handle(&request(Method::GET, "/app/", ""));
        assert_eq!(bare.status(), 200);
        assert_eq!(slash.status(), bare.status());
        assert_eq!(
            slash.headers()["content-type"],
            bare.headers()["content-type"]
        );
        assert_eq!(slash.headers()["etag"], bare.headers()["etag"]);
        assert_eq!(text(&slash), text(&bare));
    }

    #[test]
    fn the_mail_links_open_console_pages() {
        assert_eq!(route(&Method::GET, "/app/invitations/accept"), Target::Page);
        assert_eq!(route(&Method::GET, "/app/orgs/acme/tokens"), Target::Page);
    }

    #[test]
    fn every_org_tab_is_a_page() {
        for tab in [
            "",
            "/members",
            "/invitations",
            "/tokens",
            "/api-keys",
            "/directory",
            "/webhooks",
            "/audit",
        ] {
            let path = format!("/app/orgs/acme{tab}");
            assert_eq!(route(&Method::GET, &path), Target::Page, "{path}");
        }
    }

    #[test]
    fn unknown_pages_and_malformed_slugs_are_not_found() {
        assert_eq!(
            route(&Method::GET, "/app/orgs/acme/secrets"),
            Target::NotFound
        );
        assert_eq!(
            route(&Method::GET, "/app/orgs/A!/members"),
            Target::NotFound
        );
        assert_eq!(route(&Method::GET, "/app/nope"), Target::NotFound);
        assert_eq!(route(&Method::DELETE, "/app/"), Target::NotFound);
    }

    #[test]
    fn assets_are_addressed_by_build_and_name() {
        assert_eq!(
            route(&Method::GET, "/app/assets/abc/vendor/swagger-ui.css"),
            Target::Asset {
                build: "abc",
                name: "vendor/swagger-ui.css"
            }
        );
    }
}
