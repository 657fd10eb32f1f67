"""The reference data the forms offer (districts, skills), read from the services' APIs and kept for a while."""
from __future__ import annotations

import threading
import time
from typing import Any

from services.web.apiclient import api
from services.web.texts import language

KEEP_SECONDS = 600.0
_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
_lock = threading.Lock()


def _items(path: str) -> list[dict[str, Any]]:
    with _lock:
        kept = _cache.get(path)
        if kept and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
    items = api().get("offers", path)["items"]
    with _lock:
        _cache[path] = (time.monotonic(), items)
    return items


def district_choices() -> list[tuple[str, str]]:
    """(code, display name) of Drammen's ten districts, as GET /districts lists them."""
    return [(item["code"], item["name"]) for item in _items("/districts")]


def skill_choices() -> list[tuple[str, str]]:
    """(code, label in the page's language) of every skill, as GET /skills lists them, sorted by label."""
    lang = language()
    pairs = [(item["code"], (item.get("labels") or {}).get(lang) or item["code"]) for item in _items("/skills")]
    return sorted(pairs, key=lambda pair: pair[1].casefold())
