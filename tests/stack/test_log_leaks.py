"""Nothing secret reaches the logs, from the outside: the running functions log
at the most verbose level the template offers (DEBUG: this test starts a
stack of its own, `scripts/stack.py up --detach --functions-log debug`), a whole flow goes through
them over HTTP (an org, invitations by JSON and by CSV upload, the mail and its
link, preview and accept, revoke, resend and clear by address id, a seat, a
token issued and introspected), and then the stack's whole output (every
function, the pollers, cargo lambda watch) is searched for each JWT, link,
secret and address the flow used, in every form a log could hold it."""

import base64
import json
import re
import time
import unittest
import urllib.parse

import stack


def id_of(email: str) -> str:
    return base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")


def link_in(mail: dict) -> str:
    found = re.search(r"/invitations/accept\?token=([A-Za-z0-9._~%-]+)", mail["body"])
    assert found, mail["body"][:500]
    return urllib.parse.unquote(found.group(1))


def forms(value: str) -> set[str]:
    """The ways a log line could hold `value`: as is, percent-encoded, JSON-escaped."""
    return {value, urllib.parse.quote(value, safe=""), json.dumps(value)[1:-1]}


class NothingSecretInTheLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        own = stack.detached("--name", "log-leaks", "--functions-log", "debug")
        stack_env = cls.enterClassContext(own)
        cls.enterClassContext(stack.using(stack_env))
        cls.log = stack.runtime_dir(stack_env) / "stack.log"

    def logged(self) -> str:
        time.sleep(1)  # the last lines of the functions' output
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def ok(self, answer: stack.Answer, *statuses: int) -> stack.Answer:
        self.assertIn(answer.status, statuses or (200,), answer)
        return answer

    def test_a_whole_flow_at_debug_logs_no_jwt_secret_or_address(self):
        alice, bob, carol, dave = (stack.unique(n) + "@example.com" for n in ("alice", "bob", "carol", "dave"))
        alice_jwt, bob_jwt = stack.token(alice), stack.token(bob)
        bob_sub = bob  # the provider's sub: the address signed in with
        org = stack.unique("logs")
        api = stack.call

        self.ok(api("POST", "/orgs", bearer=alice_jwt, body={"slug": org, "name": "Logs", "seat_limit": 3}), 201)
        self.ok(api("POST", f"/orgs/{org}/invitations", bearer=alice_jwt, body={"emails": [bob]}))
        csv = f"email,role\n{carol},member\n{dave},member\n"
        self.ok(api("POST", f"/orgs/{org}/invitations", bearer=alice_jwt, raw=csv.encode(), content_type="text/csv"))
        links = {}
        for who in (bob, carol, dave):
            mails = stack.wait_for_mail(who)
            self.assertEqual(len(mails), 1, f"the invitation mail to {who}")
            links[who] = link_in(mails[0])

        self.ok(api("POST", "/invitations/preview", bearer=bob_jwt, body={"token": links[bob]}))
        self.ok(api("POST", "/invitations/accept", bearer=bob_jwt, body={"token": links[bob]}))
        # Paths that name an address by its id (the outcome does not matter here).
        self.ok(api("DELETE", f"/orgs/{org}/invitations/{id_of(carol)}", bearer=alice_jwt), 204)
        resent = api("POST", f"/orgs/{org}/invitations/{id_of(dave)}/resend", bearer=alice_jwt)
        self.assertLess(resent.status, 500, resent)
        cleared = api("DELETE", f"/orgs/{org}/suppressions/{id_of(dave)}", bearer=alice_jwt,
                      body={"reason": "log test"})
        self.assertLess(cleared.status, 500, cleared)
        member = f"/orgs/{org}/members/{urllib.parse.quote(bob_sub, safe='')}"
        self.ok(api("GET", member, bearer=alice_jwt))
        self.ok(api("PUT", f"{member}/seat", bearer=alice_jwt), 200, 201)
        issued = self.ok(api("POST", f"/orgs/{org}/tokens", bearer=bob_jwt, body={"name": "laptop"}), 201)
        secret = issued.json["token"]
        introspected = self.ok(api("POST", "/tokens/introspect", body={"token": secret}))
        self.assertTrue(introspected.json["active"], introspected)
        self.assertEqual(len(stack.wait_for_mail(bob, count=2)), 2, "the seat mail, through deliver-email")
        # An API key, created, used (the authorizer logs its decision at debug) and revoked.
        key = self.ok(api("POST", f"/orgs/{org}/api-keys", bearer=alice_jwt,
                          body={"name": "logs", "role": "admin"}), 201).json
        self.ok(api("GET", f"/orgs/{org}/members", bearer=key["key"]))
        self.ok(api("DELETE", f"/orgs/{org}/api-keys/{key['id']}", bearer=alice_jwt), 204)
        self.ok(api("GET", f"/orgs/{org}/members", bearer=key["key"]), 401)

        text = self.logged()
        functions = [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"level"' in line]
        self.assertTrue(any(line.get("level") == "DEBUG" for line in functions),
                        "the functions log at DEBUG (--functions-log debug)")
        self.assertFalse(any(line.get("level") == "TRACE" for line in functions), "TRACE is never written")
        self.assertTrue(any(line.get("span", {}).get("op") == "introspect-token" for line in functions),
                        "the flow's requests are in this log")

        needles = {
            "alice's JWT": alice_jwt,
            "bob's JWT": bob_jwt,
            "the token secret": secret,
            "the API key": key["key"],
        }
        for who, link in links.items():
            needles[f"the link to {who}"] = link
            needles[f"the secret of the link to {who}"] = link.rsplit(".", 1)[-1]
        for who in (alice, bob, carol, dave):
            needles[who] = who
            needles[f"the id of {who}"] = id_of(who)
        needles["bob's user id"] = bob_sub
        for what, needle in needles.items():
            for form in forms(needle):
                line = next((line for line in text.splitlines() if form in line), None)
                self.assertIsNone(line, f"{what} is in the stack log ({self.log}), as {form!r}")

