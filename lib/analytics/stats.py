"""Statistics shared by the analytics modules: critical values, intervals and two-sample tests (docs/metrics.md)."""

# scipy.stats is imported inside the functions that need it: shows, customers and marketing import this module
# for the numpy-only percentile interval, and scipy.stats alone costs about half a second to import.

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scipy.stats._result_classes import TtestResult

__all__ = ["z_critical", "t_interval", "percentile_interval", "two_proportion_p_value", "mann_whitney_p_value",
           "mann_whitney_vs_rest", "welch_t_test", "benjamini_hochberg"]


def z_critical(level: float) -> float:
    """Two-sided standard-normal critical value of a ``level`` interval: the ``0.5 + level / 2`` quantile.

    docs/metrics.md, Kaplan-Meier median, Brands and Weekday means and weekend uplift (the normal
    intervals of KM curves, brand margins and shares, profit per shelf day and the weekend uplift).

    Parameters
    ----------
    level : float
        Coverage, e.g. 0.95 (gives 1.959964...).

    Returns
    -------
    float
        ``scipy.stats.norm.ppf(0.5 + level / 2)``.
    """
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2))


def t_interval(mean: pd.Series, sd: pd.Series, n: pd.Series, level: float) -> tuple[pd.Series, pd.Series]:
    """Student-t ``level`` interval of a mean, ``mean -/+ t(0.5 + level / 2, n - 1) x sd / sqrt(n)``.

    docs/metrics.md, Weekday means and weekend uplift.

    Parameters
    ----------
    mean, sd, n : pandas.Series
        Sample means, sample standard deviations (ddof=1) and sample sizes, on one index.
    level : float
        Coverage, e.g. 0.95.

    Returns
    -------
    (low, high) : tuple of pandas.Series
        NaN where ``n`` is below 2.
    """
    from scipy import stats

    tcrit = pd.Series(stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), index=n.index).where(n > 1)
    half = tcrit * sd / np.sqrt(n)
    return mean - half, mean + half


def percentile_interval(samples: np.ndarray, level: float, axis: int | None = None) -> tuple:
    """Percentile (bootstrap) interval: the ``a`` and ``1 - a`` quantiles of ``samples``, ``a = (1 - level) / 2``.

    docs/metrics.md, Repeat vs single LTV ratio interval, Show slots and Budget advice.

    Parameters
    ----------
    samples : numpy.ndarray
        Resampled statistics.
    level : float
        Coverage, e.g. 0.80.
    axis : int, optional
        As in ``numpy.quantile`` (None: over all values; 0: one interval per column).

    Returns
    -------
    (low, high)
        Scalars for ``axis=None``, else arrays; ``numpy.quantile`` with its default (linear) method.
    """
    a = (1 - level) / 2
    low, high = np.quantile(samples, [a, 1 - a], axis=axis)
    return low, high


def two_proportion_p_value(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of ``x1 / n1`` against ``x2 / n2``.

    docs/metrics.md, Cohorts. ``z = (x2/n2 - x1/n1) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with the pooled
    ``p = (x1 + x2) / (n1 + n2)``; z = 0 (p-value 1) when that standard error is 0.
    """
    from scipy import stats

    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = ((x2 / n2) - (x1 / n1)) / se if se > 0 else 0.0
    return float(2 * stats.norm.sf(abs(z)))


def mann_whitney_p_value(a: np.ndarray | pd.Series, b: np.ndarray | pd.Series) -> float:
    """Two-sided Mann-Whitney U p-value of ``a`` against ``b``, ``scipy.stats.mannwhitneyu`` with its defaults.

    docs/metrics.md, Weekday means and weekend uplift and Recommendations' effects.
    """
    from scipy import stats

    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def mann_whitney_vs_rest(values: np.ndarray, keys: np.ndarray, groups: list) -> dict:
    """Two-sided Mann-Whitney U p-value of each group's values against all other values (NaN left out;
    docs/metrics.md, Recommendations).

    Same result as ``scipy.stats.mannwhitneyu(group, rest)`` with its defaults, but the
    pooled ranks and the tie correction are computed once for all groups (normal
    approximation with continuity correction, as scipy uses when both samples have more
    than 8 values); scipy itself is called for smaller samples (its exact test). NaN
    when a side has fewer than 2 values; 1.0 when every value is tied.
    """
    from scipy import stats

    ok = np.isfinite(values)
    v, k = values[ok], keys[ok]
    n = len(v)
    ranks = stats.rankdata(v) if n else v
    _, counts = np.unique(v, return_counts=True)
    tie = float((counts.astype("float64") ** 3 - counts).sum())
    out = {}
    for g in groups:
        m = k == g
        n1 = int(m.sum())
        n2 = n - n1
        if n1 < 2 or n2 < 2:
            out[g] = np.nan
        elif min(n1, n2) <= 8:
            out[g] = mann_whitney_p_value(v[m], v[~m])
        else:
            u1 = float(ranks[m].sum()) - n1 * (n1 + 1) / 2
            u = max(u1, n1 * n2 - u1)
            sd = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1))))
            out[g] = 1.0 if sd == 0 else float(min(1.0, 2 * stats.norm.sf((u - n1 * n2 / 2 - 0.5) / sd)))
    return out


def welch_t_test(a: np.ndarray, b: np.ndarray) -> TtestResult:
    """Welch's two-sided two-sample t-test of mean ``a`` against mean ``b`` (unequal variances).

    docs/metrics.md, Weekday means and weekend uplift and Markdown.

    Returns
    -------
    scipy.stats.TtestResult
        ``scipy.stats.ttest_ind(a, b, equal_var=False)``: ``statistic``, ``pvalue`` and
        ``confidence_interval(level)`` of the difference of the means.
    """
    from scipy import stats

    return stats.ttest_ind(a, b, equal_var=False)


def benjamini_hochberg(p_values: np.ndarray | pd.Series, n_tests: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg (1995) q-values: the false-discovery rate at which each test would just be a discovery.

    docs/metrics.md, Recommendations (bundles). With the m p-values sorted, ``p_(1) <= ... <= p_(m)``,
    ``q_(i) = min over j >= i of p_(j) x m / j``, capped at 1; rejecting every test with ``q < alpha``
    keeps the expected share of false discoveries among them at most ``alpha`` (independent or positively
    dependent tests). Same values as ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]``.

    Parameters
    ----------
    p_values : array-like of float
        The p-values, in any order; each between 0 and 1, none missing.
    n_tests : int, optional
        The number of tests in the family when it is larger than ``len(p_values)``: the tests not listed
        count as having p = 1 (e.g. pairs never seen together). Default ``len(p_values)``.

    Returns
    -------
    numpy.ndarray
        The q-values, in the order of ``p_values``.
    """
    p = np.asarray(p_values, dtype="float64")
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p_values must be numbers between 0 and 1, none missing")
    m = len(p) if n_tests is None else int(n_tests)
    if m < len(p):
        raise ValueError(f"n_tests ({m}) cannot be smaller than the number of p-values ({len(p)})")
    if not len(p):
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    scaled = p[order] * m / np.arange(1, len(p) + 1)
    q_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q = np.empty_like(q_sorted)
    q[order] = q_sorted
    return q
