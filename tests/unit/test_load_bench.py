"""The load benchmarks' arithmetic: percentiles, ratios and verdicts, the backlog test, and what they send."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from bench import run_all
from bench.candidate_lookup import percentile
from bench.http_load import Load, paced, parse_head, request_bytes
from bench.machine import cpu_model
from bench.need_latency import Figures as LatencyFigures
from bench.need_latency import STORED, backlog, grows, need_body, slope
from bench.offers_write import BARE, SERVICE, UNLIMITED, Figures, rotated
from bench.running import same_settings


@pytest.mark.parametrize("share, expected", [(0.5, 50), (0.95, 95), (0.99, 99), (1.0, 100), (0.001, 1)])
def test_percentiles_are_nearest_rank(share: float, expected: int) -> None:
    assert percentile(list(range(100, 0, -1)), share) == expected


def _round(service: int, unlimited: int, bare: int, seconds: float = 10.0) -> dict[str, Load]:
    return {SERVICE: Load(seconds, ok=service), UNLIMITED: Load(seconds, ok=unlimited), BARE: Load(seconds, ok=bare)}


def test_the_offers_ratio_is_of_the_totals_over_every_round() -> None:
    figures = Figures([_round(3000, 4000, 10000), _round(5000, 6000, 10000)])
    assert figures.per_s(SERVICE) == 400 and figures.per_s(BARE) == 1000
    assert figures.ratio() == pytest.approx(0.4)
    assert figures.ratio(UNLIMITED) == pytest.approx(0.5)


def test_failed_requests_do_not_count_towards_the_rate() -> None:
    figures = Figures([{SERVICE: Load(10, ok=100, failed=900), UNLIMITED: Load(10, ok=1), BARE: Load(10, ok=100)}])
    assert figures.ratio() == 1.0 and figures.failed == 900


@pytest.mark.parametrize("ratio, verdict", [(0.7, "met"), (0.75, "met"), (0.69, "NOT met")])
def test_the_offers_row_says_whether_the_goal_is_met(ratio: float, verdict: str) -> None:
    figures = Figures([_round(int(ratio * 1000), 900, 1000)])
    [headline, _] = run_all.offers_rows(figures)
    assert headline[1].startswith(f"{ratio:.3f}") and headline[2] == ">= 0.7" and headline[3] == verdict


@pytest.mark.parametrize("p99, verdict", [(250.0, "met"), (251.0, "NOT met")])
def test_the_latency_row_says_whether_the_p99_goal_is_met(p99: float, verdict: str) -> None:
    waits = [100.0] * 98 + [p99, 2000.0]  # the 99th of 100 by nearest rank
    figures = LatencyFigures(20.0, 10.0, 5.0, {STORED: waits}, 0)
    assert figures.p50 == 100.0 and figures.p99 == p99
    assert run_all.latency_rows(figures)[-1][3] == verdict


def test_each_round_starts_with_another_target() -> None:
    targets = ["a", "b", "c"]
    assert [rotated(targets, turn)[0] for turn in range(4)] == ["a", "b", "c", "a"]
    assert sorted(rotated(targets, 2)) == targets


def test_the_backlog_counts_needs_posted_and_not_yet_proposed() -> None:
    assert backlog(sent=[1, 2, 3], proposed=[1.5, 4], moments=[0, 1, 2, 3, 4]) == [0, 1, 1, 2, 1]


def test_a_backlog_that_fills_then_holds_is_steady() -> None:
    moments = [0.5 * k for k in range(1, 41)]
    waiting = [min(k, 5) + k % 2 for k in range(1, 41)]  # fills to five, then wobbles
    assert not grows(moments, waiting, rate=20.0)


def test_a_backlog_rising_by_a_fifth_of_the_rate_grows() -> None:
    moments = [0.5 * k for k in range(1, 41)]
    assert slope(moments, [4.0 * m for m in moments]) == pytest.approx(4.0)
    assert grows(moments, [4.0 * m for m in moments], rate=20.0)


def test_a_need_body_is_weekly_from_today_without_unset_requirements() -> None:
    data = {"skills": ["driving"], "district": "fjell", "volunteers_needed": 2,
            "schedule": {"weekday": 3, "start_time": "10:00", "end_time": "11:30"},
            "requirements": {"police_certificate": True, "min_age": None, "languages": []}}
    body = need_body(data, date(2026, 6, 1))
    assert body["schedule"] == {"weekday": 3, "start_time": "10:00", "end_time": "11:30", "from_date": "2026-06-01"}
    assert body["requirements"] == {"police_certificate": True, "languages": []}
    assert body["volunteers_needed"] == 2 and body["district"] == "fjell" and body["title"]


def test_the_baseline_runs_under_the_same_gunicorn_command_line() -> None:
    args = ["gunicorn", "--bind", "127.0.0.1:8001", "--workers", "2", "--threads", "4",
            "services.offers.app:create_app()"]
    assert same_settings(args, "bench.bare_write:create_app()", 9999) == [
        "gunicorn", "--bind", "127.0.0.1:9999", "--workers", "2", "--threads", "4", "bench.bare_write:create_app()"]
    assert args[2] == "127.0.0.1:8001"  # the stack's own command line is left as it was


def test_a_request_is_http_1_1_with_its_length_and_headers() -> None:
    request = request_bytes("POST", "/needs", 8002, b'{"a": 1}', {"Authorization": "Bearer k"})
    head, body = request.split(b"\r\n\r\n")
    assert head.split(b"\r\n") == [b"POST /needs HTTP/1.1", b"Host: 127.0.0.1:8002", b"Content-Length: 8",
                                   b"Content-Type: application/json", b"Authorization: Bearer k"]
    assert body == b'{"a": 1}'


def test_a_response_head_gives_status_length_and_whether_the_server_closes() -> None:
    created = b"HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\ncontent-length: 42"
    assert parse_head(created) == (201, 42, False)
    assert parse_head(b"HTTP/1.1 503 SERVICE UNAVAILABLE\r\nConnection: close") == (503, 0, True)
    with pytest.raises(ValueError):
        parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked")


def test_paced_sending_calls_each_number_once() -> None:
    called, lock = [], threading.Lock()

    def send(i: int) -> None:
        with lock:
            called.append(i)

    paced(send, rate=100_000.0, count=50, senders=4)
    assert sorted(called) == list(range(50))


def test_the_processor_model_is_read_from_cpuinfo() -> None:
    cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\n"
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert cpu_model("processor\t: 0\n") == "unknown model"
