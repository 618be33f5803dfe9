"""Brands in words: top-3 share, the brand map, growth, buying recommendations and actions, on hand fixtures."""

import pandas as pd
import pytest

from lib.analytics import brands
from lib.data.periods import period_from_label
from lib.narrative import brands as brands_text
from tests.analytics.test_brands import growth_sales, perf_table
from tests.analytics.test_products import fixture_frames


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
    s2 = brands_text.top3_sentence(perf.assign(sales=1), (40.0, 50.0))
    assert "well below the 70% the common belief says" in s2


def test_brand_map_sentence_and_actions():
    q = brands.brand_quadrants(perf_table(), margin_split=25.0, days_split=30.0)
    sent = brands_text.brand_map_sentence(q, q.attrs["margin_split"], q.attrs["days_split"])
    assert "Buy more: Y (speed about average; few sales)." in sent and "Price up: Z." in sent
    meaning, acts = brands_text.map_actions(q)
    # Y has few sales -> no action, kept "as now"
    assert acts == ["Raise prices on Z.", "Mark down aged X (margin about average).", "Buy less W.",
                    "Keep buying Y as now: their margin and speed are within chance of the average "
                    "(or they have few sales)."]


def test_growth_sentence():
    g = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10)
    s = brands_text.growth_sentence(g, 10)
    assert "X grew fastest: +100.0%" in s and "binomial test p = 0.0021, a real change" in s


def test_buying_recommendations(fx):
    completed, lc = fx
    t = brands.shelf_day_profit(completed, lc, "brand_name", min_sales=2)
    combo = brands.shelf_day_profit(completed, lc, ["brand_name", "condition"], min_sales=1)
    rec = brands_text.buying_recommendations(t, combo, "brand_name")
    assert rec[0].startswith("Buy more Chanel: $3.08 gross profit per item-day")
    assert "Best brand and condition: Chanel in condition S" in rec[-1]  # p1: 630/30 = 21/day
    meaning, acts = brands_text.buying_actions(rec)
    assert acts == rec and meaning.startswith("Buying budget earns most where profit per day on the shelf is high")


def test_performance_and_growth_actions():
    perf = perf_table().assign(unsold_cost=[100.0, 900.0, 0.0, 50.0], unsold_units=[1, 9, 0, 1])
    m = brands.top_brand_metrics(perf, min_sales=20)
    meaning, acts = brands_text.performance_actions(perf, m)
    assert meaning.startswith("Z brings the most revenue, X the best margin")
    assert acts[0] == "Source more X: 30.0% margin on 25 sales."
    assert acts[1].startswith("X ties up the most money in unsold stock ($900, 9 units)")
    assert acts[2] == "Treat Y with care: too few sales to judge."
    g = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10)
    _, acts = brands_text.growth_actions(g)
    # X grew with p = 0.002; Y flat with p = 1 -> only X is named
    assert acts == ["Source more X: sales grew beyond chance."]


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
