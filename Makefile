# Two commands: `make run` starts the whole system locally, `make test` runs the test suite.
PYTHON ?= python3
# The browser tests drive Debian's chromium (CHROMIUM_PATH, else `chromium` on PATH); Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test chromium bench reset clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.3.1
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m deploy.localstack

test: $(VENV)/.installed chromium
	$(PY) -m pytest

# Debian's chromium for the browser tests, with its translations (chromium-l10n: without them its time and date
# fields follow American English, a 12-hour clock), installed when missing and this user may (root, or sudo
# without a password); otherwise the browser tests say what is missing (and fail under CI=true).
CHROMIUM_PACKAGES := chromium chromium-l10n
chromium:
	@if [ -n "$$CHROMIUM_PATH" ] || dpkg -s $(CHROMIUM_PACKAGES) >/dev/null 2>&1; then exit 0; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(CHROMIUM_PACKAGES); \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(CHROMIUM_PACKAGES); \
	else echo "$(CHROMIUM_PACKAGES) are not both installed and this user cannot install them: apt-get install them," \
		"or set CHROMIUM_PATH, to run the browser tests"; fi
