"""Next-month revenue forecast with statsmodels, chosen by a rolling-origin backtest against a naive baseline."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Candidate", "CANDIDATES", "ForecastResult", "candidates_for", "baseline_name", "baseline_forecast",
           "backtest", "forecast_next_month", "MIN_MONTHS", "SEASONAL_MONTHS"]

#: fewer complete months than this: no forecast
MIN_MONTHS = 4
#: from this many complete months on, seasonal models and the seasonal-naive baseline are used
SEASONAL_MONTHS = 13


# The SARIMA airline model (0,1,1)(0,1,1)12 was tried and left out: 0.7-2.5 s per fit on this
# 2-core machine, too slow for a 6-origin backtest inside the 60 s notebook budget.


@dataclass(frozen=True)
class Candidate:
    """A statsmodels model: display name, builder of a fitted result, fewest months it needs."""

    name: str
    kind: str          # "ets" or "sarimax"
    kwargs: dict
    min_obs: int
    seasonal: bool


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("ETS(A,Ad,A): damped trend, additive seasonality", "ets",
              {"error": "add", "trend": "add", "damped_trend": True, "seasonal": "add",
               "seasonal_periods": 12, "initialization_method": "heuristic"}, 24, True),
    Candidate("Seasonal random walk with drift, SARIMA(0,0,0)(0,1,0)12 + constant", "sarimax",
              {"order": (0, 0, 0), "seasonal_order": (0, 1, 0, 12), "trend": "c"}, 15, True),
    Candidate("ETS(A,Ad,N): damped trend, no seasonality", "ets",
              {"error": "add", "trend": "add", "damped_trend": True}, 6, False),
    Candidate("ETS(A,N,N): simple exponential smoothing", "ets", {"error": "add", "trend": None}, 3, False),
)

_DAMPED = next(c for c in CANDIDATES if c.name.startswith("ETS(A,Ad,N)"))


@dataclass
class ForecastResult:
    """The chosen model's next-month forecast, its backtest and the baseline's (docs/metrics.md, Sales timing).

    ``seasonal`` is False under :data:`SEASONAL_MONTHS` complete months (non-seasonal models, naive
    baseline); ``backtest_scored`` is False when the backtest scored no model (the first model that
    fits is used).
    """

    target: pd.Timestamp
    model: str
    point: float
    low: float
    high: float
    level: float
    history: pd.Series
    fitted: pd.Series
    backtest: pd.DataFrame
    baseline: str
    seasonal: bool
    beats_baseline: bool | None
    backtest_scored: bool = True


def _series(y: pd.Series) -> pd.Series:
    y = pd.Series(np.asarray(y, dtype="float64"), index=pd.DatetimeIndex(y.index))
    y.index.freq = "MS"
    return y


def _fit(c: Candidate, y: pd.Series):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if c.kind == "ets":
            return ETSModel(y, **c.kwargs).fit(disp=False)
        return SARIMAX(y, **c.kwargs).fit(disp=False)


def _predict(c: Candidate, res, n: int, level: float) -> tuple[float, float, float]:
    alpha = 1.0 - level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if c.kind == "ets":
            f = res.get_prediction(start=n, end=n).summary_frame(alpha=alpha)
            return float(f["mean"].iloc[0]), float(f["pi_lower"].iloc[0]), float(f["pi_upper"].iloc[0])
        f = res.get_forecast(1).summary_frame(alpha=alpha)
        return (float(f["mean"].iloc[0]), float(f["mean_ci_lower"].iloc[0]),
                float(f["mean_ci_upper"].iloc[0]))


def candidates_for(n: int, origins: int = 6) -> tuple[list[Candidate], int]:
    """Models tried on ``n`` complete months, and the number of backtest origins.

    From :data:`SEASONAL_MONTHS` months on, seasonal models whose ``min_obs`` leaves at
    least 3 origins are tried with the non-seasonal damped trend; below, only the
    non-seasonal models. Origins = min(``origins``, n - the largest ``min_obs`` tried,
    n - 12 when the seasonal-naive baseline is used).
    """
    if n < MIN_MONTHS:
        return [], 0
    if n >= SEASONAL_MONTHS:
        pool = [c for c in CANDIDATES if c.seasonal and c.min_obs <= n - 3] + [_DAMPED]
        k = min(origins, n - max(c.min_obs for c in pool), n - 12)
    else:
        pool = [c for c in CANDIDATES if not c.seasonal and c.min_obs <= n - 2]
        if not pool:  # too short to backtest: the simplest model that fits, with no backtest
            return [c for c in CANDIDATES if not c.seasonal and c.min_obs <= n][:1], 0
        k = min(origins, n - max(c.min_obs for c in pool))
    return pool, max(k, 0)


def baseline_name(seasonal: bool) -> str:
    """Name of the naive baseline: seasonal naive (the same month a year before) or naive (the month before)."""
    return "Seasonal naive (same month last year)" if seasonal else "Naive (last month)"


def baseline_forecast(y: np.ndarray, t: int, seasonal: bool) -> float:
    """Seasonal-naive (the same month a year before) or naive (the month before) forecast of ``y[t]``."""
    lag = 12 if seasonal else 1
    if t - lag < 0:
        raise ValueError(f"the baseline needs {lag} earlier months to forecast month {t}")
    return float(y[t - lag])


def _errors(actual: np.ndarray, pred: np.ndarray, scale: float) -> tuple[float, float]:
    e = np.abs(actual - pred)
    nz = actual != 0
    mape = float(np.mean(e[nz] / np.abs(actual[nz])) * 100.0) if nz.any() else np.nan
    mase = float(np.mean(e) / scale) if scale > 0 else np.nan
    return mape, mase


def backtest(monthly: pd.Series, pool: list[Candidate], k: int, seasonal: bool,
             level: float = 0.80) -> pd.DataFrame:
    """Rolling-origin one-month-ahead backtest over the last ``k`` months.

    For each origin t (the last ``k`` months), every model is fitted on the months before
    t and forecasts month t. Errors: MAPE (mean |error| / actual, percent) and MASE
    (mean |error| over the in-sample mean absolute seasonal-naive (lag 12) or naive
    (lag 1) change of the months before the first origin), after Hyndman & Koehler (2006).
    Returns one row per model and the baseline: ``model, origins, mape_pct, mase, baseline``.
    """
    y = _series(monthly)
    v = y.to_numpy()
    n = len(v)
    first = n - k
    lag = 12 if seasonal else 1
    diffs = np.abs(v[lag:first] - v[:first - lag]) if first > lag else np.array([])
    scale = float(diffs.mean()) if len(diffs) else float("nan")
    actual = v[first:]
    rows = []
    base = np.array([baseline_forecast(v, t, seasonal) for t in range(first, n)])
    mape, mase = _errors(actual, base, scale)
    rows.append({"model": baseline_name(seasonal), "origins": k, "mape_pct": mape, "mase": mase, "baseline": True})
    for c in pool:
        preds = []
        for t in range(first, n):
            try:
                preds.append(_predict(c, _fit(c, y.iloc[:t]), t, level)[0])
            except Exception:  # a fit that fails on a short window counts as missing
                preds.append(np.nan)
        preds = np.array(preds)
        if np.isfinite(preds).all():
            mape, mase = _errors(actual, preds, scale)
        else:
            mape, mase = np.nan, np.nan
        rows.append({"model": c.name, "origins": k, "mape_pct": mape, "mase": mase, "baseline": False})
    return pd.DataFrame(rows)


def forecast_next_month(monthly: pd.Series, level: float = 0.80, origins: int = 6) -> ForecastResult | None:
    """Forecast the month after the last complete month (docs/metrics.md, Sales timing).

    ``monthly`` is complete months of revenue up to period_end (lib.analytics.timing.monthly_revenue).
    The statsmodels model with the lowest backtest MASE (MAPE when MASE is not computable)
    is refitted on every month and forecasts the next one with a ``level`` prediction
    interval; the lower bound is floored at 0. Under :data:`SEASONAL_MONTHS` months only
    non-seasonal models and the naive baseline are used; under :data:`MIN_MONTHS`
    months there is no forecast (None).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    y = _series(monthly.dropna())
    n = len(y)
    pool, k = candidates_for(n, origins)
    if not pool:
        return None
    seasonal = n >= SEASONAL_MONTHS
    bt = backtest(y, pool, k, seasonal, level) if k > 0 else pd.DataFrame(
        columns=["model", "origins", "mape_pct", "mase", "baseline"])
    models = bt[~bt["baseline"].astype(bool)] if len(bt) else bt
    key = "mase" if len(models) and models["mase"].notna().any() else "mape_pct"
    order = [c.name for c in pool]
    scored = bool(len(models) and models[key].notna().any())
    if scored:
        best = models.sort_values(key, kind="mergesort").iloc[0]["model"]
        order = [best] + [m for m in order if m != best]
    fitted_res = chosen = None
    for name in order:
        c = next(c for c in pool if c.name == name)
        try:
            fitted_res = _fit(c, y)
            point, lo, hi = _predict(c, fitted_res, n, level)
        except Exception:
            continue
        if np.isfinite([point, lo, hi]).all():
            chosen = c
            break
    if chosen is None:
        return None
    beats = None
    if len(bt):
        b = bt[bt["baseline"].astype(bool)].iloc[0]
        m = bt[bt["model"] == chosen.name].iloc[0]
        if pd.notna(m[key]) and pd.notna(b[key]):
            beats = bool(m[key] < b[key])
    bt = bt.assign(chosen=bt["model"].eq(chosen.name)) if len(bt) else bt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = pd.Series(np.asarray(fitted_res.fittedvalues, dtype="float64"), index=y.index, name="fitted")
    target = y.index[-1] + pd.DateOffset(months=1)
    return ForecastResult(target=pd.Timestamp(target), model=chosen.name, point=max(point, 0.0),
                          low=max(lo, 0.0), high=max(hi, 0.0), level=level, history=y.rename("revenue"),
                          fitted=fitted, backtest=bt,
                          baseline=baseline_name(seasonal), seasonal=seasonal, beats_baseline=beats,
                          backtest_scored=scored)


