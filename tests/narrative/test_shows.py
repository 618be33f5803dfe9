"""Tests of lib.narrative.shows: show source, clock hour vs show hour, length and channel, slot schedule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import shows
from lib.data import derived
from lib.narrative import shows as shows_text
from tests.analytics.test_shows import INFER_ROWS, SHOWS_TABLE, TABLE_ROWS, _in_show, sale_lines_of
from tests.e2e.test_page_scan import JARGON


def _table_shows() -> pd.DataFrame:
    return shows.show_sessions({"shows": SHOWS_TABLE}, sale_lines_of(TABLE_ROWS), pd.Timestamp("2026-11-01"))


def _slots_fixture() -> pd.DataFrame:
    # five slots, average 250 per show hour, prior 5 shows: Thu 21 best and clearly above (difference 40 to 160),
    # Thu 19 busiest and below, Fri 20 and Mon 18 no clear difference, Sun 12 too few
    t = pd.DataFrame({
        "slot": ["Thursday 21:00", "Thursday 19:00", "Friday 20:00", "Monday 18:00", "Sunday 12:00"],
        "weekday": [3, 3, 4, 0, 6], "hour": [21, 19, 20, 18, 12],
        "shows": [10, 40, 8, 6, 2], "show_hours": [20.0, 80.0, 16.0, 12.0, 2.0],
        "revenue": [8000.0, 16000.0, 3200.0, 1800.0, 900.0],
        "revenue_per_show_hour": [400.0, 200.0, 200.0, 150.0, 450.0],
        "low": [300.0, 180.0, 120.0, 100.0, np.nan], "high": [500.0, 220.0, 280.0, 200.0, np.nan],
        # (n x raw + 5 x 250) / (n + 5)
        "revenue_per_show_hour_shrunk": [350.0, 205.56, 219.23, 195.45, 307.14],
        "vs_mean_low": [40.0, -70.0, -90.0, -120.0, -50.0], "vs_mean_high": [160.0, -20.0, 30.0, 10.0, 150.0],
        "enough_shows": [True, True, True, True, False],
        "verdict": ["better than average", "worse than average", "no clear difference", "no clear difference",
                    "too few shows"],
        "rank": pd.array([1, 3, 2, 4, pd.NA], dtype="Int64")})
    t.attrs.update(prior_mean=250.0, prior_n=5.0)
    return t


def test_power_hour_sentence():
    lines = sale_lines_of(TABLE_ROWS)
    raw = shows.raw_revenue_grid(derived.completed_lines(lines))
    # prior 1 show, average 1,250 / 6 h = 208.33: 21:00 (2 x 216.67 + 208.33) / 3 = 213.89, 19:00 (200 + 208.33) / 2
    hrs = shows.hour_stats(_table_shows(), min_shows=1, prior_n=1)
    text = shows_text.power_hour_sentence(raw, hrs, "USD")
    assert text.startswith("Raw revenue peaks at 19:00")
    assert "1 of 3 shows" in text and "21:00 earn most: $214 per show hour from 2 shows" in text
    assert text.endswith("$204 per show hour at 19:00 (both adjusted for how few shows each start hour has).")
    assert not JARGON.search(text)
    # without shrinking the raw values
    raw_text = shows_text.power_hour_sentence(raw, shows.hour_stats(_table_shows(), min_shows=1, prior_n=0), "USD")
    assert "$217 per show hour from 2 shows" in raw_text and "$200 per show hour at 19:00" in raw_text


def test_schedule_sentence_finding_and_actions():
    sl = _slots_fixture()
    first = ("The best slot is Thursday 21:00: $350 per show hour adjusted for how few shows a slot has (its own $400 "
             "over 10 shows, pulled towards the average of $250), clearly above the average slot (80% range of the "
             "difference $40 to $160); the busiest slot, Thursday 19:00 (40 shows), earns $206 per show hour")
    assert shows_text.schedule_sentence(sl, "USD") == first + ". 1 slot has too few shows to rank."
    assert shows_text.schedule_finding(sl, "USD") == first + "."
    none = sl.assign(enough_shows=False)
    assert shows_text.schedule_sentence(none) == "No slot has enough past shows to be ranked yet."
    assert shows_text.schedule_finding(none) == "No slot has enough past shows to be ranked yet."
    meaning, actions = shows_text.schedule_actions(sl, "USD")
    # one verdict per slot: only Thursday 21:00 is clearly better than average
    assert actions[0] == ("Schedule more shows in Thursday 21:00: even adjusted for how few shows a slot has, their "
                          "80% ranges sit above the average slot ($250 per show hour).")
    assert actions[1] == "Try moving some of the 40 Thursday 19:00 shows to Thursday 21:00 and compare after a month."
    assert actions[2].startswith("Test Sunday 12:00")
    assert "revenue per show hour" in meaning
    unsure = sl.assign(verdict="no clear difference")
    _, acts = shows_text.schedule_actions(unsure, "USD")
    assert acts[0].startswith("No slot is clearly above the average slot ($250 per show hour)")
    assert not any(a.startswith("Try moving") for a in acts)
    assert shows_text.shrinkage_sentence(sl, "USD") == (
        "Slot values are pulled towards the average of $250 per show hour: the average counts as 5.0 extra shows in "
        "every slot, so a slot with few shows stays near it.")
    assert shows_text.shrinkage_method(sl, "USD", level=0.8, min_shows=5) == (
        "Slot values are shrunk towards the overall revenue per show hour ($250): (shows x slot value + k x overall) "
        "/ (shows + k), with the prior weight k = 5.0 shows (Bühlmann's credibility estimate by the method of "
        "moments, at least 5). The 80% ranges are percentile bootstraps resampling each slot's shows; a slot is "
        "better or worse than average when the range of its shrunk value less the overall one excludes zero.")
    flat = sl.copy()
    flat.attrs.update(prior_mean=250.0, prior_n=float("inf"))
    assert "every slot is set to the average" in shows_text.shrinkage_sentence(flat)
    assert "k = infinite: the slots' means spread no more" in shows_text.shrinkage_method(flat)
    # the fixture: 4 slots with 5 or more shows (1 better, 1 worse, 2 unclear), Sunday 12:00 with 2
    assert shows_text.schedule_method(sl, "USD", level=0.8, min_shows=5) == (
        "4 slots with at least 5 shows are ranked by the shrunk revenue per show hour (the adjusted value); 1 slot "
        "with fewer is listed unranked. Of the ranked slots, 1 is better and 1 worse than average (the 80% "
        "percentile-bootstrap interval of the shrunk value less the overall $250 per show hour excludes zero) and 2 "
        "show no clear difference.")
    assert shows_text.schedule_method(sl.iloc[:0]) == ""
    for text in (first, *actions, meaning, shows_text.shrinkage_sentence(sl), shows_text.maps_sentence(),
                 shows_text.schedule_caption(0.8)):
        assert not JARGON.search(text), text


def test_show_slot_rule_words_and_unit():
    from tests.analytics.test_shows import END, _move_slots, _sessions

    s = _sessions([("2026-08-06 21:00", 3, 1.0, 500.0), ("2026-08-03 19:00", 13, 2.0, 180.0),
                   ("2026-08-04 19:00", 13, 2.0, 180.0), ("2026-08-05 19:00", 4, 2.0, 180.0)])
    s.loc[s["weekday"] == 3, "start"] = pd.to_datetime(["2026-08-06 21:00", "2026-09-03 21:00", "2026-10-01 21:00"])
    r = shows_text.show_slot_rule(_move_slots(), s, END, 0.25, "USD")[0]
    assert r.action == "Move 3 shows a month into the Thursday 21:00 slot."
    assert r.expected_effect.startswith("About $150 more gross profit a month (80% range $60 to $240), on about $600 "
                                        "of sales. Counted against an average slot: the slot holds about 4 shows a "
                                        "month (one a week) and already has 1.0 a month, so 3 shows can move.")
    assert (r.unit, r.confidence, r.source, r.effect.capped_by) == ("gross profit", "high", "sales_timing", "shows")
    rev = shows_text.show_slot_rule(_move_slots(), s, END, None, "USD")[0]
    assert rev.unit == "revenue" and rev.expected_effect.startswith(
        "About $600 more revenue a month (80% range $240 to $960); there are no costs in the data")
    # _move_slots: Thursday 21:00 raw 500, shrunk 300 against the average 200 (prior 5 shows), difference 40 to 160
    assert r.evidence == (
        "Thursday 21:00 earned $500 per show hour over 12 shows; adjusted for how few shows a slot has (the average "
        "of $200 counts as 5.0 extra shows) that is $300, $100 above average (80% range $40 to $160), the best of 2 "
        "ranked slots; shows elsewhere last 2.0 hours on average at the 25.0% gross margin of show sales. Confidence "
        "high: the range lies above the average, 12 shows in the slot.")
    assert r.method == (
        "Slot values are shrunk towards the overall $200 per show hour with a prior weight of 5.0 shows (Bühlmann's "
        "credibility estimate); the 80% interval of the shrunk slot's difference from the average is a percentile "
        "bootstrap over the shows, $40 to $160. Confidence high with at least 10 shows in the slot, else medium.")
    assert not JARGON.search(r.evidence) and not JARGON.search(r.action) and JARGON.search(r.method)
    assert shows_text.show_slot_rule(_move_slots(verdict="no clear difference"), s, END, 0.25, "USD") == []


def test_schedule_table_sentence():
    sched = shows.show_schedule(shows.slot_stats(_table_shows(), min_shows=2), min_shows=2)
    assert shows_text.schedule_table_sentence(sched, 2) == (
        "The full list of 2 slots, with ranges and the number of shows behind each, is on the Show schedule "
        "sheet of the actions workbook, ranked by the adjusted revenue per show hour; slots with fewer than 2 shows are "
        "listed last and not ranked.")


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


def _length_shows() -> pd.DataFrame:
    # tests/analytics/test_shows.py::test_length_effect_interval_and_margin: six 30-minute shows at ~105 per hour,
    # five 105-minute shows at ~201 per hour (Mann-Whitney p = 2 / 462 = 0.0043 < 0.05 / 5: high)
    st = pd.Timestamp("2026-10-05 19:00") + pd.to_timedelta(np.arange(11), unit="D")
    hours = np.array([0.5] * 6 + [1.75] * 5)
    rev = np.array([50 + i for i in range(6)] + [350 + i for i in range(5)], dtype=float)
    return pd.DataFrame({"show_id": [f"s{i}" for i in range(11)], "start": st, "hours": hours, "revenue": rev})


def test_show_length_rule_says_the_difference_plainly_and_the_test_in_the_method():
    from tests.analytics.test_shows import END

    s = _length_shows()
    r = shows_text.show_length_rule(s, shows.revenue_by_show_length(s), END, 0.4, "USD", min_shows=5)[0]
    assert r.action == "Plan shows of 90-120 min instead of the usual 0-60 min."
    # (350 + ... + 354) / 8.75 h = 200.9; (50 + ... + 55) / 3 h = 105
    assert r.evidence == ("90-120 min shows earned $201 per show hour (5 shows) against $105 for the 6 0-60 min "
                          "shows, a clear difference. Confidence high: the difference is very unlikely to be chance.")
    assert r.method == ("Two-sided Mann-Whitney U test on the revenue per hour of each show, 90-120 min against "
                        "0-60 min: p = 0.0043; confidence high below 0.01, medium below 0.05. The 80% range is a "
                        "bootstrap over the shows of the two lengths.")
    assert not JARGON.search(r.evidence) and JARGON.search(r.method)
    # the length rule fired, the mix rule did not: the evidence and its method block
    ev = shows_text.show_evidence([r], True, False, True)
    assert ev == [r.evidence, "", "No category, brand or condition sells both faster and at a better margin than "
                                  "the show average beyond chance."]
    assert shows_text.show_evidence_method([r], True, False, True) == [
        r.method, "", "Show mix: two-sided Mann-Whitney U tests of each group's days to sell and margin against the "
                      "other show sales, both below 0.05 needed."]
    none = shows_text.show_evidence([], False, True, True, min_shows=5)
    assert none[0] == "No show length earns clearly more per show hour than the usual length (lengths with at least " \
                      "5 shows)."
    assert not any(JARGON.search(x) for x in none)
    assert shows_text.show_evidence_method([], False, True, True, min_shows=5)[0].startswith(
        "Show lengths: two-sided Mann-Whitney U test of the revenue per hour of each show")


def test_show_mix_rule_and_table_keep_the_tests_for_the_method():
    from tests.analytics.test_shows import END

    t = shows.show_mix_table(_in_show(), "condition", min_group_sales=5)
    ev = shows.MixEvidence(t, shows.recent_mix(_in_show(), "condition", END), pd.Series({"S": 10}),
                           pd.Series({"S": 3}))
    r = shows_text.show_mix_rule(ev, "USD", feature_uplift_pct=30)[0]
    # S: median 12 days at 50% margin against 50 days and (250 + 120) / 1,100 = 33.6% for all show sales
    assert r.evidence == ("In shows, condition S sold in a median of 12 days at a 50.0% margin (5 sales) against 50 "
                          "days and 33.6% for all show sales: faster and more profitable, both clear differences. "
                          "Confidence high: both differences are very unlikely to be chance.")
    # days: 2 / 462 = 0.0043; margin p = 0.0022
    assert r.method == ("Two-sided Mann-Whitney U tests against the other show sales: days to sell p = 0.0043, "
                        "margin per line p = 0.0022; confidence high when both are below 0.01, medium when both "
                        "are below 0.05. The range is a bootstrap over the last 3 months' shows.")
    assert not JARGON.search(r.evidence) and not JARGON.search(r.expected_effect)
    mix_all = shows.show_mix_frame({"condition": ev})
    shown = shows_text.show_mix_shown(mix_all)
    assert shown["days_test"].tolist() == ["a clear difference", "a clear difference"]
    assert shows_text.show_mix_shown(mix_all, alpha=0.001)["margin_test"].tolist() == ["may be chance"] * 2
    assert shows_text.show_mix_tests(mix_all)[["group", "days_p", "margin_p"]].values.tolist() == [
        ["S", "p = 0.0043", "p = 0.0022"], ["B", "p = 0.0043", "p = 0.0022"]]
