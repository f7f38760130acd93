//! An HTTP route as the declaration states it: method, path (API Gateway's
//! `{param}` and greedy `{param+}`), the function serving it and who may call.

use serde::Deserialize;

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

    /// The variant's name in Rust (`Get`), for the generated route table.
    pub fn rust(self) -> &'static str {
        match self {
            Self::Get => "Get",
            Self::Post => "Post",
            Self::Put => "Put",
            Self::Patch => "Patch",
            Self::Delete => "Delete",
        }
    }
}

/// Who may call a route, as API Gateway enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// The HTTP API's default authorizer, the `authorize` function: a
    /// person's ID token or an org API key.
    #[default]
    Authorizer,
    /// SigV4 (`AWS_IAM` authorizer).
    Iam,
    /// No authorizer.
    Public,
}

impl Auth {
    /// As the README's table writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorizer => "token or key",
            Self::Iam => "IAM",
            Self::Public => "none",
        }
    }
}

/// One HTTP operation of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
    pub function: String,
    pub auth: Auth,
    /// Served by `make dev` only.
    pub local_only: bool,
}

impl Route {
    /// `POST /orgs/{org}/tokens`: API Gateway's route key.
    pub fn key(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// The path parameters of a concrete path, if the path is one of this
    /// route's (values as they appear in the path, not percent-decoded).
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<(String, &'p str)>> {
        let mut params = Vec::new();
        let mut template = segments(&self.path);
        let mut concrete = segments(path);
        loop {
            match (template.next(), concrete.next()) {
                (None, None) => return Some(params),
                (Some(t), Some(c)) => match param_name(t) {
                    Some(name) if name.ends_with('+') => {
                        if template.next().is_some() {
                            return None;
                        }
                        let start = c.as_ptr() as usize - path.as_ptr() as usize;
                        params.push((name.trim_end_matches('+').to_owned(), &path[start..]));
                        return Some(params);
                    }
                    Some(name) if !c.is_empty() => params.push((name.to_owned(), c)),
                    Some(_) => return None,
                    None if t == c => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }

    /// The names of the path parameters, in order.
    pub fn param_names(&self) -> Vec<&str> {
        segments(&self.path)
            .filter_map(param_name)
            .map(|n| n.trim_end_matches('+'))
            .collect()
    }
}

fn segments(path: &str) -> std::str::Split<'_, char> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn param_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_matched_and_greedy_ones_take_the_rest() {
        let route = |path: &str| Route {
            method: Method::Get,
            path: path.into(),
            function: "f".into(),
            auth: Auth::Authorizer,
            local_only: false,
        };
        let member = route("/orgs/{org}/members/{user_id}");
        assert_eq!(
            member.match_path("/orgs/acme/members/dev%7Cbob"),
            Some(vec![
                ("org".into(), "acme"),
                ("user_id".into(), "dev%7Cbob")
            ])
        );
        assert_eq!(member.match_path("/orgs//members/u"), None);
        let greedy = route("/app/{path+}");
        assert_eq!(
            greedy.match_path("/app/assets/app.js"),
            Some(vec![("path".into(), "assets/app.js")])
        );
        assert_eq!(greedy.param_names(), ["path"]);
    }
}
