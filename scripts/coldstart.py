#!/usr/bin/env python3
"""Cold starts of release-built functions against a local Lambda Runtime API.

For each start: exec the bootstrap binary with the environment Lambda gives it
(credentials in the environment, AWS_LAMBDA_RUNTIME_API pointing here), take
the time from exec to its first `GET .../invocation/next` (init), hand it one
event and take the time to its response (first invoke), then kill it. Starts are
interleaved (every round starts each function once, in an order shuffled anew
each round, seeded so runs repeat), so machine noise spreads evenly and no
function always follows the same one: a start measures slower after some
others, and a fixed rotation gave the same binary 1.09x and 1.42x under two
names. Prints one tab-separated row per function:
name, starts, init median/p90 (ms), init median over the first function's (the
baseline), first invoke median/p90 (ms), zipped bootstrap (MB), answers.

The functions run against the emulator at AWS_ENDPOINT_URL: create-org makes
a fresh org each start, get-org reads one, deliver-email claims and sends a seat
mail whose outbox item this script puts in the table first.

Usage: scripts/coldstart.py ROUNDS NAME=BINARY [NAME=BINARY...]
(the first is the baseline; NAME@LABEL runs another build of NAME, to compare levers)
"""

import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

LOG = open(os.environ.get("COLDSTART_LOG", os.devnull), "ab")
EVENTS = Path(__file__).resolve().parent.parent / "events"
ACCOUNT = "123456789012"
CLAIMS_EMAIL = "bench@example.com"


class Start:
    """What one start saw: set by the Runtime API handler thread."""

    def __init__(self, event: bytes):
        self.event = event
        self.request_id = str(uuid.uuid4())
        self.first_next = None
        self.responded = None
        self.status = None
        self.done = threading.Event()
        self.killed = threading.Event()


class RuntimeApi(BaseHTTPRequestHandler):
    """One start's Runtime API (a server per start: a late request of the
    previous process can never be taken for this one's)."""

    protocol_version = "HTTP/1.1"
    start: Start = None

    def log_message(self, *_args):
        pass

    def _reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        start = self.start
        if not self.path.endswith("/invocation/next"):
            return self._reply(404)
        if start.first_next is None:
            start.first_next = time.perf_counter()
            deadline = int(time.time() * 1000) + 10_000
            return self._reply(200, start.event, {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": start.request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline),
                "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:bench",
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
            })
        # The second `next`: held until the process is killed.
        start.killed.wait(30)
        self.close_connection = True

    def do_POST(self):
        start = self.start
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "/invocation/" in self.path and self.path.endswith("/response"):
            start.responded = time.perf_counter()
            answer = json.loads(body or b"null") or {}
            failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
            start.status = answer.get("statusCode") if isinstance(answer, dict) else None
            start.status = start.status or (f"{len(failures)} failed records" if failures else "ok")
        else:  # /init/error or /invocation/<id>/error
            start.responded = time.perf_counter()
            start.status = f"error: {body[:200]!r}"
        self._reply(202, b"{}")
        start.done.set()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a killed function resets its waiting `next` connection: expected


def http_event(name: str, slug: str, email: str = CLAIMS_EMAIL) -> bytes:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    principal = event["requestContext"]["authorizer"]["lambda"]
    principal.update(sub=f"dev|{email}", email=email, email_verified="true")
    if name == "create-org":
        event["body"] = json.dumps({"slug": slug, "name": "Bench", "seat_limit": 5})
        event["isBase64Encoded"] = False
    else:
        event["pathParameters"]["org"] = slug
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/orgs/{slug}"
    return json.dumps(event).encode()


def seat_mail_event(table) -> bytes:
    """A queued seat mail put in the table, and the stream record of its insert."""
    msg_id = str(uuid.uuid7()) if hasattr(uuid, "uuid7") else str(uuid.uuid4())
    now = int(time.time())
    key = f"OUTBOX#{msg_id}"
    item = {
        "pk": {"S": key}, "sk": {"S": key}, "type": {"S": "outbox"}, "id": {"S": msg_id},
        "org": {"S": "cs-read"}, "org_name": {"S": "Bench"}, "to": {"S": "bob@example.com"},
        "kind": {"S": "seat"}, "status": {"S": "queued"}, "attempts": {"N": "0"},
        "created_at": {"S": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))},
        "next_attempt_at": {"N": str(now + 300)},
        "gsi2pk": {"S": "DUE#OUTBOX#1"}, "gsi2sk": {"S": f"{now + 300:012d}#{msg_id}"},
    }
    table.put_item(TableName=os.environ["ROSTER_TABLE"], Item=item)
    event = json.loads((EVENTS / "deliver-email.json").read_text())
    record = event["Records"][0]
    record["dynamodb"]["Keys"] = {"pk": item["pk"], "sk": item["sk"]}
    record["dynamodb"]["NewImage"] = item
    return json.dumps(event).encode()


def lambda_env(name: str, port: int) -> dict:
    env = {k: os.environ[k] for k in ("PATH", "AWS_ENDPOINT_URL", "ROSTER_TABLE", "ROSTER_MAIL_FROM",
                                      "ROSTER_WEB_URL", "AWS_ENDPOINT_URL_SESV2") if k in os.environ}
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        # What Lambda puts in every function's environment: the role's session.
        "AWS_ACCESS_KEY_ID": "ASIABENCHBENCHBENCH0",
        "AWS_SECRET_ACCESS_KEY": "bench-secret-not-a-real-one",
        "AWS_SESSION_TOKEN": "bench-session-token",
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": "/var/task",
        "RUST_LOG": "info",
    })
    return env


def one_start(binary: str, name: str, event: bytes) -> Start:
    start = Start(event)
    handler = type("StartRuntimeApi", (RuntimeApi,), {"start": start})
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = lambda_env(name, server.server_address[1])
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=LOG)
    finished = start.done.wait(30)
    proc.kill()
    proc.wait()
    start.killed.set()
    server.shutdown()
    server.server_close()
    if not finished or start.first_next is None:
        sys.exit(f"coldstart: {name} did not complete a first invoke (exit {proc.returncode})")
    start.init_ms = (start.first_next - t0) * 1000
    start.invoke_ms = (start.responded - start.first_next) * 1000
    return start


def zipped_size(binary: str) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(binary, "bootstrap")
    return buf.tell()


def p90(values):
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main(argv):
    rounds = int(argv[0])
    functions = [arg.split("=", 1) for arg in argv[1:]]
    ddb = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))

    def event_for(name):
        name = name.split("@")[0]  # `get-org@before`: another build of get-org
        if name == "deliver-email":
            return seat_mail_event(ddb)
        if name == "create-org":
            # A new person each start: one user may create only 3 orgs a day.
            tag = uuid.uuid4().hex[:12]
            return http_event(name, f"cs-{tag}", f"cs-{tag}@example.com")
        if name == "get-org":
            return http_event(name, "cs-read")
        return http_event("get-org", "cs-read")  # the empty function ignores it

    # The org get-org reads; one unmeasured start of each binary (page cache).
    binaries = dict(functions)
    seed = binaries.get("create-org") or os.environ.get("COLDSTART_SEED_CREATE_ORG")
    if seed:
        one_start(seed, "create-org", http_event("create-org", "cs-read"))
    elif any(name.startswith("get-org") for name in binaries):
        sys.exit("coldstart: get-org needs create-org (or COLDSTART_SEED_CREATE_ORG) to make its org")
    for name, binary in functions:
        one_start(binary, name, event_for(name))

    results = {name: [] for name, _ in functions}
    shuffler = random.Random(7)
    for _ in range(rounds):
        order = shuffler.sample(functions, len(functions))
        for name, binary in order:
            start = one_start(binary, name, event_for(name))
            if start.status not in (200, 201, "ok"):
                sys.exit(f"coldstart: {name} answered {start.status}")
            results[name].append(start)
    base_name = functions[0][0]
    base = statistics.median(s.init_ms for s in results[base_name])
    for name, binary in functions:
        starts = results[name]
        init = [s.init_ms for s in starts]
        invoke = [s.invoke_ms for s in starts]
        statuses = sorted({str(s.status) for s in starts})
        print("\t".join([
            name, str(len(starts)),
            f"{statistics.median(init):.1f}", f"{p90(init):.1f}",
            f"{statistics.median(init) / base:.2f}x",
            f"{statistics.median(invoke):.1f}", f"{p90(invoke):.1f}",
            f"{zipped_size(binary) / 1e6:.2f}", ",".join(statuses),
        ]))


if __name__ == "__main__":
    main(sys.argv[1:])
