"""The deployed sign-in, OpenID Connect code + PKCE, in the browser. The
identity provider is played by Playwright's network interception: the console
is told (as the deployed console's /app/config.json and CSP say) to use
https://idp.test, whose authorize endpoint redirects back with a code and whose
token endpoint checks the PKCE verifier against the challenge before answering
an ID token (a dev JWT, so the local API accepts it)."""

import base64
import hashlib
import json
import re
import urllib.parse

from playwright.sync_api import expect

from test_admin import dev_token

IDP = "https://idp.test"
OIDC = {
    "client_id": "roster-console",
    "authorize_url": f"{IDP}/oauth2/authorize",
    "token_url": f"{IDP}/oauth2/token",
    "scope": "openid email",
}


def test_signing_in_with_oidc_and_pkce_returns_to_the_invitation_page(people, api_url):
    person = people("oidc")
    page = person.page
    seen = {}

    def config(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"sign_in": "oidc", "oidc": OIDC}))

    def html(route):
        # The deployed console's CSP names the token endpoint's origin in connect-src.
        resp = route.fetch()
        headers = dict(resp.headers)
        headers["content-security-policy"] = headers["content-security-policy"].replace(
            "connect-src 'self'", f"connect-src 'self' {IDP}"
        )
        route.fulfill(response=resp, headers=headers)

    def authorize(route):
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(route.request.url).query))
        seen["authorize"] = q
        back = f"{api_url}/app/callback?" + urllib.parse.urlencode({"code": "code-123", "state": q["state"]})
        # A page that sends the browser back (a fulfilled 302 would bypass the
        # interception of the callback page below).
        route.fulfill(status=200, content_type="text/html", body=f'<meta http-equiv="refresh" content="0;url={back}">')

    def token(route):
        form = dict(urllib.parse.parse_qsl(route.request.post_data or ""))
        seen["token"] = form
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=").decode()
        ok = challenge == seen["authorize"]["code_challenge"] and form["code"] == "code-123"
        body = {"id_token": dev_token(api_url, person.email), "token_type": "Bearer"} if ok else {"error": "invalid_grant"}
        route.fulfill(
            status=200 if ok else 400,
            content_type="application/json",
            headers={"access-control-allow-origin": api_url},
            body=json.dumps(body),
        )

    page.route(f"{api_url}/app/config.json", config)
    page.route(re.compile(re.escape(api_url) + r"/app(/(signin|callback|invitations/accept))?(\?.*)?$"), html)
    page.route(f"{IDP}/oauth2/authorize*", authorize)
    page.route(f"{IDP}/oauth2/token", token)

    person.open("/app/invitations/accept?token=acme.abc.def")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    # Back where the person was going, token kept, signed in.
    expect(page).to_have_url(re.compile(r"/app/invitations/accept\?token=acme\.abc\.def$"))
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_text(person.email)).to_be_visible()

    a = seen["authorize"]
    assert a["response_type"] == "code" and a["client_id"] == "roster-console"
    assert a["code_challenge_method"] == "S256" and a["scope"] == "openid email"
    assert a["redirect_uri"] == f"{api_url}/app/callback"
    assert seen["token"]["grant_type"] == "authorization_code"
    assert seen["token"]["redirect_uri"] == a["redirect_uri"]
    # The ID token is in session storage only.
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""


def test_a_crafted_callback_link_cannot_put_its_text_on_our_page(people, api_url):
    person = people("oidc-planted")
    page = person.page
    planted = "Your account is locked. Call +1 555 0100 to unlock it."

    def config(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"sign_in": "oidc", "oidc": OIDC}))

    def authorize(route):
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(route.request.url).query))
        back = f"{api_url}/app/callback?" + urllib.parse.urlencode(
            {"error": "access_denied", "error_description": "The person cancelled.", "state": q["state"]}
        )
        route.fulfill(status=200, content_type="text/html", body=f'<meta http-equiv="refresh" content="0;url={back}">')

    page.route(f"{api_url}/app/config.json", config)
    page.route(f"{IDP}/oauth2/authorize*", authorize)

    # A link from anywhere, with a state of its own or none: a fixed message only.
    for forged in ({"state": "forged"}, {}):
        query = {"error": "access_denied", "error_description": planted, **forged}
        person.open("/app/callback?" + urllib.parse.urlencode(query))
        expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
        expect(page.get_by_text("This sign-in did not start here; sign in again.")).to_be_visible()
        assert planted not in page.locator("body").inner_text()

    # A sign-in this tab started still shows the identity provider's refusal.
    person.open("/app/signin")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
    expect(page.get_by_text("The person cancelled.")).to_be_visible()
