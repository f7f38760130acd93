#!/usr/bin/env bash
# The tests that need the whole local stack (HTTP through `cargo lambda watch`,
# the real stream poller): run by make test as `scripts/with-stack.sh scripts/stack-tests.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

echo "-- stream poller: mail after refused writes and an emulator restart"
"$PY" tests/stack/test_mail_poller.py

echo "-- bounces and complaints: SES's reports through the running mail-events"
"$PY" tests/stack/test_mail_feedback.py

echo "-- trust probes: unverified import, invite/revoke and seat mail loops, no secret in the table or its stream"
"$PY" tests/stack/test_trust_probes.py

echo "-- logs at DEBUG: a whole flow leaks no JWT, secret or address (a stack of its own, functions at debug)"
ROSTER_FUNCTIONS_LOG=debug scripts/with-stack.sh "$PY" tests/stack/test_log_leaks.py

echo "-- schemathesis: bounded fuzz of the whole API as admin, member and outsider (make fuzz runs longer)"
"$PY" tests/stack/fuzz.py --max-examples 20

echo "-- web console in Debian's Chromium (tests/browser)"
scripts/ensure-chromium.sh
"$PY" -m pytest tests/browser -q -p no:cacheprovider
