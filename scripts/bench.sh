#!/usr/bin/env bash
# make bench: the bulk CSV upload benchmark (tests/benches/bulk_invite.rs) at 1,000
# and 10,000 rows (import jobs: the request, then the worker), each size in its own process (so its peak RSS is its own), against
# the emulators of the stack it runs in: make bench runs it as
# `scripts/stack.py run --emulators-only --name bench --table roster-bench -- scripts/bench.sh`. Prints one
# table, the 10k/1k ratios of wall time and DynamoDB calls, and the upload's wall
# time over a bare loop of the same calls, measured in this run. Then cold starts
# (scripts/coldstart.py) of release builds against an empty function; COLDSTART=0
# skips them, COLDSTART_ROUNDS sets the number of starts per function (20).
# Built in the dev profile: a release build of the AWS SDK takes too long here.
# Usage: scripts/bench.sh [ROWS...]   (default: 1000 10000; ratios need both)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(1000 10000); fi
[ -n "${ROSTER_STACK:-}" ] || { echo "bench: run it in a stack: make bench" >&2; exit 2; }

PY=.venv/bin/python
OUT=$(mktemp)
EST=$(mktemp)
trap 'rm -f "$OUT" "$EST"' EXIT

echo "bench: building tests/benches/bulk_invite.rs (dev profile)"
BIN=$(cargo bench -p roster-tests --bench bulk_invite --profile dev --no-run \
    --message-format=json-render-diagnostics |
    "$PY" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "bulk_invite" and m.get("executable"):
        print(m["executable"])')
test -x "$BIN"

export RUST_LOG=warn

status=0
for rows in "${SIZES[@]}"; do
    echo "bench: $rows rows (own process)"
    "$BIN" "$rows" >"$OUT.$rows" || status=1
    grep -v '^#' "$OUT.$rows" >>"$OUT" || true
    grep '^#estimate' "$OUT.$rows" | cut -f2- >>"$EST" || true
    rm -f "$OUT.$rows"
done

echo
{
    printf 'phase\trows\tstatus\twall_s\tcpu_s\tcalls\tby_operation\trss_before_MiB\trss_peak_MiB\tanswer_KiB\n'
    cat "$OUT"
} | column -t -s $'\t'

# Ratios of the largest to the smallest size, per phase, from this run's numbers.
awk -F'\t' '
    { key = $1; if (!(key in lo) || $2 < lo_rows[key]) { lo[key] = $0; lo_rows[key] = $2 }
      if (!(key in hi) || $2 > hi_rows[key]) { hi[key] = $0; hi_rows[key] = $2 } }
    END {
        for (key in lo) {
            if (hi_rows[key] == lo_rows[key]) continue
            split(lo[key], a, "\t"); split(hi[key], b, "\t")
            printf "ratio %s %d/%d rows: wall %.1fx, calls %.1fx (rows %.0fx)\n", key, b[2], a[2],
                (a[4] > 0 ? b[4] / a[4] : 0), (a[6] > 0 ? b[6] / a[6] : 0), b[2] / a[2]
        }
    }' "$OUT" | sort
# The import job's deployed time, from its write units (see tests/benches/bulk_invite.rs).
sed 's/^/estimate: /' "$EST"

# Roster's overhead: the import worker against the bare loop of the same calls, per size.
awk -F'\t' '
    $1 == "worker" { up[$2] = $4; upcpu[$2] = $5 } $1 == "raw_baseline" { raw[$2] = $4; rawcpu[$2] = $5 }
    END { for (r in up) if (r in raw && raw[r] > 0 && rawcpu[r] > 0)
        printf "overhead worker/raw_baseline %d rows: wall %.2fx (%.2f s / %.2f s), our CPU %.2fx (%.2f s / %.2f s)\n",
            r, up[r] / raw[r], up[r], raw[r], upcpu[r] / rawcpu[r], upcpu[r], rawcpu[r] }' "$OUT" | sort -n -k4

# Cold starts: release builds of an empty lambda_http function and three of
# Roster's (one read, one write, deliver-email), same profile, same run.
if [ "${COLDSTART:-1}" = 1 ]; then
    echo
    echo "bench: cold starts (release build of empty-http get-org create-org deliver-email; slow the first time)"
    cargo build --release -q -p empty-http -p get-org -p create-org -p deliver-email
    printf 'function\tstarts\tinit_ms_median\tinit_ms_p90\tinit_vs_empty\tfirst_invoke_ms_median\tfirst_invoke_ms_p90\tzipped_MB\tanswers\n' >"$OUT"
    "$PY" scripts/coldstart.py "${COLDSTART_ROUNDS:-20}" \
        empty-http=target/release/empty-http get-org=target/release/get-org \
        create-org=target/release/create-org deliver-email=target/release/deliver-email >>"$OUT" || status=1
    column -t -s $'\t' "$OUT"
    echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%dT%H:%MZ)"
fi
exit "$status"
