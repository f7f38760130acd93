#!/usr/bin/env bash
# make dev: run the whole API locally.
#   moto on 127.0.0.1:4566 (an emulator already answering there is reused),
#   the table and sender identity (scripts/bootstrap.py),
#   the stream poller that feeds outbox items to deliver-email (scripts/stream_poller.py),
#   and `cargo lambda watch` serving every function on 127.0.0.1:9000 (router in Cargo.toml).
# Ctrl-C stops everything this script started, and nothing else.
# Runtime files (pids, logs) go to .dev/ (git- and watch-ignored).
set -euo pipefail
set +m # no job control: `setsid` below then gives each child its own process group
cd "$(dirname "$0")/.."

"${MAKE:-make}" -s venv
PY=.venv/bin/python
mkdir -p .dev
. scripts/local-env.sh http://127.0.0.1:4566 roster-local

MOTO_PIDFILE=.dev/moto.$$.pid # per run: never stop the emulator of another make dev
pgids=()

# Is pid running (not gone, not a zombie)?
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

# SIGTERM each process group, give their leaders 10 s to exit, then SIGKILL what is left.
stop_groups() {
    local pgid _
    for pgid in "$@"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local running=0
        for pgid in "$@"; do alive "$pgid" && running=1; done
        [ "$running" = 0 ] && break
        sleep 0.2
    done
    for pgid in "$@"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
cleanup() {
    # make passes Ctrl-C / SIGTERM on to us a second time: finish cleaning up anyway.
    trap - EXIT
    trap '' INT TERM
    echo "dev: stopping"
    stop_groups "${pgids[@]}"
    "$PY" scripts/emulator.py down --pidfile "$MOTO_PIDFILE" # only if we started it
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start "$@" in its own process group (setsid) and remember it for cleanup.
spawn() {
    setsid "$@" </dev/null &
    pgids+=("$!")
}

listening() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; }
if listening 9000; then
    echo "dev: 127.0.0.1:9000 is already in use (another make dev?)" >&2
    exit 1
fi

"$PY" scripts/emulator.py up --reuse --port 4566 --pidfile "$MOTO_PIDFILE" --log .dev/moto.log
"$PY" scripts/bootstrap.py

# Build every function once up front: otherwise each of the --concurrency
# instances of a function runs its own `cargo run` on first request, all
# queueing on cargo's lock.
echo "dev: building the functions (the first time takes a few minutes)"
cargo build --workspace --bins --quiet

# Hot reload makes every function instance watch the whole tree (target/ and
# .venv/ included), which exhausts the machine's inotify watches; it is opt-in.
reload=(--ignore-changes)
[ "${RELOAD:-0}" = 1 ] && reload=()

spawn "$PY" -u scripts/stream_poller.py
spawn "$PY" -u scripts/import_poller.py # import jobs: job wake-ups -> import-worker
# (tokio_graceful_shutdown=warn: cargo-lambda otherwise dumps its whole config when it stops)
RUST_LOG="$RUST_LOG,tokio_graceful_shutdown=warn" \
    spawn cargo lambda watch --invoke-address 127.0.0.1 --invoke-port 9000 --concurrency 4 "${reload[@]}"

for _ in $(seq 1 100); do # until cargo lambda watch listens (it compiles functions on first call)
    listening 9000 && break
    sleep 0.3
done

cat <<EOF

dev: ready. API on http://127.0.0.1:9000 (up to 4 instances per function).
     Code changes need a restart; \`make dev RELOAD=1\` reloads on change instead.
     Emulator $AWS_ENDPOINT_URL, table $ROSTER_TABLE.
     Sent mail: curl -s $AWS_ENDPOINT_URL/moto-api/data.json (under "ses" -> "Message").
     Try:
curl -s -X POST http://127.0.0.1:9000/orgs -H "Authorization: Bearer \$(make -s token EMAIL=alice@example.com)" -H 'content-type: application/json' -d '{"slug":"acme","name":"Acme","seat_limit":5}'
     One function on a sample event: make invoke FN=sweep

EOF

wait -n # until Ctrl-C, or until one of them exits
echo "dev: a process exited; shutting down" >&2
exit 1
