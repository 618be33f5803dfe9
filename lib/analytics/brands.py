"""Brand metrics: performance table, top brands, margin intervals, trends and profit per shelf day (the verdicts: lib.analytics.verdicts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics import survival
from lib.analytics.products import brand_column, sales_by
from lib.analytics.stats import z_critical
from lib.data.periods import Period

__all__ = ["brand_performance", "top_brand_metrics", "top3_share_interval", "margin_interval", "brand_monthly_revenue",
           "group_growth", "brand_growth", "ranked_growth", "shelf_day_profit", "lifecycle_profit",
           "lifecycle_with_profit"]

def brand_performance(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, min_sales: int = 20) -> pd.DataFrame:
    """One row per brand (docs/metrics.md, Brands): revenue, units, sales, gross profit, margin, revenue share,
    KM median days to sell, unsold units and their cost, and ``uncertain`` (fewer than ``min_sales``
    completed sales). ``completed`` and ``lifecycle`` come from lib.data.derived; sorted by revenue.

    ``lifecycle`` None (no inventory.csv): the columns that need costs or dates (``gross_profit``, ``margin_pct``,
    ``items``, ``km_median_days``, ``km_low``, ``km_high``, ``unsold_units``, ``unsold_cost``, ``margin_low``,
    ``margin_high``) are null, never zero."""
    if min_sales < 1:
        raise ValueError(f"min_sales must be >= 1, got {min_sales}")
    bcol = brand_column(completed)
    perf = sales_by(completed[completed[bcol].notna()], bcol).rename(columns={bcol: "brand"})
    if lifecycle is None:
        perf["brand"] = perf["brand"].astype("string")
        for c in ["items", "km_median_days", "km_low", "km_high", "unsold_units", "unsold_cost"]:
            perf[c] = None if c.startswith("km_") else float("nan")
        perf["uncertain"] = perf["sales"] < min_sales
        perf["margin_low"], perf["margin_high"] = float("nan"), float("nan")
        return perf.sort_values(["revenue", "brand"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    lcol = brand_column(lifecycle) if len(lifecycle) else bcol
    lc = lifecycle[lifecycle[lcol].notna()] if lcol in lifecycle.columns else lifecycle.iloc[0:0]
    km = survival.km_by_group(lc["duration_days"], lc["sold"], lc[lcol]) if len(lc) else \
        pd.DataFrame({"group": pd.Series(dtype="string"), "km_median": pd.Series(dtype="object"),
                      "n": pd.Series(dtype="int64"), "km_low": pd.Series(dtype="object"),
                      "km_high": pd.Series(dtype="object")})
    km = km.rename(columns={"group": "brand", "km_median": "km_median_days", "n": "items"})
    km["brand"] = km["brand"].astype("string")
    stock = lc.assign(unsold_cost=lc["cost_basis"] * lc["units_on_hand"]) \
        .groupby(lcol, observed=True).agg(unsold_units=("units_on_hand", "sum"),
                                          unsold_cost=("unsold_cost", "sum"))
    stock.index = stock.index.astype("string")
    perf["brand"] = perf["brand"].astype("string")
    perf = perf.merge(km[["brand", "items", "km_median_days", "km_low", "km_high"]], on="brand", how="outer")
    perf = perf.merge(stock, left_on="brand", right_index=True, how="left")
    for c in ["revenue", "units", "sales", "unsold_units", "unsold_cost", "items"]:
        perf[c] = perf[c].fillna(0)
    for c in ["units", "sales", "unsold_units", "items"]:
        perf[c] = perf[c].astype("int64")
    perf["revenue_share_pct"] = perf["revenue_share_pct"].fillna(0.0)
    perf["uncertain"] = perf["sales"] < min_sales
    mi = margin_interval(completed[completed[bcol].notna()], bcol)
    perf = perf.merge(mi, left_on="brand", right_index=True, how="left")
    perf = perf.sort_values(["revenue", "brand"], ascending=[False, True], kind="mergesort")
    return perf.reset_index(drop=True)


def margin_interval(completed: pd.DataFrame, bcol: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``bcol`` (brand, category, condition): interval of the margin in % (ratio estimator gross
    profit / revenue over sale lines of known cost, delta method; docs/metrics.md, Brands: Brand map), indexed by
    group, columns ``margin_low, margin_high``."""
    c = completed.loc[completed["gross_profit"].notna(), [bcol, "gross_profit", "revenue"]] \
        if "gross_profit" in completed.columns else completed.iloc[0:0][[bcol, "revenue"]].assign(gross_profit=0.0)
    g = c.groupby(bcol, observed=True)
    t = g.agg(gp=("gross_profit", "sum"), rev=("revenue", "sum"), n=("revenue", "size"))
    m = t["gp"] / t["rev"].where(t["rev"] > 0)
    c = c.join(m.rename("m"), on=bcol)
    ss = ((c["gross_profit"] - c["m"] * c["revenue"]) ** 2).groupby(c[bcol], observed=True).sum()
    n = t["n"].astype("float64")
    se = np.sqrt(ss * n / (n - 1).where(n > 1)) / t["rev"].where(t["rev"] > 0)
    z = z_critical(confidence)
    out = pd.DataFrame({"margin_low": (m - z * se) * 100, "margin_high": (m + z * se) * 100})
    out.index = out.index.astype("string")
    return out


def top_brand_metrics(perf: pd.DataFrame, min_sales: int = 20) -> dict[str, object]:
    """``top_brand_by_revenue``, ``top_brand_by_gross_profit``, ``top_brand_by_margin`` (among brands
    with at least ``min_sales`` completed sales) and ``top3_brand_revenue_share_pct`` (docs/metrics.md, Brands)."""
    out: dict[str, object] = {"top_brand_by_revenue": None, "top_brand_by_gross_profit": None,
                              "top_brand_by_margin": None, "top3_brand_revenue_share_pct": None}
    sold = perf[perf["sales"] > 0]
    if sold.empty:
        return out
    out["top_brand_by_revenue"] = str(sold.sort_values(["revenue", "brand"], ascending=[False, True])
                                      .iloc[0]["brand"])
    gp = sold[sold["gross_profit"].notna()]
    if not gp.empty:
        out["top_brand_by_gross_profit"] = str(gp.sort_values(["gross_profit", "brand"],
                                                              ascending=[False, True]).iloc[0]["brand"])
    m = sold[(sold["sales"] >= min_sales) & sold["margin_pct"].notna()]
    if not m.empty:
        out["top_brand_by_margin"] = str(m.sort_values(["margin_pct", "brand"], ascending=[False, True])
                                         .iloc[0]["brand"])
    total = sold["revenue"].sum()
    if total > 0:
        out["top3_brand_revenue_share_pct"] = float(sold["revenue"].nlargest(3).sum() / total * 100.0)
    return out


def top3_share_interval(completed: pd.DataFrame, perf: pd.DataFrame, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for the top-3 brands' revenue share (ratio estimator, delta method over sale lines;
    docs/metrics.md, Brands).

    With r_i the revenue of line i and I_i = 1 for the top-3 brands, share =
    sum r_i I_i / sum r_i and Var = n/(n-1) sum (r_i (I_i - share))^2 / (sum r_i)^2.
    """
    bcol = brand_column(completed)
    top = set(perf.sort_values("revenue", ascending=False)["brand"].head(3))
    r = completed["revenue"].to_numpy(dtype="float64")
    ind = completed[bcol].isin(top).fillna(False).to_numpy()
    tot = r.sum()
    n = r.size
    if tot <= 0 or n < 2:
        return (float("nan"), float("nan"))
    share = (r * ind).sum() / tot
    se = np.sqrt(n / (n - 1) * np.sum((r * (ind - share)) ** 2)) / tot
    z = z_critical(confidence)
    return (float(max(0.0, share - z * se) * 100), float(min(1.0, share + z * se) * 100))


def brand_monthly_revenue(completed: pd.DataFrame, months: int = 12, top: int = 6) -> pd.DataFrame:
    """Revenue per month (rows, ``YYYY-MM``) and brand (columns) for the last ``months`` months (docs/metrics.md, Brands);
    brands beyond the ``top`` by revenue in that window are summed as ``Other``."""
    bcol = brand_column(completed)
    c = completed[completed[bcol].notna()]
    keep_months = sorted(c["month"].unique())[-months:]
    c = c[c["month"].isin(keep_months)]
    piv = c.pivot_table(index="month", columns=bcol, values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True)
    order = piv.sum().sort_values(ascending=False).index
    out = piv[order[:top]].copy()
    if len(order) > top:
        out["Other"] = piv[order[top:]].sum(axis=1)
    out.columns = [str(x) for x in out.columns]
    return out


def group_growth(completed: pd.DataFrame, period_end: pd.Timestamp, key: str, min_sales: int = 10) -> pd.DataFrame:
    """Trends per ``key`` group (brand, category, condition; docs/metrics.md, Brands: Emerging brands): revenue of
    the last four months, month-over-month growth of the last three, and growth of the last three months (the
    month of ``period_end`` and the two before) against the three before.

    A group is ranked (``eligible``) only with at least ``min_sales`` completed
    sales in each of the two 3-month windows. ``p_value``: two-sided exact
    binomial test that its sales are split evenly between the windows
    (p = 0.5), i.e. that its sales rate did not change. One row per group with
    sales in the six months, the group in column ``key``; sorted by ``growth_3m_pct``.
    """
    start = pd.Timestamp(period_end).to_period("M").to_timestamp()
    months = [(start - pd.DateOffset(months=k)).strftime("%Y-%m") for k in range(5, -1, -1)]
    c = completed[completed["month"].isin(months) & completed[key].notna()]
    rev = c.pivot_table(index=key, columns="month", values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True).reindex(columns=months, fill_value=0.0)
    cnt = c.pivot_table(index=key, columns="month", values="revenue", aggfunc="size", fill_value=0,
                        observed=True).reindex(columns=months, fill_value=0)
    out = pd.DataFrame(index=rev.index)
    for m in months[2:]:
        out[m] = rev[m]
    for a, b in zip(months[2:5], months[3:6], strict=True):
        out[f"mom_{b}_pct"] = (rev[b] - rev[a]) / rev[a].where(rev[a] > 0) * 100
    prev, last = rev[months[:3]].sum(axis=1), rev[months[3:]].sum(axis=1)
    n_prev, n_last = cnt[months[:3]].sum(axis=1), cnt[months[3:]].sum(axis=1)
    out["revenue_prev_3m"], out["revenue_last_3m"] = prev, last
    out["sales_prev_3m"], out["sales_last_3m"] = n_prev.astype("int64"), n_last.astype("int64")
    out["growth_3m_pct"] = (last - prev) / prev.where(prev > 0) * 100
    tot = (n_prev + n_last).to_numpy(dtype="int64")
    pv = [stats.binomtest(int(k), int(n), 0.5).pvalue if n > 0 else np.nan
          for k, n in zip(n_last.to_numpy(dtype="int64"), tot, strict=True)]
    out["p_value"] = pv
    out["eligible"] = (n_prev >= min_sales) & (n_last >= min_sales)
    out.index = out.index.astype("string")
    out = out.reset_index()
    return out.sort_values(["eligible", "growth_3m_pct", key], ascending=[False, False, True],
                           na_position="last", kind="mergesort").reset_index(drop=True)


def brand_growth(completed: pd.DataFrame, period: Period, min_sales: int = 10) -> pd.DataFrame:
    """Brand trends (docs/metrics.md, Brands: Emerging brands): :func:`group_growth` by brand for the three
    months ending with ``period``, the brand in column ``brand``."""
    bcol = brand_column(completed)
    return group_growth(completed, period.end, bcol, min_sales).rename(columns={bcol: "brand"})


def ranked_growth(growth: pd.DataFrame) -> pd.DataFrame:
    """The brands of :func:`brand_growth` ranked for growth: ``eligible`` with a known ``growth_3m_pct``, in order."""
    return growth[growth["eligible"] & growth["growth_3m_pct"].notna()]


def shelf_day_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame, keys: str | list[str],
                     min_sales: int = 20, confidence: float = 0.95) -> pd.DataFrame:
    """Gross profit per day on the shelf per group (brand, brand x condition...; docs/metrics.md, Brands: Profit
    per shelf day).

    Items are products of lib.data.derived.product_lifecycle; an item's shelf days run
    from its clock start to its first sale, or to period_end when unsold (at
    least 1); its profit is the gross profit of its completed sales (0 when
    unsold). ``profit_per_shelf_day`` = sum profit / sum shelf days, with a
    delta-method interval for a ratio estimator. ``eligible``: at least
    ``min_sales`` sold items. Sorted by profit per shelf day.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    lc = lifecycle.dropna(subset=keys)
    profit = lc["profit"].to_numpy(dtype="float64") if "profit" in lc.columns else lifecycle_profit(completed, lc)
    days = lc["duration_days"].clip(lower=1).to_numpy(dtype="float64")
    gid = lc.groupby(keys, observed=True, sort=True).ngroup().to_numpy()
    k = int(gid.max()) + 1 if len(gid) else 0
    t = lc.groupby(keys, observed=True, sort=True).size().rename("items").to_frame()
    t["sold"] = np.bincount(gid, weights=lc["sold"].to_numpy(dtype="float64"), minlength=k)
    t["profit"] = np.bincount(gid, weights=profit, minlength=k)
    t["shelf_days"] = np.bincount(gid, weights=days, minlength=k)
    ratio = t["profit"].to_numpy() / t["shelf_days"].to_numpy()
    ss = np.bincount(gid, weights=(profit - ratio[gid] * days) ** 2, minlength=k)
    n = t["items"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(ss * n / np.where(n > 1, n - 1, np.nan)) / t["shelf_days"].to_numpy()
    z = z_critical(confidence)
    t["profit_per_shelf_day"] = ratio
    t["low"], t["high"] = ratio - z * se, ratio + z * se
    m = sales_by(completed[completed[keys].notna().all(axis=1)], keys).set_index(keys)
    t = t.join(m[["revenue", "margin_pct"]], how="left")
    t["sold"] = t["sold"].astype("int64")
    t["eligible"] = t["sold"] >= min_sales
    t = t.reset_index()
    for k in keys:
        t[k] = t[k].astype("string")
    return t.sort_values(["eligible", "profit_per_shelf_day"], ascending=[False, False],
                         kind="mergesort").reset_index(drop=True)


def lifecycle_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame) -> np.ndarray:
    """Gross profit of each lifecycle product's completed sales (0 when unsold), aligned with ``lifecycle``
    (docs/metrics.md, Brands: Profit per shelf day)."""
    c = completed[completed["gross_profit"].notna()]
    codes, uniq = pd.factorize(pd.concat([lifecycle["product_id"], c["product_id"]], ignore_index=True))
    nl = len(lifecycle)
    total = np.bincount(codes[nl:], weights=c["gross_profit"].to_numpy(dtype="float64"), minlength=len(uniq))
    return total[codes[:nl]]


def lifecycle_with_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame) -> pd.DataFrame:
    """``lifecycle`` with each product's ``profit`` (:func:`lifecycle_profit`), so that several
    :func:`shelf_day_profit` calls compute it once."""
    return lifecycle.assign(profit=lifecycle_profit(completed, lifecycle))
