"""Seats that are used, and idle seats, on the Users page: a channel server
introspects one member's token (plain urllib, as a package channel does; the
local gateway passes the IAM-signed route on without SigV4), and the page shows
that seat's last use and "never" for the other; the idle filter lists nobody
for 1 day (both seats were assigned moments ago); then, with the idle listing
answered as it would be 30 days later, the admin revokes the idle seat in one
step, and the API confirms that seat, and only that one, is gone."""

import json
import re
import urllib.parse
import urllib.request

from conftest import INVITE_LINK, api, id_token, tag, wait_for_link
from playwright.sync_api import Route, expect


def introspect(api_url: str, secret: str) -> dict:
    """What a channel server asks: POST /tokens/introspect, no person's token."""
    req = urllib.request.Request(
        api_url + "/tokens/introspect",
        data=json.dumps({"token": secret}).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def members(api_url: str, slug: str, token: str) -> dict[str, dict]:
    listed = api(api_url, "GET", f"/orgs/{slug}/members?limit=100", token)
    return {m["email"]: m for m in listed["items"]}


def test_last_use_shows_and_idle_seats_are_revoked_in_one_step(people, api_url, mail_url):
    alice = people("alice")
    bob = people("bob")
    carol = people("carol")
    slug = f"idle-{tag()}"
    admin = id_token(alice.email)
    api(api_url, "POST", "/orgs", admin, {"slug": slug, "name": "Idle Co", "seat_limit": 5})
    api(api_url, "POST", f"/orgs/{slug}/invitations", admin, {"emails": [bob.email, carol.email]})
    for person in (bob, carol):
        link = wait_for_link(mail_url, person.email, INVITE_LINK)
        secret = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
        api(api_url, "POST", "/invitations/accept", id_token(person.email), {"token": secret})
        api(api_url, "PUT", f"/orgs/{slug}/members/{urllib.parse.quote(person.email, safe='')}/seat", admin)

    # Bob's token is used: a channel server introspects it.
    issued = api(api_url, "POST", f"/orgs/{slug}/members/{urllib.parse.quote(bob.email, safe='')}/tokens",
                 admin, {"name": "ci"})
    assert introspect(api_url, issued["token"])["active"] is True
    seats = members(api_url, slug, admin)
    assert seats[bob.email]["seat"]["last_used_at"], seats[bob.email]
    assert seats[carol.email]["seat"]["last_used_at"] is None, seats[carol.email]

    page = alice.page
    alice.open(f"/app/orgs/{slug}/members")
    alice.sign_in()
    expect(page.get_by_role("heading", name="Users · Idle Co")).to_be_visible()
    expect(page.locator("main thead th")).to_have_text(["Email", "Role", "Seat", "Last used", "Joined", "Actions"])
    last_used = lambda person: page.locator(f'tr[data-email="{person.email}"] td.last-used')  # noqa: E731
    # A date and time (e.g. "Nov 28, 2026, 10:00 AM"), not "never".
    expect(last_used(bob)).to_have_text(re.compile(r"\d{4}.*\d{1,2}:\d{2}"))
    expect(last_used(carol)).to_have_text("never")
    expect(last_used(alice)).to_have_text("—")  # no seat
    alice.shot("users-last-used")

    # Both seats were assigned moments ago: neither is idle for a day.
    days = page.get_by_label("Seats unused for (days)")
    expect(days).to_have_value("30")
    days.fill("1")
    page.get_by_role("button", name="Show idle seats").click()
    expect(page.locator(".idle-count")).to_have_text("0 seats unused for 1 day.")
    expect(page.get_by_text("No seat has gone unused for 1 day.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Revoke .* idle seat"))).to_have_count(0)

    # Simulating 30 days passing: the page's idle listing (GET ...members?
    # idle_days=N) is answered by the real listing, narrowed to the seats
    # nobody ever used. Thirty days on, the API's own filter would list just
    # those (carol: assigned, never used; bob's seat was used just now). The
    # revoke itself goes to the API unchanged.
    idle_requests: list[str] = []

    def as_if_30_days_later(route: Route):
        idle_requests.append(urllib.parse.parse_qs(urllib.parse.urlparse(route.request.url).query)["idle_days"][0])
        real = api(api_url, "GET", f"/orgs/{slug}/members?limit=100", admin)
        never_used = [m for m in real["items"] if m["seat"] and m["seat"]["last_used_at"] is None]
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"items": never_used, "next_cursor": None}))

    page.route(re.compile(re.escape(f"{api_url}/orgs/{slug}/members?") + r".*\bidle_days="), as_if_30_days_later)
    days.fill("30")
    page.get_by_role("button", name="Show idle seats").click()
    expect(page.locator(".idle-count")).to_have_text("1 seat unused for 30 days.")
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator(f'tr[data-email="{carol.email}"] td.last-used')).to_have_text("never")
    alice.shot("users-idle-seats")

    # Cancelling revokes nothing.
    page.get_by_role("button", name="Revoke 1 idle seat").click()
    confirm = page.get_by_role("dialog", name="Revoke idle seats")
    expect(confirm).to_contain_text(carol.email)
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    assert members(api_url, slug, admin)[carol.email]["seat"] is not None

    page.get_by_role("button", name="Revoke 1 idle seat").click()
    page.get_by_role("dialog", name="Revoke idle seats").get_by_role("button", name="Revoke 1 seat").click()
    expect(page.locator("main .notice")).to_have_text("Revoked 1 seat.")
    expect(page.locator(".idle-count")).to_have_text("0 seats unused for 30 days.")
    expect(page.locator(".seat-count")).to_have_text("1 of 5 seats used")
    assert len(idle_requests) >= 2 and set(idle_requests) == {"30"}, idle_requests

    # The API agrees: carol's seat is gone, bob's (used) is kept.
    after = members(api_url, slug, admin)
    assert after[carol.email]["seat"] is None, after[carol.email]
    assert after[bob.email]["seat"] is not None, after[bob.email]
    assert api(api_url, "GET", f"/orgs/{slug}", admin)["seats_used"] == 1

    # Back to everyone: carol without a seat, bob's last use still shown.
    page.get_by_role("button", name="Show everyone").click()
    expect(page.locator(f'tr[data-email="{carol.email}"]')).to_contain_text("No seat")
    expect(last_used(bob)).to_have_text(re.compile(r"\d{4}.*\d{1,2}:\d{2}"))
