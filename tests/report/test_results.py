"""Advice saved by a domain notebook and read back by the recommendations page (lib.report.results)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analytics.effects import Effect
from lib.analytics.recommendations import Recommendation
from lib.narrative.advice import Advice
from lib.report.outputs import PARTS_DIR, RunOutput
from lib.report.results import advice_or_compute, advice_sections, load_advice, save_advice


def _advice() -> Advice:
    rec = Recommendation("Live shows", "Move 2 shows a month into the Thursday 21:00 slot", "about $7,588 a month",
                         "Thursday 21:00 earns the most per show hour", "high", "sales_timing",
                         Effect(7588.4, 5831.0, 9458.25, False, 26_600.0, "shows"), method="Welch t-test p = 0.003")
    slots = pd.DataFrame({"slot": ["Thu 21:00", "Sun 19:00"], "shows": pd.array([9, 60], dtype="int64"),
                          "value": [10690.5, 2438.0], "day": pd.to_datetime(["2026-10-01", "2026-10-04"])})
    return Advice("shows", [rec], {"slots": slots}, ["Thursday 21:00 is the best slot."],
                  [("Product mix for shows", "needs inventory.csv")])


def test_saved_advice_reads_back_the_same(tmp_path):
    out = RunOutput(tmp_path, "sales_timing")
    out.add_advice(_advice(), fingerprint="abc123")
    got = load_advice(tmp_path / PARTS_DIR, "shows", fingerprint="abc123")
    assert got is not None and got.notebook == "sales_timing"
    assert got.recs == _advice().recs and got.recs[0].expected_value == 7588.4
    assert got.recs[0].effect.capped_by == "shows" and got.recs[0].method == "Welch t-test p = 0.003"
    pd.testing.assert_frame_equal(got.table("slots"), _advice().tables["slots"])
    assert got.sentences == ["Thursday 21:00 is the best slot."]
    assert got.skipped == [("Product mix for shows", "needs inventory.csv")]
    assert advice_sections(tmp_path / PARTS_DIR) == ["shows"]


def test_advice_from_other_data_or_missing_is_computed_again(tmp_path):
    save_advice(tmp_path, _advice(), fingerprint="old")
    assert load_advice(tmp_path, "shows", fingerprint="new") is None
    assert load_advice(tmp_path, "budget", fingerprint="old") is None
    calls = []

    def compute() -> Advice:
        calls.append(1)
        return Advice("shows", sentences=["computed"])

    assert advice_or_compute(tmp_path, "shows", compute, "new").sentences == ["computed"]
    assert advice_or_compute(None, "shows", compute, "old").sentences == ["computed"]
    assert advice_or_compute(tmp_path, "shows", compute, "old").sentences == ["Thursday 21:00 is the best slot."]
    assert len(calls) == 2


def test_saving_again_replaces_the_section_and_names_are_checked(tmp_path):
    save_advice(tmp_path, _advice(), "f")
    save_advice(tmp_path, Advice("shows", sentences=["second"]), "f")
    got = load_advice(tmp_path, "shows", "f")
    assert got.sentences == ["second"] and got.tables == {} and got.recs == []
    with pytest.raises(ValueError, match="lower-case identifier"):
        save_advice(tmp_path, Advice("../x"), "f")
    with pytest.raises(ValueError, match="lower-case identifier"):
        save_advice(tmp_path, Advice("shows", tables={"a/b": pd.DataFrame()}), "f")


def test_no_run_folder_writes_nothing(tmp_path):
    RunOutput(None, "sales_timing").add_advice(_advice(), "f")
    assert not any(tmp_path.iterdir())
