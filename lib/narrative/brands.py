"""The owner's sentences and actions about brands: performance, the brand map, growth, what to buy (docs/metrics.md, Brands)."""

from __future__ import annotations

import pandas as pd

from lib.narrative import fmt

__all__ = ["missing_tables_sentence", "top_brands_sentences", "top3_sentence", "brand_map_sentence", "growth_sentence",
           "volume_rule_sentence", "shelf_day_sentence", "buying_recommendations", "performance_actions",
           "map_actions", "growth_actions", "buying_actions"]


def missing_tables_sentence(missing: list[str]) -> str:
    """Why the brand analyses are skipped: the input tables missing, else no completed sales."""
    return (f"The brand analyses need products, inventory and brands tables; missing: "
            f"{', '.join(missing) or 'completed sales'}.")


def top_brands_sentences(perf: pd.DataFrame, metrics: dict, min_sales: int) -> list[str]:
    """The revenue and gross-profit leaders, and the margin leader among brands with at least ``min_sales``
    sales (docs/metrics.md, Brands)."""
    mar = metrics["top_brand_by_margin"]
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
         f"(95% CI {fmt.pct(lo)} to {fmt.pct(hi)}, delta method)")
    if hi < belief_pct:
        s += f", well below the {belief_pct:.0f}% the common belief says: revenue is spread across brands"
    elif lo > belief_pct:
        s += f", even more than the {belief_pct:.0f}% the common belief says"
    else:
        s += f", in line with the belief that three brands make {belief_pct:.0f}%"
    return s + "."


def _names(values) -> str:
    return ", ".join(str(v) for v in values).rstrip(".")


def brand_map_sentence(quad: pd.DataFrame, margin_split: float, days_split: float) -> list[str]:
    """Which brands fall in which quadrant, with the splits used and which positions are beyond chance."""
    out = [f"The map splits brands at the overall margin ({fmt.pct(margin_split)}) and the overall "
           f"median days to sell ({fmt.days(days_split)}); a position counts as beyond chance when the brand's 95% "
           "interval (delta method for margin, Kaplan-Meier interval for the median) excludes the split."]
    for label in ["buy more", "price up", "mark down", "stop buying"]:
        q = quad[quad["quadrant"] == label]
        if q.empty:
            continue
        names = []
        for b, u, e in zip(q["brand"], q["uncertain"], q["evidence"], strict=True):
            note = [] if e == "clear" else [e]
            if u:
                note.append("few sales")
            names.append(f"{b}{' (' + '; '.join(note) + ')' if note else ''}")
        out.append(f"{label.capitalize()}: {_names(names)}.")
    return out


def growth_sentence(growth: pd.DataFrame, min_sales: int, currency: str = "USD") -> str:
    """The fastest-growing brand (and the fastest shrinking) with its test, and the volume rule."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    rule = f"brands with at least {min_sales} sales in each of the two 3-month windows"
    if e.empty:
        return f"No brand has enough sales to rank growth ({rule})."
    top, low = e.iloc[0], e.iloc[-1]
    sig = "a real change" if top["p_value"] < 0.05 else "which may be chance"
    s = (f"Among {rule}, {top['brand']} grew fastest: {fmt.signed_pct(top['growth_3m_pct'])} revenue in the "
         f"last three months against the three before ({fmt.money(top['revenue_prev_3m'], currency)} to "
         f"{fmt.money(top['revenue_last_3m'], currency)}; sales {int(top['sales_prev_3m'])} to "
         f"{int(top['sales_last_3m'])}, binomial test p = {top['p_value']:.2g}, {sig})")
    if len(e) > 1 and low["growth_3m_pct"] < 0:
        within = "" if low["p_value"] < 0.05 else ", within chance"
        s += (f"; {low['brand']} shrank most ({fmt.signed_pct(low['growth_3m_pct'])}, "
              f"p = {low['p_value']:.2g}{within})")
    return s + "."


def volume_rule_sentence(min_sales: int) -> str:
    """The volume rule and the test behind the growth ranking (docs/metrics.md, Brands: Emerging brands)."""
    return (f"Volume rule: a brand is ranked only with at least {min_sales} completed sales in each of the "
            "two 3-month windows; the binomial test asks whether its sales split between the windows differs from 50/50.")


def shelf_day_sentence(min_brand_sales: int, min_combo_sales: int) -> str:
    """What profit per shelf day counts (docs/metrics.md, Brands: Profit per shelf day)."""
    return (f"Profit per shelf day counts every item bought, sold or not: gross profit of the sold items divided by "
            f"all the days the brand's items spent on the shelf (brands with at least {min_brand_sales} sold items; "
            f"brand and condition with at least {min_combo_sales}).")


def buying_recommendations(by_brand: pd.DataFrame, by_combo: pd.DataFrame, bcol: str, n: int = 3,
                           currency: str = "USD") -> list[str]:
    """Buying recommendations with evidence: the best brands and brand x condition by profit per shelf day."""
    out = []
    b = by_brand[by_brand["eligible"]]
    if b.empty:
        return ["No brand has enough sold items to recommend buying on evidence."]
    overall = b["profit"].sum() / b["shelf_days"].sum()
    for _, r in b.head(n).iterrows():
        better = "clearly above" if r["low"] > overall else "not clearly above"
        out.append(f"Buy more {r[bcol]}: {fmt.money(r['profit_per_shelf_day'], currency, 2)} gross profit per "
                   f"item-day on the shelf (95% CI {fmt.money(r['low'], currency, 2)} to "
                   f"{fmt.money(r['high'], currency, 2)}; {fmt.num(r['sold'])} sold of {fmt.num(r['items'])}, "
                   f"margin {fmt.pct(r['margin_pct'])}), {better} the {fmt.money(overall, currency, 2)} average.")
    c = by_combo[by_combo["eligible"]]
    if not c.empty:
        best = c.iloc[0]
        out.append(f"Best brand and condition: {best[bcol]} in condition {best['condition']}, "
                   f"{fmt.money(best['profit_per_shelf_day'], currency, 2)} per item-day "
                   f"(95% CI {fmt.money(best['low'], currency, 2)} to {fmt.money(best['high'], currency, 2)}, "
                   f"{fmt.num(best['sold'])} sold).")
    return out


def performance_actions(perf: pd.DataFrame, metrics: dict, currency: str = "USD") -> tuple[str, list[str]]:
    """What the brand performance table means and what to do."""
    if not metrics.get("top_brand_by_revenue"):
        return "No brand has sales yet.", ["Check that products.csv and brands.csv match the sales export."]
    rev, mar = metrics["top_brand_by_revenue"], metrics.get("top_brand_by_margin")
    meaning = (f"{rev} brings the most revenue" + (f", {mar} the best margin" if mar else "") +
               "; revenue and profit leaders are not always the same brand.")
    acts = []
    if mar and mar != rev:
        r = perf[perf["brand"] == mar].iloc[0]
        acts.append(f"Source more {mar}: {fmt.pct(r['margin_pct'])} margin on {fmt.num(r['sales'])} sales.")
    stuck = perf[perf["unsold_cost"] > 0].sort_values("unsold_cost", ascending=False)
    if not stuck.empty:
        s = stuck.iloc[0]
        acts.append(f"{s['brand']} ties up the most money in unsold stock ({fmt.money(s['unsold_cost'], currency)}, "
                    f"{fmt.num(s['unsold_units'])} units): sell through before buying more.")
    few = perf[perf["uncertain"] & (perf["sales"] > 0)]
    if not few.empty:
        acts.append(f"Treat {_names(few['brand'].head(5))} with care: too few sales to judge.")
    return meaning, acts


def map_actions(quad: pd.DataFrame) -> tuple[str, list[str]]:
    """One action per quadrant, only for brands placed beyond chance on at least one axis."""
    meaning = "Fast and profitable brands deserve the buying budget; slow and thin ones tie up cash."
    verbs = {"buy more": "Buy more", "price up": "Raise prices on", "mark down": "Mark down aged",
             "stop buying": "Buy less"}
    acts = []
    sure = quad[~quad["uncertain"] & (quad["evidence"] != "within chance")]
    for label in ["buy more", "price up", "mark down", "stop buying"]:
        q = sure[sure["quadrant"] == label]
        if not q.empty:
            names = [f"{b}{'' if e == 'clear' else ' (' + e + ')'}" for b, e in zip(q["brand"], q["evidence"], strict=True)]
            acts.append(f"{verbs[label]} {_names(names)}.")
    rest = quad[quad["uncertain"] | (quad["evidence"] == "within chance")]
    if not rest.empty:
        acts.append(f"Keep buying {_names(rest['brand'])} as now: their margin and speed are within chance of "
                    "the average (or they have few sales).")
    return meaning, acts or ["Not enough brands with sales to place on the map."]


def growth_actions(growth: pd.DataFrame) -> tuple[str, list[str]]:
    """What the trend section means and what to do (only changes with p < 0.05 are acted on)."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    meaning = "Brand demand shifts over months; act only on changes larger than chance."
    up = e[(e["growth_3m_pct"] > 0) & (e["p_value"] < 0.05)]
    down = e[(e["growth_3m_pct"] < 0) & (e["p_value"] < 0.05)]
    acts = []
    if not up.empty:
        acts.append(f"Source more {_names(up['brand'])}: sales grew beyond chance.")
    if not down.empty:
        acts.append(f"Buy less {_names(down['brand'])} until demand returns.")
    return meaning, acts or ["No brand's sales changed beyond chance: keep the current buying mix."]


def buying_actions(recs: list[str]) -> tuple[str, list[str]]:
    """What the margin section means, and the buying recommendations (:func:`buying_recommendations`) to act on."""
    return "Buying budget earns most where profit per day on the shelf is high: margin and speed together.", recs
