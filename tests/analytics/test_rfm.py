"""Tests of lib.analytics.rfm: the calibration summary (hand fixtures), quintile scores and the RFM rule table.

The calibration summary of the CDNOW sample against the published one is in tests/reference/test_cdnow.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import rfm

# ------------------------------------------------------------------ calibration summary, hand fixture


def test_calibration_summary_hand_fixture():
    t = pd.DataFrame({
        "buyer_id": ["A", "A", "A", "A", "B", "C", "C"],
        "date": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 18:00", "2026-01-08 00:00", "2026-01-15 00:00",
                                "2026-01-29 00:00", "2026-01-02 00:00", "2026-03-01 00:00"]),
        "revenue": [10.0, 5.0, 0.0, 30.0, 99.0, 40.0, 70.0],
    })
    s = rfm.calibration_summary(t, "2026-01-29")
    # A: days 01-01 (15 = 10+5, one occasion), 01-08 ($0), 01-15 ($30): x = 2, t_x = 14 d = 2 weeks,
    #    T = 28 d = 4 weeks; the $0 repeat counts for x, not for spend: x_value = 1, zbar = 30
    assert s.loc["A", ["x", "t_x", "T", "x_value", "zbar"]].tolist() == [2, 2.0, 4.0, 1, 30.0]
    # B: first purchase on the cut-off day: x = 0, T = 0
    assert s.loc["B", ["x", "t_x", "T", "x_value", "zbar"]].tolist() == [0, 0.0, 0.0, 0, 0.0]
    # C: the March purchase is after the cut-off: x = 0, T = 27 days
    assert s.loc["C", "x"] == 0 and s.loc["C", "T"] == pytest.approx(27 / 7)


def test_calibration_summary_sorted_arrow_ids_same_as_shuffled_object_ids():
    # sorted Arrow ids take the one-pass path (no factorisation, no lexsort); shuffled Python strings the general
    # one: the same summary, ids in sorted order ("Z" < "a" < "\u00e9" by code point, as Python sorts them)
    t = pd.DataFrame({
        "buyer_id": pd.array(["Z", "Z", "a", "a", "a", "\u00e9"], dtype="string[pyarrow]"),
        "date": pd.to_datetime(["2026-01-01", "2026-01-15", "2026-01-02", "2026-01-09", "2026-01-23", "2026-01-10"]),
        "revenue": [10.0, 20.0, 5.0, 0.0, 7.0, 3.0],
    })
    fast = rfm.calibration_summary(t, "2026-01-29")
    shuffled = t.iloc[[4, 1, 5, 0, 3, 2]].astype({"buyer_id": object})
    slow = rfm.calibration_summary(shuffled, "2026-01-29")
    assert list(fast.index) == ["Z", "a", "\u00e9"] == list(slow.index)
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow.reset_index(drop=True))
    # Z: 01-01 and 01-15: x = 1, t_x = 2 weeks, T = 4 weeks, zbar = 20; a: x = 2, $0 repeat not in spend: zbar = 7
    assert fast[["x", "t_x", "T", "x_value", "zbar"]].values.tolist() == [
        [1, 2.0, 4.0, 1, 20.0], [2, 3.0, 27 / 7, 1, 7.0], [0, 0.0, 19 / 7, 0, 0.0]]


def test_sorted_codes_is_factorize_sorted():
    for vals in (pd.array(["a", "a", "b", "c"], dtype="string[pyarrow]"),  # sorted: the one-pass path
                 pd.array(["b", "a", "b"], dtype="string[pyarrow]"),  # unsorted
                 pd.array(["a", None, "b"], dtype="string[pyarrow]")):  # a null: factorised (-1)
        codes, ids = rfm._sorted_codes(vals)
        want_codes, want_ids = pd.factorize(vals, sort=True)
        assert codes.tolist() == want_codes.tolist() and list(ids) == list(want_ids)
    assert rfm._sorted_codes(pd.array(["a", "a", "b", "c"], dtype="string[pyarrow]"))[0].tolist() == [0, 0, 1, 2]


def test_calibration_summary_leaves_out_customers_who_start_after_cutoff():
    t = pd.DataFrame({"buyer_id": ["A", "B"], "date": pd.to_datetime(["2026-01-01", "2026-02-01"]),
                      "revenue": [1.0, 2.0]})
    assert list(rfm.calibration_summary(t, "2026-01-31").index) == ["A"]


def test_calibration_summary_names_missing_column():
    with pytest.raises(ValueError, match="needs a column 'revenue'"):
        rfm.calibration_summary(pd.DataFrame({"buyer_id": ["A"], "date": [pd.Timestamp("2026-01-01")]}),
                                "2026-01-31")


# ------------------------------------------------------------------ quintile scores


def test_quintile_scores_five_distinct_values():
    # mean ranks 1..5, percentile (r - 1/2)/5 = .1 .3 .5 .7 .9 -> 1 + floor(5 p) = 1..5
    s = rfm.quintile_scores(pd.Series([50.0, 10, 40, 20, 30]))
    assert s.tolist() == [5, 1, 4, 2, 3]


def test_quintile_scores_ties_share_a_score():
    # values 10, 20, 20, 30: mean ranks 1, 2.5, 2.5, 4; p = .125, .5, .5, .875
    # scores 1 + floor(.625) = 1, 1 + floor(2.5) = 3, 3, 1 + floor(4.375) = 5
    s = rfm.quintile_scores(pd.Series([10.0, 20, 20, 30]))
    assert s.tolist() == [1, 3, 3, 5]


def test_quintile_scores_lower_is_better_for_recency():
    # days since 5, 100, 50: the most recent (5 days) is best -> 5; 100 days -> 1
    s = rfm.quintile_scores(pd.Series([5, 100, 50]), higher_is_better=False)
    # -days ranks: 5 -> 3, 100 -> 1, 50 -> 2; p = 5/6, 1/6, 3/6 -> 1 + floor(4.17, .83, 2.5) = 5, 1, 3
    assert s.tolist() == [5, 1, 3]


def test_quintile_scores_single_customer_and_all_equal_are_neutral():
    assert rfm.quintile_scores(pd.Series([123.0])).tolist() == [3]
    assert rfm.quintile_scores(pd.Series([1, 1, 1, 1, 1, 1, 1])).tolist() == [3] * 7


def test_quintile_scores_ten_customers_two_per_score():
    s = rfm.quintile_scores(pd.Series(np.arange(10.0)))
    assert s.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quintile_scores_reject_missing():
    with pytest.raises(ValueError, match="missing"):
        rfm.quintile_scores(pd.Series([1.0, np.nan], name="revenue"))


# ------------------------------------------------------------------ rule table


@pytest.mark.parametrize(("current", "r", "fm", "group"), [
    (True, 5, 5.0, "Champions"), (True, 5, 4.0, "Champions"), (True, 4, 4.5, "Loyal"), (True, 1, 4.0, "Loyal"),
    (True, 5, 3.0, "Active"), (True, 5, 2.5, "Active"), (True, 4, 3.5, "Needs attention"),
    (True, 2, 2.5, "Needs attention"), (True, 5, 1.5, "New"), (True, 5, 2.0, "New"), (True, 4, 2.0, "Promising"),
    (True, 1, 1.0, "Promising"),
    (False, 5, 5.0, "Can't lose"), (False, 3, 4.0, "Can't lose"), (False, 1, 4.5, "Can't lose"),
    (False, 5, 3.0, "At risk"), (False, 1, 2.5, "At risk"), (False, 3, 2.0, "Almost lost"),
    (False, 5, 1.0, "Almost lost"), (False, 2, 2.0, "Dormant"), (False, 1, 1.0, "Dormant"),
])
def test_rule_table_cells(current, r, fm, group):
    assert rfm.rfm_segments(pd.Series([r]), pd.Series([fm]), pd.Series([current])).iloc[0] == group


def test_rule_table_covers_every_triple_exactly_once_and_current_names_are_current():
    for current in (True, False):
        for r in range(1, 6):
            for fm in np.arange(1.0, 5.01, 0.5):
                hits = [s.name for s in rfm.SEGMENT_RULES
                        if s.current == current and s.r_min <= r <= s.r_max and s.fm_min <= fm <= s.fm_max]
                assert len(hits) == 1, (current, r, fm, hits)
    assert len(rfm.SEGMENTS) == 11 and rfm.SEGMENTS[-1] == "Prospects"
    t = rfm.rule_table()
    assert list(t.columns) == ["segment", "current", "r_min", "r_max", "fm_min", "fm_max"]
    assert t.iloc[1].tolist() == ["Loyal", True, 1, 4, 4.0, 5.0]
    # every group whose name says current holds current customers only; the win-back groups are lapsed
    assert set(t.loc[t["current"], "segment"]) >= set(rfm.CURRENT_SEGMENTS)
    assert not set(t.loc[t["current"], "segment"]) & set(rfm.WIN_BACK_SEGMENTS)
    assert rfm.WIN_BACK_SEGMENTS == ("Can't lose", "At risk", "Almost lost")


def test_rfm_segments_checks_lengths():
    with pytest.raises(ValueError, match="same length"):
        rfm.rfm_segments(pd.Series([5, 4]), pd.Series([5.0, 4.0]), pd.Series([True]))


def test_rfm_scores_all_customers_one_occasion():
    c = pd.DataFrame({"days_since": [1, 10, 100], "occasions": [1, 1, 1], "revenue": [100.0, 200.0, 300.0]})
    out = rfm.rfm_scores(c)
    # F: all tied -> 3; M: 1, 3, 5 (p = 1/6, 3/6, 5/6); R: 5, 3, 1; FM = 2, 3, 4
    assert out["f_score"].tolist() == [3, 3, 3]
    assert out["m_score"].tolist() == [1, 3, 5]
    assert out["r_score"].tolist() == [5, 3, 1]
    assert out["fm_score"].tolist() == [2.0, 3.0, 4.0]
    # churn_days 90: 1 and 10 days are current, 100 days lapsed
    assert out["segment"].astype(str).tolist() == ["New", "Needs attention", "Can't lose"]
    # churn_days 5: the customer 10 days away is lapsed too (R 3, FM 3)
    assert rfm.rfm_scores(c, churn_days=5)["segment"].astype(str).tolist() == ["New", "At risk", "Can't lose"]
    with pytest.raises(ValueError, match="churn_days"):
        rfm.rfm_scores(c, churn_days=-1)


def test_rfm_scores_single_customer():
    one = pd.DataFrame({"days_since": [3], "occasions": [2], "revenue": [50.0]})
    out = rfm.rfm_scores(one)
    assert out[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [3, 3, 3]
    assert out["segment"].iloc[0] == "Needs attention"
    assert rfm.rfm_scores(one, churn_days=2)["segment"].iloc[0] == "At risk"


def test_a_top_customer_120_days_away_is_never_loyal_or_champion_one_30_days_away_is():
    # A: 120 days away with the most purchase days and spend; the other five are further away still, so A's
    # recency score is 5 and the old table (R and FM only) called A a Champion
    c = pd.DataFrame({"buyer_id": list("ABCDEF"), "days_since": [120, 200, 300, 400, 500, 600],
                      "occasions": [20, 2, 1, 1, 1, 1], "revenue": [9000.0, 300.0, 200.0, 100.0, 80.0, 50.0]})
    out = rfm.rfm_scores(c).set_index("buyer_id")
    assert out.loc["A", ["r_score", "f_score", "m_score"]].tolist() == [5, 5, 5]
    assert out.loc["A", "segment"] == "Can't lose"
    assert not (out["segment"].isin(rfm.CURRENT_SEGMENTS)).any()  # nobody within 90 days
    # the same customer 30 days away is a Champion
    out = rfm.rfm_scores(c.assign(days_since=[30, 200, 300, 400, 500, 600])).set_index("buyer_id")
    assert out.loc["A", "segment"] == "Champions"
    # 90 days is still current, 91 is not (churn risk is "more than churn_days")
    for d, group in ((90, "Champions"), (91, "Can't lose")):
        out = rfm.rfm_scores(c.assign(days_since=[d, 200, 300, 400, 500, 600])).set_index("buyer_id")
        assert out.loc["A", "segment"] == group, d


def test_rfm_scores_names_missing_columns():
    with pytest.raises(ValueError, match="days_since"):
        rfm.rfm_scores(pd.DataFrame({"occasions": [1], "revenue": [1.0]}))


def test_calibration_summary_of_no_purchases_is_empty():
    # a period before the first sale: nothing to summarise, and no crash
    t = pd.DataFrame({"buyer_id": pd.Series([], dtype="string"), "date": pd.to_datetime([]),
                      "revenue": pd.Series([], dtype=float)})
    s = rfm.calibration_summary(t, "2026-09-30")
    assert s.empty and list(s.columns) == ["x", "t_x", "T", "first", "last", "x_value", "zbar"]
