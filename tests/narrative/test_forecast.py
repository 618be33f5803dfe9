"""Tests of lib.narrative.forecast: the forecast with its source, earlier same months, the backtest verdict naming the
right baseline, settings at their bounds, notes and actions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from lib.analytics import forecast
from lib.narrative import forecast as forecast_text
from tests.analytics.test_forecast import CHANGES, PATTERN, _monthly, _trend_season
from tests.e2e.test_page_scan import JARGON


def _baseline_result() -> forecast.ForecastResult:
    return forecast.forecast_next_month(_monthly(np.concatenate([PATTERN, PATTERN + CHANGES])))


def test_baseline_forecast_is_said_as_the_simple_rule():
    res = _baseline_result()
    lo, hi = f"${res.low:,.0f}", f"${res.high:,.0f}"
    assert forecast_text.forecast_sentence(res, "USD") == (
        f"Expected revenue for November 2026: $1,230 (80% range {lo} to {hi}): the forecast repeats last November, "
        "because no model beat that simple rule on the last 12 months; the range comes from how far the rule missed "
        "in those months.")
    assert forecast_text.same_month_sentence(res, "USD") == (
        "For comparison, November 2024 brought $1,200 and November 2025 brought $1,230; the forecast for "
        "November 2026 is $1,230.")
    s = forecast_text.backtest_sentence(res)
    bt = res.backtest.set_index("model")
    base, best = bt.loc[forecast.baseline_name(True)], bt.loc["Month-of-year factors with a smoothed level"]
    assert s == ("To test the forecasts, each of the last 12 months (November 2025 to October 2026, including "
                 "November 2025) was forecast from the months before it. Repeating the same month last year missed "
                 f"by {base['mape_pct']:.1f}% on average; the best model, month-of-year factors on a smoothed level, "
                 f"by {best['mape_pct']:.1f}%: no model did better, so the simple rule is the forecast.")
    assert forecast_text.forecast_finding(res, "USD") == f"Expected revenue for November 2026: $1,230 (80% range {lo} to {hi})."
    meaning, actions = forecast_text.forecast_actions(res, "USD")
    assert actions[-1] == ("No model was clearly better than repeating the same month last year when tried on past "
                           "months: adjust the plan for what you know has changed since then (stock, shows, prices).")
    assert forecast_text.forecast_notes(res) == []
    # the test and the scores move to the method block, with the model names
    how = forecast_text.backtest_method(res)
    assert how[0] == ("Rolling-origin backtest, one month ahead, over 12 origins; the baseline is Seasonal naive (same "
                      "month last year). MAPE is the mean absolute percentage miss; MASE the mean absolute miss over "
                      "the history's mean absolute change on the same month a year before, one scale for every model.")
    assert how[1] == (f"Best model: Month-of-year factors with a smoothed level (MASE {best['mase']:.2f}, baseline "
                      "1.00); one-sided Diebold-Mariano test that it misses less than the baseline: "
                      f"p = {res.p_value:.3f}, a model replaces the baseline only below 0.05.")
    assert how[2] == ("The forecast is made by Seasonal naive (same month last year); its 80% interval is the point "
                      "plus or minus z times the root mean squared miss of the backtest.")
    table = forecast_text.backtest_table(res)
    assert list(table.columns) == ["model", "mae", "mape_pct", "mase", "baseline", "chosen"] and len(table) == 4
    assert forecast_text.backtest_caption(res).startswith("Rolling-origin backtest over the last 12 months")
    for text in (forecast_text.forecast_sentence(res, "USD"), s, meaning, *actions,
                 forecast_text.forecast_finding(res, "USD")):
        assert not JARGON.search(text), text


def test_a_winning_model_is_named_with_its_test():
    res = forecast.forecast_next_month(_trend_season(35))
    text = forecast_text.forecast_sentence(res, "USD")
    assert text.startswith("Expected revenue for October 2027: $")
    # the drift model wins: its range comes from its backtest misses
    assert res.model.startswith("Same month last year plus the average yearly change") and res.interval == "backtest"
    assert text.endswith(", made by a model fitted on 35 complete months (the same month last year plus the average "
                         "yearly change); the range comes from how far it missed on the last 12 months.")
    s = forecast_text.backtest_sentence(res)
    assert "the best model, the same month last year plus the average yearly change, by " in s
    assert s.endswith(": clearly better, so that model makes the forecast.")
    assert "one-sided Diebold-Mariano test that it misses less than the baseline: p < 0.001" in (
        forecast_text.backtest_method(res)[1])
    assert not JARGON.search(text) and not JARGON.search(s)
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
    assert forecast_text.forecast_sentence(res).endswith(": the forecast repeats last month (June 2025), because no "
                                                          "model beat that simple rule on the last 2 months; the range "
                                                          "comes from how far the rule missed in those months.")
    assert forecast_text.forecast_actions(res)[1][-1].startswith("No model was clearly better than repeating last "
                                                                 "month when tried on past months")
    assert forecast_text.backtest_method(res)[0].endswith("the baseline is Naive (last month). MAPE is the mean "
                                                          "absolute percentage miss; MASE the mean absolute miss over "
                                                          "the history's mean absolute change on the month before, "
                                                          "one scale for every model.")
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
    assert forecast_text.backtest_sentence(None) == "There are too few months to test the forecast on past months."
    assert forecast_text.backtest_method(None) == []
    assert forecast_text.same_month_sentence(None) is None
    y = pd.Series([100.0, 120.0, 90.0, 130.0], index=pd.date_range("2026-01-01", periods=4, freq="MS"))
    res = forecast.forecast_next_month(y)
    assert forecast_text.backtest_sentence(res) == "There are too few months to test the forecast on past months."
    assert forecast_text.forecast_sentence(res, "USD").endswith(
        ", made by a model fitted on 4 complete months (a smoothed average of past months); the range is the model's "
        "own.")
    four = forecast_text.forecast_notes(res)
    assert four[1] == "The models could not be tried on past months; the first model that fits is used."


def test_every_model_has_plain_words():
    names = [c.name for c in forecast.CANDIDATES] + [forecast.baseline_name(True), forecast.baseline_name(False)]
    words = [forecast_text.model_words(n) for n in names]
    assert words[-2:] == ["repeating the same month last year", "repeating last month"]
    assert forecast_text.model_words("Damped trend, ETS(A,Ad,N)") == "a slowing trend"
    assert len(set(words)) == len(words) and "a forecasting model" not in words
    assert not any(JARGON.search(w) for w in words), words
    assert forecast_text.model_words("SARIMA(1,1,1)") == "a forecasting model"
