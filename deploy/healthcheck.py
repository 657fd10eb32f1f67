"""The container health check: exit 0 when HEALTHCHECK_URL answers 200 within a few seconds, else 1.

One image runs every API, worker and the web, so the image's HEALTHCHECK asks whatever address the
container's own environment names: an API's /readyz, a worker's /healthz on its METRICS_PORT. Without
HEALTHCHECK_URL there is nothing to ask, and the container counts as healthy.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3.0


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (our own address)
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL")
    return 0 if not url or healthy(url) else 1


if __name__ == "__main__":
    sys.exit(main())
