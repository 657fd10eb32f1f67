# Two commands: `make run` starts the whole system locally, `make test` runs the test suite.
PYTHON ?= python3
# The browser tests drive Debian's chromium (CHROMIUM_PATH, else `chromium` on PATH); Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test chromium bench reset clean lock

# Every package, direct or not, at the version and hashes requirements-dev.lock names; then this project itself.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.3.1
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# After changing a pin in pyproject.toml: write both lock files again (pip-tools, in a venv of its own), keeping the
# versions installed now for everything the change does not touch.
LOCK := .lockvenv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links --no-header --no-annotate
lock: $(VENV)/.installed
	$(PYTHON) -m venv .lockvenv && .lockvenv/bin/pip install --quiet pip-tools==7.5.2
	$(PY) -m pip freeze --exclude-editable > .lockvenv/installed.txt
	$(LOCK) -c .lockvenv/installed.txt -o requirements.lock pyproject.toml
	$(LOCK) -c .lockvenv/installed.txt --extra dev -o requirements-dev.lock pyproject.toml

run: $(VENV)/.installed
	$(PY) -m deploy.localstack

test: $(VENV)/.installed chromium
	$(PY) -m pytest

# Every benchmark in one run (about ten minutes on 2 cores); BENCH_ARGS=--quick for small numbers,
# BENCH_ARGS=--offers=10000 for the matcher's capacity at other numbers of open offers.
bench: $(VENV)/.installed
	$(PY) -m bench.run_all $(BENCH_ARGS)

# Debian's packages the tests drive: chromium for the browser tests, with its translations (chromium-l10n: without
# them its time and date fields follow American English, a 12-hour clock), and prometheus for promtool, which checks
# the alert rules and dashboard queries. Installed when missing and this user may (root, or sudo without a password);
# otherwise the browser tests say what is missing (and fail under CI=true). The promtool checks are skipped, saying
# so, when prometheus cannot be installed; that alone never stops the tests.
BROWSER_PACKAGES := chromium chromium-l10n
TOOL_PACKAGES := prometheus
SUDO := $(shell [ "$$(id -u)" = 0 ] && echo "" || (command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && echo sudo || echo none))
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q
chromium:
	@if [ -n "$$CHROMIUM_PATH" ] || dpkg -s $(BROWSER_PACKAGES) $(TOOL_PACKAGES) >/dev/null 2>&1; then exit 0; \
	elif [ "$(SUDO)" = none ]; then echo "$(BROWSER_PACKAGES) $(TOOL_PACKAGES) are not all installed and this user" \
		"cannot install them: apt-get install them, or set CHROMIUM_PATH, to run the browser tests"; \
	else $(SUDO) apt-get update -q && $(SUDO) $(APT_INSTALL) $(BROWSER_PACKAGES) \
		&& ($(SUDO) $(APT_INSTALL) $(TOOL_PACKAGES) || echo "promtool could not be installed: its checks are skipped"); fi
