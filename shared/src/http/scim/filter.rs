//! SCIM filters (RFC 7644 §3.4.2.2): parsed into a [`Filter`] and evaluated
//! against a resource's JSON, so every attribute a client can read can be
//! filtered on. Attribute names are case-insensitive; string comparisons are
//! too, except on attributes RFC 7643 makes case-exact (`id`, `externalId`,
//! and a group's or user's member references).
//!
//! Also the attribute paths of PATCH (§3.5.2): `emails[type eq "work"].value`.

use super::ScimError;
use super::resources::{get, strip_urn};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(Path),
    Compare(Path, Op, Value),
    /// `emails[type eq "work"]`: an element of a multi-valued attribute matches.
    ValuePath(String, Box<Filter>),
}

/// `attr`, `attr.sub`, or `attr[filter].sub` (the latter only in PATCH).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub attr: String,
    pub filter: Option<Box<Filter>>,
    pub sub: Option<String>,
}

/// The attribute `userName eq "x"` names, when the filter is just that
/// (listed by a direct read rather than a scan).
pub fn user_name_eq(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Compare(path, Op::Eq, Value::String(v))
            if path.sub.is_none()
                && path.filter.is_none()
                && path.attr.eq_ignore_ascii_case("userName") =>
        {
            Some(v)
        }
        _ => None,
    }
}

/// Longest filter accepted, in characters.
pub const MAX_FILTER_LEN: usize = 4_096;
/// Deepest nesting of parentheses, brackets and `not` accepted: the parser
/// recurses, and a hostile filter must not exhaust the stack.
pub const MAX_DEPTH: usize = 16;

pub fn parse(text: &str) -> Result<Filter, ScimError> {
    if text.chars().count() > MAX_FILTER_LEN {
        return Err(ScimError::invalid_filter(format!(
            "a filter has at most {MAX_FILTER_LEN} characters"
        )));
    }
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(ScimError::invalid_filter(
            "unexpected text after the filter",
        ));
    }
    Ok(filter)
}

/// A PATCH path.
pub fn parse_path(text: &str) -> Result<Path, ScimError> {
    if text.chars().count() > MAX_FILTER_LEN {
        return Err(ScimError::invalid_path("(too long)"));
    }
    let mut parser = Parser {
        tokens: tokenize(text).map_err(|_| ScimError::invalid_path(text))?,
        at: 0,
        depth: 0,
    };
    let path = parser.path().map_err(|_| ScimError::invalid_path(text))?;
    if parser.at != parser.tokens.len() {
        return Err(ScimError::invalid_path(text));
    }
    Ok(path)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Literal(Value),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, ScimError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' => (tokens.push(Token::Open), i += 1).1,
            ')' => (tokens.push(Token::Close), i += 1).1,
            '[' => (tokens.push(Token::OpenBracket), i += 1).1,
            ']' => (tokens.push(Token::CloseBracket), i += 1).1,
            '"' => {
                // A JSON string, escapes and all.
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '"' {
                    j += if chars[j] == '\\' { 2 } else { 1 };
                }
                if j >= chars.len() {
                    return Err(ScimError::invalid_filter("a string is not closed"));
                }
                let raw: String = chars[i..=j].iter().collect();
                let value: Value = serde_json::from_str(&raw)
                    .map_err(|_| ScimError::invalid_filter("a string is not valid"))?;
                tokens.push(Token::Literal(value));
                i = j + 1;
            }
            _ => {
                let mut j = i;
                while j < chars.len() && !" \t\n()[]\"".contains(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                // `].value` continues a value path: the dot starts a word.
                tokens.push(Token::Word(word));
                i = j;
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ScimError::invalid_filter(format!(
                "a filter nests at most {MAX_DEPTH} levels"
            )));
        }
        let result = self.or_terms();
        self.depth -= 1;
        result
    }

    fn or_terms(&mut self) -> Result<Filter, ScimError> {
        self.joined("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        self.joined("and", Self::factor, Filter::And)
    }

    /// Terms parsed by `term`, joined left to right by the operator `word`
    /// (`or` binds looser than `and`: `or`'s terms are `and`s).
    fn joined(
        &mut self,
        word: &str,
        term: fn(&mut Self) -> Result<Filter, ScimError>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, ScimError> {
        let mut left = term(self)?;
        while self.peek_word().as_deref() == Some(word) {
            self.at += 1;
            left = join(Box::new(left), Box::new(term(self)?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Filter, ScimError> {
        if self.peek_word().as_deref() == Some("not") {
            self.at += 1;
            self.expect(&Token::Open)?;
            let inner = self.or()?;
            self.expect(&Token::Close)?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Token::Close)?;
            return Ok(inner);
        }
        let path = self.path()?;
        if path.filter.is_some() && path.sub.is_none() && !self.at_operator() {
            let Path { attr, filter, .. } = path;
            return Ok(Filter::ValuePath(attr, filter.expect("checked above")));
        }
        let op = self
            .peek_word()
            .ok_or_else(|| ScimError::invalid_filter("an operator is missing"))?;
        self.at += 1;
        if op == "pr" {
            return Ok(Filter::Present(path));
        }
        let op = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => {
                return Err(ScimError::invalid_filter(format!(
                    "unknown operator `{other}`"
                )));
            }
        };
        let value = match self.tokens.get(self.at) {
            Some(Token::Literal(v)) => v.clone(),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => serde_json::from_str::<serde_json::Number>(w)
                    .map(Value::Number)
                    .map_err(|_| ScimError::invalid_filter(format!("`{w}` is not a value")))?,
            },
            _ => return Err(ScimError::invalid_filter("a value is missing")),
        };
        self.at += 1;
        Ok(Filter::Compare(path, op, value))
    }

    fn at_operator(&self) -> bool {
        matches!(
            self.peek_word().as_deref(),
            Some("eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le" | "pr")
        )
    }

    fn path(&mut self) -> Result<Path, ScimError> {
        let Some(Token::Word(word)) = self.tokens.get(self.at).cloned() else {
            return Err(ScimError::invalid_filter("an attribute name is missing"));
        };
        self.at += 1;
        let name = strip_urn(&word);
        let (attr, sub) = match name.split_once('.') {
            Some((a, s)) => (a.to_owned(), Some(s.to_owned())),
            None => (name.to_owned(), None),
        };
        if attr.is_empty()
            || !attr
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
        {
            return Err(ScimError::invalid_filter(format!(
                "`{word}` is not an attribute"
            )));
        }
        if sub.is_some() || self.tokens.get(self.at) != Some(&Token::OpenBracket) {
            return Ok(Path {
                attr,
                filter: None,
                sub,
            });
        }
        self.at += 1;
        let inner = self.or()?;
        self.expect(&Token::CloseBracket)?;
        let sub = match self.tokens.get(self.at) {
            Some(Token::Word(w)) if w.starts_with('.') => {
                self.at += 1;
                Some(w[1..].to_owned())
            }
            _ => None,
        };
        Ok(Path {
            attr,
            filter: Some(Box::new(inner)),
            sub,
        })
    }

    fn expect(&mut self, token: &Token) -> Result<(), ScimError> {
        if self.tokens.get(self.at) == Some(token) {
            self.at += 1;
            Ok(())
        } else {
            Err(ScimError::invalid_filter(
                "unbalanced brackets or parentheses",
            ))
        }
    }
}

fn case_exact(attr: &str, sub: Option<&str>) -> bool {
    let attr = attr.to_ascii_lowercase();
    matches!(attr.as_str(), "id" | "externalid")
        || (matches!(attr.as_str(), "members" | "groups")
            && sub.is_some_and(|s| s.eq_ignore_ascii_case("value")))
}

/// Whether `resource` (a JSON object) matches.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::ValuePath(attr, inner) => elements(resource, attr)
            .iter()
            .any(|element| matches(inner, element)),
        Filter::Present(path) => values(resource, path).iter().any(|v| {
            !matches!(v, Value::Null)
                && v.as_str() != Some("")
                && v.as_array().is_none_or(|a| !a.is_empty())
        }),
        Filter::Compare(path, op, expected) => {
            let exact = case_exact(&path.attr, path.sub.as_deref());
            let found = values(resource, path);
            if *op == Op::Eq && expected.is_null() {
                return found.is_empty();
            }
            found.iter().any(|v| compare(v, *op, expected, exact))
        }
    }
}

/// The elements of attribute `attr` of `resource` (one for a single value).
pub fn elements<'a>(resource: &'a Value, attr: &str) -> Vec<&'a Value> {
    match resource.as_object().and_then(|obj| get(obj, attr)) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    }
}

/// The values a path names in `resource`: every element's sub-attribute for
/// a multi-valued attribute.
fn values<'a>(resource: &'a Value, path: &Path) -> Vec<&'a Value> {
    let elements = elements(resource, &path.attr)
        .into_iter()
        .filter(|e| path.filter.as_deref().is_none_or(|f| matches(f, e)));
    match &path.sub {
        None => elements
            .flat_map(|e| match e {
                // A filter on a multi-valued attribute without a
                // sub-attribute compares its `value` (RFC 7644 §3.4.2.2).
                Value::Object(obj) => get(obj, "value").into_iter().collect::<Vec<_>>(),
                other => vec![other],
            })
            .collect(),
        Some(sub) => elements
            .filter_map(|e| e.as_object().and_then(|obj| get(obj, sub)))
            .collect(),
    }
}

fn compare(found: &Value, op: Op, expected: &Value, exact: bool) -> bool {
    match (found, expected) {
        (Value::String(f), Value::String(e)) => {
            let (f, e) = if exact {
                (f.clone(), e.clone())
            } else {
                (f.to_lowercase(), e.to_lowercase())
            };
            match op {
                Op::Eq => f == e,
                Op::Ne => f != e,
                Op::Co => f.contains(&e),
                Op::Sw => f.starts_with(&e),
                Op::Ew => f.ends_with(&e),
                Op::Gt => f > e,
                Op::Ge => f >= e,
                Op::Lt => f < e,
                Op::Le => f <= e,
            }
        }
        (Value::Bool(f), Value::Bool(e)) => match op {
            Op::Eq => f == e,
            Op::Ne => f != e,
            _ => false,
        },
        (Value::Number(f), Value::Number(e)) => {
            let (f, e) = (f.as_f64().unwrap_or(0.0), e.as_f64().unwrap_or(0.0));
            match op {
                Op::Eq => f == e,
                Op::Ne => f != e,
                Op::Gt => f > e,
                Op::Ge => f >= e,
                Op::Lt => f < e,
                Op::Le => f <= e,
                _ => false,
            }
        }
        (Value::String(_), Value::Bool(e)) => {
            // Entra's booleans as strings compare as booleans.
            super::resources::boolean("", found).is_ok_and(|f| match op {
                Op::Eq => f == *e,
                Op::Ne => f != *e,
                _ => false,
            })
        }
        _ => op == Op::Ne,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"id": "abc", "userName": "Ann@Example.com", "externalId": "E1",
            "displayName": "Ann Lee", "active": true,
            "name": {"givenName": "Ann"},
            "emails": [{"value": "ann@home.example", "type": "home"},
                       {"value": "Ann@Example.com", "type": "work", "primary": true}],
            "meta": {"lastModified": "2026-12-07T10:00:00Z"}})
    }

    fn check(text: &str) -> bool {
        matches(&parse(text).unwrap(), &user())
    }

    #[test]
    fn user_name_and_display_name_compare_case_insensitively_external_id_exactly() {
        assert!(check(r#"userName eq "ann@example.com""#));
        assert!(check(r#"USERNAME Eq "ANN@EXAMPLE.COM""#));
        assert!(check(r#"displayName co "lee""#));
        assert!(check(r#"externalId eq "E1""#));
        assert!(!check(r#"externalId eq "e1""#));
        assert!(check(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ann""#
        ));
    }

    #[test]
    fn value_paths_logic_and_presence_follow_rfc_7644() {
        assert!(check(
            r#"emails[type eq "work"].value eq "ann@example.com""#
        ));
        assert!(!check(
            r#"emails[type eq "home"].value eq "ann@example.com""#
        ));
        assert!(check(r#"emails[type eq "work" and primary eq true]"#));
        assert!(check(r#"emails.value ew "home.example""#));
        assert!(check(
            r#"userName eq "x" or (active eq true and not (name.givenName eq "Bob"))"#
        ));
        assert!(!check(
            r#"userName eq "ann@example.com" and active eq false"#
        ));
        assert!(check("name.givenName pr"));
        assert!(!check("nickName pr"));
        assert!(check(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#));
    }

    #[test]
    fn a_malformed_filter_is_refused_as_invalid() {
        for bad in [
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"(userName eq "x""#,
            r#"userName eq "x" extra"#,
            r#"emails[type eq "work""#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_deeply_nested_or_very_long_filter_is_refused_not_recursed_into() {
        let deep = format!(
            "{}userName eq \"a\"{}",
            "(".repeat(1_000),
            ")".repeat(1_000)
        );
        // Within the length limit: refused by its depth, before the recursion goes deep.
        let refused = parse(&deep).unwrap_err();
        assert_eq!(refused.scim_type, Some("invalidFilter"));
        assert!(refused.detail.contains("nests"), "{}", refused.detail);
        let nested = format!("{}userName eq \"a\"{}", "(".repeat(10), ")".repeat(10));
        assert!(parse(&nested).is_ok());
        let not_nested = format!(
            "{}userName eq \"a\"{}",
            "not (".repeat(5_000),
            ")".repeat(5_000)
        );
        assert!(parse(&not_nested).is_err());
        assert!(parse(&"a".repeat(MAX_FILTER_LEN + 1)).is_err());
        let long_path = format!("emails[{}]", "(".repeat(1_000));
        assert!(parse_path(&long_path).is_err());
    }

    #[test]
    fn the_direct_user_name_read_is_used_only_for_a_plain_equality() {
        assert_eq!(
            user_name_eq(&parse(r#"userName eq "A""#).unwrap()),
            Some("A")
        );
        assert_eq!(user_name_eq(&parse(r#"userName co "A""#).unwrap()), None);
        assert_eq!(
            user_name_eq(&parse(r#"userName eq "A" and active eq true"#).unwrap()),
            None
        );
    }

    #[test]
    fn patch_paths_parse_with_a_filter_and_a_sub_attribute() {
        let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.attr, "emails");
        assert_eq!(path.sub.as_deref(), Some("value"));
        assert!(path.filter.is_some());
        assert_eq!(
            parse_path("name.givenName").unwrap().sub.as_deref(),
            Some("givenName")
        );
        assert!(parse_path("members[value eq").is_err());
    }
}
