#!/usr/bin/env bash
# make package: every function built for Lambda's arm64 (provided.al2023) in release
# with cargo-lambda (zig as the cross linker), one zip per function under
# target/lambda/<name>/bootstrap.zip, then a table of their zipped sizes and the
# build's wall time. Needs: the venv (cargo-lambda), the aarch64-unknown-linux-gnu
# Rust target (added with rustup when missing) and ziglang (requirements-package.txt).
# Slow: a full release build of the AWS SDK for a second target. Not run by make test.
# Usage: scripts/package.sh [FUNCTION...]   (default: every package under functions/)
set -euo pipefail
cd "$(dirname "$0")/.."

"${MAKE:-make}" -s venv
{ test -x .venv/bin/uv && .venv/bin/uv pip install -q --python .venv/bin/python -r requirements-package.txt; } ||
    .venv/bin/pip install --disable-pip-version-check -q -r requirements-package.txt
TARGET=aarch64-unknown-linux-gnu
if ! rustc --print target-libdir --target "$TARGET" >/dev/null 2>&1 ||
    [ ! -d "$(rustc --print target-libdir --target "$TARGET")" ]; then
    command -v rustup >/dev/null || { echo "package: install the Rust target $TARGET" >&2; exit 1; }
    rustup target add "$TARGET"
fi

if [ $# -gt 0 ]; then FUNCTIONS=("$@"); else
    FUNCTIONS=()
    for dir in functions/*/; do FUNCTIONS+=("$(basename "$dir")"); done
fi
PACKAGES=()
for f in "${FUNCTIONS[@]}"; do PACKAGES+=(-p "$f"); done

export PATH="$PWD/.venv/bin:$PATH" # cargo-lambda, and zig through the ziglang module
start=$(date +%s)
cargo lambda build --release --arm64 --output-format zip --lambda-dir target/lambda "${PACKAGES[@]}"
took=$(($(date +%s) - start))

echo
printf 'function\tzipped_bytes\tzipped_MB\n'
for f in "${FUNCTIONS[@]}"; do
    zip="target/lambda/$f/bootstrap.zip"
    test -f "$zip" || { echo "package: $zip is missing" >&2; exit 1; }
    bytes=$(stat -c %s "$zip")
    printf '%s\t%s\t%s\n' "$f" "$bytes" "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')"
done | column -t
echo "package: ${#FUNCTIONS[@]} functions for $TARGET in ${took} s ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
