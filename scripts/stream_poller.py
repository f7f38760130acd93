#!/usr/bin/env python3
"""Local stand-in for the DynamoDB stream -> deliver-email trigger (used by make dev).

Nothing in the local emulator invokes Lambda from the table's stream, so this polls
the stream of $ROSTER_TABLE, keeps the INSERTs of outbox items (sk starting with
OUTBOX#), wraps them in the exact Lambda DynamoDB stream event shape and invokes
deliver-email through `cargo lambda watch`'s invoke endpoint, so mail goes out through
the production code path. One log line per batch: counts only, never item contents.

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


def invoke(url: str, event: dict) -> str:
    """POST the event until cargo lambda watch accepts the connection; return a short outcome."""
    body = json.dumps(event).encode()
    delay = 1.0
    while True:
        req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=900) as resp:  # first call may compile
                return summarize(resp.status, resp.read())
        except urllib.error.HTTPError as e:
            return summarize(e.code, e.read())
        except (urllib.error.URLError, ConnectionError) as e:
            log(f"deliver-email not reachable ({getattr(e, 'reason', e)}); retrying in {delay:.0f}s")
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


def summarize(status: int, payload: bytes) -> str:
    try:
        doc = json.loads(payload or b"null")
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "errorType" in doc:
        return f"function error {doc['errorType']} (HTTP {status})"
    if status >= 300:
        return f"HTTP {status}"
    failures = doc.get("batchItemFailures") if isinstance(doc, dict) else None
    return f"ok, {len(failures)} item failure(s) reported" if failures else "ok"


class Poller:
    def __init__(self, table: str, url: str, from_start: bool, region: str):
        self.table, self.url, self.region = table, url, region
        self.ddb = boto3.client("dynamodb", region_name=region)
        self.streams = boto3.client("dynamodbstreams", region_name=region)
        self.new_shard_type = "TRIM_HORIZON" if from_start else "LATEST"
        self.stream_arn = None
        self.iterators: dict[str, str | None] = {}  # shard id -> iterator (None: shard closed)
        self.last_seq: dict[str, str] = {}  # shard id -> last sequence number handled

    def refresh(self) -> None:
        """Follow the table's current stream; open an iterator on every shard that lacks one."""
        arn = self.ddb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {self.table} has no stream")
        if arn != self.stream_arn:
            if self.stream_arn:
                log("the table has a new stream (recreated?); reading it from its start")
            self.stream_arn, self.iterators, self.last_seq = arn, {}, {}
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            if sid in self.iterators:
                continue
            args = {"StreamArn": arn, "ShardId": sid, "ShardIteratorType": self.new_shard_type}
            if sid in self.last_seq:  # resume after an error without re-reading or skipping
                args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.last_seq[sid])
            self.iterators[sid] = self.streams.get_shard_iterator(**args)["ShardIterator"]
        # Shards that show up later (splits, a recreated table) are read from their start.
        self.new_shard_type = "TRIM_HORIZON"

    def poll_once(self) -> None:
        for sid, it in list(self.iterators.items()):
            if it is None:
                continue
            out = self.streams.get_records(ShardIterator=it, Limit=100)
            records = out.get("Records", [])
            picked = [to_lambda_record(r, self.stream_arn, self.region) for r in records if is_outbox_insert(r)]
            if picked:
                outcome = invoke(self.url, {"Records": picked})
                log(f"{len(picked)} outbox record(s) of {len(records)} -> deliver-email: {outcome}")
            if records:
                self.last_seq[sid] = records[-1]["dynamodb"]["SequenceNumber"]
            self.iterators[sid] = out.get("NextShardIterator")

    def run(self, interval: float) -> None:
        last_refresh = 0.0
        while True:
            try:
                if time.monotonic() - last_refresh > 10:
                    self.refresh()
                    last_refresh = time.monotonic()
                self.poll_once()
            except (BotoCoreError, ClientError, RuntimeError) as e:
                log(f"stream not readable ({e.__class__.__name__}); retrying")
                self.iterators, last_refresh = {}, 0.0
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
