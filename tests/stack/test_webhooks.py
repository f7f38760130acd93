"""Events and webhooks through the running stack, as other systems meet them:
changes made over HTTP arrive once each, in order, in `GET /orgs/{org}/events`
and on the emulator's EventBridge bus (a rule sends them to an SQS queue, as a
consumer's would); a webhook receiver verifies every delivery with the
Standard Webhooks library, fails the first three attempts and gets the event
on the fourth, each retry woken by the real `sweep` function invoked as its
schedule would; internal addresses are refused at registration; and the
`publish-events` function killed mid-batch (SIGKILL) loses and repeats no
event when the batch runs again."""

import json
import os
import re
import signal
import threading
import time
import unittest
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import stack
from standardwebhooks.webhooks import Webhook

SWEEP_EVENT = (stack.ROOT / "events" / "sweep.json").read_bytes()


def run_sweep() -> dict:
    url = f"{stack.api_url()}/2015-03-31/functions/sweep/invocations"
    req = urllib.request.Request(url, data=SWEEP_EVENT, method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)


class Receiver:
    """The one local origin webhooks may reach: answers `script` in turn (the
    last status repeats) and keeps each request with its verification."""

    def __init__(self, script: list[int]):
        origin = stack.env("ROSTER_WEBHOOK_ALLOW_ORIGINS").split(",")[0]
        self.port = int(origin.rsplit(":", 1)[1])
        self.origin = origin
        self.script = script
        self.secret = None
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except Exception:  # noqa: BLE001 - any refusal is a failed verification
                    verified = False
                receiver.received.append({"headers": headers, "body": json.loads(body), "verified": verified})
                status = receiver.script[min(len(receiver.received), len(receiver.script)) - 1]
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.time() + timeout
        while len(self.received) < count and time.time() < deadline:
            time.sleep(0.2)
        return self.received


def age_retries(org: str) -> int:
    """Makes the org's waiting webhook retries due now, as time would: their
    due-index entries, the one thing the sweep reads, move to the past."""
    table = boto3.resource("dynamodb").Table(stack.env("ROSTER_TABLE"))
    items = table.scan(FilterExpression="#t = :d AND org = :o",
                       ExpressionAttributeNames={"#t": "type"},
                       ExpressionAttributeValues={":d": "delivery", ":o": org})["Items"]
    aged = 0
    for item in items:
        if str(item.get("gsi2pk", "")).startswith("DUE#WEBHOOK#"):
            _, rest = item["gsi2sk"].split("#", 1)
            table.update_item(Key={"pk": item["pk"], "sk": item["sk"]}, UpdateExpression="SET gsi2sk = :due",
                              ExpressionAttributeValues={":due": f"{int(time.time()) - 60:012}#{rest}"})
            aged += 1
    return aged


def bus_queue(org: str):
    """An SQS queue a rule on the local bus sends this org's events to."""
    events = boto3.client("events")
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName=stack.unique("roster-events"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = stack.unique("org")
    events.put_rule(Name=rule, EventBusName=stack.env("ROSTER_EVENT_BUS"),
                    EventPattern=json.dumps({"source": ["roster"], "detail": {"org": [org]}}))
    events.put_targets(Rule=rule, EventBusName=stack.env("ROSTER_EVENT_BUS"), Targets=[{"Id": "q", "Arn": arn}])
    return sqs, queue_url


def drain(sqs, queue_url: str, want: int, timeout: float = 60.0) -> list[dict]:
    got, deadline = [], time.time() + timeout
    while len(got) < want and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for msg in out.get("Messages", []):
            got.append(json.loads(msg["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
    time.sleep(2)  # anything more would be a duplicate
    out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    got.extend(json.loads(m["Body"]) for m in out.get("Messages", []))
    return got


def feed(org: str, admin: str, want: int, timeout: float = 60.0) -> list[dict]:
    deadline = time.time() + timeout
    while True:
        items, cursor = [], None
        while True:
            path = f"/orgs/{org}/events?limit=50" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
            page = stack.call("GET", path, bearer=admin)
            assert page.status == 200, page
            items += page.json["items"]
            cursor = page.json["next_cursor"]
            if not cursor:
                break
        if len(items) >= want or time.time() > deadline:
            return items
        time.sleep(0.5)


EXPECTED = ["invitation.created", "invitation.accepted", "member.joined", "seat.assigned",
            "member.role_changed", "token.issued", "token.revoked", "seat.revoked", "member.removed",
            "invitation.created", "invitation.revoked"]


@pytest.mark.usefixtures("local_stack")
class EventsAndWebhooks(unittest.TestCase):
    def test_changes_arrive_once_in_order_on_the_feed_the_bus_and_a_webhook_that_fails_three_times(self):
        admin_email = stack.unique("admin") + "@example.com"
        admin = stack.token(admin_email)
        org = stack.unique("events")
        made = stack.call("POST", "/orgs", bearer=admin, body={"slug": org, "name": "Events", "seat_limit": 3})
        self.assertEqual(made.status, 201, made)
        sqs, queue_url = bus_queue(org)
        receiver = Receiver([500, 500, 500, 204])
        self.addCleanup(receiver.close)
        created = stack.call("POST", f"/orgs/{org}/webhooks", bearer=admin,
                             body={"url": f"{receiver.origin}/hook", "event_types": ["member.role_changed"]})
        self.assertEqual(created.status, 201, created)
        receiver.secret = created.json["secret"]

        bob = stack.unique("bob") + "@example.com"
        self.assertEqual(stack.call("POST", f"/orgs/{org}/invitations", bearer=admin,
                                    body={"emails": [bob], "seat": True}).status, 200)
        link = re_token(stack.wait_for_mail(bob)[0]["body"])
        person = stack.token(bob)
        accepted = stack.call("POST", "/invitations/accept", bearer=person, body={"token": link})
        self.assertEqual(accepted.status, 200, accepted)
        user = accepted.json.get("user_id") or member_id(org, admin, bob)
        self.assertEqual(stack.call("PUT", f"/orgs/{org}/members/{user}/role", bearer=admin,
                                    body={"role": "billing_manager"}).status, 200)
        issued = stack.call("POST", f"/orgs/{org}/tokens", bearer=person, body={"name": "laptop"})
        self.assertEqual(issued.status, 201, issued)
        self.assertEqual(stack.call("DELETE", f"/orgs/{org}/tokens/{issued.json['id']}", bearer=admin).status, 204)
        self.assertEqual(stack.call("DELETE", f"/orgs/{org}/members/{user}/seat", bearer=admin).status, 204)
        self.assertEqual(stack.call("DELETE", f"/orgs/{org}/members/{user}", bearer=admin).status, 204)
        carol = stack.unique("carol") + "@example.com"
        invited = stack.call("POST", f"/orgs/{org}/invitations", bearer=admin, body={"emails": [carol]})
        self.assertEqual(invited.status, 200, invited)
        revoke = stack.call("DELETE", f"/orgs/{org}/invitations/{invited.json['results'][0]['invitation_id']}", bearer=admin)
        self.assertEqual(revoke.status, 204, revoke)

        events = feed(org, admin, len(EXPECTED))
        self.assertEqual([e["type"] for e in events], EXPECTED)
        on_bus = drain(sqs, queue_url, len(EXPECTED))
        self.assertEqual(sorted(m["detail"]["id"] for m in on_bus), sorted(e["id"] for e in events),
                         "each event on the bus exactly once")
        self.assertTrue(all(m["source"] == "roster" and m["detail-type"] == m["detail"]["type"] for m in on_bus))

        # The webhook: the first attempt fails; three retries, each woken by the sweep.
        self.assertEqual(len(receiver.wait_for(1)), 1)
        for attempt in range(2, 5):
            deadline = time.time() + 30
            while age_retries(org) == 0 and time.time() < deadline:
                time.sleep(0.3)
            self.assertGreaterEqual(run_sweep()["webhooks_woken"], 1)
            self.assertEqual(len(receiver.wait_for(attempt)), attempt, f"attempt {attempt}")
        got = receiver.received
        self.assertTrue(all(r["verified"] for r in got), "every delivery verifies")
        self.assertEqual({r["headers"]["webhook-id"] for r in got}, {got[0]["body"]["id"]})
        self.assertEqual(got[0]["body"]["type"], "member.role_changed")
        hook = created.json["webhook"]["id"]
        deadline = time.time() + 30
        while time.time() < deadline:
            listed = stack.call("GET", f"/orgs/{org}/webhooks/{hook}/deliveries", bearer=admin).json["items"]
            if listed and listed[0]["status"] == "delivered":
                break
            time.sleep(0.3)
        self.assertEqual(listed[0]["status"], "delivered")
        self.assertEqual([a["status_code"] for a in listed[0]["attempts"]], [500, 500, 500, 204])

    def test_internal_addresses_are_refused_at_registration(self):
        admin = stack.token(stack.unique("admin") + "@example.com")
        org = stack.unique("ssrf")
        self.assertEqual(stack.call("POST", "/orgs", bearer=admin,
                                    body={"slug": org, "name": "SSRF", "seat_limit": 1}).status, 201)
        for url in ["http://127.0.0.1/hook", "https://127.0.0.1:8443/hook", "https://169.254.169.254/latest/",
                    "https://localhost/hook", "https://10.0.0.5/hook", "http://[::1]/hook"]:
            refused = stack.call("POST", f"/orgs/{org}/webhooks", bearer=admin, body={"url": url})
            self.assertEqual(refused.status, 400, f"{url}: {refused}")
            self.assertEqual(refused.json["code"], "invalid_webhook_url", url)


def re_token(body: str) -> str:
    return re.search(r"token=([A-Za-z0-9._~%-]+)", body).group(1)


def member_id(org: str, admin: str, email: str) -> str:
    members = stack.call("GET", f"/orgs/{org}/members", bearer=admin).json["items"]
    return next(m["user_id"] for m in members if m["email"] == email)


def stack_processes(fragment: str) -> list[int]:
    """This stack's processes whose command line holds `fragment`."""
    marker = f"ROSTER_STACK={stack.env('ROSTER_STACK')}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if fragment in cmdline and marker in environ:
            found.append(int(entry))
    return found


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def busiest(pids: list[int]) -> int:
    """The process that used the most CPU over the next half second."""
    assert pids, "no such process"
    before = {pid: cpu_ticks(pid) for pid in pids}
    time.sleep(0.5)
    return max(pids, key=lambda pid: cpu_ticks(pid) - before[pid])


def count_events(org: str, published_only: bool = False) -> int:
    table = boto3.client("dynamodb")
    args = {"TableName": stack.env("ROSTER_TABLE"), "Select": "COUNT", "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :events)",
            "ExpressionAttributeValues": {":pk": {"S": f"EVENTS#{org}"}, ":events": {"S": "EVENT#"}}}
    if published_only:
        args["FilterExpression"] = "attribute_exists(published_at)"
    total, start = 0, None
    while True:
        out = table.query(**args, **({"ExclusiveStartKey": start} if start else {}))
        total += out["Count"]
        start = out.get("LastEvaluatedKey")
        if not start:
            return total


@pytest.mark.exclusive  # holds the publisher's trigger and kills an instance of it
@pytest.mark.usefixtures("local_stack")
class KilledMidBatch(unittest.TestCase):
    def test_a_publisher_killed_mid_batch_loses_and_repeats_no_event_on_the_feed_the_bus_or_a_webhook(self):
        rows = 150
        admin = stack.token(stack.unique("admin") + "@example.com")
        org = stack.unique("killed")
        made = stack.call("POST", "/orgs", bearer=admin, body={"slug": org, "name": "Killed", "seat_limit": 1})
        self.assertEqual(made.status, 201, made)
        sqs, queue_url = bus_queue(org)
        receiver = Receiver([204])
        self.addCleanup(receiver.close)
        created = stack.call("POST", f"/orgs/{org}/webhooks", bearer=admin, body={"url": f"{receiver.origin}/all"})
        self.assertEqual(created.status, 201, created)
        receiver.secret = created.json["secret"]

        # The publisher's trigger held while the upload commits, so that its
        # audit entries reach the function as one batch of `rows` events.
        [poller] = stack_processes("trigger_poller.py --function publish-events")
        os.kill(poller, signal.SIGSTOP)
        self.addCleanup(os.kill, poller, signal.SIGCONT)
        csv = "email\n" + "".join(f"k{i}-{org}@example.com\n" for i in range(rows))
        uploaded = stack.call("POST", f"/orgs/{org}/invitations", bearer=admin, raw=csv.encode(),
                              content_type="text/csv")
        self.assertEqual(uploaded.status, 200, uploaded)
        os.kill(poller, signal.SIGCONT)

        # Killed while it writes the feed and the deliveries: before its
        # first PutEvents (the bus comes after every write of the batch).
        deadline = time.time() + 120
        while (written := count_events(org)) < 10 and time.time() < deadline:
            time.sleep(0.02)
        # The instance at work (scripts/function_host.py runs two of each
        # function, and starts another when one dies, as Lambda does).
        busy = busiest(stack_processes("target/debug/publish-events"))
        os.kill(busy, signal.SIGKILL)
        self.assertLess(written, rows, "killed mid-batch")
        self.assertEqual(count_events(org, published_only=True), 0, "nothing was on the bus yet")

        # Lambda (the poller) runs the batch again, on a new instance: at
        # once, as the invocation failed when its instance exited.
        events = feed(org, admin, rows, timeout=180)
        log = (stack.runtime_dir(dict(os.environ)) / "stack.log").read_text(errors="replace")
        self.assertRegex(log, r"-> publish-events: the function's instance exited \(Runtime.ExitError\)")
        self.assertEqual(len(events), rows)
        self.assertEqual(len({e["id"] for e in events}), rows)
        on_bus = drain(sqs, queue_url, rows, timeout=120)
        ids = [m["detail"]["id"] for m in on_bus]
        self.assertEqual(len(ids), rows, "each event on the bus once")
        self.assertEqual(set(ids), {e["id"] for e in events})
        got = receiver.wait_for(rows, timeout=180)
        self.assertEqual(sorted(r["headers"]["webhook-id"] for r in got), sorted(e["id"] for e in events),
                         "each event delivered once")
        self.assertTrue(all(r["verified"] for r in got))
