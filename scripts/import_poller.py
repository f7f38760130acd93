#!/usr/bin/env python3
"""Local stand-in for the DynamoDB stream -> import-worker trigger (used by make dev).

stream_poller.py's Poller with the deployed trigger's filter and batch size: import job
items whose new image has wake = true (a new job, or a worker's hand-off) go to
import-worker through `cargo lambda watch`'s invoke endpoint, one record per
invocation, so jobs run through the production code path. A run that reports a
failure is retried from that record, as Lambda does.

  import_poller.py [--url http://127.0.0.1:9000/2015-03-31/functions/import-worker/invocations]
                   [--interval 1.0]

Uses AWS_ENDPOINT_URL / AWS_REGION / credentials and ROSTER_TABLE from the environment.
"""

import argparse
import os
import sys

from stream_poller import Poller, log

DEFAULT_URL = "http://127.0.0.1:9000/2015-03-31/functions/import-worker/invocations"


def wakes_worker(rec: dict) -> bool:
    """The template's filter: INSERT or MODIFY of an IMPORT# item with wake = true."""
    ddb = rec.get("dynamodb", {})
    sk = ddb.get("Keys", {}).get("sk", {}).get("S", "")
    wake = ddb.get("NewImage", {}).get("wake", {}).get("BOOL", False)
    return rec.get("eventName") in ("INSERT", "MODIFY") and sk.startswith("IMPORT#") and wake is True


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
    poller = Poller(table, args.url, False, region, pick=wakes_worker, batch_size=1, target="import-worker")
    try:
        poller.run(args.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
