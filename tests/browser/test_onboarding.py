"""The README's tour in a real browser: an admin creates an org and invites by
typing; the invitee opens the mailed link, signs up (or in) with the invited
address at the identity provider, accepts with a seat and issues and revokes a
token; someone signed in as another address is told so and switches account."""

import re

from conftest import INVITE_LINK, tag, wait_for_link
from playwright.sync_api import expect


def create_org(admin, name: str) -> str:
    page = admin.page
    admin.open("/app")
    admin.sign_in()
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    expect(page.get_by_text("You do not belong to any organization yet")).to_be_visible()
    admin.shot("organizations-empty")
    slug = f"acme-{tag()}"
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Seat limit").fill("3")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(f"/app/orgs/{slug}/members$"))
    expect(page.get_by_text("0 of 3")).to_be_visible()
    return slug


def test_an_invitee_accepts_from_the_mailed_link_and_issues_a_token(people, mail_url):
    alice = people("alice")
    bob = people("bob")
    carol = people("carol")
    slug = create_org(alice, "Acme Inc")
    page = alice.page

    # Invite by typing: an address then Tab, another then comma.
    page.get_by_role("link", name="Invitations").click()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    page.get_by_role("button", name="Invite users").click()
    dialog = page.get_by_role("dialog", name="Invite users")
    field = dialog.get_by_label("Email addresses")
    expect(field).to_be_focused()
    field.type(bob.email)
    field.press("Tab")
    field.type(carol.email)
    field.press(",")
    expect(dialog.get_by_role("list", name="Addresses to invite").get_by_role("listitem")).to_have_count(2)
    expect(field).to_be_focused()
    dialog.get_by_label("Role").select_option("member")
    dialog.get_by_label("Assign a seat on accept").check()
    alice.shot("invite-users")
    dialog.get_by_role("button", name="Send invitations").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Invite users")).to_be_focused()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(f'tr[data-email="{bob.email}"]')).to_contain_text("pending")
    expect(page.locator(f'tr[data-email="{bob.email}"]')).to_contain_text("With seat")

    # The mail's link, opened in bob's browser: sign in first, then back to the page.
    link = wait_for_link(mail_url, bob.email, INVITE_LINK)
    bob.open(link)
    expect(bob.page).to_have_url(re.compile("/app/signin$"))
    bob.shot("sign-in")
    bob.sign_in()
    expect(bob.page).to_have_url(re.compile(r"/app/invitations/accept\?token="))
    expect(bob.page.get_by_role("heading", name="Join Acme Inc")).to_be_visible()
    offer = bob.page.locator("dl.offer")
    expect(offer).to_contain_text("Member")
    expect(offer).to_contain_text("A seat")
    expect(offer).to_contain_text(bob.email)
    bob.shot("accept-invitation")
    bob.page.get_by_role("button", name="Accept invitation").click()
    expect(bob.page.get_by_role("heading", name="Welcome to Acme Inc")).to_be_visible()
    expect(bob.page.get_by_text("You joined as Member, with a seat.")).to_be_visible()

    # The spent link, opened again, says so in words.
    bob.open(link)
    expect(bob.page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    # Token access: issue (shown once, with its expiry), then revoke.
    bob.open(f"/app/orgs/{slug}/tokens")
    expect(bob.page.get_by_role("heading", name="Token access · Acme Inc")).to_be_visible()
    bob.page.get_by_label("Name", exact=True).fill("laptop")
    bob.page.get_by_role("button", name="Issue token").click()
    shown = bob.page.get_by_role("dialog", name="Your new token")
    secret = shown.get_by_label("Token")
    expect(secret).to_have_value(re.compile(r"^rst_"))
    expect(secret).to_be_focused()
    expect(shown).to_contain_text("shown only once")
    bob.shot("token-issued")
    bob.context.grant_permissions(["clipboard-read", "clipboard-write"])
    shown.get_by_role("button", name="Copy").click()
    expect(shown.get_by_text("Copied.")).to_be_visible()
    assert bob.page.evaluate("navigator.clipboard.readText()") == secret.input_value()
    shown.get_by_role("button", name="Done").click()
    row = bob.page.locator('tr[data-token="laptop"]')
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("active")
    bob.shot("token-access")

    # Cancelling the confirmation changes nothing and gives focus back.
    revoke = row.get_by_role("button", name="Revoke token laptop")
    revoke.click()
    bob.page.get_by_role("dialog", name="Revoke token").get_by_role("button", name="Cancel").click()
    expect(revoke).to_be_focused()
    revoke.click()
    bob.page.get_by_role("dialog", name="Revoke token").get_by_role("button", name="Revoke token").click()
    expect(bob.page.get_by_text("You have no tokens in this organization.")).to_be_visible()

    # A member sees only the tabs their role allows.
    expect(bob.page.get_by_role("navigation", name="Organization").get_by_role("link")).to_have_text(["Token access"])


def test_an_invitation_opened_by_someone_else_asks_for_the_invited_address(people, mail_url):
    alice = people("alice")
    bob_email_owner = people("bob")
    mallory = people("mallory")
    create_org(alice, "Other Co")
    page = alice.page
    page.get_by_role("link", name="Invitations").click()
    page.get_by_role("button", name="Invite users").click()
    dialog = page.get_by_role("dialog", name="Invite users")
    dialog.get_by_label("Email addresses").fill(bob_email_owner.email)
    dialog.get_by_role("button", name="Send invitations").click()
    expect(dialog).to_have_count(0)

    link = wait_for_link(mail_url, bob_email_owner.email, INVITE_LINK)
    mallory.open(link)
    mallory.sign_in()
    expect(mallory.page.get_by_role("heading", name="Sign in with the invited address")).to_be_visible()
    mallory.shot("accept-wrong-address")
    # The invitation is still pending: opening it signed in as someone else used nothing.
    page.reload()
    expect(page.locator(f'tr[data-email="{bob_email_owner.email}"]')).to_contain_text("pending")
    mallory.page.get_by_role("button", name="Sign in with another address").click()
    expect(mallory.page).to_have_url(re.compile("/app/signin$"))
    # The provider asks again (its session would otherwise sign mallory straight
    # back in); a new address there is a new account, and the page is back.
    mallory.sign_in(as_email=bob_email_owner.email)
    expect(mallory.page).to_have_url(re.compile(r"/app/invitations/accept\?token="))
    mallory.page.get_by_role("button", name="Accept invitation").click()
    expect(mallory.page.get_by_role("heading", name="Welcome to Other Co")).to_be_visible()
