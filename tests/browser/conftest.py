"""Browser tests of the web console: Debian's Chromium driven by Playwright,
against a complete local stack (scripts/stack.py: moto, the stream pollers,
the functions behind the local gateway, the OpenID Connect provider)
whose URLs the environment names:

  ROSTER_API_URL          the HTTP API and the console (under /app)
  ROSTER_OIDC_ISSUER      the provider people sign in (and up) with
  AWS_ENDPOINT_URL_SESV2  the emulator whose SES received the mail (/moto-api/data.json)

`make test` runs them in its stack (`scripts/stack.py run -- pytest tests/stack
tests/browser`); run alone, tests/conftest.py starts one. Each test uses fresh
people and org slugs, so the suite can run again against the same stack. A
screenshot of each screen goes to .dev/screenshots/.
"""

import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

import local_router
import stack  # tests/stack/stack.py (on the path through tests/conftest.py)

CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/ensure-chromium.sh installs it)
# Headless Chromium as root, with no calls home (refused here anyway).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".dev" / "screenshots"
# Generous: the machine runs the Rust tests and another worker's tests beside these.
expect.set_options(timeout=45_000)


@pytest.fixture(scope="session")
def api_url(local_stack) -> str:
    return local_stack["ROSTER_API_URL"].rstrip("/")


@pytest.fixture(scope="session")
def mail_url(local_stack) -> str:
    return local_stack["AWS_ENDPOINT_URL_SESV2"].rstrip("/")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        # launch() gives every context a fresh, temporary profile.
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


def tag() -> str:
    return uuid.uuid4().hex[:8]


class Person:
    """One person in their own browser context (own session storage)."""

    def __init__(self, browser, api_url: str, name: str):
        self.email = f"{name}-{tag()}@example.com"
        self.api_url = api_url
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        # Only the stack's own origin: cargo lambda watch's lost responses (local_router.py).
        self.context.route(f"{api_url}/**", local_router.route)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        self.page.on("response", self._response)

    def _console(self, msg):
        if msg.type == "error" and not re.search(r"status of 4\d\d", msg.text):
            # Refusals the page shows in words are expected (4xx); anything
            # else (a CSP violation, a script error) is a defect.
            self.problems.append(f"console: {msg.text}")

    def _response(self, resp):
        if resp.status >= 500:
            self.problems.append(f"{resp.status} from {resp.request.method} {resp.url}")

    def open(self, path_or_url: str):
        url = path_or_url if path_or_url.startswith("http") else self.api_url + path_or_url
        self.page.goto(url)

    def sign_in(self, as_email: str | None = None):
        """Signing in as a person does: the console's Sign in, the identity
        provider's form (where a new address is a new account: signing up),
        and back to the console where they were going."""
        expect(self.page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
        self.page.get_by_role("button", name="Sign in").click()
        provider_form(self.page, as_email or self.email)
        # Back on the console, past its callback, with the session kept.
        expect(self.page).to_have_url(re.compile("^" + re.escape(self.api_url) + "/app(?!/callback)"))
        self.page.wait_for_function("sessionStorage.getItem('roster.session') !== null")

    def token(self) -> str:
        """This person's API token, as the console holds it (for fixtures)."""
        session = self.page.evaluate("sessionStorage.getItem('roster.session')")
        return json.loads(session)["token"]

    def shot(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def provider_form(page: Page, email: str):
    """The local provider's sign-in form (oidc-provider's development form:
    any address is an account, the password is not checked)."""
    issuer = os.environ["ROSTER_OIDC_ISSUER"]
    expect(page).to_have_url(re.compile("^" + re.escape(issuer) + "/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()


def id_token(email: str, verified: bool = True) -> str:
    """An ID token from the stack's provider, for setting up what a test is not about."""
    return stack.token(email, verified=verified)


def pytest_sessionfinish(session):
    refetched = local_router.refetched
    if refetched:  # printed by tests/conftest.py (from each xdist worker)
        stack.summary_lines.append(
            f"cargo lambda watch lost {len(refetched)} response(s), fetched again (tests/browser/local_router.py)"
            + "".join(f"\n  {r}" for r in refetched)
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def people(request, browser, api_url):
    made: list[Person] = []

    def make(name: str) -> Person:
        person = Person(browser, api_url, name)
        made.append(person)
        return person

    yield make
    if getattr(request.node, "failed_call", False):
        # What each person saw when the test failed, beside the screenshots.
        for i, person in enumerate(made):
            person.shot(f"FAILED-{request.node.name}-{i}")
    problems = [p for person in made for p in person.problems]
    for person in made:
        person.context.close()
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)


def api(api_url: str, method: str, path: str, token: str, body=None):
    """A direct API call, for setting up what a test is not about."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api_url + path, data=data, method=method)
    req.add_header("authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def script(api_url: str, method: str, path: str, key: str, body=None,
           content_type: str = "application/json") -> tuple[int, dict | None]:
    """One call as a script (or an identity provider) makes it: urllib, the
    key as the bearer, nothing else; the status and the JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api_url + path, data=data, method=method)
    req.add_header("authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("content-type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    return status, json.loads(raw) if raw else None


def mails_to(mail_url: str, address: str) -> list[dict]:
    with urllib.request.urlopen(f"{mail_url}/moto-api/data.json", timeout=30) as resp:
        data = json.load(resp)
    messages = data.get("ses", {}).get("Message", [])
    return [m for m in messages if address in (m.get("destinations", {}).get("ToAddresses") or [])]


def wait_for_link(mail_url: str, address: str, pattern: str, seconds: float = 45.0) -> str:
    """The first link matching `pattern` in the newest mail to `address`,
    waiting for the stream poller and deliver-email to send it."""
    deadline = time.monotonic() + seconds
    while True:
        for mail in reversed(mails_to(mail_url, address)):
            found = re.search(pattern, mail.get("body", ""))
            if found:
                return found.group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} with a link matching {pattern} within {seconds} s")
        time.sleep(0.5)


INVITE_LINK = r"https?://[^\s\"'<>]+/app/invitations/accept\?token=[A-Za-z0-9._~-]+"
TOKENS_LINK = r"https?://[^\s\"'<>]+/app/orgs/[a-z0-9-]+/tokens"
