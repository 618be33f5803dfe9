"""Tests of lib.narrative.customers and lib.narrative.rfm: the sentences, actions and table texts about customers.

The five-customer fixture is the one of tests/analytics/test_customers.py (numbers computed by hand there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import customers as cu
from lib.analytics import rfm
from lib.narrative import customers as cu_text
from lib.narrative import fmt
from lib.narrative import rfm as rfm_text
from lib.report.registry import ACTION_LISTS
from tests.analytics.test_customers import five_customer_occasions, five_customer_users, simulated_shop

END = pd.Timestamp("2026-10-31")


@pytest.fixture
def occasions() -> pd.DataFrame:
    return five_customer_occasions()


@pytest.fixture
def users() -> pd.DataFrame:
    return five_customer_users()


@pytest.fixture
def table(occasions, users) -> pd.DataFrame:
    return cu.customer_table(occasions, END, users)


# ------------------------------------------------------------------ formatting helpers and the opening line


def test_money_strings_match_fmt_money():
    v = np.array([0, 5, 999.4, 1000, 1234567.4, 100000, 1001, -2500.2, 999999.6])
    assert cu_text.money_strings(v).tolist() == [fmt.money(x) for x in v]
    assert cu_text.money_strings(np.array([1234.0]), "EUR").tolist() == ["€1,234"]


@pytest.mark.parametrize(("f", "text"), [(0.62, "62%"), (0.026, "2.6%"), (0.0027, "0.27%"), (0.00027, "0.027%"),
                                         (0.0, "0%")])
def test_share_text_keeps_two_significant_digits(f, text):
    assert cu_text.share_text(f) == text


def test_intro_sentence():
    assert cu_text.intro_sentence(1411, END, 90) == (
        "1,411 customers bought at least once up to 31 October 2026; churn risk means more than 90 days without "
        "a purchase.")


# ------------------------------------------------------------------ top customers


def test_pareto_sentences():
    assert cu_text.pareto_sentence(60.0, 1, 5) == (
        "The top 20% of customers (1 of 5) bring 60.0% of all revenue, not 80%: revenue is spread more "
        "evenly than the 80/20 rule says.")
    assert cu_text.pareto_sentence(78.0, 20, 100).endswith("so the 80/20 rule roughly holds here.")
    assert cu_text.pareto_sentence(91.0, 20, 100).endswith("even more concentrated than the 80/20 rule says.")
    assert cu_text.pareto_sentence(None, 0, 0).startswith("There is no customer revenue")


def test_concentration_sentence_by_hand(table):
    # A has 600 of 1,000 = 60%; the top 5 (all) 100%
    assert cu_text.concentration_sentence(table) == ("The biggest customer, Ana B., has spent $600 (60% of revenue); "
                                                     "the top 5 together 100%.")


# ------------------------------------------------------------------ repeat behaviour


def test_repeat_sentences_use_the_numbers(table, occasions):
    ci = cu.bootstrap_ltv_ratio(table, resamples=200)
    s = cu_text.repeat_sentences(table, cu.repeat_rate_pct(table), ci, cu.purchase_gaps(occasions), "USD")
    assert s[0] == "40.0% of customers (2 of 5) came back for at least a second purchase day."
    assert "$400 on average against $67 for a one-time buyer: 6.0 times as much" in s[1]


# ------------------------------------------------------------------ RFM groups


def test_segment_sentences_by_hand(table, users):
    scored = cu.score_customers(table)
    pros = cu.prospects({"users": users}, table["buyer_id"], END)
    summ = cu.segment_summary(scored, len(pros))
    sent = cu_text.segment_sentences(summ, "USD")
    assert sent[0] == "The largest group is Loyal with 2 customers (40.0% of buyers)."
    assert sent[-1] == "1 registered buyer never bought (Prospects)."


def test_segment_sentences_without_users():
    summ = cu.segment_summary(cu.score_customers(pd.DataFrame(
        {"buyer_id": ["A"], "days_since": [1], "occasions": [1], "revenue": [5.0]})), None)
    assert "sales only" in cu_text.segment_sentences(summ, has_users=False)[-1]


def test_segment_table_adds_what_to_do_per_group(table):
    summ = cu.segment_summary(cu.score_customers(table), 1)
    seg = cu_text.segment_table(summ)
    assert list(seg.columns) == list(summ.columns) + ["action"]
    assert seg.drop(columns="action").equals(summ)
    assert seg.set_index("segment").loc["Loyal", "action"] == (
        "Invite them to VIP previews and ask for referrals; they already trust the shop.")
    meaning, actions = cu_text.segment_advice(seg)
    assert meaning.startswith("Each group needs a different message; 0 customers with a strong history")
    assert actions == ["New (1): Send a welcome note with authenticity and care tips, and the live-show schedule.",
                       "Prospects (1): Convert with a first-purchase incentive and an invitation to a live show."]
    assert cu_text.segment_advice(summ) == (meaning, actions)


def test_every_group_has_an_action_and_the_rule_table_reads_as_before():
    assert set(cu_text.SEGMENT_ACTIONS) == set(rfm.SEGMENTS)
    assert set(rfm_text.SEGMENT_MEANINGS) == set(rfm.SEGMENTS) - {rfm.PROSPECTS}
    t = rfm_text.rule_table().set_index("segment")
    assert list(t.columns) == ["R", "(F+M)/2", "meaning", "action"]
    assert list(t.index) == list(rfm.SEGMENTS[:-1])
    assert t.loc["Champions"].tolist()[:3] == ["5", "4-5", "very recent, many occasions, the most spend"]
    assert t.loc["Loyal", "R"] == "3-4" and t.loc["Almost lost", "(F+M)/2"] == "1-2.5"
    assert t.loc["Dormant", "action"] == "Keep in the general newsletter only; do not spend on them."


# ------------------------------------------------------------------ churn risk and its action list


def test_churn_list_columns_email_and_actions(table, users):
    risk = cu.churn_risk(cu.score_customers(table), 90)
    lst = cu_text.churn_list(risk, users, cu.vip_threshold(table), "USD")  # 600
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


def test_churn_model_sentence_counts_repeat_buyers_only():
    # two repeat buyers (p_alive .8 and .3) and one one-time buyer (p_alive 1 by construction)
    risk = pd.DataFrame({"revenue": [300.0, 200.0, 100.0], "occasions": [3, 2, 1], "days_since": [100, 120, 95],
                         "p_alive": [0.8, 0.3, 1.0]})
    s = cu_text.churn_sentences(risk, 10, 90, 1000.0)
    assert s[1].startswith("Of the 2 repeat buyers among them, the BG/NBD model still rates 1 as more likely")
    # the one-time buyer's p_alive of 1 does not make them "likely still interested"
    assert cu_text.churn_actions(risk, vip_threshold=None).iloc[2].startswith("Win-back offer")


# ------------------------------------------------------------------ cohorts


def test_cohort_sentences_by_hand(occasions):
    t = cu.cohort_tables(occasions, END)
    # month-1 retention over the cohorts observed a month later (Jan 0, May 0, Jul 100, Aug 0): 25%
    assert cu_text.cohort_sentences(t)[0].startswith("On average 25.0% of a month's new customers buy again 1 month ")


def test_cohort_advice_reads_the_two_proportion_test():
    # four cohorts of 100: month-1 return 10%, 10% (earlier half) and 20%, 20% (recent half); p = 0.0051
    idx = ["2026-01", "2026-02", "2026-03", "2026-04"]
    ret = pd.DataFrame({0: [100.0] * 4, 1: [10.0, 10.0, 20.0, 20.0]}, index=idx)
    t = cu.CohortTables(ret, pd.Series([100] * 4, index=idx), ret, pd.DataFrame())
    meaning, _ = cu_text.cohort_advice(t)
    assert meaning == ("Newer customers come back in their second month more often than earlier ones "
                       "(20.0% against 10.0%; two-proportion z-test p = 0.005).")


# ------------------------------------------------------------------ value models


@pytest.fixture(scope="module")
def simulated():
    return simulated_shop()


def test_holdout_and_value_sentences_on_simulated_shop(simulated):
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=78 * 7)
    h = cu.holdout_check(simulated, end, holdout_days=182)
    assert "repeat purchase days" in cu_text.holdout_sentence(h)
    vm = cu.value_model(simulated, end)
    plain = cu_text.value_sentences(vm, 90, 12)
    with_check = cu_text.value_sentences(vm, 90, 12, holdout=h)
    assert with_check == plain + [cu_text.holdout_sentence(h)]
    assert plain[0].startswith("The purchase model expects ")


def test_value_sentences_on_too_few_customers_say_why(occasions):
    vm = cu.value_model(occasions, END)
    assert cu_text.value_sentences(vm, 90, 12)[0].startswith(
        "The customer-value models are not shown: too few customers for the BG/NBD model")


def test_parameter_table_says_what_each_parameter_describes():
    params = pd.DataFrame({"parameter": ["r", "alpha", "a", "b", "p", "q", "gamma"], "value": np.arange(7.0)})
    t = cu_text.parameter_table(params)
    assert list(t.columns) == ["parameter", "value", "what it describes"]
    assert t["what it describes"].tolist() == [
        "shape of how often customers buy", "scale of that (weeks)", "dropout after a purchase, shape",
        "dropout, second shape", "spend per purchase day, shape", "spread of spend between customers", "spend scale"]
    assert t["value"].tolist() == list(np.arange(7.0))
