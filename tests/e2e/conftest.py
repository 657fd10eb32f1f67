"""The whole system as real processes (tests/system.py), one for each test module."""
from __future__ import annotations

import pytest

from tests.system import ADMIN, LINK_KEYS, SERVICE, System, running_system

__all__ = ["ADMIN", "LINK_KEYS", "SERVICE", "System", "system"]


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> System:
    with running_system(tmp_path_factory.mktemp("e2e")) as running:
        yield running
