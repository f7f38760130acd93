#!/usr/bin/env bash
# make test (and CI): formatting, lints, every test, the template lint. The tests
# run on private stacks (scripts/stack.py: free ports, so it runs beside
# `make dev`), stopped when their step ends, pass or fail. Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s\n' "$*"; }

"${MAKE:-make}" -s venv
PY=.venv/bin/python

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

section "Rust tests, against private emulators (DynamoDB and SES, table roster-test)"
if cargo nextest --version >/dev/null 2>&1; then
    runner=(cargo nextest run --workspace --no-fail-fast)
else
    runner=(cargo test --workspace --no-fail-fast)
fi
scripts/stack.py run --emulators-only --name test --table roster-test -- "${runner[@]}"

section "cfn-lint infra/template.yaml"
cfn-lint infra/template.yaml

section "stack tests (tests/stack: make dev's signals, stream poller, SES feedback, trust probes, logs at debug, bounded fuzz) and browser tests (tests/browser), on a private local stack"
scripts/ensure-chromium.sh
scripts/stack.py run --name stack-tests -- "$PY" -m pytest tests/stack tests/browser -v -p no:cacheprovider

section "sam validate --lint (SAM transform and cfn-lint, offline)"
SAM_CLI_TELEMETRY=0 sam validate --lint --template infra/template.yaml --region us-east-1

section "infra/template.yaml operations block is up to date (scripts/ops_template.py)"
"$PY" scripts/ops_template.py --check

section "all checks passed"
