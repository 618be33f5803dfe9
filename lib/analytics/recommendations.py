"""Recommendations: rules with stated thresholds over the domain modules' results, ranked by expected value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics import survival
from lib.analytics.rfm import SEGMENT_ACTIONS

__all__ = ["TOP_ACTION_COLUMNS", "RETARGET_SEGMENTS", "Recommendation", "mann_whitney_vs_rest", "show_mix_table", "aged_sale_rate", "brand_map", "items_per_month", "retarget_table", "recommendations_frame", "top_actions", "recent_months"]

#: columns of tables/top_actions.csv, read by the front page (lib.run.frontpage)
TOP_ACTION_COLUMNS = ["rank", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
#: RFM groups whose churn-risk members get a win-back message (issue 7)
RETARGET_SEGMENTS = ("Previously loyal", "At risk", "Almost lost")
_CONF_ORDER = {"high": 0, "medium": 1, "low": 2}

Money = Callable[[float], str]


@dataclass(frozen=True)
class Recommendation:
    """One action that met its rule's thresholds.

    ``expected_value`` is the expected revenue or gross-profit effect in one month,
    in the report currency (the sentence ``expected_effect`` says which), used for
    ranking; ``confidence`` is high/medium/low with its reason at the end of
    ``evidence``; ``source`` is the report the numbers come from.
    """

    section: str
    action: str
    expected_effect: str
    evidence: str
    confidence: str
    source: str
    expected_value: float

    def __post_init__(self) -> None:
        if self.confidence not in _CONF_ORDER:
            raise ValueError(f"confidence must be high, medium or low, got {self.confidence!r}")
        if not np.isfinite(self.expected_value):
            raise ValueError(f"expected_value must be a finite number, got {self.expected_value!r}")


def recent_months(frame: pd.DataFrame, period_end: pd.Timestamp, months: int = 3, col: str = "date") -> pd.DataFrame:
    """Rows of ``frame`` whose ``col`` falls in the ``months`` calendar months ending with period_end's month."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    end = pd.Timestamp(period_end).normalize()
    start = (end.to_period("M") - (months - 1)).to_timestamp()
    return frame[(frame[col] >= start) & (frame[col] < end + pd.Timedelta(days=1))]


# ---------------------------------------------------------------- live shows (sales_timing)


def mann_whitney_vs_rest(values: np.ndarray, keys: np.ndarray, groups: list) -> dict:
    """Two-sided Mann-Whitney U p-value of each group's values against all other values (NaN left out).

    Same result as ``scipy.stats.mannwhitneyu(group, rest)`` with its defaults, but the
    pooled ranks and the tie correction are computed once for all groups (normal
    approximation with continuity correction, as scipy uses when both samples have more
    than 8 values); scipy itself is called for smaller samples (its exact test). NaN
    when a side has fewer than 2 values; 1.0 when every value is tied.
    """
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
            out[g] = float(stats.mannwhitneyu(v[m], v[~m], alternative="two-sided").pvalue)
        else:
            u1 = float(ranks[m].sum()) - n1 * (n1 + 1) / 2
            u = max(u1, n1 * n2 - u1)
            sd = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1))))
            out[g] = 1.0 if sd == 0 else float(min(1.0, 2 * stats.norm.sf((u - n1 * n2 / 2 - 0.5) / sd)))
    return out


def show_mix_table(in_show: pd.DataFrame, key: str, min_group_sales: int = 30) -> pd.DataFrame:
    """Per ``key`` value among completed in-show sale lines: sales, revenue, gross profit, margin, median days
    to sell, and two-sided Mann-Whitney U tests against the rest of the show sales (days to sell; per-line
    margin). ``fast_and_profitable``: at least ``min_group_sales`` sales, margin at or above the show average
    and median days at or below the show median. Sorted by gross profit."""
    need = {key, "revenue", "gross_profit", "days_to_sell"}
    if missing := need - set(in_show.columns):
        raise ValueError(f"in-show sale lines lack column(s) {sorted(missing)}")
    c = in_show[in_show[key].notna() & in_show["gross_profit"].notna() & (in_show["revenue"] > 0)]
    cols = ["group", "sales", "revenue", "gross_profit", "margin_pct", "median_days", "p_days", "p_margin",
            "fast_and_profitable"]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="float64") for k in cols})
    line_margin = (c["gross_profit"] / c["revenue"]).to_numpy(dtype="float64")
    days = c["days_to_sell"].to_numpy(dtype="float64")
    keys = c[key].astype("string").to_numpy(dtype=object)
    all_margin = float(c["gross_profit"].sum() / c["revenue"].sum() * 100)
    all_days = float(np.nanmedian(days)) if np.isfinite(days).any() else np.nan
    groups = sorted(set(keys))
    p_days, p_margin = mann_whitney_vs_rest(days, keys, groups), mann_whitney_vs_rest(line_margin, keys, groups)
    rev_all, gp_all = c["revenue"].to_numpy(dtype="float64"), c["gross_profit"].to_numpy(dtype="float64")
    rows = []
    for g in groups:  # a handful of categories, brands or conditions
        m = keys == g
        gd = days[m]
        gd = gd[np.isfinite(gd)]
        rev, gp = float(rev_all[m].sum()), float(gp_all[m].sum())
        rows.append({"group": g, "sales": int(m.sum()), "revenue": rev, "gross_profit": gp,
                     "margin_pct": gp / rev * 100 if rev > 0 else np.nan,
                     "median_days": float(np.median(gd)) if len(gd) else np.nan, "p_days": p_days[g],
                     "p_margin": p_margin[g]})
    t = pd.DataFrame(rows)
    t["fast_and_profitable"] = ((t["sales"] >= min_group_sales) & (t["margin_pct"] >= all_margin)
                                & (t["median_days"] <= all_days))
    t.attrs.update(show_margin_pct=all_margin, show_median_days=all_days, key=key)
    return t.sort_values(["gross_profit", "group"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------- inventory (products_inventory, brands)


def aged_sale_rate(lifecycle: pd.DataFrame, period_end: pd.Timestamp, aging_days: int = 90,
                   window_days: int = 30) -> tuple[float | None, int]:
    """Share of items still unsold after ``aging_days`` that sold within the next ``window_days``.

    Only items whose window ended by period_end count (clock start + aging_days +
    window_days <= period_end), so every one was observed for the whole window.
    Returns (rate 0-1 or None when no item qualifies, number of items).
    """
    end = pd.Timestamp(period_end).normalize()
    lc = lifecycle[lifecycle["clock_start"] + pd.Timedelta(days=aging_days + window_days) <= end]
    at_risk = lc[lc["duration_days"] > aging_days]
    n = len(at_risk)
    if n == 0:
        return None, 0
    sold = at_risk["sold"] & (at_risk["duration_days"] <= aging_days + window_days)
    return float(sold.sum() / n), n


def brand_map(completed: pd.DataFrame, lifecycle: pd.DataFrame, min_brand_sales: int = 20) -> pd.DataFrame:
    """The brands report's map: lib.brands.brand_quadrants split at the overall margin and the overall
    Kaplan-Meier median days to sell, as notebooks/brands.ipynb computes them (section 2)."""
    from lib.analytics.brands import brand_performance, brand_quadrants

    perf = brand_performance(completed, lifecycle, min_brand_sales)
    known = completed[completed["gross_profit"].notna()]
    if perf["margin_pct"].notna().sum() < 2 or known["revenue"].sum() <= 0:
        return perf.iloc[0:0].assign(quadrant=pd.Series(dtype="string"), evidence=pd.Series(dtype="string"))
    margin_split = float(known["gross_profit"].sum() / known["revenue"].sum() * 100)
    days_split = survival.km_median(lifecycle["duration_days"], lifecycle["sold"])
    days_split = float(days_split) if days_split is not None else float(lifecycle["duration_days"].median())
    quad = brand_quadrants(perf, margin_split, days_split)
    quad.attrs.update(margin_split=margin_split, days_split=days_split)
    return quad


def items_per_month(lifecycle: pd.DataFrame, period_end: pd.Timestamp, months: int = 3) -> float:
    """Items whose clock started in the last ``months`` calendar months, per month (the buying pace)."""
    return float(len(recent_months(lifecycle, period_end, months, col="clock_start")) / months)


# ---------------------------------------------------------------- marketing (customers, marketing)


def retarget_table(at_risk: pd.DataFrame, vip_min: float | None,
                   segments: tuple[str, ...] = RETARGET_SEGMENTS) -> pd.DataFrame:
    """The win-back list: churn-risk customers (lib.customers.churn_risk on scored customers) who are VIPs
    (revenue >= ``vip_min``) or in ``segments``, with their group's message. No contact details
    (they are in churn_risk_customers.csv only). Sorted by lifetime revenue."""
    if at_risk.empty:
        return pd.DataFrame(columns=["buyer_id", "display_name", "list", "segment", "revenue", "occasions",
                                     "days_since", "last_purchase", "message"])
    seg = at_risk["segment"].astype("string")
    vip = at_risk["revenue"] >= vip_min if vip_min is not None else pd.Series(False, index=at_risk.index)
    keep = vip | seg.isin(segments).fillna(False)
    t = at_risk[keep]
    lst = np.where(vip[keep], "Churn-risk VIP", seg[keep].to_numpy(dtype=object))
    msg = [("Personal message from the owner with hand-picked new arrivals" if s == "Churn-risk VIP"
            else SEGMENT_ACTIONS[s]) for s in lst]
    out = pd.DataFrame({"buyer_id": t["buyer_id"].to_numpy(), "display_name": t["display_name"].to_numpy(),
                        "list": pd.array(lst, dtype="string"), "segment": seg[keep].to_numpy(),
                        "revenue": t["revenue"].round(2).to_numpy(), "occasions": t["occasions"].to_numpy(),
                        "days_since": t["days_since"].to_numpy(),
                        "last_purchase": t["last_purchase"].dt.strftime("%Y-%m-%d").to_numpy(), "message": msg})
    return out.sort_values(["revenue", "buyer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------- ranking


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    """All fired recommendations as a table (recommendations.csv), ranked like :func:`top_actions`."""
    cols = ["section", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
    if not recs:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "expected_value" else "string") for c in cols})
    df = pd.DataFrame([asdict(r) for r in recs])[cols]
    df = df.sort_values(["expected_value", "source", "action"], ascending=[False, True, True], kind="mergesort")
    df["expected_value"] = df["expected_value"].round(2)
    return df.reset_index(drop=True)


def top_actions(recs: list[Recommendation], n: int = 5) -> pd.DataFrame:
    """``top_actions.csv`` for the front page: the ``n`` recommendations with the highest expected value,
    ties broken by source then action (deterministic), ranked 1..n; columns :data:`TOP_ACTION_COLUMNS`."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    df = recommendations_frame(recs).head(n).drop(columns="section")
    df.insert(0, "rank", pd.array(range(1, len(df) + 1), dtype="int64"))
    return df[TOP_ACTION_COLUMNS].reset_index(drop=True)


