"""What the browser journeys do on every page: check it with axe-core, photograph it at two widths, and read
the links people are mailed.

A page's accessibility findings do not stop the journey: they are kept, and the test fails at its end
listing every one (see conftest.py), so one run shows the problems of every page it visited.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, Response

from tests.conftest import wait_until

OUTPUT = Path(__file__).resolve().parent / "output"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
WIDTHS = (1280, 375)
HEIGHT = 800
FINDINGS: dict[str, list[str]] = {}  # test id -> what was wrong, page by page
_URL = re.compile(r"https?://[^\s<>\"']+")
_axe = Axe()


def current_test() -> str:
    """The running test's id, as pytest names it ("tests/browser/test_x.py::test_y")."""
    return os.environ.get("PYTEST_CURRENT_TEST", "unknown").rsplit(" ", 1)[0]


def output_dir() -> Path:
    """This test's folder for screenshots and axe reports."""
    folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "_", current_test().split("::")[-1])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def note(problem: str) -> None:
    """Keep a finding for the end of the test."""
    FINDINGS.setdefault(current_test(), []).append(problem)


def describe(name: str, violation: dict) -> str:
    """One axe violation as a line a page's author can act on: page, rule, impact, help, the nodes."""
    nodes = "; ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                      for node in violation["nodes"])
    return f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} [{nodes}]"


def check_accessibility(page: Page, name: str) -> list[str]:
    """Run axe-core's WCAG 2.1 A and AA rules on the page; each violation is kept as a finding (and the
    whole report saved beside the screenshots). The lines found."""
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    lines = [describe(name, violation) for violation in violations]
    if violations:
        (output_dir() / f"{name}-axe.json").write_text(json.dumps(violations, indent=2, ensure_ascii=False))
    for line in lines:
        note(line)
    return lines


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page PNGs at 1280 and 375 px wide (<output>/<test>/<name>-<width>.png); the paths."""
    paths = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        path = output_dir() / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    print(f"screenshots of {name}: {paths[0].parent}/{name}-{{{','.join(map(str, WIDTHS))}}}.png")
    return paths


def visit(page: Page, go: str | Locator | Callable[[], object], name: str) -> Response | None:
    """Go to a URL, click a link or button, or do something that navigates; then check the page it lands on
    with axe and photograph it. The response of the navigation."""
    if isinstance(go, str):
        response = page.goto(go)
    else:
        with page.expect_navigation() as navigation:
            if isinstance(go, Locator):
                go.click()
            else:
                go()
        response = navigation.value
    page.wait_for_load_state()
    if response is not None and response.status >= 500:
        raise AssertionError(f"{name}: {response.url} answered {response.status}")
    check_accessibility(page, name)
    screenshot(page, name)
    return response


def reload_until(page: Page, ready: Callable[[], bool], name: str, timeout: float = 60) -> None:
    """Reload the page, as a person waiting for news would, until ready() says it shows what the test waits for
    (the services work in the background); then check and photograph it once."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            screenshot(page, f"{name}-not-yet")
            raise AssertionError(f"{name}: {page.url} still not as awaited after {timeout:.0f} s; it shows:\n"
                                 + page.get_by_role("main").inner_text())
        time.sleep(1)
        page.reload()
    check_accessibility(page, name)
    screenshot(page, name)


def shows(locator: Locator) -> Callable[[], bool]:
    """For reload_until: the locator finds something."""
    return lambda: locator.count() > 0


def lacks(locator: Locator) -> Callable[[], bool]:
    """For reload_until: the locator finds nothing."""
    return lambda: locator.count() == 0


def mails_to(system, address: str) -> int:
    """How many mails have reached the address so far (to wait for the next one)."""
    return len(system.mail.to(address))


def link_in_mail(system, address: str, path_prefix: str, after: int = 0, timeout: float = 45) -> str:
    """The link whose path starts with path_prefix in the newest mail to the address (only mails after the
    first `after` count), waiting for such a mail to arrive."""
    def found() -> str | None:
        for mail in reversed(system.mail.to(address)[after:]):
            for url in _URL.findall(mail.text()):
                url = url.rstrip(".,;:)")
                if urlsplit(url).path.startswith(path_prefix):
                    return url
        return None

    return wait_until(found, timeout=timeout, message=f"a mail to {address} with a link to {path_prefix}...")
