"""Tests of lib.analytics.timing: calendar with zero days, weekday means, weekend test (vs scipy), growth, seasonality."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lib.analytics import timing
from lib.data import derived

__all__ = ["completed_lines_of", "TWO_WEEKS", "two_weeks_daily", "monthly_revenue"]


def completed_lines_of(rows: list[tuple]) -> pd.DataFrame:
    """Completed sale lines from (timestamp, sale_price, channel) tuples; quantity 1 each."""
    df = pd.DataFrame(rows, columns=["date_sold", "sale_price", "channel"])
    df["date_sold"] = pd.to_datetime(df["date_sold"])
    df["sale_price"] = df["sale_price"].astype("float64")
    df["quantity"] = np.int64(1)
    df["status"] = pd.array(["completed"] * len(df), dtype="string")
    df["channel"] = df["channel"].astype("string")
    df["sale_id"] = pd.array([f"s{i}" for i in range(len(df))], dtype="string")
    return derived.completed_lines(derived.sale_lines({"sales": df}))


# Two weeks, Monday 2026-10-05 .. Sunday 2026-10-18; days not listed have no sales.
TWO_WEEKS = [
    ("2026-10-05 10:00", 60, "website"), ("2026-10-05 11:00", 40, "website"),  # Mon 100, 2 units
    ("2026-10-08 20:00", 300, "whatnot"),   # Thu
    ("2026-10-10 13:00", 50, "website"),    # Sat
    ("2026-10-12 09:00", 200, "website"),   # Mon
    ("2026-10-15 21:00", 100, "whatnot"),   # Thu
    ("2026-10-18 19:00", 380, "whatnot"),   # Sun
]


def two_weeks_daily() -> pd.DataFrame:
    """Daily sales of TWO_WEEKS, every day of the two weeks with zeros where nothing sold."""
    return timing.daily_sales(completed_lines_of(TWO_WEEKS), end=pd.Timestamp("2026-10-18"))


def test_daily_calendar_has_every_day_with_zeros():
    d = two_weeks_daily()
    assert len(d) == 14 and d.index[0] == pd.Timestamp("2026-10-05")
    assert d.loc["2026-10-06", "revenue"] == 0 and d.loc["2026-10-05", "units"] == 2
    assert d["revenue"].sum() == 1130
    assert list(d["is_weekend"]).count(True) == 4


def test_weekday_means_count_zero_days_as_zero():
    m = timing.weekday_means(two_weeks_daily()).set_index("weekday")
    # Mon (100+200)/2 = 150; Tue 0; Thu (300+100)/2 = 200; Sat (50+0)/2 = 25; Sun (0+380)/2 = 190
    assert list(m["revenue_mean"]) == [150.0, 0.0, 0.0, 200.0, 0.0, 25.0, 190.0]
    assert list(m["days"]) == [2] * 7
    # Counting only days with sales, Sunday (380) would win; with zero days Thursday wins.
    assert timing.peak_weekday(m.reset_index()) == "Thursday"
    # Thursday: sd = sqrt(100^2 + 100^2) = 141.42, se = 100, t(0.975, 1 df) = 12.7062
    assert m.loc["Thursday", "revenue_low"] == pytest.approx(200 - 1270.62047, abs=1e-3)
    assert m.loc["Thursday", "revenue_high"] == pytest.approx(200 + 1270.62047, abs=1e-3)
    assert m.loc["Monday", "units_mean"] == 1.5  # (2 + 1) / 2


def test_weekend_uplift_and_welch_test_against_scipy():
    d = two_weeks_daily()
    r = timing.weekend_uplift(d)
    # weekend days 50, 0, 0, 380 -> 107.5; weekdays 100,0,0,300,0,200,0,0,100,0 -> 70
    assert r["weekend_mean"] == 107.5 and r["weekday_mean"] == 70.0
    assert r["uplift_pct"] == pytest.approx((107.5 / 70 - 1) * 100)  # 53.5714...
    # Welch: var(we) = 100675/3, var(wd) = 101000/9; t = 37.5 / sqrt(100675/12 + 101000/90)
    assert r["statistic"] == pytest.approx(37.5 / math.sqrt(100675 / 12 + 101000 / 90))
    we = d.loc[d["is_weekend"], "revenue"]
    wd = d.loc[~d["is_weekend"], "revenue"]
    ref = stats.ttest_ind(we, wd, equal_var=False)
    assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert r["mw_p_value"] == pytest.approx(stats.mannwhitneyu(we, wd, alternative="two-sided").pvalue)
    assert r["low"] < r["uplift_pct"] < r["high"]
    assert "Welch" in timing.WEEKEND_TEST and "two-sided" in timing.WEEKEND_TEST


def test_period_series_weekly_sums_and_rolling():
    w = timing.period_series(two_weeks_daily(), "W", window=2)
    # week ending Sun 10-11: 100+300+50 = 450; week ending 10-18: 200+100+380 = 680
    assert list(w["revenue"]) == [450.0, 680.0]
    assert np.isnan(w["revenue_rolling"].iloc[0]) and w["revenue_rolling"].iloc[1] == 565.0
    with pytest.raises(ValueError, match="freq"):
        timing.period_series(two_weeks_daily(), "Y")


def monthly_revenue(values: list[float], start: str) -> pd.Series:
    """Monthly revenue series of the values from the month start on."""
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), name="revenue")


def test_monthly_revenue_drops_a_partial_first_month():
    c = completed_lines_of([("2024-11-05 10:00", 10, "website"), ("2024-12-03 10:00", 20, "website"),
                    ("2025-01-31 10:00", 30, "website")])
    m = timing.monthly_revenue(timing.daily_sales(c, end=pd.Timestamp("2025-01-31")))
    assert list(m.index.strftime("%Y-%m")) == ["2024-12", "2025-01"]
    assert list(m) == [20.0, 30.0]


def test_growth_month_year_and_trailing_twelve():
    # 24 months 2024-11 .. 2026-10: 100 each in the first year, 150 each in the second, 180 in 2026-10
    vals = [100.0] * 12 + [150.0] * 11 + [180.0]
    g = timing.growth(monthly_revenue(vals, "2024-11-01"), pd.Timestamp("2026-10-01"))
    assert g["mom_pct"] == pytest.approx(20.0)   # 180 / 150
    assert g["yoy_pct"] == pytest.approx(80.0)   # 180 / 100 (2025-10)
    assert g["ttm_revenue"] == 1830.0 and g["prior_ttm_revenue"] == 1200.0
    assert g["ttm_pct"] == pytest.approx(52.5)   # 1830 / 1200
    g2 = timing.growth(monthly_revenue([0.0, 50.0], "2026-09-01"), pd.Timestamp("2026-10-01"))
    assert g2["mom_pct"] is None and g2["yoy_pct"] is None and g2["ttm_pct"] is None


def test_channel_mix_shares():
    mix = timing.channel_mix(completed_lines_of(TWO_WEEKS))
    # October: whatnot 300+100+380 = 780, website 100+50+200 = 350, total 1130
    row = mix.loc[pd.Timestamp("2026-10-01")]
    assert row["whatnot"] == pytest.approx(780 / 1130 * 100)
    assert row["website"] == pytest.approx(350 / 1130 * 100)
    assert list(mix.columns) == ["whatnot", "website"]


def test_q4_share_complete_years_only():
    # 2024-11 .. 2026-10; 2025 is the only complete year: Jan-Sep 100 each, Oct-Dec 200 each
    vals = [100.0, 100.0] + [100.0] * 9 + [200.0] * 3 + [120.0] * 10
    q = timing.q4_share(monthly_revenue(vals, "2024-11-01"))
    assert list(q["year"]) == [2025]
    assert q.loc[0, "q4_share_pct"] == pytest.approx(600 / 1500 * 100)  # 40%


def test_holiday_windows_dates():
    w = timing.holiday_windows([2026]).set_index("holiday")
    # 2026: Thanksgiving is Thursday Nov 26, Mother's Day Sunday May 10
    assert w.loc["Black Friday to Cyber Monday", "start"] == pd.Timestamp("2026-11-27")
    assert w.loc["Black Friday to Cyber Monday", "end"] == pd.Timestamp("2026-11-30")
    assert w.loc["Mother's Day week", "end"] == pd.Timestamp("2026-05-10")
    assert w.loc["Mother's Day week", "start"] == pd.Timestamp("2026-05-04")


def test_holiday_index():
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    rev = pd.Series(10.0, index=days)
    rev.loc["2025-12-01":"2025-12-24"] = 40.0
    daily = pd.DataFrame({"revenue": rev})
    h = timing.holiday_index(daily).set_index("holiday")
    # year mean = (341 * 10 + 24 * 40) / 365 = 4370 / 365 = 11.9726
    assert h.loc["Christmas shopping", "days"] == 24
    assert h.loc["Christmas shopping", "index"] == pytest.approx(40 / (4370 / 365) * 100)
    assert h.loc["Valentine's Day", "index"] == pytest.approx(10 / (4370 / 365) * 100)


def test_daily_sales_validates():
    with pytest.raises(ValueError, match="no completed sales"):
        timing.daily_sales(completed_lines_of(TWO_WEEKS), end=pd.Timestamp("2020-01-01"))


def test_grouping_uses_business_local_time_across_midnight_and_dst():
    """Naive local timestamps (as the loader delivers them) group by their own day and hour.

    2026-10-03 23:30 local is a Saturday even though it is Sunday 03:30 UTC; on the DST
    fall-back day (Sunday 2026-11-01) 01:30 occurs twice locally and both land on hour 1.
    """
    c = completed_lines_of([("2026-10-03 23:30", 10, "whatnot"), ("2026-11-01 01:30", 20, "whatnot"),
                    ("2026-11-01 01:30", 30, "whatnot"), ("2026-03-08 03:30", 40, "website")])
    assert list(c["weekday"]) == [5, 6, 6, 6] and list(c["hour"]) == [23, 1, 1, 3]
    d = timing.daily_sales(c, end=pd.Timestamp("2026-11-01"), start=pd.Timestamp("2026-03-01"))
    assert d.loc["2026-10-03", "revenue"] == 10 and d.loc["2026-10-04", "revenue"] == 0
    assert d.loc["2026-11-01", "revenue"] == 50


def test_offsets_converted_before_grouping_with_the_loader(tmp_path):
    """Raw timestamps with offsets, through lib.loader, group by New York local day and hour."""
    from lib.data.load import load_dataset
    sales = (
        "sale_id,buyer_id,date_sold,sale_price\n"
        "1,b1,2026-10-04T03:30:00+00:00,10\n"      # = Sat 2026-10-03 23:30 EDT
        "2,b1,2026-11-01T01:30:00-04:00,20\n"      # first 01:30 (EDT) on the fall-back day
        "3,b1,2026-11-01T01:30:00-05:00,30\n"      # second 01:30 (EST)
        "4,b1,2026-03-08T07:30:00+00:00,40\n"      # = 03:30 EDT just after spring-forward
        "5,b1,2026-10-03 22:00:00,5\n"             # naive = local
    )
    (tmp_path / "sales.csv").write_text(sales)
    ds = load_dataset(tmp_path, tz_name="America/New_York", use_cache=False)
    lines = derived.sale_lines(ds.tables).sort_values("sale_id")
    assert list(lines["date_sold"]) == [pd.Timestamp(t) for t in (
        "2026-10-03 23:30", "2026-11-01 01:30", "2026-11-01 01:30", "2026-03-08 03:30", "2026-10-03 22:00")]
    d = timing.daily_sales(derived.completed_lines(lines), end=pd.Timestamp("2026-11-01"))
    assert d.loc["2026-10-03", "revenue"] == 15 and d.loc["2026-10-04", "revenue"] == 0
    assert d.loc["2026-11-01", "revenue"] == 50


def test_recovers_planted_weekday_and_weekend_effects(planted, sample_report):
    p = sample_report.period
    assert p.label == planted["default_period"]
    c = derived.completed_lines(sample_report.lines)
    d = timing.daily_sales(c, end=p.end)
    assert timing.peak_weekday(timing.weekday_means(d)) == planted["peak_weekday"]
    up = timing.weekend_uplift(d)
    assert up["high"] < 40  # not "weekends sell 40% more"
    if planted.get("weekend_uplift_sign") == "negative":
        assert up["uplift_pct"] < 0
    lo, hi = planted["q4_share_pct_range"]
    q4 = timing.q4_share(timing.monthly_revenue(d))
    share = (q4["q4_share_pct"].mean() if len(q4) else None)
    if share is not None:
        assert lo <= share <= hi


def test_timing_lines_sales_only_up_to_the_end():
    sales = pd.DataFrame({"sale_id": pd.array(["a", "b"], dtype="string"),
                          "date_sold": pd.to_datetime(["2026-10-31 23:59", "2026-11-01 00:00"]),
                          "sale_price": [10.0, 20.0], "quantity": np.array([1, 2], dtype="int64"),
                          "status": pd.array(["completed", "completed"], dtype="string")})
    out = timing.timing_lines({"sales": sales, "products": pd.DataFrame()}, pd.Timestamp("2026-11-01"))
    assert list(out["sale_id"]) == ["a"] and out.loc[0, "revenue"] == 10.0
    assert "brand_id" not in out.columns
    with pytest.raises(ValueError, match="sales table"):
        timing.timing_lines({}, pd.Timestamp("2026-11-01"))


def _shop_daily(weeks: int, empty_saturdays: int | None = None, closed: tuple[int, ...] = ()) -> pd.DataFrame:
    """Hand-made daily sales from Monday 2026-01-05: weekday w sells 100 + 10 w + the week number (one line a day);
    the ``closed`` weekdays never sell; with ``empty_saturdays`` only the first that many Saturdays are empty."""
    rows = []
    for day in pd.date_range("2026-01-05", periods=7 * weeks, freq="D"):
        w, week = day.day_of_week, (day - pd.Timestamp("2026-01-05")).days // 7
        if w in closed or (empty_saturdays is not None and w == 5 and week < empty_saturdays):
            continue
        rows.append((f"{day:%Y-%m-%d} 12:00", 100 + 10 * w + week, "website"))
    return timing.daily_sales(completed_lines_of(rows), end=pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * weeks - 1))


def test_a_shop_closed_on_saturdays_is_detected_and_left_out():
    d = _shop_daily(10, closed=(5,))
    t = timing.trading_weekdays(d)
    assert t.loc[5, "days_without_sales"] == 10 and t.loc[5, "without_sales_pct"] == 100.0
    assert t["closed"].tolist() == [False] * 5 + [True, False]
    assert timing.closed_weekdays(d) == [5]
    m = timing.weekday_means(d, closed=[5])
    # weekday w: mean over weeks 0..9 of 100 + 10 w + week = 104.5 + 10 w; Saturday left out
    assert m.loc[[0, 3, 6], "revenue_mean"].tolist() == [104.5, 134.5, 164.5]
    assert np.isnan(m.loc[5, "revenue_mean"]) and np.isnan(m.loc[5, "revenue_low"]) and bool(m.loc[5, "closed"])
    assert timing.peak_weekday(m) == "Sunday"
    up = timing.weekend_uplift(d, closed=[5])
    # Sunday alone (164.5) against Monday..Friday (mean 124.5): +32.13%
    assert up["weekend"] == ["Sunday"] and up["closed"] == ["Saturday"] and up["weekend_days"] == 10
    assert up["weekend_mean"] == pytest.approx(164.5) and up["weekday_mean"] == pytest.approx(124.5)
    assert up["uplift_pct"] == pytest.approx((164.5 / 124.5 - 1) * 100)
    sun = d.loc[d["weekday"] == 6, "revenue"].to_numpy()
    wd = d.loc[d["weekday"] < 5, "revenue"].to_numpy()
    assert up["p_value"] == pytest.approx(stats.ttest_ind(sun, wd, equal_var=False).pvalue)
    # without the rule the closed Saturday zeros drag the weekend down to (0 + 164.5) / 2
    assert timing.weekend_uplift(d)["weekend_mean"] == pytest.approx(82.25)


def test_a_shop_closed_at_weekends_has_no_weekend_comparison():
    d = _shop_daily(10, closed=(5, 6))
    assert timing.closed_weekdays(d) == [5, 6]
    up = timing.weekend_uplift(d, closed=[5, 6])
    assert up["uplift_pct"] is None and up["p_value"] is None and up["weekend"] == [] and up["weekend_days"] == 0
    assert up["weekday_mean"] == pytest.approx(124.5)


def test_a_few_empty_saturdays_are_not_a_closed_day():
    assert timing.closed_weekdays(_shop_daily(10, empty_saturdays=3)) == []   # 30% empty
    assert timing.closed_weekdays(_shop_daily(20, empty_saturdays=18)) == []  # 90% empty: below 95%
    assert timing.closed_weekdays(_shop_daily(20, empty_saturdays=19)) == [5]  # 95%: closed
    assert timing.closed_weekdays(_shop_daily(7, closed=(5,))) == []  # 7 Saturdays: too few to judge
    # a shop that sells once every three weeks, always on a Tuesday: Tuesdays are 70% empty, every other weekday
    # 100%, but no weekday trades on half its days, so none is called closed
    rare = completed_lines_of([(f"{day:%Y-%m-%d} 12:00", 50, "website")
                               for day in pd.date_range("2026-01-06", periods=3, freq="21D")])
    d = timing.daily_sales(rare, end=pd.Timestamp("2026-03-15"), start=pd.Timestamp("2026-01-05"))
    t = timing.trading_weekdays(d)
    assert t.loc[1, "without_sales_pct"] == 70.0 and t.loc[5, "without_sales_pct"] == 100.0
    assert timing.closed_weekdays(d) == []


def test_closed_hours_by_hand():
    # 40 days, each with sales at 09:00 and 10:00; 23:00 on 1 day of the 40 (2.5%: open), 03:00 never
    rows = [(f"{day:%Y-%m-%d} {h:02d}:15", 10, "website") for day in pd.date_range("2026-03-02", periods=40)
            for h in (9, 10)] + [("2026-03-05 23:30", 10, "website")]
    c = completed_lines_of(rows)
    t = timing.trading_hours(c)
    assert t.loc[9, "days_with_sales"] == 40 and t.loc[23, "days_with_sales"] == 1
    assert t.loc[23, "without_sales_pct"] == pytest.approx(97.5) and not t.loc[23, "closed"]
    assert timing.closed_hours(c) == [h for h in range(24) if h not in (9, 10, 23)]
    assert timing.closed_hours(c[c["date"] < "2026-03-20"]) == []  # 18 trading days: too few to judge


def test_the_sample_has_no_closed_days_but_no_sales_at_night(sample_report):
    c = sample_report.lines[sample_report.lines["is_completed"]]
    d = timing.daily_sales(c, end=sample_report.period.end)
    t = timing.trading_weekdays(d)
    assert timing.closed_weekdays(d) == [] and t["without_sales_pct"].max() < 5.0
    assert timing.closed_hours(c) == [1, 2, 3]
