"""Helpers for tests that run against the private local stack of scripts/with-stack.sh:
HTTP calls to $ROSTER_API_URL with dev JWTs, and the mail the emulator's SES accepted.
Standard library only (plus scripts/dev_token.py)."""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from dev_token import dev_jwt  # noqa: E402

API = os.environ.get("ROSTER_API_URL", "")
EMULATOR = os.environ.get("ROSTER_EMULATOR_URL", "")
MAIL = os.environ.get("ROSTER_MAIL_URL", EMULATOR)
SECRET = os.environ.get("ROSTER_DEV_JWT_SECRET", "")


def require_stack() -> None:
    if not (API and EMULATOR and SECRET):
        sys.exit("run through scripts/with-stack.sh (ROSTER_API_URL, ROSTER_EMULATOR_URL, ROSTER_DEV_JWT_SECRET)")


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}"


def token(email: str, sub: str | None = None) -> str:
    claims = {"sub": sub or f"dev|{email}", "email": email, "email_verified": True, "exp": int(time.time()) + 3600}
    return dev_jwt(claims, SECRET)


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
    req = urllib.request.Request(API + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers, e.read())


def sent_mail() -> list[dict]:
    with urllib.request.urlopen(MAIL + "/moto-api/data.json", timeout=30) as resp:
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
