"""What the load benchmarks start: an environment for the services, a baseline app under the same gunicorn
command line as the stack's, and waiting until an address answers."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from deploy.stack import ROOT

# Rate limits stay on, as in production (every POST /offers is counted in the database), at a ceiling the
# benchmark's one client address never reaches.
UNREACHED_LIMIT = "100000000/minute"


def environment(mongo_uri: str, **more: str) -> dict[str, str]:
    """The services' environment outside TESTING: fresh secrets, the database, rate limits counted but never hit."""
    return {**os.environ, "MONGODB_URI": mongo_uri, "ADMIN_TOKEN": secrets.token_hex(32),
            "SERVICE_TOKEN": secrets.token_hex(32), "LINK_SIGNING_KEY": secrets.token_hex(32),
            "RATE_LIMIT_WRITES": UNREACHED_LIMIT, "RATE_LIMIT_TOKEN_FAILURES": UNREACHED_LIMIT,
            "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", **more}


def same_settings(args: list[str], app: str, port: int) -> list[str]:
    """A gunicorn command line with only its bind address and application replaced (the last argument)."""
    changed = list(args[:-1]) + [app]
    changed[changed.index("--bind") + 1] = f"127.0.0.1:{port}"
    return changed


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in a session of its own (so its gunicorn workers stop with it), its output in the log."""
    with open(log, "ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process's session, SIGKILL for what lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_answering(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Wait until GET url answers 200 (or the process serving it exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")
