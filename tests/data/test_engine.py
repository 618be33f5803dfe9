"""The DuckDB engine (lib.data.engine): views over the cached Parquet, names checked, a dataset held in memory,
private views per Engine, parameters, plain errors and the thread and memory settings."""

import pandas as pd
import pytest

from lib.config import SAMPLE_DIR
from lib.data import derived, engine
from lib.data.cache import derived_file
from lib.data.dataset import QUALITY_COLUMNS, Dataset
from lib.data.engine import Engine, connect, engine_memory, engine_threads, kernel_connection, period_engine
from lib.data.load import load_dataset


def small_tables() -> dict[str, pd.DataFrame]:
    sales = pd.DataFrame({
        "sale_id": pd.array(["s1", "s2", "s3"], dtype="string[pyarrow]"),
        "buyer_id": pd.array(["b1", None, "b2"], dtype="string[pyarrow]"),
        "date_sold": pd.to_datetime(["2026-10-01 10:00", "2026-10-02 11:00", "2026-11-01 09:00"]),
        "sale_price": [10.0, 20.0, 40.0], "quantity": [1, 2, 1], "status": ["completed"] * 3,
        "channel": ["website"] * 3, "fees": [0.0] * 3, "shipping_cost": [0.0] * 3,
    })
    return {"sales": sales}


def memory_dataset() -> Dataset:
    return Dataset(small_tables(), pd.DataFrame(columns=QUALITY_COLUMNS), "0" * 64, "fixture", "UTC")


def test_cached_tables_and_lines_are_parquet_views():
    ds = load_dataset(SAMPLE_DIR)
    eng = Engine()
    names = eng.register_tables(ds, ["sales", "users"])
    assert names == ["sales", "users"] and eng.views == {"sales": "parquet", "users": "parquet"}
    n = eng.query("SELECT COUNT(*) AS n FROM sales")["n"].iloc[0]
    assert n == len(ds.tables["sales"]) == 6000
    assert "sale_id" in eng.columns("sales")
    # the lines are not cached yet: computed once through cached_derived, written, then read as Parquet
    end = pd.Timestamp("2026-11-01")
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return derived.sale_lines(ds.tables, until=end)

    assert eng.register_derived(ds, "2026-10", "lines", compute) == "parquet"
    assert derived_file(ds, "2026-10", "lines").exists() and calls == [1]
    again = period_engine(ds, "2026-10", {"lines": compute})
    assert again.views == {"lines": "parquet"} and calls == [1]  # read from the cache, not computed again
    got = again.query("SELECT COUNT(*) AS n, SUM(revenue) FILTER (WHERE is_completed) AS r FROM lines")
    lines = compute()
    assert got["n"].iloc[0] == len(lines)
    assert got["r"].iloc[0] == pytest.approx(lines.loc[lines["is_completed"], "revenue"].sum(), rel=1e-12)
    eng.close()
    again.close()


def test_bad_names_are_refused():
    ds = memory_dataset()
    eng = Engine()
    df = pd.DataFrame({"x": [1]})
    for bad in ("Lines", "lines; DROP TABLE sales", "1x", "", "a" * 42, "x-y"):
        with pytest.raises(ValueError, match="lower-case word"):
            eng.register_frame(bad, df)
    with pytest.raises(ValueError, match="lower-case word"):
        eng.register_derived(ds, "2026-10", "../lines", lambda: df)
    with pytest.raises(ValueError, match="has no 'products' table"):
        eng.register_tables(ds, ["products"])
    with pytest.raises(ValueError, match="pandas DataFrame"):
        eng.register_frame("x", [1, 2])
    with pytest.raises(ValueError, match="no view 'nothing'"):
        eng.columns("nothing")
    assert eng.views == {}
    eng.close()


def test_memory_only_dataset_registers_frames():
    ds = memory_dataset()
    eng = Engine()
    assert eng.register_tables(ds) == ["sales"] and eng.views == {"sales": "frame"}
    with pytest.raises(ValueError, match="not in the cache yet"):
        eng.register_derived(ds, "2026-10", "lines")
    end = pd.Timestamp("2026-11-01")
    assert eng.register_derived(ds, "2026-10", "lines", lambda: derived.sale_lines(ds.tables, until=end)) == "frame"
    r = eng.query("SELECT SUM(revenue) AS revenue, COUNT(*) FILTER (WHERE is_guest) AS guests FROM lines "
                  "WHERE date_sold >= $start", {"start": pd.Timestamp("2026-10-02")})
    assert r["revenue"].iloc[0] == 40.0 and r["guests"].iloc[0] == 1  # s2: 2 x 20, no buyer
    r = eng.query("SELECT sale_id FROM sales WHERE sale_price > ? ORDER BY sale_id", [15.0])
    assert r["sale_id"].tolist() == ["s2", "s3"]
    eng.drop("sales")
    assert not eng.has("sales") and eng.has("lines")
    eng.close()


def test_views_are_private_to_each_engine():
    a, b = Engine(), Engine()
    a.register_frame("lines", pd.DataFrame({"v": [1, 2]}))
    b.register_frame("lines", pd.DataFrame({"v": [10]}))
    assert a.query("SELECT SUM(v) AS s FROM lines")["s"].iloc[0] == 3
    assert b.query("SELECT SUM(v) AS s FROM lines")["s"].iloc[0] == 10
    c = Engine()
    with pytest.raises(ValueError, match="could not run a query"):
        c.query("SELECT * FROM lines")
    for e in (a, b, c):
        e.close()


def test_plain_errors_and_settings(monkeypatch):
    eng = Engine()
    with pytest.raises(ValueError, match="could not run a query: Parser Error"):
        eng.query("SELEC 1")
    eng.close()
    monkeypatch.delenv(engine.THREADS_ENV, raising=False)
    monkeypatch.delenv(engine.MEMORY_ENV, raising=False)
    assert engine_threads() >= 1 and engine_memory() == "2GB"
    monkeypatch.setenv(engine.THREADS_ENV, "3")
    monkeypatch.setenv(engine.MEMORY_ENV, "512mb")
    assert engine_threads() == 3 and engine_memory() == "512MB"
    for bad in ("0", "two", "-1", "2.5"):
        with pytest.raises(ValueError, match="whole number of threads"):
            engine_threads(bad)
    for bad in ("lots", "2 GBs", "0GB", "-1GB"):
        with pytest.raises(ValueError, match="amount of memory"):
            engine_memory(bad)
    fresh = connect()  # opened with the environment's settings
    assert fresh.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone() == (
        3, "488.2 MiB")  # 512 MB as DuckDB prints it (MiB)
    fresh.close()
    assert connect(threads=1, memory="1GB").execute("SELECT current_setting('threads')").fetchone() == (1,)
    assert kernel_connection() is kernel_connection()  # one database per kernel
