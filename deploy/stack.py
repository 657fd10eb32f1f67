"""Starts the system's processes (the four services' gunicorn APIs and workers, and the web pages under
gunicorn) as processes, restarts those that exited when asked, and stops them cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

SERVICES = ("offers", "needs", "matcher", "notify")  # each an API and a worker
WEB = "web"  # the pages: an API process without a worker, ready once it reaches the four
APIS = (*SERVICES, WEB)  # in the order they are waited for: the web's /readyz needs the others up
DEFAULT_PORTS = {"web": 8000, "offers": 8001, "needs": 8002, "matcher": 8003, "notify": 8004}
DEFAULT_METRICS_PORTS = {"offers": 9101, "needs": 9102, "matcher": 9103, "notify": 9104}  # workers' /healthz
ROOT = Path(__file__).resolve().parent.parent


def service_urls(ports: dict[str, int]) -> dict[str, str]:
    """The contract's *_URL variables for the given ports (OFFERS_URL ... WEB_URL)."""
    return {f"{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in APIS}


def describe_exit(returncode: int) -> str:
    """An exit status as a person reads it: "exit code 1" or "killed by SIGKILL"."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Backoff:
    """Seconds to wait before starting again what exited: doubling while it keeps dying soon after a start."""

    first: float = 1.0
    longest: float = 30.0
    settled: float = 30.0  # it ran at least this long: the next wait starts over at `first`
    failures: dict[str, int] = field(default_factory=dict)

    def delay(self, name: str, ran_for: float) -> float:
        failures = 0 if ran_for >= self.settled else self.failures.get(name, -1) + 1
        self.failures[name] = failures
        return min(self.longest, self.first * 2 ** failures)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL what is left of an exited process's session (a gunicorn master's orphaned workers)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Stack:
    """The processes of the four services and the web, sharing one environment."""

    env: dict[str, str]
    ports: dict[str, int]
    logdir: Path
    api_workers: int = 1
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_METRICS_PORTS))
    backoff: Backoff = field(default_factory=Backoff)
    _starters: dict[str, Callable[[], None]] = field(default_factory=dict, repr=False)
    _started_at: dict[str, float] = field(default_factory=dict, repr=False)
    _due: dict[str, float] = field(default_factory=dict, repr=False)

    def log_of(self, name: str) -> Path:
        return self.logdir / f"{name}.log"

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        with open(self.log_of(name), "ab") as log:
            self.processes[name] = subprocess.Popen(args, cwd=ROOT, env=env or self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        self._starters[name] = lambda: self._spawn(name, args, env)
        self._started_at[name] = time.monotonic()

    def start_api(self, service: str) -> None:
        bin_dir = Path(sys.executable).parent
        self._spawn(f"{service}-api", [
            str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{self.ports[service]}",
            "--workers", str(self.api_workers), "--worker-class", "gthread", "--threads", "4",
            "--worker-connections", "16", "--graceful-timeout", "5", "--access-logfile", "-",
            "--logger-class", "shared.accesslog.RedactingLogger",
            f"services.{service}.app:create_app()",
        ])

    def start_worker(self, service: str) -> None:
        self._spawn(f"{service}-worker", [sys.executable, "-m", f"services.{service}.worker"],
                    {**self.env, "METRICS_PORT": str(self.metrics_ports[service])})

    def start(self) -> "Stack":
        """Start every API and worker, and the web."""
        self.logdir.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            self.start_api(service)
            self.start_worker(service)
        self.start_api(WEB)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until every API and the web answer /readyz with 200."""
        deadline = time.monotonic() + timeout
        for service in APIS:
            url = f"http://127.0.0.1:{self.ports[service]}/readyz"
            while True:
                self._check_alive()
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} not ready after {timeout:.0f} s; logs in {self.logdir}")
                time.sleep(0.2)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log_of(name)}")

    def restart_exited(self) -> list[str]:
        """Reap the processes that exited and start each again once its backoff has passed; what happened,
        one line each. Nothing restarts unless this is called: tests that kill a process keep control."""
        now = time.monotonic()
        lines = []
        for name, process in self.processes.items():
            if name not in self._due and process.poll() is not None:
                delay = self.backoff.delay(name, now - self._started_at[name])
                self._due[name] = now + delay
                lines.append(f"{name} exited ({describe_exit(process.returncode)}); starting it again in "
                             f"{delay:.0f} s; log: {self.log_of(name)}")
        for name, due in list(self._due.items()):
            if due <= now:
                del self._due[name]
                _kill_group(self.processes[name])
                self._starters[name]()
                lines.append(f"{name} started again (pid {self.processes[name].pid})")
        return lines

    def stop_process(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process (SIGKILL to simulate a crash) and wait for it."""
        process = self.processes.pop(name, None)
        self._due.pop(name, None)
        if process is None:
            return
        if process.poll() is not None:
            _kill_group(process)
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop(self) -> None:
        """Stop everything: SIGTERM, then SIGKILL for what lingers."""
        for name in list(self.processes):
            self.stop_process(name)
