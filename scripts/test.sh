#!/usr/bin/env bash
# make test (and CI): formatting, lints, every test against private emulators, the template lint.
# Starts its own emulators on free ports (so it runs beside `make dev`) with table roster-test,
# and stops them on exit, pass or fail. Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s\n' "$*"; }

"${MAKE:-make}" -s venv
PY=.venv/bin/python
mkdir -p .dev

. scripts/private-emulators.sh test roster-test
trap 'private_emulators_down $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section "emulators: DynamoDB on $AWS_ENDPOINT_URL (table $ROSTER_TABLE), SES on $ROSTER_TEST_MAIL_URL"
private_emulators_up

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

section "make dev stops everything on SIGINT, SIGTERM, SIGHUP"
scripts/test_dev_signals.sh

section "tests through the local stack (scripts/with-stack.sh): stream poller, bounded schemathesis fuzz"
scripts/with-stack.sh scripts/stack-tests.sh
section "sam validate --lint (SAM transform and cfn-lint, offline)"
SAM_CLI_TELEMETRY=0 sam validate --lint --template infra/template.yaml --region us-east-1

section "everything generated from infra/functions.toml is up to date (make routes -- --check)"
cargo xtask routes --check

section "all checks passed"
