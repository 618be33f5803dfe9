"""Recency, frequency and monetary value per customer: the BG/NBD calibration summary and RFM segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.config import CHURN_DAYS

__all__ = [
    "calibration_summary", "occasion_arrays", "quintile_scores", "rfm_scores", "rfm_segments", "SegmentRule",
    "SEGMENT_RULES", "SEGMENTS", "PROSPECTS", "CURRENT_SEGMENTS", "WIN_BACK_SEGMENTS", "rule_table",
]

#: the group for users with role buyer who never bought (needs users.csv)
PROSPECTS = "Prospects"


def calibration_summary(transactions: pd.DataFrame, cutoff: pd.Timestamp | str,
                        customer_col: str = "buyer_id", date_col: str = "date",
                        value_col: str = "revenue", unit_days: float = 7.0) -> pd.DataFrame:
    """The BG/NBD and gamma-gamma inputs per customer at ``cutoff`` (docs/metrics.md, Purchase occasion).

    Transactions on one calendar day of one customer are one occasion (their
    values summed), as in Fader, Hardie and Lee (2005). Only days on or before
    ``cutoff`` count, and only customers whose first purchase is on or before it.

    Parameters
    ----------
    transactions : rows with ``customer_col``, ``date_col`` (dates or timestamps;
        the calendar day counts) and ``value_col``.
    cutoff : the last day of the calibration window (inclusive); ``T`` runs to it.
    unit_days : length of one time unit in days (7 = weeks, the literature's unit).

    Returns
    -------
    DataFrame indexed by customer with ``x`` (repeat occasions: occasions - 1),
    ``t_x`` (first to last occasion), ``T`` (first occasion to cutoff), both in
    units; ``first``, ``last`` (dates); ``x_value`` (repeat occasions with a
    value > 0) and ``zbar`` (mean value of those, 0 when none). Zero-value
    occasions count as purchases for ``x`` but not for the spend model, whose
    gamma likelihood needs positive amounts.
    """
    for col in (customer_col, date_col, value_col):
        if col not in transactions.columns:
            raise ValueError(f"calibration_summary needs a column {col!r}; got {list(transactions.columns)}")
    if unit_days <= 0:
        raise ValueError(f"unit_days must be positive, got {unit_days}")
    cut = pd.Timestamp(cutoff).normalize()
    day = _day_numbers(transactions[date_col])
    keep = day <= (cut - _EPOCH).days
    buyer = transactions[customer_col]
    codes, ids = _sorted_codes(buyer.array[keep] if isinstance(buyer.array, pd.arrays.ArrowStringArray)
                               else buyer.to_numpy()[keep])
    oc, od, ov = occasion_arrays(codes, day[keep], transactions[value_col].to_numpy(dtype="float64")[keep])
    # one row per occasion, sorted by customer then day: customer starts and ends by position
    first_pos = np.flatnonzero(np.r_[True, oc[1:] != oc[:-1]]) if len(oc) else np.zeros(0, np.int64)
    last_pos = np.r_[first_pos[1:], len(oc)] - 1 if len(oc) else np.zeros(0, np.int64)
    is_first = np.zeros(len(oc), bool)
    is_first[first_pos] = True
    k = len(ids)
    x = (last_pos - first_pos).astype("int64")
    first_day, last_day = od[first_pos], od[last_pos]
    pos = ~is_first & (ov > 0)
    x_value = np.bincount(oc[pos], minlength=k)
    spend = np.bincount(oc[pos], weights=ov[pos], minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        zbar = np.where(x_value > 0, spend / np.maximum(x_value, 1), 0.0)
    out = pd.DataFrame({
        "x": x, "t_x": (last_day - first_day) / unit_days, "T": ((cut - _EPOCH).days - first_day) / unit_days,
        "first": _EPOCH + pd.to_timedelta(first_day, unit="D"), "last": _EPOCH + pd.to_timedelta(last_day, unit="D"),
        "x_value": x_value.astype("int64"), "zbar": zbar,
    }, index=pd.Index(ids, name=customer_col, dtype=transactions[customer_col].dtype))
    return out


_EPOCH = pd.Timestamp("1970-01-01")


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Calendar days since 1970-01-01 (int64) of dates or naive timestamps."""
    d = pd.to_datetime(dates)
    if d.isna().any():
        raise ValueError(f"{int(d.isna().sum())} missing date(s)")
    return d.to_numpy().astype("datetime64[D]").astype("int64")


def _sorted_codes(values) -> tuple[np.ndarray, object]:
    """``pd.factorize(values, sort=True)``: one pass over the boundaries when the values come sorted without
    nulls (purchase occasions come sorted by buyer), else the factorisation (Arrow strings stay Arrow)."""
    if len(values) > 1 and isinstance(values, pd.arrays.ArrowStringArray):
        arr = pa.array(values)  # the Arrow data itself (__arrow_array__), no copy to Python strings
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if arr.null_count == 0:
            head, tail = arr.slice(0, len(arr) - 1), arr.slice(1)
            if pc.all(pc.less_equal(head, tail)).as_py():
                new = np.r_[True, pc.not_equal(head, tail).to_numpy(zero_copy_only=False)]
                return np.cumsum(new) - 1, values[new]
    return pd.factorize(values, sort=True)


def occasion_arrays(codes: np.ndarray, days: np.ndarray, values: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse rows into purchase occasions (one customer, one day): sorted codes, days and summed values.

    Vectorised: one lexsort and one ``np.add.reduceat``; no per-customer loop.
    """
    if len(codes) > 1 and ((np.diff(codes) > 0) | ((codes[1:] == codes[:-1]) & (days[1:] >= days[:-1]))).all():
        c, d, v = codes, days, values  # sorted already (the stable lexsort would keep this order)
    else:
        order = np.lexsort((days, codes))
        c, d, v = codes[order], days[order], values[order]
    if len(c) == 0:
        return c, d, v
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])])
    return c[starts], d[starts], np.add.reduceat(v, starts)


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Scores 1-5 from percentile ranks; ties share one score (docs/metrics.md, RFM groups).

    The percentile rank of a value is (customers strictly worse + half of the
    customers tied with it) / customers, the ``kind="mean"`` convention of
    ``scipy.stats.percentileofscore``; the score is ``1 + floor(5 x rank)``.
    So 5 = top 20%, 1 = bottom 20%, tied customers always share a score, and
    when nothing separates the customers (one customer, or all equal) every
    one gets the neutral 3.
    """
    if values.isna().any():
        raise ValueError(f"quintile_scores: {int(values.isna().sum())} missing value(s) in {values.name!r}")
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64", name=values.name)
    v = values if higher_is_better else -values
    twice_rank = (v.rank(method="average") * 2).round().astype("int64").to_numpy()  # 2 x mean rank
    # percentile = (rank - 1/2) / n  ->  score = 1 + floor(5 (2 rank - 1) / (2 n)), in integers
    score = 1 + (5 * (twice_rank - 1)) // (2 * n)
    return pd.Series(np.clip(score, 1, 5), index=values.index, name=values.name)


@dataclass(frozen=True)
class SegmentRule:
    """One named RFM group: customer status (current or lapsed), recency score range and (F+M)/2 range,
    bounds inclusive (docs/metrics.md, RFM groups). ``current`` customers bought within ``churn_days`` of
    period_end, lapsed ones longer ago."""

    name: str
    current: bool
    r_min: int
    r_max: int
    fm_min: float
    fm_max: float


#: The rule table (docs/metrics.md, RFM groups): status first (current = last purchase within churn_days of
#: period_end), then R = recency score and FM = (frequency score + monetary score) / 2. A group whose name says
#: current holds only current customers; lapsed customers go to the lapsed groups by value. Every (status, R, FM)
#: triple has exactly one group. Names after Shopify's customer RFM groups, "Can't lose" for its "Previously loyal".
SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("Champions", True, 5, 5, 4.0, 5.0),
    SegmentRule("Loyal", True, 1, 4, 4.0, 5.0),
    SegmentRule("Active", True, 5, 5, 2.5, 3.5),
    SegmentRule("Needs attention", True, 1, 4, 2.5, 3.5),
    SegmentRule("New", True, 5, 5, 1.0, 2.0),
    SegmentRule("Promising", True, 1, 4, 1.0, 2.0),
    SegmentRule("Can't lose", False, 1, 5, 4.0, 5.0),
    SegmentRule("At risk", False, 1, 5, 2.5, 3.5),
    SegmentRule("Almost lost", False, 3, 5, 1.0, 2.0),
    SegmentRule("Dormant", False, 1, 2, 1.0, 2.0),
)

#: groups whose name says the customer is current: they only ever hold customers within churn_days
CURRENT_SEGMENTS: tuple[str, ...] = ("Champions", "Loyal", "Active", "New", "Promising")

#: the groups of lapsed customers worth a win-back message, most valuable first (read by the retargeting list)
WIN_BACK_SEGMENTS: tuple[str, ...] = ("Can't lose", "At risk", "Almost lost")

#: display order of the groups, best first, Prospects last
SEGMENTS: tuple[str, ...] = tuple(r.name for r in SEGMENT_RULES) + (PROSPECTS,)


def rule_table() -> pd.DataFrame:
    """The segment rules as a frame: ``segment, current, r_min, r_max, fm_min, fm_max`` (docs/metrics.md, RFM groups).

    The report's table with what each group means and what to do is ``lib.narrative.rfm.rule_table``.
    """
    return pd.DataFrame([{"segment": r.name, "current": r.current, "r_min": r.r_min, "r_max": r.r_max,
                          "fm_min": r.fm_min, "fm_max": r.fm_max} for r in SEGMENT_RULES])


def rfm_segments(r_score: pd.Series, fm_score: pd.Series, current: pd.Series) -> pd.Series:
    """The named group of each customer from status, R and FM = (F+M)/2 by SEGMENT_RULES (docs/metrics.md, RFM groups).

    ``current`` is True for a customer whose last purchase is within ``churn_days`` of period_end.
    """
    r = r_score.to_numpy()
    fm = fm_score.to_numpy(dtype="float64")
    cur = np.asarray(current, dtype=bool)
    if not len(r) == len(fm) == len(cur):
        raise ValueError("rfm_segments: r_score, fm_score and current must have the same length")
    if len(r) and (r.min() < 1 or r.max() > 5 or fm.min() < 1 or fm.max() > 5):
        raise ValueError("rfm_segments: scores must lie in 1..5")
    conds = [(cur == s.current) & (r >= s.r_min) & (r <= s.r_max) & (fm >= s.fm_min) & (fm <= s.fm_max)
             for s in SEGMENT_RULES]
    codes = np.select(conds, list(range(len(SEGMENT_RULES))), default=-1)  # positions in SEGMENTS, not strings
    if (codes < 0).any():  # cannot happen with the table above; guards future edits
        raise ValueError("rfm_segments: the rule table leaves some (status, R, FM) triples without a group")
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(SEGMENTS)), index=r_score.index, name="segment")


def rfm_scores(customers: pd.DataFrame, churn_days: int = CHURN_DAYS) -> pd.DataFrame:
    """R, F, M quintile scores, FM = (F+M)/2 and the group per customer (docs/metrics.md, RFM groups).

    ``customers`` needs ``days_since`` (days from the last purchase to
    period_end; fewer is better), ``occasions`` and ``revenue``. A customer is
    current when ``days_since <= churn_days`` (the churn-risk rule's complement).
    Returns the input with ``r_score, f_score, m_score, fm_score, segment`` added.
    """
    missing = {"days_since", "occasions", "revenue"} - set(customers.columns)
    if missing:
        raise ValueError(f"rfm_scores needs columns {sorted(missing)}")
    if churn_days < 0:
        raise ValueError(f"churn_days must be >= 0, got {churn_days}")
    out = customers.copy()
    out["r_score"] = quintile_scores(out["days_since"], higher_is_better=False)
    out["f_score"] = quintile_scores(out["occasions"])
    out["m_score"] = quintile_scores(out["revenue"])
    out["fm_score"] = (out["f_score"] + out["m_score"]) / 2
    out["segment"] = rfm_segments(out["r_score"], out["fm_score"], out["days_since"] <= churn_days)
    return out
