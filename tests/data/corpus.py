"""The clean base dataset and the bad-input corpus of the data-layer tests (docs/data-contract.md, When the input breaks the contract).

The corpus under tests/data/bad_inputs/ is written by :func:`build_corpus` from one clean base
dataset (``BASE``) plus one small edit per case; regenerate it with
``.venv/bin/python tests/data/corpus.py`` and commit the folders (tests/data/test_load.py checks
that the committed folders match the generator).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from lib.data.contract import CORE_TABLES
from lib.data.dataset import ContractError, Problem
from lib.data.load import load_dataset

__all__ = ["CORPUS", "BASE", "BAD_CASES", "TOLERATED_CASES", "write_base", "edit", "drop_column", "build_corpus",
           "one_problem"]

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
    """BASE[file] without ``column``."""
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


def one_problem(folder: Path) -> Problem:
    """The one problem loading ``folder`` raises (fails when there is none, or more than one)."""
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    probs = ei.value.problems
    assert len(probs) == 1, [p.message() for p in probs]
    return probs[0]


if __name__ == "__main__":  # regenerate the committed corpus
    build_corpus()
    print(f"wrote {CORPUS}", file=sys.stderr)
