"""Products: cost basis, profit, top sellers, days to sell and sell-through on a hand-computed fixture."""


import pandas as pd
import pytest

from lib.analytics import products
from lib.data import derived
from lib.data.periods import period_from_label

__all__ = ["PERIOD", "fixture_tables", "fixture_frames"]

PERIOD = period_from_label("2026-03")  # 2026-03-01 .. 2026-03-31


def _ts(x):
    return pd.Timestamp(x)


def fixture_tables() -> dict[str, pd.DataFrame]:
    """Two brands, five products, six lots, four sales (one refunded). Hand values in the tests."""
    s = "string"
    brands = pd.DataFrame({"brand_id": pd.array(["b1", "b2"], dtype=s),
                           "brand_name": pd.array(["Chanel", "Coach"], dtype=s)})
    products_ = pd.DataFrame({
        "product_id": pd.array(["p1", "p2", "p3", "p4", "p5"], dtype=s),
        "brand_id": pd.array(["b1", "b1", "b2", "b2", "b1"], dtype=s),
        "product_name": pd.array(["Flap", "Card case", "Tote", "Coin purse", "Boy bag"], dtype=s),
        "category": pd.array(["Bag", "Wallet", "Bag", "Wallet", "Bag"], dtype=s),
        "condition": pd.array(["S", "A", "B", "S", "A"], dtype=s),
        "list_price": [1000.0, 400.0, 200.0, 100.0, 500.0]})
    inventory = pd.DataFrame({
        "inventory_id": pd.array(["i1", "i2", "i3", "i4", "i5", "i6"], dtype=s),
        "product_id": pd.array(["p1", "p1", "p2", "p3", "p4", "p5"], dtype=s),
        "date_acquired": pd.to_datetime(["2026-01-01", "2026-01-10", "2026-02-01", "2026-01-15",
                                         "2026-03-01", "2025-11-01"]),
        "unit_cost": [400.0, 600.0, 300.0, 130.0, 60.0, 300.0],
        "quantity": [1, 3, 1, 1, 1, 1],
        "date_listed": pd.to_datetime(["2026-01-05", None, "2026-02-08", None, "2026-03-02", "2025-11-03"])})
    sales = pd.DataFrame({
        "sale_id": pd.array(["s1", "s2", "s3", "s4"], dtype=s),
        "product_id": pd.array(["p1", "p2", "p3", "p4"], dtype=s),
        "buyer_id": pd.array(["u1", "u2", "u1", "u2"], dtype=s),
        "date_sold": pd.to_datetime(["2026-02-04 10:00", "2026-03-10 20:00", "2026-03-20 21:30",
                                     "2026-03-25 19:00"]),
        "sale_price": [900.0, 350.0, 150.0, 90.0], "quantity": [2, 1, 1, 1],
        "channel": pd.array(["whatnot", "website", "poshmark", "website"], dtype=s),
        "seller_id": pd.array([None] * 4, dtype=s), "show_id": pd.array([None] * 4, dtype=s),
        "fees": [50.0, 30.0, 20.0, 5.0], "shipping_cost": [20.0, 10.0, 15.0, 8.0],
        "status": pd.array(["completed", "completed", "completed", "refunded"], dtype=s)})
    return {"brands": brands, "products": products_, "inventory": inventory, "sales": sales}


def fixture_frames() -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The fixture's tables, sale lines, completed lines and product lifecycle at the end of PERIOD."""
    t = fixture_tables()
    lines = derived.sale_lines(t)
    completed = derived.completed_lines(lines)
    lc = derived.product_lifecycle(t, lines, PERIOD.end)
    return t, lines, completed, lc


@pytest.fixture()
def fx():
    return fixture_frames()


def test_weighted_cost_basis_two_lots(fx):
    t, *_ = fx
    cb = derived.cost_basis(t["inventory"]).set_index("product_id")
    # p1: 1 unit at 400 + 3 units at 600 -> (400 + 1800) / 4 = 550; clock starts at the earliest listing
    assert cb.loc["p1", "cost_basis"] == pytest.approx(550.0)
    assert cb.loc["p1", "units_acquired"] == 4
    assert cb.loc["p1", "clock_start"] == _ts("2026-01-05")
    # p3: no date_listed -> clock starts at date_acquired
    assert cb.loc["p3", "clock_start"] == _ts("2026-01-15")


def test_item_profit_with_fees_and_shipping(fx):
    _, _, completed, _ = fx
    items = products.item_profit(completed).set_index("sale_id")
    # s1: 2 x 900 = 1800 - 2 x 550 - 50 fees - 20 shipping = 630; margin 630/1800 = 35%
    assert items.loc["s1", "gross_profit"] == pytest.approx(630.0)
    assert items.loc["s1", "margin_pct"] == pytest.approx(35.0)
    # s2: 350 - 300 - 30 - 10 = 10; s3: 150 - 130 - 20 - 15 = -15 (loss only through fees + shipping)
    assert items.loc["s2", "gross_profit"] == pytest.approx(10.0)
    assert items.loc["s3", "gross_profit"] == pytest.approx(-15.0)
    assert "s4" not in items.index  # refunded
    losses = products.loss_makers(items.reset_index())
    assert losses["sale_id"].tolist() == ["s3"]


def test_sales_by_category_and_top_category(fx):
    _, _, completed, _ = fx
    t = products.sales_by(completed, "category").set_index("category")
    # Bag: s1 1800 + s3 150 = 1950 revenue, 3 units, gp 630 - 15 = 615, margin 615/1950 = 31.538%
    assert t.loc["Bag", "revenue"] == pytest.approx(1950.0)
    assert t.loc["Bag", "units"] == 3
    assert t.loc["Bag", "gross_profit"] == pytest.approx(615.0)
    assert t.loc["Bag", "margin_pct"] == pytest.approx(615 / 1950 * 100)
    # share: 1950 / (1950 + 350) = 84.78%
    assert t.loc["Bag", "revenue_share_pct"] == pytest.approx(1950 / 2300 * 100)
    assert t.loc["Wallet", "margin_pct"] == pytest.approx(10 / 350 * 100)
    assert products.top_category_by_revenue(completed) == "Bag"
    assert products.top_category_by_margin(completed, min_sales=1) == "Bag"
    assert products.top_category_by_margin(completed, min_sales=3) is None  # Bag has 2 sales, Wallet 1


def test_top_category_by_margin_respects_min_sales(fx):
    _, _, completed, _ = fx
    # Only Wallet (1 sale, 2.9%) and Bag (2 sales, 31.5%): with min 2 Bag is the only qualifier
    assert products.top_category_by_margin(completed, min_sales=2) == "Bag"
    # make Wallet the higher margin: drop s1 -> Bag margin -15/150 = -10% < Wallet 2.9%
    c = completed[completed["sale_id"] != "s1"]
    assert products.top_category_by_margin(c, min_sales=1) == "Wallet"


def test_top_products_by_units_and_revenue(fx):
    _, _, completed, _ = fx
    assert products.top_products(completed, "revenue", 2)["product_id"].tolist() == ["p1", "p2"]
    assert products.top_products(completed, "units", 1)["units"].tolist() == [2]
    named = products.top_products(completed, "revenue", 2, catalog=fixture_tables()["products"])
    assert named["product_name"].tolist() == ["Flap", "Card case"]
    with pytest.raises(ValueError, match="by must be"):
        products.top_products(completed, "profit")


def test_lifecycle_and_days_to_sell(fx):
    _, _, _, lc = fx
    lc = lc.set_index("product_id")
    # p1 listed Jan 5, first sale Feb 4 -> 30 days; p2 Feb 8 -> Mar 10 = 30; p3 Jan 15 -> Mar 20 = 64
    # p4 (refunded sale) unsold: Mar 2 -> Mar 31 = 29 censored; p5 Nov 3 -> Mar 31 = 148 censored
    assert lc["duration_days"].to_dict() == {"p1": 30, "p2": 30, "p3": 64, "p4": 29, "p5": 148}
    assert lc["sold"].to_dict() == {"p1": True, "p2": True, "p3": True, "p4": False, "p5": False}
    assert lc.loc["p1", "units_on_hand"] == 2


def test_days_to_sell_table_and_metrics(fx):
    _, _, _, lc = fx
    t = products.days_to_sell_table(lc).set_index("condition")
    # All: t=29 n=5 d=0; t=30 n=4 d=2 -> S = 1/2 -> KM median 30. Naive median of sold (30,30,64) = 30.
    assert t.loc["All", "km_median"] == 30
    assert t.loc["All", "naive_median_sold"] == 30
    # S: p1 sold 30, p4 censored 29 -> t=29 censored, t=30 n=1 d=1 -> S=0 -> 30
    # A: p2 sold 30, p5 censored 148 -> S(30) = 1/2 -> 30 ; B: p3 sold 64 -> 64
    m = products.days_to_sell_metrics(t.reset_index())
    assert m == {"median_days_to_sell": 30, "median_days_to_sell_S": 30, "median_days_to_sell_A": 30,
                 "median_days_to_sell_B": 64}
    assert list(t.index) == ["All", "S", "A", "B"]


def test_sell_through_rate_period(fx):
    _, _, completed, lc = fx
    # March: s2 + s3 = 2 units sold (s4 refunded); on hand at Mar 31: p1 2 + p4 1 + p5 1 = 4 -> 2/6
    assert products.sell_through_rate_pct_period(completed, lc, PERIOD) == pytest.approx(100 * 2 / 6)
    # February (end Feb 28): p4 not yet listed; sold s1 = 2 units; on hand p1 2 + p2 1 + p3 1 + p5 1 = 5
    feb = period_from_label("2026-02")
    lc_feb = derived.product_lifecycle(fx[0], fx[1], feb.end)
    assert products.sell_through_rate_pct_period(completed, lc_feb, feb) == pytest.approx(100 * 2 / 7)
    # nothing sold and nothing on hand: undefined
    assert products.sell_through_rate_pct_period(completed.iloc[0:0], lc.iloc[0:0], PERIOD) is None
    # the counts behind the rate: 2 units sold in March, 4 on hand at Mar 31
    assert products.units_sold_period(completed, PERIOD) == 2 and products.units_on_hand(lc) == 4


def test_condition_logrank_on_fixture(fx):
    _, _, _, lc = fx
    r = products.condition_logrank(lc)
    assert r is not None and r["df"] == 2 and 0 <= r["p_value"] <= 1


def test_planted_slowest_condition_and_top_category_recovered(planted, sample_report):
    ds, p, lines = sample_report.ds, sample_report.period, sample_report.lines
    lc = derived.product_lifecycle(ds.tables, lines, p.end)
    m = products.days_to_sell_metrics(products.days_to_sell_table(lc))
    by = {c: m[f"median_days_to_sell_{c}"] for c in products.CONDITIONS}
    known = {k: v for k, v in by.items() if v is not None}
    assert max(known, key=known.get) == planted["slowest_condition"]
    assert min(known, key=known.get) == planted["fastest_condition"]
    assert products.condition_logrank(lc)["p_value"] < 0.001
    completed = derived.completed_lines(lines)
    assert products.top_category_by_revenue(completed) == planted["top_category_by_revenue"]


def test_margin_difference_test_and_sentence():
    # two categories of 5 items: margins 10..14 vs 30..34 -> Kruskal-Wallis H = 6.818, p = 0.0090
    items = pd.DataFrame({"category": ["Bag"] * 5 + ["Wallet"] * 5,
                          "margin_pct": [10.0, 11, 12, 13, 14, 30, 31, 32, 33, 34]})
    r = products.margin_difference_test(items)
    # H = 12/(10*11) * (15^2/5 + 40^2/5) - 3*11 = 0.10909 * 365 - 33 = 6.8182
    assert r["statistic"] == pytest.approx(12 / 110 * (225 / 5 + 1600 / 5) - 33)
    assert r["p_value"] == pytest.approx(0.009023, rel=1e-3)
    assert products.margin_difference_test(items.head(7)) is None  # Wallet has 2 < 5 items


def test_sales_by_known_drops_unknown_keys(fx):
    _, _, completed, _ = fx
    c = completed.assign(category=completed["category"].where(completed["sale_id"] != "s3"))
    t = products.sales_by_known(c, "category").set_index("category")
    # s3 (Bag, 150) loses its category: Bag keeps s1 only, 1800 revenue; no missing-category row
    assert t["revenue"].to_dict() == pytest.approx({"Bag": 1800.0, "Wallet": 350.0})
    both = products.sales_by_known(completed, ["category", "condition"])
    assert len(both) == 3 and both["revenue"].sum() == pytest.approx(2300.0)


def test_top_sellers_from_sales_and_products_alone():
    """Without inventory.csv and brands.csv: revenue and units by category, condition and brand id; every
    metric that needs unit costs is null, never zero (issue 18, point 5)."""
    t = {k: v for k, v in fixture_tables().items() if k in ("sales", "products")}
    completed = derived.completed_lines(derived.sale_lines(t))
    assert "gross_profit" not in completed.columns and products.brand_column(completed) == "brand_id"
    # completed: s1 p1 Bag S b1 900 x 2 = 1800; s2 p2 Wallet A b1 350; s3 p3 Bag B b2 150 (s4 is refunded)
    cat = products.sales_by(completed, "category").set_index("category")
    assert cat["revenue"].to_dict() == {"Bag": 1950.0, "Wallet": 350.0}
    assert cat["units"].to_dict() == {"Bag": 3, "Wallet": 1}
    assert cat["gross_profit"].isna().all() and cat["margin_pct"].isna().all()
    assert cat.loc["Bag", "revenue_share_pct"] == pytest.approx(1950 / 2300 * 100)
    cond = products.sales_by(completed, "condition")
    assert cond["condition"].tolist() == ["S", "A", "B"] and cond["units"].tolist() == [2, 1, 1]
    brand = products.sales_by(completed, "brand_id").set_index("brand_id")
    assert brand["revenue"].to_dict() == {"b1": 2150.0, "b2": 150.0}
    assert products.top_category_by_revenue(completed) == "Bag"
    assert products.top_category_by_margin(completed, min_sales=1) is None
    top = products.top_products(completed, "units", 2, catalog=t["products"])
    assert top["product_id"].tolist() == ["p1", "p2"] and top["units"].tolist() == [2, 1]
    assert top["product_name"].tolist() == ["Flap", "Card case"] and top["gross_profit"].isna().all()
