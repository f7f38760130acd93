#!/usr/bin/env python3
"""Print a local dev JWT (HS256) for calling the API under make dev.

  dev_token.py EMAIL [--sub SUB] [--hours 12]

Claims: sub (default "dev|EMAIL", so the same email is always the same user),
email, email_verified (true) and exp. Signed with $ROSTER_DEV_JWT_SECRET
(default roster-local-dev-secret), which only local runs accept. Prints only the token.
Standard library only.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time

DEFAULT_SECRET = "roster-local-dev-secret"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dev_jwt(claims: dict, secret: str) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("email")
    p.add_argument("--sub", default="", help='stable user id; default "dev|EMAIL"')
    p.add_argument("--hours", type=float, default=12.0)
    args = p.parse_args()
    email = args.email.strip().lower()
    if "@" not in email:
        sys.exit("token: EMAIL must be an email address, e.g. make token EMAIL=alice@example.com")
    claims = {
        "sub": args.sub or f"dev|{email}",
        "email": email,
        "email_verified": True,
        "exp": int(time.time() + args.hours * 3600),
    }
    print(dev_jwt(claims, os.environ.get("ROSTER_DEV_JWT_SECRET") or DEFAULT_SECRET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
