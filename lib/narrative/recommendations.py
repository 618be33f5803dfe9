"""Recommendation rules in words: the owner's action, its expected effect and its evidence, built on the numbers of
lib.analytics.recommendations (docs/metrics.md, Recommendations)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from lib.analytics import bundles
from lib.analytics import recommendations as rc
from lib.analytics.effects import LEVEL
from lib.analytics.recommendations import Recommendation
from lib.config import AGING_DAYS, CHURN_DAYS
from lib.narrative import bundles as bundles_text
from lib.narrative import fmt
from lib.narrative import inventory as inventory_text
from lib.narrative import verdicts as verdicts_text
from lib.narrative.advice import Advice

__all__ = ["METHOD_TABLE", "SETTINGS_TABLE", "section_advice", "advice_method", "advice_settings", "inventory_advice",
           "InventorySection", "intro_sentence", "intro_method", "inventory_section", "inventory_method",
           "marketing_evidence", "marketing_method", "section_summary", "section_method", "top_total_sentence",
           "top_actions_insight", "top_actions_method", "top_table_shown", "top_actions_findings", "top_actions_todo",
           "TOP_TITLES", "WIN_BACK_TITLES", "win_back_shown"]


def intro_sentence(period_end: pd.Timestamp, currency: str, alpha: float = 0.05) -> str:
    """What the rules are applied to, in which unit, and when a difference counts as clear, in plain words
    (the test threshold itself is in :func:`intro_method`; docs/metrics.md, Recommendations)."""
    return (f"Rules are applied to the history up to {period_end:%d %B %Y}; expected effects are gross profit a month "
            f"(or once, when marked so), in {currency}, with an {LEVEL:.0%} range, and each states the assumption it "
            f"rests on. A difference counts as clear only when chance alone would give one as large less than "
            f"{fmt.pct(alpha * 100, 0)} of the time.")


def intro_method(alpha: float = 0.05) -> list[str]:
    """The page's method note: the test threshold and where the ranges come from (docs/metrics.md, Effects)."""
    return [f"Tests count a difference when p < {alpha:g}.",
            f"Each expected effect's {LEVEL:.0%} range is the central {LEVEL:.0%} of simulated or bootstrap draws of "
            "its gross profit; the assumptions it rests on are held fixed."]


# ---------------------------------------------------------------- results flow once (lib.narrative.advice)


#: an advice's table of its method block's lines (one column ``sentence``), in the order the section shows them
METHOD_TABLE = "method"
#: an advice's one-row table of the settings the section was computed with (its charts need some of them)
SETTINGS_TABLE = "settings"


def section_advice(section: str, recs: list[Recommendation], tables: dict[str, pd.DataFrame],
                   sentences: list[str], skipped: list[tuple[str, str]], method: list[str],
                   settings: dict) -> Advice:
    """One section's :class:`~lib.narrative.advice.Advice` as a domain page hands it to the recommendations page:
    ``tables`` plus :data:`METHOD_TABLE` (the ``method`` lines) and :data:`SETTINGS_TABLE` (``settings``), the
    sentences and method lines without the empty ones (docs/metrics.md, Run outputs)."""
    return Advice(section, list(recs), {
        **tables, METHOD_TABLE: pd.DataFrame({"sentence": pd.Series([m for m in method if m], dtype="string")}),
        SETTINGS_TABLE: pd.DataFrame([settings])}, [s for s in sentences if s], list(skipped))


def advice_method(adv: Advice) -> list[str]:
    """The method block's lines of a section's advice (:func:`section_advice`), empty without any."""
    t = adv.table(METHOD_TABLE)
    return [] if t is None else [str(x) for x in t["sentence"]]


def advice_settings(adv: Advice) -> dict:
    """The settings a section's advice was computed with (:func:`section_advice`), as plain Python values."""
    t = adv.table(SETTINGS_TABLE)
    if t is None or t.empty:
        return {}
    return {str(c): (v.item() if hasattr(v, "item") else v) for c in t.columns for v in [t[c].iloc[0]]}


# ---------------------------------------------------------------- inventory (products_inventory, brands)


@dataclass(frozen=True)
class InventorySection:
    """What the inventory section shows (:func:`inventory_section`): its recommendations, the parts skipped
    (section, reason), the insight sentences."""

    recs: list[Recommendation]
    skipped: list[tuple[str, str]]
    sentences: list[str]


def inventory_section(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, bcands: pd.DataFrame,
                      months: float, period_end: pd.Timestamp, currency: str, markdowns: bool = True,
                      brand_map: bool = True, aging_days: int = AGING_DAYS, markdown_group: str = "category",
                      min_brand_sales: int = 20, min_pair_occasions: int = 10, bundle_uptake_pct: float = 10.0,
                      buy_shift_pct: float = 10.0, alpha: float = 0.05,
                      cands: pd.DataFrame | None = None) -> InventorySection:
    """The inventory section in one call: markdowns (lib.narrative.inventory.markdown_recommendations), bundles
    (``bcands`` over ``months`` of history; lib.narrative.bundles.bundle_recommendations) and buying by brand
    (lib.narrative.verdicts.buying_recommendations; docs/metrics.md, Recommendations).

    ``markdowns`` / ``brand_map``: whether the data allow them (list prices; brands and
    costs); without a ``lifecycle`` (no inventory) neither runs. The lifecycle is used here
    only, so it goes when this returns. ``cands``: the page's markdown candidates when computed already
    (lib.narrative.inventory.markdown_recommendations).
    """
    recs: list[Recommendation] = []
    skips: list[tuple[str, str]] = []
    if markdowns and lifecycle is not None:
        recs += inventory_text.markdown_recommendations(completed, lifecycle, period_end, currency, aging_days,
                                                        markdown_group, cands)
    else:
        skips.append(("Markdowns", "needs products.csv (list prices) and inventory.csv"))
    paired = bundles_text.bundle_recommendations(bcands, months, currency, bundle_uptake_pct, alpha)
    recs += paired
    brands_ran = brand_map and lifecycle is not None
    if brands_ran:
        recs += verdicts_text.buying_recommendations(completed, lifecycle, period_end, currency, buy_shift_pct,
                                                     min_brand_sales)
    else:
        skips.append(("Buying by brand", "needs products.csv, inventory.csv and brands.csv"))
    sentences = [bundles_text.bundle_sentence(bcands, min_pair_occasions),
                 *[r.evidence for r in recs if r not in paired],  # the bundle sentence says theirs
                 "" if not brands_ran or any(r.source == "brands" for r in recs) else
                 "No brand has a buy-more or buy-less verdict with an effect on gross profit, so buying stays as "
                 "it is."]
    return InventorySection(recs, skips, sentences)


def inventory_method(recs: list[Recommendation], bcands: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """The inventory section's method block: how the pairs were tested (lib.narrative.bundles.bundle_method), then
    each inventory recommendation's method by its action (docs/metrics.md, Recommendations)."""
    return [*bundles_text.bundle_method(bcands, alpha), *section_method(recs, "Inventory")]


def inventory_advice(tables: Mapping[str, pd.DataFrame], lines: pd.DataFrame, completed: pd.DataFrame,
                     lifecycle: pd.DataFrame | None, period_end: pd.Timestamp, currency: str = "USD", *,
                     aging_days: int = AGING_DAYS, markdown_group: str = "category", min_brand_sales: int = 20,
                     min_pair_occasions: int = 10, min_lift: float = 1.2, bundle_uptake_pct: float = 10.0,
                     buy_shift_pct: float = 10.0, alpha: float = 0.05,
                     markdown_cands: pd.DataFrame | None = None) -> Advice:
    """The recommendations page's inventory section (``inventory``), computed once by the products and inventory
    page: the bundle candidates of the sale ``lines`` (lib.narrative.bundles.bundle_candidates), then markdowns,
    bundles and buying by brand (:func:`inventory_section`; docs/metrics.md, Recommendations).

    ``tables``: the dataset's tables (only which are present is read): markdowns need products (list prices), buying
    by brand needs products, brands and inventory with costs in ``completed``; without a ``lifecycle`` (no
    inventory) neither runs. Tables: ``bundle_candidates`` (bundle_candidates.csv), the method lines
    (:func:`inventory_method`) and the settings (``min_pair_occasions``, ``min_lift``, ``alpha``;
    :func:`section_advice`). ``markdown_cands``: lib.analytics.inventory.markdown_candidates of the stock at
    ``period_end`` with the same ``aging_days``, ``markdown_group`` and ``lifecycle``, when the page computed them
    (results computed once; else computed here).
    """
    markdowns = "products" in tables and "list_price" in completed.columns
    brand_map = (all(t in tables for t in ("inventory", "brands", "products")) and "gross_profit" in completed.columns
                 and len(completed) > 0)
    bcands = bundles_text.bundle_candidates(lines, min_pair_occasions=min_pair_occasions, min_lift=min_lift,
                                            alpha=alpha)
    inv = inventory_section(completed, lifecycle, bcands, bundles.history_months(lines), period_end, currency,
                            markdowns=markdowns, brand_map=brand_map, aging_days=aging_days,
                            markdown_group=markdown_group, min_brand_sales=min_brand_sales,
                            min_pair_occasions=min_pair_occasions, bundle_uptake_pct=bundle_uptake_pct,
                            buy_shift_pct=buy_shift_pct, alpha=alpha, cands=markdown_cands)
    return section_advice("inventory", inv.recs, {"bundle_candidates": bcands}, inv.sentences, inv.skipped,
                          inventory_method(inv.recs, bcands, alpha),
                          {"min_pair_occasions": min_pair_occasions, "min_lift": min_lift, "alpha": alpha})


# ---------------------------------------------------------------- marketing (customers, marketing)


#: the win-back table's columns in the owner's words (revenue is each customer's revenue so far)
WIN_BACK_TITLES = {"list": "Win-back list", "segment": "Customer group", "revenue": "Lifetime revenue",
                   "p_buy_30d": "Chance to buy in 30 days %",
                   "gross_profit_per_occasion": "Gross profit per purchase day"}


def win_back_shown(targets: pd.DataFrame) -> pd.DataFrame:
    """The win-back list as the page shows it: no buyer id, the chance to buy in 30 days in percent
    (docs/metrics.md, Churn risk and churn actions)."""
    shown = targets.drop(columns=[c for c in ("buyer_id",) if c in targets.columns])
    return shown.assign(p_buy_30d=shown["p_buy_30d"] * 100) if "p_buy_30d" in shown.columns else shown


def marketing_evidence(recs: list[Recommendation], targets: pd.DataFrame | None, boot: pd.DataFrame | None,
                       churn_days: int = CHURN_DAYS) -> list[str]:
    """The marketing insight: the evidence of its fired rules, then why nobody is won back or the budget stays
    (docs/metrics.md, Recommendations)."""
    mine = [r for r in recs if r.section == "Marketing"]
    return [*[r.evidence for r in mine],
            "" if targets is None or len(targets) else f"No high-value or slipping customer has been away more "
                                                       f"than {churn_days} days: there is nobody to win back.",
            "" if boot is None or any(r.source == "marketing" for r in mine) else
            "No channel both pays back with confidence and has a losing channel or spend to take budget from, so "
            "the budget split stays."]


def marketing_method(recs: list[Recommendation], budget: list[str] = ()) -> list[str]:
    """The marketing section's method block: each marketing recommendation's method by its action, then, when no
    budget move fired, how the channels were measured (``budget``: lib.narrative.marketing.budget_method of the
    advice; docs/metrics.md, Recommendations)."""
    moved = any(r.source == "marketing" for r in recs if r.section == "Marketing")
    return [*section_method(recs, "Marketing"), *([] if moved else budget)]


# ---------------------------------------------------------------- ranking


def _method_line(action: str, method: str) -> str:
    """``Move 2 shows a month into the Thursday 21:00 slot: <method>`` ("" without a method)."""
    return f"{str(action).rstrip('.')}: {method.strip()}" if isinstance(method, str) and method.strip() else ""


def section_method(recs: list[Recommendation], section: str) -> list[str]:
    """The method of each recommendation of one section, in the order the section lists them, named by its
    action (for the section's "How this was worked out" block; docs/metrics.md, Recommendations)."""
    return [line for r in rc.section_recommendations(recs, section) if (line := _method_line(r.action, r.method))]


def _gp_total(monthly: float, once: float, currency: str) -> str:
    """``$X gross profit a month`` and/or ``$Y once``."""
    parts = []
    if monthly or not once:
        parts.append(f"{fmt.money(monthly, currency)} gross profit a month")
    if once:
        parts.append(f"{fmt.money(once, currency)} {'gross profit ' if not parts else ''}once")
    return " and ".join(parts)


def section_summary(recs: list[Recommendation], section: str, currency: str,
                    nothing: str = "") -> tuple[str, list[str]]:
    """(meaning, actions) of a notebook section from the rules that fired in it, the total in gross profit only;
    says so when none fired (docs/metrics.md, Recommendations' effects)."""
    mine = rc.section_recommendations(recs, section)
    if not mine:
        return (nothing or f"No {section.lower()} rule met its threshold this month, so nothing is recommended "
                "here.", ["Keep the current plan; the rules are checked again next month."])
    monthly, once = rc.section_total(recs, section)
    label = {"Live shows": "live-show"}.get(section, section.lower())
    n = len(mine)
    rev = sum(r.unit == "revenue" for r in mine)
    meaning = (f"{n} {label} action{'s' if n != 1 else ''} met {'their thresholds' if n != 1 else 'its threshold'}, "
               f"worth about {_gp_total(monthly, once, currency)} {'together' if n != 1 else ''}".rstrip() + ".")
    if rev:
        meaning += (f" {fmt.count(rev, 'effect')} {'is' if rev == 1 else 'are'} counted in revenue (the data have "
                    "no costs) and not added.")
    return meaning, [f"{r.action} {r.expected_effect}" for r in mine]


def top_total_sentence(top: pd.DataFrame, currency: str, gross_profit_period: float | None = None,
                       month: str = "") -> str:
    """``Together about $X gross profit a month (80% range ...), N% of October's $57,580.`` for the top actions
    (lib.analytics.recommendations.top_total; docs/metrics.md, Recommendations' effects); "" without any."""
    gp = top[top["unit"] == "gross profit"]
    if gp.empty:
        return ""
    total, lo, hi = rc.top_total(top)
    once = int((gp["effect_kind"] == "one-off").sum())
    text = (f"Together about {fmt.money(total, currency)} gross profit a month ({LEVEL:.0%} range "
            f"{fmt.money(lo, currency)} to {fmt.money(hi, currency)})")
    if gross_profit_period is not None and gross_profit_period > 0:
        text += f", {fmt.pct(total / gross_profit_period * 100, 0)} of {month or 'the month'}'s {fmt.money(gross_profit_period, currency)}"
    text += "."
    if once:
        text += f" {fmt.count(once, 'of them is', 'of them are')} one-off, counted once."
    if len(gp) < len(top):
        text += f" {fmt.count(len(top) - len(gp), 'action')} counted in revenue (no costs) {'is' if len(top) - len(gp) == 1 else 'are'} not added."
    return text


def top_actions_insight(recs_frame: pd.DataFrame, top: pd.DataFrame, totals: pd.DataFrame, currency: str,
                        gross_profit_period: float | None = None, month: str = "") -> list[str]:
    """The top-actions insight: how many fired and could rank, what the top ones are worth against the month's
    gross profit, per section (``recs_frame``: lib.analytics.recommendations.recommendations_frame, ``totals`` its
    section_totals; docs/metrics.md, Recommendations' effects)."""
    n_recs, n_ok = len(recs_frame), int(recs_frame["top_action"].astype(bool).sum())
    left = recs_frame[~recs_frame["top_action"].astype(bool)]
    out = [f"{fmt.count(n_recs, 'action')} met {'their thresholds' if n_recs != 1 else 'its threshold'} this month; "
           f"{n_ok} of them have an effect that rounds to at least {fmt.money(1, currency)} with an {LEVEL:.0%} range "
           f"above zero and can be top actions. The top {len(top)}: "
           + top_total_sentence(top, currency, gross_profit_period, month)]
    if len(left):
        out.append("Not top actions, because their effect rounds to zero or its range includes zero (or has no "
                   "range yet): "
                   + "; ".join(left["action"].str.rstrip(".")) + ".")
    out.append("; ".join(
        f"{s}: {fmt.count(int(r['size']), 'action')}, {_gp_total(r['monthly'], r['one_off'], currency)}"
        + (f" ({int(r['revenue_only'])} in revenue only, not added)" if r["revenue_only"] else "")
        for s, r in totals.iterrows()) + ".")
    out.append("Expected effects rest on stated assumptions (the settings of this report); the "
               f"{LEVEL:.0%} range shows how sure the measured part is, and confidence says how firm each action is.")
    return out


def top_actions_method(top: pd.DataFrame) -> list[str]:
    """The method of each top action, by rank (``top``: lib.analytics.recommendations.top_actions, its ``method``
    column; docs/metrics.md, Recommendations)."""
    if "method" not in top.columns:
        return []
    return [f"{r.rank}. {line}" for r in top.itertuples() if (line := _method_line(r.action, r.method))]


#: the top-actions table's columns in the owner's words
TOP_TITLES = {"expected_effect": "What it brings", "confidence": "Confidence", "source": "From the report",
              "expected_value": "Expected amount", "effect_kind": "How often",
              "expected_low": f"{LEVEL:.0%} range, low", "expected_high": f"{LEVEL:.0%} range, high",
              "expected_revenue": "Expected sales", "capped_by": "Limited by", "unit": "Counted in"}


def top_table_shown(top: pd.DataFrame, titles: dict[str, str] | None = None) -> pd.DataFrame:
    """The top actions as the page's table shows them: without evidence and method (the evidence is in the
    sections and on the front page, the method in the method block), ``source`` as the report's title from
    ``titles`` (docs/metrics.md, Recommendations)."""
    shown = top.drop(columns=[c for c in ("evidence", "method") if c in top.columns])
    return shown.assign(source=shown["source"].map(lambda s: (titles or {}).get(s, s)))


def top_actions_findings(n_recs: int, top: pd.DataFrame) -> list[str]:
    """The report's findings: the top action and the next one (docs/metrics.md, Recommendations)."""
    out = [f"{n_recs} actions qualify this month; the top one: {top['action'].iloc[0]} {top['expected_effect'].iloc[0]}"]
    if len(top) > 1:
        out.append(f"Next: {top['action'].iloc[1]} {top['expected_effect'].iloc[1]}")
    return out


def top_actions_todo(top: pd.DataFrame, currency: str, gross_profit_period: float | None = None,
                     month: str = "") -> tuple[str, list[str]]:
    """(meaning, actions) of the top-actions section (docs/metrics.md, Recommendations' effects)."""
    return (f"Work through the list from the top. {top_total_sentence(top, currency, gross_profit_period, month)}",
            [f"{r.rank}. {r.action}" for r in top.itertuples()])
