"""Tests of lib.narrative.forecast: the forecast, its finding, notes, backtest sentence and actions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from lib.analytics import forecast
from lib.narrative import forecast as forecast_text


def _monthly(values, start: str = "2024-11-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def _seasonal_result() -> forecast.ForecastResult:
    i = np.arange(36)
    rng = np.random.default_rng(1)
    y = 2000 + 30 * i + 400 * np.sin(2 * np.pi * i / 12) + rng.normal(0, 20, 36)
    return forecast.forecast_next_month(_monthly(y[:35]))


def test_forecast_sentence_finding_and_backtest():
    res = _seasonal_result()
    s = forecast_text.backtest_sentence(res)
    assert "beats the baseline" in s and "MASE" in s and "MAPE" in s
    text = forecast_text.forecast_sentence(res, "USD")
    assert text.startswith("Expected revenue for October 2027: $")
    assert text.endswith(f", from {res.model} fitted on 35 complete months.")
    assert forecast_text.forecast_finding(res, "USD") == text.split(", from ")[0] + "."
    assert forecast_text.forecast_notes(res) == []


def test_no_forecast_and_short_history_notes():
    assert "fewer than 4" in forecast_text.forecast_sentence(None)
    assert forecast_text.backtest_sentence(None) == "There are too few months to backtest the forecast."
    res = forecast.forecast_next_month(_monthly([100, 120, 110, 130, 125, 140, 150, 145]))
    notes = forecast_text.forecast_notes(res)
    assert "no seasonal model" in notes[0] and len(notes) == 1
    assert notes[0] == ("Only 8 complete months: fewer than 13, so no seasonal model; a simpler non-seasonal "
                        "model is used and compared with last month's revenue.")
    y = pd.Series([100.0, 120.0, 90.0, 130.0], index=pd.date_range("2026-01-01", periods=4, freq="MS"))
    four = forecast_text.forecast_notes(forecast.forecast_next_month(y))
    assert any("could not score" in n for n in four)


def test_forecast_actions():
    res = _seasonal_result()
    meaning, actions = forecast_text.forecast_actions(res, "USD")
    width = (res.high - res.low) / res.point * 50
    assert meaning.startswith(f"Next month should bring about ${res.point:,.0f}; the 80% range is ")
    assert meaning.endswith(f" (about +/-{width:.0f}%).")
    assert actions == [f"Plan stock and show hosts for roughly ${res.point:,.0f} of sales, and budget for the low "
                       f"end (${res.low:,.0f})."]
    worse = replace(res, beats_baseline=False)
    assert forecast_text.forecast_actions(worse)[1][-1] == (
        "The model is no better than 'same as a year ago' in the backtest: use both numbers.")
