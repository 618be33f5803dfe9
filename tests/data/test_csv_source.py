"""Tests of lib.data.csv_source: CSV files read as text, with their physical lines, encoding and delimiter problems (docs/data-contract.md, Encodings and delimiters)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.data.csv_source import read_csv_bytes
from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.raw import record_starts_and_field_counts
from tests.data.corpus import BASE, CORPUS, edit, one_problem, write_base


def test_encoding_and_delimiter_messages_say_how_to_fix():
    enc = one_problem(CORPUS / "wrong_encoding").message()
    assert "0xEB" in enc and "CSV UTF-8" in enc and "iconv" in enc
    delim = one_problem(CORPUS / "wrong_delimiter").message()
    assert "semicolons" in delim and "commas" in delim and "delimiter" in delim


def test_duplicate_header_names_and_missing_folder(tmp_path):
    folder = write_base(tmp_path / "d", brands="brand_id,brand_name,brand_name\nB1,a,b\n")
    p = one_problem(folder)
    assert (p.file, p.lines, p.rule, p.detail) == ("brands.csv", (1,), "duplicate column name in the header",
                                                   "'brand_name'")
    with pytest.raises(ContractError, match="data folder does not exist"):
        load_dataset(tmp_path / "nope")


def test_line_numbers_with_quoted_newlines_and_blank_lines(tmp_path):
    brands = ('brand_id,brand_name,tier\n'
              'B1,"Chanel\nParis",luxury\n'   # one record on lines 2-3
              '\n'                             # blank line 4 is skipped
              'B2,Coach,premium\r\n'           # line 5
              'B3,"Gucci ""GG""",\n'           # line 6, escaped quotes
              'B1,"Dup",x\n')                  # line 7: duplicate of line 2
    folder = write_base(tmp_path / "d", brands=brands)
    p = one_problem(folder)
    assert (p.column, p.lines) == ("brand_id", (2, 7))


def test_windows_line_endings_load_like_unix_ones(tmp_path):
    unix = load_dataset(write_base(tmp_path / "u"), use_cache=False)
    crlf = load_dataset(write_base(tmp_path / "w", **{n[:-4]: t.replace("\n", "\r\n") for n, t in BASE.items()}),
                        use_cache=False)
    for name in unix.tables:
        pd.testing.assert_frame_equal(crlf.tables[name], unix.tables[name])
    bad = edit("sales.csv", "430.00", "x").replace("\n", "\r\n").replace("S001", "\r\nS001")
    p = one_problem(write_base(tmp_path / "b", sales=bad))
    assert p.lines == (4,)  # the blank CRLF line 2 pushes S002 to line 4


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
    starts, _ = record_starts_and_field_counts(data.decode())
    assert raw.lines.tolist() == starts.tolist()
    assert raw.frame["a"].tolist() == ["k" + a for a, _, _ in rows]
    assert raw.frame["b"].tolist() == [b for _, b, _ in rows]


def test_read_csv_bytes_keeps_text_and_lines():
    raw, probs = read_csv_bytes(b"\xef\xbb\xbfid,x\n007,  a \n", "t.csv", "brands")
    assert probs == [] and raw.frame["id"].tolist() == ["007"] and raw.frame["x"].tolist() == ["  a "]
    assert raw.lines.tolist() == [2] and raw.quality == [("repaired", "byte-order mark (BOM) removed from t.csv", 1)]
