"""Tests of lib.loader and lib.contract: every hard rule, repair and default of data-contract.md.

The bad-input corpus under tests/data/bad_inputs/ is written by ``build_corpus`` below from one clean
base dataset (``BASE``) plus one small edit per case; regenerate it with
``.venv/bin/python tests/data/test_loader.py`` and commit the folders.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.data import loader
from lib.data.contract import CORE_TABLES, OPTIONAL_TABLES, TABLES, table_spec
from lib.data.dataset import ContractError, Problem
from lib.data.loader import (
    RawSource,
    RawTable,
    dataset_fingerprint,
    dataset_from_raw,
    load_dataset,
    quality_summary,
    quality_text,
    read_csv_bytes,
    record_lines,
    validate_tables,
)

CORPUS = Path(__file__).parent / "bad_inputs"

# ----------------------------------------------------------------------------- the clean base dataset
# Line numbers below are physical lines: the header is line 1, so the first row is line 2.
BASE: dict[str, str] = {
    "brands.csv": (
        "brand_id,brand_name,tier\n"
        "B1,Chanel,luxury\n"
        "B2,Coach,premium\n"
        "B3,Gucci,luxury\n"
    ),
    "products.csv": (
        "product_id,brand_id,product_name,category,condition,sku,list_price\n"
        "P001,B1,Classic Flap,Bag,S,CF-1,5200.00\n"
        "P002,B2,Tabby 26,Bag,A,TB-26,450.00\n"
        "P003,B3,GG Card Case,Wallet,B,,180.00\n"
        "P004,B1,Slingback,Shoes,A,,900.00\n"
    ),
    "inventory.csv": (
        "inventory_id,product_id,date_acquired,unit_cost,quantity,date_listed\n"
        "I001,P001,2026-08-01,3100.00,1,2026-08-03\n"
        "I002,P002,2026-08-05,210.00,1,2026-08-06\n"
        "I003,P003,2026-08-10,60.00,2,2026-08-12\n"
        "I004,P004,2026-09-01,400.00,1,\n"
    ),
    "sales.csv": (
        "sale_id,product_id,buyer_id,date_sold,sale_price,quantity,channel,seller_id,show_id,fees,"
        "shipping_cost,status\n"
        "S001,P001,00042,2026-10-03 20:15:00,5000.00,1,whatnot,U7,SH1,400.00,15.00,completed\n"
        "S002,P002,42,2026-10-04 21:05:00,430.00,1,instagram,U7,SH2,30.00,12.00,completed\n"
        "S003,P003,00042,2026-10-10 14:00:00,150.00,2,poshmark,,,25.00,8.00,completed\n"
        "S004,P004,42,2026-10-20 11:30:00,850.00,1,website,,,0.00,0.00,refunded\n"
    ),
    "users.csv": (
        "user_id,signup_date,display_name,email,acquisition_channel,role\n"
        "00042,2026-01-15,Ann,ann@example.com,instagram,buyer\n"
        "42,2026-02-01,Bea,,whatnot,buyer\n"
        "U7,2026-03-01,Host Kim,,,seller\n"
    ),
    "shows.csv": (
        "show_id,channel,start_time,end_time,host_id\n"
        "SH1,whatnot,2026-10-03 19:00:00,2026-10-03 21:00:00,U7\n"
        "SH2,instagram,2026-10-04 20:30:00,2026-10-04 22:00:00,U7\n"
    ),
    "campaigns.csv": (
        "campaign_id,campaign_name,channel,start_date,end_date,spend\n"
        "C1,Fall drop,instagram,2026-09-25,2026-10-05,300.00\n"
        "C2,Whatnot promo,whatnot,2026-10-01,2026-10-31,150.00\n"
    ),
    "touchpoints.csv": (
        "user_id,timestamp,channel,campaign_id,touch_type\n"
        "00042,2026-10-01 12:00:00,instagram,C1,click\n"
        "42,2026-10-02 09:30:00,whatnot,C2,impression\n"
    ),
}


def write_base(folder: Path, **changes: str | bytes | None) -> Path:
    """Write the clean base dataset into ``folder``; ``changes`` replace (or with None delete) files.

    Keyword names are file stems: ``write_base(p, sales="...")`` replaces sales.csv.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes | None] = dict(BASE)
    for stem, content in changes.items():
        files[f"{stem}.csv" if not stem.endswith(".yaml") else stem] = content
    for name, content in files.items():
        if content is None:
            continue
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def edit(file: str, old: str, new: str) -> str:
    """BASE[file] with ``old`` (which must occur exactly once) replaced by ``new``."""
    text = BASE[file]
    assert text.count(old) == 1, (file, old)
    return text.replace(old, new)


def drop_column(file: str, column: str) -> str:
    rows = [r.split(",") for r in BASE[file].splitlines()]
    i = rows[0].index(column)
    return "".join(",".join(r[:i] + r[i + 1:]) + "\n" for r in rows)


# one defect per case: (changes, expected problem)
BAD_CASES: dict[str, tuple[dict, dict]] = {
    "missing_column": ({"sales": drop_column("sales.csv", "sale_price")},
                       {"file": "sales.csv", "line": 1, "column": "sale_price",
                        "rule_contains": "required column missing"}),
    "non_numeric_money": ({"sales": edit("sales.csv", "430.00", "four hundred")},
                          {"file": "sales.csv", "line": 3, "column": "sale_price", "rule_contains": "not a number"}),
    "negative_money": ({"inventory": edit("inventory.csv", "60.00", "-60.00")},
                       {"file": "inventory.csv", "line": 4, "column": "unit_cost", "rule_contains": "must be >= 0"}),
    "unparsable_date": ({"inventory": edit("inventory.csv", "2026-08-05", "2026-13-05")},
                        {"file": "inventory.csv", "line": 3, "column": "date_acquired",
                         "rule_contains": "not an ISO date"}),
    "duplicate_id": ({"products": edit("products.csv", "P003,B3", "P002,B3")},
                     {"file": "products.csv", "line": 4, "column": "product_id",
                      "rule_contains": "duplicate value"}),
    "orphan_foreign_key": ({"sales": edit("sales.csv", "S004,P004,42,", "S004,P004,99,")},
                           {"file": "sales.csv", "line": 5, "column": "buyer_id",
                            "rule_contains": "value not found in users.csv"}),
    "empty_file": ({"brands": ""},
                   {"file": "brands.csv", "line": 1, "column": None, "rule_contains": "file is empty"}),
    "header_only": ({"users": BASE["users.csv"].splitlines(keepends=True)[0]},
                    {"file": "users.csv", "line": 1, "column": None, "rule_contains": "header but no rows"}),
    "wrong_delimiter": ({"campaigns": BASE["campaigns.csv"].replace(",", ";")},
                        {"file": "campaigns.csv", "line": 1, "column": None,
                         "rule_contains": "not comma-separated"}),
    "wrong_encoding": ({"users": edit("users.csv", ",Bea,", ",Zoë,").encode("latin-1")},
                       {"file": "users.csv", "line": 3, "column": None, "rule_contains": "not UTF-8"}),
    "zero_quantity": ({"inventory": edit("inventory.csv", "400.00,1,", "400.00,0,")},
                      {"file": "inventory.csv", "line": 5, "column": "quantity", "rule_contains": "must be >= 1"}),
    "end_before_start": ({"shows": edit("shows.csv", "2026-10-04 22:00:00", "2026-10-04 20:00:00")},
                         {"file": "shows.csv", "line": 3, "column": "end_time",
                          "rule_contains": "end_time must be > start_time"}),
    "listed_before_acquired": ({"inventory": edit("inventory.csv", "2026-08-06", "2026-08-01")},
                               {"file": "inventory.csv", "line": 3, "column": "date_listed",
                                "rule_contains": "date_listed must be >= date_acquired"}),
    "empty_id_cells": ({"sales": edit("sales.csv", "S003,P003", ",P003")},
                       {"file": "sales.csv", "line": 4, "column": "sale_id", "rule_contains": "required value is blank"}),
    # decision: naive and offset values may be mixed (the contract allows both forms); a malformed
    # offset (here -4:00, one hour digit) is the error
    "inconsistent_timezone_offsets": (
        {"sales": edit("sales.csv", "2026-10-03 20:15:00", "2026-10-03T20:15:00-04:00")
         .replace("2026-10-20 11:30:00", "2026-10-20 11:30:00-4:00")},
        {"file": "sales.csv", "line": 5, "column": "date_sold", "rule_contains": "malformed timezone offset"}),
    # extra cases beyond the brief's list
    "status_not_allowed": ({"sales": edit("sales.csv", "0.00,refunded", "0.00,paid")},
                           {"file": "sales.csv", "line": 5, "column": "status", "rule_contains": "value not allowed"}),
    "wrong_field_count": ({"brands": edit("brands.csv", "B2,Coach,premium", "B2,Coach,premium,extra")},
                          {"file": "brands.csv", "line": 3, "column": None,
                           "rule_contains": "does not have 3 fields"}),
    "missing_sales": ({"sales": None},
                      {"file": "sales.csv", "line": None, "column": None, "rule_contains": "required table missing"}),
    "orphan_show_id": ({"sales": edit("sales.csv", "U7,SH2", "U7,SH9")},
                       {"file": "sales.csv", "line": 3, "column": "show_id",
                        "rule_contains": "value not found in shows.csv"}),
}

TOLERATED_CASES: dict[str, tuple[dict, dict]] = {
    "bom": ({"sales": b"\xef\xbb\xbf" + BASE["sales.csv"].encode()},
            {"repairs": {"sales": {"byte-order mark": 1}}}),
    "dollar_money": ({"sales": edit("sales.csv", ",5000.00,", ',"$5,000.00",').replace(",430.00,", ",$430.00,")},
                     {"repairs": {"sales": {"currency symbol or thousands separator": 2}}}),
    "extra_columns": ({"sales": "".join(line + (",note\n" if i else ",notes\n") for i, line in
                                        enumerate(BASE["sales.csv"].splitlines()))},
                      {"repairs": {}, "extra_columns": {"sales": ["notes"]}}),
    "optional_tables_missing": ({"shows": None, "campaigns": None, "touchpoints": None},
                                {"repairs": {}, "tables": sorted(CORE_TABLES)}),
}


def build_corpus(root: Path = CORPUS) -> None:
    """(Re)write tests/data/bad_inputs/ from BASE and the cases (each folder: dataset + expect.json)."""
    for name, (changes, expect) in BAD_CASES.items():
        d = root / name
        shutil.rmtree(d, ignore_errors=True)
        write_base(d, **changes)
        (d / "expect.json").write_text(json.dumps(expect, indent=1) + "\n")
    for name, (changes, expect) in TOLERATED_CASES.items():
        d = root / "tolerated" / name
        shutil.rmtree(d, ignore_errors=True)
        write_base(d, **changes)
        (d / "expect.json").write_text(json.dumps(expect, indent=1) + "\n")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test caches into its own temporary folder, never the repo's .cache."""
    monkeypatch.setattr(loader, "CACHE_DIR", tmp_path / "cache")


def _one_problem(folder: Path) -> Problem:
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    probs = ei.value.problems
    assert len(probs) == 1, [p.message() for p in probs]
    return probs[0]


# ----------------------------------------------------------------------------- the corpus


def test_corpus_matches_generator(tmp_path):
    build_corpus(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert made == committed
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (CORPUS / rel).read_bytes(), rel


def test_base_dataset_is_clean(tmp_path):
    ds = load_dataset(write_base(tmp_path / "base"), use_cache=False)
    assert set(ds.tables) == set(TABLES)
    # nothing repaired or defaulted in the base: every blank is in a column without a default
    assert set(ds.quality["action"]) == {"read"}
    reads = ds.quality[ds.quality["reason"].str.startswith("rows read")].set_index("table")["rows"]
    assert reads.to_dict() == {"brands": 3, "products": 4, "inventory": 4, "sales": 4, "users": 3,
                               "shows": 2, "campaigns": 2, "touchpoints": 2}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_case(case):
    folder = CORPUS / case
    expect = json.loads((folder / "expect.json").read_text())
    p = _one_problem(folder)
    assert p.file == expect["file"]
    if expect["line"] is not None:
        assert expect["line"] in p.lines
        assert f"line {expect['line']}" in p.message() or f", {expect['line']}" in p.message()
    assert p.column == expect["column"]
    assert expect["rule_contains"] in p.rule
    assert p.file in p.message() and expect["rule_contains"] in p.message()


@pytest.mark.parametrize("case", sorted(TOLERATED_CASES))
def test_tolerated_case(case):
    folder = CORPUS / "tolerated" / case
    expect = json.loads((folder / "expect.json").read_text())
    ds = load_dataset(folder, use_cache=False)
    q = ds.quality
    rep = q[q["action"] == "repaired"]
    expected_total = 0
    for table, reasons in expect["repairs"].items():
        for part, rows in reasons.items():
            got = rep[(rep["table"] == table) & rep["reason"].str.contains(part, regex=False)]["rows"].sum()
            assert got == rows, (table, part)
            expected_total += rows
    assert rep["rows"].sum() == expected_total  # no other repairs
    for table, cols in expect.get("extra_columns", {}).items():
        assert list(ds.tables[table].columns[-len(cols):]) == cols
    if "tables" in expect:
        assert sorted(ds.tables) == expect["tables"]


def test_exact_message_of_a_bad_cell():
    p = _one_problem(CORPUS / "non_numeric_money")
    assert p.message() == "sales.csv, line 3, column 'sale_price': not a number (e.g. 'four hundred')"


def test_encoding_and_delimiter_messages_say_how_to_fix():
    enc = _one_problem(CORPUS / "wrong_encoding").message()
    assert "0xEB" in enc and "CSV UTF-8" in enc and "iconv" in enc
    delim = _one_problem(CORPUS / "wrong_delimiter").message()
    assert "semicolons" in delim and "commas" in delim and "delimiter" in delim


# ----------------------------------------------------------------------------- every problem, 20-line cap


def test_all_problems_are_collected_across_files(tmp_path):
    folder = write_base(tmp_path / "d",
                        sales=edit("sales.csv", "430.00", "abc").replace(",850.00,", ",-850.00,"),
                        brands=edit("brands.csv", "B3,Gucci", "B2,Gucci"),
                        shows="")
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    got = sorted((p.file, p.column, p.rule, p.lines) for p in ei.value.problems)
    assert got == sorted([
        ("sales.csv", "sale_price", "not a number", (3,)),
        ("sales.csv", "sale_price", "must be >= 0", (5,)),
        ("brands.csv", "brand_id", "duplicate value (must be unique)", (3, 4)),
        ("shows.csv", None, "file is empty (no header row)", (1,)),
    ])
    text = str(ei.value)
    assert text.count("\n") == 3  # one line per problem


def test_at_most_20_lines_listed_then_a_count(tmp_path):
    header = BASE["brands.csv"].splitlines()[0]
    rows = "".join(f"B{i},\n" for i in range(25))  # 25 blank brand names on lines 2..26
    folder = write_base(tmp_path / "d", brands=header.replace(",tier", "") + "\n" + rows,
                        products=None, inventory=None)
    p = _one_problem(folder)
    assert p.n_lines == 25
    assert p.message() == ("brands.csv, lines " + ", ".join(str(n) for n in range(2, 22))
                           + " and 5 more, column 'brand_name': required value is blank")


# ----------------------------------------------------------------------------- repairs and defaults


def test_repairs_and_defaults_are_counted(tmp_path):
    sales = (
        "sale_id,buyer_id,date_sold,sale_price,quantity,channel,fees,shipping_cost,status\n"
        's1,00042,2026-10-03 20:15:00,"$1,234.50",,Whatnot,,,\n'         # price repaired; 4 defaults
        "s2,00042,2026-10-03,12.00,2,whatnot,1.50,,Refunded\n"            # date only; status case
        " s3 ,42,2026-10-04 10:00:00,USD 99.00,1,,,3.00,completed\n"       # id spaces; USD; 2 defaults
        "s4,42,2026-10-04 11:00:00,1200,1,instagram,0,0,cancelled\n"      # clean
    )
    folder = write_base(tmp_path / "d", sales=sales, products=None, inventory=None, shows=None)
    ds = load_dataset(folder, use_cache=False)
    q = ds.quality[ds.quality["table"] == "sales"].set_index(["action", "reason"])["rows"].to_dict()
    assert q[("repaired", "sale_price: currency symbol or thousands separator removed")] == 2  # s1, s3
    assert q[("repaired", "channel: written in lower case")] == 1  # s1
    assert q[("repaired", "status: written in lower case")] == 1  # s2
    assert q[("repaired", "sale_id: spaces around the id removed")] == 1  # s3
    assert q[("repaired", "date_sold: date without time of day, midnight assumed")] == 1  # s2
    assert q[("defaulted", "blank quantity set to 1")] == 1  # s1
    assert q[("defaulted", "blank channel set to 'unknown'")] == 1  # s3
    assert q[("defaulted", "blank fees set to 0")] == 2  # s1, s3
    assert q[("defaulted", "blank shipping_cost set to 0")] == 2  # s1, s2
    assert q[("defaulted", "blank status set to 'completed'")] == 1  # s1
    # absent optional columns: seller_id/show_id have no default; product_id is optional without products
    assert not any("seller_id" in r for _, r in q)
    s = ds.tables["sales"]
    assert s["sale_id"].tolist() == ["s1", "s2", "s3", "s4"]
    assert s["sale_price"].tolist() == [1234.5, 12.0, 99.0, 1200.0]
    assert s["quantity"].tolist() == [1, 2, 1, 1]
    assert s["channel"].tolist() == ["whatnot", "whatnot", "unknown", "instagram"]
    assert s["fees"].tolist() == [0.0, 1.5, 0.0, 0.0]
    assert s["status"].tolist() == ["completed", "refunded", "completed", "cancelled"]
    assert s["date_sold"].tolist()[1] == pd.Timestamp("2026-10-03 00:00:00")


def test_absent_optional_columns_get_defaults_and_are_counted(tmp_path):
    sales = "sale_id,buyer_id,date_sold,sale_price\nA,1,2026-10-01 10:00:00,10\nB,2,2026-10-02 11:00:00,20\n"
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_text(sales)
    ds = load_dataset(folder, use_cache=False)
    q = ds.quality.set_index(["action", "reason"])["rows"].to_dict()
    assert q[("defaulted", "column quantity absent; set to 1")] == 2
    assert q[("defaulted", "column channel absent; set to 'unknown'")] == 2
    assert q[("defaulted", "column fees absent; set to 0")] == 2
    assert q[("defaulted", "column shipping_cost absent; set to 0")] == 2
    assert q[("defaulted", "column status absent; set to 'completed'")] == 2
    s = ds.tables["sales"]
    assert list(s.columns) == list(TABLES["sales"].column_names)  # every contract column present
    assert s["product_id"].isna().all() and s["seller_id"].isna().all()
    assert s["status"].tolist() == ["completed", "completed"]


@pytest.mark.parametrize("text,value", [
    ("1234.5", 1234.5), ("$1,234.50", 1234.5), ("1,234.50", 1234.5), ("$ 12", 12.0), ("€12.00", 12.0),
    ("12.00 USD", 12.0), ("-0", 0.0), (".5", 0.5), ("1,000,000", 1e6),
])
def test_money_forms_accepted(tmp_path, text, value):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_text(f'sale_id,buyer_id,date_sold,sale_price\nA,1,2026-10-01,"{text}"\n')
    assert load_dataset(folder, use_cache=False).tables["sales"]["sale_price"].tolist() == [value]


@pytest.mark.parametrize("text,rule", [
    ("12,50", "not a number"), ("1.2.3", "not a number"), ("abc", "not a number"), ("nan", "not a number"),
    ("(5.00)", "must be >= 0"), ("$-5", "must be >= 0"), ("1,2345", "not a number"),
])
def test_money_forms_rejected(tmp_path, text, rule):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_text(f'sale_id,buyer_id,date_sold,sale_price\nA,1,2026-10-01,"{text}"\n')
    p = _one_problem(folder)
    assert (p.file, p.lines, p.column, p.rule) == ("sales.csv", (2,), "sale_price", rule)


# ----------------------------------------------------------------------------- partial data, ids


def test_minimal_sales_only_folder_loads(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    # product ids refer to a products table that is absent: not checked (data-contract.md, Partial data)
    (folder / "sales.csv").write_text("sale_id,product_id,buyer_id,date_sold,sale_price\n"
                                      "1,P9,007,2026-10-01 10:00,5\n")
    ds = load_dataset(folder, use_cache=False)
    assert list(ds.tables) == ["sales"] and ds.has("sales") and not ds.has("users")
    assert ds.tables["sales"]["product_id"].tolist() == ["P9"]
    assert ds.tables["sales"]["buyer_id"].tolist() == ["007"]
    assert "Tables not present: brands, products, inventory, users, shows, campaigns, touchpoints." in quality_text(ds)


def test_product_id_required_when_products_present(tmp_path):
    folder = write_base(tmp_path / "d", sales=drop_column("sales.csv", "product_id"))
    p = _one_problem(folder)
    assert (p.file, p.column, p.rule) == ("sales.csv", "product_id", "required column missing")


def test_leading_zero_ids_stay_distinct_strings(tmp_path):
    ds = load_dataset(write_base(tmp_path / "d"), use_cache=False)
    u = ds.tables["users"]
    assert u["user_id"].tolist() == ["00042", "42", "U7"]
    assert str(u["user_id"].dtype) == "string"
    per_buyer = ds.tables["sales"].groupby("buyer_id")["sale_price"].sum().to_dict()
    assert per_buyer == {"00042": 5150.0, "42": 1280.0}  # 5000+150 and 430+850


def test_loaded_dtypes_follow_the_contract(tmp_path):
    ds = load_dataset(write_base(tmp_path / "d"), use_cache=False)
    kinds = {"id": "string", "text": "str", "money": "float64", "integer": "int64",
             "date": "datetime64[ns]", "timestamp": "datetime64[ns]"}
    for name, spec in TABLES.items():
        df = ds.tables[name]
        for col in spec.columns:
            assert str(df[col.name].dtype) == kinds[col.type], (name, col.name)
    dates = ds.tables["inventory"]["date_acquired"]
    assert (dates == dates.dt.normalize()).all()


def test_header_only_optional_table_is_treated_as_absent(tmp_path):
    folder = write_base(tmp_path / "d", shows=BASE["shows.csv"].splitlines()[0] + "\n",
                        sales=BASE["sales.csv"].replace(",SH1,", ",,").replace(",SH2,", ",,"))
    ds = load_dataset(folder, use_cache=False)
    assert "shows" not in ds.tables
    assert ds.notes == ["shows.csv has a header but no rows; treated as absent."]


def test_show_ids_not_checked_without_shows(tmp_path):
    ds = load_dataset(write_base(tmp_path / "d", shows=None), use_cache=False)
    assert ds.tables["sales"]["show_id"].tolist()[:2] == ["SH1", "SH2"]


def test_conditions_other_than_sab_are_reported_not_rejected(tmp_path):
    folder = write_base(tmp_path / "d", products=edit("products.csv", "Wallet,B,", "Wallet,AB,")
                        .replace("Shoes,A,", "Shoes,C,"))
    ds = load_dataset(folder, use_cache=False)
    row = ds.quality[ds.quality["reason"].str.startswith("condition other than")]
    assert row[["table", "action", "reason", "rows"]].values.tolist() == [
        ["products", "read", "condition other than S/A/B: AB (1), C (1)", 2]]


@pytest.mark.parametrize("table,old,new,line,column,rule", [
    ("users.csv", "Host Kim,,,seller", "Host Kim,,,owner", 4, "role", "value not allowed"),
    ("touchpoints.csv", "C2,impression", "C2,view", 3, "touch_type", "value not allowed"),
    ("touchpoints.csv", "42,2026-10-02", "43,2026-10-02", 3, "user_id", "value not found in users.csv"),
    ("touchpoints.csv", "C2,impression", "C9,impression", 3, "campaign_id", "value not found in campaigns.csv"),
    ("campaigns.csv", "2026-10-01,2026-10-31", "2026-10-01,2026-09-30", 3, "end_date", "must be >= start_date"),
    ("campaigns.csv", "C1,Fall drop", "C1,", 2, "campaign_name", "required value is blank"),
    ("shows.csv", "22:00:00,U7", "22:00:00,U8", 3, "host_id", "value not found in users.csv"),
    ("sales.csv", "U7,SH1", "U8,SH1", 2, "seller_id", "value not found in users.csv"),
    ("products.csv", "P004,B1", "P004,B9", 5, "brand_id", "value not found in brands.csv"),
    ("inventory.csv", "I004,P004", "I004,P005", 5, "product_id", "value not found in products.csv"),
    ("sales.csv", "S003,P003", "S003,P005", 4, "product_id", "value not found in products.csv"),
    ("sales.csv", "850.00,1,", "850.00,1.5,", 5, "quantity", "not a whole number"),
    ("sales.csv", ",2,poshmark", ",0,poshmark", 4, "quantity", "must be >= 1"),
    ("sales.csv", "25.00,8.00", "25.00,-8.00", 4, "shipping_cost", "must be >= 0"),
    ("users.csv", "42,2026-02-01", "42,2026-02-30", 3, "signup_date", "not an ISO date"),
    ("users.csv", "42,2026-02-01", "42,01/02/2026", 3, "signup_date", "not an ISO date"),
    ("sales.csv", "2026-10-10 14:00:00", "10/10/2026 14:00", 4, "date_sold", "not an ISO 8601 timestamp"),
    ("sales.csv", "2026-10-10 14:00:00", "2026-10-10 25:00:00", 4, "date_sold", "not an ISO 8601 timestamp"),
    ("sales.csv", "2026-10-10 14:00:00", "2026-10-10 14:00:00+15:00", 4, "date_sold", "malformed timezone offset"),
    ("sales.csv", "2026-10-10 14:00:00", "2026-10-10 14:00:00-04:60", 4, "date_sold", "malformed timezone offset"),
    ("brands.csv", "B3,Gucci", "B3,  ", 4, "brand_name", "required value is blank"),
    ("shows.csv", "SH2,instagram", "SH2,", 3, "channel", "required value is blank"),
    ("shows.csv", "2026-10-03 21:00:00", "2026-10-03 19:00:00", 2, "end_time", "must be > start_time"),
])
def test_each_hard_rule(tmp_path, table, old, new, line, column, rule):
    folder = write_base(tmp_path / "d", **{table[:-4]: edit(table, old, new)})
    p = _one_problem(folder)
    assert (p.file, p.lines, p.column) == (table, (line,), column)
    assert rule in p.rule


def test_duplicate_header_names_and_missing_folder(tmp_path):
    folder = write_base(tmp_path / "d", brands="brand_id,brand_name,brand_name\nB1,a,b\n")
    p = _one_problem(folder)
    assert (p.file, p.lines, p.rule, p.detail) == ("brands.csv", (1,), "duplicate column name in the header",
                                                   "'brand_name'")
    with pytest.raises(ContractError, match="data folder does not exist"):
        load_dataset(tmp_path / "nope")


# ----------------------------------------------------------------------------- timestamps and time zones


def _sales_times(tmp_path, values: list[str], tz: str = "America/New_York") -> tuple[list, pd.DataFrame]:
    rows = "".join(f"s{i},b,{v},1\n" for i, v in enumerate(values))
    folder = tmp_path / f"t{abs(hash((tuple(values), tz)))}"
    folder.mkdir()
    (folder / "sales.csv").write_text("sale_id,buyer_id,date_sold,sale_price\n" + rows)
    ds = load_dataset(folder, tz_name=tz, use_cache=False)
    return ds.tables["sales"]["date_sold"].tolist(), ds.quality


def test_offsets_converted_to_business_time_across_dst(tmp_path):
    got, q = _sales_times(tmp_path, [
        "2026-03-08T06:59:00Z",        # 01:59 EST, just before the spring-forward jump
        "2026-03-08T07:00:00Z",        # 02:00 EST does not exist: 03:00 EDT
        "2026-11-01 01:30:00-04:00",   # first 01:30 (EDT)
        "2026-11-01 01:30:00-05:00",   # second 01:30 (EST), an hour later in real time
        "2026-10-03 20:15:00+02:00",   # Europe evening = 14:15 New York (EDT)
        "2026-10-03T20:15:00+0200",    # offset without colon
        "2026-10-03T20:15:00.250-04",  # fractional seconds, hour-only offset
        "2026-10-03 20:15:00",         # naive: business-local, unchanged
        "2026-10-03 20:15:00 UTC",     # UTC suffix: 16:15 EDT
    ])
    assert got == [pd.Timestamp(x) for x in [
        "2026-03-08 01:59", "2026-03-08 03:00", "2026-11-01 01:30", "2026-11-01 01:30",
        "2026-10-03 14:15", "2026-10-03 14:15", "2026-10-03 20:15:00.250", "2026-10-03 20:15",
        "2026-10-03 16:15"]]
    q = q.set_index("reason")["rows"]
    assert q["date_sold: timestamps with an offset converted to America/New_York"] == 8
    assert q["date_sold: timestamps without an offset taken as America/New_York local time"] == 1


def test_offsets_converted_to_another_business_zone(tmp_path):
    got, _ = _sales_times(tmp_path, ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-03 20:15:00"],
                          tz="Europe/London")
    # BST ends 2026-10-25 at 01:00 UTC: 00:30Z = 01:30 BST, 01:30Z = 01:30 GMT; naive unchanged
    assert got == [pd.Timestamp("2026-10-25 01:30"), pd.Timestamp("2026-10-25 01:30"),
                   pd.Timestamp("2026-10-03 20:15")]


def test_naive_only_column_has_no_conversion_rows(tmp_path):
    got, q = _sales_times(tmp_path, ["2026-10-03 20:15", "2026-10-03T21:15:09"])
    assert got == [pd.Timestamp("2026-10-03 20:15"), pd.Timestamp("2026-10-03 21:15:09")]
    assert not q["reason"].str.contains("offset").any()


def test_unknown_time_zone_is_a_plain_error(tmp_path):
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        load_dataset(write_base(tmp_path / "d"), tz_name="Mars/Base")


# ----------------------------------------------------------------------------- physical line numbers


def test_line_numbers_with_quoted_newlines_and_blank_lines(tmp_path):
    brands = ('brand_id,brand_name,tier\n'
              'B1,"Chanel\nParis",luxury\n'   # one record on lines 2-3
              '\n'                             # blank line 4 is skipped
              'B2,Coach,premium\r\n'           # line 5
              'B3,"Gucci ""GG""",\n'           # line 6, escaped quotes
              'B1,"Dup",x\n')                  # line 7: duplicate of line 2
    folder = write_base(tmp_path / "d", brands=brands)
    p = _one_problem(folder)
    assert (p.column, p.lines) == ("brand_id", (2, 7))


def test_windows_line_endings_load_like_unix_ones(tmp_path):
    unix = load_dataset(write_base(tmp_path / "u"), use_cache=False)
    crlf = load_dataset(write_base(tmp_path / "w", **{n[:-4]: t.replace("\n", "\r\n") for n, t in BASE.items()}),
                        use_cache=False)
    for name in unix.tables:
        pd.testing.assert_frame_equal(crlf.tables[name], unix.tables[name])
    bad = edit("sales.csv", "430.00", "x").replace("\n", "\r\n").replace("S001", "\r\nS001")
    p = _one_problem(write_base(tmp_path / "b", sales=bad))
    assert p.lines == (4,)  # the blank CRLF line 2 pushes S002 to line 4


@pytest.mark.parametrize("data,n", [
    (b"a,b\n1,2\n3,4\n", 2),
    (b"a,b\n1,2\n\n3,4\n\n\n", 2),
    (b'a,b\n"x\ny",2\n3,"4\n\n5"\n6,7', 3),
    (b"a,b\r\n1,2\r\n\r\n3,4\r\n", 2),
])
def test_record_lines_matches_the_csv_module(data, n):
    exact, _ = loader._lines_by_csv_module(data.decode())
    assert record_lines(data, n).tolist() == exact.tolist()
    assert record_lines(data).tolist() == exact.tolist()


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.text(alphabet='ab ,"\n', max_size=6), st.text(alphabet="xy,\n", max_size=4),
                               st.integers(0, 2)), min_size=1, max_size=12))
def test_read_csv_bytes_lines_agree_with_the_csv_module(rows):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["a", "b"])
    for a, b, blanks in rows:
        w.writerow(["k" + a, b])  # never a fully empty record
        buf.write("\n" * blanks)  # blank lines between records are skipped
    data = buf.getvalue().encode()
    raw, probs = read_csv_bytes(data, "t.csv", "brands")
    assert probs == []
    starts, _ = loader._lines_by_csv_module(data.decode())
    assert raw.lines.tolist() == starts.tolist()
    assert raw.frame["a"].tolist() == ["k" + a for a, _, _ in rows]
    assert raw.frame["b"].tolist() == [b for _, b, _ in rows]


def test_record_lines_hand_computed():
    data = b'h\n"a\nb"\n\nc\n'
    # header line 1; record "a\nb" starts on line 2; line 4 blank; "c" on line 5
    assert record_lines(data).tolist() == [2, 5]


# ----------------------------------------------------------------------------- validate step alone (SQL readers)


def test_validate_tables_on_a_hand_built_raw_source():
    frame = pd.DataFrame({"sale_id": ["a", "b", "b"], "buyer_id": ["1", "2", "3"],
                          "date_sold": ["2026-10-01 10:00", "2026-10-01 11:00", "x"],
                          "sale_price": ["1", "2", "3"]}, dtype="str")
    raw = RawSource({"sales": RawTable("sales", frame, np.array([10, 11, 12]), ("db: sales",))},
                    description="sqlite:///x.db")
    with pytest.raises(ContractError) as ei:
        validate_tables(raw)
    got = sorted((p.file, p.column, p.rule, p.lines) for p in ei.value.problems)
    assert got == [("db: sales", "date_sold", "not an ISO 8601 timestamp", (12,)),
                   ("db: sales", "sale_id", "duplicate value (must be unique)", (11, 12))]
    raw.tables["sales"].frame.loc[2, ["sale_id", "date_sold"]] = ["c", "2026-10-02"]
    tables, quality, notes = validate_tables(raw)
    assert tables["sales"]["sale_id"].tolist() == ["a", "b", "c"] and notes == []
    assert list(quality.columns) == ["table", "action", "reason", "rows"]


def test_dataset_from_raw_is_the_plug_in_point_for_other_readers(tmp_path):
    frame = pd.DataFrame({"sale_id": ["a"], "buyer_id": ["0042"], "date_sold": ["2026-10-01T10:00:00Z"],
                          "sale_price": ["1"]}, dtype="str")
    raw = RawSource({"sales": RawTable("sales", frame, np.array([1]), ("db table sales",))},
                    description="sqlite:///shop.db", digests={"sales": "abc"})
    ds = dataset_from_raw(raw, tz_name="America/New_York", use_cache=True)
    assert ds.source == "sqlite:///shop.db" and ds.tables["sales"]["buyer_id"].tolist() == ["0042"]
    assert ds.tables["sales"]["date_sold"].tolist() == [pd.Timestamp("2026-10-01 06:00")]
    assert (loader.CACHE_DIR / "tables" / ds.fingerprint / "meta.json").exists()
    again = dataset_from_raw(raw, tz_name="America/New_York", use_cache=True)
    pd.testing.assert_frame_equal(again.tables["sales"], ds.tables["sales"])
    assert dataset_from_raw(raw, tz_name="UTC").fingerprint != ds.fingerprint


def test_raw_table_checks_line_count():
    with pytest.raises(ValueError, match="2 line numbers for 1 rows"):
        RawTable("sales", pd.DataFrame({"a": ["1"]}), np.array([2, 3]), ("x.csv",))


def test_read_csv_bytes_keeps_text_and_lines():
    raw, probs = read_csv_bytes(b"\xef\xbb\xbfid,x\n007,  a \n", "t.csv", "brands")
    assert probs == [] and raw.frame["id"].tolist() == ["007"] and raw.frame["x"].tolist() == ["  a "]
    assert raw.lines.tolist() == [2] and raw.quality == [("repaired", "byte-order mark (BOM) removed from t.csv", 1)]


# ----------------------------------------------------------------------------- cache and fingerprint


def test_cache_hit_returns_identical_frames(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "5000.00", '"$5,000.00"'))
    first = load_dataset(folder)
    cache_dirs = list((loader.CACHE_DIR / "tables").iterdir())
    assert [d.name for d in cache_dirs] == [first.fingerprint]  # no temporary folders left behind
    assert sorted(p.name for p in cache_dirs[0].iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["meta.json"])
    second = load_dataset(folder)
    assert second.fingerprint == first.fingerprint
    assert set(second.tables) == set(first.tables)
    for name in first.tables:
        pd.testing.assert_frame_equal(second.tables[name], first.tables[name], check_exact=True)
    pd.testing.assert_frame_equal(second.quality, first.quality)
    assert second.notes == first.notes and second.tz_name == first.tz_name


def test_cache_is_really_read(tmp_path, monkeypatch):
    folder = write_base(tmp_path / "d")
    load_dataset(folder)
    monkeypatch.setattr(loader, "_validate_feeds", lambda *a, **k: pytest.fail("cache not used"))
    load_dataset(folder)
    with pytest.raises(BaseException, match="cache not used"):
        load_dataset(folder, use_cache=False)


def test_fingerprint_changes_with_bytes_tz_and_mapping(tmp_path):
    folder = write_base(tmp_path / "d")
    fp = dataset_fingerprint(folder)
    assert fp == dataset_fingerprint(folder) == load_dataset(folder, use_cache=False).fingerprint
    assert dataset_fingerprint(folder, tz_name="Europe/London") != fp
    (folder / "users.csv").write_text(BASE["users.csv"].replace("Bea", "Bee"))
    fp2 = dataset_fingerprint(folder)
    assert fp2 != fp
    (folder / "mapping.yaml").write_text("tables:\n  users:\n    file: users.csv\n")
    assert dataset_fingerprint(folder) != fp2
    assert len(fp) == 64


def test_use_cache_false_writes_nothing(tmp_path):
    load_dataset(write_base(tmp_path / "d"), use_cache=False)
    assert not (loader.CACHE_DIR / "tables").exists()


def test_a_failed_load_is_not_cached(tmp_path):
    with pytest.raises(ContractError):
        load_dataset(CORPUS / "negative_money")
    assert not (loader.CACHE_DIR / "tables").exists() or not any((loader.CACHE_DIR / "tables").iterdir())


# ----------------------------------------------------------------------------- summaries


def test_quality_summary_and_text(tmp_path):
    ds = load_dataset(CORPUS / "tolerated" / "dollar_money", use_cache=False)
    qs = quality_summary(ds)
    assert list(qs.columns) == ["table", "action", "reason", "rows"]
    assert qs["table"].is_monotonic_increasing
    text = quality_text(ds)
    assert text.startswith(f"Loaded 8 table(s) from {ds.source}: brands 3 rows, products 4 rows,")
    assert ("2 cell(s) repaired (sales: sale_price: currency symbol or thousands separator removed (2))."
            in text)
    assert "Nothing defaulted." in text and "No rows excluded." in text
    ds = load_dataset(CORPUS / "tolerated" / "extra_columns", use_cache=False)
    assert "Noted: sales: extra column(s) kept, not used: notes (4)." in quality_text(ds)


def test_contract_tables_as_data():
    assert CORE_TABLES == ("brands", "products", "inventory", "sales", "users")
    assert OPTIONAL_TABLES == ("shows", "campaigns", "touchpoints")
    sales = table_spec("sales")
    assert [c.name for c in sales.columns if c.required] == ["sale_id", "product_id", "buyer_id",
                                                             "date_sold", "sale_price"]
    assert sales.column("status").allowed == ("completed", "refunded", "cancelled")
    assert sales.column("quantity").default == 1 and sales.column("quantity").min_value == 1
    with pytest.raises(ValueError, match="unknown table 'orders'"):
        table_spec("orders")


if __name__ == "__main__":  # regenerate the committed corpus
    build_corpus()
    print(f"wrote {CORPUS}", file=sys.stderr)



def test_prune_cache_keeps_the_most_recently_used_and_anything_in_use(tmp_path):
    import os
    import time

    now = time.time()
    for name, minutes_ago in [("a", 1), ("b", 30), ("c", 300), ("d", 360), ("e", 420)]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
        os.utime(tmp_path / name / "meta.json", (now - minutes_ago * 60,) * 2)
    (tmp_path / ".tmp-old").mkdir()
    os.utime(tmp_path / ".tmp-old", (now - 2 * 86400,) * 2)
    (tmp_path / ".tmp-new").mkdir()  # being written by a run right now
    removed = loader.prune_cache(keep=1, min_age=3600, folder=tmp_path)
    # a: the most recent; b: beyond the rank but used 30 minutes ago, so a run may still read it
    assert sorted(removed) == [".tmp-old", "c", "d", "e"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-new", "a", "b"]
    assert loader.prune_cache(keep=1, min_age=3600, folder=tmp_path / "missing") == []


def test_publishing_a_new_entry_prunes_the_least_recently_used(monkeypatch):
    import time

    monkeypatch.setattr(loader, "CACHE_KEEP", 2)
    monkeypatch.setattr(loader, "CACHE_MIN_AGE_SECONDS", 0.0)
    frame = pd.DataFrame({"sale_id": ["a"], "buyer_id": ["1"], "date_sold": ["2026-10-01T10:00:00Z"],
                          "sale_price": ["1"]}, dtype="str")
    fps = []
    for digest in ["d1", "d2", "d3"]:
        raw = RawSource({"sales": RawTable("sales", frame, np.array([2]), ("sales.csv",))},
                        description="test", digests={"sales": digest})
        fps.append(dataset_from_raw(raw, use_cache=True).fingerprint)
        time.sleep(0.02)
        if digest == "d2":
            assert loader.load_cached(fps[0], "test") is not None  # reading d1 makes it the most recent
            time.sleep(0.02)
    assert sorted(p.name for p in (loader.CACHE_DIR / "tables").iterdir()) == sorted([fps[0], fps[2]])
