"""Brand metrics: performance table, top brands, margin intervals, trends and profit per shelf day, the per-brand sums also in SQL over the period's lines (the verdicts: lib.analytics.verdicts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from lib.analytics import survival
from lib.analytics.products import brand_column, sales_by
from lib.analytics.stats import z_critical
from lib.data.cache import cached_derived, derived_file
from lib.data.dataset import Dataset
from lib.data.derived import period_lifecycle_file
from lib.data.engine import Engine
from lib.data.periods import Period, period_from_label

__all__ = ["LINES", "brand_performance", "top_brand_metrics", "top3_share_interval", "margin_interval",
           "brand_monthly_revenue", "group_growth", "brand_growth", "ranked_growth", "shelf_day_profit",
           "lifecycle_profit", "lifecycle_with_profit", "brand_key", "completed_count", "brand_lines", "brand_items",
           "sales_by_sql", "margin_interval_sql", "group_months", "group_months_sql", "brand_performance_sql",
           "top3_share_interval_sql", "brand_monthly_revenue_sql", "brand_growth_sql"]

#: the view the SQL reductions read: a period's sale lines (lib.data.derived.sale_lines, lib.data.engine)
LINES = "lines"
#: gross profit with NaN as unknown (a registered frame's NaN is NULL already; Parquet's too)
_GP = "CASE WHEN isnan(gross_profit) THEN NULL ELSE gross_profit END"

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
    mi = margin_interval(completed[completed[bcol].notna()], bcol) if lifecycle is not None else None
    return _performance(perf, mi, lifecycle, min_sales, bcol)


def _performance(perf: pd.DataFrame, mi: pd.DataFrame | None, lifecycle: pd.DataFrame | None,
                 min_sales: int, bcol: str) -> pd.DataFrame:
    """:func:`brand_performance` from the per-brand sales (:func:`sales_by`, brand in ``brand``) and margin
    intervals (:func:`margin_interval`), by pandas or by SQL."""
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
    return _monthly(group_months(completed, bcol), bcol, months, top)


def _monthly(gm: pd.DataFrame, bcol: str, months: int, top: int) -> pd.DataFrame:
    """:func:`brand_monthly_revenue` from the per-brand-month revenue (:func:`group_months`)."""
    keep_months = sorted(gm["month"].unique())[-months:]
    c = gm[gm["month"].isin(keep_months)]
    piv = c.pivot_table(index="month", columns=bcol, values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True)
    order = piv.sum().sort_values(ascending=False).index
    out = piv[order[:top]].copy()
    if len(order) > top:
        out["Other"] = piv[order[top:]].sum(axis=1)
    out.columns = [str(x) for x in out.columns]
    return out


def group_months(completed: pd.DataFrame, key: str) -> pd.DataFrame:
    """Completed revenue and sales (lines) per ``key`` group and month (docs/metrics.md, Brands: Emerging brands):
    columns ``key, month, revenue, sales``, groups with a known ``key`` only, sorted by group and month."""
    c = completed.loc[completed[key].notna(), [key, "month", "revenue"]]
    g = c.groupby([key, "month"], observed=True, sort=True)["revenue"]
    return pd.concat([g.sum(), g.size().rename("sales")], axis=1).reset_index() \
        .astype({"revenue": "float64", "sales": "int64"})


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
    return _growth(group_months(completed, key), period_end, key, min_sales)


def _growth(gm: pd.DataFrame, period_end: pd.Timestamp, key: str, min_sales: int) -> pd.DataFrame:
    """:func:`group_growth` from the per-group-month revenue and sales (:func:`group_months`)."""
    start = pd.Timestamp(period_end).to_period("M").to_timestamp()
    months = [(start - pd.DateOffset(months=k)).strftime("%Y-%m") for k in range(5, -1, -1)]
    c = gm[gm["month"].isin(months)]
    rev = c.pivot_table(index=key, columns="month", values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True).reindex(columns=months, fill_value=0.0)
    cnt = c.pivot_table(index=key, columns="month", values="sales", aggfunc="sum", fill_value=0,
                        observed=True).reindex(index=rev.index, columns=months, fill_value=0)
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


def shelf_day_profit(completed: pd.DataFrame | None, lifecycle: pd.DataFrame, keys: str | list[str],
                     min_sales: int = 20, confidence: float = 0.95,
                     sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gross profit per day on the shelf per group (brand, brand x condition...; docs/metrics.md, Brands: Profit
    per shelf day).

    Items are products of lib.data.derived.product_lifecycle; an item's shelf days run
    from its clock start to its first sale, or to period_end when unsold (at
    least 1); its profit is the gross profit of its completed sales (0 when
    unsold). ``profit_per_shelf_day`` = sum profit / sum shelf days, with a
    delta-method interval for a ratio estimator. ``eligible``: at least
    ``min_sales`` sold items. Sorted by profit per shelf day. ``sales``: the groups' :func:`sales_by` table when
    already computed (:func:`sales_by_sql`); with it and a lifecycle ``profit`` column, ``completed`` may be None.
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
    if sales is None:
        sales = sales_by(completed[completed[keys].notna().all(axis=1)], keys)
    m = sales.set_index(keys)
    t = t.join(m[["revenue", "margin_pct"]], how="left")
    t["sold"] = t["sold"].astype("int64")
    t["eligible"] = t["sold"] >= min_sales
    t = t.reset_index()
    for k in keys:
        t[k] = t[k].astype("string")
    return t.sort_values(["eligible", "profit_per_shelf_day"], ascending=[False, False],
                         kind="mergesort").reset_index(drop=True)


def lifecycle_profit(completed: pd.DataFrame | None, lifecycle: pd.DataFrame) -> np.ndarray:
    """Gross profit of each lifecycle product's completed sales (0 when unsold), aligned with ``lifecycle``
    (docs/metrics.md, Brands: Profit per shelf day); the lifecycle's own ``profit`` column when it has one
    (:func:`lifecycle_with_profit`, :func:`brand_items`), so that it is computed once."""
    if "profit" in lifecycle.columns:
        return lifecycle["profit"].to_numpy(dtype="float64")
    c = completed[completed["gross_profit"].notna()]
    codes, uniq = pd.factorize(pd.concat([lifecycle["product_id"], c["product_id"]], ignore_index=True))
    nl = len(lifecycle)
    total = np.bincount(codes[nl:], weights=c["gross_profit"].to_numpy(dtype="float64"), minlength=len(uniq))
    return total[codes[:nl]]


def lifecycle_with_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame) -> pd.DataFrame:
    """``lifecycle`` with each product's ``profit`` (:func:`lifecycle_profit`), so that several
    :func:`shelf_day_profit` calls compute it once."""
    return lifecycle.assign(profit=lifecycle_profit(completed, lifecycle))


# --- the same reductions in SQL over the period's ``lines`` view (issue 20: aggregate in an engine) -------------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def brand_key(eng: Engine) -> str:
    """lib.analytics.products.brand_column over the ``lines`` view: ``brand_name`` when any completed line knows
    it, else ``brand_id``."""
    cols = set(eng.columns(LINES))
    if "brand_name" in cols and bool(eng.query(f"SELECT EXISTS (SELECT 1 FROM {LINES} WHERE brand_name IS NOT NULL) "
                                               "AS k")["k"].iloc[0]):
        return "brand_name"
    if "brand_id" in cols:
        return "brand_id"
    raise ValueError("no brand column (brand_name or brand_id): products.csv is needed")


def completed_count(eng: Engine) -> int:
    """Completed sale lines in the ``lines`` view (docs/data-contract.md, Sale lines)."""
    return int(eng.query(f"SELECT COUNT(*) AS n FROM {LINES} WHERE is_completed")["n"].iloc[0])


def brand_lines(ds: Dataset, period_label: str, compute: Callable[[], pd.DataFrame],
                columns: list[str]) -> pd.DataFrame:
    """The completed sale lines with only ``columns`` (docs/data-contract.md, Sale lines), in the lines' order:
    read from the period's cached ``lines`` file, else ``compute()`` (lib.data.cache.cached_derived)."""
    cols = list(dict.fromkeys(columns + ["is_completed"]))
    path = derived_file(ds, period_label, "lines")
    lines = _read_slim(path, cols) if path is not None and path.exists() else \
        cached_derived(ds, period_label, "lines", compute, columns=cols)
    out = lines.loc[lines["is_completed"].to_numpy(dtype=bool), columns]
    return out.reset_index(drop=True)


def _read_slim(path: Path, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a cached Parquet file in its row order, text columns as categoricals with sorted categories
    (a byte or two a row instead of a string each: groupings and sorts see the same labels in the same order)."""
    schema = pq.read_schema(path)
    cols = [c for c in columns if c in schema.names]
    text = [c for c in cols if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)]
    df = pq.read_table(path, columns=cols, read_dictionary=text).to_pandas()
    for c in text:
        df[c] = df[c].cat.set_categories(sorted(str(x) for x in df[c].cat.categories))
    return df


def brand_items(eng: Engine, ds: Dataset, period_label: str, compute: Callable[[], pd.DataFrame],
                key: str) -> pd.DataFrame:
    """The product lifecycles (lib.data.derived.product_lifecycle) with the columns the brand sections use
    (``key``, ``brand_id``, ``condition``, ``duration_days``, ``sold``, ``cost_basis``, ``units_on_hand``,
    ``clock_start``) and
    each product's ``profit``, the gross profit of its completed sales summed in SQL (0 when unsold; docs/metrics.md,
    Brands: Profit per shelf day), in the lifecycle's order: the same frame as :func:`lifecycle_with_profit`
    on those columns."""
    # built by DuckDB straight into the cache when it is not there (nothing held in pandas but the slim columns)
    path = period_lifecycle_file(ds, period_label, period_from_label(period_label).end) or derived_file(
        ds, period_label, "lifecycle")
    wanted = list(dict.fromkeys([key, "brand_id", "condition", "duration_days", "sold", "cost_basis", "units_on_hand",
                                 "clock_start"]))
    per_product = (f"SELECT product_id, (SUM(gross_profit::DECIMAL(38,10)))::DOUBLE AS profit FROM {LINES} WHERE is_completed AND "
                   "gross_profit IS NOT NULL AND NOT isnan(gross_profit) GROUP BY product_id"
                   if "gross_profit" in eng.columns(LINES) else "SELECT NULL AS product_id, 0.0 AS profit LIMIT 0")
    if path is None or not path.exists():
        lc = cached_derived(ds, period_label, "lifecycle", compute)
    if path is not None and path.exists():
        lc = _read_slim(path, wanted)
        src, params = "read_parquet($path, file_row_number = true)", {"path": str(path)}
    else:  # a dataset held in memory: the lifecycle's order by a position column
        eng.register_frame("brand_item_ids", pd.DataFrame({"product_id": lc["product_id"],
                                                           "file_row_number": np.arange(len(lc))}))
        lc = lc[[c for c in wanted if c in lc.columns]]
        src, params = "brand_item_ids", None
    try:
        p = eng.query(f"""SELECT COALESCE(p.profit, 0.0) AS profit FROM {src} l
                      LEFT JOIN ({per_product}) p USING (product_id) ORDER BY l.file_row_number""", params)
    finally:
        eng.drop("brand_item_ids")
    return lc.assign(profit=p["profit"].to_numpy(dtype="float64"))



def _completed_where(keys: list[str]) -> str:
    return " AND ".join(["is_completed"] + [f"{_q(k)} IS NOT NULL" for k in keys])


def sales_by_sql(eng: Engine, keys: str | list[str]) -> pd.DataFrame:
    """lib.analytics.products.sales_by_known in SQL over the ``lines`` view: revenue, units, sales, gross profit,
    margin (lines of known cost) and revenue share per group of completed lines whose ``keys`` are known
    (docs/metrics.md, Products and inventory); same columns and order."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    gp = _GP if "gross_profit" in eng.columns(LINES) else "NULL::DOUBLE"
    k = ", ".join(_q(x) for x in keys)
    t = eng.query(f"""
    WITH c AS (SELECT {k}, revenue, quantity, {gp} AS gp FROM {LINES} WHERE {_completed_where(keys)})
    SELECT {k}, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS sales, (SUM(gp::DECIMAL(38,10)))::DOUBLE AS gross_profit,
           COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE gp IS NOT NULL))::DOUBLE, 0.0) AS known_revenue
    FROM c GROUP BY {k}""")
    t = t.astype({"revenue": "float64", "units": "int64", "sales": "int64", "gross_profit": "float64",
                  "known_revenue": "float64"})
    t["margin_pct"] = (t["gross_profit"] / t["known_revenue"].where(t["known_revenue"] > 0)) * 100.0
    total = t["revenue"].sum()
    t["revenue_share_pct"] = t["revenue"] / total * 100.0 if total else float("nan")
    t = t.drop(columns="known_revenue")
    return t.sort_values(["revenue"] + keys, ascending=[False] + [True] * len(keys), kind="mergesort") \
        .reset_index(drop=True)


def margin_interval_sql(eng: Engine, key: str, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`margin_interval` in SQL over the ``lines`` view (completed lines of known ``key`` and cost; the
    squared residuals about each group's ratio summed in a second pass, docs/metrics.md, Brands: Brand map)."""
    idx = pd.Index([], dtype="string", name=key)
    if "gross_profit" not in eng.columns(LINES):
        return pd.DataFrame({"margin_low": pd.Series(dtype="float64"), "margin_high": pd.Series(dtype="float64")},
                            index=idx)
    t = eng.query(f"""
    WITH c AS (SELECT {_q(key)} AS g, revenue, {_GP} AS gp FROM {LINES} WHERE {_completed_where([key])}),
         k AS (SELECT * FROM c WHERE gp IS NOT NULL),
         t AS (SELECT g, (SUM(gp::DECIMAL(38,10)))::DOUBLE / CASE WHEN (SUM(revenue::DECIMAL(38,10)))::DOUBLE > 0 THEN (SUM(revenue::DECIMAL(38,10)))::DOUBLE END AS m, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS rev,
                      COUNT(*) AS n FROM k GROUP BY g)
    SELECT t.g, t.m, t.rev, t.n, COALESCE((SUM(((k.gp - t.m * k.revenue) ** 2)::DECIMAL(38,10)))::DOUBLE, 0.0) AS ss
    FROM t JOIN k USING (g) GROUP BY t.g, t.m, t.rev, t.n""")
    t = t.astype({"m": "float64", "rev": "float64", "n": "float64", "ss": "float64"}).set_index("g")
    rev = t["rev"].where(t["rev"] > 0)
    se = np.sqrt(t["ss"] * t["n"] / (t["n"] - 1).where(t["n"] > 1)) / rev
    z = z_critical(confidence)
    out = pd.DataFrame({"margin_low": (t["m"] - z * se) * 100, "margin_high": (t["m"] + z * se) * 100})
    out.index = out.index.astype("string").rename(key)
    return out.sort_index()


def group_months_sql(eng: Engine, key: str) -> pd.DataFrame:
    """:func:`group_months` in SQL over the ``lines`` view: completed revenue and sales per ``key`` group and
    month (docs/metrics.md, Brands: Emerging brands)."""
    t = eng.query(f"""SELECT {_q(key)}, month, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, COUNT(*) AS sales FROM {LINES}
                      WHERE {_completed_where([key])} GROUP BY ALL""")
    t = t.astype({"revenue": "float64", "sales": "int64"})
    return t.sort_values([key, "month"], kind="mergesort").reset_index(drop=True)


def brand_performance_sql(eng: Engine, lifecycle: pd.DataFrame | None, min_sales: int = 20) -> pd.DataFrame:
    """:func:`brand_performance` with the per-brand sales and margin intervals summed in SQL over the ``lines``
    view (:func:`sales_by_sql`, :func:`margin_interval_sql`); ``lifecycle`` as there (:func:`brand_items` will do)."""
    if min_sales < 1:
        raise ValueError(f"min_sales must be >= 1, got {min_sales}")
    bcol = brand_key(eng)
    perf = sales_by_sql(eng, bcol).rename(columns={bcol: "brand"})
    mi = margin_interval_sql(eng, bcol) if lifecycle is not None else None
    return _performance(perf, mi, lifecycle, min_sales, bcol)


def top3_share_interval_sql(eng: Engine, perf: pd.DataFrame, confidence: float = 0.95) -> tuple[float, float]:
    """:func:`top3_share_interval` from per-brand sums in SQL over the ``lines`` view: with S the revenue and
    Q the sum of squared line revenues of the top-3 brands (``t``) and of the rest (``o``), sum (r_i (I_i -
    share))^2 = (1 - share)^2 Q_t + share^2 Q_o (docs/metrics.md, Brands)."""
    bcol = brand_key(eng)
    top = list(perf.sort_values("revenue", ascending=False)["brand"].head(3).astype(str))
    r = eng.query(f"""
    WITH c AS (SELECT revenue, COALESCE(CAST({_q(bcol)} AS VARCHAR) IN (SELECT UNNEST($top::VARCHAR[])), false) AS i
               FROM {LINES} WHERE is_completed)
    SELECT COUNT(*) AS n, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS tot, COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE i))::DOUBLE, 0.0) AS s_top,
           COALESCE((SUM((revenue * revenue)::DECIMAL(38,10)) FILTER (WHERE i))::DOUBLE, 0.0) AS q_top,
           COALESCE((SUM((revenue * revenue)::DECIMAL(38,10)) FILTER (WHERE NOT i))::DOUBLE, 0.0) AS q_other FROM c""", {"top": top}).iloc[0]
    n, tot = int(r["n"]), float(r["tot"]) if pd.notna(r["tot"]) else 0.0
    if tot <= 0 or n < 2:
        return (float("nan"), float("nan"))
    share = float(r["s_top"]) / tot
    se = np.sqrt(n / (n - 1) * ((1 - share) ** 2 * float(r["q_top"]) + share ** 2 * float(r["q_other"]))) / tot
    z = z_critical(confidence)
    return (float(max(0.0, share - z * se) * 100), float(min(1.0, share + z * se) * 100))


def brand_monthly_revenue_sql(eng: Engine, months: int = 12, top: int = 6, gm: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`brand_monthly_revenue` from the per-brand-month revenue summed in SQL (:func:`group_months_sql`;
    ``gm`` when already read)."""
    bcol = brand_key(eng)
    return _monthly(group_months_sql(eng, bcol) if gm is None else gm, bcol, months, top)


def brand_growth_sql(eng: Engine, period: Period, min_sales: int = 10, gm: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`brand_growth` from the per-brand-month revenue and sales summed in SQL (:func:`group_months_sql`;
    ``gm`` when already read)."""
    bcol = brand_key(eng)
    gm = group_months_sql(eng, bcol) if gm is None else gm
    return _growth(gm, period.end, bcol, min_sales).rename(columns={bcol: "brand"})
