"""The owner's sentences of the Overview report (lib.narrative.overview) on the hand-computed KPI fixture."""

import pandas as pd

from lib.analytics import kpis
from lib.data import derived
from lib.data.periods import period_from_label
from lib.narrative import overview as overview_text
from tests.analytics.test_kpis import kpi_tables

OCT = period_from_label("2026-10")


def test_growth_sentence_without_the_month_before():
    k = kpis.period_kpis(derived.sale_lines(kpi_tables()), period_from_label("2026-09"))
    assert "no revenue in the month before" in overview_text.growth_sentence(k)


def test_growth_sentence_and_kpi_comparison():
    lines = derived.sale_lines(kpi_tables())
    k, prev = kpis.period_kpis(lines, OCT), kpis.period_kpis(lines, OCT.previous)
    assert overview_text.growth_sentence(k, "EUR") == (
        "Revenue this month was €420, up 320.0% on the month before (€100), from 4 orders bought by 3 "
        "customers, 2 of them new.")
    t = overview_text.kpi_comparison(k, prev).set_index("metric")
    assert t.loc["Revenue"].tolist() == ["$420", "$100", "+320.0%"]
    # September: 100 - 50 - 10 - 5 = 35 of 100 -> 35.0%; October 37.1%
    assert t.loc["Gross margin", "change"] == "+2.1 pts"


def test_margin_sentence():
    lines = derived.sale_lines(kpi_tables())
    k, prev = kpis.period_kpis(lines, OCT), kpis.period_kpis(lines, OCT.previous)
    assert overview_text.margin_sentence(k, prev) == (
        "Gross margin after cost, fees and shipping was 37.1% against 35.0% the month before.")
    assert overview_text.margin_sentence(k, dict(prev, gross_margin_pct_period=None)) == (
        "Gross margin after cost, fees and shipping was 37.1%.")
    assert overview_text.margin_sentence(dict(k, gross_margin_pct_period=None), prev) == (
        "Gross margin cannot be computed: the data has no inventory costs.")


def test_growth_actions():
    meaning, acts = overview_text.growth_actions({"revenue_growth_pct": 320.0})
    assert meaning.startswith("The month grew against the month before")
    assert acts[0] == "Check the sales-timing report for which days and shows drove the change."
    meaning, acts = overview_text.growth_actions({"revenue_growth_pct": -5.0})
    assert meaning.startswith("The month shrank") and acts[0].startswith("Look at the customers report")
    # no month before to compare with: treated as growth, as before
    assert overview_text.growth_actions({"revenue_growth_pct": None})[0].startswith("The month grew")


def test_channel_sentence():
    ch = kpis.channel_revenue(derived.sale_lines(kpi_tables()), OCT)
    text = overview_text.channel_sentence(ch)
    # 240, 100 and 80 of 420
    assert text == ("whatnot brought 57% of the month's revenue ($240), instagram 24% ($100) and website 19% ($80); "
                    "the biggest change was whatnot (+$140 against the month before)."), text


def test_trend_sentences_call_a_seasonal_drop_seasonal():
    trend = pd.DataFrame({"month": ["2025-09", "2025-10", "2026-09", "2026-10"],
                          "revenue": [100.0, 80.0, 150.0, 120.0]})
    sentences, action = overview_text.trend_sentences(trend, period_from_label("2026-10"))
    assert sentences[0] == "The best month so far was 2026-09 with $150."
    assert "there are not yet 24 months" in sentences[1]
    # 120 against 80 a year ago: +50.0%, while down on September
    assert "this month is +50.0%" in sentences[2]
    assert action.startswith("The drop against 2026-09 is seasonal")


def test_channel_action_names_the_biggest_mover():
    ch = pd.DataFrame({"channel": ["whatnot", "website"], "revenue": [500.0, 100.0],
                       "revenue_prev": [400.0, 300.0], "share_pct": [83.3, 16.7]})
    assert overview_text.channel_action(ch) == ("Find out why website fell by $200: fewer or weaker shows and "
                                           "listings show up in the sales-timing report.")


def test_quality_sentence_counts_rows_read_once():
    q = pd.DataFrame({"table": ["sales", "sales", "sales", "users"],
                      "action": ["read", "read", "repaired", "read"],
                      "reason": ["rows read from sales.csv", "date_sold: offsets converted", "money symbols", "rows read from users.csv"],
                      "rows": [10, 4, 2, 5]})
    assert overview_text.quality_sentence(q).startswith("15 rows were read; 2 cells were repaired")


def test_quality_actions_count_repaired_and_defaulted_cells():
    q = pd.DataFrame({"table": ["sales", "sales", "users"], "action": ["read", "repaired", "defaulted"],
                      "reason": ["rows read from sales.csv", "money symbols", "blank channel"], "rows": [10, 1200, 3]})
    meaning, acts = overview_text.quality_actions(q)
    assert meaning.startswith("Repairs are automatic fixes")
    assert acts == ["Ask whoever exports the data to fix the 1,203 repaired or defaulted cells at the source."]
    nothing = ["Nothing to fix: the export meets the data contract as it is."]
    assert overview_text.quality_actions(q.iloc[:1])[1] == nothing
    assert overview_text.quality_actions(q.iloc[:0])[1] == nothing


def test_overview_sentences_hold_no_method_word():
    from tests.e2e.test_page_scan import JARGON

    lines = derived.sale_lines(kpi_tables())
    k, prev = kpis.period_kpis(lines, OCT), kpis.period_kpis(lines, OCT.previous)
    ch = kpis.channel_revenue(lines, OCT)
    texts = [overview_text.growth_sentence(k), overview_text.margin_sentence(k, prev),
             *overview_text.returns_sentences(k, kpis.returns_summary(lines, OCT)),
             overview_text.channel_sentence(ch), overview_text.channel_action(ch),
             *overview_text.trend_sentences(kpis.monthly_trend(lines, OCT), OCT)[0]]
    assert len(texts) >= 6 and not [t for t in texts if JARGON.search(t)]
    assert overview_text.CHANNEL_TITLES == {"revenue_prev": "Revenue, month before", "share_pct": "Share of revenue %"}
