"""Inventory: stock on hand, aging buckets at their boundaries, aged stock, price-vs-age and markdowns."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.analytics import inventory
from lib.data import derived
from lib.narrative import inventory as inventory_text
from tests.analytics.test_products import PERIOD, fixture_tables


@pytest.fixture()
def stock():
    t = fixture_tables()
    lines = derived.sale_lines(t)
    lc = derived.product_lifecycle(t, lines, PERIOD.end)
    return inventory.stock_on_hand(lc, PERIOD.end)


def test_stock_on_hand_fixture(stock):
    s = stock.set_index("product_id")
    # p1: Jan 5 -> Mar 31 = 85 days, 2 units left at cost basis 550 -> 1,100
    # p4: Mar 2 -> Mar 31 = 29 days, cost 60; p5: Nov 3 2025 -> Mar 31 = 148 days, cost 300
    assert s["days_listed"].to_dict() == {"p1": 85, "p4": 29, "p5": 148}
    assert s["stock_cost"].to_dict() == pytest.approx({"p1": 1100.0, "p4": 60.0, "p5": 300.0})
    assert s.loc["p1", "units_on_hand"] == 2


def test_aged_inventory_fixture(stock):
    a = inventory.aged_inventory(stock, 90)
    # only p5 (148 days) is over 90: 1 unit, cost 300; shares 1/4 units and 300/1460 cost
    assert a["aged_inventory_units"] == 1 and a["aged_inventory_cost"] == pytest.approx(300.0)
    assert a["aged_units_share_pct"] == pytest.approx(25.0)
    assert a["aged_cost_share_pct"] == pytest.approx(300 / 1460 * 100)
    # aging_days=85: p1 at exactly 85 days is NOT more than 85 -> still only p5
    assert inventory.aged_inventory(stock, 85)["aged_inventory_units"] == 1
    assert inventory.aged_inventory(stock, 84)["aged_inventory_units"] == 3
    with pytest.raises(ValueError, match="aging_days"):
        inventory.aged_inventory(stock, -1)


def test_aging_buckets_boundaries():
    days = [0, 30, 31, 60, 61, 90, 91, 400]
    s = pd.DataFrame({"product_id": [f"p{i}" for i in range(8)], "days_listed": days,
                      "units_on_hand": [1] * 8, "stock_cost": [10.0, 20, 30, 40, 50, 60, 70, 80]})
    b = inventory.aging_buckets(s).set_index("bucket")
    # 0,30 -> 0-30 ; 31,60 -> 31-60 ; 61,90 -> 61-90 ; 91,400 -> over 90
    assert b["units"].tolist() == [2, 2, 2, 2]
    assert b["cost"].tolist() == [30.0, 70.0, 110.0, 150.0]
    assert list(b.index) == ["0-30", "31-60", "61-90", "over 90"]
    assert b["cost_share_pct"].sum() == pytest.approx(100.0)
    # the 90+ bucket is exactly the aged stock of aging_days=90 (strictly greater)
    assert inventory.aged_inventory(s, 90)["aged_inventory_units"] == b.loc["over 90", "units"]


def test_aged_by_brand(stock):
    t = inventory.aged_by(stock, "brand_name", 90).set_index("brand_name")
    # Chanel: p1 (85 days, not aged) + p5 (aged, 300); Coach: p4 (29 days)
    assert t.loc["Chanel", "aged_cost"] == pytest.approx(300.0)
    assert t.loc["Chanel", "aged_share_pct"] == pytest.approx(100 / 3)
    assert t.loc["Coach", "aged_units"] == 0


def _curve_sales(n=201, intercept=0.9, slope=-0.001, category="Bag"):
    # exact line: ratio = 0.9 - 0.001 x days, days 0..200, list price 100
    d = np.arange(n, dtype=float)
    return pd.DataFrame({"sale_price": 100 * (intercept + slope * d), "list_price": 100.0,
                         "days_to_sell": d, "category": category})


def test_price_age_curve_recovers_exact_line():
    c = inventory.price_age_curve(_curve_sales()).set_index("group")
    assert c.loc["__all__", "intercept"] == pytest.approx(0.9)
    assert c.loc["__all__", "slope_per_day"] == pytest.approx(-0.001)
    assert c.loc["__all__", "slope_pct_per_30d"] == pytest.approx(-3.0)
    # 99th percentile of 0..200 = 198
    assert c.loc["Bag", "days_p99"] == pytest.approx(198.0)
    # groups below min_n are dropped
    assert "Bag" not in inventory.price_age_curve(_curve_sales(), min_n=500)["group"].tolist()


def _stock_rows(rows):
    return pd.DataFrame([{"product_id": pid, "brand_name": "Chanel", "category": "Bag", "condition": "A",
                          "days_listed": d, "cost_basis": cost, "list_price": lp, "units_on_hand": 1,
                          "clock_start": pd.Timestamp("2025-01-01")} for pid, d, cost, lp in rows])


def test_markdown_candidates_hand_values():
    sales = _curve_sales()
    stock = _stock_rows([
        ("x1", 120, 50.0, 100.0),   # ratio 0.9 - 0.12 = 0.78 -> 22% -> rounded 20%; cost 50 ok
        ("x2", 120, 85.0, 100.0),   # 20% would sell at 80 < cost 85 -> capped at floor(15) = 15%
        ("x3", 300, 10.0, 100.0),   # age held at p99 = 198: ratio 0.702 -> 29.8% -> rounded 30%
        ("x4", 95, 120.0, 100.0),   # list already below cost -> 0%, reason says so
        ("x5", 95, 50.0, float("nan")),  # no list price -> no markdown
        ("x6", 90, 10.0, 100.0),    # exactly 90 days: not a candidate
    ])
    m = inventory.markdown_candidates(stock, sales, aging_days=90).set_index("product_id")
    assert "x6" not in m.index
    assert m.loc["x1", "markdown_pct"] == 20
    assert m.loc["x2", "markdown_pct"] == 15 and "capped at 15%" in m.loc["x2", "reason"]
    assert m.loc["x3", "markdown_pct"] == 30
    assert m.loc["x4", "markdown_pct"] == 0 and "already below the cost" in m.loc["x4", "reason"]
    assert np.isnan(m.loc["x5", "markdown_pct"]) and "no list price" in m.loc["x5", "reason"]
    assert "Bag items that sold at that age fetched 78% of list price" in m.loc["x1", "reason"]
    # oldest first
    assert m.index.tolist()[0] == "x3"


def test_markdown_candidates_fixed_columns():
    from lib.report.registry import ACTION_LISTS
    m = inventory.markdown_candidates(_stock_rows([("x1", 120, 50.0, 100.0)]), _curve_sales())
    assert tuple(m.columns[:len(ACTION_LISTS["markdown_candidates"])]) == ACTION_LISTS["markdown_candidates"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(91, 600), st.floats(1, 5000), st.floats(1, 5000)),
                min_size=1, max_size=20),
       st.floats(0.5, 1.0), st.floats(-0.004, 0.001))
def test_markdown_never_below_cost(items, intercept, slope):
    sales = _curve_sales(intercept=intercept, slope=slope)
    stock = _stock_rows([(f"x{i}", d, cost, lp) for i, (d, cost, lp) in enumerate(items)])
    m = inventory.markdown_candidates(stock, sales, aging_days=90)
    ok = m["list_price"] >= m["unit_cost"]
    price = m["list_price"] * (1 - m["markdown_pct"] / 100)
    assert (price[ok] >= m.loc[ok, "unit_cost"] - 1e-9).all()
    assert ((m["markdown_pct"] >= 0) & (m["markdown_pct"] <= inventory.MAX_MARKDOWN_PCT)).all()
    assert (m.loc[~ok, "markdown_pct"] == 0).all()


def test_markdown_belief_check_hand_values():
    # 6 fresh sales (<= 30 days) at 9% / 11% off (mean 10%), 6 old (> 90 days) at 14% / 16% off
    # (mean 15%) -> extra 5 points
    d = [5, 10, 15, 20, 25, 30, 100, 110, 120, 130, 140, 150]
    price = [91.0, 89.0] * 3 + [86.0, 84.0] * 3
    c = pd.DataFrame({"sale_price": price, "list_price": 100.0, "days_to_sell": d})
    r = inventory.markdown_belief_check(c)
    assert r["discount_fresh_pct"] == pytest.approx(10.0)
    assert r["discount_old_pct"] == pytest.approx(15.0)
    assert r["extra_pct"] == pytest.approx(5.0)
    assert r["extra_low"] < 5.0 < r["extra_high"] < 20.0
    # old discounts 14,16,14,16,14,16: mean 15, sd 1.0954, se 0.44721, t(5) 2.5706 -> 15 +- 1.1496
    assert r["discount_old_low"] == pytest.approx(15 - 2.570582 * 0.447214, rel=1e-5)
    s = inventory_text.markdown_belief_sentence(r)
    assert "went for 15.0% below list price on average (95% CI 13.9% to 16.1%, 6 sales): less than the 20%" in s
    assert "so waiting cost 5.0 extra points" in s
    near = c.assign(sale_price=[91.0, 89.0] * 3 + [78.0, 82.0] * 3)  # old at 22% / 18% off: mean 20
    # sd = sqrt(6 x 4 / 5) = 2.191, se = 0.894, t(5) = 2.5706 -> 20 +- 2.30: spans 20, not within 2 points
    assert "consistent with the common belief of 20% off" in \
        inventory_text.markdown_belief_sentence(inventory.markdown_belief_check(near))
    # a narrow interval 20.6 to 21.2 sits within 2 points of 20: practically the belief
    narrow = dict(r, discount_old_pct=20.9, discount_old_low=20.6, discount_old_high=21.2)
    assert "practically the 20% off the common belief says" in inventory_text.markdown_belief_sentence(narrow)
    assert inventory.markdown_belief_check(c.head(7)) is None  # only 1 old sale


def test_planted_markdown_slope_recovered(planted, sample_report):
    c = derived.completed_lines(sample_report.lines)
    curve = inventory.price_age_curve(c).set_index("group")
    # planted: -4 points of list price per 30 days; recovered within 1 point, clearly negative
    assert curve.loc["__all__", "slope_pct_per_30d"] == pytest.approx(planted["markdown_slope_pct_per_30_days"],
                                                                      abs=1.0)
    assert curve.loc["__all__", "slope_p_value"] < 0.001


def test_aging_and_markdown_actions(stock):
    aged = inventory.aged_inventory(stock, 90)
    by_brand = inventory.aged_by(stock, "brand_name", 90)
    meaning, acts = inventory_text.aging_actions(aged, by_brand, 90)
    # 300 of 1,460 at cost = 20.5%
    assert meaning.startswith("$300 (20.5% of stock at cost) has waited more than 90 days")
    assert acts[1] == "Pause buying Chanel until its 1 aged units ($300) move."
    sent = inventory_text.aging_sentence(aged, 90, by_brand)
    assert sent.startswith("1 of 4 units on hand (25.0%) were listed more than 90 days ago; they cost $300")
    cands = inventory.markdown_candidates(_stock_rows([("x1", 120, 50.0, 100.0), ("x5", 95, 50.0, float("nan"))]),
                                          _curve_sales())
    _, acts = inventory_text.markdown_actions(cands, None)
    assert acts == ["Apply the markdowns in markdown_candidates.csv, oldest first (median 20% off).",
                    "Set a list price on the 1 aged items that have none."]
