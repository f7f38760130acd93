# shellcheck shell=bash
# Sourced by test.sh and bench.sh: two private emulators on free ports, DynamoDB
# on one and SES on the other, with the environment pointing at them, stopped
# by `private_emulators_down` (call it from an EXIT trap).
# Tests read sent mail from /moto-api/data.json, which serializes the whole
# emulator: kept apart from the thousands of items bulk uploads write, it stays
# small and fast.
# Usage: . scripts/private-emulators.sh NAME TABLE   (needs $PY; NAME labels pid/log files)

_pe_name=$1
_pe_table=$2
PORT=$("$PY" scripts/emulator.py free-port)
MAIL_PORT=$("$PY" scripts/emulator.py free-port)
EMULATOR_LOGS=".dev/$_pe_name-moto-$PORT.log .dev/$_pe_name-moto-$MAIL_PORT.log"

private_emulators_down() { # $1: the exit status; logs are kept on failure
    "$PY" scripts/emulator.py down --pidfile ".dev/$_pe_name-moto-$PORT.pid" >/dev/null
    "$PY" scripts/emulator.py down --pidfile ".dev/$_pe_name-moto-$MAIL_PORT.pid" >/dev/null
    # shellcheck disable=SC2086 # two paths, split on purpose
    if [ "$1" = 0 ]; then rm -f $EMULATOR_LOGS; else echo "$_pe_name: FAILED (exit $1); emulator logs: $EMULATOR_LOGS" >&2; fi
}

private_emulators_up() {
    mkdir -p .dev
    local port
    for port in "$PORT" "$MAIL_PORT"; do
        "$PY" scripts/emulator.py up --port "$port" --pidfile ".dev/$_pe_name-moto-$port.pid" \
            --log ".dev/$_pe_name-moto-$port.log"
    done
    "$PY" scripts/bootstrap.py
}

. scripts/local-env.sh "http://127.0.0.1:$PORT" "$_pe_table"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$MAIL_PORT" AWS_ENDPOINT_URL_SES="http://127.0.0.1:$MAIL_PORT"
export ROSTER_TEST_EMULATOR_URL="$AWS_ENDPOINT_URL" ROSTER_TEST_MAIL_URL="$AWS_ENDPOINT_URL_SESV2"
