"""Trust probes from the outside: what a pen-tester would try against the
running stack (the router, the stream poller, deliver-email, the emulator),
over HTTP with the mail read back from the emulator's SES:

- a 501-row upload (an import job) by an admin whose email is unverified: 403;
- five invite/revoke cycles of one address: at most two mails reach it;
- five seat assign/revoke cycles of one member: at most two seat mails;
- an access token issued with an Idempotency-Key: its secret is nowhere in
  the table nor in any stream record, and the retry names the token instead."""

import os
import re
import time
import unittest

import boto3
import pytest

import stack

LINK = re.compile(r"/invitations/accept\?token=([A-Za-z0-9._~%-]+)")


def unverified(email: str) -> str:
    return stack.token(email, verified=False)


def settle_mail(address: str, seconds: float = 8.0) -> list[dict]:
    """The mail to address once the poller had time to deliver everything queued."""
    time.sleep(seconds)
    return stack.mail_to(address)


@pytest.mark.usefixtures("local_stack")
class TrustProbes(unittest.TestCase):
    def setUp(self):
        self.admin_email = stack.unique("admin") + "@example.com"
        self.admin = stack.token(self.admin_email)
        self.org = stack.unique("trust")
        created = stack.call("POST", "/orgs", bearer=self.admin, body={"slug": self.org, "name": "Trust", "seat_limit": 5})
        self.assertEqual(created.status, 201, created)

    def invite(self, email: str) -> stack.Answer:
        return stack.call("POST", f"/orgs/{self.org}/invitations", bearer=self.admin, body={"emails": [email]})

    def join(self, email: str) -> str:
        """Invites email, follows the mailed link as that person; returns their bearer token."""
        self.assertEqual(self.invite(email).status, 200)
        mails = stack.wait_for_mail(email)
        self.assertTrue(mails, f"no invitation mail to {email}")
        secret = LINK.search(mails[-1]["body"]).group(1)
        person = stack.token(email)
        accepted = stack.call("POST", "/invitations/accept", bearer=person, body={"token": secret})
        self.assertEqual(accepted.status, 200, accepted)
        return person

    def test_an_unverified_admin_cannot_start_a_501_row_import(self):
        rows = "".join(f"probe-{i}@{self.org}.example.com\n" for i in range(501))
        answer = stack.call("POST", f"/orgs/{self.org}/invitations", bearer=unverified(self.admin_email),
                            raw=f"email\n{rows}".encode(), content_type="text/csv")
        self.assertEqual(answer.status, 403, answer)
        self.assertEqual(answer.json["code"], "email_unverified")
        jobs = stack.call("GET", f"/orgs/{self.org}/imports", bearer=self.admin)
        self.assertEqual(jobs.json["items"], [], jobs)

    def test_five_invite_revoke_cycles_mail_one_address_at_most_twice(self):
        target = stack.unique("target") + "@example.com"
        outcomes = []
        for _ in range(5):
            invited = self.invite(target)
            self.assertEqual(invited.status, 200, invited)
            row = invited.json["results"][0]
            outcomes.append(row["outcome"])
            if row["outcome"] == "invited":
                stack.wait_for_mail(target, count=outcomes.count("invited"), timeout=30)
                revoked = stack.call("DELETE", f"/orgs/{self.org}/invitations/{row['invitation_id']}", bearer=self.admin)
                self.assertEqual(revoked.status, 204, revoked)
        self.assertIn("cooldown", outcomes, outcomes)
        mails = settle_mail(target)
        self.assertLessEqual(len(mails), 2, f"{len(mails)} mails after {outcomes}")

    def test_five_seat_assign_revoke_cycles_mail_the_member_at_most_twice(self):
        member_email = stack.unique("member") + "@example.com"
        member = self.join(member_email)
        me = stack.call("GET", f"/orgs/{self.org}/members", bearer=self.admin)
        user_id = next(m["user_id"] for m in me.json["items"] if m["email"] == member_email)
        before = len(stack.mail_to(member_email))
        seat = f"/orgs/{self.org}/members/{user_id}/seat"
        for _ in range(5):
            assigned = stack.call("PUT", seat, bearer=self.admin)
            self.assertEqual(assigned.status, 200, assigned)
            revoked = stack.call("DELETE", seat, bearer=self.admin)
            self.assertEqual(revoked.status, 204, revoked)
        seat_mails = len(settle_mail(member_email)) - before
        self.assertGreaterEqual(seat_mails, 1, "the first assignment is announced")
        self.assertLessEqual(seat_mails, 2, f"{seat_mails} seat mails after five cycles")
        self.assertTrue(member)

    def test_an_idempotent_token_issue_leaves_no_secret_in_the_table_or_its_stream(self):
        member_email = stack.unique("holder") + "@example.com"
        member = self.join(member_email)
        me = stack.call("GET", f"/orgs/{self.org}/members", bearer=self.admin)
        user_id = next(m["user_id"] for m in me.json["items"] if m["email"] == member_email)
        self.assertEqual(stack.call("PUT", f"/orgs/{self.org}/members/{user_id}/seat", bearer=self.admin).status, 200)
        key = {"Idempotency-Key": stack.unique("key")}
        issued = stack.call("POST", f"/orgs/{self.org}/tokens", bearer=member, body={"name": "ci"}, headers=key)
        self.assertEqual(issued.status, 201, issued)
        secret = issued.json["token"]
        again = stack.call("POST", f"/orgs/{self.org}/tokens", bearer=member, body={"name": "ci"}, headers=key)
        self.assertEqual(again.status, 409, again)
        self.assertEqual(again.json["code"], "idempotency_secret_not_kept")
        self.assertEqual(again.json["token_id"], issued.json["id"])
        self.assertNotIn(b"rst_", again.body)

        dynamodb = boto3.client("dynamodb")  # AWS_ENDPOINT_URL
        table = os.environ["ROSTER_TABLE"]
        scanned, start = [], None
        while True:
            page = dynamodb.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
            scanned.extend(page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        dump = repr(scanned)
        self.assertIn("IDEM#", dump, "the key's record was scanned")
        self.assertNotIn(secret, dump)
        self.assertNotIn(secret[len("rst_"):], dump)

        streams = boto3.client("dynamodbstreams")
        arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        records = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(page["Records"])
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        stream = repr(records)
        self.assertIn("IDEM#", stream, "the key's record went through the stream")
        self.assertNotIn(secret, stream)
        self.assertNotIn(secret[len("rst_"):], stream)

