"""Inventory: stock on hand, aging buckets at their boundaries, aged stock, price-vs-age and markdowns."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.analytics import inventory
from lib.data import derived
from tests.analytics.test_products import PERIOD, fixture_frames

__all__ = ["fixture_stock", "curve_sales", "stock_rows", "markdown_stock", "aged_shop"]


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
    assert a["aged_items"] == 1
    assert a["aged_units_share_pct"] == pytest.approx(25.0)
    assert a["aged_cost_share_pct"] == pytest.approx(300 / 1460 * 100)
    # aging_days=85: p1 at exactly 85 days is NOT more than 85 -> still only p5
    assert inventory.aged_inventory(stock, 85)["aged_inventory_units"] == 1
    # aging_days=84: p1 (2 units) and p5 -> 3 units of 2 items
    assert inventory.aged_inventory(stock, 84)["aged_inventory_units"] == 3
    assert inventory.aged_inventory(stock, 84)["aged_items"] == 2
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
    # no fees or shipping in these sales: break-even is the cost itself
    assert m["break_even_price"].to_dict() == pytest.approx({"x3": 10.0, "x1": 50.0, "x2": 85.0, "x4": 120.0,
                                                             "x5": 50.0})
    assert set(m["sale_channel"]) == {inventory.SHOP_CHANNEL}
    assert m["markdown_rule"].to_dict() == {"x3": "curve", "x1": "curve", "x2": "break_even_floor",
                                            "x4": "list_below_break_even", "x5": "no_list_price"}
    # x2 would fetch 80 at its age, below its break-even of 85: flagged; x4's list price is already below
    assert m["below_break_even"].to_dict() == {"x3": False, "x1": False, "x2": True, "x4": True, "x5": False}
    assert m.loc["x2", "price_at_age"] == pytest.approx(80.0) and m.loc["x2", "suggested_price"] == pytest.approx(85.0)
    assert np.isnan(m.loc["x1", "p_sell_30d"])  # no lifecycle given: no sale chance
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
       st.floats(0.5, 1.0), st.floats(-0.004, 0.001), st.floats(0.0, 0.3), st.floats(0.0, 50.0))
def test_markdown_never_below_break_even(items, intercept, slope, fee_share, shipping):
    sales = curve_sales(intercept=intercept, slope=slope).assign(channel="whatnot", quantity=1)
    sales = sales.assign(fees=sales["sale_price"] * fee_share, shipping_cost=shipping)
    stock = stock_rows([(f"x{i}", d, cost, lp) for i, (d, cost, lp) in enumerate(items)])
    m = inventory.markdown_candidates(stock, sales, aging_days=90)
    be = (m["unit_cost"] + shipping) / (1 - fee_share)
    assert m["break_even_price"].to_numpy() == pytest.approx(be.to_numpy(), abs=0.011)
    ok = m["list_price"] >= m["break_even_price"]
    price = m["list_price"] * (1 - m["markdown_pct"] / 100)
    assert (price[ok] >= m.loc[ok, "break_even_price"] - 1e-9).all()
    assert (m.loc[ok, "suggested_price"] >= m.loc[ok, "break_even_price"]).all()
    assert ((m["markdown_pct"] >= 0) & (m["markdown_pct"] <= inventory.MAX_MARKDOWN_PCT)).all()
    assert (m.loc[~ok, "markdown_pct"] == 0).all() and m.loc[~ok, "below_break_even"].all()
    # every price below break-even is flagged
    assert not ((m["suggested_price"] < m["break_even_price"]) & ~m["below_break_even"]).any()


def fee_sales() -> pd.DataFrame:
    """Sales on three channels: whatnot 2 of 3 Bag sales and every Shoes sale; Coach Wallets only on website."""
    rows = [("whatnot", "Bag", "Chanel", 100.0, 10.0, 20.0, 1), ("whatnot", "Bag", "Chanel", 300.0, 30.0, 20.0, 2),
            ("poshmark", "Bag", "Gucci", 200.0, 40.0, 10.0, 1), ("whatnot", "Shoes", "Gucci", 100.0, 10.0, 10.0, 1),
            ("website", "Wallet", "Coach", 50.0, 1.5, 5.0, 1)]
    t = pd.DataFrame(rows, columns=["channel", "category", "brand_name", "sale_price", "fees", "shipping_cost",
                                    "quantity"])
    return t.assign(revenue=t["sale_price"] * t["quantity"])


def test_channel_costs_hand_values():
    c = inventory.channel_costs(fee_sales())
    # whatnot: fees 10+30+10 = 50 of revenue 100+600+100 = 800 -> 6.25%; shipping 20+20+10 = 50 over 4 units
    assert c.loc["whatnot", "fee_share"] == pytest.approx(50 / 800)
    assert c.loc["whatnot", "shipping_per_unit"] == pytest.approx(12.5)
    assert c.loc["poshmark", "fee_share"] == pytest.approx(0.2)
    # the shop: fees 91.5 of revenue 1,050; shipping 65 over 6 units
    assert c.loc[inventory.SHOP_CHANNEL, "fee_share"] == pytest.approx(91.5 / 1050)
    assert c.loc[inventory.SHOP_CHANNEL, "shipping_per_unit"] == pytest.approx(65 / 6)
    assert c.loc["whatnot", "sales"] == 3 and c.loc[inventory.SHOP_CHANNEL, "sales"] == 5


def test_sale_channels_group_then_brand_then_shop():
    stock = pd.DataFrame({"category": ["Bag", "Clothing", "Clothing", "Shoes"],
                          "brand_name": ["Gucci", "Coach", "Hermès", "Gucci"]})
    ch = inventory.sale_channels(stock, fee_sales(), "category", min_n=1)
    # Bag mostly whatnot (2 of 3); no Clothing sales -> the brand: Coach on website; Hermès unknown -> shop
    assert ch["sale_channel"].tolist() == ["whatnot", "website", inventory.SHOP_CHANNEL, "whatnot"]
    assert ch["channel_basis"].tolist() == ["group", "brand", "shop", "group"]
    assert ch["fee_share"].iloc[1] == pytest.approx(0.03)
    # with min_n = 2 Shoes (1 sale) falls back to Gucci: whatnot 1, poshmark 1 -> tie, first by name: poshmark
    ch2 = inventory.sale_channels(stock, fee_sales(), "category", min_n=2)
    assert ch2["sale_channel"].tolist()[3] == "poshmark" and ch2["channel_basis"].tolist()[3] == "brand"


def test_break_even_prices_hand_values():
    # (100 + 20) / 0.8 = 150; (85 + 16) / 0.92 = 109.7826 -> 109.79 (rounded up to the cent); fees of 100%: never
    be = inventory.break_even_prices([100.0, 85.0, 10.0], [0.2, 0.08, 1.0], [20.0, 16.0, 0.0])
    assert be[:2].tolist() == pytest.approx([150.0, 109.79])
    assert np.isinf(be[2])


def aged_shop() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Completed sales, lifecycle and period end of a Bag shop: two sales a day after 0..200 days on whatnot at
    0.9 - 0.001 x days of a 100 list price (fees 10%, shipping 5), and three unsold Bags listed 120, 150 and
    300 days (costs 50, 70, 40)."""
    end = pd.Timestamp("2026-10-31")
    d = np.repeat(np.arange(201, dtype=float), 2)
    price = 100 * (0.9 - 0.001 * d)
    sold = pd.DataFrame({"product_id": [f"s{i}" for i in range(len(d))], "sale_price": price, "list_price": 100.0,
                         "days_to_sell": d, "category": "Bag", "brand_name": "Chanel", "channel": "whatnot",
                         "quantity": 1, "fees": price * 0.1, "shipping_cost": 5.0, "revenue": price})
    unsold = pd.DataFrame({"product_id": ["u120", "u150", "u300"], "duration_days": [120.0, 150.0, 300.0],
                           "cost_basis": [50.0, 70.0, 40.0]})
    lc = pd.concat([pd.DataFrame({"product_id": sold["product_id"], "duration_days": d, "sold": True,
                                  "units_on_hand": 0, "cost_basis": 30.0}),
                    unsold.assign(sold=False, units_on_hand=1)], ignore_index=True)
    lc = lc.assign(clock_start=end - pd.to_timedelta(lc["duration_days"], unit="D"), category="Bag",
                   brand_name="Chanel", condition="A", list_price=100.0)
    return sold, lc, end


def test_sale_chance_at_each_items_own_age():
    sold, lc, end = aged_shop()
    m = inventory.markdown_candidates(inventory.stock_on_hand(lc, end), sold, 90, lifecycle=lc).set_index("product_id")
    # KM over 405 items: 2 sales a day at 0..200, censored at 120, 150, 300. Between 121 and 150 the risk set is
    # 2 x (201 - t) + 2, so S(150) / S(120) = prod (201 - t) / (202 - t) = 51 / 81 -> p = 30 / 81
    assert m.loc["u120", "p_sell_30d"] == pytest.approx(30 / 81)
    # between 151 and 180: 403 - 2t at risk, 2 sales -> S(180) / S(150) = 41 / 101 -> p = 60 / 101
    assert m.loc["u150", "p_sell_30d"] == pytest.approx(60 / 101)
    # 300 days lies beyond the tail (the last time with 30 at risk is 186): read at 156 -> 29 / 89 -> p = 60 / 89
    assert m.loc["u300", "p_sell_30d"] == pytest.approx(60 / 89)
    assert m["p_held"].to_dict() == {"u300": True, "u150": False, "u120": False}
    assert set(m["p_group"]) == {"Bag"}
    # with fewer than min_n items in the group, the curve of all items is read (same items here)
    pooled = inventory.sale_chance(lc, m.reset_index(), "category", min_n=1000)
    assert pooled["p_group"].isna().all()
    assert pooled["p_sell_30d"].tolist() == pytest.approx(m["p_sell_30d"].tolist())


def test_break_even_floor_and_loss_on_the_aged_shop():
    sold, lc, end = aged_shop()
    m = inventory.markdown_candidates(inventory.stock_on_hand(lc, end), sold, 90, lifecycle=lc).set_index("product_id")
    # whatnot: fees 10%, shipping 5 -> break-even (cost + 5) / 0.9
    assert m["break_even_price"].to_dict() == pytest.approx({"u300": 50.0, "u150": 83.34, "u120": 61.12})
    # u120: 0.78 of list -> 20% off -> 80, above break-even 61.12: the line's markdown applies
    assert m.loc["u120", "markdown_rule"] == "curve" and m.loc["u120", "suggested_price"] == pytest.approx(80.0)
    assert not m.loc["u120", "below_break_even"]
    # u150: 25% off -> 75 < 83.34: capped at floor(16.66) = 16% -> 84.00, flagged
    assert m.loc["u150", "markdown_rule"] == "break_even_floor" and m.loc["u150", "markdown_pct"] == 16
    assert m.loc["u150", "suggested_price"] == pytest.approx(84.0) and m.loc["u150", "below_break_even"]
    # u300: age held at the 99th percentile (198) -> 0.702 -> 30% off -> 70, above 50
    assert m.loc["u300", "suggested_price"] == pytest.approx(70.0) and not m.loc["u300", "below_break_even"]
    loss = inventory.loss_sales(m)
    # u150 at 75: 75 x 0.9 - 5 = 62.50 of cash against a cost of 70
    assert loss == {"items": 1, "units": 1, "cash": pytest.approx(62.5), "cost": pytest.approx(70.0)}
    e = inventory.markdown_sale_effect(m)
    # 30/81 x (72 - 5 - 50) + 60/101 x (75.6 - 5 - 70) + 60/89 x (63 - 5 - 40)
    assert e.gross_profit == pytest.approx(30 / 81 * 17 + 60 / 101 * 0.6 + 60 / 89 * 18)
    assert e.revenue == pytest.approx(30 / 81 * 80 + 60 / 101 * 84 + 60 / 89 * 70)


def test_markdown_sale_effect_three_items():
    # margins 100 - 10 - 20 - 60 = 10, 200 - 20 - 20 - 140 = 20, 100 - 10 - 20 - 30 = 40, each sells with p 0.5;
    # a fourth item has no markdown and does not count
    m = pd.DataFrame({"markdown_pct": [20.0, 20.0, 20.0, 0.0], "suggested_price": [100.0, 200.0, 100.0, 500.0],
                      "unit_cost": [60.0, 140.0, 30.0, 10.0], "fee_share": 0.1, "shipping_per_unit": 20.0,
                      "units_on_hand": 1, "p_sell_30d": 0.5})
    e = inventory.markdown_sale_effect(m)
    assert e.gross_profit == pytest.approx(0.5 * (10 + 20 + 40))
    assert e.revenue == pytest.approx(0.5 * 400)
    # the 8 outcomes 0, 10, ..., 70 each have chance 1/8: the 10th percentile is 0 (P(0) = 0.125 > 0.1) and the
    # 90th is 70 (P(< 70) = 0.875 < 0.9)
    assert (e.low, e.high) == (0.0, 70.0)
    assert e.one_off and e.capped_by == "stock"
    assert inventory.markdown_sale_effect(m.assign(markdown_pct=0.0)) is None


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
