#!/usr/bin/env bash
# Run a subset of the Rust tests against private emulators, as make test does:
#   scripts/test-subset.sh [nextest args...]   e.g. -p roster-tests -E 'test(csv)'
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p .dev
. scripts/private-emulators.sh subset roster-test
trap 'private_emulators_down $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
private_emulators_up >/dev/null
cargo nextest run "$@"
