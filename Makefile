# Throughline — `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core (pytest-xdist; a file stays on one worker); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

.PHONY: install system-deps interop-tools migrate run serve worker test bench lint audit

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) system-deps

# Graphviz renders diagrams; Redis backs a team server's job queue and login limits (and their tests); the Noto
# fonts let the PDF and diagrams draw every script (CJK, Arabic, emoji); a Java runtime runs identity on Spark
# (pyspark); PostgreSQL server binaries let the tests run on both databases;
# Debian's Chromium runs the browser tests. Installed with apt-get when missing and we are root; otherwise we say
# what to install.
system-deps:
	@need=""; command -v dot >/dev/null 2>&1 || need="$$need graphviz"; \
	command -v java >/dev/null 2>&1 || need="$$need default-jre-headless"; \
	command -v redis-server >/dev/null 2>&1 || need="$$need redis-server"; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then \
	  need="$$need postgresql"; fi; \
	for font in "Noto Sans:fonts-noto-core" "Noto Sans CJK JP:fonts-noto-cjk" "Noto Color Emoji:fonts-noto-color-emoji"; do \
	  fc-list "$${font%%:*}" 2>/dev/null | grep -q . || need="$$need $${font#*:}"; done; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$need"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null || \
	    echo "apt-get could not install:$$need" >&2; \
	  else echo "Please install these system packages:$$need (e.g. sudo apt-get install$$need)" >&2; fi; \
	fi

migrate: install
	$(FLASK) db upgrade --directory migrations

run: migrate
	$(FLASK) demo setup
	$(FLASK) run --host $(HOST) --port $(PORT)

# A team server (docs/team-server.md): gunicorn on DATABASE_URL (PostgreSQL, or the SQLite default), behind a TLS
# proxy; with REDIS_URL set, engine runs and reports go to `make worker` processes.
serve: migrate
	$(BIN)/gunicorn -c docs/deploy/gunicorn.conf.py app.wsgi:app

worker: migrate
	$(FLASK) worker

# The third-party readers the interchange tests open our files with: StrictDoc (ReqIF) in its own venv (its
# pins clash with ours) and mermaid-cli (driving Debian's Chromium). Best effort: without them those two
# tests skip and say why.
TOOLS := .tools
STRICTDOC := $(TOOLS)/strictdoc/bin/strictdoc
MMDC := $(TOOLS)/mermaid/node_modules/.bin/mmdc

interop-tools: $(STRICTDOC) $(MMDC)

$(STRICTDOC):
	@$(PYTHON) -m venv $(TOOLS)/strictdoc && $(TOOLS)/strictdoc/bin/pip install --quiet strictdoc==0.30.4 >$(TOOLS)/strictdoc-install.log 2>&1 \
	  || echo "StrictDoc could not be installed: the ReqIF reader test will skip" >&2

$(MMDC):
	@command -v npm >/dev/null 2>&1 && mkdir -p $(TOOLS)/mermaid && cd $(TOOLS)/mermaid && \
	  PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund @mermaid-js/mermaid-cli@12.2.0 >/dev/null \
	  || echo "mermaid-cli could not be installed (npm missing?): the Mermaid render test will skip" >&2

test: install interop-tools
	$(BIN)/lint-imports --no-cache
	@[ -x $(STRICTDOC) ] && export THROUGHLINE_STRICTDOC=$(abspath $(STRICTDOC)); \
	[ -x $(MMDC) ] && export THROUGHLINE_MMDC=$(abspath $(MMDC)); \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

bench: migrate
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Known advisories in the pinned set (pip-audit, from PyPI's advisory data; skipped with a note when PyPI is out of
# reach) and bandit's security lint of our code. Both live in their own venv: their pins are not ours.
AUDIT := $(TOOLS)/audit/bin
audit:
	@test -x $(AUDIT)/pip-audit || { $(PYTHON) -m venv $(TOOLS)/audit && \
	  $(AUDIT)/pip install --quiet pip-audit==2.10.1 bandit==1.9.4; }
	@if $(AUDIT)/python -c "import json, urllib.request; assert 'vulnerabilities' in json.load(urllib.request.urlopen(\
	  'https://pypi.org/pypi/werkzeug/3.1.3/json', timeout=10))" >/dev/null 2>&1; \
	then $(AUDIT)/pip-audit --strict --no-deps --disable-pip -r constraints.txt; \
	else echo "pip-audit skipped: PyPI's advisory API (pypi.org/pypi/<name>/<version>/json) is out of reach"; fi
	$(AUDIT)/bandit -q -ll -r app exports models config.py
