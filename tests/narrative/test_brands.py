"""Brands in words: top-3 share, the brand map and its verdicts, growth, profit per shelf day and actions, on hand
fixtures."""

import pandas as pd
import pytest

from lib.analytics import brands, verdicts
from lib.analytics.effects import Effect
from lib.analytics.recommendations import Recommendation
from lib.data.periods import period_from_label
from lib.narrative import brands as brands_text
from tests.analytics.test_brands import growth_sales, perf_table
from tests.analytics.test_products import fixture_frames
from tests.analytics.test_verdicts import PERIOD_END, verdict_fixture
from tests.e2e.test_page_scan import JARGON


@pytest.fixture()
def fx():
    _, _, completed, lc = fixture_frames()
    return completed, lc


def test_top3_sentence():
    c = pd.DataFrame({"brand_name": ["A", "A", "B", "C", "D"], "revenue": [40.0, 20.0, 20.0, 15.0, 5.0]})
    perf = pd.DataFrame({"brand": ["A", "B", "C", "D"], "revenue": [60.0, 20.0, 15.0, 5.0]})
    lo, hi = brands.top3_share_interval(c, perf)
    s = brands_text.top3_sentence(perf.assign(sales=1), (lo, hi))
    assert s.startswith("The top three brands (A, B, C) bring 95.0% of revenue")
    # the range stays in the sentence in plain words; its method (delta method) moves to the method block
    assert s == (f"The top three brands (A, B, C) bring 95.0% of revenue (95% range {lo:.1f}% to 100.0%), even more "
                 "than the 70% the common belief says.")
    assert not JARGON.search(s)
    assert brands_text.top3_method((lo, hi)) == [
        f"Top-three share of revenue: 95% confidence interval {lo:.1f}% to 100.0% by the delta method for a ratio "
        "of sums over the sales."]
    assert brands_text.top3_method((float("nan"), float("nan"))) == []
    s2 = brands_text.top3_sentence(perf.assign(sales=1), (40.0, 50.0))
    assert "well below the 70% the common belief says" in s2


def _verdicts():
    c, lc = verdict_fixture()
    return verdicts.verdict_table(c, lc, PERIOD_END, "brand_name")


def test_brand_map_sentence():
    sent = brands_text.brand_map_sentence(_verdicts())
    assert sent[0].startswith("The map compares each brand with the shop as a whole: its margin with the shop's "
                              "30.0% and its median days to sell with the shop's 65 days.")
    # F and S differ on both axes; N and M on neither; T has too few sales and is not counted
    assert sent[1].startswith("Of the 4 brands with enough sales, 2 differ clearly from the shop in margin and 2 in "
                              "speed;")
    assert brands_text.brand_map_sentence(_verdicts().iloc[0:0]) == ["No brand has sales to place on the map."]


def test_growth_sentence():
    g = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10)
    s = brands_text.growth_sentence(g, 10)
    # X: 30 to 60 sales; two-sided binomial test of 30 of 90 against 50/50: p = 0.0021, a real change
    assert s == ("Among brands with at least 10 sales in each of the two 3-month windows, X grew fastest: +100.0% "
                 "revenue in the last three months against the three before ($3,000 to $6,000; sales 30 to 60, a "
                 "real change).")
    assert not JARGON.search(s) and not JARGON.search(brands_text.volume_rule_sentence(10))
    tests = brands_text.growth_tests(g)
    assert tests.to_dict("list") == {"brand": ["X", "Y"], "sales_prev_3m": [30, 15], "sales_last_3m": [60, 15],
                                     "growth_3m_pct": [100.0, 0.0], "test": ["p = 0.0021", "p = 1"]}
    assert brands_text.growth_method(10)[0].startswith("Growth test: a two-sided exact binomial test per brand")
    assert "which may be chance, no clear difference" in brands_text.growth_sentence(g.assign(p_value=0.3), 10)


def test_shelf_day_findings_name_the_verdict(fx):
    completed, lc = fx
    t = brands.shelf_day_profit(completed, lc, "brand_name", min_sales=2)
    combo = brands.shelf_day_profit(completed, lc, ["brand_name", "condition"], min_sales=1)
    table = pd.DataFrame({"group": ["Chanel"], "verdict": ["keep"]})
    rec = brands_text.shelf_day_findings(t, combo, "brand_name", table)
    # Chanel: 640 / 208 = $3.08 per item-day; the average over eligible brands is the same single brand
    assert rec[0].startswith("Chanel earns $3.08 gross profit per item-day on the shelf")
    assert rec[0].endswith("not clearly above the $3.08 average; its verdict: keep.")
    assert not any(JARGON.search(r) for r in rec)
    assert "delta method for a ratio estimator" in brands_text.shelf_day_method()[0]
    assert "Best brand and condition: Chanel in condition S" in rec[-1]  # p1: 630/30 = 21/day
    assert brands_text.shelf_day_findings(t.assign(eligible=False), combo, "brand_name") == [
        "No brand has enough sold items to compare profit per shelf day."]


def test_buying_actions():
    eff = Effect(40.0, 10.0, 70.0, capped_by="buying")
    rec = Recommendation("Inventory", "Buy more F instead of average brands.", "About $40 more.", "e", "high",
                         "brands", effect=eff)
    meaning, acts = brands_text.buying_actions([rec])
    assert acts == ["Buy more F instead of average brands. About $40 more."]
    assert meaning.startswith("Buying budget earns most where gross profit per item bought is high")
    assert brands_text.buying_actions([])[1] == [
        "No brand has a verdict to buy more or less of it, so the buying mix can stay as it is."]


def test_performance_and_growth_actions():
    perf = perf_table().assign(unsold_cost=[100.0, 900.0, 0.0, 50.0], unsold_units=[1, 9, 0, 1])
    m = brands.top_brand_metrics(perf, min_sales=20)
    table = pd.DataFrame({"group": ["X", "Z"], "verdict": ["buy more", "keep"]})
    meaning, acts = brands_text.performance_actions(perf, m, table)
    assert meaning.startswith("Z brings the most revenue, X the best margin")
    # the margin leader is named with the verdict of the table, never one of its own
    assert acts[0] == "X has the best margin (30.0% on 25 sales); its verdict in the brand map section: buy more."
    assert acts[1] == ("X ties up the most money in unsold stock ($900, 9 units): count it before the next "
                       "buying trip.")
    assert acts[2] == "Treat Y with care: too few sales to judge."
    assert brands_text.performance_actions(perf, m)[1][0] == "X has the best margin (30.0% on 25 sales)."
    g = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10)
    _, acts = brands_text.growth_actions(g, pd.DataFrame({"group": ["X"], "verdict": ["keep"]}))
    # X grew with p = 0.002; Y flat with p = 1 -> only X is named, with its verdict
    assert acts == ["X: sales rose beyond chance (30 to 60 sales, +100.0% revenue); its verdict: keep."]
    _, acts = brands_text.growth_actions(g[g["brand"] == "Y"])
    assert acts == ["No brand's sales changed beyond chance: the verdicts rest on margin and speed alone."]


def test_top_brands_and_rule_sentences():
    perf = perf_table()
    m = brands.top_brand_metrics(perf, min_sales=20)
    assert brands_text.top_brands_sentences(perf, m, 20) == [
        "Z brings the most revenue and Z the most gross profit.",
        "Best margin among brands with at least 20 sales: X (30.0% on 25 sales)."]
    none = brands.top_brand_metrics(perf, min_sales=100)
    assert brands_text.top_brands_sentences(perf, none, 100)[1] == \
        "No brand has 100 sales yet, so no margin leader is named."
    assert brands_text.volume_rule_sentence(10).startswith(
        "Volume rule: a brand is ranked only with at least 10 completed sales in each of the two 3-month windows")
    assert "(brands with at least 20 sold items; brand and condition with at least 5)." in \
        brands_text.shelf_day_sentence(20, 5)
    assert brands_text.missing_tables_sentence(["brands"]) == \
        "The brand analyses need products, inventory and brands tables; missing: brands."
    assert brands_text.missing_tables_sentence([]).endswith("missing: completed sales.")
