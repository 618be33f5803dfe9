"""Tests of lib.narrative.shows: show source, clock hour vs show hour, length and channel, slot schedule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import shows
from lib.data import derived
from lib.narrative import shows as shows_text
from tests.analytics.test_shows import INFER_ROWS, SHOWS_TABLE, TABLE_ROWS, sale_lines_of


def _table_shows() -> pd.DataFrame:
    return shows.show_sessions({"shows": SHOWS_TABLE}, sale_lines_of(TABLE_ROWS), pd.Timestamp("2026-11-01"))


def _slots_fixture() -> pd.DataFrame:
    # five slots; Thu 21 best and sure (low above the median 200), Thu 19 busiest, Sun 12 too few
    return pd.DataFrame({
        "slot": ["Thursday 21:00", "Thursday 19:00", "Friday 20:00", "Monday 18:00", "Sunday 12:00"],
        "weekday": [3, 3, 4, 0, 6], "hour": [21, 19, 20, 18, 12],
        "shows": [10, 40, 8, 6, 2], "show_hours": [20.0, 80.0, 16.0, 12.0, 2.0],
        "revenue": [8000.0, 16000.0, 3200.0, 1800.0, 900.0],
        "revenue_per_show_hour": [400.0, 200.0, 200.0, 150.0, 450.0],
        "low": [300.0, 180.0, 120.0, 100.0, np.nan], "high": [500.0, 220.0, 280.0, 200.0, np.nan],
        "enough_shows": [True, True, True, True, False],
        "rank": pd.array([1, 2, 2, 4, pd.NA], dtype="Int64")})


def test_power_hour_sentence():
    lines = sale_lines_of(TABLE_ROWS)
    raw = shows.raw_revenue_grid(derived.completed_lines(lines))
    hrs = shows.hour_stats(_table_shows(), min_shows=1)
    text = shows_text.power_hour_sentence(raw, hrs, "USD")
    assert text.startswith("Raw revenue peaks at 19:00")
    assert "1 of 3 shows" in text and "21:00 earn most: $217 per show hour from 2 shows" in text
    assert "$200 per show hour at 19:00" in text


def test_schedule_sentence_finding_and_actions():
    sl = _slots_fixture()
    s = shows_text.schedule_sentence(sl, "USD")
    assert s == ("The best slot is Thursday 21:00: $400 per show hour (80% interval $300 to $500, 10 shows); "
                 "the busiest slot, Thursday 19:00 (40 shows), earns $200 per show hour. "
                 "1 slot(s) have too few shows to rank.")
    assert shows_text.schedule_finding(sl, "USD") == (
        "The best slot is Thursday 21:00: $400 per show hour (80% interval $300 to $500, 10 shows); "
        "the busiest slot, Thursday 19:00 (40 shows), earns $200 per show hour.")
    none = sl.assign(enough_shows=False)
    assert shows_text.schedule_sentence(none) == "No slot has enough past shows to be ranked yet."
    assert shows_text.schedule_finding(none) == "No slot has enough past shows to be ranked yet."
    meaning, actions = shows_text.schedule_actions(sl, "USD")
    # ranked medians: 400, 200, 200, 150 -> 200; only Thursday 21:00 has low (300) > 200
    assert actions[0].startswith("Schedule more shows in Thursday 21:00: their 80% intervals sit above the "
                                 "median slot ($200 per show hour)")
    assert actions[1] == "Try moving some of the 40 Thursday 19:00 shows to Thursday 21:00 and compare after a month."
    assert actions[2].startswith("Test Sunday 12:00")
    assert "revenue per show hour" in meaning


def test_schedule_table_sentence():
    sched = shows.show_schedule(shows.slot_stats(_table_shows(), min_shows=2), min_shows=2)
    assert shows_text.schedule_table_sentence(sched, 2) == (
        "The full list of 2 slots, with intervals and the number of shows behind each, is in "
        "tables/show_schedule.csv; slots with fewer than 2 shows are listed last and not ranked.")


def test_show_source_sentence():
    s = shows.infer_shows(sale_lines_of(INFER_ROWS))
    text = shows_text.show_source_sentence(s)
    # 3 shows; hours 3598/3600 + 0.25 + 0.25 = 1.4994; revenue 240 -> 160 per show hour
    assert text.startswith("3 live shows inferred from live-channel sales (sales less than 30 minutes apart")
    assert "1 hours on air in all, 160 of revenue per show hour" in text
    assert "Inferred shows last only from their first to their last sale" in text
    # 3 shows, 6 h, revenue 1250 -> 208 per show hour
    assert shows_text.show_source_sentence(_table_shows(), currency="USD") == (
        "3 live shows from shows.csv, 6 hours on air in all, $208 of revenue per show hour on average.")
    assert shows_text.show_source_sentence(s.iloc[:0]).startswith("No live shows were found")


def test_length_channel_sentence():
    s = _table_shows()
    by_len = shows.revenue_by_show_length(s, drop_empty=True)
    by_ch = shows.revenue_by_show_channel(s)
    # per show hour: 0-60 min 250 (S2), 90-120 min 200 (S1), 120-180 min 200 (S3); instagram 250, whatnot 200
    assert shows_text.length_channel_sentence(by_len, by_ch, "USD") == (
        "Per hour on air, 0-60 min shows earn most ($250 per show hour from 1 shows); "
        "instagram: $250 per show hour over 1 shows; whatnot: $200 per show hour over 2 shows.")
    assert shows_text.length_channel_sentence(by_len.iloc[:0], by_ch) == ""
