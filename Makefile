# Roster developer commands. Recipes stay thin; the logic lives in scripts/.
# The local stack, for all of them: scripts/stack.py (up | down | run -- CMD).
#   make dev     run every function on http://127.0.0.1:9000 against moto on :4566, sign-in at :9400 [API_PORT=, EMULATOR_PORT=, OIDC_PORT=, RELOAD=1]
#   make test    fmt, clippy, all tests (private stacks), cfn-lint: what CI runs
#   make fuzz    schemathesis against infra/openapi.yaml on a private local stack [EXAMPLES=100]
#   make bench   bulk CSV upload at 1,000 and 10,000 rows: wall time, DynamoDB calls, RSS; cold starts
#   make bench-scim [ARGS="--group-size 2000"]   SCIM create, patch, lookup, list and a group push beside GET /orgs/{org}: req/s, p50/p99, as ratios
#   make package every function for arm64 in release, zipped (target/lambda/<name>/bootstrap.zip)
#   make token EMAIL=alice@example.com [UNVERIFIED=1]   an ID token from make dev's OpenID Connect provider
#   make invoke FN=sweep [EVENT=...]   run one function on a sample event (make dev running)
#   make mail [TO=bob@example.com]   the mail make dev sent, with its links (to open in a browser)
#   make bounce TO=bob@example.com [ORG=acme] [KIND=bounce|soft-bounce|complaint]   SES reports it (make dev running)
#   make routes  write what infra/functions.toml declares (template, router, ...) [-- --check] (docs/adding-an-operation.md)
#   make client  a typed Python client generated from infra/openapi.yaml into .dev/client/ (package roster_api_client)
#   make lint-contract   Spectral on infra/openapi.yaml, its examples against their schemas (both in make test)
#   make fmt | lint | clean | venv

SHELL := bash
PYTHON ?= python3
VENV := .venv
VENV_STAMP := $(VENV)/.requirements-installed
# make dev's ports; make invoke, mail and bounce talk to the make dev on them.
API_PORT ?= 9000
EMULATOR_PORT ?= 4566
OIDC_PORT ?= 9400
DEV_TABLE := roster-local

.PHONY: dev test token invoke mail bounce fmt lint clean venv

# (Re)install the Python toolchain (moto, cargo-lambda, cfn-lint) when requirements change.
venv: $(VENV_STAMP)
# uv (pinned) installs them in ~10 s where pip took 98 s on a fresh clone; pip
# is the fallback when uv cannot be had.
UV := uv==0.13.9
$(VENV_STAMP): requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	{ $(VENV)/bin/pip install --disable-pip-version-check -q "$(UV)" && \
		$(VENV)/bin/uv pip install -q --python $(VENV)/bin/python -r requirements-dev.txt; } || \
		$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# Ctrl-C (or SIGTERM, SIGHUP) stops everything it started. An emulator already
# answering on EMULATOR_PORT is reused (its data survives restarts of make dev).
dev: venv
	scripts/stack.py up --name dev --api-port $(API_PORT) --emulator-port $(EMULATOR_PORT) --oidc-port $(OIDC_PORT) \
		--reuse-emulator --one-emulator --table $(DEV_TABLE) $(if $(filter 1,$(RELOAD)),--reload)

test: venv
	scripts/test.sh

# Signs in as EMAIL on make dev's provider (the console's code + PKCE flow, no
# browser): the ID token the gateway accepts, as a person's browser holds it.
token:
	@test -n "$(EMAIL)" || { echo "usage: make token EMAIL=alice@example.com [UNVERIFIED=1]" >&2; exit 2; }
	@$(PYTHON) scripts/oidc_token.py "$(EMAIL)" --issuer http://127.0.0.1:$(OIDC_PORT) \
		--redirect-uri http://127.0.0.1:$(API_PORT)/app/callback $(if $(filter 1,$(UNVERIFIED)),--unverified)

# One function on its sample event, through the running `make dev`.
invoke: venv
	@test -n "$(FN)" || { echo "usage: make invoke FN=sweep [EVENT=events/sweep.json]" >&2; exit 2; }
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda invoke --invoke-address 127.0.0.1 --invoke-port $(API_PORT) \
		$(FN) --data-file $(or $(EVENT),events/$(FN).json)

# The mail `make dev` sent (the emulator's SES), newest last, with its links.
mail:
	@$(PYTHON) scripts/mail.py --emulator http://127.0.0.1:$(EMULATOR_PORT) $(if $(TO),--to "$(TO)")

# SES reports a bounce or complaint about the latest mail to TO (the emulator
# cannot): its event, with the mail's tags, through the running mail-events.
bounce: venv
	@test -n "$(TO)" || { echo "usage: make bounce TO=bob@example.com [ORG=acme] [KIND=bounce|soft-bounce|complaint]" >&2; exit 2; }
	@$(VENV)/bin/python scripts/ses_feedback.py "$(TO)" --org "$(or $(ORG),acme)" --kind "$(or $(KIND),bounce)" \
		--api http://127.0.0.1:$(API_PORT) --emulator http://127.0.0.1:$(EMULATOR_PORT) --table $(DEV_TABLE)

fmt:
	cargo fmt --all

lint: venv lint-contract
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/cfn-lint infra/template.yaml

# The contract as its readers' tools read it: Spectral's spectral:oas (npm, pinned
# in scripts/contract/, installed on first use), no error and no warning; every
# example valid against its schema, every component used (tests/contract).
.PHONY: lint-contract
lint-contract: venv
	scripts/contract/lint.sh
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(VENV)/bin/python -m pytest tests/contract -q -p no:cacheprovider

# A typed Python client (openapi-python-client, pinned) from infra/openapi.yaml
# into .dev/client/; fails on anything it skips that scripts/contract/client.py
# does not list with a reason (make test runs it with --check).
.PHONY: client
client: venv
	$(VENV)/bin/python scripts/contract/client.py

# Build output and runtime files; `rm -rf .venv` too for a full reset.
clean:
	cargo clean
	rm -rf .dev

# Schema-driven fuzzing (schemathesis) of the whole API on a private local stack, as admin, member, outsider.
.PHONY: fuzz
fuzz: venv
	scripts/stack.py run --name fuzz -- $(VENV)/bin/python tests/stack/test_fuzz.py --max-examples $(or $(EXAMPLES),100)

# Everything mechanical from infra/functions.toml and infra/base.yaml (the
# template, the route table, the router, the API table, a new function's crate
# and sample event), then the hand-written files checked against it (see
# docs/adding-an-operation.md). `make routes -- --check` (or CHECK=1) writes
# nothing and fails when anything generated is stale.
.PHONY: routes --check
routes:
	cargo xtask routes $(if $(or $(CHECK),$(filter --check,$(MAKECMDGOALS))),--check)

# `make routes -- --check` makes `--check` a goal: it does nothing.
--check:
	@:

# The bulk CSV upload at 1,000 and 10,000 rows: wall time, DynamoDB calls, peak RSS; cold starts (private emulators).
.PHONY: bench
bench: venv
	scripts/stack.py run --emulators-only --name bench --table roster-bench -- scripts/bench.sh

# SCIM throughput: create, patch, lookup and list beside GET /orgs/{org}, as ratios (a full local stack).
.PHONY: bench-scim
bench-scim: venv
	scripts/stack.py run --name bench-scim -- $(VENV)/bin/python scripts/bench_scim.py $(ARGS)

# Every function for Lambda's arm64 in release (cargo-lambda + zig), zipped, timed.
.PHONY: package
package: venv
	scripts/package.sh
