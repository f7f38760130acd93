"""Invitation mail keeps flowing through the real stream poller:
after a refused write (a cancelled transaction, whose writes the emulator rolls
back from the stream too: scripts/test_moto_locked.py), and after the emulator
restarts."""

import unittest

import pytest

import stack


def create_org(admin_token: str, slug: str) -> stack.Answer:
    return stack.call("POST", "/orgs", bearer=admin_token, body={"slug": slug, "name": "Poller Test", "seat_limit": 5})


def invite(admin_token: str, slug: str, email: str) -> stack.Answer:
    return stack.call("POST", f"/orgs/{slug}/invitations", bearer=admin_token, body={"emails": [email]})


@pytest.mark.usefixtures("local_stack")
class MailAfterRefusedWrites(unittest.TestCase):
    def invite_and_expect_mail(self, alice: str, slug: str) -> None:
        bob = stack.unique("bob") + "@example.com"
        answer = invite(alice, slug, bob)
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(answer.json["results"][0]["outcome"], "invited", answer)
        mails = stack.wait_for_mail(bob)
        self.assertEqual(len(mails), 1, f"exactly one invitation mail to {bob}")
        self.assertIn("/invitations/accept?token=", mails[0]["body"])

    def test_invitation_mail_arrives_after_a_refused_create_org(self):
        alice = stack.token(stack.unique("alice") + "@example.com")
        slug = stack.unique("poll")
        self.assertEqual(create_org(alice, slug).status, 201)
        refused = create_org(alice, slug)  # the transaction is cancelled: slug taken
        self.assertEqual(refused.status, 409, refused)
        self.assertEqual(refused.json["code"], "org_exists")
        self.invite_and_expect_mail(alice, slug)
        # and again after a second refusal, this time between two mails
        self.assertEqual(create_org(alice, slug).status, 409)
        self.invite_and_expect_mail(alice, slug)

    @pytest.mark.exclusive  # the emulator restarts empty under every other test
    def test_invitation_mail_arrives_after_the_emulator_restarts(self):
        alice = stack.token(stack.unique("alice") + "@example.com")
        slug = stack.unique("poll")
        self.assertEqual(create_org(alice, slug).status, 201)
        self.invite_and_expect_mail(alice, slug)

        stack.restart_emulator()

        # Everything is gone with the old emulator: a new org, a new invitation.
        slug = stack.unique("poll")
        self.assertEqual(create_org(alice, slug).status, 201)
        self.assertEqual(create_org(alice, slug).status, 409)
        self.invite_and_expect_mail(alice, slug)

