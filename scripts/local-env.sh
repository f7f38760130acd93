# shellcheck shell=bash
# Sourced by dev.sh and test.sh: the environment the functions, tests and scripts
# read locally. Usage: . scripts/local-env.sh EMULATOR_URL TABLE_NAME
# Nothing here is a real credential: moto accepts any keys.
export AWS_ENDPOINT_URL="$1"
export ROSTER_TABLE="$2"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 # Rust SDK / boto3
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
# One emulator for everything unless the caller says otherwise after sourcing this
# (private-emulators.sh does): a stack started from within `make test` must not
# send its mail to the test run's SES emulator.
unset AWS_ENDPOINT_URL_SESV2 AWS_ENDPOINT_URL_SES
export ROSTER_MAIL_FROM=noreply@roster.local
# The web console (the mails' links) is served under /app of the API; dev.sh and
# with-stack.sh set the port they serve on.
export ROSTER_WEB_URL=http://127.0.0.1:9000/app
export ROSTER_DEV_JWT_SECRET=roster-local-dev-secret
export RUST_LOG="${RUST_LOG:-info}"
export PATH="$PWD/.venv/bin:$PATH" # `cargo lambda` finds the cargo-lambda binary of the venv
