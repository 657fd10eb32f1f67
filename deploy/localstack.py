"""Runs the whole system on this machine: broker, database, mail catcher and all four services.

Every contract variable set in the environment wins over the local default; a given
KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI or SMTP_HOST/SMTP_PORT means that part is not started here.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from deploy import mailcatcher, standins
from deploy.stack import DEFAULT_PORTS, ROOT, Stack, service_urls

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


SECRETS = ("ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY")


def _local_secrets(state: Path) -> dict[str, str]:
    """This machine's random secrets (32 bytes each), kept beside the data so links mailed earlier still work."""
    path = state / "secrets.json"
    if path.exists():
        kept = json.loads(path.read_text())
        if all(kept.get(name) for name in SECRETS):
            return kept
    made = {name: secrets.token_urlsafe(32) for name in SECRETS}
    state.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(made))
    return made


def main() -> None:
    env = dict(os.environ)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with ExitStack() as cleanup:
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            broker = standins.Server("kafka", _port_or_free(9092), STATE).start()
            cleanup.callback(broker.stop)
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.address
        if not env.get("MONGODB_URI"):
            database = standins.Server("mongodb", _port_or_free(27017), STATE).start()
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
        for name, value in _local_secrets(STATE).items():
            env.setdefault(name, value)
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{DEFAULT_PORTS['matcher']}")
        for key, value in service_urls(DEFAULT_PORTS).items():
            env.setdefault(key, value)
        env["PYTHONPATH"] = str(ROOT)
        stack = Stack(env, dict(DEFAULT_PORTS), STATE / "logs", api_workers=2).start()
        cleanup.callback(stack.stop)
        stack.wait_ready()
        print("\nFrivillig i Drammen is running:")
        for name, port in DEFAULT_PORTS.items():
            print(f"  {name:8} http://127.0.0.1:{port}  (/readyz, /openapi.json)")
        print(f"  kafka:   {env['KAFKA_BOOTSTRAP_SERVERS']}\n  mongodb: {env['MONGODB_URI']}\n  {mail_line}")
        print(f"  staff token (ADMIN_TOKEN): {env['ADMIN_TOKEN']}\n  logs:    {STATE / 'logs'}")
        print("Press Ctrl-C to stop everything.", flush=True)
        while not stop.wait(1.0):
            pass
        print("\nstopping...", flush=True)
    print("stopped.")
    sys.exit(0)


if __name__ == "__main__":
    main()
