"""Tests of lib.analytics.customers on a hand-computed five-customer fixture, a simulated BG/NBD shop and the sample data.

The sentences about these numbers are tested in tests/narrative/test_customers.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import customers as cu
from lib.analytics import rfm
from lib.report.registry import ACTION_LISTS

__all__ = ["occasions_frame", "five_customer_occasions", "five_customer_users", "simulate_bgnbd",
           "simulated_shop", "seven_customer_occasions"]

END = pd.Timestamp("2026-10-31")


def occasions_frame(rows: list[tuple]) -> pd.DataFrame:
    """Buying occasions (buyer_id, date, revenue, units) from rows of those four values."""
    d = pd.DataFrame(rows, columns=["buyer_id", "date", "revenue", "units"])
    d["buyer_id"] = d["buyer_id"].astype("string")
    d["date"] = pd.to_datetime(d["date"])
    d["units"] = d["units"].astype("int64")
    return d


def five_customer_occasions() -> pd.DataFrame:
    """Occasions of the five customers A..E; E's purchase after END is in the frame but not in any result."""
    # days since last purchase at 2026-10-31 by hand:
    # A 2026-10-01 -> 30; B 2026-05-01 -> 183; C 2026-08-02 -> 90; D 2026-08-01 -> 91; E 2026-10-31 -> 0
    return occasions_frame([
        ("A", "2026-01-10", 100.0, 1), ("A", "2026-03-10", 200.0, 2), ("A", "2026-10-01", 300.0, 1),
        ("B", "2026-05-01", 50.0, 1),
        ("C", "2026-07-31", 150.0, 1), ("C", "2026-08-02", 50.0, 1),
        ("D", "2026-08-01", 100.0, 1),
        ("E", "2026-10-31", 50.0, 1),
        ("E", "2026-11-02", 999.0, 1),  # after period_end: ignored
    ])


def five_customer_users() -> pd.DataFrame:
    """Users A..H: the five customers (E has no display name), buyers F and H who never bought, seller G."""
    return pd.DataFrame({
        "user_id": pd.array(list("ABCDEFGH"), dtype="string"),
        "signup_date": pd.to_datetime(["2025-12-01"] * 5 + ["2026-09-01", "2026-01-01", "2026-11-05"]),
        "display_name": pd.array(["Ana B.", "Bea C.", "Cy D.", "Dee E.", None, "Fay G.", "Gus H.", "Hal I."],
                                 dtype="string"),
        "email": pd.array([f"{c.lower()}@example.com" for c in "ABCDEFGH"], dtype="string"),
        "role": pd.array(["buyer"] * 6 + ["seller", "buyer"], dtype="string"),
    })


@pytest.fixture
def occasions() -> pd.DataFrame:
    return five_customer_occasions()


@pytest.fixture
def users() -> pd.DataFrame:
    return five_customer_users()


@pytest.fixture
def table(occasions, users) -> pd.DataFrame:
    return cu.customer_table(occasions, END, users)


# ------------------------------------------------------------------ customer table and Pareto


def test_customer_table_by_hand(table):
    # revenue A 600, C 200, D 100, B 50, E 50 (tie B/E broken by id); E's November purchase is ignored
    assert table["buyer_id"].tolist() == ["A", "C", "D", "B", "E"]
    assert table["revenue"].tolist() == [600.0, 200.0, 100.0, 50.0, 50.0]
    assert table["occasions"].tolist() == [3, 2, 1, 1, 1]
    assert table["items"].tolist() == [4, 2, 1, 1, 1]
    assert table["days_since"].tolist() == [30, 90, 91, 183, 0]
    assert table["first_purchase"].iloc[0] == pd.Timestamp("2026-01-10")
    # E has no display name in users.csv: the id is shown instead
    assert table["display_name"].tolist() == ["Ana B.", "Cy D.", "Dee E.", "Bea C.", "E"]


def test_customer_table_without_users_shows_ids(occasions):
    assert cu.customer_table(occasions, END)["display_name"].tolist() == ["A", "C", "D", "B", "E"]


@pytest.mark.parametrize(("n", "k"), [(0, 0), (1, 1), (4, 1), (5, 1), (6, 2), (7, 2), (10, 2), (15, 3), (16, 4)])
def test_top_count_is_ceiling_of_a_fifth(n, k):
    assert cu.top_count(n) == k


def test_top20_share_by_hand(table):
    # 5 customers -> top 1 (A, 600) of 1,000 total = 60%
    assert cu.top_share_pct(table["revenue"]) == pytest.approx(60.0)
    # 10 customers with revenue 10..1: top 2 = (10 + 9) / 55 = 34.545...%
    assert cu.top_share_pct(pd.Series(np.arange(10.0, 0, -1))) == pytest.approx(19 / 55 * 100)
    assert cu.top_share_pct(pd.Series([], dtype="float64")) is None
    assert cu.top_share_pct(pd.Series([0.0, 0.0])) is None


def test_pareto_curve_ends_at_100_and_is_capped():
    c = cu.pareto_curve(pd.Series(np.arange(1.0, 10_001)), max_points=500)
    assert len(c) <= 500
    assert c.iloc[0].tolist() == [0.0, 0.0] and c.iloc[-1].tolist() == [100.0, 100.0]
    assert (np.diff(c["revenue_share_pct"]) >= 0).all()


# ------------------------------------------------------------------ repeat behaviour


def test_repeat_rate_and_ltv_ratio_by_hand(table):
    # repeat: A (3 occasions), C (2) -> 2 of 5 = 40%
    assert cu.repeat_rate_pct(table) == pytest.approx(40.0)
    # repeat mean (600 + 200) / 2 = 400; single mean (100 + 50 + 50) / 3 = 66.67; ratio 6.0
    assert cu.ltv_ratio(table) == pytest.approx(6.0)


def test_ltv_ratio_undefined_when_one_group_is_missing():
    one = pd.DataFrame({"occasions": [1, 1], "revenue": [10.0, 20.0]})
    assert cu.ltv_ratio(one) is None
    assert cu.repeat_rate_pct(one) == 0.0
    assert cu.repeat_rate_pct(one.iloc[:0]) is None
    assert cu.bootstrap_ltv_ratio(one).estimate is None


def test_bootstrap_interval_of_constant_groups_is_the_point():
    # every repeat customer spent 400 and every single one 100: each resample gives exactly 4
    c = pd.DataFrame({"occasions": [2, 3, 1, 1, 1], "revenue": [400.0, 400.0, 100.0, 100.0, 100.0]})
    ci = cu.bootstrap_ltv_ratio(c, resamples=300)
    assert (ci.estimate, ci.low, ci.high, ci.resamples) == (4.0, 4.0, 4.0, 300)


def test_bootstrap_interval_brackets_estimate_and_is_reproducible():
    rng = np.random.default_rng(1)
    c = pd.DataFrame({"occasions": rng.integers(1, 4, 400), "revenue": rng.gamma(2.0, 100.0, 400)})
    a, b = cu.bootstrap_ltv_ratio(c, seed=3), cu.bootstrap_ltv_ratio(c, seed=3)
    assert a == b
    assert a.low < a.estimate < a.high


def test_purchase_gaps_by_hand(occasions):
    # A: 01-10 -> 03-10 = 59 days, 03-10 -> 10-01 = 205 days; C: 07-31 -> 08-02 = 2 days (E once by Oct)
    g = cu.purchase_gaps(occasions[occasions["date"] <= END])
    assert sorted(g.tolist()) == [2.0, 59.0, 205.0]


def test_occasion_distribution_caps(table):
    d = cu.occasion_distribution(table, cap=3)
    assert d.to_dict() == {"1": 3, "2": 1, "3+": 1}


# ------------------------------------------------------------------ RFM segments and prospects


def test_segments_by_hand(table):
    # R from days since (30, 90, 91, 183, 0): B 1, D 2, C 3, A 4, E 5
    # F: B, D, E tied on 1 occasion (mean rank 2 -> 2), C 4, A 5
    # M: B, E tied on 50 (mean rank 1.5 -> p = .2 -> 2), D 3, C 4, A 5
    # FM: A 5, C 4, D 2.5, B 2, E 2. Current (within 90 days): A, C (exactly 90), E; lapsed: D (91), B (183)
    # -> A Loyal (R4), C Loyal (R3), E New (R5); D At risk (lapsed, FM 2.5), B Dormant (lapsed, FM 2, R1)
    s = cu.score_customers(table).set_index("buyer_id")
    assert s["r_score"].to_dict() == {"A": 4, "C": 3, "D": 2, "B": 1, "E": 5}
    assert s["f_score"].to_dict() == {"A": 5, "C": 4, "D": 2, "B": 2, "E": 2}
    assert s["m_score"].to_dict() == {"A": 5, "C": 4, "D": 3, "B": 2, "E": 2}
    assert s["segment"].astype(str).to_dict() == {"A": "Loyal", "C": "Loyal", "D": "At risk",
                                                  "B": "Dormant", "E": "New"}
    # churn_days 89: C (90 days away, FM 4) is lapsed -> Can't lose; the scores do not change
    s89 = cu.score_customers(table, churn_days=89).set_index("buyer_id")
    assert s89["segment"].astype(str).to_dict() == {"A": "Loyal", "C": "Can't lose", "D": "At risk",
                                                    "B": "Dormant", "E": "New"}
    assert s89["r_score"].to_dict() == s["r_score"].to_dict()


def test_no_current_sounding_group_holds_a_churn_risk_customer(table):
    for days in (0, 30, 89, 90, 182, 200):
        s = cu.score_customers(table, churn_days=days)
        risk = set(cu.churn_risk(s, days)["buyer_id"])
        current = set(s.loc[s["segment"].isin(rfm.CURRENT_SEGMENTS), "buyer_id"])
        assert not risk & current, days


def test_segment_summary_by_hand(table, occasions, users):
    scored = cu.score_customers(table)
    pros = cu.prospects({"users": users}, table["buyer_id"], END)
    # F is a buyer who never bought; G is a seller; H signed up after the period
    assert pros["user_id"].tolist() == ["F"]
    summ = cu.segment_summary(scored, len(pros)).set_index("segment")
    assert len(summ) == 11
    loyal = summ.loc["Loyal"]
    # Loyal: A and C -> 2 of 5 customers (40%), 800 of 1,000 revenue (80%), days since (30 + 90) / 2 = 60,
    # occasions (3 + 2) / 2 = 2.5
    assert (loyal["customers"], loyal["share_of_customers_pct"], loyal["revenue"], loyal["revenue_share_pct"],
            loyal["mean_days_since"], loyal["mean_occasions"]) == (2, 40.0, 800.0, 80.0, 60.0, 2.5)
    assert summ.loc["Champions", "customers"] == 0
    assert summ.loc["Prospects", "customers"] == 1 and np.isnan(summ.loc["Prospects", "share_of_customers_pct"])
    # numbers only: what to do per group is the narrative layer's (lib.narrative.customers.segment_table)
    assert list(summ.columns) == ["customers", "share_of_customers_pct", "revenue", "revenue_share_pct",
                                  "mean_days_since", "mean_occasions"]
    assert list(summ.index) == list(rfm.SEGMENTS)


def test_segments_shown_drop_prospects_only_when_unknown(table):
    summ = cu.segment_summary(cu.score_customers(table), None)
    assert len(cu.segments_shown(summ, prospects_known=True)) == 11
    shown = cu.segments_shown(summ, prospects_known=False)
    assert list(shown["segment"]) == list(rfm.SEGMENTS[:-1])


def test_prospects_need_users():
    assert cu.prospects({}, pd.Series(["A"]), END) is None


def test_scoring_no_customers():
    empty = pd.DataFrame({"buyer_id": pd.Series([], dtype="string"), "days_since": [], "occasions": [],
                          "revenue": []})
    assert cu.score_customers(empty).empty


# ------------------------------------------------------------------ churn risk and action lists


def test_churn_risk_is_strictly_more_than_churn_days(table):
    # C is exactly 90 days out (not at risk); D 91 and B 183 are; ranked by lifetime revenue D 100, B 50
    risk = cu.churn_risk(table, 90)
    assert risk["buyer_id"].tolist() == ["D", "B"]
    assert risk["revenue"].sum() == 150.0
    assert cu.churn_risk(table, 89)["buyer_id"].tolist() == ["C", "D", "B"]
    with pytest.raises(ValueError, match="churn_days"):
        cu.churn_risk(table, -1)


def test_vip_threshold_is_the_smallest_vip_revenue_in_any_order(table):
    # 5 customers -> 1 VIP (A, 600); 10 customers with revenue 10..1 -> 2 VIPs, the smaller 9
    assert cu.vip_threshold(table) == 600.0
    assert cu.vip_threshold(table.iloc[::-1]) == 600.0
    ten = pd.DataFrame({"revenue": np.arange(1.0, 11.0)})
    assert cu.vip_threshold(ten) == 9.0 and cu.vip_threshold(ten.sample(frac=1, random_state=2)) == 9.0
    assert cu.vip_threshold(ten.iloc[:0]) is None


def test_vip_list_is_top_fifth_with_fixed_columns(table):
    v = cu.vip_list(cu.score_customers(table))
    assert tuple(v.columns[:6]) == ACTION_LISTS["vip_customers"]
    assert v["buyer_id"].tolist() == ["A"] and v["segment"].tolist() == ["Loyal"]
    assert v["last_purchase"].tolist() == ["2026-10-01"]


# ------------------------------------------------------------------ cohorts


def test_cohort_tables_by_hand(occasions):
    t = cu.cohort_tables(occasions, END)
    r = t.retention_pct
    assert list(r.index) == ["2026-01", "2026-05", "2026-07", "2026-08", "2026-10"]
    # A (Jan cohort) buys in months 0, 2 and 9; all ten months observed by October
    assert r.loc["2026-01"].tolist() == [100.0, 0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0]
    # C (July) buys in July and August; months 4+ after July are after October: not observed
    assert r.loc["2026-07", [0, 1, 2, 3]].tolist() == [100.0, 100.0, 0.0, 0.0]
    assert r.loc["2026-07", [4, 5]].isna().all()
    assert r.loc["2026-10", 0] == 100.0 and r.loc["2026-10", 1:].isna().all()
    assert t.revenue.loc["2026-01", [0, 2, 9]].tolist() == [100.0, 200.0, 300.0]
    assert t.summary.loc["2026-01"].tolist() == [1, 600.0, 600.0, 100.0]
    assert t.summary.loc["2026-05", "repeat_pct"] == 0.0


def test_cohort_tables_keep_last_cohorts(occasions):
    assert list(cu.cohort_tables(occasions, END, max_cohorts=2).retention_pct.index) == ["2026-08", "2026-10"]


# ------------------------------------------------------------------ value models on a simulated shop


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, weeks: float, seed: int) -> pd.DataFrame:
    """Occasions of n customers who all start on 2024-01-01 and follow BG/NBD (time in weeks)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    k = 80
    times = np.cumsum(rng.exponential(1 / lam[:, None], (n, k)), axis=1)
    # after each repeat purchase the customer drops out with probability p; the first purchase is at 0
    alive_after = np.cumprod(rng.random((n, k)) >= p[:, None], axis=1)
    bought = (times <= weeks) & np.concatenate([np.ones((n, 1), bool), alive_after[:, :-1].astype(bool)], axis=1)
    ii, jj = np.nonzero(bought)
    days = np.concatenate([np.zeros(n), np.floor(times[ii, jj] * 7)])
    ids = np.concatenate([np.arange(n), ii])
    d = pd.DataFrame({"buyer_id": pd.array(ids.astype(str), dtype="string"),
                      "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
                      "revenue": 50.0, "units": 1})
    return d.groupby(["buyer_id", "date"], as_index=False).agg(revenue=("revenue", "sum"), units=("units", "sum"))


def simulated_shop() -> pd.DataFrame:
    """Occasions of 4,000 BG/NBD customers over 78 weeks (r 0.6, alpha 4, a 0.8, b 3; seed 11)."""
    return simulate_bgnbd(4000, r=0.6, alpha=4.0, a=0.8, b=3.0, weeks=78, seed=11)


@pytest.fixture(scope="module")
def simulated():
    return simulated_shop()


def test_value_model_recovers_simulated_parameters(simulated):
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=78 * 7)
    vm = cu.value_model(simulated, end)
    assert vm.usable, vm.problems
    # simulated r=0.6, alpha=4, a=0.8, b=3 with 4,000 customers: within 25%
    for k, v in {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 3.0}.items():
        assert vm.bg.params[k] == pytest.approx(v, rel=0.25), k
    assert vm.summary["p_alive"].between(0, 1).all()
    assert (vm.summary["expected_90d"] >= 0).all()


def test_holdout_check_on_simulated_shop(simulated):
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=78 * 7)
    h = cu.holdout_check(simulated, end, holdout_days=182)
    assert h.actual_total > 0
    assert abs(h.error_pct) < 15
    assert h.by_x["x"].iloc[-1] == "7+"
    with pytest.raises(ValueError, match="too short"):
        cu.holdout_check(simulated, end, holdout_days=400)


def test_value_model_on_too_few_customers_says_why(table, occasions):
    vm = cu.value_model(occasions, END)
    assert not vm.usable
    assert vm.summary["p_alive"].isna().all() and vm.summary["clv_12m"].isna().all()
    # 5 customers of whom 2 (A and C) bought again: both counts below what a fit needs (20 and 5)
    assert [(d.code, d.value, d.limit) for d in vm.diagnostics] == [("too_few_customers", 5.0, 20.0),
                                                                   ("too_few_repeat", 2.0, 5.0)]
    assert cu.model_parameters(vm).empty


def test_model_parameters_grid_and_metrics_of_simulated_shop(simulated):
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=78 * 7)
    vm = cu.value_model(simulated, end)
    params = cu.model_parameters(vm)
    assert params["parameter"].tolist() == ["r", "alpha", "a", "b", "p", "q", "gamma"]
    assert params["value"].tolist() == [vm.bg.r, vm.bg.alpha, vm.bg.a, vm.bg.b, vm.gg.p, vm.gg.q, vm.gg.gamma]
    grid = cu.purchase_grid(vm, horizon_days=90)
    # every customer starts on 2024-01-01: all are known 78 weeks; x runs to at most 20
    assert grid.T == pytest.approx(78.0) and grid.horizon_days == 90
    assert grid.expected.shape == (min(20, int(vm.summary["x"].max())) + 1, 60)
    assert grid.expected.columns[-1] == pytest.approx(78.0)
    scored = cu.score_customers(cu.customer_table(simulated, end)).join(
        vm.summary[["p_alive", "expected_90d", "clv_12m"]], on="buyer_id")
    at_risk = cu.churn_risk(scored, 90)
    m = cu.customer_metrics(scored, 61.0, 40.0, cu.RatioInterval(2.5, 2.0, 3.0, 0.95, 200), at_risk, vm)
    assert list(m) == ["customers", "top20_revenue_share_pct", "repeat_customer_rate_pct",
                       "repeat_vs_single_ltv_ratio", "churn_risk_customers", "churn_risk_revenue", "bgnbd_r",
                       "bgnbd_alpha", "bgnbd_a", "bgnbd_b", "expected_purchases_next_90d"]
    assert (m["customers"], m["top20_revenue_share_pct"], m["repeat_customer_rate_pct"],
            m["repeat_vs_single_ltv_ratio"]) == (4000, 61.0, 40.0, 2.5)
    assert (m["churn_risk_customers"], m["churn_risk_revenue"]) == (len(at_risk), float(at_risk["revenue"].sum()))
    assert (m["bgnbd_r"], m["bgnbd_b"]) == (vm.bg.r, vm.bg.b)
    assert m["expected_purchases_next_90d"] == pytest.approx(vm.summary["expected_90d"].sum())


def test_top_predicted_value_ranks_by_clv_and_leaves_out_unknown():
    scored = pd.DataFrame({"buyer_id": list("abcd"), "clv_12m": [5.0, 20.0, np.nan, 10.0]})
    assert cu.top_predicted_value(scored, 2)["buyer_id"].tolist() == ["b", "d"]
    assert cu.top_predicted_value(scored)["buyer_id"].tolist() == ["b", "d", "a", "c"]


def test_customer_metrics_without_a_usable_model(table, occasions):
    vm = cu.value_model(occasions, END)
    m = cu.customer_metrics(table, 60.0, 40.0, cu.RatioInterval(None, None, None, 0.95, 0), cu.churn_risk(table, 90),
                            vm)
    assert (m["customers"], m["churn_risk_customers"], m["churn_risk_revenue"]) == (5, 2, 150.0)
    assert m["repeat_vs_single_ltv_ratio"] is None
    assert all(m[k] is None for k in ("bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b", "expected_purchases_next_90d"))
    with pytest.raises(ValueError, match="fitted purchase model"):
        cu.purchase_grid(vm)


# ------------------------------------------------------------------ planted effects of the sample generator


def test_recovers_planted_customer_effects(planted, sample_report):
    from lib.data.derived import purchase_occasions

    ds, period, lines = sample_report.ds, sample_report.period, sample_report.lines
    assert period.label == planted["default_period"]
    table = cu.customer_table(purchase_occasions(lines), period.end, ds.tables.get("users"))
    lo, hi = planted["top20_share_pct_range"]
    assert lo <= cu.top_share_pct(table["revenue"]) <= hi
    churned = set(cu.churn_risk(table, 90)["buyer_id"])
    assert set(planted["churned_vip_buyer_ids"]) <= churned


def test_customer_occasions_by_hand():
    sales = pd.DataFrame({
        "sale_id": pd.array(["1", "2", "3", "4", "5", "6"], dtype="string"),
        "buyer_id": pd.array(["007", "007", "7", "007", "7", "7"], dtype="string"),
        "date_sold": pd.to_datetime(["2026-10-03 10:00", "2026-10-03 21:30", "2026-10-03 12:00",
                                     "2026-10-05 09:00", "2026-10-06 10:00", "2026-11-01 00:00"]),
        "sale_price": [100.0, 50.0, 30.0, 20.0, 999.0, 5.0],
        "quantity": np.array([1, 2, 1, 1, 1, 1], dtype="int64"),
        "status": pd.array(["completed", "completed", "completed", "completed", "refunded", "completed"],
                           dtype="string"),
    })
    o = cu.customer_occasions(sales, END)
    # "007" and "7" are different buyers; 007 on 10-03: 100 + 2 x 50 = 200 over 2 lines, 3 units;
    # the refund and the November sale do not count
    assert o["buyer_id"].tolist() == ["007", "007", "7"]
    assert o["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-03", "2026-10-05", "2026-10-03"]
    assert o["revenue"].tolist() == [200.0, 20.0, 30.0]
    assert o["units"].tolist() == [3, 1, 1] and o["lines"].tolist() == [2, 1, 1]


def test_customer_occasions_equal_the_derived_ones_on_sample_data(sample_report):
    from lib.data.derived import purchase_occasions

    ds, end = sample_report.ds, sample_report.period.end
    assert end == pd.Timestamp("2026-10-31")
    ref = purchase_occasions(sample_report.lines)
    ref = ref.sort_values(["buyer_id", "date"]).reset_index(drop=True)[["buyer_id", "date", "revenue", "units",
                                                                         "lines"]]
    ours = cu.customer_occasions(ds.tables["sales"], end)
    pd.testing.assert_frame_equal(ours, ref, check_dtype=False, check_exact=False, rtol=1e-12)


def test_holdout_check_refuses_an_unstable_fit():
    # 20 customers from 2026-01-01; 5 of them come back once in January: the calibration fit is unstable
    rows = [(f"c{i}", "2026-01-01", 10.0, 1) for i in range(20)] + [(f"c{i}", "2026-01-20", 10.0, 1) for i in range(5)]
    with pytest.raises(ValueError, match="not stable|too few"):
        cu.holdout_check(occasions_frame(rows), pd.Timestamp("2026-10-31"), holdout_days=120)


def test_cohort_trend_two_proportion_test_by_hand():
    # four cohorts of 100: month-1 return 10%, 10% (earlier half) and 20%, 20% (recent half)
    # pooled: 20/200 vs 40/200, p = 60/400 = .15, se = sqrt(.15 * .85 * (2/200)) = .035707,
    # z = .10 / .035707 = 2.8006, two-sided p = 0.0051
    idx = ["2026-01", "2026-02", "2026-03", "2026-04"]
    ret = pd.DataFrame({0: [100.0] * 4, 1: [10.0, 10.0, 20.0, 20.0]}, index=idx)
    t = cu.CohortTables(ret, pd.Series([100] * 4, index=idx), ret, pd.DataFrame())
    tr = cu.cohort_trend(t)
    assert (tr["old_pct"], tr["new_pct"]) == (10.0, 20.0)
    assert tr["p_value"] == pytest.approx(0.0051, abs=0.0001)
    assert cu.cohort_trend(cu.CohortTables(ret.iloc[:3], pd.Series([100] * 3, index=idx[:3]), ret,
                                           pd.DataFrame())) is None


# ------------------------------------------------------------------ win-back lists and their effect


def seven_customer_occasions() -> pd.DataFrame:
    """Occasions with gross profit of seven customers P..V for the win-back rates, lists and effects."""
    d = occasions_frame([
        ("P", "2026-05-01", 100.0, 1), ("P", "2026-09-10", 100.0, 1),
        ("Q", "2026-01-01", 50.0, 1),
        ("R", "2025-06-01", 80.0, 1), ("R", "2026-10-15", 80.0, 1),
        ("S", "2026-08-20", 60.0, 1),
        ("T", "2026-06-15", 1000.0, 1),
        ("U", "2024-12-01", 200.0, 1), ("U", "2025-01-05", 200.0, 1),
        ("V", "2026-07-01", 120.0, 1),
    ])
    d["gross_profit"] = [40.0, 40.0, 10.0, 20.0, 20.0, 30.0, 300.0, 100.0, 60.0, 50.0]
    return d


def test_recency_buy_rates_by_hand():
    occ = seven_customer_occasions()
    rates = cu.recency_buy_rates(occ, END, churn_days=90, horizon_days=30, months=2)
    # month ends 2026-08-31 and 2026-09-30 (each + 30 days <= 2026-10-31). Recency there, and a purchase in the
    # next 30 days: P 122 days at Aug 31 and buys Sep 10; T 107 and V 91 days at Sep 30, no purchase;
    # Q 242 and 272 days, none; R 456 (none) and 486 days (buys Oct 15); U 603 and 633 days, none.
    # S, and P, T, V at the other month end, are within 90 days: not observed.
    assert rates[["lo", "hi"]].values.tolist() == [[90, 180], [180, 365], [365, np.inf]]
    assert rates["cutoffs"].tolist() == [2, 2, 2]
    assert rates["observations"].tolist() == [3, 2, 4]
    assert rates["customers"].tolist() == [3, 1, 2]
    assert rates["buyers"].tolist() == [1, 0, 1]
    assert rates["rate"].tolist() == pytest.approx([1 / 3, 0.0, 0.25])
    # churn_days 200: one bin of 200-365 days, then 365+; P, T and V (91-122 days) are no longer lapsed
    r200 = cu.recency_buy_rates(occ, END, churn_days=200, horizon_days=30, months=2)
    assert r200[["lo", "observations", "buyers"]].values.tolist() == [[200, 2, 0], [365, 4, 1]]
    assert cu.recency_edges(400) == (400.0, np.inf)


def test_recency_buy_rates_without_history():
    occ = seven_customer_occasions()
    # a shop whose first purchase is after every month end: nothing observed, rates NaN
    rates = cu.recency_buy_rates(occ[occ["date"] >= "2026-10-01"], END, months=2)
    assert rates["observations"].sum() == 0 and rates["rate"].isna().all()


def test_win_back_targets_and_effects_by_hand():
    occ = seven_customer_occasions()
    scored = cu.score_customers(cu.customer_table(occ, END), 90)
    # R: U 1, Q 2, T 2, V 3, S 4, P 4, R 5; F: P, R, U 4, the rest 2; M: Q 1, S 2, V 2, R 3, P 4, U 4, T 5
    # lapsed (over 90 days): Q Dormant (FM 1.5, R 2), T At risk (FM 3.5), U Can't lose (FM 4), V Almost lost
    # (FM 2, R 3); current: P Loyal (R 4, FM 4), R Active (R 5, FM 3.5), S Promising (R 4, FM 2)
    assert scored.set_index("buyer_id")["segment"].astype(str).to_dict() == {
        "T": "At risk", "U": "Can't lose", "P": "Loyal", "R": "Active", "V": "Almost lost", "S": "Promising",
        "Q": "Dormant"}
    rates = cu.recency_buy_rates(occ, END, 90, 30, months=2)
    t = cu.win_back_targets(scored, occ, rates, 90)
    # VIPs: the top ceil(7/5) = 2 by revenue, T (1,000) and U (400); V is on its group's list; Q (Dormant) is not
    assert tuple(t.columns) == cu.WIN_BACK_COLUMNS
    assert t["buyer_id"].tolist() == ["T", "U", "V"]
    assert t["list"].tolist() == [cu.WIN_BACK_VIP_LIST, cu.WIN_BACK_VIP_LIST, "Almost lost"]
    assert t["segment"].tolist() == ["At risk", "Can't lose", "Almost lost"]
    # T 138 days and V 122 days -> the 90-180 rate 1/3; U 664 days -> the 365+ rate 1/4
    assert t["p_buy_30d"].tolist() == pytest.approx([1 / 3, 0.25, 1 / 3])
    # own gross profit per purchase day: T 300 / 1, U (100 + 60) / 2, V 50 / 1
    assert t["gross_profit_per_occasion"].tolist() == [300.0, 80.0, 50.0]
    assert not set(t["segment"]) & set(rfm.CURRENT_SEGMENTS)
    eff = cu.win_back_effects(t, rates, scored, draws=4000, seed=1)
    assert [e.list for e in eff] == [cu.WIN_BACK_VIP_LIST, "Almost lost"]
    vip, almost = eff
    # VIP: 1/3 x 300 + 1/4 x 80 = 120 gross profit once; revenue 1/3 x 1,000 + 1/4 x 200 = 383.33
    assert vip.effect.gross_profit == pytest.approx(120.0) and vip.effect.one_off
    assert vip.effect.revenue == pytest.approx(1000 / 3 + 50)
    assert vip.expected_buyers == pytest.approx(1 / 3 + 1 / 4)
    assert (vip.customers, vip.group_customers, vip.median_days_since) == (2, 2, 401.0)
    assert vip.effect.low < 120.0 < vip.effect.high
    # Almost lost: 1/3 x 50; the group has 1 customer, all on the list
    assert almost.effect.gross_profit == pytest.approx(50 / 3)
    assert (almost.customers, almost.group_customers) == (1, 1)
    # the interval comes from the base rates' binomial uncertainty: Beta(k + 1/2, n - k + 1/2) per bin, with n the
    # distinct customers (90-180: k = 1, n = 3; 365+: k = 0.5, n = 2), so the draws' mean is
    # 300 x 1.5 / 4 + 80 x 1 / 3 = 139.2 (not the plug-in 120)
    rng = np.random.default_rng(1)
    b1 = rng.beta([1.5, 0.5, 1.0], [2.5, 1.5, 2.0], size=(4000, 3))
    assert vip.effect.low == pytest.approx(np.quantile(b1[:, 0] * 300 + b1[:, 2] * 80, 0.1))


def test_win_back_targets_with_a_margin_or_without_costs():
    occ = seven_customer_occasions().drop(columns="gross_profit")
    scored = cu.score_customers(cu.customer_table(occ, END))
    rates = cu.recency_buy_rates(occ, END, months=2)
    t = cu.win_back_targets(scored, occ, rates, margin=0.25)
    # no costs: the shop margin x revenue / purchase days: T 1,000 x 0.25, U 400 x 0.25 / 2, V 120 x 0.25
    assert t["gross_profit_per_occasion"].tolist() == [250.0, 50.0, 30.0]
    none = cu.win_back_targets(scored, occ, rates)
    assert none["gross_profit_per_occasion"].isna().all()
    assert cu.win_back_effects(none, rates, scored) == []


def test_win_back_targets_take_other_groups_but_effects_follow_win_back_segments():
    occ = seven_customer_occasions()
    scored = cu.score_customers(cu.customer_table(occ, END))
    rates = cu.recency_buy_rates(occ, END, months=2)
    t = cu.win_back_targets(scored, occ, rates, segments=("Can't lose", "At risk", "Almost lost", "Dormant"))
    assert t["list"].tolist() == [cu.WIN_BACK_VIP_LIST, cu.WIN_BACK_VIP_LIST, "Almost lost", "Dormant"]
    assert t.loc[t["list"] == "Dormant", "p_buy_30d"].tolist() == [0.0]  # Q: 303 days, the 180-365 rate
    eff = {e.list: e for e in cu.win_back_effects(t, rates, scored)}
    assert set(eff) == {cu.WIN_BACK_VIP_LIST, "Almost lost"}  # effects of the WIN_BACK_SEGMENTS lists only


# ------------------------------------------------------------------ the SQL reductions against pandas


def _pandas_gaps(occasions: pd.DataFrame) -> pd.Series:
    """Days between a customer's consecutive occasions in pandas (sorted by customer then day): the reference."""
    o = occasions[["buyer_id", "date"]].sort_values(["buyer_id", "date"], kind="mergesort")
    same = o["buyer_id"].eq(o["buyer_id"].shift()).fillna(False).to_numpy(dtype=bool)
    return pd.Series(o["date"].diff().dt.days.to_numpy()[same], name="gap_days", dtype="float64")


def _pandas_cohorts(occasions: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Customers active and revenue per (first month, month) and the repeat share per cohort in pandas."""
    o = occasions[occasions["date"] <= end]
    mi = (o["date"].dt.year * 12 + o["date"].dt.month - 1).to_numpy()
    first = pd.Series(mi).groupby(o["buyer_id"].to_numpy()).transform("min").to_numpy()
    d = pd.DataFrame({"buyer": o["buyer_id"].to_numpy(), "cohort": first, "k": mi - first,
                      "revenue": o["revenue"].to_numpy()})
    active = d.drop_duplicates(["buyer", "k"]).groupby(["cohort", "k"]).size().unstack(fill_value=0)
    rev = d.groupby(["cohort", "k"])["revenue"].sum().unstack(fill_value=0.0)
    repeat = d.groupby(["cohort", "buyer"]).size().gt(1).groupby(level=0).mean() * 100
    return active, rev, repeat


def _same_cohorts(occasions: pd.DataFrame, end: pd.Timestamp) -> None:
    t = cu.cohort_tables(occasions, end, max_cohorts=1000)
    active, rev, repeat = _pandas_cohorts(occasions, end)
    labels = [f"{c // 12:04d}-{c % 12 + 1:02d}" for c in active.index]
    assert list(t.retention_pct.index) == labels
    n = t.sizes.to_numpy()
    got = (t.retention_pct.to_numpy() * n[:, None] / 100).round()  # customers active per cell
    ks = list(active.columns)
    np.testing.assert_array_equal(np.nan_to_num(got[:, ks]), active.to_numpy())
    np.testing.assert_allclose(np.nan_to_num(t.revenue.to_numpy()[:, ks]), rev.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.summary["repeat_pct"].to_numpy(), repeat.to_numpy(), rtol=1e-12)


def test_sql_gaps_and_cohorts_equal_pandas_by_hand(occasions):
    # gaps A 59, 205 (and E 2 days with its November occasion: the gaps take every occasion given), C 2
    g = cu.purchase_gaps(occasions)
    assert g.tolist() == [59.0, 205.0, 2.0, 2.0]
    pd.testing.assert_series_equal(g, _pandas_gaps(occasions))
    _same_cohorts(occasions, END)
    t = cu.cohort_tables(occasions, END)
    assert t.sizes.tolist() == [1, 1, 1, 1, 1]  # A January, B May, C July, D August, E October
    assert t.summary["repeat_pct"].tolist() == [100.0, 0.0, 100.0, 0.0, 0.0]  # A and C came back, B, D, E not


def test_sql_gaps_and_cohorts_equal_pandas_on_sample_data(sample_report):
    from lib.data.derived import purchase_occasions

    occ = purchase_occasions(sample_report.lines)
    g = cu.purchase_gaps(occ)
    assert len(g) == len(occ) - occ["buyer_id"].nunique() > 1000
    pd.testing.assert_series_equal(g, _pandas_gaps(occ))
    _same_cohorts(occ, sample_report.period.end)


def test_by_revenue_sorts_largest_first_then_by_buyer_id():
    c = pd.DataFrame({"buyer_id": pd.array(["b", "a", "c", "10", "9"], dtype="string"),
                      "revenue": [50.0, 50.0, 80.0, 50.0, 0.0]})
    # 80 first; the three 50s by id as text ("10" < "a" < "b"); 0 last
    assert cu.by_revenue(c)["buyer_id"].tolist() == ["c", "10", "a", "b", "9"]
    assert cu.by_revenue(c).index.tolist() == [0, 1, 2, 3, 4]
    assert cu.by_revenue(c.iloc[:0]).empty


def test_display_name_is_the_first_user_row_of_the_buyer(occasions):
    users = pd.DataFrame({"user_id": pd.array(["A", "A", "C"], dtype="string"),
                          "display_name": pd.array(["First A", "Second A", None], dtype="string")})
    t = cu.customer_table(occasions, END, users).set_index("buyer_id")["display_name"]
    # A named by its first row; C's name is missing and B has no user row: both show the buyer id
    assert t.to_dict() == {"A": "First A", "C": "C", "D": "D", "B": "B", "E": "E"}
