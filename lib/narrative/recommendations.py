"""Recommendation rules in words: the owner's action, its expected effect and its evidence, built on the numbers of
lib.analytics.recommendations (docs/metrics.md, Recommendations)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.analytics import inventory
from lib.analytics import recommendations as rc
from lib.analytics.recommendations import Recommendation
from lib.config import AGING_DAYS, CHURN_DAYS, MIN_SHOWS
from lib.narrative import bundles as bundles_text
from lib.narrative import fmt
from lib.narrative import inventory as inventory_text
from lib.narrative import products as products_text
from lib.narrative.rfm import SEGMENT_ACTIONS

__all__ = ["VIP_MESSAGE", "InventorySection", "intro_sentence", "show_slot_rule", "show_length_rule",
           "show_mix_rule", "show_mix_rules", "show_mix_shown", "show_evidence", "markdown_rule", "bundle_rule",
           "brand_buying_rule", "inventory_section", "bundle_table_shown", "with_messages", "win_back_list",
           "retarget_rule", "budget_rule", "marketing_evidence", "section_summary", "top_actions_insight",
           "top_actions_findings", "top_actions_todo"]

#: the win-back message of churn-risk VIPs (the groups' messages are the RFM segment actions)
VIP_MESSAGE = "Personal message from the owner with hand-picked new arrivals"


def intro_sentence(period_end: pd.Timestamp, currency: str, alpha: float = 0.05) -> str:
    """What the rules are applied to, in which unit, and when a test counts (docs/metrics.md, Recommendations)."""
    return (f"Rules are applied to the history up to {period_end:%d %B %Y}; expected effects are per month, in "
            f"{currency}, and each states the assumption it rests on. Tests count a difference when p < {alpha:g}.")


# ---------------------------------------------------------------- live shows (sales_timing)


def show_slot_rule(slots: pd.DataFrame, shows: pd.DataFrame, currency: str, shows_to_move: int = 4,
                   min_shows: int = MIN_SHOWS, level: float = 0.80) -> list[Recommendation]:
    """Move shows into the best start slot when its interval lies above the median ranked slot
    (lib.analytics.recommendations.slot_effect; docs/metrics.md, Recommendations)."""
    e = rc.slot_effect(slots, shows, shows_to_move, min_shows)
    if e is None:
        return []
    why = f"{e.shows} shows in the slot" if e.confidence == "high" else f"only {e.shows} shows in the slot"
    return [Recommendation(
        "Live shows", f"Move {shows_to_move} shows a month into the {e.slot} slot.",
        f"About {fmt.money(e.gain, currency)} more revenue a month than running them in an average slot.",
        f"{e.slot} earned {fmt.money(e.revenue_per_show_hour, currency)} per show hour over "
        f"{e.shows} shows ({level:.0%} bootstrap interval {fmt.money(e.low, currency)} to "
        f"{fmt.money(e.high, currency)}), against {fmt.money(e.median, currency)} for the median of "
        f"{e.ranked_slots} ranked slots; shows last {e.hours:.1f} hours on average. Confidence {e.confidence}: "
        f"the interval lies above the median, {why}.",
        e.confidence, "sales_timing", e.gain)]


def show_length_rule(shows: pd.DataFrame, by_length: pd.DataFrame, currency: str, period_end: pd.Timestamp,
                     min_shows: int = MIN_SHOWS, alpha: float = 0.05) -> list[Recommendation]:
    """Run shows of the length class that earns most per show hour, when it beats the usual length
    (lib.analytics.recommendations.length_effect; docs/metrics.md, Recommendations)."""
    e = rc.length_effect(shows, by_length, period_end, min_shows, alpha)
    if e is None:
        return []
    return [Recommendation(
        "Live shows", f"Plan shows of {e.best_length} instead of the usual {e.usual_length}.",
        f"About {fmt.money(e.gain, currency)} more revenue a month for the same {e.hours_month:.0f} hours on air.",
        f"{e.best_length} shows earned {fmt.money(e.best_revenue_per_show_hour, currency)} per show hour "
        f"({e.best_shows} shows) against {fmt.money(e.usual_revenue_per_show_hour, currency)} for the "
        f"{e.usual_shows} {e.usual_length} shows (Mann-Whitney U test on revenue per hour of each show, "
        f"{fmt.p_value(e.p_value)}). Confidence {e.confidence}: {fmt.p_value(e.p_value)} against the {alpha:g} threshold.",
        e.confidence, "sales_timing", e.gain)]


def show_mix_rule(mix: pd.DataFrame, recent_gross_profit: pd.Series, currency: str, aged_counts: pd.Series | None,
                  feature_uplift_pct: float = 20.0, alpha: float = 0.05, label: str = "") -> list[Recommendation]:
    """Feature the in-show group that sells fastest at the best margin (lib.analytics.recommendations.mix_effect;
    docs/metrics.md, Recommendations); ``label`` names the dimension (default: the key column)."""
    e = rc.mix_effect(mix, recent_gross_profit, aged_counts, feature_uplift_pct, alpha)
    if e is None:
        return []
    name = label or e.key.replace("_name", "")
    both = e.confidence == "high"
    first = (f", starting with its {e.aged_units:,} aged units (listed over the aging limit, see "
             "markdown_candidates.csv)" if e.aged_units else "")
    return [Recommendation(
        "Live shows", f"Feature more {name} {e.group} items in the next shows{first}.",
        f"About {fmt.money(e.gain, currency)} more gross profit a month if featuring lifts its show sales by "
        f"{feature_uplift_pct:g}% (assumption).",
        f"In shows, {name} {e.group} sold in a median of {e.median_days:.0f} days at a "
        f"{e.margin_pct:.1f}% margin ({e.sales:,} sales) against {e.show_median_days:.0f} days "
        f"and {e.show_margin_pct:.1f}% for all show sales (Mann-Whitney U tests: days {fmt.p_value(e.p_days)}, "
        f"margin {fmt.p_value(e.p_margin)}). Confidence {e.confidence}: "
        + (f"both tests have p below {alpha / 5:g}." if both else f"both tests have p below {alpha:g}, "
           f"not both below {alpha / 5:g}."),
        e.confidence, "sales_timing", e.gain)]


def show_mix_rules(mixes: dict[str, rc.MixEvidence], currency: str, feature_uplift_pct: float = 20.0,
                   alpha: float = 0.05) -> list[Recommendation]:
    """:func:`show_mix_rule` for each dimension of lib.analytics.recommendations.show_mix_evidence
    (docs/metrics.md, Recommendations)."""
    out: list[Recommendation] = []
    for label, m in mixes.items():
        out += show_mix_rule(m.table, m.recent_gross_profit, currency, m.aged_counts,
                             feature_uplift_pct=feature_uplift_pct, alpha=alpha, label=label)
    return out


def show_mix_shown(mix_all: pd.DataFrame) -> pd.DataFrame:
    """The show-mix table as shown: tests in words, groups faster and more profitable than the show average
    first, then by gross profit (docs/metrics.md, Recommendations)."""
    shown = mix_all.assign(days_test=mix_all["p_days"].map(products_text.p_text),
                           margin_test=mix_all["p_margin"].map(products_text.p_text))
    shown = shown.sort_values(["fast_and_profitable", "gross_profit"], ascending=False, kind="mergesort")
    return shown[["dimension", "group", "sales", "margin_pct", "median_days", "days_test", "margin_test"]]


def show_evidence(fired: list[Recommendation], length_fired: bool, mix_fired: bool, mix_computed: bool,
                  alpha: float = 0.05, min_shows: int = MIN_SHOWS) -> list[str]:
    """The live-show insight after the schedule sentence: the evidence of the fired rules, then what the length and
    mix rules found when they did not fire (docs/metrics.md, Recommendations)."""
    return [*[r.evidence for r in fired],
            "" if length_fired else "No show length earns clearly more per show hour than the usual length "
                                    f"(Mann-Whitney U test at {alpha:g}, classes with at least {min_shows} shows).",
            "" if mix_fired or not mix_computed else "No category, brand or condition sells both faster and at a "
                                                     "better margin than the show average beyond chance."]


# ---------------------------------------------------------------- inventory (products_inventory, brands)


@dataclass(frozen=True)
class InventorySection:
    """What the inventory section shows (:func:`inventory_section`): its recommendations, the parts skipped
    (section, reason), the aged stock value per group for the chart, the insight sentences."""

    recs: list[Recommendation]
    skipped: list[tuple[str, str]]
    aged_value: pd.Series | None
    sentences: list[str]


def markdown_rule(cands: pd.DataFrame, rate: float | None, n_rate: int, currency: str, aging_days: int = AGING_DAYS,
                  min_items: int = 30) -> list[Recommendation]:
    """Apply the data-derived markdowns to aged stock (lib.analytics.recommendations.markdown_effect;
    docs/metrics.md, Recommendations)."""
    e = rc.markdown_effect(cands, rate, n_rate, min_items)
    if e is None:
        return []
    return [Recommendation(
        "Inventory", f"Mark down the {e.items:,} aged items in markdown_candidates.csv, oldest first "
                     f"(median {e.median_markdown_pct:.0f}% off).",
        f"About {fmt.money(e.gain, currency)} of revenue in the next month, and cash freed for fresh stock.",
        f"{e.items:,} items listed more than {aging_days} days are worth {fmt.money(e.value, currency)} at the "
        f"suggested prices; items this old sold at a rate of {e.sale_rate:.0%} in the following 30 days "
        f"({e.rate_items:,} items observed). Confidence {e.confidence}: the sale rate rests on {e.rate_items:,} items.",
        e.confidence, "products_inventory", e.gain)]


def bundle_rule(cands: pd.DataFrame, months: float, currency: str, bundle_uptake_pct: float = 10.0,
                alpha: float = 0.05) -> list[Recommendation]:
    """Offer the strongest recommended pair of each kind (category, brand) as a bundle
    (lib.analytics.recommendations.bundle_effects; docs/metrics.md, Recommendations)."""
    out = []
    for e in rc.bundle_effects(cands, months, bundle_uptake_pct, alpha):
        what = {"category": "categories", "brand": "brands"}.get(e.kind, f"{e.kind} values")
        out.append(Recommendation(
            "Inventory", f"Offer {e.item_a} + {e.item_b} bundles ({what} bought together).",
            f"About {fmt.money(e.gain, currency)} more revenue a month if {bundle_uptake_pct:g}% of the "
            f"{e.a_only_per_month:,.0f} monthly {e.item_a}-only purchases add a {e.item_b} (assumption).",
            f"{e.item_a} and {e.item_b} were bought together on {e.occasions:,} occasions, "
            f"{e.lift:.2f} times what chance predicts; {e.share:.0%} of {e.item_a} purchases "
            f"include {e.item_b} (Fisher exact test {fmt.p_value(e.p_value)}). Confidence {e.confidence}: "
            f"{e.occasions:,} joint occasions.",
            e.confidence, "recommendations", e.gain))
    return out


def brand_buying_rule(quad: pd.DataFrame, shelf: pd.DataFrame, bcol: str, pace: float, currency: str,
                      buy_shift_pct: float = 10.0) -> list[Recommendation]:
    """Buy more of the map's "buy more" brands and less of its "stop buying" brands
    (lib.analytics.recommendations.brand_buying_effects; docs/metrics.md, Recommendations)."""
    out = []
    for e in rc.brand_buying_effects(quad, shelf, bcol, pace, buy_shift_pct):
        verb = "Buy more" if e.direction > 0 else "Buy less"
        where = "instead of average brands" if e.direction > 0 else "and put the money into average or better brands"
        out.append(Recommendation(
            "Inventory", f"{verb} {', '.join(e.brands)} {where}.",
            f"About {fmt.money(e.gain, currency)} more gross profit per month of buying if {buy_shift_pct:g}% of the "
            f"{e.pace:,.0f} items bought a month move (first brand named).",
            f"{e.brands[0]} earns {fmt.money(e.profit_per_item, currency)} gross profit per item bought against "
            f"{fmt.money(e.overall_profit_per_item, currency)} for all brands; margin {e.margin_pct:.1f}% (95% CI "
            f"{e.margin_low:.1f} to {e.margin_high:.1f}) against {e.margin_split:.1f}% overall, median "
            f"{fmt.days(e.km_median_days)} to sell against {fmt.days(e.days_split)} (brand map quadrant "
            f"'{e.quadrant}'). Confidence {e.confidence}: position "
            + ("clear on margin and speed." if e.confidence == "high"
               else f"clear on one axis only ({e.evidence})."),
            e.confidence, "brands", e.gain))
    return out


def inventory_section(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, bcands: pd.DataFrame,
                      months: float, period_end: pd.Timestamp, currency: str, markdowns: bool = True,
                      brand_map: bool = True, aging_days: int = AGING_DAYS, markdown_group: str = "category",
                      min_brand_sales: int = 20, min_pair_occasions: int = 10, bundle_uptake_pct: float = 10.0,
                      buy_shift_pct: float = 10.0, alpha: float = 0.05) -> InventorySection:
    """The inventory section in one call: markdowns, bundles (``bcands``, lib.analytics.bundles, over ``months``
    of history) and buying by brand (docs/metrics.md, Recommendations).

    ``markdowns`` / ``brand_map``: whether the data allow them (list prices; brands and
    costs); without a ``lifecycle`` (no inventory) neither runs. The lifecycle, the stock
    and the markdown candidates are used here only, so they go when this returns.
    """
    ev = rc.inventory_evidence(completed, lifecycle, period_end, markdowns=markdowns, brand_map=brand_map,
                               aging_days=aging_days, markdown_group=markdown_group, min_brand_sales=min_brand_sales)
    recs: list[Recommendation] = []
    skips: list[tuple[str, str]] = []
    if ev.cands is None:
        skips.append(("Markdowns", "needs products.csv (list prices) and inventory.csv"))
    else:
        recs += markdown_rule(ev.cands, ev.rate, ev.rate_items, currency, aging_days)
    recs += bundle_rule(bcands, months, currency, bundle_uptake_pct, alpha)
    if ev.quad is None:
        skips.append(("Buying by brand", "needs products.csv, inventory.csv and brands.csv"))
    else:
        recs += brand_buying_rule(ev.quad, ev.shelf, ev.brand_col, ev.pace, currency, buy_shift_pct)
    md = (inventory_text.markdown_sentence(ev.cands, inventory.price_age_curve(completed, group=markdown_group),
                                           aging_days, currency) if ev.cands is not None else "")
    sentences = [md, bundles_text.bundle_sentence(bcands, min_pair_occasions),
                 *[r.evidence for r in recs if r.source != "recommendations"],  # the bundle sentence says it
                 "" if ev.quad is None or any(r.source == "brands" for r in recs) else
                 "No brand sits in the buy-more or stop-buying corner of the brand map beyond chance with a profit "
                 "per item that differs from the average, so buying stays as it is."]
    return InventorySection(recs, skips, rc.aged_stock_value(ev.cands, markdown_group), sentences)


def bundle_table_shown(bcands: pd.DataFrame) -> pd.DataFrame:
    """The bundle candidates as shown: support and confidence in percent, the test in words
    (docs/metrics.md, Recommendations)."""
    return bcands.assign(test=bcands["p_value"].map(products_text.p_text), support=bcands["support"] * 100,
                         confidence=bcands["confidence"] * 100)[
        ["item_a", "item_b", "kind", "support", "confidence", "lift", "occasions", "test", "recommended"]]


# ---------------------------------------------------------------- marketing (customers, marketing)


def with_messages(targets: pd.DataFrame) -> pd.DataFrame:
    """``retargeting.csv``: lib.analytics.recommendations.retarget_table with each list's ``message``
    (:data:`VIP_MESSAGE` or the group's RFM action; docs/metrics.md, Recommendations)."""
    if targets.empty:
        return pd.DataFrame(columns=[*targets.columns, "message"])
    msg = [VIP_MESSAGE if s == rc.VIP_LIST else SEGMENT_ACTIONS[s] for s in targets["list"]]
    return targets.assign(message=msg)


def win_back_list(occasions: pd.DataFrame, period_end: pd.Timestamp, users: pd.DataFrame | None = None,
                  churn_days: int = CHURN_DAYS) -> pd.DataFrame | None:
    """The win-back list with its messages (lib.analytics.recommendations.win_back_table, :func:`with_messages`;
    docs/metrics.md, Recommendations); None without customers. The occasions are used here only."""
    t = rc.win_back_table(occasions, period_end, users, churn_days)
    return None if t is None else with_messages(t)


def retarget_rule(targets: pd.DataFrame, currency: str, churn_days: int = CHURN_DAYS, response_pct: float = 5.0,
                  min_customers: int = 1) -> list[Recommendation]:
    """One win-back action per list of :func:`win_back_list`: churn-risk VIPs, then each group
    (lib.analytics.recommendations.retarget_effects; docs/metrics.md, Recommendations)."""
    out = []
    for e in rc.retarget_effects(targets, response_pct, min_customers):
        who = "churn-risk VIPs" if e.list == rc.VIP_LIST else f"'{e.list}' customers"
        msg = targets.loc[targets["list"] == e.list, "message"].iloc[0]
        out.append(Recommendation(
            "Marketing", f"Win back the {e.customers:,} {who}: {msg[0].lower()}{msg[1:].rstrip('.')}.",
            f"About {fmt.money(e.gain, currency)} of revenue a month if {response_pct:g}% of them buy once more "
            "(assumption).",
            f"The {e.customers:,} {who} have not bought for more than {churn_days} days (median "
            f"{e.median_days_since:.0f} days), "
            f"spent {fmt.money(e.revenue, currency)} in all and {fmt.money(e.revenue_per_day, currency)} per purchase "
            f"day. Confidence {e.confidence}: their value is measured on {e.customers:,} customers but the response "
            "rate is assumed.",
            e.confidence, "customers", e.gain))
    return out


def budget_rule(boot: pd.DataFrame, advice, spend_by_channel: pd.Series, currency: str,
                shift_pct: float = 20.0) -> list[Recommendation]:
    """Shift marketing budget from channels that lose money to the one that pays back
    (lib.analytics.recommendations.budget_effect; docs/metrics.md, Recommendations).

    ``advice`` is lib.narrative.marketing's BudgetAdvice of ``boot``; the Markov model
    agrees when the advice says it "also ranks" the best channel first.
    """
    if boot.empty or advice.best is None:
        return []
    agree = any("also ranks" in s for s in advice.sentences)
    e = rc.budget_effect(boot, advice.best, advice.cut, advice.measure == "gross-profit ROAS", spend_by_channel,
                         agree, shift_pct)
    if e is None:
        return []
    unit = "gross profit" if e.gross_profit else "revenue"
    base = (f"{e.best} returned {e.value:.2f} in {unit} per dollar (90% bootstrap interval "
            f"{e.low:.2f} to {e.high:.2f}, last touch)")
    why = ("the Markov model ranks the same channel first." if agree
           else "the ranking may change with the attribution model.")
    if e.cut:
        names = ", ".join(e.cut[:3])
        return [Recommendation(
            "Marketing", f"Move {fmt.money(e.amount, currency)} a month of ad budget from {names} to {e.best}.",
            f"About {fmt.money(e.gain, currency)} more {unit} a month for the same spend (average returns; the next "
            "dollar usually returns less).",
            f"{base}; {names} returned {e.pooled:.2f} per dollar and even the top of their interval is below "
            f"break-even. Confidence {e.confidence}: " + why,
            e.confidence, "marketing", e.gain)]
    return [Recommendation(
        "Marketing", f"Raise the {e.best} budget by {shift_pct:g}% ({fmt.money(e.amount, currency)} a month).",
        f"About {fmt.money(e.gain, currency)} more {unit} a month after paying for the extra spend (average returns; "
        "the next dollar usually returns less).",
        f"{base}. Confidence {e.confidence}: " + why,
        e.confidence, "marketing", e.gain)]


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


def section_summary(recs: list[Recommendation], section: str, currency: str,
                    nothing: str = "") -> tuple[str, list[str]]:
    """(meaning, actions) of a notebook section from the rules that fired in it; says so when none did
    (docs/metrics.md, Recommendations)."""
    mine = rc.section_recommendations(recs, section)
    if not mine:
        return (nothing or f"No {section.lower()} rule met its threshold this month, so nothing is recommended "
                "here.", ["Keep the current plan; the rules are checked again next month."])
    total = rc.section_total(recs, section)
    label = {"Live shows": "live-show"}.get(section, section.lower())
    n = len(mine)
    meaning = (f"{n} {label} action{'s' if n != 1 else ''} met {'their thresholds' if n != 1 else 'its threshold'}, "
               f"worth about {fmt.money(total, currency)} a month {'together ' if n != 1 else ''}in revenue or gross "
               "profit (each estimate states what it counts and its assumption).")
    return meaning, [f"{r.action} {r.expected_effect}" for r in mine]


def top_actions_insight(n_recs: int, top: pd.DataFrame, totals: pd.DataFrame, currency: str) -> list[str]:
    """The top-actions insight: how many fired, what the top ones are worth, per section
    (``totals``: lib.analytics.recommendations.section_totals; docs/metrics.md, Recommendations)."""
    return [f"{n_recs} actions met their thresholds this month; the top {len(top)} are worth about "
            f"{fmt.money(top['expected_value'].sum(), currency)} a month together, the first alone "
            f"{fmt.money(top['expected_value'].iloc[0], currency)}.",
            "; ".join(f"{s}: {int(r['size'])} action(s), {fmt.money(r['sum'], currency)}"
                      for s, r in totals.iterrows()) + ".",
            "Expected effects rest on stated assumptions (parameters of this report); confidence says how firm the "
            "measured part is."]


def top_actions_findings(n_recs: int, top: pd.DataFrame) -> list[str]:
    """The report's findings: the top action and the next one (docs/metrics.md, Recommendations)."""
    out = [f"{n_recs} actions qualify this month; the top one: {top['action'].iloc[0]} {top['expected_effect'].iloc[0]}"]
    if len(top) > 1:
        out.append(f"Next: {top['action'].iloc[1]} {top['expected_effect'].iloc[1]}")
    return out


def top_actions_todo(top: pd.DataFrame, currency: str) -> tuple[str, list[str]]:
    """(meaning, actions) of the top-actions section (docs/metrics.md, Recommendations)."""
    return (f"Work through the list from the top; together the {len(top)} actions are worth about "
            f"{fmt.money(top['expected_value'].sum(), currency)} a month.",
            [f"{r.rank}. {r.action}" for r in top.itertuples()])
