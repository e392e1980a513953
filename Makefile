# AutoCoach: `make run` serves the app on http://localhost:3000; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3

# Reflex uses the bun installed from npm into .tools/ (its own installer needs
# the internet) and must not phone home.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PYTHON

.PHONY: setup setup-test run run-scaled lint test test-fast bench screenshots clean

setup:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

run: setup
	.venv/bin/reflex run --env prod

# Several workers on the local PostgreSQL and Redis (DATABASE_URL, REDIS_URL to override).
run-scaled: setup
	scripts/run-scaled.sh

lint: setup-test
	.venv/bin/ruff check autocoach tests bench

test: lint
	.venv/bin/pytest

# Everything but the browser tests: seconds instead of minutes.
test-fast: lint
	.venv/bin/pytest -m "not browser"

# Speed figures, printed and written to bench/RESULTS.md (no timed tests).
bench: setup-test
	cd bench && ../.venv/bin/python bench_analysis.py
	cd bench && ../.venv/bin/python bench_valuation.py
	cd bench && ../.venv/bin/python bench_ads.py
	cd bench && ../.venv/bin/python bench_report.py
	cd bench && ../.venv/bin/python bench_documents.py
	cd bench && ../.venv/bin/python bench_web.py
	cd bench && ../.venv/bin/python bench_jobs.py

# The main pages on a desktop and a phone, into docs/screenshots/ (shown in the README).
screenshots: setup-test
	AUTOCOACH_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots .venv/bin/pytest -q -m browser \
		tests/browser/test_every_page.py -k "landing or garage or vehicle-dashboard or vehicle-records or vehicle-sell or account"

clean:
	rm -rf .web .states test-artifacts .pytest_cache .hypothesis
