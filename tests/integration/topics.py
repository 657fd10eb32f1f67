"""Reading a topic from its start, as a test checks what was sent."""
from __future__ import annotations

from kafka import KafkaConsumer

from shared.config import Config


def read_now(config: Config, topic: str) -> list:
    """Every message on the topic now (none is a valid answer)."""
    consumer = KafkaConsumer(topic, bootstrap_servers=config.kafka_bootstrap_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        return list(consumer)
    finally:
        consumer.close()
