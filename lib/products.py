"""Product metrics: top sellers, days to sell (Kaplan-Meier), sell-through and profit per item."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import fmt, survival
from .periods import Period

__all__ = [
    "CONDITIONS", "p_text", "margin_difference_test", "brand_column", "sales_by", "top_products", "top_category_by_revenue",
    "top_category_by_margin", "top_sellers_sentence", "days_to_sell_table", "condition_logrank",
    "days_to_sell_metrics", "days_to_sell_sentence", "sell_through_rate_pct_period",
    "sell_through_sentence", "item_profit", "loss_makers", "profitability_sentence",
    "top_products_sentence", "top_units_sentence", "top_sellers_actions", "days_to_sell_actions", "profitability_actions",
]

#: resale grades reported as metrics (median_days_to_sell_S/_A/_B); other grades are shown as found
CONDITIONS = ("S", "A", "B")


def _need(df: pd.DataFrame, cols: list[str], what: str) -> None:
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise ValueError(f"{what} is missing column(s) {', '.join(miss)} (needs products and inventory)")


def p_text(p: float | None) -> str:
    """A p-value for the owner: ``p < 0.001`` or ``p = 0.042``."""
    if p is None or pd.isna(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def brand_column(df: pd.DataFrame) -> str:
    """The column naming a brand: ``brand_name`` when known, else ``brand_id``."""
    if "brand_name" in df.columns and df["brand_name"].notna().any():
        return "brand_name"
    if "brand_id" in df.columns:
        return "brand_id"
    raise ValueError("no brand column (brand_name or brand_id): products.csv is needed")


def sales_by(completed: pd.DataFrame, keys: str | list[str]) -> pd.DataFrame:
    """Revenue, units, sales, gross profit, margin and revenue share per group of completed lines.

    Margin (metrics.md: gross profit / revenue) uses only lines whose cost basis
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


def top_products(completed: pd.DataFrame, by: str = "revenue", n: int = 10,
                 catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``n`` products with the highest revenue (or units) among completed lines.

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
    ids = pd.Index(uniq)[key >= cut]
    t = sales_by(completed[completed["product_id"].isin(ids)], "product_id")
    t = t.sort_values([by, "revenue", "product_id"], ascending=[False, False, True], kind="mergesort").head(n)
    a = completed.loc[completed["product_id"].isin(t["product_id"]), ["product_id"] + attrs] \
        .drop_duplicates("product_id")
    t = t.merge(a, on="product_id", how="left")
    if catalog is not None and "product_name" in catalog.columns and "product_name" not in attrs:
        cat = catalog.loc[catalog["product_id"].isin(t["product_id"]), ["product_id", "product_name"]]
        t = t.merge(cat.drop_duplicates("product_id"), on="product_id", how="left")
        attrs = ["product_name"] + attrs
    return t[["product_id"] + attrs + [c for c in t.columns if c not in attrs and c != "product_id"
                                       and c != "revenue_share_pct"]].reset_index(drop=True)


def top_category_by_revenue(completed: pd.DataFrame) -> str | None:
    """``top_category_by_revenue`` (metrics.md): category with the highest completed revenue (history)."""
    if "category" not in completed.columns or completed["category"].isna().all():
        return None
    t = sales_by(completed[completed["category"].notna()], "category")
    return None if t.empty else str(t.iloc[0]["category"])


def top_category_by_margin(completed: pd.DataFrame, min_sales: int = 20) -> str | None:
    """``top_category_by_margin`` (metrics.md): highest gross margin among categories with
    at least ``min_sales`` completed sales (the same volume rule as brands); None if none qualify."""
    if "category" not in completed.columns or "gross_profit" not in completed.columns:
        return None
    t = sales_by(completed[completed["category"].notna()], "category")
    t = t[(t["sales"] >= min_sales) & t["margin_pct"].notna()]
    if t.empty:
        return None
    return str(t.sort_values(["margin_pct", "category"], ascending=[False, True]).iloc[0]["category"])


def top_sellers_sentence(by_category: pd.DataFrame, by_brand: pd.DataFrame, currency: str = "USD") -> str:
    """One sentence on what sells: top category and brand with their revenue shares."""
    if by_category.empty:
        return "No completed sales with a category yet."
    c = by_category.iloc[0]
    s = (f"{c['category']} is the top category with {fmt.money(c['revenue'], currency)} "
         f"({fmt.pct(c['revenue_share_pct'])} of revenue, {fmt.num(c['units'])} units)")
    if len(by_category) > 1:
        c2 = by_category.iloc[1]
        s += f", ahead of {c2['category']} ({fmt.pct(c2['revenue_share_pct'])})"
    if not by_brand.empty:
        b = by_brand.iloc[0]
        bcol = "brand_name" if "brand_name" in by_brand.columns else "brand_id"
        s += f"; the top brand is {b[bcol]} with {fmt.pct(b['revenue_share_pct'])} of revenue"
    return s + "."


def _condition_order(values) -> list[str]:
    vals = [str(v) for v in pd.unique(pd.Series(values).dropna())]
    return [c for c in CONDITIONS if c in vals] + sorted(v for v in vals if v not in CONDITIONS)


def days_to_sell_table(lifecycle: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """KM days to sell, overall (``All``) and per condition (metrics.md, median_days_to_sell*).

    Uses lib.derived.product_lifecycle: ``duration_days`` to the first completed
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
    """Log-rank test of equal days-to-sell curves across conditions S/A/B; None with fewer than 2 groups."""
    if "condition" not in lifecycle.columns:
        return None
    sub = lifecycle[lifecycle["condition"].isin(list(conditions))]
    if sub["condition"].nunique() < 2 or not sub["sold"].any():
        return None
    return survival.logrank_test(sub["duration_days"], sub["sold"], sub["condition"])


def days_to_sell_metrics(table: pd.DataFrame) -> dict[str, int | None]:
    """``median_days_to_sell`` and ``median_days_to_sell_S/_A/_B`` from :func:`days_to_sell_table`."""
    med = dict(zip(table["condition"], table["km_median"], strict=True))
    out = {"median_days_to_sell": med.get("All")}
    for c in CONDITIONS:
        out[f"median_days_to_sell_{c}"] = med.get(c)
    return {k: (None if v is None or pd.isna(v) else int(v)) for k, v in out.items()}


def _days_ci(row) -> str:
    lo = "?" if row["km_low"] is None or pd.isna(row["km_low"]) else f"{int(row['km_low'])}"
    hi = "not reached" if row["km_high"] is None or pd.isna(row["km_high"]) else f"{int(row['km_high'])}"
    return f"95% CI {lo} to {hi} days"


def days_to_sell_sentence(table: pd.DataFrame, logrank: dict | None) -> list[str]:
    """Insight sentences: KM vs naive median (and why they differ), conditions, the log-rank test."""
    out = []
    a = table[table["condition"] == "All"].iloc[0]
    if a["km_median"] is None or pd.isna(a["km_median"]):
        out.append(f"Fewer than half of the {fmt.num(a['n'])} items have sold so far, so the typical "
                   "time to sell cannot be estimated yet (the Kaplan-Meier curve never reaches 50%).")
    else:
        naive = a["naive_median_sold"]
        s = (f"Half of all {fmt.num(a['n'])} items sell within {fmt.days(a['km_median'])} of listing "
             f"(Kaplan-Meier median, {_days_ci(a)})")
        if naive is None or pd.isna(naive):
            out.append(s + ".")
        else:
            gap = float(a["km_median"]) - float(naive)
            if gap > 0:
                why = (f"the simple median of sold items only ({fmt.days(naive)}) is {fmt.days(gap)} shorter "
                       f"because it ignores the {fmt.num(a['censored'])} items still on the shelf, which "
                       "have already waited and will sell later (if at all)")
            elif gap < 0:
                why = (f"the simple median of sold items only is {fmt.days(naive)}, longer than the KM "
                       f"median, because many of the {fmt.num(a['censored'])} unsold items were listed "
                       "recently; the KM estimate counts them while they are still young")
            else:
                why = (f"the simple median of sold items is the same ({fmt.days(naive)}): the "
                       f"{fmt.num(a['censored'])} unsold items do not shift the middle")
            out.append(f"{s}; {why}.")
    conds = table[table["condition"].isin(CONDITIONS)]
    if len(conds) >= 2:
        parts = []
        for _, r in conds.iterrows():
            m = "not reached" if r["km_median"] is None or pd.isna(r["km_median"]) else fmt.days(r["km_median"])
            parts.append(f"{r['condition']} {m}")
        known = conds[conds["km_median"].notna()]
        s = "Median days to sell by condition: " + ", ".join(parts)
        if len(known) >= 2:
            fast = known.loc[known["km_median"].astype(float).idxmin()]
            slow = known.loc[known["km_median"].astype(float).idxmax()]
            s += f" ({slow['condition']} is slowest, {fast['condition']} fastest)"
        out.append(s + ".")
    if logrank is not None:
        p = logrank["p_value"]
        verdict = "a real difference" if p < 0.05 else "no difference beyond chance"
        out.append(f"Log-rank test across conditions: chi-square {logrank['statistic']:.1f} with "
                   f"{logrank['df']} df, {p_text(p)}, {verdict}.")
    return out


def sell_through_rate_pct_period(completed: pd.DataFrame, lifecycle: pd.DataFrame, period: Period) -> float | None:
    """``sell_through_rate_pct_period`` (metrics.md): units sold in the period /
    (units sold in the period + units on hand at period_end) x 100; None when both are zero."""
    _need(lifecycle, ["units_on_hand"], "product lifecycle")
    sold = float(completed.loc[period.contains(completed["date_sold"]), "quantity"].sum())
    on_hand = float(lifecycle["units_on_hand"].sum())
    return None if sold + on_hand == 0 else sold / (sold + on_hand) * 100.0


def sell_through_sentence(rate: float | None, sold_units: int, on_hand_units: int, label: str) -> str:
    """Sell-through of the period in words."""
    if rate is None:
        return f"No units were sold in {label} and none are on hand: sell-through is not defined."
    return (f"Sell-through in {label}: {fmt.num(sold_units)} units sold against {fmt.num(on_hand_units)} "
            f"still on hand at month end, a rate of {fmt.pct(rate)}.")


def item_profit(completed: pd.DataFrame) -> pd.DataFrame:
    """Gross profit and margin per completed sale line (metrics.md: revenue - cost basis x
    quantity - fees - shipping_cost), from lib.derived.sale_lines; lines without a cost basis dropped."""
    _need(completed, ["gross_profit", "cogs", "revenue"], "completed sale lines")
    cols = [c for c in ["sale_id", "product_id", "product_name", "brand_name", "category", "condition",
                        "channel", "date_sold", "sale_price", "quantity", "revenue", "cogs", "fees",
                        "shipping_cost", "gross_profit", "days_to_sell"] if c in completed.columns]
    t = completed.loc[completed["gross_profit"].notna(), cols].copy()
    t["margin_pct"] = t["gross_profit"] / t["revenue"].where(t["revenue"] > 0) * 100.0
    return t.reset_index(drop=True)


def loss_makers(items: pd.DataFrame) -> pd.DataFrame:
    """Sale lines with negative gross profit after fees and shipping, worst first."""
    t = items[items["gross_profit"] < 0]
    return t.sort_values(["gross_profit", "sale_id"], kind="mergesort").reset_index(drop=True)


def margin_difference_test(items: pd.DataFrame, key: str = "category", min_n: int = 5) -> dict | None:
    """Kruskal-Wallis test that per-item margins have the same distribution in every ``key`` group
    (groups with at least ``min_n`` items); None with fewer than two such groups."""
    t = items[items["margin_pct"].notna() & items[key].notna()] if key in items.columns else items.iloc[0:0]
    groups = [g.to_numpy(dtype="float64") for _, g in t.groupby(key, observed=True)["margin_pct"]
              if len(g) >= min_n]
    if len(groups) < 2:
        return None
    r = stats.kruskal(*groups)
    return {"test": "Kruskal-Wallis", "statistic": float(r.statistic), "p_value": float(r.pvalue),
            "groups": len(groups)}


def profitability_sentence(items: pd.DataFrame, losses: pd.DataFrame, by_cat: pd.DataFrame,
                           currency: str = "USD", test: dict | None = None) -> list[str]:
    """Insight sentences on profit per item: median margin, loss-makers and their cause, best category."""
    if items.empty:
        return ["No completed sale has a known cost basis, so profit per item cannot be computed."]
    out = [f"The median item earns {fmt.money(items['gross_profit'].median(), currency)} gross profit, "
           f"a median margin of {fmt.pct(items['margin_pct'].median())} after fees and shipping "
           f"({fmt.num(len(items))} sales)."]
    if losses.empty:
        out.append("No sale lost money after fees and shipping.")
    else:
        before = losses["revenue"] - losses["cogs"]
        by_fees = int((before >= 0).sum())
        out.append(f"{fmt.num(len(losses))} sales ({fmt.pct(len(losses) / len(items) * 100)}) lost money, "
                   f"{fmt.money(-losses['gross_profit'].sum(), currency)} in total; {fmt.num(by_fees)} of them "
                   "were priced above cost and only turned negative through fees and shipping.")
    q = by_cat[by_cat["margin_pct"].notna()]
    if len(q) >= 2:
        best = q.loc[q["margin_pct"].idxmax()]
        worst = q.loc[q["margin_pct"].idxmin()]
        s = (f"{best['category']} has the best margin ({fmt.pct(best['margin_pct'])}), "
             f"{worst['category']} the lowest ({fmt.pct(worst['margin_pct'])})")
        if test is not None:
            real = "a real difference" if test["p_value"] < 0.05 else "a gap within chance"
            s += (f"; {test['test']} test on per-item margins across {test['groups']} categories: "
                  f"{p_text(test['p_value'])}, {real}")
        out.append(s + ".")
    return out


def top_products_sentence(top: pd.DataFrame, total_revenue: float, currency: str = "USD") -> str:
    """How concentrated revenue is in single items (luxury resale items are mostly one-offs)."""
    if top.empty or not total_revenue:
        return "No product revenue yet."
    share = top["revenue"].sum() / total_revenue * 100
    best = top.iloc[0]
    name = best.get("product_name", best["product_id"])
    return (f"The top {len(top)} products bring {fmt.pct(share)} of revenue; the best single item, {name} "
            f"({best['product_id']}), sold for {fmt.money(best['revenue'], currency)}.")


def top_sellers_actions(by_category: pd.DataFrame, by_brand: pd.DataFrame,
                        top_margin_category: str | None) -> tuple[str, list[str]]:
    """What the top-seller section means and what to do, from the computed tables."""
    if by_category.empty:
        return "There are no completed sales to rank yet.", ["Check that the sales export is complete."]
    top = by_category.iloc[0]
    meaning = (f"{top['category']} carries the business ({fmt.pct(top['revenue_share_pct'])} of revenue).")
    acts = [f"Keep {top['category']} stock deep: it is where most of the money comes from."]
    if top_margin_category and top_margin_category != top["category"]:
        m = by_category[by_category["category"] == top_margin_category].iloc[0]
        acts.append(f"{top_margin_category} earns the best margin ({fmt.pct(m['margin_pct'])}) but only "
                    f"{fmt.pct(m['revenue_share_pct'])} of revenue: feature it more in shows.")
    elif top_margin_category:
        acts.append(f"{top_margin_category} also has the best margin: buy it first when sourcing.")
    if not by_brand.empty:
        bcol = "brand_name" if "brand_name" in by_brand.columns else "brand_id"
        acts.append(f"See the Brands report before buying more {by_brand.iloc[0][bcol]}: volume is not margin.")
    return meaning, acts


def days_to_sell_actions(table: pd.DataFrame, rate: float | None) -> tuple[str, list[str]]:
    """What the days-to-sell section means and what to do."""
    conds = table[table["condition"].isin(CONDITIONS) & table["km_median"].notna()]
    a = table[table["condition"] == "All"].iloc[0]
    if a["km_median"] is None or pd.isna(a["km_median"]):
        meaning = "Most stock has not sold yet, so time on the shelf is the main cost."
    else:
        meaning = f"A typical item waits {fmt.days(a['km_median'])} for a buyer; cash is tied up that long."
    acts = []
    if len(conds) >= 2:
        slow = conds.loc[conds["km_median"].astype(float).idxmax()]
        fast = conds.loc[conds["km_median"].astype(float).idxmin()]
        acts.append(f"Price condition {slow['condition']} items to move: they take {fmt.days(slow['km_median'])} "
                    f"against {fmt.days(fast['km_median'])} for condition {fast['condition']}.")
        acts.append(f"When buying, count on about {fmt.days(slow['km_median'])} of shelf time for condition "
                    f"{slow['condition']} and pay less for it.")
    if rate is not None:
        acts.append(f"Track sell-through monthly: {fmt.pct(rate)} this month; a falling rate means stock is "
                    "piling up faster than it sells.")
    return meaning, acts


def profitability_actions(losses: pd.DataFrame, by_cat_cond: pd.DataFrame,
                          currency: str = "USD") -> tuple[str, list[str]]:
    """What the profitability section means and what to do."""
    meaning = "Margin is what is left after cost, platform fees and shipping; price and channel decide it."
    acts = []
    if not losses.empty:
        if "channel" in losses.columns:
            ch = losses["channel"].astype("string").value_counts()
            acts.append(f"Most loss-making sales went through {ch.index[0]} ({fmt.num(ch.iloc[0])} of "
                        f"{fmt.num(len(losses))}): set a minimum price there that covers cost, fees and shipping.")
        acts.append(f"Review the {fmt.num(len(losses))} loss-making sales below; "
                    f"together they lost {fmt.money(-losses['gross_profit'].sum(), currency)}.")
    q = by_cat_cond[by_cat_cond["margin_pct"].notna() & (by_cat_cond["sales"] >= 20)]
    if not q.empty:
        best = q.loc[q["margin_pct"].idxmax()]
        worst = q.loc[q["margin_pct"].idxmin()]
        acts.append(f"Buy more {best['category']} in condition {best['condition']} "
                    f"({fmt.pct(best['margin_pct'])} margin); be careful with {worst['category']} in condition "
                    f"{worst['condition']} ({fmt.pct(worst['margin_pct'])}).")
    return meaning, acts or ["No action needed: no sale lost money."]


def top_units_sentence(top_units: pd.DataFrame) -> str:
    """Whether any product sells in volume, or items are one-offs (units of the top seller by units)."""
    if top_units.empty:
        return "No units sold yet."
    most = int(top_units["units"].max())
    if most <= 2:
        return (f"No product sold more than {most} unit{'s' if most != 1 else ''}: items are one-offs, so what "
                "sells is a category, brand and condition, not a single product.")
    return f"The best-selling product by units sold {most} units."
