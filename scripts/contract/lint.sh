#!/usr/bin/env bash
# Spectral's standard OpenAPI ruleset (spectral:oas, scripts/contract/.spectral.yaml)
# on infra/openapi.yaml, as people who automate Roster lint it in their CI: any
# error or warning fails (make lint-contract, and a step of make test). Spectral
# is pinned by package.json and package-lock.json here; `npm ci` installs it on
# first use and again when the lock changes (as scripts/stack.py does for the
# OpenID Connect provider in scripts/oidc/). Extra arguments go to `spectral lint`.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/contract
if [ ! -x "$here/node_modules/.bin/spectral" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "installing Spectral (npm ci in $here)"
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
exec "$here/node_modules/.bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity=warn "$@" infra/openapi.yaml
