"""Shared end-to-end fixtures: one full run of each data source (the sample and the four worked examples) per test
session, read by every test module that needs it; the tests that read them run on one xdist worker (group
``full_runs``), so each source is reported once per session."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.config import ROOT, SAMPLE_DIR

EXAMPLES = ROOT / "data" / "examples"
#: the sources a full run is made of, by name
SOURCES = {"sample": SAMPLE_DIR, "shopify": EXAMPLES / "shopify", "whatnot": EXAMPLES / "whatnot",
           "multichannel": EXAMPLES / "multichannel", "webshop": EXAMPLES / "webshop"}
#: the fixtures that make a full run; a test using one is placed in the ``full_runs`` xdist group
RUN_FIXTURES = {"full_run", "sample_run", "multi_run", "webshop_run", "run_dir"}


@dataclass(frozen=True)
class FullRun:
    """One published `pipeline run` of a source: its period folder, metrics.json and the run's log."""

    dir: Path
    metrics: dict
    period: str
    log: str


@pytest.fixture(scope="session")
def full_run(tmp_path_factory) -> Callable[[str], FullRun]:
    """``full_run(name)``: the run of ``SOURCES[name]`` (default period, 2 notebooks at once), made on first use."""
    runs: dict[str, FullRun] = {}

    def get(name: str) -> FullRun:
        if name not in runs:
            out = tmp_path_factory.mktemp(f"run-{name}")
            res = subprocess.run([sys.executable, "-m", "lib.run.pipeline", "run", "--data", str(SOURCES[name]),
                                  "--out", str(out), "--jobs", "2"], cwd=ROOT, capture_output=True, text=True,
                                 timeout=1200)
            log = res.stdout + res.stderr
            assert res.returncode == 0, log[-4000:]
            periods = [d for d in out.iterdir() if d.is_dir() and d.name[:4].isdigit()]
            assert len(periods) == 1, periods
            m = json.loads((periods[0] / "metrics.json").read_text(encoding="utf-8"))
            runs[name] = FullRun(periods[0], m, m["period"], log)
        return runs[name]

    return get


@pytest.fixture(scope="session")
def sample_run(full_run) -> Path:
    """The published folder of the sample's run (its default period); tests only read it."""
    run = full_run("sample")
    assert run.period == json.loads((SAMPLE_DIR / "planted.json").read_text())["default_period"]
    return run.dir


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if RUN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("full_runs"))
