//! The route table: every HTTP operation (method, path, function, auth kind),
//! written once. At run time it names the operation of a request ([`resolve`],
//! for the logs). The copies other tools need are written and checked by
//! `make routes` (the `xtask` crate), which names what is missing or stale where.

/// An HTTP method, as API Gateway and the router spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Case-insensitive: OpenAPI writes `get`, the router and API Gateway `GET`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(raw))
    }
}

/// Who may call a route, as API Gateway enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Auth {
    /// The HTTP API's default JWT authorizer; the function reads the claims.
    Jwt,
    /// SigV4 (`AWS_IAM` authorizer), for services such as channel servers.
    Iam,
    /// No authorizer: the function alone decides (static pages, sign-in).
    Public,
}

impl Auth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "JWT",
            Self::Iam => "IAM",
            Self::Public => "none",
        }
    }
}

/// One HTTP operation. `path` uses API Gateway's `{name}` parameters (and
/// `{name+}` for a greedy last segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// The function (its crate in `functions/`, its binary, its sample event).
    pub function: &'static str,
    pub auth: Auth,
    /// Served by `make dev` only: in the router, never in the template or
    /// the OpenAPI document (a dev sign-in endpoint, say).
    pub local_only: bool,
}

impl Route {
    const fn new(method: Method, path: &'static str, function: &'static str, auth: Auth) -> Self {
        Self {
            method,
            path,
            function,
            auth,
            local_only: false,
        }
    }

    pub const fn jwt(method: Method, path: &'static str, function: &'static str) -> Self {
        Self::new(method, path, function, Auth::Jwt)
    }

    pub const fn iam(method: Method, path: &'static str, function: &'static str) -> Self {
        Self::new(method, path, function, Auth::Iam)
    }

    pub const fn public(method: Method, path: &'static str, function: &'static str) -> Self {
        Self::new(method, path, function, Auth::Public)
    }

    /// Marks a route as served locally only (see [`Route::local_only`]).
    pub const fn local_only(mut self) -> Self {
        self.local_only = true;
        self
    }

    /// `POST /orgs/{org}/tokens`: API Gateway's route key.
    pub fn key(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// The path parameters of a concrete path, if the path is one of this
    /// route's (values as they appear in the path, not percent-decoded).
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<(&'static str, &'p str)>> {
        let mut params = Vec::new();
        let mut template = segments(self.path);
        let mut concrete = segments(path);
        loop {
            match (template.next(), concrete.next()) {
                (None, None) => return Some(params),
                (Some(t), Some(c)) => match param_name(t) {
                    Some(name) if name.ends_with('+') => {
                        // Greedy: the rest of the path, at least one segment.
                        if template.next().is_some() {
                            return None;
                        }
                        let start = c.as_ptr() as usize - path.as_ptr() as usize;
                        params.push((name.trim_end_matches('+'), &path[start..]));
                        return Some(params);
                    }
                    Some(name) if !c.is_empty() => params.push((name, c)),
                    Some(_) => return None,
                    None if t == c => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }

    /// The names of the path parameters (`org`, `user_id`...), in order.
    pub fn param_names(&self) -> impl Iterator<Item = &'static str> {
        segments(self.path)
            .filter_map(param_name)
            .map(|n| n.trim_end_matches('+'))
    }
}

fn segments(path: &str) -> std::str::Split<'_, char> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn param_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

use Method::{Delete, Get, Patch, Post, Put};

/// Every HTTP route. A function may serve several routes (issue-token).
pub const ROUTES: &[Route] = &[
    Route::jwt(Post, "/orgs", "create-org"),
    Route::jwt(Get, "/orgs/{org}", "get-org"),
    Route::jwt(Patch, "/orgs/{org}", "update-org"),
    Route::jwt(Get, "/me/orgs", "list-my-orgs"),
    Route::jwt(Post, "/orgs/{org}/invitations", "invite-members"),
    Route::jwt(Get, "/orgs/{org}/invitations", "list-invitations"),
    Route::jwt(
        Post,
        "/orgs/{org}/invitations/{id}/resend",
        "resend-invitation",
    ),
    Route::jwt(Delete, "/orgs/{org}/invitations/{id}", "revoke-invitation"),
    Route::jwt(Post, "/invitations/accept", "accept-invitation"),
    Route::jwt(Get, "/orgs/{org}/members", "list-members"),
    Route::jwt(Get, "/orgs/{org}/members/{user_id}", "get-member"),
    Route::jwt(Delete, "/orgs/{org}/members/{user_id}", "remove-member"),
    Route::jwt(Put, "/orgs/{org}/members/{user_id}/role", "change-role"),
    Route::jwt(Put, "/orgs/{org}/members/{user_id}/seat", "assign-seat"),
    Route::jwt(Delete, "/orgs/{org}/members/{user_id}/seat", "revoke-seat"),
    Route::jwt(Post, "/orgs/{org}/tokens", "issue-token"),
    Route::jwt(Post, "/orgs/{org}/members/{user_id}/tokens", "issue-token"),
    Route::jwt(Get, "/orgs/{org}/tokens", "list-tokens"),
    Route::jwt(Delete, "/orgs/{org}/tokens/{id}", "revoke-token"),
    Route::iam(Post, "/tokens/introspect", "introspect-token"),
    Route::jwt(Get, "/orgs/{org}/audit", "list-audit-events"),
    Route::jwt(Post, "/invitations/preview", "preview-invitation"),
    // The web console (shared/src/console): pages and assets under /app, public.
    Route::public(Get, "/app", "console"),
    Route::public(Get, "/app/{proxy+}", "console"),
    // The dev sign-in: never deployed (see shared/src/console/dev_sign_in.rs).
    Route::public(Post, "/app/dev/token", "console").local_only(),
    Route::jwt(Get, "/orgs/{org}/imports", "list-imports"),
    Route::jwt(Get, "/orgs/{org}/imports/{id}", "get-import"),
    Route::jwt(Get, "/orgs/{org}/suppressions", "list-suppressions"),
    Route::jwt(Delete, "/orgs/{org}/suppressions/{id}", "clear-suppression"),
];

/// The route a request was made to: API Gateway's route key when it names a
/// route (deployed), else the method and path matched against the table (the
/// local router). Literal segments win over parameters.
pub fn resolve(method: &str, route_key: Option<&str>, path: &str) -> Option<&'static Route> {
    if let Some(route) = route_key.and_then(|key| ROUTES.iter().find(|r| r.key() == key)) {
        return Some(route);
    }
    let method = Method::parse(method)?;
    ROUTES
        .iter()
        .filter(|r| r.method == method && r.match_path(path).is_some())
        .max_by_key(|r| segments(r.path).filter(|s| param_name(s).is_none()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_resolves_to_itself_from_a_concrete_path_and_from_its_route_key() {
        for route in ROUTES {
            let concrete = route
                .path
                .split('/')
                .map(|s| if param_name(s).is_some() { "x1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let found = resolve(route.method.as_str(), None, &concrete);
            assert_eq!(found, Some(route), "{} resolved wrongly", route.key());
            let found = resolve("ignored", Some(&route.key()), "/ignored");
            assert_eq!(found, Some(route), "route key {}", route.key());
        }
    }

    #[test]
    fn no_two_routes_share_a_method_and_path() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(a.key() != b.key(), "{} is in the table twice", a.key());
            }
        }
    }

    #[test]
    fn paths_and_function_names_are_well_formed() {
        for route in ROUTES {
            assert!(route.path.starts_with('/'), "{}", route.key());
            assert!(
                !route.path.ends_with('/') || route.path == "/",
                "{}",
                route.key()
            );
            for name in route.param_names() {
                assert!(
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{}: parameter {{{name}}} should be snake_case",
                    route.key()
                );
            }
            let f = route.function;
            assert!(
                !f.is_empty() && f.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}: function {f:?} should be kebab-case",
                route.key()
            );
        }
    }

    #[test]
    fn path_parameters_are_extracted_and_literals_must_match() {
        let get_member = resolve("GET", None, "/orgs/acme/members/dev%7Cbob").unwrap();
        assert_eq!(get_member.function, "get-member");
        assert_eq!(
            get_member.match_path("/orgs/acme/members/dev%7Cbob"),
            Some(vec![("org", "acme"), ("user_id", "dev%7Cbob")])
        );
        assert_eq!(get_member.match_path("/orgs/acme/members"), None);
        assert_eq!(get_member.match_path("/orgs/acme/members/u/role"), None);
        assert_eq!(get_member.match_path("/orgs//members/u"), None);
        assert_eq!(resolve("GET", None, "/nowhere"), None);
        assert_eq!(resolve("TRACE", None, "/orgs"), None);
        assert_eq!(
            resolve("post", None, "/invitations/accept").map(|r| r.function),
            Some("accept-invitation")
        );
    }

    #[test]
    fn a_greedy_parameter_takes_the_rest_of_the_path() {
        let route = Route::public(Get, "/console/{path+}", "console");
        assert_eq!(
            route.match_path("/console/assets/app.js"),
            Some(vec![("path", "assets/app.js")])
        );
        assert_eq!(route.match_path("/console"), None);
        assert_eq!(route.param_names().collect::<Vec<_>>(), ["path"]);
    }
}
