"""Orders, return lines and guest lines (issue 18, point 4) on a hand-computed fixture: netting, the month a return
counts in, unmatched returns, guests out of customer analytics, and the validation of negative quantities."""

import numpy as np
import pandas as pd
import pytest

from lib.analytics import customers, kpis
from lib.data import derived
from lib.data.contract import TABLES
from lib.data.dataset import ContractError
from lib.data.periods import period_from_label
from lib.data.raw import RawSource, RawTable
from lib.data.validate import validate_tables
from lib.narrative import overview as overview_text

OCT = period_from_label("2026-10")


def fixture_tables() -> dict[str, pd.DataFrame]:
    """Three October orders (A with two lines, B, D of a guest), a webshop-style order cancelled 16 minutes later,
    returns netted by buyer and product, by original_sale_id and across a month, and one unmatched return."""
    rows = [  # sale_id, order_id, buyer, product, date_sold, price, qty, status, original_sale_id, fees
        ("s0", "S", "b2", "p6", "2026-09-28 12:00", 60.0, 1, "completed", None, 0.0),
        ("s1", "A", "b1", "p1", "2026-10-03 10:00", 100.0, 2, "completed", None, 10.0),
        ("s2", "A", "b1", "p2", "2026-10-03 10:00", 50.0, 1, "completed", None, 0.0),
        ("s3", "B", "b2", "p3", "2026-10-05 12:00", 150.0, 2, "completed", None, 0.0),
        ("s4", "C", "b3", "p4", "2026-10-07 09:00", 2.0, 10, "completed", None, 0.0),
        ("r1", "CC", "b3", "p4", "2026-10-07 09:16", 2.0, -10, "completed", None, 0.0),  # cancelled 16 min later
        ("r2", "R2", "b1", "p1", "2026-10-10 11:00", 100.0, -1, "completed", None, 0.0),  # by buyer and product
        ("r3", "R3", "b1", "p3", "2026-10-12 11:00", 150.0, 1, "refunded", "s3", 0.0),  # a refund of its own
        ("r4", "R4", "b2", "p6", "2026-10-02 09:00", 60.0, -1, "completed", None, 0.0),  # September's sale
        ("g1", "D", None, "p5", "2026-10-15 14:00", 40.0, 1, "completed", None, 0.0),  # a guest checkout
        ("u1", "U1", "b2", "p5", "2026-10-20 16:00", 40.0, -1, "completed", None, 0.0),  # b2 never bought p5
    ]
    cols = ["sale_id", "order_id", "buyer_id", "product_id", "date_sold", "sale_price", "quantity", "status",
            "original_sale_id", "fees"]
    s = pd.DataFrame(rows, columns=cols)
    for c in ("sale_id", "order_id", "buyer_id", "product_id", "original_sale_id"):
        s[c] = s[c].astype("string")
    s["date_sold"] = pd.to_datetime(s["date_sold"])
    s["channel"] = "website"
    s["shipping_cost"] = 0.0
    s["is_guest"] = s["buyer_id"].isna()
    inventory = pd.DataFrame({
        "inventory_id": [f"i{i}" for i in range(1, 7)], "product_id": [f"p{i}" for i in range(1, 7)],
        "date_acquired": pd.to_datetime(["2026-08-01"] * 6),
        "unit_cost": [40.0, 20.0, 100.0, 1.0, 10.0, 30.0], "quantity": [5, 5, 5, 20, 5, 5],
        "date_listed": pd.to_datetime([None] * 6),
    })
    return {"sales": s, "inventory": inventory}


def test_returns_net_against_their_sales():
    s = derived.sale_lines(fixture_tables()).set_index("sale_id")
    # r2 (1 unit of p1, b1's latest earlier sale) -> s1 keeps 1 of 2 units: 200 - 100 = 100
    assert (s.loc["s1", "quantity"], s.loc["s1", "revenue"], s.loc["s1", "returned_units"]) == (1, 100.0, 1)
    assert (s.loc["s1", "gross_quantity"], s.loc["s1", "gross_revenue"]) == (2, 200.0)
    # gross profit of the net sale: 100 - 40 x 1 - 10 fees = 50
    assert s.loc["s1", "gross_profit"] == pytest.approx(50.0)
    # r3 names s3 (original_sale_id): 2 x 150 - 150 = 150
    assert (s.loc["s3", "quantity"], s.loc["s3", "revenue"]) == (1, 150.0)
    assert s.loc["r3", "return_of"] == "s3" and s.loc["r2", "return_of"] == "s1"
    # the cancelled webshop order and September's s0 are returned in full: no longer completed sales
    assert not s.loc["s4", "is_completed"] and not s.loc["s0", "is_completed"]
    assert s.loc["r1", "return_of"] == "s4" and s.loc["r4", "return_of"] == "s0"
    # u1 matched nothing: 1 unit unmatched, no sale touched
    assert pd.isna(s.loc["u1", "return_of"]) and s.loc["u1", "unmatched_units"] == 1
    assert s["is_return"].sum() == 5 and not s.loc[s["is_return"], "is_completed"].any()
    assert s["is_guest"].tolist() == [False] * 9 + [True, False]


def test_period_kpis_with_orders_returns_and_guests():
    lines = derived.sale_lines(fixture_tables())
    k = kpis.period_kpis(lines, OCT)
    # completed October lines after netting: s1 100, s2 50 (order A), s3 150 (B), g1 40 (D, guest)
    assert k["revenue_period"] == 340.0
    assert k["units_period"] == 4
    assert (k["orders_period"], k["order_lines_period"]) == (3, 4)
    # gross profit: s1 50, s2 50 - 20 = 30, s3 150 - 100 = 50, g1 40 - 10 = 30 -> 160
    assert k["gross_profit_period"] == pytest.approx(160.0)
    # gross sales of October 200 + 50 + 300 + 20 + 40 = 610; came back: s1 100 + s3 150 + s4 20 = 270
    assert k["refund_rate_pct_period"] == pytest.approx(270 / 610 * 100)
    assert k["guest_revenue_share_pct_period"] == pytest.approx(40 / 340 * 100)
    # b1 and b2 bought; b3's purchase was cancelled; the guest is no customer. b2's September sale was returned,
    # so October is b2's first purchase: both are new
    assert (k["active_customers_period"], k["new_customers_period"]) == (2, 2)
    # September: s0 returned in full (the return is dated in October, netted into September's sale)
    sep = kpis.period_kpis(lines, OCT.previous)
    assert (sep["revenue_period"], sep["units_period"], sep["orders_period"]) == (0.0, 0, 0)
    assert k["revenue_prev_period"] == 0.0 and k["revenue_growth_pct"] is None


def test_returns_summary_counts_late_and_unmatched_returns():
    r = kpis.returns_summary(derived.sale_lines(fixture_tables()), OCT)
    assert r == {"refunded_lines": 0, "cancelled_lines": 0, "return_lines": 5, "returned_revenue": 270.0,
                 "late_return_lines": 1, "late_returned_revenue": 60.0,
                 "unmatched_return_lines": 1, "unmatched_units": 1, "unmatched_revenue": 40.0}
    k = kpis.period_kpis(derived.sale_lines(fixture_tables()), OCT)
    said = overview_text.returns_sentences(k, r)
    assert said[0] == "The 3 orders held 4 order lines (lines of one invoice are one order)."
    assert said[1] == ("44.3% of the month's gross sales came back (returns worth $270); the revenue above is net "
                       "of them.")
    assert "1 return this month ($60) returned sales of earlier months" in said[2]
    assert said[3].startswith("1 return line (1 unit, $40) matched no earlier sale")
    assert said[4].startswith("Guest checkouts (no customer id) brought 11.8% of the month's revenue")


def test_guests_and_fully_returned_buyers_are_no_customers():
    tables = fixture_tables()
    occ = customers.customer_occasions(tables["sales"], OCT.end)
    # b1: 03 Oct s1 100 + s2 50; b2: 05 Oct s3 150. No occasion for b3 (cancelled) nor for the guest line
    assert occ[["buyer_id", "revenue", "units"]].values.tolist() == [["b1", 150.0, 2], ["b2", 150.0, 1]]
    table = customers.customer_table(occ, OCT.end)
    assert table["buyer_id"].tolist() == ["b1", "b2"]
    assert customers.churn_risk(table, churn_days=0)["buyer_id"].tolist() == ["b1", "b2"]


def test_a_return_after_period_end_does_not_change_the_month():
    tables = fixture_tables()
    late = pd.DataFrame({"sale_id": ["x1"], "order_id": ["X"], "buyer_id": ["b2"], "product_id": ["p3"],
                         "date_sold": pd.to_datetime(["2026-11-02 10:00"]), "sale_price": [150.0], "quantity": [-1],
                         "status": ["completed"], "original_sale_id": [pd.NA], "fees": [0.0], "channel": ["website"],
                         "shipping_cost": [0.0], "is_guest": [False]})
    tables["sales"] = pd.concat([tables["sales"], late.astype(tables["sales"].dtypes.to_dict())], ignore_index=True)
    cut = kpis.period_kpis(derived.sale_lines(tables, until=OCT.end_exclusive), OCT)
    assert cut["revenue_period"] == 340.0
    # on the whole export the November return nets s3's last unit: the month is restated to 190
    assert kpis.period_kpis(derived.sale_lines(tables), OCT)["revenue_period"] == 190.0
    occ = customers.customer_occasions(tables["sales"], OCT.end)
    assert occ["buyer_id"].tolist() == ["b1", "b2"]


def test_a_refunded_line_without_an_earlier_sale_is_a_refunded_sale():
    t = fixture_tables()
    s = t["sales"]
    s.loc[s["sale_id"] == "r3", "original_sale_id"] = pd.NA  # b1 never bought p3 before: not a return
    lines = derived.sale_lines(t).set_index("sale_id")
    assert not lines.loc["r3", "is_return"] and not lines.loc["r3", "is_completed"]
    assert lines.loc["s3", "quantity"] == 2
    k = kpis.period_kpis(lines.reset_index(), OCT)
    # s3 keeps 300; the refunded sale r3 (150) is in the gross and comes back: (100 + 20 + 150) / (610 + 150)
    assert k["revenue_period"] == 490.0
    assert k["refund_rate_pct_period"] == pytest.approx(270 / 760 * 100)


def test_no_returns_no_guests_leaves_lines_as_they_were():
    t = fixture_tables()
    s = t["sales"]
    t["sales"] = s[s["quantity"] > 0].loc[lambda d: d["status"].eq("completed") & d["buyer_id"].notna()]
    t["sales"] = t["sales"].drop(columns=["is_guest", "order_id"]).reset_index(drop=True)
    lines = derived.sale_lines(t)
    assert (lines["quantity"] == lines["gross_quantity"]).all() and not lines["is_return"].any()
    k = kpis.period_kpis(lines, OCT)
    assert k["guest_revenue_share_pct_period"] is None  # no guest line at all: not applicable
    assert k["orders_period"] == k["order_lines_period"] == 4  # s1, s2, s3, s4: one order per line
    assert k["refund_rate_pct_period"] == 0.0


def _sales_raw(quantities: list[str], buyers: list[str] | None = None, guest=None) -> RawSource:
    n = len(quantities)
    frame = pd.DataFrame({"sale_id": [f"s{i}" for i in range(n)], "buyer_id": buyers or ["b1"] * n,
                          "date_sold": ["2026-10-01 10:00"] * n, "sale_price": ["10"] * n, "quantity": quantities,
                          "order_id": ["A"] * n, "original_sale_id": [""] * (n - 1) + ["s0"]}, dtype="str")
    rt = RawTable("sales", frame, np.arange(2, n + 2), ("sales.csv",))
    if guest is not None:
        rt.guest = np.asarray(guest, dtype=bool)
    return RawSource({"sales": rt}, description="test")


def test_negative_quantity_is_a_return_line_and_zero_is_an_error():
    tables, _, _ = validate_tables(_sales_raw(["2", "-1"]), tz_name="UTC")
    s = tables["sales"]
    assert s["quantity"].tolist() == [2, -1]
    assert s["order_id"].tolist() == ["A", "A"] and s["original_sale_id"].isna().tolist() == [True, False]
    with pytest.raises(ContractError) as ei:
        validate_tables(_sales_raw(["2", "0", "-1000001"]), tz_name="UTC")
    got = {(p.column, p.rule, p.lines) for p in ei.value.problems}
    assert got == {("quantity", "must be >= 1, or <= -1 on a return line", (3,)),
                   ("quantity", "must be at most 1,000,000", (4,))}
    assert "order_id" in TABLES["sales"].column_names and "original_sale_id" in TABLES["sales"].column_names


def test_a_blank_guest_buyer_is_loaded_missing_and_never_one_customer():
    tables, _, _ = validate_tables(_sales_raw(["1", "1", "1"], buyers=["", "", "b1"], guest=[True, True, False]),
                                   tz_name="UTC")
    s = tables["sales"]
    assert s["buyer_id"].isna().tolist() == [True, True, False] and s["is_guest"].tolist() == [True, True, False]
    occ = derived.purchase_occasions(derived.sale_lines(tables))
    assert occ["buyer_id"].tolist() == ["b1"]


def test_monthly_trend_counts_orders_and_net_units():
    t = kpis.monthly_trend(derived.sale_lines(fixture_tables()), OCT)
    # September's only sale was returned in full: no completed line is left in it
    assert t["month"].tolist() == ["2026-10"]
    assert t[["revenue", "units", "orders", "order_lines"]].values.tolist() == [[340.0, 4, 3, 4]]


def test_kpi_table_shows_the_guest_share_only_with_guests():
    lines = derived.sale_lines(fixture_tables())
    k, prev = kpis.period_kpis(lines, OCT), kpis.period_kpis(lines, OCT.previous)
    t = overview_text.kpi_comparison(k, prev).set_index("metric")
    assert t.loc["Guest share of revenue", "this month"] == "11.8%"
    assert t.loc["Orders", "this month"] == "3" and t.loc["Order lines", "this month"] == "4"
    no_guest = {key: v for key, v in k.items() if key != "guest_revenue_share_pct_period"}
    assert "Guest share of revenue" not in overview_text.kpi_comparison(no_guest, {}).set_index("metric").index
