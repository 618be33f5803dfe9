"""Check every hard rule of the contract on raw tables, type them and count repairs and defaults (docs/data-contract.md, General rules).

Tables are validated piece by piece (a large CSV file arrives in pieces) in reference order, so a
foreign key is checked against the complete referenced column while its own table streams past
(docs/data-contract.md, Referential integrity). Every broken rule of every table is collected
into one :class:`~lib.data.dataset.ContractError` (docs/data-contract.md, When the input breaks
the contract); the repairs, defaults and notes become the data-quality rows
(docs/data-contract.md, Data-quality summary).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

from lib.config import DEFAULT_TZ
from lib.data import cache
from lib.data.contract import TABLES, Column, Table
from lib.data.dataset import (
    ID_DTYPE,
    MAX_COLUMNS,
    MAX_FIELD_BYTES,
    MAX_LINES,
    QUALITY_COLUMNS,
    TEXT_DTYPE,
    ContractError,
    Dataset,
    Problem,
)
from lib.data.mapping import located_problem
from lib.data.parse import (
    arrow_strings,
    mask_array,
    parse_date,
    parse_integer,
    parse_money,
    parse_timestamp,
)
from lib.data.raw import RawSource, RawTable

__all__ = [
    "GUEST_COLUMN", "Feed", "TableSink", "check_tz", "merge_problems", "validate_feeds", "raw_feeds", "validate_tables",
    "dataset_from_feeds", "dataset_from_raw",
]

ArrowStringArray = pd.arrays.ArrowStringArray
#: the boolean column a sales table gets when a mapping declares guest lines (docs/data-contract.md, Guest sales)
GUEST_COLUMN = "is_guest"
_NULL = pa.scalar(None, pa.string())


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
        return [located_problem(f, c, r, lines, n, d, s) for (f, c, r, s), (lines, n, d) in self._problems.items()]

    def _merge(self, file: str, column: str | None, rule: str, lines: list[int], n: int, detail: str,
               src: str | None) -> None:
        key = (file, column, rule, src)
        if key not in self._problems:
            self._problems[key] = [list(lines[:MAX_LINES]), int(n), detail]
        elif lines != [1]:  # a header problem is found again in every piece: count it once
            entry = self._problems[key]
            entry[0] = sorted(entry[0] + list(lines[:MAX_LINES]))[:MAX_LINES]
            entry[1] += int(n)

    def add(self, mask: np.ndarray, column: str | None, rule: str, detail: str = "",
            where: tuple[np.ndarray, np.ndarray | None, tuple[str, ...]] | None = None,
            values: pa.Array | pa.ChunkedArray | None = None) -> None:
        """One problem per file for the rows in ``mask`` (of the current piece, or of ``where``:
        line numbers, file index and file labels of the whole table). With ``values`` (the column's
        text) each file's detail starts with that file's own first bad value, ``e.g. '-80.00'``."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        lines_all, file_index, files = where if where is not None else (
            self.raw.lines, self.raw.file_index, self.raw.files)
        if file_index is None:
            groups = [(0, idx)]
        else:
            fi = file_index[idx]
            groups = [(int(f), idx[fi == f]) for f in np.unique(fi)]
        for f, rows in groups:
            lines = np.sort(lines_all[rows])
            d = detail
            if values is not None:
                first = int(rows[np.argmin(lines_all[rows])])  # the file's first bad line
                ex = f"e.g. {values[first].as_py()!r}"
                d = f"{ex}; {detail}" if detail else ex
            src = self.raw.source_column(files[f], column) if self.raw is not None else None
            self._merge(files[f], column, rule, [int(x) for x in lines[:MAX_LINES]], len(rows), d, src)

    def add_file(self, file: str, column: str, rule: str, detail: str = "") -> None:
        self._merge(file, column, rule, [1], 1, detail, self.raw.source_column(file, column))

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



def _format_default(v: object) -> str:
    return f"'{v}'" if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def _format_bound(v: float) -> str:
    """1,000,000 or 999,999,999.99: a bound as the owner reads it."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def _too_long(chk: _Checker, column: str, s: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Mask of cells longer than MAX_FIELD_BYTES, reported (docs/data-contract.md, Limits); None when there is none."""
    if len(s) == 0:
        return None
    size = pac.binary_length(s)
    longest = pac.max(size).as_py()
    if longest is None or longest <= MAX_FIELD_BYTES:
        return None
    mask = mask_array(pac.greater(size, pa.scalar(MAX_FIELD_BYTES, size.type)))
    first = int(np.asarray(size)[np.flatnonzero(mask)[0]])
    chk.add(mask, column, f"value is longer than {MAX_FIELD_BYTES:,} bytes, the most a cell may hold",
            f"found {first:,} bytes")
    return mask


def _string_series(arr: pa.Array | pa.ChunkedArray, kind: str) -> pd.Series:
    """Zero-copy pandas Series of an arrow string array: ``id`` -> "string" (pd.NA), ``text`` -> "str"."""
    dtype = ID_DTYPE if kind == "id" else TEXT_DTYPE
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


def _lower_already(s: pa.Array | pa.ChunkedArray) -> bool:
    """Whether every value is already in lower case, judged on the distinct values (a channel column has a
    few): then lowering changes nothing and is skipped."""
    u = pac.unique(s)
    return bool(pac.all(pac.equal(pac.utf8_lower(u), u)).as_py() is not False)


def _allowed_already(s: pa.Array | pa.ChunkedArray, allowed: tuple[str, ...]) -> bool:
    """Whether every value is blank (``""``) or one of ``allowed`` as written (lower case): then no value is
    refused or repaired and the checks are skipped; judged on the distinct values."""
    u = pac.unique(s)
    ok = pac.or_(pac.is_in(u, pa.array(list(allowed), pa.string())), pac.equal(u, pa.scalar("", pa.string())))
    return (bool(pac.all(ok).as_py() is not False)
            and bool(pac.all(pac.equal(pac.utf8_lower(u), u)).as_py() is not False))


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
    s0 = arrow_strings(raw.frame[col.name])
    too_long = _too_long(chk, col.name, s0)
    if too_long is not None:  # reported once; the other rules see a blank cell
        s0 = pac.if_else(pa.array(too_long), pa.scalar("", pa.string()), s0)
        lacking |= too_long
    s = pac.ascii_trim_whitespace(s0)
    blank = mask_array(pac.or_kleene(pac.is_null(s), pac.equal(pac.binary_length(s), pa.scalar(0, pa.int32()))))
    s = pac.fill_null(s, pa.scalar("", pa.string()))
    if required:
        missing = blank & ~lacking
        if col.name == "buyer_id" and raw.guest is not None:  # a guest line has no buyer (Guest sales)
            missing &= ~raw.guest
        chk.add(missing, col.name, "required value is blank")
    elif col.default is not None:
        chk.count("defaulted", f"blank {col.name} set to {_format_default(col.default)}", blank.sum())
    if col.type == "id":
        trimmed = mask_array(pac.not_equal(pac.binary_length(s0), pac.binary_length(s))) & ~blank
        chk.count("repaired", f"{col.name}: spaces around the id removed", trimmed.sum())
        out = _string_series(pac.if_else(pa.array(blank), _NULL, s) if blank.any() else s, "id")
    elif col.type == "text":
        if col.lowercase and not _lower_already(s):
            low = pac.utf8_lower(s)
            changed = mask_array(pac.not_equal(low, s))
            chk.count("repaired", f"{col.name}: written in lower case", changed.sum())
            s = low
        if col.allowed and not _allowed_already(s, col.allowed):
            low = pac.utf8_lower(s)
            ok = mask_array(pac.is_in(low, pa.array(col.allowed)))
            bad = ~ok & ~blank
            chk.add(bad, col.name, f"value not allowed (allowed: {', '.join(col.allowed)})", values=s)
            changed = ok & mask_array(pac.not_equal(low, s))
            chk.count("repaired", f"{col.name}: written in lower case", changed.sum())
            s = low
        if col.known:
            other = ~mask_array(pac.is_in(s, pa.array(col.known))) & ~blank
            if other.any():
                vc = pac.value_counts(pac.filter(s, pa.array(other)))
                chk.count_other(col.name, dict(zip(vc.field("values").to_pylist(),
                                                   vc.field("counts").to_pylist(), strict=True)))
        fill = col.default if col.default is not None else None
        vals = pac.if_else(pa.array(blank), pa.scalar(fill, pa.string()), s) if blank.any() else s
        out = _string_series(vals, "text")
    elif col.type == "money":
        vals = parse_money(chk, col, s, blank)
        if col.default is not None and blank.any():
            vals[blank] = float(col.default)
        out = pd.Series(vals)
    elif col.type == "integer":
        vals, ok = parse_integer(chk, col, s, blank)
        if col.default is not None and blank.any():
            vals[blank] = int(col.default)
        out = pd.Series(vals)
    elif col.type == "date":
        out = pd.Series(parse_date(chk, col, s, blank))
    else:
        out = pd.Series(parse_timestamp(chk, col, s, blank, tz_name))
    if col.min_value is not None and col.type in ("money", "integer"):
        v = out.to_numpy()
        below = ~blank & (v < col.min_value)
        rule = f"must be >= {col.min_value:g}"
        if col.return_negative:  # a return line: -1 and below (docs/data-contract.md, Return lines)
            below &= v > -1
            rule += ", or <= -1 on a return line"
        if col.type == "integer":
            below &= ok
        chk.add(below, col.name, rule, values=s)
    if col.max_value is not None and col.type in ("money", "integer"):
        v = out.to_numpy()
        above = ~blank & ((np.abs(v) if col.return_negative else v) > col.max_value)  # 1e400 too; NaN is False
        if col.type == "integer":
            above &= ok
        chk.add(above, col.name, f"must be at most {_format_bound(col.max_value)}", values=s)
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
    if raw.guest is not None:  # docs/data-contract.md, Guest sales
        cols[GUEST_COLUMN] = pd.Series(np.asarray(raw.guest, dtype=bool))
    extras = [c for c in raw.frame.columns if c not in spec.column_names and c not in cols]
    if extras:
        what = "1 extra column kept" if len(extras) == 1 else f"{len(extras)} extra columns kept"
        chk.count("read", f"{what}, not used: {', '.join(map(str, extras))}", len(raw.frame))
        for c in extras:
            cols[c] = raw.frame[c].reset_index(drop=True).astype("str")
            _too_long(chk, str(c), arrow_strings(cols[c]))
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
        orphan = mask_array(pac.and_not(pac.is_valid(v), pac.is_in(v, value_set=known)))
        if orphan.any():
            chk.add(orphan, col.name, f"value not found in {ref.table}.csv ({ref.column})", values=v)


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
class Feed:
    """One contract table's input: its file labels and a generator of (piece, reading problems)."""

    name: str
    files: tuple[str, ...]
    pieces: Callable[[], Iterator[tuple[RawTable | None, list[Problem]]]]
    #: warnings the pieces leave once read (a mapping's row rule that matched no line), added to the notes
    notes: list[str] = field(default_factory=list)

    def read(self) -> Iterator[tuple[RawTable | None, list[Problem]]]:
        """The pieces, read here and now."""
        return self.pieces()


class _ReadAhead:
    """Reads the feeds' pieces in a thread of its own, in the order they are validated and one piece ahead
    (the CSV reader releases the GIL), so reading the next piece overlaps validating this one; an error
    while reading is raised where the piece would have come."""

    def __init__(self, feeds: list[Feed]) -> None:
        self.ready: queue.Queue = queue.Queue()
        self.slot = threading.Semaphore(1)  # one piece read ahead, not more (memory stays at two pieces)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(feeds,), name="laceluxx-read", daemon=True)
        self.thread.start()

    def _take_slot(self) -> bool:
        while not self.stop.is_set():
            if self.slot.acquire(timeout=0.1):
                return True
        return False

    def _run(self, feeds: list[Feed]) -> None:
        try:
            for feed in feeds:
                it = feed.pieces()
                while self._take_slot():
                    try:
                        piece = next(it)
                    except StopIteration:
                        self.slot.release()
                        break
                    self.ready.put(("piece", feed.name, piece))
                else:
                    return
                self.ready.put(("end", feed.name, None))
        except BaseException as e:  # handed to the validating thread
            self.ready.put(("error", None, e))

    def pieces(self, feed: Feed) -> Iterator[tuple[RawTable | None, list[Problem]]]:
        """The pieces of ``feed`` (the next feed in the order the thread reads them)."""
        while True:
            kind, name, item = self.ready.get()
            if kind == "error":
                raise item
            if name != feed.name:
                raise RuntimeError(f"read ahead {name}, validating {feed.name}")
            if kind == "end":
                return
            self.slot.release()
            yield item

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


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



class TableSink(Protocol):
    """Where validated pieces go: memory (:class:`_MemorySink`) or the Parquet cache."""

    def add(self, name: str, df: pd.DataFrame) -> None:
        """One typed piece of table ``name``."""

    def finish(self, name: str) -> None:
        """Table ``name`` is complete and valid."""


def merge_problems(problems: list[Problem]) -> list[Problem]:
    """Problems of one file found piece by piece, merged into one per file, column and rule."""
    chk = _Checker("")
    for p in problems:
        chk._merge(p.file, p.column, p.rule, list(p.lines), p.n_lines, p.detail, p.source)
    return chk.problems


class _WriteBehind:
    """Hands the pieces to ``sink`` in a thread of its own while the next piece is validated (the Parquet
    writer releases the GIL): one call in flight at a time, in the order they were made."""

    def __init__(self, sink: TableSink) -> None:
        self.sink = sink
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="laceluxx-write")
        self.pending: Future | None = None

    def _wait(self) -> None:
        f, self.pending = self.pending, None
        if f is not None:
            f.result()  # the writer's error (a full disk) surfaces here

    def add(self, name: str, df: pd.DataFrame) -> None:
        self._wait()
        self.pending = self.pool.submit(self.sink.add, name, df)

    def finish(self, name: str) -> None:
        self._wait()
        self.pending = self.pool.submit(self.sink.finish, name)

    def close(self, quiet: bool = False) -> None:
        """Wait for the last call; ``quiet`` when another error is on its way (it is the one raised)."""
        try:
            self._wait()
        except Exception:
            if not quiet:
                raise
        finally:
            self.pool.shutdown(wait=True)


def validate_feeds(feeds: dict[str, Feed], failed: set[str], problems: list[Problem], notes: list[str],
                   tz_name: str, sink: TableSink, description: str = "the source") -> pd.DataFrame:
    """Step 2 on every table, piece by piece, handing each typed piece to ``sink``.

    Tables go in reference order (brands, users, products... touchpoints), so a foreign key is
    checked against the complete referenced column while its own table streams past; only key
    columns are kept in memory. A sink other than memory (the Parquet cache) writes each piece in
    a thread of its own while the next one is validated. Returns the data-quality rows; raises
    ContractError with every problem (``problems`` are the ones found before, e.g. in the mapping).
    """
    if isinstance(sink, _MemorySink):
        return _validate_feeds(feeds, failed, problems, notes, tz_name, sink, description, Feed.read)
    behind = _WriteBehind(sink)
    ahead = _ReadAhead([feeds[name] for name in _ORDER if name in feeds])
    try:
        quality = _validate_feeds(feeds, failed, problems, notes, tz_name, behind, description, ahead.pieces)
    except BaseException:
        ahead.close()
        behind.close(quiet=True)
        raise
    ahead.close()
    behind.close()
    return quality


def _validate_feeds(feeds: dict[str, Feed], failed: set[str], problems: list[Problem], notes: list[str],
                    tz_name: str, sink: TableSink, description: str,
                    pieces: Callable[[Feed], Iterator[tuple[RawTable | None, list[Problem]]]]) -> pd.DataFrame:
    """:func:`validate_feeds` with the sink as given and ``pieces(feed)`` reading each feed (in ``_ORDER``)."""
    if "sales" not in feeds and "sales" not in failed:
        problems = problems + [located_problem("sales.csv", None, "required table missing",
                                               detail=f"no sales.csv in {description}; it is the minimal "
                                                      "input (sale_id, buyer_id, date_sold, sale_price)")]
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
        for raw, probs in pieces(feed):
            rprobs += probs
            if raw is not None and len(raw.frame.columns) > MAX_COLUMNS:  # any reader (CSV stops at the header)
                rprobs += [located_problem(f, None, f"table has more columns than the {MAX_COLUMNS:,} a table may have",
                                           (1,), 1, f"it has {len(raw.frame.columns):,} columns") for f in raw.files]
            if raw is not None and not rprobs and len(raw.frame) == 0:
                for action, reason, rows in raw.quality:  # every line of the piece excluded: still counted
                    chk.count(action, reason, rows)
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
        notes.extend(feed.notes)
        if rprobs:
            read_problems[name] = merge_problems(rprobs)
            bad.add(name)
            failed.add(name)
            writing = False
            continue
        if n_rows == 0:
            if spec.core:
                empty_problems.append(located_problem(feed.files[0], None, "table has a header but no rows",
                                                      (1,), 1, "export the table with its rows, or remove the file"))
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
                chk.add(dup, c, "duplicate value (must be unique)", where=where, values=pa.array(values.array))
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


def raw_feeds(raw: RawSource) -> dict[str, Feed]:
    """Feeds of tables already read whole (a SQL reader's, or a hand-built RawSource)."""
    return {name: Feed(name, rt.files, lambda rt=rt: iter([(rt, [])])) for name, rt in raw.tables.items()}


def validate_tables(raw: RawSource, tz_name: str = DEFAULT_TZ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[str]]:
    """Step 2: check every hard rule, parse, repair and default (docs/data-contract.md, General rules).

    Returns typed tables, the data-quality rows (``table, action, reason, rows``) and notes.
    Raises ContractError with every problem found (reading problems included).
    """
    notes = list(raw.notes)
    sink = _MemorySink()
    quality = validate_feeds(raw_feeds(raw), set(raw.failed), list(raw.problems), notes, tz_name, sink,
                             raw.description)
    return sink.tables, quality, notes


def dataset_from_feeds(feeds: dict[str, Feed], failed: set[str], problems: list[Problem], notes: list[str],
                       description: str, mapping: str | None, fp: str, tz_name: str, use_cache: bool) -> Dataset:
    """Validate the feeds into a Dataset under fingerprint ``fp``.

    With ``use_cache`` the pieces stream into the Parquet cache (published only when every rule
    holds) and the Dataset reads its tables back lazily from there; when the cache cannot be
    written the tables are validated in memory.
    """
    if use_cache:
        ds = cache.write_cache(fp, description, tz_name, mapping, notes,
                               lambda sink, kept_notes: validate_feeds(feeds, set(failed), list(problems), kept_notes,
                                                                       tz_name, sink, description))
        if ds is not None:
            return ds
    sink = _MemorySink()
    notes = list(notes)
    quality = validate_feeds(feeds, set(failed), list(problems), notes, tz_name, sink, description)
    return Dataset(sink.tables, quality, fp, description, tz_name, mapping, notes)


def check_tz(tz_name: str) -> None:
    """Raise ValueError naming ``tz_name`` unless it is a known IANA time zone (docs/data-contract.md, Dates, timestamps and the time zone)."""
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
    check_tz(tz_name)
    fp = fingerprint or cache.fingerprint(raw.digests, tz_name, raw.mapping_digest)
    if use_cache and not raw.problems:
        ds = cache.load_cached(fp, raw.description)
        if ds is not None:
            return ds
    return dataset_from_feeds(raw_feeds(raw), set(raw.failed), list(raw.problems), list(raw.notes),
                              raw.description, raw.mapping, fp, tz_name, use_cache)
