#!/usr/bin/env bash
# Test (run by make test): `make dev` stops everything it started on Ctrl-C
# (SIGINT), SIGTERM and SIGHUP sent to its whole process group, as a terminal,
# `timeout`, a supervisor or an IDE sends them.
# For each signal: start `make dev` on free ports in a process group of its own,
# wait until it is ready, call a function (so `cargo lambda watch` has started a
# function instance), signal the group, then assert that the make process
# exits, both ports are free, and no process that inherited this run's marker
# environment variable is left.
# Usage: scripts/test_dev_signals.sh [SIGNAL...]   (default: INT TERM HUP)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p .dev
signals=("$@")
[ ${#signals[@]} -gt 0 ] || signals=(INT TERM HUP)

alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
listening() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; }
# Live pids whose environment holds MARKER=value.
marked() {
    local env pid
    for env in /proc/[0-9]*/environ; do
        pid=${env#/proc/}
        pid=${pid%/environ}
        if tr '\0' '\n' 2>/dev/null <"$env" | grep -qxF "ROSTER_SIGNAL_TEST=$1"; then
            alive "$pid" && echo "$pid"
        fi
    done
    return 0
}

failures=0
for sig in "${signals[@]}"; do
    marker="$sig.$$.$(date +%s%N)"
    api=$("$PY" scripts/emulator.py free-port)
    emu=$("$PY" scripts/emulator.py free-port)
    log=".dev/test-dev-signals.$sig.$$.log"
    : >"$log"
    # A background job of a script starts with SIGINT ignored, and a process
    # cannot trap a signal ignored at its start: the launcher restores it, as a
    # terminal would have it, and makes make the leader of a new process group.
    ROSTER_SIGNAL_TEST=$marker ROSTER_API_PORT=$api ROSTER_EMULATOR_PORT=$emu "$PY" -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp("make", ["make", "-s", "dev"])' </dev/null >"$log" 2>&1 &
    leader=$!
    disown "$leader" # no "Hangup" job report from this shell
    for _ in $(seq 1 600); do
        grep -q '^dev: ready' "$log" && break
        alive "$leader" || break
        sleep 0.5
    done
    if ! grep -q '^dev: ready' "$log"; then
        echo "FAIL $sig: make dev did not get ready; log $log" >&2
        kill -KILL -- "-$leader" 2>/dev/null || true
        failures=$((failures + 1))
        continue
    fi
    # A request, so that a function instance (its own process group) is running.
    curl -s -o /dev/null -m 120 "http://127.0.0.1:$api/me/orgs" || true

    kill "-$sig" -- "-$leader"
    for _ in $(seq 1 150); do
        alive "$leader" || break
        sleep 0.2
    done
    sleep 0.5 # let the last processes go
    problems=()
    alive "$leader" && problems+=("make is still running")
    listening "$api" && problems+=("API port $api still taken")
    listening "$emu" && problems+=("emulator port $emu still taken")
    left=$(marked "$marker")
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086 # a list of pids
        problems+=("left running: $(ps -o pid=,pgid=,args= -p "$(echo $left | tr ' ' ,)" | cut -c1-120 | tr '\n' ';')")
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    kill -KILL -- "-$leader" 2>/dev/null || true
    if [ ${#problems[@]} -eq 0 ]; then
        echo "ok   SIG$sig to make dev's process group stops everything it started"
        rm -f "$log"
    else
        echo "FAIL SIG$sig: ${problems[*]} (log $log)" >&2
        failures=$((failures + 1))
    fi
done
total=${#signals[@]}
echo "dev-signals: $((total - failures)) passed, $failures failed"
[ "$failures" = 0 ]
