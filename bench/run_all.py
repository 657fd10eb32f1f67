"""Run every benchmark and print a short table of the measured ratios and figures, with the machine they ran on.

The in-process benchmarks run first, so nothing else competes for the processor while they time lookups. The
load benchmarks start their own broker, database and service processes and stop them afterwards. The throughput
benchmark runs in a child process that is interrupted (so it stops what it started) once THROUGHPUT_SECONDS have
passed. `--quick` runs everything with small numbers, to see that it works (its figures mean little);
`--offers` sets the numbers of open offers of the matcher's capacity benchmark.
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench import candidate_lookup, fill_rate, machine, matcher_capacity, need_latency, offers_write
from bench import throughput as throughput_bench

THROUGHPUT_SECONDS = 60
STOP_SECONDS = 20
_MARK = "@@figures "
_CHILD = ("import json, bench.throughput as bench; figures = bench.run({offers}, {needs}); print(); "
          f"print({_MARK!r} + json.dumps(figures))")

Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does."""

    lookup: tuple[int, int] = (candidate_lookup.OFFERS, candidate_lookup.NEEDS)
    fill: tuple[int, int] = (fill_rate.OFFERS, fill_rate.NEEDS)
    capacity: tuple[int, ...] = matcher_capacity.SIZES
    offers_seconds: float = offers_write.SECONDS
    offers_rounds: int = offers_write.ROUNDS
    latency: need_latency.Sizes = need_latency.Sizes()
    throughput: tuple[int, int] = (throughput_bench.OFFERS, throughput_bench.NEEDS)


QUICK = Sizes(lookup=(1000, 50), fill=(300, 80), capacity=(1000, 3000), offers_seconds=1.0, offers_rounds=1,
              latency=need_latency.QUICK, throughput=(100, 25))


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def throughput(offers: int, needs: int) -> tuple[Mapping[str, Any] | None, str]:
    """The throughput benchmark's figures, or None with the reason it gave none."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(offers=offers, needs=needs)],
                             stdout=subprocess.PIPE, text=True)
    try:
        output, _ = child.communicate(timeout=THROUGHPUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
        try:
            output, _ = child.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            output, _ = child.communicate()
        print(output, end="")
        return None, f"stopped after {THROUGHPUT_SECONDS} s"
    lines = output.splitlines()
    print("\n".join(line for line in lines if not line.startswith(_MARK)).rstrip())
    for line in lines:
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):]), ""
    return None, f"exited with code {child.returncode} and no figures"


def throughput_rows(figures: Mapping[str, Any] | None, reason: str) -> list[Row]:
    """The table row for the throughput figures: the matcher over the bare loop."""
    if figures is None:
        return [("throughput", "-", "-", reason)]
    ratio = figures["matcher_per_s"] / figures["bare_per_s"]
    return [("throughput: matcher / bare consume loop", f"{ratio:.3f}", "-", "")]


def offers_rows(figures: offers_write.Figures) -> list[Row]:
    """POST /offers through the service over the bare endpoint, with and without the rate limit."""
    rounds = figures.round_ratios()
    return [("POST /offers: service / bare endpoint",
             f"{figures.ratio():.3f} ({figures.per_s(offers_write.SERVICE):.0f} vs "
             f"{figures.per_s(offers_write.BARE):.0f}/s; rounds {min(rounds):.2f}-{max(rounds):.2f})",
             f">= {offers_write.GOAL}", verdict(figures.ratio() >= offers_write.GOAL)),
            ("POST /offers, rate limit off: service / bare", f"{figures.ratio(offers_write.UNLIMITED):.3f}", "-", "")]


def latency_rows(figures: need_latency.Figures) -> list[Row]:
    """The sustainable rate and the waits at half of it."""
    at, goal = f"at {figures.rate:.1f} needs/s", need_latency.GOAL_P99_MS
    return [("needs: sustainable rate", f"{figures.sustainable_rate:.1f} needs/s", "-", ""),
            (f"POST /needs to stored proposal p50 {at}", f"{figures.p50:.0f} ms", "-", ""),
            (f"POST /needs to stored proposal p99 {at}", f"{figures.p99:.0f} ms", f"<= {goal:.0f} ms",
             verdict(figures.p99 <= goal))]


def capacity_rows(results: list[matcher_capacity.Capacity]) -> list[Row]:
    """Index memory, rebuild time and lookup p95 at each number of open offers."""
    return [row for c in results for row in (
        (f"matcher at {c.offers} offers: candidate index", f"{c.index_bytes / 2**20:.1f} MiB", "-", ""),
        (f"matcher at {c.offers} offers: rebuild at takeover", f"{c.rebuild_seconds:.2f} s", "-", ""),
        (f"matcher at {c.offers} offers: lookup p95", f"{c.lookup_p95_ms:.3f} ms", "-", ""))]


def table(rows: list[Row]) -> str:
    """The rows under a header, in aligned columns."""
    lines = [("measure", "value", "goal", "")] + rows
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def attempt(title: str, benchmark: Callable[[], Any], rows: Callable[[Any], list[Row]]) -> list[Row]:
    """Run one benchmark under its title; its rows, or one row saying it failed (with the error printed), so the
    others still run."""
    print(f"\n== {title}", flush=True)
    try:
        figures = benchmark()
    except Exception as exc:  # a benchmark that breaks must not take the others' figures with it
        traceback.print_exc()
        return [(title, "-", "-", f"failed: {type(exc).__name__}")]
    return rows(figures)


def lookup_rows(results: tuple[candidate_lookup.Result, candidate_lookup.Result]) -> list[Row]:
    lookup, all_rules = results
    return [
        ("lookup: full scan p95 / index p95", f"{lookup.speed_up:.1f}x", ">= 20x", verdict(lookup.speed_up >= 20)),
        ("lookup: index p95", f"{lookup.index_p95:.3f} ms", "<= 5 ms", verdict(lookup.index_p95 <= 5)),
        ("lookup, every rule checked: speed-up", f"{all_rules.speed_up:.1f}x", ">= 20x",
         verdict(all_rules.speed_up >= 20)),
        ("lookup: same eligible offers", f"{min(lookup.agreeing, all_rules.agreeing)}/{lookup.needs}",
         "all", verdict(lookup.agreeing == all_rules.agreeing == lookup.needs)),
    ]


def fill_rows(fill: fill_rate.Result) -> list[Row]:
    return [(f"fill rate ({run})", f"{fill.ratio(run):.3f}",
             *((">= 0.99", verdict(fill.ratio(run) >= 0.99)) if run == fill_rate.HEADLINE else ("-", "")))
            for run in fill_rate.RUNS]


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks one after another, then print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, to see that everything runs")
    parser.add_argument("--offers", help="open offers of the matcher capacity benchmark, comma-separated "
                                         f"(default {','.join(map(str, matcher_capacity.SIZES))})")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    capacity = tuple(int(n) for n in args.offers.split(",")) if args.offers else sizes.capacity
    print(f"machine: {machine.describe()}" + ("\nquick mode: small numbers, not the figures" if args.quick else ""))
    rows = attempt("candidate lookup", lambda: candidate_lookup.main(*sizes.lookup), lookup_rows)
    rows += attempt("fill rate", lambda: fill_rate.main(*sizes.fill), fill_rows)
    rows += attempt("matcher capacity", lambda: matcher_capacity.run(capacity), capacity_rows)
    rows += attempt("POST /offers", lambda: offers_write.run(sizes.offers_seconds, sizes.offers_rounds), offers_rows)
    rows += attempt("POST /needs to proposal", lambda: need_latency.run(sizes.latency), latency_rows)
    rows += attempt("throughput", lambda: throughput(*sizes.throughput), lambda result: throughput_rows(*result))
    print("\n== summary")
    print(f"machine: {machine.describe()}")
    print(table(rows))


if __name__ == "__main__":
    main()
