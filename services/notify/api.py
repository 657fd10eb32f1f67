"""HTTP endpoints of the notify service: the delivery log for staff."""
from __future__ import annotations


from shared.auth import require_staff
from shared.http import ServiceBlueprint, deps
from services.notify.schemas import NotificationList, NotificationsQuery

blp = ServiceBlueprint("notifications", __name__, description="Delivery log of notifications (no message bodies)")


@blp.route("/notifications")
@blp.arguments(NotificationsQuery, location="query")
@blp.response(200, NotificationList)
def list_notifications(query):
    require_staff(deps().config)
    return {"items": deps().repo.for_match(query["match_id"])}
