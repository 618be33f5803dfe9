"""Tests of lib.sql_source: the contract tables from SQLite give exactly what the CSV folder gives."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy.engine import make_url

from lib.config import ROOT, SAMPLE_DIR
from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.sql_source import masked_url, parse_table_map, read_only_engine, read_sql_tables, text_array

HAVE_SAMPLE = (SAMPLE_DIR / "sales.csv").exists()
needs_sample = pytest.mark.skipif(not HAVE_SAMPLE, reason="run `make sample-data` first")


def sample_to_sqlite(db: Path, folder: Path = SAMPLE_DIR) -> Path:
    """Every CSV of ``folder`` as a TEXT table of a new SQLite file, cells exactly as in the CSVs."""
    con = sqlite3.connect(db)
    try:
        for f in sorted(folder.glob("*.csv")):
            df = pd.read_csv(f, dtype=str, keep_default_na=False)
            df.to_sql(f.stem, con, index=False, dtype={c: "TEXT" for c in df.columns})
    finally:
        con.close()
    return db


def pipeline(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def run_metrics(data: str, out: Path) -> tuple[dict, str]:
    """metrics.json of one full pipeline run on ``data`` and the command's output."""
    res = pipeline("run", "--data", data, "--out", str(out))
    text = res.stdout + res.stderr
    assert res.returncode == 0, text
    files = list(out.glob("*/metrics.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text()), text


_CSV_RUN: dict[str, dict] = {}


def csv_run_metrics(tmp_root: Path) -> dict:
    """metrics.json of the CSV sample run, computed once per test session (test_postgres reuses it)."""
    if "m" not in _CSV_RUN:
        _CSV_RUN["m"], _ = run_metrics(str(SAMPLE_DIR), tmp_root / "csv_run")
    return _CSV_RUN["m"]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    if not HAVE_SAMPLE:
        pytest.skip("run `make sample-data` first")
    return sample_to_sqlite(tmp_path_factory.mktemp("db") / "sample.db")


# --------------------------------------------------------------------------- values as text


def test_text_array_writes_each_type_as_the_csv_would():
    # ints and Decimals keep their digits; NaN and None are blank (null); dates are ISO;
    # a naive timestamp stays naive (T separator, no fraction when there is none);
    # 20:15 at -04:00 is 00:15 UTC the next day, written with Z.
    assert text_array([42, None, 7]).to_pylist() == ["42", None, "7"]
    assert text_array([decimal.Decimal("1234.50"), None]).to_pylist() == ["1234.50", None]
    assert text_array([12.5, float("nan"), None]).to_pylist() == ["12.5", None, None]
    assert text_array([dt.date(2026, 10, 3), None]).to_pylist() == ["2026-10-03", None]
    assert text_array([dt.datetime(2026, 10, 3, 20, 15), None]).to_pylist() == ["2026-10-03T20:15:00", None]
    assert text_array([dt.datetime(2026, 10, 3, 20, 15, 0, 500000)]).to_pylist() == ["2026-10-03T20:15:00.500000"]
    tz = dt.timezone(dt.timedelta(hours=-4))
    assert text_array([dt.datetime(2026, 10, 3, 20, 15, tzinfo=tz)]).to_pylist() == ["2026-10-04T00:15:00Z"]
    assert text_array([None, None]).to_pylist() == [None, None]
    assert text_array(["00042", ""]).to_pylist() == ["00042", ""]


def test_text_array_mixed_sqlite_column_falls_back_to_text():
    # SQLite lets one column hold an integer, a real and a string: each becomes its own text
    assert text_array([42, 1.5, "abc", None]).to_pylist() == ["42", "1.5", "abc", None]
    assert text_array([b"caf\xc3\xa9", None]).to_pylist() == ["café", None]
    assert text_array(pa.array([True, None])).to_pylist() == ["true", None]


def test_parse_table_map_accepts_views_and_names_bad_parts():
    assert parse_table_map("sales:v_sales, users:crm.v_users") == ({"sales": "v_sales", "users": "crm.v_users"}, [])
    got, bad = parse_table_map("sales,orders:v,users:x;drop")
    assert got == {}
    assert len(bad) == 3
    assert "'sales' is not of the form" in bad[0] and "'orders' is not a contract table" in bad[1]
    assert "'x;drop' is not a plain table or view name" in bad[2]


def test_masked_url_hides_the_password():
    assert masked_url("postgresql://reader:s3cret@db.example:5432/shop") == "postgresql://reader:***@db.example:5432/shop"
    assert masked_url("sqlite:///data/shop.db") == "sqlite:///data/shop.db"


# --------------------------------------------------------------------------- SQLite = CSV


@needs_sample
def test_sqlite_tables_equal_the_csv_tables(sample_db):
    a = load_dataset(f"sqlite:///{sample_db}", use_cache=False)
    b = load_dataset(SAMPLE_DIR, use_cache=False)
    assert sorted(a.tables) == sorted(b.tables)
    for name in b.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    assert a.source == f"sqlite:///{sample_db}" and a.mapping is None

    def counts(q: pd.DataFrame) -> pd.DataFrame:
        q = q.copy()
        q["reason"] = q["reason"].str.replace(r"rows read from (table )?(\w+)(\.csv)?", r"rows read from \2", regex=True)
        return q.reset_index(drop=True)

    pd.testing.assert_frame_equal(counts(a.quality), counts(b.quality))
    assert "rows read from table sales" in set(a.quality["reason"])


@needs_sample
def test_sqlite_is_opened_read_only_and_left_unchanged(sample_db):
    before = sample_db.read_bytes()
    read_sql_tables(f"sqlite:///{sample_db}")
    assert sample_db.read_bytes() == before
    engine = read_only_engine(make_url(f"sqlite:///{sample_db}"))
    with engine.connect() as conn, pytest.raises(Exception, match="readonly"):
        conn.exec_driver_sql("CREATE TABLE intruder (a TEXT)")
    engine.dispose()
    assert sample_db.read_bytes() == before


def test_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path):
    db = tmp_path / "nope.db"
    with pytest.raises(ContractError) as e:
        load_dataset(f"sqlite:///{db}")
    assert "database file not found" in str(e.value)
    assert not db.exists()


def _tiny_db(path: Path, sales_rows: list[tuple], with_users: bool = False) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE sales (sale_id TEXT, buyer_id TEXT, date_sold TEXT, sale_price TEXT)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", sales_rows)
    if with_users:
        con.execute("CREATE TABLE users (user_id TEXT, signup_date TEXT)")
        con.execute("INSERT INTO users VALUES ('u1', '2026-01-02')")
    con.commit()
    con.close()
    return path


def test_bad_row_names_table_line_column_and_rule(tmp_path):
    # rows 1-3 of the table are lines 2-4 (the header counts as line 1): row 3 is line 4
    db = _tiny_db(tmp_path / "bad.db", [("s1", "u1", "2026-10-01 10:00:00", "100"),
                                        ("s2", "u1", "2026-10-02 10:00:00", "50.5"),
                                        ("s3", "u1", "2026-10-03 10:00:00", "abc")])
    with pytest.raises(ContractError) as e:
        load_dataset(f"sqlite:///{db}", use_cache=False)
    msg = str(e.value)
    assert "table sales, line 4, column 'sale_price': not a number" in msg, msg


def test_bad_row_through_the_validate_command(tmp_path):
    db = _tiny_db(tmp_path / "bad.db", [("s1", "u9", "2026-10-01 10:00:00", "100")], with_users=True)
    res = pipeline("validate", "--data", f"sqlite:///{db}", timeout=300)
    text = res.stdout + res.stderr
    assert res.returncode == 2, text
    assert "table sales, line 2, column 'buyer_id': value not found in users.csv (user_id)" in text, text
    assert "Traceback" not in text


def test_typed_database_columns_load_like_their_csv_text(tmp_path):
    # INTEGER ids and quantities, REAL prices, a NULL fee: the same frame as the CSV text
    db = tmp_path / "typed.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE sales (sale_id INTEGER, buyer_id INTEGER, date_sold TEXT, sale_price REAL, "
                "quantity INTEGER, fees REAL)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)",
                    [(1, 42, "2026-10-01 10:00:00", 100.0, 2, 3.5),
                     (2, 43, "2026-10-02T11:30:00", 80.25, 1, None)])
    con.commit()
    con.close()
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    (csv_dir / "sales.csv").write_text("sale_id,buyer_id,date_sold,sale_price,quantity,fees\n"
                                       "1,42,2026-10-01 10:00:00,100.0,2,3.5\n"
                                       "2,43,2026-10-02T11:30:00,80.25,1,\n")
    a = load_dataset(f"sqlite:///{db}", use_cache=False).tables["sales"]
    b = load_dataset(csv_dir, use_cache=False).tables["sales"]
    pd.testing.assert_frame_equal(a, b)
    assert list(a["buyer_id"]) == ["42", "43"] and list(a["fees"]) == [3.5, 0.0]


def test_views_chosen_with_the_tables_parameter(tmp_path):
    db = tmp_path / "shop.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE orders (order_no TEXT, customer TEXT, placed TEXT, price TEXT)")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                    [("o1", "c1", "2026-10-01 10:00:00", "100"), ("o2", "c2", "2026-10-05 12:00:00", "40")])
    con.execute("CREATE VIEW v_sales AS SELECT order_no AS sale_id, customer AS buyer_id, placed AS date_sold, "
                "price AS sale_price FROM orders")
    con.commit()
    con.close()
    ds = load_dataset(f"sqlite:///{db}?tables=sales:v_sales", use_cache=False)
    assert ds.mapping == "tables=sales:v_sales"
    assert list(ds.tables["sales"]["sale_price"]) == [100.0, 40.0]
    assert "rows read from view v_sales (sales)" in set(ds.quality["reason"])
    with pytest.raises(ContractError) as e:
        load_dataset(f"sqlite:///{db}?tables=sales:v_nope", use_cache=False)
    assert "table or view 'v_nope' for sales not found" in str(e.value) and "v_sales" in str(e.value)


def test_cache_key_follows_the_table_contents(tmp_path):
    db = _tiny_db(tmp_path / "c.db", [("s1", "u1", "2026-10-01 10:00:00", "100")])
    url = f"sqlite:///{db}"
    first = load_dataset(url)
    assert load_dataset(url).fingerprint == first.fingerprint
    con = sqlite3.connect(db)
    con.execute("UPDATE sales SET sale_price = '90'")
    con.commit()
    con.close()
    second = load_dataset(url)
    assert second.fingerprint != first.fingerprint
    assert list(second.tables["sales"]["sale_price"]) == [90.0]


def test_password_never_shown_when_the_server_is_unreachable():
    # port 1 on localhost refuses at once: the message names the masked URL only
    url = "postgresql://reader:s3cret-pw@127.0.0.1:1/shop"
    with pytest.raises(ContractError) as e:
        load_dataset(url)
    msg = str(e.value)
    assert "s3cret-pw" not in msg and "reader:***@127.0.0.1:1/shop" in msg, msg
    res = pipeline("validate", "--data", url, timeout=300)
    text = res.stdout + res.stderr
    assert res.returncode == 2 and "s3cret-pw" not in text and "reader:***@" in text, text


# --------------------------------------------------------------------------- the whole report


@needs_sample
def test_report_from_sqlite_writes_the_same_metrics_as_from_csv(sample_db, tmp_path):
    sql, text = run_metrics(f"sqlite:///{sample_db}", tmp_path / "sql_run")
    assert f"Source: sqlite:///{sample_db}" in text
    csv = csv_run_metrics(tmp_path)
    assert sql["period"] == csv["period"]
    assert sql["metrics"] == csv["metrics"]
    assert sql["data_source"] == f"sqlite:///{sample_db}"


def test_a_broken_view_is_named_and_the_other_tables_still_checked(tmp_path):
    # v_users selects from a table that was dropped: reading it fails inside the database
    db = _tiny_db(tmp_path / "v.db", [("s1", "u1", "2026-10-01 10:00:00", "-5")])
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE people (user_id TEXT, signup_date TEXT)")
    con.execute("CREATE VIEW v_users AS SELECT user_id, signup_date FROM people")
    con.execute("DROP TABLE people")
    con.commit()
    con.close()
    with pytest.raises(ContractError) as e:
        load_dataset(f"sqlite:///{db}?tables=users:v_users", use_cache=False)
    msg = str(e.value)
    assert "view v_users (users): could not be read (no such table: main.people)" in msg, msg
    assert "table sales, line 2, column 'sale_price': must be >= 0" in msg, msg
