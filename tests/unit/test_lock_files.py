"""The lock files name every package at one version with its hashes, and agree with pyproject.toml's pins, so that
what make and the image install is what the tests ran with."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.split("#")[0].strip())
        if match:
            found[_name(match[1])] = match[2]
    return found


def _locked(file: str) -> dict[str, str]:
    return _pins((ROOT / file).read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("file, groups", [("requirements.lock", ("runtime",)),
                                          ("requirements-dev.lock", ("runtime", "dev"))])
def test_each_lock_file_has_every_pin_of_pyproject_at_the_same_version(file, groups):
    wanted = {"runtime": PROJECT["dependencies"], "dev": PROJECT["optional-dependencies"]["dev"]}
    pins = _pins([line for group in groups for line in wanted[group]])
    locked = _locked(file)
    assert {name: locked.get(name) for name in pins} == pins


@pytest.mark.parametrize("file", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_has_its_hashes_and_no_index_of_this_machine(file):
    text = (ROOT / file).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=\S)", text.strip())
    assert entries and all("--hash=sha256:" in entry for entry in entries if PIN.match(entry))
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text


def test_the_runtime_lock_is_the_dev_locks_runtime_part():
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
