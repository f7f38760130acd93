#!/usr/bin/env python3
"""Local stand-in for the DynamoDB stream -> import-worker trigger (used by make dev).

Like stream_poller.py does for deliver-email: polls the stream of $ROSTER_TABLE and
hands the records the deployed trigger's filter would pass (import job items whose new
image has wake = true: a new job, or a worker's hand-off) to import-worker through
`cargo lambda watch`'s invoke endpoint, so jobs run through the production code path.
A run that reports a failure is retried from that record, as Lambda does. Reads by
sequence number with a fresh iterator each poll (the emulator replaces a shard when it
rolls a transaction back). One log line per wake-up: counts only, never item contents.

  import_poller.py [--url http://127.0.0.1:9000/2015-03-31/functions/import-worker/invocations]
                   [--interval 1.0]

Uses AWS_ENDPOINT_URL / AWS_REGION / credentials and ROSTER_TABLE from the environment.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from stream_poller import log, to_lambda_record

DEFAULT_URL = "http://127.0.0.1:9000/2015-03-31/functions/import-worker/invocations"


def wakes_worker(rec: dict) -> bool:
    """The template's filter: INSERT or MODIFY of an IMPORT# item with wake = true."""
    ddb = rec.get("dynamodb", {})
    sk = ddb.get("Keys", {}).get("sk", {}).get("S", "")
    wake = ddb.get("NewImage", {}).get("wake", {}).get("BOOL", False)
    return rec.get("eventName") in ("INSERT", "MODIFY") and sk.startswith("IMPORT#") and wake is True


def invoke(url: str, record: dict) -> bool:
    """Runs import-worker on one record (BatchSize 1, as deployed); True when it succeeded."""
    body = json.dumps({"Records": [record]}).encode()
    delay = 1.0
    while True:
        req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=900) as resp:
                doc = json.loads(resp.read() or b"null")
                return not (isinstance(doc, dict) and (doc.get("errorType") or doc.get("batchItemFailures")))
        except urllib.error.HTTPError:
            return False
        except (urllib.error.URLError, ConnectionError) as e:
            log(f"import-worker not reachable ({getattr(e, 'reason', e)}); retrying in {delay:.0f}s")
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


class ImportPoller:
    def __init__(self, table: str, url: str, region: str):
        self.table, self.url, self.region = table, url, region
        self.ddb = boto3.client("dynamodb", region_name=region)
        self.streams = boto3.client("dynamodbstreams", region_name=region)
        self.stream_arn = None
        self.last_seq: dict[str, str] = {}  # shard id -> last record handled

    def iterator(self, sid: str) -> str:
        args = {"StreamArn": self.stream_arn, "ShardId": sid, "ShardIteratorType": "TRIM_HORIZON"}
        if sid in self.last_seq:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.last_seq[sid])
        return self.streams.get_shard_iterator(**args)["ShardIterator"]

    def shards(self) -> list[str]:
        arn = self.ddb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {self.table} has no stream")
        shards = [s["ShardId"] for s in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
        if arn != self.stream_arn:
            fresh = self.stream_arn is None
            self.stream_arn, self.last_seq = arn, {}
            if fresh:  # start at the end of what is there, as a LATEST iterator would
                for sid in shards:
                    while records := self.streams.get_records(ShardIterator=self.iterator(sid), Limit=1000).get("Records"):
                        self.last_seq[sid] = records[-1]["dynamodb"]["SequenceNumber"]
        return shards

    def poll_once(self) -> None:
        for sid in self.shards():
            records = self.streams.get_records(ShardIterator=self.iterator(sid), Limit=100).get("Records", [])
            for rec in records:
                if wakes_worker(rec):
                    job = rec["dynamodb"]["Keys"]["sk"]["S"].removeprefix("IMPORT#")
                    ok = invoke(self.url, to_lambda_record(rec, self.stream_arn, self.region))
                    log(f"import {job} -> import-worker: {'ok' if ok else 'failed; will retry'}")
                    if not ok:
                        time.sleep(2)
                        return  # retry from this record on the next poll
                self.last_seq[sid] = rec["dynamodb"]["SequenceNumber"]

    def run(self, interval: float) -> None:
        while True:
            try:
                self.poll_once()
            except (BotoCoreError, ClientError, RuntimeError) as e:
                log(f"stream not readable ({e.__class__.__name__}); retrying")
                time.sleep(2)
            time.sleep(interval)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--interval", type=float, default=1.0)
    args = p.parse_args()
    table = os.environ.get("ROSTER_TABLE")
    if not table or not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("import-poller: set ROSTER_TABLE and AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    log(f"watching the stream of {table}; import job wake-ups go to {args.url}")
    try:
        ImportPoller(table, args.url, region).run(args.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
