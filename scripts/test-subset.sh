#!/usr/bin/env bash
# Run a subset of the Rust tests against private emulators, as make test does:
#   scripts/test-subset.sh [nextest args...]   e.g. -p roster-tests -E 'test(csv)'
set -euo pipefail
cd "$(dirname "$0")/.."
shards=$(($(nproc) < 4 ? $(nproc) : 4))
exec scripts/stack.py run --emulators-only --shards "$shards" --name subset --table roster-test -- cargo nextest run "$@"
