"""Tests of lib.analytics.recommendations: the ranking on expected gross profit (top actions exclude effects whose
range includes zero or that round to zero, totals never add revenue)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import recommendations as rc
from lib.analytics.effects import Effect

__all__ = ["recommendation"]


def recommendation(action: str, value: float, source: str, section: str = "Inventory", low: float | None = None,
                   high: float | None = None, one_off: bool = False, revenue: float | None = None,
                   unit: str = "gross profit") -> rc.Recommendation:
    """A recommendation of medium confidence worth ``value`` gross profit a month (range low..high, default
    0.5 x to 1.5 x value)."""
    lo = value * 0.5 if low is None else low
    hi = value * 1.5 if high is None else high
    return rc.Recommendation(section, action, "effect.", "evidence.", "medium", source,
                             effect=Effect(value, lo, hi, one_off, revenue), unit=unit)


def test_top_actions_leave_out_ranges_through_zero_and_effects_rounding_to_zero():
    recs = [recommendation("Big but unsure.", 900.0, "brands", low=-50.0, high=2000.0),
            recommendation("Tiny.", 0.4, "brands", low=0.1, high=0.9),
            recommendation("Sure.", 300.0, "marketing", "Marketing"),
            recommendation("Once.", 200.0, "products_inventory", one_off=True, revenue=800.0),
            recommendation("Negative.", -20.0, "brands", low=-30.0, high=-10.0)]
    top = rc.top_actions(recs, 5)
    assert list(top["action"]) == ["Sure.", "Once."]
    assert list(top["rank"]) == [1, 2]
    assert list(top.columns[:7]) == ["rank", "action", "expected_effect", "evidence", "confidence", "source",
                                     "expected_value"]
    assert list(top["effect_kind"]) == ["per month", "one-off"]
    assert top.loc[1, "expected_revenue"] == 800.0 and np.isnan(top.loc[0, "expected_revenue"])
    assert (top.loc[0, "expected_low"], top.loc[0, "expected_high"]) == (150.0, 450.0)
    frame = rc.recommendations_frame(recs)
    # every fired action stays in recommendations.csv, ranked by gross profit, marked when it cannot be a top action
    assert list(frame["action"]) == ["Big but unsure.", "Sure.", "Once.", "Tiny.", "Negative."]
    assert list(frame["top_action"]) == [False, True, True, False, False]
    assert frame.loc[0, "note"] == "not a top action: its 80% range includes zero"
    assert frame.loc[3, "note"] == "not a top action: its effect rounds to zero or less"
    assert rc.top_actions(recs, 1)["action"].tolist() == ["Sure."]
    with pytest.raises(ValueError, match="at least 1"):
        rc.top_actions(recs, 0)


def test_totals_add_gross_profit_only():
    recs = [recommendation("A.", 10.0, "brands"), recommendation("B.", 30.0, "brands", one_off=True, revenue=90.0),
            recommendation("R.", 500.0, "sales_timing", "Live shows", revenue=500.0, unit="revenue"),
            recommendation("C.", 5.0, "sales_timing", "Live shows", revenue=20.0)]
    assert [r.action for r in rc.section_recommendations(recs, "Inventory")] == ["B.", "A."]
    # monthly and one-off apart; the revenue-only effect (no costs) is never added to gross profit
    assert rc.section_total(recs, "Inventory") == (10.0, 30.0)
    assert rc.section_total(recs, "Live shows") == (5.0, 0.0)
    t = rc.section_totals(rc.recommendations_frame(recs))
    assert t.loc["Inventory"].tolist() == [2, 10.0, 30.0, 0]
    assert t.loc["Live shows"].tolist() == [2, 5.0, 0.0, 1]
    top = rc.top_actions(recs, 5)
    # top-5 total: gross profit of A, B and C (one-off counted once), not R's revenue or any expected_revenue
    assert rc.top_total(top) == pytest.approx((45.0, 22.5, 67.5))


def test_recommendation_validation_and_determinism():
    with pytest.raises(ValueError, match="confidence"):
        rc.Recommendation("Inventory", "a", "b", "c", "certain", "brands", effect=Effect(1.0, 0.5, 2.0))
    with pytest.raises(ValueError, match="unit"):
        rc.Recommendation("Inventory", "a", "b", "c", "low", "brands", effect=Effect(1.0, 0.5, 2.0), unit="units")
    # every rule gives an Effect: a bare number is refused
    with pytest.raises(TypeError, match="Effect"):
        rc.Recommendation("Inventory", "a", "b", "c", "low", "brands", 40.0)
    assert rc.Recommendation("Inventory", "a", "b", "c", "low", "brands", effect=Effect(2.5, 1, 4)).expected_value == 2.5
    recs = [recommendation(f"{k}.", v, s) for k, v, s in
            [("A", 10, "brands"), ("B", 10, "marketing"), ("C", 10, "brands"), ("D", 50, "customers"), ("E", 7, "x")]]
    first = rc.top_actions(recs, 5)
    assert list(first["action"]) == ["D.", "A.", "C.", "B.", "E."]  # ties by source, then action
    pd.testing.assert_frame_equal(rc.top_actions(recs[::-1], 5), first)
    empty = rc.recommendations_frame([])
    assert list(empty.columns) == rc.RECOMMENDATION_COLUMNS and empty.empty
