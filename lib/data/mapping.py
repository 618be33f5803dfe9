"""mapping.yaml: map a user's own exports onto the contract tables (docs/data-contract.md, Mapping).

The schema is documented in docs/data-mapping.md. A mapping is applied to each raw file
before validation; every message about a mapped column names both the contract column
and the source column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac
import yaml

from lib.data.contract import TABLES
from lib.data.dataset import MAX_LINES, TEXT_DTYPE, Problem
from lib.data.raw import RawTable

__all__ = [
    "MAPPING_FILE", "TRANSFORMS", "SourcedProblem", "TableMapping", "Mapping", "load_mapping",
    "parse_mapping", "apply_table_mapping", "located_problem",
]

MAPPING_FILE = "mapping.yaml"
#: the per-column transforms a mapping may declare, with the YAML type of their argument
TRANSFORMS = {"date_format": str, "strip_currency": bool, "multiply": (int, float), "values": dict}
_TABLE_KEYS = {"file", "columns", "constants", "defaults", "transforms", "delimiter", "encoding"}


@dataclass(frozen=True)
class SourcedProblem(Problem):
    """A Problem on a mapped column: its message names the contract and the source column."""


def located_problem(file: str, column: str | None, rule: str, lines=(), n_lines: int | None = None,
                    detail: str = "", source: str | None = None) -> Problem:
    """A Problem, or a SourcedProblem when the column came from a mapping.

    At most ``MAX_LINES`` of ``lines`` are kept; ``n_lines`` (the number of lines with the
    problem) defaults to the number kept (docs/data-contract.md, When the input breaks the contract).
    """
    lines = tuple(int(x) for x in list(lines)[:MAX_LINES])
    n = len(lines) if n_lines is None else int(n_lines)
    if source:
        return SourcedProblem(file, column, rule, lines, n, detail, source)
    return Problem(file, column, rule, lines, n, detail)


@dataclass
class TableMapping:
    """How one contract table is read from the user's files."""

    table: str
    file: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    transforms: dict[str, dict] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"


@dataclass
class Mapping:
    """A parsed mapping.yaml: per contract table its TableMapping; ``digest`` = sha256 of the file."""

    tables: dict[str, TableMapping]
    digest: str
    path: str = MAPPING_FILE

    def files_for(self, table: str, folder: Path) -> tuple[list[Path], list[Problem]]:
        """The files feeding ``table`` (a name or a glob, sorted), or a problem if none match."""
        tm = self.tables[table]
        pattern = tm.file
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            return [], [Problem(self.path, None, f"tables.{table}.file must be a name inside the data folder",
                                detail=repr(pattern))]
        files = sorted(p for p in folder.glob(pattern) if p.is_file())
        if not files:
            return [], [Problem(self.path, None, f"tables.{table}.file matches no file",
                                detail=f"{pattern!r} in {folder}")]
        return files, []


def _str_map(x, where: str, problems: list[Problem], path: str) -> dict[str, str]:
    if x is None:
        return {}
    if not isinstance(x, dict):
        problems.append(Problem(path, None, f"{where} must be a mapping of column: value"))
        return {}
    out = {}
    for k, v in x.items():
        if isinstance(v, (dict, list)) or v is None:
            problems.append(Problem(path, str(k), f"{where}.{k} must be a single value"))
            continue
        out[str(k)] = v if isinstance(v, str) else (str(v).lower() if isinstance(v, bool) else str(v))
    return out


def parse_mapping(text: str, path: str = MAPPING_FILE) -> tuple[Mapping | None, list[Problem]]:
    """Parse and check mapping YAML text; problems name the key that is wrong."""
    problems: list[Problem] = []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        lines = (mark.line + 1,) if mark is not None else ()
        return None, [Problem(path, None, "not valid YAML", lines, len(lines), str(e).splitlines()[0])]
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        return None, [Problem(path, None, "must have a 'tables:' section, one entry per contract table")]
    for k in doc:
        if k not in ("tables", "version"):
            problems.append(Problem(path, None, f"unknown top-level key {k!r}", detail="use 'tables'"))
    tables: dict[str, TableMapping] = {}
    for name, spec in doc["tables"].items():
        if name not in TABLES:
            problems.append(Problem(path, None, f"unknown table {name!r}",
                                    detail=f"contract tables: {', '.join(TABLES)}"))
            continue
        spec = spec or {}
        if not isinstance(spec, dict):
            problems.append(Problem(path, None, f"tables.{name} must be a mapping"))
            continue
        for k in spec:
            if k not in _TABLE_KEYS:
                problems.append(Problem(path, None, f"tables.{name}: unknown key {k!r}",
                                        detail=f"keys: {', '.join(sorted(_TABLE_KEYS))}"))
        contract_cols = set(TABLES[name].column_names)
        tm = TableMapping(name, str(spec.get("file", f"{name}.csv")),
                          _str_map(spec.get("columns"), f"tables.{name}.columns", problems, path),
                          _str_map(spec.get("constants"), f"tables.{name}.constants", problems, path),
                          _str_map(spec.get("defaults"), f"tables.{name}.defaults", problems, path),
                          {}, str(spec.get("delimiter", ",")), str(spec.get("encoding", "utf-8")))
        if len(tm.delimiter) != 1:
            problems.append(Problem(path, None, f"tables.{name}.delimiter must be one character",
                                    detail=repr(tm.delimiter)))
        try:
            "".encode(tm.encoding)
        except LookupError:
            problems.append(Problem(path, None, f"tables.{name}.encoding is not a known encoding",
                                    detail=repr(tm.encoding)))
        for part in ("columns", "constants", "defaults"):
            for col in getattr(tm, part):
                if col not in contract_cols:
                    problems.append(Problem(path, col, f"tables.{name}.{part}: not a column of {name}",
                                            detail=f"columns: {', '.join(TABLES[name].column_names)}"))
        for col in set(tm.columns) & set(tm.constants):
            problems.append(Problem(path, col, f"tables.{name}: column both mapped and constant"))
        transforms = spec.get("transforms") or {}
        if not isinstance(transforms, dict):
            problems.append(Problem(path, None, f"tables.{name}.transforms must be a mapping"))
            transforms = {}
        for col, tr in transforms.items():
            if col not in contract_cols:
                problems.append(Problem(path, str(col), f"tables.{name}.transforms: not a column of {name}"))
                continue
            if not isinstance(tr, dict):
                problems.append(Problem(path, str(col), f"tables.{name}.transforms.{col} must be a mapping",
                                        detail=f"transforms: {', '.join(TRANSFORMS)}"))
                continue
            for tname, arg in tr.items():
                typ = TRANSFORMS.get(tname)
                if typ is None:
                    problems.append(Problem(path, str(col), f"unknown transform {tname!r}",
                                            detail=f"transforms: {', '.join(TRANSFORMS)}"))
                elif not isinstance(arg, typ) or (typ is not bool and isinstance(arg, bool)):
                    problems.append(Problem(path, str(col), f"transform {tname!r} has a wrong argument",
                                            detail=repr(arg)))
            tm.transforms[str(col)] = dict(tr)
        tables[name] = tm
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Mapping(tables, digest, path), problems


def load_mapping(path: str | Path) -> tuple[Mapping | None, list[Problem]]:
    """Read and check a mapping.yaml file."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(p.name, None, "mapping file is not UTF-8 encoded")]
    return parse_mapping(text, p.name)


# --------------------------------------------------------------------------- applying a mapping


def _to_arrow(s: pd.Series) -> pa.Array:
    return pa.array(s.astype("str").array if s.dtype != "str" else s.array).cast(pa.string())


def _constant(value: str, n: int, index: pd.Index) -> pd.Series:
    """A text column holding ``value`` n times, without building a Python list."""
    arr = pa.repeat(pa.scalar(value, pa.string()), n)
    return pd.Series(pd.arrays.ArrowStringArray(arr, dtype=TEXT_DTYPE), index=index)


def _problem_rows(raw: RawTable, mask: np.ndarray, column: str, rule: str, detail: str,
                  source: str | None) -> Problem:
    idx = np.flatnonzero(mask)
    lines = np.sort(raw.lines[idx])
    return located_problem(raw.files[0], column, rule, lines, len(idx), detail, source)


def _strip_currency(s: pa.Array) -> pa.Array:
    t = pac.utf8_trim_whitespace(s)
    t = pac.replace_substring_regex(t, r"^\((.*)\)$", r"-\1")
    t = pac.replace_substring_regex(t, r"[^0-9.,+\-]", "")
    grouped = pac.match_substring_regex(t, r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
    return pac.if_else(grouped, pac.replace_substring(t, ",", ""), t)


def _multiply(s: pa.Array, factor: float) -> pa.Array:
    t = pac.utf8_trim_whitespace(s)
    if factor == -1:  # exact: flip the sign as text
        neg = pac.starts_with(t, "-")
        flipped = pac.if_else(neg, pac.utf8_slice_codeunits(t, 1), pac.binary_join_element_wise("-", t, ""))
        return pac.if_else(pac.equal(t, ""), t, pac.replace_substring_regex(flipped, r"^-\+", "-"))
    num = pac.match_substring_regex(t, r"^[+-]?(\d+\.?\d*|\.\d+)$")
    vals = pac.cast(pac.if_else(num, t, pa.scalar(None, pa.string())), pa.float64())
    out = pac.cast(pac.multiply(vals, pa.scalar(float(factor))), pa.string())
    return pac.if_else(num, out, t)


def _date_format(s: pa.Array, fmt: str) -> tuple[pa.Array, np.ndarray]:
    """Parse with a strftime format (pandas validates impossible dates) and rewrite as ISO 8601."""
    t = pac.utf8_trim_whitespace(s)
    blank = np.asarray(pac.fill_null(pac.equal(t, ""), True), dtype=bool)
    text = pd.Series(t.to_pandas(), dtype="str")
    zoned = "%z" in fmt or "%Z" in fmt
    parsed = pd.to_datetime(text.where(~blank), format=fmt, errors="coerce", utc=zoned)
    failed = ~blank & parsed.isna().to_numpy()
    if zoned:
        parsed = parsed.dt.tz_localize(None)
    unit = "us" if "%f" in fmt else "s"
    iso = np.datetime_as_string(parsed.to_numpy(dtype=f"datetime64[{unit}]"), unit=unit)
    iso_arr = pa.array(iso, pa.string())
    if zoned:
        iso_arr = pac.binary_join_element_wise(iso_arr, pa.scalar("Z"), pa.scalar(""))
    return pac.if_else(pa.array(~failed & ~blank), iso_arr, t), failed


def apply_table_mapping(tm: TableMapping, raw: RawTable) -> tuple[RawTable, list[Problem]]:
    """Rename, fill and transform one raw file's columns per the mapping; returns (raw, problems).

    ``raw`` is a single-file :class:`lib.data.raw.RawTable` with the source column names.
    """
    problems: list[Problem] = []
    frame = raw.frame
    label = raw.files[0]
    header = list(frame.columns)
    n = len(frame)
    for col, src in tm.columns.items():
        if src not in frame.columns:
            problems.append(located_problem(label, col, "source column not found in the file", (1,), 1,
                                            f"its columns are: {', '.join(map(str, header))}", src))
    if problems:
        return raw, problems
    out: dict[str, pd.Series] = {}
    source = {col: src for col, src in tm.columns.items()}
    for col, src in tm.columns.items():
        out[col] = frame[src]
    for col, value in tm.constants.items():
        out[col] = _constant(value, n, frame.index)
        source[col] = f"constant {value}"
    used = set(tm.columns.values())
    for c in frame.columns:
        if c not in used and c not in out:
            out[c] = frame[c]
    new = pd.DataFrame(out, index=frame.index)
    quality = list(raw.quality)
    for col, value in tm.defaults.items():
        if col not in new.columns:
            new[col] = _constant(value, n, frame.index)
            quality.append(("defaulted", f"column {col} absent; set to '{value}' (mapping default)", n))
            continue
        s = pac.utf8_trim_whitespace(_to_arrow(new[col]))
        blank = np.asarray(pac.fill_null(pac.equal(s, ""), True), dtype=bool)
        if blank.any():
            new[col] = pd.Series(pac.if_else(pa.array(blank), pa.scalar(value), s).to_pandas(),
                                 dtype="str", index=frame.index)
            quality.append(("defaulted", f"blank {col} set to '{value}' (mapping default)", int(blank.sum())))
    for col, trs in tm.transforms.items():
        if col not in new.columns:
            continue
        s = _to_arrow(new[col])
        src = source.get(col)
        for tname, arg in trs.items():
            if tname == "values":
                keys = pa.array([str(k) for k in arg], pa.string())
                vals = pa.array([str(v) for v in arg.values()], pa.string())
                t = pac.utf8_trim_whitespace(s)
                idx = pac.index_in(t, value_set=keys)
                s = pac.if_else(pac.is_valid(idx), pac.take(vals, pac.fill_null(idx, 0)), s)
            elif tname == "strip_currency" and arg:
                s = _strip_currency(s)
            elif tname == "multiply":
                s = _multiply(s, float(arg))
            elif tname == "date_format":
                s2, failed = _date_format(s, arg)
                if failed.any():
                    ex = s[int(np.flatnonzero(failed)[0])].as_py()
                    problems.append(_problem_rows(raw, failed, col, f"does not match date_format {arg!r}",
                                                  f"e.g. {ex!r}", src))
                s = s2
        new[col] = pd.Series(s.to_pandas(), dtype="str", index=frame.index)
    headers = {label: tuple(new.columns)}
    raw2 = RawTable(raw.name, new.reset_index(drop=True), raw.lines, raw.files, raw.file_index, headers,
                    {**raw.source_columns, **source}, quality)
    return raw2, problems
