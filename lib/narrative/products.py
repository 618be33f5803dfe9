"""The owner's sentences and actions about what sells, how fast and at what margin (docs/metrics.md, Products and inventory)."""

from __future__ import annotations

import pandas as pd

from lib.analytics.products import CONDITIONS
from lib.narrative import fmt
from lib.narrative.verdicts import verdict_lines

__all__ = ["p_text", "missing_tables_sentence", "product_labels", "top_sellers_sentence", "top_margin_category_sentence",
           "condition_sales_sentence", "costs_known",
           "days_to_sell_sentence", "sell_through_sentence", "profitability_sentence", "top_products_sentence",
           "top_units_sentence", "top_sellers_actions", "days_to_sell_actions", "profitability_actions",
           "DAYS_TITLES", "days_to_sell_method", "profitability_method"]

#: column titles of the days-to-sell table (lib.analytics.products.days_to_sell_table) on the page
DAYS_TITLES = {"n": "Items", "sold": "Sold", "censored": "Still unsold", "km_median": "Median days to sell",
               "km_low": "Low end", "km_high": "High end", "naive_median_sold": "Median of the sold items only"}


def p_text(p: float | None) -> str:
    """A p-value for the owner: ``p < 0.001`` or ``p = 0.042`` (:func:`lib.narrative.fmt.p_value`); any missing
    value (None, NaN, ``pd.NA``) is ``p not available``."""
    return fmt.p_value(None if p is None or pd.isna(p) else float(p))


def missing_tables_sentence(missing: list[str]) -> str:
    """Which input tables the report lacks, so that some sections are skipped ("" when none)."""
    return f"Some sections are skipped: the data has no {' or '.join(missing)} table." if missing else ""


def product_labels(top: pd.DataFrame) -> pd.Series:
    """A label per product for charts: its name (first 30 characters) and id, or the id alone without names."""
    if "product_name" not in top.columns:
        return top["product_id"].astype(str)
    return top["product_name"].astype(str).str.slice(0, 30) + " (" + top["product_id"].astype(str) + ")"


def costs_known(table: pd.DataFrame) -> bool:
    """Whether a :func:`lib.analytics.products.sales_by` table has a margin for any group (unit costs known)."""
    return "margin_pct" in table.columns and bool(table["margin_pct"].notna().any())


def top_margin_category_sentence(top_margin_category: str | None, min_sales: int, costs: bool = True) -> str:
    """The category with the best margin among those with at least ``min_sales`` sales (docs/metrics.md,
    Products and inventory: ``top_category_by_margin``); "" without unit costs (``costs`` False), where no
    category has a margin to rank."""
    if not costs:
        return ""
    return f"Best margin among categories with at least {min_sales} sales: {top_margin_category or 'none qualifies'}."


def _brand_label(table: pd.DataFrame, row) -> str:
    return f"brand id {row['brand_id']}" if "brand_name" not in table.columns else str(row["brand_name"])


def condition_sales_sentence(by_condition: pd.DataFrame, currency: str = "USD") -> str:
    """Revenue and units by condition, highest revenue first (``by_condition`` from
    lib.analytics.products.sales_by; docs/metrics.md, Products and inventory)."""
    if by_condition.empty:
        return "No completed sale has a condition."
    c = by_condition.iloc[0]
    s = (f"By condition, {c['condition']} brings the most revenue: {fmt.money(c['revenue'], currency)} "
         f"({fmt.pct(c['revenue_share_pct'])}, {fmt.count(c['units'], 'unit')})")
    rest = [f"{r['condition']} {fmt.pct(r['revenue_share_pct'])} ({fmt.count(r['units'], 'unit')})"
            for _, r in by_condition.iloc[1:].iterrows()]
    return s + (f", then {', '.join(rest)}." if rest else ".")


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
        s += f"; the top brand is {_brand_label(by_brand, b)} with {fmt.pct(b['revenue_share_pct'])} of revenue"
    return s + "."


def _days_ci(row) -> str:
    lo = "?" if row["km_low"] is None or pd.isna(row["km_low"]) else f"{int(row['km_low'])}"
    hi = "not reached" if row["km_high"] is None or pd.isna(row["km_high"]) else f"{int(row['km_high'])}"
    return f"range {lo} to {hi} days"


def days_to_sell_sentence(table: pd.DataFrame, logrank: dict | None) -> list[str]:
    """Insight sentences in plain words: the median days to sell counting unsold items against the median of the
    sold items only (and why they differ), the conditions and whether they differ clearly (the test itself is in
    :func:`days_to_sell_method`; docs/metrics.md, Products and inventory)."""
    out = []
    a = table[table["condition"] == "All"].iloc[0]
    if a["km_median"] is None or pd.isna(a["km_median"]):
        out.append(f"Fewer than half of the {fmt.num(a['n'])} items have sold so far, so the typical "
                   "time to sell cannot be estimated yet.")
    else:
        naive = a["naive_median_sold"]
        s = (f"Half of all {fmt.num(a['n'])} items sell within {fmt.days(a['km_median'])} of listing "
             f"({_days_ci(a)})")
        if naive is None or pd.isna(naive):
            out.append(s + ".")
        else:
            gap = float(a["km_median"]) - float(naive)
            if gap > 0:
                why = (f"the simple median of sold items only ({fmt.days(naive)}) is {fmt.days(gap)} shorter "
                       f"because it ignores the {fmt.num(a['censored'])} items still on the shelf, which "
                       "have already waited and will sell later (if at all)")
            elif gap < 0:
                why = (f"the simple median of sold items only is {fmt.days(naive)}, longer, because many of the "
                       f"{fmt.num(a['censored'])} unsold items were listed recently; the estimate above counts "
                       "them while they are still young")
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
        clear = None if logrank is None or pd.isna(logrank["p_value"]) else logrank["p_value"] < 0.05
        verdict = "" if clear is None else (": a clear difference" if clear else
                                            ": the gap may be chance, no clear difference")
        if len(known) >= 2:
            fast = known.loc[known["km_median"].astype(float).idxmin()]
            slow = known.loc[known["km_median"].astype(float).idxmax()]
            s += f" ({fast['condition']} sells fastest, {slow['condition']} slowest{verdict})"
        elif verdict:
            s += f" ({verdict[2:]})"
        out.append(s + ".")
    return out


def days_to_sell_method(table: pd.DataFrame, logrank: dict | None) -> list[str]:
    """How the days to sell were worked out, for the method block: the Kaplan-Meier estimate with its censored
    items and interval, and the log-rank test across conditions (docs/metrics.md, Products and inventory)."""
    a = table[table["condition"] == "All"].iloc[0]
    out = [f"Days to sell: Kaplan-Meier estimate of the time from listing (else acquisition) to first sale over "
           f"{fmt.count(a['n'], 'item')}; the {fmt.num(a['censored'])} items still unsold are censored at the period "
           "end (they count as waiting up to then), so the median is not biased towards the items that sold fast; "
           "95% confidence interval of the median. The median of the sold items only ignores them."]
    if logrank is not None:
        out.append(f"Log-rank test across conditions: chi-square {logrank['statistic']:.1f} with "
                   f"{logrank['df']} df, {p_text(logrank['p_value'])}; below 0.05 is a clear difference.")
    return out


def sell_through_sentence(rate: float | None, sold_units: int, on_hand_units: int, label: str) -> str:
    """Sell-through of the period in words."""
    if rate is None:
        return f"No units were sold in {label} and none are on hand: sell-through is not defined."
    return (f"Sell-through in {label}: {fmt.num(sold_units)} units sold against {fmt.num(on_hand_units)} "
            f"still on hand at month end, a rate of {fmt.pct(rate)}.")


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
        if test is not None and not pd.isna(test["p_value"]):
            s += (f": a clear difference across the {test['groups']} categories" if test["p_value"] < 0.05 else
                  f": across the {test['groups']} categories the gap may be chance, no clear difference")
        out.append(s + ".")
    return out


def profitability_method(test: dict | None) -> list[str]:
    """The test behind the category margins, for the method block (lib.analytics.products.margin_difference_test;
    docs/metrics.md, Products and inventory): empty without a test."""
    if test is None:
        return []
    return [f"{test['test']} test on per-item margins across {test['groups']} categories: statistic "
            f"{test['statistic']:.1f}, {p_text(test['p_value'])}; below 0.05 is a clear difference."]


def top_products_sentence(top: pd.DataFrame, total_revenue: float, currency: str = "USD") -> str:
    """How concentrated revenue is in single items (luxury resale items are mostly one-offs)."""
    if top.empty or not total_revenue:
        return "No product revenue yet."
    share = top["revenue"].sum() / total_revenue * 100
    best = top.iloc[0]
    name = best.get("product_name", best["product_id"])
    return (f"The top {len(top)} products bring {fmt.pct(share)} of revenue; the best single item, {name} "
            f"({best['product_id']}), sold for {fmt.money(best['revenue'], currency)}.")


def _verdict(table: pd.DataFrame | None, dimension: str, group: object) -> str | None:
    if table is None or table.empty:
        return None
    hit = table.loc[(table["dimension"] == dimension) & (table["group"] == str(group)), "verdict"]
    return None if hit.empty else str(hit.iloc[0])


def top_sellers_actions(by_category: pd.DataFrame, by_brand: pd.DataFrame, top_margin_category: str | None,
                        table: pd.DataFrame | None = None) -> tuple[str, list[str]]:
    """What the top-seller section means and what to do: the top and the best-margin category named with their
    one verdict from ``table`` (lib.analytics.verdicts.verdict_tables), never a verdict of their own."""
    if by_category.empty:
        return "There are no completed sales to rank yet.", ["Check that the sales export is complete."]
    top = by_category.iloc[0]
    meaning = (f"{top['category']} carries the business ({fmt.pct(top['revenue_share_pct'])} of revenue).")
    v = _verdict(table, "category", top["category"])
    acts = [f"{top['category']} is where most of the money comes from" +
            (f"; its verdict in the profitability section: {v}." if v else ".")]
    if top_margin_category and top_margin_category != top["category"]:
        m = by_category[by_category["category"] == top_margin_category].iloc[0]
        mv = _verdict(table, "category", top_margin_category)
        acts.append(f"{top_margin_category} earns the best margin ({fmt.pct(m['margin_pct'])}) on only "
                    f"{fmt.pct(m['revenue_share_pct'])} of revenue" + (f"; its verdict: {mv}." if mv else "."))
    elif top_margin_category:
        acts.append(f"{top_margin_category} also has the best margin of the categories with enough sales.")
    if not by_brand.empty:
        b = _brand_label(by_brand, by_brand.iloc[0])
        acts.append(f"{b[0].upper() + b[1:]} brings the most revenue of the brands; " +
                    ("the Brands report gives each brand one verdict from its margin, speed and growth."
                     if costs_known(by_brand) else "the Brands report ranks the brands by revenue, units and growth."))
    return meaning, acts


def days_to_sell_actions(table: pd.DataFrame, rate: float | None, verdicts: pd.DataFrame | None = None,
                         currency: str = "USD") -> tuple[str, list[str]]:
    """What the days-to-sell section means and what to do: the condition verdicts (lib.analytics.verdicts, rows
    of dimension ``condition`` in ``verdicts``) in sentences, and sell-through to track."""
    a = table[table["condition"] == "All"].iloc[0]
    if a["km_median"] is None or pd.isna(a["km_median"]):
        meaning = "Most stock has not sold yet, so time on the shelf is the main cost."
    else:
        meaning = f"A typical item waits {fmt.days(a['km_median'])} for a buyer; cash is tied up that long."
    acts = []
    cond = verdicts[verdicts["dimension"] == "condition"] if verdicts is not None and len(verdicts) else None
    if cond is not None and len(cond):
        cond = cond.copy()
        cond.attrs.update(verdicts.attrs)
        acts += verdict_lines(cond, currency)
    if rate is not None:
        acts.append(f"Track sell-through monthly: {fmt.pct(rate)} this month; a falling rate means stock is "
                    "piling up faster than it sells.")
    return meaning, acts


def profitability_actions(losses: pd.DataFrame, verdicts: pd.DataFrame | None = None,
                          currency: str = "USD") -> tuple[str, list[str]]:
    """What the profitability section means and what to do: the loss-making sales, the category verdicts
    (lib.analytics.verdicts) in sentences, and the category and condition that both have "buy more"."""
    meaning = "Margin is what is left after cost, platform fees and shipping; price and channel decide it."
    acts = []
    if not losses.empty:
        if "channel" in losses.columns:
            ch = losses["channel"].astype("string").value_counts()
            acts.append(f"Most loss-making sales went through {ch.index[0]} ({fmt.num(ch.iloc[0])} of "
                        f"{fmt.num(len(losses))}): set a minimum price there that covers cost, fees and shipping.")
        acts.append(f"Review the {fmt.num(len(losses))} loss-making sales below; "
                    f"together they lost {fmt.money(-losses['gross_profit'].sum(), currency)}.")
    if verdicts is not None and len(verdicts):
        cat = verdicts[verdicts["dimension"] == "category"].copy()
        cat.attrs.update(verdicts.attrs)
        if len(cat):
            acts += verdict_lines(cat, currency)
        more_c = verdicts.loc[(verdicts["dimension"] == "category") & (verdicts["verdict"] == "buy more"), "group"]
        more_k = verdicts.loc[(verdicts["dimension"] == "condition") & (verdicts["verdict"] == "buy more"), "group"]
        if len(more_c) and len(more_k):
            acts.append(f"Buy more {' and '.join(map(str, more_c))} in condition {' or '.join(map(str, more_k))}: "
                        "both the category and the condition have the verdict to buy more.")
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
