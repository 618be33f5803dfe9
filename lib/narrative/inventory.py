"""The owner's sentences and actions about aged stock and markdowns (docs/metrics.md, Products and inventory)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics.inventory import MARKDOWN_COLUMNS, MARKDOWN_EXTRA
from lib.config import AGING_DAYS
from lib.narrative import fmt

__all__ = ["aging_sentence", "markdown_belief_sentence", "markdown_sentence", "markdown_reasons", "markdown_table",
           "aging_actions", "markdown_actions"]


def aging_sentence(aged: dict, aging_days: int, by_brand: pd.DataFrame, currency: str = "USD") -> str:
    """Aged stock in words, with the brand holding the most aged cost."""
    if not aged["stock_units"]:
        return "Nothing is on the shelf at period end."
    s = (f"{fmt.num(aged['aged_inventory_units'])} of {fmt.num(aged['stock_units'])} units on hand "
         f"({fmt.pct(aged['aged_units_share_pct'])}) were listed more than {aging_days} days ago; they cost "
         f"{fmt.money(aged['aged_inventory_cost'], currency)}, {fmt.pct(aged['aged_cost_share_pct'])} "
         "of the money tied up in stock")
    top = by_brand[by_brand["aged_units"] > 0]
    if not top.empty:
        b = top.iloc[0]
        s += (f"; {b.iloc[0]} holds the most of it ({fmt.money(b['aged_cost'], currency)}, "
              f"{fmt.num(b['aged_units'])} units)")
    return s + "."


def markdown_belief_sentence(check: dict | None, practical_pts: float = 2.0) -> str:
    """The belief check in words, stating whether the data support "20% off after 90 days".

    When the whole interval lies within ``practical_pts`` points of the belief,
    the data agree with it in practice (large samples make any gap significant).
    """
    if check is None:
        return "Too few old and fresh sales with a list price to test the belief about markdowns."
    b = check["belief_pct"]
    s = (f"Items that sold after more than {check['over_days']} days went for {fmt.pct(check['discount_old_pct'])} "
         f"below list price on average (95% CI {check['discount_old_low']:.1f}% to "
         f"{check['discount_old_high']:.1f}%, {fmt.num(check['n_old'])} sales)")
    if b - practical_pts <= check["discount_old_low"] and check["discount_old_high"] <= b + practical_pts:
        s += (f": practically the {b:.0f}% off the common belief says (the whole interval is within "
              f"{practical_pts:g} points of it)")
    elif check["discount_old_high"] < b:
        s += f": less than the {b:.0f}% off the common belief says old items need to move"
    elif check["discount_old_low"] > b:
        s += f": more than the {b:.0f}% off the common belief says"
    else:
        s += f": consistent with the common belief of {b:.0f}% off"
    p = "p < 0.001" if check["p_value"] < 0.001 else f"p = {check['p_value']:.2g}"
    s += (f". Items sold within {check['fresh_days']} days went for {fmt.pct(check['discount_fresh_pct'])} "
          f"off, so waiting cost {check['extra_pct']:.1f} extra points (95% CI {check['extra_low']:.1f} to "
          f"{check['extra_high']:.1f}, {check['test']} {p})")
    return s + "."


def markdown_sentence(cands: pd.DataFrame, curve: pd.DataFrame, aging_days: int, currency: str = "USD") -> str:
    """Markdown list and the price-vs-age slope in words."""
    allrow = curve[curve["group"] == "__all__"]
    s = ""
    if not allrow.empty:
        r = allrow.iloc[0]
        direction = "falls" if r["slope_pct_per_30d"] < 0 else "rises"
        s = (f"Across {fmt.num(r['n'])} sales, the price fetched relative to list {direction} by "
             f"{abs(r['slope_pct_per_30d']):.1f} points per 30 days on the shelf (least squares, "
             f"{'p < 0.001' if r['slope_p_value'] < 0.001 else 'p = ' + format(r['slope_p_value'], '.2g')}). ")
    if cands.empty:
        return s + f"No unsold item has been listed more than {aging_days} days: nothing to mark down."
    md = cands["markdown_pct"].dropna()
    capped = int((cands["markdown_rule"] == "cost_floor").sum())
    s += (f"{fmt.num(len(cands))} items qualify for a markdown (listed more than {aging_days} days); the "
          f"suggested markdown has a median of {md.median():.0f}%" if len(md) else
          f"{fmt.num(len(cands))} items qualify for a markdown but none has a list price")
    if capped:
        s += f", {fmt.num(capped)} capped so they do not sell below cost"
    return s + "."


def markdown_reasons(cands: pd.DataFrame, aging_days: int = AGING_DAYS, min_n: int = 30) -> pd.Series:
    """Each markdown candidate's ``reason`` in words: its age, the line its markdown was read off and what the
    cost floor did (docs/metrics.md, Products and inventory: Markdown); ``cands`` from
    lib.analytics.inventory.markdown_candidates with the same ``aging_days`` and ``min_n``."""
    rule = cands["markdown_rule"]
    days = cands["days_listed"].astype("string")
    no_curve = ("listed " + days + f" days (over {aging_days}); "
                f"too few sales with a list price (< {min_n}) to derive a markdown")
    if rule.eq("no_curve").all():
        return no_curve.astype(object)
    basis = cands["fit_group"].astype("string").fillna("all")
    n_fit = cands["fit_n"]
    n_txt = n_fit.map({v: f"{int(v):,}" for v in pd.unique(n_fit)}).astype("string")
    pct_txt = pd.Series(np.round(cands["expected_price_ratio"].to_numpy(dtype="float64") * 100).astype("int64"),
                        index=cands.index).astype("string")
    base = ("listed " + days + f" days (over {aging_days}); " + basis
            + " items that sold at that age fetched " + pct_txt + "% of list price (line fitted on "
            + n_txt + " sales)")
    cost = cands["unit_cost"].astype("float64")
    cost_txt = cost.round(2).map("{:,.2f}".format).astype("string")
    lp_txt = cands["list_price"].astype("float64").round(2).map("{:,.2f}".format).astype("string")
    sug_txt = pd.Series(np.nan_to_num(cands["data_markdown_pct"].to_numpy(dtype="float64")),
                        index=cands.index).astype("int64").astype("string")
    cap_txt = pd.Series(np.nan_to_num(cands["markdown_pct"].to_numpy(dtype="float64")),
                        index=cands.index).astype("int64").astype("string")
    tails = {
        "no_list_price": "; no list price: set one at or above the cost of " + cost_txt + " first",
        "list_below_cost": "; list price " + lp_txt + " is already below the cost of " + cost_txt
        + ": no markdown, consider relisting elsewhere or bundling",
        "cost_floor": "; the data suggest " + sug_txt + "% off, capped at " + cap_txt
        + "% so the price stays at or above the cost of " + cost_txt,
        "none_needed": pd.Series("; no markdown needed by price, promote it in a show instead", index=cands.index,
                                 dtype="string"),
    }
    tail = "; " + sug_txt + "% off brings it to that level"
    for name, txt in tails.items():
        tail = tail.where(rule != name, txt)
    return (base + tail).where(rule != "no_curve", no_curve).astype(object)


def markdown_table(cands: pd.DataFrame, aging_days: int = AGING_DAYS, min_n: int = 30) -> pd.DataFrame:
    """``markdown_candidates.csv`` (docs/metrics.md, Action lists): the candidates with their ``reason``
    (:func:`markdown_reasons`) after ``markdown_pct``, without the columns that say how the markdown came about."""
    t = cands[MARKDOWN_COLUMNS].copy()
    t["reason"] = markdown_reasons(cands, aging_days, min_n)
    return pd.concat([t, cands[MARKDOWN_EXTRA]], axis=1)


def aging_actions(aged: dict, by_brand: pd.DataFrame, aging_days: int,
                  currency: str = "USD") -> tuple[str, list[str]]:
    """What the aging section means and what to do."""
    if not aged["stock_units"]:
        return "Nothing is on the shelf.", ["Buy stock: there is nothing to sell."]
    share = aged["aged_cost_share_pct"] or 0.0
    meaning = (f"{fmt.money(aged['aged_inventory_cost'], currency)} ({fmt.pct(share)} of stock at cost) has "
               f"waited more than {aging_days} days; that money cannot buy fresh stock.")
    acts = [f"Mark down the {fmt.num(aged['aged_inventory_units'])} aged units (markdown_candidates.csv, next section)."]
    top = by_brand[by_brand["aged_units"] > 0]
    if not top.empty:
        b = top.iloc[0]
        acts.append(f"Pause buying {b.iloc[0]} until its {fmt.num(b['aged_units'])} aged units "
                    f"({fmt.money(b['aged_cost'], currency)}) move.")
    return meaning, acts


def markdown_actions(cands: pd.DataFrame, check: dict | None, currency: str = "USD") -> tuple[str, list[str]]:
    """What the markdown section means and what to do."""
    if cands.empty:
        return "No item is old enough to mark down.", ["Nothing to mark down this month."]
    md = cands["markdown_pct"].dropna()
    value = (cands["list_price"] * cands["units_on_hand"]).sum()
    meaning = (f"{fmt.num(len(cands))} items listed at {fmt.money(value, currency)} wait for buyers; the suggested "
               "markdowns match what similar items fetched at the same age.")
    acts = [f"Apply the markdowns in markdown_candidates.csv, oldest first (median {md.median():.0f}% off)."
            if len(md) else "Set list prices on the aged items first; none has one."]
    if check is not None:
        acts.append(f"Do not apply a flat {check['belief_pct']:.0f}% to everything: the data put items sold after "
                    f"{check['over_days']} days at {fmt.pct(check['discount_old_pct'])} off on average, and the "
                    "list gives each item its own figure.")
    no_list = int(cands["markdown_pct"].isna().sum())
    if no_list:
        acts.append(f"Set a list price on the {fmt.num(no_list)} aged items that have none.")
    return meaning, acts
