"""Verdicts in words: one sentence per group with its evidence, the quiet groups named once, and the brand buying
recommendations with their effects (hand-built fixture of tests.analytics.test_verdicts)."""

import re

import pandas as pd
import pytest

from lib.analytics import verdicts
from lib.narrative import verdicts as verdicts_text
from tests.analytics.test_verdicts import PERIOD_END, verdict_fixture
from tests.e2e.test_page_scan import JARGON


@pytest.fixture()
def table():
    c, lc = verdict_fixture()
    return verdicts.verdict_table(c, lc, PERIOD_END, "brand_name")


def _row(table, group):
    return table[table["group"] == group].iloc[0]


def test_verdict_sentences(table):
    f = verdicts_text.verdict_sentence(_row(table, "F"))
    # profit per item: 50 +- 1.96 x 5.064 / sqrt(40) = 48.43 to 51.57
    assert f == ("Buy more F: higher margin, 50.0% (95% range 48.4% to 51.6%) against the shop's 30.0%; it sells "
                 "faster, median 10 days to sell (95% range 10 to 12 days) against the shop's 65 days; each item bought "
                 "earns a gross profit of $50 (95% range $48 to $52) against the shop's $30; too few sales in the last "
                 "six months to judge a trend.")
    s = verdicts_text.verdict_sentence(_row(table, "S"))
    assert s.startswith("Buy less S: lower margin, 10.0% (95% range 8.4% to 11.6%) against the shop's 30.0%; it sells "
                        "slower, median 100 days to sell (95% range 100 to 110 days)")
    n = verdicts_text.verdict_sentence(_row(table, "N"))
    assert n.startswith("No verdict for N: no clear difference from the shop in margin (30.0% (95% range 20.6% to 39.4%)")
    assert "median 63 days to sell (95% range 63 to 69 days) against the shop's 65 days" in n
    assert verdicts_text.verdict_sentence(_row(table, "T"), min_sales=20) == \
        "No verdict for T: 5 sales, fewer than the 20 a verdict needs."
    # a condition is named as its items; price verdicts lead with speed
    a = _row(table, "N").copy()
    a["dimension"], a["group"], a["verdict"], a["speed_vs_shop"] = "condition", "A", "price up", "faster"
    assert verdicts_text.verdict_sentence(a).startswith("Raise prices on condition A items: it sells faster, median 63")
    a["verdict"], a["speed_vs_shop"] = "mark down", "slower"
    assert verdicts_text.verdict_sentence(a).startswith("Mark down aged condition A items: it sells slower")


def test_keep_sentence_says_why_growth_holds_the_verdict_back():
    months = {"S": ["2026-01"] * 10 + ["2026-05"] * 30}
    t = verdicts.verdict_table(*verdict_fixture(months), PERIOD_END, "brand_name")
    s = verdicts_text.verdict_sentence(_row(t, "S"))
    assert s.startswith("Keep buying S as now: lower margin, 10.0%")
    assert s.endswith("but demand is rising, 30 sales in the last three months against 10 in the three before "
                      "(+200.0% revenue, a real rise).")
    assert not JARGON.search(s)
    # the p-value goes to the tests table of the method block: 10 of 40 sales before, binomial p = 0.0022
    tests = verdicts_text.verdict_tests(t).set_index("brand")
    assert tests.loc["S", ["sales_prev_3m", "sales_last_3m", "growth", "test"]].tolist() == [10, 30, "growing",
                                                                                             "p = 0.0022"]


def test_keep_sentence_when_items_earn_more_despite_a_lower_margin():
    c, lc = verdict_fixture()
    s_rows = c["brand_name"] == "S"
    c.loc[s_rows, ["revenue", "gross_profit"]] *= 10  # S sells for 1,000: margin still 10%, 100 profit per item
    t = verdicts.verdict_table(c, lc, PERIOD_END, "brand_name")
    s = verdicts_text.verdict_sentence(_row(t, "S"))
    assert s.startswith("Keep buying S as now: lower margin, 10.0%")
    # shop: 7,950 of gross profit over 145 items = $55; S: 100 +- 1.96 x 50.64 / sqrt(40)
    assert s.endswith("but each item bought earns more gross profit, $100 (95% range $84 to $116) against the "
                      "shop's $55.")


def test_verdict_lines_and_summary(table):
    lines = verdicts_text.verdict_lines(table)
    assert [x.split(":")[0] for x in lines] == ["Buy more F", "Buy less S", "No verdict for N and M",
                                                "No verdict for T"]
    assert lines[-1] == "No verdict for T: fewer than 20 sales each, too few to judge."
    assert verdicts_text.verdict_summary(table, "brand", "brands") == \
        "Verdicts for the 5 brands: buy more F; buy less S; no verdict for N, M and T."
    meaning, acts = verdicts_text.verdict_actions(table, "brands")
    assert acts == lines and "95% range leaves out the shop's value" in meaning
    assert not any(JARGON.search(x) for x in lines + [meaning])
    _, acts = verdicts_text.verdict_actions(table.assign(verdict="no verdict"), "brands")
    assert acts[0] == "None of the brands differs clearly from the shop: keep the current mix."
    view = verdicts_text.verdict_view(table)
    assert list(view.columns[:2]) == ["brand", "verdict"]


def test_buying_recommendations(table):
    c, lc = verdict_fixture()
    recs = verdicts_text.buying_recommendations(c, lc, PERIOD_END, "USD", buy_shift_pct=10.0)
    assert [r.action for r in recs] == ["Buy more F instead of average brands.",
                                        "Buy less S and put the money into average or better brands."]
    more = recs[0]
    assert (more.section, more.source) == ("Inventory", "brands")
    assert more.effect.gross_profit == pytest.approx(40.0) and more.expected_value == pytest.approx(40.0)
    assert more.expected_effect.startswith("About $40 more gross profit a month (80% range $")
    assert more.expected_effect.endswith("if 2 of the 20 items bought a month are these brands instead of average "
                                         "ones (10%, an assumption); unsold items count as earning nothing.")
    # F is clear on both axes and the range excludes zero -> high
    assert more.confidence == "high" and more.evidence.endswith(
        "Confidence high: every brand named differs clearly on margin and on speed, and the range excludes zero.")
    assert "Gross profit per item bought: $50 for these brands against $30 for the shop" in more.evidence
    assert not JARGON.search(more.evidence) and not JARGON.search(more.expected_effect)
    # the method behind it: the verdicts' tests and the bootstrap of the effect's range
    assert more.method.startswith("Margin: summed gross profit over summed revenue of each group's sales, with a 95% "
                                  "confidence interval by the delta method for a ratio, against the shop's 30.0%")
    assert more.method.endswith("The effect's 80% range: 2,000 bootstrap resamples of the items bought, drawn "
                                "jointly for the brands named and the shop.")
    capped = verdicts_text.buying_recommendations(c, lc, PERIOD_END, "USD", buy_shift_pct=100.0)[1]
    assert "(an assumption: 100% of the buying would be 20 items, held to the 7 a month these brands take now, all " \
           "of their buying)" in capped.expected_effect
    # the table passed in is used as is: without buy-more or buy-less verdicts there is nothing to recommend
    assert verdicts_text.buying_recommendations(c, lc, PERIOD_END, "USD", table=table.assign(verdict="keep")) == []


def test_pages_name_each_group_with_its_own_verb_only(table):
    """The sentences never put a verb in front of another group's name (the coherence scanner's rule)."""
    text = " ".join(verdicts_text.verdict_lines(table) + [verdicts_text.verdict_summary(table, "brand", "brands")])
    for verb, group in (("buy more", "S"), ("buy less", "F"), ("buy more", "N"), ("buy less", "N")):
        assert not re.search(rf"(?i)\b{verb}\b[^.:;]*\b{group}\b(?![a-z])", text.replace("no verdict for", "")), (verb, group)


def test_verdict_method_and_tests(table):
    how = verdicts_text.verdict_method(table)
    # shop: 30.0% margin, median 65 days over all 145 items; 20 sales a verdict, 10 a window for growth
    assert how[1] == ("Days to sell: Kaplan-Meier median from listing (else acquisition) to first sale, items still "
                      "unsold censored at the period end, with its 95% confidence interval, against the shop's median "
                      "of 65 days over all items.")
    assert how[2].endswith("only for groups with at least 20 sales.")
    assert "(groups with at least 10 sales in each window); p < 0.05 with revenue moving the same way" in how[3]
    assert verdicts_text.verdict_method(table.iloc[0:0]) == []
    # no group of the fixture has 10 sales in both windows: no test to show
    assert verdicts_text.verdict_tests(table).empty
    assert list(verdicts_text.verdict_tests(table).columns) == ["brand", "verdict", "sales_prev_3m", "sales_last_3m",
                                                                "growth_3m_pct", "growth", "test"]


def test_group_label():
    assert verdicts_text.group_label("S", "condition") == "condition S items"
    assert verdicts_text.group_label("Hermès", "brand") == "Hermès"
    assert verdicts_text.margin_clause(pd.Series({"margin_pct": float("nan")})) == "unknown (no cost basis)"
