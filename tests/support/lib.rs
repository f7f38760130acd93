//! Test support: an [`App`] wired to the local emulator through the real SDK
//! clients (with a DynamoDB call counter and a manual clock), request
//! builders for the real handlers, dev JWTs, and reading the mail the
//! emulator's SES received.
//!
//! `make test` (or `scripts/test-subset.sh`) runs them in a stack of
//! emulators (`scripts/stack.py run --emulators-only`), which exports
//! `AWS_ENDPOINT_URL` (DynamoDB), `AWS_ENDPOINT_URL_SESV2` (SES),
//! `ROSTER_TABLE` and `ROSTER_MAIL_FROM`; the table and sender identity exist.

pub mod authorizer;
pub mod events;
pub mod feedback;
pub mod iam;
pub mod mail;
pub mod request;

use aws_sdk_dynamodb::config::Builder as DynamoConfig;
use chrono::Utc;
use roster::App;
use roster::clock::ManualClock;
use roster::config::Config;
use roster::domain::Email;
use roster::mail::Mailer;
use roster::store::Store;
use roster::store::call_count::CallCounter;
use std::sync::Arc;

pub use request::{Req, Resp};

/// Mail goes out through an SES configuration set, as deployed (the emulator
/// accepts any name), so the least-privilege test sees that grant used.
pub const TEST_CONFIGURATION_SET: &str = "roster-mail-events";

pub struct TestApp {
    pub app: Arc<App>,
    pub clock: ManualClock,
    pub calls: CallCounter,
    /// The IAM actions the handlers' DynamoDB and SES calls needed (`iam`).
    pub actions: iam::ActionRecorder,
    /// The tags of every message sent (`feedback`).
    pub sent_tags: feedback::SentTags,
    /// What went on the event bus, and faults to inject there (`events`).
    pub bus: events::BusSpy,
}

/// A person with a unique identity for this test.
#[derive(Debug, Clone)]
pub struct User {
    pub sub: String,
    pub email: String,
}

impl User {
    pub fn new(name: &str) -> Self {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
        Self {
            sub: format!("user-{name}-{tag}"),
            email: format!("{name}-{tag}@example.com"),
        }
    }

    /// A valid dev JWT for this user.
    pub fn token(&self) -> String {
        jwt(&serde_json::json!({
            "sub": self.sub,
            "email": self.email,
            "email_verified": true,
            "exp": Utc::now().timestamp() + 3600,
        }))
    }
}

/// A bearer token with these claims, which the tests' stand-in for API
/// Gateway's authorizer hands to the function ([`authorizer`]).
pub fn jwt(claims: &serde_json::Value) -> String {
    authorizer::token(claims)
}

/// The id by which paths name an address (its invitation, its suppression):
/// the email, base64url without padding, computed here apart from the code
/// under test.
pub fn address_id(email: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(email)
}

/// A fresh org slug for this test.
pub fn slug() -> String {
    format!("t-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The emulators this test talks to. With `EMULATOR_SHARDS` (`make test`
/// starts a pair per core), the test in nextest's slot N takes shard N, so two
/// tests running at once never share an emulator; otherwise the one pair in
/// `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_SESV2`.
pub struct Emulators {
    pub dynamodb: String,
    pub ses: String,
}

pub fn emulators() -> Emulators {
    let shards: Vec<(String, String)> = std::env::var("EMULATOR_SHARDS")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| pair.split_once('|'))
        .map(|(d, s)| (d.to_owned(), s.to_owned()))
        .collect();
    let slot: usize = std::env::var("NEXTEST_TEST_GLOBAL_SLOT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match shards.get(slot % shards.len().max(1)) {
        Some((dynamodb, ses)) => Emulators {
            dynamodb: dynamodb.clone(),
            ses: ses.clone(),
        },
        None => Emulators {
            dynamodb: env("AWS_ENDPOINT_URL"),
            ses: std::env::var("AWS_ENDPOINT_URL_SESV2")
                .unwrap_or_else(|_| env("AWS_ENDPOINT_URL")),
        },
    }
}

/// The product's `SdkConfig` (`roster::app::sdk_config`), pointed at this
/// test's [`emulators`].
pub fn sdk_config() -> aws_types::SdkConfig {
    let emulators = emulators();
    roster::app::sdk_config_from(|name| match name {
        "AWS_ENDPOINT_URL" => Some(emulators.dynamodb.clone()),
        "AWS_ENDPOINT_URL_SESV2" => Some(emulators.ses.clone()),
        _ => std::env::var(name).ok().filter(|v| !v.is_empty()),
    })
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `make test` or scripts/test-subset.sh, which start the emulators")
    })
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_sender(&env("ROSTER_MAIL_FROM")).await
    }

    /// An app whose mail goes out from `from` (an unverified sender makes
    /// every SES send fail).
    pub async fn spawn_with_sender(from: &str) -> Self {
        // Handler logs (the cause chains of 5xx answers) show in failing tests' output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("roster=info")
            .try_init();
        let sdk = sdk_config();
        let calls = CallCounter::default();
        let actions = iam::ActionRecorder::new(&env("ROSTER_TABLE"));
        let dynamo = aws_sdk_dynamodb::Client::from_conf(
            DynamoConfig::from(&sdk)
                .interceptor(calls.clone())
                .interceptor(actions.clone())
                .build(),
        );
        let sent_tags = feedback::SentTags::default();
        let ses = aws_sdk_sesv2::Client::from_conf(
            aws_sdk_sesv2::config::Builder::from(&sdk)
                .interceptor(actions.clone())
                .interceptor(sent_tags.clone())
                .build(),
        );
        let bus = events::BusSpy::default();
        let eventbridge = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&sdk)
                .interceptor(actions.clone())
                .interceptor(bus.clone())
                .build(),
        );
        let clock = ManualClock::new(Utc::now());
        let config = Config {
            table: env("ROSTER_TABLE"),
            mail_from: Email::parse(from).expect("sender"),
            web_url: "https://roster.test".into(),
            limits: roster::domain::Limits::default(),
            // The emulator is slower than the pacing; tests of pacing set their own.
            import_write_units_per_second: 1_000_000,
            emails_verified_by_issuer: false,
        };
        let app = App::new(
            config.clone(),
            Store::new(dynamo, config.table.clone()),
            Mailer::new(ses, config.mail_from.clone())
                .with_configuration_set(Some(TEST_CONFIGURATION_SET.into())),
            Arc::new(clock.clone()),
        )
        // The emulator's default bus: it always exists.
        .with_bus(roster::outbound::bus::EventBus::new(
            eventbridge,
            Some("default".into()),
        ))
        .with_webhooks(events::webhook_settings(
            &[],
            events::MapResolver::default(),
        ));
        Self {
            app: Arc::new(app),
            clock,
            calls,
            actions,
            sent_tags,
            bus,
        }
    }

    /// An app whose abuse limits are `limits` (the abuse-limit tests).
    pub async fn with_limits(limits: roster::domain::Limits) -> Self {
        let mut test = Self::spawn().await;
        let mut app = (*test.app).clone();
        app.config.limits = limits;
        test.app = Arc::new(app);
        test
    }

    /// An app on a table of its own whose abuse limits are `limits`.
    pub async fn isolated_with_limits(limits: roster::domain::Limits) -> Self {
        let mut test = Self::isolated().await;
        let mut app = (*test.app).clone();
        app.config.limits = limits;
        test.app = Arc::new(app);
        test
    }

    /// Every item of the app's table (one scan page), as text: what a test
    /// greps for a secret that must never rest there.
    pub async fn table_dump(&self) -> String {
        let scan = self
            .app
            .store
            .client()
            .scan()
            .table_name(self.app.store.table())
            .send()
            .await
            .expect("scanning the table");
        format!("{:?}", scan.items())
    }

    /// An app on a table of its own, with the shared table's definition: for
    /// tests of table-wide work (the sweep) that must not see other tests' items.
    pub async fn isolated() -> Self {
        let mut test = Self::spawn().await;
        let name = format!("roster-test-{}", uuid::Uuid::new_v4().simple());
        copy_table_definition(&test.app.store, &name).await;
        let mut app = (*test.app).clone();
        app.config.table = name.clone();
        app.store = Store::new(test.app.store.client().clone(), name.clone());
        test.actions.set_table(&name);
        test.app = Arc::new(app);
        test
    }

    /// SES reports `feedback` about the latest message sent to `to`, with
    /// the tags it carried, through the real `mail-events` handler.
    pub async fn ses_reports(&self, feedback: feedback::Feedback, to: &str) {
        let tags = self
            .sent_tags
            .latest(to)
            .unwrap_or_else(|| panic!("no mail was sent to {to}"));
        let message = feedback::ses_event(feedback, to, &tags).to_string();
        self.sns_message(&message)
            .await
            .expect("mail-events recorded the event");
    }

    /// Delivers one SNS message to the real `mail-events` handler.
    pub async fn sns_message(&self, message: &str) -> Result<(), lambda_runtime::Error> {
        let event = lambda_runtime::LambdaEvent::new(
            feedback::sns_event(message),
            lambda_runtime::Context::default(),
        );
        roster::events::mail_events::handle(self.app.clone(), event).await
    }

    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        use roster::clock::Clock;
        self.clock.now()
    }

    /// Creates an org through the API with `admin` as its first admin.
    pub async fn create_org(&self, admin: &User, seat_limit: u32) -> String {
        let slug = slug();
        let resp = Req::post("/orgs")
            .user(admin)
            .json(serde_json::json!({"slug": slug, "name": "Test Org", "seat_limit": seat_limit}))
            .send(self, roster::http::routes::create_org::handle)
            .await;
        assert_eq!(resp.status, 201, "{}", resp.body);
        slug
    }

    /// Invites `emails` (JSON form) and returns the answer.
    pub async fn invite(
        &self,
        admin: &User,
        org: &str,
        emails: &[&str],
        role: &str,
        seat: bool,
    ) -> Resp {
        Req::post("/orgs/{org}/invitations")
            .org(org)
            .user(admin)
            .json(serde_json::json!({"emails": emails, "role": role, "seat": seat}))
            .send(self, roster::http::routes::invite_members::handle)
            .await
    }

    /// Resends invitation `id` once the resend cooldown (an hour by default)
    /// has passed on the test clock.
    pub async fn resend_after_cooldown(&self, admin: &User, org: &str, id: &str) -> Resp {
        let cooldown = self.app.config.limits.resend_cooldown_secs;
        self.clock
            .advance(chrono::Duration::seconds(i64::from(cooldown) + 1));
        Req::post("/orgs/{org}/invitations/{id}/resend")
            .org(org)
            .param("id", id)
            .user(admin)
            .send(self, roster::http::routes::resend_invitation::handle)
            .await
    }

    /// Invites `user`, delivers the mail and returns the accept token.
    pub async fn invite_and_get_token(
        &self,
        admin: &User,
        org: &str,
        user: &User,
        role: &str,
        seat: bool,
    ) -> String {
        let resp = self.invite(admin, org, &[&user.email], role, seat).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        assert_eq!(
            resp.json["results"][0]["outcome"], "invited",
            "{}",
            resp.body
        );
        mail::deliver_queued(self, org).await;
        mail::latest_invite_token(&user.email)
            .await
            .expect("an invitation email with a token")
    }

    /// A new org (admin "alice", `seat_limit` seats) that has invited "bob":
    /// returns the org, alice, bob and the token from bob's invitation email.
    pub async fn org_with_invitee(
        &self,
        seat_limit: u32,
        role: &str,
        seat: bool,
    ) -> (String, User, User, String) {
        let alice = User::new("alice");
        let org = self.create_org(&alice, seat_limit).await;
        let bob = User::new("bob");
        let token = self
            .invite_and_get_token(&alice, &org, &bob, role, seat)
            .await;
        (org, alice, bob, token)
    }

    /// `user` accepts an invitation token.
    pub async fn accept(&self, user: &User, token: &str) -> Resp {
        Req::post("/invitations/accept")
            .user(user)
            .json(serde_json::json!({"token": token}))
            .send(self, roster::http::routes::accept_invitation::handle)
            .await
    }

    /// `admin` lists the org's invitations with `status` (pending, expired, all).
    pub async fn invitations(&self, admin: &User, org: &str, status: &str) -> Resp {
        Req::get("/orgs/{org}/invitations")
            .org(org)
            .user(admin)
            .query("status", status)
            .send(self, roster::http::routes::list_invitations::handle)
            .await
    }

    /// Makes `email`'s invitation in `org` look as stored before invitations
    /// kept their inviter's user id (only the inviter's address).
    pub async fn forget_inviter_id(&self, org: &str, email: &str) {
        let key = roster::store::invitations::invitation_key(
            &roster::domain::OrgSlug::parse(org).unwrap(),
            &roster::domain::Email::parse(email).unwrap(),
        );
        self.app
            .store
            .client()
            .update_item()
            .table_name(self.app.store.table())
            .set_key(Some(key))
            .update_expression("REMOVE invited_by_id")
            .send()
            .await
            .expect("the invitation item");
    }

    /// `user` becomes a member of `org` with `role` (and a seat), written
    /// straight into the table as accepting an invitation writes them (the
    /// member, its email item, the org's counters), without the invitation:
    /// for tests of what members may do, not of how they join. The seat
    /// limit and the counters hold (the write is the same guarded one).
    pub async fn enroll(&self, org: &str, user: &User, role: &str, seat: bool) {
        use roster::domain::{Email, Member, OrgSlug, Role, UserId};
        use roster::store::rules::{Counters, counters};
        let slug = OrgSlug::parse(org).expect("an org slug");
        let role = Role::parse(role).expect("a role");
        let now = self.clock_now();
        let member = Member {
            user_id: UserId::parse(&user.sub).expect("a user id"),
            email: Email::parse(&user.email).expect("an email"),
            role,
            seat_assigned_at: seat.then_some(now),
            seat_epoch: if seat {
                roster::ops::seat_epoch(now, 0)
            } else {
                0
            },
            joined_at: now,
            seat_last_used_at: None,
        };
        let [entry, email] = roster::store::members::create(&slug, &member);
        let change = Counters::take_seat()
            .when(seat)
            .and(Counters::add_admin().when(role == Role::Admin));
        let mut tx = roster::store::Transaction::new();
        tx.push("member", entry)
            .push("email", email)
            .push("org", counters(&slug, change));
        self.app
            .store
            .transact(tx)
            .await
            .expect("the member is written");
    }

    /// Invites and accepts: `user` becomes a member of `org` with `role`.
    pub async fn add_member(&self, admin: &User, org: &str, user: &User, role: &str, seat: bool) {
        let token = self
            .invite_and_get_token(admin, org, user, role, seat)
            .await;
        let resp = self.accept(user, &token).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
}

/// Creates `name` with the keys, indexes and stream of the shared test table
/// (which `make test` created from `infra/template.yaml`).
pub async fn copy_table_definition(store: &Store, name: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, Projection,
        StreamSpecification,
    };
    let client = store.client();
    let table = client
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .expect("describe the shared test table")
        .table
        .expect("table description");
    let keys = |schema: &[KeySchemaElement]| schema.to_vec();
    let indexes: Vec<GlobalSecondaryIndex> = table
        .global_secondary_indexes()
        .iter()
        .map(|gsi| {
            GlobalSecondaryIndex::builder()
                .index_name(gsi.index_name().unwrap_or_default())
                .set_key_schema(Some(keys(gsi.key_schema())))
                .projection(
                    gsi.projection()
                        .cloned()
                        .unwrap_or_else(|| Projection::builder().build()),
                )
                .build()
                .expect("index definition")
        })
        .collect();
    let attributes: Vec<AttributeDefinition> = table.attribute_definitions().to_vec();
    client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(keys(table.key_schema())))
        .set_global_secondary_indexes(Some(indexes))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::NewAndOldImages)
                .build()
                .expect("stream spec"),
        )
        .send()
        .await
        .expect("create an isolated test table");
}
