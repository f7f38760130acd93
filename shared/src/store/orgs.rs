//! Organization items: mapping and the writes that keep `seats_used` and
//! `admin_count` honest.

use super::attrs::{get_n, get_s, get_time, key, n, s, time};
use super::keys::{ORG_SK, org_pk};
use super::{Item, StoreError};
use crate::domain::{Org, OrgName, OrgSlug, SeatLimit};

pub fn org_key(org: &OrgSlug) -> Item {
    key(org_pk(org), ORG_SK)
}

pub fn to_item(org: &Org) -> Item {
    let mut item = org_key(&org.slug);
    item.insert("type".into(), s("org"));
    item.insert("slug".into(), s(org.slug.as_str()));
    item.insert("name".into(), s(org.name.as_str()));
    item.insert("seat_limit".into(), n(org.seat_limit.get()));
    item.insert("seats_used".into(), n(org.seats_used));
    item.insert("admin_count".into(), n(org.admin_count));
    item.insert("created_at".into(), time(org.created_at));
    item
}

pub fn from_item(item: &Item) -> Result<Org, StoreError> {
    let corrupt = |e: crate::domain::Invalid| StoreError::Corrupt(e.to_string());
    Ok(Org {
        slug: OrgSlug::parse(get_s(item, "slug")?).map_err(corrupt)?,
        name: OrgName::stored(get_s(item, "name")?).map_err(corrupt)?,
        seat_limit: SeatLimit::parse(get_n(item, "seat_limit")?).map_err(corrupt)?,
        seats_used: get_n(item, "seats_used")?,
        admin_count: get_n(item, "admin_count")?,
        created_at: get_time(item, "created_at")?,
    })
}

pub fn is_org_item(item: &Item) -> bool {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some(ORG_SK)
}
