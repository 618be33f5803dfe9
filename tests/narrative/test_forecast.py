"""Tests of lib.narrative.forecast: the forecast with its source, earlier same months, the backtest verdict naming the
right baseline, settings at their bounds, notes and actions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from lib.analytics import forecast
from lib.narrative import forecast as forecast_text
from tests.analytics.test_forecast import CHANGES, PATTERN, _monthly, _trend_season


def _baseline_result() -> forecast.ForecastResult:
    return forecast.forecast_next_month(_monthly(np.concatenate([PATTERN, PATTERN + CHANGES])))


def test_baseline_forecast_is_said_as_the_simple_rule():
    res = _baseline_result()
    lo, hi = f"${res.low:,.0f}", f"${res.high:,.0f}"
    assert forecast_text.forecast_sentence(res, "USD") == (
        f"Expected revenue for November 2026: $1,230 (80% interval {lo} to {hi}): the revenue of November 2025 "
        "repeated, because no model forecast clearly better than that simple rule in the backtest; the interval "
        "comes from the rule's misses in the backtest.")
    assert forecast_text.same_month_sentence(res, "USD") == (
        "For comparison, November 2024 brought $1,200 and November 2025 brought $1,230; the forecast for "
        "November 2026 is $1,230.")
    s = forecast_text.backtest_sentence(res)
    assert s.startswith("Backtest: each of the last 12 months (November 2025 to October 2026, including "
                        "November 2025) was forecast from the months before it. Repeating the same month last "
                        "year missed by ")
    assert "(MASE 1.00); the best model, " in s and s.endswith(", so the simple rule is the forecast.")
    assert forecast_text.forecast_finding(res, "USD") == f"Expected revenue for November 2026: $1,230 (80% interval {lo} to {hi})."
    meaning, actions = forecast_text.forecast_actions(res, "USD")
    assert actions[-1] == ("No model was clearly better than repeating the same month last year in the backtest: "
                           "adjust the plan for what you know has changed since then (stock, shows, prices).")
    assert forecast_text.forecast_notes(res) == []


def test_a_winning_model_is_named_with_its_test():
    res = forecast.forecast_next_month(_trend_season(35))
    text = forecast_text.forecast_sentence(res, "USD")
    assert text.startswith("Expected revenue for October 2027: $")
    assert text.endswith(f", from {res.model} fitted on 35 complete months; the interval comes from the model's "
                         "misses in the backtest." if res.interval == "backtest" else
                         f", from {res.model} fitted on 35 complete months; the interval is the model's own.")
    s = forecast_text.backtest_sentence(res)
    assert f"the best model, {res.model}, by " in s
    assert s.endswith(": clearly better (one-sided Diebold-Mariano test, p < 0.001), so that model makes the forecast.")
    meaning, actions = forecast_text.forecast_actions(res, "USD")
    width = (res.high - res.low) / res.point * 50
    assert meaning == (f"Next month should bring about ${res.point:,.0f}; the 80% range is ${res.low:,.0f} to "
                       f"${res.high:,.0f} (about +/-{width:.0f}%).")
    assert actions == [f"Plan stock and show hosts for roughly ${res.point:,.0f} of sales, and budget for the low "
                       f"end (${res.low:,.0f})."]


def test_short_history_names_last_month_as_the_baseline():
    res = forecast.forecast_next_month(_monthly([100, 120, 110, 130, 125, 140, 150, 145]))
    s = forecast_text.backtest_sentence(res)
    assert "Repeating last month missed by" in s and "year" not in s
    assert forecast_text.forecast_sentence(res).endswith(": the revenue of June 2025 repeated, because no model "
                                                          "forecast clearly better than that simple rule in the "
                                                          "backtest; the interval comes from the rule's misses in "
                                                          "the backtest.")
    assert forecast_text.forecast_actions(res)[1][-1].startswith("No model was clearly better than repeating last "
                                                                 "month in the backtest")
    assert forecast_text.forecast_notes(res) == [
        "Only 8 complete months: fewer than 24, so no seasonal model is tried; simpler models are compared with "
        "repeating last month's revenue."]
    assert forecast_text.same_month_sentence(res) is None  # no June before 2025-06


def test_settings_at_their_bounds_are_said_plainly():
    res = replace(_baseline_result(), at_bound={"damping_trend": (0.98, "upper"), "smoothing_trend": (0.0001, "lower")})
    assert forecast_text.bound_sentence(res) == (
        "In the chosen model the trend is carried forward with as little damping as the fitting allows; the trend "
        "never changes from its starting value: these settings sit at the limit the fitting allows, which means "
        "the history cannot pin them down, so read the forecast as a rough guide.")
    assert forecast_text.forecast_notes(res) == [forecast_text.bound_sentence(res)]
    assert forecast_text.bound_sentence(_baseline_result()) is None


def test_no_forecast_and_four_months():
    assert "fewer than 4" in forecast_text.forecast_sentence(None)
    assert forecast_text.backtest_sentence(None) == "There are too few months to backtest the forecast."
    assert forecast_text.same_month_sentence(None) is None
    y = pd.Series([100.0, 120.0, 90.0, 130.0], index=pd.date_range("2026-01-01", periods=4, freq="MS"))
    res = forecast.forecast_next_month(y)
    assert forecast_text.backtest_sentence(res) == "There are too few months to backtest the forecast."
    four = forecast_text.forecast_notes(res)
    assert four[1] == "The backtest could not score the models; the first model that fits is used."
