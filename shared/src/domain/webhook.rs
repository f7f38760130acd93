//! Webhook endpoints: the URL an admin may register (and Roster may call),
//! which addresses are off limits, the retry schedule, and the Standard
//! Webhooks signature. Secrets are never stored: each endpoint's secret is
//! derived from the deployment's signing key, the endpoint and its generation.

use super::events::EventType;
use super::{Invalid, OrgSlug};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Duration, Utc};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Endpoints per org.
pub const MAX_ENDPOINTS: usize = 10;

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// An endpoint that has failed this long without a success is disabled when
/// a delivery's schedule runs out (the schedule is ~3 days: well past this).
pub const DISABLE_AFTER: Duration = Duration::days(2);

/// Delays before each retry after a failed attempt: about three days in all.
pub const RETRY_DELAYS_SECONDS: [i64; 9] = [
    60,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    20 * 3600,
];

/// When the next attempt is due after `attempts` attempts failed (the first
/// is attempt 1), or `None` when the schedule is spent. `jitter` in [0, 1)
/// spreads retries by ±10 % so endpoints that failed together do not all
/// come back together.
pub fn next_attempt(
    attempts: usize,
    failed_at: DateTime<Utc>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let delay = *RETRY_DELAYS_SECONDS.get(attempts.checked_sub(1)?)?;
    let spread = (delay as f64 * 0.2 * (jitter.clamp(0.0, 1.0) - 0.5)) as i64;
    Some(failed_at + Duration::seconds(delay + spread))
}

/// An endpoint's URL: `https://` (or an origin the deployment exempts, for
/// local development), a host, no credentials, no fragment. Whether its host
/// resolves to a public address is checked separately (at registration and
/// at every delivery), since DNS answers change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: String,
    host: String,
    port: u16,
    https: bool,
}

impl WebhookUrl {
    pub const MAX_LEN: usize = 2048;

    /// `exempt`: origins (`http://127.0.0.1:8080`) allowed over plain HTTP.
    pub fn parse(raw: &str, exempt: &[String]) -> Result<Self, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(Invalid::new(format!(
                "a webhook URL has 1 to {} characters",
                Self::MAX_LEN
            )));
        }
        let uri: http::Uri = raw
            .parse()
            .map_err(|_| Invalid::new("the webhook URL is not a valid URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(Invalid::new("a webhook URL must start with https://")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| Invalid::new("the webhook URL has no host"))?;
        if authority.as_str().contains('@') {
            return Err(Invalid::new("a webhook URL may not carry credentials"));
        }
        if raw.contains('#') {
            return Err(Invalid::new("a webhook URL may not have a fragment"));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(Invalid::new("the webhook URL has no host"));
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let url = Self {
            url: raw.to_owned(),
            host,
            port,
            https,
        };
        if !https && !url.is_exempt(exempt) {
            return Err(Invalid::new("a webhook URL must start with https://"));
        }
        Ok(url)
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL's host as an address, when it is written as one.
    pub fn literal_ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// Whether this URL's origin is one the deployment exempts from the
    /// address rules (only ever set for local development).
    pub fn is_exempt(&self, exempt: &[String]) -> bool {
        let scheme = if self.https { "https" } else { "http" };
        let origin = format!("{scheme}://{}:{}", self.host, self.port);
        exempt
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin))
    }
}

/// Why an address may not be called: anything but a public unicast address
/// (loopback, private, link-local and cloud metadata, carrier-grade NAT,
/// multicast, documentation and reserved ranges, and their IPv6 forms).
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (the cloud metadata service lives there)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else if ip.is_documentation()
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0)
    {
        Some("a reserved address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let first = segments[0];
    // IPv4-compatible (::a.b.c.d) and 6to4 (2002:a.b.c.d::) embed an IPv4 address.
    if segments[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return forbidden_v4(Ipv4Addr::new(a, b, c, d)).or(Some("an IPv4-compatible address"));
    }
    if first == 0x2002 {
        let [a, b] = segments[1].to_be_bytes();
        let [c, d] = segments[2].to_be_bytes();
        if let Some(reason) = forbidden_v4(Ipv4Addr::new(a, b, c, d)) {
            return Some(reason);
        }
    }
    if (first == 0x2001 && segments[1] == 0)  // Teredo
        || first & 0xffc0 == 0xfec0 // site-local
        || (first == 0x0100 && segments[1..4] == [0; 3])
    // discard
    {
        return Some("a reserved address");
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address (the cloud metadata service lives there)")
    } else if ip.is_multicast() {
        Some("a multicast or reserved address")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("a reserved address")
    } else if first == 0x0064 && ip.segments()[1] == 0xff9b {
        // NAT64 embeds an IPv4 address that may itself be private.
        Some("a NAT64 address")
    } else {
        None
    }
}

/// A registered endpoint. Its secret is not here: it is derived from the
/// signing key and `generation`.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// `wh_` and 20 hex digits.
    pub id: String,
    pub org: OrgSlug,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<EventType>,
    pub description: String,
    pub enabled: bool,
    /// `failing` when Roster disabled it.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Bumped by each rotation of the secret.
    pub generation: u32,
    pub rotated_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The first failure since the last success.
    pub failing_since: Option<DateTime<Utc>>,
}

impl Endpoint {
    pub fn new_id() -> String {
        format!("wh_{}", &uuid::Uuid::new_v4().simple().to_string()[..20])
    }

    /// Whether `id` has the shape of an endpoint id.
    pub fn is_id(id: &str) -> bool {
        id.strip_prefix("wh_")
            .is_some_and(|hex| hex.len() == 20 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// Whether events of `kind` go to this endpoint.
    pub fn wants(&self, kind: EventType) -> bool {
        self.enabled && (self.event_types.is_empty() || self.event_types.contains(&kind))
    }

    /// The generations whose secrets sign a delivery at `now`: the current
    /// one, and the one before for a day after a rotation.
    pub fn signing_generations(&self, now: DateTime<Utc>) -> Vec<u32> {
        let mut generations = vec![self.generation];
        if let Some(rotated) = self.rotated_at
            && now < rotated + ROTATION_OVERLAP
            && self.generation > 1
        {
            generations.push(self.generation - 1);
        }
        generations
    }

    /// Whether a final failure at `now` should disable the endpoint.
    pub fn should_disable(&self, now: DateTime<Utc>) -> bool {
        self.enabled
            && self
                .failing_since
                .is_some_and(|since| now - since >= DISABLE_AFTER)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    Delivered,
    /// The schedule ran out (or the endpoint was disabled or deleted).
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            _ => Err(Invalid::new("unknown delivery status")),
        }
    }
}

/// One attempt to deliver: the answer's status, or why there was none.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// Attempts kept per delivery (the oldest go first); the schedule counts on.
pub const MAX_ATTEMPTS_KEPT: usize = 20;

/// One event on its way to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub org: OrgSlug,
    pub endpoint: String,
    /// The event's position: the delivery's id is derived from it.
    pub position: String,
    pub event_id: String,
    pub event_type: EventType,
    /// The event's JSON, exactly as signed and sent.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// Failed attempts since the schedule (re)started.
    pub tries: usize,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl Delivery {
    pub fn id(&self) -> String {
        format!("dlv_{}", self.position)
    }

    /// A pending delivery of a `member.joined` event to `wh_1` of `acme`,
    /// made at `at` with `tries` failed attempts behind it (for tests).
    #[cfg(test)]
    pub(crate) fn sample(at: DateTime<Utc>, tries: usize) -> Self {
        Self {
            org: OrgSlug::parse("acme").unwrap(),
            endpoint: "wh_1".into(),
            position: "p".into(),
            event_id: "evt_1".into(),
            event_type: EventType::MemberJoined,
            body: "{}".into(),
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
            tries,
            created_at: at,
            next_attempt_at: None,
        }
    }

    /// Adds the attempt just made, keeping at most [`MAX_ATTEMPTS_KEPT`]
    /// (the oldest go first).
    pub fn keep_attempt(&mut self, attempt: Attempt) {
        self.attempts.push(attempt);
        let excess = self.attempts.len().saturating_sub(MAX_ATTEMPTS_KEPT);
        self.attempts.drain(..excess);
    }

    /// The position a delivery id names, if it is one.
    pub fn position_of(id: &str) -> Option<&str> {
        id.strip_prefix("dlv_").filter(|p| {
            !p.is_empty()
                && p.len() <= 64
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    }
}

/// The deployment's key from which every endpoint secret is derived (at
/// least 32 bytes; kept in Secrets Manager, never in the table).
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        if raw.len() < 32 {
            return Err(Invalid::new(
                "the webhook signing key has at least 32 characters",
            ));
        }
        Ok(Self(raw.as_bytes().to_vec()))
    }

    /// The secret of an endpoint at a generation: `whsec_` and 32 bytes in base64.
    pub fn endpoint_secret(
        &self,
        org: &OrgSlug,
        endpoint: &str,
        generation: u32,
    ) -> EndpointSecret {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let tag = ring::hmac::sign(
            &key,
            format!("webhook\0{org}\0{endpoint}\0{generation}").as_bytes(),
        );
        EndpointSecret(tag.as_ref().to_vec())
    }
}

/// One endpoint's secret (raw bytes); shown once as `whsec_<base64>`.
pub struct EndpointSecret(Vec<u8>);

impl EndpointSecret {
    /// Parses `whsec_<base64>` (the Standard Webhooks form).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let b64 = raw.strip_prefix("whsec_").unwrap_or(raw);
        B64.decode(b64)
            .map(Self)
            .map_err(|_| Invalid::new("not a webhook secret"))
    }

    pub fn expose(&self) -> String {
        format!("whsec_{}", B64.encode(&self.0))
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let mut ctx = ring::hmac::Context::with_key(&key);
        ctx.update(format!("{id}.{timestamp}.").as_bytes());
        ctx.update(body);
        format!("v1,{}", B64.encode(ctx.sign().as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exempt() -> Vec<String> {
        vec!["http://127.0.0.1:48123".into()]
    }

    #[test]
    fn signatures_match_the_standard_webhooks_reference_vector() {
        // From the Standard Webhooks specification's reference libraries.
        let secret = EndpointSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn endpoint_secrets_differ_by_org_endpoint_and_generation_and_round_trip() {
        let key = SigningKey::parse(&"k".repeat(40)).unwrap();
        let acme = OrgSlug::parse("acme").unwrap();
        let other = OrgSlug::parse("other").unwrap();
        let a = key.endpoint_secret(&acme, "wh_1", 1).expose();
        assert!(a.starts_with("whsec_"));
        assert_eq!(a, key.endpoint_secret(&acme, "wh_1", 1).expose());
        assert_ne!(a, key.endpoint_secret(&acme, "wh_1", 2).expose());
        assert_ne!(a, key.endpoint_secret(&acme, "wh_2", 1).expose());
        assert_ne!(a, key.endpoint_secret(&other, "wh_1", 1).expose());
        assert_eq!(EndpointSecret::parse(&a).unwrap().expose(), a);
        assert!(SigningKey::parse("short").is_err());
    }

    #[test]
    fn only_https_urls_without_credentials_are_taken() {
        let ok = WebhookUrl::parse("https://Hooks.Example.com/roster?x=1", &[]).unwrap();
        assert_eq!(ok.host(), "hooks.example.com");
        assert_eq!(ok.port(), 443);
        for bad in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "https://hooks.example.com/#frag",
            "hooks.example.com/roster",
            "",
        ] {
            assert!(WebhookUrl::parse(bad, &[]).is_err(), "{bad}");
        }
        assert!(WebhookUrl::parse("http://127.0.0.1:48123/hook", &exempt()).is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:48124/hook", &exempt()).is_err());
        let v6 = WebhookUrl::parse("https://[::1]:8443/", &[]).unwrap();
        assert_eq!(v6.literal_ip(), Some("::1".parse().unwrap()));
    }

    #[test]
    fn internal_and_reserved_addresses_are_forbidden_and_public_ones_are_not() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "fd00:ec2::254",
            "::7f00:1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "100::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(forbidden_reason(ip).is_some(), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_reason(ip), None, "{ip}");
        }
    }

    #[test]
    fn a_delivery_keeps_its_last_twenty_attempts() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut d = Delivery::sample(t0, 0);
        for i in 0..25u64 {
            let attempt = Attempt {
                at: t0,
                status_code: Some(500),
                error: None,
                duration_ms: i,
            };
            d.keep_attempt(attempt);
        }
        assert_eq!(d.attempts.len(), MAX_ATTEMPTS_KEPT);
        assert_eq!(d.attempts.first().unwrap().duration_ms, 5);
        assert_eq!(d.attempts.last().unwrap().duration_ms, 24);
        assert_eq!(Delivery::position_of(&d.id()), Some("p"));
        assert_eq!(Delivery::position_of("dlv_../../x"), None);
        assert!(Endpoint::is_id("wh_0123456789abcdef0123"));
        assert!(!Endpoint::is_id("wh_missing"));
    }

    #[test]
    fn retries_follow_the_schedule_with_bounded_jitter_for_about_three_days() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(next_attempt(1, t0, 0.5), Some(t0 + Duration::seconds(60)));
        let early = next_attempt(2, t0, 0.0).unwrap();
        let late = next_attempt(2, t0, 0.999).unwrap();
        assert!(early >= t0 + Duration::seconds(270) && late <= t0 + Duration::seconds(330));
        assert_eq!(next_attempt(10, t0, 0.5), None, "the schedule is spent");
        assert_eq!(next_attempt(0, t0, 0.5), None);
        let total: i64 = RETRY_DELAYS_SECONDS.iter().sum();
        assert!((60 * 3600..80 * 3600).contains(&total), "{total}");
    }
}
