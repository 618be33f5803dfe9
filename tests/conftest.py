"""Shared fixtures: the generated sample data and the effects its generator planted in it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from lib.config import SAMPLE_DIR
from lib.data import derived
from lib.data.load import load_dataset
from lib.data.periods import default_period


def _require_sample() -> None:
    if not (SAMPLE_DIR / "planted.json").exists():
        pytest.fail(f"{SAMPLE_DIR}/planted.json is missing: run `make sample-data` (`make test` does it first)")


@pytest.fixture(scope="session")
def planted() -> dict:
    """What lib.tools.sample_data planted in data/sample (planted.json); a missing file fails, it is never skipped."""
    _require_sample()
    return json.loads((SAMPLE_DIR / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample_report() -> SimpleNamespace:
    """The sample dataset, its default report period and its sale lines up to the period's end."""
    _require_sample()
    ds = load_dataset(SAMPLE_DIR)
    p = default_period(ds.tables["sales"]["date_sold"])
    lines = derived.sale_lines(ds.tables)
    return SimpleNamespace(ds=ds, period=p, lines=lines[lines["date_sold"] < p.end_exclusive])
