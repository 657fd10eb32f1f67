"""Staff list dead-lettered events and re-drive them, on a real broker."""
from __future__ import annotations

import threading
import uuid

import pytest

from deploy import deadletters, standins
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import MATCHES_TOPIC, OFFERS_TOPIC, InvalidEvent, dlq_topic, new_event
from shared.kafka import Publisher, Subscription, ensure_topics
from tests.conftest import wait_until
from tests.integration.topics import read_now


@pytest.fixture
def config(tmp_path) -> Config:
    """A broker of its own: these tests read whole dead-letter topics."""
    with standins.kafka(tmp_path) as address:
        config = Config(kafka_bootstrap_servers=address, testing=True)
        ensure_topics(config)
        yield config


class Offers:
    """A consumer of offer events that cannot read them until it is fixed."""

    def __init__(self, config: Config):
        self.fixed = False
        self.handled: list[str] = []
        self.loop = ConsumeLoop(config, Subscription(f"test-{uuid.uuid4()}", {"offer.published": self.handle}),
                                Publisher(config))
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()

    def handle(self, event) -> None:
        if not self.fixed:
            raise InvalidEvent("availability[0].end_time cannot be read")
        self.handled.append(event.subject)

    def stop(self) -> None:
        self.loop.stop()
        self.thread.join(timeout=15)


def _run(config: Config, *argv: str, capsys) -> tuple[int, str, str]:
    code = deadletters.main(["--bootstrap-servers", config.kafka_bootstrap_servers, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _dead_letters(config: Config, count: int) -> list[deadletters.DeadLetter]:
    return wait_until(lambda: len(found := deadletters.read_dead_letters(config.kafka_bootstrap_servers,
                                                                          [OFFERS_TOPIC])) >= count and found,
                      timeout=30)


def test_the_list_names_each_dead_letters_origin_error_type_and_id_and_none_of_its_data(config, capsys):
    consumer = Offers(config)
    event = new_event("/services/offers", "offer.published", "offer-dl-1", {"birth_year": 1987, "skills": ["music"]})
    Publisher(config).publish(event)
    try:
        _dead_letters(config, 1)
    finally:
        consumer.stop()

    code, out, _ = _run(config, "list", "--topic", OFFERS_TOPIC, capsys=capsys)

    assert code == 0
    [line, total] = out.strip().splitlines()
    assert line.startswith(f"{dlq_topic(OFFERS_TOPIC)} ") and f"from {OFFERS_TOPIC}[" in line
    assert f"offer.published id={event.id} subject=offer-dl-1" in line
    assert "InvalidEvent: availability[0].end_time cannot be read" in line and "permanent after 1 attempt" in line
    assert "1987" not in out and "music" not in out
    assert total == "1 dead letter(s)"


def test_an_empty_dead_letter_topic_lists_nothing(config, capsys):
    assert _run(config, "list", "--topic", MATCHES_TOPIC, capsys=capsys)[1] == "0 dead letter(s)\n"


def test_a_redriven_dead_letter_goes_back_to_its_topic_marked_as_such_and_is_handled_once_its_consumer_is_fixed(
        config, capsys):
    consumer = Offers(config)
    publisher = Publisher(config)
    for n in range(3):
        publisher.publish(new_event("/services/offers", "offer.published", f"offer-rd-{n}", {}))
    try:
        letters = _dead_letters(config, 3)
        consumer.fixed = True
        chosen = next(d for d in letters if b"offer-rd-1" in d.value)

        code, out, _ = _run(config, "redrive", "--topic", OFFERS_TOPIC, "--offset", chosen.position, capsys=capsys)
        assert code == 0 and f"re-drove {dlq_topic(OFFERS_TOPIC)} {chosen.position} to {OFFERS_TOPIC}" in out
        wait_until(lambda: consumer.handled == ["offer-rd-1"], timeout=30)

        assert _run(config, "redrive", "--topic", OFFERS_TOPIC, "--all", capsys=capsys)[0] == 0
        wait_until(lambda: len(consumer.handled) == 4, timeout=30)
    finally:
        consumer.stop()
    assert sorted(consumer.handled) == ["offer-rd-0", "offer-rd-1", "offer-rd-1", "offer-rd-2"]
    assert len(deadletters.read_dead_letters(config.kafka_bootstrap_servers, [OFFERS_TOPIC])) == 3
    redriven = [dict(r.headers) for r in read_now(config, OFFERS_TOPIC) if "redriven_from" in dict(r.headers)]
    assert len(redriven) == 4
    assert f"{dlq_topic(OFFERS_TOPIC)}:{chosen.position}".encode() in [h["redriven_from"] for h in redriven]


def test_a_redrive_of_a_dead_letter_that_is_not_there_says_so_and_sends_nothing(config, capsys):
    code, _, err = _run(config, "redrive", "--topic", OFFERS_TOPIC, "--offset", "3:99", capsys=capsys)
    assert code == 2 and "no dead letter at 3:99" in err
