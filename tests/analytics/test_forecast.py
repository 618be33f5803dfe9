"""Tests of lib.analytics.forecast: model pools, the naive baselines, backtest errors by hand, the forecast and its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import forecast


def _monthly(values, start: str = "2024-11-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def test_candidates_by_history_length():
    assert forecast.candidates_for(3) == ([], 0)
    pool, k = forecast.candidates_for(8)
    # under 13 months: only non-seasonal models; k = min(6, 8 - 6)
    assert [c.seasonal for c in pool] == [False, False] and k == 2
    pool, k = forecast.candidates_for(13)
    # no seasonal model fits with 3 origins to spare; k = min(6, 13 - 6, 13 - 12) = 1
    assert [c.name[:9] for c in pool] == ["ETS(A,Ad,"] and k == 1
    pool, k = forecast.candidates_for(24)
    # the seasonal random walk (15) fits with >= 3 origins; ETS seasonal (24) does not
    assert [c.min_obs for c in pool] == [15, 6] and k == 6
    pool, k = forecast.candidates_for(36)
    # k = min(6, 36 - 24, 36 - 12)
    assert [c.min_obs for c in pool] == [24, 15, 6] and k == 6


def test_baseline_forecasts():
    y = np.arange(24, dtype=float)
    assert forecast.baseline_forecast(y, 20, seasonal=True) == 8.0
    assert forecast.baseline_forecast(y, 20, seasonal=False) == 19.0
    with pytest.raises(ValueError, match="12 earlier months"):
        forecast.baseline_forecast(y, 5, seasonal=True)


def test_backtest_baseline_errors_by_hand():
    # y_i = 1000 + 10 i, i = 0..23; origins t = 18..23; seasonal-naive error = 10 * 12 = 120 each month;
    # scale = mean |y[12:18] - y[0:6]| = 120 -> MASE 1.0; MAPE = mean(120 / (1000 + 10 t)) x 100
    y = _monthly(1000 + 10 * np.arange(24))
    bt = forecast.backtest(y, [], k=6, seasonal=True)
    assert len(bt) == 1 and bool(bt.loc[0, "baseline"])
    assert bt.loc[0, "mase"] == pytest.approx(1.0)
    expected = np.mean([120 / v for v in (1180, 1190, 1200, 1210, 1220, 1230)]) * 100  # 9.96...%
    assert bt.loc[0, "mape_pct"] == pytest.approx(expected)
    # naive baseline: error 10 each month; scale = mean |y[1:18] - y[0:17]| = 10 -> MASE 1.0
    bt1 = forecast.backtest(y, [], k=6, seasonal=False)
    assert bt1.loc[0, "mase"] == pytest.approx(1.0)
    assert bt1.loc[0, "mape_pct"] == pytest.approx(np.mean([10 / v for v in range(1180, 1240, 10)]) * 100)


def test_forecast_of_trend_plus_season_beats_seasonal_naive():
    i = np.arange(36)
    rng = np.random.default_rng(1)
    y = 2000 + 30 * i + 400 * np.sin(2 * np.pi * i / 12) + rng.normal(0, 20, 36)
    res = forecast.forecast_next_month(_monthly(y[:35]))
    truth = 2000 + 30 * 35 + 400 * np.sin(2 * np.pi * 35 / 12)
    assert res.target == pd.Timestamp("2027-10-01")  # the month after 2024-11 + 34 months
    assert res.seasonal and res.baseline.startswith("Seasonal naive")
    assert res.low < res.point < res.high and abs(res.point - truth) / truth < 0.05
    assert res.beats_baseline is True  # seasonal naive misses the 360-a-year trend
    assert int(res.backtest["chosen"].sum()) == 1 and len(res.fitted) == 35
    assert res.backtest_scored is True


def test_short_history_falls_back_and_says_so():
    res = forecast.forecast_next_month(_monthly([100, 120, 110, 130, 125, 140, 150, 145]))
    assert not res.seasonal and res.baseline == "Naive (last month)"
    assert "ETS" in res.model and res.backtest_scored is True
    assert 0 <= res.low <= res.point <= res.high
    assert forecast.forecast_next_month(_monthly([1, 2, 3])) is None


def test_interval_floor_at_zero_and_level_validation():
    res = forecast.forecast_next_month(_monthly([50, 0, 80, 0, 60, 0, 70, 0, 40]))
    assert res.low >= 0
    with pytest.raises(ValueError, match="level"):
        forecast.forecast_next_month(_monthly(range(1, 20)), level=1.5)


def test_four_months_forecast_without_backtest_instead_of_crashing():
    # four complete months: too short for a backtest origin, long enough for simple smoothing
    y = pd.Series([100.0, 120.0, 90.0, 130.0], index=pd.date_range("2026-01-01", periods=4, freq="MS"))
    res = forecast.forecast_next_month(y)
    assert res is not None and res.backtest.empty
    assert res.target == pd.Timestamp("2026-05-01") and res.low <= res.point <= res.high
    assert res.backtest_scored is False and not res.seasonal
