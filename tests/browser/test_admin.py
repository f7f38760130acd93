"""Admin screens in a real browser: bulk upload with its dry run, seats (and
the seat mail's link), roles, removal, the audit log, the reminder day."""

import re
import urllib.parse
from datetime import datetime, timedelta

from conftest import INVITE_LINK, TOKENS_LINK, api, id_token, mails_to, tag, wait_for_link
from playwright.sync_api import expect


def org_with_member(api_url: str, mail_url: str, admin, member, seat_limit: int = 2) -> str:
    """An org of `admin` that `member` joined without a seat, set up through the API."""
    slug = f"team-{tag()}"
    admin_token = id_token(admin.email)
    api(api_url, "POST", "/orgs", admin_token, {"slug": slug, "name": "Team Co", "seat_limit": seat_limit})
    api(api_url, "POST", f"/orgs/{slug}/invitations", admin_token, {"emails": [member.email]})
    link = wait_for_link(mail_url, member.email, INVITE_LINK)
    token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
    api(api_url, "POST", "/invitations/accept", id_token(member.email), {"token": token})
    return slug


def test_bulk_upload_shows_each_rows_outcome_before_sending(people, tmp_path):
    alice = people("alice")
    page = alice.page
    alice.open("/app")
    alice.sign_in()
    slug = f"bulk-{tag()}"
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Name", exact=True).fill("Bulk Co")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(f"/app/orgs/{slug}/members$"))
    page.get_by_role("link", name="Invitations").click()

    # One invited first, so the file has an "already invited" row.
    t = tag()
    page.get_by_role("button", name="Invite users").click()
    page.get_by_role("dialog", name="Invite users").get_by_label("Email addresses").fill(f"dan-{t}@example.com")
    page.get_by_role("dialog", name="Invite users").get_by_role("button", name="Send invitations").click()
    expect(page.locator("tbody tr")).to_have_count(1)

    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,role,seat\n"
        f"erin-{t}@example.com,member,true\n"
        f"frank-{t}@example.com,billing_manager,false\n"
        "not-an-address,member,false\n"
        f"erin-{t}@example.com,member,true\n"
        f"dan-{t}@example.com,member,false\n"
    )
    page.get_by_role("button", name="Bulk upload").click()
    dialog = page.get_by_role("dialog", name="Bulk upload")
    dialog.get_by_label("CSV file").set_input_files(str(csv))
    expect(dialog.get_by_role("heading", name="Dry run")).to_be_visible()
    outcomes = dialog.locator("table.results tbody tr td:nth-child(3)")
    expect(outcomes).to_have_text(["Invited", "Invited", "Invalid", "Duplicate", "Already invited"])
    expect(dialog.locator("table.results tbody tr").nth(2)).to_contain_text("not an email address")
    expect(dialog.locator(".summary")).to_have_text("Invited: 2 · Already invited: 1 · Invalid: 1 · Duplicate: 1")
    alice.shot("bulk-upload-dry-run")
    # Nothing was sent by the dry run.
    expect(page.locator("main tbody tr")).to_have_count(1)
    dialog.get_by_role("button", name="Send 2 invitations").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("main tbody tr")).to_have_count(3)
    expect(page.locator(f'tr[data-email="frank-{t}@example.com"]')).to_contain_text("Billing Manager")
    alice.shot("invitations")

    # Resending at once is over the per-invitation limit: said in words.
    dan = page.locator(f'tr[data-email="dan-{t}@example.com"]')
    dan.get_by_role("button", name=f"Resend email invite to dan-{t}@example.com").click()
    expect(page.get_by_role("alert")).to_contain_text("retry in")
    # Remove (confirmed) an invitation.
    page.locator(f'tr[data-email="erin-{t}@example.com"]').get_by_role("button", name="Remove invite to").click()
    page.get_by_role("dialog", name="Remove invite").get_by_role("button", name="Remove invite").click()
    expect(page.locator("main tbody tr")).to_have_count(2)
    expect(page.locator(f'tr[data-email="erin-{t}@example.com"]')).to_have_count(0)


def test_admin_assigns_a_seat_changes_roles_and_removes_a_member(people, api_url, mail_url):
    alice = people("alice")
    bob = people("bob")
    slug = org_with_member(api_url, mail_url, alice, bob)
    page = alice.page
    alice.open(f"/app/orgs/{slug}/members")
    alice.sign_in()
    expect(page.get_by_role("heading", name="Users · Team Co")).to_be_visible()
    expect(page.locator(".seat-count")).to_have_text("0 of 2 seats used")
    row = page.locator(f'tr[data-email="{bob.email}"]')
    me = page.locator(f'tr[data-email="{alice.email}"]')
    expect(row).to_contain_text("No seat")

    # Never a role change on yourself: only "Leave" is offered.
    me.get_by_text("Actions").click()
    expect(me.get_by_role("button")).to_have_text(["Assign seat", "Leave organization"])

    row.get_by_text("Actions").click()
    expect(row.get_by_role("button")).to_have_text(
        ["Assign seat", "Assign as Account Admin", "Assign as Billing Manager", "Remove from organization"]
    )
    alice.shot("users")
    row.get_by_role("button", name="Assign seat").click()
    expect(page.locator(".seat-count")).to_have_text("1 of 2 seats used")

    # The seat mail's link opens bob's Token access page.
    link = wait_for_link(mail_url, bob.email, TOKENS_LINK)
    assert link.endswith(f"/app/orgs/{slug}/tokens"), link
    bob.open(link)
    bob.sign_in()
    expect(bob.page).to_have_url(re.compile(f"/app/orgs/{slug}/tokens$"))
    expect(bob.page.get_by_role("button", name="Issue token")).to_be_visible()

    row = page.locator(f'tr[data-email="{bob.email}"]')
    row.get_by_text("Actions").click()
    row.get_by_role("button", name="Assign as Billing Manager").click()
    row = page.locator(f'tr[data-email="{bob.email}"]')
    expect(row.locator("td").nth(1)).to_have_text("Billing Manager")

    row.get_by_text("Actions").click()
    row.get_by_role("button", name="Revoke seat").click()
    page.get_by_role("dialog", name="Revoke seat").get_by_role("button", name="Revoke seat").click()
    expect(page.locator(".seat-count")).to_have_text("0 of 2 seats used")

    # Billing managers change the seat limit; refusals show the API's detail.
    page.get_by_role("button", name="Change seat limit").click()
    limit = page.get_by_role("dialog", name="Change seat limit")
    limit.get_by_label("Seat limit").fill("5")
    limit.get_by_role("button", name="Save").click()
    expect(page.locator(".seat-count")).to_have_text("0 of 5 seats used")

    row = page.locator(f'tr[data-email="{bob.email}"]')
    row.get_by_text("Actions").click()
    row.get_by_role("button", name="Remove from organization").click()
    page.get_by_role("dialog", name="Remove from organization").get_by_role("button", name="Remove").click()
    expect(page.locator(f'tr[data-email="{bob.email}"]')).to_have_count(0)

    # The audit log, newest first.
    page.get_by_role("link", name="Audit log").click()
    actions = page.locator("main tbody tr td:nth-child(3)")
    expect(actions.first).to_have_text("member.removed")
    expect(page.get_by_role("cell", name="invitation.accepted")).to_be_visible()
    alice.shot("audit-log")


def test_a_refused_action_shows_the_problem_detail(people, api_url, mail_url):
    alice = people("alice")
    bob = people("bob")
    slug = org_with_member(api_url, mail_url, alice, bob, seat_limit=0)
    alice.open(f"/app/orgs/{slug}/members")
    alice.sign_in()
    row = alice.page.locator(f'tr[data-email="{bob.email}"]')
    row.get_by_text("Actions").click()
    row.get_by_role("button", name="Assign seat").click()
    expect(alice.page.get_by_role("alert")).to_contain_text("Every seat is taken; raise seat_limit or free a seat.")


def test_the_api_reference_renders_the_contract_from_this_origin(people):
    reader = people("reader")
    reader.open("/app/api")
    expect(reader.page.get_by_role("heading", name="Automate onboarding")).to_be_visible()
    expect(reader.page.get_by_role("heading", name=re.compile("^Roster API"))).to_be_visible()
    expect(reader.page.get_by_text("/orgs/{org}/invitations").first).to_be_visible()
    reader.shot("api-reference")


def test_a_bounced_invitation_shows_and_its_address_can_be_allowed_again(people, api_url, mail_url):
    """SES's report (scripts/ses_feedback.py, what `make bounce` runs, through
    the stack's mail-events) shows on the Invitations tab; the admin allows the
    address again, and inviting it again inside the resend cooldown mails nothing."""
    import os
    import subprocess
    import sys

    alice = people("alice")
    page = alice.page
    alice.open("/app")
    alice.sign_in()
    slug = f"bounce-{tag()}"
    api(api_url, "POST", "/orgs", alice.token(), {"slug": slug, "name": "Bounce Co", "seat_limit": 2})
    bob = f"bob-{tag()}@example.com"
    api(api_url, "POST", f"/orgs/{slug}/invitations", alice.token(), {"emails": [bob]})
    wait_for_link(mail_url, bob, INVITE_LINK)
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "ses_feedback.py")
    done = subprocess.run([sys.executable, script, bob, "--org", slug, "--kind", "bounce", "--api", api_url],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    alice.open(f"/app/orgs/{slug}/invitations")
    row = page.locator(f'main table:not(.suppressions) tr[data-email="{bob}"]')
    expect(row).to_contain_text("bounced")
    expect(page.get_by_role("heading", name="Suppressed addresses")).to_be_visible()
    suppressed = page.locator(f'table.suppressions tr[data-email="{bob}"]')
    expect(suppressed).to_contain_text("Bounced")
    expect(suppressed).to_contain_text("550 5.1.1")
    alice.shot("suppressed-addresses")

    # Resending is refused while the address is suppressed, with the reason.
    row.get_by_role("button", name=f"Resend email invite to {bob}").click()
    expect(page.locator("main")).to_contain_text("Email suppressed")

    page.get_by_role("button", name=f"Allow mail to {bob} again").click()
    page.get_by_role("dialog", name="Allow mail again").get_by_role("button", name="Allow mail again").click()
    expect(page.get_by_role("heading", name="Suppressed addresses")).to_have_count(0)
    # Mailed less than an hour ago (the resend cooldown): removing the invite
    # and inviting the address again mails nothing before the cooldown ends.
    row.get_by_role("button", name=f"Remove invite to {bob}").click()
    page.get_by_role("dialog", name="Remove invite").get_by_role("button", name="Remove invite").click()
    expect(row).to_have_count(0)
    page.get_by_role("button", name="Invite users").click()
    invite = page.get_by_role("dialog", name="Invite users")
    invite.get_by_label("Email addresses").fill(bob)
    invite.get_by_role("button", name="Send invitations").click()
    expect(invite).to_contain_text("Mailed too recently (cooldown): 1")
    expect(row).to_have_count(0)
    assert len(mails_to(mail_url, bob)) == 1, "the address was mailed once"


def test_an_admin_sets_the_reminder_day_and_new_invitations_show_when_theirs_is_due(people, api_url):
    alice = people("alice")
    page = alice.page
    slug = f"remind-{tag()}"
    api(api_url, "POST", "/orgs", id_token(alice.email), {"slug": slug, "name": "Remind Co", "seat_limit": 2})
    alice.open(f"/app/orgs/{slug}/invitations")
    alice.sign_in()
    page.get_by_role("button", name="Reminders").click()
    dialog = page.get_by_role("dialog", name="Invitation reminders")
    setting = dialog.get_by_label("Remind invitees who have not accepted")
    expect(setting).to_have_value("5")
    setting.select_option(label="Day 3 of 7")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    org = api(api_url, "GET", f"/orgs/{slug}", id_token(alice.email))
    assert org["invitation_reminder_day"] == 3, org

    page.get_by_role("button", name="Invite users").click()
    invite = page.get_by_role("dialog", name="Invite users")
    invite.get_by_label("Email addresses").fill(f"dora-{tag()}@example.com")
    invite.get_by_role("button", name="Send invitations").click()
    row = page.locator("tbody tr").first
    expect(row).to_be_visible()
    listed = api(api_url, "GET", f"/orgs/{slug}/invitations", id_token(alice.email))["items"][0]
    sent = datetime.fromisoformat(listed["expires_at"].replace("Z", "+00:00")) - timedelta(days=7)
    due = datetime.fromisoformat(listed["reminder_at"].replace("Z", "+00:00"))
    assert due - sent == timedelta(days=3), listed
    expect(row.locator("td").nth(6)).not_to_have_text("None due")
    alice.shot("invitation-reminders")

    page.get_by_role("button", name="Reminders").click()
    dialog = page.get_by_role("dialog", name="Invitation reminders")
    expect(dialog.get_by_label("Remind invitees who have not accepted")).to_have_value("3")
    dialog.get_by_label("Remind invitees who have not accepted").select_option(label="Never")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    assert api(api_url, "GET", f"/orgs/{slug}", id_token(alice.email))["invitation_reminder_day"] == 0
    # The list the save refreshed is back before the test ends.
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    expect(page.locator("tbody tr")).to_have_count(1)
