"""Tests of lib.analytics.shows: show inference (30-minute gap), hours on air, revenue per show hour by slot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import shows
from lib.data import derived

__all__ = ["sale_lines_of", "INFER_ROWS", "SHOWS_TABLE", "TABLE_ROWS"]


def sale_lines_of(rows: list[tuple]) -> pd.DataFrame:
    """Sale lines from (date_sold, sale_price, channel, status, show_id) tuples."""
    df = pd.DataFrame(rows, columns=["date_sold", "sale_price", "channel", "status", "show_id"])
    df["date_sold"] = pd.to_datetime(df["date_sold"])
    df["sale_price"] = df["sale_price"].astype("float64")
    df["quantity"] = np.int64(1)
    df["sale_id"] = pd.array([f"s{i}" for i in range(len(df))], dtype="string")
    df["channel"] = df["channel"].astype("string")
    df["status"] = df["status"].astype("string")
    df["show_id"] = df["show_id"].astype("string")
    return derived.sale_lines({"sales": df})


# Sales without show ids, for inferring shows; 2026-10-01 is a Thursday.
INFER_ROWS = [
    ("2026-10-01 20:00:00", 100, "whatnot", "completed", None),
    ("2026-10-01 20:29:59", 50, "whatnot", "completed", None),   # gap 29:59 -> same show
    ("2026-10-01 20:59:58", 30, "whatnot", "completed", None),   # gap 29:59 -> same show
    ("2026-10-01 21:29:58", 40, "whatnot", "completed", None),   # gap exactly 30:00 -> new show
    ("2026-10-01 20:10:00", 70, "Instagram", "refunded", None),  # on air, no revenue
    ("2026-10-01 20:20:00", 20, "instagram", "completed", None),
    ("2026-10-01 20:05:00", 999, "poshmark", "completed", None),  # not a live channel
]


def test_infer_shows_gap_rule_and_minimum_on_air():
    s = shows.infer_shows(sale_lines_of(INFER_ROWS))
    assert list(s.columns) == shows.SHOW_COLUMNS
    assert len(s) == 3  # whatnot 20:00 show, whatnot 21:29:58 show, instagram 20:10 show
    s = s.set_index("show_id")
    w1 = s.loc["whatnot-20261001-200000"]
    # span 20:00:00 -> 20:59:58 = 3598 s; revenue 100+50+30
    assert w1["hours"] == pytest.approx(3598 / 3600)
    assert w1["revenue"] == 180.0 and w1["sales"] == 3
    assert (w1["weekday"], w1["hour"]) == (3, 20)
    w2 = s.loc["whatnot-20261001-212958"]
    # single sale: on air the 15-minute minimum = 0.25 h
    assert w2["hours"] == 0.25 and w2["revenue"] == 40.0
    ig = s.loc["instagram-20261001-201000"]
    # span 10 min < 15 -> 0.25 h; the refunded line is on-air evidence but not revenue
    assert ig["hours"] == 0.25 and ig["revenue"] == 20.0 and ig["sales"] == 1
    assert ig["end"] == pd.Timestamp("2026-10-01 20:25:00")


def test_infer_shows_crosses_midnight_into_one_show_starting_on_the_first_day():
    rows = [("2026-10-03 23:50:00", 10, "whatnot", "completed", None),   # Saturday
            ("2026-10-04 00:15:00", 20, "whatnot", "completed", None)]   # Sunday, gap 25 min
    s = shows.infer_shows(sale_lines_of(rows))
    assert len(s) == 1
    # the slot is the start: Saturday (5) 23:00, 25 min on air
    assert (s.loc[0, "weekday"], s.loc[0, "hour"]) == (5, 23)
    assert s.loc[0, "hours"] == pytest.approx(25 / 60)
    assert s.loc[0, "revenue"] == 30.0


def test_infer_shows_without_live_sales_is_empty_with_columns():
    s = shows.infer_shows(sale_lines_of([("2026-10-01 20:00", 5, "website", "completed", None)]))
    assert s.empty and list(s.columns) == shows.SHOW_COLUMNS


def test_infer_shows_rejects_bad_gap():
    with pytest.raises(ValueError, match="gap_minutes"):
        shows.infer_shows(sale_lines_of(INFER_ROWS), gap_minutes=0)


# shows.csv with four shows (S4 after 2026-11-01) and sales in three of them
SHOWS_TABLE = pd.DataFrame({
    "show_id": pd.array(["S1", "S2", "S3", "S4"], dtype="string"),
    "channel": pd.array(["whatnot", "instagram", "whatnot", "whatnot"], dtype="string"),
    "start_time": pd.to_datetime(["2026-10-01 21:00", "2026-10-01 21:30", "2026-10-01 19:00",
                                  "2026-11-05 21:00"]),
    "end_time": pd.to_datetime(["2026-10-01 23:00", "2026-10-01 22:30", "2026-10-01 22:00",
                                "2026-11-05 22:00"]),
})
TABLE_ROWS = [
    ("2026-10-01 21:10", 300, "whatnot", "completed", "S1"),
    ("2026-10-01 22:10", 100, "whatnot", "completed", "S1"),
    ("2026-10-01 21:40", 250, "instagram", "completed", "S2"),
    ("2026-10-01 19:10", 350, "whatnot", "completed", "S3"),
    ("2026-10-01 19:20", 250, "whatnot", "completed", "S3"),
    ("2026-10-01 19:30", 1000, "whatnot", "cancelled", "S3"),
    ("2026-10-01 12:00", 80, "website", "completed", None),
]


def test_revenue_per_show_hour_from_shows_table():
    lines = sale_lines_of(TABLE_ROWS)
    s = shows.show_sessions({"shows": SHOWS_TABLE}, lines, pd.Timestamp("2026-11-01"))
    assert list(s["show_id"]) == ["S3", "S1", "S2"]  # S4 starts after the period end
    assert list(s["hours"]) == [3.0, 2.0, 1.0]
    assert list(s["revenue"]) == [600.0, 400.0, 250.0]  # cancelled 1000 not counted
    slots = shows.slot_stats(s, min_shows=1)
    thu21 = slots[(slots["weekday"] == 3) & (slots["hour"] == 21)].iloc[0]
    # (400 + 250) / (2 + 1) h
    assert thu21["revenue_per_show_hour"] == pytest.approx(650 / 3)
    assert thu21["shows"] == 2 and thu21["slot"] == "Thursday 21:00"
    thu19 = slots[(slots["weekday"] == 3) & (slots["hour"] == 19)].iloc[0]
    assert thu19["revenue_per_show_hour"] == pytest.approx(200.0)  # 600 / 3 h
    assert np.isnan(thu19["low"])  # one show: no interval
    assert shows.best_show_slot(slots) == "Thursday 21:00"
    hrs = shows.hour_stats(s, min_shows=1)
    assert shows.best_show_hour(hrs) == 21


def test_raw_revenue_peaks_at_another_hour_than_revenue_per_show_hour():
    lines = sale_lines_of(TABLE_ROWS)
    raw = shows.raw_revenue_grid(derived.completed_lines(lines))
    # hour 19: 350+250 = 600; hour 21: 300+250 = 550; hour 22: 100; hour 12: 80
    by_hour = raw.sum(axis=0)
    assert by_hour[19] == 600 and by_hour[21] == 550 and by_hour[12] == 80
    assert int(by_hour.idxmax()) == 19
    s = shows.show_sessions({"shows": SHOWS_TABLE}, lines, pd.Timestamp("2026-11-01"))
    hrs = shows.hour_stats(s, min_shows=1)
    assert shows.best_show_hour(hrs) == 21


def test_too_few_shows_are_marked_not_ranked():
    lines = sale_lines_of(TABLE_ROWS)
    s = shows.show_sessions({"shows": SHOWS_TABLE}, lines, pd.Timestamp("2026-11-01"))
    slots = shows.slot_stats(s, min_shows=2)
    sched = shows.show_schedule(slots, min_shows=2)
    assert list(sched.columns[:6]) == ["weekday", "hour", "revenue_per_show_hour", "low", "high", "shows"]
    assert list(zip(sched["weekday"], sched["hour"], strict=True)) == [("Thursday", 21), ("Thursday", 19)]
    assert sched.loc[0, "rank"] == 1 and pd.isna(sched.loc[1, "rank"])
    assert sched.loc[1, "note"] == "too few shows (1 < 2): not ranked"
    assert shows.best_show_slot(shows.slot_stats(s, min_shows=3)) is None
    grid = shows.show_hour_grid(slots)
    assert np.isnan(grid.loc["Thursday", 19]) and grid.loc["Thursday", 21] == pytest.approx(650 / 3)


def test_bootstrap_interval_brackets_and_collapses():
    start = pd.date_range("2026-01-01 20:00", periods=8, freq="7D")  # Thursdays 20:00
    same = pd.DataFrame({"show_id": [f"x{i}" for i in range(8)], "channel": "whatnot", "start": start,
                         "end": start + pd.Timedelta(hours=2), "hours": 2.0, "revenue": 500.0,
                         "sales": 1, "units": 1, "weekday": 3, "hour": 20, "source": "t"})
    st = shows.slot_stats(same, min_shows=5).iloc[0]
    # every show earns 250 per hour: every resample gives 250
    assert st["low"] == pytest.approx(250) and st["high"] == pytest.approx(250)
    varied = same.assign(revenue=[100.0, 900.0, 300.0, 700.0, 200.0, 800.0, 400.0, 600.0])
    st80 = shows.slot_stats(varied, level=0.80).iloc[0]
    st95 = shows.slot_stats(varied, level=0.95).iloc[0]
    assert st80["revenue_per_show_hour"] == pytest.approx(250)  # 4000 / 16 h
    assert st95["low"] < st80["low"] < 250 < st80["high"] < st95["high"]


def test_revenue_by_show_length_and_channel():
    lines = sale_lines_of(TABLE_ROWS)
    s = shows.show_sessions({"shows": SHOWS_TABLE}, lines, pd.Timestamp("2026-11-01"))
    by_len = shows.revenue_by_show_length(s).set_index("length")
    # S2 60 min -> "0-60 min"; S1 120 min -> "90-120 min"; S3 180 min -> "120-180 min"
    assert by_len.loc["0-60 min", "revenue_per_show"] == 250.0
    assert by_len.loc["90-120 min", "revenue_per_show_hour"] == 200.0
    assert by_len.loc["120-180 min", "revenue_per_show"] == 600.0
    assert by_len.loc["60-90 min", "shows"] == 0
    by_ch = shows.revenue_by_show_channel(s).set_index("channel")
    assert by_ch.loc["whatnot", "revenue_per_show_hour"] == 200.0  # (400 + 600) / 5 h
    assert by_ch.loc["instagram", "revenue_per_show"] == 250.0
    shown = shows.revenue_by_show_length(s, drop_empty=True)
    assert list(shown["length"]) == ["0-60 min", "90-120 min", "120-180 min"] and (shown["shows"] > 0).all()


def test_slot_label_validates():
    assert shows.slot_label(6, 9) == "Sunday 09:00"
    with pytest.raises(ValueError):
        shows.slot_label(7, 0)


def test_recovers_planted_show_effects(planted, sample_report):
    """Sample data: most shows start at 19:00 (raw revenue peaks there), 21:00 earns most per show hour."""
    ds, p, lines = sample_report.ds, sample_report.period, sample_report.lines
    assert p.label == planted["default_period"]
    live = shows.show_sessions(ds.tables, lines, p.end_exclusive)
    assert (live["source"] == "shows.csv").all() and len(live) > 100
    raw = shows.raw_revenue_grid(derived.completed_lines(lines))
    assert int(raw.sum(axis=0).idxmax()) == planted["raw_revenue_peak_hour"]
    assert int(live["hour"].value_counts().idxmax()) == planted["most_common_show_start_hour"]
    hrs = shows.hour_stats(live, min_shows=5)
    assert shows.best_show_hour(hrs) == planted["best_show_hour"]
    assert shows.best_show_hour(hrs) != planted["raw_revenue_peak_hour"]
    assert shows.best_show_slot(shows.slot_stats(live, min_shows=5)) == planted["best_show_slot"]


def test_show_slots_from_offset_timestamps_through_the_loader(tmp_path):
    """shows.csv start times with offsets become New York local slots before grouping (midnight and DST)."""
    from lib.data.load import load_dataset
    (tmp_path / "shows.csv").write_text(
        "show_id,channel,start_time,end_time\n"
        "A,whatnot,2026-10-04T01:00:00+00:00,2026-10-04T03:00:00+00:00\n"   # Sat 2026-10-03 21:00-23:00 EDT
        "B,whatnot,2026-11-01T05:30:00+00:00,2026-11-01T07:00:00+00:00\n"   # Sun 01:30 EDT .. 02:00 EST: 1.5 h
        "C,instagram,2026-03-08 01:30:00,2026-03-08T04:00:00-04:00\n")      # naive 01:30 EST .. 04:00 EDT
    (tmp_path / "sales.csv").write_text(
        "sale_id,buyer_id,date_sold,sale_price,channel,show_id\n"
        "1,b1,2026-10-04T01:30:00+00:00,100,whatnot,A\n"
        "2,b1,2026-11-01T01:45:00-04:00,60,whatnot,B\n"
        "3,b1,2026-03-08T03:10:00-04:00,40,instagram,C\n")
    ds = load_dataset(tmp_path, tz_name="America/New_York", use_cache=False)
    lines = derived.sale_lines(ds.tables)
    s = shows.show_sessions(ds.tables, lines).set_index("show_id")
    assert (s.loc["A", "weekday"], s.loc["A", "hour"], s.loc["A", "hours"]) == (5, 21, 2.0)
    assert (s.loc["B", "weekday"], s.loc["B", "hour"]) == (6, 1)
    # naive local wall clocks: B runs 01:30 -> 02:00 local (1.5 h of real time across fall-back reads as 0.5 h)
    assert s.loc["B", "hours"] == pytest.approx(0.5)
    # C: 01:30 -> 04:00 local reads as 2.5 h although only 1.5 h passed (spring-forward)
    assert (s.loc["C", "weekday"], s.loc["C", "hour"], s.loc["C", "hours"]) == (6, 1, 2.5)
    assert list(s.loc[["A", "B", "C"], "revenue"]) == [100.0, 60.0, 40.0]


# ---------------------------------------------------------------- shrinkage and the live-show effects

END = pd.Timestamp("2026-10-31")


def _sessions(spec: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """Shows from (first start, count, hours, revenue per hour) runs, one show a week from the first start."""
    rows = []
    for first, n, hours, rph in spec:
        for i in range(n):
            st = pd.Timestamp(first) + pd.Timedelta(weeks=i)
            rows.append({"show_id": f"{first}-{i}", "start": st, "hours": hours, "revenue": rph * hours,
                         "weekday": st.day_of_week, "hour": st.hour})
    return pd.DataFrame(rows)


def test_prior_shows_is_buhlmanns_credibility_weight():
    # slot A (Thu 21): 100 and 300 per hour, B (Mon 19): 500 and 700. within variance s2 = 4 x 100^2 / 2 = 20,000;
    # means 200, 600 around 400: 2 x 2 x 200^2 = 160,000, less (2 - 1) x 20,000, over 4 - 8/4 = 2: t2 = 70,000;
    # k = 20,000 / 70,000 = 2/7, floored at min_shows
    s = _sessions([("2026-10-01 21:00", 1, 1.0, 100.0), ("2026-10-08 21:00", 1, 1.0, 300.0),
                   ("2026-10-05 19:00", 1, 1.0, 500.0), ("2026-10-12 19:00", 1, 1.0, 700.0)])
    assert shows.prior_shows(s, ["weekday", "hour"], min_shows=0) == pytest.approx(2 / 7)
    assert shows.prior_shows(s, ["weekday", "hour"], min_shows=5) == 5.0
    # slots that differ no more than their shows do (means 200 and 200): infinite weight, every slot the average
    same = _sessions([("2026-10-01 21:00", 1, 1.0, 100.0), ("2026-10-08 21:00", 1, 1.0, 300.0),
                      ("2026-10-05 19:00", 1, 1.0, 150.0), ("2026-10-12 19:00", 1, 1.0, 250.0)])
    assert shows.prior_shows(same, ["weekday", "hour"], 1) == np.inf
    st = shows.slot_stats(same, min_shows=2)
    assert st["revenue_per_show_hour_shrunk"].tolist() == pytest.approx([200.0, 200.0])
    assert set(st["verdict"]) == {"no clear difference"}


def test_shrinkage_ranks_twenty_good_shows_above_two_great_ones():
    # G (Thu 21): 2 shows at 600/h; H (Mon 19): 20 at 450/h; L (Tue 12): 20 at 100/h; 1 hour each.
    # overall (1,200 + 9,000 + 2,000) / 42 = 290.48; prior 5 shows: G (1,200 + 5 x 290.48) / 7 = 378.9,
    # H (9,000 + 5 x 290.48) / 25 = 418.1: H first although G's raw 600 is higher
    s = _sessions([("2026-01-01 21:00", 2, 1.0, 600.0), ("2026-01-05 19:00", 20, 1.0, 450.0),
                   ("2026-01-06 12:00", 20, 1.0, 100.0)])
    st = shows.slot_stats(s, min_shows=2, prior_n=5).set_index("slot")
    avg = 12_200 / 42
    assert st.attrs["prior_mean"] == pytest.approx(avg)
    assert st.loc["Thursday 21:00", "revenue_per_show_hour_shrunk"] == pytest.approx((1200 + 5 * avg) / 7)
    assert st.loc["Monday 19:00", "revenue_per_show_hour_shrunk"] == pytest.approx((9000 + 5 * avg) / 25)
    assert (st.loc["Monday 19:00", "rank"], st.loc["Thursday 21:00", "rank"], st.loc["Tuesday 12:00", "rank"]) == (
        1, 2, 3)
    assert shows.best_show_slot(st.reset_index()) == "Monday 19:00"
    # constant shows: the intervals are points; H above the average, L below
    assert st.loc["Monday 19:00", "verdict"] == "better than average"
    assert st.loc["Tuesday 12:00", "verdict"] == "worse than average"
    sched = shows.show_schedule(st.reset_index(), min_shows=2)
    assert list(sched.columns[:6]) == ["weekday", "hour", "revenue_per_show_hour", "low", "high", "shows"]
    assert list(sched["weekday"]) == ["Monday", "Thursday", "Tuesday"]
    assert sched.loc[0, "revenue_per_show_hour_shrunk"] == pytest.approx(round((9000 + 5 * avg) / 25, 2))


def _move_slots(vs=(100.0, 40.0, 160.0), verdict="better than average") -> pd.DataFrame:
    t = pd.DataFrame({"slot": ["Thursday 21:00", "Monday 19:00"], "weekday": [3, 0], "hour": [21, 19],
                      "shows": [12, 40], "revenue_per_show_hour": [500.0, 180.0],
                      "revenue_per_show_hour_shrunk": [300.0, 190.0], "vs_mean": [vs[0], -10.0],
                      "vs_mean_low": [vs[1], -20.0], "vs_mean_high": [vs[2], 0.0], "enough_shows": [True, True],
                      "verdict": [verdict, "no clear difference"], "rank": pd.array([1, 2], dtype="Int64")})
    t.attrs.update(prior_mean=200.0, prior_n=5.0)
    return t


def test_slot_move_capacity_caps_the_moved_shows():
    # last 3 months (Aug-Oct): 3 shows in Thu 21:00 (1 a month), 30 elsewhere of 2 h (10 a month).
    # the slot holds 4 a month: 4 - 1 = 3 can move although 4 are asked. effect = 100 x 2 h x 3 x 25% = 150
    # (range 40 and 160 likewise: 60 to 240), revenue 600, capped by shows
    s = _sessions([("2026-08-06 21:00", 3, 1.0, 500.0), ("2026-08-03 19:00", 13, 2.0, 180.0),
                   ("2026-08-04 19:00", 13, 2.0, 180.0), ("2026-08-05 19:00", 4, 2.0, 180.0)])
    s.loc[s["weekday"] == 3, "start"] = pd.to_datetime(["2026-08-06 21:00", "2026-09-03 21:00", "2026-10-01 21:00"])
    e = shows.slot_move(_move_slots(), s, END, 0.25, shows_to_move=4)
    assert (e.slot, e.moved, e.in_slot_month, e.outside_month, e.hours) == ("Thursday 21:00", 3, 1.0, 10.0, 2.0)
    assert (e.effect.gross_profit, e.effect.low, e.effect.high, e.effect.revenue) == pytest.approx(
        (150.0, 60.0, 240.0, 600.0))
    assert e.effect.capped_by == "shows" and e.confidence == "high"
    # two asked: two move, not capped; no costs: the effect counts revenue
    e2 = shows.slot_move(_move_slots(), s, END, None, shows_to_move=2)
    assert (e2.moved, e2.effect.capped_by, e2.effect.gross_profit, e2.effect.revenue) == (2, None, 400.0, 400.0)
    # a full slot (4 a month already) or one without a clear verdict: nothing moves
    full = pd.concat([s, _sessions([("2026-08-13 21:00", 9, 1.0, 500.0)])], ignore_index=True)
    assert shows.slot_move(_move_slots(), full, END, 0.25) is None
    assert shows.slot_move(_move_slots(verdict="no clear difference"), s, END, 0.25) is None
    with pytest.raises(ValueError, match="shows_to_move"):
        shows.slot_move(_move_slots(), s, END, 0.25, shows_to_move=0)


def test_slot_move_on_planted_sample_is_within_the_month(planted, sample_report):
    # the planted best slot stays first after shrinking; the move is bounded by the slot's room, far below the month
    r = sample_report
    live = shows.show_sessions(r.ds.tables, r.lines, r.period.end_exclusive)
    st = shows.slot_stats(live)
    e = shows.slot_move(st, live, r.period.end, shows.in_show_margin(r.lines[r.lines["is_completed"]]))
    assert e.slot == planted["best_show_slot"] and 1 <= e.moved <= shows.SLOT_SHOWS_A_MONTH
    assert 0 < e.effect.low <= e.effect.gross_profit <= e.effect.high < 20_000


def _in_show(b_margin: float = 0.2) -> pd.DataFrame:
    """In-show sales in October: condition S 5 sales, days 10..14, margin 50%; B 6, days 50..55, margin b_margin;
    one show each."""
    return pd.DataFrame({
        "condition": pd.array(["S"] * 5 + ["B"] * 6, dtype="string"),
        "revenue": [100.0] * 11, "quantity": [1] * 11,
        "gross_profit": [50.0] * 5 + [100.0 * b_margin] * 6,
        "days_to_sell": [10, 11, 12, 13, 14, 50, 51, 52, 53, 54, 55],
        "date": pd.date_range("2026-10-01", periods=11, freq="D"),
        "show_id": pd.array([f"x{i}" for i in range(11)], dtype="string"),
    })


def test_show_mix_table_and_effect_with_stock_cap():
    t = shows.show_mix_table(_in_show(), "condition", min_group_sales=5)
    s = t.set_index("group").loc["S"]
    assert bool(s["fast_and_profitable"]) and not bool(t.set_index("group").loc["B", "fast_and_profitable"])
    assert s["margin_pct"] == pytest.approx(50.0) and s["median_days"] == 12
    assert s["p_days"] == pytest.approx(2 / 462)
    rec = shows.recent_mix(_in_show(), "condition", END)
    # S: 250 gross profit, 500 revenue, 5 units over 3 months
    assert rec.loc["S", ["gross_profit", "revenue", "units"]].tolist() == pytest.approx([250 / 3, 500 / 3, 5 / 3])
    assert rec.loc["S", "gp_low"] <= 250 / 3 <= rec.loc["S", "gp_high"]
    ev = shows.MixEvidence(t, rec, pd.Series({"S": 10}), pd.Series({"S": 3}))
    e = shows.mix_effect(ev, feature_uplift_pct=30)
    # 30% of 83.33 = 25 a month; 0.5 extra units < 10 on hand: not capped; both p < 0.01: high
    assert (e.group, e.aged_units, e.confidence, e.effect.capped_by) == ("S", 3, "high", None)
    assert e.effect.gross_profit == pytest.approx(25.0) and e.effect.revenue == pytest.approx(50.0)
    # a 300% lift asks for 5 extra units a month with 2 on hand: the effect is scaled to 2 / 5 of 3 x 83.33 = 100
    low_stock = shows.MixEvidence(t, rec, pd.Series({"S": 2}), None)
    ec = shows.mix_effect(low_stock, feature_uplift_pct=300)
    assert ec.effect.capped_by == "stock" and ec.effect.gross_profit == pytest.approx(100.0)
    assert ec.extra_units == pytest.approx(2.0) and ec.stock_units == 2
    none = shows.MixEvidence(shows.show_mix_table(_in_show(b_margin=0.5), "condition", 5), rec, None, None)
    assert shows.mix_effect(none) is None


def test_length_effect_interval_and_margin():
    # six 30-minute shows at ~100 per hour (usual) and five 105-minute shows at ~200 per hour, all in October:
    # usual hours a month 6 x 0.5 / 3 = 1; effect = (best - usual per show hour) x 1 x margin 40%
    st = pd.Timestamp("2026-10-05 19:00") + pd.to_timedelta(np.arange(11), unit="D")
    hours = np.array([0.5] * 6 + [1.75] * 5)
    rev = np.array([50 + i for i in range(6)] + [350 + i for i in range(5)], dtype=float)
    s = pd.DataFrame({"show_id": [f"s{i}" for i in range(11)], "start": st, "hours": hours, "revenue": rev})
    e = shows.length_effect(s, shows.revenue_by_show_length(s), END, 0.4, min_shows=5)
    diff = e.best_revenue_per_show_hour - e.usual_revenue_per_show_hour
    assert (e.best_length, e.usual_length, e.hours_month) == ("90-120 min", "0-60 min", pytest.approx(1.0))
    assert e.p_value == pytest.approx(2 / 462) and e.confidence == "high"
    assert e.effect.gross_profit == pytest.approx(diff * 0.4) and e.effect.revenue == pytest.approx(diff)
    assert 0 < e.effect.low <= e.effect.gross_profit <= e.effect.high


def test_show_lines_and_live_channel_lines():
    lines = pd.DataFrame({"channel": pd.array(["Whatnot", "website", "instagram", None], dtype="string"),
                          "show_id": pd.array([None, None, None, None], dtype="string")})
    assert list(shows.live_channel_lines(lines).index) == [0, 2]
    assert list(shows.show_lines(lines).index) == [0, 2]  # no show ids: the live channels
    with_ids = lines.assign(show_id=pd.array(["s1", None, None, "s2"], dtype="string"))
    assert list(shows.show_lines(with_ids).index) == [0, 3]
    margin = pd.DataFrame({"channel": ["whatnot", "whatnot"], "show_id": ["a", "b"], "revenue": [100.0, 300.0],
                           "gross_profit": [20.0, 80.0]})
    assert shows.in_show_margin(margin) == pytest.approx(0.25)
    assert shows.in_show_margin(margin.drop(columns="gross_profit")) is None
