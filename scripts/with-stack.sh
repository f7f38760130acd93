#!/usr/bin/env bash
# with-stack.sh CMD [ARGS...]: run CMD against a private, complete local stack,
# then stop the stack (pass, fail or signal) and exit with CMD's status.
#
# The stack is what `make dev` runs, on free ports so it runs beside `make dev`
# and beside other with-stack runs: moto (DynamoDB, streams and SES), the table
# and sender identity, the stream poller feeding deliver-email, and
# `cargo lambda watch` serving every function. CMD sees:
#   ROSTER_API_URL          http://127.0.0.1:PORT, the HTTP API (routes as in Cargo.toml)
#   ROSTER_EMULATOR_URL     the emulator; sent mail at $ROSTER_EMULATOR_URL/moto-api/data.json
#   ROSTER_MAIL_URL         where sent mail is read (the same emulator)
#   ROSTER_DEV_JWT_SECRET   the HS256 secret of dev JWTs the API accepts (scripts/dev_token.py)
#   ROSTER_TABLE, AWS_ENDPOINT_URL, AWS_REGION, credentials: as the functions see them
#   ROSTER_STACK_LOG        the stack's own output (poller, cargo lambda watch)
#   ROSTER_STACK_EMULATOR_PORT, ROSTER_STACK_EMULATOR_PIDFILE: to restart the emulator
#                           (scripts/emulator.py down/up with them, then scripts/bootstrap.py)
# Set ROSTER_STACK_TABLE to name the table (default roster-stack), and
# ROSTER_FUNCTIONS_LOG to give the functions a RUST_LOG of their own (e.g. debug;
# cargo lambda watch keeps the caller's).
# Logs stay in .dev/ when CMD fails.
set -euo pipefail
set +m # no job control: each spawned child gets its own process group from setsid
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/with-stack.sh CMD [ARGS...]" >&2; exit 2; }

PY=.venv/bin/python
[ -x "$PY" ] || "${MAKE:-make}" -s venv
mkdir -p .dev
EMULATOR_PORT=$("$PY" scripts/emulator.py free-port)
API_PORT=$("$PY" scripts/emulator.py free-port)
. scripts/local-env.sh "http://127.0.0.1:$EMULATOR_PORT" "${ROSTER_STACK_TABLE:-roster-stack}"
# Every service on this stack's emulator, whatever the caller had (make test
# points SES at an emulator of its own): unset the per-service endpoints.
for _var in $(compgen -e | grep '^AWS_ENDPOINT_URL_' || true); do unset "$_var"; done
. scripts/stack.sh "stack.$$"
export ROSTER_STACK_LOG=".dev/stack.$$.log"
export ROSTER_STACK_EMULATOR_PORT="$EMULATOR_PORT" ROSTER_STACK_EMULATOR_PIDFILE=".dev/stack.$$-moto-$EMULATOR_PORT.pid"
export ROSTER_API_URL="http://127.0.0.1:$API_PORT"
export ROSTER_WEB_URL="$ROSTER_API_URL/app" # the mails link to this stack's console
export ROSTER_EMULATOR_URL="$AWS_ENDPOINT_URL" ROSTER_MAIL_URL="$AWS_ENDPOINT_URL"
# For the Rust test support (tests/support), which reads mail there.
export ROSTER_TEST_EMULATOR_URL="$AWS_ENDPOINT_URL" ROSTER_TEST_MAIL_URL="$AWS_ENDPOINT_URL"

status=1
finish() {
    trap - EXIT
    trap '' INT TERM HUP
    stack_down >/dev/null 2>&1
    if [ "$status" = 0 ]; then
        rm -f "$ROSTER_STACK_LOG" ".dev/stack.$$-moto-$EMULATOR_PORT.log"
    else
        echo "with-stack: exit $status; stack logs: $ROSTER_STACK_LOG .dev/stack.$$-moto-$EMULATOR_PORT.log" >&2
    fi
    exit "$status"
}
trap finish EXIT
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM
trap 'status=129; exit 129' HUP

echo "with-stack: emulator $ROSTER_EMULATOR_URL, API $ROSTER_API_URL (log $ROSTER_STACK_LOG)" >&2
stack_emulator_up "$EMULATOR_PORT" >>"$ROSTER_STACK_LOG" 2>&1
stack_api_up "$API_PORT" "$ROSTER_STACK_LOG"

# CMD runs in the background so that a signal to this script is handled at
# once (bash runs traps only between foreground commands).
"$@" &
cmd=$!
set +e
wait "$cmd"
status=$?
# A trapped signal interrupts `wait` before CMD is done: the EXIT trap stops the stack, and CMD (marked) with it.
exit "$status"
