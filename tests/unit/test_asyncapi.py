"""The AsyncAPI document describes every event type the services publish, on the topic they publish it to."""
from __future__ import annotations

from pathlib import Path

import yaml

from shared.events import EVENT_TYPES

DOCUMENT = yaml.safe_load((Path(__file__).parents[2] / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def test_every_event_type_is_a_message_of_its_topics_channel():
    channels = {channel["address"]: channel for channel in DOCUMENT["channels"].values()}
    messages = DOCUMENT["components"]["messages"]
    for topic, types in EVENT_TYPES.items():
        listed = {messages[ref["$ref"].rsplit("/", 1)[1]]["name"] for ref in channels[topic]["messages"].values()}
        assert set(types) <= listed, f"{topic}: {sorted(set(types) - listed)} undocumented"


def test_the_envelopes_type_list_names_every_event_type():
    envelope = DOCUMENT["components"]["schemas"]["CloudEvent"]["properties"]["type"]["enum"]
    assert {t for types in EVENT_TYPES.values() for t in types} <= set(envelope)
