"""Input tables before validation: every cell as text, with the physical line of each row (docs/data-contract.md, Input forms).

A reader (CSV folder: :mod:`lib.data.csv_source`; database: :mod:`lib.data.sql_source`) hands a
:class:`RawSource` of :class:`RawTable` to :mod:`lib.data.validate`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.data.dataset import Problem

__all__ = ["RawTable", "RawSource", "record_lines", "longest_record", "record_starts_and_field_counts"]

_CHUNK = 1 << 25


@dataclass
class RawTable:
    """One input table before validation: every cell as text.

    Attributes
    ----------
    name : contract table name.
    frame : DataFrame of text columns (contract names after mapping; extra columns kept).
        Blank cells are ``""`` or missing; both count as blank.
    lines : physical line number of each row in its file (header = line 1).
    files : file label(s) used in messages, e.g. ``("sales.csv",)``.
    file_index : per row, index into ``files`` (None when there is one file).
    headers : per file label, the (contract) columns its header had; a required column
        missing from one file's header is reported for that file.
    source_columns : contract column -> source column name (from a mapping) for messages.
    quality : (action, reason, rows) rows found while reading (BOM repaired, ...).
    file_source_columns : per file label, its own source column names (several sources).
    guest : per row, whether it is a guest line (set by a mapping whose source declares guests;
        docs/data-contract.md, Guest sales), or None when the table has no guest lines.
    """

    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    files: tuple[str, ...]
    file_index: np.ndarray | None = None
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_columns: dict[str, str] = field(default_factory=dict)
    quality: list[tuple[str, str, int]] = field(default_factory=list)
    guest: np.ndarray | None = None
    #: per file label, its own contract -> source column names (files of different sources differ)
    file_source_columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def source_column(self, file: str, column: str | None) -> str | None:
        """The source column ``column`` came from in ``file`` (None when it was not renamed)."""
        if not column:
            return None
        return self.file_source_columns.get(file, self.source_columns).get(column)

    def __post_init__(self) -> None:
        if self.guest is not None and len(self.guest) != len(self.frame):
            raise ValueError(f"{self.name}: {len(self.guest)} guest marks for {len(self.frame)} rows")
        if len(self.lines) != len(self.frame):
            raise ValueError(f"{self.name}: {len(self.lines)} line numbers for {len(self.frame)} rows")
        if not self.headers:
            self.headers = {f: tuple(self.frame.columns) for f in self.files}


@dataclass
class RawSource:
    """What a reader hands to :func:`lib.data.validate.validate_tables`.

    ``problems`` are file-level problems found while reading (empty file, encoding,
    delimiter...); tables with such problems are left out of ``tables`` and named in
    ``failed`` (so their foreign keys are not checked). ``digests`` maps each input
    (file label or SQL table) to a sha256 of its content, for the fingerprint.
    """

    tables: dict[str, RawTable]
    problems: list[Problem] = field(default_factory=list)
    description: str = ""
    mapping: str | None = None
    notes: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    mapping_digest: str | None = None


def record_lines(data: bytes, n_rows: int | None = None, has_quote: bool | None = None) -> np.ndarray:
    """Physical line number of every data record of CSV bytes (header = line 1).

    Blank lines are skipped (as the CSV parser does); quoted values may span lines:
    a newline ends a record only when the number of ``"`` before it is even (RFC 4180).
    Vectorised with numpy in 32 MB chunks. ``n_rows`` enables a fast path when the
    file has no quotes and no blank lines.
    """
    end = len(data)
    while end and data[end - 1] in (10, 13):
        end -= 1
    if has_quote is None:
        has_quote = data.find(b'"') >= 0
    if n_rows is not None and not has_quote and _no_blank_line(data, end, n_rows):
        return np.arange(2, n_rows + 2, dtype=np.int64)
    line_no, length, blank = _records(data, has_quote)
    kept = line_no[~blank]
    return kept[1:].astype(np.int64)


def _no_blank_line(data: bytes, end: int, n_rows: int) -> bool:
    """Whether no line before ``end`` is blank, in CSV bytes without quotes that start with the header.

    Without a CR, a line is blank exactly when the newlines outnumber the ``n_rows`` records the CSV
    reader found after the header (one count, not two searches); with CRs, the searches.
    """
    if data.find(b"\r", 0, end) < 0:
        return data.count(b"\n", 0, end) == n_rows
    return data.find(b"\n\n", 0, end) < 0 and data.find(b"\n\r\n", 0, end) < 0


def longest_record(data: bytes) -> tuple[int, int]:
    """Physical line and length in bytes of the longest record of CSV bytes (a quote left open runs to the end)."""
    line_no, length, _ = _records(data, data.find(b'"') >= 0)
    i = int(np.argmax(length))
    return int(line_no[i]), int(length[i])


def _records(data: bytes, has_quote: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First physical line, length in bytes and blankness of every record (header included)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    if has_quote and len(nl):
        in_quote = np.zeros(len(nl), dtype=bool)
        carry = np.uint8(0)
        for start in range(0, len(buf), _CHUNK):
            chunk = buf[start:start + _CHUNK]
            par = np.bitwise_xor.accumulate((chunk == 34).view(np.uint8)) ^ carry
            lo, hi = np.searchsorted(nl, [start, start + len(chunk)])
            in_quote[lo:hi] = par[nl[lo:hi] - start].astype(bool)
            carry = par[-1]
        term = nl[~in_quote]
    else:
        term = nl
    starts = np.concatenate([[0], term + 1])
    ends = np.concatenate([term, [len(buf)]])
    length = ends - starts
    first = np.where(length > 0, buf[np.minimum(starts, len(buf) - 1)], 0) if len(buf) else length
    blank = (length == 0) | ((length == 1) & (first == 13))
    line_no = np.searchsorted(nl, starts) + 1  # newlines before the start, plus one
    return line_no, length, blank


def record_starts_and_field_counts(text: str, delimiter: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """Start line and field count of every non-blank data record of CSV text (header = line 1).

    The slow, exact reference (Python's csv module) that :func:`record_lines` agrees with;
    used for unusual layouts and to locate rows with the wrong number of fields.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, counts, prev = [], [], 0
    for row in reader:
        if row:
            starts.append(prev + 1)
            counts.append(len(row))
        prev = reader.line_num
    return np.asarray(starts[1:], dtype=np.int64), np.asarray(counts[1:], dtype=np.int64)
