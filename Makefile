# 数据大脑 — the two commands (see README.md).
#   make run    set up and serve http://127.0.0.1:8050 (builds the demo warehouse on first run)
#   make test   set up (incl. Chromium + CJK fonts as root) and run the whole test suite
.PHONY: run test setup setup-test demo status lint bench

run: setup
	.venv/bin/databrain serve

test: setup-test
	.venv/bin/python -m pytest

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

demo: setup
	.venv/bin/databrain demo

status: setup
	.venv/bin/databrain status

lint: setup-test
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup
	.venv/bin/python benchmarks/ingest_scale.py
	.venv/bin/python benchmarks/ingest_memory.py 10
	.venv/bin/python benchmarks/indicators_recompute.py 1
	.venv/bin/python benchmarks/reports_batch.py
