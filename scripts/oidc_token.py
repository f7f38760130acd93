#!/usr/bin/env python3
"""Mint an ID token from the running local OpenID Connect provider
(scripts/oidc/server.mjs), without a browser.

  oidc_token.py EMAIL [--unverified] [--issuer URL] [--client-id ID] [--redirect-uri URI] [--access]

Drives the same authorization code + PKCE (S256) flow as the console: sets the
account's claims through the provider's dev API (email = EMAIL,
email_verified true, or false with --unverified), signs in on the
provider's dev form, takes the code from the redirect (never followed: nothing
needs to listen on the redirect URI, which only has to be one the provider
knows) and trades it at the token endpoint. Prints the ID token, or with
--access the access token (a JWT as well).

Defaults come from the variables server.mjs reads: OIDC_ISSUER (else
http://127.0.0.1:$OIDC_PORT, 9400), OIDC_CLIENT_ID (roster-console), the first
of OIDC_REDIRECT_URIS (http://127.0.0.1:9000/app/callback).

Importable: mint(issuer, client_id, redirect_uri, email, verified=True) returns
the ID token; tokens(...) the whole token response. Standard library only.
"""

import argparse
import base64
import hashlib
import http.cookiejar
import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request


class OidcError(RuntimeError):
    """The provider refused a step of the flow (or is not there)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Each redirect is read, not followed: the last one goes to the redirect
    # URI, which nothing may be serving.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _send(opener, url, data=None, method=None, headers=None, timeout=10.0):
    """(status, headers, body) of one request; 3xx and 4xx are answers, not exceptions."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()
    except urllib.error.URLError as err:
        raise OidcError(f"cannot reach {url}: {err.reason}") from err


def _refusal(step: str, status: int, body: bytes) -> OidcError:
    try:
        detail = json.loads(body)
        detail = detail.get("error_description") or detail.get("error") or detail
    except ValueError:
        detail = body[:200].decode(errors="replace")
    return OidcError(f"{step}: HTTP {status}: {detail}")


def tokens(issuer: str, client_id: str, redirect_uri: str, email: str, verified: bool = True) -> dict:
    """The token endpoint's answer (id_token, access_token, ...) for a fresh sign-in as email."""
    issuer = issuer.rstrip("/")
    # A fresh cookie jar: a fresh browser, so no earlier session signs in someone else.
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    status, _, body = _send(
        opener,
        f"{issuer}/dev/users/{urllib.parse.quote(email, safe='')}",
        data=json.dumps({"email": email, "email_verified": verified}).encode(),
        method="PUT",
        headers={"content-type": "application/json"},
    )
    if status != 204:
        raise _refusal("setting the account's claims", status, body)

    verifier = _b64url(secrets.token_bytes(32))
    state = _b64url(secrets.token_bytes(16))
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email",
            "state": state,
            "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
    )
    url = f"{issuer}/auth?{query}"
    status, headers, body = _send(opener, url)
    if status not in (302, 303):
        raise _refusal("authorization request", status, body)
    # The sign-in form (/interaction/<uid>), posted as a person would.
    url = urllib.parse.urljoin(url, headers["location"])
    form = urllib.parse.urlencode({"prompt": "login", "login": email, "password": "unused"}).encode()
    status, headers, body = _send(opener, url, data=form)
    # Then /auth/<uid> resumes the authorization, which redirects to the client.
    for _ in range(5):
        if status not in (302, 303):
            raise _refusal("sign-in", status, body)
        url = urllib.parse.urljoin(url, headers["location"])
        if url.startswith(redirect_uri):
            break
        status, headers, body = _send(opener, url)
    else:
        raise OidcError("sign-in: too many redirects")
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
    if "error" in back:
        raise OidcError(f"sign-in: {back.get('error_description') or back['error']}")
    if back.get("state") != state or "code" not in back:
        raise OidcError(f"sign-in: unexpected redirect to {url}")

    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": back["code"],
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        }
    ).encode()
    status, _, body = _send(opener, f"{issuer}/token", data=form)
    if status != 200:
        raise _refusal("token request", status, body)
    return json.loads(body)


def mint(issuer: str, client_id: str, redirect_uri: str, email: str, verified: bool = True) -> str:
    """A fresh ID token for email (email_verified as given), signed by the provider."""
    return tokens(issuer, client_id, redirect_uri, email, verified)["id_token"]


def main() -> int:
    env = os.environ
    default_issuer = env.get("OIDC_ISSUER") or f"http://127.0.0.1:{env.get('OIDC_PORT') or 9400}"
    default_redirect = (env.get("OIDC_REDIRECT_URIS") or "http://127.0.0.1:9000/app/callback").split(",")[0].strip()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("email")
    p.add_argument("--unverified", action="store_true", help="email_verified false")
    p.add_argument("--issuer", default=default_issuer)
    p.add_argument("--client-id", default=env.get("OIDC_CLIENT_ID") or "roster-console")
    p.add_argument("--redirect-uri", default=default_redirect)
    p.add_argument("--access", action="store_true", help="print the access token instead of the ID token")
    args = p.parse_args()
    try:
        answer = tokens(args.issuer, args.client_id, args.redirect_uri, args.email, not args.unverified)
    except OidcError as err:
        print(f"oidc_token: {err}", file=sys.stderr)
        return 1
    print(answer["access_token" if args.access else "id_token"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
