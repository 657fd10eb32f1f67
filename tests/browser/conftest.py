"""The browser tests' world: the whole real system once for these tests, one headless Chromium, a fresh
page (its own cookies) for each test, and a test that fails at its end for every accessibility finding.

Chromium is Debian's (`apt-get install chromium chromium-l10n`; `make chromium` does it when it may), found
through CHROMIUM_PATH or else `chromium` on PATH, and runs in Norwegian as the people using the site do
(its time fields then take 24-hour times); Playwright never downloads a browser. Without one the tests
are skipped with the reason, except under CI=true, where they fail.
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser import pages
from tests.system import System, running_system

NAVIGATION_TIMEOUT_MS = 20_000  # a page that calls several services, on a busy two-core machine
ACTION_TIMEOUT_MS = 10_000
AXE_OWN_REQUESTS = ("Failed to load resource", "Access to XMLHttpRequest at")


def chromium_path() -> str | None:
    """Where Chromium is: CHROMIUM_PATH, else `chromium` on PATH."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path and os.access(path, os.X_OK):
        return path
    reason = (f"no Chromium at {path!r}" if path else "no Chromium found (CHROMIUM_PATH unset, no `chromium` on PATH)")
    reason += (": install Debian's packages (`apt-get install -y chromium chromium-l10n`, or `make chromium`)"
               " or set CHROMIUM_PATH")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the browser tests need Chromium under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")  # not "session": gone once the browser tests are done, not kept for the rest
def browser(chromium) -> Browser:
    args = ["--lang=nb-NO"] + (["--no-sandbox"] if os.geteuid() == 0 else [])  # the sandbox refuses root
    norwegian = {**os.environ, "LANG": "nb_NO.UTF-8"}  # with chromium-l10n: 24-hour, day-first time and date fields
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=args, env=norwegian)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def system(tmp_path_factory, chromium) -> System:
    with running_system(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture
def new_page(browser, system) -> Callable[[], Page]:
    """Opens pages of their own (no cookies shared: another person, or another device), closed after the test;
    their relative URLs go to the web. The test's output folder starts empty."""
    shutil.rmtree(pages.output_dir(), ignore_errors=True)
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=system.urls["web"], locale="nb-NO",
                                      viewport={"width": pages.WIDTHS[0], "height": pages.HEIGHT})
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        opened = context.new_page()
        opened.on("console", _note_console_error)
        opened.on("response", _note_broken_resource)
        return opened

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """The test's first person's page."""
    return new_page()


def _note_console_error(message) -> None:
    """A script error or a refused resource (a Content-Security-Policy refusal shows up here) is a finding. A
    failed load is judged by _note_broken_resource instead: a page answering 422 to a form is meant. The pages
    make no XMLHttpRequest; axe-core does, to read stylesheets, and another origin's (the answer and
    confirmation pages use the web's) is refused to it without harm."""
    if message.type == "error" and not message.text.startswith(AXE_OWN_REQUESTS):
        pages.note(f"console error at {(message.location or {}).get('url', '')}: {message.text}")


def _note_broken_resource(response) -> None:
    """A stylesheet, image or script a page asks for and does not get is a finding (the browser's own ask
    for a favicon is not)."""
    if response.status >= 400 and response.request.resource_type != "document" \
            and not response.url.endswith("/favicon.ico"):
        pages.note(f"{response.request.resource_type} {response.url} answered {response.status}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test that passed fails here if any page it visited had accessibility findings; one that failed
    anyway lists them on stderr."""
    try:
        result = yield
    except BaseException:
        found = pages.FINDINGS.pop(item.nodeid, [])
        if found:
            print("accessibility findings before the failure:", *found, sep="\n  ", file=sys.stderr)
        raise
    found = pages.FINDINGS.pop(item.nodeid, [])
    if found:
        raise AssertionError(f"{len(found)} accessibility finding(s) (WCAG 2.1 A/AA, axe-core):\n  "
                             + "\n  ".join(found))
    return result
