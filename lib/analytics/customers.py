"""Customer analytics: the customer table, Pareto, repeat behaviour, segments, churn risk, cohorts, value models.

Over 500 lines on purpose: the customer table, its scores and the models fitted on it are one chain
(each step takes the previous one's frame), and splitting it would spread one definition of a customer
over several modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.analytics import clv, rfm
from lib.analytics.effects import Effect, draws_effect
from lib.analytics.stats import percentile_interval, two_proportion_p_value
from lib.config import CHURN_DAYS
from lib.data.derived import buyers, positions, purchase_occasions, sale_lines
from lib.data.engine import Engine

__all__ = [
    "customer_occasions", "customer_table", "query_frame", "user_column", "named_by_revenue", "by_revenue", "top_count", "vip_threshold",
    "top_share_pct", "pareto_curve",
    "repeat_rate_pct", "ltv_ratio", "bootstrap_ltv_ratio", "RatioInterval", "purchase_gaps", "occasion_distribution",
    "score_customers", "prospects", "segment_summary", "segments_shown", "churn_risk", "vip_list", "CohortTables",
    "cohort_tables", "cohort_trend", "ValueModel", "value_model", "customer_metrics", "top_predicted_value",
    "model_parameters", "PurchaseGrid", "purchase_grid", "HoldoutCheck", "holdout_check", "WIN_BACK_VIP_LIST",
    "WIN_BACK_COLUMNS", "recency_edges", "recency_buy_rates", "win_back_targets", "WinBackEffect",
    "win_back_effects",
]


# ---------------------------------------------------------------- customer table


def customer_occasions(sales: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    """Purchase occasions up to period_end from the sales table alone (docs/metrics.md, Purchase occasion).

    ``lib.data.derived.purchase_occasions`` of the sales table's own sale lines: the same rows as
    the occasions of the report's lines (columns ``buyer_id, date, revenue, units, lines``, sorted
    by buyer then day), without the products, inventory and brands joins that no customer analysis
    needs.
    """
    need = {"sale_id", "buyer_id", "date_sold", "sale_price", "quantity", "status"}
    if need - set(sales.columns):
        raise ValueError(f"customer_occasions needs sales columns {sorted(need - set(sales.columns))}")
    until = pd.Timestamp(period_end).normalize() + pd.Timedelta(days=1)  # returns after period_end net nothing yet
    return purchase_occasions(sale_lines({"sales": sales}, until=until), period_end)


def customer_table(occasions: pd.DataFrame, period_end: pd.Timestamp,
                   users: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer from purchase occasions up to period_end (docs/metrics.md, Customers).

    Columns ``buyer_id, display_name, revenue, occasions, items, first_purchase,
    last_purchase, days_since`` (whole days from the last purchase to
    period_end). Sorted by revenue, largest first (ties by buyer_id).
    ``display_name`` is the users table's, else the buyer id.
    """
    need = {"buyer_id", "date", "revenue", "units"}
    if need - set(occasions.columns):
        raise ValueError(f"customer_table needs occasion columns {sorted(need - set(occasions.columns))}")
    end = pd.Timestamp(period_end).normalize()
    occ = occasions[occasions["date"] <= end]
    codes, ids = pd.factorize(occ["buyer_id"].to_numpy())
    k = len(ids)
    day = occ["date"].to_numpy().astype("datetime64[D]").astype("int64")
    first = np.full(k, np.iinfo("int64").max)
    last = np.full(k, np.iinfo("int64").min)
    np.minimum.at(first, codes, day)
    np.maximum.at(last, codes, day)
    end_day = (end - pd.Timestamp("1970-01-01")).days
    c = pd.DataFrame({
        "buyer_id": pd.array(ids, dtype=occasions["buyer_id"].dtype),
        "revenue": np.bincount(codes, weights=occ["revenue"].to_numpy(dtype="float64"), minlength=k),
        "occasions": np.bincount(codes, minlength=k).astype("int64"),
        "items": np.bincount(codes, weights=occ["units"].to_numpy(dtype="float64"), minlength=k).astype("int64"),
        "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        "last_purchase": last.astype("datetime64[D]").astype("datetime64[ns]"),
        "days_since": (end_day - last).astype("int64"),
    })
    return named_by_revenue(c, users)


def _strings(values: pd.Series) -> pa.Array:
    """A column as one Arrow string array (nulls kept)."""
    arr = pa.array(values.astype("string").array, type=pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def by_revenue(c: pd.DataFrame) -> pd.DataFrame:
    """Customer rows sorted by ``revenue``, largest first, ties by ``buyer_id`` (docs/metrics.md, Customers), index
    reset: the order of ``sort_values(["revenue", "buyer_id"], ascending=[False, True])``, with the buyer ids
    ranked by Arrow (a pandas sort on a million string ids is slow)."""
    if len(c) == 0:
        return c.reset_index(drop=True)
    rank = pc.rank(_strings(c["buyer_id"]), sort_keys="ascending",
                   tiebreaker="first").to_numpy()
    rev = c["revenue"].to_numpy(dtype="float64")
    order = np.lexsort((rank, np.isnan(rev), -rev))  # NaN revenue last, as sort_values puts it
    return c.take(order).reset_index(drop=True)


def user_column(buyer_ids: pd.Series, users: pd.DataFrame | None, column: str) -> pd.Series:
    """``column`` of each buyer's first row in the users table, as text (docs/data-contract.md, users.csv); missing
    where the buyer has no user row, or without users or that column. Indexed like ``buyer_ids``."""
    if users is None or column not in users.columns:
        return pd.Series(pd.NA, index=buyer_ids.index, dtype="string")
    pos = positions(buyer_ids, users["user_id"])  # an Arrow hash lookup: the first row of each user_id
    return pd.Series(users[column].array.take(pos, allow_fill=True), index=buyer_ids.index).astype("string")


def named_by_revenue(c: pd.DataFrame, users: pd.DataFrame | None) -> pd.DataFrame:
    """Per-customer rows with ``display_name`` (the users table's, else the buyer id) after ``buyer_id``, sorted by
    revenue, largest first, ties by buyer_id (docs/metrics.md, Customers)."""
    ids = c["buyer_id"].astype("string")
    c.insert(1, "display_name", user_column(ids, users, "display_name").fillna(ids))
    return by_revenue(c)


# ---------------------------------------------------------------- Pareto


def top_count(n_customers: int, share: float = 0.2) -> int:
    """How many customers make the top ``share``: ceil(share x n), at least 1 when n > 0 (docs/metrics.md, Top 20% and VIPs)."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    if n_customers <= 0:
        return 0
    pct = round(share * 10_000)  # integer arithmetic: ceil(n * pct / 10000) without float error
    return max(1, -(-n_customers * pct // 10_000))


def vip_threshold(scored: pd.DataFrame, share: float = 0.2) -> float | None:
    """Lifetime revenue of the smallest VIP: the top ``share`` of customers by revenue (docs/metrics.md, Top 20% and VIPs).

    ``None`` when there are no customers. Independent of the order of ``scored``.
    """
    k = top_count(len(scored), share)
    if k == 0:
        return None
    return float(np.sort(scored["revenue"].to_numpy(dtype="float64"))[::-1][k - 1])


def top_share_pct(revenue: pd.Series, share: float = 0.2) -> float | None:
    """Share (0-100) of revenue from the top ``share`` of customers by revenue (docs/metrics.md, Top 20% and VIPs).

    The top group is the ``top_count`` largest; None with no customers or no revenue.
    """
    v = np.sort(revenue.to_numpy(dtype="float64"))[::-1]
    total = v.sum()
    if len(v) == 0 or total <= 0:
        return None
    return float(v[: top_count(len(v), share)].sum() / total * 100)


def pareto_curve(revenue: pd.Series, max_points: int = 1000) -> pd.DataFrame:
    """Cumulative share of revenue (0-100) against share of customers ranked by revenue, at most ``max_points`` rows.

    Columns ``customer_share_pct, revenue_share_pct`` (docs/metrics.md, Top 20% and VIPs).
    """
    v = np.sort(revenue.to_numpy(dtype="float64"))[::-1]
    n = len(v)
    if n == 0 or v.sum() <= 0:
        return pd.DataFrame({"customer_share_pct": [0.0], "revenue_share_pct": [0.0]})
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum() * 100])
    cust = np.arange(n + 1) / n * 100
    idx = np.unique(np.linspace(0, n, min(n + 1, max_points)).round().astype(int))
    return pd.DataFrame({"customer_share_pct": cust[idx], "revenue_share_pct": cum[idx]})


# ---------------------------------------------------------------- repeat behaviour


def repeat_rate_pct(customers: pd.DataFrame) -> float | None:
    """Customers with 2+ purchase occasions / customers, in percent (docs/metrics.md, Customers)."""
    n = len(customers)
    return None if n == 0 else float((customers["occasions"] >= 2).sum() / n * 100)


def ltv_ratio(customers: pd.DataFrame) -> float | None:
    """Mean revenue of repeat / of single-occasion customers (docs/metrics.md, Customers).

    None when either group is empty or single-occasion customers have no revenue.
    """
    rep = customers["occasions"] >= 2
    if not rep.any() or rep.all():
        return None
    single_mean = customers.loc[~rep, "revenue"].mean()
    if single_mean <= 0:
        return None
    return float(customers.loc[rep, "revenue"].mean() / single_mean)


@dataclass(frozen=True)
class RatioInterval:
    """A point estimate with a percentile bootstrap interval."""

    estimate: float | None
    low: float | None
    high: float | None
    level: float
    resamples: int


def _boot_means(values: np.ndarray, reps: int, rng: np.random.Generator, chunk_draws: int) -> np.ndarray:
    n = len(values)
    out = np.empty(reps)
    step = max(1, chunk_draws // n)
    for i in range(0, reps, step):  # chunks of resamples, each fully vectorised
        k = min(step, reps - i)
        idx = rng.integers(0, n, size=(k, n))
        out[i:i + k] = values[idx].mean(axis=1)
    return out


def bootstrap_ltv_ratio(customers: pd.DataFrame, resamples: int = 1000, level: float = 0.95,
                        seed: int = 0, max_draws: int = 40_000_000) -> RatioInterval:
    """repeat_vs_single_ltv_ratio with a percentile bootstrap interval, customers resampled within each group.

    docs/metrics.md, Repeat vs single LTV ratio interval.

    The number of resamples is lowered (not below 200) so that resamples x
    customers stays under ``max_draws``: about 2 s on the 2-core machine.
    """
    est = ltv_ratio(customers)
    if est is None:
        return RatioInterval(None, None, None, level, 0)
    rep = (customers["occasions"] >= 2).to_numpy()
    v = customers["revenue"].to_numpy(dtype="float64")
    reps = int(max(200, min(resamples, max_draws // max(len(v), 1))))
    rng = np.random.default_rng(seed)
    a = _boot_means(v[rep], reps, rng, 5_000_000)
    b = _boot_means(v[~rep], reps, rng, 5_000_000)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = a / b
    ratio = ratio[np.isfinite(ratio)]
    lo, hi = percentile_interval(ratio, level)
    return RatioInterval(est, float(lo), float(hi), level, reps)


def occasion_distribution(customers: pd.DataFrame, cap: int = 10) -> pd.Series:
    """Customers by number of purchase occasions, the last bucket ``cap+`` (docs/metrics.md, Customers)."""
    k = customers["occasions"].clip(upper=cap)
    counts = k.value_counts().reindex(range(1, cap + 1), fill_value=0)
    counts.index = [str(i) if i < cap else f"{cap}+" for i in counts.index]
    counts.index.name = "occasions"
    return counts.rename("customers")


def query_frame(frame: pd.DataFrame, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run ``sql`` over ``frame`` as the view ``occ`` of a private lib.data.engine.Engine (the frame is not
    copied; the view goes when the query is done; docs/data-contract.md, Derived concepts)."""
    eng = Engine()
    try:
        eng.register_frame("occ", frame)
        return eng.query(sql, params)
    finally:
        eng.close()


def purchase_gaps(occasions: pd.DataFrame) -> pd.Series:
    """Days between consecutive purchase occasions of the same customer, one value per repeat occasion, by
    customer then day (docs/metrics.md, Purchase occasion); an SQL window over the occasions."""
    g = query_frame(occasions[["buyer_id", "date"]], """
    SELECT buyer_id, date, date_diff('day', LAG(date) OVER (PARTITION BY buyer_id ORDER BY date), date) AS gap
    FROM occ QUALIFY gap IS NOT NULL ORDER BY buyer_id, date""")
    return pd.Series(g["gap"].to_numpy(dtype="float64"), name="gap_days", dtype="float64")


# ---------------------------------------------------------------- RFM segments


def score_customers(customers: pd.DataFrame, churn_days: int = CHURN_DAYS) -> pd.DataFrame:
    """The customer table with R, F, M scores, (F+M)/2 and the named group (docs/metrics.md, RFM groups).

    ``churn_days`` separates current from lapsed customers (lib.analytics.rfm.rfm_scores): the same
    limit as :func:`churn_risk`, so no current-sounding group holds a churn-risk customer.
    """
    if customers.empty:
        out = customers.copy()
        for c in ("r_score", "f_score", "m_score", "fm_score"):
            out[c] = pd.Series(dtype="float64")
        out["segment"] = pd.Categorical([], categories=list(rfm.SEGMENTS))
        return out
    return rfm.rfm_scores(customers, churn_days)


def prospects(tables: dict[str, pd.DataFrame], customer_ids: pd.Series,
              period_end: pd.Timestamp) -> pd.DataFrame | None:
    """Users with role buyer, signed up by period_end, with no completed purchase; None without users.csv.

    docs/metrics.md, RFM groups (Prospects).
    """
    if "users" not in tables:
        return None
    u = buyers(tables)
    end = pd.Timestamp(period_end).normalize()
    if "signup_date" in u.columns:
        u = u[u["signup_date"].isna() | (u["signup_date"] <= end)]
    # hash lookup on plain object arrays: Series.isin on arrow strings is slow at 1M users
    bought = pd.Index(np.asarray(customer_ids, dtype=object)).get_indexer(u["user_id"].to_numpy(dtype=object)) >= 0
    return u[~bought]


def segment_summary(scored: pd.DataFrame, n_prospects: int | None = None) -> pd.DataFrame:
    """Per RFM group: customers, share of customers, revenue, share of revenue, mean days since, mean occasions.

    One row per group of ``rfm.SEGMENTS`` (docs/metrics.md, RFM groups). Prospects (never bought)
    are counted in ``customers`` when known but not in the share of customers, which is of buyers
    only. What to do with each group is added by ``lib.narrative.customers.segment_table``.
    """
    n = len(scored)
    total = float(scored["revenue"].sum()) if n else 0.0
    g = scored.groupby("segment", observed=False).agg(customers=("buyer_id", "size"), revenue=("revenue", "sum"),
                                                      mean_days_since=("days_since", "mean"),
                                                      mean_occasions=("occasions", "mean"))
    g = g.reindex(list(rfm.SEGMENTS))
    g["customers"] = g["customers"].fillna(0).astype("int64")
    g["revenue"] = g["revenue"].fillna(0.0)
    if n_prospects is not None:
        g.loc[rfm.PROSPECTS, "customers"] = int(n_prospects)
    g["share_of_customers_pct"] = np.where(g.index == rfm.PROSPECTS, np.nan,
                                           g["customers"] / n * 100 if n else np.nan)
    g["revenue_share_pct"] = np.where(g.index == rfm.PROSPECTS, np.nan,
                                      g["revenue"] / total * 100 if total > 0 else np.nan)
    g.index.name = "segment"
    cols = ["customers", "share_of_customers_pct", "revenue", "revenue_share_pct", "mean_days_since",
            "mean_occasions"]
    return g[cols].reset_index()


def segments_shown(summary: pd.DataFrame, prospects_known: bool) -> pd.DataFrame:
    """The groups the report shows: all of ``summary``, without Prospects when their number is unknown (no users.csv)."""
    return summary if prospects_known else summary[summary["segment"] != rfm.PROSPECTS]


# ---------------------------------------------------------------- churn risk


def churn_risk(customers: pd.DataFrame, churn_days: int = CHURN_DAYS) -> pd.DataFrame:
    """Customers whose last purchase is more than ``churn_days`` days before period_end, by lifetime revenue.

    docs/metrics.md, Churn risk and churn actions: churn_risk_customers (rows) and churn_risk_revenue
    (their revenue sum).
    """
    if churn_days < 0:
        raise ValueError(f"churn_days must be >= 0, got {churn_days}")
    return by_revenue(customers[customers["days_since"] > churn_days])


# ---------------------------------------------------------------- win-back lists and their effect

#: the win-back list of churn-risk customers in the top revenue share (VIPs); the other lists are the
#: lapsed groups of lib.analytics.rfm.WIN_BACK_SEGMENTS
WIN_BACK_VIP_LIST = "Churn-risk VIP"
#: columns of tables/retargeting.csv before the message (docs/metrics.md, Churn risk and churn actions)
WIN_BACK_COLUMNS = ("buyer_id", "display_name", "list", "segment", "revenue", "occasions", "days_since",
                    "last_purchase", "p_buy_30d", "gross_profit_per_occasion")


def recency_edges(churn_days: int = CHURN_DAYS) -> tuple[float, ...]:
    """Bin edges of days since the last purchase for lapsed customers: churn_days, then 180 and 365 when
    above it, then no limit (docs/metrics.md, Churn risk and churn actions). Bins are (lo, hi]."""
    return (float(churn_days), *(float(e) for e in (180, 365) if e > churn_days), float("inf"))


def recency_buy_rates(occasions: pd.DataFrame, period_end: pd.Timestamp, churn_days: int = CHURN_DAYS,
                      horizon_days: int = 30, months: int = 12) -> pd.DataFrame:
    """How often lapsed customers bought again within ``horizon_days``, by days since their last purchase.

    docs/metrics.md, Churn risk and churn actions. At each of the last ``months`` month ends ``c`` with
    ``c + horizon_days <= period_end`` (and on or after the first purchase), every customer who had bought by
    ``c`` has a recency ``c - last purchase``; those in a bin of :func:`recency_edges` count as observed, and as
    buyers when they have an occasion in ``(c, c + horizon_days]``. One row per bin: ``lo, hi, cutoffs,
    observations`` (customer-month-end pairs), ``customers`` (distinct customers among them), ``buyers``
    (pairs that bought), ``rate`` (buyers / observations; NaN when none observed).
    """
    end = pd.Timestamp(period_end).normalize()
    edges = recency_edges(churn_days)
    o = occasions.loc[occasions["date"] <= end, ["buyer_id", "date"]]
    rows = {"lo": list(edges[:-1]), "hi": list(edges[1:])}
    nb = len(edges) - 1
    obs, buyers = np.zeros(nb, "int64"), np.zeros(nb, "int64")
    seen = np.zeros((nb, 0), bool)  # customers observed in each bin at some month end
    cut_days: list[int] = []
    if len(o):
        codes, _ = pd.factorize(o["buyer_id"].to_numpy())
        day = o["date"].to_numpy().astype("datetime64[D]").astype("int64")
        epoch = pd.Timestamp("1970-01-01")
        cuts = pd.date_range(end=end - pd.Timedelta(days=horizon_days), periods=months, freq="ME")
        cut_days = [(c - epoch).days for c in cuts if (c - epoch).days >= int(day.min())]
        k = int(codes.max()) + 1
        seen = np.zeros((nb, k), bool)
        for c in cut_days:  # one vectorised pass per month end (at most ``months``)
            before = day <= c
            last = np.full(k, np.iinfo("int64").min)
            np.maximum.at(last, codes[before], day[before])
            known = last > np.iinfo("int64").min
            rec = np.where(known, c - last, -1)
            bought = np.zeros(k, bool)
            bought[codes[(day > c) & (day <= c + horizon_days)]] = True
            b = np.searchsorted(np.asarray(edges), rec, side="left") - 1  # (lo, hi] -> bin index
            for i in range(nb):
                m = known & (b == i)
                obs[i] += int(m.sum())
                buyers[i] += int((m & bought).sum())
                seen[i] |= m
    rows.update(cutoffs=len(cut_days), observations=obs, customers=seen.sum(axis=1).astype("int64").tolist(),
                buyers=buyers)
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["observations"] > 0, out["buyers"] / out["observations"], np.nan)
    return out


def _bin_of(days_since: np.ndarray, rates: pd.DataFrame) -> np.ndarray:
    """Row of ``rates`` (a :func:`recency_buy_rates` table) whose (lo, hi] holds each days_since; -1 when none."""
    d = np.asarray(days_since, dtype="float64")
    lo, hi = rates["lo"].to_numpy(dtype="float64"), rates["hi"].to_numpy(dtype="float64")
    hit = (d[:, None] > lo[None, :]) & (d[:, None] <= hi[None, :])
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def win_back_targets(scored: pd.DataFrame, occasions: pd.DataFrame, rates: pd.DataFrame,
                     churn_days: int = CHURN_DAYS, margin: float | None = None,
                     segments: tuple[str, ...] = rfm.WIN_BACK_SEGMENTS) -> pd.DataFrame:
    """The win-back lists: churn-risk VIPs, then the churn-risk members of each of ``segments``.

    docs/metrics.md, Churn risk and churn actions. ``scored`` is :func:`score_customers` with the same
    ``churn_days``; a churn-risk customer with revenue at least :func:`vip_threshold` is on the
    :data:`WIN_BACK_VIP_LIST`, any other in ``segments`` on the list of its group. Columns
    :data:`WIN_BACK_COLUMNS`: ``p_buy_30d`` is the ``rate`` of the customer's recency bin in ``rates``
    (:func:`recency_buy_rates`; bins without observations take the rate pooled over all bins),
    ``gross_profit_per_occasion`` the customer's own gross profit / occasions from the ``gross_profit`` of
    ``occasions`` (the occasions ``scored`` was built from, up to period_end) when it has one, else ``margin`` x revenue / occasions, else NaN. No contact details.
    Sorted by lifetime revenue.
    """
    at_risk = churn_risk(scored, churn_days)
    vip_min = vip_threshold(scored)
    seg = at_risk["segment"].astype("string")
    vip = at_risk["revenue"] >= vip_min if vip_min is not None else pd.Series(False, index=at_risk.index)
    keep = (vip | seg.isin(segments).fillna(False)).to_numpy(dtype=bool)
    t = at_risk[keep]
    lst = np.where(vip.to_numpy()[keep], WIN_BACK_VIP_LIST, seg.to_numpy(dtype=object)[keep])
    if "gross_profit" in occasions.columns:
        gp = occasions.groupby("buyer_id", observed=True)["gross_profit"].sum()
        gp_total = t["buyer_id"].map(gp).to_numpy(dtype="float64")
    elif margin is not None:
        gp_total = t["revenue"].to_numpy(dtype="float64") * float(margin)
    else:
        gp_total = np.full(len(t), np.nan)
    rate = rates["rate"].to_numpy(dtype="float64")
    pooled = rates["buyers"].sum() / rates["observations"].sum() if rates["observations"].sum() > 0 else np.nan
    b = _bin_of(t["days_since"].to_numpy(), rates)
    p = np.where(b >= 0, rate[np.maximum(b, 0)], np.nan)
    p = np.where(np.isnan(p), pooled, p)
    out = pd.DataFrame({"buyer_id": t["buyer_id"].to_numpy(), "display_name": t["display_name"].to_numpy(),
                        "list": pd.array(lst, dtype="string"), "segment": seg.to_numpy()[keep],
                        "revenue": t["revenue"].round(2).to_numpy(), "occasions": t["occasions"].to_numpy(),
                        "days_since": t["days_since"].to_numpy(),
                        "last_purchase": t["last_purchase"].dt.strftime("%Y-%m-%d").to_numpy(),
                        "p_buy_30d": p, "gross_profit_per_occasion": gp_total / t["occasions"].to_numpy()})
    return out.sort_values(["revenue", "buyer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


@dataclass(frozen=True)
class WinBackEffect:
    """The one-off effect of one win-back list (docs/metrics.md, Churn risk and churn actions).

    ``expected_buyers`` = sum of the customers' ``p_buy_30d``; ``effect`` = sum of ``p_buy_30d`` x
    ``gross_profit_per_occasion`` (one_off, with the revenue the same way), its interval from the binomial
    uncertainty of the base rates. ``group_customers`` is the size of the RFM group (the VIP list: of all
    churn-risk VIPs), so a list shorter than its group says why.
    """

    list: str
    customers: int
    group_customers: int
    median_days_since: float
    revenue: float
    gross_profit_per_occasion: float
    p_low: float
    p_high: float
    expected_buyers: float
    effect: Effect


def win_back_effects(targets: pd.DataFrame, rates: pd.DataFrame, scored: pd.DataFrame | None = None,
                     draws: int = 4000, seed: int = 0) -> list[WinBackEffect]:
    """One effect per list of :func:`win_back_targets`: churn-risk VIPs, then each WIN_BACK_SEGMENTS group.

    docs/metrics.md, Churn risk and churn actions. Each bin's rate is drawn from Beta(k + 1/2, n - k + 1/2)
    with n its distinct customers and k = rate x n (a customer seen at several month ends counts once, so the
    interval is not narrowed by repeat looks at the same people); a customer's draw is its bin's, the pooled
    rate's for bins without observations. Lists without customers or without a gross profit per occasion
    are left out. ``scored`` (the scored customers) gives each group's size.
    """
    if targets.empty or targets["gross_profit_per_occasion"].isna().all():
        return []
    rng = np.random.default_rng(seed)
    n = rates["customers"].to_numpy(dtype="float64")
    r = rates["rate"].to_numpy(dtype="float64")
    n_all = float(n.sum())
    pooled = rates["buyers"].sum() / rates["observations"].sum() if rates["observations"].sum() > 0 else np.nan
    if not np.isfinite(pooled):
        return []
    k = np.where(np.isfinite(r), r * n, 0.0)
    beta = rng.beta(k + 0.5, np.maximum(n - k, 0) + 0.5, size=(draws, len(n)))
    pooled_draw = rng.beta(pooled * n_all + 0.5, (1 - pooled) * n_all + 0.5, size=draws)
    b = _bin_of(targets["days_since"].to_numpy(), rates)
    use = (b >= 0) & (n[np.maximum(b, 0)] > 0) & np.isfinite(r[np.maximum(b, 0)])
    out = []
    for name in [WIN_BACK_VIP_LIST, *rfm.WIN_BACK_SEGMENTS]:
        m = (targets["list"] == name).to_numpy(dtype=bool) & targets["gross_profit_per_occasion"].notna().to_numpy()
        if not m.any():
            continue
        g = targets["gross_profit_per_occasion"].to_numpy(dtype="float64")[m]
        rev = (targets["revenue"] / targets["occasions"]).to_numpy(dtype="float64")[m]
        p = targets["p_buy_30d"].to_numpy(dtype="float64")[m]
        bins, own = b[m], use[m]
        sim = np.zeros(draws)
        for i in np.unique(bins[own]):  # a handful of bins
            sim += beta[:, i] * g[own & (bins == i)].sum()
        sim += pooled_draw * g[~own].sum()
        est = float(p @ g)
        size = int(m.sum()) if scored is None or name == WIN_BACK_VIP_LIST else int(
            (scored["segment"].astype("string") == name).sum())
        out.append(WinBackEffect(name, int(m.sum()), size, float(np.median(targets["days_since"].to_numpy()[m])),
                                 float(targets["revenue"].to_numpy()[m].sum()), float(g.mean()), float(p.min()),
                                 float(p.max()), float(p.sum()),
                                 draws_effect(sim, one_off=True, revenue=float(p @ rev), estimate=est)))
    return out


# ---------------------------------------------------------------- VIPs


def vip_list(scored: pd.DataFrame) -> pd.DataFrame:
    """The action list vip_customers.csv: the top 20% of customers by revenue, fixed columns first.

    docs/metrics.md, Top 20% and VIPs and Action lists.
    """
    top = by_revenue(scored).head(top_count(len(scored)))
    out = pd.DataFrame({"buyer_id": top["buyer_id"], "display_name": top["display_name"],
                        "revenue": top["revenue"].round(2), "occasions": top["occasions"],
                        "last_purchase": top["last_purchase"].dt.strftime("%Y-%m-%d"),
                        "segment": top["segment"].astype("string") if "segment" in top.columns else pd.NA})
    out["items"] = top["items"]
    out["first_purchase"] = top["first_purchase"].dt.strftime("%Y-%m-%d")
    out["days_since"] = top["days_since"]
    for extra in ("p_alive", "clv_12m"):
        if extra in top.columns:
            out[extra] = top[extra].round(3 if extra == "p_alive" else 2)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- cohorts


@dataclass(frozen=True)
class CohortTables:
    """Monthly acquisition cohorts: retention (percent buying in month k), sizes, revenue."""

    retention_pct: pd.DataFrame  # index cohort "YYYY-MM", columns k = 0.. months since first purchase
    sizes: pd.Series  # customers per cohort
    revenue: pd.DataFrame  # cohort revenue by month since first purchase
    summary: pd.DataFrame  # per cohort: customers, revenue, revenue_per_customer, repeat_pct


def cohort_tables(occasions: pd.DataFrame, period_end: pd.Timestamp, max_cohorts: int = 24) -> CohortTables:
    """Cohorts by month of first purchase x months since then (docs/metrics.md, Cohorts).

    Cell (c, k) = share of cohort c's customers with a purchase occasion in the
    k-th calendar month after their first month (k = 0 is the first month,
    100% by definition); months after period_end are NaN (not yet observed).
    Only the last ``max_cohorts`` cohorts are kept. The counts and sums are SQL group-bys over the occasions
    (customers active and revenue per cohort and month, repeat customers per cohort); the shares are taken here.
    """
    end = pd.Timestamp(period_end).normalize()
    cells = query_frame(occasions[["buyer_id", "date", "revenue"]], """
    WITH o AS (SELECT buyer_id, year(date) * 12 + month(date) - 1 AS m, revenue FROM occ WHERE date <= $end),
    f AS (SELECT *, MIN(m) OVER (PARTITION BY buyer_id) AS cohort FROM o),
    b AS (SELECT cohort, buyer_id, COUNT(*) AS n FROM f GROUP BY cohort, buyer_id)
    SELECT cohort, m - cohort AS k, COUNT(DISTINCT buyer_id) AS active, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, NULL AS repeaters
    FROM f GROUP BY cohort, k
    UNION ALL
    SELECT cohort, -1 AS k, COUNT(*) AS active, NULL AS revenue, COUNT(*) FILTER (WHERE n > 1) AS repeaters
    FROM b GROUP BY cohort""", {"end": end})
    if cells.empty:
        empty = pd.DataFrame()
        return CohortTables(empty, pd.Series(dtype="int64"), empty, empty)
    cells = cells.astype({"cohort": "int64", "k": "int64", "active": "int64"})
    per = cells[cells["k"] < 0].set_index("cohort").sort_index()  # customers and repeat customers per cohort
    cells = cells[cells["k"] >= 0]
    active = cells.pivot(index="cohort", columns="k", values="active").fillna(0).astype("int64")
    rev = cells.pivot(index="cohort", columns="k", values="revenue").astype("float64").fillna(0.0)
    end_m = end.year * 12 + end.month - 1
    ks = np.arange(end_m - int(per.index.min()) + 1)
    active = active.reindex(columns=ks, fill_value=0).sort_index()
    rev = rev.reindex(columns=ks, fill_value=0.0).sort_index()
    sizes = active[0]
    ret = active.div(sizes, axis=0) * 100
    cohorts = ret.index.to_numpy()
    unobserved = cohorts[:, None] + ks[None, :] > end_m
    ret = ret.mask(unobserved)
    rev = rev.mask(unobserved)
    keep = cohorts[-max_cohorts:]
    labels = {c: f"{c // 12:04d}-{c % 12 + 1:02d}" for c in cohorts}
    ret, rev, sizes = ret.loc[keep], rev.loc[keep], sizes.loc[keep]
    repeat = per["repeaters"].astype("float64") / per["active"] * 100
    summ = pd.DataFrame({"customers": sizes, "revenue": rev.sum(axis=1),
                         "repeat_pct": repeat.reindex(keep)})
    summ["revenue_per_customer"] = summ["revenue"] / summ["customers"]
    for t in (ret, rev, summ):
        t.index = pd.Index([labels[c] for c in t.index], name="cohort")
    sizes.index = summ.index
    ret.columns.name = rev.columns.name = "months_since_first"
    return CohortTables(ret, sizes.astype("int64").rename("customers"), rev,
                        summ[["customers", "revenue", "revenue_per_customer", "repeat_pct"]])


def cohort_trend(t: CohortTables) -> dict | None:
    """Month-1 return of the earlier half of the cohorts against the recent half, two-proportion z-test.

    docs/metrics.md, Cohorts. Returns ``old_pct, new_pct`` (customers buying again in their second
    month / cohort customers, pooled over each half), ``p_value`` (two-sided)
    and the cohort counts; None with fewer than four cohorts observed a month
    after their start.
    """
    if t.retention_pct.empty or 1 not in t.retention_pct.columns:
        return None
    m1 = t.retention_pct[1].dropna()
    if len(m1) < 4:
        return None
    sizes = t.sizes.loc[m1.index].to_numpy(dtype="float64")
    back = np.round(m1.to_numpy() * sizes / 100)
    half = len(m1) // 2
    x1, n1, x2, n2 = back[:half].sum(), sizes[:half].sum(), back[half:].sum(), sizes[half:].sum()
    return {"old_pct": x1 / n1 * 100, "new_pct": x2 / n2 * 100, "p_value": two_proportion_p_value(x1, n1, x2, n2),
            "old_cohorts": half, "new_cohorts": len(m1) - half}


# ---------------------------------------------------------------- value models


@dataclass
class ValueModel:
    """BG/NBD + gamma-gamma at period_end: fits, per-customer predictions, or why there are none.

    docs/metrics.md, BG/NBD and gamma-gamma. ``diagnostics`` holds the reasons as codes and numbers
    (lib.analytics.clv.FitDiagnostic); lib.narrative.customers.fit_diagnostic_sentence words them.
    """

    summary: pd.DataFrame  # calibration summary per customer + p_alive, expected_90d, clv_12m
    bg: clv.BGNBDFit | None = None
    gg: clv.GammaGammaFit | None = None
    diagnostics: list[clv.FitDiagnostic] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the purchase model is fitted and stable (its numbers may be shown)."""
        return self.bg is not None and self.bg.stable

    @property
    def spend_usable(self) -> bool:
        """True when the spend model is usable too (stable, q > 1): the 12-month values may be shown."""
        return self.usable and self.gg is not None and self.gg.stable and self.gg.q > 1


def value_model(occasions: pd.DataFrame, period_end: pd.Timestamp, horizon_days: int = 90, months: int = 12,
                monthly_discount: float = 0.01) -> ValueModel:
    """Fit BG/NBD and gamma-gamma on the history to period_end (weeks) and predict per customer.

    docs/metrics.md, BG/NBD and gamma-gamma.

    ``summary`` gets ``p_alive``, ``expected_{horizon_days}d`` (occasions in the
    next ``horizon_days``) and ``clv_12m`` (discounted expected revenue over the
    next ``months``); these are NaN when the fits are not usable, and
    ``diagnostics`` says why (too few customers, a parameter at its bound, an
    undefined or large standard error, q <= 1), each with its numbers.
    """
    s = rfm.calibration_summary(occasions, period_end)
    col = f"expected_{horizon_days}d"
    s["p_alive"] = np.nan
    s[col] = np.nan
    s["clv_12m"] = np.nan
    vm = ValueModel(s)
    few = clv.count_diagnostics(len(s), int((s["x"] > 0).sum()))
    if few:
        vm.diagnostics.extend(few)
        return vm
    vm.bg = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    if not vm.bg.stable:
        vm.diagnostics.extend(vm.bg.diagnostics)
        return vm
    (x, t_x, T), inv = clv.distinct_rows(s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy())
    s["p_alive"] = clv.probability_alive(vm.bg, x, t_x, T)[inv]
    s[col] = clv.expected_purchases(vm.bg, horizon_days / 7, x, t_x, T)[inv]
    n_spend = int(((s["x_value"] > 0) & (s["zbar"] > 0)).sum())
    few = clv.count_diagnostics(len(s), n_spend, model="spend")
    if few:
        vm.diagnostics.extend(few)
        return vm
    vm.gg = clv.fit_gamma_gamma(s["x_value"], s["zbar"])
    if not vm.gg.stable:
        vm.diagnostics.extend(vm.gg.diagnostics)
    elif vm.gg.q <= 1:
        vm.diagnostics.append(clv.FitDiagnostic("spend", "infinite_mean_spend", "q", vm.gg.q, 1.0))
    else:
        s["clv_12m"] = clv.customer_lifetime_value(vm.bg, vm.gg, s, months, monthly_discount).to_numpy()
    return vm


def customer_metrics(scored: pd.DataFrame, top20_share: float | None, repeat_rate: float | None,
                     ratio: RatioInterval, at_risk: pd.DataFrame, vm: ValueModel) -> dict[str, float | int | None]:
    """The customers report's metrics for metrics.json (docs/metrics.md, Customers; metrics.json).

    ``scored`` is the customer table, ``top20_share``, ``repeat_rate`` and ``ratio`` its
    ``top_share_pct``, ``repeat_rate_pct`` and ``bootstrap_ltv_ratio``, ``at_risk`` its
    ``churn_risk`` list and ``vm`` the value model fitted with ``horizon_days=90``. The model's
    numbers are None when it is not usable.
    """
    bg = vm.bg if vm.usable else None
    return {
        "customers": len(scored),
        "top20_revenue_share_pct": top20_share,
        "repeat_customer_rate_pct": repeat_rate,
        "repeat_vs_single_ltv_ratio": ratio.estimate,
        "churn_risk_customers": len(at_risk),
        "churn_risk_revenue": float(at_risk["revenue"].sum()),
        "bgnbd_r": bg.r if bg else None,
        "bgnbd_alpha": bg.alpha if bg else None,
        "bgnbd_a": bg.a if bg else None,
        "bgnbd_b": bg.b if bg else None,
        "expected_purchases_next_90d": float(vm.summary["expected_90d"].sum()) if bg else None,
    }


def top_predicted_value(scored: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` customers with the highest predicted 12-month value ``clv_12m`` (docs/metrics.md, BG/NBD and gamma-gamma)."""
    return scored.sort_values("clv_12m", ascending=False).head(n)


def model_parameters(vm: ValueModel) -> pd.DataFrame:
    """The fitted parameters: ``parameter, value``; BG/NBD ``r, alpha, a, b`` (weeks), then gamma-gamma ``p, q, gamma``.

    docs/metrics.md, BG/NBD and gamma-gamma. The gamma-gamma rows are there when the spend model
    was fitted (even if not usable); an empty frame without a purchase model.
    """
    params: list[tuple[str, float]] = []
    if vm.bg is not None:
        params += list(vm.bg.params.items())
    if vm.gg is not None:
        params += list(vm.gg.params.items())
    return pd.DataFrame(params, columns=["parameter", "value"])


@dataclass(frozen=True)
class PurchaseGrid:
    """Expected occasions in the next ``horizon_days`` for a grid of histories at one time observed ``T`` (weeks)."""

    expected: pd.DataFrame  # index x (repeat occasions), columns t_x (weeks from first to last purchase)
    T: float
    horizon_days: int


def purchase_grid(vm: ValueModel, horizon_days: int = 90, max_x: int = 20, n_recency: int = 60) -> PurchaseGrid:
    """``lib.analytics.clv.frequency_recency_matrix`` for a customer known as long as the longest-known one.

    Rows x = 0 .. the most repeat occasions of a customer (at most ``max_x``), ``n_recency``
    columns t_x from 0 to T (docs/metrics.md, BG/NBD and gamma-gamma). Needs a fitted purchase model.
    """
    if vm.bg is None:
        raise ValueError("purchase_grid needs a fitted purchase model")
    T = float(vm.summary["T"].max())
    mat = clv.frequency_recency_matrix(vm.bg, T=T, horizon=horizon_days / 7,
                                       max_x=min(max_x, int(vm.summary["x"].max())), n_recency=n_recency)
    return PurchaseGrid(mat, T, horizon_days)


@dataclass(frozen=True)
class HoldoutCheck:
    """Calibration/holdout check: fit before ``cutoff``, compare repeat occasions in the holdout.

    docs/metrics.md, BG/NBD and gamma-gamma.
    """

    cutoff: pd.Timestamp
    end: pd.Timestamp
    fit: clv.BGNBDFit
    by_x: pd.DataFrame  # x, customers, actual, predicted (means per customer)
    actual_total: float
    predicted_total: float

    @property
    def error_pct(self) -> float:
        """(predicted - actual) / actual repeat occasions in the holdout, in percent; NaN without actual ones."""
        return (self.predicted_total - self.actual_total) / self.actual_total * 100 if self.actual_total else np.nan


def holdout_check(occasions: pd.DataFrame, period_end: pd.Timestamp, holdout_days: int = 180) -> HoldoutCheck:
    """Fit BG/NBD on occasions up to period_end - holdout_days and compare with the holdout's actual repeats.

    docs/metrics.md, BG/NBD and gamma-gamma.

    Raises ValueError with a plain message when the calibration window has too
    few customers, its fit is unstable, or the holdout would cover more than
    half of the history.
    """
    end = pd.Timestamp(period_end).normalize()
    o = occasions[occasions["date"] <= end]
    if o.empty:
        raise ValueError("no purchases: nothing to check")
    cutoff = end - pd.Timedelta(days=holdout_days)
    span = (end - o["date"].min()).days
    if holdout_days <= 0 or holdout_days * 2 > span:
        raise ValueError(f"the history ({span} days) is too short for a {holdout_days}-day holdout: the "
                         f"calibration window must be at least as long as the holdout")
    cal = rfm.calibration_summary(o, cutoff)
    fit = clv.fit_bgnbd(cal["x"], cal["t_x"], cal["T"])
    if not fit.stable:
        bad = ", ".join(f"{d.parameter or d.model} ({d.code.replace('_', ' ')})" for d in fit.diagnostics)
        raise ValueError(f"the model fitted on the data before the holdout is not stable: {bad}")
    known = pc.is_in(_strings(o["buyer_id"]), value_set=_strings(cal.index.to_series())).to_numpy(
        zero_copy_only=False)  # an Arrow hash lookup: Series.isin on Arrow strings is slow at 1M occasions
    later = o[(o["date"] > cutoff).to_numpy() & known]
    actual = later.groupby("buyer_id", observed=True).size()
    by_x = clv.holdout_comparison(fit, cal, actual, holdout_days / 7)
    pred_total = float((by_x["predicted"] * by_x["customers"]).sum())
    return HoldoutCheck(cutoff, end, fit, by_x, float(actual.sum()), pred_total)
