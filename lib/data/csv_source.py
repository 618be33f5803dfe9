"""Read a folder of contract CSV files (or the files its mapping.yaml names) into a RawSource, cell by cell as text (docs/data-contract.md, CSV folder).

Which file feeds which table comes from the file names or the mapping (docs/data-contract.md,
Mapping); an empty file, a file that is not UTF-8 or not comma-separated, a duplicate header
name or a row with the wrong number of fields is a problem naming the file and line(s)
(docs/data-contract.md, Encodings and delimiters). A file larger than ``PIECE_BYTES`` is read in
pieces cut after whole records, so memory stays at a few pieces whatever its size.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from lib.data import mapping as mapping_mod
from lib.data import rules
from lib.data.contract import TABLES
from lib.data.dataset import MAX_COLUMNS, MAX_LINES, ContractError, Problem
from lib.data.mapping import located_problem
from lib.data.raw import RawSource, RawTable, longest_record, record_lines, record_starts_and_field_counts
from lib.data.sources import derive_table
from lib.data.validate import Feed, merge_problems

__all__ = ["PIECE_BYTES", "CsvInputs", "csv_inputs", "csv_feeds", "complete_records_length", "read_csv_bytes",
           "read_csv_tables"]

#: a CSV file larger than this is read and validated in pieces of about this many bytes
PIECE_BYTES = 1 << 28
#: the most one row (record) may hold, in bytes: the CSV reader's block size (docs/data-contract.md, Limits)
MAX_ROW_BYTES = 1 << 24
_BOM = b"\xef\xbb\xbf"
#: byte-order marks of the encodings that are not ASCII-compatible (UTF-32 first: its LE mark starts like UTF-16's)
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32", "utf-32"), (b"\x00\x00\xfe\xff", "UTF-32", "utf-32"),
              (b"\xff\xfe", "UTF-16", "utf-16"), (b"\xfe\xff", "UTF-16", "utf-16"))
#: encodings in which newlines and quotes are the ASCII bytes (line numbers come from the bytes)
_ASCII_COMPATIBLE = ("utf-8", "utf8", "latin", "iso-8859", "cp", "windows", "ascii")


def _ascii_compatible(encoding: str) -> bool:
    return encoding.lower().replace("_", "-").startswith(_ASCII_COMPATIBLE)


def _bad_utf8_lines(data: bytes) -> tuple[list[int], int, str]:
    """Line numbers (the first MAX_LINES), count and a sample byte of lines that are not UTF-8 (error path)."""
    lines, n, sample = [], 0, ""
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            n += 1
            if len(lines) < MAX_LINES:
                lines.append(i)
            if not sample:
                sample = f"0x{line[e.start]:02X}"
    return lines, n, sample


def _encoding_problem(label: str, data: bytes) -> Problem:
    lines, n, sample = _bad_utf8_lines(data)
    return located_problem(label, None, "file is not UTF-8 encoded", lines, n,
                           f"byte {sample} looks like Latin-1/Windows-1252; re-save it as 'CSV UTF-8 (Comma "
                           f"delimited)', convert it with `iconv -f latin1 -t utf-8 {label} > fixed.csv`, "
                           "or declare `encoding: latin-1` for this table in mapping.yaml")


def _wide_encoding(data: bytes) -> tuple[str, str, str] | None:
    """(name, iconv name, how it shows) when the bytes are UTF-16 or UTF-32: by the byte-order mark, else
    by the zero bytes ASCII text has in UTF-16 (docs/data-contract.md, Encodings and delimiters)."""
    for bom, name, codec in _WIDE_BOMS:
        if data.startswith(bom):
            return name, codec, f"it starts with a {name} byte-order mark"
    sample = np.frombuffer(data[:min(len(data), 4096) // 4 * 4], dtype=np.uint8)
    if len(sample) < 8 or (sample != 0).all():
        return None
    zero = (sample == 0).reshape(-1, 4).mean(axis=0)  # share of zero bytes at each position mod 4
    for pattern, name, codec, order in (((0, 1, 1, 1), "UTF-32", "utf-32le", "little"),
                                        ((1, 1, 1, 0), "UTF-32", "utf-32be", "big"),
                                        ((0, 1, 0, 1), "UTF-16", "utf-16le", "little"),
                                        ((1, 0, 1, 0), "UTF-16", "utf-16be", "big")):
        if all((z > 0.9) if p else (z < 0.1) for z, p in zip(zero, pattern, strict=True)):
            what = "every other byte is zero" if name == "UTF-16" else "three bytes in four are zero"
            return name, codec, f"{what}, as in {name} {order}-endian text"
    return None


def _wide_problem(label: str, name: str, codec: str, why: str) -> Problem:
    declared = codec if codec in ("utf-16", "utf-32") else codec[:-2] + "-" + codec[-2:]
    return located_problem(label, None, f"file is {name}, not UTF-8", (1,), 1,
                           f"{why}; save it as UTF-8 (in Excel: Save As > CSV UTF-8), convert it with "
                           f"`iconv -f {codec} -t utf-8 {label} > fixed.csv`, or declare `encoding: {declared}` "
                           "for this table in mapping.yaml")


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def _decodes(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_encoding_problem(label: str, data: bytes, encoding: str) -> Problem:
    """The file's bytes do not decode in the encoding it is read with."""
    if _is_utf8(encoding):
        return _encoding_problem(label, data)
    return located_problem(label, None, f"file is not {encoding} encoded", (1,), 1,
                           f"mapping.yaml declares `encoding: {encoding}` for this table; declare the file's real "
                           "encoding, or save it as UTF-8")


def _long_row_problem(label: str, body: bytes) -> Problem | None:
    """The row longer than the CSV reader holds (MAX_ROW_BYTES), or None."""
    line, length = longest_record(body)
    if length <= MAX_ROW_BYTES:
        return None
    return _row_limit_problem(label, line, f"found {length:,} bytes")


def _row_limit_problem(label: str, line: int, found: str) -> Problem:
    return located_problem(label, None, f"row is longer than {MAX_ROW_BYTES:,} bytes, the most one row may hold",
                           (line,), 1, f"{found}; a quote left open makes the rest of the file one row")


def read_csv_bytes(data: bytes, label: str, table: str, delimiter: str = ",",
                   encoding: str = "utf-8") -> tuple[RawTable | None, list[Problem]]:
    """Parse one CSV file's bytes into a :class:`RawTable` (all text), or the problems that stop it.

    A BOM is removed (reported as repaired); an empty file, a non-UTF-8 file, a file that
    is not comma-separated, a duplicate header name or a row with the wrong number of
    fields is a problem naming the file and line(s).
    """
    quality: list[tuple[str, str, int]] = []
    if not data[:4096].strip(b" \t\r\n" + _BOM) and not data.strip(b" \t\r\n" + _BOM):
        return None, [located_problem(label, None, "file is empty (no header row)", (1,), 1,
                                      "export the table again with its header row")]
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '\r\n"\0':
        return None, [located_problem(label, None, "the delimiter declared for this file cannot be used", (1,), 1,
                                      f"{delimiter!r}; declare one character such as ';', '|' or a tab "
                                      "in mapping.yaml")]
    try:  # a text encoding the reader can use (not idna, punycode, ...)
        b"a\n".decode(encoding, errors="replace")
        codecs.getincrementaldecoder(encoding)
    except (LookupError, UnicodeError, TypeError, ValueError):
        return None, [located_problem(label, None, "the encoding declared for this file cannot read a CSV file",
                                      (1,), 1, f"{encoding!r}; declare e.g. utf-8, latin-1, cp1252 or utf-16 "
                                      "in mapping.yaml")]
    if _is_utf8(encoding) and (wide := _wide_encoding(data)) is not None:
        return None, [_wide_problem(label, *wide)]
    body = data
    if data.startswith(_BOM):
        body = data[3:]
    try:
        if _ascii_compatible(encoding):
            start = body[:4096] if body[:1] in (b"\n", b"\r") else b""
            lead = len(start) - len(start.lstrip(b"\r\n"))
            blank = body[:lead]  # blank lines before the header count as rows to skip (CR, LF or CRLF each)
            skip = 1 + blank.count(b"\n") + blank.count(b"\r") - blank.count(b"\r\n")
            nl = body.find(b"\n", lead)
            cr = body.find(b"\r", lead, nl if nl >= 0 else len(body))  # a lone CR ends a line too (old Mac files)
            head_text = (body[lead:] if nl < 0 and cr < 0 else body[lead:cr if cr >= 0 else nl]).decode(encoding)
            if nl < 0:  # a header without a newline (and without rows): the CSV reader needs one
                body += b"\n"
        else:  # UTF-16/32: a newline is not one byte; decode the start and take its first line
            skip = 1
            head_text = codecs.getincrementaldecoder(encoding)().decode(body[:1 << 20]).split("\n", 1)[0]
            head_text = head_text.split("\r", 1)[0]
    except UnicodeError:
        return None, [_declared_encoding_problem(label, data, encoding)]
    header = next(csv.reader([head_text.rstrip("\r")], delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if len(header) > MAX_COLUMNS:
        return None, [located_problem(label, None, f"file has more columns than the {MAX_COLUMNS:,} a file may have",
                                      (1,), 1, f"the header has {len(header):,} columns; export only the columns "
                                      "of the contract, or map them in mapping.yaml")]
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header[0] and sep != delimiter:
                shown = header[0] if len(header[0]) <= 60 else header[0][:57] + "..."
                return None, [located_problem(
                    label, None, "file is not comma-separated", (1,), 1,
                    f"the header reads as one column {shown!r} separated by {name}; re-save it as "
                    f"CSV with commas (Excel: 'CSV UTF-8 (Comma delimited)') or declare "
                    f"`delimiter: {sep!r}` for this table in mapping.yaml")]
    names = [h if h else f"unnamed_{i + 1}" for i, h in enumerate(header)]
    dups = sorted({h for h in names if names.count(h) > 1})
    if dups:
        return None, [located_problem(label, None, "duplicate column name in the header", (1,), 1,
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
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, encoding=encoding,
                                           block_size=MAX_ROW_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quote,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False,
                                                 check_utf8=True))
    except UnicodeError:  # transcoding a declared encoding
        return None, [_declared_encoding_problem(label, data, encoding)]
    except pa.ArrowInvalid as e:
        if "UTF8" in str(e) or "utf8" in str(e).lower() or (_is_utf8(encoding) and not _decodes(body)):
            return None, [_encoding_problem(label, data)]
        if "straddl" in str(e) and _ascii_compatible(encoding) and (long := _long_row_problem(label, body)):
            return None, [long]
        invalid.append(-1)  # e.g. a row the reader could not hand to on_invalid: locate it with the csv module
        starts, counts = record_starts_and_field_counts(body.decode(encoding, errors="replace"), delimiter)
        if not (counts != len(names)).any():
            return None, [located_problem(label, None, "file could not be read as CSV", (1,), 1,
                                          str(e).splitlines()[0])]
    if invalid:
        starts, counts = record_starts_and_field_counts(body.decode(encoding, errors="replace"), delimiter)
        bad = counts != len(names)
        return None, [located_problem(label, None, f"row does not have {len(names)} fields like the header",
                                      starts[bad], int(bad.sum()),
                                      f"found {int(counts[bad][0]) if bad.any() else invalid[0]} fields; a "
                                      "value containing a comma must be quoted")]
    # line numbers come from the bytes (also for transcoded files: newlines and quotes are ASCII)
    lines = (record_lines(body, tbl.num_rows if skip == 1 else None, has_quote) if _ascii_compatible(encoding)
             else np.empty(0, np.int64))
    if len(lines) != tbl.num_rows:  # unusual layout: count exactly with the csv module
        lines, _ = record_starts_and_field_counts(body.decode(encoding, errors="replace"), delimiter)
    if len(lines) != tbl.num_rows:  # the reader and the csv module disagree: no line numbers to give
        return None, [located_problem(label, None, "file could not be read as CSV", (1,), 1,
                                      f"its {tbl.num_rows:,} rows could not be told apart; save it again as "
                                      "'CSV UTF-8 (Comma delimited)'")]
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
    guest = None
    if any(p.guest is not None for p in parts):
        guest = np.concatenate([p.guest if p.guest is not None else np.zeros(len(p.frame), bool) for p in parts])
    per_file = {f: (p.file_source_columns.get(f) or p.source_columns) for p in parts for f in p.files}
    return RawTable(parts[0].name, frame, np.concatenate([p.lines for p in parts]), files, idx,
                    headers, src, quality, guest, per_file)


def _input_plan(folder: Path, mapping: mapping_mod.Mapping | None) -> tuple[dict[str, list[Path]], list[Problem], list[str]]:
    """Which files feed which contract table, plus problems (mapping globs matching nothing)."""
    plan: dict[str, list[Path]] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for name in TABLES:
        if mapping is not None and name in mapping.tables:
            per, prob = mapping.source_files(name, folder)
            problems += prob
            # empty when a source's file matches nothing (a problem already)
            plan[name] = [] if prob else [f for _, fs in per for f in fs]
        elif (folder / f"{name}.csv").is_file():
            outside = mapping_mod.outside_folder([folder / f"{name}.csv"], folder)  # a symlink leaving the folder
            problems += [Problem(f"{name}.csv", None, mapping_mod.outside_rule(n)) for n in outside]
            plan[name] = [] if outside else [folder / f"{name}.csv"]
    used = {p.name for ps in plan.values() for p in ps}
    others = sorted(p.name for p in folder.glob("*.csv") if p.name not in used)
    if others:
        notes.append(f"Files not used (not contract tables): {', '.join(others)}.")
    return plan, problems, notes


@dataclass
class CsvInputs:
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


def csv_inputs(source: str | Path) -> CsvInputs:
    """The input files of a CSV folder (its mapping.yaml applied) with their sha256 digests.

    Raises ContractError when the folder does not exist or is not a folder; problems of the
    mapping file are collected in ``problems`` (docs/data-contract.md, CSV folder).
    """
    folder = Path(source)
    if not folder.exists():
        raise ContractError([located_problem(str(folder), None, "data folder does not exist")])
    if not folder.is_dir():
        raise ContractError([located_problem(str(folder), None, "data source must be a folder of CSV files")])
    mp = None
    problems: list[Problem] = []
    if (folder / mapping_mod.MAPPING_FILE).is_file():
        mp, mprob = mapping_mod.load_mapping(folder / mapping_mod.MAPPING_FILE)
        problems += mprob
    plan, pprob, notes = _input_plan(folder, mp)
    if problems:  # a mapping is applied only when it parsed clean (docs/data-mapping.md)
        raise ContractError(problems + pprob)
    problems += pprob
    digests = {p.name: _file_digest(p) for ps in plan.values() for p in ps}
    return CsvInputs(folder, mp, plan, problems, notes, digests)


def complete_records_length(data: bytes) -> int:
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


def _file_pieces(path: Path, table: str, delimiter: str = ",", encoding: str = "utf-8",
                 label: str | None = None) -> Iterator[tuple[RawTable | None, list[Problem]]]:
    """Read one CSV file as RawTable pieces of about PIECE_BYTES, each cut after a whole record.

    Every piece after the first is parsed with the file's header in front; line numbers and
    problems are shifted to the file's physical lines. Memory stays at a few pieces whatever
    the file's size. A header problem stops the file; row problems are collected to its end.
    """
    label = label or path.name
    size = path.stat().st_size
    if size <= PIECE_BYTES or not _ascii_compatible(encoding):
        yield read_csv_bytes(path.read_bytes(), label, table, delimiter, encoding)
        return
    with open(path, "rb") as f:
        header, newlines, carry, first = b"", 0, b"", True
        while True:
            block = f.read(PIECE_BYTES)
            data = carry + block if carry else block
            if not data:
                return
            cut = len(data) if not block else complete_records_length(data)
            if cut == 0:  # one record longer than a piece: read on, up to the row limit
                if len(data) > MAX_ROW_BYTES:
                    yield None, [_row_limit_problem(label, newlines + 1,
                                                    f"found more than {MAX_ROW_BYTES:,} bytes")]
                    return
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


def _label(path: Path, sm: mapping_mod.SourceMapping | None, tm: mapping_mod.TableMapping | None) -> str:
    """How messages name a file: its name, with ``[source]`` when the table has several sources."""
    return f"{path.name} [{sm.name}]" if sm is not None and tm is not None and len(tm.sources) > 1 else path.name


def _sources_of(name: str, inp: CsvInputs) -> list[tuple[mapping_mod.SourceMapping | None, list[Path]]]:
    if inp.mapping is None or name not in inp.mapping.tables:
        return [(None, inp.plan[name])]
    per, _ = inp.mapping.source_files(name, inp.folder)
    return per


def csv_feeds(inp: CsvInputs) -> tuple[dict[str, Feed], set[str]]:
    """One feed per planned table (and the tables whose mapped files match nothing)."""
    feeds: dict[str, Feed] = {}
    failed: set[str] = set()
    for name, paths in inp.plan.items():
        if not paths:
            failed.add(name)
            continue
        tm = inp.mapping.tables.get(name) if inp.mapping else None
        per = _sources_of(name, inp)
        feed = Feed(name, (), lambda: iter(()))
        if tm is not None and tm.derived is not None:
            src_tm = inp.mapping.tables[tm.derived.from_table]
            feed.files = tuple(_label(p, sm, src_tm) for sm, ps in per for p in ps)
            feed.pieces = functools.partial(_derived_pieces, tm.derived, per, src_tm)
        else:
            feed.files = tuple(_label(p, sm, tm) for sm, ps in per for p in ps)
            feed.pieces = functools.partial(_csv_pieces, name, per, tm, inp.mapping, feed.notes)
        feeds[name] = feed
    return feeds, failed


def _missing_columns(sm: mapping_mod.SourceMapping, raw: RawTable) -> list[Problem]:
    """Columns a source's computed columns and row rules read that the file does not have."""
    label = raw.files[0]
    header = [str(c) for c in raw.frame.columns]
    have = set(header)
    out = []
    for c in sm.computed:
        for col in rules.computed_columns(c):
            if col not in have:
                out.append(located_problem(label, None, f"column {col!r} used by {sm.where}.computed.{c.name} is not "
                                           "in the file", (1,), 1, f"its columns are: {', '.join(header)}"))
        if c.name in header:
            out.append(located_problem(label, None, f"{sm.where}.computed.{c.name}: the file already has a column "
                                       f"{c.name!r}", (1,), 1, "give the computed column a new name"))
        have.add(c.name)
    for r in sm.rows:
        for col in rules.condition_columns(r.cond):
            if col not in have:
                out.append(located_problem(label, None, f"column {col!r} used by rule {r.number} of "
                                           f"{sm.where}.rows is not in the file", (1,), 1,
                                           f"its columns are: {', '.join(header)}"))
    return list(dict.fromkeys(out))


def _rule_text(r: rules.RowRule) -> str:
    return r.cond.text() if r.action == "exclude" else f"keep only {r.cond.text()}"


def _rules_label(sm: mapping_mod.SourceMapping) -> str:
    return f"source {sm.name}" if sm.name else f"{sm.where}.rows"


def _prepare(sm: mapping_mod.SourceMapping, raw: RawTable, state: rules.SourceState,
             count: bool = True) -> tuple[RawTable, list[Problem]]:
    """A source's computed columns and row rules on one raw piece (before the column mapping); the lines
    each rule excludes become data-quality rows (docs/data-mapping.md, Row rules)."""
    if not sm.computed and not sm.rows:
        return raw, []
    probs = _missing_columns(sm, raw)
    if probs:
        return raw, probs
    frame = rules.apply_computed(sm.computed, raw.frame, state)
    lines = raw.lines
    quality = list(raw.quality)
    if sm.rows:
        before = dict(state.excluded)
        keep = rules.apply_rows(sm.rows, frame, state)
        if count:
            state.read += len(frame)
        if not keep.all():
            frame = frame[keep].reset_index(drop=True)
            lines = lines[keep]
            if count:
                for r in sm.rows:
                    n = state.excluded.get(r.number, 0) - before.get(r.number, 0)
                    if n:
                        quality.append(("excluded", f"by rule {r.number} of {_rules_label(sm)} ({_rule_text(r)})", n))
                # lines read from the file count the excluded ones too (docs/data-contract.md, Data-quality summary)
                quality.append(("read", f"rows read from {raw.files[0]}", int((~keep).sum())))
    headers = {f: tuple(str(c) for c in frame.columns) for f in raw.files}
    return RawTable(raw.name, frame, lines, raw.files, raw.file_index, headers, raw.source_columns, quality), []


def _through(sm: mapping_mod.SourceMapping | None, tm: mapping_mod.TableMapping | None, raw: RawTable | None,
             probs: list[Problem], state: rules.SourceState) -> tuple[RawTable | None, list[Problem]]:
    """One raw piece of a source: computed columns, row rules, then the column mapping."""
    if raw is None or probs or sm is None:
        return raw, probs
    raw, probs = _prepare(sm, raw, state)
    if probs:
        return raw, probs
    raw, probs = mapping_mod.apply_table_mapping(sm, raw)
    if tm.has_guests and raw.guest is None:
        raw.guest = np.zeros(len(raw.frame), dtype=bool)
    return raw, probs


def _rule_checks(states: list[tuple[mapping_mod.SourceMapping, rules.SourceState]], mp: mapping_mod.Mapping,
                 notes: list[str]) -> list[Problem]:
    """After a table: a rule that matched no line is a warning (a note); a source whose rules exclude more
    than half of its lines stops, unless it says ``allow_large_exclusion: true`` (docs/data-mapping.md, Row rules)."""
    problems = []
    for sm, st in states:
        if not sm.rows or not st.read:
            continue
        lab = _rules_label(sm)
        for r in sm.rows:
            if not st.matched.get(r.number):
                where = f"{mp.path}, line {r.line}: " if r.line else f"{mp.path}: "
                notes.append(f"Warning: {where}rule {r.number} of {lab} ({_rule_text(r)}) matched no line; "
                             "check its column and value.")
        total = sum(st.excluded.values())
        if total * 2 > st.read and not sm.allow_large_exclusion:
            at = mapping_mod._at(mp.lines, *sm.keys, "rows")
            each = "; ".join(f"rule {r.number} ({_rule_text(r)}): {st.excluded.get(r.number, 0):,}" for r in sm.rows)
            problems.append(Problem(mp.path, None, f"the row rules of {lab} exclude {total:,} of its {st.read:,} "
                                    f"lines ({100 * total / st.read:.0f}%), more than half", at, len(at),
                                    f"lines excluded by {each}; check the rules, or add "
                                    "`allow_large_exclusion: true` to the source if that is intended"))
    return problems


def _csv_pieces(name: str, per: list[tuple[mapping_mod.SourceMapping | None, list[Path]]],
                tm: mapping_mod.TableMapping | None, mp: mapping_mod.Mapping | None,
                notes: list[str]) -> Iterator[tuple[RawTable | None, list[Problem]]]:
    """The pieces of one table: a single file streams in pieces; several files (monthly exports, or
    several sources) are read whole and validated together."""
    states = [(sm, rules.SourceState()) for sm, _ in per]
    files = [(sm, st, p) for (sm, st), (_, ps) in zip(states, per, strict=True) for p in ps]
    if len(files) == 1:
        sm, st, p = files[0]
        delimiter, encoding = (sm.delimiter, sm.encoding) if sm else (",", "utf-8")
        for raw, probs in _file_pieces(p, name, delimiter, encoding, _label(p, sm, tm)):
            yield _through(sm, tm, raw, probs, st)
    else:
        parts, problems = [], []
        for sm, st, p in files:
            delimiter, encoding = (sm.delimiter, sm.encoding) if sm else (",", "utf-8")
            raw, probs = _through(sm, tm, *read_csv_bytes(p.read_bytes(), _label(p, sm, tm), name, delimiter,
                                                          encoding), st)
            problems += probs
            if raw is not None and not probs:
                parts.append(raw)
        yield (_concat(parts) if parts and not problems else None), problems
    if mp is not None:
        checks = _rule_checks([(sm, st) for sm, st in states if sm is not None], mp, notes)
        if checks:
            yield None, checks


def _derived_pieces(dm: mapping_mod.DerivedMapping, per: list[tuple[mapping_mod.SourceMapping, list[Path]]],
                    src_tm: mapping_mod.TableMapping) -> Iterator[tuple[RawTable | None, list[Problem]]]:
    """A derived dimension table: the source files of ``dm.from_table`` read again (their computed columns
    and row rules applied, nothing counted twice), mapped to the table's columns, one row per key."""
    cols = {dm.id_column: dm.key, **dm.columns}
    parts, problems = [], []
    for sm, paths in per:
        st = rules.SourceState()
        wanted = set(cols.values()) | {c for r in sm.rows for c in rules.condition_columns(r.cond)}
        sm = dataclasses.replace(sm, computed=rules.needed_computed(sm.computed, wanted))
        view = mapping_mod.SourceMapping(dm.table, sm.file, cols, {}, {}, dm.transforms, sm.delimiter, sm.encoding,
                                         sm.name, where=f"tables.{dm.table}")
        for p in paths:
            label = _label(p, sm, src_tm)
            pieces = []
            for raw, probs in _file_pieces(p, dm.table, sm.delimiter, sm.encoding, label):
                if probs or raw is None:
                    problems.append(located_problem(label, None, f"{dm.table} is derived from this file; fix the "
                                                    f"problems listed for {dm.from_table} first", (1,), 1))
                    break
                raw, probs = _prepare(sm, raw, st, count=False)
                if not probs:
                    raw, probs = mapping_mod.apply_table_mapping(view, raw)
                if probs:
                    problems += probs
                    break
                keep = [c for c in raw.frame.columns if c in cols]
                pieces.append(RawTable(dm.table, raw.frame[keep], raw.lines, raw.files))
            if len(pieces) == 1:
                parts.append(pieces[0])
            elif pieces:  # the pieces of one large file
                parts.append(RawTable(dm.table, pd.concat([x.frame for x in pieces], ignore_index=True),
                                      np.concatenate([x.lines for x in pieces]), pieces[0].files))
    if problems or not parts:
        yield None, merge_problems(problems)
        return
    name = f"{dm.from_table} source {dm.from_source}" if dm.from_source else dm.from_table
    yield derive_table(dm, parts, name), []


def read_csv_tables(source: str | Path) -> RawSource:
    """Every contract table of a CSV folder (with its mapping.yaml) as text, whole (no validation)."""
    inp = csv_inputs(source)
    feeds, failed = csv_feeds(inp)
    problems = list(inp.problems)
    tables: dict[str, RawTable] = {}
    for name, feed in feeds.items():
        parts, probs = [], []
        for raw, prob in feed.pieces():
            probs += prob
            if raw is not None:
                parts.append(raw)
        if probs:
            problems += merge_problems(probs)
            failed.add(name)
        elif parts:
            tables[name] = _concat(parts) if len(parts) > 1 else parts[0]
    return RawSource(tables, problems, str(inp.folder),
                     str(inp.folder / mapping_mod.MAPPING_FILE) if inp.mapping else None,
                     inp.notes, dict(inp.digests), failed, inp.mapping.digest if inp.mapping else None)
