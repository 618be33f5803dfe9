"""The sale lines built by DuckDB straight into Parquet (lib.data.derived.write_sale_lines) against the pandas build
(lib.data.derived.sale_lines) they replace in the cache: the same rows, order, columns, dtypes and values, on
hand-made fixtures with returns, guests and missing costs, on random returns, and on the sample data; and the
Report reading only some columns of them (issue 20)."""

import numpy as np
import pandas as pd
import pytest

from lib.config import SAMPLE_DIR
from lib.data import cache, derived
from lib.data.load import load_dataset
from lib.data.periods import default_period, period_from_label
from lib.report.notebook import Report
from lib.report.outputs import RunOutput
from tests.data.test_returns_guests import fixture_tables

OCT = period_from_label("2026-10")


def as_cached(tables: dict[str, pd.DataFrame], folder) -> tuple[dict[str, str], dict[str, dict[str, str]],
                                                                dict[str, pd.DataFrame]]:
    """The tables written to Parquet as the cache writes them, their dtypes and the frames read back."""
    files, dtypes, back = {}, {}, {}
    for name, df in tables.items():
        f = folder / f"{name}.parquet"
        df.to_parquet(f, index=False)
        files[name], back[name] = str(f), pd.read_parquet(f)
        dtypes[name] = {c: str(t) for c, t in back[name].dtypes.items()}
    return files, dtypes, back


def pandas_lines(tables: dict[str, pd.DataFrame], until: pd.Timestamp | None) -> pd.DataFrame:
    """lib.data.derived.sale_lines in the order of the cached lines: completed lines first, each in input order."""
    s = derived.sale_lines(tables, until=until)
    done = s["is_completed"].to_numpy(dtype=bool)
    return s.take(np.concatenate([np.flatnonzero(done), np.flatnonzero(~done)])).reset_index(drop=True)


def both(tables: dict[str, pd.DataFrame], folder, until: pd.Timestamp | None = None) -> tuple[pd.DataFrame,
                                                                                            pd.DataFrame]:
    files, dtypes, back = as_cached(tables, folder)
    out = folder / "lines.parquet"
    assert derived.write_sale_lines(files, dtypes, until, str(out))
    got = pd.read_parquet(out)
    want = pandas_lines(back, until)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    return got, want


def full_fixture() -> dict[str, pd.DataFrame]:
    """The returns-and-guests fixture with products, brands and an inventory where p5 has no cost (a missing cost
    basis), p1 three lots, p2 two lots; r5 is a refunded line without original_sale_id that matches b1's sale of
    p2 (a return), r6 one that matches nothing (a refunded sale)."""
    t = fixture_tables()
    s = t["sales"]
    extra = pd.DataFrame({"sale_id": ["r5", "r6"], "order_id": ["R5", "R6"], "buyer_id": ["b1", "b3"],
                          "product_id": ["p2", "p1"], "date_sold": pd.to_datetime(["2026-10-04 08:00",
                                                                                   "2026-10-06 08:00"]),
                          "sale_price": [50.0, 100.0], "quantity": [1, 1], "status": ["refunded", "refunded"],
                          "original_sale_id": [pd.NA, pd.NA], "fees": [0.0, 1.5], "channel": ["website", "show"],
                          "shipping_cost": [0.0, 2.25], "is_guest": [False, False]})
    t["sales"] = pd.concat([s, extra.astype(s.dtypes.to_dict())], ignore_index=True)
    inv = t["inventory"]
    inv = inv[inv["product_id"] != "p5"]
    lots = pd.DataFrame({"inventory_id": ["i7", "i8", "i9"], "product_id": ["p1", "p1", "p2"],
                         "date_acquired": pd.to_datetime(["2026-07-01", "2026-09-01", "2026-06-15"]),
                         "unit_cost": [0.1, 0.7, 25.0], "quantity": [3, 7, 2],
                         "date_listed": pd.to_datetime(["2026-07-03 10:30", None, None])})
    t["inventory"] = pd.concat([inv, lots.astype(inv.dtypes.to_dict())], ignore_index=True)
    t["products"] = pd.DataFrame({"product_id": [f"p{i}" for i in range(1, 7)],
                                  "brand_id": ["B1", "B1", "B2", "B2", "B9", None],
                                  "category": ["bag", "bag", "shoe", "scarf", "bag", "shoe"],
                                  "condition": ["new", "used", "new", "new", "used", "new"],
                                  "list_price": [120.0, 60.0, 160.0, 3.0, 45.0, np.nan]}).astype(
        {"product_id": "string", "brand_id": "string"})
    t["brands"] = pd.DataFrame({"brand_id": ["B1", "B2"], "brand_name": ["Maison", "Atelier"]}).astype(
        {"brand_id": "string"})
    return t


def test_fixture_lines_match_pandas_with_returns_guests_and_missing_costs(tmp_path):
    got, _ = both(full_fixture(), tmp_path)
    s = got.set_index("sale_id")
    # completed lines first (s1 s3 g1 in input order; s2 is returned in full by r5), then the rest in input order
    assert got["sale_id"].tolist() == ["s1", "s3", "g1", "s0", "s2", "s4", "r1", "r2", "r3", "r4", "u1", "r5", "r6"]
    # r2 nets 1 of s1's 2 units, r5 (refunded, no original_sale_id) nets s2's one unit: s2 is no longer completed
    assert (s.loc["s1", "quantity"], s.loc["s1", "revenue"]) == (1, 100.0)
    assert s.loc["r5", "is_return"] and s.loc["r5", "return_of"] == "s2" and not s.loc["s2", "is_completed"]
    assert not s.loc["r6", "is_return"]  # b3 never bought p1: a refunded sale
    # p1's cost basis over 3 lots: (40 x 5 + 0.1 x 3 + 0.7 x 7) / 15 = 205.2 / 15; its clock starts 3 Jul 10:30
    assert s.loc["s1", "cost_basis"] == pytest.approx(205.2 / 15)
    assert s.loc["s1", "clock_start"] == pd.Timestamp("2026-07-03 10:30")
    assert s.loc["s1", "days_to_sell"] == 91  # 3 Oct midnight minus 3 Jul 10:30: 91 days 13.5 hours
    # p5 has no inventory: no cost basis, no gross profit, no days to sell (the column is float with NaN then)
    assert np.isnan(s.loc["g1", "cost_basis"]) and np.isnan(s.loc["g1", "gross_profit"])
    assert got["days_to_sell"].dtype == "float64" and np.isnan(s.loc["g1", "days_to_sell"])
    assert s.loc["g1", "is_guest"] and pd.isna(s.loc["g1", "brand_name"]) and s.loc["s3", "brand_name"] == "Atelier"
    assert s.loc["r6", "gross_profit"] == pytest.approx(100.0 - 205.2 / 15 - 1.5 - 2.25)


def test_until_cuts_the_rows_and_a_late_return(tmp_path):
    t = full_fixture()
    got, _ = both(t, tmp_path, until=pd.Timestamp("2026-10-07 09:10"))
    s = got.set_index("sale_id")
    assert "r1" not in s.index and s.loc["s4", "is_completed"]  # the cancellation at 09:16 is after the cut
    assert len(got) == 8  # s0-s4, r4, r5, r6


def test_without_returns_products_or_inventory(tmp_path):
    t = fixture_tables()
    s = t["sales"]
    t["sales"] = s[s["quantity"] > 0].drop(columns=["is_guest", "original_sale_id"]).reset_index(drop=True)
    both({"sales": t["sales"]}, tmp_path)
    got, _ = both(t, tmp_path)
    assert not got["is_return"].any() and got["days_to_sell"].dtype == "int64"


def test_random_returns_match_pandas(tmp_path):
    rng = np.random.default_rng(20)
    n = 400
    qty = rng.integers(1, 4, n)
    status = rng.choice(["completed", "refunded", "cancelled"], n, p=[0.8, 0.15, 0.05])
    ret = rng.random(n) < 0.15
    qty = np.where(ret, -rng.integers(1, 4, n), qty)
    ids = [f"s{i}" for i in range(n)]
    orig = [ids[rng.integers(0, n)] if r and rng.random() < 0.3 else None for r in ret]
    sales = pd.DataFrame({
        "sale_id": ids, "product_id": [f"p{i}" for i in rng.integers(0, 15, n)],
        "buyer_id": [None if g else f"b{i}" for g, i in zip(rng.random(n) < 0.1, rng.integers(0, 8, n), strict=True)],
        "date_sold": pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 60, n), unit="min"),
        "sale_price": rng.integers(1, 500, n) / 4.0, "quantity": qty, "status": status,
        "original_sale_id": orig, "fees": rng.random(n), "shipping_cost": rng.random(n).round(2),
        "channel": rng.choice(["show", "website"], n)}).astype(
        {"sale_id": "string", "product_id": "string", "buyer_id": "string", "original_sale_id": "string"})
    inventory = pd.DataFrame({"inventory_id": [f"i{i}" for i in range(30)],
                              "product_id": [f"p{i % 13}" for i in range(30)],
                              "date_acquired": pd.Timestamp("2026-06-01") + pd.to_timedelta(np.arange(30), unit="D"),
                              "unit_cost": rng.random(30) * 90, "quantity": rng.integers(1, 9, 30),
                              "date_listed": pd.NaT}).astype({"inventory_id": "string", "product_id": "string"})
    got, _ = both({"sales": sales, "inventory": inventory}, tmp_path, until=pd.Timestamp("2026-10-25"))
    assert got["is_return"].sum() > 20 and (got["returned_units"] > 0).sum() > 10  # the netting was exercised


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cache, "CACHE_DIR", tmp_path_factory.mktemp("cache"))
        ds = load_dataset(SAMPLE_DIR)
        p = default_period(ds.tables["sales"]["date_sold"])
        yield lambda: Report("overview", "Overview", ds, p, "USD", RunOutput("", "overview"))


def test_sample_lines_are_written_by_duckdb_and_match_pandas(sample_report):
    rep = sample_report()
    path = rep.lines_file()
    assert path is not None and path.exists() and path.stat().st_mtime > 0
    assert rep.engine.views == {"lines": "parquet"} and "lines" not in rep.__dict__  # nothing held in pandas
    want = rep._compute_lines()  # the pandas build
    pd.testing.assert_frame_equal(pd.read_parquet(path), want, check_exact=True)
    pd.testing.assert_frame_equal(rep.lines, want, check_exact=True)
    assert len(want) == 6000 and rep.lines_file() == path  # written once


def test_lines_columns_reads_only_those_columns(sample_report):
    rep = sample_report()
    some = rep.lines_columns(["date", "revenue"])
    done = rep.lines_columns(["sale_id", "revenue"], completed=True)
    assert "lines" not in rep.__dict__ and list(some.columns) == ["date", "revenue"] and len(some) == 6000
    assert len(done) == 5703 and list(done.columns) == ["sale_id", "revenue"]
    pd.testing.assert_frame_equal(done, rep.completed[["sale_id", "revenue"]], check_exact=True)
    pd.testing.assert_frame_equal(rep.lines_columns(["date", "revenue"]), some, check_exact=True)  # lines loaded now
    fresh = sample_report()
    before = fresh.lines_file().stat().st_mtime_ns
    with pytest.raises(KeyError, match="no column no_such_column"):
        fresh.lines_columns(["revenue", "no_such_column"])
    assert fresh.lines_file().stat().st_mtime_ns == before  # nothing derived again
