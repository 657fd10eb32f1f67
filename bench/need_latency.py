"""How long a need waits for its first proposal, from POST /needs to the matcher's stored match document.

The whole path runs as processes, on the broker and database stand-ins of this machine: the needs API under
gunicorn, the needs worker relaying its outbox to the broker, and the matcher worker proposing. Open offers
reach the matcher first as the offers worker would send them (offer.published events of bench/scenario.py).
The needs are the scenario's, kept only where at least MIN_CANDIDATES of those offers are eligible, each posted
by one of a few verified organisations. A change stream on the matcher's matches tells when each proposal is
stored; the stages on the way (the POST answered, the event in the broker, the matcher's wave begun) are read
from the same wall clock, which every process on the machine shares.

First the sustainable rate: a burst of needs as fast as they can be sent gives the rate the path drains them at;
needs are then sent at that rate, and at 0.7 times it after a step whose backlog (needs posted and not yet
proposed) grew, until one does not grow. Then needs are sent at half the sustainable rate, and the p50 and p99
of their waits are the figures. After each phase its needs are closed and the matcher withdraws their
proposals, so the next phase finds the offers free again. Absences and the stand-in proposals they lead to are
left out: they follow a confirmed match, which people make, not the path from a need to its proposal.
"""
from __future__ import annotations

import itertools
import json
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import requests
from kafka import KafkaConsumer
from pymongo import MongoClient

from bench import running
from bench.candidate_lookup import percentile
from bench.http_load import Connection, paced, request_bytes
from bench.scenario import make_need, scenario
from deploy import standins
from deploy.stack import Stack
from shared import confirmation
from shared.clock import from_iso
from shared.config import Config
from shared.events import NEEDS_TOPIC, new_event
from shared.kafka import Publisher, ensure_topics
from services.matcher.app import DB_NAME as MATCHER_DB
from services.matcher.index import CandidateIndex
from services.matcher.model import NeedView, OfferView, eligible
from services.needs.app import DB_NAME as NEEDS_DB


@dataclass(frozen=True)
class Sizes:
    """How much the benchmark sends and for how long."""

    offers: int = 3000
    burst: int = 150
    step_seconds: float = 20.0
    steps: int = 5
    measure_seconds: float = 60.0


QUICK = Sizes(offers=300, burst=20, step_seconds=4.0, steps=2, measure_seconds=6.0)
MIN_CANDIDATES = 5
ORGANISATIONS = 3
SENDERS = 4
SLOWER = 0.7  # the next step's rate after a step whose backlog grew
GROWTH_SHARE = 0.1  # a backlog rising by more than this share of the sending rate is growing
SAMPLE_SECONDS = 0.5
QUIET_SECONDS = 10.0
GOAL_P99_MS = 250.0
ANSWERED, RELAYED, BEGAN, STORED = "answered", "in the broker", "wave begun", "proposal stored"
ORGANISATION = {"name": "Drammen kommune", "org_number": "974760673", "kind": "municipal_service",
                "unit": "Fjell bo- og omsorgssenter",
                "contact": {"name": "Ola Hansen", "email": "post@fjell.example.no", "phone": "+4798765432"}}


def backlog(sent: list[float], proposed: list[float], moments: list[float]) -> list[int]:
    """At each moment, how many needs had been posted and had no proposal yet."""
    return [sum(t <= moment for t in sent) - sum(t <= moment for t in proposed) for moment in moments]


def slope(xs: list[float], ys: list[float]) -> float:
    """The least-squares slope of ys over xs."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0


def grows(moments: list[float], waiting: list[int], rate: float) -> bool:
    """Whether the backlog rises over the second half of a step by more than GROWTH_SHARE of the sending rate
    (the first half is the backlog filling up to what the path holds at that rate)."""
    half = len(moments) // 2
    return slope(moments[half:], waiting[half:]) > GROWTH_SHARE * rate


def need_body(data: dict, today: date) -> dict:
    """A POST /needs body with a scenario need's facts, weekly from today."""
    return {"title": "Besøksvenn", "description": "Prate, gå tur, lese avis med en beboer.",
            "skills": data["skills"], "district": data["district"],
            "schedule": {**data["schedule"], "from_date": today.isoformat()},
            "volunteers_needed": data["volunteers_needed"],
            "requirements": {k: v for k, v in data["requirements"].items() if v is not None}}


def fitting_needs(offers: list[dict], today: date, seed: int = 7) -> Iterator[dict]:
    """POST /needs bodies without end, each with at least MIN_CANDIDATES eligible offers among these."""
    index = CandidateIndex()
    for data in offers:
        index.upsert(OfferView.from_data(data))
    rng = random.Random(seed)
    for number in itertools.count():
        data = {**make_need(rng, number), "published_at": None}
        need = NeedView.from_data(data)
        if sum(eligible(o, need, today) for o in index.candidates(need)) >= MIN_CANDIDATES:
            yield need_body(data, today)


class Watch:
    """When each need reached each stage after its POST, by need id, in seconds on the wall clock this machine's
    processes share: published to the broker (the relay's record timestamp), the matcher's wave begun (the first
    match's created_at) and that match stored (reported by a change stream on the matcher's matches)."""

    def __init__(self, kafka: str, mongo_uri: str):
        self.relayed: dict[str, float] = {}
        self.began: dict[str, float] = {}
        self.stored: dict[str, float] = {}
        self.client = MongoClient(mongo_uri)
        self.stream = self.client[MATCHER_DB].matches.watch([{"$match": {"operationType": "insert"}}])
        self.consumer = KafkaConsumer(NEEDS_TOPIC, bootstrap_servers=kafka, auto_offset_reset="earliest",
                                      enable_auto_commit=False)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=follow, daemon=True) for follow in (self._matches, self._needs)]
        for thread in self.threads:
            thread.start()

    def _matches(self) -> None:
        while not self.stopping.is_set():
            change = self.stream.try_next()
            if change is None:
                time.sleep(0.002)
                continue
            match = change["fullDocument"]
            if match["need_id"] not in self.stored:
                self.stored[match["need_id"]] = time.time()
                self.began[match["need_id"]] = from_iso(match["created_at"]).timestamp()

    def _needs(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    event = json.loads(record.value)
                    if event["type"] == "need.published":
                        self.relayed.setdefault(event["subject"], record.timestamp / 1000)

    def close(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.stream.close()
        self.client.close()
        self.consumer.close()


@dataclass
class Phase:
    """The needs of one phase: when each was posted and answered (by id), and the rate and seconds it was sent
    at."""

    rate: float
    seconds: float
    started: float
    posted: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)

    def unproposed(self, watch: Watch) -> int:
        return sum(i not in watch.stored for i in self.posted)

    def stages_ms(self, watch: Watch) -> dict[str, list[float]]:
        """How long after its POST each proposed need reached each stage."""
        done = [i for i in self.posted if i in watch.stored]
        return {stage: [(at[i] - self.posted[i]) * 1000 for i in done if i in at]
                for stage, at in ((ANSWERED, self.answered), (RELAYED, watch.relayed), (BEGAN, watch.began),
                                  (STORED, watch.stored))}


class Poster:
    """Posts needs in order, each with the next organisation's api_key, one keep-alive connection per thread."""

    def __init__(self, port: int, api_keys: list[str], bodies: Iterator[dict]):
        self.port, self.api_keys, self.bodies = port, api_keys, bodies
        self.local = threading.local()

    def phase(self, rate: float, count: int) -> Phase:
        """Post `count` needs at `rate` a second (their requests made before the clock starts)."""
        posts = [request_bytes("POST", "/needs", self.port, json.dumps(body).encode(),
                               {"Authorization": f"Bearer {self.api_keys[number % len(self.api_keys)]}"})
                 for number, body in enumerate(itertools.islice(self.bodies, count))]
        phase = Phase(rate, 0.0, time.time())
        phase.seconds = paced(lambda i: self._post(posts[i], phase), rate, count, SENDERS)
        return phase

    def _post(self, request: bytes, phase: Phase) -> None:
        if not hasattr(self.local, "connection"):
            self.local.connection = Connection(self.port)
        posted = time.time()
        status, body = self.local.connection.exchange(request)
        answered = time.time()
        if status != 201:
            raise RuntimeError(f"POST /needs answered {status}: {body[:300]!r}")
        need_id = json.loads(body)["id"]
        phase.posted[need_id], phase.answered[need_id] = posted, answered


def drained(phase: Phase, watch: Watch) -> bool:
    """Wait until every need of the phase has a proposal; False once QUIET_SECONDS pass without a new one while
    some have none."""
    waiting, since = phase.unproposed(watch), time.monotonic()
    while waiting:
        time.sleep(0.1)
        now_waiting = phase.unproposed(watch)
        if now_waiting < waiting:
            waiting, since = now_waiting, time.monotonic()
        elif time.monotonic() - since > QUIET_SECONDS:
            return False
    return True


def closed(phase: Phase, needs_url: str, staff_token: str, mongo_uri: str, timeout: float = 300.0) -> float:
    """Close the phase's needs as staff and wait until the matcher has withdrawn every proposal (no other need is
    open), so the next phase finds the offers free again; the seconds it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool, requests.Session() as session:
        headers = {"Authorization": f"Bearer {staff_token}"}
        list(pool.map(lambda i: session.post(f"{needs_url}/needs/{i}/close", headers=headers,
                                             timeout=30).raise_for_status(), phase.posted))
    deadline = time.monotonic() + timeout
    with MongoClient(mongo_uri) as client:
        while client[MATCHER_DB].matches.count_documents({"status": "proposed"}):
            if time.monotonic() > deadline:
                raise TimeoutError(f"proposals still open {timeout:.0f} s after their needs were closed")
            time.sleep(1.0)
    return time.monotonic() - started


def step_grew(phase: Phase, watch: Watch) -> bool:
    """Whether the backlog grew while the phase was sent."""
    offsets = [SAMPLE_SECONDS * k for k in range(1, int(phase.seconds / SAMPLE_SECONDS) + 1)]
    if len(offsets) < 4:
        return False
    proposed = [watch.stored[i] for i in phase.posted if i in watch.stored]
    waiting = backlog(list(phase.posted.values()), proposed, [phase.started + offset for offset in offsets])
    return grows(offsets, waiting, phase.rate)


@dataclass(frozen=True)
class Figures:
    """The sustainable rate, and how long after its POST each need reached each stage at half of it."""

    burst_rate: float
    sustainable_rate: float
    rate: float
    stages_ms: dict[str, list[float]]
    unproposed: int

    @property
    def waits_ms(self) -> list[float]:
        """From POST /needs to the stored proposal."""
        return self.stages_ms[STORED]

    @property
    def p50(self) -> float:
        return percentile(self.waits_ms, 0.5)

    @property
    def p99(self) -> float:
        return percentile(self.waits_ms, 0.99)


def verified_organisation(needs_url: str, config: Config, mongo_uri: str, staff_token: str) -> str:
    """An organisation registered, its contact's address confirmed by its link and verified by staff; its key."""
    created = requests.post(f"{needs_url}/organisations", json=ORGANISATION, timeout=10)
    created.raise_for_status()
    organisation = created.json()
    with MongoClient(mongo_uri) as client:
        stored = client[NEEDS_DB].organisations.find_one({"_id": organisation["id"]})
    link = confirmation.contact_link(config, organisation["id"], stored["confirmation"])
    requests.post(needs_url + urlsplit(link).path, timeout=10).raise_for_status()
    requests.post(f"{needs_url}/organisations/{organisation['id']}/verify",
                  headers={"Authorization": f"Bearer {staff_token}"}, timeout=10).raise_for_status()
    return organisation["api_key"]


def publish_offers(config: Config, offers: list[dict], mongo_uri: str, timeout: float = 300.0) -> float:
    """Send the offers as offer.published events and wait until the matcher's read model holds them; seconds."""
    started = time.perf_counter()
    publisher = Publisher(config)
    for data in offers:
        publisher.publish(new_event("/services/offers", "offer.published", data["id"], data))
    publisher.close()
    deadline = time.monotonic() + timeout
    with MongoClient(mongo_uri) as client:
        while client[MATCHER_DB].offers.estimated_document_count() < len(offers):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the matcher did not read {len(offers)} offers within {timeout:.0f} s")
            time.sleep(0.5)
    return time.perf_counter() - started


def run(sizes: Sizes = Sizes()) -> Figures:
    """Start the path, find the sustainable rate, measure at half of it; print and return the figures."""
    today = date.today()
    offers = scenario(sizes.offers, 0).offers
    bodies = fitting_needs(offers, today)
    with (tempfile.TemporaryDirectory(prefix="bench-needs-") as tmp, standins.kafka(Path(tmp) / "kafka") as kafka,
          standins.mongodb(Path(tmp) / "mongodb") as uri):
        port = standins.free_port()
        needs_url = f"http://127.0.0.1:{port}"
        env = running.environment(uri, KAFKA_BOOTSTRAP_SERVERS=kafka, NEEDS_URL=needs_url)
        config = Config(kafka_bootstrap_servers=kafka, mongodb_uri=uri, needs_url=needs_url,
                        link_signing_keys=(env["LINK_SIGNING_KEY"],))
        ensure_topics(config)
        stack = Stack(env, {"needs": port}, Path(tmp) / "logs", api_workers=2,
                      metrics_ports={"needs": standins.free_port(), "matcher": standins.free_port()})
        stack.logdir.mkdir()
        watch = None
        try:
            stack.start_api("needs")
            stack.start_worker("needs")
            stack.start_worker("matcher")
            running.wait_answering(f"{needs_url}/readyz", stack.processes["needs-api"])
            loaded = publish_offers(config, offers, uri)
            print(f"{len(offers)} open offers read by the matcher in {loaded:.1f} s")
            keys = [verified_organisation(needs_url, config, uri, env["ADMIN_TOKEN"]) for _ in range(ORGANISATIONS)]
            watch = Watch(kafka, uri)
            figures = _measure(sizes, Poster(port, keys, bodies), watch,
                               lambda phase: closed(phase, needs_url, env["ADMIN_TOKEN"], uri))
        finally:
            if watch is not None:
                watch.close()
            stack.stop()
    report(figures)
    return figures


def _measure(sizes: Sizes, poster: Poster, watch: Watch, close: Callable[[Phase], float]) -> Figures:
    """The burst, the steps to the sustainable rate and the run at half of it, each phase's needs closed after it."""
    burst = poster.phase(10_000.0, sizes.burst)
    if not drained(burst, watch):
        raise RuntimeError(f"{burst.unproposed(watch)} needs of the burst got no proposal")
    burst_rate = len(burst.posted) / (max(watch.stored[i] for i in burst.posted) - burst.started)
    print(f"burst of {sizes.burst} needs: proposed at {burst_rate:.1f} needs/s; closed in {close(burst):.0f} s")
    rate, sustainable = burst_rate, None
    for _ in range(sizes.steps):
        step = poster.phase(rate, max(4, round(rate * sizes.step_seconds)))
        grew = step_grew(step, watch)
        steady = drained(step, watch) and not grew
        print(f"{rate:.1f} needs/s for {step.seconds:.0f} s: backlog {'steady' if steady else 'grew'}"
              f"; closed in {close(step):.0f} s")
        if steady:
            sustainable = rate
            break
        rate *= SLOWER
    if sustainable is None:
        sustainable = rate
        print(f"no steady rate in {sizes.steps} steps: taking the next slower, {rate:.1f} needs/s (untried), as the "
              "sustainable rate")
    half = sustainable / 2
    measured = poster.phase(half, max(4, round(half * sizes.measure_seconds)))
    drained(measured, watch)
    return Figures(burst_rate, sustainable, half, measured.stages_ms(watch), measured.unproposed(watch))


def report(figures: Figures) -> None:
    """The rates and the waits at half the sustainable rate, against the goal."""
    met = "met" if figures.p99 <= GOAL_P99_MS else "NOT met"
    print(f"sustainable rate {figures.sustainable_rate:.1f} needs/s; at half of it ({figures.rate:.1f} needs/s, "
          f"{len(figures.waits_ms)} needs): POST /needs to stored proposal p50 {figures.p50:.0f} ms, "
          f"p99 {figures.p99:.0f} ms (goal p99 <= {GOAL_P99_MS:.0f} ms: {met})"
          + (f"; {figures.unproposed} needs got no proposal" if figures.unproposed else ""))
    print("after the POST, p50 / p99: " + ", ".join(
        f"{stage} {percentile(times, 0.5):.0f} / {percentile(times, 0.99):.0f} ms"
        for stage, times in figures.stages_ms.items() if times))


if __name__ == "__main__":
    run()
