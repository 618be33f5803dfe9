"""Tests of lib.customers on a hand-computed five-customer fixture, a simulated BG/NBD shop and the sample data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import customers as cu
from lib.narrative import customers as cu_text
from lib.report.registry import ACTION_LISTS

END = pd.Timestamp("2026-10-31")


def occ(rows) -> pd.DataFrame:
    d = pd.DataFrame(rows, columns=["buyer_id", "date", "revenue", "units"])
    d["buyer_id"] = d["buyer_id"].astype("string")
    d["date"] = pd.to_datetime(d["date"])
    d["units"] = d["units"].astype("int64")
    return d


@pytest.fixture
def occasions() -> pd.DataFrame:
    # five customers; days since last purchase at 2026-10-31 by hand:
    # A 2026-10-01 -> 30; B 2026-05-01 -> 183; C 2026-08-02 -> 90; D 2026-08-01 -> 91; E 2026-10-31 -> 0
    return occ([
        ("A", "2026-01-10", 100.0, 1), ("A", "2026-03-10", 200.0, 2), ("A", "2026-10-01", 300.0, 1),
        ("B", "2026-05-01", 50.0, 1),
        ("C", "2026-07-31", 150.0, 1), ("C", "2026-08-02", 50.0, 1),
        ("D", "2026-08-01", 100.0, 1),
        ("E", "2026-10-31", 50.0, 1),
        ("E", "2026-11-02", 999.0, 1),  # after period_end: ignored
    ])


@pytest.fixture
def users() -> pd.DataFrame:
    return pd.DataFrame({
        "user_id": pd.array(list("ABCDEFGH"), dtype="string"),
        "signup_date": pd.to_datetime(["2025-12-01"] * 5 + ["2026-09-01", "2026-01-01", "2026-11-05"]),
        "display_name": pd.array(["Ana B.", "Bea C.", "Cy D.", "Dee E.", None, "Fay G.", "Gus H.", "Hal I."],
                                 dtype="string"),
        "email": pd.array([f"{c.lower()}@example.com" for c in "ABCDEFGH"], dtype="string"),
        "role": pd.array(["buyer"] * 6 + ["seller", "buyer"], dtype="string"),
    })


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


def test_pareto_sentences():
    assert cu_text.pareto_sentence(60.0, 1, 5) == (
        "The top 20% of customers (1 of 5) bring 60.0% of all revenue, not 80%: revenue is spread more "
        "evenly than the 80/20 rule says.")
    assert cu_text.pareto_sentence(78.0, 20, 100).endswith("so the 80/20 rule roughly holds here.")
    assert cu_text.pareto_sentence(91.0, 20, 100).endswith("even more concentrated than the 80/20 rule says.")
    assert cu_text.pareto_sentence(None, 0, 0).startswith("There is no customer revenue")


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


def test_repeat_sentences_use_the_numbers(table, occasions):
    ci = cu.bootstrap_ltv_ratio(table, resamples=200)
    s = cu_text.repeat_sentences(table, cu.repeat_rate_pct(table), ci, cu.purchase_gaps(occasions), "USD")
    assert s[0] == "40.0% of customers (2 of 5) came back for at least a second purchase day."
    assert "$400 on average against $67 for a one-time buyer: 6.0 times as much" in s[1]


# ------------------------------------------------------------------ RFM segments and prospects


def test_segments_by_hand(table):
    # R from days since (30, 90, 91, 183, 0): B 1, D 2, C 3, A 4, E 5
    # F: B, D, E tied on 1 occasion (mean rank 2 -> 2), C 4, A 5
    # M: B, E tied on 50 (mean rank 1.5 -> p = .2 -> 2), D 3, C 4, A 5
    # FM: A 5, C 4, D 2.5, B 2, E 2 -> A Loyal (R4), C Loyal (R3), D Almost lost, B Dormant, E New
    s = cu.score_customers(table).set_index("buyer_id")
    assert s["r_score"].to_dict() == {"A": 4, "C": 3, "D": 2, "B": 1, "E": 5}
    assert s["f_score"].to_dict() == {"A": 5, "C": 4, "D": 2, "B": 2, "E": 2}
    assert s["m_score"].to_dict() == {"A": 5, "C": 4, "D": 3, "B": 2, "E": 2}
    assert s["segment"].astype(str).to_dict() == {"A": "Loyal", "C": "Loyal", "D": "Almost lost",
                                                  "B": "Dormant", "E": "New"}


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
    sent = cu_text.segment_sentences(summ.reset_index(), "USD")
    assert sent[0] == "The largest group is Loyal with 2 customers (40.0% of buyers)."
    assert sent[-1] == "1 registered buyer never bought (Prospects)."


def test_prospects_need_users():
    assert cu.prospects({}, pd.Series(["A"]), END) is None
    summ = cu.segment_summary(cu.score_customers(pd.DataFrame(
        {"buyer_id": ["A"], "days_since": [1], "occasions": [1], "revenue": [5.0]})), None)
    assert "sales only" in cu_text.segment_sentences(summ, has_users=False)[-1]


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


def test_churn_list_columns_email_and_actions(table, users):
    risk = cu.churn_risk(cu.score_customers(table), 90)
    vip_min = table["revenue"].head(cu.top_count(len(table))).min()  # 600
    lst = cu_text.churn_list(risk, users, vip_min, "USD")
    assert tuple(lst.columns[:7]) == ACTION_LISTS["churn_risk_customers"]
    assert lst["email"].tolist() == ["d@example.com", "b@example.com"]
    assert lst["last_purchase"].tolist() == ["2026-08-01", "2026-05-01"]
    assert lst["action"].iloc[0] == ("Win-back offer (one message); drop from the list if no reply "
                                     "(spent $100 over 1 purchase day, last bought 91 days ago)")


def test_churn_actions_vip_and_p_alive():
    risk = pd.DataFrame({"revenue": [900.0, 80.0, 70.0], "occasions": [4, 2, 1], "days_since": [120, 100, 95],
                         "p_alive": [0.2, 0.7, 0.1]})
    a = cu_text.churn_actions(risk, vip_threshold=500.0).tolist()
    assert a[0].startswith("VIP: personal message") and "20% likely still active" in a[0]
    assert a[1].startswith("Likely still interested") and "spent $80 over 2 purchase days" in a[1]
    assert a[2].startswith("Win-back offer")


def test_churn_sentences_by_hand(table):
    risk = cu.churn_risk(table, 90)
    s = cu_text.churn_sentences(risk, len(table), 90, 1000.0, "USD")
    assert s[0] == ("2 of 5 customers (40%) have not bought for more than 90 days; together they have spent "
                    "$150, 15% of all revenue.")
    assert cu_text.churn_sentences(risk.iloc[:0], 5, 90, 1000.0)[0].startswith("Every customer bought")


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
    # month-1 retention over the cohorts observed a month later (Jan 0, May 0, Jul 100, Aug 0): 25%
    assert cu_text.cohort_sentences(t)[0].startswith("On average 25.0% of a month's new customers buy again 1 month ")


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


@pytest.fixture(scope="module")
def simulated():
    return simulate_bgnbd(4000, r=0.6, alpha=4.0, a=0.8, b=3.0, weeks=78, seed=11)


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
    assert "repeat purchase days" in cu_text.holdout_sentence(h)
    with pytest.raises(ValueError, match="too short"):
        cu.holdout_check(simulated, end, holdout_days=400)


def test_value_model_on_too_few_customers_says_why(table, occasions):
    vm = cu.value_model(occasions, END)
    assert not vm.usable
    assert vm.summary["p_alive"].isna().all() and vm.summary["clv_12m"].isna().all()
    assert cu_text.value_sentences(vm, 90, 12)[0].startswith(
        "The customer-value models are not shown: too few customers for the BG/NBD model")


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


def test_churn_model_sentence_counts_repeat_buyers_only():
    # two repeat buyers (p_alive .8 and .3) and one one-time buyer (p_alive 1 by construction)
    risk = pd.DataFrame({"revenue": [300.0, 200.0, 100.0], "occasions": [3, 2, 1], "days_since": [100, 120, 95],
                         "p_alive": [0.8, 0.3, 1.0]})
    s = cu_text.churn_sentences(risk, 10, 90, 1000.0)
    assert s[1].startswith("Of the 2 repeat buyers among them, the BG/NBD model still rates 1 as more likely")
    # the one-time buyer's p_alive of 1 does not make them "likely still interested"
    assert cu_text.churn_actions(risk, vip_threshold=None).iloc[2].startswith("Win-back offer")


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


def test_money_strings_match_fmt_money():
    from lib.narrative import fmt

    v = np.array([0, 5, 999.4, 1000, 1234567.4, 100000, 1001, -2500.2, 999999.6])
    assert cu._money_strings(v).tolist() == [fmt.money(x) for x in v]
    assert cu._money_strings(np.array([1234.0]), "EUR").tolist() == ["€1,234"]


@pytest.mark.parametrize(("f", "text"), [(0.62, "62%"), (0.026, "2.6%"), (0.0027, "0.27%"), (0.00027, "0.027%"),
                                         (0.0, "0%")])
def test_share_text_keeps_two_significant_digits(f, text):
    assert cu_text.share_text(f) == text


def test_concentration_sentence_by_hand(table):
    # A has 600 of 1,000 = 60%; the top 5 (all) 100%
    assert cu_text.concentration_sentence(table) == ("The biggest customer, Ana B., has spent $600 (60% of revenue); "
                                                "the top 5 together 100%.")


def test_holdout_check_refuses_an_unstable_fit():
    # 20 customers from 2026-01-01; 5 of them come back once in January: the calibration fit is unstable
    rows = [(f"c{i}", "2026-01-01", 10.0, 1) for i in range(20)] + [(f"c{i}", "2026-01-20", 10.0, 1) for i in range(5)]
    with pytest.raises(ValueError, match="not stable|too few"):
        cu.holdout_check(occ(rows), pd.Timestamp("2026-10-31"), holdout_days=120)


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
    meaning, _ = cu_text.cohort_advice(t)
    assert meaning == ("Newer customers come back in their second month more often than earlier ones "
                       "(20.0% against 10.0%; two-proportion z-test p = 0.005).")
    assert cu.cohort_trend(cu.CohortTables(ret.iloc[:3], pd.Series([100] * 3, index=idx[:3]), ret,
                                           pd.DataFrame())) is None
