#!/usr/bin/env bash
# make test (and CI): formatting, lints, every test, the template lint. The tests
# run on private stacks (scripts/stack.py: free ports, so it runs beside
# `make dev`), stopped when their step ends, pass or fail.
# fmt and clippy (in the build) stop it at once; every later step runs even
# when one fails, and the failed ones are listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
# Each heading says when its step began (minutes:seconds into the run), so a
# slow step shows in CI's log without a profiler.
section() { printf '\n==== [%d:%02d] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$*"; }
failed=()
step() { # NAME CMD...: run CMD as step NAME, noting a failure
    local name=$1
    shift
    section "$name"
    local status=0
    "$@" || status=$?
    case $status in
    0) ;;
    129 | 130 | 143) exit "$status" ;; # interrupted: stop here
    *) failed+=("$name") ;;
    esac
}

"${MAKE:-make}" -s venv
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH" # the pinned cfn-lint, sam and cargo-lambda of the venv

section "cargo fmt --check"
cargo fmt --all -- --check

# Clippy's lints (-D warnings) ride in the builds the tests need anyway:
# clippy-driver as the workspace's compiler lints each crate as it compiles it,
# as `cargo clippy` would, instead of a separate `cargo clippy --all-targets`
# that type-checked every dependency a second time (112 of a 15-minute run).
# The stack's own build (the functions, as `make dev` builds them) then runs
# under the same lints. A lint fails the run here, at once, as clippy did.
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
if [ -z "$RUSTC_WORKSPACE_WRAPPER" ]; then
    echo "clippy-driver not found: rustup component add clippy" >&2
    exit 1
fi
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" # cargo clippy's own form of `-- -D warnings`
if cargo nextest --version >/dev/null 2>&1; then
    runner=(cargo nextest run --workspace)
else
    runner=(cargo test --workspace)
fi
section "build with clippy's lints: the tests, the bench, the functions (-D warnings)"
"${runner[@]}" --no-run
cargo build -p roster-tests --benches
cargo build --workspace --bins
# `cargo xtask` builds xtask alone (other features): built here, the check
# that runs beside the Rust tests holds cargo's lock for no time.
cargo build -p xtask

# The checks that need no emulator of the Rust tests' run in the background
# while the Rust tests run: each one's output is shown after the Rust tests,
# under its heading, and counts like any step.
beside_dir=$(mktemp -d)
beside_names=()
beside() { # NAME CMD...: start CMD in the background as step NAME
    local i=${#beside_names[@]}
    beside_names+=("$1")
    shift
    (
        set +e
        "$@" >"$beside_dir/$i.log" 2>&1
        echo $? >"$beside_dir/$i.status"
    ) &
}
collect_beside() {
    wait
    local i
    for i in "${!beside_names[@]}"; do
        section "${beside_names[$i]} (ran beside the Rust tests)"
        cat "$beside_dir/$i.log"
        [ "$(cat "$beside_dir/$i.status")" = 0 ] || failed+=("${beside_names[$i]}")
    done
    rm -rf "$beside_dir"
}

beside "cfn-lint infra/template.yaml" cfn-lint infra/template.yaml
beside "sam validate --lint (SAM transform and cfn-lint, offline)" \
    env SAM_CLI_TELEMETRY=0 sam validate --lint --template infra/template.yaml --region us-east-1
# The contract as its readers' tools read it (no stack needed): the standard
# linter, every example against its schema, and a generated client.
beside "Spectral (spectral:oas) on infra/openapi.yaml: no error, no warning (scripts/contract/lint.sh)" \
    scripts/contract/lint.sh
beside "every example in infra/openapi.yaml valid against its schema, every component used (tests/contract)" \
    env PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 "$PY" -m pytest tests/contract -q -p no:cacheprovider
beside "the Python client generates from infra/openapi.yaml with no unlisted gap (make client: scripts/contract/client.py --check)" \
    "$PY" scripts/contract/client.py --check
beside "the scripts' own tests (scripts/test_*.py: the link checker, the emulator's changes to moto, the stream poller)" \
    "$PY" -m unittest -q scripts/test_check_links.py scripts/test_moto_locked.py scripts/test_stream_poller.py
beside "every relative link and #anchor in the Markdown resolves (scripts/check_links.py)" \
    "$PY" scripts/check_links.py
beside "everything generated from infra/functions.toml is up to date (make routes CHECK=1)" \
    cargo xtask routes --check

# The stack, gateway and browser tests, on private local stacks, in two parts
# (tests/conftest.py): two at a time on one stack, and beside them, on a
# stack of their own, those that disturb a whole stack, one after the other.
# They mostly wait (on pollers, mail, a browser), so they run beside the Rust
# tests, which keep both cores busy with their emulators. (The second part ran
# after the first, on its stack: 70-100 s more on the longest path.)
chromium() { # once, for both parts (apt-get takes one installer at a time)
    flock "${TMPDIR:-/tmp}/roster-ensure-chromium.lock" scripts/ensure-chromium.sh
}
stack_tests() {
    chromium || return 1
    scripts/stack.py run --name stack-tests -- "$PY" -m pytest tests/stack tests/gateway tests/browser \
        -n 2 --dist loadscope -m "not exclusive" -v --durations=12 -p no:cacheprovider
}
stack_tests_alone() {
    chromium || return 1
    scripts/stack.py run --name stack-alone -- "$PY" -m pytest tests/stack tests/gateway tests/browser \
        -m exclusive -v --durations=5 -p no:cacheprovider
}
beside "stack tests (tests/stack: make dev's signals, stream poller, SES feedback, trust probes, logs at debug, bounded fuzz), the local gateway against the OpenID Connect provider (tests/gateway) and browser tests (tests/browser), two at a time on a private local stack" \
    stack_tests
beside "the stack tests that disturb a whole stack (marked exclusive: an emulator restart, a killed publisher, a 2,000-row upload), one at a time on a private local stack of their own" \
    stack_tests_alone

# A pair of emulators per core (at most 4): moto serves one request at a time
# on one core, and one pair left the second core idle for most of the run.
shards=$(($(nproc) < 4 ? $(nproc) : 4))
step "Rust tests, against private emulators ($shards pairs of DynamoDB and SES, table roster-test)" \
    scripts/stack.py run --emulators-only --shards "$shards" --name test --table roster-test -- "${runner[@]}" --no-fail-fast
section "waiting for the checks that run beside the Rust tests (the stack tests last longest)"
collect_beside

if [ ${#failed[@]} -gt 0 ]; then
    section "FAILED: ${#failed[@]} step(s)"
    printf '  %s\n' "${failed[@]}"
    exit 1
fi
section "all checks passed"
