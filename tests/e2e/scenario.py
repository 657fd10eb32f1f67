"""Request bodies for end-to-end tests: an organisation, a need and offers that fit it or not."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

NEED_TITLE = "Besøksvenn på Fjell bo- og omsorgssenter"


def organisation(name: str = "Fjell bo- og omsorgssenter", email: str = "kontakt@fjell.example.no") -> dict[str, Any]:
    return {"name": name, "org_number": "974760673", "kind": "municipal_service",
            "unit": "Fjell bo- og omsorgssenter", "contact": {"name": "Ola Hansen", "email": email, "phone": "98765432"}}


def need(title: str = NEED_TITLE, volunteers_needed: int = 1, district: str = "fjell") -> dict[str, Any]:
    today = date.today()
    return {"title": title, "description": "Prate, gå tur, lese avis med en beboer.", "skills": ["visiting_friend"],
            "district": district, "volunteers_needed": volunteers_needed,
            "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
                         "from_date": today.isoformat(), "until_date": (today + timedelta(days=180)).isoformat()},
            "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]}}


def offer(email: str, phone: str = "91234567", districts: tuple[str, ...] = ("konnerud", "fjell"),
          weekday: int = 2, start: str = "17:00", end: str = "20:00", languages: tuple[str, ...] = ("nb", "en"),
          channels: tuple[str, ...] = ("email",)) -> dict[str, Any]:
    return {"volunteer": {"name": f"Frivillig {email.split('@')[0]}", "email": email, "phone": phone,
                          "birth_year": 1990, "languages": list(languages)},
            "skills": ["visiting_friend", "cooking"], "districts": list(districts),
            "availability": [{"weekday": weekday, "start_time": start, "end_time": end}],
            "police_certificate": True, "max_active_matches": 2, "contact_channels": list(channels)}
