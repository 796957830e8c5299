# The two commands of the README: `make demo` and `make test`. Both create .venv on first use and reuse it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test bench lint typecheck ci clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make a second run reuse what exists; editing pyproject.toml reinstalls.
$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,redis]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_demo_user
	@echo "Serving the example project at http://127.0.0.1:$(PORT)/ (admin at /admin/, API at /api/whoami/)"
	$(PY) manage.py runserver --insecure 127.0.0.1:$(PORT)

test: $(VENV)/.dev-installed
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed
	$(PY) -m bench

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .coverage .coverage.* htmlcov .pytest_cache .mypy_cache .ruff_cache db.sqlite3
