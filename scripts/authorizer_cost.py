#!/usr/bin/env python3
"""What the `authorize` function costs per request, measured on this machine:
its cold start (process start to first answer) and its warm answer time for a
person's ID token and for an org API key, on a build you give it (release, for
numbers worth quoting), under the runtime API stand-in of the gateway tests
(tests/gateway/lambda_runtime.py). Run inside a local stack, whose provider
signs the token and whose emulator holds the key:

  scripts/stack.py run --name authz -- .venv/bin/python scripts/authorizer_cost.py \\
      /work/target-cs/release/authorize [N]

Prints the numbers and the gateway's own time for the same request end to end
(through `cargo lambda watch`'s debug build), for the ratio.
"""

import importlib.util
import json
import os
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "gateway"))
from lambda_runtime import RuntimeApi  # noqa: E402
from oidc_token import mint  # noqa: E402

spec = importlib.util.spec_from_file_location("gateway", ROOT / "scripts" / "gateway.py")
gateway = importlib.util.module_from_spec(spec)
sys.modules["gateway"] = gateway
spec.loader.exec_module(gateway)

API = os.environ["ROSTER_API_URL"]


def call(method: str, path: str, bearer: str, body=None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method,
                                 headers={"authorization": f"Bearer {bearer}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"null")


def request_for(slug: str, credential: str) -> dict:
    route = gateway.Route(method="GET", path="/orgs/{org}", function="get-org", auth="authorizer",
                          segments=("orgs", "{org}"))
    event = gateway.build_event(method="GET", raw_path=f"/orgs/{slug}", raw_query="",
                                headers=[("authorization", f"Bearer {credential}")], body=b"", route=route,
                                path_params={"org": slug}, source_ip="127.0.0.1", port=9000, req_id="bench")
    return gateway.authorizer_request(event, f"Bearer {credential}")


def ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples):.2f} ms, p95 {q[18]:.2f} ms"


def main() -> int:
    binary = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    token = mint(os.environ["ROSTER_OIDC_ISSUER"], os.environ["ROSTER_OIDC_CLIENT_ID"], f"{API}/app/callback", email)
    slug = f"authz-{uuid.uuid4().hex[:8]}"
    call("POST", "/orgs", token, {"slug": slug, "name": "Authorizer bench"})
    key = call("POST", f"/orgs/{slug}/api-keys", token, {"name": "bench", "role": "admin"})["key"]

    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "ROSTER_"))}
    env["RUST_LOG"] = "warn"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "authorizer-cost.log"
    started = time.perf_counter()
    runtime = RuntimeApi(binary, env, log)
    try:
        payload, failed = runtime.invoke(request_for(slug, token))
        cold = (time.perf_counter() - started) * 1000
        assert not failed and json.loads(payload)["context"]["principal"] == "person", payload
        results = {}
        for name, credential in (("ID token", token), ("API key", key)):
            event = request_for(slug, credential)
            runtime.invoke(event)  # the key's first use also records it
            samples = []
            for _ in range(n):
                t = time.perf_counter()
                payload, failed = runtime.invoke(event)
                samples.append((time.perf_counter() - t) * 1000)
                assert not failed, payload
            results[name] = samples
        end_to_end = []
        for _ in range(min(n, 50)):
            t = time.perf_counter()
            call("GET", f"/orgs/{slug}", token)
            end_to_end.append((time.perf_counter() - t) * 1000)
    finally:
        runtime.stop()
    print(f"authorize ({binary}), {n} warm invocations each:")
    print(f"  cold start to first answer (ID token, JWKS fetched): {cold:.1f} ms")
    for name, samples in results.items():
        print(f"  warm, {name}: {ms(samples)}")
    print(f"  for scale: GET /orgs/{{org}} end to end through the local gateway (debug builds): {ms(end_to_end)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
