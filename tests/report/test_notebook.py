"""Tests of lib.notebook's Report frames: the completed lines are a slice of the lines, same rows as a mask."""

import pandas as pd
import pytest

from lib.data import derived
from lib.data.dataset import Dataset
from lib.data.periods import period_from_label
from lib.report.notebook import Report
from lib.report.outputs import RunOutput


@pytest.fixture
def rep() -> Report:
    # five sales: s1 completed, s2 refunded, s3 completed, s4 completed but after October, s5 cancelled
    sales = pd.DataFrame({
        "sale_id": pd.array(["s1", "s2", "s3", "s4", "s5"], dtype="string"),
        "product_id": pd.array(["p1", "p2", "p1", "p2", "p1"], dtype="string"),
        "buyer_id": pd.array(["b1", "b2", "b1", "b2", "b3"], dtype="string"),
        "date_sold": pd.to_datetime(["2026-10-01 10:00", "2026-10-02 11:00", "2026-10-03 12:00",
                                     "2026-11-01 09:00", "2026-10-04 13:00"]),
        "sale_price": [100.0, 50.0, 30.0, 80.0, 20.0],
        "quantity": [1, 1, 2, 1, 1],
        "channel": ["whatnot", "website", "whatnot", "poshmark", "website"],
        "seller_id": pd.array(["x"] * 5, dtype="string"),
        "show_id": pd.array([pd.NA] * 5, dtype="string"),
        "fees": [0.0] * 5,
        "shipping_cost": [0.0] * 5,
        "status": ["completed", "refunded", "completed", "completed", "cancelled"],
    })
    ds = Dataset({"sales": sales}, pd.DataFrame(columns=["table", "action", "reason", "rows"]), "f" * 64,
                 "test", "America/New_York")
    return Report("t", "T", ds, period_from_label("2026-10"), "USD", RunOutput("", "t"))


def test_lines_put_completed_first_in_input_order(rep):
    # up to 31 Oct: s1, s2, s3, s5; completed s1, s3 first, then s2, s5 (s4 is after the period)
    assert rep.lines["sale_id"].tolist() == ["s1", "s3", "s2", "s5"]
    assert rep.lines.index.tolist() == [0, 1, 2, 3]


def test_completed_is_the_same_rows_as_a_mask(rep):
    expected = derived.completed_lines(rep.lines)
    assert rep.completed["sale_id"].tolist() == ["s1", "s3"]
    pd.testing.assert_frame_equal(rep.completed, expected)
    # revenue 100 x 1 + 30 x 2 = 160
    assert rep.completed["revenue"].sum() == 160.0


def test_release_keeps_tables_held_in_memory(rep):
    _ = rep.lines  # releases "sales" after building the lines
    rep.release("sales")
    assert "sales" in rep.tables and len(rep.tables["sales"]) == 5


def test_forget_drops_a_derived_frame_and_it_comes_back_the_same(rep):
    occ = rep.occasions
    # b1: s1 (10-01, 100) and s3 (10-03, 2 x 30) are two occasions; nothing else is completed in October
    assert occ["revenue"].tolist() == [100.0, 60.0]
    rep.forget("occasions")
    assert "occasions" not in rep.__dict__
    pd.testing.assert_frame_equal(rep.occasions, occ)
    _ = rep.completed
    rep.forget("lines")  # the completed slice goes with the lines it views
    assert "lines" not in rep.__dict__ and "completed" not in rep.__dict__
    assert rep.completed["sale_id"].tolist() == ["s1", "s3"]
    with pytest.raises(ValueError, match="'tables' is not a derived frame"):
        rep.forget("tables")


def test_take_derived_hands_the_frame_over_and_the_report_forgets_it(rep):
    occ = rep.take_derived("occasions")  # computed on the way: it was not cached yet
    assert occ["revenue"].tolist() == [100.0, 60.0]
    assert "occasions" not in rep.__dict__
    pd.testing.assert_frame_equal(rep.occasions, occ)  # asked again: recomputed, same values
    assert rep.take_derived("occasions") is not None and "occasions" not in rep.__dict__
    with pytest.raises(ValueError, match="'tables' is not a derived frame"):
        rep.take_derived("tables")


def test_completed_lines_with_columns_keeps_only_those_and_the_rows_asked(rep):
    lines = rep.lines  # s1, s3 completed; s2, s5 not
    c = derived.completed_lines(lines, ["sale_id", "revenue"], optional=("gross_profit", "channel"),
                                where=lines["revenue"] > 50)
    assert list(c.columns) == ["sale_id", "revenue", "channel"]  # no gross_profit in these lines
    assert c["sale_id"].tolist() == ["s1", "s3"] and c.index.tolist() == [0, 1]  # s3: 2 x 30 = 60 > 50
    assert derived.completed_lines(lines, where=lines["revenue"] > 60)["sale_id"].tolist() == ["s1"]


def test_lines_let_the_joined_tables_go_and_take_hands_a_table_over(sample_report):
    """Tables read lazily from the cache: once the lines are built nothing of the report holds the sales,
    products, inventory or brands frames (a later use reads them again, same values)."""
    import gc
    import weakref

    ds = sample_report.ds
    rep = Report("t", "T", ds, sample_report.period, "USD", RunOutput("", "t"))
    refs = {name: weakref.ref(ds.tables[name]) for name in ("sales", "products", "inventory", "brands", "users")}
    n_products = len(ds.tables["products"])
    assert len(rep.lines) == len(sample_report.lines)
    gc.collect()
    assert {name for name, r in refs.items() if r() is None} == {"sales", "products", "inventory", "brands"}
    assert len(rep.tables["products"]) == n_products  # read again on demand
    users = rep.take("users")
    assert users is refs["users"]() and len(users) > 0
    del users
    gc.collect()
    assert refs["users"]() is None  # the dataset kept no copy
