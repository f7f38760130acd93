"""API keys in a real browser: an admin creates a key on the API keys page
(its secret shown once), a script holding only that key invites and lists
members with plain urllib (no browser, no person's token), the page then shows
the key's last use and never its secret, and once the admin revokes it there
the same script call is a 401 naming the reason. Members are not offered the
page."""

import re
import urllib.parse

from conftest import INVITE_LINK, api, id_token, script, tag, wait_for_link
from playwright.sync_api import expect


def test_an_admin_creates_a_key_a_script_uses_it_and_revoking_it_locks_the_script_out(people, api_url, mail_url):
    alice = people("alice")
    bob = people("bob")
    page = alice.page
    alice.open("/app")
    alice.sign_in()
    slug = f"keys-{tag()}"
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Name", exact=True).fill("Keys Co")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(f"/app/orgs/{slug}/members$"))

    tabs = page.get_by_role("navigation", name="Organization").get_by_role("link")
    expect(tabs).to_have_text(["Users", "Invitations", "Token access", "API keys", "Directory sync", "Webhooks", "Audit log"])
    page.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(re.compile(f"/app/orgs/{slug}/api-keys$"))
    expect(page.get_by_role("heading", name="API keys · Keys Co")).to_be_visible()
    expect(page.get_by_text("This organization has no API keys.")).to_be_visible()

    # Create: the secret is shown once, in a dialog, with a Copy button.
    page.get_by_label("Name", exact=True).fill("nightly sync")
    page.get_by_label("Role").select_option("admin")
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_role("button", name="Create API key").click()
    shown = page.get_by_role("dialog", name="Your new API key")
    secret_field = shown.get_by_label("API key")
    expect(secret_field).to_have_value(re.compile(r"^rk_[A-Za-z0-9_-]{22,64}$"))
    expect(secret_field).to_be_focused()
    expect(shown).to_contain_text("you will not see it again")
    secret = secret_field.input_value()
    alice.shot("api-key-created")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    shown.get_by_role("button", name="Copy").click()
    expect(shown.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)

    row = page.locator('tr[data-key="nightly sync"]')
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("Account Admin")
    expect(cells.nth(2)).to_have_text(alice.email)
    expect(cells.nth(5)).to_have_text("never")
    expect(row.locator(".badge.expired")).to_have_count(0)

    # A script with only the key: invite bob, list the members.
    status, invited = script(api_url, "POST", f"/orgs/{slug}/invitations", secret,
                             {"emails": [bob.email], "role": "member", "seat": False})
    assert status == 200, (status, invited)
    assert invited["results"][0]["outcome"] == "invited", invited
    status, members = script(api_url, "GET", f"/orgs/{slug}/members", secret)
    assert status == 200, (status, members)
    assert [m["email"] for m in members["items"]] == [alice.email], members

    # After a reload: listed with its last use, and the secret is nowhere on the page.
    page.reload()
    row = page.locator('tr[data-key="nightly sync"]')
    expect(row).to_have_count(1)
    expect(row.locator("td.last-used")).not_to_have_text("never")
    expect(row.locator("td.last-used")).not_to_have_text("—")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert secret not in page.content()
    assert secret not in page.evaluate("JSON.stringify(Object.assign({}, sessionStorage, localStorage))")
    alice.shot("api-keys")

    # The key's invitation reached bob; as a member he is not offered the page.
    link = wait_for_link(mail_url, bob.email, INVITE_LINK)
    invitation = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
    api(api_url, "POST", "/invitations/accept", id_token(bob.email), {"token": invitation})
    bob.open(f"/app/orgs/{slug}/api-keys")
    bob.sign_in()
    expect(bob.page).to_have_url(re.compile(f"/app/orgs/{slug}/tokens$"))
    expect(bob.page.get_by_role("navigation", name="Organization").get_by_role("link")).to_have_text(["Token access"])

    # An expired key (listed for 30 days) is marked. The shortest expiry is a
    # day, so the list's answer is moved into the past for this one look.
    def expired_list(route):
        answer = route.fetch()
        listed = answer.json()
        for item in listed["items"]:
            item["expires_at"] = "2020-01-01T00:00:00Z"
        route.fulfill(response=answer, json=listed)

    keys_list = re.compile(re.escape(f"{api_url}/orgs/{slug}/api-keys") + r"(\?.*)?$")
    page.route(keys_list, expired_list)
    page.reload()
    expect(row.locator(".badge.expired")).to_have_text("expired")
    expect(row).to_have_class(re.compile(r"\bexpired\b"))
    page.unroute(keys_list, expired_list)
    page.reload()
    expect(row.locator(".badge.expired")).to_have_count(0)

    # Revoke, confirmed (cancelling changes nothing).
    revoke = row.get_by_role("button", name="Revoke API key nightly sync")
    revoke.click()
    page.get_by_role("dialog", name="Revoke API key").get_by_role("button", name="Cancel").click()
    expect(revoke).to_be_focused()
    revoke.click()
    page.get_by_role("dialog", name="Revoke API key").get_by_role("button", name="Revoke API key").click()
    expect(page.get_by_text("This organization has no API keys.")).to_be_visible()
    expect(page.locator('tr[data-key="nightly sync"]')).to_have_count(0)

    status, refused = script(api_url, "GET", f"/orgs/{slug}/members", secret)
    assert status == 401, (status, refused)
    assert refused["reason"] == "the API key is unknown or revoked", refused
