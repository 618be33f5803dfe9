"""The owner's sentences and actions about live shows, slots and the live-show recommendations (docs/metrics.md, Show slots)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import shows as sh
from lib.analytics.effects import Effect
from lib.analytics.recommendations import Recommendation
from lib.analytics.shows import MIN_SHOW_MINUTES, best_show_hour
from lib.config import MIN_SHOWS, SHOW_GAP_MINUTES
from lib.narrative import fmt
from lib.narrative import products as products_text
from lib.narrative.effects import effect_phrase, range_phrase
from lib.narrative.fmt import money, num

__all__ = ["power_hour_sentence", "show_source_sentence", "length_channel_sentence", "schedule_sentence",
           "schedule_finding", "schedule_table_sentence", "schedule_actions", "shrinkage_sentence", "live_effect_phrase",
           "show_slot_rule", "show_length_rule", "show_mix_rule", "show_mix_rules", "show_mix_shown", "show_evidence"]


def power_hour_sentence(raw: pd.DataFrame, hours: pd.DataFrame, currency: str = "USD") -> str:
    """Explain raw revenue by clock hour against revenue per show hour (docs/metrics.md, Sales timing).

    ``raw`` is lib.analytics.shows.raw_revenue_grid, ``hours`` lib.analytics.shows.hour_stats.
    """
    by_hour = raw.sum(axis=0)
    if by_hour.sum() <= 0 or hours.empty:
        return "There are not enough live shows to compare clock hours with hours on air."
    raw_peak = int(by_hour.idxmax())
    best = best_show_hour(hours)
    n_all = int(hours["shows"].sum())
    at_raw = hours.loc[hours["hour"] == raw_peak]
    n_raw = int(at_raw["shows"].iloc[0]) if len(at_raw) else 0
    if best is None:
        return (f"Raw revenue peaks at {raw_peak:02d}:00, but no start hour has enough shows "
                "to rank revenue per show hour.")
    b = hours.loc[hours["hour"] == best].iloc[0]
    if best == raw_peak:
        return (f"Raw revenue and revenue per show hour both peak at {raw_peak:02d}:00 "
                f"({money(b['revenue_per_show_hour_shrunk'], currency)} per show hour from {int(b['shows'])} shows, "
                "shrunk towards the average by the number of shows).")
    rph_raw = at_raw["revenue_per_show_hour_shrunk"].iloc[0] if len(at_raw) else np.nan
    raw_part = (f"{money(rph_raw, currency)} per show hour at {raw_peak:02d}:00" if len(at_raw)
                else f"no shows starting at {raw_peak:02d}:00")
    return (f"Raw revenue peaks at {raw_peak:02d}:00 because that is when most selling happens "
            f"({n_raw} of {n_all} shows started then); per hour on air, shows starting at "
            f"{best:02d}:00 earn most: {money(b['revenue_per_show_hour_shrunk'], currency)} per show hour from "
            f"{int(b['shows'])} shows, against {raw_part} (both shrunk towards the average by the number of shows).")


def show_source_sentence(shows: pd.DataFrame, gap_minutes: float = SHOW_GAP_MINUTES,
                         min_minutes: float = MIN_SHOW_MINUTES, currency: str | None = None) -> str:
    """Where the shows come from, how many and how many hours on air (docs/metrics.md, Show hour).

    ``shows`` is lib.analytics.shows.show_sessions; ``currency`` None writes revenue per show hour
    as a plain number (``1,234``).
    """
    if shows.empty:
        return "No live shows were found (no shows.csv and no sales on live channels)."
    n, hrs = len(shows), shows["hours"].sum()
    if (shows["source"] == "inferred").all():
        src = (f"inferred from live-channel sales (sales less than {gap_minutes:g} minutes apart on one "
               f"channel form one show, on air at least {min_minutes:g} minutes)")
    else:
        src = "from shows.csv"
    text = (f"{n:,} live shows {src}, {hrs:,.0f} hours on air in all, "
            f"{_amount(shows['revenue'].sum() / hrs, currency)} of revenue per show hour on average.")
    if (shows["source"] == "inferred").all():
        text += (" Inferred shows last only from their first to their last sale, so short shows with few "
                 "sales can look better per hour than they were; a shows.csv export gives exact hours.")
    return text


def _best_slot(slots: pd.DataFrame, currency: str, level: float) -> str | None:
    """The best ranked slot and the busiest slot, no closing period; None when no slot is ranked."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return None
    b = ranked.iloc[0]
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    verdict = ("clearly above the average slot" if b["verdict"] == "better than average"
               else "no clear difference from the average slot")
    text = (f"The best slot is {b['slot']}: {money(b['revenue_per_show_hour_shrunk'], currency)} per show hour "
            f"after shrinking its {money(b['revenue_per_show_hour'], currency)} from {int(b['shows'])} shows towards "
            f"the average of {money(slots.attrs['prior_mean'], currency)} ({verdict}: "
            f"{level * 100:.0f}% interval of the difference {money(b['vs_mean_low'], currency)} to "
            f"{money(b['vs_mean_high'], currency)})")
    if busiest["slot"] != b["slot"]:
        text += (f"; the busiest slot, {busiest['slot']} ({int(busiest['shows'])} shows), earns "
                 f"{money(busiest['revenue_per_show_hour_shrunk'], currency)} per show hour")
    return text


def schedule_sentence(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80) -> str:
    """The best ranked slot with its interval and the busiest slot for comparison.

    ``slots`` is lib.analytics.shows.slot_stats (docs/metrics.md, Sales timing).
    """
    text = _best_slot(slots, currency, level)
    if text is None:
        return "No slot has enough past shows to be ranked yet."
    n_few = int((~slots["enough_shows"]).sum())
    if n_few:
        text += f". {fmt.count(n_few, 'slot')} {'has' if n_few == 1 else 'have'} too few shows to rank"
    return text + "."


def schedule_finding(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80) -> str:
    """The report's finding: the first sentence of :func:`schedule_sentence` (docs/metrics.md, Sales timing)."""
    text = _best_slot(slots, currency, level)
    return "No slot has enough past shows to be ranked yet." if text is None else text + "."


def schedule_table_sentence(schedule: pd.DataFrame, min_shows: int) -> str:
    """Where the full slot list is: ``schedule`` is lib.analytics.shows.show_schedule (docs/metrics.md, Action lists)."""
    return (f"The full list of {len(schedule):,} slots, with intervals and the number of shows behind each, "
            f"is on {fmt.sheet('show_schedule')}, ranked by the shrunk revenue per show hour; slots with fewer than "
            f"{min_shows} shows are listed last and not ranked.")


def schedule_actions(slots: pd.DataFrame, currency: str = "USD", top: int = 3,
                     level: float = 0.80) -> tuple[str, list[str]]:
    """What the slot ranking means and which slots to add, move or test (docs/metrics.md, Sales timing)."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return ("The show history is too short to compare slots.",
                ["Keep running shows at varied times so the slots can be compared."])
    avg = float(slots.attrs["prior_mean"])
    sure = ranked[ranked["verdict"] == "better than average"].head(top)
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    actions = []
    if len(sure):
        actions.append("Schedule more shows in " + ", ".join(sure["slot"]) +
                       f": after shrinking towards the average, their {level * 100:.0f}% intervals sit above the "
                       f"average slot ({money(avg, currency)} per show hour).")
    else:
        actions.append(f"No slot is clearly above the average slot ({money(avg, currency)} per show hour); "
                       f"keep the current times and test {ranked.iloc[0]['slot']} more often.")
    best = ranked.iloc[0]
    if (busiest["slot"] != best["slot"] and best["verdict"] == "better than average"
            and busiest["revenue_per_show_hour_shrunk"] < best["revenue_per_show_hour_shrunk"]):
        actions.append(f"Try moving some of the {int(busiest['shows'])} {busiest['slot']} shows to "
                       f"{best['slot']} and compare after a month.")
    few = slots[~slots["enough_shows"]]
    if len(few):
        promising = few.sort_values("revenue_per_show_hour", ascending=False).head(2)
        actions.append("Test " + ", ".join(promising["slot"]) +
                       ": few shows so far, so their numbers are not reliable yet.")
    meaning = ("Show hours are worth different amounts depending on when the show starts; "
               "plan the calendar on revenue per show hour, not on raw revenue by clock hour.")
    return meaning, actions


def length_channel_sentence(by_length: pd.DataFrame, by_channel: pd.DataFrame, currency: str = "USD") -> str:
    """The show length that earns most per hour on air, then every channel's revenue per show hour.

    ``by_length`` is lib.analytics.shows.revenue_by_show_length (length classes with shows),
    ``by_channel`` lib.analytics.shows.revenue_by_show_channel; empty text when there is no length class
    (docs/metrics.md, Sales timing).
    """
    if not len(by_length):
        return ""
    longest = by_length.loc[by_length["revenue_per_show_hour"].idxmax()]
    return (f"Per hour on air, {longest['length']} shows earn most "
            f"({money(longest['revenue_per_show_hour'], currency)} per show hour from {int(longest['shows'])} shows); "
            + "; ".join(f"{r.channel}: {money(r.revenue_per_show_hour, currency)} per show hour over {r.shows} shows"
                        for r in by_channel.itertuples()) + ".")


def _amount(x: float, currency: str | None) -> str:
    return num(x) if currency is None else money(x, currency)


# ---------------------------------------------------------------- live-show recommendations (Recommendations)


def shrinkage_sentence(slots: pd.DataFrame, currency: str = "USD") -> str:
    """How the slot values are shrunk: the overall mean and the prior weight in shows (docs/metrics.md, Show slots)."""
    k = slots.attrs.get("prior_n")
    if k is None or not len(slots):
        return ""
    weight = ("every slot is set to the average: the slots differ no more than their shows do" if np.isinf(k) else
              f"the average counts as {k:.1f} extra shows in every slot, so a slot with few shows stays near it")
    return (f"Slot values are shrunk towards the average of {money(slots.attrs['prior_mean'], currency)} per show "
            f"hour: {weight}.")


def live_effect_phrase(effect: Effect, currency: str, unit: str = "gross profit") -> str:
    """:func:`lib.narrative.effects.effect_phrase`, or with ``unit`` "revenue" (the data have no costs) the revenue
    and its range, saying so (docs/metrics.md, Recommendations' effects)."""
    if unit == "revenue":
        word = "more" if effect.gross_profit >= 0 else "less"
        return (f"About {money(abs(effect.gross_profit), currency)} {word} revenue a month "
                f"({range_phrase(effect, currency)}); there are no costs in the data, so the gross profit is not "
                "known.")
    return effect_phrase(effect, currency)


def _unit(margin: float | None) -> str:
    return "revenue" if margin is None else "gross profit"


def show_slot_rule(slots: pd.DataFrame, shows: pd.DataFrame, period_end: pd.Timestamp, margin: float | None,
                   currency: str, shows_to_move: int = sh.SLOT_SHOWS_A_MONTH, min_shows: int = MIN_SHOWS,
                   level: float = 0.80) -> list[Recommendation]:
    """Move the shows that can move into the best ranked slot when it is clearly better than average
    (lib.analytics.shows.slot_move; docs/metrics.md, Recommendations' effects)."""
    e = sh.slot_move(slots, shows, period_end, margin, shows_to_move, min_shows)
    if e is None:
        return []
    why = f"{e.shows} shows in the slot" if e.confidence == "high" else f"only {e.shows} shows in the slot"
    room = (f"the slot holds about {sh.SLOT_SHOWS_A_MONTH} shows a month (one a week) and already has "
            f"{e.in_slot_month:.1f} a month, so {fmt.count(e.moved, 'show')} can move"
            if e.effect.capped_by == "shows" else f"{fmt.count(e.moved, 'show')} a month (assumption)")
    margin_txt = (f" at the {e.margin:.1%} gross margin of show sales" if e.margin is not None else "")
    return [Recommendation(
        "Live shows", f"Move {fmt.count(e.moved, 'show')} a month into the {e.slot} slot.",
        f"{live_effect_phrase(e.effect, currency, _unit(e.margin))} Counted against an average slot: {room}.",
        f"{e.slot} earned {money(e.revenue_per_show_hour, currency)} per show hour over {e.shows} shows; shrunk "
        f"towards the average of {money(e.overall, currency)} (the average weighs as {e.prior_n:.1f} shows) that is "
        f"{money(e.shrunk, currency)}, {money(e.shrunk - e.overall, currency)} above average ({level:.0%} bootstrap "
        f"interval {money(e.vs_low, currency)} to {money(e.vs_high, currency)}), the best of {e.ranked_slots} ranked "
        f"slots; shows elsewhere last {e.hours:.1f} hours on average{margin_txt}. Confidence {e.confidence}: the "
        f"interval lies above the average, {why}.",
        e.confidence, "sales_timing", effect=e.effect, unit=_unit(e.margin))]


def show_length_rule(shows: pd.DataFrame, by_length: pd.DataFrame, period_end: pd.Timestamp, margin: float | None,
                     currency: str, min_shows: int = MIN_SHOWS, alpha: float = 0.05,
                     level: float = 0.80) -> list[Recommendation]:
    """Run the usual hours on air as shows of the length class that earns most per show hour, when it beats the
    usual length (lib.analytics.shows.length_effect; docs/metrics.md, Recommendations' effects)."""
    e = sh.length_effect(shows, by_length, period_end, margin, min_shows, alpha, level)
    if e is None:
        return []
    return [Recommendation(
        "Live shows", f"Plan shows of {e.best_length} instead of the usual {e.usual_length}.",
        f"{live_effect_phrase(e.effect, currency, _unit(e.margin))} For the same {e.hours_month:.0f} hours on air a month now run as "
        f"{e.usual_length} shows.",
        f"{e.best_length} shows earned {money(e.best_revenue_per_show_hour, currency)} per show hour "
        f"({e.best_shows} shows) against {money(e.usual_revenue_per_show_hour, currency)} for the "
        f"{e.usual_shows} {e.usual_length} shows (Mann-Whitney U test on revenue per hour of each show, "
        f"{fmt.p_value(e.p_value)}; the {level:.0%} range is a bootstrap over those shows). Confidence "
        f"{e.confidence}: {fmt.p_value(e.p_value)} against the {alpha:g} threshold.",
        e.confidence, "sales_timing", effect=e.effect, unit=_unit(e.margin))]


def show_mix_rule(ev: sh.MixEvidence, currency: str, feature_uplift_pct: float = 20.0, alpha: float = 0.05,
                  label: str = "") -> list[Recommendation]:
    """Feature the in-show group that sells fastest at the best margin (lib.analytics.shows.mix_effect;
    docs/metrics.md, Recommendations' effects); ``label`` names the dimension (default: the key column)."""
    e = sh.mix_effect(ev, feature_uplift_pct, alpha)
    if e is None:
        return []
    name = label or e.key.replace("_name", "")
    both = e.confidence == "high"
    first = (f", starting with its {fmt.count(e.aged_units, 'aged unit')} (listed over the aging limit, see "
             f"{fmt.sheet('markdown_candidates')})" if e.aged_units else "")
    cap = (f" Limited by stock: only {fmt.count(e.stock_units, 'unit')} on hand." if e.effect.capped_by == "stock"
           else "")
    return [Recommendation(
        "Live shows", f"Feature more {name} {e.group} items in the next shows{first}.",
        f"{effect_phrase(e.effect, currency)} If featuring lifts its show sales by {feature_uplift_pct:g}% "
        f"(assumption), about {e.extra_units:,.0f} more units a month.{cap}",
        f"In shows, {name} {e.group} sold in a median of {e.median_days:.0f} days at a "
        f"{e.margin_pct:.1f}% margin ({e.sales:,} sales) against {e.show_median_days:.0f} days "
        f"and {e.show_margin_pct:.1f}% for all show sales (Mann-Whitney U tests: days {fmt.p_value(e.p_days)}, "
        f"margin {fmt.p_value(e.p_margin)}; the range is a bootstrap over the last {sh.RECENT_MONTHS} months' "
        "shows). Confidence "
        f"{e.confidence}: " + (f"both tests have p below {alpha / 5:g}." if both else
                               f"both tests have p below {alpha:g}, not both below {alpha / 5:g}."),
        e.confidence, "sales_timing", effect=e.effect)]


def show_mix_rules(mixes: dict[str, sh.MixEvidence], currency: str, feature_uplift_pct: float = 20.0,
                   alpha: float = 0.05) -> list[Recommendation]:
    """:func:`show_mix_rule` for each dimension of lib.analytics.shows.show_mix_evidence
    (docs/metrics.md, Recommendations)."""
    out: list[Recommendation] = []
    for label, m in mixes.items():
        out += show_mix_rule(m, currency, feature_uplift_pct=feature_uplift_pct, alpha=alpha, label=label)
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
