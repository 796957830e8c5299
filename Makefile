# The two commands of the README: `make demo` and `make test`. Both create .venv on first use and reuse it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

CORS_PORT ?= 8001

.PHONY: demo demo-cors test bench lint typecheck docs wheel ci clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make a second run reuse what exists; editing pyproject.toml reinstalls.
$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,redis]'
	touch $@ $(VENV)/.demo-installed

# The client's URL and the credentials come first, above the server's own log lines.
demo: $(VENV)/.demo-installed
	@$(PY) manage.py migrate --noinput -v 0 --skip-checks
	@$(PY) manage.py ensure_demo_user --skip-checks >/dev/null
	@echo "================================================================================"
	@echo "  Web client:  http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as:  demo / demo-password   (local demo only)"
	@echo "  Also: admin at /admin/, API at /api/whoami/, endpoints under /auth/"
	@echo "================================================================================"
	$(PY) manage.py runserver --insecure 127.0.0.1:$(PORT)

# The same client from a second origin, talking cross-origin (CORS + refresh cookie) to `make demo`'s server.
demo-cors: $(VENV)/.demo-installed
	@echo "================================================================================"
	@echo "  Web client on a second origin: http://127.0.0.1:$(CORS_PORT)/"
	@echo "  It talks to the API of \`make demo\` at http://127.0.0.1:$(PORT) (start that first)."
	@echo "  Sign in as:  demo / demo-password   (local demo only)"
	@echo "================================================================================"
	WEB_CLIENT_API_BASE=http://127.0.0.1:$(PORT) $(PY) manage.py runserver --insecure 127.0.0.1:$(CORS_PORT)

test: $(VENV)/.dev-installed
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed
	$(PY) -m bench

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy

# The documentation site into site/ (`mkdocs serve` for a live preview), warnings as errors like CI.
docs: $(VENV)/.dev-installed
	$(PY) -m pip install --quiet -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Build the sdist and wheel, twine-check them, install the wheel into a clean venv and check a fresh project.
wheel: $(VENV)/.dev-installed
	$(PY) -m pip install --quiet -e '.[release]'
	bash .ci/wheel-check

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .coverage .coverage.* htmlcov .pytest_cache .mypy_cache .ruff_cache db.sqlite3 site dist *.egg-info
