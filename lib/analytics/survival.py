"""Kaplan-Meier survival curves, medians with intervals, and the log-rank test, vectorised."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics.stats import z_critical

__all__ = ["km_table", "km_median", "km_median_ci", "km_summary", "km_by_group", "logrank_test", "km_conditional"]


def _validate(durations, observed) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(durations, dtype="float64")
    o = np.asarray(observed, dtype=bool)
    if d.ndim != 1 or o.shape != d.shape:
        raise ValueError(f"durations and observed must be 1-d and the same length, got {d.shape} and {o.shape}")
    if np.isnan(d).any():
        raise ValueError("durations contain missing values")
    if (d < 0).any():
        raise ValueError("durations must be >= 0 (days from clock start to sale or censoring)")
    return d, o


def _unique_times(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(d, return_inverse=True)``; whole days (the usual case) counted with a bincount instead of a
    sort of every duration."""
    if d.size and np.isfinite(d).all():
        lo, hi = float(d.min()), float(d.max())
        if hi - lo <= 4 * d.size + 1000 and np.array_equal(d, np.floor(d)):
            di = (d - lo).astype("int64")
            present = np.bincount(di) > 0
            return np.flatnonzero(present).astype("float64") + lo, (np.cumsum(present) - 1)[di]
    return np.unique(d, return_inverse=True)


def km_table(durations, observed, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier product-limit table at every distinct time (docs/metrics.md, Kaplan-Meier median).

    Parameters
    ----------
    durations : days from clock start to the event (sale) or to censoring.
    observed : True where the event happened (sold), False where censored.
    confidence : level of the pointwise interval (Greenwood variance on the
        log(-log S) scale, the "exponential Greenwood" interval; the same
        formula as ``scipy.stats.ecdf(...).sf.confidence_interval(method="log-log")``).

    Returns
    -------
    DataFrame with ``time, at_risk, events, censored, survival, low, high``,
    one row per distinct time (survival just after that time).
    """
    d, o = _validate(durations, observed)
    if d.size == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in
                             ["time", "at_risk", "events", "censored", "survival", "low", "high"]})
    times, inv = _unique_times(d)
    events = np.bincount(inv, weights=o, minlength=times.size)
    total = np.bincount(inv, minlength=times.size).astype("float64")
    at_risk = total[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0))
        se = np.sqrt(gw) / np.abs(np.log(surv))
        z = z_critical(confidence)
        lnl = np.log(-np.log(surv))
        low = np.exp(-np.exp(lnl + z * se))
        high = np.exp(-np.exp(lnl - z * se))
    # S = 1 (no event yet): the interval is the point; S = 0: 0
    low = np.where(surv >= 1.0, 1.0, np.where(surv <= 0.0, 0.0, low))
    high = np.where(surv >= 1.0, 1.0, np.where(surv <= 0.0, 0.0, high))
    return pd.DataFrame({"time": times, "at_risk": at_risk.astype("int64"), "events": events.astype("int64"),
                         "censored": (total - events).astype("int64"), "survival": surv,
                         "low": np.clip(np.nan_to_num(low, nan=0.0), 0, 1),
                         "high": np.clip(np.nan_to_num(high, nan=1.0), 0, 1)})


def _first_time_at_or_below(times: np.ndarray, curve: np.ndarray, level: float = 0.5) -> int | None:
    hit = np.flatnonzero(curve <= level + 1e-12)
    return None if hit.size == 0 else int(math.ceil(times[hit[0]]))


def km_median(durations, observed) -> int | None:
    """Kaplan-Meier median: smallest whole day t with S(t) <= 0.5; None when not reached (docs/metrics.md,
    Kaplan-Meier median)."""
    t = km_table(durations, observed)
    return _first_time_at_or_below(t["time"].to_numpy(), t["survival"].to_numpy())


def km_median_ci(durations, observed, confidence: float = 0.95) -> tuple[int | None, int | None]:
    """Interval for the KM median: first days the upper/lower pointwise bounds reach 0.5 (docs/metrics.md,
    Kaplan-Meier median).

    The lower end is the first day the lower survival bound is <= 0.5 and the
    upper end the first day the upper bound is <= 0.5 (None: not reached, the
    interval is open). This is the rule R's ``survfit`` uses (Brookmeyer and
    Crowley, adapted to the log(-log) Greenwood band of :func:`km_table`).
    """
    t = km_table(durations, observed, confidence)
    times = t["time"].to_numpy()
    return (_first_time_at_or_below(times, t["low"].to_numpy()),
            _first_time_at_or_below(times, t["high"].to_numpy()))


def km_summary(durations, observed, confidence: float = 0.95) -> dict:
    """KM median, its interval, counts, and the naive median of the sold items only (docs/metrics.md,
    Products and inventory: Days to sell)."""
    d, o = _validate(durations, observed)
    med = lo = hi = None
    if d.size:
        t = km_table(d, o, confidence)
        times = t["time"].to_numpy()
        med = _first_time_at_or_below(times, t["survival"].to_numpy())
        lo = _first_time_at_or_below(times, t["low"].to_numpy())
        hi = _first_time_at_or_below(times, t["high"].to_numpy())
    return {"n": int(d.size), "sold": int(o.sum()), "censored": int((~o).sum()),
            "km_median": med, "km_low": lo, "km_high": hi,
            "naive_median_sold": float(np.median(d[o])) if o.any() else None}


def _codes(groups, n: int) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and sorted labels of a group column, without an object copy."""
    g = groups if isinstance(groups, pd.Series) else pd.Series(np.asarray(groups, dtype=object))
    if len(g) != n:
        raise ValueError("groups must have one label per duration")
    codes, labels = pd.factorize(g, sort=True, use_na_sentinel=True)
    return codes, pd.Index(labels).astype("string")


def km_by_group(durations, observed, groups, min_n: int = 1, confidence: float = 0.95) -> pd.DataFrame:
    """KM median and its interval per group, for all groups at once (groups x times matrix; docs/metrics.md,
    Kaplan-Meier median).

    The same estimator and interval as :func:`km_table` / :func:`km_median_ci`,
    vectorised over groups. Returns one row per group: ``group, n, sold,
    censored, km_median, km_low, km_high, naive_median_sold`` (medians None when
    not reached or the group has fewer than ``min_n`` items).
    """
    d, o = _validate(durations, observed)
    gcodes, glabels = _codes(groups, d.size)
    keep = gcodes >= 0
    d, o, gcodes = d[keep], o[keep], gcodes[keep]
    cols = ["group", "n", "sold", "censored", "km_median", "km_low", "km_high", "naive_median_sold"]
    if d.size == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    times, tinv = _unique_times(d)
    k, m = len(glabels), times.size
    flat = gcodes * m + tinv
    ev = np.bincount(flat, weights=o, minlength=k * m).reshape(k, m)
    tot = np.bincount(flat, minlength=k * m).reshape(k, m).astype("float64")
    at_risk = tot[:, ::-1].cumsum(axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - ev / at_risk, 1.0)
        surv = np.cumprod(factor, axis=1)
        gw = np.cumsum(np.where(ev > 0, ev / (at_risk * (at_risk - ev)), 0.0), axis=1)
        se = np.sqrt(gw) / np.abs(np.log(surv))
        z = z_critical(confidence)
        lnl = np.log(-np.log(surv))
        low = np.exp(-np.exp(lnl + z * se))
        high = np.exp(-np.exp(lnl - z * se))
    low = np.where(surv >= 1.0, 1.0, np.where(surv <= 0.0, 0.0, np.nan_to_num(low, nan=0.0)))
    high = np.where(surv >= 1.0, 1.0, np.where(surv <= 0.0, 0.0, np.nan_to_num(high, nan=1.0)))
    n = tot.sum(axis=1).astype("int64")
    sold = ev.sum(axis=1).astype("int64")

    def first_day(curve: np.ndarray) -> list[int | None]:
        hit = curve <= 0.5 + 1e-12
        any_hit, first = hit.any(axis=1), hit.argmax(axis=1)
        return [int(math.ceil(times[f])) if a and nn >= min_n else None
                for f, a, nn in zip(first, any_hit, n, strict=True)]

    naive = pd.Series(d[o]).groupby(gcodes[o]).median().reindex(range(k))
    return pd.DataFrame({"group": pd.array(glabels, dtype="string"), "n": n, "sold": sold, "censored": n - sold,
                         "km_median": pd.Series(first_day(surv), dtype="object"),
                         "km_low": pd.Series(first_day(low), dtype="object"),
                         "km_high": pd.Series(first_day(high), dtype="object"),
                         "naive_median_sold": naive.to_numpy(dtype="float64")})


def logrank_test(durations, observed, groups) -> dict:
    """Log-rank test that the survival curves of the groups are equal (k-sample, vectorised; docs/metrics.md,
    Products and inventory: Days to sell).

    At each distinct event time the expected events of group g are
    ``n_g * d / n``; the statistic is ``(O - E)' V^-1 (O - E)`` over the first
    k-1 groups with the hypergeometric covariance ``V``, chi-square with k-1
    degrees of freedom (Mantel 1966; as in ``survival::survdiff``).

    Returns ``{"test": "log-rank", "statistic", "df", "p_value", "table"}`` where
    table has per group ``group, n, observed, expected``.
    """
    d, o = _validate(durations, observed)
    gcodes, glabels = _codes(groups, d.size)
    keep = gcodes >= 0
    d, o, gcodes = d[keep], o[keep], gcodes[keep]
    k = len(glabels)
    if k < 2:
        raise ValueError("the log-rank test needs at least two groups with data")
    times, tinv = _unique_times(d)
    m = times.size
    flat = tinv * k + gcodes
    ev = np.bincount(flat, weights=o, minlength=m * k).reshape(m, k)
    tot = np.bincount(flat, minlength=m * k).reshape(m, k).astype("float64")
    n_g = tot[::-1].cumsum(axis=0)[::-1]          # at risk per time x group
    n = n_g.sum(axis=1)
    dt = ev.sum(axis=1)
    use = dt > 0
    n_g, n, dt, ev = n_g[use], n[use], dt[use], ev[use]
    e = n_g * (dt / n)[:, None]
    obs, exp = ev.sum(axis=0), e.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n > 1, dt * (n - dt) / (n * n * (n - 1)), 0.0)
    # V_gh = sum_t w_t * (n_t * n_gt * delta_gh - n_gt * n_ht)
    v = np.einsum("t,tg,gh->gh", w * n, n_g, np.eye(k)) - np.einsum("t,tg,th->gh", w, n_g, n_g)
    diff = (obs - exp)[:-1]
    stat = float(diff @ np.linalg.pinv(v[:-1, :-1]) @ diff)
    df = k - 1
    table = pd.DataFrame({"group": pd.array(glabels, dtype="string"), "n": tot.sum(axis=0).astype("int64"),
                          "observed": obs, "expected": exp})
    return {"test": "log-rank", "statistic": stat, "df": df,
            "p_value": float(stats.chi2.sf(stat, df)), "table": table}


def km_conditional(durations, observed, ages, window: float = 30.0, min_at_risk: int = 30) -> pd.DataFrame:
    """Chance of the event within ``window`` days for items still without one at their own ``ages``, from the
    Kaplan-Meier curve: ``p = 1 - S(age + window) / S(age)`` (docs/metrics.md, Products and inventory: Markdown).

    S is the product-limit curve of :func:`km_table` read as a step function
    (S = 1 before the first time). The tail of the curve rests on few items, and
    past the last observed time S is unknown, so an age is read at most at
    ``t_tail - window``, where ``t_tail`` is the last time with at least
    ``min_at_risk`` items at risk (the last observed time when no time has that
    many): older items get the chance of that last window.

    Returns one row per age: ``age_used`` (the age read), ``p`` (0-1),
    ``at_risk`` (items still without the event after ``age_used``: what ``p``
    rests on) and ``held`` (True when the age was beyond the tail and held).
    """
    d, o = _validate(durations, observed)
    a = np.asarray(ages, dtype="float64")
    if window <= 0:
        raise ValueError(f"window must be > 0 days, got {window}")
    if np.isnan(a).any() or (a < 0).any():
        raise ValueError("ages must be >= 0 days and not missing")
    if d.size == 0:
        raise ValueError("km_conditional needs at least one duration")
    t = km_table(d, o)
    times, surv, at_risk = t["time"].to_numpy(), t["survival"].to_numpy(), t["at_risk"].to_numpy()
    enough = np.flatnonzero(at_risk >= min_at_risk)
    t_tail = times[enough[-1]] if enough.size else times[-1]
    limit = max(t_tail - window, 0.0)
    used = np.minimum(a, limit)

    def s_at(x: np.ndarray) -> np.ndarray:
        i = np.searchsorted(times, x, side="right") - 1
        return np.where(i >= 0, surv[np.maximum(i, 0)], 1.0)

    s0, s1 = s_at(used), s_at(used + window)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(s0 > 0, 1.0 - s1 / s0, 0.0)
    dsort = np.sort(d)
    rest = d.size - np.searchsorted(dsort, used, side="right")
    return pd.DataFrame({"age_used": used, "p": np.clip(p, 0.0, 1.0), "at_risk": rest.astype("int64"),
                         "held": a > limit})
