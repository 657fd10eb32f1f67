"""Run every benchmark and print a short table of the measured ratios.

The in-process benchmarks run first, so nothing else competes for the processor while they time lookups.
The throughput benchmark starts its own broker and database; it runs in a child process that is interrupted
(so it stops what it started) once THROUGHPUT_SECONDS have passed.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from bench import candidate_lookup, fill_rate

THROUGHPUT_SECONDS = 60
STOP_SECONDS = 20
_MARK = "@@figures "
_CHILD = f"import json, bench.throughput as bench; figures = bench.run(); print(); print({_MARK!r} + json.dumps(figures))"

Row = tuple[str, str, str, str]


def throughput() -> tuple[Mapping[str, Any] | None, str]:
    """The throughput benchmark's figures, or None with the reason it gave none."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
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


def table(rows: list[Row]) -> str:
    """The rows under a header, in aligned columns."""
    lines = [("measure", "value", "goal", "")] + rows
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def main() -> None:
    """Run the benchmarks one after another, then print the summary."""
    print("== candidate lookup")
    lookup, lookup_all_rules = candidate_lookup.main()
    print("\n== fill rate")
    fill = fill_rate.main()
    print("\n== throughput")
    figures, reason = throughput()

    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"

    rows: list[Row] = [
        ("lookup: full scan p95 / index p95", f"{lookup.speed_up:.1f}x", ">= 20x", verdict(lookup.speed_up >= 20)),
        ("lookup: index p95", f"{lookup.index_p95:.3f} ms", "<= 5 ms", verdict(lookup.index_p95 <= 5)),
        ("lookup, every rule checked: speed-up", f"{lookup_all_rules.speed_up:.1f}x", ">= 20x",
         verdict(lookup_all_rules.speed_up >= 20)),
        ("lookup: same eligible offers", f"{min(lookup.agreeing, lookup_all_rules.agreeing)}/{lookup.needs}",
         "all", verdict(lookup.agreeing == lookup_all_rules.agreeing == lookup.needs)),
        *[(f"fill rate ({run})", f"{fill.ratio(run):.3f}",
           *((">= 0.99", verdict(fill.ratio(run) >= 0.99)) if run == fill_rate.HEADLINE else ("-", "")))
          for run in fill_rate.RUNS],
        *throughput_rows(figures, reason),
    ]
    print("\n== summary")
    print(table(rows))


if __name__ == "__main__":
    main()
