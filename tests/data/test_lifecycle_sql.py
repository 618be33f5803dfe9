"""The product lifecycles built by DuckDB straight into Parquet (lib.data.derived.write_product_lifecycle) against
the pandas build (lib.data.derived.product_lifecycle) they replace in the cache: the same rows, order, columns,
dtypes and values on a hand-made fixture (unsold, sold twice, clock start after the period, a sale before the
clock start, products and brands missing) and on the sample data (issue 20)."""

import numpy as np
import pandas as pd
import pytest

from lib.data import cache, derived
from lib.data.dataset import Dataset
from lib.report.notebook import Report
from lib.report.outputs import RunOutput
from tests.data.test_lines_sql import as_cached, full_fixture, pandas_lines
from tests.sample_cache import sample_in_private_cache

END = pd.Timestamp("2026-10-31")


def lifecycle_fixture() -> dict[str, pd.DataFrame]:
    """The lines fixture (lib.data test_lines_sql.full_fixture) plus: s5, a second completed sale of p1 (2 units on
    20 Oct; p1 is sold twice, first on 3 Oct); p7, acquired 5 Nov (its clock starts after the period); p8, in the
    inventory but not in products, sold on 12 Oct; p9, listed 25 Oct 18:00 but sold on 20 Oct (clipped to 0
    days); s6, a sale of p3 in November (after the period)."""
    t = full_fixture()
    s = t["sales"]
    extra = pd.DataFrame({"sale_id": ["s5", "s6", "s7", "s8"], "order_id": ["E5", "E6", "E7", "E8"],
                          "buyer_id": ["b3", "b3", "b1", "b2"], "product_id": ["p1", "p3", "p8", "p9"],
                          "date_sold": pd.to_datetime(["2026-10-20 15:00", "2026-11-02 10:00", "2026-10-12 23:30",
                                                       "2026-10-20 08:00"]),
                          "sale_price": [90.0, 150.0, 25.0, 80.0], "quantity": [2, 1, 1, 1],
                          "status": ["completed"] * 4, "original_sale_id": [pd.NA] * 4, "fees": [0.0] * 4,
                          "channel": ["website"] * 4, "shipping_cost": [0.0] * 4, "is_guest": [False] * 4})
    t["sales"] = pd.concat([s, extra.astype(s.dtypes.to_dict())], ignore_index=True)
    inv = t["inventory"]
    lots = pd.DataFrame({"inventory_id": ["i10", "i11", "i12"], "product_id": ["p7", "p8", "p9"],
                         "date_acquired": pd.to_datetime(["2026-11-05", "2026-09-10", "2026-10-01"]),
                         "unit_cost": [5.0, 12.5, 30.0], "quantity": [1, 4, 1],
                         "date_listed": pd.to_datetime([None, None, "2026-10-25 18:00"])})
    t["inventory"] = pd.concat([inv, lots.astype(inv.dtypes.to_dict())], ignore_index=True)
    p = t["products"]
    more = pd.DataFrame({"product_id": ["p7", "p9"], "brand_id": ["B1", "B2"], "category": ["bag", "shoe"],
                         "condition": ["new", "used"], "list_price": [10.0, 99.0]})
    t["products"] = pd.concat([p, more.astype(p.dtypes.to_dict())], ignore_index=True)
    return t


def both(tables: dict[str, pd.DataFrame], folder, end: pd.Timestamp = END) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The DuckDB lifecycles (from the DuckDB lines file) and the pandas ones (from the pandas lines), asserted
    equal."""
    files, dtypes, back = as_cached(tables, folder)
    until = end + pd.Timedelta(days=1)
    lines = folder / "lines.parquet"
    assert derived.write_sale_lines({t: f for t, f in files.items() if t in derived.LINE_TABLES}, dtypes, until,
                                    str(lines))
    out = folder / "lifecycle.parquet"
    assert derived.write_product_lifecycle({t: f for t, f in files.items() if t in derived.LIFECYCLE_TABLES},
                                           dtypes, str(lines), end, str(out))
    got = pd.read_parquet(out)
    want = derived.product_lifecycle(back, pandas_lines(back, until), end)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    return got, want


def test_fixture_lifecycles_match_pandas(tmp_path):
    got, _ = both(lifecycle_fixture(), tmp_path)
    lc = got.set_index("product_id")
    # the inventory's order of first lots; p5 has no lot, p7's clock starts 5 Nov: left out
    assert got["product_id"].tolist() == ["p1", "p2", "p3", "p4", "p6", "p8", "p9"]
    # p1: sold on 3 Oct (1 unit net of r2) and 20 Oct (2 units): first sale 3 Oct, 3 units sold of 15
    assert lc.loc["p1", "sold_date"] == pd.Timestamp("2026-10-03") and lc.loc["p1", "units_sold"] == 3
    assert lc.loc["p1", "units_on_hand"] == 12 and lc.loc["p1", "duration_days"] == 91  # from 3 Jul 10:30
    assert lc.loc["p1", "cost_basis"] == pytest.approx(205.2 / 15) and lc.loc["p1", "units_acquired"] == 15
    # p3: 1 unit net in October (its November sale is after the period), 5 - 1 = 4 on hand
    assert (lc.loc["p3", "units_sold"], lc.loc["p3", "units_on_hand"]) == (1, 4)
    # p2 (its one sale returned by r5), p4 (cancelled) and p6 (returned) are unsold: censored at 31 Oct
    assert not lc.loc[["p2", "p4", "p6"], "sold"].any() and lc.loc[["p2", "p4", "p6"], "units_sold"].eq(0).all()
    assert pd.isna(lc.loc["p2", "sold_date"]) and lc.loc["p2", "duration_days"] == 138  # 15 Jun to 31 Oct
    # p8 has no product row (no attributes), p6 no brand, p9 sold 5 days before it was listed: 0 days
    assert pd.isna(lc.loc["p8", "category"]) and np.isnan(lc.loc["p8", "list_price"]) and lc.loc["p8", "sold"]
    assert lc.loc["p8", "duration_days"] == 32 and pd.isna(lc.loc["p6", "brand_name"])
    assert lc.loc["p9", "sold"] and lc.loc["p9", "duration_days"] == 0
    assert lc.loc["p3", "brand_name"] == "Atelier"
    assert got["units_sold"].dtype == "int64" and got["sold"].dtype == "bool"


def test_without_products_or_brands_and_an_earlier_end(tmp_path):
    t = lifecycle_fixture()
    no_brands = {k: v for k, v in t.items() if k != "brands"}
    got, _ = both(no_brands, tmp_path)
    assert "brand_name" not in got.columns and "category" in got.columns
    (tmp_path / "bare").mkdir()
    got, _ = both({k: v for k, v in t.items() if k in ("sales", "inventory")}, tmp_path / "bare")
    assert got.columns[-1] == "units_on_hand" and "category" not in got and len(got) == 7
    # on 4 Oct: p1 sold (3 Oct), p3 not yet (5 Oct), p9 not yet listed; p8 not sold yet (12 Oct)
    got, _ = both(t, tmp_path, end=pd.Timestamp("2026-10-04"))
    lc = got.set_index("product_id")
    assert "p9" not in lc.index and lc.loc["p1", "sold"] and not lc.loc["p3", "sold"] and not lc.loc["p8", "sold"]
    assert lc.loc["p3", "duration_days"] == 64  # acquired 1 Aug, never listed: 1 Aug to 4 Oct


def test_an_integer_product_attribute_is_left_to_pandas(tmp_path):
    t = lifecycle_fixture()
    t["products"]["sku"] = np.arange(len(t["products"]), dtype="int64")  # a missing product would make it float
    files, dtypes, _ = as_cached(t, tmp_path)
    lines = tmp_path / "lines.parquet"
    assert derived.write_sale_lines({k: v for k, v in files.items() if k in derived.LINE_TABLES}, dtypes, None,
                                    str(lines))
    assert not derived.write_product_lifecycle({k: files[k] for k in derived.LIFECYCLE_TABLES}, dtypes, str(lines),
                                               END, str(tmp_path / "lc.parquet"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with sample_in_private_cache(tmp_path_factory) as (ds, p):
        yield ds, p


def test_sample_lifecycles_are_written_by_duckdb_and_match_pandas(sample):
    ds, p = sample
    rep = Report("products_inventory", "Products", ds, p, "USD", RunOutput("", "products_inventory"))
    path = rep.lifecycle_file()
    assert path is not None and path.exists() and "lines" not in rep.__dict__  # no pandas lines were built
    want = derived.product_lifecycle(ds.tables, rep._compute_lines(), p.end)
    pd.testing.assert_frame_equal(pd.read_parquet(path), want, check_exact=True)
    pd.testing.assert_frame_equal(rep.lifecycle, want, check_exact=True)
    assert "lines" not in rep.__dict__ and rep.lifecycle_file() == path
    assert len(want) > 1000 and want["sold"].any() and not want["sold"].all()


def test_a_dataset_in_memory_builds_the_lifecycles_in_pandas(sample):
    ds, p = sample
    mem = Dataset(dict(ds.tables.items()), ds.quality, ds.fingerprint, ds.source, ds.tz_name, ds.mapping,
                  list(ds.notes))
    rep = Report("products_inventory", "Products", mem, p, "USD", RunOutput("", "products_inventory"))
    assert rep.lifecycle_file() is None
    want = derived.product_lifecycle(ds.tables, rep.lines, p.end)
    pd.testing.assert_frame_equal(rep.lifecycle, want, check_exact=True)


def test_a_compute_that_writes_the_file_itself_is_not_written_again(sample):
    """The engine registers the lifecycles through cached_derived with a compute that is Report.lifecycle: the
    file DuckDB wrote stays the one DuckDB wrote (not rewritten by pandas)."""
    import pyarrow.parquet as pq

    ds, p = sample
    rep = Report("sales_timing", "Sales timing", ds, p, "USD", RunOutput("", "sales_timing"))
    path = cache.derived_file(ds, p.label, "lifecycle")
    path.unlink(missing_ok=True)
    lc = cache.cached_derived(ds, p.label, "lifecycle", lambda: rep.take_derived("lifecycle"))
    assert path.exists() and pq.read_metadata(path).created_by.startswith("DuckDB")
    pd.testing.assert_frame_equal(pd.read_parquet(path), lc, check_exact=True)
