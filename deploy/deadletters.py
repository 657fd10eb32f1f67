"""Lists dead-lettered events and re-drives them to the topic they came from.

    python -m deploy.deadletters list [--topic matches.v1]
    python -m deploy.deadletters redrive --topic offers.v1 (--offset N [N ...] | --all)

The broker is KAFKA_BOOTSTRAP_SERVERS (or --bootstrap-servers). A dead letter is named by its place in the
dead-letter topic, PARTITION:OFFSET (a bare OFFSET will do where only one partition has it). Re-driving publishes
the original message again, unchanged, with the same key and a `redriven_from` header; every consumer group of
that topic reads it again, which is harmless because every handler is idempotent, so re-driving twice is harmless
too. The listing shows where each dead letter came from, why it failed and the event's type, id and subject; never
its data.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Sequence

from kafka import KafkaConsumer

from shared.config import Config
from shared.events import ALL_TOPICS, MalformedEvent, dlq_topic, parse_event
from shared.kafka import Publisher

READ_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class DeadLetter:
    """One message in a dead-letter topic, with the headers the consume loop gave it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def position(self) -> str:
        """Where it is in its dead-letter topic: PARTITION:OFFSET."""
        return f"{self.partition}:{self.offset}"

    @property
    def origin_topic(self) -> str:
        """The topic it was read from when it failed."""
        return self.headers.get("origin_topic") or self.topic.removesuffix(".dlq")

    def describe(self) -> str:
        """One line: position, origin, group, class, event type and id, error; no event data."""
        try:
            event = parse_event(self.value)
            what = f"{event.type} id={event.id} subject={event.subject}"
        except MalformedEvent:
            what = "unreadable message"
        h = self.headers
        origin = f"{self.origin_topic}[{h.get('origin_partition', '?')}]@{h.get('origin_offset', '?')}"
        return (f"{self.topic} {self.position}  from {origin}  group={h.get('consumer_group', '?')}  "
                f"{h.get('error_class', 'permanent')} after {h.get('attempts', '?')} attempt(s)  {what}  "
                f"error: {h.get('error', '?')}")


def read_dead_letters(bootstrap_servers: str, topics: Iterable[str]) -> list[DeadLetter]:
    """Every message now in the dead-letter topics of these topics, read from the beginning (no group)."""
    names = [dlq_topic(topic) for topic in topics]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=READ_TIMEOUT_MS)
    consumer.subscribe(names)
    try:
        records = list(consumer)
    finally:
        consumer.close()
    letters = [DeadLetter(r.topic, r.partition, r.offset, r.key, r.value or b"",
                          {name: value.decode(errors="replace") for name, value in r.headers or []})
               for r in records]
    return sorted(letters, key=lambda d: (d.topic, d.partition, d.offset))


def select(letters: Sequence[DeadLetter], positions: Sequence[str]) -> list[DeadLetter]:
    """The dead letters at these positions (PARTITION:OFFSET, or OFFSET where unambiguous); ValueError if one
    is not there."""
    chosen = []
    for wanted in positions:
        matches = [d for d in letters if d.position == wanted or (":" not in wanted and str(d.offset) == wanted)]
        if len(matches) != 1:
            found = "no dead letter" if not matches else f"{len(matches)} dead letters (name one as PARTITION:OFFSET)"
            raise ValueError(f"{found} at {wanted}")
        chosen.append(matches[0])
    return chosen


def redrive(publisher: Publisher, letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """Publish each dead letter's original message to its origin topic again, with a header naming the re-drive."""
    done = []
    at = datetime.now(timezone.utc).isoformat()
    for letter in letters:
        headers = [("redriven_from", f"{letter.topic}:{letter.position}".encode()), ("redriven_at", at.encode())]
        key = letter.key.decode(errors="replace") if letter.key else ""
        publisher.send_raw(letter.origin_topic, key, letter.value, headers)
        done.append(letter)
    return done


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.deadletters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
                        or Config.kafka_bootstrap_servers)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print the dead letters")
    listing.add_argument("--topic", choices=ALL_TOPICS, help="only this topic's dead letters")
    again = commands.add_parser("redrive", help="publish dead letters to their origin topic again")
    again.add_argument("--topic", required=True, choices=ALL_TOPICS, help="the origin topic, e.g. offers.v1")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--offset", nargs="+", metavar="N", help="PARTITION:OFFSET, or OFFSET where unambiguous")
    which.add_argument("--all", action="store_true", help="every dead letter of the topic")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 when it did what was asked, 2 when a named dead letter is not there."""
    args = _arguments(argv)
    letters = read_dead_letters(args.bootstrap_servers, [args.topic] if args.topic else ALL_TOPICS)
    if args.command == "list":
        for letter in letters:
            print(letter.describe())
        print(f"{len(letters)} dead letter(s)")
        return 0
    try:
        chosen = letters if args.all else select(letters, args.offset)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    publisher = Publisher(Config(kafka_bootstrap_servers=args.bootstrap_servers))
    try:
        for letter in redrive(publisher, chosen):
            print(f"re-drove {letter.topic} {letter.position} to {letter.origin_topic}")
    finally:
        publisher.close()
    print(f"{len(chosen)} dead letter(s) re-driven; consumers are idempotent, so re-driving again is harmless")
    return 0


if __name__ == "__main__":
    sys.exit(main())
