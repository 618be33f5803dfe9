"""The brand reductions in SQL (lib.analytics.brands, ``*_sql``, brand_items, brand_lines) against the pandas
functions they replace: on a hand-computed fixture held in memory and on the sample data from the cached Parquet."""

import numpy as np
import pandas as pd
import pytest

from lib.analytics import brands, verdicts
from lib.data.dataset import QUALITY_COLUMNS, Dataset
from lib.data.engine import Engine
from lib.report.notebook import Report
from lib.report.outputs import RunOutput
from tests.analytics.test_products import PERIOD, fixture_frames
from tests.sample_cache import sample_in_private_cache

REL = 1e-9


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), rtol=REL, check_dtype=False)


@pytest.fixture()
def fx():
    t, lines, completed, lc = fixture_frames()
    ds = Dataset(t, pd.DataFrame(columns=QUALITY_COLUMNS), "f" * 64, "fixture", "UTC")
    eng = Engine()
    eng.register_frame("lines", lines)
    yield ds, lines, completed, lc, eng
    eng.close()


def test_fixture_sales_and_margin_interval_by_hand(fx):
    _, _, completed, _, eng = fx
    assert brands.brand_key(eng) == "brand_name" and brands.completed_count(eng) == len(completed)
    s = brands.sales_by_sql(eng, "brand_name").set_index("brand_name")
    # Chanel: s1 1800 + s2 350 = 2150 revenue, 3 units, 2 sales, gp 630 + 10 = 640, margin 640/2150
    assert s.loc["Chanel", "revenue"] == pytest.approx(2150.0)
    assert (s.loc["Chanel", "units"], s.loc["Chanel", "sales"]) == (3, 2)
    assert s.loc["Chanel", "gross_profit"] == pytest.approx(640.0)
    assert s.loc["Chanel", "margin_pct"] == pytest.approx(640 / 2150 * 100)
    assert s.loc["Chanel", "revenue_share_pct"] == pytest.approx(2150 / 2300 * 100)
    mi = brands.margin_interval_sql(eng, "brand_name")
    # Chanel lines (1800, 630) and (350, 10): m = 640/2150; ss = (630 - 1800 m)^2 + (10 - 350 m)^2;
    # se = sqrt(ss x 2 / 1) / 2150
    m = 640 / 2150
    se = np.sqrt(((630 - 1800 * m) ** 2 + (10 - 350 * m) ** 2) * 2) / 2150
    assert mi.loc["Chanel", "margin_low"] == pytest.approx((m - 1.959963984540054 * se) * 100)
    assert mi.loc["Chanel", "margin_high"] == pytest.approx((m + 1.959963984540054 * se) * 100)
    pd.testing.assert_frame_equal(mi, brands.margin_interval(completed[completed["brand_name"].notna()],
                                                             "brand_name").sort_index(), rtol=REL,
                                  check_names=False)
    same(s.reset_index(), brands.sales_by(completed[completed["brand_name"].notna()], "brand_name"))


def test_fixture_performance_growth_top3_and_items_agree_with_pandas(fx):
    ds, lines, completed, lc, eng = fx
    perf = brands.brand_performance_sql(eng, lc, 2)
    same(perf, brands.brand_performance(completed, lc, 2))
    assert brands.top3_share_interval_sql(eng, perf) == pytest.approx(brands.top3_share_interval(completed, perf),
                                                                       rel=REL, nan_ok=True)
    gm = brands.group_months_sql(eng, "brand_name")
    same(gm, brands.group_months(completed, "brand_name"))
    # Chanel: s1 and s2 are its completed lines -> 2 sales over its months, 2150 revenue
    assert gm.loc[gm["brand_name"] == "Chanel", "sales"].sum() == 2
    assert gm.loc[gm["brand_name"] == "Chanel", "revenue"].sum() == pytest.approx(2150.0)
    same(brands.brand_growth_sql(eng, PERIOD, 1, gm), brands.brand_growth(completed, PERIOD, 1))
    pd.testing.assert_frame_equal(brands.brand_monthly_revenue_sql(eng, 12, 6, gm),
                                  brands.brand_monthly_revenue(completed, 12, 6), rtol=REL)
    items = brands.brand_items(eng, ds, PERIOD.label, lambda: lc, "brand_name")
    assert not eng.has("brand_item_ids")
    # p1 earns s1's 630, p2 s2's 10, p3 s3's -15; the unsold p4 and p5 earn 0 (lifecycle order kept)
    prof = dict(zip(lc["product_id"], items["profit"], strict=True))
    assert prof == pytest.approx({"p1": 630.0, "p2": 10.0, "p3": -15.0, "p4": 0.0, "p5": 0.0})
    np.testing.assert_allclose(items["profit"], brands.lifecycle_profit(completed, lc), rtol=REL)
    # the profit column is used, the completed lines are not read
    np.testing.assert_array_equal(brands.lifecycle_profit(None, items), items["profit"].to_numpy())
    sdp = brands.shelf_day_profit(None, items, "brand_name", 1, sales=brands.sales_by_sql(eng, "brand_name"))
    same(sdp, brands.shelf_day_profit(completed, lc, "brand_name", 1))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample dataset in a private cache, its lines and lifecycles written there, an Engine over the lines."""
    with sample_in_private_cache(tmp_path_factory) as (ds, p):
        rep = Report("brands", "Brands", ds, p, "USD", RunOutput("", "brands"))
        completed, lc = rep.completed, rep.lifecycle
        yield rep, completed, lc, rep.engine


def test_sample_brand_tables_agree_with_pandas(sample):
    rep, completed, lc, eng = sample
    assert eng.views["lines"] == "parquet"
    bcol = brands.brand_key(eng)
    items = brands.brand_items(eng, rep.ds, rep.period.label, lambda: rep.lifecycle, bcol)
    assert len(items) == len(lc) and isinstance(items[bcol].dtype, pd.CategoricalDtype)
    np.testing.assert_allclose(items["profit"], brands.lifecycle_profit(completed, lc), rtol=REL)
    perf = brands.brand_performance_sql(eng, items, 20)
    same(perf, brands.brand_performance(completed, lc, 20))
    assert brands.top3_share_interval_sql(eng, perf) == pytest.approx(brands.top3_share_interval(completed, perf),
                                                                       rel=REL)
    gm = brands.group_months_sql(eng, bcol)
    same(brands.brand_growth_sql(eng, rep.period, 10, gm), brands.brand_growth(completed, rep.period, 10))
    pd.testing.assert_frame_equal(brands.brand_monthly_revenue_sql(eng, 12, 6, gm),
                                  brands.brand_monthly_revenue(completed, 12, 6), rtol=REL)
    for keys in (bcol, [bcol, "condition"]):
        same(brands.shelf_day_profit(None, items, keys, 20, sales=brands.sales_by_sql(eng, keys)),
             brands.shelf_day_profit(completed, lc, keys, 20))
    slim = brands.brand_lines(rep.ds, rep.period.label, lambda: rep.lines,
                              [bcol, "revenue", "quantity", "gross_profit", "month"])
    assert len(slim) == len(completed)
    same(verdicts.verdict_table(slim, items, rep.period.end, bcol, 20),
         verdicts.verdict_table(completed, lc, rep.period.end, bcol, 20))
