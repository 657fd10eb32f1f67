"""HTTP endpoints of assignments' calendars: one assignment as iCalendar, and each person's private feed."""
from __future__ import annotations

from shared.http import ServiceBlueprint

blp = ServiceBlueprint("calendars", __name__, description="Assignments as iCalendar, and private calendar feeds")
