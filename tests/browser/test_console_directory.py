"""Directory sync in a real browser: an admin opens the Directory sync page,
creates a directory key (shown once; one about to expire is flagged), an identity provider (here, plain
urllib with only that key) provisions two people and pushes a group; the admin
links the group to "Has a seat" on the page; a push over the seat limit shows
under Refused changes; and a provisioned person who signs in for the first
time lands in the org with their seat, without an invitation."""

import re

from conftest import api, id_token, script, tag
from playwright.sync_api import expect


def scim(api_url: str, method: str, path: str, key: str, body=None) -> tuple[int, dict | None]:
    return script(api_url, method, path, key, body, content_type="application/scim+json")


def test_an_admin_connects_a_directory_links_a_group_and_a_provisioned_person_signs_straight_in(people, api_url):
    alice = people("alice")
    page = alice.page
    slug = f"dir-{tag()}"
    admin_token = id_token(alice.email)
    made = api(api_url, "POST", "/orgs", admin_token, {"slug": slug, "name": "Dir Co", "seat_limit": 1})
    assert made["slug"] == slug, made
    alice.open(f"/app/orgs/{slug}/directory")
    alice.sign_in()
    expect(page.get_by_role("heading", name="Directory sync · Dir Co")).to_be_visible()
    base = page.locator("code.scim-base")
    expect(base).to_have_text(f"{api_url}/scim/v2/orgs/{slug}")
    expect(page.get_by_text("No directory key yet.")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Okta")
    page.get_by_role("button", name="Create directory key").click()
    shown = page.get_by_role("dialog", name="Your new directory key")
    key = shown.get_by_label("Directory key").input_value()
    assert key.startswith("rk_")
    shown.get_by_role("button", name="Done").click()
    expect(page.locator('tr[data-key="Okta"] td.last-used')).to_have_text("never")

    # The identity provider, with only the key.
    bob, carol = people("bob"), people("carol")
    users = []
    for person in (bob, carol):
        status, user = scim(api_url, "POST", f"/scim/v2/orgs/{slug}/Users", key,
                            {"userName": person.email, "emails": [{"value": person.email, "primary": True}]})
        assert status == 201, user
        users.append(user)
    status, group = scim(api_url, "POST", f"/scim/v2/orgs/{slug}/Groups", key,
                         {"displayName": "Licensed", "members": [{"value": users[0]["id"]}]})
    assert status == 201, group

    page.reload()
    row = page.locator('tr[data-group="Licensed"]')
    expect(row.locator("td").nth(1)).to_have_text("1")
    row.get_by_label("What Licensed grants").select_option("seat")
    expect(page.get_by_role("status")).to_have_text("Licensed updated")
    expect(page.locator('tr[data-group="Licensed"]').get_by_label("What Licensed grants")).to_have_value("seat")

    # The only seat is bob's: carol's push is refused, and the page says so.
    status, refused = scim(api_url, "PATCH", f"/scim/v2/orgs/{slug}/Groups/{group['id']}", key,
                           {"Operations": [{"op": "add", "path": "members", "value": [{"value": users[1]["id"]}]}]})
    assert status == 409, refused
    page.reload()
    expect(page.locator("ul.refused")).to_contain_text("Licensed")
    expect(page.locator("ul.refused")).to_contain_text("no seats available")
    expect(page.locator('tr[data-key="Okta"] td.last-used')).not_to_have_text("never")
    alice.shot("directory-sync")

    # A key about to expire is flagged (the sync would stop); a year-long one is not.
    api(api_url, "POST", f"/orgs/{slug}/api-keys", admin_token,
        {"name": "Expiring", "scope": "scim", "expires_in_days": 7})
    page.reload()
    expect(page.locator('tr[data-key="Expiring"] td.expires')).to_contain_text("expires in 7 days")
    expect(page.locator('tr[data-key="Okta"] .badge')).to_have_count(0)

    # Bob signs in for the first time: he is in, with his seat, no invitation.
    bob.open("/app")
    bob.sign_in()
    row = bob.page.get_by_role("row", name=re.compile("Dir Co"))
    expect(row).to_contain_text("Seat assigned")
    assert not alice.problems and not bob.problems, alice.problems + bob.problems
