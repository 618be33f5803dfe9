"""Tests of lib.analytics.forecast: the race by history length, baselines, backtest errors and the Diebold-Mariano test
by hand, the factor model, the baseline as the forecast when no model beats it, parameters at their bounds."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lib.analytics import forecast, timing

Z80 = 1.2815515655446004  # the 0.9 quantile of the standard normal

#: a seasonal pattern (November first) and the year-on-year changes of its second year
PATTERN = np.array([1200, 1500, 600, 500, 700, 800, 900, 950, 850, 800, 900, 1000], dtype=float)
CHANGES = np.array([30, -20, 10, -40, 25, -15, 35, -10, 20, -30, 15, -5], dtype=float)


def _monthly(values, start: str = "2024-11-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def _trend_season(n: int, start: str = "2024-11-01") -> pd.Series:
    i = np.arange(n)
    rng = np.random.default_rng(1)
    return _monthly(2000 + 30 * i + 400 * np.sin(2 * np.pi * i / 12) + rng.normal(0, 20, n), start)


def test_candidates_by_history_length():
    names = {c.kind + str(c.min_obs): c for c in forecast.CANDIDATES}
    assert forecast.candidates_for(3) == ([], 0)
    assert forecast.candidates_for(4) == ([names["ets3"]], 0)  # too short to backtest
    assert forecast.candidates_for(5) == ([names["ets3"]], 2)  # k = min(12, 5 - 3)
    pool, k = forecast.candidates_for(8)
    assert [c.min_obs for c in pool] == [6, 3] and k == 2  # k = min(12, 8 - 6)
    pool, k = forecast.candidates_for(23)
    assert not any(c.seasonal for c in pool) and k == 12  # under 24 months: no seasonal model
    pool, k = forecast.candidates_for(24)
    # 12 origins (Nov..Oct of the second year); the models that fit on the first 12 months
    assert [c.min_obs for c in pool] == [12, 6, 3] and k == 12
    assert [c.min_obs for c in forecast.candidates_for(25)[0]] == [13, 12, 6, 3]
    assert [c.min_obs for c in forecast.candidates_for(36)[0]] == [24, 13, 12, 6, 3]
    assert forecast.candidates_for(30, origins=6) == (list(forecast.CANDIDATES), 6)
    with pytest.raises(ValueError, match="origins"):
        forecast.candidates_for(30, origins=0)


def test_baseline_forecasts():
    y = np.arange(24, dtype=float)
    assert forecast.baseline_forecast(y, 20, seasonal=True) == 8.0
    assert forecast.baseline_forecast(y, 20, seasonal=False) == 19.0
    with pytest.raises(ValueError, match="12 earlier months"):
        forecast.baseline_forecast(y, 5, seasonal=True)


def test_backtest_errors_by_hand():
    # y_i = 1000 + 10 i, i = 0..23; origins t = 12..23; seasonal-naive error = 10 * 12 = 120 each month;
    # scale = mean |y[12:24] - y[0:12]| = 120 -> MASE 1.0; MAPE = mean(120 / (1000 + 10 t)) x 100
    y = _monthly(1000 + 10 * np.arange(24))
    bt = forecast.backtest(y, [], k=12, seasonal=True)
    assert len(bt) == 1 and bool(bt.loc[0, "baseline"]) and bt.loc[0, "origins"] == 12
    assert bt.loc[0, "mae"] == pytest.approx(120.0) and bt.loc[0, "mase"] == pytest.approx(1.0)
    assert bt.loc[0, "mape_pct"] == pytest.approx(np.mean([120 / (1000 + 10 * t) for t in range(12, 24)]) * 100)
    # naive baseline over the last 6 months: error 10 each; scale = mean |y[1:] - y[:-1]| = 10 -> MASE 1.0
    bt1 = forecast.backtest(y, [], k=6, seasonal=False)
    assert bt1.loc[0, "mae"] == pytest.approx(10.0) and bt1.loc[0, "mase"] == pytest.approx(1.0)
    # the seasonal naive with drift is exact on a straight line (needs 13 months before the first origin)
    drift = next(c for c in forecast.CANDIDATES if c.kind == "drift")
    bt2 = forecast.backtest(y, [drift], k=11, seasonal=True)
    assert bt2.loc[1, "mae"] == pytest.approx(0.0, abs=1e-9) and bt2.loc[0, "mae"] == pytest.approx(120.0)


def test_drift_and_factor_forecasts_by_hand():
    y = _monthly(1000 + 10 * np.arange(13))
    assert forecast.drift_forecast(y) == pytest.approx(1010 + 120)  # y[1] + mean yearly change 120
    # with exactly 12 months the factor model is the seasonal naive: the first month again
    assert forecast.factor_forecast(_monthly(PATTERN))[0] == pytest.approx(PATTERN[0])
    # a constant level of 100 x a fixed pattern (mean 1) over two years: factors and level recovered exactly
    f = PATTERN / PATTERN.mean()
    point, alpha = forecast.factor_forecast(_monthly(np.tile(100 * f, 2)))
    assert point == pytest.approx(100 * f[0]) and alpha in forecast.SES_ALPHAS
    assert np.isnan(forecast.factor_forecast(_monthly([0.0] + list(PATTERN[1:])))[0])  # November never sells
    with pytest.raises(ValueError, match="12 months"):
        forecast.factor_forecast(_monthly(PATTERN[:11]))


def test_dm_p_value_by_hand():
    actual = np.array([10.0, 10.0, 10.0])
    # |model error| 1, 1, 0; |baseline error| 3, 4, 0 -> d = 2, 3, 0: mean 5/3, sd sqrt(7/3), t = 1.8898, 2 df
    p = forecast.dm_p_value(actual, np.array([9.0, 11.0, 10.0]), np.array([7.0, 14.0, 10.0]))
    t = (5 / 3) / (np.sqrt(7 / 3) / np.sqrt(3))
    assert p == pytest.approx(stats.t.sf(t, 2)) and p == pytest.approx(0.0997, abs=1e-4)
    assert p == pytest.approx(stats.ttest_1samp([2.0, 3.0, 0.0], 0.0, alternative="greater").pvalue)
    assert forecast.dm_p_value(actual, actual, actual + 1) == 0.0  # always better by 1
    assert forecast.dm_p_value(actual, actual + 1, actual) == 1.0
    assert forecast.dm_p_value(actual[:1], actual[:1], actual[:1]) is None


def test_the_baseline_wins_and_is_the_forecast():
    # two years of one strong pattern: the second year moves by CHANGES; no model is clearly better than
    # repeating the same month last year, so November of the second year is the forecast for the third
    res = forecast.forecast_next_month(_monthly(np.concatenate([PATTERN, PATTERN + CHANGES])))
    assert res.model == "Seasonal naive (same month last year)" == res.baseline and res.baseline_used
    assert res.seasonal and res.beats_baseline is False and res.p_value > 0.05 and res.interval == "backtest"
    assert res.target == pd.Timestamp("2026-11-01") and res.point == 1230.0  # 1200 + 30
    rmse = np.sqrt(np.mean(CHANGES ** 2))  # the baseline's backtest misses are CHANGES: 23.67
    assert res.low == pytest.approx(1230 - Z80 * rmse) and res.high == pytest.approx(1230 + Z80 * rmse)
    assert res.model_mase == res.baseline_mase == pytest.approx(1.0)
    assert list(res.predictions.index) == list(pd.date_range("2025-11-01", periods=12, freq="MS"))
    assert res.predictions[res.baseline].tolist() == PATTERN.tolist()
    assert int(res.backtest["chosen"].sum()) == 1 and res.at_bound == {}


def test_a_model_that_beats_the_baseline_is_the_forecast():
    # trend + season: the seasonal naive misses the 360-a-year trend every month
    res = forecast.forecast_next_month(_trend_season(35))
    truth = 2000 + 30 * 35 + 400 * np.sin(2 * np.pi * 35 / 12)
    assert res.target == pd.Timestamp("2027-10-01") and not res.baseline_used and res.beats_baseline is True
    assert res.p_value < 0.001 and res.model_mase < 0.2 < 1.0 == pytest.approx(res.baseline_mase, abs=0.01)
    assert res.low < res.point < res.high and abs(res.point - truth) / truth < 0.02
    assert res.backtest.loc[res.backtest["chosen"], "model"].item() == res.model


def test_parameters_at_their_bounds_are_flagged():
    def fake(**p):
        return SimpleNamespace(model=SimpleNamespace(param_names=list(p)), params=np.array(list(p.values())))

    # beta / alpha = 0.0001 / 0.99 is at the lower bound; damping 0.98 at the upper; alpha 0.99 is inside
    hit = forecast.ets_bounds_hit(fake(smoothing_level=0.99, smoothing_trend=0.0001, damping_trend=0.98,
                                       initial_level=5.0, initial_trend=1.0))
    assert hit == {"smoothing_trend": (0.0001, "lower"), "damping_trend": (0.98, "upper")}
    assert forecast.ets_bounds_hit(fake(smoothing_level=0.3, smoothing_trend=0.1, damping_trend=0.9)) == {}
    assert forecast.ets_bounds_hit(fake(smoothing_level=0.0001, initial_level=1.0)) == {
        "smoothing_level": (0.0001, "lower")}
    # a real fit: on four years of trend + season Holt-Winters wins, its damping at 0.98 and its season fixed
    res = forecast.forecast_next_month(_trend_season(47, "2022-11-01"))
    assert res.model.startswith("Holt-Winters") and res.interval == "model"
    assert res.at_bound["damping_trend"] == (0.98, "upper") and res.at_bound["smoothing_seasonal"][1] == "lower"


def test_short_history_uses_the_naive_baseline():
    # 8 months: damped trend and simple smoothing against "last month" on 2 origins (t = 6, 7)
    res = forecast.forecast_next_month(_monthly([100, 120, 110, 130, 125, 140, 150, 145]))
    assert not res.seasonal and res.baseline == "Naive (last month)" and res.backtest["origins"].eq(2).all()
    assert res.baseline_used and res.point == 145.0  # two origins cannot show a clear win
    rmse = np.sqrt((10 ** 2 + 5 ** 2) / 2)  # misses of "last month": 150 - 140, 145 - 150
    assert res.low == pytest.approx(145 - Z80 * rmse) and res.high == pytest.approx(145 + Z80 * rmse)
    assert forecast.forecast_next_month(_monthly([1, 2, 3])) is None


def test_interval_floor_at_zero_and_level_validation():
    res = forecast.forecast_next_month(_monthly([50, 0, 80, 0, 60, 0, 70, 0, 40]))
    assert res.low >= 0
    with pytest.raises(ValueError, match="level"):
        forecast.forecast_next_month(_monthly(range(1, 20)), level=1.5)


def test_four_months_forecast_without_backtest_instead_of_crashing():
    res = forecast.forecast_next_month(_monthly([100.0, 120.0, 90.0, 130.0], "2026-01-01"))
    assert res is not None and res.backtest.empty and res.predictions.empty
    assert res.target == pd.Timestamp("2026-05-01") and res.low <= res.point <= res.high
    assert res.backtest_scored is False and not res.seasonal and res.model.startswith("Simple exponential")
    assert res.model_mase is None and res.baseline_mase is None


def test_sample_forecast_is_tested_on_november(sample_report):
    # the sample: 24 complete months; the backtest covers Nov 2025..Oct 2026, so November was tested
    c = sample_report.lines[sample_report.lines["is_completed"]]
    monthly = timing.monthly_revenue(timing.daily_sales(c, end=sample_report.period.end))
    res = forecast.forecast_next_month(monthly)
    assert len(monthly) == 24 and pd.Timestamp("2025-11-01") in res.predictions.index
    assert res.target == pd.Timestamp("2026-11-01")
    assert res.model_mase <= res.baseline_mase
    if res.baseline_used:  # the flat non-seasonal forecast is no longer what November gets
        assert res.point == monthly.loc["2025-11-01"]
