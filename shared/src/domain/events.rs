//! Membership events for other systems: what an audit entry means to them.
//! Every change writes its audit entry in the same transaction as the change,
//! so the audit log is the outbox; [`from_audit`] turns one entry into the
//! events it stands for, with ids derived from the entry so that reading the
//! same entry again makes the same events.

use super::audit::AuditEntry;
use super::{Invalid, OrgSlug};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How long the feed keeps an event.
pub const RETENTION: Duration = Duration::days(30);

/// The schema version of [`Event`]'s JSON.
pub const VERSION: u32 = 1;

/// Every kind of event, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    InvitationExpired,
    InvitationAccepted,
    MemberJoined,
    MemberRemoved,
    MemberRoleChanged,
    SeatAssigned,
    SeatRevoked,
    TokenIssued,
    TokenRevoked,
    ImportFinished,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        Self::InvitationCreated,
        Self::InvitationResent,
        Self::InvitationRevoked,
        Self::InvitationExpired,
        Self::InvitationAccepted,
        Self::MemberJoined,
        Self::MemberRemoved,
        Self::MemberRoleChanged,
        Self::SeatAssigned,
        Self::SeatRevoked,
        Self::TokenIssued,
        Self::TokenRevoked,
        Self::ImportFinished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvitationCreated => "invitation.created",
            Self::InvitationResent => "invitation.resent",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvitationExpired => "invitation.expired",
            Self::InvitationAccepted => "invitation.accepted",
            Self::MemberJoined => "member.joined",
            Self::MemberRemoved => "member.removed",
            Self::MemberRoleChanged => "member.role_changed",
            Self::SeatAssigned => "seat.assigned",
            Self::SeatRevoked => "seat.revoked",
            Self::TokenIssued => "token.issued",
            Self::TokenRevoked => "token.revoked",
            Self::ImportFinished => "import.finished",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Invalid::new(format!("`{}` is not an event type", super::echo(raw))))
    }

    /// A list of types: each known, without repeats, in a stable order.
    pub fn parse_list<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, Invalid> {
        let mut types = raw
            .into_iter()
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        types.sort();
        types.dedup();
        Ok(types)
    }
}

/// One event, as the feed, the bus and webhooks carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_` and 24 hex digits, derived from the audit entry.
    pub id: String,
    pub kind: EventType,
    pub org: OrgSlug,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor: String,
    pub data: Value,
    /// Where the event sorts in its org's feed: the audit entry's position,
    /// then the event's index within the entry.
    pub position: String,
}

impl Event {
    /// The versioned JSON every consumer sees.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.kind.as_str(),
            "version": VERSION,
            "org": self.org.as_str(),
            "occurred_at": self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "actor": {"id": self.actor_id, "email": self.actor},
            "data": self.data,
        })
    }
}

/// The events one audit entry stands for (none for changes other systems do
/// not follow: org settings, API keys, suppressions, directory bookkeeping).
/// `audit_id` is the entry's own id (unique and stable), `entry.at` its time
/// to the microsecond.
pub fn from_audit(org: &OrgSlug, audit_id: &str, entry: &AuditEntry) -> Vec<Event> {
    let compact: String = audit_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    data_of(entry)
        .into_iter()
        .enumerate()
        .map(|(index, (kind, data))| Event {
            id: event_id(org, audit_id, index),
            kind,
            org: org.clone(),
            occurred_at: entry.at,
            actor_id: entry.actor_id.clone(),
            actor: entry.actor.clone(),
            data,
            position: format!("{}-{compact}-{index:03}", position_time(entry.at)),
        })
        .collect()
}

/// The time part of a position: microseconds since the epoch, zero-padded
/// so that string order is time order.
pub fn position_time(at: DateTime<Utc>) -> String {
    format!("{:016}", at.timestamp_micros().max(0))
}

fn event_id(org: &OrgSlug, audit_id: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("{org}#{audit_id}#{index}").as_bytes());
    format!("evt_{}", &hex::encode(digest)[..24])
}

fn data_of(entry: &AuditEntry) -> Vec<(EventType, Value)> {
    use EventType::*;
    let d = &entry.detail;
    let target = entry.target.as_str();
    let field = |name: &str| d.get(name).cloned().unwrap_or(Value::Null);
    let flag = |name: &str| d.get(name).and_then(Value::as_bool).unwrap_or(false);
    match entry.action.as_str() {
        "invitation.created" => {
            let emails = d.get("emails").and_then(Value::as_array);
            let ids = d.get("ids").and_then(Value::as_array);
            emails
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, email)| {
                    let id = ids.and_then(|ids| ids.get(i)).cloned();
                    let data = json!({"email": email, "invitation_id": id});
                    (InvitationCreated, data)
                })
                .collect()
        }
        "invitation.resent" | "invitation.revoked" => {
            let kind = if entry.action == "invitation.resent" {
                InvitationResent
            } else {
                InvitationRevoked
            };
            vec![(kind, json!({"email": target, "invitation_id": field("id")}))]
        }
        "invitation.expired" => {
            let data = json!({"email": target, "invitation_id": field("id"),
                "expired_at": field("expired_at"), "invited_by": field("invited_by")});
            vec![(InvitationExpired, data)]
        }
        "invitation.accepted" | "member.joined_from_directory" => {
            let via = if entry.action == "invitation.accepted" {
                "invitation"
            } else {
                "directory"
            };
            let seat = flag("seat");
            let joined = json!({"user_id": target, "email": field("email"),
                "role": field("role"), "seat": seat, "via": via});
            let mut events = Vec::new();
            if via == "invitation" {
                let accepted = json!({"user_id": target, "email": field("email"),
                    "role": field("role"), "seat": seat});
                events.push((InvitationAccepted, accepted));
            }
            events.push((MemberJoined, joined));
            if seat {
                let reason = format!("joined_by_{via}");
                let assigned =
                    json!({"user_id": target, "email": field("email"), "reason": reason});
                events.push((SeatAssigned, assigned));
            }
            events
        }
        "member.removed" | "member.left" => {
            let left = entry.action == "member.left";
            removal(d, json!(target), left, "member_removed")
        }
        "member.role_changed" => {
            let data = json!({"user_id": target, "from": field("from"), "to": field("to")});
            vec![(MemberRoleChanged, data)]
        }
        "seat.assigned" | "seat.revoked" => {
            let kind = if entry.action == "seat.assigned" {
                SeatAssigned
            } else {
                SeatRevoked
            };
            vec![(
                kind,
                json!({"user_id": target, "email": field("email"), "reason": "admin"}),
            )]
        }
        "directory.members_moved" | "directory.user_updated" => directory_moves(d),
        "directory.user_deprovisioned" if flag("member_removed") => {
            removal(d, field("user_id"), false, "directory")
        }
        "token.issued" | "token.revoked" => {
            let kind = if entry.action == "token.issued" {
                TokenIssued
            } else {
                TokenRevoked
            };
            vec![(
                kind,
                json!({"user_id": target, "token_id": field("token_id")}),
            )]
        }
        "import.finished" => {
            let data =
                json!({"import_id": target, "status": field("status"), "counts": field("counts")});
            vec![(ImportFinished, data)]
        }
        _ => Vec::new(),
    }
}

/// A member removed (`detail`: `email`, `role`, `had_seat`), and the seat
/// that went with them, revoked for `reason`.
fn removal(detail: &Value, user: Value, left: bool, reason: &str) -> Vec<(EventType, Value)> {
    let email = detail.get("email").cloned().unwrap_or(Value::Null);
    let role = detail.get("role").cloned().unwrap_or(Value::Null);
    let had_seat = detail
        .get("had_seat")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let removed = json!({"user_id": user, "email": email, "role": role,
        "had_seat": had_seat, "left": left});
    let mut events = vec![(EventType::MemberRemoved, removed)];
    if had_seat {
        let revoked = json!({"user_id": user, "email": email, "reason": reason});
        events.push((EventType::SeatRevoked, revoked));
    }
    events
}

/// A directory push's moves (`{"moves": [{"user_id", "email", "seat": bool?,
/// "role": {"from", "to"}?}]}`): the seats and roles a group change gave or took.
fn directory_moves(detail: &Value) -> Vec<(EventType, Value)> {
    let moves = detail.get("moves").and_then(Value::as_array);
    let mut events = Vec::new();
    for m in moves.into_iter().flatten() {
        let user = m.get("user_id").cloned().unwrap_or(Value::Null);
        let email = m.get("email").cloned().unwrap_or(Value::Null);
        if let Some(seat) = m.get("seat").and_then(Value::as_bool) {
            let kind = if seat {
                EventType::SeatAssigned
            } else {
                EventType::SeatRevoked
            };
            events.push((
                kind,
                json!({"user_id": user, "email": email, "reason": "directory"}),
            ));
        }
        if let Some(role) = m.get("role") {
            let data = json!({"user_id": user, "from": role.get("from"), "to": role.get("to")});
            events.push((EventType::MemberRoleChanged, data));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, target: &str, detail: Value) -> AuditEntry {
        AuditEntry {
            at: DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
                .unwrap()
                .to_utc(),
            actor_id: Some("admin-1".into()),
            actor: "admin@acme.test".into(),
            action: action.into(),
            target: target.into(),
            detail,
        }
    }

    fn org() -> OrgSlug {
        OrgSlug::parse("acme").unwrap()
    }

    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn every_type_parses_back_from_its_wire_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }
        assert!(EventType::parse("member.exploded").is_err());
        let list = EventType::parse_list(["seat.revoked", "member.joined", "seat.revoked"]);
        assert_eq!(
            list.unwrap(),
            vec![EventType::MemberJoined, EventType::SeatRevoked]
        );
    }

    #[test]
    fn a_chunk_of_invitations_makes_one_event_per_address_with_stable_distinct_ids() {
        let e = entry(
            "invitation.created",
            "2 invitations",
            json!({"emails": ["a@x.test", "b@x.test"], "ids": ["i1", "i2"], "count": 2}),
        );
        let events = from_audit(&org(), "AUDIT#t#u", &e);
        assert_eq!(kinds(&events), ["invitation.created", "invitation.created"]);
        assert_eq!(events[1].data["email"], "b@x.test");
        assert_eq!(events[1].data["invitation_id"], "i2");
        assert_ne!(events[0].id, events[1].id);
        assert_eq!(
            from_audit(&org(), "AUDIT#t#u", &e),
            events,
            "the same entry, the same events"
        );
        assert_ne!(from_audit(&org(), "AUDIT#t#v", &e)[0].id, events[0].id);
        assert!(events[0].position < events[1].position);
        assert!(events[0].position.starts_with(&position_time(e.at)));
        let later = AuditEntry {
            at: e.at + Duration::microseconds(1),
            ..e.clone()
        };
        assert!(from_audit(&org(), "AUDIT#t#a", &later)[0].position > events[1].position);
    }

    #[test]
    fn an_acceptance_with_a_seat_is_accepted_joined_and_seat_assigned() {
        let e = entry(
            "invitation.accepted",
            "user-9",
            json!({"email": "bob@x.test", "role": "member", "seat": true}),
        );
        let events = from_audit(&org(), "AUDIT#t#u", &e);
        assert_eq!(
            kinds(&events),
            ["invitation.accepted", "member.joined", "seat.assigned"]
        );
        assert_eq!(events[1].data["via"], "invitation");
        assert_eq!(events[1].data["user_id"], "user-9");
        let json = events[1].to_json();
        assert_eq!(json["type"], "member.joined");
        assert_eq!(json["version"], 1);
        assert_eq!(json["org"], "acme");
        assert_eq!(json["actor"]["email"], "admin@acme.test");
    }

    #[test]
    fn removing_a_seated_member_also_revokes_the_seat() {
        let e = entry(
            "member.left",
            "user-9",
            json!({"email": "bob@x.test", "role": "member", "had_seat": true}),
        );
        let events = from_audit(&org(), "AUDIT#t#u", &e);
        assert_eq!(kinds(&events), ["member.removed", "seat.revoked"]);
        assert_eq!(events[0].data["left"], true);
        let unseated = entry(
            "member.removed",
            "u",
            json!({"email": "c@x.test", "had_seat": false}),
        );
        assert_eq!(
            kinds(&from_audit(&org(), "p", &unseated)),
            ["member.removed"]
        );
    }

    #[test]
    fn directory_moves_become_seat_and_role_events() {
        let e = entry(
            "directory.members_moved",
            "group-1",
            json!({"moves": [
                {"user_id": "u1", "email": "a@x.test", "seat": true},
                {"user_id": "u2", "email": "b@x.test", "seat": false, "role": {"from": "member", "to": "admin"}},
            ]}),
        );
        let events = from_audit(&org(), "p", &e);
        assert_eq!(
            kinds(&events),
            ["seat.assigned", "seat.revoked", "member.role_changed"]
        );
        assert_eq!(events[2].data["to"], "admin");
    }

    #[test]
    fn changes_other_systems_do_not_follow_make_no_events() {
        for action in [
            "org.updated",
            "api_key.created",
            "suppression.cleared",
            "directory.group_updated",
            "directory.user_deprovisioned",
        ] {
            assert!(from_audit(&org(), "p", &entry(action, "x", json!({}))).is_empty());
        }
    }
}
