"""Overview metrics, periods and derived tables on a tiny hand-computed fixture; the front page's previous-month KPIs."""

import math

import pandas as pd
import pytest

from lib.analytics import customers, kpis, marketing, products
from lib.config import SAMPLE_DIR
from lib.data import derived
from lib.data.load import load_dataset
from lib.data.periods import default_period, period_from_label


def kpi_tables() -> dict[str, pd.DataFrame]:
    """Six sales (one refunded) of four buyers in September and October 2026, with their inventory."""
    sales = pd.DataFrame({
        "sale_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "product_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
        "buyer_id": ["b1", "b1", "b2", "b3", "b1", "b4"],
        "date_sold": pd.to_datetime(["2026-09-10 20:00", "2026-10-02 19:30", "2026-10-02 21:00",
                                     "2026-10-15 12:00", "2026-10-31 23:59", "2026-10-20 10:00"]),
        "sale_price": [100.0, 200.0, 50.0, 80.0, 40.0, 999.0],
        "quantity": [1, 1, 2, 1, 1, 1],
        "channel": ["whatnot", "whatnot", "instagram", "website", "whatnot", "website"],
        "seller_id": [pd.NA] * 6, "show_id": [pd.NA] * 6,
        "fees": [10.0, 20.0, 5.0, 0.0, 4.0, 0.0],
        "shipping_cost": [5.0, 5.0, 5.0, 5.0, 5.0, 0.0],
        "status": ["completed"] * 5 + ["refunded"],
    })
    inventory = pd.DataFrame({
        "inventory_id": ["i1", "i2", "i3", "i3b", "i4", "i5", "i6"],
        "product_id": ["p1", "p2", "p3", "p3", "p4", "p5", "p6"],
        "date_acquired": pd.to_datetime(["2026-08-01"] * 7),
        "unit_cost": [50.0, 100.0, 10.0, 40.0, 30.0, 20.0, 500.0],
        "quantity": [1, 1, 1, 3, 1, 1, 1],
        "date_listed": pd.to_datetime(["2026-08-05", None, "2026-08-03", None, None, None, None]),
    })
    return {"sales": sales, "inventory": inventory}


def test_cost_basis_is_quantity_weighted():
    cb = derived.cost_basis(kpi_tables()["inventory"]).set_index("product_id")
    # p3: (1 x 10 + 3 x 40) / 4 = 32.5
    assert cb.loc["p3", "cost_basis"] == 32.5
    assert cb.loc["p3", "units_acquired"] == 4
    assert cb.loc["p3", "clock_start"] == pd.Timestamp("2026-08-03")
    assert cb.loc["p2", "clock_start"] == pd.Timestamp("2026-08-01")


def test_period_kpis_hand_computed():
    lines = derived.sale_lines(kpi_tables())
    k = kpis.period_kpis(lines, period_from_label("2026-10"))
    # October completed: s2 200, s3 2 x 50 = 100, s4 80, s5 40 -> 420 (s6 refunded)
    assert k["revenue_period"] == 420.0
    assert k["units_period"] == 5
    assert k["orders_period"] == 4  # no order_id: each line is an order of its own
    assert k["order_lines_period"] == 4
    # gross sales 420 + the refunded s6 999 = 1419, of which 999 came back
    assert k["refund_rate_pct_period"] == pytest.approx(999 / 1419 * 100)
    assert k["guest_revenue_share_pct_period"] is None  # the data has no guest line
    # profit: s2 200-100-20-5=75; s3 100-65-5-5=25; s4 80-30-0-5=45; s5 40-20-4-5=11 -> 156
    assert k["gross_profit_period"] == pytest.approx(156.0)
    assert k["gross_margin_pct_period"] == pytest.approx(156 / 420 * 100)
    assert k["revenue_prev_period"] == 100.0
    assert k["revenue_growth_pct"] == pytest.approx(320.0)
    assert k["active_customers_period"] == 3  # b1, b2, b3 (b4 only refunded)
    assert k["new_customers_period"] == 2  # b2, b3; b1 first bought in September


def test_growth_null_when_previous_month_has_no_data():
    lines = derived.sale_lines(kpi_tables())
    k = kpis.period_kpis(lines, period_from_label("2026-09"))
    assert k["revenue_period"] == 100.0
    assert k["revenue_prev_period"] is None and k["revenue_growth_pct"] is None


def test_occasions_group_buyer_days():
    occ = derived.purchase_occasions(derived.sale_lines(kpi_tables()))
    assert len(occ) == 5  # b1 x3 days, b2, b3; refunded b4 is not an occasion
    b1 = occ[occ["buyer_id"] == "b1"]
    assert list(b1["revenue"]) == [100.0, 200.0, 40.0]


def test_channel_revenue_shares_sum_to_100():
    ch = kpis.channel_revenue(derived.sale_lines(kpi_tables()), period_from_label("2026-10"))
    assert ch["share_pct"].sum() == pytest.approx(100.0)
    assert ch.iloc[0]["channel"] == "whatnot" and ch.iloc[0]["revenue"] == 240.0


def test_default_period_is_last_complete_month():
    assert default_period(pd.Series(pd.to_datetime(["2026-10-31 10:00"]))).label == "2026-10"
    assert default_period(pd.Series(pd.to_datetime(["2026-11-03"]))).label == "2026-10"
    p = period_from_label("2026-03")
    assert p.previous.label == "2026-02" and p.days == 31 and p.end == pd.Timestamp("2026-03-31")
    with pytest.raises(ValueError, match="YYYY-MM"):
        period_from_label("2026-13")


def test_lifecycle_censors_unsold_at_period_end():
    t = kpi_tables()
    lc = derived.product_lifecycle(t, derived.sale_lines(t), pd.Timestamp("2026-10-31")).set_index("product_id")
    assert lc.loc["p1", "sold"] and lc.loc["p1", "duration_days"] == 36  # 08-05 -> 09-10
    assert not lc.loc["p6", "sold"] and lc.loc["p6", "duration_days"] == 91  # refunded: censored 08-01 -> 10-31
    assert lc.loc["p3", "units_on_hand"] == 2  # 4 acquired, 2 sold
    assert not math.isnan(lc.loc["p2", "cost_basis"])


def test_monthly_trend_counts_completed_lines_up_to_period_end():
    t = kpis.monthly_trend(derived.sale_lines(kpi_tables()), period_from_label("2026-10"))
    assert t["month"].astype(str).tolist() == ["2026-09", "2026-10"]
    assert t["revenue"].tolist() == [100.0, 420.0] and t["units"].tolist() == [1, 5] and t["orders"].tolist() == [1, 4]


@pytest.mark.parametrize("use_cache", [True, False])
def test_previous_month_kpis_read_only_the_touchpoints_that_count(use_cache):
    ds = load_dataset(SAMPLE_DIR, use_cache=use_cache)
    for label in ("2026-09", "2026-03", "2025-12"):
        prev = period_from_label(label)
        got = kpis.previous_month_kpis(ds, prev)
        # the same KPIs computed the plain way, from every table and every touchpoint
        all_lines = derived.sale_lines(ds.tables)
        lines = all_lines[all_lines["date_sold"] < prev.end_exclusive].reset_index(drop=True)
        md = marketing.prepare(ds.tables, lines, prev)
        occ = customers.customer_occasions(ds.tables["sales"], prev.end)
        lc = derived.product_lifecycle(ds.tables, lines, prev.end)
        want = {**kpis.period_kpis(all_lines, prev),
                "repeat_customer_rate_pct": customers.repeat_rate_pct(customers.customer_table(occ, prev.end)),
                **products.days_to_sell_metrics(products.days_to_sell_table(lc)),
                "roas_period": marketing.roas_period(md)[0],
                "gross_profit_after_marketing_period": kpis.period_kpis(all_lines, prev)["gross_profit_period"]
                - marketing.marketing_spend(ds.tables["campaigns"], prev)}
        # the engine's money sums are exact (docs/metrics.md, Revenue and gross profit): equal to the last few digits
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert got[k] == (pytest.approx(v, rel=1e-12, abs=1e-9) if isinstance(v, float) else v), k
        assert got["roas_period"] > 0 and got["revenue_period"] > 0
