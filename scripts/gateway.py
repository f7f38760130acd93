#!/usr/bin/env python3
"""The local stand-in for Roster's API Gateway HTTP API and its Lambda
authorizer, in front of `cargo lambda watch`.

  gateway.py --port N --invoke-url http://127.0.0.1:M
             [--functions infra/functions.toml] [--invoke-timeout S]

It listens on 127.0.0.1:N (0: a free port, printed on start) and for each
request:

  - picks the route from infra/functions.toml (`routes` and `local_routes`)
    as API Gateway does: literal segments win over `{param}`, which wins over
    a greedy `{proxy+}`; a method of its own wins over ANY; one trailing slash
    is ignored. No route for the path and method: 404 {"message":"Not Found"};
  - on a route whose `auth` is "authorizer" (the default), runs the
    `authorize` function first, as API Gateway runs the HTTP API's Lambda
    authorizer (payload format 2.0, simple responses, no cache): no
    `Authorization` header is 401 {"message":"Unauthorized"} without it;
    `isAuthorized: false` is 403 {"message":"Forbidden"}; an authorizer that
    fails is 500. Its `context` reaches the function as
    requestContext.authorizer.lambda. The ID token and API key checks are
    the authorize function's own (shared/src/authorizer), the same code as
    deployed. "public" routes have no authorizer; "iam" routes are passed on
    without one (SigV4 is not emulated locally);
  - invokes the route's function through cargo lambda watch's Lambda invoke
    API (POST {invoke-url}/2015-03-31/functions/{name}/invocations) with the
    payload format 2.0 event API Gateway would send;
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

Importable: load_routes, match_route, authorizer_request, build_event,
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


ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_TOML = ROOT / "infra" / "functions.toml"
AUTH_KINDS = ("authorizer", "iam", "public")
# The function API Gateway runs before each "authorizer" route (infra/functions.toml).
AUTHORIZER = "authorize"
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
        auth = fn.get("auth", "authorizer")
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


# --- the authorizer ---------------------------------------------------------


def authorizer_request(event: dict, authorization: str) -> dict:
    """What API Gateway sends a Lambda authorizer (payload format 2.0) for the
    request `event` describes (built without an authorizer context)."""
    ctx = event["requestContext"]
    request = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:us-east-1:123456789012:local/$default/{ctx['http']['method']}{event['rawPath']}",
        "identitySource": [authorization],
        "routeKey": event["routeKey"],
        "rawPath": event["rawPath"],
        "rawQueryString": event["rawQueryString"],
        "headers": event["headers"],
        "requestContext": ctx,
    }
    for optional in ("cookies", "queryStringParameters", "pathParameters"):
        if optional in event:
            request[optional] = event[optional]
    return request


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
    authorizer: dict | None = None,
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
    if authorizer is not None:
        # A simple response's context, as API Gateway passes it on.
        context["authorizer"] = {"lambda": authorizer}

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
        ms = (time.monotonic() - started) * 1000
        note = f" ({note})" if note else ""
        # The route, not the path: a path can name a person (members/{user_id}).
        where = found[0].key if found else f"{self.command} (no route)"
        # Logged before the reply is written, so a caller that has its answer
        # finds the request's line already in the log (tests read it at once).
        self.server.log(f"gateway: {where} {status} {function} {ms:.0f}ms{note}")
        self._reply(status, headers, data, req_id)

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
        )
        if route.auth == "authorizer":
            # The identity source: without it API Gateway answers 401 itself.
            authorization = self.headers.get("authorization") or ""
            if not authorization.strip():
                headers = json_type + [("www-authenticate", "Bearer")]
                return 401, headers, _message("Unauthorized"), route.function, "no token"
            refused = self._authorize(event, authorization)
            if refused:
                return refused
        status, headers, data, note = self._invoke(route.function, event)
        return status, headers, data, route.function, note

    def _authorize(self, event: dict, authorization: str):
        """Runs the authorizer function as API Gateway does: its context joins
        `event`; None, or the answer when it does not authorize."""
        json_type = [("content-type", "application/json")]
        fn = self.server.authorizer
        try:
            result = json.loads(self._call(fn, authorizer_request(event, authorization)))
        except LambdaFailed as err:
            return 500, json_type, _message("Internal Server Error"), fn, f"authorizer: {err}"
        except ValueError:
            return 500, json_type, _message("Internal Server Error"), fn, "authorizer: not JSON"
        if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
            return 500, json_type, _message("Internal Server Error"), fn, "authorizer: no isAuthorized"
        if not result["isAuthorized"]:
            return 403, json_type, _message("Forbidden"), fn, "authorizer refused"
        context = result.get("context") or {}
        event["requestContext"]["authorizer"] = {"lambda": context}
        return None

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

    def _call(self, function: str, event: dict) -> bytes:
        """The payload `function` answers `event` with, through the invoke API."""
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
                raise LambdaFailed("cargo lambda watch lost the response", lost=True) from err
            raise LambdaFailed(f"invoke answered {err.code}") from err
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise LambdaFailed(f"invoke failed: {reason}", unreachable=True) from err
        if function_error:
            raise LambdaFailed(f"function error: {function_error}")
        return payload

    def _invoke(self, function: str, event: dict):
        """(status, headers, body, log note) of the function's answer to event."""
        json_type = [("content-type", "application/json")]
        try:
            payload = self._call(function, event)
        except LambdaFailed as err:
            if err.lost:
                return 500, json_type, LOST_RESPONSE, str(err)
            if err.unreachable:
                return 503, json_type, _message("Service Unavailable"), str(err)
            return 500, json_type, _message("Internal Server Error"), str(err)
        try:
            status, headers, data = http_response(payload)
        except BadResult as err:
            return 500, json_type, _message("Internal Server Error"), f"bad result: {err}"
        return status, headers, data, ""


class LambdaFailed(Exception):
    """An invocation that brought no result: lost, unreachable or failed."""

    def __init__(self, message: str, lost: bool = False, unreachable: bool = False):
        super().__init__(message)
        self.lost, self.unreachable = lost, unreachable


def _kept_headers(headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_server(
    port: int,
    invoke_url: str,
    routes: list[Route] | None = None,
    host: str = "127.0.0.1",
    invoke_timeout: float = DEFAULT_INVOKE_TIMEOUT,
    log=_stderr,
    authorizer: str = AUTHORIZER,
) -> GatewayServer:
    """A bound (not yet serving) gateway; port 0 takes a free one (see .url)."""
    return GatewayServer(
        (host, port), load_routes() if routes is None else routes, authorizer, invoke_url, invoke_timeout, log
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True, help="0: a free port")
    p.add_argument("--invoke-url", required=True, help="cargo lambda watch, e.g. http://127.0.0.1:9001")
    p.add_argument("--functions", default=str(FUNCTIONS_TOML), help="the route declarations")
    p.add_argument("--invoke-timeout", type=float, default=DEFAULT_INVOKE_TIMEOUT, help="seconds")
    args = p.parse_args()
    routes = load_routes(args.functions)
    server = make_server(args.port, args.invoke_url, routes, invoke_timeout=args.invoke_timeout)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    _stderr(
        f"gateway: listening on {server.url} ({len(routes)} routes, functions and the {AUTHORIZER} "
        f"authorizer at {args.invoke_url}, pid {os.getpid()})"
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
