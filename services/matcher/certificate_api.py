"""HTTP endpoints of police certificates: the printable confirmation of purpose a volunteer applies with."""
from __future__ import annotations

from shared.http import ServiceBlueprint

blp = ServiceBlueprint("certificates", __name__, description="Police certificates: the confirmation of purpose")
