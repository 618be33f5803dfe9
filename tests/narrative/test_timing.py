"""Tests of lib.narrative.timing: weekday, weekend, growth, season and channel sentences and actions."""

from __future__ import annotations

import pandas as pd

from lib.analytics import timing
from lib.narrative import fmt
from lib.narrative import timing as timing_text
from tests.analytics.test_timing import _shop_daily, completed_lines_of, monthly_revenue, two_weeks_daily
from tests.e2e.test_page_scan import JARGON


def test_p_value_formats_of_the_three_call_sites():
    # timing (three decimals, "p not computable"); products and recommendations (two significant digits)
    assert fmt.p_value(0.41, ".3f", "p not computable") == "p = 0.410"
    assert fmt.p_value(None, ".3f", "p not computable") == "p not computable"
    assert fmt.p_value(0.0001, ".3f", "p not computable") == "p < 0.001"
    assert fmt.p_value(0.0421) == "p = 0.042" and fmt.p_value(0.5) == "p = 0.5"
    assert fmt.p_value(None) == "p not available" and fmt.p_value(float("nan")) == "p not available"
    assert fmt.p_value(0.00099) == "p < 0.001"


def test_history_sentence():
    d = two_weeks_daily()
    assert timing_text.history_sentence(d, 7, "America/New_York") == (
        "History: 05 Oct 2026 to 18 Oct 2026, 14 days, 7 completed sales lines; days without sales count as "
        "zero. Times are business-local (America/New_York).")


def test_weekend_sentence_verdicts():
    base = {"uplift_pct": -5.0, "weekend_mean": 95.0, "weekday_mean": 100.0, "p_value": 0.41,
            "low": -20.0, "high": 12.0}
    s = timing_text.weekend_sentence(base, "USD")
    assert s == ("An average weekend day brings $95 against $100 on a weekday: weekends sell 5.0% less, within "
                 "chance: no clear difference (95% range -20% to +12%). The common belief that weekends sell 40% more "
                 "does not hold here.")
    s2 = timing_text.weekend_sentence({**base, "uplift_pct": 45.0, "low": 10.0, "high": 80.0, "p_value": 0.0001})
    assert s2.endswith("weekends sell 45.0% more, a clear difference (95% range +10% to +80%). The data is "
                       "consistent with the common belief of 40% more on weekends.")
    s3 = timing_text.weekend_sentence({**base, "uplift_pct": 90.0, "low": 60.0, "high": 120.0})
    assert "even more than the common 40%" in s3
    s4 = timing_text.weekend_sentence({**base, "p_value": None, "low": None}, "EUR")
    assert s4 == ("An average weekend day brings €95 against €100 on a weekday: weekends sell 5.0% less, too few "
                  "different days to tell whether that is more than chance. Whether weekends sell 40% more cannot "
                  "be judged from this data.")
    # the test's level decides the verdict: p = 0.041 is clear at 0.05, not at 0.01
    assert ", a clear difference" in timing_text.weekend_sentence({**base, "p_value": 0.041})
    assert "no clear difference" in timing_text.weekend_sentence({**base, "p_value": 0.041}, alpha=0.01)
    for x in (s, s2, s3, s4):
        assert not JARGON.search(x), x


def test_weekend_test_sentence():
    up = timing.weekend_uplift(two_weeks_daily())
    s = timing_text.weekend_test_sentence(up)
    # two weeks: weekends 107.5 a day, weekdays 70 (t = 0.38, p = 0.721; Mann-Whitney p = 0.814: both not clear)
    assert s == (f"Test: {timing.WEEKEND_TEST}; 4 weekend days against 10 weekdays; t = 0.38, p = 0.721 (a difference "
                 "counts as clear below 0.05); a Mann-Whitney U test agrees (p = 0.814); the 95% range of the "
                 "difference is a delta-method interval of the ratio of the two daily means.")
    assert "Mann-Whitney U test does not agree (p = 0.814)" in timing_text.weekend_test_sentence({**up, "p_value": 0.01})
    assert timing_text.weekend_test_sentence({**up, "mw_p_value": None, "low": None}).endswith(
        "t = 0.38, p = 0.721 (a difference counts as clear below 0.05).")
    assert timing_text.weekend_test_sentence({**up, "p_value": None}).endswith(
        "10 weekdays; the test cannot be computed (fewer than two days on a side, or every day the same).")


def test_growth_sentence():
    vals = [100.0] * 12 + [150.0] * 11 + [180.0]
    g = timing.growth(monthly_revenue(vals, "2024-11-01"), pd.Timestamp("2026-10-01"))
    s = timing_text.growth_sentence(g, "2026-10", "USD")
    assert s == ("2026-10 brought $180, +20.0% on the month before, +80.0% on the same month last year. "
                 "Over the last 12 months revenue was $1,830, +52.5% on the 12 months before: the business "
                 "is growing.")
    assert timing_text.growth_sentence(None, "2026-10") == "There is no complete month to measure growth."


def test_trend_actions():
    mix = pd.DataFrame({"whatnot": [60.0, 40.0], "website": [40.0, 60.0]},
                       index=pd.to_datetime(["2026-09-01", "2026-10-01"]))
    vals = [100.0] * 12 + [150.0] * 11 + [180.0]
    g = timing.growth(monthly_revenue(vals, "2024-11-01"), pd.Timestamp("2026-10-01"))
    meaning, actions = timing_text.trend_actions(g, mix)
    assert meaning == "The last 12 months are +52.5% on the 12 before: the business is growing."
    assert actions == ["Read the rolling means, not single days: one big sale moves a day a lot.",
                       "Protect website, the largest channel last month: keep its show or listing rhythm."]
    g2 = {**g, "ttm_pct": None, "mom_pct": -10.0, "yoy_pct": -5.0}
    meaning2, actions2 = timing_text.trend_actions(g2, mix.iloc[:0])
    assert meaning2 == "The month moved -10.0% on the one before; a full year is needed to judge the trend."
    assert actions2[-1] == "Revenue is below the same month last year: check stock levels and show frequency."
    assert len(actions2) == 2
    assert timing_text.trend_actions(None, mix)[0] == "There is too little history to judge the trend."


def test_q4_sentence():
    vals = [100.0, 100.0] + [100.0] * 9 + [200.0] * 3 + [120.0] * 10
    q = timing.q4_share(monthly_revenue(vals, "2024-11-01"))
    s = timing_text.q4_sentence(q, monthly_revenue(vals, "2024-11-01"))
    assert s.startswith("Q4 (October to December) share of annual revenue: 40.0% in 2025; well below")


def test_holiday_sentence_and_season_actions():
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    rev = pd.Series(10.0, index=days)
    rev.loc["2025-12-01":"2025-12-24"] = 40.0
    h = timing.holiday_index(pd.DataFrame({"revenue": rev}))
    assert timing_text.holiday_sentence(h).startswith("Christmas shopping is the strongest")
    q4 = pd.DataFrame({"year": [2025], "revenue": [1500.0], "q4_revenue": [600.0], "q4_share_pct": [40.0]})
    meaning, actions = timing_text.season_actions(q4, h)
    assert meaning == "The holiday quarter carries a large part of the year."
    assert actions == ["Buy stock ahead of the strongest months, and plan sourcing trips in the weakest.",
                       "Plan extra shows and new arrivals for Christmas shopping."]
    meaning2, actions2 = timing_text.season_actions(q4.iloc[:0], h.iloc[:0])
    assert meaning2 == "A full calendar year is needed to size the holiday quarter." and len(actions2) == 1
    assert timing_text.season_actions(q4.assign(q4_share_pct=30.0), h)[0] == (
        "The holiday quarter matters but does not make the year.")


def test_weekday_sentence_and_actions():
    m = timing.weekday_means(two_weeks_daily())
    s = timing_text.weekday_sentence(m, "USD")
    # Thursday 200; other days (150 + 0 + 0 + 0 + 25 + 190) / 6 = 60.83 -> +229%; weakest: Tuesday (first zero)
    # (lib.narrative.fmt.money writes a negative bound as -$1,071)
    assert s.startswith("Thursday is the best day: an average Thursday brings $200 (95% range -$1,071 to $1,471")
    assert "229% above the average of the other days; Tuesday is the weakest at $0" in s
    meaning, actions = timing_text.weekday_actions(m, {"p_value": 0.01, "uplift_pct": -12.0})
    assert meaning == "Weekdays outsell weekends here, and Thursday leads."
    assert actions[0] == "Put new arrivals and the strongest pieces on Thursdays." and len(actions) == 3
    meaning2, actions2 = timing_text.weekday_actions(m, {"p_value": 0.5, "uplift_pct": 3.0})
    assert meaning2.startswith("Weekends and weekdays sell about the same") and len(actions2) == 2
    assert timing_text.weekday_method(m) == ("Each weekday's 95% range is a Student-t interval of its mean daily "
                                             "revenue (and units) over 2 days of each weekday; days without sales "
                                             "count as zero.")
    assert not JARGON.search(s)


def test_weekday_finding_is_the_head_of_the_weekday_sentence():
    d = two_weeks_daily()
    m, up = timing.weekday_means(d), timing.weekend_uplift(d)
    f = timing_text.weekday_finding(m, up, "USD")
    # uplift +53.6%, p = 0.721, delta-method range -77% to +943%
    assert f == ("Thursday is the best day: an average Thursday brings $200; weekends sell 54% more than "
                 "weekdays, within chance: no clear difference (95% range -77% to +943%).")
    assert f.split(";")[0] == timing_text.weekday_sentence(m, "USD").split(" (95%")[0]
    less = timing_text.weekday_finding(m, {**up, "uplift_pct": -25.9, "p_value": 1.55e-05, "low": -36.2,
                                           "high": -14.8}, "USD")
    assert less.endswith("; weekends sell 26% less than weekdays, a clear difference (95% range -36% to -15%).")
    assert not JARGON.search(f) and not JARGON.search(less)


def test_channel_mix_sentence():
    mix = pd.DataFrame({"whatnot": [60.0, 40.0], "website": [40.0, 60.0]},
                       index=pd.to_datetime(["2026-09-01", "2026-10-01"]))
    assert timing_text.channel_mix_sentence(mix) == (
        "website is the largest channel in October 2026 with 60% of revenue, against 40% in September 2026; "
        "the biggest gain is website (+20 points), the biggest loss whatnot (-20 points).")
    one = pd.DataFrame({"unknown": [100.0, 100.0]}, index=pd.to_datetime(["2026-09-01", "2026-10-01"]))
    assert timing_text.channel_mix_sentence(one).startswith("All revenue is recorded under one channel (unknown)")


def test_peak_month_sentence():
    moy = timing.month_of_year(monthly_revenue([100.0] * 11 + [300.0] + [50.0] + [100.0] * 11, "2025-01-01"))
    # December (300 + 100) / 2 = 200; January (100 + 50) / 2 = 75
    s = timing_text.peak_month_sentence(moy, "USD")
    assert s == "On average over the years 2025 to 2026, December is the strongest month ($200) and January the weakest ($75)."
    one = timing.month_of_year(monthly_revenue([100.0] * 11 + [300.0], "2025-01-01"))
    assert timing_text.peak_month_sentence(one, "USD").startswith("On average in 2025, December is the strongest")


def test_a_shop_closed_on_saturdays_is_told_so_and_compares_sundays():
    d = _shop_daily(10, closed=(5,))
    closed = timing.closed_weekdays(d)
    m, up = timing.weekday_means(d, closed=closed), timing.weekend_uplift(d, closed=closed)
    assert timing_text.closed_days_sentence(timing.trading_weekdays(d)) == (
        "The shop is closed on Saturdays (no sale on 10 of 10 Saturdays), so Saturdays are left out of the weekday "
        "and weekend comparisons.")
    s = timing_text.weekend_sentence(up, "USD")
    assert s.startswith("The shop is closed on Saturdays, so Sundays alone are compared with the weekdays. An "
                        "average Sunday brings $164 against $124 on a weekday: Sundays sell 32.1% more, a clear "
                        "difference (95% range +28% to +37%).")
    assert s.endswith("The common belief that weekends sell 40% more does not hold for Sundays here.")
    assert timing_text.weekend_test_sentence(up).startswith(f"Test: {timing.WEEKEND_TEST}; 10 Sundays against "
                                                            "50 weekdays")
    assert timing_text.weekday_finding(m, up, "USD").startswith(
        "Sunday is the best day: an average Sunday brings $164 (closed on Saturdays); Sundays sell 32% more than "
        "weekdays, a clear difference (95% range +28% to +37%).")
    w = timing_text.weekday_sentence(m, "USD")
    assert "above the average of the other open days" in w and w.endswith("Closed days are left out; on open days, "
                                                                         "days without sales count as zero.")
    meaning, _ = timing_text.weekday_actions(m, up)
    assert meaning == "Sundays outsell weekdays here; Sunday leads. The shop is closed on Saturdays."


def test_a_shop_closed_at_weekends_gets_no_weekend_comparison():
    d = _shop_daily(10, closed=(5, 6))
    m, up = timing.weekday_means(d, closed=[5, 6]), timing.weekend_uplift(d, closed=[5, 6])
    assert timing_text.weekend_sentence(up) == ("The shop is closed on Saturdays and Sundays, so there is no weekend "
                                                "to compare with weekdays.")
    assert timing_text.weekend_test_sentence(up) is None
    assert timing_text.weekday_finding(m, up, "USD") == (
        "Friday is the best day: an average Friday brings $144 (closed on Saturdays and Sundays); there is no weekend "
        "comparison: the shop is closed at weekends.")


def test_no_closed_days_no_sentence_and_closed_hours_in_words():
    assert timing_text.closed_days_sentence(timing.trading_weekdays(_shop_daily(10, empty_saturdays=3))) is None
    # 120 days with sales in every hour but 01:00-03:59 and 13:00; one sale at 02:30 (1 of 120 days: under 1%)
    rows = [(f"{day:%Y-%m-%d} {h:02d}:15", 10, "website") for day in pd.date_range("2026-03-02", periods=120)
            for h in range(24) if h not in (1, 2, 3, 13)] + [("2026-03-05 02:30", 10, "website")]
    t = timing.trading_hours(completed_lines_of(rows))
    assert timing_text.closed_hours_sentence(t) == (
        "The shop does not trade between 01:00 and 04:00 and between 13:00 and 14:00: there was a sale in those hours "
        "on at most 1 of the 120 days with sales.")
    everyday = timing.trading_hours(completed_lines_of([(f"2026-03-{d:02d} {h:02d}:00", 1, "x")
                                                        for d in range(1, 31) for h in range(24)]))
    assert timing_text.closed_hours_sentence(everyday) is None
    assert timing_text._hour_ranges([0, 1, 2, 23, 12, 13]) == [(23, 2), (12, 13)]
