# Nivesh ML Services. New here? `make demo`, then `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
NIVESH := $(VENV)/bin/nivesh
# what Podman needs here (one home: nivesh.cluster.build), read when a recipe uses it
PODMAN_PACKAGES = $(shell $(PY) -c "from nivesh.cluster.build import PODMAN_PACKAGES; print(PODMAN_PACKAGES)")
SETUP := $(VENV)/.setup-done

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-fast test-unit test-integration test-e2e lint typecheck format compile render \
        validate rules bench bench-quality bench-load bench-speed lock images test-images clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(SETUP): requirements.lock pyproject.toml scripts/bootstrap.sh
	@bash scripts/bootstrap.sh
	@touch $@

setup: $(SETUP) ## create .venv, install locked deps and missing Debian packages

demo: $(SETUP) ## the whole loop locally: data, Feast, pipeline, servers, traffic, monitor
	$(NIVESH) demo

test: $(SETUP) ## every test: unit, integration (real services on loopback) and end-to-end; slowest 25 shown
	$(PY) -m pytest -q --durations=25

test-images: $(SETUP) ## build the images and run each one (Docker, else Podman as root: installed with apt-get where missing)
	@if ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; } && ! command -v podman >/dev/null; then \
	  echo "installing Podman: apt-get install $(PODMAN_PACKAGES)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PODMAN_PACKAGES); fi
	$(PY) -m pytest -q -m images tests/integration/test_containers.py --durations=10

test-fast: $(SETUP) ## the inner loop: every test not marked slow (a few minutes)
	$(PY) -m pytest -q -m "not slow" --durations=10

test-unit: $(SETUP) ## unit tests only
	$(PY) -m pytest -q tests/unit

test-integration: $(SETUP) ## integration tests (Redis, PostgreSQL, Pushgateway, servers, kfp.local)
	$(PY) -m pytest -q tests/integration

test-e2e: $(SETUP) ## end-to-end loop on a small generated data set
	$(PY) -m pytest -q tests/e2e

lint: $(SETUP) ## ruff lint + format check, mypy on the library, tests, benchmarks and deployables
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

format: $(SETUP) ## ruff format + autofix
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

typecheck: $(SETUP) ## mypy alone (the files are listed in pyproject.toml)
	$(VENV)/bin/mypy

compile: $(SETUP) ## compile pipelines to pipelines/compiled/
	$(NIVESH) pipeline compile all

render: $(SETUP) ## regenerate manifests rendered from code
	$(NIVESH) render

validate: $(SETUP) ## kustomize + strict schema validation of every overlay, promtool on rules
	$(PY) -m pytest -q tests/unit/test_manifests.py tests/unit/test_alert_rules.py

bench: bench-quality bench-load bench-speed ## all benchmarks (writes benchmarks/out/)

bench-quality: $(SETUP) ## every model's quality on the real data sets in ../shared/data
	$(PY) benchmarks/credit_risk_quality.py
	$(PY) benchmarks/anomaly_quality.py
	$(PY) benchmarks/spending_quality.py
	$(PY) benchmarks/ner_quality.py
	$(PY) benchmarks/advisor_quality.py --extra-source ../shared/data/advice/india_tax_faqs.json ../shared/data/advice/fiqa_qa_pairs.jsonl
	$(PY) benchmarks/intent_quality.py  # about an hour on two cores

bench-speed: $(SETUP) ## models' speed beside their baselines (needs `make demo` models in var/)
	NIVESH_HOME=$(or $(NIVESH_HOME),var) $(PY) benchmarks/model_speed.py

bench-load: $(SETUP) ## wrk load test: predictor, transformer+Feast+predictor, MLServer baseline
	$(PY) benchmarks/load.py

lock: ## re-resolve requirements.lock from pyproject.toml, then cut the per-image sets from it
	$(VENV)/bin/uv pip compile --python-version 3.11 --extra dev --generate-hashes --find-links $${TORCH_WHEELS:-/opt/wheels} pyproject.toml -o requirements.lock
	$(MAKE) setup
	$(NIVESH) images lock

images: $(SETUP) ## build every image in nivesh/cluster/images.py (Docker, else Podman; a Debian base where none can be pulled)
	$(NIVESH) images build

clean: ## remove local state (var/, generated data); keeps .venv
	rm -rf var feature_repo/data manifests/generated benchmarks/out
