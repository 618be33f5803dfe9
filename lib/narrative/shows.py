"""The owner's sentences and actions about live shows and slots (docs/metrics.md, Sales timing)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lib.analytics.shows import MIN_SHOW_MINUTES, best_show_hour
from lib.config import SHOW_GAP_MINUTES

__all__ = ["power_hour_sentence", "show_source_sentence", "schedule_sentence", "schedule_actions"]


def power_hour_sentence(raw: pd.DataFrame, hours: pd.DataFrame, money: Callable[[float], str]) -> str:
    """Explain raw revenue by clock hour against revenue per show hour (computed, no canned numbers).

    ``raw`` is :func:`raw_revenue_grid`, ``hours`` is :func:`hour_stats`, ``money`` a formatter.
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
                f"({money(b['revenue_per_show_hour'])} per show hour from {int(b['shows'])} shows).")
    rph_raw = at_raw["revenue_per_show_hour"].iloc[0] if len(at_raw) else np.nan
    raw_part = (f"{money(rph_raw)} per show hour at {raw_peak:02d}:00" if len(at_raw)
                else f"no shows starting at {raw_peak:02d}:00")
    return (f"Raw revenue peaks at {raw_peak:02d}:00 because that is when most selling happens "
            f"({n_raw} of {n_all} shows started then); per hour on air, shows starting at "
            f"{best:02d}:00 earn most: {money(b['revenue_per_show_hour'])} per show hour from "
            f"{int(b['shows'])} shows, against {raw_part}.")


def show_source_sentence(shows: pd.DataFrame, gap_minutes: float = SHOW_GAP_MINUTES,
                         min_minutes: float = MIN_SHOW_MINUTES,
                         money: Callable[[float], str] = lambda x: f"{x:,.0f}") -> str:
    """Where the shows come from, how many and how many hours on air."""
    if shows.empty:
        return "No live shows were found (no shows.csv and no sales on live channels)."
    n, hrs = len(shows), shows["hours"].sum()
    if (shows["source"] == "inferred").all():
        src = (f"inferred from live-channel sales (sales less than {gap_minutes:g} minutes apart on one "
               f"channel form one show, on air at least {min_minutes:g} minutes)")
    else:
        src = "from shows.csv"
    text = (f"{n:,} live shows {src}, {hrs:,.0f} hours on air in all, "
            f"{money(shows['revenue'].sum() / hrs)} of revenue per show hour on average.")
    if (shows["source"] == "inferred").all():
        text += (" Inferred shows last only from their first to their last sale, so short shows with few "
                 "sales can look better per hour than they were; a shows.csv export gives exact hours.")
    return text


def schedule_sentence(slots: pd.DataFrame, money: Callable[[float], str], level: float = 0.80) -> str:
    """The best ranked slot with its interval and the busiest slot for comparison."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return "No slot has enough past shows to be ranked yet."
    b = ranked.iloc[0]
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    text = (f"The best slot is {b['slot']}: {money(b['revenue_per_show_hour'])} per show hour "
            f"({level * 100:.0f}% interval {money(b['low'])} to {money(b['high'])}, {int(b['shows'])} shows)")
    if busiest["slot"] != b["slot"]:
        text += (f"; the busiest slot, {busiest['slot']} ({int(busiest['shows'])} shows), earns "
                 f"{money(busiest['revenue_per_show_hour'])} per show hour")
    n_few = int((~slots["enough_shows"]).sum())
    if n_few:
        text += f". {n_few} slot(s) have too few shows to rank"
    return text + "."


def schedule_actions(slots: pd.DataFrame, money: Callable[[float], str], top: int = 3,
                     level: float = 0.80) -> tuple[str, list[str]]:
    """What the slot ranking means and which slots to add, move or test."""
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
                       f"({money(median)} per show hour).")
    else:
        actions.append(f"No slot is clearly above the median slot ({money(median)} per show hour); "
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
