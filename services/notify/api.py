"""HTTP endpoints of the notify service: the delivery log for staff."""
from __future__ import annotations

from typing import Any

from shared.auth import caller_first, require_staff
from shared.http import BEARER, ServiceBlueprint, deps, error_responses
from services.notify.schemas import NotificationList, NotificationsQuery

blp = ServiceBlueprint("notifications", __name__, description="Delivery log of notifications (no message bodies)")


def _issues_no_tokens(token: str, repo: Any) -> bool:
    """Notify hands out no tokens, so it knows none but staff's and the services'."""
    return False


@blp.route("/notifications")
@caller_first(require_staff, _issues_no_tokens)
@blp.arguments(NotificationsQuery, location="query")
@blp.response(200, NotificationList)
@blp.doc(security=BEARER, responses=error_responses({401: "No token, or one that is not staff's (unauthorized)",
                                                     403: "The service token (forbidden)"}))
def list_notifications(query):
    return {"items": deps().repo.for_match(query["match_id"])}
