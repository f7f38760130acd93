#!/usr/bin/env python3
"""Local stand-in for the DynamoDB stream -> deliver-email trigger (used by make dev).

Nothing in the local emulator invokes Lambda from the table's stream, so this polls
the stream of $ROSTER_TABLE, keeps the INSERTs of outbox items (sk starting with
OUTBOX#), wraps them in the exact Lambda DynamoDB stream event shape and invokes
deliver-email through `cargo lambda watch`'s invoke endpoint, so mail goes out through
the production code path. One log line per batch: counts only, never item contents.

Reading survives an emulator restart and failed deliveries (retried from the
first failed record, as Lambda does with partial batch responses).

  stream_poller.py [--url http://127.0.0.1:9000/2015-03-31/functions/deliver-email/invocations]
                   [--interval 0.5] [--from-start]

Uses AWS_ENDPOINT_URL / AWS_REGION / credentials and ROSTER_TABLE from the environment.
"""

import argparse
import base64
import datetime as dt
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

import boto3
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_URL = "http://127.0.0.1:9000/2015-03-31/functions/deliver-email/invocations"
OUTBOX_PREFIX = "OUTBOX#"


def log(msg: str) -> None:
    print(f"{dt.datetime.now():%H:%M:%S} stream-poller: {msg}", flush=True)


def jsonable(value):
    """boto3 gives bytes for B/BS attribute values; the Lambda event carries base64 text."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def is_outbox_insert(rec: dict) -> bool:
    sk = rec.get("dynamodb", {}).get("Keys", {}).get("sk", {}).get("S", "")
    return rec.get("eventName") == "INSERT" and sk.startswith(OUTBOX_PREFIX)


def to_lambda_record(rec: dict, stream_arn: str, region: str) -> dict:
    src = rec["dynamodb"]
    ddb = {}
    created = src.get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.timezone.utc)
        created = int(created.timestamp())
    ddb["ApproximateCreationDateTime"] = created if created is not None else int(time.time())
    for key in ("Keys", "NewImage", "OldImage"):
        if key in src:
            ddb[key] = jsonable(src[key])
    ddb["SequenceNumber"] = src["SequenceNumber"]
    ddb["SizeBytes"] = src.get("SizeBytes", 0)
    ddb["StreamViewType"] = src.get("StreamViewType", "NEW_AND_OLD_IMAGES")
    return {
        "eventID": rec["eventID"],
        "eventName": rec["eventName"],
        "eventVersion": rec.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": rec.get("awsRegion", region),
        "dynamodb": ddb,
        "eventSourceARN": stream_arn,
    }


def invoke(url: str, event: dict, target: str = "deliver-email", timeout: float = 900,
           exits=lambda: 0) -> tuple[str, str | None]:
    """POST the event until cargo lambda watch accepts the connection.

    An invocation that outlasts `timeout` seconds failed, as Lambda times
    out a function (locally `cargo lambda watch` never answers for a
    function that died mid-invocation): it is retried like any failure. So is
    one during which `exits()` (how many of the function's instances have
    exited) grows: Lambda fails the invocation at once, with Runtime.ExitError.
    Returns a short outcome and the sequence number to retry from (None: all handled)."""
    body = json.dumps(event).encode()
    first = event["Records"][0]["dynamodb"]["SequenceNumber"]
    delay = 1.0
    exited = exits()
    while True:
        answer: list = []
        call = threading.Thread(target=_post, args=(url, body, timeout, answer), daemon=True)
        call.start()
        while call.is_alive():
            call.join(0.2)
            if call.is_alive() and exits() > exited:
                return "the function's instance exited (Runtime.ExitError); will retry", first
        status, payload, error = answer[0]
        if status is not None:
            return summarize(status, payload, first)
        if isinstance(error, TimeoutError):
            return f"no answer within {timeout:.0f}s; will retry", first
        log(f"{target} not reachable ({getattr(error, 'reason', error)}); retrying in {delay:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 10.0)


def _post(url: str, body: bytes, timeout: float, answer: list) -> None:
    """One invocation: (status, payload, None), or (None, None, the error)."""
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer.append((resp.status, resp.read(), None))
    except urllib.error.HTTPError as e:
        answer.append((e.code, e.read(), None))
    except (TimeoutError, urllib.error.URLError, ConnectionError) as e:
        answer.append((None, None, e))


def summarize(status: int, payload: bytes, first: str) -> tuple[str, str | None]:
    """The outcome, and where to retry from: `first` (the batch's first sequence
    number) when the whole invocation failed, the first failed item's otherwise."""
    try:
        doc = json.loads(payload or b"null")
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "errorType" in doc:
        return f"function error {doc['errorType']} (HTTP {status}); will retry", first
    if status >= 300:
        return f"HTTP {status}; will retry", first
    failures = doc.get("batchItemFailures") if isinstance(doc, dict) else None
    if failures:
        return f"{len(failures)} item failure(s) reported; will retry", failures[0].get("itemIdentifier") or first
    return "ok", None


class Poller:
    """Reads the table's stream by sequence number, never by a long-lived iterator,
    and invokes `target` with the records `pick` keeps, `batch_size` at a time
    (None: all of a poll's records in one event), as a Lambda trigger would.

    Every poll takes a fresh iterator AFTER_SEQUENCE_NUMBER the last record
    handled (or TRIM_HORIZON while none was), which costs one more call and
    survives emulator restarts (a new stream ARN: read from its start) and
    errors alike. (A cancelled transaction leaves no record to read:
    scripts/moto_locked.py.)
    """

    def __init__(self, table: str, url: str, from_start: bool, region: str,
                 pick=is_outbox_insert, batch_size: int | None = None, target: str = "deliver-email",
                 timeout: float = 900, exits=lambda: 0):
        self.table, self.url, self.region = table, url, region
        self.exits = exits
        self.pick, self.batch_size, self.target, self.timeout = pick, batch_size, target, timeout
        self.ddb = boto3.client("dynamodb", region_name=region)
        self.streams = boto3.client("dynamodbstreams", region_name=region)
        self.from_start = from_start
        self.stream_arn = None
        self.shards: list[str] = []
        # shard id -> last sequence number handled; absent: read the shard from its start.
        self.last_seq: dict[str, str] = {}
        self.failures = 0  # consecutive failed deliveries, for backoff

    def refresh(self) -> None:
        """Follow the table's current stream and its shards."""
        arn = self.ddb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {self.table} has no stream")
        shards = [s["ShardId"] for s in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
        if arn != self.stream_arn:
            first = self.stream_arn is None
            if not first:
                log("the table has a new stream (emulator restarted or table recreated); reading it from its start")
            self.stream_arn, self.last_seq = arn, {}
            if first and not self.from_start:
                for sid in shards:  # start at the end, as a LATEST iterator would
                    self.skip_to_end(sid)
        self.shards = shards

    def skip_to_end(self, sid: str) -> None:
        """Remember the last record already in the shard, without delivering anything."""
        while True:
            out = self.streams.get_records(ShardIterator=self.iterator(sid), Limit=1000)
            records = out.get("Records", [])
            if not records:
                return
            self.last_seq[sid] = records[-1]["dynamodb"]["SequenceNumber"]

    def iterator(self, sid: str) -> str:
        args = {"StreamArn": self.stream_arn, "ShardId": sid, "ShardIteratorType": "TRIM_HORIZON"}
        if sid in self.last_seq:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.last_seq[sid])
        return self.streams.get_shard_iterator(**args)["ShardIterator"]

    def poll_once(self) -> None:
        for sid in self.shards:
            # As many as GetRecords gives (Lambda filters, then batches what it kept).
            out = self.streams.get_records(ShardIterator=self.iterator(sid), Limit=1000)
            records = out.get("Records", [])
            if not records:
                continue
            picked = [r for r in records if self.pick(r)]
            done = records[-1]["dynamodb"]["SequenceNumber"]
            size = self.batch_size or len(picked) or 1
            for batch in (picked[i:i + size] for i in range(0, len(picked), size)):
                event = {"Records": [to_lambda_record(r, self.stream_arn, self.region) for r in batch]}
                outcome, failed_at = invoke(self.url, event, self.target, self.timeout, self.exits)
                log(f"{len(batch)} record(s) of {len(records)} -> {self.target}: {outcome}")
                if failed_at is not None:
                    # As Lambda does with partial batch responses (or a failed
                    # invocation): retry from the first failed record, after a pause.
                    before = [r["dynamodb"]["SequenceNumber"] for r in records]
                    index = before.index(failed_at) if failed_at in before else 0
                    if index > 0:  # (index 0: last_seq already points just before it)
                        self.last_seq[sid] = before[index - 1]
                    self.failures += 1
                    time.sleep(min(2 ** self.failures, 30))
                    return
            self.failures = 0
            self.last_seq[sid] = done

    def run(self, interval: float) -> None:
        last_refresh = 0.0
        while True:
            try:
                if time.monotonic() - last_refresh > 5:
                    self.refresh()
                    last_refresh = time.monotonic()
                self.poll_once()
            except (BotoCoreError, ClientError, RuntimeError) as e:
                log(f"stream not readable ({e.__class__.__name__}); retrying")
                last_refresh = 0.0
                time.sleep(2)
            time.sleep(interval)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--from-start", action="store_true", help="read the stream from TRIM_HORIZON")
    args = p.parse_args()
    table = os.environ.get("ROSTER_TABLE")
    if not table or not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("stream-poller: set ROSTER_TABLE and AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    log(f"watching the stream of {table}; outbox inserts go to {args.url}")
    try:
        Poller(table, args.url, args.from_start, region).run(args.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
