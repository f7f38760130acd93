#!/usr/bin/env bash
# make test (and CI): formatting, lints, every test against a private moto, the template lint.
# Starts its own moto on a free port (so it runs beside `make dev`) with table roster-test,
# and stops it on exit, pass or fail. Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s\n' "$*"; }

"${MAKE:-make}" -s venv
PY=.venv/bin/python
mkdir -p .dev

# Two emulators: DynamoDB on one, SES on the other. Tests read sent mail from
# /moto-api/data.json, which serializes the whole emulator: kept apart from the
# thousands of items the bulk tests write, it stays small and fast.
PORT=$("$PY" scripts/emulator.py free-port)
MAIL_PORT=$("$PY" scripts/emulator.py free-port)
PIDFILE=.dev/test-moto-$PORT.pid
MAIL_PIDFILE=.dev/test-moto-$MAIL_PORT.pid
LOG=.dev/test-moto-$PORT.log
MAIL_LOG=.dev/test-moto-$MAIL_PORT.log
finish() {
    local rc=$?
    "$PY" scripts/emulator.py down --pidfile "$PIDFILE" >/dev/null
    "$PY" scripts/emulator.py down --pidfile "$MAIL_PIDFILE" >/dev/null
    if [ "$rc" = 0 ]; then rm -f "$LOG" "$MAIL_LOG"; else echo "test: FAILED (exit $rc); emulator logs: $LOG $MAIL_LOG" >&2; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. scripts/local-env.sh "http://127.0.0.1:$PORT" roster-test
export ROSTER_TEST_EMULATOR_URL="$AWS_ENDPOINT_URL"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$MAIL_PORT" AWS_ENDPOINT_URL_SES="http://127.0.0.1:$MAIL_PORT"
export ROSTER_TEST_MAIL_URL="$AWS_ENDPOINT_URL_SESV2"

section "emulator: moto on $AWS_ENDPOINT_URL (table $ROSTER_TABLE), SES on $ROSTER_TEST_MAIL_URL"
"$PY" scripts/emulator.py up --port "$PORT" --pidfile "$PIDFILE" --log "$LOG"
"$PY" scripts/emulator.py up --port "$MAIL_PORT" --pidfile "$MAIL_PIDFILE" --log "$MAIL_LOG"
"$PY" scripts/bootstrap.py

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

section "tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

section "cfn-lint infra/template.yaml"
cfn-lint infra/template.yaml

section "all checks passed"
