"""Brands from sales and products alone (no inventory.csv, no brands.csv): numbers and words, costs left null."""

import pandas as pd
import pytest

from lib.analytics import brands
from lib.data import derived
from lib.narrative import brands as brands_text
from tests.analytics.test_products import fixture_tables


def _completed() -> pd.DataFrame:
    t = {k: v for k, v in fixture_tables().items() if k in ("sales", "products")}
    return derived.completed_lines(derived.sale_lines(t))


def test_brand_performance_without_inventory_keeps_costs_null():
    # completed: s1 p1 b1 1800 (2 units), s2 p2 b1 350 (1 unit), s3 p3 b2 150 (1 unit)
    perf = brands.brand_performance(_completed(), None, min_sales=2)
    assert perf["brand"].tolist() == ["b1", "b2"]
    assert perf["revenue"].tolist() == [2150.0, 150.0] and perf["units"].tolist() == [3, 1]
    assert perf["sales"].tolist() == [2, 1] and perf["uncertain"].tolist() == [False, True]
    for c in ["gross_profit", "margin_pct", "items", "km_median_days", "unsold_units", "unsold_cost", "margin_low"]:
        assert perf[c].isna().all(), c
    m = brands.top_brand_metrics(perf, min_sales=2)
    assert m == {"top_brand_by_revenue": "b1", "top_brand_by_gross_profit": None, "top_brand_by_margin": None,
                 "top3_brand_revenue_share_pct": pytest.approx(100.0)}
    # the same columns, in the same order, as with a lifecycle
    t = fixture_tables()
    lines = derived.sale_lines(t)
    lc = derived.product_lifecycle(t, lines, pd.Timestamp("2026-03-31"))
    assert list(perf.columns) == list(brands.brand_performance(derived.completed_lines(lines), lc, 2).columns)


def test_brand_sentences_without_costs():
    perf = brands.brand_performance(_completed(), None, min_sales=2)
    m = brands.top_brand_metrics(perf, min_sales=2)
    assert brands_text.top_brands_sentences(perf, m, 2) == ["b1 brings the most revenue (93.5%) and sells the most "
                                                            "units (3 units)."]
    meaning, acts = brands_text.performance_actions(perf, m)
    assert meaning == "b1 brings the most revenue; which brand earns the most profit is not known without unit costs."
    assert acts == ["b1 brings 93.5% of revenue from 3 units; whether it also earns the most needs unit costs "
                    "(inventory.csv).", "Treat b2 with care: too few sales to judge."]
    assert brands_text.brand_ids_sentence("brand_id") == \
        "Brands are shown by their brand_id: the data has no brands.csv with their names."
    assert brands_text.brand_ids_sentence("brand_name") == ""
    assert brands_text.needs_sentence(False).startswith("The brand analyses need products.csv")
    growth = pd.DataFrame({"brand": ["b1"], "eligible": [True], "growth_3m_pct": [5.0], "p_value": [0.6],
                           "sales_prev_3m": [20], "sales_last_3m": [21]})
    meaning, acts = brands_text.growth_actions(growth, None, with_verdicts=False)
    assert "verdict" not in meaning and acts == ["No brand's sales changed beyond chance: keep the buying mix as it is."]
