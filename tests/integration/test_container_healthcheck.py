"""The image's health check asks the address its container names, and says unhealthy when that does not answer 200."""
from __future__ import annotations

from deploy import healthcheck, standins
from shared.worker_health import Health, Stall, serve_health


def test_a_worker_making_progress_is_healthy_and_a_stalled_or_absent_one_is_not(monkeypatch):
    stalled = Stall()
    server = serve_health(Health({"consume": Stall(), "outbox": stalled}, threshold_seconds=0), standins.free_port())
    try:
        monkeypatch.setenv("HEALTHCHECK_URL", f"http://127.0.0.1:{server.server_address[1]}/healthz")
        assert healthcheck.main() == 0
        stalled.failing("AutoReconnect: connection refused")
        assert healthcheck.main() == 1
    finally:
        server.shutdown()
    assert healthcheck.main() == 1  # nothing answers any more


def test_a_container_that_names_no_address_counts_as_healthy(monkeypatch):
    monkeypatch.delenv("HEALTHCHECK_URL", raising=False)
    assert healthcheck.main() == 0
