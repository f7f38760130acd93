# shellcheck shell=bash
# Sourced by dev.sh and with-stack.sh: start the local stack (emulator,
# bootstrap, stream poller, `cargo lambda watch`) and stop everything it
# started, and nothing else, however the caller ends.
#
# Usage (needs $PY, cwd = repo root):
#   . scripts/stack.sh NAME                 NAME labels the pid/log files in .dev/
#   stack_emulator_up PORT [--reuse]        moto on PORT (--reuse: keep one already there)
#   stack_api_up API_PORT [LOG]             poller + cargo lambda watch; LOG: their output (default: inherit)
#                                           ($ROSTER_FUNCTIONS_LOG, if set: the functions' RUST_LOG alone)
#   stack_down                              idempotent; call it from the EXIT trap
#
# Why a marker and not only process groups: `cargo lambda watch` starts each
# function instance in a process group of its own (so signalling the watch's
# group misses them), and a function being compiled is a tree of cargo and
# rustc processes. Every process this stack starts inherits
# ROSTER_STACK_ID=<unique>; `stack_down` signals the groups it spawned, then
# anything still carrying the marker in /proc/PID/environ, whatever its group.

_stack_name=$1
ROSTER_STACK_ID="$_stack_name.$$.$(date +%s%N)"
export ROSTER_STACK_ID
_stack_pgids=()
_stack_moto_pidfile=""

# Is pid running (not gone, not a zombie)?
_stack_alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

# Pids (other than ours) whose environment carries this stack's marker.
_stack_marked() {
    local env pid
    for env in /proc/[0-9]*/environ; do
        pid=${env#/proc/}
        pid=${pid%/environ}
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
        # tr: environ is NUL-separated; 2>/dev/null: processes may vanish mid-scan
        if tr '\0' '\n' 2>/dev/null <"$env" | grep -qxF "ROSTER_STACK_ID=$ROSTER_STACK_ID"; then
            _stack_alive "$pid" && echo "$pid"
        fi
    done
    return 0 # else a marked pid that just died fails `left=$(...)` under set -e, mid-cleanup
}

stack_listening() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; }

# Start "$@" in its own process group (setsid) and remember the group.
stack_spawn() {
    setsid "$@" </dev/null &
    _stack_pgids+=("$!")
}

stack_emulator_up() { # PORT [--reuse]
    mkdir -p .dev
    _stack_moto_pidfile=".dev/$_stack_name-moto-$1.pid" # per run: never stop another run's emulator
    "$PY" scripts/emulator.py up --port "$1" ${2:+"$2"} --pidfile "$_stack_moto_pidfile" \
        --log ".dev/$_stack_name-moto-$1.log"
    "$PY" scripts/bootstrap.py
}

stack_api_up() { # API_PORT [LOG]
    local port=$1 log=${2:-}
    # Every function is built once up front: otherwise each of the --concurrency
    # instances of a function runs its own `cargo run` on first request, all
    # queueing on cargo's lock.
    cargo build --workspace --bins --quiet
    # Hot reload makes every function instance watch the whole tree (target/ and
    # .venv/ included), which exhausts the machine's inotify watches; it is opt-in.
    local reload=(--ignore-changes)
    [ "${RELOAD:-0}" = 1 ] && reload=()
    # The functions' own level, apart from cargo lambda's (which logs request
    # paths at debug): an env file, because --env-var splits its value at commas.
    local functions_env=()
    if [ -n "${ROSTER_FUNCTIONS_LOG:-}" ]; then
        printf 'RUST_LOG=%s\n' "$ROSTER_FUNCTIONS_LOG" >".dev/$_stack_name-functions.env"
        functions_env=(--env-file ".dev/$_stack_name-functions.env")
    fi
    local url="http://127.0.0.1:$port/2015-03-31/functions/deliver-email/invocations"
    if [ -n "$log" ]; then
        stack_spawn "$PY" -u scripts/stream_poller.py --url "$url" >>"$log" 2>&1
        stack_spawn "$PY" -u scripts/import_poller.py --url "${url/deliver-email/import-worker}" >>"$log" 2>&1
        # (tokio_graceful_shutdown=warn: cargo-lambda otherwise dumps its whole config when it stops)
        RUST_LOG="$RUST_LOG,tokio_graceful_shutdown=warn" stack_spawn cargo lambda watch \
            --invoke-address 127.0.0.1 --invoke-port "$port" --concurrency 4 "${reload[@]}" "${functions_env[@]}" >>"$log" 2>&1
    else
        stack_spawn "$PY" -u scripts/stream_poller.py --url "$url"
        stack_spawn "$PY" -u scripts/import_poller.py --url "${url/deliver-email/import-worker}" # import jobs
        RUST_LOG="$RUST_LOG,tokio_graceful_shutdown=warn" stack_spawn cargo lambda watch \
            --invoke-address 127.0.0.1 --invoke-port "$port" --concurrency 4 "${reload[@]}" "${functions_env[@]}"
    fi
    local _
    for _ in $(seq 1 200); do # until cargo lambda watch listens
        stack_listening "$port" && return 0
        sleep 0.3
    done
    echo "stack: cargo lambda watch did not listen on $port within 60 s" >&2
    return 1
}

# SIGTERM, wait up to 10 s, SIGKILL: first the groups we spawned, then any
# process left that carries the marker (function instances in their own groups).
stack_down() {
    local pgid pid _ running
    for pgid in "${_stack_pgids[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        running=0
        for pgid in "${_stack_pgids[@]}"; do _stack_alive "$pgid" && running=1; done
        [ "$running" = 0 ] && break
        sleep 0.2
    done
    for pgid in "${_stack_pgids[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
    local left
    left=$(_stack_marked)
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086 # a list of pids
        kill -TERM $left 2>/dev/null || true
        for _ in $(seq 1 25); do
            left=$(_stack_marked)
            [ -z "$left" ] && break
            sleep 0.2
        done
        # shellcheck disable=SC2086
        [ -n "$left" ] && kill -KILL $left 2>/dev/null
    fi
    wait 2>/dev/null || true
    _stack_pgids=()
    rm -f ".dev/$_stack_name-functions.env"
    if [ -n "$_stack_moto_pidfile" ]; then
        "$PY" scripts/emulator.py down --pidfile "$_stack_moto_pidfile" # only if we started it
        _stack_moto_pidfile=""
    fi
}
