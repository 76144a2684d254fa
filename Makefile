# Every target bootstraps .venv from nothing, so a fresh clone needs only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: demo lab test test-fast bench lint format clean system-deps browser-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: run the main job headless on the embedded sim models and write its report
demo: $(STAMP)
	$(PY) -m swarmnb demo --out reports/demo

## lab: open JupyterLab on the notebooks
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 notebooks/

## system-deps: Debian packages the tests use: Chromium (browser tests), bubblewrap (sandbox)
system-deps:
	@if [ -x /usr/bin/chromium ] && command -v bwrap >/dev/null; then echo "chromium, bwrap present"; \
	elif command -v apt-get >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO apt-get install -y -qq chromium fonts-dejavu-core bubblewrap >/dev/null; \
	else echo "no apt-get: install chromium and bubblewrap yourself for the tests" >&2; exit 1; fi

## browser-deps: the old name of system-deps
browser-deps: system-deps

## test: lint, unit/property/integration tests, browser tests and every notebook
test: $(STAMP) system-deps
	$(VENV)/bin/ruff check swarmnb tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q -p no:cacheprovider tests --nbval notebooks \
	  --nbval-sanitize-with tests/notebooks/sanitize.cfg --timeout 900

## test-fast: the unit and property tests only
test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -x tests/unit tests/property

## bench: the benchmark scripts (figures on sim models are simulations)
bench: $(STAMP)
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/virtual_clock.py
	$(PY) benchmarks/dashboard_overhead.py
	$(PY) benchmarks/agent_recovery.py
	$(PY) benchmarks/swarm_vs_single.py --jobs 2
	$(PY) benchmarks/sandbox_overhead.py
	$(PY) benchmarks/coding_team.py --jobs 2
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/vision_snapshot.py
	$(PY) benchmarks/service_load.py
	$(PY) -m swarmnb bench --size full --experiment all --out reports/bench --jobs 2

lint: $(STAMP)
	$(VENV)/bin/ruff check swarmnb tests benchmarks
	$(VENV)/bin/ruff format --check swarmnb tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff format swarmnb tests benchmarks
	$(VENV)/bin/ruff check --fix swarmnb tests benchmarks

clean:
	rm -rf $(VENV) runs reports build dist .pytest_cache .hypothesis
