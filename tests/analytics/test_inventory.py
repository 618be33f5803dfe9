"""Inventory: stock on hand, aging buckets at their boundaries, aged stock, price-vs-age and markdowns."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.analytics import inventory
from lib.data import derived
from tests.analytics.test_products import PERIOD, fixture_frames

__all__ = ["fixture_stock", "curve_sales", "stock_rows", "markdown_stock"]


def fixture_stock() -> pd.DataFrame:
    """Stock on hand at the end of PERIOD of the products fixture (p1 85 days, p4 29, p5 148)."""
    _, _, _, lc = fixture_frames()
    return inventory.stock_on_hand(lc, PERIOD.end)


@pytest.fixture()
def stock():
    return fixture_stock()


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


def curve_sales(n: int = 201, intercept: float = 0.9, slope: float = -0.001, category: str = "Bag") -> pd.DataFrame:
    """Sales on an exact line: ratio = 0.9 - 0.001 x days, days 0..200, list price 100."""
    d = np.arange(n, dtype=float)
    return pd.DataFrame({"sale_price": 100 * (intercept + slope * d), "list_price": 100.0,
                         "days_to_sell": d, "category": category})


def test_price_age_curve_recovers_exact_line():
    c = inventory.price_age_curve(curve_sales()).set_index("group")
    assert c.loc["__all__", "intercept"] == pytest.approx(0.9)
    assert c.loc["__all__", "slope_per_day"] == pytest.approx(-0.001)
    assert c.loc["__all__", "slope_pct_per_30d"] == pytest.approx(-3.0)
    # 99th percentile of 0..200 = 198
    assert c.loc["Bag", "days_p99"] == pytest.approx(198.0)
    # groups below min_n are dropped
    assert "Bag" not in inventory.price_age_curve(curve_sales(), min_n=500)["group"].tolist()


def stock_rows(rows: list[tuple]) -> pd.DataFrame:
    """Stock of Chanel bags in condition A from (product_id, days_listed, cost, list price) rows."""
    return pd.DataFrame([{"product_id": pid, "brand_name": "Chanel", "category": "Bag", "condition": "A",
                          "days_listed": d, "cost_basis": cost, "list_price": lp, "units_on_hand": 1,
                          "clock_start": pd.Timestamp("2025-01-01")} for pid, d, cost, lp in rows])


def markdown_stock(with_x6: bool = False) -> pd.DataFrame:
    """Five aged Chanel bags x1..x5 for the curve_sales() line; with_x6 also x6, listed exactly 90 days."""
    rows = [
        ("x1", 120, 50.0, 100.0),   # ratio 0.9 - 0.12 = 0.78 -> 22% -> rounded 20%; cost 50 ok
        ("x2", 120, 85.0, 100.0),   # 20% would sell at 80 < cost 85 -> capped at floor(15) = 15%
        ("x3", 300, 10.0, 100.0),   # age held at p99 = 198: ratio 0.702 -> 29.8% -> rounded 30%
        ("x4", 95, 120.0, 100.0),   # list already below cost -> 0%, reason says so
        ("x5", 95, 50.0, float("nan")),  # no list price -> no markdown
    ]
    if with_x6:
        rows.append(("x6", 90, 10.0, 100.0))  # exactly 90 days: not a candidate
    return stock_rows(rows)


def test_markdown_candidates_hand_values():
    sales = curve_sales()
    stock = markdown_stock(with_x6=True)
    m = inventory.markdown_candidates(stock, sales, aging_days=90).set_index("product_id")
    assert "x6" not in m.index
    assert m.loc["x1", "markdown_pct"] == 20
    assert m.loc["x2", "markdown_pct"] == 15 and m.loc["x2", "data_markdown_pct"] == 20
    assert m.loc["x3", "markdown_pct"] == 30
    assert m.loc["x4", "markdown_pct"] == 0
    assert np.isnan(m.loc["x5", "markdown_pct"])
    assert m["markdown_rule"].to_dict() == {"x3": "curve", "x1": "curve", "x2": "cost_floor",
                                            "x4": "list_below_cost", "x5": "no_list_price"}
    # every line read off the Bag curve (201 sales): 0.9 - 0.12 = 0.78 of list price at 120 days
    assert set(m["fit_group"]) == {"Bag"} and set(m["fit_n"]) == {201}
    assert m.loc["x1", "expected_price_ratio"] == pytest.approx(0.78)
    # oldest first
    assert m.index.tolist()[0] == "x3"


def test_markdown_candidates_without_a_line():
    # 20 sales (< min_n 30): no line, no markdown; another group's sales do not help
    m = inventory.markdown_candidates(stock_rows([("x1", 120, 50.0, 100.0)]), curve_sales(n=20))
    assert np.isnan(m.loc[0, "markdown_pct"]) and m.loc[0, "markdown_rule"] == "no_curve"
    assert pd.isna(m.loc[0, "fit_group"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(91, 600), st.floats(1, 5000), st.floats(1, 5000)),
                min_size=1, max_size=20),
       st.floats(0.5, 1.0), st.floats(-0.004, 0.001))
def test_markdown_never_below_cost(items, intercept, slope):
    sales = curve_sales(intercept=intercept, slope=slope)
    stock = stock_rows([(f"x{i}", d, cost, lp) for i, (d, cost, lp) in enumerate(items)])
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
    near = c.assign(sale_price=[91.0, 89.0] * 3 + [78.0, 82.0] * 3)  # old at 22% / 18% off: mean 20
    # sd = sqrt(6 x 4 / 5) = 2.191, se = 0.894, t(5) = 2.5706 -> 20 +- 2.30: spans 20
    n = inventory.markdown_belief_check(near)
    assert n["discount_old_low"] == pytest.approx(20 - 2.570582 * np.sqrt(24 / 5 / 6), rel=1e-5)
    assert inventory.markdown_belief_check(c.head(7)) is None  # only 1 old sale


def test_planted_markdown_slope_recovered(planted, sample_report):
    c = derived.completed_lines(sample_report.lines)
    curve = inventory.price_age_curve(c).set_index("group")
    # planted: -4 points of list price per 30 days; recovered within 1 point, clearly negative
    assert curve.loc["__all__", "slope_pct_per_30d"] == pytest.approx(planted["markdown_slope_pct_per_30_days"],
                                                                      abs=1.0)
    assert curve.loc["__all__", "slope_p_value"] < 0.001


def test_price_ratio_by_age_bins():
    # days 0..200 at 90% - 0.1 point a day: bin 0 holds days 0..14, mean of 90 - 0.1 x 7 = 89.3
    b = inventory.price_ratio_by_age(curve_sales())
    assert b.loc[0, "mean"] == pytest.approx(89.3) and b.loc[0, "size"] == 15
    assert b.index.max() == 195 and b["size"].sum() == 201
    assert inventory.price_ratio_by_age(curve_sales(), max_days=60).index.max() == 60


def test_aged_by_brand_falls_back_to_product(stock):
    assert inventory.aged_by_brand(stock, 90).columns[0] == "brand_name"
    assert inventory.aged_by_brand(stock.assign(brand_name=pd.NA), 90).columns[0] == "product_id"
