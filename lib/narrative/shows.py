"""The owner's sentences and actions about live shows, slots and the live-show recommendations (docs/metrics.md, Show slots)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import shows as sh
from lib.analytics.effects import Effect
from lib.analytics.recommendations import Recommendation
from lib.analytics.shows import MIN_SHOW_MINUTES, best_show_hour
from lib.config import AGING_DAYS, MIN_SHOWS, SHOW_GAP_MINUTES
from lib.data.periods import Period
from lib.narrative import fmt
from lib.narrative import products as products_text
from lib.narrative import recommendations as rc_text
from lib.narrative.advice import Advice
from lib.narrative.effects import effect_phrase, range_phrase
from lib.narrative.fmt import money, num

__all__ = ["power_hour_sentence", "show_source_sentence", "length_channel_sentence", "schedule_sentence",
           "schedule_finding", "schedule_table_sentence", "schedule_method", "schedule_actions", "shrinkage_sentence", "shrinkage_method",
           "maps_sentence", "live_effect_phrase", "show_slot_rule", "show_length_rule", "show_mix_rule",
           "show_mix_rules", "show_mix_shown", "show_mix_tests", "show_evidence", "show_evidence_method",
           "SCHEDULE_TITLES", "SHOW_MIX_TITLES", "schedule_caption", "ADJUSTED", "shows_advice"]

#: what the slot values are called on the pages (the statistics behind them: :func:`shrinkage_method`)
ADJUSTED = "adjusted for how few shows a slot has"

#: the show schedule table's column titles in the owner's words (lib.report.notebook.show_table ``titles``)
SCHEDULE_TITLES = {"revenue_per_show_hour": "Revenue per show hour", "low": "Low end", "high": "High end",
                   "revenue_per_show_hour_shrunk": "Adjusted revenue per show hour",
                   "vs_mean_low": "Above average, low end", "vs_mean_high": "Above average, high end"}


def schedule_caption(level: float = 0.80) -> str:
    """The show schedule table's caption (docs/metrics.md, Show slots)."""
    return (f"Show slots ranked by revenue per show hour {ADJUSTED} (low and high end: the {level:.0%} range of the "
            "slot's own value; above average: the range of the adjusted value's difference from the average slot)")


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
                "adjusted for how few shows each start hour has).")
    rph_raw = at_raw["revenue_per_show_hour_shrunk"].iloc[0] if len(at_raw) else np.nan
    raw_part = (f"{money(rph_raw, currency)} per show hour at {raw_peak:02d}:00" if len(at_raw)
                else f"no shows starting at {raw_peak:02d}:00")
    return (f"Raw revenue peaks at {raw_peak:02d}:00 because that is when most selling happens "
            f"({n_raw} of {n_all} shows started then); per hour on air, shows starting at "
            f"{best:02d}:00 earn most: {money(b['revenue_per_show_hour_shrunk'], currency)} per show hour from "
            f"{int(b['shows'])} shows, against {raw_part} (both adjusted for how few shows each start hour has).")


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
            f"{ADJUSTED} (its own {money(b['revenue_per_show_hour'], currency)} over {int(b['shows'])} shows, "
            f"pulled towards the average of {money(slots.attrs['prior_mean'], currency)}), {verdict} "
            f"({level * 100:.0f}% range of the difference {money(b['vs_mean_low'], currency)} to "
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
    return (f"The full list of {len(schedule):,} slots, with ranges and the number of shows behind each, "
            f"is on {fmt.sheet('show_schedule')}, ranked by the adjusted revenue per show hour; slots with fewer than "
            f"{min_shows} shows are listed last and not ranked.")


def schedule_method(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80,
                    min_shows: int = MIN_SHOWS) -> str:
    """The show schedule's method block: how many slots are ranked on the shrunk value and how the verdicts come
    from the bootstrap intervals (docs/metrics.md, Show slots); empty without slots."""
    if not len(slots):
        return ""
    ranked = int(slots["enough_shows"].sum())
    few = len(slots) - ranked
    v = slots.loc[slots["enough_shows"], "verdict"].value_counts()
    better, worse, unclear = (int(v.get(k, 0)) for k in ("better than average", "worse than average",
                                                         "no clear difference"))
    return (f"{fmt.count(ranked, 'slot')} with at least {min_shows} shows are ranked by the shrunk revenue per show "
            f"hour (the adjusted value); {fmt.count(few, 'slot')} with fewer {'is' if few == 1 else 'are'} listed "
            f"unranked. Of the ranked slots, {better:,} {'is' if better == 1 else 'are'} better and {worse:,} worse "
            f"than average (the {level:.0%} percentile-bootstrap interval of the shrunk value less the overall "
            f"{money(slots.attrs['prior_mean'], currency)} per show hour excludes zero) and {unclear:,} "
            f"{'shows' if unclear == 1 else 'show'} no clear difference.")


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
                       f": even {ADJUSTED}, their {level * 100:.0f}% ranges sit above the average slot "
                       f"({money(avg, currency)} per show hour).")
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
    """How the slot values are adjusted for few shows, in plain words: the average and its weight in shows
    (docs/metrics.md, Show slots); the method's name is in :func:`shrinkage_method`."""
    k = slots.attrs.get("prior_n")
    if k is None or not len(slots):
        return ""
    weight = ("every slot is set to the average: the slots differ no more than their shows do" if np.isinf(k) else
              f"the average counts as {k:.1f} extra shows in every slot, so a slot with few shows stays near it")
    return (f"Slot values are pulled towards the average of {money(slots.attrs['prior_mean'], currency)} per show "
            f"hour: {weight}.")


def shrinkage_method(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80,
                     min_shows: int = MIN_SHOWS) -> str:
    """The slot adjustment for the method block: shrinkage towards the overall mean, the prior weight and how it is
    estimated, and the bootstrap ranges (docs/metrics.md, Show slots); empty without slots."""
    k = slots.attrs.get("prior_n")
    if k is None or not len(slots):
        return ""
    weight = ("infinite: the slots' means spread no more than their shows do, so every slot is the overall mean"
              if np.isinf(k) else f"{k:.1f} shows")
    return (f"Slot values are shrunk towards the overall revenue per show hour "
            f"({money(slots.attrs['prior_mean'], currency)}): (shows x slot value + k x overall) / (shows + k), "
            f"with the prior weight k = {weight} (Bühlmann's credibility estimate by the method of moments, at least "
            f"{min_shows}). The {level:.0%} ranges are percentile bootstraps resampling each slot's shows; a slot is "
            "better or worse than average when the range of its shrunk value less the overall one excludes zero.")


def maps_sentence() -> str:
    """What the two revenue maps of the hours section show (docs/metrics.md, Show slots)."""
    return ("The left map counts money by the clock hour of each sale, so it mostly shows when shows were held; the "
            f"right map divides each slot's show revenue by its hours on air, {ADJUSTED}, which is what a new show "
            "in that slot can expect.")


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
        f"{e.slot} earned {money(e.revenue_per_show_hour, currency)} per show hour over {e.shows} shows; {ADJUSTED} "
        f"(the average of {money(e.overall, currency)} counts as {e.prior_n:.1f} extra shows) that is "
        f"{money(e.shrunk, currency)}, {money(e.shrunk - e.overall, currency)} above average ({level:.0%} range "
        f"{money(e.vs_low, currency)} to {money(e.vs_high, currency)}), the best of {e.ranked_slots} ranked "
        f"slots; shows elsewhere last {e.hours:.1f} hours on average{margin_txt}. Confidence {e.confidence}: the "
        f"range lies above the average, {why}.",
        e.confidence, "sales_timing", effect=e.effect, unit=_unit(e.margin), method=(
            f"Slot values are shrunk towards the overall {money(e.overall, currency)} per show hour with a prior "
            f"weight of {e.prior_n:.1f} shows (Bühlmann's credibility estimate); the {level:.0%} interval of the "
            f"shrunk slot's difference from the average is a percentile bootstrap over the shows, "
            f"{money(e.vs_low, currency)} to {money(e.vs_high, currency)}. Confidence high with at least "
            f"{2 * min_shows} shows in the slot, else medium."))]


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
        f"{e.usual_shows} {e.usual_length} shows, a clear difference. Confidence {e.confidence}: "
        + _chance(e.confidence == "high", "the difference"),
        e.confidence, "sales_timing", effect=e.effect, unit=_unit(e.margin), method=(
            f"Two-sided Mann-Whitney U test on the revenue per hour of each show, {e.best_length} against "
            f"{e.usual_length}: {fmt.p_value(e.p_value)}; confidence high below {alpha / 5:g}, medium below "
            f"{alpha:g}. The {level:.0%} range is a bootstrap over the shows of the two lengths."))]


def _chance(sure: bool, what: str) -> str:
    """How sure a test makes a difference, in words (the threshold is in the method text)."""
    return (f"{what} is very unlikely to be chance." if sure
            else f"{what} is unlikely to be chance, though not by a wide margin.")


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
        f"and {e.show_margin_pct:.1f}% for all show sales: faster and more profitable, both clear differences. "
        f"Confidence {e.confidence}: " + ("both differences are very unlikely to be chance." if both else
                                          "both differences are unlikely to be chance, not both by a wide margin."),
        e.confidence, "sales_timing", effect=e.effect, method=(
            f"Two-sided Mann-Whitney U tests against the other show sales: days to sell {fmt.p_value(e.p_days)}, "
            f"margin per line {fmt.p_value(e.p_margin)}; confidence high when both are below {alpha / 5:g}, medium "
            f"when both are below {alpha:g}. The range is a bootstrap over the last {sh.RECENT_MONTHS} months' "
            "shows."))]


def show_mix_rules(mixes: dict[str, sh.MixEvidence], currency: str, feature_uplift_pct: float = 20.0,
                   alpha: float = 0.05) -> list[Recommendation]:
    """:func:`show_mix_rule` for each dimension of lib.analytics.shows.show_mix_evidence
    (docs/metrics.md, Recommendations)."""
    out: list[Recommendation] = []
    for label, m in mixes.items():
        out += show_mix_rule(m, currency, feature_uplift_pct=feature_uplift_pct, alpha=alpha, label=label)
    return out


#: the show-mix table's column titles in the owner's words (lib.report.notebook.show_table ``titles``)
SHOW_MIX_TITLES = {"median_days": "Median days to sell", "days_test": "Days to sell against other show sales",
                   "margin_test": "Margin against other show sales", "days_p": "Days to sell test (p)",
                   "margin_p": "Margin test (p)"}


def _verdict(p: float | None, alpha: float) -> str:
    if p is None or pd.isna(p):
        return "not tested"
    return "a clear difference" if p < alpha else "may be chance"


def show_mix_shown(mix_all: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The show-mix table as shown: each test's verdict in words at ``alpha``, groups faster and more profitable
    than the show average first, then by gross profit (docs/metrics.md, Recommendations); the p-values are in
    :func:`show_mix_tests`."""
    shown = mix_all.assign(days_test=mix_all["p_days"].map(lambda p: _verdict(p, alpha)),
                           margin_test=mix_all["p_margin"].map(lambda p: _verdict(p, alpha)))
    shown = shown.sort_values(["fast_and_profitable", "gross_profit"], ascending=False, kind="mergesort")
    return shown[["dimension", "group", "sales", "margin_pct", "median_days", "days_test", "margin_test"]]


def show_mix_tests(mix_all: pd.DataFrame) -> pd.DataFrame:
    """The show-mix tests for the method block: the two-sided Mann-Whitney U p-values of each group against the
    other show sales, in the order of :func:`show_mix_shown` (docs/metrics.md, Recommendations)."""
    shown = mix_all.sort_values(["fast_and_profitable", "gross_profit"], ascending=False, kind="mergesort")
    return shown.assign(days_p=shown["p_days"].map(products_text.p_text),
                        margin_p=shown["p_margin"].map(products_text.p_text))[["dimension", "group", "days_p",
                                                                                 "margin_p"]]


def show_evidence(fired: list[Recommendation], length_fired: bool, mix_fired: bool, mix_computed: bool,
                  alpha: float = 0.05, min_shows: int = MIN_SHOWS) -> list[str]:
    """The live-show insight after the schedule sentence: the evidence of the fired rules, then what the length and
    mix rules found when they did not fire (docs/metrics.md, Recommendations)."""
    return [*[r.evidence for r in fired],
            "" if length_fired else "No show length earns clearly more per show hour than the usual length "
                                    f"(lengths with at least {min_shows} shows).",
            "" if mix_fired or not mix_computed else "No category, brand or condition sells both faster and at a "
                                                     "better margin than the show average beyond chance."]


def show_evidence_method(fired: list[Recommendation], length_fired: bool, mix_fired: bool, mix_computed: bool,
                         alpha: float = 0.05, min_shows: int = MIN_SHOWS) -> list[str]:
    """The method block under :func:`show_evidence`: the method of each fired rule, then the tests of the length
    and mix rules that did not fire (docs/metrics.md, Recommendations)."""
    return [*[r.method for r in fired],
            "" if length_fired else f"Show lengths: two-sided Mann-Whitney U test of the revenue per hour of each "
                                    f"show, the best length against the usual one, at {alpha:g}; lengths with at "
                                    f"least {min_shows} shows.",
            "" if mix_fired or not mix_computed else f"Show mix: two-sided Mann-Whitney U tests of each group's "
                                                     f"days to sell and margin against the other show sales, both "
                                                     f"below {alpha:g} needed."]


def shows_advice(tables: dict[str, pd.DataFrame], lines: pd.DataFrame | None, completed: pd.DataFrame,
                 lifecycle: pd.DataFrame | None, period: Period, currency: str = "USD", *,
                 live: pd.DataFrame | None = None, slots: pd.DataFrame | None = None,
                 gap_minutes: float = SHOW_GAP_MINUTES, min_show_minutes: float = MIN_SHOW_MINUTES,
                 min_shows: int = MIN_SHOWS, level: float = 0.80, aging_days: int = AGING_DAYS,
                 min_group_sales: int = 30, shows_to_move: int = sh.SLOT_SHOWS_A_MONTH,
                 feature_uplift_pct: float = 20.0, alpha: float = 0.05,
                 stock: pd.DataFrame | None = None) -> Advice:
    """The recommendations page's live-show section (``shows``), computed once by the sales timing page: the slot,
    length and show-mix rules on the period's shows, with the schedule sentences and the method block
    (docs/metrics.md, Recommendations).

    ``live``: lib.analytics.shows.show_sessions of ``tables`` and ``lines`` up to the period end (``gap_minutes``,
    ``min_show_minutes``), computed here when not given; ``slots``: lib.analytics.shows.slot_stats of ``live`` with
    the same ``min_shows`` and ``level``, when the caller has it. ``completed``: the completed enriched sale lines
    (the in-show margin; the mix needs their costs), or only their in-show lines (lib.analytics.shows.show_lines_sql:
    the same advice); ``lifecycle``: lib.data.derived.product_lifecycle, None without inventory (no mix then), or
    ``stock`` in its place (lib.analytics.shows.stock_by_group). Tables: ``slots``, ``by_length`` (lib.analytics.shows.revenue_by_show_length),
    ``show_mix`` (show_mix.csv, when the mix was computed and has a row), the method lines and the settings
    (``min_shows``, ``level``, ``alpha``; lib.narrative.recommendations.section_advice). No shows: the section is
    skipped.
    """
    period_end = period.end
    if live is None:
        live = sh.show_sessions(tables, lines, period.end_exclusive, gap_minutes=gap_minutes,
                                min_minutes=min_show_minutes)
    settings = {"min_shows": min_shows, "level": level, "alpha": alpha}
    if live.empty:
        return rc_text.section_advice("shows", [], {}, [], [("Live shows", show_source_sentence(live))], [], settings)
    slots = sh.slot_stats(live, min_shows=min_shows, level=level) if slots is None else slots
    by_len = sh.revenue_by_show_length(live)
    margin = sh.in_show_margin(completed)  # None without costs: the live-show effects then count revenue
    has_costs = (lifecycle is not None or stock is not None) and "gross_profit" in completed.columns
    mixes = sh.show_mix_evidence(completed, lifecycle, period_end, aging_days, min_group_sales, level, stock=stock) \
        if has_costs else {}
    r_slot = show_slot_rule(slots, live, period_end, margin, currency, shows_to_move=shows_to_move,
                            min_shows=min_shows, level=level)
    r_len = show_length_rule(live, by_len, period_end, margin, currency, min_shows=min_shows, alpha=alpha,
                             level=level)
    r_mix = show_mix_rules(mixes, currency, feature_uplift_pct=feature_uplift_pct, alpha=alpha)
    recs = r_slot + r_len + r_mix
    shown = {"slots": slots, "by_length": by_len}
    mix_all = sh.show_mix_frame(mixes) if mixes else pd.DataFrame()
    if len(mix_all):
        shown["show_mix"] = mix_all
    skips = [] if has_costs else [("Product mix for shows", "needs products.csv and inventory.csv (categories and "
                                                            "costs)")]
    sentences = [schedule_sentence(slots, currency, level=level), shrinkage_sentence(slots, currency),
                 *show_evidence(recs, bool(r_len), bool(r_mix), bool(mixes), alpha, min_shows)]
    method = [shrinkage_method(slots, currency, level, min_shows), *rc_text.section_method(recs, "Live shows"),
              *show_evidence_method([], bool(r_len), bool(r_mix), bool(mixes), alpha, min_shows)]
    return rc_text.section_advice("shows", recs, shown, sentences, skips, method, settings)
