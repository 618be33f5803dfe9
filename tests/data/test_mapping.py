"""Tests of lib.data.mapping: mapping.yaml onto the contract, and messages naming both columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.mapping import SourcedProblem, parse_mapping

# A shop export: monthly order files with their own column names, US dates, "$" prices,
# fees stored negative, financial statuses in the shop's words, and a customers file.
MAPPING = """\
version: 1
tables:
  sales:
    file: "orders_2026-*.csv"
    columns:
      sale_id: Name
      buyer_id: Customer ID
      date_sold: Created at
      sale_price: Lineitem price
      quantity: Lineitem quantity
      fees: Fees
      status: Financial Status
    constants:
      channel: website
    transforms:
      date_sold: {date_format: "%m/%d/%Y %H:%M"}
      sale_price: {strip_currency: true}
      fees: {multiply: -1}
      status: {values: {paid: completed, refunded: refunded, voided: cancelled}}
  users:
    file: customers.csv
    columns:
      user_id: Customer ID
      signup_date: First order
    defaults:
      acquisition_channel: website
"""

ORDERS_09 = (
    "Name,Email,Customer ID,Created at,Lineitem price,Lineitem quantity,Fees,Financial Status\n"
    "#1001,a@example.com,0007,09/30/2026 21:15,\"$1,234.50\",1,-35.80,paid\n"
)
ORDERS_10 = (
    "Name,Email,Customer ID,Created at,Lineitem price,Lineitem quantity,Fees,Financial Status\n"
    "#1002,b@example.com,7,10/01/2026 09:05,$80.00,2,-3.20,refunded\n"
    "#1003,a@example.com,0007,10/02/2026 23:59,US$ 15,,,voided\n"
)
CUSTOMERS = "Customer ID,First order,Notes\n0007,2026-09-30,vip\n7,2026-10-01,\n"


def shop_folder(root: Path, mapping: str = MAPPING, **files: str | bytes) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    content = {"orders_2026-09.csv": ORDERS_09, "orders_2026-10.csv": ORDERS_10, "customers.csv": CUSTOMERS,
               "mapping.yaml": mapping}
    content.update({k.replace("__", "."): v for k, v in files.items()})
    for name, text in content.items():
        if text is not None:
            (root / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


def _problems(folder: Path) -> list:
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    return ei.value.problems


def test_shop_export_is_mapped_onto_the_contract(tmp_path):
    ds = load_dataset(shop_folder(tmp_path / "d"), use_cache=False)
    assert sorted(ds.tables) == ["sales", "users"]
    assert ds.mapping is not None and ds.mapping.endswith("mapping.yaml")
    s = ds.tables["sales"]
    assert s["sale_id"].tolist() == ["#1001", "#1002", "#1003"]  # files concatenated in name order
    assert s["buyer_id"].tolist() == ["0007", "7", "0007"]
    assert s["date_sold"].tolist() == [pd.Timestamp("2026-09-30 21:15"), pd.Timestamp("2026-10-01 09:05"),
                                       pd.Timestamp("2026-10-02 23:59")]
    assert s["sale_price"].tolist() == [1234.5, 80.0, 15.0]
    assert s["quantity"].tolist() == [1, 2, 1]
    assert s["fees"].tolist() == [35.8, 3.2, 0.0]
    assert s["status"].tolist() == ["completed", "refunded", "cancelled"]
    assert s["channel"].tolist() == ["website"] * 3
    assert "Email" in s.columns  # unmapped source columns are kept as extras
    u = ds.tables["users"]
    assert u["user_id"].tolist() == ["0007", "7"]
    assert u["acquisition_channel"].tolist() == ["website", "website"]
    q = ds.quality.set_index(["table", "action", "reason"])["rows"].to_dict()
    # declared transforms are not repairs; blanks still take contract or mapping defaults
    assert ("sales", "repaired", "sale_price: currency symbol or thousands separator removed") not in q
    assert q[("sales", "read", "rows read from orders_2026-09.csv")] == 1
    assert q[("sales", "read", "rows read from orders_2026-10.csv")] == 2
    assert q[("sales", "defaulted", "blank quantity set to 1")] == 1
    assert q[("sales", "defaulted", "blank fees set to 0")] == 1
    assert q[("users", "defaulted", "column acquisition_channel absent; set to 'website' (mapping default)")] == 2


def test_contract_error_on_mapped_data_names_both_columns_and_the_monthly_file(tmp_path):
    bad = ORDERS_10.replace("$80.00", "-$80.00")
    folder = shop_folder(tmp_path / "d", **{"orders_2026-10__csv": bad})
    (p,) = _problems(folder)
    assert isinstance(p, SourcedProblem)
    assert p.message() == ("orders_2026-10.csv, line 2, column 'sale_price' (source 'Lineitem price'): "
                           "must be >= 0 (e.g. '-80.00')")


def test_errors_in_two_monthly_files_are_reported_per_file(tmp_path):
    folder = shop_folder(tmp_path / "d", **{
        "orders_2026-09__csv": ORDERS_09.replace(",paid", ",pending"),
        "orders_2026-10__csv": ORDERS_10.replace(",voided", ",on hold")})
    got = sorted((p.file, p.lines, p.column, p.source) for p in _problems(folder))
    assert got == [("orders_2026-09.csv", (2,), "status", "Financial Status"),
                   ("orders_2026-10.csv", (3,), "status", "Financial Status")]


def test_date_format_mismatch_names_both_columns(tmp_path):
    folder = shop_folder(tmp_path / "d", **{"orders_2026-10__csv": ORDERS_10.replace("10/02/2026", "2026-10-02")})
    (p,) = _problems(folder)
    assert p.message() == ("orders_2026-10.csv, line 3, column 'date_sold' (source 'Created at'): "
                           "does not match date_format '%m/%d/%Y %H:%M' (e.g. '2026-10-02 23:59')")


def test_impossible_date_in_date_format_is_rejected(tmp_path):
    folder = shop_folder(tmp_path / "d", **{"orders_2026-09__csv": ORDERS_09.replace("09/30/2026", "09/31/2026")})
    (p,) = _problems(folder)
    assert (p.file, p.lines, p.column, p.rule) == (
        "orders_2026-09.csv", (2,), "date_sold", "does not match date_format '%m/%d/%Y %H:%M'")


def test_missing_source_column_names_both(tmp_path):
    folder = shop_folder(tmp_path / "d", mapping=MAPPING.replace("sale_price: Lineitem price", "sale_price: Price"))
    probs = _problems(folder)
    assert {p.file for p in probs} == {"orders_2026-09.csv", "orders_2026-10.csv"}
    assert probs[0].message().startswith(
        "orders_2026-09.csv, line 1, column 'sale_price' (source 'Price'): source column not found in the file "
        "(its columns are: Name, Email, Customer ID,")


def test_required_column_missing_in_one_monthly_file(tmp_path):
    # without a mapping entry, sale_price must come from a column named sale_price: the September
    # file has one, the October file does not
    mapping = MAPPING.replace("      sale_price: Lineitem price\n", "").replace(
        "      sale_price: {strip_currency: true}\n", "")
    folder = shop_folder(tmp_path / "d", mapping=mapping,
                         **{"orders_2026-09__csv": ORDERS_09.replace("Lineitem price", "sale_price")
                            .replace('"$1,234.50"', "1234.50")})
    (p,) = _problems(folder)
    assert (p.file, p.lines, p.column, p.rule) == ("orders_2026-10.csv", (1,), "sale_price",
                                                   "required column missing")


def test_constants_named_as_source(tmp_path):
    folder = shop_folder(tmp_path / "d", mapping=MAPPING.replace("channel: website", "channel: ''"))
    # a blank constant is a blank cell: the contract default applies and is counted
    ds = load_dataset(folder, use_cache=False)
    assert ds.tables["sales"]["channel"].tolist() == ["unknown"] * 3


def test_semicolon_latin1_export_loads_when_declared(tmp_path):
    mapping = ("tables:\n  sales:\n    file: ventes.csv\n    delimiter: ';'\n    encoding: latin-1\n"
               "    columns: {sale_id: Ref, buyer_id: Client, date_sold: Date, sale_price: Prix}\n"
               "    transforms:\n      date_sold: {date_format: '%d/%m/%Y %H:%M%z'}\n")
    data = "Ref;Client;Date;Prix;Note\nV1;Zoë;03/10/2026 20:15+0200;12.50;très bien\n".encode("latin-1")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "ventes.csv").write_bytes(data)
    (folder / "mapping.yaml").write_text(mapping)
    ds = load_dataset(folder, use_cache=False)
    s = ds.tables["sales"]
    assert s["buyer_id"].tolist() == ["Zoë"] and s["Note"].tolist() == ["très bien"]
    # 20:15+02:00 = 18:15 UTC = 14:15 in New York (EDT)
    assert s["date_sold"].tolist() == [pd.Timestamp("2026-10-03 14:15")]
    assert s["sale_price"].tolist() == [12.5]


def test_mapping_problems_are_all_collected(tmp_path):
    text = ("tables:\n"
            "  orders: {file: x.csv}\n"
            "  sales:\n    file: nothing_*.csv\n    colums: {}\n"
            "    columns: {price: P}\n"
            "    transforms: {sale_price: {round: 2}, fees: {multiply: minus}}\n")
    m, probs = parse_mapping(text)
    rules = sorted(p.rule for p in probs)
    assert rules == sorted([
        "unknown table 'orders'",
        "tables.sales: unknown key 'colums'",
        "tables.sales.columns: not a column of sales",
        "unknown transform 'round'",
        "transform 'multiply' has a wrong argument",
    ])
    assert all(p.file == "mapping.yaml" for p in probs)
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "mapping.yaml").write_text(text)
    got = _problems(folder)
    assert "tables.sales.file matches no file" in [p.rule for p in got]
    assert len(got) == 6


def test_invalid_yaml_names_the_line():
    m, probs = parse_mapping("tables:\n  sales:\n    columns: [a\n")
    assert m is None and probs[0].rule == "not valid YAML" and probs[0].file == "mapping.yaml"


def test_mapping_without_tables_section_and_path_escape(tmp_path):
    _, probs = parse_mapping("sales: {}\n")
    assert probs[0].rule.startswith("must have a 'tables:' section")
    m, probs = parse_mapping("tables:\n  sales: {file: ../secret.csv}\n")
    files, probs = m.files_for("sales", tmp_path)
    assert files == [] and probs[0].rule == "tables.sales.file must be a name inside the data folder"


def test_values_transform_and_multiply_factor(tmp_path):
    mapping = ("tables:\n  sales:\n    file: s.csv\n    columns: {sale_price: cents}\n"
               "    transforms: {sale_price: {multiply: 0.01}, status: {values: {ok: completed}}}\n")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "s.csv").write_text("sale_id,buyer_id,date_sold,cents,status\n1,b,2026-10-01,12345,ok\n"
                                  "2,b,2026-10-01,99,refunded\n")
    (folder / "mapping.yaml").write_text(mapping)
    s = load_dataset(folder, use_cache=False).tables["sales"]
    assert s["sale_price"].tolist() == [123.45, 0.99]
    assert s["status"].tolist() == ["completed", "refunded"]


def test_mapped_load_is_cached_and_keyed_by_the_mapping(tmp_path):
    folder = shop_folder(tmp_path / "d")
    first = load_dataset(folder)
    second = load_dataset(folder)
    for name in first.tables:
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name])
    (folder / "mapping.yaml").write_text(MAPPING.replace("channel: website", "channel: instagram"))
    third = load_dataset(folder)
    assert third.fingerprint != first.fingerprint
    assert third.tables["sales"]["channel"].tolist() == ["instagram"] * 3
