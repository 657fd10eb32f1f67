"""gunicorn's logger (--logger-class shared.accesslog.RedactingLogger): its own lines and the app's as JSON
(shared.logs), and no access line of its own, as the app writes one per request with its route, ids and trace and
with link codes and tokens redacted."""
from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from shared import logs


class RedactingLogger(Logger):
    """gunicorn's logger, writing every record of the process as a JSON line of the service's API."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        logs.configure(logs.service_of(str(cfg.proc_name)), "api", self.loglevel)
        for handler in self.error_log.handlers:
            logs.adopt(handler)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """Nothing: the request's line comes from the app (shared.logs.init_app), so there is one per request."""
