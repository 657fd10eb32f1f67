"""POST /offers through the offers service, against a bare Flask endpoint making the same database write.

The service runs under gunicorn as the local stack starts it (two workers, as `make run` does), on the
MongoDB-protocol stand-in. Each offer is stored in one insert with its outbox (the confirmation request); no relay
runs, so nothing else reads the collection. The service also counts its rate limit in the database, as in
production (at a ceiling the benchmark never reaches); a second copy with the limit off shows what that costs.
The bare endpoint (bench/bare_write.py) inserts a document the service stored, under a new id, into the same
collection, under the same gunicorn command line. The same client, at the same concurrency, measures the three
back to back, in short rounds each started by another (each round opens new connections, which the kernel
spreads over the two workers, not always evenly); each ratio is of the totals over every round.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bson import json_util
from pymongo import MongoClient

from bench import running
from bench.candidate_lookup import percentile
from bench.http_load import Connection, Load, closed_loop, request_bytes
from deploy import standins
from deploy.stack import Stack
from services.offers.app import DB_NAME

API_WORKERS = 2  # as deploy/localstack.py starts the APIs
CONCURRENCY = 8
SECONDS = 5.0
WARM_UP_SECONDS = 1.0
ROUNDS = 6
GOAL = 0.7
BARE_APP = "bench.bare_write:create_app()"

OFFER = {
    "volunteer": {"name": "Kari Nordmann", "email": "kari.nordmann@example.no", "phone": "+4791234567",
                  "birth_year": 1990, "languages": ["nb", "en"]},
    "skills": ["driving", "cooking"],
    "districts": ["konnerud", "fjell"],
    "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}],
    "police_certificate": True,
    "max_active_matches": 2,
    "contact_channels": ["email", "sms"],
}


SERVICE, UNLIMITED, BARE = "offers service", "offers service, rate limit off", "bare endpoint"
TARGETS = (SERVICE, UNLIMITED, BARE)


@dataclass(frozen=True)
class Figures:
    """Each round's run of every target (by name); requests per second over every round."""

    rounds: list[dict[str, Load]]

    def per_s(self, target: str) -> float:
        loads = [r[target] for r in self.rounds]
        return sum(load.ok for load in loads) / sum(load.seconds for load in loads)

    def ratio(self, target: str = SERVICE) -> float:
        """The target's requests per second over the bare endpoint's."""
        return self.per_s(target) / self.per_s(BARE)

    def latencies(self, target: str) -> tuple[float, float]:
        """The target's p50 and p99 in milliseconds, over every round."""
        every = [ms for r in self.rounds for ms in r[target].latencies_ms]
        return percentile(every, 0.5), percentile(every, 0.99)

    def round_ratios(self, target: str = SERVICE) -> list[float]:
        """The target over the bare endpoint in each round: how much the figure moved."""
        return [r[target].per_second / r[BARE].per_second for r in self.rounds]

    @property
    def failed(self) -> int:
        return sum(load.failed for r in self.rounds for load in r.values())


def rotated(items: list, turn: int) -> list:
    """The items starting at position turn (modulo their number): each round, another goes first."""
    turn %= len(items)
    return items[turn:] + items[:turn]


def report(figures: Figures) -> None:
    """Each round, then the totals and the ratios."""
    for number, (r, ratio) in enumerate(zip(figures.rounds, figures.round_ratios()), 1):
        print(f"round {number}: " + ", ".join(f"{name} {r[name].per_second:.0f}/s" for name in TARGETS)
              + f"; service / bare {ratio:.3f}")
    for name in TARGETS:
        p50, p99 = figures.latencies(name)
        print(f"{name + ':':33} {figures.per_s(name):5.0f} requests/s (p50 {p50:.1f} ms, p99 {p99:.1f} ms)")
    met = "met" if figures.ratio() >= GOAL else "NOT met"
    print(f"service / bare: {figures.ratio():.3f} (goal >= {GOAL}: {met}); with the rate limit off "
          f"{figures.ratio(UNLIMITED):.3f}" + (f"; {figures.failed} requests failed" if figures.failed else ""))


def run(seconds: float = SECONDS, rounds: int = ROUNDS, concurrency: int = CONCURRENCY) -> Figures:
    """Start the service (with and without its rate limit) and the bare endpoint on one database stand-in, and
    measure them in rounds."""
    body = json.dumps(OFFER).encode()
    with tempfile.TemporaryDirectory(prefix="bench-offers-") as tmp, standins.mongodb(Path(tmp) / "mongodb") as uri:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        env = running.environment(uri)
        ports = {name: standins.free_port() for name in TARGETS}
        stacks = [Stack(env, {"offers": ports[SERVICE]}, logs / "limited", api_workers=API_WORKERS),
                  Stack({**env, "RATE_LIMIT_WRITES": "off"}, {"offers": ports[UNLIMITED]}, logs / "unlimited",
                        api_workers=API_WORKERS)]
        bare = None
        try:
            for stack in stacks:
                stack.logdir.mkdir()
                stack.start_api("offers")
                running.wait_answering(f"http://127.0.0.1:{stack.ports['offers']}/healthz",
                                       stack.processes["offers-api"])
            document = Path(tmp) / "offer.json"
            document.write_text(json_util.dumps(_stored_offer(ports[SERVICE], body, uri)))
            args = running.same_settings(stacks[0].processes["offers-api"].args, BARE_APP, ports[BARE])
            bare = running.start(args, {**env, "BARE_WRITE_DOCUMENT": str(document)}, logs / "bare.log")
            running.wait_answering(f"http://127.0.0.1:{ports[BARE]}/healthz", bare)
            posts = {name: request_bytes("POST", "/offers", port, body) for name, port in ports.items()}
            for name, port in ports.items():
                closed_loop(port, posts[name], 201, concurrency, WARM_UP_SECONDS)
            measured = [{name: closed_loop(ports[name], posts[name], 201, concurrency, seconds)
                         for name in rotated(list(TARGETS), number)} for number in range(rounds)]
        finally:
            if bare is not None:
                running.stop(bare)
            for stack in stacks:
                stack.stop()
    figures = Figures(measured)
    print(f"{concurrency} clients, {rounds} rounds of {seconds:.0f} s each, every target under gunicorn with "
          f"{API_WORKERS} workers (gthread, 4 threads)")
    report(figures)
    return figures


def _stored_offer(port: int, body: bytes, uri: str) -> dict:
    """One offer posted through the service, as it stored it."""
    connection = Connection(port)
    status, answer = connection.exchange(request_bytes("POST", "/offers", port, body))
    connection.close()
    if status != 201:
        raise RuntimeError(f"POST /offers answered {status}: {answer[:300]!r}")
    with MongoClient(uri) as client:
        return client[DB_NAME].offers.find_one({"_id": json.loads(answer)["id"]})


if __name__ == "__main__":
    run()
