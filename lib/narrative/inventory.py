"""The owner's sentences and actions about aged stock and markdowns (docs/metrics.md, Products and inventory)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import inventory
from lib.analytics.inventory import MARKDOWN_COLUMNS, MARKDOWN_EXTRA, SHOP_CHANNEL
from lib.analytics.recommendations import Recommendation
from lib.config import AGING_DAYS
from lib.narrative import fmt
from lib.narrative.effects import effect_phrase

__all__ = ["aging_sentence", "markdown_belief_sentence", "markdown_sentence", "loss_sentence", "markdown_reasons",
           "markdown_table", "aging_actions", "markdown_actions", "markdown_recommendations", "markdown_method",
           "sale_chance_method"]


def _units_items(units: int, items: int) -> str:
    """``496 units (482 items)``, or ``3 units`` when every item holds one unit."""
    u = fmt.count(units, "unit")
    return u if units == items else f"{u} ({fmt.count(items, 'item')})"


def aging_sentence(aged: dict, aging_days: int, by_brand: pd.DataFrame, currency: str = "USD") -> str:
    """Aged stock in words, with the brand holding the most aged cost."""
    if not aged["stock_units"]:
        return "Nothing is on the shelf at period end."
    items = aged.get("aged_items", aged["aged_inventory_units"])
    extra = "" if items == aged["aged_inventory_units"] else f", {fmt.count(items, 'item')}"
    s = (f"{fmt.num(aged['aged_inventory_units'])} of {fmt.num(aged['stock_units'])} units on hand "
         f"({fmt.pct(aged['aged_units_share_pct'])}{extra}) were listed more than {aging_days} days ago; they cost "
         f"{fmt.money(aged['aged_inventory_cost'], currency)}, {fmt.pct(aged['aged_cost_share_pct'])} "
         "of the money tied up in stock")
    top = by_brand[by_brand["aged_units"] > 0]
    if not top.empty:
        b = top.iloc[0]
        s += (f"; {b.iloc[0]} holds the most of it ({fmt.money(b['aged_cost'], currency)}, "
              f"{fmt.count(b['aged_units'], 'unit')})")
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
         f"below list price on average (95% range {check['discount_old_low']:.1f}% to "
         f"{check['discount_old_high']:.1f}%, {fmt.num(check['n_old'])} sales)")
    if b - practical_pts <= check["discount_old_low"] and check["discount_old_high"] <= b + practical_pts:
        s += (f": practically the {b:.0f}% off the common belief says (the whole range is within "
              f"{practical_pts:g} points of it)")
    elif check["discount_old_high"] < b:
        s += f": less than the {b:.0f}% off the common belief says old items need to move"
    elif check["discount_old_low"] > b:
        s += f": more than the {b:.0f}% off the common belief says"
    else:
        s += f": consistent with the common belief of {b:.0f}% off"
    clear = "a clear difference" if check["p_value"] < 0.05 else "may be chance, no clear difference"
    s += (f". Items sold within {check['fresh_days']} days went for {fmt.pct(check['discount_fresh_pct'])} "
          f"off, so waiting cost {check['extra_pct']:.1f} extra points (95% range {check['extra_low']:.1f} to "
          f"{check['extra_high']:.1f}), {clear}")
    return s + "."


def markdown_sentence(cands: pd.DataFrame, curve: pd.DataFrame, aging_days: int, currency: str = "USD") -> str:
    """Markdown list and the price-vs-age slope in words: how many aged units have a markdown, the break-even
    floor and the items that would sell only at a loss (docs/metrics.md, Products and inventory: Markdown)."""
    allrow = curve[curve["group"] == "__all__"]
    s = ""
    if not allrow.empty:
        r = allrow.iloc[0]
        direction = "falls" if r["slope_pct_per_30d"] < 0 else "rises"
        p = r["slope_p_value"]
        clear = ("" if p is None or pd.isna(p) else ", a clear trend" if p < 0.05 else
                 ", which may be chance")
        s = (f"Across {fmt.num(r['n'])} sales, the price fetched relative to list {direction} by "
             f"{abs(r['slope_pct_per_30d']):.1f} points per 30 days on the shelf{clear}. ")
    if cands.empty:
        return s + f"No unsold item has been listed more than {aging_days} days: nothing to mark down."
    units = int(cands["units_on_hand"].sum())
    has = cands["markdown_pct"] > 0
    md = cands.loc[has, "markdown_pct"]
    if not len(md):
        s += (f"None of the {_units_items(units, len(cands))} listed more than {aging_days} days has a suggested "
              "markdown")
    else:
        s += (f"{fmt.num(cands.loc[has, 'units_on_hand'].sum())} of the {fmt.num(units)} aged units "
              f"({fmt.num(int(has.sum()))} of {fmt.count(len(cands), 'item')}, listed more than {aging_days} days) "
              f"have a suggested markdown, median {md.median():.0f}%")
    floored = int((cands["markdown_rule"] == "break_even_floor").sum())
    if floored:
        s += (f"; {fmt.count(floored, 'item')} {'is' if floored == 1 else 'are'} held at break-even (cost plus the "
              "fees and shipping of the channel they are expected to sell on) instead of the lower price similar "
              "items fetched at that age")
    s += "."
    p = cands["p_sell_30d"].dropna()
    if len(p):
        s += (f" At their own ages (median {fmt.days(cands['days_listed'].median())}) the "
              f"{fmt.count(len(cands), 'aged item')} have on average a "
              f"{fmt.pct(p.mean() * 100)} chance of selling in the next {inventory.SALE_WINDOW_DAYS} days "
              "(from how fast similar items of the same age sold).")
    loss = loss_sentence(cands, currency)
    return s + (" " + loss if loss else "")


def loss_sentence(cands: pd.DataFrame, currency: str = "USD") -> str:
    """``N items would sell at a loss to free cash: $X`` for the candidates whose price at their age is below
    break-even (lib.analytics.inventory.loss_sales); empty when there are none (docs/metrics.md, Markdown)."""
    loss = inventory.loss_sales(cands)
    if not loss["items"]:
        return ""
    return (f"{fmt.count(loss['items'], 'item')} would sell at a loss to free cash: "
            f"{fmt.money(loss['cash'], currency)} after fees and shipping, at the prices similar items fetched at "
            f"their age, against {fmt.money(loss['cost'], currency)} they cost; the list never prices them below "
            f"break-even (marked in the Below break even column of {fmt.sheet('markdown_candidates')}).")


def _money_txt(x: pd.Series) -> pd.Series:
    """``1,234.50`` per value ("" when missing), each distinct amount formatted once."""
    v = x.astype("float64").round(2).to_numpy()
    ok = ~np.isnan(v)
    uniq, inv = np.unique(v[ok], return_inverse=True)
    out = np.full(len(v), "", dtype=object)
    out[ok] = np.array([f"{u:,.2f}" for u in uniq.tolist()], dtype=object)[inv]
    out[ok & (v == 0)] = np.where(np.signbit(v[ok & (v == 0)]), "-0.00", "0.00")  # np.unique merges -0.0 and 0.0
    return pd.Series(out, index=x.index, dtype="string")


def markdown_reasons(cands: pd.DataFrame, aging_days: int = AGING_DAYS, min_n: int = 30) -> pd.Series:
    """Each markdown candidate's ``reason`` in words: its age, the line its markdown was read off, what the
    break-even floor did and its chance of selling in the next 30 days (docs/metrics.md, Products and inventory:
    Markdown); ``cands`` from lib.analytics.inventory.markdown_candidates with the same ``aging_days`` and ``min_n``."""
    rule = cands["markdown_rule"]
    days = cands["days_listed"].astype("string")
    no_curve = ("listed " + days + f" days (over {aging_days}); "
                f"too few sales with a list price (< {min_n}) to derive a markdown")
    if rule.eq("no_curve").all():
        return (no_curve + _chance_txt(cands)).astype(object)
    basis = cands["fit_group"].astype("string").fillna("all")
    n_fit = cands["fit_n"]
    n_txt = n_fit.map({v: f"{int(v):,}" for v in pd.unique(n_fit)}).astype("string")
    pct_txt = pd.Series(np.round(cands["expected_price_ratio"].to_numpy(dtype="float64") * 100).astype("int64"),
                        index=cands.index).astype("string")
    base = ("listed " + days + f" days (over {aging_days}); " + basis
            + " items that sold at that age fetched " + pct_txt + "% of list price (line fitted on "
            + n_txt + " sales)")
    chan = cands["sale_channel"].astype("string")
    chan = chan.where(chan != SHOP_CHANNEL, "the shop's average")
    be = ("the break-even of " + _money_txt(cands["break_even_price"]) + " (cost " + _money_txt(cands["unit_cost"])
          + " plus " + chan + " fees of " + (cands["fee_share"] * 100).round(1).astype("string")
          + "% and shipping of " + _money_txt(cands["shipping_per_unit"]) + ")")
    lp_txt = _money_txt(cands["list_price"])
    age_txt = _money_txt(cands["price_at_age"])
    sug_txt = pd.Series(np.nan_to_num(cands["data_markdown_pct"].to_numpy(dtype="float64")),
                        index=cands.index).astype("int64").astype("string")
    cap_txt = pd.Series(np.nan_to_num(cands["markdown_pct"].to_numpy(dtype="float64")),
                        index=cands.index).astype("int64").astype("string")
    tails = {
        "no_list_price": "; no list price: set one at or above " + be + " first",
        "list_below_break_even": "; list price " + lp_txt + " is already below " + be
        + ": no markdown; at its age (" + age_txt + ") it sells only at a loss, consider relisting elsewhere or "
        "bundling",
        "break_even_floor": "; the data suggest " + sug_txt + "% off (" + age_txt + "), below " + be
        + ": capped at " + cap_txt + "% so the price stays at or above break-even; at its age it sells only at a loss",
        "none_needed": pd.Series("; no markdown needed by price, promote it in a show instead", index=cands.index,
                                 dtype="string"),
    }
    tail = "; " + sug_txt + "% off brings it to that level, above " + be
    for name, txt in tails.items():
        tail = tail.where(rule != name, txt)
    return ((base + tail).where(rule != "no_curve", no_curve) + _chance_txt(cands)).astype(object)


def _chance_txt(cands: pd.DataFrame) -> pd.Series:
    """``; 12% chance of selling in the next 30 days at this age`` per candidate (empty when unknown)."""
    p = cands["p_sell_30d"].astype("float64")
    pct = (p * 100).round().map(lambda v: "" if pd.isna(v) else f"{int(v)}").astype("string")
    held = cands["p_held"].astype(bool)
    grp = cands["p_group"].astype("string").fillna("all")
    txt = ("; " + pct + f"% chance of selling in the next {inventory.SALE_WINDOW_DAYS} days at this age (from how "
           + grp + " items of that age sold" + pd.Series(np.where(held, ", read at the oldest age with enough items "
                                                                  "still unsold", ""), index=cands.index) + ")")
    return txt.where(p.notna(), "").fillna("")


def markdown_table(cands: pd.DataFrame, aging_days: int = AGING_DAYS, min_n: int = 30) -> pd.DataFrame:
    """``markdown_candidates.csv`` (docs/metrics.md, Action lists): the candidates with their ``reason``
    (:func:`markdown_reasons`) after ``markdown_pct``, then break-even, suggested price, sale chance and the
    below-break-even flag, without the columns that say how the markdown came about."""
    t = cands[MARKDOWN_COLUMNS].copy()
    t["reason"] = markdown_reasons(cands, aging_days, min_n)
    return pd.concat([t, cands[MARKDOWN_EXTRA]], axis=1)


def aging_actions(aged: dict, by_brand: pd.DataFrame, aging_days: int, currency: str = "USD",
                  brand_verdicts: pd.DataFrame | None = None) -> tuple[str, list[str]]:
    """What the aging section means and what to do. The aged units per brand are stated without a buying
    verdict of their own: with ``brand_verdicts`` (lib.analytics.verdicts.verdict_table of the brands, columns
    ``group`` and ``verdict``) each brand's one verdict is named beside its count (docs/metrics.md, Verdicts)."""
    if not aged["stock_units"]:
        return "Nothing is on the shelf.", ["Buy stock: there is nothing to sell."]
    share = aged["aged_cost_share_pct"] or 0.0
    meaning = (f"{fmt.money(aged['aged_inventory_cost'], currency)} ({fmt.pct(share)} of stock at cost) has "
               f"waited more than {aging_days} days; that money cannot buy fresh stock.")
    units = aged["aged_inventory_units"]
    if not units:
        return meaning, [f"Nothing has waited more than {aging_days} days: no markdown needed."]
    acts = [f"Price the {_units_items(units, aged.get('aged_items', units))} listed more than {aging_days} days "
            f"item by item ({fmt.sheet('markdown_candidates')}, next section)."]
    top = by_brand[by_brand["aged_units"] > 0].head(3)
    if not top.empty:
        verdict = ({} if brand_verdicts is None else
                   dict(zip(brand_verdicts["group"].astype(str), brand_verdicts["verdict"].astype(str), strict=True)))
        parts = []
        for _, r in top.iterrows():
            v = verdict.get(str(r.iloc[0]))
            parts.append(f"{r.iloc[0]} {fmt.count(r['aged_units'], 'unit')} ({fmt.money(r['aged_cost'], currency)} "
                         f"at cost{'' if v is None else ', verdict: ' + v})")
        acts.append("Aged units by brand, most money first: " + ", ".join(parts)
                    + ("; each brand's buying verdict is on the Brands page." if brand_verdicts is None
                       else "; the verdicts are the Brands page's."))
    return meaning, acts


def markdown_actions(cands: pd.DataFrame, check: dict | None, currency: str = "USD") -> tuple[str, list[str]]:
    """What the markdown section means and what to do."""
    if cands.empty:
        return "No item is old enough to mark down.", ["Nothing to mark down this month."]
    md = cands.loc[cands["markdown_pct"] > 0, "markdown_pct"]
    value = (cands["list_price"] * cands["units_on_hand"]).sum()
    meaning = (f"{fmt.count(len(cands), 'item')} listed at {fmt.money(value, currency)} wait for buyers; the "
               "suggested markdowns match what similar items fetched at the same age, and never go below "
               "break-even (cost plus the channel's fees and shipping).")
    acts = [f"Apply the markdowns on {fmt.sheet('markdown_candidates')}, oldest first (median {md.median():.0f}% off)."
            if len(md) else ("Set list prices on the aged items first; none has one."
                             if cands["markdown_pct"].isna().all() else "No aged item needs a markdown by price.")]
    loss = loss_sentence(cands, currency)
    if loss:
        acts.append(loss[0].upper() + loss[1:-1] + "; sell them below break-even only if the cash is worth more "
                    "than the loss.")
    if check is not None:
        acts.append(f"Do not apply a flat {check['belief_pct']:.0f}% to everything: the data put items sold after "
                    f"{check['over_days']} days at {fmt.pct(check['discount_old_pct'])} off on average, and the "
                    "list gives each item its own figure.")
    no_list = int(cands["markdown_pct"].isna().sum() - (cands["markdown_rule"] == "no_curve").sum())
    if no_list:
        acts.append(f"Set a list price on the {fmt.count(no_list, 'aged item')} that "
                    f"{'has' if no_list == 1 else 'have'} none.")
    return meaning, acts


def markdown_recommendations(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, period_end: pd.Timestamp,
                             currency: str, aging_days: int = AGING_DAYS,
                             markdown_group: str = "category",
                             cands: pd.DataFrame | None = None) -> list[Recommendation]:
    """Mark down the aged items with a suggested markdown, never below break-even: expected gross profit once, of
    the items selling in the next 30 days at their own ages (lib.analytics.inventory.markdown_sale_effect;
    docs/metrics.md, Products and inventory: Markdown). Empty without stock, list prices or a qualifying item.
    ``cands``: lib.analytics.inventory.markdown_candidates of the stock on hand at ``period_end`` with the same
    ``aging_days``, ``markdown_group`` and ``lifecycle``, when the page computed them already (else computed here)."""
    if lifecycle is None or lifecycle.empty or "list_price" not in completed.columns:
        return []
    if cands is None:
        stock = inventory.stock_on_hand(lifecycle, period_end)
        cands = inventory.markdown_candidates(stock, completed, aging_days, group=markdown_group, lifecycle=lifecycle)
    e = inventory.markdown_sale_effect(cands)
    if e is None:
        return []
    act = cands[(cands["markdown_pct"] > 0) & cands["p_sell_30d"].notna()]
    units, all_units = int(act["units_on_hand"].sum()), int(cands["units_on_hand"].sum())
    rest = int(len(act))
    p = act["p_sell_30d"]
    expected_units = float((p * act["units_on_hand"]).sum())
    at_risk = float(act["p_at_risk"].median())
    conf = "high" if at_risk >= 90 else ("medium" if at_risk >= 30 else "low")
    floored = int((act["markdown_rule"] == "break_even_floor").sum())
    evidence = (f"{fmt.num(units)} of the {fmt.num(all_units)} aged units ({fmt.num(rest)} of "
                f"{fmt.count(len(cands), 'item')} listed more than {aging_days} days) have a suggested markdown; "
                f"at their own ages (median {fmt.days(act['days_listed'].median())}) they have on average a "
                f"{fmt.pct(p.mean() * 100)} chance of selling in the next {inventory.SALE_WINDOW_DAYS} days "
                f"(from how fast items of their {markdown_group.replace('_', ' ')} sold at the same age), about "
                f"{fmt.num(expected_units)} units; gross profit is after each item's cost and the fees and "
                "shipping of the channel it is expected to sell on")
    if floored:
        evidence += f"; {fmt.count(floored, 'item')} held at break-even add almost nothing"
    loss = loss_sentence(cands, currency)
    evidence += ". " + (loss + " " if loss else "")
    evidence += (f"Confidence {conf}: each sale chance rests on a median of {fmt.num(at_risk)} items still unsold at "
                 "the same age.")
    median_md = float(act["markdown_pct"].median())
    return [Recommendation(
        "Inventory", f"Mark down the {fmt.count(rest, 'aged item')} on {fmt.sheet('markdown_candidates')}, oldest first "
                     f"(median {median_md:.0f}% off, never below break-even).",
        effect_phrase(e, currency) + f" About {fmt.count(round(expected_units), 'unit')} are expected to sell, and "
        "their cash can buy fresh stock.",
        evidence, conf, "products_inventory", effect=e, method=" ".join(sale_chance_method(markdown_group)))]


def sale_chance_method(markdown_group: str = "category") -> list[str]:
    """How each aged item's chance of selling in the next 30 days is worked out, for the method block and a
    markdown recommendation's ``method`` (lib.analytics.inventory.markdown_candidates; docs/metrics.md, Products
    and inventory: Markdown)."""
    w = inventory.SALE_WINDOW_DAYS
    return [f"Chance of selling in the next {w} days: Kaplan-Meier curve of days to sell of the item's "
            f"{markdown_group.replace('_', ' ')} (all items when it has fewer than 30; items still unsold censored "
            f"at the period end), read as 1 - S(age + {w}) / S(age) at the item's own age; where fewer than 30 items "
            "are still at risk, at the oldest age that has 30. Gross profit of the expected sales is after each item's "
            "cost and the fees and shipping of its expected channel."]


def markdown_method(check: dict | None, curve: pd.DataFrame, markdown_group: str = "category") -> list[str]:
    """How the markdown section was worked out, for its method block: the least-squares price-vs-age line, the
    Welch t-test of the belief check and the sale chances (docs/metrics.md, Products and inventory: Markdown)."""
    out = []
    allrow = curve[curve["group"] == "__all__"]
    if not allrow.empty:
        r = allrow.iloc[0]
        groups = int((curve["group"] != "__all__").sum())
        out.append(f"Price against age: least-squares line of sale price / list price on days listed at sale over "
                   f"{fmt.count(r['n'], 'sale')}, slope {r['slope_pct_per_30d']:.2f} points per 30 days, "
                   f"{fmt.p_value(r['slope_p_value'], missing='p not computable')}"
                   + (f"; each candidate's markdown is read off the line of its {markdown_group.replace('_', ' ')} "
                      f"({fmt.count(groups, 'line')} fitted)" if groups else "") + ".")
    if check is not None:
        out.append(f"Discount of the {fmt.count(check['n_old'], 'sale')} after more than {check['over_days']} days: "
                   f"mean with a 95% t confidence interval; against the {fmt.count(check['n_fresh'], 'sale')} within "
                   f"{check['fresh_days']} days: {check['test']} on the extra discount, "
                   f"{fmt.p_value(check['p_value'])}, with its 95% confidence interval.")
    return out + sale_chance_method(markdown_group)
