# Chaos harness for the data-platform incident runbooks. `make help` lists the targets.
PY         := .venv/bin/python
ALLURE_DIR ?= reports/allure-results
ARGS       ?=
# PARALLEL (default "-n 2 --dist loadgroup --no-loadscope-reorder") runs the chaos suite's two halves (core services
# + O2O / data-platform profiles + Flink + Trino) on two workers, each with its own stack (chaos_harness/parallel.py):
# on 2 cores 46 of 46 passed in 11 min 09 s (4728e4c, 2026-12-02), about 19 min in one process. PARALLEL= runs it
# in one process on one stack.
PARALLEL   ?= -n 2 --dist loadgroup --no-loadscope-reorder
# `make test` (CI) runs the unit tests first on two workers (no containers: ~1 min instead of ~3.5 serially), then
# the rest on two workers, a stack each (core + O2O / data platform + Flink + Trino), each stack released after its
# half: ~15 min on 2 cores instead of ~25.5 serially. Two fresh-clone runs of ede5e5a passed clean (13 min 56 s and
# 14 min 19 s for the non-unit phase); earlier two-worker runs, before each profile was removed after its last test
# and the no-fault control stopped early, missed checks under the load (docs/operations.md "Parallel runs").
# TEST_PARALLEL= runs the rest in one process.
TEST_PARALLEL ?= -n 2 --dist loadgroup --no-loadscope-reorder

.PHONY: help bootstrap tools chaos test unit integration cleanup stack-up validate scenarios plan render-config coverage gate bench \
	report support-probe notification-probe notification-chaos-provider notification-chaos-redis support-offload \
	chaos-replication-lag chaos-schema-drift chaos-ttl-oversell chaos-fulfillment-delay chaos-trino-backlog chaos-flink-schema-change chaos-lakehouse-commit \
	o2o-seed o2o-pause-seeding o2o-force-fail

help:           ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

bootstrap:      ## venv + Docker engine + compose plugin + base image (idempotent, seconds when ready)
	@./scripts/bootstrap.sh

tools:          ## only the venv and host tools (promtool, Allure CLI, actionlint, chromium) into .tools/
	@./scripts/bootstrap.sh python tools

chaos: bootstrap ## MAIN JOB: every runbook scenario and its negative controls against the bundled stack -> reports/allure-results + reports/allure-report
	@rm -rf $(ALLURE_DIR)
	$(PY) -m pytest -m chaos $(PARALLEL) --alluredir=$(ALLURE_DIR) $(ARGS); status=$$?; \
	  $(PY) -m chaos_harness coverage --alluredir $(ALLURE_DIR) || true; \
	  $(PY) -m chaos_harness report --alluredir $(ALLURE_DIR) || true; \
	  exit $$status

test: bootstrap ## the whole test suite: unit, stack integration, crash recovery and the chaos scenarios
	@rm -rf $(ALLURE_DIR)
	$(PY) -m pytest -m unit -n 2 --alluredir=$(ALLURE_DIR) $(ARGS); unit=$$?; \
	  $(PY) -m pytest -m "not unit" $(TEST_PARALLEL) --alluredir=$(ALLURE_DIR) $(ARGS); rest=$$?; \
	  [ $$unit -eq 0 ] && exit $$rest; [ $$rest -eq 0 -o $$rest -eq 5 ] && exit $$unit; exit $$rest

unit: tools     ## fast tests of the harness itself, promtool rule tests, report and workflow checks (no containers)
	$(PY) -m pytest -m unit $(ARGS)

integration: bootstrap ## tests that need the stack but inject no scenario
	$(PY) -m pytest -m stack $(ARGS)

cleanup: bootstrap ## revert faults and remove stacks a crashed run left behind (ARGS="--dry-run|--all|--project P")
	$(PY) -m chaos_harness cleanup $(ARGS)

stack-up: bootstrap ## start a stack and leave it running, printing its URLs (remove: make cleanup ARGS="--project P")
	$(PY) -m chaos_harness stack-up $(ARGS)

validate: tools  ## check every scenario (rules, runbook, Alertmanager route, compose, PromQL) without starting anything
	$(PY) -m chaos_harness validate $(ARGS)

scenarios:      ## list the runbook scenarios
	$(PY) -m chaos_harness scenarios

plan:           ## print a scenario's plan and derived bounds without touching anything: make plan ARGS=notification_redis_outage
	$(PY) -m chaos_harness plan $(ARGS)

render-config:  ## write the time-compressed monitoring config to build/monitoring (ARGS="--time-factor 60")
	$(PY) -m chaos_harness render-config $(ARGS)

coverage: tools ## runbook sections and alerts: proven / failing / not run / not covered (ARGS=--strict); reports/coverage.*
	$(PY) -m chaos_harness coverage --alluredir $(ALLURE_DIR) $(ARGS)

gate: bootstrap ## release gate: run scenarios (ARGS="--scenario ID"), judge budgets; reports/gate.*; exit 0/1/2
	$(PY) -m chaos_harness gate --alluredir $(ALLURE_DIR) $(ARGS)

bench: bootstrap ## our Redis drill vs the Chaos Toolkit peer on one stack (ARGS="--runs 5", "--suite reports/allure-results") -> reports/bench.md
	$(PY) -m chaos_harness bench $(ARGS)

report: tools   ## Allure HTML report (offline, with history and categories) in reports/allure-report
	-$(PY) -m chaos_harness coverage --alluredir $(ALLURE_DIR)
	$(PY) -m chaos_harness report --alluredir $(ALLURE_DIR) $(ARGS)

# -- the runbook's probes, drills and maintenance (default --base-url: the running chaos stack) ----
support-probe: bootstrap ## synthetic support timeline probe, JSON report: ARGS="--base-url http://127.0.0.1:PORT"
	$(PY) scripts/synthetic/support_timeline_probe.py $(ARGS)

notification-probe: bootstrap ## synthetic notification create/send probe, JSON report
	$(PY) scripts/synthetic/notification_probe.py $(ARGS)

notification-chaos-provider: bootstrap ## drill: the provider rejects N new notifications: ARGS="--base-url URL --count 10"
	$(PY) scripts/chaos/notification_provider_failure.py $(ARGS)

notification-chaos-redis: bootstrap ## drill: pause Redis, send, check limiter errors, restore: ARGS="--base-url URL"
	$(PY) scripts/chaos/notification_redis_outage.py $(ARGS)

support-offload: bootstrap ## maintenance: offload old attachments: ARGS="--dry-run" or ARGS="--age-days 30"
	$(PY) scripts/maintenance/offload_support_attachments.py $(ARGS)

chaos-replication-lag: bootstrap ## drill: pause orders-cdc, write rows, report deltas: ARGS="--connect-url URL --rows 200 [--revert]"
	$(PY) scripts/chaos/simulate_replication_lag.py $(ARGS)

chaos-schema-drift: bootstrap ## drill: add an unexpected column: ARGS="--table oltp.orders --column unexpected_field [--revert]"
	$(PY) scripts/chaos/simulate_schema_drift.py $(ARGS)

chaos-ttl-oversell: bootstrap ## drill: lower the reservations TTL: ARGS="--keyspace inventory --table reservations --ttl 60" (--revert --previous-ttl N, --dry-run)
	$(PY) scripts/chaos/simulate_ttl_oversell.py $(ARGS)

chaos-fulfillment-delay: bootstrap ## drill: hold labels in MinIO: ARGS="--count 25 --hold-minutes 30 --support-ticket-id T" (or --revert / --dry-run)
	$(PY) scripts/chaos/simulate_fulfillment_delay.py $(ARGS)

chaos-trino-backlog: bootstrap ## drill: heavy Trino queries above the concurrency limit: ARGS="--queries 8" (or --revert / --dry-run)
	$(PY) scripts/chaos/simulate_trino_backlog.py $(ARGS)

chaos-flink-schema-change: bootstrap ## drill: oltp.orders.amount to text + an order: the Flink job keeps restarting (ARGS="--revert" / "--dry-run")
	$(PY) scripts/chaos/simulate_flink_schema_change.py $(ARGS)

chaos-lakehouse-commit: bootstrap ## drill: MinIO frozen + an order: the Flink job's Paimon commits fail (ARGS="--revert" / "--dry-run")
	$(PY) scripts/chaos/simulate_lakehouse_commit_failure.py $(ARGS)

o2o-seed: bootstrap ## O2O: place orders with OMS (POST /api/v1/seed-mock-data): ARGS="--count 10"
	$(PY) scripts/chaos/simulate_o2o_orders.py seed $(ARGS)

o2o-pause-seeding: bootstrap ## drill: pause the O2O order feed (NoNewOrders): ARGS="--revert" / "--dry-run"
	$(PY) scripts/chaos/simulate_o2o_orders.py pause-seeding $(ARGS)

o2o-force-fail: bootstrap ## drill: OMS fails new orders, the payment service answers 503 (TooManyFailures): ARGS="--revert" / "--dry-run"
	$(PY) scripts/chaos/simulate_o2o_orders.py force-fail $(ARGS)
