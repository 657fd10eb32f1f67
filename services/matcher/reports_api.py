"""HTTP endpoints of reports: attendance and hours per organisation and district."""
from __future__ import annotations

from shared.http import ServiceBlueprint

blp = ServiceBlueprint("reports", __name__, description="Attendance and hours, for staff and organisations")
