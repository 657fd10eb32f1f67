"""GET /metrics: the APIs count what they answer by route and status; the workers count what they do with events."""
from __future__ import annotations

import threading
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy import standins
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import OFFERS_TOPIC, new_event
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.worker_health import Health, Stall, serve_health
from tests.conftest import wait_until


def samples(text: str, name: str) -> dict[tuple, float]:
    """The values of one metric's samples, by their labels."""
    return {tuple(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples if sample.name == name}


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
