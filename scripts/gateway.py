#!/usr/bin/env python3
"""The local stand-in for Roster's API Gateway HTTP API and its JWT authorizer,
in front of `cargo lambda watch`.

  gateway.py --port N --invoke-url http://127.0.0.1:M --issuer URL --audience CLIENT_ID
             [--audience ID ...] [--functions infra/functions.toml] [--invoke-timeout S]

Run it with the venv's Python (it needs PyJWT). It listens on 127.0.0.1:N
(0: a free port, printed on start) and for each request:

  - picks the route from infra/functions.toml (`routes` and `local_routes`)
    as API Gateway does: literal segments win over `{param}`, which wins over
    a greedy `{proxy+}`; a method of its own wins over ANY; one trailing slash
    is ignored. No route for the path and method: 404 {"message":"Not Found"};
  - on a route whose `auth` is "jwt" (the default), verifies the
    `Authorization` token as the JWT authorizer does: RS256, signed by a key
    of the issuer's JWKS (found through its discovery document, cached, and
    fetched again for a kid it does not know: key rotation), `iss` equal to
    --issuer, `aud` (or, without one, `client_id`) one of --audience, `exp`
    to come, `nbf` and `iat` past. Any failure: 401 {"message":"Unauthorized"}
    with API Gateway's `www-authenticate` header, and the function is not
    called. "public" routes have no authorizer; "iam" routes are passed on
    without one (SigV4 is not emulated locally);
  - invokes the route's function through cargo lambda watch's Lambda invoke
    API (POST {invoke-url}/2015-03-31/functions/{name}/invocations) with the
    payload format 2.0 event API Gateway would send, claims as strings under
    requestContext.authorizer.jwt;
  - passes Lambda's invoke API (`/2015-03-31/functions/...`, used by the
    pollers, `make invoke` and `make bounce`) through to cargo lambda watch
    unchanged: one URL serves the API, the console and the invoke API, as
    `ROSTER_API_URL` says;
  - answers with the function's result as API Gateway maps it: status,
    headers, `cookies` as Set-Cookie, the body base64-decoded when
    `isBase64Encoded`. A function error or a result that is no HTTP response:
    500 {"message":"Internal Server Error"}; the invoke API unreachable or
    too slow: 503 {"message":"Service Unavailable"}.

One log line per request on stderr (the route, not the path, which can name a
person; status, function, time); never a header value or a body.

Importable: load_routes, match_route, JwtAuthorizer, build_event,
http_response, make_server (a ThreadingHTTPServer; serve_forever it).
"""

import argparse
import base64
import binascii
import http.server
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jwt

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_TOML = ROOT / "infra" / "functions.toml"
AUTH_KINDS = ("jwt", "iam", "public")
# API Gateway's own ceiling on a request's payload.
MAX_BODY = 10 * 1024 * 1024
# cargo lambda watch compiles a function on its first invocation, which takes
# far longer than the 30 s API Gateway would wait.
DEFAULT_INVOKE_TIMEOUT = 600.0
# Connection-level headers: API Gateway does not pass the client's on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
# Bodies of these media types reach the function base64-encoded even when they
# happen to be valid UTF-8; any body that is not UTF-8 does too.
BINARY_TYPES = {
    "application/octet-stream",
    "application/gzip",
    "application/zip",
    "application/pdf",
    "application/x-tar",
    "application/x-protobuf",
    "application/wasm",
}
BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- routes -----------------------------------------------------------------


INVOKE_PREFIX = "/2015-03-31/functions/"
# cargo lambda watch 1.9.2's answer when its runtime API lost a function's response.
LOST_RESPONSE = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'


@dataclass(frozen=True)
class Route:
    method: str  # "GET", ..., or "ANY"
    path: str  # "/orgs/{org}/members/{user_id}"
    function: str
    auth: str  # one of AUTH_KINDS
    segments: tuple[str, ...]

    @property
    def key(self) -> str:
        """API Gateway's route key: `GET /orgs/{org}`."""
        return f"{self.method} {self.path}"


def _split(path: str) -> list[str]:
    return [] if path == "/" else path[1:].split("/")


def _param(segment: str) -> str | None:
    return segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None


def load_routes(path: Path | str = FUNCTIONS_TOML) -> list[Route]:
    """Every route of every function in functions.toml, deployed and local-only alike."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    routes: list[Route] = []
    seen: dict[str, str] = {}
    for fn in doc.get("function", []):
        auth = fn.get("auth", "jwt")
        if auth not in AUTH_KINDS:
            raise ValueError(f"{path}: function {fn['name']}: auth must be one of {AUTH_KINDS}, not {auth!r}")
        for spec in [*fn.get("routes", []), *fn.get("local_routes", [])]:
            method, _, route_path = spec.partition(" ")
            method = method.upper()
            if not route_path.startswith("/") or " " in route_path:
                raise ValueError(f"{path}: function {fn['name']}: route {spec!r} is not 'METHOD /path'")
            segments = tuple(_split(route_path))
            for i, seg in enumerate(segments):
                name = _param(seg)
                if name is not None and name.endswith("+") and i != len(segments) - 1:
                    raise ValueError(f"{path}: route {spec!r}: a greedy parameter must be the last segment")
            key = f"{method} {route_path}"
            if key in seen:
                raise ValueError(f"{path}: route {key} is declared by both {seen[key]} and {fn['name']}")
            seen[key] = fn["name"]
            routes.append(Route(method, route_path, fn["name"], auth, segments))
    return routes


def _match(template: tuple[str, ...], concrete: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity, path parameters) when the concrete segments fit the template.

    Specificity ranks each template segment (0 literal, 1 parameter, 2 greedy);
    the smaller tuple is the more specific route. Parameter values are
    percent-decoded, as API Gateway hands them over."""
    rank: list[int] = []
    params: dict[str, str] = {}
    for i, seg in enumerate(template):
        name = _param(seg)
        if name is not None and name.endswith("+"):
            rest = "/".join(concrete[i:])
            if not rest:
                return None
            params[name[:-1]] = urllib.parse.unquote(rest)
            rank.append(2)
            return tuple(rank), params
        if i >= len(concrete):
            return None
        if name is None:
            if seg != concrete[i]:
                return None
            rank.append(0)
        else:
            if not concrete[i]:
                return None  # a parameter never matches an empty segment
            params[name] = urllib.parse.unquote(concrete[i])
            rank.append(1)
    if len(template) != len(concrete):
        return None
    return tuple(rank), params


def match_route(routes: list[Route], method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would pick for this method and (still percent-encoded) path."""
    # HTTP APIs route /app/ as /app.
    path = raw_path[:-1] if len(raw_path) > 1 and raw_path.endswith("/") else raw_path
    concrete = _split(path)
    best = None
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        found = _match(route.segments, concrete)
        if found is None:
            continue
        # A route for this very method wins over ANY, then the more specific path.
        score = (route.method == "ANY", found[0])
        if best is None or score < best[0]:
            best = (score, route, found[1])
    return None if best is None else (best[1], best[2])


# --- the JWT authorizer -----------------------------------------------------


class Unauthorized(Exception):
    """The token is refused; the message is the www-authenticate error_description."""


def claim_string(value) -> str:
    """A claim value as API Gateway hands it to the function: always a string.

    Booleans `true`/`false`, numbers as decimal text, arrays `[a b c]` (seen
    deployed). Objects `map[k:v]` and null `<nil>` follow the same Go
    formatting; Roster's tokens carry neither."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{claim_string(v)}" for k, v in sorted(value.items())) + "]"
    if value is None:
        return "<nil>"
    return str(value)


class JwtAuthorizer:
    """API Gateway's JWT authorizer for one issuer and its audiences."""

    def __init__(self, issuer: str, audiences: list[str], fetch_timeout: float = 5.0):
        self.issuer = issuer
        self.audiences = list(audiences)
        self.fetch_timeout = fetch_timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._lock = threading.Lock()

    def _get_json(self, url: str) -> dict:
        with urllib.request.urlopen(url, timeout=self.fetch_timeout) as resp:
            return json.load(resp)

    def _fetch_keys(self) -> None:
        discovery = self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
        keys = {}
        for jwk in self._get_json(discovery["jwks_uri"]).get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("kid") and jwk.get("use", "sig") == "sig":
                keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256")
        self._keys = keys

    def _key(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            if kid not in self._keys:
                # An unknown kid: the issuer may have rotated its keys since.
                try:
                    self._fetch_keys()
                except (OSError, ValueError, KeyError) as err:
                    raise Unauthorized(f"cannot fetch the issuer's keys: {err}") from err
            return self._keys.get(kid)

    def authorize(self, authorization: str | None) -> dict:
        """The verified claims of the Authorization header's token, or Unauthorized."""
        token = (authorization or "").strip()
        # The identity source may hold the token alone or prefixed with Bearer.
        scheme, _, rest = token.partition(" ")
        if scheme.lower() == "bearer":
            token = rest.strip()
        if not token:
            raise Unauthorized("")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as err:
            raise Unauthorized("the token is malformed") from err
        alg = header.get("alg")
        if alg != "RS256":
            raise Unauthorized(f"signing method {alg} is invalid")
        kid = header.get("kid")
        key = self._key(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise Unauthorized("the token's kid matches no key of the issuer")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                options={"require": ["exp"], "verify_aud": False, "verify_iss": False},
            )
        except jwt.ExpiredSignatureError as err:
            raise Unauthorized("the token has expired") from err
        except jwt.ImmatureSignatureError as err:
            raise Unauthorized("the token is not valid yet") from err
        except jwt.InvalidSignatureError as err:
            raise Unauthorized("the token's signature is invalid") from err
        except jwt.MissingRequiredClaimError as err:
            raise Unauthorized("the token has no exp") from err
        except jwt.InvalidTokenError as err:
            raise Unauthorized("the token is invalid") from err
        if claims.get("iss") != self.issuer:
            raise Unauthorized("the token does not have a valid issuer")
        # client_id counts only when the token has no aud.
        aud = claims["aud"] if "aud" in claims else claims.get("client_id")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(a, str) and a in self.audiences for a in auds):
            raise Unauthorized("the token does not have a valid audience")
        return claims


def www_authenticate(description: str) -> str:
    """API Gateway's challenge: bare with no token, else naming the error."""
    if not description:
        return "Bearer"
    description = description.replace('"', "'")
    return f'Bearer scope="" error="invalid_token" error_description="{description}"'


# --- the event and the result -----------------------------------------------


def _is_binary(headers: dict[str, str], body: bytes) -> bool:
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in BINARY_TYPES or media_type.startswith(BINARY_PREFIXES):
        return True
    if headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def request_id() -> str:
    """Like API Gateway's (`cT02xZ1aFiAEJmQ=`)."""
    return base64.b64encode(secrets.token_bytes(11)).decode()


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    route: Route,
    path_params: dict[str, str],
    source_ip: str,
    port: int,
    req_id: str,
    claims: dict | None = None,
    now: float | None = None,
) -> dict:
    """The payload format 2.0 event API Gateway sends for this request."""
    now = time.time() if now is None else now
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        elif name not in HOP_BY_HOP:
            merged[name] = f"{merged[name]},{value}" if name in merged else value
    # What API Gateway adds on its way in.
    forwarded = merged.get("x-forwarded-for")
    merged["x-forwarded-for"] = f"{forwarded}, {source_ip}" if forwarded else source_ip
    merged["x-forwarded-port"] = str(port)
    merged["x-forwarded-proto"] = "http"
    merged["x-amzn-trace-id"] = f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"

    query: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value

    # Deployed HTTP APIs hand the path over percent-decoded.
    path = urllib.parse.unquote(raw_path)
    host = merged.get("host", "localhost")
    t = time.gmtime(now)
    context = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": req_id,
        "routeKey": route.key,
        "stage": "$default",
        "time": f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000",
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        # `scopes` is filled only for routes that require authorization
        # scopes, and Roster's routes require none.
        context["authorizer"] = {
            "jwt": {"claims": {k: claim_string(v) for k, v in claims.items()}, "scopes": None}
        }

    event: dict = {"version": "2.0", "routeKey": route.key, "rawPath": path, "rawQueryString": raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    event["requestContext"] = context
    encoded = False
    if body:
        encoded = _is_binary(merged, body)
        event["body"] = base64.b64encode(body).decode() if encoded else body.decode("utf-8")
    event["isBase64Encoded"] = encoded
    return event


class BadResult(Exception):
    """The function's result is not an HTTP response API Gateway would accept."""


def _header_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise BadResult(f"header value {value!r} is not a string")


def http_response(payload: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for a function's raw result, as API Gateway maps payload 2.0."""
    try:
        result = json.loads(payload)
    except ValueError as err:
        raise BadResult("the result is not JSON") from err
    if not isinstance(result, dict) or "statusCode" not in result:
        # Valid JSON without a statusCode is the body of a 200.
        return 200, [("content-type", "application/json")], payload
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadResult(f"statusCode {status!r} is not an HTTP status")
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    cookies = result.get("cookies") or []
    if not isinstance(headers, dict) or not isinstance(multi, dict) or not isinstance(cookies, list):
        raise BadResult("headers, multiValueHeaders or cookies has the wrong shape")
    out = [(str(k).lower(), _header_value(v)) for k, v in headers.items()]
    # lambda_http sends every header in both maps; `headers` wins for a name
    # in both, so none is repeated.
    named = {k for k, _ in out}
    for k, values in multi.items():
        if str(k).lower() in named:
            continue
        if not isinstance(values, list):
            raise BadResult(f"multiValueHeaders[{k!r}] is not a list")
        out += [(str(k).lower(), _header_value(v)) for v in values]
    for cookie in cookies:
        if not isinstance(cookie, str):
            raise BadResult("a cookie is not a string")
        out.append(("set-cookie", cookie))
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise BadResult("body is not a string")
    elif result.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as err:
            raise BadResult("body is not valid base64") from err
    else:
        data = body.encode("utf-8")
    # The length is the gateway's to set, for the body it sends.
    out = [(k, v) for k, v in out if k not in ("content-length", "transfer-encoding", "connection")]
    return status, out, data


# --- the server -------------------------------------------------------------


def _message(text: str) -> bytes:
    return json.dumps({"message": text}, separators=(",", ":")).encode()


class GatewayServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, routes, authorizer, invoke_url, invoke_timeout, log):
        super().__init__(address, _Handler)
        self.routes = routes
        self.authorizer = authorizer
        self.invoke_url = invoke_url.rstrip("/")
        self.invoke_timeout = invoke_timeout
        self.log = log

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        # A client gone mid-answer is routine; anything else keeps its traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            self.log(f"gateway: {client_address[0]} closed the connection early")
        else:
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def __getattr__(self, name):
        # Every method, whatever its name, goes through the route table.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_response(self, code, message=None):
        self.send_response_only(code, message)
        self.send_header("date", self.date_time_string())

    def log_message(self, format, *args):
        # http.server's own complaints (a malformed request line, say), the
        # query cut off like in every other line.
        line = re.sub(r"[?]\S*", "?...", format % args)
        self.server.log(f"gateway: {self.address_string()} {line}")

    def _read_body(self) -> bytes | None:
        """The request body; None when it exceeds API Gateway's limit."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(65537)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                size += n
                if size > MAX_BODY:
                    self.close_connection = True
                    return None
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes, req_id: str) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("apigw-requestid", req_id)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        started = time.monotonic()
        req_id = request_id()
        target = self.path
        if not target.startswith("/"):  # absolute-form request target
            parts = urllib.parse.urlsplit(target)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        raw_path, _, raw_query = target.partition("?")
        method = self.command.upper()
        found = match_route(self.server.routes, method, raw_path)
        status, headers, data, function, note = self._answer(method, raw_path, raw_query, req_id, found)
        self._reply(status, headers, data, req_id)
        ms = (time.monotonic() - started) * 1000
        note = f" ({note})" if note else ""
        # The route, not the path: a path can name a person (members/{user_id}).
        where = found[0].key if found else f"{self.command} (no route)"
        self.server.log(f"gateway: {where} {status} {function} {ms:.0f}ms{note}")

    def _answer(self, method: str, raw_path: str, raw_query: str, req_id: str, found):
        """(status, headers, body, function or "-", log note) for this request;
        found is its route and path parameters (match_route), or None."""
        json_type = [("content-type", "application/json")]
        try:
            body = self._read_body()
        except ValueError:  # a Content-Length or chunk size that is no number
            self.close_connection = True
            return 400, json_type, _message("Bad Request"), "-", "malformed body framing"
        if body is None:
            return 413, json_type, _message("Request Entity Too Large"), "-", ""
        if raw_path.startswith(INVOKE_PREFIX):
            status, headers, data, note = self._pass_through(method, raw_path, raw_query, body)
            return status, headers, data, "invoke API", note
        if found is None:
            return 404, json_type, _message("Not Found"), "-", ""
        route, params = found
        claims = None
        if route.auth == "jwt":
            try:
                claims = self.server.authorizer.authorize(self.headers.get("authorization"))
            except Unauthorized as err:
                headers = json_type + [("www-authenticate", www_authenticate(str(err)))]
                return 401, headers, _message("Unauthorized"), route.function, str(err) or "no token"
        event = build_event(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(self.headers.items()),
            body=body,
            route=route,
            path_params=params,
            source_ip=self.client_address[0],
            port=self.server.server_address[1],
            req_id=req_id,
            claims=claims,
        )
        status, headers, data, note = self._invoke(route.function, event)
        return status, headers, data, route.function, note

    def _pass_through(self, method: str, raw_path: str, raw_query: str, body: bytes):
        """Lambda's invoke API, as cargo lambda watch answers it."""
        url = self.server.invoke_url + raw_path + (f"?{raw_query}" if raw_query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "x-amz-invocation-type")}
        req = urllib.request.Request(url, data=body if method != "GET" else None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.server.invoke_timeout) as resp:
                return resp.status, _kept_headers(resp.headers), resp.read(), ""
        except urllib.error.HTTPError as err:
            return err.code, _kept_headers(err.headers), err.read(), ""
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            return 503, [("content-type", "application/json")], _message("Service Unavailable"), f"invoke failed: {reason}"

    def _invoke(self, function: str, event: dict):
        """(status, headers, body, log note) of the function's answer to event."""
        json_type = [("content-type", "application/json")]
        url = f"{self.server.invoke_url}/2015-03-31/functions/{urllib.parse.quote(function)}/invocations"
        req = urllib.request.Request(
            url, data=json.dumps(event).encode(), method="POST", headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.server.invoke_timeout) as resp:
                payload = resp.read()
                function_error = resp.headers.get("x-amz-function-error")
        except urllib.error.HTTPError as err:
            # cargo lambda watch answers a function's error with a 500, and a
            # response it lost on its runtime API (see tests/browser/local_router.py)
            # with LOST_RESPONSE, passed on as it is so that a client can tell.
            answer = err.read()
            if err.code == 500 and answer == LOST_RESPONSE:
                return 500, json_type, answer, "cargo lambda watch lost the response"
            return 500, json_type, _message("Internal Server Error"), f"invoke answered {err.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            return 503, json_type, _message("Service Unavailable"), f"invoke failed: {reason}"
        if function_error:
            return 500, json_type, _message("Internal Server Error"), f"function error: {function_error}"
        try:
            status, headers, data = http_response(payload)
        except BadResult as err:
            return 500, json_type, _message("Internal Server Error"), f"bad result: {err}"
        return status, headers, data, ""


def _kept_headers(headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_server(
    port: int,
    invoke_url: str,
    issuer: str,
    audiences: list[str] | str,
    routes: list[Route] | None = None,
    host: str = "127.0.0.1",
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
    log=_stderr,
) -> GatewayServer:
    """A bound (not yet serving) gateway; port 0 takes a free one (see .url)."""
    if isinstance(audiences, str):
        audiences = [audiences]
    authorizer = JwtAuthorizer(issuer, audiences)
    return GatewayServer(
        (host, port), load_routes() if routes is None else routes, authorizer, invoke_url, invoke_timeout, log
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True, help="0: a free port")
    p.add_argument("--invoke-url", required=True, help="cargo lambda watch, e.g. http://127.0.0.1:9001")
    p.add_argument("--issuer", required=True, help="the JWT authorizer's issuer, exactly as in the tokens")
    p.add_argument("--audience", action="append", required=True, help="an accepted aud (repeatable)")
    p.add_argument("--functions", default=str(FUNCTIONS_TOML), help="the route declarations")
    p.add_argument("--invoke-timeout", type=float, default=DEFAULT_INVOKE_TIMEOUT, help="seconds")
    args = p.parse_args()
    routes = load_routes(args.functions)
    server = make_server(args.port, args.invoke_url, args.issuer, args.audience, routes, invoke_timeout=args.invoke_timeout)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    _stderr(
        f"gateway: listening on {server.url} ({len(routes)} routes, functions at {args.invoke_url}, "
        f"issuer {args.issuer}, audience {' '.join(args.audience)}, pid {os.getpid()})"
    )
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
