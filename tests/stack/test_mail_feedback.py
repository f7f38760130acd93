"""Bounces and complaints from the outside: over HTTP through the
local stack's router, the invitation mail read from the emulator, then SES's
report delivered to the running `mail-events` function by `make bounce`'s
script (scripts/ses_feedback.py), as the SNS subscription does deployed; then
what the admin sees and may do through the API."""

import base64
import os
import subprocess
import sys
import time
import unittest

import pytest

import stack

PY = sys.executable
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "ses_feedback.py")


def report(org: str, to: str, kind: str) -> None:
    done = subprocess.run([PY, SCRIPT, to, "--org", org, "--kind", kind], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def id_of(email: str) -> str:
    return base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")


@pytest.mark.usefixtures("local_stack")
class BouncesAndComplaints(unittest.TestCase):
    def setUp(self):
        self.alice = stack.token(stack.unique("alice") + "@example.com")
        self.org = stack.unique("fb")
        created = stack.call("POST", "/orgs", bearer=self.alice, body={"slug": self.org, "name": "Feedback", "seat_limit": 5})
        self.assertEqual(created.status, 201, created)

    def invite(self, *emails: str) -> stack.Answer:
        answer = stack.call("POST", f"/orgs/{self.org}/invitations", bearer=self.alice, body={"emails": list(emails)})
        self.assertEqual(answer.status, 200, answer)
        return answer

    def invitation(self, email: str) -> dict:
        listed = stack.call("GET", f"/orgs/{self.org}/invitations?status=all", bearer=self.alice)
        self.assertEqual(listed.status, 200, listed)
        return next(i for i in listed.json["items"] if i["email"] == email)

    def wait_for_status(self, email: str, status: str) -> dict:
        # deliver-email runs from the stream poller: the status follows the mail.
        for _ in range(60):
            inv = self.invitation(email)
            if inv["email_status"] == status:
                return inv
            time.sleep(0.5)
        return self.invitation(email)

    def test_a_hard_bounce_suppresses_until_the_admin_clears_it(self):
        bob = stack.unique("bob") + "@example.com"
        self.invite(bob)
        self.assertEqual(len(stack.wait_for_mail(bob)), 1)
        self.assertEqual(self.wait_for_status(bob, "sent")["email_status"], "sent")

        report(self.org, bob, "bounce")
        self.assertEqual(self.invitation(bob)["email_status"], "bounced")
        listed = stack.call("GET", f"/orgs/{self.org}/suppressions", bearer=self.alice)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([(s["email"], s["reason"]) for s in listed.json["items"]], [(bob, "bounced")])

        refused = stack.call("POST", f"/orgs/{self.org}/invitations/{id_of(bob)}/resend", bearer=self.alice)
        self.assertEqual((refused.status, refused.json["code"]), (409, "email_suppressed"), refused)
        carol = stack.unique("carol") + "@example.com"
        revoked = stack.call("DELETE", f"/orgs/{self.org}/invitations/{id_of(bob)}", bearer=self.alice)
        self.assertEqual(revoked.status, 204, revoked)
        answer = self.invite(bob, carol)
        self.assertEqual([r["outcome"] for r in answer.json["results"]], ["already_suppressed", "invited"], answer)
        self.assertEqual(len(stack.wait_for_mail(carol)), 1)
        self.assertEqual(len(stack.mail_to(bob)), 1, "nothing more went to the bounced address")

        cleared = stack.call("DELETE", f"/orgs/{self.org}/suppressions/{id_of(bob)}", bearer=self.alice)
        self.assertEqual(cleared.status, 204, cleared)
        # Cleared, but mailed less than the resend cooldown ago (and revoked
        # since): inviting the address again mails nothing until it ends.
        answer = self.invite(bob)
        self.assertEqual(answer.json["results"][0]["outcome"], "cooldown", answer)
        self.assertEqual(len(stack.mail_to(bob)), 1, "one invitation mail per cooldown")

    def test_a_complaint_marks_the_invitation_and_a_soft_bounce_suppresses_nothing(self):
        dave, erin = (stack.unique(n) + "@example.com" for n in ("dave", "erin"))
        self.invite(dave, erin)
        stack.wait_for_mail(dave)
        stack.wait_for_mail(erin)
        self.wait_for_status(dave, "sent")
        self.wait_for_status(erin, "sent")
        report(self.org, dave, "complaint")
        report(self.org, erin, "soft-bounce")
        self.assertEqual(self.invitation(dave)["email_status"], "complained")
        self.assertEqual(self.invitation(erin)["email_status"], "bounced")
        listed = stack.call("GET", f"/orgs/{self.org}/suppressions", bearer=self.alice)
        self.assertEqual([(s["email"], s["reason"]) for s in listed.json["items"]], [(dave, "complained")])

