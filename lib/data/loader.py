"""Load a folder of contract CSVs into a validated, typed Dataset (data-contract.md), with a Parquet cache.

Two steps, so another reader (SQL) can be plugged in front of the second one:

1. read: ``read_csv_tables(folder)`` -> :class:`RawSource` of :class:`RawTable` (every cell as text,
   the physical line number of each row, header = line 1, and a file label);
2. validate: ``validate_tables(raw, tz_name)`` -> typed tables + data-quality rows, raising one
   :class:`~lib.dataset.ContractError` that carries every broken hard rule.

``load_dataset`` runs both and caches the result under ``CACHE_DIR/tables/<fingerprint>/``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lib.config import CACHE_DIR, DEFAULT_TZ, SAMPLE_DIR
from lib.data import mapping as mapping_mod
from lib.data.contract import TABLES, Column, Table
from lib.data.dataset import ContractError, Dataset, Problem

ArrowStringArray = pd.arrays.ArrowStringArray
_ID_DTYPE = pd.StringDtype("pyarrow")
_TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)

__all__ = [
    "LOADER_VERSION", "RawTable", "RawSource", "read_csv_tables", "read_csv_bytes", "validate_tables",
    "dataset_from_raw", "load_dataset",
    "dataset_fingerprint", "quality_summary", "load_cached", "LazyTables", "table_column",
    "table_rows_between", "release_tables", "quality_text", "record_lines", "QUALITY_COLUMNS", "prune_cache",
    "mask_source", "run_dataset",
]

#: bump when parsing or validation changes: it is part of the cache key
LOADER_VERSION = "2"
#: columns of Dataset.quality
QUALITY_COLUMNS = ["table", "action", "reason", "rows"]
_BOM = b"\xef\xbb\xbf"
_MAX_LINES = 20
_CHUNK = 1 << 25


# --------------------------------------------------------------------------- raw tables


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
    """

    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    files: tuple[str, ...]
    file_index: np.ndarray | None = None
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_columns: dict[str, str] = field(default_factory=dict)
    quality: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.lines) != len(self.frame):
            raise ValueError(f"{self.name}: {len(self.lines)} line numbers for {len(self.frame)} rows")
        if not self.headers:
            self.headers = {f: tuple(self.frame.columns) for f in self.files}


@dataclass
class RawSource:
    """What a reader hands to :func:`validate_tables`.

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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    if (n_rows is not None and not has_quote and data.find(b"\n\n", 0, end) < 0
            and data.find(b"\n\r\n", 0, end) < 0):
        return np.arange(2, n_rows + 2, dtype=np.int64)
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
    kept = line_no[~blank]
    return kept[1:].astype(np.int64)


def _lines_by_csv_module(text: str, delimiter: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """Slow exact fallback: start line and field count of every non-blank data record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, counts, prev = [], [], 0
    for row in reader:
        if row:
            starts.append(prev + 1)
            counts.append(len(row))
        prev = reader.line_num
    return np.asarray(starts[1:], dtype=np.int64), np.asarray(counts[1:], dtype=np.int64)


def _bad_utf8_lines(data: bytes) -> tuple[list[int], int, str]:
    """Line numbers (first 20), count and a sample byte of lines that are not UTF-8 (error path)."""
    lines, n, sample = [], 0, ""
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            n += 1
            if len(lines) < _MAX_LINES:
                lines.append(i)
            if not sample:
                sample = f"0x{line[e.start]:02X}"
    return lines, n, sample


def _problem(file: str, column: str | None, rule: str, lines=(), n_lines: int | None = None,
             detail: str = "", source: str | None = None) -> Problem:
    lines = tuple(int(x) for x in list(lines)[:_MAX_LINES])
    n = len(lines) if n_lines is None else int(n_lines)
    return mapping_mod.located_problem(file, column, rule, lines, n, detail, source)


def _encoding_problem(label: str, data: bytes) -> Problem:
    lines, n, sample = _bad_utf8_lines(data)
    return _problem(label, None, "file is not UTF-8 encoded", lines, n,
                    f"byte {sample} looks like Latin-1/Windows-1252; re-save it as 'CSV UTF-8 (Comma "
                    f"delimited)', convert it with `iconv -f latin1 -t utf-8 {label} > fixed.csv`, "
                    "or declare `encoding: latin-1` for this table in mapping.yaml")


def read_csv_bytes(data: bytes, label: str, table: str, delimiter: str = ",",
                   encoding: str = "utf-8") -> tuple[RawTable | None, list[Problem]]:
    """Parse one CSV file's bytes into a :class:`RawTable` (all text), or the problems that stop it.

    A BOM is removed (reported as repaired); an empty file, a non-UTF-8 file, a file that
    is not comma-separated, a duplicate header name or a row with the wrong number of
    fields is a problem naming the file and line(s).
    """
    quality: list[tuple[str, str, int]] = []
    if not data[:4096].strip(b" \t\r\n" + _BOM) and not data.strip(b" \t\r\n" + _BOM):
        return None, [_problem(label, None, "file is empty (no header row)", (1,), 1,
                               "export the table again with its header row")]
    body = data
    if data.startswith(_BOM):
        body = data[3:]
    enc = encoding.lower().replace("_", "-")
    nl = body.find(b"\n")
    head = body if nl < 0 else body[:nl]
    try:
        head_text = head.decode(encoding)
    except UnicodeDecodeError:
        return None, [_encoding_problem(label, data)]
    header = next(csv.reader([head_text.rstrip("\r")], delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header[0] and sep != delimiter:
                shown = header[0] if len(header[0]) <= 60 else header[0][:57] + "..."
                return None, [_problem(
                    label, None, "file is not comma-separated", (1,), 1,
                    f"the header reads as one column {shown!r} separated by {name}; re-save it as "
                    f"CSV with commas (Excel: 'CSV UTF-8 (Comma delimited)') or declare "
                    f"`delimiter: {sep!r}` for this table in mapping.yaml")]
    names = [h if h else f"unnamed_{i + 1}" for i, h in enumerate(header)]
    dups = sorted({h for h in names if names.count(h) > 1})
    if dups:
        return None, [_problem(label, None, "duplicate column name in the header", (1,), 1,
                               ", ".join(repr(d) for d in dups))]
    if data.startswith(_BOM):
        quality.append(("repaired", f"byte-order mark (BOM) removed from {label}", 1))
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    has_quote = body.find(b'"') >= 0
    try:
        tbl = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quote,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False,
                                                 check_utf8=True))
    except pa.ArrowInvalid as e:
        if "UTF8" in str(e) or "utf8" in str(e).lower():
            return None, [_encoding_problem(label, data)]
        return None, [_problem(label, None, "file could not be read as CSV", (), 0, str(e).splitlines()[0])]
    if invalid:
        starts, counts = _lines_by_csv_module(body.decode(encoding, errors="replace"), delimiter)
        bad = counts != len(names)
        return None, [_problem(label, None, f"row does not have {len(names)} fields like the header",
                               starts[bad], int(bad.sum()),
                               f"found {int(counts[bad][0]) if bad.any() else invalid[0]} fields; a "
                               "value containing a comma must be quoted")]
    # line numbers come from the bytes (also for transcoded files: newlines and quotes are ASCII)
    ascii_compatible = enc.startswith(("utf-8", "utf8", "latin", "iso-8859", "cp", "windows", "ascii"))
    lines = record_lines(body, tbl.num_rows, has_quote) if ascii_compatible else np.empty(0, np.int64)
    if len(lines) != tbl.num_rows:  # unusual layout: count exactly with the csv module
        lines, _ = _lines_by_csv_module(body.decode(encoding, errors="replace"), delimiter)
    frame = tbl.to_pandas(split_blocks=True, self_destruct=True)
    del tbl
    return RawTable(table, frame, lines, (label,), None, {label: tuple(names)}, {}, quality), []


def _concat(parts: list[RawTable]) -> RawTable:
    """One RawTable from several files of the same table (monthly exports)."""
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat([p.frame for p in parts], ignore_index=True, sort=False)
    for c in frame.columns:
        if frame[c].dtype != "str":
            frame[c] = frame[c].astype("str")
    files = tuple(f for p in parts for f in p.files)
    idx = np.concatenate([np.full(len(p.frame), i, dtype=np.int32) for i, p in enumerate(parts)])
    headers = {k: v for p in parts for k, v in p.headers.items()}
    src: dict[str, str] = {}
    for p in parts:
        src.update(p.source_columns)
    quality = [q for p in parts for q in p.quality]
    return RawTable(parts[0].name, frame, np.concatenate([p.lines for p in parts]), files, idx,
                    headers, src, quality)


def _input_plan(folder: Path, mapping: mapping_mod.Mapping | None) -> tuple[dict[str, list[Path]], list[Problem], list[str]]:
    """Which files feed which contract table, plus problems (mapping globs matching nothing)."""
    plan: dict[str, list[Path]] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for name in TABLES:
        if mapping is not None and name in mapping.tables:
            files, prob = mapping.files_for(name, folder)
            problems += prob
            plan[name] = files  # empty when the mapping's file matches nothing (a problem already)
        elif (folder / f"{name}.csv").is_file():
            plan[name] = [folder / f"{name}.csv"]
    used = {p.name for ps in plan.values() for p in ps}
    others = sorted(p.name for p in folder.glob("*.csv") if p.name not in used)
    if others:
        notes.append(f"Files not used (not contract tables): {', '.join(others)}.")
    return plan, problems, notes


@dataclass
class _Inputs:
    """A CSV folder's input files (which file feeds which table) and their digests."""

    folder: Path
    mapping: mapping_mod.Mapping | None
    plan: dict[str, list[Path]]
    problems: list[Problem]
    notes: list[str]
    digests: dict[str, str]


def _file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_inputs(source: str | Path) -> _Inputs:
    folder = Path(source)
    if not folder.exists():
        raise ContractError([_problem(str(folder), None, "data folder does not exist")])
    if not folder.is_dir():
        raise ContractError([_problem(str(folder), None, "data source must be a folder of CSV files")])
    mp = None
    problems: list[Problem] = []
    if (folder / mapping_mod.MAPPING_FILE).is_file():
        mp, mprob = mapping_mod.load_mapping(folder / mapping_mod.MAPPING_FILE)
        problems += mprob
    plan, pprob, notes = _input_plan(folder, mp)
    problems += pprob
    digests = {p.name: _file_digest(p) for ps in plan.values() for p in ps}
    return _Inputs(folder, mp, plan, problems, notes, digests)


def _fingerprint(digests: dict[str, str], tz_name: str, mapping_digest: str | None) -> str:
    h = hashlib.sha256()
    h.update(f"laceluxx-loader {LOADER_VERSION}\ntz {tz_name}\nmapping {mapping_digest or '-'}\n".encode())
    for label in sorted(digests):
        h.update(f"{label} {digests[label]}\n".encode())
    return h.hexdigest()


def dataset_fingerprint(source: str | Path, tz_name: str = DEFAULT_TZ) -> str:
    """sha256 of the input: every file's bytes, the mapping file, tz_name and LOADER_VERSION."""
    inp = _read_inputs(source)
    return _fingerprint(inp.digests, tz_name, inp.mapping.digest if inp.mapping else None)


#: a CSV file larger than this is read and validated in pieces of about this many bytes
PIECE_BYTES = 1 << 28


def _record_cut(data: bytes) -> int:
    """Length of the longest prefix of ``data`` that ends after a whole record (0 if none).

    ``data`` starts at a record boundary; a newline inside a quoted value does not end a record.
    """
    cut = data.rfind(b"\n")
    if cut < 0:
        return 0
    quotes = data.count(b'"', 0, cut)
    while quotes % 2:
        prev = data.rfind(b"\n", 0, cut)
        if prev < 0:
            return 0
        quotes -= data.count(b'"', prev, cut)
        cut = prev
    return cut + 1


def _shift(p: Problem, offset: int) -> Problem:
    return dataclasses.replace(p, lines=tuple(x + offset for x in p.lines))


def _file_pieces(path: Path, table: str, delimiter: str = ",",
                 encoding: str = "utf-8") -> Iterator[tuple[RawTable | None, list[Problem]]]:
    """Read one CSV file as RawTable pieces of about PIECE_BYTES, each cut after a whole record.

    Every piece after the first is parsed with the file's header in front; line numbers and
    problems are shifted to the file's physical lines. Memory stays at a few pieces whatever
    the file's size. A header problem stops the file; row problems are collected to its end.
    """
    label = path.name
    size = path.stat().st_size
    enc = encoding.lower().replace("_", "-")
    if size <= PIECE_BYTES or not enc.startswith(("utf-8", "utf8", "latin", "iso-8859", "cp", "windows", "ascii")):
        yield read_csv_bytes(path.read_bytes(), label, table, delimiter, encoding)
        return
    with open(path, "rb") as f:
        header, newlines, carry, first = b"", 0, b"", True
        while True:
            block = f.read(PIECE_BYTES)
            data = carry + block if carry else block
            if not data:
                return
            cut = len(data) if not block else _record_cut(data)
            if cut == 0:  # one record longer than a piece: read on
                carry = data
                continue
            data, carry = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
            if first:
                first = False
                header = data[:data.find(b"\n") + 1]
                header = header[3:] if header.startswith(_BOM) else header
                raw, probs = read_csv_bytes(data, label, table, delimiter, encoding)
                if any(p.lines == (1,) for p in probs):
                    yield raw, probs
                    return
            else:
                raw, probs = read_csv_bytes(header + data, label, table, delimiter, encoding)
                offset = newlines - 1  # line 2 of the piece is the file's line newlines + 1
                probs = [_shift(p, offset) for p in probs if p.lines != (1,)]
                if raw is not None:
                    raw.lines = raw.lines + offset
            newlines += data.count(b"\n")
            del data
            yield raw, probs


def _csv_feeds(inp: _Inputs) -> tuple[dict[str, _Feed], set[str]]:
    """One feed per planned table (and the tables whose mapped files match nothing)."""
    feeds: dict[str, _Feed] = {}
    failed: set[str] = set()
    for name, paths in inp.plan.items():
        if not paths:
            failed.add(name)
            continue
        tm = inp.mapping.tables.get(name) if inp.mapping else None
        feeds[name] = _Feed(name, tuple(p.name for p in paths),
                            functools.partial(_csv_pieces, name, tuple(paths), tm))
    return feeds, failed


def _mapped(tm: mapping_mod.TableMapping | None, raw: RawTable | None,
            probs: list[Problem]) -> tuple[RawTable | None, list[Problem]]:
    if raw is not None and tm is not None:
        raw, mprob = mapping_mod.apply_table_mapping(tm, raw)
        probs = probs + mprob
    return raw, probs


def _csv_pieces(name: str, paths: tuple[Path, ...],
                tm: mapping_mod.TableMapping | None) -> Iterator[tuple[RawTable | None, list[Problem]]]:
    """The pieces of one table: a single file streams in pieces; several files (monthly exports)
    are read whole and validated together."""
    delimiter, encoding = (tm.delimiter, tm.encoding) if tm else (",", "utf-8")
    if len(paths) == 1:
        for raw, probs in _file_pieces(paths[0], name, delimiter, encoding):
            yield _mapped(tm, raw, probs)
        return
    parts, problems = [], []
    for p in paths:
        raw, probs = _mapped(tm, *read_csv_bytes(p.read_bytes(), p.name, name, delimiter, encoding))
        problems += probs
        if raw is not None and not probs:
            parts.append(raw)
    yield (_concat(parts) if parts and not problems else None), problems


def read_csv_tables(source: str | Path) -> RawSource:
    """Step 1 on its own: every contract table of a CSV folder (with its mapping.yaml) as text, whole."""
    inp = _read_inputs(source)
    feeds, failed = _csv_feeds(inp)
    problems = list(inp.problems)
    tables: dict[str, RawTable] = {}
    for name, feed in feeds.items():
        parts, probs = [], []
        for raw, prob in feed.pieces():
            probs += prob
            if raw is not None:
                parts.append(raw)
        if probs:
            problems += _merge_problems(probs)
            failed.add(name)
        elif parts:
            tables[name] = _concat(parts) if len(parts) > 1 else parts[0]
    return RawSource(tables, problems, str(inp.folder),
                     str(inp.folder / mapping_mod.MAPPING_FILE) if inp.mapping else None,
                     inp.notes, dict(inp.digests), failed, inp.mapping.digest if inp.mapping else None)


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects problems and quality rows while one table is validated, piece by piece.

    A table may arrive in several pieces (a large file is read in chunks): problems with the
    same file, column and rule are merged (first lines kept, rows counted), quality rows with
    the same action and reason are summed, and counts of unexpected values are added up.
    """

    def __init__(self, name: str):
        self.name = name
        self.raw: RawTable | None = None
        self._problems: dict[tuple, list] = {}
        self._quality: dict[tuple[str, object], int] = {}
        self._other: dict[str, dict[str, int]] = {}

    @property
    def problems(self) -> list[Problem]:
        return [_problem(f, c, r, lines, n, d, s) for (f, c, r, s), (lines, n, d) in self._problems.items()]

    def _merge(self, file: str, column: str | None, rule: str, lines: list[int], n: int, detail: str,
               src: str | None) -> None:
        key = (file, column, rule, src)
        if key not in self._problems:
            self._problems[key] = [list(lines[:_MAX_LINES]), int(n), detail]
        elif lines != [1]:  # a header problem is found again in every piece: count it once
            entry = self._problems[key]
            entry[0] = sorted(entry[0] + list(lines[:_MAX_LINES]))[:_MAX_LINES]
            entry[1] += int(n)

    def add(self, mask: np.ndarray, column: str | None, rule: str, detail: str = "",
            where: tuple[np.ndarray, np.ndarray | None, tuple[str, ...]] | None = None) -> None:
        """One problem per file for the rows in ``mask`` (of the current piece, or of ``where``:
        line numbers, file index and file labels of the whole table)."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        lines_all, file_index, files = where if where is not None else (
            self.raw.lines, self.raw.file_index, self.raw.files)
        src = self.raw.source_columns.get(column) if column and self.raw is not None else None
        if file_index is None:
            groups = [(0, idx)]
        else:
            fi = file_index[idx]
            groups = [(int(f), idx[fi == f]) for f in np.unique(fi)]
        for f, rows in groups:
            lines = np.sort(lines_all[rows])
            self._merge(files[f], column, rule, [int(x) for x in lines[:_MAX_LINES]], len(rows), detail, src)

    def add_file(self, file: str, column: str, rule: str, detail: str = "") -> None:
        self._merge(file, column, rule, [1], 1, detail, self.raw.source_columns.get(column))

    def count(self, action: str, reason: str, rows: int) -> None:
        if rows:
            self._quality[(action, reason)] = self._quality.get((action, reason), 0) + int(rows)

    def count_other(self, column: str, counts: dict[str, int]) -> None:
        """Values of a column outside its known list (listed by frequency in the quality row)."""
        key = ("read", ("other", column))
        self._quality[key] = self._quality.get(key, 0) + sum(counts.values())
        acc = self._other.setdefault(column, {})
        for k, v in counts.items():
            acc[k] = acc.get(k, 0) + int(v)

    @property
    def quality(self) -> list[tuple[str, str, str, int]]:
        rows = []
        for (action, reason), n in self._quality.items():
            if isinstance(reason, tuple):
                col = reason[1]
                known = next(c for c in TABLES[self.name].columns if c.name == col).known
                vc = sorted(self._other[col].items(), key=lambda kv: (-kv[1], kv[0]))
                listed = ", ".join(f"{k} ({v})" for k, v in vc[:8])
                reason = f"{col} other than {'/'.join(known)}: {listed}"
            rows.append((self.name, action, reason, n))
        return rows


def _text(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    """Arrow strings of a raw column (readers other than CSV may hand over non-text values)."""
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("str")
    arr = pa.array(series.array)
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def _np(mask) -> np.ndarray:
    """Boolean numpy array from an arrow boolean array (nulls = False)."""
    return np.asarray(pac.fill_null(mask, pa.scalar(False)), dtype=bool)


def _sample(values: pa.Array, mask: np.ndarray) -> str:
    i = np.flatnonzero(mask)
    if not len(i):
        return ""
    v = values[int(i[0])].as_py()
    return f"e.g. {v!r}"


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_ZERO = pa.scalar("0", pa.string())
_EPOCH = pa.scalar("2000-01-01", pa.string())
_NULL = pa.scalar(None, pa.string())


def _fast_cast(s: pa.Array, blank: np.ndarray, filler: pa.Scalar, typ: pa.DataType) -> np.ndarray | None:
    """Cast the whole column at once (blanks filled) when every value parses; None otherwise."""
    if not blank.any():
        try:
            return pac.cast(s, typ).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    try:
        out = pac.cast(pac.if_else(pa.array(blank), filler, s), typ).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = out.copy() if not out.flags.writeable else out
    out[blank] = np.datetime64("NaT") if typ == pa.timestamp("ns") else (np.nan if typ == pa.float64() else 0)
    return out


_CURRENCY = r"(US\$|CA\$|AU\$|[A-Z]{3}|[$€£¥])"


def _parse_money(chk: _Checker, col: Column, s: pa.Array, blank: np.ndarray) -> np.ndarray:
    fast = _fast_cast(s, blank, _ZERO, pa.float64())
    if fast is not None and (np.isfinite(fast) | blank).all():
        return fast
    plain = _np(pac.match_substring_regex(s, _PLAIN_NUMBER))
    todo = ~plain & ~blank
    values = s
    if todo.any():
        t = pac.replace_substring_regex(s, r"^([+-]?)\s*" + _CURRENCY + r"\s*", r"\1")
        t = pac.replace_substring_regex(t, r"\s*" + _CURRENCY + r"$", "")
        t = pac.replace_substring_regex(t, r"^\((.*)\)$", r"-\1")
        grouped = _np(pac.match_substring_regex(t, r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"))
        t = pac.if_else(pa.array(grouped), pac.replace_substring(t, ",", ""), t)
        fixed = _np(pac.match_substring_regex(t, _PLAIN_NUMBER)) & todo
        bad = todo & ~fixed
        chk.add(bad, col.name, "not a number", _sample(s, bad))
        chk.count("repaired", f"{col.name}: currency symbol or thousands separator removed", fixed.sum())
        values = pac.if_else(pa.array(fixed), t, s)
        plain = plain | fixed
    out = np.full(len(s), np.nan)
    if plain.any():
        out[plain] = pac.cast(pac.filter(values, pa.array(plain)), pa.float64()).to_numpy(zero_copy_only=False)
    return out


def _parse_integer(chk: _Checker, col: Column, s: pa.Array, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fast = _fast_cast(s, blank, _ZERO, pa.int64())
    if fast is not None:
        return fast.astype(np.int64, copy=False), ~blank
    ok = _np(pac.match_substring_regex(s, r"^[+-]?\d{1,18}$"))
    bad = ~ok & ~blank
    chk.add(bad, col.name, "not a whole number", _sample(s, bad))
    out = np.zeros(len(s), dtype=np.int64)
    if ok.any():
        digits = pac.replace_substring_regex(pac.filter(s, pa.array(ok)), r"^\+", "")
        out[ok] = pac.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    return out, ok


_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATE_WITH_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"


def _parse_date(chk: _Checker, col: Column, s: pa.Array, blank: np.ndarray) -> np.ndarray:
    if (_np(pac.equal(pac.binary_length(s), pa.scalar(10, pa.int32()))) | blank).all():
        fast = _fast_cast(s, blank, _EPOCH, pa.timestamp("ns"))
        if fast is not None:
            return fast
    iso = _np(pac.match_substring_regex(s, _DATE))
    with_time = _np(pac.match_substring_regex(s, _DATE_WITH_TIME)) & ~iso
    if with_time.any():
        s = pac.if_else(pa.array(with_time), pac.utf8_slice_codeunits(s, 0, 10), s)
        chk.count("repaired", f"{col.name}: time of day dropped from a date", with_time.sum())
    ok = iso | with_time
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    if ok.any():
        out[ok] = _cast_ts(pac.filter(s, pa.array(ok)), None)  # NaT for 2026-02-30
    bad = (~ok & ~blank) | (ok & np.isnat(out))
    chk.add(bad, col.name, "not an ISO date (YYYY-MM-DD)", _sample(s, bad))
    return out


_TS_NAIVE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_TS_ZONED_SHAPE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|UTC|GMT|[+-].*)$"
_OFFSET_OK = r"(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$"


def _cast_ts(s: pa.Array, tz: str | None) -> np.ndarray:
    """Cast ISO strings to datetime64[ns] (UTC when tz), NaT for impossible values."""
    typ = pa.timestamp("ns", tz) if tz else pa.timestamp("ns")
    try:
        return pac.cast(s, typ).cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        vals = pd.to_datetime(pd.Series(s.to_pylist(), dtype="object"), format="ISO8601", errors="coerce",
                              utc=bool(tz))
        if tz:
            vals = vals.dt.tz_localize(None)
        return vals.to_numpy(dtype="datetime64[ns]")


def _classify_timestamps(s: pa.Array, tz_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Regex path for timestamps that did not all cast: values, naive, zoned and bad-offset masks."""
    naive = _np(pac.match_substring_regex(s, _TS_NAIVE))
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    if naive.any():
        out[naive] = _cast_ts(pac.filter(s, pa.array(naive)), None)
    shaped = _np(pac.match_substring_regex(s, _TS_ZONED_SHAPE)) & ~naive
    zoned = np.zeros(len(s), dtype=bool)
    bad_offset = np.zeros(len(s), dtype=bool)
    if shaped.any():
        t = pac.replace_substring_regex(s, r"\s*(UTC|GMT)$", "Z")
        t = pac.replace_substring_regex(t, r"\s+([+\-]\d|Z$)", r"\1")
        zoned = _np(pac.match_substring_regex(t, _OFFSET_OK)) & shaped
        bad_offset = shaped & ~zoned
        if zoned.any():
            utc = _cast_ts(pac.filter(t, pa.array(zoned)), "UTC")
            local = pd.Series(utc).dt.tz_localize("UTC").dt.tz_convert(tz_name).dt.tz_localize(None)
            out[zoned] = local.to_numpy(dtype="datetime64[ns]")
    return out, naive, zoned, bad_offset


def _parse_timestamp(chk: _Checker, col: Column, s: pa.Array, blank: np.ndarray, tz_name: str) -> np.ndarray:
    """Naive ISO timestamps are business-local; ones with an offset are converted to tz_name, then naive.

    Fast path: the whole column casts as naive ISO. Otherwise the values that cannot carry an
    offset (no ``+``/``-`` after the date, no Z/UTC/GMT suffix) are cast at once and only the
    others go through the regular expressions.
    """
    date_only = _np(pac.less_equal(pac.binary_length(s), pa.scalar(10, pa.int32()))) & ~blank
    chk.count("repaired", f"{col.name}: date without time of day, midnight assumed", date_only.sum())
    fast = _fast_cast(s, blank, _EPOCH, pa.timestamp("ns"))  # every value naive ISO: no regex needed
    if fast is not None:
        return fast
    n = len(s)
    tail = pac.utf8_slice_codeunits(s, 10)
    maybe_zoned = np.zeros(n, dtype=bool)
    for m in (pac.match_substring(tail, "+"), pac.match_substring(tail, "-"), pac.ends_with(s, "Z"),
              pac.ends_with(s, "UTC"), pac.ends_with(s, "GMT")):
        maybe_zoned |= _np(m)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    naive = np.zeros(n, dtype=bool)
    plain = ~maybe_zoned & ~blank
    quick = _fast_cast(pac.filter(s, pa.array(plain)), np.zeros(int(plain.sum()), dtype=bool), _EPOCH,
                       pa.timestamp("ns")) if plain.any() else None
    if quick is not None:
        out[plain], naive = quick, plain
        rest = maybe_zoned & ~blank
    else:
        rest = ~blank
    zoned = np.zeros(n, dtype=bool)
    bad_offset = np.zeros(n, dtype=bool)
    if rest.any():
        idx = np.flatnonzero(rest)
        vals, nv, zn, bo = _classify_timestamps(pac.filter(s, pa.array(rest)), tz_name)
        out[idx] = vals
        naive[idx[nv]] = True
        zoned[idx[zn]] = True
        bad_offset[idx[bo]] = True
    chk.add(bad_offset, col.name, "malformed timezone offset",
            f"{_sample(s, bad_offset)}; write offsets as +HH:MM or -HH:MM (at most 14 hours), "
            "e.g. 2026-10-03 20:15:00-04:00, or leave them out for local time")
    invalid = (~blank & ~naive & ~zoned & ~bad_offset) | ((naive | zoned) & np.isnat(out))
    chk.add(invalid, col.name, "not an ISO 8601 timestamp",
            f"{_sample(s, invalid)}; expected e.g. 2026-10-03 20:15:00 or 2026-10-03T20:15:00-04:00")
    if zoned.any():
        chk.count("read", f"{col.name}: timestamps with an offset converted to {tz_name}", zoned.sum())
        if naive.any():
            chk.count("read", f"{col.name}: timestamps without an offset taken as {tz_name} local time",
                      naive.sum())
    return out


def _format_default(v: object) -> str:
    return f"'{v}'" if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def _string_series(arr: pa.Array | pa.ChunkedArray, kind: str) -> pd.Series:
    """Zero-copy pandas Series of an arrow string array: ``id`` -> "string" (pd.NA), ``text`` -> "str"."""
    dtype = _ID_DTYPE if kind == "id" else _TEXT_DTYPE
    return pd.Series(ArrowStringArray(arr, dtype=dtype))


def _typed_default(col: Column, n: int) -> pd.Series:
    if col.type in ("id", "text"):
        arr = pa.nulls(n, pa.string()) if col.default is None else pa.repeat(pa.scalar(str(col.default)), n)
        return _string_series(arr, col.type)
    if col.type == "money":
        return pd.Series(np.full(n, np.nan if col.default is None else float(col.default)))
    if col.type == "integer":
        return pd.Series(np.full(n, 0 if col.default is None else int(col.default), dtype=np.int64))
    return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))


def _validate_column(chk: _Checker, col: Column, raw: RawTable, present: set[str],
                     tz_name: str) -> tuple[pd.Series, np.ndarray]:
    """Typed values of one column and its blank mask (before defaults)."""
    n = len(raw.frame)
    required = col.required and (col.required_with is None or col.required_with in present)
    if col.name not in raw.frame.columns:
        if required:
            for f in raw.files:
                chk.add_file(f, col.name, "required column missing",
                             "the header has: " + ", ".join(raw.headers.get(f, ())))
        elif col.default is not None:
            chk.count("defaulted", f"column {col.name} absent; set to {_format_default(col.default)}", n)
        return _typed_default(col, n), np.ones(n, dtype=bool)
    lacking = np.zeros(n, dtype=bool)  # rows of files whose header lacks the column
    for f, cols in raw.headers.items():
        if col.name not in cols:
            if required:
                chk.add_file(f, col.name, "required column missing", "the header has: " + ", ".join(cols))
            lacking |= raw.file_index == raw.files.index(f) if raw.file_index is not None else True
    s0 = _text(raw.frame[col.name])
    s = pac.ascii_trim_whitespace(s0)
    blank = _np(pac.or_kleene(pac.is_null(s), pac.equal(pac.binary_length(s), pa.scalar(0, pa.int32()))))
    s = pac.fill_null(s, pa.scalar("", pa.string()))
    if required:
        chk.add(blank & ~lacking, col.name, "required value is blank")
    elif col.default is not None:
        chk.count("defaulted", f"blank {col.name} set to {_format_default(col.default)}", blank.sum())
    if col.type == "id":
        trimmed = _np(pac.not_equal(pac.binary_length(s0), pac.binary_length(s))) & ~blank
        chk.count("repaired", f"{col.name}: spaces around the id removed", trimmed.sum())
        out = _string_series(pac.if_else(pa.array(blank), _NULL, s) if blank.any() else s, "id")
    elif col.type == "text":
        if col.lowercase:
            low = pac.utf8_lower(s)
            changed = _np(pac.not_equal(low, s))
            chk.count("repaired", f"{col.name}: written in lower case", changed.sum())
            s = low
        if col.allowed:
            low = pac.utf8_lower(s)
            ok = _np(pac.is_in(low, pa.array(col.allowed)))
            bad = ~ok & ~blank
            chk.add(bad, col.name, f"value not allowed (allowed: {', '.join(col.allowed)})", _sample(s, bad))
            changed = ok & _np(pac.not_equal(low, s))
            chk.count("repaired", f"{col.name}: written in lower case", changed.sum())
            s = low
        if col.known:
            other = ~_np(pac.is_in(s, pa.array(col.known))) & ~blank
            if other.any():
                vc = pac.value_counts(pac.filter(s, pa.array(other)))
                chk.count_other(col.name, dict(zip(vc.field("values").to_pylist(),
                                                   vc.field("counts").to_pylist(), strict=True)))
        fill = col.default if col.default is not None else None
        vals = pac.if_else(pa.array(blank), pa.scalar(fill, pa.string()), s)
        out = _string_series(vals, "text")
    elif col.type == "money":
        vals = _parse_money(chk, col, s, blank)
        if col.default is not None and blank.any():
            vals[blank] = float(col.default)
        out = pd.Series(vals)
    elif col.type == "integer":
        vals, ok = _parse_integer(chk, col, s, blank)
        if col.default is not None and blank.any():
            vals[blank] = int(col.default)
        out = pd.Series(vals)
    elif col.type == "date":
        out = pd.Series(_parse_date(chk, col, s, blank))
    else:
        out = pd.Series(_parse_timestamp(chk, col, s, blank, tz_name))
    if col.min_value is not None and col.type in ("money", "integer"):
        v = out.to_numpy()
        below = ~blank & (v < col.min_value)
        if col.type == "integer":
            below &= ok
        chk.add(below, col.name, f"must be >= {col.min_value:g}", _sample(s, below))
    return out, blank


def _validate_piece(chk: _Checker, raw: RawTable, spec: Table, present: set[str], tz_name: str) -> pd.DataFrame:
    """Typed columns of one piece of a table: every rule that looks at one row at a time."""
    chk.raw = raw
    for f in raw.files:
        n_f = len(raw.frame) if raw.file_index is None else int((raw.file_index == raw.files.index(f)).sum())
        chk.count("read", f"rows read from {f}", n_f)
    for action, reason, rows in raw.quality:
        chk.count(action, reason, rows)
    cols: dict[str, pd.Series] = {}
    for col in spec.columns:
        cols[col.name], _ = _validate_column(chk, col, raw, present, tz_name)
    for cmp in spec.compares:
        a, b = cols[cmp.left], cols[cmp.right]
        both = a.notna().to_numpy() & b.notna().to_numpy()
        ok = (a > b) if cmp.op == ">" else (a >= b)
        bad = both & ~ok.to_numpy()
        chk.add(bad, cmp.left, f"{cmp.left} must be {cmp.op} {cmp.right}")
    extras = [c for c in raw.frame.columns if c not in spec.column_names]
    if extras:
        chk.count("read", f"extra column(s) kept, not used: {', '.join(map(str, extras))}", len(raw.frame))
        for c in extras:
            cols[c] = raw.frame[c].reset_index(drop=True).astype("str")
    return pd.DataFrame(cols)


def _check_piece_keys(chk: _Checker, df: pd.DataFrame, raw: RawTable, spec: Table,
                      keys: dict[str, pa.Array], bad: set[str]) -> None:
    """Foreign keys of one piece against the complete, valid referenced tables."""
    for col in spec.columns:
        ref = col.references
        known = keys.get(f"{ref.table}.{ref.column}") if ref is not None else None
        if known is None or ref.table in bad or col.name not in raw.frame.columns:
            continue
        v = pa.array(df[col.name].array)
        orphan = _np(pac.and_not(pac.is_valid(v), pac.is_in(v, value_set=known)))
        if orphan.any():
            chk.add(orphan, col.name, f"value not found in {ref.table}.csv ({ref.column})", _sample(v, orphan))


def _table_order() -> list[str]:
    """Contract tables ordered so that every referenced table comes before the tables referring to it."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for col in TABLES[name].columns:
            for dep in (col.references.table if col.references else None, col.required_with):
                if dep and dep != name:
                    visit(dep)
        order.append(name)

    for name in TABLES:
        visit(name)
    return order


_ORDER = _table_order()


@dataclass
class _Feed:
    """One contract table's input: its file labels and a generator of (piece, reading problems)."""

    name: str
    files: tuple[str, ...]
    pieces: Callable[[], Iterator[tuple[RawTable | None, list[Problem]]]]


class _MemorySink:
    """Keeps validated tables in memory."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pd.DataFrame]] = {}
        self.tables: dict[str, pd.DataFrame] = {}

    def add(self, name: str, df: pd.DataFrame) -> None:
        self.parts.setdefault(name, []).append(df)

    def finish(self, name: str) -> None:
        parts = self.parts.pop(name, [])
        if parts:
            self.tables[name] = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


class _ParquetSink:
    """Writes each table's pieces to ``<folder>/<table>.parquet`` as soon as they are validated."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.dtypes: dict[str, dict[str, str]] = {}

    def add(self, name: str, df: pd.DataFrame) -> None:
        tbl = pa.Table.from_pandas(df, preserve_index=False)
        w = self.writers.get(name)
        if w is None:
            w = self.writers[name] = pq.ParquetWriter(self.folder / f"{name}.parquet", tbl.schema)
            self.dtypes[name] = {c: str(t) for c, t in df.dtypes.items()}
        elif not tbl.schema.equals(w.schema):
            tbl = tbl.cast(w.schema)
        w.write_table(tbl)

    def finish(self, name: str) -> None:
        w = self.writers.pop(name, None)
        if w is not None:
            w.close()

    def close(self) -> None:
        for name in list(self.writers):
            self.finish(name)


def _merge_problems(problems: list[Problem]) -> list[Problem]:
    """Problems of one file found piece by piece, merged into one per file, column and rule."""
    chk = _Checker("")
    for p in problems:
        chk._merge(p.file, p.column, p.rule, list(p.lines), p.n_lines, p.detail, p.source)
    return chk.problems


def _validate_feeds(feeds: dict[str, _Feed], failed: set[str], problems: list[Problem], notes: list[str],
                    tz_name: str, sink: _MemorySink | _ParquetSink, description: str = "the source") -> pd.DataFrame:
    """Step 2 on every table, piece by piece, handing each typed piece to ``sink``.

    Tables go in reference order (brands, users, products... touchpoints), so a foreign key is
    checked against the complete referenced column while its own table streams past; only key
    columns are kept in memory. Returns the data-quality rows; raises ContractError with every
    problem (``problems`` are the ones found before, e.g. in the mapping).
    """
    if "sales" not in feeds and "sales" not in failed:
        problems = problems + [_problem("sales.csv", None, "required table missing",
                                        detail=f"no sales.csv in {description}; it is the minimal input "
                                               "(sale_id, buyer_id, date_sold, sale_price)")]
    present = set(feeds) | set(failed)
    referenced = {(c.references.table, c.references.column)
                  for t in feeds for c in TABLES[t].columns if c.references}
    keys: dict[str, pa.Array] = {}
    bad: set[str] = set(failed)
    read_problems: dict[str, list[Problem]] = {}
    empty_problems: list[Problem] = []
    checkers: dict[str, _Checker] = {}
    writing = not problems
    for name in _ORDER:
        if name not in feeds:
            continue
        feed, spec, chk = feeds[name], TABLES[name], _Checker(name)
        rprobs: list[Problem] = []
        unique = [c.name for c in spec.columns if c.unique]
        keep = sorted(set(unique) | {c for t, c in referenced if t == name})
        kept: dict[str, list[pd.Series]] = {c: [] for c in keep}
        lines: list[np.ndarray] = []
        file_idx: list[np.ndarray] = []
        n_rows = 0
        for raw, probs in feed.pieces():
            rprobs += probs
            if raw is None or rprobs or len(raw.frame) == 0:
                continue  # a table with reading problems is read on only to report them all
            df = _validate_piece(chk, raw, spec, present, tz_name)
            _check_piece_keys(chk, df, raw, spec, keys, bad)
            for c in keep:
                kept[c].append(df[c])
            if unique:
                lines.append(raw.lines)
                pos = np.array([feed.files.index(f) for f in raw.files], dtype=np.int32)
                file_idx.append(np.full(len(df), pos[0], np.int32) if raw.file_index is None
                                else pos[raw.file_index])
            writing = writing and not chk._problems and not read_problems
            if writing:
                sink.add(name, df)
            n_rows += len(df)
            del df
        if rprobs:
            read_problems[name] = _merge_problems(rprobs)
            bad.add(name)
            failed.add(name)
            writing = False
            continue
        if n_rows == 0:
            if spec.core:
                empty_problems.append(_problem(feed.files[0], None, "table has a header but no rows", (1,), 1,
                                               "export the table with its rows, or remove the file"))
                bad.add(name)
                failed.add(name)
                writing = False
            else:
                notes.append(f"{feed.files[0]} has a header but no rows; treated as absent.")
                present.discard(name)
            continue
        where = (np.concatenate(lines), np.concatenate(file_idx), feed.files) if unique else None
        for c in unique:
            values = pd.concat(kept[c], ignore_index=True) if len(kept[c]) > 1 else kept[c][0]
            if not values.dropna().is_unique:
                dup = values.duplicated(keep=False).to_numpy() & values.notna().to_numpy()
                chk.add(dup, c, "duplicate value (must be unique)", _sample(pa.array(values.array), dup), where)
        checkers[name] = chk
        if chk._problems:
            bad.add(name)
            writing = False
        else:
            for c in keep:
                if (name, c) in referenced:
                    keys[f"{name}.{c}"] = pa.chunked_array([pa.array(s.array) for s in kept[c]]).combine_chunks()
            sink.finish(name)
        del kept, lines, file_idx
    found = list(problems)
    found += [p for name in TABLES for p in read_problems.get(name, [])]
    found += empty_problems
    found += [p for name in TABLES if name in checkers for p in checkers[name].problems]
    if found:
        raise ContractError(found)
    rows = [q for name in TABLES if name in checkers for q in checkers[name].quality]
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS).astype({"rows": "int64"})


def _raw_feeds(raw: RawSource) -> dict[str, _Feed]:
    """Feeds of tables already read whole (a SQL reader's, or a hand-built RawSource)."""
    return {name: _Feed(name, rt.files, lambda rt=rt: iter([(rt, [])])) for name, rt in raw.tables.items()}


def validate_tables(raw: RawSource, tz_name: str = DEFAULT_TZ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[str]]:
    """Step 2: check every hard rule, parse, repair and default (data-contract.md).

    Returns typed tables, the data-quality rows (``table, action, reason, rows``) and notes.
    Raises ContractError with every problem found (reading problems included).
    """
    notes = list(raw.notes)
    sink = _MemorySink()
    quality = _validate_feeds(_raw_feeds(raw), set(raw.failed), list(raw.problems), notes, tz_name, sink,
                              raw.description)
    return sink.tables, quality, notes


# --------------------------------------------------------------------------- cache


def _cache_path(fingerprint: str) -> Path:
    return CACHE_DIR / "tables" / fingerprint


#: validated inputs kept in the cache; older ones are removed when a new one is published
CACHE_KEEP = 4
#: an entry used (or a half-written one touched) this recently is never removed: a run may be reading it
CACHE_MIN_AGE_SECONDS = 3600.0


def prune_cache(keep: int | None = None, min_age: float | None = None, folder: Path | None = None) -> list[str]:
    """Remove all but the ``keep`` most recently used cache entries, and abandoned half-written ones.

    An entry's last use is its ``meta.json`` time, touched on every read; entries used within
    ``min_age`` seconds stay whatever their rank, so a run still reading one is never disturbed.
    Returns the names removed.
    """
    keep = CACHE_KEEP if keep is None else keep
    min_age = CACHE_MIN_AGE_SECONDS if min_age is None else min_age
    root = folder if folder is not None else CACHE_DIR / "tables"
    if not root.is_dir():
        return []
    now = time.time()

    def last_use(p: Path) -> float:
        try:
            return (p / "meta.json").stat().st_mtime
        except OSError:
            return p.stat().st_mtime

    entries = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".tmp-")),
                     key=last_use, reverse=True)
    old = [p for p in entries[keep:] if now - last_use(p) > min_age]
    old += [p for p in root.iterdir() if p.is_dir() and p.name.startswith(".tmp-") and now - p.stat().st_mtime > min_age]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in old]


def _dataset_from_feeds(feeds: dict[str, _Feed], failed: set[str], problems: list[Problem], notes: list[str],
                        description: str, mapping: str | None, fp: str, tz_name: str, use_cache: bool) -> Dataset:
    """Validate the feeds; with ``use_cache`` the pieces stream into the Parquet cache (published
    only when every rule holds) and the Dataset reads its tables back lazily from there."""
    if use_cache:
        final = _cache_path(fp)
        tmp = final.parent / f".tmp-{fp[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir(parents=True)
        except OSError:
            tmp = None  # the cache is not writable: validate in memory
        if tmp is not None:
            sink = _ParquetSink(tmp)
            kept_notes = list(notes)
            try:
                quality = _validate_feeds(feeds, set(failed), list(problems), kept_notes, tz_name, sink, description)
                sink.close()
                meta = {"loader_version": LOADER_VERSION, "tz_name": tz_name, "mapping": mapping,
                        "notes": kept_notes, "quality": quality.to_dict(orient="records"), "dtypes": sink.dtypes}
                (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
                if not final.exists():
                    os.rename(tmp, final)
                    prune_cache()
            except OSError:
                pass  # disk full or another run published first: read what is there, or validate in memory
            finally:
                sink.close()
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            ds = _read_cache(fp, description)
            if ds is not None:
                return ds
    sink = _MemorySink()
    notes = list(notes)
    quality = _validate_feeds(feeds, set(failed), list(problems), notes, tz_name, sink, description)
    return Dataset(sink.tables, quality, fp, description, tz_name, mapping, notes)


class LazyTables(MutableMapping):
    """Cached tables read from Parquet on first use: a notebook pays only for the tables it touches."""

    def __init__(self, path: Path, dtypes: dict[str, dict[str, str]]):
        self._path, self._dtypes, self._loaded = path, dict(dtypes), {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._loaded:
            if name not in self._dtypes:
                raise KeyError(name)
            df = pd.read_parquet(self._path / f"{name}.parquet")
            want = self._dtypes[name]
            self._loaded[name] = df.astype(want) if {c: str(t) for c, t in df.dtypes.items()} != want else df
        return self._loaded[name]

    def column(self, name: str, column: str) -> pd.Series:
        """One column of a table, read alone when the table is not loaded yet."""
        if name in self._loaded or name not in self._dtypes:
            return self[name][column]
        df = pd.read_parquet(self._path / f"{name}.parquet", columns=[column])
        return df[column].astype(self._dtypes[name][column])

    def rows_between(self, name: str, column: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        """The rows with ``lo <= column < hi``, filtered while reading (nothing is kept)."""
        if name in self._loaded:
            df = self._loaded[name]
            return df[(df[column] >= lo) & (df[column] < hi)].reset_index(drop=True)
        df = pd.read_parquet(self._path / f"{name}.parquet",
                             filters=[(column, ">=", pd.Timestamp(lo)), (column, "<", pd.Timestamp(hi))])
        want = self._dtypes[name]
        return df.astype(want) if {c: str(t) for c, t in df.dtypes.items()} != want else df

    def release(self, *names: str) -> None:
        """Forget the loaded copies of these tables (read again from the cache when next used)."""
        for name in names:
            self._loaded.pop(name, None)

    def __setitem__(self, name: str, df: pd.DataFrame) -> None:
        self._dtypes.setdefault(name, {})
        self._loaded[name] = df

    def __delitem__(self, name: str) -> None:
        del self._dtypes[name]
        self._loaded.pop(name, None)

    def __iter__(self):
        return iter(self._dtypes)

    def __len__(self) -> int:
        return len(self._dtypes)

    def __contains__(self, name: object) -> bool:
        return name in self._dtypes


def table_column(ds: Dataset, table: str, column: str) -> pd.Series:
    """One column of a dataset's table, without loading the rest of a lazily cached table."""
    if isinstance(ds.tables, LazyTables):
        return ds.tables.column(table, column)
    return ds.tables[table][column]


def table_rows_between(ds: Dataset, table: str, column: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """Rows of a table with ``lo <= column < hi``; a lazily cached table is filtered while it is read."""
    if isinstance(ds.tables, LazyTables):
        return ds.tables.rows_between(table, column, lo, hi)
    df = ds.tables[table]
    return df[(df[column] >= lo) & (df[column] < hi)].reset_index(drop=True)


def release_tables(ds: Dataset, *names: str) -> None:
    """Drop the loaded copies of lazily cached tables (no effect on tables held in memory only)."""
    if isinstance(ds.tables, LazyTables):
        ds.tables.release(*names)


def _read_cache(fingerprint: str, source: str) -> Dataset | None:
    path = _cache_path(fingerprint)
    try:
        meta = json.loads((path / "meta.json").read_text())
        with contextlib.suppress(OSError):  # a read-only cache is still read
            os.utime(path / "meta.json")  # its last use, for prune_cache
        if not all((path / f"{name}.parquet").exists() for name in meta["dtypes"]):
            return None
        tables = LazyTables(path, meta["dtypes"])
        quality = pd.DataFrame(meta["quality"], columns=QUALITY_COLUMNS).astype({"rows": "int64"})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Dataset(tables, quality, fingerprint, source, meta["tz_name"], meta["mapping"], list(meta["notes"]))


def load_cached(fingerprint: str, source: str) -> Dataset | None:
    """The dataset cached under ``fingerprint`` (validated earlier in this run), or None.

    The pipeline validates the input once and hands the notebooks its fingerprint, so they
    skip hashing the input files again.
    """
    return _read_cache(fingerprint, source)


# --------------------------------------------------------------------------- entry points


def _check_tz(tz_name: str) -> None:
    try:
        pd.Timestamp("2026-01-01", tz=tz_name)
    except Exception as e:
        raise ValueError(f"unknown time zone {tz_name!r}; use an IANA name like 'America/New_York'") from e


def dataset_from_raw(raw: RawSource, tz_name: str = DEFAULT_TZ, use_cache: bool = False,
                     fingerprint: str | None = None) -> Dataset:
    """Validate any reader's RawSource into a Dataset (the plug-in point for a SQL reader).

    ``fingerprint`` defaults to one computed from ``raw.digests``, ``raw.mapping_digest``,
    tz_name and LOADER_VERSION; with ``use_cache`` the result is cached under it.
    """
    _check_tz(tz_name)
    fp = fingerprint or _fingerprint(raw.digests, tz_name, raw.mapping_digest)
    if use_cache and not raw.problems:
        ds = _read_cache(fp, raw.description)
        if ds is not None:
            return ds
    return _dataset_from_feeds(_raw_feeds(raw), set(raw.failed), list(raw.problems), list(raw.notes),
                               raw.description, raw.mapping, fp, tz_name, use_cache)


def load_dataset(source: str | Path, tz_name: str = DEFAULT_TZ, use_cache: bool = True) -> Dataset:
    """Load, validate and type a folder of contract CSVs (data-contract.md), cached as Parquet.

    Parameters
    ----------
    source : folder with ``<table>.csv`` files (and optionally ``mapping.yaml``).
    tz_name : business time zone; timestamps with an offset are converted to it.
    use_cache : read/write ``CACHE_DIR/tables/<fingerprint>/``; the key is the sha256 of
        every input file's bytes, the mapping file, tz_name and LOADER_VERSION.

    Raises
    ------
    ContractError : every broken hard rule, each naming file, lines, column and rule.
    ValueError : unknown time zone.
    """
    _check_tz(tz_name)
    if "://" in str(source):  # a SQLAlchemy URL: same validation, tables read from the database
        from lib.data.sql_source import load_sql_dataset

        return load_sql_dataset(str(source), tz_name=tz_name, use_cache=use_cache)
    inp = _read_inputs(source)
    fp = _fingerprint(inp.digests, tz_name, inp.mapping.digest if inp.mapping else None)
    if use_cache and not inp.problems:
        ds = _read_cache(fp, str(inp.folder))
        if ds is not None:
            return ds
    feeds, failed = _csv_feeds(inp)
    return _dataset_from_feeds(feeds, failed, list(inp.problems), list(inp.notes), str(inp.folder),
                               str(inp.folder / mapping_mod.MAPPING_FILE) if inp.mapping else None,
                               fp, tz_name, use_cache)


def quality_summary(ds: Dataset) -> pd.DataFrame:
    """The data-quality summary: one row per table, action and reason with a row count."""
    q = ds.quality.copy()
    order = {"read": 0, "repaired": 1, "defaulted": 2, "excluded": 3}
    q["_o"] = q["action"].map(order).fillna(9)
    return q.sort_values(["table", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def quality_text(ds: Dataset) -> str:
    """One plain paragraph for the command line: what was loaded, repaired and defaulted."""
    q = ds.quality
    read = q[(q["action"] == "read") & q["reason"].str.startswith("rows read from")]
    per_table = read.groupby("table", sort=False)["rows"].sum()
    parts = [f"{t} {n:,} rows" for t, n in per_table.items()]
    text = f"Loaded {len(ds.tables)} table(s) from {ds.source}: {', '.join(parts)}."
    for action, verb in (("repaired", "repaired"), ("defaulted", "defaulted")):
        sub = q[q["action"] == action]
        if len(sub):
            detail = "; ".join(f"{r.table}: {r.reason} ({r.rows:,})" for r in sub.itertuples())
            text += f" {int(sub['rows'].sum()):,} cell(s) {verb} ({detail})."
        else:
            text += f" Nothing {verb}."
    noted = q[(q["action"] == "read") & ~q["reason"].str.startswith("rows read from")]
    if len(noted):
        text += " Noted: " + "; ".join(f"{r.table}: {r.reason} ({r.rows:,})" for r in noted.itertuples()) + "."
    excl = q[q["action"] == "excluded"]
    text += f" {int(excl['rows'].sum()):,} row(s) excluded." if len(excl) else " No rows excluded."
    missing = [t for t in TABLES if t not in ds.tables]
    if missing:
        text += f" Tables not present: {', '.join(missing)}."
    if ds.notes:
        text += " " + " ".join(ds.notes)
    return text


def mask_source(source: str) -> str:
    """A source description safe to print: a database URL's password replaced by ***."""
    if "://" in source:
        try:
            from sqlalchemy.engine import make_url

            return make_url(source).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - any unparsable URL is shown without its credentials part
            scheme, rest = source.split("://", 1)
            return f"{scheme}://***@{rest.split('@', 1)[-1]}" if "@" in rest else source
    return source


def run_dataset(data: str, tz_name: str = DEFAULT_TZ):
    """The dataset a notebook (or the previous-KPI process) of a run reads.

    The other side of the environment the run sets for its workers: ``data`` equal to the
    masked database URL means the real one (``LACELUXX_DATA``, password included); when that is
    the run's input in the run's time zone, the tables the run validated a moment ago are read
    from the cache by fingerprint, without hashing the input again. Anything else (an analyst in
    JupyterLab) is loaded and validated here. ``data`` empty means the shipped sample data.
    """
    source = data or str(SAMPLE_DIR)
    if data and data == os.environ.get("LACELUXX_DATA_MASKED") and os.environ.get("LACELUXX_DATA"):
        source = os.environ["LACELUXX_DATA"]
    fp = os.environ.get("LACELUXX_FINGERPRINT")
    ds = None
    if fp and source == os.environ.get("LACELUXX_DATA") and (tz_name or DEFAULT_TZ) == os.environ.get("LACELUXX_TZ"):
        ds = load_cached(fp, source)
    if ds is None:
        ds = load_dataset(source, tz_name=tz_name or DEFAULT_TZ)
    if data and "://" in data:
        ds.source = mask_source(ds.source)
    return ds
