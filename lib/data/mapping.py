"""mapping.yaml: map a user's own exports onto the contract tables (docs/data-contract.md, Mapping).

The schema is documented in docs/data-mapping.md. A mapping is applied to each raw file
before validation, and only when it parsed clean; every message about a mapped column names
both the contract column and the source column. The file is read with a YAML loader that
refuses aliases and anchors and caps the file's size, the number of keys and values, the
nesting depth and the length of any value (docs/data-contract.md, Limits); every file it
names must stay inside the data folder once symlinks are resolved.
"""

from __future__ import annotations

import hashlib
import math
import re
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
    "MAPPING_FILE", "TRANSFORMS", "MAX_MAPPING_BYTES", "MAX_MAPPING_NODES", "MAX_MAPPING_DEPTH",
    "MAX_STRING_CHARS", "ALIAS_RULE", "SourcedProblem", "TableMapping", "Mapping", "load_mapping",
    "parse_mapping", "apply_table_mapping", "located_problem", "outside_folder", "outside_rule",
]

MAPPING_FILE = "mapping.yaml"
#: the per-column transforms a mapping may declare, with the YAML type of their argument
TRANSFORMS = {"date_format": str, "strip_currency": bool, "multiply": (int, float), "values": dict}
_TABLE_KEYS = {"file", "columns", "constants", "defaults", "transforms", "delimiter", "encoding"}
#: limits of mapping.yaml (docs/data-contract.md, Limits): its size in bytes, the number of keys and
#: values in all, how deep they nest, and the length of any one value in characters
MAX_MAPPING_BYTES = 1_000_000
MAX_MAPPING_NODES = 20_000
MAX_MAPPING_DEPTH = 20
MAX_STRING_CHARS = 10_000
ALIAS_RULE = "YAML aliases and anchors (&name, *name) are not allowed"
#: a message quotes at most this many characters of a value from the mapping
_QUOTE_CHARS = 80
_DIRECTIVE = re.compile(r"%(.?)", re.S)


def _quote(value: object) -> str:
    """``repr`` of a value from the mapping, cut to its first 80 characters."""
    if isinstance(value, str) and len(value) > _QUOTE_CHARS:
        return f"{value[:_QUOTE_CHARS]!r}... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "..."


def outside_rule(name: str) -> str:
    """The rule broken by an input file whose real path leaves the data folder (docs/data-mapping.md, Keys)."""
    return f"files must be inside the data folder; {name} points outside it"


def outside_folder(paths: list[Path], folder: Path) -> list[str]:
    """The names (relative to ``folder``) of ``paths`` whose real path, symlinks resolved, is outside ``folder``'s real path."""
    try:
        root = folder.resolve()
    except (OSError, RuntimeError):
        return [p.name for p in paths]
    out = []
    for p in paths:
        try:
            inside = p.resolve().is_relative_to(root)
        except (OSError, RuntimeError):  # a symlink loop or an unreadable link
            inside = False
        if not inside:
            try:
                out.append(p.relative_to(folder).as_posix())
            except ValueError:
                out.append(p.name)
    return out


class _Refused(Exception):
    """A mapping file past one of the loader's limits (aliases and anchors, entries, depth, value length)."""

    def __init__(self, rule: str, mark, detail: str = ""):
        super().__init__(rule)
        self.rule, self.detail = rule, detail
        self.lines = (mark.line + 1,) if mark is not None else ()


#: libyaml's loader when PyYAML has it (about ten times faster), else the pure-Python one; both safe
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scan(text: str) -> None:
    """Walk the YAML event stream before anything is built: raise _Refused at the first alias or
    anchor, past ``MAX_MAPPING_NODES`` keys and values, ``MAX_MAPPING_DEPTH`` levels or a value
    longer than ``MAX_STRING_CHARS`` (docs/data-contract.md, Limits)."""
    nodes = depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            raise _Refused(ALIAS_RULE, event.start_mark, "write each value out in full")
        nodes += 1
        if nodes > MAX_MAPPING_NODES:
            raise _Refused(f"mapping has more than {MAX_MAPPING_NODES} entries", event.start_mark,
                           "a mapping needs a few hundred keys and values at most")
        if isinstance(event, yaml.ScalarEvent):
            if len(event.value) > MAX_STRING_CHARS:
                raise _Refused(f"a value is longer than {MAX_STRING_CHARS} characters", event.start_mark,
                               f"found {len(event.value)} characters, starting {event.value[:_QUOTE_CHARS]!r}")
            continue
        depth += 1
        if depth > MAX_MAPPING_DEPTH:
            raise _Refused(f"mapping is nested more than {MAX_MAPPING_DEPTH} levels deep", event.start_mark)


def _key_lines(node, path: tuple[str, ...] = (), out: dict | None = None) -> dict[tuple[str, ...], int]:
    """Line (1-based) of every mapping key in a composed YAML node, by its path of keys."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = path + (str(k.value),)
            out.setdefault(key, k.start_mark.line + 1)
            _key_lines(v, key, out)
    return out


def _read_yaml(text: str) -> tuple[object, dict[tuple[str, ...], int]]:
    """The YAML document and the line of each key; raises _Refused or yaml.YAMLError."""
    _scan(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        return loader.construct_document(node), _key_lines(node)
    finally:
        loader.dispose()


def _date_format_problem(fmt: str) -> str | None:
    """Why a date_format cannot be used (None when it can): compiled once, as the loader will use it."""
    directives = [d for d in _DIRECTIVE.findall(fmt) if d not in ("%", "")]
    if not directives:
        return "it has no directive such as %Y, %m or %d"
    for d in directives:
        if directives.count(d) > 1:
            return f"the directive %{d} appears {'twice' if directives.count(d) == 2 else 'more than once'}"
    try:
        pd.to_datetime(pd.Series(["2000-01-01"], dtype="str"), format=fmt, errors="coerce",
                       utc="%z" in fmt or "%Z" in fmt)
    except re.error:
        return "it repeats a part of the date (e.g. %c already holds %d)"
    except Exception as e:  # pandas' own reason, with the format quoted short
        reason = (str(e).splitlines() or ["not a strftime pattern"])[0].replace(repr(fmt), _quote(fmt))
        return reason if len(reason) <= 200 else reason[:200] + "..."
    return None


_MULTIPLY_HINT = "it must be a number other than 0, e.g. -1 or 0.01"
_VALUES_HINT = "it needs {source value: contract value}, e.g. {paid: completed}"


def _shown(arg: object) -> str:
    return "empty" if arg is None else f"{_quote(arg)}"


def _transform_problem(tname: str, arg: object) -> str | None:
    """Why a transform's argument is wrong, as the words after its key (None when it is right)."""
    if tname == "date_format":
        if not isinstance(arg, str):
            return f" is {_shown(arg)}; it must be a strftime pattern in quotes, e.g. \"%m/%d/%Y %H:%M\""
        why = _date_format_problem(arg)
        return None if why is None else f" {_quote(arg)} is not usable: {why}"
    if tname == "strip_currency":
        return None if isinstance(arg, bool) else f" is {_shown(arg)}; it must be true or false"
    if tname == "multiply":
        ok = isinstance(arg, (int, float)) and not isinstance(arg, bool) and math.isfinite(arg) and arg != 0
        return None if ok else f" is {_shown(arg)}; {_MULTIPLY_HINT}"
    if tname == "values":
        if arg is None or arg == {}:
            return f" is empty; {_VALUES_HINT}"
        if not isinstance(arg, dict):
            return f" is {_shown(arg)}; {_VALUES_HINT}"
        for k, v in arg.items():
            if v is None:
                return f": {_quote(k)} has no value"
            if isinstance(v, (dict, list)):
                return f": {_quote(k)} must map to a single value, not {_quote(v)}"
    return None


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
    #: line (1-based) of each key in the file, by its path of keys, e.g. ("tables", "sales", "file")
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def files_for(self, table: str, folder: Path) -> tuple[list[Path], list[Problem]]:
        """The files feeding ``table`` (a name or a glob, sorted), or a problem if none match.

        Every match is resolved with its symlinks: one whose real path leaves the data folder's
        real path is refused (docs/data-mapping.md, Keys of one table entry).
        """
        tm = self.tables[table]
        pattern = tm.file
        at = _at(self.lines, "tables", table, "file")
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            return [], [Problem(self.path, None, f"tables.{table}.file must be a name inside the data folder",
                                at, len(at), _quote(pattern))]
        try:
            files = sorted(p for p in folder.glob(pattern) if p.is_file())
        except (ValueError, OSError, IndexError):  # IndexError: pathlib's glob of '.' or '' (no name part)
            return [], [Problem(self.path, None, f"tables.{table}.file is not a usable file name or pattern",
                                at, len(at), f"{_quote(pattern)}; give a file name such as orders.csv "
                                "or a pattern such as orders_*.csv")]
        if not files:
            return [], [Problem(self.path, None, f"tables.{table}.file matches no file",
                                at, len(at), f"{_quote(pattern)} in {folder}")]
        outside = outside_folder(files, folder)
        if outside:
            return [], [Problem(self.path, None, f"tables.{table}.file: {outside_rule(name)}", at, len(at))
                        for name in outside]
        return files, []


def _at(lines: dict[tuple[str, ...], int], *keys: str) -> tuple[int, ...]:
    """The line of a key (as a Problem's ``lines``), or () when it is not known."""
    line = lines.get(tuple(str(k) for k in keys))
    return (line,) if line else ()


def _str_map(x, where: str, problems: list[Problem], path: str,
             lines: dict[tuple[str, ...], int] | None = None) -> dict[str, str]:
    lines = lines or {}
    keys = tuple(where.split("."))
    if x is None:
        return {}
    if not isinstance(x, dict):
        at = _at(lines, *keys)
        problems.append(Problem(path, None, f"{where} must be a mapping of column: value", at, len(at)))
        return {}
    out = {}
    for k, v in x.items():
        if isinstance(v, (dict, list)) or v is None:
            at = _at(lines, *keys, k)
            problems.append(Problem(path, str(k), f"{where}.{k} must be a single value", at, len(at)))
            continue
        out[str(k)] = v if isinstance(v, str) else (str(v).lower() if isinstance(v, bool) else str(v))
    return out


def _too_big(path: str, size: int) -> Problem:
    return Problem(path, None, f"mapping file is larger than {MAX_MAPPING_BYTES // 1_000_000} MB",
                   detail=f"found {size / 1_000_000:.1f} MB; a mapping needs only a few kB")


def parse_mapping(text: str, path: str = MAPPING_FILE) -> tuple[Mapping | None, list[Problem]]:
    """Parse and check mapping YAML text; problems name the key that is wrong (and its line).

    Aliases and anchors are refused and the text is capped (``MAX_MAPPING_BYTES``,
    ``MAX_MAPPING_NODES``, ``MAX_MAPPING_DEPTH``, ``MAX_STRING_CHARS``; docs/data-contract.md,
    Limits); every transform's argument is checked here, so a mapping without problems can be
    applied to any file (docs/data-mapping.md, What is checked in the mapping itself).
    """
    problems: list[Problem] = []
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_MAPPING_BYTES:
        return None, [_too_big(path, size)]
    last = max(1, len(text.splitlines()))  # an error at the end of the text is on its last line
    try:
        doc, lines = _read_yaml(text)
    except _Refused as e:
        at = tuple(min(n, last) for n in e.lines)
        return None, [Problem(path, None, e.rule, at, len(at), e.detail)]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = (min(mark.line + 1, last),) if mark is not None else ()
        first = (str(e).splitlines() or [""])[0]
        return None, [Problem(path, None, "not valid YAML", at, len(at),
                              first if len(first) <= 200 else first[:200] + "...")]
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        return None, [Problem(path, None, "must have a 'tables:' section, one entry per contract table")]
    for k in doc:
        if k not in ("tables", "version"):
            at = _at(lines, k)
            problems.append(Problem(path, None, f"unknown top-level key {_quote(k)}", at, len(at), "use 'tables'"))
    tables: dict[str, TableMapping] = {}
    for name, spec in doc["tables"].items():
        at = _at(lines, "tables", name)
        if name not in TABLES:
            problems.append(Problem(path, None, f"unknown table {_quote(name)}", at, len(at),
                                    f"contract tables: {', '.join(TABLES)}"))
            continue
        spec = spec or {}
        if not isinstance(spec, dict):
            problems.append(Problem(path, None, f"tables.{name} must be a mapping", at, len(at)))
            continue
        for k in spec:
            if k not in _TABLE_KEYS:
                at = _at(lines, "tables", name, k)
                problems.append(Problem(path, None, f"tables.{name}: unknown key {_quote(k)}", at, len(at),
                                        f"keys: {', '.join(sorted(_TABLE_KEYS))}"))
        for k in ("file", "delimiter", "encoding"):
            if isinstance(spec.get(k), (dict, list)) or (k in spec and spec[k] in (None, "")):
                at = _at(lines, "tables", name, k)
                problems.append(Problem(path, None, f"tables.{name}.{k} must be a single value", at, len(at)))
        contract_cols = set(TABLES[name].column_names)
        file = spec.get("file", f"{name}.csv")
        tm = TableMapping(name, f"{name}.csv" if file is None or isinstance(file, (dict, list)) else str(file),
                          _str_map(spec.get("columns"), f"tables.{name}.columns", problems, path, lines),
                          _str_map(spec.get("constants"), f"tables.{name}.constants", problems, path, lines),
                          _str_map(spec.get("defaults"), f"tables.{name}.defaults", problems, path, lines),
                          {}, str(spec.get("delimiter", ",")), str(spec.get("encoding", "utf-8")))
        if not (tm.delimiter == "\t" or len(tm.delimiter) == 1 and tm.delimiter.isascii()
                and tm.delimiter.isprintable() and tm.delimiter != '"'):
            at = _at(lines, "tables", name, "delimiter")
            problems.append(Problem(path, None, f"tables.{name}.delimiter must be one character",
                                    at, len(at), f"{_quote(tm.delimiter)}; use a plain character such as "
                                    "',' ';' '|' or a tab, not a quote or a line break"))
        try:  # a codec that can read a file's bytes into text (not idna, rot13, base64, ...)
            "".encode(tm.encoding)
            b"sale_id,price\n".decode(tm.encoding, errors="replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            at = _at(lines, "tables", name, "encoding")
            problems.append(Problem(path, None, f"tables.{name}.encoding is not a known encoding",
                                    at, len(at), _quote(tm.encoding)))
        for part in ("columns", "constants", "defaults"):
            for col in getattr(tm, part):
                if col not in contract_cols:
                    at = _at(lines, "tables", name, part, col)
                    problems.append(Problem(path, col, f"tables.{name}.{part}: not a column of {name}",
                                            at, len(at), f"columns: {', '.join(TABLES[name].column_names)}"))
        for col in set(tm.columns) & set(tm.constants):
            at = _at(lines, "tables", name, "constants", col)
            problems.append(Problem(path, col, f"tables.{name}: column both mapped and constant", at, len(at)))
        transforms = spec.get("transforms") or {}
        if not isinstance(transforms, dict):
            at = _at(lines, "tables", name, "transforms")
            problems.append(Problem(path, None, f"tables.{name}.transforms must be a mapping", at, len(at)))
            transforms = {}
        for col, tr in transforms.items():
            at = _at(lines, "tables", name, "transforms", col)
            if col not in contract_cols:
                problems.append(Problem(path, str(col), f"tables.{name}.transforms: not a column of {name}",
                                        at, len(at)))
                continue
            if not isinstance(tr, dict):
                problems.append(Problem(path, str(col), f"tables.{name}.transforms.{col} must be a mapping",
                                        at, len(at), f"transforms: {', '.join(TRANSFORMS)}"))
                continue
            for tname, arg in tr.items():
                at = _at(lines, "tables", name, "transforms", col, tname)
                if tname not in TRANSFORMS:
                    problems.append(Problem(path, str(col), f"unknown transform {_quote(tname)}", at, len(at),
                                            f"transforms: {', '.join(TRANSFORMS)}"))
                    continue
                why = _transform_problem(tname, arg)
                if why is not None:
                    problems.append(Problem(path, str(col), f"transform {tname!r} has a wrong argument", at,
                                            len(at), f"tables.{name}.transforms.{col}.{tname}{why}"))
            tm.transforms[str(col)] = dict(tr)
        tables[name] = tm
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return Mapping(tables, digest, path, lines), problems


def load_mapping(path: str | Path) -> tuple[Mapping | None, list[Problem]]:
    """Read and check a mapping.yaml file: inside its folder (symlinks resolved), at most ``MAX_MAPPING_BYTES``, UTF-8."""
    p = Path(path)
    if outside_folder([p], p.parent):
        return None, [Problem(p.name, None, outside_rule(p.name))]
    size = p.stat().st_size
    if size > MAX_MAPPING_BYTES:
        return None, [_too_big(p.name, size)]
    with open(p, "rb") as f:
        data = f.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:  # grew while being read
        return None, [_too_big(p.name, len(data))]
    try:
        text = data.decode("utf-8-sig")
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
                    problems.append(_problem_rows(raw, failed, col, f"does not match date_format {_quote(arg)}",
                                                  f"e.g. {_quote(ex)}", src))
                s = s2
        new[col] = pd.Series(s.to_pandas(), dtype="str", index=frame.index)
    headers = {label: tuple(new.columns)}
    raw2 = RawTable(raw.name, new.reset_index(drop=True), raw.lines, raw.files, raw.file_index, headers,
                    {**raw.source_columns, **source}, quality)
    return raw2, problems
