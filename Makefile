# agentfleet — every command a developer or CI needs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
ENV ?= dev
export REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help install dev test typecheck build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## install npm dependencies when missing or stale

dev: install ## run API, worker and scaler locally (starts redis-server when none answers on REDIS_URL)
	scripts/ensure-redis.sh
	node bin/agentfleet.js dev

typecheck: install ## type-check every TypeScript file
	npx tsc -p tsconfig.json --noEmit

# The AWS SDK warns once per process that its 2027 releases will need Node 22; every test process
# would print it. The image runs Node 22.
test: export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = true
test: install typecheck ## every test; starts and stops the servers they need
	scripts/check-test-tools.sh
	npx ava

build: install ## compile to dist/ (what the container image runs)
	npm run build

.PHONY: bench
bench: install ## benchmarks of issue 5: bench/results/<name>.json and a markdown table (BENCH="api-ingest --quick" to pick)
	npx tsx bench/main.ts $(BENCH)

.PHONY: synth plan deploy destroy

synth: install ## synthesize one stack to cdktf.out/stacks/$(ENV) (ENV=dev|staging|prod|<env>-bootstrap)
	scripts/infra.sh synth $(ENV)

plan: install ## terraform plan for ENV (needs AWS credentials)
	scripts/infra.sh plan $(ENV)

deploy: install ## plan and apply ENV; refuses without AWS credentials, asks before prod unless CI=true
	scripts/infra.sh deploy $(ENV)

destroy: install ## destroy ENV; refuses without AWS credentials, asks before prod unless CI=true
	scripts/infra.sh destroy $(ENV)

.PHONY: chaos
chaos: install ## reliability scenarios: chaos/results/<scenario>.json and a markdown table (CHAOS="poison breaker" to pick)
	npx tsx chaos/main.ts $(CHAOS)
