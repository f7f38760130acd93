#!/usr/bin/env bash
# make dev: run the whole API locally.
#   moto on 127.0.0.1:$ROSTER_EMULATOR_PORT (default 4566; an emulator already answering there is reused),
#   the table and sender identity (scripts/bootstrap.py),
#   the stream poller that feeds outbox items to deliver-email (scripts/stream_poller.py),
#   and `cargo lambda watch` serving every function on 127.0.0.1:$ROSTER_API_PORT (default 9000;
#   router in Cargo.toml).
# Ctrl-C, SIGTERM and SIGHUP (to this script or its whole process group) stop
# everything this script started, and nothing else (scripts/stack.sh).
# Runtime files (pids, logs) go to .dev/ (git- and watch-ignored).
set -euo pipefail
set +m # no job control: `setsid` below then gives each child its own process group
cd "$(dirname "$0")/.."

API_PORT=${ROSTER_API_PORT:-9000}
EMULATOR_PORT=${ROSTER_EMULATOR_PORT:-4566}

"${MAKE:-make}" -s venv
PY=.venv/bin/python
mkdir -p .dev
. scripts/local-env.sh "http://127.0.0.1:$EMULATOR_PORT" roster-local
export ROSTER_WEB_URL="http://127.0.0.1:$API_PORT/app" # the mails link to the console
. scripts/stack.sh "dev.$$"

cleanup() {
    # make passes Ctrl-C / SIGTERM on to us a second time: finish cleaning up anyway.
    trap - EXIT
    trap '' INT TERM HUP
    echo "dev: stopping"
    stack_down
}
trap cleanup EXIT
# Each signal trap ignores further signals before anything else: on SIGTERM
# make signals us a second time, and that second TERM, running `exit 143`
# again inside the EXIT trap before cleanup's own `trap ''`, ended the script
# before stack_down ran (everything leaked; reproduced under load).
trap 'trap "" INT TERM HUP; exit 130' INT
trap 'trap "" INT TERM HUP; exit 143' TERM
trap 'trap "" INT TERM HUP; exit 129' HUP

if stack_listening "$API_PORT"; then
    echo "dev: 127.0.0.1:$API_PORT is already in use (another make dev? set ROSTER_API_PORT)" >&2
    exit 1
fi

stack_emulator_up "$EMULATOR_PORT" --reuse
echo "dev: building the functions (the first time takes a few minutes)"
stack_api_up "$API_PORT"

cat <<EOT

dev: ready. Console: http://127.0.0.1:$API_PORT/app (open it in a browser; sign in as any address)
     API on http://127.0.0.1:$API_PORT (up to 4 instances per function).
     Code changes need a restart; \`make dev RELOAD=1\` reloads on change instead.
     Emulator $AWS_ENDPOINT_URL, table $ROSTER_TABLE.
     Sent mail, with its links: make mail   (all of it: $AWS_ENDPOINT_URL/moto-api/data.json)
     Try:
curl -s -X POST http://127.0.0.1:$API_PORT/orgs -H "Authorization: Bearer \$(make -s token EMAIL=alice@example.com)" -H 'content-type: application/json' -d '{"slug":"acme","name":"Acme","seat_limit":5}'
     One function on a sample event: make invoke FN=sweep

EOT

# Until a signal, or until one of them exits. `wait` returns at once when a
# trapped signal arrives, so the trap (and cleanup) runs without delay.
wait -n
echo "dev: a process exited; shutting down" >&2
exit 1
