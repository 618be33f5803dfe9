"""Tests of lib.data.raw: physical line numbers of CSV records and the RawTable checks (docs/data-contract.md, When the input breaks the contract)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.data.raw import RawTable, record_lines, record_starts_and_field_counts


@pytest.mark.parametrize("data,n", [
    (b"a,b\n1,2\n3,4\n", 2),
    (b"a,b\n1,2\n\n3,4\n\n\n", 2),
    (b'a,b\n"x\ny",2\n3,"4\n\n5"\n6,7', 3),
    (b"a,b\r\n1,2\r\n\r\n3,4\r\n", 2),
])
def test_record_lines_matches_the_csv_module(data, n):
    exact, _ = record_starts_and_field_counts(data.decode())
    assert record_lines(data, n).tolist() == exact.tolist()
    assert record_lines(data).tolist() == exact.tolist()


def test_record_lines_hand_computed():
    data = b'h\n"a\nb"\n\nc\n'
    # header line 1; record "a\nb" starts on line 2; line 4 blank; "c" on line 5
    assert record_lines(data).tolist() == [2, 5]


def test_raw_table_checks_line_count():
    with pytest.raises(ValueError, match="2 line numbers for 1 rows"):
        RawTable("sales", pd.DataFrame({"a": ["1"]}), np.array([2, 3]), ("x.csv",))
