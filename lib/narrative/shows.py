"""The owner's sentences and actions about live shows and slots (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics.shows import MIN_SHOW_MINUTES, best_show_hour
from lib.config import SHOW_GAP_MINUTES
from lib.narrative.fmt import money, num

__all__ = ["power_hour_sentence", "show_source_sentence", "length_channel_sentence", "schedule_sentence",
           "schedule_finding", "schedule_table_sentence", "schedule_actions"]


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
                f"({money(b['revenue_per_show_hour'], currency)} per show hour from {int(b['shows'])} shows).")
    rph_raw = at_raw["revenue_per_show_hour"].iloc[0] if len(at_raw) else np.nan
    raw_part = (f"{money(rph_raw, currency)} per show hour at {raw_peak:02d}:00" if len(at_raw)
                else f"no shows starting at {raw_peak:02d}:00")
    return (f"Raw revenue peaks at {raw_peak:02d}:00 because that is when most selling happens "
            f"({n_raw} of {n_all} shows started then); per hour on air, shows starting at "
            f"{best:02d}:00 earn most: {money(b['revenue_per_show_hour'], currency)} per show hour from "
            f"{int(b['shows'])} shows, against {raw_part}.")


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
    text = (f"The best slot is {b['slot']}: {money(b['revenue_per_show_hour'], currency)} per show hour "
            f"({level * 100:.0f}% interval {money(b['low'], currency)} to {money(b['high'], currency)}, "
            f"{int(b['shows'])} shows)")
    if busiest["slot"] != b["slot"]:
        text += (f"; the busiest slot, {busiest['slot']} ({int(busiest['shows'])} shows), earns "
                 f"{money(busiest['revenue_per_show_hour'], currency)} per show hour")
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
        text += f". {n_few} slot(s) have too few shows to rank"
    return text + "."


def schedule_finding(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80) -> str:
    """The report's finding: the first sentence of :func:`schedule_sentence` (docs/metrics.md, Sales timing)."""
    text = _best_slot(slots, currency, level)
    return "No slot has enough past shows to be ranked yet." if text is None else text + "."


def schedule_table_sentence(schedule: pd.DataFrame, min_shows: int) -> str:
    """Where the full slot list is: ``schedule`` is lib.analytics.shows.show_schedule (docs/metrics.md, Action lists)."""
    return (f"The full list of {len(schedule):,} slots, with intervals and the number of shows behind each, "
            "is in tables/show_schedule.csv; slots with fewer than "
            f"{min_shows} shows are listed last and not ranked.")


def schedule_actions(slots: pd.DataFrame, currency: str = "USD", top: int = 3,
                     level: float = 0.80) -> tuple[str, list[str]]:
    """What the slot ranking means and which slots to add, move or test (docs/metrics.md, Sales timing)."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return ("The show history is too short to compare slots.",
                ["Keep running shows at varied times so the slots can be compared."])
    median = float(ranked["revenue_per_show_hour"].median())
    sure = ranked[ranked["low"] > median].head(top)
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    actions = []
    if len(sure):
        actions.append("Schedule more shows in " + ", ".join(sure["slot"]) +
                       f": their {level * 100:.0f}% intervals sit above the median slot "
                       f"({money(median, currency)} per show hour).")
    else:
        actions.append(f"No slot is clearly above the median slot ({money(median, currency)} per show hour); "
                       f"keep the current times and test {ranked.iloc[0]['slot']} more often.")
    best = ranked.iloc[0]
    if busiest["slot"] != best["slot"] and busiest["revenue_per_show_hour"] < best["revenue_per_show_hour"]:
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
