#!/usr/bin/env python3
"""SCIM throughput on the local stack (`make bench-scim`): requests per second
and p50/p99 latency of SCIM user create, patch, lookup by userName and list,
each beside a plain `GET /orgs/{org}` measured in the same run, and reported as
a ratio to it (the local gateway, cargo lambda watch and moto dominate the
absolute numbers; the ratio is what carries over).

  scripts/stack.py run --name bench-scim -- .venv/bin/python scripts/bench_scim.py [--requests N] [--workers W]

DynamoDB calls per request are not measured here: tests/e2e/directory.rs
asserts them (and docs/design/directory-sync.md lists them).
"""

import argparse
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stack"))
import stack  # noqa: E402


def measure(name: str, requests: int, workers: int, one) -> dict:
    """Runs `one(i)` `requests` times over `workers` threads; each returns an Answer."""
    latencies: list[float] = []
    failures = 0

    def timed(i: int):
        start = time.perf_counter()
        answer = one(i)
        return time.perf_counter() - start, answer.status

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for elapsed, status in pool.map(timed, range(requests)):
            latencies.append(elapsed)
            failures += status >= 300
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "name": name,
        "rps": requests / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--list-size", type=int, default=200, help="users in the org when listing")
    parser.add_argument("--group-size", type=int, default=200, help="members of the group pushed at once (0: none)")
    args = parser.parse_args()

    admin = stack.token(f"bench-{uuid.uuid4().hex[:8]}@example.com")
    slug = stack.unique("bench")
    assert stack.call("POST", "/orgs", bearer=admin, body={"slug": slug, "name": "Bench", "seat_limit": 10000}).status == 201
    key = stack.call("POST", f"/orgs/{slug}/api-keys", bearer=admin, body={"name": "bench", "scope": "scim"}).json["key"]
    api_key = stack.call("POST", f"/orgs/{slug}/api-keys", bearer=admin,
                         body={"name": "baseline", "role": "admin"}).json["key"]
    base = f"/scim/v2/orgs/{slug}"

    def scim(method, path, body=None, query=""):
        return stack.call(method, base + path + query, bearer=key, body=body, content_type="application/scim+json")

    # Warm every function instance the runs use (cargo lambda watch starts them lazily).
    for _ in range(args.workers):
        stack.call("GET", f"/orgs/{slug}", bearer=admin)
        stack.call("GET", f"/orgs/{slug}", bearer=api_key)
        scim("GET", "/Users", query="?count=1")

    created: list[dict] = []
    emails = [f"u{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(args.requests)]

    def create(i):
        answer = scim("POST", "/Users", {"userName": emails[i], "emails": [{"value": emails[i], "primary": True}]})
        if answer.status == 201:
            created.append(answer.json)
        return answer

    results = []
    results.append(measure("GET /orgs/{org} (baseline)", args.requests, args.workers,
                           lambda i: stack.call("GET", f"/orgs/{slug}", bearer=admin)))
    # The same read with an API key: the authorizer's key lookup (a DynamoDB
    # read a person's token does not need) is in it, as in every SCIM request.
    results.append(measure("GET /orgs/{org} with an API key", args.requests, args.workers,
                           lambda i: stack.call("GET", f"/orgs/{slug}", bearer=api_key)))
    results.append(measure("SCIM POST /Users", args.requests, args.workers, create))
    results.append(measure("SCIM PATCH /Users/{id} (displayName)", args.requests, args.workers,
                           lambda i: scim("PATCH", f"/Users/{created[i % len(created)]['id']}",
                                          {"Operations": [{"op": "replace", "path": "displayName", "value": f"N{i}"}]})))
    results.append(measure("SCIM GET /Users?filter=userName eq", args.requests, args.workers,
                           lambda i: scim("GET", "/Users", query="?filter=" + stack_quote(f'userName eq "{emails[i]}"'))))
    listed = min(args.list_size, len(created))
    results.append(measure(f"SCIM GET /Users (list: {len(created)} users, count={listed})", max(20, args.requests // 10),
                           args.workers, lambda i: scim("GET", "/Users", query=f"?count={listed}")))

    # A group push of every user at once, linked to seats: the paced,
    # chunked write (and, past 15 s, 503 + Retry-After and the retry that
    # resumes it, as an identity provider would retry).
    if args.group_size:
        while len(created) < args.group_size:
            extra = f"g{len(created)}-{uuid.uuid4().hex[:6]}@example.com"
            answer = scim("POST", "/Users", {"userName": extra, "emails": [{"value": extra, "primary": True}]})
            assert answer.status == 201, answer
            created.append(answer.json)
        group = scim("POST", "/Groups", {"displayName": "Everyone"}).json
        linked = stack.call("PUT", f"/orgs/{slug}/directory/groups/{group['id']}", bearer=admin, body={"grants": "seat"})
        assert linked.status == 200, linked
        members = [{"value": u["id"]} for u in created[:args.group_size]]
        start, attempts = time.perf_counter(), 0
        while True:
            attempts += 1
            pushed = scim("PUT", f"/Groups/{group['id']}", {"displayName": "Everyone", "members": members})
            if pushed.status != 503:
                break
            time.sleep(int(pushed.headers.get("retry-after", "2")))
        took = time.perf_counter() - start
        seats = stack.call("GET", f"/orgs/{slug}", bearer=admin).json["seats_used"]
        print(f"group push of {len(members)} members linked to seats: {pushed.status} after {took:.1f} s, "
              f"{attempts} request(s), {seats} seats taken")

    base_rps, base_p50 = results[0]["rps"], results[0]["p50"]
    print(f"{'request':<52} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'rps ratio':>9} {'p50 ratio':>9} {'failed':>6}")
    for r in results:
        print(f"{r['name']:<52} {r['rps']:7.1f} {r['p50']:8.1f} {r['p99']:8.1f} "
              f"{r['rps'] / base_rps:9.2f} {r['p50'] / base_p50:9.2f} {r['failures']:6}")
    return 1 if any(r["failures"] for r in results) else 0


def stack_quote(text: str) -> str:
    import urllib.parse
    return urllib.parse.quote(text)


if __name__ == "__main__":
    sys.exit(main())
