# scmflow developer commands. Every target creates and reuses one .venv at the
# repository root; Kafka and Redis are started by `scmflow dev up` unless
# KAFKA_BOOTSTRAP_SERVERS or REDIS_URL point elsewhere.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FILES ?=
PYTEST_ARGS ?=

CHAOS_EVENTS ?= 100000
CHAOS_KILLS ?= 30
BENCH_EVENTS ?= 50000

.PHONY: help install up down status topics run test chaos bench lint reset clean

help:
	@echo "make run           run the pipeline on the bundled sample ship notices and print a summary"
	@echo "make run FILES=..  the same with your own X12 files"
	@echo "make test          unit and integration tests against the real Kafka broker and Redis"
	@echo "make up / down     start or stop the local Kafka broker and Redis server"
	@echo "make status        show whether the broker and Redis answer"
	@echo "make chaos         fault-injection check (CHAOS_EVENTS, CHAOS_KILLS)"
	@echo "make bench         scmflow against Quix Streams, faust and a bare client (BENCH_EVENTS)"
	@echo "make lint          ruff and the import-layer contracts"
	@echo "make reset         stop the local services and delete their data"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/scmflow dev up

down: $(STAMP)
	$(BIN)/scmflow dev down

status: $(STAMP)
	$(BIN)/scmflow dev status

topics: up
	$(BIN)/scmflow topics apply

run: $(STAMP)
	$(BIN)/scmflow --log-level ERROR demo $(FILES)

test: $(STAMP)
	$(BIN)/scmflow schemas check
	$(BIN)/scmflow dev up
	$(BIN)/python -m pytest $(PYTEST_ARGS)

chaos: $(STAMP)
	$(BIN)/scmflow --log-level WARNING chaos --events $(CHAOS_EVENTS) --kills $(CHAOS_KILLS)

# The peers need older confluent-kafka and click releases than scmflow, so they
# get a virtual environment of their own inside .venv.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	test -x $(VENV)/peers/bin/python || $(PYTHON) -m venv $(VENV)/peers
	$(BIN)/python bench/peers_requirements.py > $(VENV)/peers/requirements.txt
	$(VENV)/peers/bin/python -m pip install --quiet -r $(VENV)/peers/requirements.txt
	uptime
	BENCH_EVENTS=$(BENCH_EVENTS) $(BIN)/python -m bench.run
	uptime

lint: $(STAMP)
	$(BIN)/ruff check canonical adapters processors scmflow tests
	$(BIN)/lint-imports

reset: $(STAMP)
	$(BIN)/scmflow dev down
	rm -rf .local

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
