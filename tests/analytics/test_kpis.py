"""Overview metrics, periods and derived tables on a tiny hand-computed fixture."""

import math

import pandas as pd
import pytest

from lib.analytics import kpis as overview
from lib.data import derived
from lib.data.periods import default_period, period_from_label
from lib.narrative import overview as overview_text


def _tables():
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
    cb = derived.cost_basis(_tables()["inventory"]).set_index("product_id")
    # p3: (1 x 10 + 3 x 40) / 4 = 32.5
    assert cb.loc["p3", "cost_basis"] == 32.5
    assert cb.loc["p3", "units_acquired"] == 4
    assert cb.loc["p3", "clock_start"] == pd.Timestamp("2026-08-03")
    assert cb.loc["p2", "clock_start"] == pd.Timestamp("2026-08-01")


def test_period_kpis_hand_computed():
    lines = derived.sale_lines(_tables())
    k = overview.period_kpis(lines, period_from_label("2026-10"))
    # October completed: s2 200, s3 2 x 50 = 100, s4 80, s5 40 -> 420 (s6 refunded)
    assert k["revenue_period"] == 420.0
    assert k["units_period"] == 5
    assert k["orders_period"] == 4
    # profit: s2 200-100-20-5=75; s3 100-65-5-5=25; s4 80-30-0-5=45; s5 40-20-4-5=11 -> 156
    assert k["gross_profit_period"] == pytest.approx(156.0)
    assert k["gross_margin_pct_period"] == pytest.approx(156 / 420 * 100)
    assert k["revenue_prev_period"] == 100.0
    assert k["revenue_growth_pct"] == pytest.approx(320.0)
    assert k["active_customers_period"] == 3  # b1, b2, b3 (b4 only refunded)
    assert k["new_customers_period"] == 2  # b2, b3; b1 first bought in September


def test_growth_null_when_previous_month_has_no_data():
    lines = derived.sale_lines(_tables())
    k = overview.period_kpis(lines, period_from_label("2026-09"))
    assert k["revenue_period"] == 100.0
    assert k["revenue_prev_period"] is None and k["revenue_growth_pct"] is None
    assert "no revenue in the month before" in overview_text.growth_sentence(k)


def test_occasions_group_buyer_days():
    occ = derived.purchase_occasions(derived.sale_lines(_tables()))
    assert len(occ) == 5  # b1 x3 days, b2, b3; refunded b4 is not an occasion
    b1 = occ[occ["buyer_id"] == "b1"]
    assert list(b1["revenue"]) == [100.0, 200.0, 40.0]


def test_channel_revenue_shares_sum_to_100():
    ch = overview.channel_revenue(derived.sale_lines(_tables()), period_from_label("2026-10"))
    assert ch["share_pct"].sum() == pytest.approx(100.0)
    assert ch.iloc[0]["channel"] == "whatnot" and ch.iloc[0]["revenue"] == 240.0
    assert "whatnot brought 57%" in overview_text.channel_sentence(ch)


def test_default_period_is_last_complete_month():
    assert default_period(pd.Series(pd.to_datetime(["2026-10-31 10:00"]))).label == "2026-10"
    assert default_period(pd.Series(pd.to_datetime(["2026-11-03"]))).label == "2026-10"
    p = period_from_label("2026-03")
    assert p.previous.label == "2026-02" and p.days == 31 and p.end == pd.Timestamp("2026-03-31")
    with pytest.raises(ValueError, match="YYYY-MM"):
        period_from_label("2026-13")


def test_lifecycle_censors_unsold_at_period_end():
    t = _tables()
    lc = derived.product_lifecycle(t, derived.sale_lines(t), pd.Timestamp("2026-10-31")).set_index("product_id")
    assert lc.loc["p1", "sold"] and lc.loc["p1", "duration_days"] == 36  # 08-05 -> 09-10
    assert not lc.loc["p6", "sold"] and lc.loc["p6", "duration_days"] == 91  # refunded: censored 08-01 -> 10-31
    assert lc.loc["p3", "units_on_hand"] == 2  # 4 acquired, 2 sold
    assert not math.isnan(lc.loc["p2", "cost_basis"])


def test_trend_sentences_call_a_seasonal_drop_seasonal():
    trend = pd.DataFrame({"month": ["2025-09", "2025-10", "2026-09", "2026-10"],
                          "revenue": [100.0, 80.0, 150.0, 120.0]})
    sentences, action = overview_text.trend_sentences(trend, period_from_label("2026-10"))
    assert sentences[0] == "The best month so far was 2026-09 with $150."
    assert "there are not yet 24 months" in sentences[1]
    # 120 against 80 a year ago: +50.0%, while down on September
    assert "this month is +50.0%" in sentences[2]
    assert action.startswith("The drop against 2026-09 is seasonal")


def test_channel_action_names_the_biggest_mover():
    ch = pd.DataFrame({"channel": ["whatnot", "website"], "revenue": [500.0, 100.0],
                       "revenue_prev": [400.0, 300.0], "share_pct": [83.3, 16.7]})
    assert overview_text.channel_action(ch) == ("Find out why website fell by $200: fewer or weaker shows and "
                                           "listings show up in the sales-timing report.")


def test_quality_sentence_counts_rows_read_once():
    q = pd.DataFrame({"table": ["sales", "sales", "sales", "users"],
                      "action": ["read", "read", "repaired", "read"],
                      "reason": ["rows read from sales.csv", "date_sold: offsets converted", "money symbols", "rows read from users.csv"],
                      "rows": [10, 4, 2, 5]})
    assert overview_text.quality_sentence(q).startswith("15 rows were read; 2 cells were repaired")
