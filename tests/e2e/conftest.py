"""Shared end-to-end fixtures: one full run of the sample data per test process, read by several test modules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lib.config import ROOT, SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The published folder of one `pipeline run` over the sample data (its default period); tests only read it."""
    out = tmp_path_factory.mktemp("sample_run")
    res = subprocess.run([sys.executable, "-m", "lib.run.pipeline", "run", "--data", str(SAMPLE_DIR), "--out",
                          str(out), "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    period = json.loads((SAMPLE_DIR / "planted.json").read_text())["default_period"]
    return out / period
