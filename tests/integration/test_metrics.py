"""GET /metrics: the APIs count what they answer by route and status; the workers count what they do with events,
how far behind they are, what waits in their outboxes, what notify sends and what the matcher proposes."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy import standins
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import MATCHES_TOPIC, NEEDS_TOPIC, OFFERS_TOPIC, new_event
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.metrics import exposition
from shared.mongo import DocumentStore, OutboxRelay
from shared.worker_health import Health, Stall, serve_health
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from services.notify.delivery import deliver_due
from services.notify.handlers import on_match_event
from services.web.app import create_app as create_web_app
from tests.conftest import wait_until
from tests.integration.matcher_world import need_data, publish_offers, world  # noqa: F401  (a fixture)
from tests.integration.notify_fixtures import add_pair, match_event
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, directory, make_notifier, notify_config, notify_db, sms_sink)


def samples(text: str, name: str) -> dict[tuple, float]:
    """The values of one metric's samples, by their labels."""
    return {tuple(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples if sample.name == name}


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when there is none such)."""
    return samples(text, name).get(tuple(sorted(labels.items())), 0.0)


def now() -> str:
    """This process's metrics as /metrics serves them."""
    return exposition()[0].decode()


def counted(text: str, **labels: str) -> float:
    """The request counter's value for the labels (0 when it has not counted such a request)."""
    return samples(text, "frivillig_http_requests_total").get(tuple(sorted(labels.items())), 0.0)


def test_an_api_counts_its_answers_by_route_and_status_not_by_path(offers_client):
    offer_id = str(uuid.uuid4())
    before = offers_client.get("/metrics").get_data(as_text=True)
    offers_client.get("/districts")
    offers_client.get(f"/offers/{offer_id}")
    offers_client.get("/no-such-path")
    response = offers_client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = response.get_data(as_text=True)
    route = dict(service="offers", method="GET", route="/districts", status="200")
    assert counted(after, **route) == counted(before, **route) + 1
    missing = dict(service="offers", method="GET", route="/offers/<offer_id>", status="401")
    assert counted(after, **missing) == counted(before, **missing) + 1
    assert offer_id not in after and "/no-such-path" not in after
    unmatched = dict(service="offers", method="GET", route="unmatched", status="404")
    assert counted(after, **unmatched) == counted(before, **unmatched) + 1


def test_metrics_and_the_webs_probes_answer_only_requests_that_came_to_the_pod_directly(offers_client):
    forwarded = {"X-Forwarded-For": "203.0.113.7"}  # what the Ingress adds to every request from outside
    refused = offers_client.get("/metrics", headers=forwarded)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    web = create_web_app(Config(web_session_keys=("k" * 32,), testing=True)).test_client()
    assert [web.get(path, headers=forwarded).status_code for path in ("/metrics", "/healthz", "/readyz")] == [404] * 3
    assert (web.get("/metrics").status_code, web.get("/healthz").status_code) == (200, 200)


def test_a_made_up_method_is_counted_as_other_so_clients_cannot_add_series(offers_client):
    for made_up in ("FOOA", "FOOB", "X" * 50):
        offers_client.open("/districts", method=made_up)
    text = offers_client.get("/metrics").get_data(as_text=True)
    assert "FOOA" not in text and "X" * 50 not in text
    assert counted(text, service="offers", method="other", route="unmatched", status="405") >= 3


def test_a_worker_serves_how_many_events_it_handled_and_dead_lettered(tmp_path, mongo_uri):
    with standins.kafka(tmp_path) as broker:
        config = Config(kafka_bootstrap_servers=broker, mongodb_uri=mongo_uri, testing=True)
        ensure_topics(config)
        group, handled = f"metrics-{uuid.uuid4()}", []
        publisher = Publisher(config)
        publisher.send_raw(OFFERS_TOPIC, "bad", b"{not json")
        publisher.publish(new_event("/test", "offer.published", "good", {}))
        loop = ConsumeLoop(config, Subscription(group, {"offer.published": handled.append}), publisher,
                           attempts=3, backoff_seconds=0.01)
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        server = serve_health(Health({"consume": Stall()}), standins.free_port())
        try:
            wait_until(lambda: handled, timeout=30)
            text = requests.get(f"http://127.0.0.1:{server.server_address[1]}/metrics", timeout=5).text
        finally:
            server.shutdown()
            loop.stop()
            thread.join(timeout=15)
    events = samples(text, "frivillig_events_total")
    assert events[(("group", group), ("outcome", "handled"), ("topic", OFFERS_TOPIC))] == 1
    assert events[(("group", group), ("outcome", "dead_lettered"), ("topic", OFFERS_TOPIC))] == 1


def lag(group: str) -> float:
    """The group's lag summed over the partitions this process consumes."""
    return sum(v for labels, v in samples(now(), "frivillig_consumer_lag").items() if ("group", group) in labels)


def test_consumer_lag_counts_what_waits_beyond_the_position_and_handler_time_is_observed(tmp_path, mongo_uri):
    with standins.kafka(tmp_path) as broker:
        config = Config(kafka_bootstrap_servers=broker, mongodb_uri=mongo_uri, testing=True)
        ensure_topics(config)
        group, handled, gate = f"lag-{uuid.uuid4()}", [], threading.Event()
        publisher = Publisher(config)
        for _ in range(5):
            publisher.publish(new_event("/test", "offer.published", "one-partition", {}))

        def handle(event) -> None:
            handled.append(event)
            if len(handled) == 2:
                gate.wait(30)

        loop = ConsumeLoop(config, Subscription(group, {"offer.published": handle}), publisher,
                           consumer_settings={"max_poll_records": 1})
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        try:
            wait_until(lambda: len(handled) == 2 and lag(group) == 4, timeout=30,
                       message=lambda: f"a lag of 4 behind the held second event, have {lag(group)}")
            gate.set()
            wait_until(lambda: len(handled) == 5 and lag(group) == 0, timeout=30, message="the lag to fall to 0")
        finally:
            gate.set()
            loop.stop()
            thread.join(timeout=15)
    observed = value(now(), "frivillig_event_handler_seconds_count", group=group, topic=OFFERS_TOPIC,
                     type="offer.published")
    assert observed == 5
    assert lag(group) == 0 and not [labels for labels in samples(now(), "frivillig_consumer_lag")
                                    if ("group", group) in labels]  # a stopped consumer reports no partitions


def test_the_outbox_gauges_say_what_waits_and_since_when_and_published_match_events_are_counted(
        kafka_bootstrap, mongo):
    config = Config(kafka_bootstrap_servers=kafka_bootstrap, testing=True)
    ensure_topics(config)
    collection = mongo["metrics_test"][f"matches_{uuid.uuid4().hex[:8]}"]
    long_ago = (datetime.now(timezone.utc) - timedelta(seconds=90)).isoformat()
    DocumentStore(collection).insert({"_id": "m1"}, [new_event("/test", "match.proposed", "m1", {}, time=long_ago),
                                                     new_event("/test", "match.expired", "m1", {})])
    before, seen = now(), []
    publisher = Publisher(config)

    class Watched:
        """The real publisher, with the outbox gauges read at each send."""

        def send_raw(self, *args) -> None:
            text = now()
            seen.append((value(text, "frivillig_outbox_pending", collection=collection.name),
                         value(text, "frivillig_outbox_oldest_pending_seconds", collection=collection.name)))
            publisher.send_raw(*args)

    relay = OutboxRelay([collection], Watched())
    try:
        assert relay.publish_pending() == 2
        assert relay.publish_pending() == 0  # the round after: nothing waits
    finally:
        publisher.close()
    (pending, oldest), _ = seen
    assert pending == 2 and 89 <= oldest < 300
    after = now()
    assert value(after, "frivillig_outbox_pending", collection=collection.name) == 0
    assert value(after, "frivillig_outbox_oldest_pending_seconds", collection=collection.name) == 0
    for kind in ("proposed", "expired"):
        assert value(after, "frivillig_matches_total", type=kind) == value(before, "frivillig_matches_total",
                                                                           type=kind) + 1


def test_the_matcher_counts_its_proposals_and_confirmations_and_the_size_and_rebuilds_of_its_index(world):
    before = now()
    publish_offers(world, ("a", {}), ("b", {}))
    world.send("need.published", need_data("n1"))
    [proposal] = wait_until(lambda: [m for m in world.matches("n1") if m["status"] == "proposed"], timeout=30)
    world.answer(proposal["_id"], VOLUNTEER)
    world.answer(proposal["_id"], ORGANISATION)
    wait_until(world.drained, timeout=10)
    after = now()
    published = {kind: value(after, "frivillig_matches_total", type=kind) - value(before, "frivillig_matches_total",
                                                                                  type=kind)
                 for kind in ("proposed", "accepted", "confirmed")}
    assert published == {"proposed": 1, "accepted": 2, "confirmed": 1}  # each side's acceptance is an event
    assert value(after, "frivillig_candidate_index_offers") == 2
    assert value(after, "frivillig_candidate_index_rebuild_seconds_count") >= 1
    handled = {(topic, kind): value(after, "frivillig_event_handler_seconds_count", group="matcher", topic=topic,
                                    type=kind) - value(before, "frivillig_event_handler_seconds_count",
                                                       group="matcher", topic=topic, type=kind)
               for topic, kind in ((OFFERS_TOPIC, "offer.published"), (NEEDS_TOPIC, "need.published"))}
    assert handled == {(OFFERS_TOPIC, "offer.published"): 2, (NEEDS_TOPIC, "need.published"): 1}
    assert [labels for labels in samples(after, "frivillig_consumer_lag")
            if ("group", "matcher") in labels and ("topic", MATCHES_TOPIC) in labels]
    assert value(after, "frivillig_outbox_pending", collection="matches") == 0


def test_notifications_are_counted_by_channel_and_outcome(make_notifier, directory, clock):
    def outcomes() -> dict[tuple[str, str], float]:
        text = now()
        return {(channel, outcome): value(text, "frivillig_notifications_total", channel=channel, outcome=outcome)
                for channel in ("email", "sms") for outcome in ("sent", "retrying", "skipped")}

    def moved(before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
        return {key: count - before[key] for key, count in outcomes().items() if count != before[key]}

    pair = add_pair(directory, channels=("email",))  # e-mail only: the SMS are skipped
    down = make_notifier(smtp_port=standins.free_port())  # the mail server is down: each is tried again later
    before = outcomes()
    on_match_event(match_event("match.proposed", pair), down)
    by_channel = {channel: sum(1 for n in down.repo.for_match(pair.match_id) if n["channel"] == channel)
                  for channel in ("email", "sms")}
    assert moved(before) == {("email", "retrying"): by_channel["email"], ("sms", "skipped"): by_channel["sms"]}
    clock.advance(hours=1)
    before = outcomes()
    deliver_due(make_notifier())
    assert moved(before) == {("email", "sent"): by_channel["email"]}
