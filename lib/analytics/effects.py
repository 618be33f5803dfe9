"""Expected effects of actions in one unit: gross profit a month (or once), with an 80% interval (docs/metrics.md, Effects).

Every recommendation rule returns an :class:`Effect`; the ranking (lib.analytics.recommendations) and the
front page read nothing else. Revenue may travel beside the gross profit but is never summed with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LEVEL", "CAPACITY_LIMITS", "Effect", "draws_effect", "shrunk_means", "worth_acting", "effects_total"]

#: coverage of every effect's interval (docs/metrics.md, Effects)
LEVEL = 0.80
#: what may limit an effect: stock on hand, shows that can move, the budget (with diminishing returns), customers
CAPACITY_LIMITS = ("stock", "shows", "budget", "customers", "buying")


@dataclass(frozen=True)
class Effect:
    """Expected gross profit of one action (docs/metrics.md, Effects).

    Parameters
    ----------
    gross_profit : float
        Expected gross profit per month, or once when ``one_off`` (report currency).
    low, high : float
        The :data:`LEVEL` interval of ``gross_profit``; ``low <= gross_profit <= high``.
    one_off : bool
        True when the effect happens once (a markdown clearing stock, a win-back purchase), not every month.
    revenue : float or None
        Expected revenue of the same action, shown beside the gross profit and never added to it.
    capped_by : str or None
        The capacity limit (one of :data:`CAPACITY_LIMITS`) that bounded the effect, None when none did.
    """

    gross_profit: float
    low: float
    high: float
    one_off: bool = False
    revenue: float | None = None
    capped_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("gross_profit", "low", "high"):
            v = getattr(self, name)
            if not np.isfinite(v):
                raise ValueError(f"Effect.{name} must be a finite number, got {v!r}")
        if not self.low <= self.gross_profit <= self.high:
            raise ValueError(f"Effect interval must hold the estimate: {self.low} <= {self.gross_profit} <= {self.high}")
        if self.revenue is not None and not np.isfinite(self.revenue):
            raise ValueError(f"Effect.revenue must be a finite number or None, got {self.revenue!r}")
        if self.capped_by is not None and self.capped_by not in CAPACITY_LIMITS:
            raise ValueError(f"Effect.capped_by must be one of {CAPACITY_LIMITS} or None, got {self.capped_by!r}")


def draws_effect(draws: np.ndarray, one_off: bool = False, revenue: float | None = None,
                 capped_by: str | None = None, estimate: float | None = None, level: float = LEVEL) -> Effect:
    """An :class:`Effect` from simulated or bootstrapped gross-profit draws (docs/metrics.md, Effects).

    The estimate is ``estimate`` when given (e.g. the plug-in value), else the mean of the draws; the
    interval is the central ``level`` percentile interval of the draws, widened to hold the estimate.
    """
    d = np.asarray(draws, dtype="float64")
    d = d[np.isfinite(d)]
    if not len(d):
        raise ValueError("draws_effect needs at least one finite draw")
    lo, hi = np.quantile(d, [(1 - level) / 2, (1 + level) / 2])
    est = float(d.mean()) if estimate is None else float(estimate)
    return Effect(est, float(min(lo, est)), float(max(hi, est)), one_off, revenue, capped_by)


def shrunk_means(means: np.ndarray, n: np.ndarray, prior_mean: float, prior_n: float) -> np.ndarray:
    """Group means shrunk towards ``prior_mean`` by their sample size (docs/metrics.md, Effects).

    ``(n x mean + prior_n x prior_mean) / (n + prior_n)``: a group with few observations stays near the
    overall mean; ``prior_n`` is the number of observations at which the two weigh the same.
    """
    if prior_n < 0:
        raise ValueError(f"prior_n must be >= 0, got {prior_n}")
    m = np.asarray(means, dtype="float64")
    k = np.asarray(n, dtype="float64")
    return (k * m + prior_n * prior_mean) / (k + prior_n)


def worth_acting(effect: Effect) -> bool:
    """Whether an effect may be a top action: it rounds to at least 1 currency unit and its interval excludes 0
    (docs/metrics.md, Effects)."""
    return round(effect.gross_profit) >= 1 and effect.low > 0


def effects_total(effects: list[Effect]) -> tuple[float, float, float]:
    """Sum of the gross profit of ``effects`` (monthly and one-off alike, one month's worth), with a
    conservative interval: the sum of the lows and the sum of the highs (docs/metrics.md, Effects)."""
    return (float(sum(e.gross_profit for e in effects)), float(sum(e.low for e in effects)),
            float(sum(e.high for e in effects)))
