"""Recommendation rules: computed evidence in, the owner's action, its effect and evidence out (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics.recommendations import RETARGET_SEGMENTS, Money, Recommendation, recent_months
from lib.narrative import fmt

__all__ = ["show_slot_rule", "show_length_rule", "show_mix_rule", "markdown_rule", "bundle_rule", "brand_buying_rule", "retarget_rule", "budget_rule", "section_summary"]


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def show_slot_rule(slots: pd.DataFrame, shows: pd.DataFrame, money: Money, shows_to_move: int = 4,
                   min_shows: int = 5, level: float = 0.80) -> list[Recommendation]:
    """Move shows into the best start slot when its interval lies above the median ranked slot.

    ``slots`` is lib.shows.slot_stats, ``shows`` lib.shows.show_sessions. Fires when
    the best ranked slot's ``low`` exceeds the median revenue per show hour of the
    ranked slots. Expected value (revenue a month) = (best - median revenue per show
    hour) x mean show length in hours x ``shows_to_move``. Confidence high with at
    least 2 x ``min_shows`` shows in the slot, else medium.
    """
    if shows_to_move < 1:
        raise ValueError(f"shows_to_move must be at least 1, got {shows_to_move}")
    ranked = slots[slots["enough_shows"]].sort_values(["rank", "slot"], kind="mergesort")
    if len(ranked) < 2 or shows.empty:
        return []
    median = float(ranked["revenue_per_show_hour"].median())
    best = ranked.iloc[0]
    if not best["low"] > median:
        return []
    hours = float(shows.loc[shows["hours"] > 0, "hours"].mean())
    gain = (float(best["revenue_per_show_hour"]) - median) * hours * shows_to_move
    conf = "high" if best["shows"] >= 2 * min_shows else "medium"
    why = (f"{int(best['shows'])} shows in the slot" if conf == "high"
           else f"only {int(best['shows'])} shows in the slot")
    return [Recommendation(
        "Live shows", f"Move {shows_to_move} shows a month into the {best['slot']} slot.",
        f"About {money(gain)} more revenue a month than running them in an average slot.",
        f"{best['slot']} earned {money(best['revenue_per_show_hour'])} per show hour over "
        f"{int(best['shows'])} shows ({level:.0%} bootstrap interval {money(best['low'])} to "
        f"{money(best['high'])}), against {money(median)} for the median of {len(ranked)} ranked slots; "
        f"shows last {hours:.1f} hours on average. Confidence {conf}: the interval lies above the median, {why}.",
        conf, "sales_timing", gain)]


def show_length_rule(shows: pd.DataFrame, by_length: pd.DataFrame, money: Money, period_end: pd.Timestamp,
                     min_shows: int = 5, alpha: float = 0.05) -> list[Recommendation]:
    """Run shows of the length class that earns most per show hour, when it beats the usual length.

    ``by_length`` is lib.shows.revenue_by_show_length(shows) (its classes are
    re-derived here with the same bins). Among classes with at least ``min_shows``
    shows, the best by revenue per show hour is compared with the most common
    class by a two-sided Mann-Whitney U test on each show's revenue per hour; fires
    when they differ, the best is higher and p < ``alpha``. Expected value (revenue a
    month) = difference in revenue per show hour x hours on air of usual-length
    shows per month (mean of the last 3 months): the same hours in longer or
    shorter shows. Confidence high when p < alpha / 5, else medium.
    """
    from lib.analytics.shows import LENGTH_BINS

    ok = by_length[(by_length["shows"] >= min_shows) & by_length["revenue_per_show_hour"].notna()]
    if len(ok) < 2 or shows.empty:
        return []
    best = ok.sort_values(["revenue_per_show_hour", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    usual = ok.sort_values(["shows", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    if best["length"] == usual["length"]:
        return []
    s = shows[shows["hours"] > 0]
    labels = list(by_length["length"].astype(str))
    cls = pd.cut(s["hours"] * 60.0, bins=list(LENGTH_BINS), labels=labels, right=True, include_lowest=True)
    rph = s["revenue"] / s["hours"]
    a, b = rph[cls == best["length"]], rph[cls == usual["length"]]
    if len(a) < 2 or len(b) < 2:
        return []
    p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    if not p < alpha:
        return []
    recent = recent_months(s.assign(date=s["start"].dt.normalize(), cls=cls), period_end, 3)
    hours_month = float(recent.loc[recent["cls"] == usual["length"], "hours"].sum()) / 3
    diff = float(best["revenue_per_show_hour"] - usual["revenue_per_show_hour"])
    gain = diff * hours_month
    conf = "high" if p < alpha / 5 else "medium"
    return [Recommendation(
        "Live shows", f"Plan shows of {best['length']} instead of the usual {usual['length']}.",
        f"About {money(gain)} more revenue a month for the same {hours_month:.0f} hours on air.",
        f"{best['length']} shows earned {money(best['revenue_per_show_hour'])} per show hour "
        f"({int(best['shows'])} shows) against {money(usual['revenue_per_show_hour'])} for the "
        f"{int(usual['shows'])} {usual['length']} shows (Mann-Whitney U test on revenue per hour of each show, "
        f"{_p(p)}). Confidence {conf}: {_p(p)} against the {alpha:g} threshold.",
        conf, "sales_timing", gain)]


def show_mix_rule(mix: pd.DataFrame, recent_gross_profit: pd.Series, money: Money, aged_counts: pd.Series | None,
                  feature_uplift_pct: float = 20.0, alpha: float = 0.05, label: str = "") -> list[Recommendation]:
    """Feature the in-show group (one ``key`` of :func:`show_mix_table`) that sells fastest at the best margin.

    Fires for the best ``fast_and_profitable`` group (by expected value) whose
    days-to-sell and margin tests against the other show sales both have p < ``alpha``
    (the claim is "faster and more profitable").
    Expected value (gross profit a month) = ``feature_uplift_pct`` % x the group's
    in-show gross profit per month over the last 3 months (``recent_gross_profit``,
    indexed by group): an assumption, stated in the sentence. ``aged_counts``
    (aged units on hand per group) names the aged items worth featuring first.
    Confidence high when both tests have p < alpha / 5, else medium.
    """
    if mix.empty or not mix["fast_and_profitable"].any():
        return []
    key = mix.attrs.get("key", "group")
    name = label or key.replace("_name", "")
    cand = mix[mix["fast_and_profitable"] & (mix["p_days"] < alpha) & (mix["p_margin"] < alpha)].copy()
    if cand.empty:
        return []
    cand["ev"] = cand["group"].map(recent_gross_profit).fillna(0.0).astype("float64") * feature_uplift_pct / 100
    cand = cand.sort_values(["ev", "group"], ascending=[False, True], kind="mergesort")
    r = cand.iloc[0]
    if not r["ev"] > 0:
        return []
    both = r["p_days"] < alpha / 5 and r["p_margin"] < alpha / 5
    conf = "high" if both else "medium"
    aged = int(aged_counts.get(r["group"], 0)) if aged_counts is not None else 0
    first = (f", starting with its {aged:,} aged units (listed over the aging limit, see markdown_candidates.csv)"
             if aged else "")
    return [Recommendation(
        "Live shows", f"Feature more {name} {r['group']} items in the next shows{first}.",
        f"About {money(r['ev'])} more gross profit a month if featuring lifts its show sales by "
        f"{feature_uplift_pct:g}% (assumption).",
        f"In shows, {name} {r['group']} sold in a median of {r['median_days']:.0f} days at a "
        f"{r['margin_pct']:.1f}% margin ({int(r['sales']):,} sales) against {mix.attrs['show_median_days']:.0f} days "
        f"and {mix.attrs['show_margin_pct']:.1f}% for all show sales (Mann-Whitney U tests: days {_p(r['p_days'])}, "
        f"margin {_p(r['p_margin'])}). Confidence {conf}: "
        + (f"both tests have p below {alpha / 5:g}." if both else f"both tests have p below {alpha:g}, "
           f"not both below {alpha / 5:g}."),
        conf, "sales_timing", float(r["ev"]))]


def markdown_rule(cands: pd.DataFrame, rate: float | None, n_rate: int, money: Money, aging_days: int = 90,
                  min_items: int = 30) -> list[Recommendation]:
    """Apply the data-derived markdowns to aged stock (lib.inventory.markdown_candidates).

    Fires when at least one candidate has a markdown above 0%. Expected value
    (revenue a month) = sum of suggested price x units on hand of those items x
    ``rate``, the observed 30-day sale rate of items unsold after ``aging_days``
    (:func:`aged_sale_rate`). Confidence high when the rate rests on at least
    ``min_items`` x 3 items, medium with at least ``min_items``, else low.
    """
    if cands.empty or rate is None:
        return []
    md = cands[cands["markdown_pct"] > 0]
    if md.empty:
        return []
    value = float((md["suggested_price"] * md["units_on_hand"]).sum())
    ev = value * rate
    conf = "high" if n_rate >= 3 * min_items else ("medium" if n_rate >= min_items else "low")
    return [Recommendation(
        "Inventory", f"Mark down the {len(md):,} aged items in markdown_candidates.csv, oldest first "
                     f"(median {md['markdown_pct'].median():.0f}% off).",
        f"About {money(ev)} of revenue in the next month, and cash freed for fresh stock.",
        f"{len(md):,} items listed more than {aging_days} days are worth {money(value)} at the suggested prices; "
        f"items this old sold at a rate of {rate:.0%} in the following 30 days ({n_rate:,} items observed). "
        f"Confidence {conf}: the sale rate rests on {n_rate:,} items.",
        conf, "products_inventory", ev)]


def bundle_rule(cands: pd.DataFrame, months: float, money: Money, bundle_uptake_pct: float = 10.0,
                alpha: float = 0.05) -> list[Recommendation]:
    """Offer the strongest recommended pair of each kind (category, brand) as a bundle (lib.bundles).

    Expected value (revenue a month) = ``bundle_uptake_pct`` % (assumption) of the
    monthly occasions with item_a but without item_b (over ``months`` of history)
    x the mean revenue of an item_b purchase. Confidence high when p < alpha / 50
    and the pair has at least 30 joint occasions, else medium.
    """
    if cands.empty or months <= 0:
        return []
    out = []
    rec = cands[cands["recommended"]]
    for kind, grp in rec.groupby("kind", sort=True):
        r = grp.sort_values(["lift", "occasions"], ascending=False, kind="mergesort").iloc[0]
        a_only = (r["item_a_occasions"] - r["occasions"]) / months
        ev = float(a_only * bundle_uptake_pct / 100 * r["item_b_mean_revenue"])
        if not ev > 0:
            continue
        conf = "high" if r["p_value"] < alpha / 50 and r["occasions"] >= 30 else "medium"
        what = {"category": "categories", "brand": "brands"}.get(str(kind), f"{kind} values")
        out.append(Recommendation(
            "Inventory", f"Offer {r['item_a']} + {r['item_b']} bundles ({what} bought together).",
            f"About {money(ev)} more revenue a month if {bundle_uptake_pct:g}% of the {a_only:,.0f} monthly "
            f"{r['item_a']}-only purchases add a {r['item_b']} (assumption).",
            f"{r['item_a']} and {r['item_b']} were bought together on {int(r['occasions']):,} occasions, "
            f"{r['lift']:.2f} times what chance predicts; {r['confidence']:.0%} of {r['item_a']} purchases "
            f"include {r['item_b']} (Fisher exact test {_p(r['p_value'])}). Confidence {conf}: "
            f"{int(r['occasions']):,} joint occasions.",
            conf, "recommendations", ev))
    return out


def brand_buying_rule(quad: pd.DataFrame, shelf: pd.DataFrame, bcol: str, pace: float, money: Money,
                      buy_shift_pct: float = 10.0) -> list[Recommendation]:
    """Buy more of the map's "buy more" brands and less of its "stop buying" brands (lib.brands).

    Only brands placed beyond chance on at least one axis and not ``uncertain``
    count (as lib.brands.map_actions). ``shelf`` is lib.brands.shelf_day_profit by
    brand; profit per item = profit / items (unsold items earn 0). Expected value
    (gross profit, per month of buying) = ``buy_shift_pct`` % of the ``pace`` items
    bought a month x the profit-per-item gap to the average brand. Fires only when
    that gap is positive. Confidence high when the brand's position is clear on
    both axes, else medium.
    """
    if quad.empty or shelf.empty or pace <= 0:
        return []
    sh = shelf.set_index(bcol)
    overall = float(sh["profit"].sum() / sh["items"].sum()) if sh["items"].sum() else np.nan
    sure = quad[~quad["uncertain"] & (quad["evidence"] != "within chance")]
    shift = pace * buy_shift_pct / 100
    out = []
    for label, sign in (("buy more", 1), ("stop buying", -1)):
        q = sure[sure["quadrant"] == label]
        if q.empty:
            continue
        ppi = pd.Series({b: sh.loc[b, "profit"] / sh.loc[b, "items"] for b in q["brand"] if b in sh.index
                         and sh.loc[b, "items"] > 0}, dtype="float64")
        gap = (ppi - overall) * sign
        gap = gap[gap > 0].sort_values(ascending=False)
        if gap.empty:
            continue
        names = list(gap.index[:3])
        ev = float(shift * gap.iloc[0])
        row = q.set_index("brand").loc[names[0]]
        conf = "high" if row["evidence"] == "clear" else "medium"
        verb = "Buy more" if sign > 0 else "Buy less"
        where = "instead of average brands" if sign > 0 else "and put the money into average or better brands"
        out.append(Recommendation(
            "Inventory", f"{verb} {', '.join(names)} {where}.",
            f"About {money(ev)} more gross profit per month of buying if {buy_shift_pct:g}% of the {pace:,.0f} "
            f"items bought a month move (first brand named).",
            f"{names[0]} earns {money(ppi[names[0]])} gross profit per item bought against {money(overall)} for all "
            f"brands; margin {row['margin_pct']:.1f}% (95% CI {row['margin_low']:.1f} to {row['margin_high']:.1f}) "
            f"against {quad.attrs.get('margin_split', np.nan):.1f}% overall, median "
            f"{fmt.days(pd.to_numeric(row['km_median_days'], errors='coerce'))} to sell against "
            f"{fmt.days(quad.attrs.get('days_split'))} (brand map quadrant '{label}'). Confidence {conf}: position "
            + ("clear on margin and speed." if conf == "high"
               else f"clear on one axis only ({row['evidence']})."),
            conf, "brands", ev))
    return out


def retarget_rule(targets: pd.DataFrame, money: Money, churn_days: int = 90, response_pct: float = 5.0,
                  min_customers: int = 1) -> list[Recommendation]:
    """One win-back action per list of :func:`retarget_table` (churn-risk VIPs, then each group).

    Fires for a list with at least ``min_customers`` customers. Expected value
    (revenue a month) = customers x ``response_pct`` % (assumption) x their mean
    revenue per purchase day. Confidence medium with at least 20 customers (the
    group's value is measured, the response is assumed), else low.
    """
    if targets.empty:
        return []
    out = []
    order = ["Churn-risk VIP", *RETARGET_SEGMENTS]
    for name in order:
        t = targets[targets["list"] == name]
        if len(t) < min_customers:
            continue
        per_day = float(t["revenue"].sum() / t["occasions"].sum())
        ev = len(t) * response_pct / 100 * per_day
        conf = "medium" if len(t) >= 20 else "low"
        who = "churn-risk VIPs" if name == "Churn-risk VIP" else f"'{name}' customers"
        msg = t["message"].iloc[0]
        out.append(Recommendation(
            "Marketing", f"Win back the {len(t):,} {who}: {msg[0].lower()}{msg[1:].rstrip('.')}.",
            f"About {money(ev)} of revenue a month if {response_pct:g}% of them buy once more (assumption).",
            f"The {len(t):,} {who} have not bought for more than {churn_days} days (median "
            f"{t['days_since'].median():.0f} days), "
            f"spent {money(t['revenue'].sum())} in all and {money(per_day)} per purchase day. "
            f"Confidence {conf}: their value is measured on {len(t):,} customers but the response rate is assumed.",
            conf, "customers", ev))
    return out


def budget_rule(boot: pd.DataFrame, advice, spend_by_channel: pd.Series, money: Money,
                shift_pct: float = 20.0) -> list[Recommendation]:
    """Shift marketing budget from channels that lose money to the one that pays back (lib.marketing).

    ``boot`` is lib.marketing.bootstrap_roas by channel, ``advice`` its
    lib.marketing.budget_advice, ``spend_by_channel`` the monthly spend per channel.
    Fires when a channel pays back with confidence (``advice.best``) and others do
    not (``advice.cut``): move ``shift_pct`` % of their spend; expected value (gross
    profit a month, revenue when costs are unknown) = amount x (return per dollar
    of the best - pooled return of the cut channels). Without channels to cut it
    suggests raising the best by ``shift_pct`` % when that earns more than it costs.
    Confidence high when the Markov model ranks the same channel first (noted in
    the advice), else medium.
    """
    if boot.empty or advice.best is None:
        return []
    gp = advice.measure == "gross-profit ROAS"
    val, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gp else ("roas", "roas_low", "roas_high")
    b = boot.set_index("channel")
    best = b.loc[advice.best]
    agree = any("also ranks" in s for s in advice.sentences)
    conf = "high" if agree else "medium"
    unit = "gross profit" if gp else "revenue"
    base = (f"{advice.best} returned {best[val]:.2f} in {unit} per dollar (90% bootstrap interval "
            f"{best[lo]:.2f} to {best[hi]:.2f}, last touch)")
    if advice.cut:
        cut = b.loc[advice.cut]
        amount = float(spend_by_channel.reindex(advice.cut).fillna(0).sum()) * shift_pct / 100
        pooled = float(cut["gross_profit" if gp else "revenue"].sum() / cut["spend"].sum())
        ev = amount * (float(best[val]) - pooled)
        if not (amount > 0 and ev > 0):
            return []
        names = ", ".join(advice.cut[:3])
        return [Recommendation(
            "Marketing", f"Move {money(amount)} a month of ad budget from {names} to {advice.best}.",
            f"About {money(ev)} more {unit} a month for the same spend (average returns; the next dollar "
            "usually returns less).",
            f"{base}; {names} returned {pooled:.2f} per dollar and even the top of their interval is below "
            f"break-even. Confidence {conf}: "
            + ("the Markov model ranks the same channel first." if agree
               else "the ranking may change with the attribution model."),
            conf, "marketing", ev)]
    amount = float(spend_by_channel.get(advice.best, 0.0)) * shift_pct / 100
    ev = amount * (float(best[val]) - 1.0)
    if not (amount > 0 and ev > 0):
        return []
    return [Recommendation(
        "Marketing", f"Raise the {advice.best} budget by {shift_pct:g}% ({money(amount)} a month).",
        f"About {money(ev)} more {unit} a month after paying for the extra spend (average returns; the next "
        "dollar usually returns less).",
        f"{base}. Confidence {conf}: "
        + ("the Markov model ranks the same channel first." if agree
           else "the ranking may change with the attribution model."),
        conf, "marketing", ev)]


def section_summary(recs: list[Recommendation], section: str, money: Money,
                    nothing: str = "") -> tuple[str, list[str]]:
    """(meaning, actions) of a notebook section from the rules that fired in it; says so when none did."""
    mine = [r for r in recs if r.section == section]
    if not mine:
        return (nothing or f"No {section.lower()} rule met its threshold this month, so nothing is recommended "
                "here.", ["Keep the current plan; the rules are checked again next month."])
    total = sum(r.expected_value for r in mine)
    label = {"Live shows": "live-show"}.get(section, section.lower())
    n = len(mine)
    meaning = (f"{n} {label} action{'s' if n != 1 else ''} met {'their thresholds' if n != 1 else 'its threshold'}, "
               f"worth about {money(total)} a month {'together ' if n != 1 else ''}in revenue or gross profit "
               "(each estimate states what it counts and its assumption).")
    return meaning, [f"{r.action} {r.expected_effect}" for r in
                     sorted(mine, key=lambda r: (-r.expected_value, r.source, r.action))]
