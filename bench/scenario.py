"""A deterministic Drammen-like population of volunteers' offers and organisations' needs, as event data."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.reference import ALL_DISTRICTS, DISTRICTS, SKILLS

DISTRICT_CODES = tuple(DISTRICTS)
SKILL_CODES = tuple(SKILLS)
OTHER_LANGUAGES = ("en", "ar", "so", "pl", "uk")
DAY_START = 8 * 60
DAY_END = 21 * 60
STEP = 30
ORGANISATIONS = 60
PUBLISHING_FROM = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
PUBLISHING_MINUTES = 30 * 24 * 60


@dataclass(frozen=True)
class Scenario:
    """Offers and needs in the shape of their events' data."""

    offers: list[dict[str, Any]]
    needs: list[dict[str, Any]]


def _clock(minutes: int) -> str:
    """Minutes after midnight as 'HH:MM'."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _weekly(rng: random.Random, length: int | None = None) -> dict[str, Any]:
    """A weekly slot between 08:00 and 21:00 in 30-minute steps; of the given length, else of any length."""
    if length is None:
        start = rng.randrange(DAY_START, DAY_END, STEP)
        end = rng.randrange(start + STEP, DAY_END + 1, STEP)
    else:
        start = rng.randrange(DAY_START, DAY_END - length + 1, STEP)
        end = start + length
    return {"weekday": rng.randint(1, 7), "start_time": _clock(start), "end_time": _clock(end)}


def _languages(rng: random.Random) -> list[str]:
    """Mostly Norwegian, sometimes with or instead of another language."""
    roll = rng.random()
    if roll < 0.75:
        return ["nb"]
    if roll < 0.95:
        return ["nb", rng.choice(OTHER_LANGUAGES)]
    return [rng.choice(OTHER_LANGUAGES)]


def make_offer(rng: random.Random, number: int) -> dict[str, Any]:
    """One open offer."""
    districts = [ALL_DISTRICTS] if rng.random() < 0.08 else rng.sample(DISTRICT_CODES, rng.choice((1, 1, 2, 3)))
    return {
        "id": f"offer-{number:05d}",
        "status": "open",
        "version": 1,
        "skills": rng.sample(SKILL_CODES, rng.randint(1, 4)),
        "districts": districts,
        "availability": [_weekly(rng) for _ in range(rng.randint(1, 3))],
        "police_certificate": rng.random() < 0.5,
        "birth_year": rng.randint(1940, 2008),
        "languages": _languages(rng),
        "max_active_matches": rng.randint(1, 3),
        "headcount": 1 if rng.random() < 0.9 else rng.randint(2, 4),
    }


def _requirements(rng: random.Random) -> dict[str, Any]:
    """Usually nothing special; sometimes a police certificate, a minimum age or a language."""
    return {
        "police_certificate": rng.random() < 0.25,
        "min_age": rng.choice((16, 18)) if rng.random() < 0.2 else None,
        "languages": [rng.choice(("nb", "en", "ar"))] if rng.random() < 0.1 else [],
    }


def make_need(rng: random.Random, number: int) -> dict[str, Any]:
    """One open need with a weekly schedule of one to three hours."""
    published = PUBLISHING_FROM + timedelta(minutes=rng.randrange(PUBLISHING_MINUTES))
    return {
        "id": f"need-{number:04d}",
        "organisation_id": f"org-{rng.randrange(ORGANISATIONS):02d}",
        "status": "open",
        "version": 1,
        "skills": rng.sample(SKILL_CODES, rng.choice((0, 1, 1, 1, 2, 2))),
        "district": rng.choice(DISTRICT_CODES),
        "schedule": _weekly(rng, rng.choice((60, 90, 120, 150, 180))),
        "volunteers_needed": rng.randint(1, 5),
        "requirements": _requirements(rng),
        "published_at": published.isoformat(),
    }


def scenario(offers: int, needs: int, seed: int = 2026) -> Scenario:
    """The same offers and needs for the same counts and seed."""
    rng = random.Random(seed)
    return Scenario([make_offer(rng, n) for n in range(offers)], [make_need(rng, n) for n in range(needs)])


def main() -> None:
    """Print a short summary of a default scenario."""
    world = scenario(2_000, 500)
    slots = sum(need["volunteers_needed"] for need in world.needs)
    everywhere = sum(ALL_DISTRICTS in offer["districts"] for offer in world.offers)
    print(f"offers {len(world.offers)} (all districts: {everywhere}), needs {len(world.needs)}, "
          f"volunteer slots wanted {slots}")
    print("first offer:", world.offers[0])
    print("first need:", world.needs[0])


if __name__ == "__main__":
    main()
