"""The APIs run as the stack runs them, under gunicorn on free ports, for what only a real server shows."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from deploy import standins
from deploy.stack import ROOT, Stack
from tests.conftest import wait_until


def answers(url: str) -> bool:
    """Whether the address answers 200 now."""
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:  # refused, or a worker still booting (timeout)
        return False


@contextmanager
def running_apis(services: list[str], logs: Path, mongo_uri: str, **env: str) -> Iterator[dict[str, str]]:
    """The services' APIs, with env added to ours and logs under logs: their URLs once every one answers."""
    ports = {service: standins.free_port() for service in services}
    stack = Stack({**os.environ, "MONGODB_URI": mongo_uri, "TESTING": "1", "PYTHONPATH": str(ROOT),
                   "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", **env}, ports, logs)
    for service in ports:
        stack.start_api(service)
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    try:
        wait_until(lambda: all(answers(url + "/healthz") for url in urls.values()), timeout=30)
        yield urls
    finally:
        stack.stop()
