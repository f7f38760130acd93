#!/usr/bin/env python3
"""Print the mail the local emulator's SES accepted (make dev), newest last,
with the links in each: the invitation's accept link and the seat mail's Token
Access link open the console.

  mail.py [--to ADDRESS] [--last N] [--emulator URL]

Reads the SES emulator's /moto-api/data.json: --emulator, else
$AWS_ENDPOINT_URL_SESV2, else make dev's http://127.0.0.1:4566. Standard library only.
"""

import argparse
import json
import os
import re
import sys
import urllib.request

LINK = re.compile(r"https?://[^\s\"'<>]+")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--to", default="", help="only mail to this address")
    p.add_argument("--last", type=int, default=5)
    p.add_argument("--emulator", default=os.environ.get("AWS_ENDPOINT_URL_SESV2") or "http://127.0.0.1:4566")
    args = p.parse_args()
    base = args.emulator
    try:
        with urllib.request.urlopen(f"{base.rstrip('/')}/moto-api/data.json", timeout=30) as resp:
            messages = json.load(resp).get("ses", {}).get("Message", [])
    except OSError as err:
        sys.exit(f"mail: the emulator at {base} did not answer ({err}); is make dev running?")
    to = args.to.strip().lower()
    if to:
        messages = [m for m in messages if to in (m.get("destinations", {}).get("ToAddresses") or [])]
    if not messages:
        print("mail: no mail yet" + (f" to {to}" if to else ""))
        return 0
    for m in messages[-args.last:]:
        print(f"To: {', '.join(m.get('destinations', {}).get('ToAddresses') or [])}")
        print(f"Subject: {m.get('subject', '')}")
        links = dict.fromkeys(u.rstrip(".,)") for u in LINK.findall(m.get("body", "")))
        for link in links:
            print(f"  {link}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
