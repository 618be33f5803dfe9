"""The live-show reductions in SQL (lib.analytics.shows: show_sessions_sql, show_lines_sql, stock_by_group) against
the pandas functions they stand in for: on hand-made fixtures held in memory and on the sample data's cached
Parquet lines and lifecycles, down to the live-show advice of the Recommendations page."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analytics import inventory, shows
from lib.data.engine import Engine, period_engine
from lib.narrative import shows as shows_text
from lib.report.notebook import Report
from lib.report.outputs import RunOutput
from tests.analytics.test_shows import INFER_ROWS, SHOWS_TABLE, TABLE_ROWS, sale_lines_of
from tests.sample_cache import sample_in_private_cache

END_EXCL = pd.Timestamp("2026-11-01")


def _engine(**frames: pd.DataFrame) -> Engine:
    eng = Engine()
    for name, frame in frames.items():
        eng.register_frame(name, frame)
    return eng


def test_show_sessions_sql_from_the_shows_table_hand_computed():
    lines = sale_lines_of(TABLE_ROWS)
    eng = _engine(lines=lines)
    s = shows.show_sessions_sql(eng, {"shows": SHOWS_TABLE}, END_EXCL)
    assert list(s["show_id"]) == ["S3", "S1", "S2"]  # S4 starts after the period end
    assert list(s["revenue"]) == [600.0, 400.0, 250.0]  # the cancelled 1,000 is not counted
    assert list(s["sales"]) == [2, 2, 1] and list(s["hours"]) == [3.0, 2.0, 1.0]
    pd.testing.assert_frame_equal(s, shows.show_sessions({"shows": SHOWS_TABLE}, lines, END_EXCL))
    eng.close()


def test_show_sessions_sql_inferred_without_a_shows_table_hand_computed():
    lines = sale_lines_of(INFER_ROWS)
    eng = _engine(lines=lines)
    s = shows.show_sessions_sql(eng, {}, END_EXCL)
    # whatnot 20:00 (100 + 50 + 30), whatnot 21:29:58 (40), instagram 20:10 (the refunded 70 is on air, no revenue)
    assert s.set_index("show_id")["revenue"].to_dict() == {
        "whatnot-20261001-200000": 180.0, "instagram-20261001-201000": 20.0, "whatnot-20261001-212958": 40.0}
    assert list(s["sales"]) == [3, 1, 1]
    pd.testing.assert_frame_equal(s, shows.show_sessions({}, lines, END_EXCL))
    # a period end before every sale: no shows, with the columns
    none = shows.show_sessions_sql(eng, {}, pd.Timestamp("2026-10-01"))
    assert none.empty and list(none.columns) == shows.SHOW_COLUMNS
    eng.close()


def test_show_lines_sql_are_the_completed_in_show_lines():
    lines = sale_lines_of(TABLE_ROWS)
    eng = _engine(lines=lines)
    got = shows.show_lines_sql(eng).sort_values("date").reset_index(drop=True)
    # S1 300 + 100, S2 250, S3 350 + 250: completed and with a show id (not the website sale, not the cancelled one)
    assert sorted(got["revenue"]) == [100.0, 250.0, 250.0, 300.0, 350.0]
    assert list(got.columns) == ["show_id", "date", "revenue", "quantity"]  # show ids: the channel is not read
    eng.close()
    # no show ids at all: the completed live-channel lines (whatnot, Instagram; not the refunded one, not poshmark)
    infer = sale_lines_of(INFER_ROWS)
    eng = _engine(lines=infer)
    got = shows.show_lines_sql(eng)
    assert sorted(got["revenue"]) == [20.0, 30.0, 40.0, 50.0, 100.0]
    want = shows.show_lines(infer[infer["is_completed"]])
    assert sorted(got["revenue"]) == sorted(want["revenue"])
    eng.close()


def test_stock_by_group_hand_computed():
    lc = pd.DataFrame({
        "product_id": ["a", "b", "c", "d"], "units_on_hand": [2, 3, 0, 1],
        "clock_start": pd.to_datetime(["2026-07-01", "2026-07-01 18:00", "2026-01-01", "2026-10-31"], format="ISO8601"),
        "cost_basis": [10.0, 20.0, 30.0, 40.0], "category": ["Bag", "Bag", "Bag", "Shoe"],
        "brand_name": ["X", "X", "Y", None], "brand_id": ["bx", "bx", "by", "bz"]})
    eng = _engine(lifecycle=lc)
    t = shows.stock_by_group(eng, pd.Timestamp("2026-10-31"))
    t = t.sort_values(["category", "days_listed"]).reset_index(drop=True)
    # a: 122 days (Jul 1 -> Oct 31); b: 121 whole days (from 18:00); c has nothing on hand; d listed that day
    assert t[["category", "brand_name", "days_listed", "units_on_hand"]].astype(object).where(t.notna(), None) \
        .values.tolist() == [["Bag", "X", 121, 3], ["Bag", "X", 122, 2], ["Shoe", None, 0, 1]]
    assert t["condition"].isna().all()  # the lifecycle has no condition: NA, as stock_on_hand adds it
    # the same sums by group, all and aged, as lib.analytics.inventory.stock_on_hand
    st = inventory.stock_on_hand(lc, pd.Timestamp("2026-10-31"))
    for key in ("category", "brand_name", "brand_id"):
        for days in (-1, 121):
            a = st[st["days_listed"] > days].groupby(key)["units_on_hand"].sum()
            b = t[t["days_listed"] > days].groupby(key)["units_on_hand"].sum()
            pd.testing.assert_series_equal(a, b, check_dtype=False)
    eng.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample in a private cache: a report whose lines and lifecycles are written there, an Engine over them."""
    with sample_in_private_cache(tmp_path_factory) as (ds, p):
        rep = Report("sales_timing", "Sales timing", ds, p, "USD", RunOutput("", "sales_timing"))
        rep.lines, rep.lifecycle  # noqa: B018 - written to the cache
        eng = period_engine(ds, p.label)
        yield rep, eng
        eng.close()


def test_sample_shows_and_in_show_lines_match_pandas(sample):
    rep, eng = sample
    live = shows.show_sessions_sql(eng, rep.tables, rep.period.end_exclusive)
    pd.testing.assert_frame_equal(live, shows.show_sessions(rep.tables, rep.lines, rep.period.end_exclusive),
                                  rtol=1e-12)
    assert len(live) == 775 and live["sales"].sum() == 3469
    in_show = shows.show_lines_sql(eng)
    want = shows.show_lines(rep.completed)
    assert len(in_show) == len(want) == 3469
    assert shows.in_show_margin(in_show) == pytest.approx(shows.in_show_margin(rep.completed), rel=1e-12)
    stock = shows.period_stock(rep.ds, rep.period, lambda: rep.lifecycle)
    assert stock["units_on_hand"].sum() == inventory.stock_on_hand(rep.lifecycle, rep.period.end)[
        "units_on_hand"].sum()
    a = shows.show_mix_evidence(rep.completed, rep.lifecycle, rep.period.end)
    b = shows.show_mix_evidence(in_show, None, rep.period.end, stock=stock)
    assert list(a) == list(b) == ["category", "brand", "condition"]
    for k in a:
        pd.testing.assert_frame_equal(a[k].table, b[k].table, rtol=1e-12)
        pd.testing.assert_frame_equal(a[k].recent, b[k].recent, rtol=1e-12)
        pd.testing.assert_series_equal(a[k].stock_counts.sort_index(), b[k].stock_counts.sort_index(),
                                       check_dtype=False)
        pd.testing.assert_series_equal(a[k].aged_counts.sort_index(), b[k].aged_counts.sort_index(),
                                       check_dtype=False)


def test_sample_show_advice_from_sql_is_the_pandas_advice(sample):
    rep, eng = sample
    live = shows.show_sessions_sql(eng, rep.tables, rep.period.end_exclusive)
    stock = shows.period_stock(rep.ds, rep.period, lambda: rep.lifecycle)
    fast = shows_text.shows_advice(rep.tables, None, shows.show_lines_sql(eng), None, rep.period, live=live,
                                   stock=stock)
    slow = shows_text.shows_advice(rep.tables, rep.lines, rep.completed, rep.lifecycle, rep.period)
    # slot move, show length, the mix by brand and by condition (the sample's recommendations.csv)
    assert [round(r.effect.gross_profit, 2) for r in fast.recs] == [7587.97, 2107.33, 418.94, 3241.68]
    assert [r.action for r in fast.recs] == [r.action for r in slow.recs]
    for a, b in zip(fast.recs, slow.recs, strict=True):
        assert a.effect.gross_profit == pytest.approx(b.effect.gross_profit, rel=1e-12)
        assert (a.effect.low, a.effect.high) == pytest.approx((b.effect.low, b.effect.high), rel=1e-12)
    assert fast.sentences == slow.sentences and fast.skipped == slow.skipped
    assert sorted(fast.tables) == sorted(slow.tables)
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.table(name), slow.table(name), rtol=1e-12)
