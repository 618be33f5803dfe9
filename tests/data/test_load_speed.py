"""Tests of the load's shortcuts (lib.data.validate, lib.data.raw): the same counts, repairs and messages as the long way (docs/data-contract.md, Data-quality summary)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from lib.data import csv_source
from lib.data.load import load_dataset, quality_summary
from lib.data.raw import _records, record_lines
from lib.data.validate import Feed, _allowed_already, _lower_already, _MemorySink, validate_feeds
from tests.data.corpus import edit, write_base


def _slow_lines(data: bytes) -> list[int]:
    """record_lines' general path (what the shortcut must agree with)."""
    line_no, _, blank = _records(data, data.find(b'"') >= 0)
    return [int(x) for x in line_no[~blank][1:]]


@pytest.mark.parametrize("data, rows, lines", [
    (b"h,x\na,1\nb,2\n", 2, [2, 3]),  # LF, no blank line: one count
    (b"h,x\na,1\n\nb,2\n\n", 2, [2, 4]),  # a blank line: the newlines outnumber the rows
    (b"h,x\r\na,1\r\n\r\nb,2\r\n", 2, [2, 4]),  # CRLF with a blank line: the searches
    (b"h,x\r\na,1\r\nb,2\r\n", 2, [2, 3]),
    (b"h,x\n", 0, []),
])
def test_record_lines_shortcut_agrees_with_the_general_path(data, rows, lines):
    assert [int(x) for x in record_lines(data, rows, False)] == lines
    assert _slow_lines(data) == lines


def test_distinct_value_shortcuts():
    assert _lower_already(pa.chunked_array([["whatnot", "", "instagram"], ["whatnot"]]))
    assert not _lower_already(pa.chunked_array([["whatnot"], ["Instagram"]]))
    allowed = ("completed", "refunded")
    assert _allowed_already(pa.chunked_array([["completed", ""], ["refunded"]]), allowed)
    assert not _allowed_already(pa.array(["completed", "Refunded"]), allowed)  # a repair to count
    assert not _allowed_already(pa.array(["completed", "lost"]), allowed)  # a value to refuse


def test_lower_case_and_allowed_values_still_repaired_and_refused(tmp_path):
    sales = edit("sales.csv", "whatnot,U7,SH1,400.00,15.00,completed", "WhatNot,U7,SH1,400.00,15.00,Completed")
    ds = load_dataset(write_base(tmp_path / "d", sales=sales), use_cache=False)
    q = quality_summary(ds)
    got = {r: n for t, a, r, n in q.itertuples(index=False) if t == "sales" and a == "repaired"}
    assert got == {"channel: written in lower case": 1, "status: written in lower case": 1}
    assert list(ds.tables["sales"]["channel"].iloc[:2]) == ["whatnot", "instagram"]
    assert list(ds.tables["sales"]["status"]) == ["completed", "completed", "completed", "refunded"]


class _ListSink:
    """A sink other than memory (validated through the writing thread) that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def add(self, name: str, df: pd.DataFrame) -> None:
        self.calls.append(("add", name, len(df)))

    def finish(self, name: str) -> None:
        self.calls.append(("finish", name, 0))


def test_cached_load_equals_the_in_memory_one_and_keeps_the_order(tmp_path):
    folder = write_base(tmp_path / "d")
    cached = load_dataset(folder)  # through the read-ahead and write-behind threads
    plain = load_dataset(folder, use_cache=False)  # the memory sink: no threads
    pd.testing.assert_frame_equal(quality_summary(cached), quality_summary(plain))
    for name, df in plain.tables.items():
        pd.testing.assert_frame_equal(cached.tables[name].reset_index(drop=True), df, check_dtype=False)
    inp = csv_source.csv_inputs(folder)
    feeds, failed = csv_source.csv_feeds(inp)
    sink = _ListSink()
    validate_feeds(feeds, failed, [], [], "America/New_York", sink)
    # every piece, then its table's finish, in reference order (a referenced table first)
    assert sink.calls == [("add", "brands", 3), ("finish", "brands", 0), ("add", "products", 4),
                          ("finish", "products", 0), ("add", "inventory", 4), ("finish", "inventory", 0),
                          ("add", "users", 3), ("finish", "users", 0), ("add", "shows", 2), ("finish", "shows", 0),
                          ("add", "sales", 4), ("finish", "sales", 0), ("add", "campaigns", 2),
                          ("finish", "campaigns", 0), ("add", "touchpoints", 2), ("finish", "touchpoints", 0)]


def test_an_error_while_reading_ahead_is_raised_and_the_threads_stop(tmp_path):
    folder = write_base(tmp_path / "d")
    feeds, failed = csv_source.csv_feeds(csv_source.csv_inputs(folder))

    def broken():
        raise OSError("disk gone")
        yield  # a generator

    feeds["sales"] = Feed("sales", ("sales.csv",), broken)
    with pytest.raises(OSError, match="disk gone"):
        validate_feeds(feeds, failed, [], [], "America/New_York", _ListSink())
    sink = _MemorySink()
    with pytest.raises(OSError, match="disk gone"):  # the memory sink reads in place: the same error
        validate_feeds(feeds, failed, [], [], "America/New_York", sink)
    assert sorted(sink.tables) == ["brands", "inventory", "products", "shows", "users"]  # those before sales
