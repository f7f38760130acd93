#!/usr/bin/env python3
"""Local stand-in for a function's DynamoDB stream trigger, read from its declaration.

The function's [function.stream] table in infra/functions.toml gives the filter
pattern and batch size the deployed event source mapping uses; this applies the
same pattern (the subset Roster's filters use: lists of literal values and
{"prefix": ...}) to the stream of $ROSTER_TABLE and invokes the function through
`cargo lambda watch`'s invoke endpoint with stream_poller.py's Poller, so what
runs locally is what the template deploys. An invocation that outlasts the
function's declared timeout (plus a margin for debug builds) failed and is
retried, as Lambda does; so is one whose instance exits meanwhile
(--exits-file, from scripts/function_host.py). The local stack runs one for
each of the four stream-driven functions.

  trigger_poller.py --function publish-events [--invoke http://127.0.0.1:9000/2015-03-31/functions]
                    [--interval 0.5] [--margin 5] [--exits-file FILE] [--from-start]

Uses AWS_ENDPOINT_URL / AWS_REGION / credentials and ROSTER_TABLE from the environment.
"""

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

from stream_poller import Poller, log

DECLARATIONS = Path(__file__).resolve().parent.parent / "infra" / "functions.toml"


def matches(pattern, value) -> bool:
    """An EventBridge-style filter pattern against a record (the subset in use)."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        return any(leaf(p, value) for p in pattern)
    raise ValueError(f"unsupported filter pattern {pattern!r}")


def leaf(pattern, value) -> bool:
    if isinstance(pattern, dict):
        if set(pattern) != {"prefix"}:
            raise ValueError(f"unsupported filter operator {pattern!r}")
        return isinstance(value, str) and value.startswith(pattern["prefix"])
    return value == pattern


# The template's Globals: a function's timeout when it declares none.
DEFAULT_TIMEOUT = 10
# Locally the functions are debug builds on a busy machine: a few seconds
# more. With `make dev RELOAD=1` cargo lambda watch builds an instance on its
# first call: stack.py then asks for more (a timed-out call is only run again).
DEFAULT_MARGIN = 5


def exits_of(path: str | None, function: str):
    """How many instances of `function` have exited, as the function host notes them."""
    def count() -> int:
        try:
            return Path(path).read_text().split().count(function) if path else 0
        except FileNotFoundError:
            return 0
    return count


def declaration(function: str) -> dict:
    declared = tomllib.loads(DECLARATIONS.read_text())["function"]
    for f in declared:
        if f["name"] == function and "stream" in f:
            return f
    sys.exit(f"trigger-poller: {function} has no [function.stream] in {DECLARATIONS}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--function", required=True)
    p.add_argument("--invoke", default="http://127.0.0.1:9000/2015-03-31/functions")
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--exits-file", help="where scripts/function_host.py names each instance that exited, "
                   "a line each: a call in flight when one of this function's exits fails at once, as on Lambda")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                   help="seconds beyond the declared timeout before an invocation counts as timed out")
    p.add_argument("--from-start", action="store_true",
                   help="read the stream from its first record (a table this stack created: a record written "
                        "before the poller's first read is delivered, not skipped)")
    args = p.parse_args()
    table = os.environ.get("ROSTER_TABLE")
    if not table or not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("trigger-poller: set ROSTER_TABLE and AWS_ENDPOINT_URL")
    declared = declaration(args.function)
    trigger = declared["stream"]
    pattern = json.loads(trigger["filter"])
    timeout = declared.get("timeout", DEFAULT_TIMEOUT) + args.margin
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    url = f"{args.invoke}/{args.function}/invocations"
    log(f"watching the stream of {table} for {args.function} (its declared filter)")
    poller = Poller(table, url, args.from_start, region, pick=lambda rec: matches(pattern, rec),
                    batch_size=trigger.get("batch_size"), target=args.function, timeout=timeout,
                    exits=exits_of(args.exits_file, args.function))
    try:
        poller.run(args.interval)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
