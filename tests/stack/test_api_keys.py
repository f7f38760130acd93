"""The seed's "automate onboarding" as the README's script runs it, against
the local stack from the outside: an admin signs in once to create an API key;
from then on a script holding only that key invites, seats and issues a token
through the local gateway, the real `authorize` function and the real
handlers, and the mail is read from the emulator. Refused credentials are
401s that name the reason, rendered by the functions behind the gateway."""

import base64
import json
import re
import time
import urllib.parse

import stack


def onboarding_key(alice: str, slug: str, role: str = "admin") -> str:
    created = stack.call("POST", f"/orgs/{slug}/api-keys", bearer=alice,
                         body={"name": "onboarding", "role": role, "expires_in_days": 30})
    assert created.status == 201, created
    return created.json["key"]


def test_a_script_with_only_an_api_key_onboards_a_person():
    alice_email, bob_email = stack.unique("alice") + "@example.com", stack.unique("bob") + "@example.com"
    alice, bob = stack.token(alice_email), stack.token(bob_email)
    slug = stack.unique("keys")
    assert stack.call("POST", "/orgs", bearer=alice, body={"slug": slug, "name": "Keys", "seat_limit": 5}).status == 201
    key = onboarding_key(alice, slug)
    assert key.startswith("rk_")

    invited = stack.call("POST", f"/orgs/{slug}/invitations", bearer=key, body={"emails": [bob_email]})
    assert invited.status == 200, invited
    assert invited.json["results"][0]["outcome"] == "invited"
    [mail] = stack.wait_for_mail(bob_email)
    assert alice_email in mail["body"], "the invitation names the admin who created the key"
    link = re.search(r"token=([A-Za-z0-9._~%-]+)", mail["body"]).group(1)
    accepted = stack.call("POST", "/invitations/accept", bearer=bob, body={"token": urllib.parse.unquote(link)})
    assert accepted.status == 200, accepted

    bob_path = urllib.parse.quote(bob_email, safe="")
    seated = stack.call("PUT", f"/orgs/{slug}/members/{bob_path}/seat", bearer=key)
    assert seated.status == 200, seated
    issued = stack.call("POST", f"/orgs/{slug}/members/{bob_path}/tokens", bearer=key, body={"name": "ci"})
    assert issued.status == 201, issued
    introspected = stack.call("POST", "/tokens/introspect", body={"token": issued.json["token"]})
    assert introspected.json["active"] is True, introspected

    # The bulk upload of the README, by the same key.
    csv = b"email,role,seat\ncarol@example.com,member,true\n"
    dry = stack.call("POST", f"/orgs/{slug}/invitations?dry_run=true", bearer=key, raw=csv, content_type="text/csv")
    assert dry.status == 200 and dry.json["dry_run"] is True, dry

    audit = stack.call("GET", f"/orgs/{slug}/audit", bearer=alice).json["items"]
    by_key = {e["action"] for e in audit if e["actor_id"].startswith("apikey:")}
    assert {"seat.assigned", "token.issued"} <= by_key, audit
    listed = stack.call("GET", f"/orgs/{slug}/api-keys", bearer=alice).json["items"]
    assert listed[0]["last_used_at"] is not None and "key" not in listed[0]


def test_a_key_is_refused_in_another_org_after_revocation_and_for_what_only_a_person_may_do():
    alice = stack.token(stack.unique("alice") + "@example.com")
    slug, other = stack.unique("keys"), stack.unique("other")
    for s in (slug, other):
        assert stack.call("POST", "/orgs", bearer=alice, body={"slug": s, "name": s}).status == 201
    key = onboarding_key(alice, slug)
    assert stack.call("GET", f"/orgs/{other}/members", bearer=key).json["code"] == "org_not_found"
    refused = stack.call("POST", "/orgs", bearer=key, body={"slug": stack.unique("k"), "name": "K"})
    assert (refused.status, refused.json["code"]) == (403, "person_required")

    billing = onboarding_key(alice, slug, role="billing_manager")
    cannot = stack.call("POST", f"/orgs/{slug}/invitations", bearer=billing, body={"emails": ["x@example.com"]})
    assert (cannot.status, cannot.json["code"]) == (403, "forbidden")

    key_id = next(k["id"] for k in stack.call("GET", f"/orgs/{slug}/api-keys", bearer=alice).json["items"]
                  if k["role"] == "admin")
    assert stack.call("DELETE", f"/orgs/{slug}/api-keys/{key_id}", bearer=alice).status == 204
    revoked = stack.call("GET", f"/orgs/{slug}/members", bearer=key)
    assert revoked.status == 401, revoked
    assert revoked.json["reason"] == "the API key is unknown or revoked"
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_refused_id_tokens_are_401s_naming_the_reason_and_no_header_is_api_gateways_own():
    real = stack.token(stack.unique("eve") + "@example.com")
    head, body, sig = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = f"{head}.{_b64(dict(claims, sub='admin@example.com'))}.{sig}"
    alg_none = f"{_b64({'alg': 'none', 'kid': json.loads(base64.urlsafe_b64decode(head + '==='))['kid']})}.{body}."
    expired = f"{head}.{_b64(dict(claims, exp=int(time.time()) - 60))}.{sig}"
    cases = {
        "not-a-jwt": "the token is malformed",
        forged: "the token's signature is invalid",
        alg_none: "signing method none is invalid",
        # Re-encoding the claims breaks the signature before the expiry is read.
        expired: "the token's signature is invalid",
    }
    for token, reason in cases.items():
        answer = stack.call("GET", "/me/orgs", bearer=token)
        assert (answer.status, answer.json["code"], answer.json["reason"]) == (401, "unauthenticated", reason), answer
    bare = stack.call("GET", "/me/orgs")
    assert (bare.status, bare.json) == (401, {"message": "Unauthorized"})
    assert stack.call("GET", "/me/orgs", bearer=real).status == 200
