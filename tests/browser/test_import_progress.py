"""A bulk upload people can watch: a 2,000-row CSV through the Bulk upload
dialog becomes an import job (202), and the dialog follows it instead of
closing: a progress bar that moves as the worker goes (sampled while the job
runs), the counts, and in the end the outcome (2,000 invited); the Invitations
list is refreshed when the job ends, and Recent imports lists the job with its
rows on demand. The audit log then counts each chunk's addresses (the whole
detail on demand) and never scrolls sideways. Signing in starts at /app/ (with
the slash), which answers like /app.

Every row is mailed through the local stack's stream poller and deliver-email,
far slower than the import itself: the test runs after every other test of
the session (`floods_mail`, tests/conftest.py) and does not wait for them."""

import re
import time
import uuid

import pytest
from conftest import api, tag
from playwright.sync_api import expect

ROWS = 2000


@pytest.mark.floods_mail
@pytest.mark.exclusive
def test_a_2000_row_upload_shows_its_progress_and_outcome(people, api_url, tmp_path):
    alice = people("alice")
    page = alice.page
    # With the trailing slash, as the not-found page links it: the same page as /app.
    alice.open("/app/")
    alice.sign_in()
    alice.open("/app/")
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/app$"))
    slug = f"import-{tag()}"
    api(api_url, "POST", "/orgs", alice.token(), {"slug": slug, "name": "Import Co", "seat_limit": 5})
    run = uuid.uuid4().hex
    csv = tmp_path / "people.csv"
    csv.write_text("email\n" + "".join(f"row-{i}-{run}@example.com\n" for i in range(1, ROWS + 1)))

    alice.open(f"/app/orgs/{slug}/invitations")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recent imports")).to_have_count(0)
    page.get_by_role("button", name="Bulk upload").click()
    dialog = page.get_by_role("dialog", name="Bulk upload")
    dialog.get_by_label("CSV file").set_input_files(str(csv))
    expect(dialog.locator(".summary")).to_have_text("Invited: 2,000")
    expect(dialog).to_contain_text("Read as UTF-8, comma-separated.")
    started = time.monotonic()
    dialog.get_by_role("button", name=f"Send {ROWS} invitations").click()

    # The job, followed in the dialog: sample the bar while it runs.
    bar = dialog.locator("progress")
    expect(bar).to_be_visible()
    assert bar.get_attribute("max") == str(ROWS)
    status = dialog.locator(".job-status .badge")
    samples: list[int] = []
    while True:
        ended = status.inner_text() in ("finished", "failed")
        samples.append(int(bar.evaluate("el => el.value")))
        if ended or time.monotonic() - started > 300:
            break
        time.sleep(0.4)
    ran = time.monotonic() - started
    print(f"import of {ROWS} rows followed for {ran:.1f} s; bar values sampled: {samples}")
    expect(status).to_have_text("finished")
    moved = [(a, b) for a, b in zip(samples, samples[1:]) if a < b < ROWS]
    assert moved, f"the bar never moved before the end: {samples}"

    # The outcome, in counts; every row listed.
    expect(dialog.locator(".job-status")).to_contain_text("2,000 of 2,000 rows processed")
    expect(dialog.locator(".job .summary")).to_have_text("Invited: 2,000")
    expect(dialog.locator(".job-rows summary")).to_have_text("Each row's outcome (2,000)")
    alice.shot("import-finished")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    # The list was refreshed when the job ended; Recent imports shows the job.
    invitations = page.locator('main tr[data-email^="row-"]')
    expect(invitations).to_have_count(200)
    expect(page.get_by_text("Showing the first 200.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recent imports")).to_be_visible()
    job = page.locator("table.imports tbody tr[data-import]")
    expect(job).to_have_count(1)
    expect(job).to_contain_text(alice.email)
    expect(job.locator("td.num")).to_have_text("2,000")
    expect(job.locator(".badge")).to_have_text("finished")
    expect(job.locator("td.summary")).to_have_text("Invited: 2,000")
    alice.shot("recent-imports")
    job.get_by_role("button", name="Show rows").click()
    rows = page.locator("table.imports tr.job-rows table.results tbody tr")
    expect(rows).to_have_count(200)
    expect(rows.first).to_contain_text(f"row-1-{run}@example.com")
    expect(rows.first).to_contain_text("Invited")
    page.locator("table.imports").get_by_role("button", name="More rows").click()
    expect(rows).to_have_count(400)

    # The audit log holds each chunk's addresses: counted, with the whole on
    # demand, and the page never wider than the window.
    page.get_by_role("link", name="Audit log").click()
    chunk = page.locator("table.audit tbody tr").filter(has_text="invitation.created").first
    expect(chunk.locator("code.detail")).to_have_text(re.compile(r"emails: \d+ addresses"))
    wide = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(wide) <= 0, page.evaluate(wide)
    chunk.get_by_role("button", name="Show details").click()
    expect(chunk.locator("pre.detail-full")).to_contain_text(f"-{run}@example.com")
    expect(chunk.get_by_role("button", name="Hide details")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate(wide) <= 0, page.evaluate(wide)
    alice.shot("audit-log-import")

    # The 2,000 invitation mails are the stack poller's to send (about 8 a
    # second, then thousands of stream records to read past): this test is
    # marked to run after every other one (tests/conftest.py), so no test's
    # mail waits behind them, and nobody waits for them here.
