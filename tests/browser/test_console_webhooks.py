"""Webhooks in a real browser: an admin adds an endpoint on the Webhooks page
(a refused URL is shown next to the form in the API's words; the signing
secret is shown once), a role change is delivered to it, the endpoint's first
answer (500) is listed as a pending delivery with that attempt, Redeliver
sends it again and the page then shows it delivered with both attempts. The
receiver checks each request's signature as a Standard Webhooks library does,
with the secret read from the page.

The receiver is a plain `http.server` on the one origin the local stack lets
deliveries reach without https and a public address: its
ROSTER_WEBHOOK_ALLOW_ORIGINS (`http://127.0.0.1:<port>`)."""

import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import INVITE_LINK, api, id_token, script, tag, wait_for_link
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

WIDE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
TAB_WIDE = "(b => b.scrollWidth - b.clientWidth)(document.querySelector('.tab-body'))"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    answered: int


class Receiver:
    """A webhook endpoint that answers 500 to the first delivery and 204 to
    every later one, and keeps each request it got."""

    def __init__(self, origin: str):
        where = urllib.parse.urlsplit(origin)
        self.origin = f"{where.scheme}://{where.netloc}"
        self.requests: list[Received] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.arrived:
                    status = 204 if receiver.requests else 500
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.requests.append(Received(self.path, headers, body, status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((where.hostname, where.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, seconds: float = 120.0) -> list[Received]:
        """The first `count` requests, once they have arrived."""
        with self.arrived:
            got = self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=seconds)
            assert got, f"the endpoint got {len(self.requests)} request(s) within {seconds} s, not {count}"
            return list(self.requests[:count])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(local_stack):
    allowed = local_stack.get("ROSTER_WEBHOOK_ALLOW_ORIGINS", "")
    origins = [o for o in re.split(r"[,\s]+", allowed) if o]
    assert origins, "the local stack names no ROSTER_WEBHOOK_ALLOW_ORIGINS: deliveries cannot reach a local endpoint"
    r = Receiver(origins[0])
    yield r
    r.close()


def refresh_until(deliveries, status: str, attempts: str, seconds: float = 90.0):
    """The one delivery's row, once Refresh shows it with this status and this many attempts."""
    row = deliveries.locator("tr[data-delivery]")
    deadline = time.monotonic() + seconds
    while True:
        deliveries.get_by_role("button", name="Refresh").click()
        try:
            expect(row).to_have_count(1, timeout=3_000)
            expect(row.locator("td.status")).to_have_text(status, timeout=3_000)
            expect(row.locator("td.attempts")).to_have_text(attempts, timeout=3_000)
            return row
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def verified(secret: str, request: Received) -> dict:
    """The event a delivery carries, once its signature checks out with `secret`."""
    return Webhook(secret).verify(request.body, request.headers)


def test_a_failed_delivery_is_listed_with_its_attempt_and_redelivered_signed_with_the_secret_shown_once(
        people, api_url, mail_url, receiver):
    alice = people("alice")
    page = alice.page
    bob = f"bob-{tag()}@example.com"
    slug = f"hooks-{tag()}"
    admin_token = id_token(alice.email)
    api(api_url, "POST", "/orgs", admin_token, {"slug": slug, "name": "Hooks Co", "seat_limit": 1})
    # Bob joins first; the endpoint will take role changes only, so his role change is its one delivery.
    api(api_url, "POST", f"/orgs/{slug}/invitations", admin_token, {"emails": [bob], "role": "member", "seat": False})
    link = wait_for_link(mail_url, bob, INVITE_LINK)
    invitation = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
    api(api_url, "POST", "/invitations/accept", id_token(bob), {"token": invitation})
    members = api(api_url, "GET", f"/orgs/{slug}/members", admin_token)["items"]
    bob_id = next(m["user_id"] for m in members if m["email"] == bob)

    alice.open(f"/app/orgs/{slug}/webhooks")
    alice.sign_in()
    expect(page.get_by_role("heading", name="Webhooks · Hooks Co")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Organization").get_by_role("link")
    expect(tabs).to_have_text(["Users", "Invitations", "Token access", "API keys", "Directory sync", "Webhooks", "Audit log"])
    expect(page.get_by_text("No endpoint yet")).to_be_visible()

    # A metadata address is refused, in the API's own words, beside the form.
    form = page.get_by_role("form", name="Add endpoint")
    metadata = "https://169.254.169.254/latest/meta-data"
    status, refused = script(api_url, "POST", f"/orgs/{slug}/webhooks", admin_token, {"url": metadata})
    assert status == 400 and refused["code"] == "invalid_webhook_url", (status, refused)
    form.get_by_label("URL", exact=True).fill(metadata)
    form.get_by_role("button", name="Add endpoint").click()
    expect(form.get_by_role("alert")).to_contain_text(refused["detail"])
    expect(page.get_by_text("No endpoint yet")).to_be_visible()

    # Added for role changes only; its secret is shown this once.
    hook_url = f"{receiver.origin}/hook"
    form.get_by_label("URL", exact=True).fill(hook_url)
    form.get_by_label("Description", exact=True).fill("Role changes")
    form.get_by_label("member.role_changed").check()
    form.get_by_role("button", name="Add endpoint").click()
    shown = page.get_by_role("dialog", name="Your endpoint's signing secret")
    secret_field = shown.get_by_label("Signing secret")
    expect(secret_field).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$"))
    expect(secret_field).to_be_focused()
    expect(shown).to_contain_text("you will not see it again")
    expect(shown).to_contain_text("webhook-signature")
    secret = secret_field.input_value()
    alice.shot("webhook-secret")
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)
    expect(form.get_by_role("alert")).to_have_count(0)

    card = page.locator("li.webhook")
    expect(card).to_have_count(1)
    expect(card.locator(".webhook-url")).to_have_text(hook_url)
    expect(card.locator("dd.event-list")).to_have_text("member.role_changed")
    expect(card.locator("dd.state")).to_have_text("enabled")
    expect(card.locator("dd.last-success")).to_have_text("never")
    card.get_by_role("button", name=f"Deliveries of {hook_url}", exact=True).click()
    deliveries = page.get_by_role("region", name="Deliveries")
    expect(deliveries.get_by_text("No delivery yet")).to_be_visible()

    # A role change: the endpoint's first answer is a 500.
    api(api_url, "PUT", f"/orgs/{slug}/members/{bob_id}/role", admin_token, {"role": "billing_manager"})
    [first] = receiver.wait_for(1)
    assert first.path == "/hook", first.path
    assert first.headers.get("content-type", "").startswith("application/json"), first.headers
    event = verified(secret, first)
    assert event["type"] == "member.role_changed" and event["org"] == slug, event
    assert event["data"] == {"user_id": bob_id, "from": "member", "to": "billing_manager"}, event
    assert event["actor"]["email"] == alice.email, event
    assert first.headers["webhook-id"] == event["id"], first.headers

    row = refresh_until(deliveries, "pending", "1")
    expect(row.locator("td.status .badge")).to_have_class(re.compile(r"\bpending\b"))
    expect(row).to_contain_text("member.role_changed")
    expect(row.locator(".event-id")).to_have_text(event["id"])
    expect(row.locator("td.last-attempt")).to_contain_text("HTTP 500")
    expect(row.locator("td.next-attempt")).not_to_have_text("—")
    alice.shot("webhook-delivery-failed")

    # Redelivered at once: the same event, signed again, answered 204.
    row.get_by_role("button", name=re.compile("^Redeliver")).click()
    expect(page.get_by_role("status")).to_have_text("Delivery queued again")
    _, second = receiver.wait_for(2)
    again = verified(secret, second)
    assert again == event, (again, event)
    assert second.headers["webhook-id"] == event["id"], second.headers

    row = refresh_until(deliveries, "delivered", "2")
    expect(row.locator("td.status .badge")).to_have_class(re.compile(r"\bdelivered\b"))
    expect(row.locator("td.last-attempt")).to_contain_text("HTTP 204")
    expect(row.locator("td.next-attempt")).to_have_text("—")
    row.get_by_role("button", name="Show attempts").click()
    expect(deliveries.locator("tr.attempt-rows:visible li")).to_have_text([re.compile("HTTP 500"), re.compile("HTTP 204")])
    assert page.evaluate(WIDE) <= 0, page.evaluate(WIDE)
    alice.shot("webhook-deliveries")

    # After a reload: its last success, the event in Recent events, and no secret anywhere.
    page.reload()
    card = page.locator("li.webhook")
    expect(card.locator("dd.last-success")).not_to_have_text("never")
    expect(card.locator("dd.failing-since")).to_have_text("not failing")
    expect(page.locator(f'ul.recent-events li[data-event="{event["id"]}"]')).to_contain_text("member.role_changed")
    assert secret not in page.content()
    assert page.evaluate(WIDE) <= 0, page.evaluate(WIDE)
    # On a phone the tab still never widens the page: URLs wrap, the deliveries
    # table scrolls in its own box. (The header's account menu is not this tab's.)
    card.get_by_role("button", name=f"Deliveries of {hook_url}", exact=True).click()
    expect(page.get_by_role("region", name="Deliveries").locator("tr[data-delivery]")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate(TAB_WIDE) <= 0, page.evaluate(TAB_WIDE)
    alice.shot("webhooks-narrow")
