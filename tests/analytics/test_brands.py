"""Brands: performance table, top brands, quadrants, growth and profit per shelf day on hand fixtures."""


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lib.analytics import brands
from lib.data import derived
from lib.data.periods import period_from_label
from tests.analytics.test_products import fixture_frames

__all__ = ["perf_table", "growth_sales"]


@pytest.fixture()
def fx():
    _, _, completed, lc = fixture_frames()
    return completed, lc


def test_brand_performance_fixture(fx):
    completed, lc = fx
    p = brands.brand_performance(completed, lc, min_sales=2).set_index("brand")
    # Chanel: s1 1800 + s2 350 = 2150 revenue, 3 units, 2 sales, gp 630 + 10 = 640, margin 640/2150
    assert p.loc["Chanel", "revenue"] == pytest.approx(2150.0)
    assert (p.loc["Chanel", "units"], p.loc["Chanel", "sales"]) == (3, 2)
    assert p.loc["Chanel", "gross_profit"] == pytest.approx(640.0)
    assert p.loc["Chanel", "margin_pct"] == pytest.approx(640 / 2150 * 100)
    assert p.loc["Chanel", "revenue_share_pct"] == pytest.approx(2150 / 2300 * 100)
    # KM: Chanel items p1 30 sold, p2 30 sold, p5 148 censored -> S(30) = 1/3 -> 30
    #     Coach items p4 29 censored, p3 64 sold -> S(64) = 0 -> 64
    assert p.loc["Chanel", "km_median_days"] == 30 and p.loc["Coach", "km_median_days"] == 64
    # unsold: Chanel p1 2 x 550 + p5 300 = 1400 (3 units); Coach p4 60 (1 unit)
    assert p.loc["Chanel", "unsold_cost"] == pytest.approx(1400.0) and p.loc["Chanel", "unsold_units"] == 3
    assert p.loc["Coach", "unsold_cost"] == pytest.approx(60.0)
    assert bool(p.loc["Coach", "uncertain"]) and not bool(p.loc["Chanel", "uncertain"])
    assert list(p.index) == ["Chanel", "Coach"]
    with pytest.raises(ValueError, match="min_sales"):
        brands.brand_performance(completed, lc, min_sales=0)


def perf_table() -> pd.DataFrame:
    """A hand-made brand performance table: four brands with margins, KM medians and their intervals."""
    return pd.DataFrame({"brand": ["Z", "X", "Y", "W"], "revenue": [5000.0, 3000.0, 1000.0, 1000.0],
                         "sales": [40, 25, 5, 21], "gross_profit": [1000.0, 900.0, 600.0, 50.0],
                         "margin_pct": [20.0, 30.0, 60.0, 5.0], "km_median_days": [20, 50, 10, None],
                         "uncertain": [False, False, True, False],
                         "margin_low": [18.0, 24.0, 40.0, 2.0], "margin_high": [22.0, 36.0, 80.0, 8.0],
                         "km_low": [15, 45, 5, 40], "km_high": [25, 60, 40, None]})


def test_top_brand_metrics_min_sales_rule():
    m = brands.top_brand_metrics(perf_table(), min_sales=20)
    # Y has the best margin (60%) but only 5 sales -> X (30%, 25 sales)
    assert m["top_brand_by_margin"] == "X"
    assert brands.top_brand_metrics(perf_table(), min_sales=5)["top_brand_by_margin"] == "Y"
    assert m["top_brand_by_revenue"] == "Z" and m["top_brand_by_gross_profit"] == "Z"
    # top 3 by revenue: 5000 + 3000 + 1000 of 10000 = 90%
    assert m["top3_brand_revenue_share_pct"] == pytest.approx(90.0)
    assert brands.top_brand_metrics(perf_table(), min_sales=100)["top_brand_by_margin"] is None


def test_top3_interval():
    # 4 lines, brands A A B C D? -> 4 brands, top 3 by revenue = A, B, C
    c = pd.DataFrame({"brand_name": ["A", "A", "B", "C", "D"], "revenue": [40.0, 20.0, 20.0, 15.0, 5.0]})
    perf = pd.DataFrame({"brand": ["A", "B", "C", "D"], "revenue": [60.0, 20.0, 15.0, 5.0]})
    lo, hi = brands.top3_share_interval(c, perf)
    # share 0.95; z_i = r_i (I_i - 0.95) = 2, 1, 1, 0.75, -4.75; sum sq = 4+1+1+0.5625+22.5625 = 29.125
    # se = sqrt(5/4 x 29.125) / 100 = 0.060338 -> 95% +-0.11826 (upper clipped at 100%)
    assert lo == pytest.approx((0.95 - 1.959964 * np.sqrt(1.25 * 29.125) / 100) * 100, rel=1e-5)
    assert hi == pytest.approx(100.0)


def test_margin_interval_in_performance(fx):
    completed, lc = fx
    p = brands.brand_performance(completed, lc, min_sales=2).set_index("brand")
    # Chanel lines: (gp 630, rev 1800), (10, 350); m = 640/2150 = 0.297674
    # residuals 630 - 0.297674*1800 = 94.186, 10 - 0.297674*350 = -94.186 -> ss = 2 x 8871.0
    # se = sqrt(2 x 17742.0) / 2150 = 0.087617 -> +-17.173 points
    m = 640 / 2150
    r = 630 - m * 1800
    se = np.sqrt(2 * 2 * r * r) / 2150
    assert p.loc["Chanel", "margin_low"] == pytest.approx((m - 1.959964 * se) * 100, rel=1e-5)
    # KM interval of Chanel exists (two sales at 30 days, one censored at 148)
    assert p.loc["Chanel", "km_low"] is not None


def growth_sales() -> pd.DataFrame:
    """Six months of sales of two brands: X doubles its monthly sales after three months, Y is flat."""
    rows = []
    # X: 10 sales/month of 100 in Jan-Mar, 20 sales/month Apr-Jun; Y: 5 sales/month of 200 all six months
    for i, m in enumerate(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]):
        rows += [("X", m, 100.0)] * (10 if i < 3 else 20) + [("Y", m, 200.0)] * 5
    return pd.DataFrame(rows, columns=["brand_name", "month", "revenue"])


def test_brand_growth_hand_values():
    g = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10).set_index("brand")
    # X: 3000 -> 6000 = +100%; Apr vs Mar +100%, May vs Apr 0%; binomial(60 of 90, p=.5)
    assert g.loc["X", "growth_3m_pct"] == pytest.approx(100.0)
    assert g.loc["X", "mom_2026-04_pct"] == pytest.approx(100.0)
    assert g.loc["X", "mom_2026-05_pct"] == pytest.approx(0.0)
    assert g.loc["X", "p_value"] == pytest.approx(stats.binomtest(60, 90, 0.5).pvalue)
    # Y: 15 sales in each window -> eligible with min 10, growth 0, p = 1
    assert g.loc["Y", "growth_3m_pct"] == pytest.approx(0.0) and g.loc["Y", "p_value"] == pytest.approx(1.0)
    assert list(g.index) == ["X", "Y"]
    g20 = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=20).set_index("brand")
    assert bool(g20.loc["X", "eligible"]) and not bool(g20.loc["Y", "eligible"])
    assert brands.ranked_growth(g20.reset_index())["brand"].tolist() == ["X"]


def test_shelf_day_profit_hand_values(fx):
    completed, lc = fx
    t = brands.shelf_day_profit(completed, lc, "brand_name", min_sales=2).set_index("brand_name")
    # Chanel items: p1 profit 630 over 30 days, p2 10 over 30, p5 0 over 148 (unsold) -> 640 / 208
    assert t.loc["Chanel", "profit_per_shelf_day"] == pytest.approx(640 / 208)
    # delta method: residuals 537.69, -82.31, -455.38 -> se = sqrt(1.5 x sum sq) / 208 = 4.17715
    assert t.loc["Chanel", "high"] - t.loc["Chanel", "profit_per_shelf_day"] == pytest.approx(
        1.959964 * 4.177146, rel=1e-5)
    # Coach: p3 -15 over 64, p4 0 over 29 -> -15/93
    assert t.loc["Coach", "profit_per_shelf_day"] == pytest.approx(-15 / 93)
    assert bool(t.loc["Chanel", "eligible"]) and not bool(t.loc["Coach", "eligible"])
    # the profit computed once beforehand gives the same table
    pre = brands.shelf_day_profit(completed, brands.lifecycle_with_profit(completed, lc), "brand_name", min_sales=2)
    pd.testing.assert_frame_equal(pre, t.reset_index())


def test_planted_top_brands_recovered(planted, sample_report):
    ds, p, lines = sample_report.ds, sample_report.period, sample_report.lines
    lc = derived.product_lifecycle(ds.tables, lines, p.end)
    perf = brands.brand_performance(derived.completed_lines(lines), lc)
    m = brands.top_brand_metrics(perf, min_sales=20)
    assert m["top_brand_by_revenue"] == planted["top_brand_by_revenue"]
    assert m["top_brand_by_margin"] == planted["top_brand_by_margin"]


def test_group_growth_is_brand_growth_for_any_key():
    # the same sales as categories: X doubles (3,000 -> 6,000, binomial 60 of 90), Y flat; the windows end with
    # the month of period_end (2026-06-30 -> Apr-Jun against Jan-Mar)
    cats = growth_sales().rename(columns={"brand_name": "category"})
    g = brands.group_growth(cats, pd.Timestamp("2026-06-30"), "category", min_sales=10).set_index("category")
    assert g.loc["X", "growth_3m_pct"] == pytest.approx(100.0)
    assert (g.loc["X", "sales_prev_3m"], g.loc["X", "sales_last_3m"]) == (30, 60)
    assert g.loc["X", "p_value"] == pytest.approx(stats.binomtest(60, 90, 0.5).pvalue)
    b = brands.brand_growth(growth_sales(), period_from_label("2026-06"), min_sales=10).set_index("brand")
    pd.testing.assert_series_equal(g["growth_3m_pct"], b["growth_3m_pct"], check_names=False)
