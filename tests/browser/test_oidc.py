"""Signing in as deployed, OpenID Connect code + PKCE, in the browser, against
the stack's real provider (scripts/oidc/server.mjs): what the console asks
the provider, that it comes back where the person was going, that the token
stays in this tab, and that a callback link from elsewhere cannot plant text."""

import base64
import hashlib
import os
import re
import urllib.parse

from conftest import provider_form
from playwright.sync_api import expect


def test_signing_in_with_oidc_and_pkce_returns_to_the_invitation_page(people, api_url):
    person = people("oidc")
    page = person.page
    issuer = os.environ["ROSTER_OIDC_ISSUER"]
    seen = {}

    def request(req):
        if req.url.startswith(f"{issuer}/auth?"):
            seen["authorize"] = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(req.url).query))
        elif req.url == f"{issuer}/token" and req.method == "POST":
            seen["token"] = dict(urllib.parse.parse_qsl(req.post_data or ""))

    page.on("request", request)
    person.open("/app/invitations/accept?token=acme.abc.def")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    provider_form(page, person.email)
    # Back where the person was going, token kept, signed in.
    expect(page).to_have_url(re.compile(r"/app/invitations/accept\?token=acme\.abc\.def$"))
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_text(person.email)).to_be_visible()

    a = seen["authorize"]
    assert a["response_type"] == "code" and a["client_id"] == "roster-console"
    assert a["code_challenge_method"] == "S256" and a["scope"] == "openid email"
    assert a["redirect_uri"] == f"{api_url}/app/callback"
    assert "prompt" not in a, "a first sign-in does not force the provider's form"
    t = seen["token"]
    assert t["grant_type"] == "authorization_code" and t["redirect_uri"] == a["redirect_uri"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(t["code_verifier"].encode()).digest()).rstrip(b"=").decode()
    assert challenge == a["code_challenge"]
    # The ID token is in session storage only.
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""


def test_a_crafted_callback_link_cannot_put_its_text_on_our_page(people):
    person = people("oidc-planted")
    page = person.page
    planted = "Your account is locked. Call +1 555 0100 to unlock it."

    # A link from anywhere, with a state of its own or none: a fixed message only.
    for forged in ({"state": "forged"}, {}):
        query = {"error": "access_denied", "error_description": planted, **forged}
        person.open("/app/callback?" + urllib.parse.urlencode(query))
        expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
        expect(page.get_by_text("This sign-in did not start here; sign in again.")).to_be_visible()
        assert planted not in page.locator("body").inner_text()

    # A sign-in this tab started still shows the identity provider's refusal
    # (the person cancels on the provider's form).
    person.open("/app/signin")
    page.get_by_role("button", name="Sign in").click()
    page.locator("a[href$='/abort']").click()
    expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("End-User aborted interaction")
