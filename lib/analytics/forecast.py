"""Next-month revenue forecast, chosen by a 12-origin rolling backtest against the (seasonal) naive baseline."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.analytics.stats import z_critical

__all__ = ["Candidate", "CANDIDATES", "ForecastResult", "candidates_for", "baseline_name", "baseline_forecast",
           "backtest", "forecast_next_month", "dm_p_value", "BEAT_ALPHA", "factor_forecast", "drift_forecast", "ets_bounds_hit",
           "MIN_MONTHS", "SEASONAL_MONTHS", "ORIGINS", "SES_ALPHAS"]

#: fewer complete months than this: no forecast
MIN_MONTHS = 4
#: from this many complete months on, the baseline is seasonal naive and seasonal models enter the race
SEASONAL_MONTHS = 24
#: rolling origins of the backtest (12: the same calendar month a year before the target is always one of them)
ORIGINS = 12
#: the smoothing weights tried for the level of the month-of-year factor model (its optimiser's range)
SES_ALPHAS = np.round(np.linspace(0.02, 1.0, 50), 2)
#: a model replaces the baseline when the one-sided Diebold-Mariano test of its lower error is below this
BEAT_ALPHA = 0.05
#: a parameter within this distance of its optimiser bound is "at the bound"
_BOUND_TOL = 1e-3


@dataclass(frozen=True)
class Candidate:
    """A model of the race: plain name, kind (``ets``, ``factors``, ``drift``), settings, fewest months it needs."""

    name: str
    kind: str
    kwargs: dict
    min_obs: int
    seasonal: bool


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("Holt-Winters: damped trend and 12-month season, ETS(A,Ad,A)", "ets",
              {"error": "add", "trend": "add", "damped_trend": True, "seasonal": "add",
               "seasonal_periods": 12, "initialization_method": "heuristic"}, 24, True),
    Candidate("Same month last year plus the average yearly change (seasonal naive with drift)", "drift", {},
              13, True),
    Candidate("Month-of-year factors with a smoothed level", "factors", {}, 12, True),
    Candidate("Damped trend, ETS(A,Ad,N)", "ets", {"error": "add", "trend": "add", "damped_trend": True}, 6, False),
    Candidate("Simple exponential smoothing, ETS(A,N,N)", "ets", {"error": "add", "trend": None}, 3, False),
)

_SES = next(c for c in CANDIDATES if c.name.startswith("Simple exponential"))


@dataclass
class ForecastResult:
    """Next month's forecast, the model that made it and the backtest behind the choice (docs/metrics.md, Forecast).

    ``model`` is the chosen model's name, the baseline's when no model beat it in the backtest
    (``baseline_used``). ``seasonal`` is False under :data:`SEASONAL_MONTHS` complete months (no
    seasonal model, the naive baseline). ``backtest`` has one row per model and the baseline:
    ``model, origins, mae, mape_pct, mase, baseline, chosen``; ``predictions`` the one-month-ahead
    backtest forecasts (rows: origin months; columns: ``actual`` and one per model).
    ``beats_baseline`` says whether the best model beat the baseline clearly (None: not scored), with
    ``p_value`` the one-sided Diebold-Mariano test of that (:func:`dm_p_value`) and ``alpha`` its level.
    ``at_bound`` maps the chosen model's fitted parameters that sit at their optimiser bound to
    (value, ``"lower"`` or ``"upper"``): :func:`ets_bounds_hit`; for the factor model its level weight
    at either end of :data:`SES_ALPHAS`. ``interval`` is ``"model"`` (the model's own) or ``"backtest"`` (point +/- z x the
    backtest's root mean squared error).
    """

    target: pd.Timestamp
    model: str
    point: float
    low: float
    high: float
    level: float
    history: pd.Series
    backtest: pd.DataFrame
    predictions: pd.DataFrame
    baseline: str
    seasonal: bool
    beats_baseline: bool | None
    backtest_scored: bool = True
    at_bound: dict[str, tuple[float, str]] = field(default_factory=dict)
    interval: str = "model"
    p_value: float | None = None
    alpha: float = 0.05

    @property
    def baseline_used(self) -> bool:
        """True when the baseline is the forecast."""
        return self.model == self.baseline

    def _mase(self, baseline: bool) -> float | None:
        if self.backtest.empty:
            return None
        col = "baseline" if baseline else "chosen"
        v = self.backtest.loc[self.backtest[col].astype(bool), "mase"]
        return float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else None

    @property
    def model_mase(self) -> float | None:
        """The chosen model's backtest MASE (the metric ``forecast_backtest_mase``); None without a backtest."""
        return self._mase(False)

    @property
    def baseline_mase(self) -> float | None:
        """The baseline's MASE on the same origins (the metric ``forecast_baseline_mase``)."""
        return self._mase(True)


def _series(y: pd.Series) -> pd.Series:
    y = pd.Series(np.asarray(y, dtype="float64"), index=pd.DatetimeIndex(y.index))
    y.index.freq = "MS"
    return y


def _fit_ets(c: Candidate, y: pd.Series):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ETSModel(y, **c.kwargs).fit(disp=False)


def _predict_ets(res, n: int, level: float) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = res.get_prediction(start=n, end=n).summary_frame(alpha=1.0 - level)
    return float(f["mean"].iloc[0]), float(f["pi_lower"].iloc[0]), float(f["pi_upper"].iloc[0])


def ets_bounds_hit(res) -> dict[str, float]:
    """Fitted ETS parameters at the bounds statsmodels' optimiser uses (docs/metrics.md, Forecast).

    The bounds are on the internal scale: smoothing_level, smoothing_trend / smoothing_level and
    smoothing_seasonal / (1 - smoothing_level) in [0.0001, 0.9999]; damping_trend in [0.8, 0.98].
    Returns ``{parameter: (fitted value, "lower" or "upper")}`` for those within 0.001 of a bound.
    """
    p = dict(zip(res.model.param_names, np.asarray(res.params, dtype=float), strict=True))
    alpha = p.get("smoothing_level")
    internal = {"smoothing_level": (alpha, 1e-4, 1 - 1e-4)}
    if "smoothing_trend" in p and alpha:
        internal["smoothing_trend"] = (p["smoothing_trend"] / alpha, 1e-4, 1 - 1e-4)
    if "smoothing_seasonal" in p and alpha is not None and alpha < 1:
        internal["smoothing_seasonal"] = (p["smoothing_seasonal"] / (1 - alpha), 1e-4, 1 - 1e-4)
    if "damping_trend" in p:
        internal["damping_trend"] = (p["damping_trend"], 0.8, 0.98)
    out = {}
    for k, (v, lo, hi) in internal.items():
        if v is not None and (abs(v - lo) < _BOUND_TOL or abs(v - hi) < _BOUND_TOL):
            out[k] = (round(float(p[k]), 4), "lower" if abs(v - lo) < _BOUND_TOL else "upper")
    return out


def _ses_level(a: np.ndarray) -> tuple[float, float]:
    """Simple exponential smoothing of ``a``: (last level, weight), the weight from :data:`SES_ALPHAS` with the
    least one-step squared error (the level starts at ``a[0]``)."""
    lvl = np.full(len(SES_ALPHAS), a[0], dtype=float)
    sse = np.zeros(len(SES_ALPHAS))
    for x in a[1:]:
        err = x - lvl
        sse += err ** 2
        lvl = lvl + SES_ALPHAS * err
    i = int(np.argmin(sse))
    return float(lvl[i]), float(SES_ALPHAS[i])


def factor_forecast(y: pd.Series) -> tuple[float, float]:
    """Month-of-year factor model: the month after ``y``'s last, with the level's smoothing weight.

    Each month's ratio to the mean of the 12 months around it (a centred 12-month window moved
    inside the data at its ends) is averaged per calendar month into 12 factors (mean 1); the
    seasonally adjusted series (revenue / factor) is smoothed by :func:`_ses_level`, and the forecast
    is that level times the target month's factor. With exactly 12 months it is the seasonal naive
    forecast (docs/metrics.md, Forecast). NaN when a factor is not positive.
    """
    v = y.to_numpy(dtype=float)
    n = len(v)
    if n < 12:
        raise ValueError(f"the month-of-year factor model needs 12 months, got {n}")
    months = y.index.month.to_numpy()
    w = np.clip(np.arange(n) - 6, 0, n - 12)
    csum = np.concatenate([[0.0], np.cumsum(v)])
    centred = (csum[w + 12] - csum[w]) / 12.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(centred > 0, v / centred, np.nan)
    factors = np.array([np.nanmean(ratio[months == m]) if np.isfinite(ratio[months == m]).any() else np.nan
                        for m in range(1, 13)])
    if not (np.isfinite(factors).all() and (factors > 0).all()):
        return float("nan"), float("nan")
    factors = factors / factors.mean()
    level, alpha = _ses_level(v / factors[months - 1])
    target = (y.index[-1] + pd.DateOffset(months=1)).month
    return float(level * factors[target - 1]), alpha


def drift_forecast(y: pd.Series) -> float:
    """Seasonal naive with drift: the same month a year before plus the mean change on a year before over all of
    ``y`` (docs/metrics.md, Forecast)."""
    v = y.to_numpy(dtype=float)
    if len(v) < 13:
        raise ValueError(f"the seasonal naive with drift needs 13 months, got {len(v)}")
    return float(v[-12] + np.mean(v[12:] - v[:-12]))


def dm_p_value(actual: np.ndarray, model: np.ndarray, baseline: np.ndarray) -> float | None:
    """One-sided Diebold-Mariano test that ``model`` forecasts with smaller absolute errors than ``baseline``.

    For one-month-ahead forecasts with the Harvey, Leybourne & Newbold (1997) small-sample
    correction this is a one-sided paired t-test on d = |baseline error| - |model error| with n - 1
    degrees of freedom (docs/metrics.md, Forecast). None with fewer than 2 origins; 0 or 1 when d does
    not vary (all positive: 0).
    """
    from scipy import stats

    d = np.abs(np.asarray(actual, float) - baseline) - np.abs(np.asarray(actual, float) - model)
    n = len(d)
    if n < 2 or not np.isfinite(d).all():
        return None
    sd = float(d.std(ddof=1))
    if sd == 0:
        return 0.0 if d.mean() > 0 else 1.0
    return float(stats.t.sf(d.mean() / (sd / np.sqrt(n)), n - 1))


def _point(c: Candidate, y: pd.Series, level: float) -> float:
    if c.kind == "factors":
        return factor_forecast(y)[0]
    if c.kind == "drift":
        return drift_forecast(y)
    return _predict_ets(_fit_ets(c, y), len(y), level)[0]


def candidates_for(n: int, origins: int = ORIGINS) -> tuple[list[Candidate], int]:
    """Models in the race on ``n`` complete months, and the number of backtest origins (docs/metrics.md, Forecast).

    From :data:`SEASONAL_MONTHS` months on: ``k`` = min(``origins``, n - 12) origins (the seasonal-naive
    baseline needs the 12 months before each), and every model that fits on the n - k months before
    the first origin. Below: the non-seasonal models that leave at least 2 origins, and ``k`` =
    min(``origins``, n - the largest ``min_obs`` among them); when none does, simple exponential
    smoothing with no backtest (``k`` = 0).
    """
    if origins < 1:
        raise ValueError(f"origins must be at least 1, got {origins}")
    if n < MIN_MONTHS:
        return [], 0
    if n >= SEASONAL_MONTHS:
        k = min(origins, n - 12)
        return [c for c in CANDIDATES if c.min_obs <= n - k], k
    pool = [c for c in CANDIDATES if not c.seasonal and c.min_obs <= n - 2]
    if not pool:
        return [_SES], 0
    return pool, min(origins, n - max(c.min_obs for c in pool))


def baseline_name(seasonal: bool) -> str:
    """Plain name of the baseline: seasonal naive (the same month a year before) or naive (the month before)."""
    return "Seasonal naive (same month last year)" if seasonal else "Naive (last month)"


def baseline_forecast(y: np.ndarray, t: int, seasonal: bool) -> float:
    """Seasonal-naive (the same month a year before) or naive (the month before) forecast of ``y[t]``."""
    lag = 12 if seasonal else 1
    if t - lag < 0:
        raise ValueError(f"the baseline needs {lag} earlier months to forecast month {t}")
    return float(y[t - lag])


def _scale(v: np.ndarray, seasonal: bool) -> float:
    lag = 12 if seasonal else 1
    d = np.abs(v[lag:] - v[:-lag]) if len(v) > lag else np.array([])
    return float(d.mean()) if len(d) else float("nan")


def _backtest(y: pd.Series, pool: list[Candidate], k: int, seasonal: bool,
              level: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = y.to_numpy()
    n = len(v)
    first = n - k
    scale = _scale(v, seasonal)
    base = baseline_name(seasonal)
    preds = pd.DataFrame({"actual": v[first:]}, index=y.index[first:])
    preds[base] = [baseline_forecast(v, t, seasonal) for t in range(first, n)]
    for c in pool:
        row = []
        for t in range(first, n):
            try:
                row.append(_point(c, y.iloc[:t], level))
            except Exception:  # a fit that fails on a short window counts as missing
                row.append(np.nan)
        preds[c.name] = row
    rows = []
    actual = preds["actual"].to_numpy()
    for name in preds.columns[1:]:
        p = preds[name].to_numpy(dtype=float)
        if np.isfinite(p).all():
            e = np.abs(actual - p)
            nz = actual != 0
            mae = float(e.mean())
            mape = float(np.mean(e[nz] / np.abs(actual[nz])) * 100.0) if nz.any() else np.nan
            mase = mae / scale if scale > 0 else np.nan
        else:
            mae = mape = mase = np.nan
        rows.append({"model": name, "origins": k, "mae": mae, "mape_pct": mape, "mase": mase,
                     "baseline": name == base})
    return pd.DataFrame(rows), preds


def backtest(monthly: pd.Series, pool: list[Candidate], k: int, seasonal: bool,
             level: float = 0.80) -> pd.DataFrame:
    """Rolling-origin one-month-ahead backtest over the last ``k`` months (docs/metrics.md, Forecast).

    For each origin t (each of the last ``k`` months), every model is fitted on the months before t
    and forecasts month t; the baseline repeats the same month a year before (``seasonal``) or the
    month before. Errors: MAE, MAPE (mean |error| / actual, percent) and MASE = MAE / the mean
    absolute change on the same month a year before (on the month before when not ``seasonal``)
    over the whole history, after Hyndman & Koehler (2006); one scale for every model, so MASE ranks
    as MAE does. Returns ``model, origins, mae, mape_pct, mase, baseline``; the baseline first.
    """
    return _backtest(_series(monthly), pool, k, seasonal, level)[0]


def forecast_next_month(monthly: pd.Series, level: float = 0.80, origins: int = ORIGINS,
                        alpha: float = BEAT_ALPHA) -> ForecastResult | None:
    """Forecast the month after the last complete month (docs/metrics.md, Forecast).

    ``monthly`` is complete months of revenue up to period_end (lib.analytics.timing.monthly_revenue).
    The model with the lowest backtest MAE (so MASE) is the forecast when it beats the baseline
    clearly: a lower MAE and a one-sided Diebold-Mariano test (:func:`dm_p_value`) below ``alpha``;
    otherwise the baseline is. ETS models give their own ``level`` prediction interval; the other
    models and the baselines point +/- z x the root mean squared error of their backtest forecasts;
    the lower bound is floored at 0. Under :data:`MIN_MONTHS` months there is no forecast (None).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    y = _series(monthly.dropna())
    n = len(y)
    pool, k = candidates_for(n, origins)
    if not pool:
        return None
    seasonal = n >= SEASONAL_MONTHS
    base = baseline_name(seasonal)
    if k > 0:
        bt, preds = _backtest(y, pool, k, seasonal, level)
    else:
        bt = pd.DataFrame(columns=["model", "origins", "mae", "mape_pct", "mase", "baseline"])
        preds = pd.DataFrame(columns=["actual"], index=pd.DatetimeIndex([], freq="MS"))
    models = bt[~bt["baseline"].astype(bool)]
    scored = bool(models["mae"].notna().any())
    p_value = None
    if scored:
        ranked = models.dropna(subset=["mae"]).sort_values("mae", kind="mergesort")
        best = ranked["model"].iloc[0]
        p_value = dm_p_value(preds["actual"].to_numpy(), preds[best].to_numpy(), preds[base].to_numpy())
        beats = bool(ranked["mae"].iloc[0] < bt.loc[bt["baseline"].astype(bool), "mae"].iloc[0]
                     and p_value is not None and p_value < alpha)
        order = [best] if beats else []
    else:  # no model scored: the baseline when it has a backtest, else the first model that fits
        beats, order = None, [] if len(bt) else [c.name for c in pool]
    target = pd.Timestamp(y.index[-1] + pd.DateOffset(months=1))
    z = z_critical(level)
    chosen = point = lo = hi = None
    at_bound: dict[str, tuple[float, str]] = {}
    interval = "model"
    for name in order:
        c = next(c for c in pool if c.name == name)
        try:
            if c.kind == "ets":
                res = _fit_ets(c, y)
                point, lo, hi = _predict_ets(res, n, level)
                at_bound = ets_bounds_hit(res)
                interval = "model"
            else:
                if c.kind == "factors":
                    point, weight = factor_forecast(y)
                    at_bound = ({"level_smoothing": (weight, "lower" if weight == SES_ALPHAS[0] else "upper")}
                                if weight in (SES_ALPHAS[0], SES_ALPHAS[-1]) else {})
                else:
                    point, at_bound = drift_forecast(y), {}
                rmse = float(np.sqrt(np.mean((preds["actual"] - preds[name]) ** 2)))
                lo, hi, interval = point - z * rmse, point + z * rmse, "backtest"
        except Exception:
            continue
        if np.isfinite([point, lo, hi]).all():
            chosen = name
            break
    if chosen is None:
        if not len(bt):
            return None
        chosen, at_bound, interval = base, {}, "backtest"
        point = baseline_forecast(y.to_numpy(), n, seasonal)
        rmse = float(np.sqrt(np.mean((preds["actual"] - preds[base]) ** 2)))
        lo, hi = point - z * rmse, point + z * rmse
    if len(bt):
        bt = bt.assign(chosen=bt["model"].eq(chosen))
    return ForecastResult(target=target, model=chosen, point=max(point, 0.0), low=max(lo, 0.0),
                          high=max(hi, 0.0), level=level, history=y.rename("revenue"), backtest=bt,
                          predictions=preds, baseline=base, seasonal=seasonal, beats_baseline=beats,
                          backtest_scored=scored, at_bound=at_bound, interval=interval, p_value=p_value,
                          alpha=alpha)
