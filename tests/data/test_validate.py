"""Tests of lib.data.validate and lib.data.contract: every hard rule, repair and default of the contract (docs/data-contract.md, General rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.data import cache
from lib.data.contract import CORE_TABLES, OPTIONAL_TABLES, TABLES, table_spec
from lib.data.dataset import ContractError
from lib.data.load import load_dataset, quality_text
from lib.data.raw import RawSource, RawTable
from lib.data.validate import dataset_from_raw, validate_tables
from tests.data.corpus import BASE, drop_column, edit, one_problem, write_base


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
    p = one_problem(folder)
    assert p.n_lines == 25
    assert p.message() == ("brands.csv, lines " + ", ".join(str(n) for n in range(2, 22))
                           + " and 5 more, column 'brand_name': required value is blank")


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
    p = one_problem(folder)
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
    p = one_problem(folder)
    assert (p.file, p.lines, p.column) == (table, (line,), column)
    assert rule in p.rule


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
    assert (cache.CACHE_DIR / "tables" / ds.fingerprint / "meta.json").exists()
    again = dataset_from_raw(raw, tz_name="America/New_York", use_cache=True)
    pd.testing.assert_frame_equal(again.tables["sales"], ds.tables["sales"])
    assert dataset_from_raw(raw, tz_name="UTC").fingerprint != ds.fingerprint


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
