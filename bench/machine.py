"""The machine a benchmark ran on, as one line: cores, processor model, Python, and how busy it was."""
from __future__ import annotations

import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_model(cpuinfo: str) -> str:
    """The first processor's model name in the text of /proc/cpuinfo, or "unknown model"."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name" and value.strip():
            return value.strip()
    return "unknown model"


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages (processes running or waiting to)."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def describe() -> str:
    """Cores (and those this process may use), processor model, Python version, system and load now."""
    model = cpu_model(CPUINFO.read_text()) if CPUINFO.exists() else platform.processor() or "unknown model"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{os.cpu_count()} cores ({usable} usable), {model}; Python {platform.python_version()} on "
            f"{platform.system()} {platform.release()}; load average {load_average()}")
