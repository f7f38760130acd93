"""Invitation reminders through the running stack: an invitation aged to its
reminder day in the emulator's table, the real `sweep` function invoked as
EventBridge's schedule would (Lambda's invoke API through the gateway), the
stream poller and deliver-email sending the reminder, read back from the
emulator's SES, and its link followed over HTTP. A second sweep sends
nothing more."""

import json
import re
import time
import unittest
import urllib.request

import boto3
import pytest

import stack

LINK = re.compile(r"/invitations/accept\?token=([A-Za-z0-9._~%-]+)")
SWEEP_EVENT = (stack.ROOT / "events" / "sweep.json").read_bytes()


def run_sweep() -> dict:
    """The `sweep` function's report, invoked as the schedule invokes it."""
    url = f"{stack.api_url()}/2015-03-31/functions/sweep/invocations"
    req = urllib.request.Request(url, data=SWEEP_EVENT, method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)


def age_to_reminder_day(org: str, email: str) -> None:
    """Makes the invitation's reminder due now, as five days would: its
    due-index entry, the one thing the sweep reads, moves to the past."""
    table = boto3.resource("dynamodb").Table(stack.env("ROSTER_TABLE"))  # AWS_ENDPOINT_URL
    key = {"pk": f"ORG#{org}", "sk": None}
    items = table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": key["pk"]})["Items"]
    invitation = next(i for i in items if i.get("type") == "invitation" and i.get("email") == email)
    assert invitation["gsi2pk"].startswith("DUE#REMIND#"), invitation["gsi2pk"]
    _, rest = invitation["gsi2sk"].split("#", 1)
    past = int(time.time()) - 60
    table.update_item(
        Key={"pk": invitation["pk"], "sk": invitation["sk"]},
        UpdateExpression="SET gsi2sk = :due, remind_at = :at",
        ExpressionAttributeValues={":due": f"{past:012}#{rest}", ":at": past},
    )


@pytest.mark.usefixtures("local_stack")
class Reminders(unittest.TestCase):
    def test_an_invitee_reminded_on_day_five_accepts_with_the_reminders_link_and_is_reminded_once(self):
        admin = stack.token(stack.unique("admin") + "@example.com")
        org = stack.unique("remind")
        created = stack.call("POST", "/orgs", bearer=admin, body={"slug": org, "name": "Remind", "seat_limit": 2})
        self.assertEqual(created.status, 201, created)
        self.assertEqual(created.json["invitation_reminder_day"], 5)
        bob = stack.unique("bob") + "@example.com"
        invited = stack.call("POST", f"/orgs/{org}/invitations", bearer=admin, body={"emails": [bob]})
        self.assertEqual(invited.status, 200, invited)
        self.assertEqual(len(stack.wait_for_mail(bob, 1)), 1)
        listed = stack.call("GET", f"/orgs/{org}/invitations", bearer=admin).json["items"]
        self.assertIsNotNone(listed[0]["reminder_at"])

        self.assertEqual(run_sweep()["reminders_sent"], 0, "not due before day 5")
        age_to_reminder_day(org, bob)
        self.assertEqual(run_sweep()["reminders_sent"], 1)
        mails = stack.wait_for_mail(bob, 2)
        self.assertEqual(len(mails), 2, mails)
        self.assertTrue(mails[1]["subject"].startswith("Reminder:"), mails[1]["subject"])
        first, reminder = (LINK.search(m["body"]).group(1) for m in mails)
        self.assertNotEqual(first, reminder)

        self.assertEqual(run_sweep()["reminders_sent"], 0, "once per generation")
        listed = stack.call("GET", f"/orgs/{org}/invitations", bearer=admin).json["items"]
        self.assertIsNone(listed[0]["reminder_at"])
        person = stack.token(bob)
        accepted = stack.call("POST", "/invitations/accept", bearer=person, body={"token": reminder})
        self.assertEqual(accepted.status, 200, accepted)
        again = stack.call("POST", "/invitations/accept", bearer=person, body={"token": first})
        self.assertEqual(again.status, 404, again)
        time.sleep(3)
        self.assertEqual(len(stack.mail_to(bob)), 2, "nothing more was mailed")
