"""Dependencies you can trust: constraints.txt (written by .ci/lock) pins a version of every requirement that
satisfies pyproject.toml, and this environment runs exactly the pinned versions (./course installs with -c)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _requirements() -> list[Requirement]:
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    found += [Requirement(r) for extra in PROJECT["optional-dependencies"].values() for r in extra]
    return [r for r in found if canonicalize_name(r.name) != "quizlib"]


def test_every_requirement_is_pinned_within_its_range():
    pins = _pins()
    problems = []
    for req in _requirements():
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name} is not in constraints.txt: run .ci/lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}=={pinned} does not satisfy {req}: run .ci/lock")
    assert not problems, problems


def test_this_environment_runs_the_pinned_versions():
    mismatched = []
    for name, pinned in _pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a package for another platform or Python (the lock is universal)
        if installed != pinned:
            mismatched.append(f"{name}: {installed} installed, {pinned} pinned")
    assert not mismatched, mismatched
