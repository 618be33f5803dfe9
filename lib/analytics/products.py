"""Product metrics: top sellers, days to sell (Kaplan-Meier), sell-through and profit per item."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics import survival
from lib.data.periods import Period

__all__ = ["CONDITIONS", "margin_difference_test", "brand_column", "sales_by", "sales_by_known", "top_products",
           "top_category_by_revenue", "top_category_by_margin", "days_to_sell_table", "condition_logrank",
           "days_to_sell_metrics", "units_sold_period", "units_on_hand", "sell_through_rate_pct_period",
           "item_profit", "loss_makers"]

#: resale grades reported as metrics (median_days_to_sell_S/_A/_B); other grades are shown as found
CONDITIONS = ("S", "A", "B")


def _need(df: pd.DataFrame, cols: list[str], what: str) -> None:
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise ValueError(f"{what} is missing column(s) {', '.join(miss)} (needs products and inventory)")


def brand_column(df: pd.DataFrame) -> str:
    """The column naming a brand: ``brand_name`` when known, else ``brand_id``."""
    if "brand_name" in df.columns and df["brand_name"].notna().any():
        return "brand_name"
    if "brand_id" in df.columns:
        return "brand_id"
    raise ValueError("no brand column (brand_name or brand_id): products.csv is needed")


def sales_by(completed: pd.DataFrame, keys: str | list[str]) -> pd.DataFrame:
    """Revenue, units, sales, gross profit, margin and revenue share per group of completed lines.

    Margin (docs/metrics.md, Products and inventory: gross profit / revenue) uses only lines whose cost basis
    is known: ``margin_pct = gross_profit / revenue of those lines x 100``.
    Sorted by revenue, highest first.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    _need(completed, keys + ["revenue", "quantity"], "completed sale lines")
    c = completed[keys + ["revenue", "quantity"]].copy()
    has_gp = "gross_profit" in completed.columns
    gp = completed["gross_profit"] if has_gp else pd.Series(float("nan"), index=completed.index)
    c["gross_profit"] = gp
    c["known_revenue"] = completed["revenue"].where(gp.notna(), 0.0)
    c["known"] = gp.notna().astype("int64")
    g = c.groupby(keys, observed=True, dropna=False, sort=False)
    out = g.agg(revenue=("revenue", "sum"), units=("quantity", "sum"), sales=("revenue", "size"),
                gross_profit=("gross_profit", "sum"), known=("known", "sum"),
                known_revenue=("known_revenue", "sum")).reset_index()
    out["gross_profit"] = out["gross_profit"].where(out["known"] > 0)
    out = out.drop(columns="known")
    out["margin_pct"] = (out["gross_profit"] / out["known_revenue"].where(out["known_revenue"] > 0)) * 100.0
    total = out["revenue"].sum()
    out["revenue_share_pct"] = out["revenue"] / total * 100.0 if total else float("nan")
    out = out.drop(columns="known_revenue")
    return out.sort_values(["revenue"] + keys, ascending=[False] + [True] * len(keys), kind="mergesort") \
        .reset_index(drop=True)


def sales_by_known(completed: pd.DataFrame, keys: str | list[str]) -> pd.DataFrame:
    """:func:`sales_by` over the lines whose ``keys`` are all known (docs/metrics.md, Products and inventory)."""
    cols = [keys] if isinstance(keys, str) else list(keys)
    return sales_by(completed[completed[cols].notna().all(axis=1)], keys)


def top_products(completed: pd.DataFrame, by: str = "revenue", n: int = 10,
                 catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``n`` products with the highest revenue (or units) among completed lines (docs/metrics.md, Products
    and inventory).

    ``catalog`` (products.csv) adds ``product_name`` when given.
    """
    if by not in ("revenue", "units"):
        raise ValueError(f"by must be 'revenue' or 'units', got {by!r}")
    attrs = [c for c in ["product_name", "brand_name", "category", "condition"] if c in completed.columns]
    codes, uniq = pd.factorize(completed["product_id"], use_na_sentinel=True)
    ok = codes >= 0
    rev = np.bincount(codes[ok], weights=completed["revenue"].to_numpy(dtype="float64")[ok], minlength=len(uniq))
    units = np.bincount(codes[ok], weights=completed["quantity"].to_numpy(dtype="float64")[ok], minlength=len(uniq))
    key = rev if by == "revenue" else units
    # candidates: everything tied with the n-th value, then an exact ordering on the small set
    cut = np.sort(key)[-n] if len(key) >= n else -np.inf
    # the candidates' lines picked by their integer codes, with only the columns used: the ids are read once
    cols = ["product_id", "revenue", "quantity"] + (["gross_profit"] if "gross_profit" in completed.columns else [])
    sub = completed.loc[np.isin(codes, np.flatnonzero(key >= cut)), cols + attrs]
    t = sales_by(sub[cols], "product_id")
    t = t.sort_values([by, "revenue", "product_id"], ascending=[False, False, True], kind="mergesort").head(n)
    a = sub.loc[sub["product_id"].isin(t["product_id"]), ["product_id"] + attrs].drop_duplicates("product_id")
    t = t.merge(a, on="product_id", how="left")
    if catalog is not None and "product_name" in catalog.columns and "product_name" not in attrs:
        cat = catalog.loc[catalog["product_id"].isin(t["product_id"]), ["product_id", "product_name"]]
        t = t.merge(cat.drop_duplicates("product_id"), on="product_id", how="left")
        attrs = ["product_name"] + attrs
    return t[["product_id"] + attrs + [c for c in t.columns if c not in attrs and c != "product_id"
                                       and c != "revenue_share_pct"]].reset_index(drop=True)


def top_category_by_revenue(completed: pd.DataFrame) -> str | None:
    """``top_category_by_revenue`` (docs/metrics.md, Products and inventory): category with the highest completed revenue (history)."""
    if "category" not in completed.columns or completed["category"].isna().all():
        return None
    t = sales_by(completed[completed["category"].notna()], "category")
    return None if t.empty else str(t.iloc[0]["category"])


def top_category_by_margin(completed: pd.DataFrame, min_sales: int = 20) -> str | None:
    """``top_category_by_margin`` (docs/metrics.md, Products and inventory): highest gross margin among categories with
    at least ``min_sales`` completed sales (the same volume rule as brands); None if none qualify."""
    if "category" not in completed.columns or "gross_profit" not in completed.columns:
        return None
    t = sales_by(completed[completed["category"].notna()], "category")
    t = t[(t["sales"] >= min_sales) & t["margin_pct"].notna()]
    if t.empty:
        return None
    return str(t.sort_values(["margin_pct", "category"], ascending=[False, True]).iloc[0]["category"])


def _condition_order(values) -> list[str]:
    vals = [str(v) for v in pd.unique(pd.Series(values).dropna())]
    return [c for c in CONDITIONS if c in vals] + sorted(v for v in vals if v not in CONDITIONS)


def days_to_sell_table(lifecycle: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """KM days to sell, overall (``All``) and per condition (docs/metrics.md, Products and inventory:
    ``median_days_to_sell*``).

    Uses lib.data.derived.product_lifecycle: ``duration_days`` to the first completed
    sale, unsold products censored at period_end. Columns ``condition, n, sold,
    censored, km_median, km_low, km_high, naive_median_sold``.
    """
    _need(lifecycle, ["duration_days", "sold"], "product lifecycle")
    cols = ["condition", "n", "sold", "censored", "km_median", "km_low", "km_high", "naive_median_sold"]
    allrow = pd.DataFrame([{"condition": "All", **survival.km_summary(lifecycle["duration_days"],
                                                                     lifecycle["sold"], confidence)}])
    if "condition" not in lifecycle.columns or lifecycle["condition"].isna().all():
        return allrow[cols]
    by = survival.km_by_group(lifecycle["duration_days"], lifecycle["sold"], lifecycle["condition"],
                              confidence=confidence).rename(columns={"group": "condition"})
    order = _condition_order(by["condition"])
    by = by.set_index("condition").loc[order].reset_index()
    by["condition"] = by["condition"].astype(object)
    t = pd.concat([allrow[cols], by[cols]], ignore_index=True)
    for c in ["km_median", "km_low", "km_high"]:
        t[c] = t[c].astype(object).where(t[c].notna(), None)
    return t


def condition_logrank(lifecycle: pd.DataFrame, conditions: tuple[str, ...] = CONDITIONS) -> dict | None:
    """Log-rank test of equal days-to-sell curves across conditions S/A/B; None with fewer than 2 groups
    (docs/metrics.md, Products and inventory: Days to sell)."""
    if "condition" not in lifecycle.columns:
        return None
    sub = lifecycle[lifecycle["condition"].isin(list(conditions))]
    if sub["condition"].nunique() < 2 or not sub["sold"].any():
        return None
    return survival.logrank_test(sub["duration_days"], sub["sold"], sub["condition"])


def days_to_sell_metrics(table: pd.DataFrame) -> dict[str, int | None]:
    """``median_days_to_sell`` and ``median_days_to_sell_S/_A/_B`` from :func:`days_to_sell_table`
    (docs/metrics.md, Products and inventory)."""
    med = dict(zip(table["condition"], table["km_median"], strict=True))
    out = {"median_days_to_sell": med.get("All")}
    for c in CONDITIONS:
        out[f"median_days_to_sell_{c}"] = med.get(c)
    return {k: (None if v is None or pd.isna(v) else int(v)) for k, v in out.items()}


def units_sold_period(completed: pd.DataFrame, period: Period) -> int:
    """Units of the completed lines sold in ``period`` (docs/metrics.md, Products and inventory)."""
    return int(completed.loc[period.contains(completed["date_sold"]), "quantity"].sum())


def units_on_hand(lifecycle: pd.DataFrame) -> int:
    """Units on hand at period_end over all products of the lifecycle (docs/metrics.md, Products and inventory)."""
    _need(lifecycle, ["units_on_hand"], "product lifecycle")
    return int(lifecycle["units_on_hand"].sum())


def sell_through_rate_pct_period(completed: pd.DataFrame, lifecycle: pd.DataFrame, period: Period) -> float | None:
    """``sell_through_rate_pct_period`` (docs/metrics.md, Products and inventory): units sold in the period /
    (units sold in the period + units on hand at period_end) x 100; None when both are zero."""
    _need(lifecycle, ["units_on_hand"], "product lifecycle")
    sold = float(completed.loc[period.contains(completed["date_sold"]), "quantity"].sum())
    on_hand = float(lifecycle["units_on_hand"].sum())
    return None if sold + on_hand == 0 else sold / (sold + on_hand) * 100.0


def item_profit(completed: pd.DataFrame) -> pd.DataFrame:
    """Gross profit and margin per completed sale line (docs/metrics.md, Products and inventory: revenue - cost
    basis x quantity - fees - shipping_cost), from lib.data.derived.sale_lines; lines without a cost basis dropped."""
    _need(completed, ["gross_profit", "cogs", "revenue"], "completed sale lines")
    cols = [c for c in ["sale_id", "product_id", "product_name", "brand_name", "category", "condition",
                        "channel", "date_sold", "sale_price", "quantity", "revenue", "cogs", "fees",
                        "shipping_cost", "gross_profit", "days_to_sell"] if c in completed.columns]
    t = completed.loc[completed["gross_profit"].notna(), cols].copy()
    t["margin_pct"] = t["gross_profit"] / t["revenue"].where(t["revenue"] > 0) * 100.0
    return t.reset_index(drop=True)


def loss_makers(items: pd.DataFrame) -> pd.DataFrame:
    """Sale lines with negative gross profit after fees and shipping, worst first (docs/metrics.md, Products and
    inventory)."""
    t = items[items["gross_profit"] < 0]
    return t.sort_values(["gross_profit", "sale_id"], kind="mergesort").reset_index(drop=True)


def margin_difference_test(items: pd.DataFrame, key: str = "category", min_n: int = 5) -> dict | None:
    """Kruskal-Wallis test that per-item margins have the same distribution in every ``key`` group
    (groups with at least ``min_n`` items; docs/metrics.md, Products and inventory); None with fewer than two
    such groups."""
    t = items[items["margin_pct"].notna() & items[key].notna()] if key in items.columns else items.iloc[0:0]
    groups = [g.to_numpy(dtype="float64") for _, g in t.groupby(key, observed=True)["margin_pct"]
              if len(g) >= min_n]
    if len(groups) < 2:
        return None
    r = stats.kruskal(*groups)
    return {"test": "Kruskal-Wallis", "statistic": float(r.statistic), "p_value": float(r.pvalue),
            "groups": len(groups)}


