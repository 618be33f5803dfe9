"""Recommendation rules in words: the owner's action, its expected effect and its evidence, built on the numbers of
lib.analytics.recommendations (docs/metrics.md, Recommendations)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.analytics import recommendations as rc
from lib.analytics.effects import LEVEL
from lib.analytics.recommendations import Recommendation
from lib.config import AGING_DAYS, CHURN_DAYS
from lib.narrative import bundles as bundles_text
from lib.narrative import fmt
from lib.narrative import inventory as inventory_text
from lib.narrative import products as products_text
from lib.narrative import verdicts as verdicts_text

__all__ = ["InventorySection", "intro_sentence", "inventory_section", "bundle_table_shown", "marketing_evidence",
           "section_summary", "top_total_sentence", "top_actions_insight", "top_actions_findings", "top_actions_todo"]


def intro_sentence(period_end: pd.Timestamp, currency: str, alpha: float = 0.05) -> str:
    """What the rules are applied to, in which unit, and when a test counts (docs/metrics.md, Recommendations)."""
    return (f"Rules are applied to the history up to {period_end:%d %B %Y}; expected effects are gross profit a month "
            f"(or once, when marked so), in {currency}, with an {LEVEL:.0%} range, and each states the assumption it "
            f"rests on. Tests count a difference when p < {alpha:g}.")


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
                      buy_shift_pct: float = 10.0, alpha: float = 0.05) -> InventorySection:
    """The inventory section in one call: markdowns (lib.narrative.inventory.markdown_recommendations), bundles
    (``bcands`` over ``months`` of history; lib.narrative.bundles.bundle_recommendations) and buying by brand
    (lib.narrative.verdicts.buying_recommendations; docs/metrics.md, Recommendations).

    ``markdowns`` / ``brand_map``: whether the data allow them (list prices; brands and
    costs); without a ``lifecycle`` (no inventory) neither runs. The lifecycle is used here
    only, so it goes when this returns.
    """
    recs: list[Recommendation] = []
    skips: list[tuple[str, str]] = []
    if markdowns and lifecycle is not None:
        recs += inventory_text.markdown_recommendations(completed, lifecycle, period_end, currency, aging_days,
                                                        markdown_group)
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


def bundle_table_shown(bcands: pd.DataFrame) -> pd.DataFrame:
    """The bundle candidates as shown: support and confidence in percent, the test in words
    (docs/metrics.md, Recommendations)."""
    return bcands.assign(test=bcands["p_value"].map(products_text.p_text), support=bcands["support"] * 100,
                         confidence=bcands["confidence"] * 100)[
        ["item_a", "item_b", "kind", "support", "confidence", "lift", "occasions", "test", "recommended"]]


# ---------------------------------------------------------------- marketing (customers, marketing)


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


# ---------------------------------------------------------------- ranking


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
    out.append("Expected effects rest on stated assumptions (parameters of this report); the range is an "
               f"{LEVEL:.0%} interval of the measured part, and confidence says how firm it is.")
    return out


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
