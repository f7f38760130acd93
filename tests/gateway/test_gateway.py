"""The local API Gateway (scripts/gateway.py) with the real `authorize`
function (built here, run under tests/gateway/lambda_runtime.py's runtime API)
against the real local OpenID Connect provider (scripts/oidc/server.mjs,
started here on a free port with a keys file of its own), and a fake of
`cargo lambda watch`'s invoke API for every other function, which records
each event and answers a canned result: what reaches a function, what never
does, and what the client gets back.

Needs node, `npm ci --prefix scripts/oidc` and cargo; no stack, no emulator
(an ID token costs the authorizer no DynamoDB call).
"""

import base64
import hashlib
import hmac
import http.client
import importlib.util
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lambda_runtime import RuntimeApi

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    # By path: scripts/ on sys.path would shadow tests/stack/stack.py with scripts/stack.py.
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


gateway = _load("gateway")
oidc_token = _load("oidc_token")

SERVER = ROOT / "scripts" / "oidc" / "server.mjs"
CLIENT_ID = "roster-console"
DEV_SECRET = "roster-local-dev-secret"  # the HS256 secret of the dev path being removed

ROUTES = """
[[function]]
name = "secure"
routes = ["GET /secure", "POST /secure/{id}"]

[[function]]
name = "open"
routes = ["GET /open", "HEAD /open", "OPTIONS /open"]
auth = "public"

[[function]]
name = "service"
routes = ["POST /service"]
auth = "iam"

[[function]]
name = "item-literal"
routes = ["GET /items/special"]
auth = "public"

[[function]]
name = "item-param"
routes = ["GET /items/{id}"]
auth = "public"

[[function]]
name = "item-proxy"
routes = ["GET /items/{proxy+}"]
auth = "public"

[[function]]
name = "app"
routes = ["GET /app"]
local_routes = ["POST /app/local"]
auth = "public"
"""

OK_RESULT = {
    "statusCode": 200,
    "headers": {"content-type": "application/json"},
    "body": '{"ok":true}',
    "isBase64Encoded": False,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))


def hs256(claims: dict, secret: bytes, kid: str) -> str:
    """An HS256 token, signed by hand (PyJWT refuses a PEM as an HMAC secret)."""
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


class Provider:
    """scripts/oidc/server.mjs on a free port, with its keys in a temporary file."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = f"http://127.0.0.1:{free_port()}/app/callback"
        self.keys_file = tmp / "keys.json"
        self.log = tmp / "oidc.log"
        self.proc: subprocess.Popen | None = None

    def start(self, rotate: bool = False) -> None:
        node = shutil.which("node")
        if not node:
            pytest.fail("node is not installed")
        if not (SERVER.parent / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("oidc-provider is not installed: npm ci --prefix scripts/oidc")
        cmd = [node, str(SERVER), "--port", str(self.port), "--issuer", self.issuer, "--client-id", CLIENT_ID,
               "--redirect-uris", self.redirect_uri, "--keys-file", str(self.keys_file)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd + (["--rotate"] if rotate else []), stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the provider exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"the provider did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tokens(self, email: str, verified: bool = True) -> dict:
        return oidc_token.tokens(self.issuer, CLIENT_ID, self.redirect_uri, email, verified)

    def mint(self, email: str, verified: bool = True) -> str:
        return oidc_token.mint(self.issuer, CLIENT_ID, self.redirect_uri, email, verified)

    def signing_jwk(self) -> dict:
        return json.loads(self.keys_file.read_text())["keys"][0]

    def forge(self, **overrides) -> str:
        """A token signed with the provider's own key, with claims of our choosing."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "forged@example.com", "email": "forged@example.com",
                  "email_verified": True, "iat": now, "exp": now + 300}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        jwk = self.signing_jwk()
        return jwt.encode(claims, jwt.PyJWK(jwk).key, algorithm="RS256", headers={"kid": jwk["kid"]})


class FakeLambda:
    """cargo lambda watch's invoke API: records (function, event), answers
    `result`; the authorizer's invocations go to the real one."""

    def __init__(self):
        self.authorizer: RuntimeApi | None = None
        self.calls: list[tuple[str, dict]] = []
        self.result = OK_RESULT
        self.status = 200
        self.delay = 0.0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                m = re.fullmatch(r"/2015-03-31/functions/([^/]+)/invocations", self.path)
                event = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if m.group(1) == gateway.AUTHORIZER and fake.authorizer:
                    payload, failed = fake.authorizer.invoke(event)
                    self.send_response(200)
                    if failed:
                        self.send_header("x-amz-function-error", "Unhandled")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                fake.calls.append((m.group(1), event))
                time.sleep(fake.delay)
                result = fake.result
                data = result if isinstance(result, bytes) else json.dumps(result).encode()
                self.send_response(fake.status)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self):
        self.calls.clear()
        self.result, self.status, self.delay = OK_RESULT, 200, 0.0

    @property
    def events(self) -> list[dict]:
        return [event for _, event in self.calls]


def serve(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    p = Provider(tmp_path_factory.mktemp("oidc"))
    p.start()
    yield p
    p.stop()


def authorize_binary() -> Path:
    """target/debug/authorize, built now (a no-op when it is up to date)."""
    cargo = shutil.which("cargo")
    if not cargo:
        pytest.fail("cargo is not installed")
    subprocess.run([cargo, "build", "--quiet", "-p", "authorize"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return (target if target.is_absolute() else ROOT / target) / "debug" / "authorize"


@pytest.fixture(scope="module")
def authorizer(provider, tmp_path_factory):
    env = {
        "ROSTER_OIDC_ISSUER": provider.issuer,
        "ROSTER_OIDC_AUDIENCE": CLIENT_ID,
        # Configuration every function reads; ID tokens cost no DynamoDB call,
        # so the endpoint is one nothing listens on.
        "ROSTER_TABLE": "roster-gateway-tests",
        "ROSTER_MAIL_FROM": "noreply@roster.local",
        "ROSTER_WEB_URL": "http://127.0.0.1/app",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "RUST_LOG": "info",
    }
    runtime = RuntimeApi(authorize_binary(), env, tmp_path_factory.mktemp("authorize") / "authorize.log")
    yield runtime
    runtime.stop()


@pytest.fixture(scope="module")
def fake_lambda(authorizer):
    fake = FakeLambda()
    fake.authorizer = authorizer
    serve(fake.server)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    path = tmp_path_factory.mktemp("routes") / "functions.toml"
    path.write_text(ROUTES)
    return gateway.load_routes(path)


@pytest.fixture(scope="module")
def gw(provider, fake_lambda, routes):
    lines: list[str] = []
    server = gateway.make_server(0, fake_lambda.url, routes, log=lines.append)
    server.log_lines = lines
    serve(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fresh_fake(request):
    if "fake_lambda" in request.fixturenames:
        request.getfixturevalue("fake_lambda").reset()


def call(gw, method: str, path: str, headers=(), body: bytes | None = None):
    """(status, [(header, value)], body) of one request, headers sent exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", gw.server_address[1], timeout=10)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("content-length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def header(headers, name: str) -> str | None:
    values = [v for k, v in headers if k.lower() == name]
    return values[0] if values else None


def bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


# --- the authorizer ---------------------------------------------------------


def principal(fake_lambda) -> dict:
    """What the authorizer handed the one function called."""
    [(_, event)] = fake_lambda.calls
    return event["requestContext"]["authorizer"]["lambda"]


def test_a_verified_users_id_token_reaches_the_function_as_the_authorizers_person(gw, provider, fake_lambda):
    who = email()
    status, _, body = call(gw, "GET", "/secure", bearer(provider.mint(who)))
    assert (status, json.loads(body)) == (200, {"ok": True})
    [(function, _)] = fake_lambda.calls
    assert function == "secure"
    # Only the claims Roster reads, every value a string.
    assert principal(fake_lambda) == {"principal": "person", "sub": who, "email": who, "email_verified": "true"}


def test_an_unverified_users_email_verified_claim_arrives_as_the_string_false(gw, provider, fake_lambda):
    status, _, _ = call(gw, "GET", "/secure", bearer(provider.mint(email(), verified=False)))
    assert status == 200
    assert principal(fake_lambda)["email_verified"] == "false"


def test_the_providers_access_token_is_accepted_too_and_carries_the_email_claims(gw, provider, fake_lambda):
    who = email()
    access = provider.tokens(who)["access_token"]
    status, _, _ = call(gw, "GET", "/secure", bearer(access))
    assert status == 200
    person = principal(fake_lambda)
    assert (person["email"], person["email_verified"]) == (who, "true")


def test_a_token_without_the_bearer_prefix_is_accepted_as_api_gateway_does(gw, provider, fake_lambda):
    assert call(gw, "GET", "/secure", [("Authorization", provider.forge())])[0] == 200
    assert principal(fake_lambda)["principal"] == "person"


def test_a_string_email_verified_claim_is_passed_on_as_sent(gw, provider, fake_lambda):
    # Some providers send "True": the function decides what it means.
    assert call(gw, "GET", "/secure", bearer(provider.forge(email_verified="True")))[0] == 200
    assert principal(fake_lambda)["email_verified"] == "True"


def test_client_id_stands_for_a_missing_aud_but_never_overrides_a_wrong_one(gw, provider, fake_lambda):
    assert call(gw, "GET", "/secure", bearer(provider.forge(aud=None, client_id=CLIENT_ID)))[0] == 200
    assert principal(fake_lambda)["principal"] == "person"
    fake_lambda.reset()
    call(gw, "GET", "/secure", bearer(provider.forge(aud="other", client_id=CLIENT_ID)))
    assert principal(fake_lambda) == {"principal": "refused", "reason": "the token does not have a valid audience"}


def _other_rsa_key_token(p: Provider) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": p.issuer, "aud": CLIENT_ID, "sub": "x", "iat": now, "exp": now + 300}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": p.signing_jwk()["kid"]})


def _tampered(p: Provider) -> str:
    head, _, sig = p.forge().split(".")
    claims = {"iss": p.issuer, "aud": CLIENT_ID, "sub": "admin@example.com", "exp": int(time.time()) + 300}
    return f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"


def _public_key_as_hmac_secret(p: Provider) -> str:
    # The classic algorithm confusion: HS256 keyed with the RSA public key.
    from cryptography.hazmat.primitives import serialization

    public = jwt.PyJWK(p.signing_jwk()).key.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    return hs256({"iss": p.issuer, "aud": CLIENT_ID, "sub": "x", "exp": now + 300}, pem, p.signing_jwk()["kid"])


REFUSED = {
    "missing": (lambda p: None, None),
    "empty bearer": (lambda p: "Bearer ", "the token is malformed"),
    "garbage": (lambda p: "Bearer not-a-jwt", "the token is malformed"),
    "expired": (lambda p: "Bearer " + p.forge(iat=int(time.time()) - 600, exp=int(time.time()) - 60),
                "the token has expired"),
    "not valid yet": (lambda p: "Bearer " + p.forge(nbf=int(time.time()) + 600), "the token is not valid yet"),
    "without exp": (lambda p: "Bearer " + p.forge(exp=None), "the token has no exp"),
    "wrong issuer": (lambda p: "Bearer " + p.forge(iss="http://127.0.0.1:1"), "the token does not have a valid issuer"),
    "issuer spelled localhost": (lambda p: "Bearer " + p.forge(iss=p.issuer.replace("127.0.0.1", "localhost")),
                                 "the token does not have a valid issuer"),
    "wrong audience": (lambda p: "Bearer " + p.forge(aud="someone-else"), "the token does not have a valid audience"),
    "no audience at all": (lambda p: "Bearer " + p.forge(aud=None), "the token does not have a valid audience"),
    "HS256 dev token": (lambda p: "Bearer " + hs256({"sub": "x", "exp": int(time.time()) + 300}, DEV_SECRET.encode(),
                                                     p.signing_jwk()["kid"]), "signing method HS256 is invalid"),
    "HS256 keyed with the public key": (lambda p: "Bearer " + _public_key_as_hmac_secret(p),
                                        "signing method HS256 is invalid"),
    "alg none": (lambda p: "Bearer " + unsigned({"alg": "none", "kid": p.signing_jwk()["kid"]},
                                                {"iss": p.issuer, "aud": CLIENT_ID, "exp": int(time.time()) + 300}) + ".",
                 "signing method none is invalid"),
    "signed by another key": (lambda p: "Bearer " + _other_rsa_key_token(p), "the token's signature is invalid"),
    "tampered claims": (lambda p: "Bearer " + _tampered(p), "the token's signature is invalid"),
    "unknown kid": (lambda p: "Bearer " + jwt.encode({"exp": int(time.time()) + 300},
                                                     jwt.PyJWK(p.signing_jwk()).key, algorithm="RS256",
                                                     headers={"kid": "no-such-key"}),
                    "the token's kid matches no key of the issuer"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_refused_token_reaches_no_function_as_a_person(gw, provider, fake_lambda, case):
    """No token: API Gateway's own 401. Any other refused token: the function
    is told why (and answers a 401 problem naming it: tests/stack)."""
    make, description = REFUSED[case]
    value = make(provider)
    status, headers, body = call(gw, "GET", "/secure", [] if value is None else [("Authorization", value)])
    if description is None:
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
        assert header(headers, "www-authenticate") == "Bearer"
        assert fake_lambda.calls == []
    else:
        assert status == 200  # the fake function's answer
        assert principal(fake_lambda) == {"principal": "refused", "reason": description}


def test_after_key_rotation_tokens_of_the_old_and_the_new_key_both_verify(gw, provider, fake_lambda):
    old = provider.mint(email())
    call(gw, "GET", "/secure", bearer(old))  # the authorizer now holds the old JWKS
    assert principal(fake_lambda)["principal"] == "person"
    provider.stop()
    provider.start(rotate=True)
    kids = [k["kid"] for k in json.loads(provider.keys_file.read_text())["keys"]]
    assert len(kids) == 2
    new = provider.mint(email())
    assert jwt.get_unverified_header(new)["kid"] == kids[0] != jwt.get_unverified_header(old)["kid"] == kids[1]
    # The new kid is unknown: the authorizer fetches the JWKS again (at most
    # once a second, so that made-up kids cannot make every request a fetch).
    time.sleep(1.1)
    for token in (new, old):
        fake_lambda.reset()
        call(gw, "GET", "/secure", bearer(token))
        assert principal(fake_lambda)["principal"] == "person", token


def test_an_authorizer_that_refuses_or_fails_is_answered_as_api_gateway_does(gw, provider, fake_lambda):
    real = fake_lambda.authorizer
    try:
        fake_lambda.authorizer = None  # the fake answers the authorizer's invocations
        fake_lambda.result = {"isAuthorized": False}
        status, _, body = call(gw, "GET", "/secure", bearer(provider.forge()))
        assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
        fake_lambda.result = {"errorType": "Panic"}
        fake_lambda.status = 500
        status, _, body = call(gw, "GET", "/secure", bearer(provider.forge()))
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
        assert [f for f, _ in fake_lambda.calls] == [gateway.AUTHORIZER] * 2
    finally:
        fake_lambda.authorizer = real


def test_public_routes_need_no_token_and_carry_no_authorizer(gw, fake_lambda):
    assert call(gw, "GET", "/open")[0] == 200
    # Not even a broken token is looked at.
    assert call(gw, "GET", "/open", [("Authorization", "Bearer garbage")])[0] == 200
    assert all("authorizer" not in e["requestContext"] for e in fake_lambda.events)
    assert len(fake_lambda.calls) == 2


def test_iam_routes_pass_through_without_an_authorizer(gw, fake_lambda):
    status, _, _ = call(gw, "POST", "/service", [("content-type", "application/json")], b"{}")
    assert status == 200
    [(function, event)] = fake_lambda.calls
    assert function == "service" and "authorizer" not in event["requestContext"]


def test_lambdas_invoke_api_passes_through_unchanged_with_no_token(gw, fake_lambda):
    # The pollers, `make invoke` and `make bounce` reach functions this way, as
    # ROSTER_API_URL promises; the event is theirs, not one the gateway builds.
    event = {"Records": [{"eventName": "INSERT"}]}
    status, _, body = call(gw, "POST", "/2015-03-31/functions/deliver-email/invocations",
                           [("content-type", "application/json")], json.dumps(event).encode())
    assert status == 200
    assert fake_lambda.calls == [("deliver-email", event)]
    assert json.loads(body) == fake_lambda.result


# --- routes -----------------------------------------------------------------


def test_the_most_specific_route_wins_literal_then_parameter_then_greedy(gw, fake_lambda):
    for path in ("/items/special", "/items/42", "/items/42/a/b%20c"):
        assert call(gw, "GET", path)[0] == 200
    picked = [(f, e["routeKey"], e.get("pathParameters")) for f, e in fake_lambda.calls]
    assert picked == [
        ("item-literal", "GET /items/special", None),
        ("item-param", "GET /items/{id}", {"id": "42"}),
        ("item-proxy", "GET /items/{proxy+}", {"proxy": "42/a/b c"}),
    ]


def test_unknown_paths_and_other_methods_get_404_before_any_token_check(gw, fake_lambda):
    for method, path in (("GET", "/nowhere"), ("DELETE", "/items/42"), ("POST", "/secure"), ("GET", "/items")):
        status, headers, body = call(gw, method, path)
        assert (status, json.loads(body)) == (404, {"message": "Not Found"}), (method, path)
        assert header(headers, "content-type") == "application/json"
    assert fake_lambda.calls == []


def test_a_trailing_slash_is_routed_like_the_bare_path_and_local_routes_are_served(gw, fake_lambda):
    assert call(gw, "GET", "/app/")[0] == 200
    assert call(gw, "POST", "/app/local", body=b"")[0] == 200
    assert [(f, e["routeKey"], e["rawPath"]) for f, e in fake_lambda.calls] == [
        ("app", "GET /app", "/app/"),
        ("app", "POST /app/local", "/app/local"),
    ]


def test_head_and_options_are_routed_like_any_other_method(gw, fake_lambda):
    status, headers, body = call(gw, "HEAD", "/open")
    assert (status, body) == (200, b"")
    assert header(headers, "content-length") == str(len(OK_RESULT["body"]))
    assert call(gw, "OPTIONS", "/open")[0] == 200
    assert [e["requestContext"]["http"]["method"] for e in fake_lambda.events] == ["HEAD", "OPTIONS"]


def test_every_route_of_the_repository_resolves_to_itself():
    routes = gateway.load_routes()
    assert routes and {r.auth for r in routes} <= set(gateway.AUTH_KINDS)
    for route in routes:
        concrete = "/".join("x1" if seg.startswith("{") else seg for seg in route.path.split("/"))
        found = gateway.match_route(routes, route.method, concrete)
        assert found and found[0] == route, route.key


# --- the event --------------------------------------------------------------


def test_cookies_headers_and_query_reach_the_function_as_api_gateway_maps_them(gw, fake_lambda):
    before = time.time()
    status, headers, _ = call(
        gw,
        "GET",
        "/open?a=1&a=2&b=x%20y&empty=",
        [("Cookie", "s=1; t=2"), ("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "pytest-agent"),
         ("X-Mixed-Case", "v")],
    )
    assert status == 200
    event = fake_lambda.events[0]
    assert event["version"] == "2.0" and event["routeKey"] == "GET /open"
    assert (event["rawPath"], event["rawQueryString"]) == ("/open", "a=1&a=2&b=x%20y&empty=")
    assert event["cookies"] == ["s=1", "t=2"]
    h = event["headers"]
    assert "cookie" not in h and all(k == k.lower() for k in h)
    assert (h["x-multi"], h["x-mixed-case"], h["user-agent"]) == ("one,two", "v", "pytest-agent")
    assert h["x-forwarded-for"] == "127.0.0.1" and h["x-forwarded-proto"] == "http"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "empty": ""}
    assert "pathParameters" not in event and "body" not in event and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"] == {"method": "GET", "path": "/open", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                           "userAgent": "pytest-agent"}
    assert (ctx["routeKey"], ctx["stage"]) == ("GET /open", "$default")
    assert ctx["requestId"] == header(headers, "apigw-requestid")
    assert ctx["domainName"] == f"127.0.0.1:{gw.server_address[1]}"
    assert before * 1000 - 1000 <= ctx["timeEpoch"] <= time.time() * 1000 + 1000
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", ctx["time"])


def test_a_json_body_and_path_parameters_arrive_as_text(gw, provider, fake_lambda):
    body = json.dumps({"name": "Zoë"}).encode()
    headers = bearer(provider.forge()) + [("Content-Type", "application/json")]
    assert call(gw, "POST", "/secure/a%40b", headers, body)[0] == 200
    event = fake_lambda.events[0]
    assert (event["body"], event["isBase64Encoded"]) == (body.decode(), False)
    assert event["pathParameters"] == {"id": "a@b"}
    assert event["rawPath"] == "/secure/a@b"  # HTTP APIs hand the path over decoded


def test_a_body_that_is_not_utf8_arrives_base64_encoded(gw, fake_lambda):
    raw = b"\xff\xfe\x00binary"
    assert call(gw, "POST", "/service", [("Content-Type", "text/plain")], raw)[0] == 200
    event = fake_lambda.events[0]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw


def test_a_binary_media_type_arrives_base64_encoded_even_when_it_is_utf8(gw, fake_lambda):
    assert call(gw, "POST", "/service", [("Content-Type", "application/octet-stream")], b"abc")[0] == 200
    event = fake_lambda.events[0]
    assert (event["isBase64Encoded"], event["body"]) == (True, base64.b64encode(b"abc").decode())


# --- the result -------------------------------------------------------------


def test_a_base64_result_body_is_decoded_for_the_client(gw, fake_lambda):
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    fake_lambda.result = {"statusCode": 200, "headers": {"content-type": "image/png"},
                          "body": base64.b64encode(png).decode(), "isBase64Encoded": True}
    status, headers, body = call(gw, "GET", "/open")
    assert (status, body, header(headers, "content-type")) == (200, png, "image/png")


def test_result_cookies_become_set_cookie_headers_and_headers_are_not_repeated(gw, fake_lambda):
    fake_lambda.result = {
        "statusCode": 201,
        "headers": {"x-one": "1", "content-type": "text/plain"},
        "multiValueHeaders": {"x-one": ["1"], "x-two": ["a", "b"]},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "made",
    }
    status, headers, body = call(gw, "GET", "/open")
    assert (status, body) == (201, b"made")
    assert [v for k, v in headers if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]
    assert [v for k, v in headers if k.lower() == "x-one"] == ["1"]
    assert [v for k, v in headers if k.lower() == "x-two"] == ["a", "b"]


def test_json_without_a_status_code_is_the_body_of_a_200(gw, fake_lambda):
    fake_lambda.result = {"hello": "world"}
    status, headers, body = call(gw, "GET", "/open")
    assert (status, json.loads(body), header(headers, "content-type")) == (200, {"hello": "world"}, "application/json")


BAD_RESULTS = {
    "not JSON": b"<html>",
    "status code not a number": {"statusCode": "200", "body": ""},
    "body not a string": {"statusCode": 200, "body": {"nested": True}},
    "invalid base64 body": {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
    "headers not an object": {"statusCode": 200, "headers": ["x"], "body": ""},
}


@pytest.mark.parametrize("case", BAD_RESULTS, ids=list(BAD_RESULTS))
def test_a_result_that_is_no_http_response_is_a_500(gw, fake_lambda, case):
    fake_lambda.result = BAD_RESULTS[case]
    status, _, body = call(gw, "GET", "/open")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_a_function_error_is_a_500(gw, fake_lambda):
    # cargo lambda watch answers a function's error with a 500 and the error.
    fake_lambda.status, fake_lambda.result = 500, {"errorType": "Panic", "errorMessage": "boom"}
    status, _, body = call(gw, "GET", "/open")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_an_unreachable_invoke_api_is_a_503(provider, routes):
    server = gateway.make_server(0, f"http://127.0.0.1:{free_port()}", routes, log=lambda line: None)
    serve(server)
    try:
        status, _, body = call(server, "GET", "/open")
    finally:
        server.shutdown()
        server.server_close()
    assert (status, json.loads(body)) == (503, {"message": "Service Unavailable"})


# --- the server -------------------------------------------------------------


def test_requests_are_served_concurrently(gw, fake_lambda):
    fake_lambda.delay = 0.4
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(call(gw, "GET", "/open")[0])) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    assert time.monotonic() - started < 1.2


def test_the_log_has_one_line_per_request_and_never_a_token_a_query_a_body_or_a_path(gw, provider):
    token = provider.forge()
    gw.log_lines.clear()
    call(gw, "POST", "/secure/bob%40example.com?secret=query-value", bearer(token) + [("Cookie", "sid=cookie-value")],
         b'{"secret":"body-value"}')
    call(gw, "GET", "/secure", [("Authorization", "Bearer " + token[:-4] + "AAAA")])
    call(gw, "GET", "/nowhere/bob%40example.com")
    assert len(gw.log_lines) == 3
    # The route, never the path: a path can name a person.
    assert gw.log_lines[0].startswith("gateway: POST /secure/{id} 200 secure "), gw.log_lines[0]
    assert gw.log_lines[1].startswith("gateway: GET /secure 200 secure ")  # refused: the function says 401
    assert gw.log_lines[2].startswith("gateway: GET (no route) 404 ")
    log = "\n".join(gw.log_lines)
    for secret in (token[:20], token[-20:], "query-value", "cookie-value", "body-value", "bob"):
        assert secret not in log
