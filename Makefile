# Tessera. Rules: deps · build · run · demo · keys · openapi · test · test-unit · test-e2e · bench · soak · mutate · check · clean
#   make run    start session-server on 127.0.0.1:8080 (SQLite ./data/tessera.sqlite, dev keys generated)
#   make demo   generate dev keys if missing, print the JWKS and a freshly minted, verified token
#   make openapi  compile Docs/openapi.yaml into the server (Sources/SessionServer/APIDocs/OpenAPIDocument.swift) after editing it
#   make test   unit tests (swift-testing) + end-to-end: CLI, RFC vectors, PyJWT, Clerk's SDK, crash safety, nginx auth_request, two processes on one database, tenants (PyJWT, live rotation), the admin and user sides (consents, audit, anomalies, CORS, rate limits), data at rest, the audit chain under tampering, connection timeouts, start-up refusals, the /docs page in headless Chromium offline, /v1 rate limits (Clerk's SDK), backups under load, sessionctl against a server, metrics parsed by prometheus_client and JSON logs, /openapi.yaml from another directory, the Python feed follower, every runnable snippet of README.md and Docs/,
#               three nodes on PostgreSQL behind nginx (POSTGRES_URL, or a throwaway cluster as for the unit tests)
#               (unit tests: the PostgreSQL store's against POSTGRES_URL, or a throwaway cluster from Scripts/postgres-cluster.sh)
#   make mutate one-line mutants of the security-critical code (Tests/Mutation/mutants.txt), each rebuilt and run
#               against the unit tests that link it; every one must be killed. ONLY=id[,id] runs just those. A developer
#               tool (about 15-20 min), not part of `make test`.
#   make bench  release build; tokens/s per core vs `openssl speed` (and the floor any token reaches through EVP), the store at 1 M sessions, HTTP under wrk, revocation propagation;
#               then PostgreSQL (POSTGRES_URL, or a throwaway cluster; "skipped" without it): the store at 1 M sessions beside
#               SQLite's, propagation across 3 nodes, gateway and mint req/s with 1 node and 3 behind nginx (PG_BENCH_* scale it down)
#   make soak   release build; the server on a temporary database under a mixed load (6 clients: user, session, 5 tokens,
#               20 gateway verifies and 1 deprecated verify each, revoke; 2 revocation-feed followers that must see every
#               revocation once, in order) for SOAK_SECONDS (default 1800); resident memory
#               (VmRSS) every minute, req/s, errors. Fails on an error, RSS over 128 MiB, or growth over 5 % after 5 min.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug
VENV := .venv
PYTHON := $(VENV)/bin/python
APT_PACKAGES := libssl-dev libsqlite3-dev libmaxminddb-dev openssl pkg-config python3-venv python3-yaml nginx-light chromium postgresql
DEV_KEYS := keys/dev

.PHONY: deps build run demo keys openapi test test-unit test-e2e test-e2e-scripts bench soak mutate check clean

# Installs the system packages when one is missing (as root, or through sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build --product sessionctl
	$(SWIFT) build --product session-server

# Dev keys through the openssl CLI, only where missing: RS256 (RSA 2048), ES256 (P-256), EdDSA (Ed25519), and the
# key-encryption key that seals template signing keys in the database (32 random bytes, base64).
keys: deps
	@mkdir -p $(DEV_KEYS) && chmod 700 $(DEV_KEYS)
	@[ -f $(DEV_KEYS)/rs256.pem ] || (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $(DEV_KEYS)/rs256.pem 2>/dev/null && echo "generated $(DEV_KEYS)/rs256.pem")
	@[ -f $(DEV_KEYS)/es256.pem ] || (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $(DEV_KEYS)/es256.pem && echo "generated $(DEV_KEYS)/es256.pem")
	@[ -f $(DEV_KEYS)/eddsa.pem ] || (umask 077 && openssl genpkey -algorithm ED25519 -out $(DEV_KEYS)/eddsa.pem && echo "generated $(DEV_KEYS)/eddsa.pem")
	@[ -f $(DEV_KEYS)/kek.b64 ] || (umask 077 && openssl rand -base64 32 >$(DEV_KEYS)/kek.b64 && echo "generated $(DEV_KEYS)/kek.b64 (key-encryption key)")

# The OpenAPI document is compiled in (served whatever the working directory); OpenAPIContractTests fails while
# the generated source is stale.
openapi: deps
	python3 Scripts/generate-openapi.py

run: keys build
	@$(BIN)/session-server

demo: keys build
	@$(BIN)/sessionctl demo --keys $(DEV_KEYS)

test: deps
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-e2e

# With POSTGRES_URL the PostgreSQL store's tests run against that server; without it, against a throwaway cluster
# (Scripts/postgres-cluster.sh, stopped at the end, also on failure) when Debian's postgresql is installed; else skipped.
test-unit:
	@if [ -n "$$POSTGRES_URL" ]; then \
	  echo "PostgreSQL tests against POSTGRES_URL"; $(SWIFT) test --disable-xctest; \
	elif bash Scripts/postgres-cluster.sh available; then \
	  trap 'bash Scripts/postgres-cluster.sh stop' EXIT; \
	  url=$$(bash Scripts/postgres-cluster.sh start) || exit 1; \
	  echo "PostgreSQL tests against a throwaway cluster: $$url"; \
	  POSTGRES_URL="$$url" $(SWIFT) test --disable-xctest; \
	else \
	  echo "PostgreSQL tests skipped: POSTGRES_URL unset (and no PostgreSQL binaries to start a cluster)"; \
	  $(SWIFT) test --disable-xctest; \
	fi

$(PYTHON):
	@python3 -m venv $(VENV) && $(VENV)/bin/pip install -q --disable-pip-version-check 'clerk-backend-api==7.0.0' 'pyjwt>=2.10' 'cryptography>=42' 'prometheus-client==0.26.0'

# The multi-node scripts need PostgreSQL: POSTGRES_URL, or one throwaway cluster (its own state, beside test-unit's)
# started for the whole rule and stopped at its end, also on failure; each script makes a database of its own there.
test-e2e: $(PYTHON)
	@if [ -n "$$POSTGRES_URL" ] || ! bash Scripts/postgres-cluster.sh available; then $(MAKE) --no-print-directory test-e2e-scripts; \
	else export POSTGRES_CLUSTER_STATE=.build/postgres-cluster-e2e; trap 'bash Scripts/postgres-cluster.sh stop' EXIT; \
	  url=$$(bash Scripts/postgres-cluster.sh start) || exit 1; echo "end-to-end: PostgreSQL at a throwaway cluster: $$url"; \
	  POSTGRES_URL="$$url" $(MAKE) --no-print-directory test-e2e-scripts; fi

test-e2e-scripts: $(PYTHON)
	@$(SWIFT) build --product sessionctl >/dev/null
	@$(SWIFT) build --product session-server >/dev/null
	@set -o pipefail; SESSIONCTL=$(BIN)/sessionctl bash Tests/EndToEnd/rfc-vectors.sh | tee .build/e2e-rfc.log
	@set -o pipefail; SESSIONCTL=$(BIN)/sessionctl PYTHON=$(PYTHON) bash Tests/EndToEnd/tokens.sh | tee .build/e2e-tokens.log
	@set -o pipefail; SESSION_SERVER=$(BIN)/session-server SESSIONCTL=$(BIN)/sessionctl PYTHON=$(PYTHON) bash Tests/EndToEnd/clerk-sdk-probe.sh | tee .build/e2e-probe.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/crash_safety.py $(BIN)/session-server | tee .build/e2e-crash.log
	@set -o pipefail; SESSION_SERVER=$(BIN)/session-server SESSIONCTL=$(BIN)/sessionctl PYTHON=$(PYTHON) bash Tests/EndToEnd/revocation-feed.sh | tee .build/e2e-feed.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/nginx_gateway.py $(BIN)/session-server | tee .build/e2e-nginx.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/two_processes.py $(BIN)/session-server | tee .build/e2e-two-processes.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/tenants.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-tenants.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/admin.py $(BIN)/session-server Tests/SessionGeoTests/Fixtures/GeoIP2-City-Test.mmdb | tee .build/e2e-admin.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/user_side.py $(BIN)/session-server $(BIN)/sessionctl Tests/SessionGeoTests/Fixtures/GeoIP2-City-Test.mmdb | tee .build/e2e-user-side.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/at_rest.py $(BIN)/session-server | tee .build/e2e-at-rest.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/audit_verify.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-audit.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/timeouts.py $(BIN)/session-server | tee .build/e2e-timeouts.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/startup.py $(BIN)/session-server | tee .build/e2e-startup.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/docs_browser.py $(BIN)/session-server | tee .build/e2e-docs.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/openapi_served.py $(BIN)/session-server | tee .build/e2e-openapi.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/python_follower.py $(BIN)/session-server | tee .build/e2e-python-follower.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/doc_snippets.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-doc-snippets.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/v1_rate_limit.py $(BIN)/session-server | tee .build/e2e-v1-rate-limit.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/backup.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-backup.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/cli_server.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-cli-server.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/observability.py $(BIN)/session-server | tee .build/e2e-observability.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/multi_node.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-multi-node.log
	@set -o pipefail; $(PYTHON) Tests/EndToEnd/multi_node_stream.py $(BIN)/session-server | tee .build/e2e-multi-node-stream.log
	@set -o pipefail; bash Scripts/with-postgres.sh $(PYTHON) Tests/EndToEnd/copy_database.py $(BIN)/session-server $(BIN)/sessionctl | tee .build/e2e-copy-database.log
	@cat .build/e2e-*.log | awk '/^ok /{p++} /^FAIL /{f++} /^skip /{s++} /^note /{n++} END {printf "end-to-end: %d passed, %d failed, %d skipped, %d noted\n", p, f, s, n; exit f>0}'

bench: deps
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(SWIFT) build -c release --product TokenBenchmarks
	$(SWIFT) build -c release --product StoreBenchmarks
	$(SWIFT) build -c release --product RevocationBenchmarks
	$(SWIFT) build -c release --product DeviceBenchmarks
	$(SWIFT) build -c release --product session-server
	@set -o pipefail; taskset -c 0 .build/release/TokenBenchmarks | tee .build/token-bench.txt
	@INPUT_BYTES="$$(sed -n 's/^SIGNING_INPUT_BYTES //p' .build/token-bench.txt)" bash Tests/Benchmarks/BarePrimitive/bare-primitive.sh
	@set -o pipefail; taskset -c 0 .build/release/DeviceBenchmarks | tee .build/device-bench.txt
	@.build/release/StoreBenchmarks | tee .build/store-bench.txt
	@STORE_ROWS="$$(sed -n 's/^STORE_ROWS //p' .build/store-bench.txt)" SESSION_SERVER=.build/release/session-server bash Tests/Benchmarks/http-bench.sh
	@SESSION_SERVER=.build/release/session-server REVOCATION_BENCH=.build/release/RevocationBenchmarks bash Tests/Benchmarks/revocation-bench.sh
	@set -o pipefail; SESSION_SERVER=.build/release/session-server STORE_BENCH=.build/release/StoreBenchmarks bash Tests/Benchmarks/postgres-bench.sh | tee .build/postgres-bench.txt

soak: deps
	$(SWIFT) build -c release --product session-server
	@mkdir -p .build && set -o pipefail; SESSION_SERVER=.build/release/session-server bash Tests/Soak/soak.sh | tee .build/soak.txt

mutate:
	@bash Tests/Mutation/mutate.sh $(if $(ONLY),--only $(ONLY))

# Every product with warnings as errors. (Test targets are left out: swift-testing's own macro
# expansions warn under -warnings-as-errors on this toolchain.)
check: deps
	$(SWIFT) build --scratch-path .build-check -Xswiftc -warnings-as-errors

clean:
	rm -rf .build .build-check $(VENV)
