"""Tests of lib.narrative.customers and lib.narrative.rfm: the sentences, actions and table texts about customers.

The five-customer fixture is the one of tests/analytics/test_customers.py (numbers computed by hand there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import customers as cu
from lib.analytics import rfm
from lib.analytics.clv import FitDiagnostic
from lib.analytics.effects import Effect
from lib.narrative import customers as cu_text
from lib.narrative import fmt
from lib.narrative import rfm as rfm_text
from lib.report.registry import ACTION_LISTS
from tests.analytics.test_customers import (
    five_customer_occasions,
    five_customer_users,
    occasions_frame,
    seven_customer_occasions,
    simulated_shop,
)
from tests.e2e.test_page_scan import JARGON

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
    # 2 repeat buyers ($400 mean) against 3 one-time buyers ($67): the resampled range lies above 1
    assert s[1].endswith(f"(95% range {ci.low:.1f} to {ci.high:.1f}), clearly more than one-time buyers.")
    assert ci.low > 1 and ci.resamples == 200
    how = cu_text.repeat_method(table, ci)
    assert how == [
        "The ratio is the average lifetime revenue of repeat buyers (2 or more purchase days) over that of one-time "
        "buyers. Its 95% range is a percentile bootstrap: 200 resamples, each drawing the 2 repeat buyers and the 3 "
        "one-time buyers again with replacement, each group on its own; the range holds the middle 95% of the "
        "resampled ratios, and a difference is called clear when the whole range lies above or below 1."]
    assert cu_text.repeat_method(table, cu.RatioInterval(None, None, None, 0.95, 0)) == []


def test_repeat_sentence_without_a_clear_difference_gives_no_verdict(table, occasions):
    ci = cu.RatioInterval(1.2, 0.8, 1.9, 0.95, 1000)
    s = cu_text.repeat_sentences(table, 40.0, ci, cu.purchase_gaps(occasions))
    assert s[1].endswith("(95% range 0.8 to 1.9), no clear difference from one-time buyers.")


# ------------------------------------------------------------------ RFM groups


def test_segment_sentences_by_hand(table, users):
    scored = cu.score_customers(table)
    pros = cu.prospects({"users": users}, table["buyer_id"], END)
    summ = cu.segment_summary(scored, len(pros))
    sent = cu_text.segment_sentences(summ, "USD")
    # current: A (30 days), C (90), E (0); lapsed: D (91, At risk), B (183, Dormant)
    assert sent[0] == ("3 of 5 customers (60%) bought within the last 90 days and are in the current groups; the "
                       "other 2 are in the lapsed groups (Can't lose, At risk, Almost lost, Dormant).")
    assert sent[1] == "The largest group is Loyal with 2 customers (40.0% of buyers)."
    assert sent[2] == "Loyal bring the most revenue: $800 (80.0% of all revenue) from 40.0% of customers."
    assert sent[-1] == "1 registered buyer never bought (Prospects)."
    assert len(sent) == 4  # nobody is in Can't lose at 90 days
    # at 89 days C (90 days away, $200, FM 4) is lapsed with a very strong history
    s89 = cu_text.segment_sentences(cu.segment_summary(cu.score_customers(table, 89), len(pros)), "USD",
                                    churn_days=89)
    assert s89[0].startswith("2 of 5 customers (40%) bought within the last 89 days")
    assert s89[3] == ("1 customer with a very strong history has not bought for more than 89 days (Can't lose, on "
                      "average 90 days away); together they have spent $200.")


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
    assert meaning == ("Each group needs a different message; 1 lapsed customer with a strong or moderate history "
                       "(Can't lose and At risk) is worth a win-back message.")
    assert actions == ["At risk (1): Win-back message with new arrivals in their brands and a time-limited perk.",
                       "New (1): Send a welcome note with authenticity and care tips, and the live-show schedule.",
                       "Prospects (1): Convert with a first-purchase incentive and an invitation to a live show."]
    assert cu_text.segment_advice(summ) == (meaning, actions)


def test_segment_method_says_how_the_groups_are_made():
    how = rfm_text.segment_method(60)
    assert how[0].startswith("The groups are RFM groups. A customer who bought within the last 60 days is current, "
                             "any other lapsed (the churn-risk rule).")
    assert "R for how recently, F for how many purchase days, M for how much spent (5 = top 20%" in how[0]
    assert "a group that sounds current never holds a lapsed customer" in how[1]
    assert rfm_text.RULE_TABLE_CAPTION.startswith("RFM rule table")


def test_every_group_has_an_action_and_the_rule_table_says_the_status():
    assert set(cu_text.SEGMENT_ACTIONS) == set(rfm.SEGMENTS)
    assert set(rfm_text.SEGMENT_MEANINGS) == set(rfm.SEGMENTS) - {rfm.PROSPECTS}
    t = rfm_text.rule_table().set_index("segment")
    assert list(t.columns) == ["last purchase", "R", "(F+M)/2", "meaning", "action"]
    assert list(t.index) == list(rfm.SEGMENTS[:-1])
    assert t.loc["Champions"].tolist()[:4] == ["within 90 days", "5", "4-5",
                                               "bought very recently, many purchase days, the most spend"]
    assert t.loc["Loyal", "R"] == "1-4" and t.loc["Almost lost", "(F+M)/2"] == "1-2"
    assert t.loc["Can't lose", "last purchase"] == "more than 90 days ago"
    assert rfm_text.rule_table(60).loc[0, "last purchase"] == "within 60 days"
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
    assert s[1] == ("Of the 2 repeat buyers among them, 1 is more likely still active than not (chance still active "
                    "50% or more); they are the cheapest to bring back. For one-time buyers there is no such "
                    "estimate, so time away is the only signal.")
    how = cu_text.churn_method(risk, 90)
    assert how[0] == "Churn risk is the days rule: no purchase for more than 90 days; 3 customers meet it."
    assert cu_text.churn_method(risk.iloc[:1], 60)[0].endswith("more than 60 days; 1 customer meets it.")
    assert how[1].startswith("The chance still active is the probability alive (p alive) of the BG/NBD purchase "
                             "model")
    assert "so it is not used for the 1 one-time buyer on the list" in how[1]
    assert cu_text.churn_method(risk.drop(columns="p_alive")) == []
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
                       "(20.0% against 10.0%, a clear difference).")
    assert cu_text.cohort_method(t) == [
        "Month-1 return is the share of a cohort buying again in the calendar month after its first purchase. The 2 "
        "earlier cohorts (10.0%, pooled) are compared with the 2 recent ones (20.0%) by a two-proportion z-test: "
        "two-sided p = 0.005; a change is claimed only below p = 0.05."]
    # 20 of 200 against 24 of 200 (p = 0.52): within chance, no verdict
    same = pd.DataFrame({0: [100.0] * 4, 1: [10.0, 10.0, 12.0, 12.0]}, index=idx)
    meaning2, _ = cu_text.cohort_advice(cu.CohortTables(same, pd.Series([100] * 4, index=idx), same, pd.DataFrame()))
    assert meaning2.endswith("(12.0% for the 2 recent cohorts against 10.0% for the 2 earlier ones; within chance: "
                             "no clear change).")
    assert cu_text.cohort_method(cu.CohortTables(ret.iloc[:3], pd.Series([100] * 3, index=idx[:3]), ret.iloc[:3],
                                                 pd.DataFrame())) == []


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
    how = cu_text.value_method(vm, 90, 12, 0.01, holdout=h)
    bg = vm.bg
    assert how[0].startswith(f"Purchase model: BG/NBD (beta-geometric/negative binomial, Fader, Hardie and Lee 2005), "
                             f"fitted by maximum likelihood on 4,000 customers ({bg.n_repeat:,} of them repeat buyers) "
                             f"with time in weeks: r = {bg.r:.3g}, alpha = {bg.alpha:.3g}, a = {bg.a:.3g}, "
                             f"b = {bg.b:.3g}.")
    # the spend model of this shop runs into a bound: its diagnostics follow, the 12-month values are not shown
    assert not vm.spend_usable
    assert how[1].startswith("Spend model: gamma-gamma on ") and how[1].endswith("; its fit is not used:")
    assert how[2:-1] == [cu_text.fit_diagnostic_sentence(d) for d in vm.diagnostics]
    assert how[-1] == (f"Holdout check: BG/NBD fitted again on the purchases up to 30 Dec 2024 (4,000 customers), its "
                       f"expected repeat purchase days in the 182 days after ({h.predicted_total:,.0f}) against the "
                       f"actual ones (3,670), by the repeat purchase days before the cut-off (the chart).")
    assert with_check[2].startswith("The 12-month values are not shown: fitted on 4,000 customers")
    assert "the fit did not settle on an answer; spend per purchase day hardly varies between customers" in with_check[2]


def test_value_sentences_on_too_few_customers_say_why(occasions):
    vm = cu.value_model(occasions, END)
    assert cu_text.value_sentences(vm, 90, 12) == [
        "The customer-value models are not shown: the purchase model (how often each customer buys, and whether "
        "they stopped): the data have 5 customers and the model needs at least 20; 2 customers bought again and "
        "the model needs at least 5. What would fix it: a longer history with more customers; more repeat buyers "
        "or a longer history."]
    how = cu_text.value_model_method(vm)
    assert how[0].startswith("The purchase model is BG/NBD, the spend model gamma-gamma (Fader, Hardie and Lee "
                             "2005), fitted by maximum likelihood on 5 customers (2 of them repeat buyers).")
    assert how[1:] == ["The purchase model (BG/NBD): the data have 5 customers and the model needs at least 20. What "
                       "would fix it: a longer history with more customers.",
                       "The purchase model (BG/NBD): 2 customers bought again and the model needs at least 5. What "
                       "would fix it: more repeat buyers or a longer history."]
    assert cu_text.value_method(vm, 90, 12, 0.01) == how
    meaning, actions = cu_text.value_advice(vm, None)
    assert actions[-1] == "Meanwhile use the customer groups and the churn list."


def regular_buyers(n: int = 60) -> pd.DataFrame:
    """``n`` customers who buy every 14 days from their first day (3 days apart) to 2025-12-31: the same
    purchase rate for everyone and no one ever stops."""
    rows = [(f"c{i:03d}", d, 100.0 + i, 1) for i in range(n)
            for d in pd.date_range(pd.Timestamp("2025-01-01") + pd.Timedelta(days=3 * i), "2025-12-31", freq="14D")]
    return occasions_frame(rows)


def test_a_fit_at_its_bound_is_reported_with_the_parameter_not_as_too_few_customers():
    vm = cu.value_model(regular_buyers(), pd.Timestamp("2025-12-31"))
    assert not vm.usable and vm.bg is not None and vm.bg.n_repeat == 60
    d = vm.diagnostics[0]
    # identical purchase rates: alpha (with r) runs to the largest value the optimiser allows
    assert (d.model, d.code, d.parameter, d.limit) == ("purchase", "at_upper_bound", "alpha", 1e6)
    assert d.value == pytest.approx(1e6, rel=1e-3)
    text = cu_text.value_sentences(vm, 90, 12)[0]
    assert text.startswith("The customer-value models are not shown: fitted on 60 customers (60 of them repeat "
                           "buyers), but the fit is not usable. The purchase model (how often each customer buys, and "
                           "whether they stopped): customers buy at almost the same rate as each other, so the spread "
                           "of purchase rates between them cannot be estimated; the data also do not pin down 3 of "
                           "its 4 fitted numbers.")
    assert "What would fix it: check for repeat purchases on a fixed schedule" in text
    assert "too few" not in text and "needs at least" not in text
    assert not JARGON.search(text) and "alpha" not in text
    # the other parameters (r, a, b) are loose; their names, values and standard errors are in the method block
    others = {d.parameter: d.code for d in vm.diagnostics[1:]}
    assert set(others) == {"r", "a", "b"} and set(others.values()) <= {"large_se", "undefined_se"}
    how = cu_text.value_model_method(vm)
    assert how[1] == cu_text.fit_diagnostic_sentence(vm.diagnostics[0])
    assert how[1].startswith("The purchase model (BG/NBD): alpha (scale of purchase rates) ran into its upper bound "
                             "(alpha = 1,000,000, the largest value the fit allows)")
    assert len(how) == 5 and all("standard error" in h for h in how[2:])


@pytest.mark.parametrize(("d", "words"), [
    (FitDiagnostic("purchase", "at_lower_bound", "a", 1e-6, 1e-6, 3.0),
     "The purchase model (BG/NBD): a (dropout shape) ran into its lower bound (a = 0.000001, the smallest value "
     "the fit allows): there is no sign that customers stop buying"),
    (FitDiagnostic("spend", "at_upper_bound", "q", 1e6, 1e6, 9.0),
     "The spend model (gamma-gamma): q (spread of spend between customers) ran into its upper bound (q = "
     "1,000,000, the largest value the fit allows): spend per purchase day hardly varies between customers. What "
     "would fix it: use the plain average spend per purchase day"),
    (FitDiagnostic("purchase", "undefined_se", "b", 2.5, 1.0, float("inf")),
     "The purchase model (BG/NBD): b (second dropout shape) = 2.5 is not pinned down by the data: its standard "
     "error cannot be computed"),
    (FitDiagnostic("purchase", "large_se", "r", 0.4, 1.0, 1.5),
     "The purchase model (BG/NBD): r (shape of purchase rates) = 0.4 is known only within a factor of 4 "
     "(standard error of its log 1.5, the limit is 1)"),
    (FitDiagnostic("spend", "infinite_mean_spend", "q", 0.8, 1.0),
     "The spend model (gamma-gamma): q = 0.80, at most 1: the fitted spread of spend has no finite average"),
])
def test_fit_diagnostic_sentences_name_the_parameter_and_its_numbers(d, words):
    assert cu_text.fit_diagnostic_sentence(d).startswith(words)


def test_parameter_table_says_what_each_parameter_describes():
    params = pd.DataFrame({"parameter": ["r", "alpha", "a", "b", "p", "q", "gamma"], "value": np.arange(7.0)})
    t = cu_text.parameter_table(params)
    assert list(t.columns) == ["parameter", "value", "what it describes"]
    assert t["what it describes"].tolist() == [
        "shape of how often customers buy", "scale of that (weeks)", "dropout after a purchase, shape",
        "dropout, second shape", "spend per purchase day, shape", "spread of spend between customers", "spend scale"]
    assert t["value"].tolist() == list(np.arange(7.0))


# ------------------------------------------------------------------ win-back recommendations


def test_win_back_recommendations_by_hand():
    occ = seven_customer_occasions()
    recs, table = cu_text.win_back_recommendations(occ, END, None, "USD", churn_days=90)
    # lists (tests/analytics/test_customers.py): VIPs T and U, Almost lost V; rates at the last 12 month ends
    assert [r.action for r in recs] == [
        "Win back the 2 churn-risk VIPs: personal message from the owner with hand-picked new arrivals.",
        "Win back the 1 'Almost lost' customer: one re-engagement e-mail with the best new arrivals; stop if no "
        "reply."]
    vip = recs[0]
    assert (vip.section, vip.source, vip.confidence) == ("Marketing", "customers", "low")
    assert vip.effect.one_off and vip.expected_value == vip.effect.gross_profit
    assert vip.expected_effect.startswith("About $")
    assert "once, in the next month" in vip.expected_effect
    assert "is an assumption, and what it adds on top is not measured" in vip.expected_effect
    assert "gross profit per purchase day on average" in vip.evidence
    # the measured base rates (tests/analytics/test_customers.py): 1 of 8, 0 of 13 and 1 of 13 pairs
    assert "12.5% after 90-180 days (5 customers), 0.0% after 180-365 days (3 customers)" in vip.evidence
    assert not JARGON.search(vip.evidence) and not JARGON.search(vip.action)
    assert vip.method.startswith("Base rates: at each of the last 12 month ends, every customer away more than 90 "
                                 "days is put in a bin")
    assert ("(90-180 days: 1 of 8 customer-month-end pairs, 5 distinct customers; 180-365 days: 0 of 13 "
            "customer-month-end pairs, 3 distinct customers; 365+ days: 1 of 13 customer-month-end pairs, 2 distinct "
            "customers)") in vip.method
    assert "The 80% range draws each bin's rate from Beta(k + 1/2, n - k + 1/2)" in vip.method
    assert list(table.columns) == [*cu.WIN_BACK_COLUMNS, "message"]
    assert table["message"].tolist()[0] == cu_text.VIP_WIN_BACK_MESSAGE
    # the groups on the list are the customers page's: scored with the same churn_days
    scored = cu.score_customers(cu.customer_table(occ, END), 90)
    assert table.set_index("buyer_id")["segment"].to_dict() == scored.set_index("buyer_id").loc[
        table["buyer_id"], "segment"].astype(str).to_dict()
    # the effect of the VIP list: sum of the rates at each customer's recency x own gross profit per purchase day
    assert vip.effect.gross_profit == pytest.approx((table["p_buy_30d"] * table["gross_profit_per_occasion"])[
        table["list"] == cu.WIN_BACK_VIP_LIST].sum(), rel=1e-3)


def test_win_back_recommendations_take_the_pages_scored_customers():
    occ = seven_customer_occasions()
    recs, table = cu_text.win_back_recommendations(occ, END, None, "USD", churn_days=90)
    # the customers page hands over its scored table (with the model's columns): same lists, same effects
    scored = cu.score_customers(cu.customer_table(occ, END), 90).assign(p_alive=0.5)
    recs2, table2 = cu_text.win_back_recommendations(occ, END, None, "USD", churn_days=90, scored=scored)
    pd.testing.assert_frame_equal(table, table2)
    assert [r.effect for r in recs] == [r.effect for r in recs2] and len(recs) == 2
    # a different scoring shows: with every customer in one group nobody is on a group list, only the VIPs
    one = scored.assign(segment=pd.Categorical(["Champions"] * len(scored), categories=list(rfm.SEGMENTS)))
    _, table3 = cu_text.win_back_recommendations(occ, END, None, "USD", churn_days=90, scored=one)
    assert set(table3["list"]) == {cu.WIN_BACK_VIP_LIST}


def test_win_back_recommendations_say_which_gross_profit_and_skip_without_costs():
    occ = seven_customer_occasions().drop(columns="gross_profit")
    recs, table = cu_text.win_back_recommendations(occ, END, None, "USD", margin=0.25)
    assert "gross profit (the shop's 25.0% margin x revenue) per purchase day" in recs[0].evidence
    none, table2 = cu_text.win_back_recommendations(occ, END, None, "USD")
    assert none == [] and len(table2) == 3  # the list is still written, without an effect
    assert cu_text.win_back_recommendations(occ.iloc[:0], END, None, "USD") == ([], None)


def test_win_back_recommendations_count_the_group_beside_the_vip_list():
    e = cu.WinBackEffect("At risk", 394, 400, 353.0, 989_806.0, 452.4, 0.019, 0.073, 13.7,
                         Effect(6009.0, 5252.0, 7063.0, one_off=True, revenue=22_754.0))
    rates = pd.DataFrame({"lo": [90.0], "hi": [np.inf], "cutoffs": [12], "observations": [10], "customers": [5],
                          "buyers": [1], "rate": [0.1]})
    r = cu_text.win_back_recommendation(e, "Win-back message.", rates, "USD")
    assert r.expected_effect.startswith("About $6,009 more gross profit once, in the next month (80% range $5,252 "
                                        "to $7,063), on about $22,754 of sales. Counted as about 13.7 of the 394 "
                                        "buying once more within 30 days")
    assert "(1.9% to 7.3%)" in r.expected_effect
    assert r.evidence.startswith("The 394 'At risk' customers (of the 400 in the group; the other 6 are on the VIP "
                                 "list) have not bought for more than 90 days (median 353 days)")
    assert "10.0% after 90+ days (5 customers)" in r.evidence and r.confidence == "medium"


# ------------------------------------------------------------------ plain words first, method on demand


def test_main_sentences_hold_no_method_words_and_the_method_blocks_do(simulated):
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=78 * 7)
    scored = cu.score_customers(cu.customer_table(simulated, end))
    vm = cu.value_model(simulated, end)
    scored = scored.join(vm.summary[["p_alive", "expected_90d", "clv_12m"]], on="buyer_id")
    ratio = cu.bootstrap_ltv_ratio(scored, resamples=200)
    at_risk = cu.churn_risk(scored, 90)
    h = cu.holdout_check(simulated, end, holdout_days=182)
    cohorts = cu.cohort_tables(simulated, end)  # one cohort only: the four below test the month-1 comparison
    idx = ["2026-01", "2026-02", "2026-03", "2026-04"]
    ret = pd.DataFrame({0: [100.0] * 4, 1: [10.0, 10.0, 20.0, 20.0]}, index=idx)
    four = cu.CohortTables(ret, pd.Series([100] * 4, index=idx), ret, pd.DataFrame())
    seg = cu_text.segment_table(cu.segment_summary(scored, None))
    gaps = cu.purchase_gaps(simulated)
    unusable = cu.value_model(regular_buyers(), pd.Timestamp("2025-12-31"))
    main = [*cu_text.repeat_sentences(scored, cu.repeat_rate_pct(scored), ratio, gaps),
            *cu_text.segment_sentences(seg, has_users=False),
            *cu_text.churn_sentences(at_risk, len(scored), 90, float(scored["revenue"].sum())),
            *cu_text.cohort_sentences(cohorts), cu_text.cohort_advice(four)[0],
            *cu_text.value_sentences(vm, 90, 12, holdout=h), cu_text.value_advice(vm, h)[0],
            *cu_text.value_sentences(unusable, 90, 12), *cu_text.value_advice(unusable, None)[1],
            cu_text.segment_advice(seg)[0], cu_text.churn_advice(at_risk, 90)[0]]
    assert len(at_risk) > 0 and len(main) > 15
    for sentence in main:
        assert not JARGON.search(sentence), sentence
    how = [*cu_text.repeat_method(scored, ratio), *rfm_text.segment_method(), *cu_text.churn_method(at_risk),
           *cu_text.cohort_method(four), *cu_text.value_method(vm, 90, 12, 0.01, holdout=h)]
    found = {m.group(0).lower() for x in how for m in JARGON.finditer(x)}
    assert {"bootstrap", "rfm", "bg/nbd", "p alive", "z-test", "gamma-gamma"} <= found
