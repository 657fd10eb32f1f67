"""Runs the whole system on this machine: broker, database, mail catcher, all four services and the web pages.

Every contract variable set in the environment wins over the local default; a given
KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI or SMTP_HOST/SMTP_PORT means that part is not started here.

What it keeps lives under `.localstack/`, so the next run finds it: the database in `db/`, caught mail in
`mail/`, the local secrets (tokens, link key, the web's session key) in `secrets.json`, and the logs in
`logs/`. The broker keeps nothing: each run starts it empty, every worker creates the topics at start-up, and
the outbox and the matcher's periodic reconciliation bring back what was in flight. To start from empty, stop
the stack and delete `.localstack/` (`make clean` does, and removes the virtualenv too).

A process that exits is reported at once with its exit status and log, and started again after a backoff
that doubles while it keeps dying at start-up; a stand-in broker or database that dies is started again too.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from deploy import mailcatcher, standins
from deploy.stack import DEFAULT_PORTS, ROOT, SERVICES, WEB, Backoff, Stack, describe_exit, service_urls

STATE = ROOT / ".localstack"
MAIL_WEB_PORT = 8025


def _port_or_free(preferred: int) -> int:
    try:
        standins.wait_for_port(preferred, timeout=0.2)
    except TimeoutError:
        return preferred
    port = standins.free_port()
    print(f"[local] port {preferred} is taken; using {port}")
    return port


SECRETS = ("ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY", "WEB_SESSION_KEY")


def local_secrets(state: Path) -> dict[str, str]:
    """This machine's random secrets (32 bytes each), kept beside the data so links mailed earlier still work; one
    missing from what was kept (a file from before it was needed) is made and added, the others kept as they are."""
    path = state / "secrets.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    made = {name: kept.get(name) or secrets.token_urlsafe(32) for name in SECRETS}
    if made != {name: kept.get(name) for name in SECRETS}:
        state.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps({**kept, **made}))
    return made


class ServerWatch:
    """Starts a stand-in broker or database again when it dies (each start has a fresh pid file).

    A broker comes back empty; the workers' consumers rejoin it by themselves and the topics are made again
    as they are asked for."""

    def __init__(self, backoff: Backoff):
        self.backoff = backoff
        self.servers: dict[str, standins.Server] = {}
        self.started_at: dict[str, float] = {}
        self.due: dict[str, float] = {}

    def watch(self, server: standins.Server) -> None:
        """Watch a started server."""
        self.servers[server.name] = server
        self.started_at[server.name] = time.monotonic()

    def restart_exited(self) -> list[str]:
        """Like Stack.restart_exited, for the servers."""
        now, lines = time.monotonic(), []
        for name, server in self.servers.items():
            status = server.exited()
            if name not in self.due and status is not None:
                delay = self.backoff.delay(name, now - self.started_at[name])
                self.due[name] = now + delay
                lines.append(f"{name} {server.address} exited ({describe_exit(status)}); starting it again in "
                             f"{delay:.0f} s; log: {server.workdir / f'{name}-{server.port}.out'}")
            elif name in self.due and self.due[name] <= now:
                del self.due[name]
                self.started_at[name] = now
                try:
                    server.start()
                except (RuntimeError, TimeoutError) as error:
                    lines.append(f"{name} did not come back: {error}")
                    continue
                lines.append(f"{name} started again at {server.address}")
        return lines


def _say(lines: list[str]) -> None:
    for line in lines:
        print(f"[local] {line}", flush=True)


def main() -> None:
    env = dict(os.environ)
    env.setdefault("TRUSTED_PROXIES", "127.0.0.1")  # the web, on this machine, forwards each person's address
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    broker = database = None
    with ExitStack() as cleanup:
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            broker = standins.Server("kafka", _port_or_free(9092), STATE).start()
            cleanup.callback(broker.stop)
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.address
        if not env.get("MONGODB_URI"):
            database = standins.Server("mongodb", _port_or_free(27017), STATE, data_dir=STATE / "db").start()
            cleanup.callback(database.stop)
            env["MONGODB_URI"] = f"mongodb://{database.address}"
        mail_line = f"mail:    SMTP {env.get('SMTP_HOST')}:{env.get('SMTP_PORT', 1025)} (yours)"
        if not env.get("SMTP_HOST") and not env.get("SMTP_PORT"):
            smtp_port = _port_or_free(1025)
            _, controller, web = mailcatcher.start(STATE / "mail", smtp_port, MAIL_WEB_PORT)
            cleanup.callback(controller.stop)
            cleanup.callback(web.shutdown)
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
            mail_line = f"mail:    SMTP 127.0.0.1:{smtp_port}, read it at http://127.0.0.1:{MAIL_WEB_PORT}/"
        for name, value in local_secrets(STATE).items():
            env.setdefault(name, value)
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{DEFAULT_PORTS['matcher']}")
        for key, value in service_urls(DEFAULT_PORTS).items():
            env.setdefault(key, value)
        env["PYTHONPATH"] = str(ROOT)
        stack = Stack(env, dict(DEFAULT_PORTS), STATE / "logs", api_workers=2).start()
        cleanup.callback(stack.stop)
        stack.wait_ready()
        servers = ServerWatch(stack.backoff)
        if broker:
            servers.watch(broker)
        if database:
            servers.watch(database)
        pages = f"http://127.0.0.1:{DEFAULT_PORTS[WEB]}"
        print(f"\nOpen {pages} in a browser.\n\nFrivillig i Drammen is running:")
        print(f"  {WEB:8} {pages}  (the pages; staff sign in at {pages}/logg-inn/ansatt)")
        for name in SERVICES:
            port = DEFAULT_PORTS[name]
            print(f"  {name:8} http://127.0.0.1:{port}  (/readyz, /openapi.json);"
                  f" worker http://127.0.0.1:{stack.metrics_ports[name]}/healthz")
        print(f"  kafka:   {env['KAFKA_BOOTSTRAP_SERVERS']} (empty at each start)\n  mongodb: {env['MONGODB_URI']}"
              + (f" (data in {database.data_dir})" if database else "") + f"\n  {mail_line}")
        print(f"  staff token (ADMIN_TOKEN): {env['ADMIN_TOKEN']}\n  logs:    {STATE / 'logs'}")
        print("Processes that exit are reported and started again. Press Ctrl-C to stop everything.", flush=True)
        while not stop.wait(1.0):
            _say(servers.restart_exited())
            _say(stack.restart_exited())
        print("\nstopping...", flush=True)
    print("stopped.")
    sys.exit(0)


if __name__ == "__main__":
    main()
