"""The SQL reductions (lib.analytics.reductions) against the pandas functions they replace: on the sample data
from the cached Parquet lines, and on a hand-computed fixture held in memory (guests, returns, lines without an
order_id, a month without rows)."""

import math

import pandas as pd
import pytest

from lib.analytics import customers, kpis, reductions, shows, timing
from lib.data import derived
from lib.data.dataset import QUALITY_COLUMNS, Dataset
from lib.data.engine import period_engine
from lib.data.periods import period_from_label
from lib.report.notebook import Report
from lib.report.outputs import RunOutput
from tests.sample_cache import sample_in_private_cache

OCT, SEP, AUG = period_from_label("2026-10"), period_from_label("2026-09"), period_from_label("2026-08")
REL = 1e-9


def same_dict(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k, v in a.items():
        if v is None or b[k] is None:
            assert v is None and b[k] is None, k
        else:
            assert type(b[k]) is type(v), k
            assert math.isclose(b[k], v, rel_tol=REL, abs_tol=1e-9), (k, v, b[k])


def same_frame(a: pd.DataFrame, b: pd.DataFrame, **kw) -> None:
    pd.testing.assert_frame_equal(a, b, rtol=REL, **kw)


# ---------------------------------------------------------------- the sample data, from the cached Parquet


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample dataset in a private cache, its report's lines written there by Report.lines, an Engine over them."""
    with sample_in_private_cache(tmp_path_factory) as (ds, p):
        rep = Report("overview", "Overview", ds, p, "USD", RunOutput("", "overview"))
        lines = rep.lines
        eng = period_engine(ds, p.label)
        yield ds, p, lines, eng
        eng.close()


def test_sample_lines_view_reads_the_cached_parquet(sample):
    ds, p, lines, eng = sample
    assert eng.views == {"lines": "parquet"}
    assert eng.query("SELECT COUNT(*) AS n FROM lines")["n"].iloc[0] == len(lines) == 6000


@pytest.mark.parametrize("which", ["period", "previous"])
def test_sample_period_kpis_and_returns(sample, which):
    ds, p, lines, eng = sample
    per = p if which == "period" else p.previous
    k = reductions.period_kpis(eng, per)
    same_dict(kpis.period_kpis(lines, per), k)
    same_dict(kpis.returns_summary(lines, per), reductions.returns_summary(eng, per))
    if which == "period":  # October 2026 of the sample, as the pandas function gives it
        assert (k["revenue_period"], k["orders_period"], k["new_customers_period"]) == (233920.0, 242, 37)


def test_sample_trend_and_channels(sample):
    ds, p, lines, eng = sample
    # the pandas orders and the occasion lines come out as nullable Int64 there: int64 here, same values
    same_frame(kpis.monthly_trend(lines, p), reductions.monthly_trend(eng, p), check_dtype=False)
    assert reductions.monthly_trend(eng, p)["orders"].dtype == "int64"
    same_frame(kpis.channel_revenue(lines, p), reductions.channel_revenue(eng, p))


def test_sample_timing_reductions(sample):
    ds, p, lines, eng = sample
    done = lines[lines["is_completed"]]
    daily = reductions.daily_sales(eng, p.end)
    same_frame(timing.daily_sales(done, p.end), daily)
    # the sales-timing page's own lines (sales table alone) give the same calendar
    tl = timing.timing_lines(ds.tables, p.end_exclusive)
    same_frame(timing.daily_sales(tl[tl["is_completed"]], p.end), daily)
    start = pd.Timestamp("2026-01-01")
    same_frame(timing.daily_sales(done, p.end, start), reductions.daily_sales(eng, p.end, start))
    dh = reductions.day_hour_sales(eng, p.end)
    same_frame(timing.trading_hours(done), timing.trading_hours(dh))
    same_frame(shows.raw_revenue_grid(done), shows.raw_revenue_grid(dh))
    same_frame(timing.channel_mix(done), timing.channel_mix(reductions.daily_channel_revenue(eng, p.end)))
    wh = reductions.weekday_hour_sales(eng, p.end)
    assert len(wh) == 168
    grid = wh.pivot(index="weekday", columns="hour", values="revenue")
    pd.testing.assert_frame_equal(shows.raw_revenue_grid(done).reset_index(drop=True), grid.reset_index(drop=True),
                                  rtol=REL, check_names=False)
    # a day has one weekday: the slots' days with a sale add up to each hour's days with a sale
    by_hour = wh.groupby("hour")["days_with_sales"].sum().to_numpy()
    assert (by_hour == timing.trading_hours(done)["days_with_sales"].to_numpy()).all()


def test_sample_occasions_and_customers(sample):
    ds, p, lines, eng = sample
    occ = derived.purchase_occasions(lines)
    same_frame(occ, reductions.purchase_occasions(eng), check_dtype=False)
    same_frame(derived.purchase_occasions(lines, SEP.end), reductions.purchase_occasions(eng, SEP.end),
               check_dtype=False)
    users = ds.tables["users"]
    ct = reductions.customer_table(eng, p.end, users)
    same_frame(customers.customer_table(occ, p.end, users), ct)
    same_frame(customers.customer_table(occ, p.end), reductions.customer_table(eng, p.end))
    # over the page's occasions (to period_end, from SQL) instead of building them from the lines again
    same_frame(ct, reductions.customer_table(eng, p.end, users, occasions=reductions.purchase_occasions(eng, p.end)))
    same_frame(ct, reductions.customer_table(eng, p.end, users, occasions=reductions.purchase_occasions(eng)))
    assert customers.repeat_rate_pct(ct) == customers.repeat_rate_pct(customers.customer_table(occ, p.end, users))


# ---------------------------------------------------------------- a hand-computed fixture, held in memory


def fixture_tables() -> dict[str, pd.DataFrame]:
    """August and October 2026 (September has no row at all): an order of two lines, lines without an order_id, a
    guest order, a refunded sale, a cancelled line, a return by buyer and product, a late return of an August sale
    by original_sale_id, an unmatched return, and a product without an inventory lot (p6)."""
    rows = [  # sale_id, order_id, buyer, product, date_sold, price, qty, status, original_sale_id, fees, channel
        ("a1", "O1", "b1", "p1", "2026-08-05 10:00", 100.0, 1, "completed", None, 5.0, "website"),
        ("a2", "O1", "b1", "p2", "2026-08-05 10:00", 50.0, 2, "completed", None, 0.0, "website"),
        ("a3", None, "b2", "p3", "2026-08-20 15:00", 80.0, 1, "completed", None, 0.0, "whatnot"),
        ("o1", "O2", "b1", "p4", "2026-10-02 11:00", 200.0, 1, "completed", None, 10.0, "whatnot"),
        ("o2", None, "b3", "p5", "2026-10-03 12:30", 30.0, 3, "completed", None, 0.0, "website"),
        ("o3", None, "b3", "p6", "2026-10-03 18:00", 40.0, 1, "completed", None, 0.0, "website"),
        ("g1", "O3", None, "p7", "2026-10-10 09:00", 60.0, 1, "completed", None, 0.0, "instagram"),
        ("g2", "O3", None, "p8", "2026-10-10 09:00", 20.0, 1, "completed", None, 0.0, "instagram"),
        ("f1", "O4", "b4", "p9", "2026-10-12 14:00", 500.0, 1, "refunded", None, 0.0, "website"),
        ("c1", "O5", "b2", "p10", "2026-10-15 16:00", 70.0, 1, "cancelled", None, 0.0, "website"),
        ("r1", "R1", "b3", "p5", "2026-10-20 10:00", 30.0, -1, "completed", None, 0.0, "website"),
        ("r2", "R2", "b1", "p1", "2026-10-21 10:00", 100.0, -1, "completed", "a1", 0.0, "website"),
        ("r3", "R3", "b5", "p11", "2026-10-22 10:00", 45.0, -2, "completed", None, 0.0, "website"),
        ("o4", "O6", "b5", "p3", "2026-10-31 23:30", 25.0, 1, "completed", None, 0.0, "website"),
    ]
    cols = ["sale_id", "order_id", "buyer_id", "product_id", "date_sold", "sale_price", "quantity", "status",
            "original_sale_id", "fees", "channel"]
    s = pd.DataFrame(rows, columns=cols)
    for c in ("sale_id", "order_id", "buyer_id", "product_id", "original_sale_id"):
        s[c] = s[c].astype("string[pyarrow]")
    s["date_sold"] = pd.to_datetime(s["date_sold"])
    s["shipping_cost"] = 0.0
    s["is_guest"] = s["buyer_id"].isna()
    costs = {"p1": 60.0, "p2": 20.0, "p3": 10.0, "p4": 120.0, "p5": 10.0, "p7": 30.0, "p8": 5.0, "p9": 300.0,
             "p10": 30.0, "p11": 20.0}
    inventory = pd.DataFrame({
        "inventory_id": [f"i{k}" for k in costs], "product_id": list(costs),
        "date_acquired": pd.to_datetime(["2026-07-01"] * len(costs)), "unit_cost": list(costs.values()),
        "quantity": [5] * len(costs), "date_listed": pd.to_datetime([None] * len(costs))})
    users = pd.DataFrame({"user_id": ["b1", "b2", "b3"], "display_name": ["Ann", "Bea", "Cy"]})
    return {"sales": s, "inventory": inventory, "users": users}


@pytest.fixture
def memory():
    """The fixture as a dataset held in memory (no cache), its October lines and an Engine holding them."""
    ds = Dataset(fixture_tables(), pd.DataFrame(columns=QUALITY_COLUMNS), "f" * 64, "fixture", "UTC")
    rep = Report("overview", "Overview", ds, OCT, "USD", RunOutput("", "overview"))
    eng = period_engine(ds, OCT.label, {"lines": lambda: rep.lines})
    yield ds, rep.lines, eng
    eng.close()


def test_fixture_kpis_hand_computed(memory):
    ds, lines, eng = memory
    assert eng.views == {"lines": "frame"}  # not cache-backed: the frame is registered
    k = reductions.period_kpis(eng, OCT)
    same_dict(kpis.period_kpis(lines, OCT), k)
    # completed: o1 200, o2 3 x 30 less the 1 unit r1 returned = 60, o3 40, guests g1 60 + g2 20, o4 25 -> 405
    assert k["revenue_period"] == 405.0
    assert k["units_period"] == 7  # 1 + 2 + 1 + 1 + 1 + 1
    assert k["orders_period"] == 5  # O2, O3 (two guest lines), O6, and o2, o3 without an order_id
    assert k["order_lines_period"] == 6
    # profit: o1 200-120-10=70, o2 60-2x10=40, g1 60-30=30, g2 20-5=15, o4 25-10=15 -> 170; o3 has no cost basis
    assert k["gross_profit_period"] == pytest.approx(170.0)
    assert k["gross_margin_pct_period"] == pytest.approx(170 / 365 * 100)
    # gross 200+90+40+60+20+25 + refunded f1 500 = 935; back: f1 500 + r1's 30 netted from o2
    assert k["refund_rate_pct_period"] == pytest.approx(530 / 935 * 100)
    assert k["guest_revenue_share_pct_period"] == pytest.approx(80 / 405 * 100)
    assert k["revenue_prev_period"] is None and k["revenue_growth_pct"] is None  # September has no row
    assert k["active_customers_period"] == 3  # b1, b3, b5; guests are no customers, b4 only refunded
    assert k["new_customers_period"] == 2  # b3, b5; b1 first bought in August (a2: a1 came back in full)


def test_fixture_month_without_rows(memory):
    ds, lines, eng = memory
    k = reductions.period_kpis(eng, SEP)
    same_dict(kpis.period_kpis(lines, SEP), k)
    assert (k["revenue_period"], k["units_period"], k["orders_period"], k["order_lines_period"]) == (0.0, 0, 0, 0)
    assert k["gross_profit_period"] is None and k["gross_margin_pct_period"] is None
    assert k["refund_rate_pct_period"] is None
    assert k["guest_revenue_share_pct_period"] == 0.0  # the data has guests, none in September
    assert k["revenue_prev_period"] == 180.0  # August: a2 100 + a3 80 (a1 returned in full)
    assert k["revenue_growth_pct"] == pytest.approx(-100.0)
    same_dict(kpis.returns_summary(lines, SEP), reductions.returns_summary(eng, SEP))
    same_frame(kpis.channel_revenue(lines, SEP), reductions.channel_revenue(eng, SEP))
    assert reductions.channel_revenue(eng, SEP)[["channel", "revenue", "revenue_prev"]].values.tolist() == [
        ["website", 0.0, 100.0], ["whatnot", 0.0, 80.0]]


def test_fixture_returns_summary(memory):
    ds, lines, eng = memory
    r = reductions.returns_summary(eng, OCT)
    same_dict(kpis.returns_summary(lines, OCT), r)
    assert (r["refunded_lines"], r["cancelled_lines"], r["return_lines"]) == (1, 1, 3)
    assert r["returned_revenue"] == 30.0  # r1 netted from o2
    assert (r["late_return_lines"], r["late_returned_revenue"]) == (1, 100.0)  # r2 of August's a1
    assert (r["unmatched_return_lines"], r["unmatched_units"], r["unmatched_revenue"]) == (1, 2, 90.0)  # r3


def test_fixture_trend_and_channels(memory):
    ds, lines, eng = memory
    t = reductions.monthly_trend(eng, OCT)
    same_frame(kpis.monthly_trend(lines, OCT), t, check_dtype=False)
    assert t["month"].tolist() == ["2026-08", "2026-10"]  # no row for September
    assert t[["revenue", "units", "orders", "order_lines"]].values.tolist() == [[180, 3, 2, 2], [405, 7, 5, 6]]
    assert t["gross_profit"].tolist() == pytest.approx([130.0, 170.0])  # a2 100-40, a3 80-10; October as above
    ch = reductions.channel_revenue(eng, OCT)
    same_frame(kpis.channel_revenue(lines, OCT), ch)
    assert ch["channel"].tolist() == ["whatnot", "website", "instagram"]
    assert ch["revenue"].tolist() == [200.0, 125.0, 80.0]
    assert ch["share_pct"].tolist() == pytest.approx([200 / 405 * 100, 125 / 405 * 100, 80 / 405 * 100])


def test_fixture_timing(memory):
    ds, lines, eng = memory
    done = lines[lines["is_completed"]]
    d = reductions.daily_sales(eng, OCT.end)
    same_frame(timing.daily_sales(done, OCT.end), d)
    assert (d.index[0], d.index[-1], len(d)) == (pd.Timestamp("2026-08-05"), pd.Timestamp("2026-10-31"), 88)
    assert d.loc["2026-10-03", ["revenue", "units", "orders"]].tolist() == [100.0, 3, 2]
    assert d.loc["2026-09-15", "orders"] == 0
    dh = reductions.day_hour_sales(eng, OCT.end)
    same_frame(timing.trading_hours(done), timing.trading_hours(dh))
    same_frame(shows.raw_revenue_grid(done), shows.raw_revenue_grid(dh))
    same_frame(timing.channel_mix(done), timing.channel_mix(reductions.daily_channel_revenue(eng, OCT.end)))
    wh = reductions.weekday_hour_sales(eng, OCT.end).set_index(["weekday", "hour"])
    # Wednesday 10:00: 2026-08-05's a1 and a2, a1 returned in full (r2), so a2 alone: 2 x 50
    assert wh.loc[(2, 10), ["revenue", "lines", "days_with_sales"]].tolist() == [100.0, 1, 1]
    assert wh.loc[(5, 9), ["revenue", "lines", "days_with_sales"]].tolist() == [80.0, 2, 1]  # guests, Saturday
    with pytest.raises(ValueError, match="no completed sales"):
        reductions.daily_sales(eng, pd.Timestamp("2026-08-01"))


def test_fixture_occasions_and_customers(memory):
    ds, lines, eng = memory
    occ = reductions.purchase_occasions(eng)
    same_frame(derived.purchase_occasions(lines), occ, check_dtype=False)
    assert occ["buyer_id"].tolist() == ["b1", "b1", "b2", "b3", "b5"]  # guests form no occasion
    b3 = occ[occ["buyer_id"] == "b3"].iloc[0]
    assert (b3["revenue"], b3["units"], b3["lines"], b3["gross_profit"]) == (100.0, 3, 2, 40.0)
    users = ds.tables["users"]
    ct = reductions.customer_table(eng, OCT.end, users)
    same_frame(customers.customer_table(derived.purchase_occasions(lines), OCT.end, users), ct)
    assert ct["display_name"].tolist() == ["Ann", "Cy", "Bea", "b5"]
    assert ct[["revenue", "occasions", "items", "days_since"]].values.tolist() == [
        [300, 2, 3, 29], [100, 1, 3, 28], [80, 1, 1, 72], [25, 1, 1, 0]]
    ct_occ = reductions.customer_table(eng, OCT.end, users, occasions=occ)
    same_frame(ct, ct_occ)
    assert ct_occ[["revenue", "occasions", "items", "days_since"]].values.tolist() == [
        [300, 2, 3, 29], [100, 1, 3, 28], [80, 1, 1, 72], [25, 1, 1, 0]]
