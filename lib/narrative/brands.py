"""The owner's sentences and actions about brands: performance, the brand map and its verdicts, growth, what to buy (docs/metrics.md, Brands)."""

from __future__ import annotations

import pandas as pd

from lib.analytics.recommendations import Recommendation
from lib.narrative import fmt

__all__ = ["missing_tables_sentence", "needs_sentence", "brand_ids_sentence", "top_brands_sentences", "top3_sentence",
           "brand_map_sentence", "growth_sentence",
           "volume_rule_sentence", "shelf_day_sentence", "shelf_day_findings", "performance_actions",
           "growth_actions", "buying_actions", "top3_method", "growth_method", "growth_tests", "GROWTH_TITLES",
           "shelf_day_method"]

#: column titles of the growth table and of :func:`growth_tests`
GROWTH_TITLES = {"revenue_prev_3m": "Revenue, the three months before", "revenue_last_3m": "Revenue, last three months",
                 "growth_3m_pct": "Revenue growth %", "sales_prev_3m": "Sales, the three months before",
                 "sales_last_3m": "Sales, last three months", "test": "Binomial test (p)",
                 "eligible": "Enough sales to rank"}


def missing_tables_sentence(missing: list[str]) -> str:
    """Why the brand analyses are skipped: the input tables missing, else no completed sales."""
    return (f"The brand analyses need products, inventory and brands tables; missing: "
            f"{', '.join(missing) or 'completed sales'}.")


def needs_sentence(has_products: bool) -> str:
    """Why the brand analyses cannot run: no products table (each product's ``brand_id``), else no completed
    sales up to the end of the period."""
    return ("The brand analyses need products.csv, which gives each product's brand_id; the data has none."
            if not has_products else "The brand analyses need completed sales; there are none up to the end of "
                                     "the period.")


def brand_ids_sentence(brand_column: str) -> str:
    """That brands are named by their ``brand_id`` when the data has no brand names ("" when it has them)."""
    return ("Brands are shown by their brand_id: the data has no brands.csv with their names."
            if brand_column == "brand_id" else "")


def top_brands_sentences(perf: pd.DataFrame, metrics: dict, min_sales: int) -> list[str]:
    """The revenue and gross-profit leaders, and the margin leader among brands with at least ``min_sales``
    sales (docs/metrics.md, Brands); without unit costs (no gross profit known), the revenue and units leaders."""
    mar = metrics["top_brand_by_margin"]
    if metrics.get("top_brand_by_revenue") and not metrics.get("top_brand_by_gross_profit"):
        u = perf.sort_values(["units", "brand"], ascending=[False, True], kind="mergesort").iloc[0]
        r = perf[perf["brand"] == metrics["top_brand_by_revenue"]].iloc[0]
        who = "" if u["brand"] == r["brand"] else f"{u['brand']} "
        return [f"{r['brand']} brings the most revenue ({fmt.pct(r['revenue_share_pct'])}) and {who}sells "
                f"the most units ({fmt.count(u['units'], 'unit')})."]
    first = (f"{metrics['top_brand_by_revenue']} brings the most revenue and {metrics['top_brand_by_gross_profit']} "
             "the most gross profit.")
    if not mar:
        return [first, f"No brand has {min_sales} sales yet, so no margin leader is named."]
    r = perf[perf["brand"] == mar].iloc[0]
    return [first, f"Best margin among brands with at least {min_sales} sales: {mar} "
                   f"({r['margin_pct']:.1f}% on {int(r['sales'])} sales)."]


def top3_sentence(perf: pd.DataFrame, interval: tuple[float, float], belief_pct: float = 70.0) -> str:
    """Top-3 brands' revenue share against the belief "three brands make 70% of revenue"."""
    sold = perf[perf["revenue"] > 0]
    if sold.empty:
        return "No brand revenue yet."
    top = sold.head(3)
    share = float(top["revenue"].sum() / sold["revenue"].sum() * 100)
    lo, hi = interval
    names = ", ".join(str(b) for b in top["brand"])
    s = (f"The top three brands ({names}) bring {fmt.pct(share)} of revenue "
         f"(95% range {fmt.pct(lo)} to {fmt.pct(hi)})")
    if hi < belief_pct:
        s += f", well below the {belief_pct:.0f}% the common belief says: revenue is spread across brands"
    elif lo > belief_pct:
        s += f", even more than the {belief_pct:.0f}% the common belief says"
    else:
        s += f", in line with the belief that three brands make {belief_pct:.0f}%"
    return s + "."


def top3_method(interval: tuple[float, float]) -> list[str]:
    """Where the range of the top-three share comes from (lib.analytics.brands.top3_share_interval), for the method
    block; empty when it could not be computed."""
    lo, hi = interval
    if pd.isna(lo) or pd.isna(hi):
        return []
    return [f"Top-three share of revenue: 95% confidence interval {fmt.pct(lo)} to {fmt.pct(hi)} by the delta "
            "method for a ratio of sums over the sales."]


def _names(values) -> str:
    return ", ".join(str(v) for v in values).rstrip(".")


def _verdict_of(table: pd.DataFrame | None, brand: object) -> str | None:
    if table is None or table.empty:
        return None
    hit = table.loc[table["group"] == str(brand), "verdict"]
    return None if hit.empty else str(hit.iloc[0])


def _verdict_note(v: str | None) -> str:
    if v is None:
        return "."
    if v == "no verdict":
        return "; its margin and speed are within chance of the shop's, so it has no verdict."
    return f"; its verdict: {v}."


def brand_map_sentence(table: pd.DataFrame) -> list[str]:
    """How the brand map and its verdicts are read (lib.analytics.verdicts.verdict_table by brand;
    docs/metrics.md, Verdicts): the shop's margin and median, the interval rule, how many brands differ."""
    if table.empty:
        return ["No brand has sales to place on the map."]
    r = table.iloc[0]
    min_sales = table.attrs.get("min_sales", 20)
    judged = table[table["margin_vs_shop"] != "too few sales"]
    m = int(judged["margin_vs_shop"].isin(["higher", "lower"]).sum())
    d = int(judged["speed_vs_shop"].isin(["faster", "slower"]).sum())
    return [f"The map compares each brand with the shop as a whole: its margin with the shop's "
            f"{fmt.pct(r['shop_margin_pct'])} and its median days to sell with the shop's "
            f"{fmt.days(r['shop_median_days'])}. A difference counts only when the brand's 95% range leaves out "
            f"the shop's value, and only for brands with at least {min_sales} sales.",
            f"Of the {fmt.count(len(judged), 'brand')} with enough sales, {m} differ clearly from the shop in margin "
            f"and {d} in speed; the rest are within chance of the shop, however the bubbles fall around the lines."]


def growth_sentence(growth: pd.DataFrame, min_sales: int, currency: str = "USD") -> str:
    """The fastest-growing brand (and the fastest shrinking) and whether the change is clear (the test is in
    :func:`growth_method`), and the volume rule (docs/metrics.md, Brands: Emerging brands)."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    rule = f"brands with at least {min_sales} sales in each of the two 3-month windows"
    if e.empty:
        return f"No brand has enough sales to rank growth ({rule})."
    top, low = e.iloc[0], e.iloc[-1]
    sig = "a real change" if top["p_value"] < 0.05 else "which may be chance, no clear difference"
    s = (f"Among {rule}, {top['brand']} grew fastest: {fmt.signed_pct(top['growth_3m_pct'])} revenue in the "
         f"last three months against the three before ({fmt.money(top['revenue_prev_3m'], currency)} to "
         f"{fmt.money(top['revenue_last_3m'], currency)}; sales {int(top['sales_prev_3m'])} to "
         f"{int(top['sales_last_3m'])}, {sig})")
    if len(e) > 1 and low["growth_3m_pct"] < 0:
        within = "a real fall" if low["p_value"] < 0.05 else "within chance"
        s += f"; {low['brand']} shrank most ({fmt.signed_pct(low['growth_3m_pct'])}, {within})"
    return s + "."


def growth_method(min_sales: int, alpha: float = 0.05) -> list[str]:
    """The test behind the growth ranking, for the method block (lib.analytics.brands.group_growth; docs/metrics.md,
    Brands: Emerging brands); the tests themselves are :func:`growth_tests`."""
    return [f"Growth test: a two-sided exact binomial test per brand that its sales split 50/50 between the last "
            f"three months and the three before (brands with at least {min_sales} sales in each window); "
            f"p < {alpha:g} is a real change."]


def growth_tests(growth: pd.DataFrame) -> pd.DataFrame:
    """The growth test of each ranked brand: sales in the two windows, revenue growth and the p-value in words
    (``test``; titles in :data:`GROWTH_TITLES`)."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    return e[["brand", "sales_prev_3m", "sales_last_3m", "growth_3m_pct"]].assign(
        test=[fmt.p_value(None if pd.isna(p) else float(p)) for p in e["p_value"]])


def volume_rule_sentence(min_sales: int) -> str:
    """The volume rule and the test behind the growth ranking (docs/metrics.md, Brands: Emerging brands)."""
    return (f"Volume rule: a brand is ranked only with at least {min_sales} completed sales in each of the "
            "two 3-month windows; a change counts as real only when so uneven a split of its sales between the "
            "windows is unlikely to be chance.")


def shelf_day_sentence(min_brand_sales: int, min_combo_sales: int) -> str:
    """What profit per shelf day counts (docs/metrics.md, Brands: Profit per shelf day)."""
    return (f"Profit per shelf day counts every item bought, sold or not: gross profit of the sold items divided by "
            f"all the days the brand's items spent on the shelf (brands with at least {min_brand_sales} sold items; "
            f"brand and condition with at least {min_combo_sales}).")


def shelf_day_findings(by_brand: pd.DataFrame, by_combo: pd.DataFrame, bcol: str, table: pd.DataFrame | None = None,
                       n: int = 3, currency: str = "USD") -> list[str]:
    """The brands and the brand and condition with the most gross profit per shelf day, against the average, with
    each brand's verdict (docs/metrics.md, Brands: Profit per shelf day)."""
    b = by_brand[by_brand["eligible"]]
    if b.empty:
        return ["No brand has enough sold items to compare profit per shelf day."]
    overall = b["profit"].sum() / b["shelf_days"].sum()
    out = []
    for _, r in b.head(n).iterrows():
        better = "clearly above" if r["low"] > overall else "not clearly above"
        v = _verdict_of(table, r[bcol])
        out.append(f"{r[bcol]} earns {fmt.money(r['profit_per_shelf_day'], currency, 2)} gross profit per item-day "
                   f"on the shelf (95% range {fmt.money(r['low'], currency, 2)} to {fmt.money(r['high'], currency, 2)}; "
                   f"{fmt.num(r['sold'])} sold of {fmt.num(r['items'])}, margin {fmt.pct(r['margin_pct'])}), {better} "
                   f"the {fmt.money(overall, currency, 2)} average" + _verdict_note(v))
    c = by_combo[by_combo["eligible"]]
    if not c.empty:
        best = c.iloc[0]
        out.append(f"Best brand and condition: {best[bcol]} in condition {best['condition']}, "
                   f"{fmt.money(best['profit_per_shelf_day'], currency, 2)} per item-day "
                   f"(95% range {fmt.money(best['low'], currency, 2)} to {fmt.money(best['high'], currency, 2)}, "
                   f"{fmt.num(best['sold'])} sold).")
    return out


def shelf_day_method() -> list[str]:
    """How the range of profit per shelf day is worked out (lib.analytics.brands.shelf_day_profit), for the method
    block (docs/metrics.md, Brands: Profit per shelf day)."""
    return ["Profit per shelf day is a ratio of sums (gross profit of the items over their days on the shelf); its "
            "95% confidence interval comes from the delta method for a ratio estimator over items. \"Clearly "
            "above\" means the low end is above the average of the brands with enough sold items."]


def performance_actions(perf: pd.DataFrame, metrics: dict, table: pd.DataFrame | None = None,
                        currency: str = "USD") -> tuple[str, list[str]]:
    """What the brand performance table means and what to do; the margin leader is named with its verdict from
    ``table`` (lib.analytics.verdicts.verdict_table), never with a verdict of its own."""
    if not metrics.get("top_brand_by_revenue"):
        return "No brand has sales yet.", ["Check that products.csv and brands.csv match the sales export."]
    rev, mar = metrics["top_brand_by_revenue"], metrics.get("top_brand_by_margin")
    meaning = (f"{rev} brings the most revenue" + (f", {mar} the best margin" if mar else "") +
               "; revenue and profit leaders are not always the same brand.")
    if perf["gross_profit"].isna().all():
        meaning = f"{rev} brings the most revenue; which brand earns the most profit is not known without unit costs."
    acts = []
    if mar and mar != rev:
        r = perf[perf["brand"] == mar].iloc[0]
        v = _verdict_of(table, mar)
        acts.append(f"{mar} has the best margin ({fmt.pct(r['margin_pct'])} on {fmt.num(r['sales'])} sales)"
                    + (f"; its verdict in the brand map section: {v}." if v else "."))
    if perf["gross_profit"].isna().all():
        r = perf[perf["brand"] == rev].iloc[0]
        acts.append(f"{rev} brings {fmt.pct(r['revenue_share_pct'])} of revenue from {fmt.count(r['units'], 'unit')}; "
                    "whether it also earns the most needs unit costs (inventory.csv).")
    stuck = perf[perf["unsold_cost"] > 0].sort_values("unsold_cost", ascending=False)
    if not stuck.empty:
        s = stuck.iloc[0]
        acts.append(f"{s['brand']} ties up the most money in unsold stock ({fmt.money(s['unsold_cost'], currency)}, "
                    f"{fmt.num(s['unsold_units'])} units): count it before the next buying trip.")
    few = perf[perf["uncertain"] & (perf["sales"] > 0)]
    if not few.empty:
        acts.append(f"Treat {_names(few['brand'].head(5))} with care: too few sales to judge.")
    return meaning, acts


def growth_actions(growth: pd.DataFrame, table: pd.DataFrame | None = None,
                   with_verdicts: bool = True) -> tuple[str, list[str]]:
    """What the trend section means: brand growth is part of each brand's one verdict (lib.analytics.verdicts),
    so the brands whose sales changed beyond chance are named with that verdict, never with a list of their own.
    ``with_verdicts`` False: the report has no verdicts (no unit costs), the changes are named alone."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    meaning = ("Brand demand shifts over months; growth is part of each brand's verdict in the brand map section: "
               "rising sales hold back a cut in buying, falling sales an increase." if with_verdicts else
               "Brand demand shifts over months; a brand whose sales rose beyond chance is worth stocking deeper, "
               "one whose sales fell is worth buying more carefully.")
    acts = []
    for _, r in e[e["p_value"] < 0.05].iterrows():
        rose = r["sales_last_3m"] > r["sales_prev_3m"]
        v = _verdict_of(table, r["brand"])
        acts.append(f"{r['brand']}: sales {'rose' if rose else 'fell'} beyond chance ({int(r['sales_prev_3m'])} to "
                    f"{int(r['sales_last_3m'])} sales, {fmt.signed_pct(r['growth_3m_pct'])} revenue)"
                    + (f"; its verdict: {v}." if v else "."))
    if not with_verdicts:
        return meaning, acts or ["No brand's sales changed beyond chance: keep the buying mix as it is."]
    return meaning, acts or ["No brand's sales changed beyond chance: the verdicts rest on margin and speed alone."]


def buying_actions(recs: list[Recommendation]) -> tuple[str, list[str]]:
    """What the margin section means, and the brand buying actions (lib.narrative.verdicts.buying_recommendations)
    with their expected effects."""
    meaning = ("Buying budget earns most where gross profit per item bought is high; the brands to buy more or "
               "less of are those with that verdict in the brand map section.")
    if not recs:
        return meaning, ["No brand has a verdict to buy more or less of it, so the buying mix can stay as it is."]
    return meaning, [f"{r.action} {r.expected_effect}" for r in recs]
