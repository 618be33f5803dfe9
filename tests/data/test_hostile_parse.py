"""Hostile values and files at the parsing layer: date range, money and quantity bounds, long values, UTF-16/32, limits (docs/data-contract.md, Limits)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from lib.data import csv_source, dataset, validate
from lib.data.dataset import ContractError, Problem
from lib.data.load import load_dataset
from tests.data.corpus import BASE, edit, write_base

RANGE = "must be a date between 1900-01-01 and 2100-12-31"


def _messages(folder) -> list[str]:
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    return [p.message() for p in ei.value.problems]


# --------------------------------------------------------------------------- item 2: dates outside 1900-2100


def test_a_sale_dated_2999_is_refused_not_wrapped(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "2026-10-20 11:30:00", "2999-10-20 11:30:00"))
    assert _messages(folder) == [f"sales.csv, line 5, column 'date_sold': {RANGE} (e.g. '2999-10-20 11:30:00')"]


def test_a_2999_sale_with_an_offset_is_refused_too(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "2026-10-20 11:30:00", "2999-10-20T11:30:00-04:00"))
    assert _messages(folder) == [
        f"sales.csv, line 5, column 'date_sold': {RANGE} (e.g. '2999-10-20T11:30:00-04:00')"]


def test_a_2999_date_listed_is_the_range_error_not_the_order_rule(tmp_path):
    folder = write_base(tmp_path / "d", inventory=edit("inventory.csv", "2026-08-06", "2999-08-06"))
    assert _messages(folder) == [f"inventory.csv, line 3, column 'date_listed': {RANGE} (e.g. '2999-08-06')"]


def test_1899_12_31_is_refused(tmp_path):
    folder = write_base(tmp_path / "d", users=edit("users.csv", "2026-02-01", "1899-12-31"),
                        inventory=edit("inventory.csv", "2026-08-05", "1899-12-31 10:00"))
    assert _messages(folder) == [
        f"inventory.csv, line 3, column 'date_acquired': {RANGE} (e.g. '1899-12-31 10:00')",
        f"users.csv, line 3, column 'signup_date': {RANGE} (e.g. '1899-12-31')"]


def test_the_first_and_last_day_of_the_range_are_accepted(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "2026-10-20 11:30:00", "2100-12-31 23:59:59"),
                        inventory=edit("inventory.csv", "2026-08-06", "2100-12-31"),
                        users=edit("users.csv", "2026-02-01", "1900-01-01"))
    ds = load_dataset(folder, use_cache=False)
    assert ds.tables["sales"]["date_sold"].iloc[3] == pd.Timestamp("2100-12-31 23:59:59")
    assert ds.tables["inventory"]["date_listed"].iloc[1] == pd.Timestamp("2100-12-31")
    assert ds.tables["users"]["signup_date"].iloc[1] == pd.Timestamp("1900-01-01")


def test_the_range_is_configured_in_one_place(tmp_path, monkeypatch):
    from lib.data import parse
    monkeypatch.setattr(parse, "DATE_RANGE", ("2000-01-01", "2030-12-31"))
    folder = write_base(tmp_path / "d", users=edit("users.csv", "2026-02-01", "1999-12-31"))
    assert _messages(folder) == ["users.csv, line 3, column 'signup_date': must be a date between 2000-01-01 and "
                                 "2030-12-31 (e.g. '1999-12-31')"]


# --------------------------------------------------------------------------- item 10: money and quantity bounds


def test_1e308_sale_price_is_refused(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "430.00", "1e308"))
    assert _messages(folder) == [
        "sales.csv, line 3, column 'sale_price': must be at most 999,999,999.99 (e.g. '1e308')"]


def test_1e12_unit_cost_and_an_infinite_fee_are_refused(tmp_path):
    folder = write_base(tmp_path / "d", inventory=edit("inventory.csv", "60.00", "1e12"),
                        sales=edit("sales.csv", "400.00,15.00", "1e400,15.00"))
    assert _messages(folder) == [
        "inventory.csv, line 4, column 'unit_cost': must be at most 999,999,999.99 (e.g. '1e12')",
        "sales.csv, line 2, column 'fees': must be at most 999,999,999.99 (e.g. '1e400')"]


def test_a_quantity_of_10_to_the_12_is_refused(tmp_path):
    folder = write_base(tmp_path / "d", inventory=edit("inventory.csv", "400.00,1,", f"400.00,{10**12},"),
                        sales=edit("sales.csv", "150.00,2,", "150.00,1000001,"))
    assert _messages(folder) == [
        "inventory.csv, line 5, column 'quantity': must be at most 1,000,000 (e.g. '1000000000000')",
        "sales.csv, line 4, column 'quantity': must be at most 1,000,000 (e.g. '1000001')"]


def test_the_largest_money_and_quantity_are_accepted(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "5000.00,1,", '"$999,999,999.99",1000000,')
                        .replace(",430.00,", ",999999999.99,"))
    ds = load_dataset(folder, use_cache=False)
    assert ds.tables["sales"]["sale_price"].iloc[:2].tolist() == [999_999_999.99, 999_999_999.99]
    assert ds.tables["sales"]["quantity"].iloc[0] == 1_000_000


# --------------------------------------------------------------------------- item 14: long values, UTF-16/32


def test_a_value_is_quoted_with_at_most_80_characters():
    p = Problem("sales.csv", "sale_price", "not a number", (3,), 1, f"e.g. {'a' * 200_000!r}")
    assert p.message() == f"sales.csv, line 3, column 'sale_price': not a number (e.g. '{'a' * 80}...' (200,000 characters))"
    p = Problem("mapping.yaml", "date_sold", f"does not match date_format {'%Y' + 'x' * 5000!r}", (4,), 1,
                "e.g. \"it's\"")
    assert p.message() == (f"mapping.yaml, line 4, column 'date_sold': does not match date_format "
                           f"'%Y{'x' * 78}...' (5,002 characters) (e.g. \"it's\")")
    short = Problem("x.csv", None, "file's header isn't " + "long " * 40, detail="'" + "b" * 80 + "'")
    assert short.message() == "x.csv: " + short.rule + " (" + short.detail + ")"


def test_a_200_kb_cell_is_cut_in_the_message(tmp_path):
    folder = write_base(tmp_path / "d", sales=edit("sales.csv", "430.00", "z" * 200_000))
    assert _messages(folder) == [
        f"sales.csv, line 3, column 'sale_price': not a number (e.g. '{'z' * 80}...' (200,000 characters))"]


UTF16_LE = ("sales.csv, line 1: file is UTF-16, not UTF-8 (it starts with a UTF-16 byte-order mark; save it as "
            "UTF-8 (in Excel: Save As > CSV UTF-8), convert it with `iconv -f utf-16 -t utf-8 sales.csv > "
            "fixed.csv`, or declare `encoding: utf-16` for this table in mapping.yaml)")


def test_utf16_le_with_a_bom_is_called_utf16(tmp_path):
    folder = write_base(tmp_path / "d", sales=BASE["sales.csv"].encode("utf-16"))
    assert (tmp_path / "d" / "sales.csv").read_bytes()[:4] == b"\xff\xfes\x00"
    assert _messages(folder) == [UTF16_LE]


def test_utf16_be_and_utf32_are_recognised_by_their_bom(tmp_path):
    be = write_base(tmp_path / "be", sales=b"\xfe\xff" + BASE["sales.csv"].encode("utf-16-be"))
    assert _messages(be) == [UTF16_LE]
    u32 = write_base(tmp_path / "u32", users=BASE["users.csv"].encode("utf-32"))
    assert _messages(u32) == [
        "users.csv, line 1: file is UTF-32, not UTF-8 (it starts with a UTF-32 byte-order mark; save it as "
        "UTF-8 (in Excel: Save As > CSV UTF-8), convert it with `iconv -f utf-32 -t utf-8 users.csv > "
        "fixed.csv`, or declare `encoding: utf-32` for this table in mapping.yaml)"]


def test_utf16_without_a_bom_is_recognised_by_its_zero_bytes(tmp_path):
    folder = write_base(tmp_path / "d", sales=BASE["sales.csv"].encode("utf-16-le"))
    assert _messages(folder) == [
        "sales.csv, line 1: file is UTF-16, not UTF-8 (every other byte is zero, as in UTF-16 little-endian "
        "text; save it as UTF-8 (in Excel: Save As > CSV UTF-8), convert it with `iconv -f utf-16le -t utf-8 "
        "sales.csv > fixed.csv`, or declare `encoding: utf-16-le` for this table in mapping.yaml)"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-32"])
def test_a_declared_utf16_or_utf32_encoding_reads_the_file(tmp_path, encoding):
    text = edit("sales.csv", "430.00", "abc")
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    declared = "utf-16" if encoding == "utf-16-be-bom" else encoding
    folder = write_base(tmp_path / "d", sales=data, **{"mapping.yaml": f"tables:\n  sales:\n    encoding: {declared}\n"})
    assert _messages(folder) == ["sales.csv, line 3, column 'sale_price': not a number (e.g. 'abc')"]


# --------------------------------------------------------------------------- limits: columns, values, rows


def test_100000_columns_are_refused_at_once(tmp_path):
    header = BASE["sales.csv"].splitlines()[0] + "".join(f",c{i}" for i in range(100_000 - 12))
    folder = write_base(tmp_path / "d", sales=header + "\n" + "".join(
        line + "," * (100_000 - 12) + "\n" for line in BASE["sales.csv"].splitlines()[1:]))
    t = time.perf_counter()
    msgs = _messages(folder)
    assert time.perf_counter() - t < 5
    assert msgs == ["sales.csv, line 1: file has more columns than the 1,000 a file may have (the header has "
                    "100,000 columns; export only the columns of the contract, or map them in mapping.yaml)"]


def test_1000_columns_are_accepted(tmp_path):
    header = BASE["sales.csv"].splitlines()[0] + "".join(f",c{i}" for i in range(1000 - 12))
    folder = write_base(tmp_path / "d", brands=None, products=None, inventory=None, users=None, shows=None,
                        campaigns=None, touchpoints=None, sales=header + "\n" + "".join(
                            line + "," * (1000 - 12) + "\n" for line in BASE["sales.csv"].splitlines()[1:]))
    assert load_dataset(folder, use_cache=False).tables["sales"].shape == (4, 1002)  # + order_id, original_sale_id


def test_a_value_longer_than_the_field_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_FIELD_BYTES", 1000)
    folder = write_base(tmp_path / "d", products=edit("products.csv", "Tabby 26", "T" * 1001),
                        sales="".join(line + ("," + "n" * 2000 if i == 1 else ",notes" if i == 0 else ",") + "\n"
                                      for i, line in enumerate(BASE["sales.csv"].splitlines())))
    assert _messages(folder) == [
        "products.csv, line 3, column 'product_name': value is longer than 1,000 bytes, the most a cell may hold "
        "(found 1,001 bytes)",
        "sales.csv, line 2, column 'notes': value is longer than 1,000 bytes, the most a cell may hold "
        "(found 2,000 bytes)"]
    assert dataset.MAX_FIELD_BYTES == 1_000_000


def test_a_row_longer_than_the_reader_holds_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "MAX_ROW_BYTES", 1 << 14)
    products = edit("products.csv", "Tabby 26", "T" * 100_000)
    folder = write_base(tmp_path / "d", products=products)
    row = len(products.splitlines()[2])
    assert _messages(folder) == [
        f"products.csv, line 3: row is longer than 16,384 bytes, the most one row may hold (found {row:,} bytes; "
        "a quote left open makes the rest of the file one row)"]


def test_an_unclosed_quote_in_a_large_file_stops_at_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "PIECE_BYTES", 2048)
    monkeypatch.setattr(csv_source, "MAX_ROW_BYTES", 4096)
    rows = "".join(f"B{i},Brand {i},luxury\n" for i in range(4, 2000))
    folder = write_base(tmp_path / "d", brands=BASE["brands.csv"] + 'B9,"Open quote,luxury\n' + rows)
    msgs = _messages(folder)
    assert msgs == ["brands.csv, line 5: row is longer than 4,096 bytes, the most one row may hold (found more "
                    "than 4,096 bytes; a quote left open makes the rest of the file one row)"]


def test_a_cell_of_1_mb_is_read_and_one_byte_more_is_refused(tmp_path):
    ok = write_base(tmp_path / "ok", products=edit("products.csv", "Tabby 26", "T" * 1_000_000))
    assert len(load_dataset(ok, use_cache=False).tables["products"]["product_name"].iloc[1]) == 1_000_000
    bad = write_base(tmp_path / "bad", products=edit("products.csv", "Tabby 26", "T" * 1_000_001))
    assert _messages(bad) == [
        "products.csv, line 3, column 'product_name': value is longer than 1,000,000 bytes, the most a cell may hold "
        "(found 1,000,001 bytes)"]


def test_a_table_of_any_reader_with_too_many_columns_is_refused():
    from lib.data.raw import RawSource, RawTable
    from lib.data.validate import dataset_from_raw
    frame = pd.DataFrame({f"c{i}": ["x"] for i in range(1001)}, dtype="str")
    raw = RawSource({"sales": RawTable("sales", frame, np.array([2]), ("table sales",))}, description="db")
    with pytest.raises(ContractError) as ei:
        dataset_from_raw(raw)
    assert [p.message() for p in ei.value.problems] == [
        "table sales, line 1: table has more columns than the 1,000 a table may have (it has 1,001 columns)"]


def test_a_file_of_any_size_is_read_in_pieces_of_at_most_piece_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "PIECE_BYTES", 4096)
    sizes: list[int] = []
    real = csv_source.read_csv_bytes

    def spy(data, *args, **kwargs):
        sizes.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(csv_source, "read_csv_bytes", spy)
    header, row = BASE["brands.csv"].splitlines()[0], "B{},Brand {},luxury\n"
    brands = header + "\n" + "".join(row.format(i, i) for i in range(5000))
    folder = write_base(tmp_path / "d", brands=brands, products=None, inventory=None)
    load_dataset(folder, use_cache=False)
    assert len(brands) > 20 * 4096 and len(sizes) > 20
    longest_row = max(len(line) + 1 for line in brands.splitlines())
    assert max(sizes) <= 4096 + len(header) + 1 + longest_row  # a piece, its header and the row cut at its end


@pytest.mark.parametrize("data, delimiter, encoding, expected", [
    (b"sale_id,x\r5,a\rS6,b", ",", "utf-8", ["5", "S6"]),  # old Mac line ends: read, lines from the csv module
    (b"\n\nsale_id,x\n5,a\n", ",", "utf-8", ["5"]),  # blank lines before the header
    (b"sale_id,x", ",", "utf-8", []),  # a header without a newline: no rows
    (b"sale_id,x\n\x80", ",", "utf-8", "sales.csv, line 2: file is not UTF-8 encoded"),
    (b"sale_id,x\n5,a\n", "\u00e9", "utf-8", "sales.csv, line 1: the delimiter declared for this file cannot be used"),
    (b"sale_id,x\n5,a\n", "\n", "utf-8", "sales.csv, line 1: the delimiter declared for this file cannot be used"),
    (b"sale_id,x\n5,a\n", ",", "idna", "sales.csv, line 1: the encoding declared for this file cannot read a CSV file"),
    (b"sale_id,x\n5,a\n", ",", "utf-16", "sales.csv, line 1: file is not utf-16 encoded"),
])
def test_odd_files_found_by_fuzzing_are_read_or_named(data, delimiter, encoding, expected):
    raw, probs = csv_source.read_csv_bytes(data, "sales.csv", "sales", delimiter, encoding)
    if isinstance(expected, list):
        assert probs == [] and list(raw.frame.columns) == ["sale_id", "x"]
        assert raw.frame["sale_id"].tolist() == expected and len(raw.lines) == len(expected)
    else:
        assert [p.message().split(" (")[0] for p in probs] == [expected]


def test_blank_lines_before_the_header_keep_the_physical_line_numbers():
    raw, probs = csv_source.read_csv_bytes(b"\n\r\nsale_id,x\n5,a\n\nS6,b\n", "sales.csv", "sales")
    assert probs == [] and raw.lines.tolist() == [4, 6]
    raw, probs = csv_source.read_csv_bytes(b'\r"extra"', "sales.csv", "sales")
    assert probs == [] and list(raw.frame.columns) == ["extra"] and len(raw.frame) == 0
