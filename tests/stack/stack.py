"""Helpers for the tests that run against a local stack (scripts/stack.py):
HTTP calls to $ROSTER_API_URL with ID tokens from the stack's OpenID Connect
provider ($ROSTER_OIDC_ISSUER), the mail the emulator's SES accepted
($AWS_ENDPOINT_URL_SESV2), a stack of a test's own, and restarting the
emulator. Standard library only (plus scripts/oidc_token.py)."""

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_PY = ROOT / "scripts" / "stack.py"
sys.path.insert(0, str(ROOT / "scripts"))
from oidc_token import mint  # noqa: E402

# Lines for pytest's summary, pass or fail (tests/conftest.py prints them).
summary_lines: list[str] = []

# The environment of the stack the helpers talk to: os.environ (the stack the
# tests run in), or, inside `using(env)`, a stack a test started for itself.
_current: dict | None = None


def env(name: str) -> str:
    return (os.environ if _current is None else _current).get(name, "")


def api_url() -> str:
    return env("ROSTER_API_URL").rstrip("/")


def mail_url() -> str:
    return (env("AWS_ENDPOINT_URL_SESV2") or env("AWS_ENDPOINT_URL")).rstrip("/")


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}"


def token(email: str, verified: bool = True) -> str:
    """An ID token for email, as a person signing in gets it from the stack's
    provider (the code + PKCE flow, without a browser); the gateway checks it
    as API Gateway would."""
    return mint(env("ROSTER_OIDC_ISSUER"), env("ROSTER_OIDC_CLIENT_ID"), f"{api_url()}/app/callback", email,
                verified=verified)


class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body or b"null")

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"


def call(method: str, path: str, *, bearer: str | None = None, body=None, raw: bytes | None = None,
         content_type: str = "application/json", headers: dict | None = None, timeout: float = 300) -> Answer:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = dict(headers or {})
    if data is not None:
        h.setdefault("content-type", content_type)
    if bearer:
        h["authorization"] = f"Bearer {bearer}"
    req = urllib.request.Request(api_url() + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers, e.read())


def sent_mail() -> list[dict]:
    with urllib.request.urlopen(mail_url() + "/moto-api/data.json", timeout=30) as resp:
        return json.load(resp).get("ses", {}).get("Message", [])


def mail_to(address: str) -> list[dict]:
    return [m for m in sent_mail() if address in (m.get("destinations", {}).get("ToAddresses") or [])]


def wait_for_mail(address: str, count: int = 1, timeout: float = 60.0) -> list[dict]:
    """The messages to address once there are `count` of them, or what there is at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        found = mail_to(address)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


# -- stacks ----------------------------------------------------------------------


def runtime_dir(stack_env: dict) -> Path:
    """.dev/<id>/ of the innermost stack of stack_env: its state.json and logs."""
    return ROOT / ".dev" / stack_env["ROSTER_STACK"].split()[-1]


@contextmanager
def detached(*flags: str):
    """A stack of its own (`scripts/stack.py up --detach FLAGS`), stopped at
    the end; yields its environment (the variables it sets)."""
    started = subprocess.run([sys.executable, str(STACK_PY), "up", "--detach", *flags], cwd=ROOT,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"scripts/stack.py up --detach {' '.join(flags)} failed:\n{started.stderr[-5000:]}")
    stack_env = {}
    for line in started.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        stack_env[name] = shlex.split(value)[0] if value else ""
    try:
        yield stack_env
    finally:
        subprocess.run([sys.executable, str(STACK_PY), "down", runtime_dir(stack_env).name], cwd=ROOT,
                       stdin=subprocess.DEVNULL, capture_output=True)


@contextmanager
def using(stack_env: dict):
    """The helpers talk to this stack inside the block."""
    global _current
    previous, _current = _current, stack_env
    try:
        yield
    finally:
        _current = previous


def _stack_script():
    spec = importlib.util.spec_from_file_location("stack_script", STACK_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def restart_emulator() -> None:
    """Stop the stack's DynamoDB emulator, start an empty one on its port (the
    same marker: the stack still stops it), and bootstrap the table again."""
    script = _stack_script()
    stack_env = dict(os.environ, **(_current or {}))
    state_file = runtime_dir(stack_env) / "state.json"
    state = json.loads(state_file.read_text())
    port = urllib.parse.urlsplit(stack_env["AWS_ENDPOINT_URL"]).port
    emulator = next(e for e in state["emulators"] if e["port"] == port)
    script.stop_groups([emulator["pid"]], grace=5.0)
    emulator["pid"] = script.start_moto(port, state_file.parent / f"moto-{port}.log", stack_env).pid
    state_file.write_text(json.dumps(state, indent=1))
    script.bootstrap(stack_env)
