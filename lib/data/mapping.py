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

from lib.data import presets as presets_mod
from lib.data import rules
from lib.data.contract import TABLES
from lib.data.dataset import MAX_LINES, TEXT_DTYPE, Problem
from lib.data.raw import RawTable

__all__ = [
    "MAPPING_FILE", "TRANSFORMS", "MAX_MAPPING_BYTES", "MAX_MAPPING_NODES", "MAX_MAPPING_DEPTH",
    "MAX_STRING_CHARS", "ALIAS_RULE", "DERIVABLE", "MAPPED_EXTRAS", "SourcedProblem", "SourceMapping",
    "DerivedMapping", "TableMapping", "Mapping", "load_mapping", "parse_mapping", "apply_table_mapping",
    "located_problem", "outside_folder", "outside_rule", "mappable_columns",
]

MAPPING_FILE = "mapping.yaml"
#: the per-column transforms a mapping may declare, with the YAML type of their argument
TRANSFORMS = {"date_format": str, "strip_currency": bool, "multiply": (int, float), "values": dict,
              "integer_text": bool}
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
    elif isinstance(node, yaml.SequenceNode):  # list items by their index from 0: ("rows", "0", "exclude")
        for i, v in enumerate(node.value):
            key = path + (str(i),)
            out.setdefault(key, v.start_mark.line + 1)
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
    if tname in ("strip_currency", "integer_text"):
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
class SourceMapping:
    """One source of a contract table: its files and how their columns become the contract's (docs/data-mapping.md, Sources).

    ``name`` is empty for a table entry without ``sources:``; ``where`` and ``keys`` locate the
    entry in mapping.yaml for messages.
    """

    table: str
    file: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    transforms: dict[str, dict] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    name: str = ""
    computed: list[rules.Computed] = field(default_factory=list)
    rows: list[rules.RowRule] = field(default_factory=list)
    guest: bool = False
    guest_values: tuple[str, ...] = ()
    allow_large_exclusion: bool = False
    where: str = ""
    keys: tuple[str, ...] = ()

    @property
    def guests(self) -> tuple[str, ...]:
        """The buyer_id values that mark a guest line ("" = blank) when the source declares guests."""
        vals = tuple(dict.fromkeys((("",) if self.guest else ()) + self.guest_values))
        return vals

    @property
    def label(self) -> str:
        """How messages name the source: ``source whatnot``, or ``the source`` for an unnamed one."""
        return f"source {self.name}" if self.name else f"tables.{self.table}"


@dataclass
class DerivedMapping:
    """A dimension table built from the lines of another table's sources (docs/data-mapping.md, Derived tables)."""

    table: str
    from_table: str
    from_source: str | None
    key: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    transforms: dict[str, dict] = field(default_factory=dict)
    pick: dict[str, str] = field(default_factory=dict)
    default_pick: str = "most_frequent"

    @property
    def id_column(self) -> str:
        """The contract column the key feeds: the table's first (id) column."""
        return TABLES[self.table].columns[0].name


#: columns a mapping may fill beyond a table's contract columns (none since sales.order_id became a contract
#: column; docs/data-contract.md, sales)
MAPPED_EXTRAS: dict[str, tuple[str, ...]] = {}


def mappable_columns(table: str) -> tuple[str, ...]:
    """The columns a mapping may name for ``table``: the contract's and ``MAPPED_EXTRAS``."""
    return TABLES[table].column_names + MAPPED_EXTRAS.get(table, ())


@dataclass
class TableMapping:
    """How one contract table is read: its sources (one for a table entry without ``sources:``) or a derivation."""

    table: str
    sources: list[SourceMapping] = field(default_factory=list)
    derived: DerivedMapping | None = None

    def _first(self) -> SourceMapping:
        return self.sources[0] if self.sources else SourceMapping(self.table, f"{self.table}.csv")

    # the single-source view (a table entry without ``sources:``), as before issue 18
    file = property(lambda self: self._first().file)
    columns = property(lambda self: self._first().columns)
    constants = property(lambda self: self._first().constants)
    defaults = property(lambda self: self._first().defaults)
    transforms = property(lambda self: self._first().transforms)
    delimiter = property(lambda self: self._first().delimiter)
    encoding = property(lambda self: self._first().encoding)

    @property
    def has_guests(self) -> bool:
        """Whether any source of the table declares guest lines."""
        return any(s.guests for s in self.sources)


@dataclass
class Mapping:
    """A parsed mapping.yaml: per contract table its TableMapping; ``digest`` = sha256 of the file."""

    tables: dict[str, TableMapping]
    digest: str
    path: str = MAPPING_FILE
    #: line (1-based) of each key in the file, by its path of keys, e.g. ("tables", "sales", "file")
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def _source_files(self, sm: SourceMapping, folder: Path) -> tuple[list[Path], list[Problem]]:
        pattern = sm.file
        where = f"{sm.where}.file"
        at = _at(self.lines, *sm.keys, "file")
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            return [], [Problem(self.path, None, f"{where} must be a name inside the data folder",
                                at, len(at), _quote(pattern))]
        try:
            files = sorted(p for p in folder.glob(pattern) if p.is_file())
        except (ValueError, OSError, IndexError):  # IndexError: pathlib's glob of '.' or '' (no name part)
            return [], [Problem(self.path, None, f"{where} is not a usable file name or pattern",
                                at, len(at), f"{_quote(pattern)}; give a file name such as orders.csv "
                                "or a pattern such as orders_*.csv")]
        if not files:
            return [], [Problem(self.path, None, f"{where} matches no file",
                                at, len(at), f"{_quote(pattern)} in {folder}")]
        outside = outside_folder(files, folder)
        if outside:
            return [], [Problem(self.path, None, f"{where}: {outside_rule(name)}", at, len(at))
                        for name in outside]
        return files, []

    def source_files(self, table: str, folder: Path) -> tuple[list[tuple[SourceMapping, list[Path]]], list[Problem]]:
        """Each source of ``table`` with its files (a name or a glob, sorted), and the problems: a pattern
        matching no file, a file outside the data folder, a file matched by two sources (docs/data-mapping.md, Sources)."""
        tm = self.tables[table]
        if tm.derived is not None:
            tm = self.tables.get(tm.derived.from_table) or TableMapping(tm.derived.from_table, [SourceMapping(
                tm.derived.from_table, f"{tm.derived.from_table}.csv", where=f"tables.{tm.derived.from_table}")])
            wanted = self.tables[table].derived.from_source
            sources = [s for s in tm.sources if wanted is None or s.name == wanted]
        else:
            sources = tm.sources
        out, problems, owner = [], [], {}
        for sm in sources:
            files, probs = self._source_files(sm, folder)
            problems += probs
            for f in files:
                if f in owner and owner[f] is not sm:
                    at = _at(self.lines, *sm.keys, "file")
                    problems.append(Problem(self.path, None, f"{sm.where}.file: {f.name} is also read by "
                                            f"{owner[f].label}", at, len(at),
                                            "give each source a pattern of its own files"))
                owner.setdefault(f, sm)
            out.append((sm, files))
        return out, problems

    def files_for(self, table: str, folder: Path) -> tuple[list[Path], list[Problem]]:
        """The files feeding ``table`` (every source's, each a name or a glob, sorted), or the problems.

        Every match is resolved with its symlinks: one whose real path leaves the data folder's
        real path is refused (docs/data-mapping.md, Keys of one table entry).
        """
        per, problems = self.source_files(table, folder)
        if problems:
            return [], problems
        return [f for _, files in per for f in files], []


def _at(lines: dict[tuple[str, ...], int], *keys: str) -> tuple[int, ...]:
    """The line of a key (as a Problem's ``lines``), or () when it is not known."""
    line = lines.get(tuple(str(k) for k in keys))
    return (line,) if line else ()


def _str_map(x, where: str, problems: list[Problem], path: str,
             lines: dict[tuple[str, ...], int] | None = None, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    lines = lines or {}
    keys = tuple(where.split(".")) if keys is None else keys
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


def _where(keys: tuple[str, ...]) -> str:
    """A key path as messages write it: ``tables.sales.sources[2].rows[1].exclude`` (list items from 1)."""
    out = ""
    for k in keys:
        out += f"[{int(k) + 1}]" if k.isdigit() and out else (f".{k}" if out else k)
    return out


class _Ctx:
    """Where parse problems go, with the line of each key of mapping.yaml."""

    def __init__(self, path: str, lines: dict[tuple[str, ...], int], problems: list[Problem]):
        self.path, self.lines, self.problems = path, lines, problems

    def err(self, keys: tuple[str, ...], rule: str, detail: str = "", column: str | None = None,
            prefix: bool = True) -> None:
        at = _at(self.lines, *keys)
        text = f"{_where(keys)}: {rule}" if prefix else rule
        self.problems.append(Problem(self.path, column, text, at, len(at), detail))


_SOURCE_KEYS = {"file", "columns", "constants", "defaults", "transforms", "delimiter", "encoding", "computed",
                "rows", "guest", "guest_values", "allow_large_exclusion", "preset"}
_TABLE_KEYS = _SOURCE_KEYS | {"sources", "from"}
_DERIVED_KEYS = {"from", "key", "columns", "constants", "defaults", "transforms", "pick"}
#: tables a mapping may derive from another table's lines (docs/data-mapping.md, Derived tables)
DERIVABLE = ("products", "brands", "users")
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,60}$")


def _parse_transforms(transforms: object, keys: tuple[str, ...], where: str, table: str, cols: set[str],
                      ctx: _Ctx) -> dict[str, dict]:
    out: dict[str, dict] = {}
    transforms = transforms or {}
    if not isinstance(transforms, dict):
        ctx.err(keys, f"{where}.transforms must be a mapping", prefix=False)
        return out
    for col, tr in transforms.items():
        at = keys + (str(col),)
        if col not in cols:
            ctx.err(at, f"{where}.transforms: not a column of {table}", column=str(col), prefix=False)
            continue
        if not isinstance(tr, dict):
            ctx.err(at, f"{where}.transforms.{col} must be a mapping", f"transforms: {', '.join(TRANSFORMS)}",
                    column=str(col), prefix=False)
            continue
        for tname, arg in tr.items():
            if tname not in TRANSFORMS:
                ctx.err(at + (str(tname),), f"unknown transform {_quote(tname)}",
                        f"transforms: {', '.join(TRANSFORMS)}", column=str(col), prefix=False)
                continue
            why = _transform_problem(tname, arg)
            if why is not None:
                ctx.err(at + (str(tname),), f"transform {tname!r} has a wrong argument",
                        f"{where}.transforms.{col}.{tname}{why}", column=str(col), prefix=False)
        out[str(col)] = dict(tr)
    return out


def _parse_source(table: str, spec: dict, keys: tuple[str, ...], where: str, name: str,
                  ctx: _Ctx) -> SourceMapping:
    """One source (a table entry without ``sources:``, or one item of its ``sources:`` list)."""
    problems, lines, path = ctx.problems, ctx.lines, ctx.path
    for k in ("file", "delimiter", "encoding"):
        if isinstance(spec.get(k), (dict, list)) or (k in spec and spec[k] in (None, "")):
            ctx.err(keys + (k,), f"{where}.{k} must be a single value", prefix=False)
    cols = set(mappable_columns(table))
    file = spec.get("file", f"{table}.csv")
    sm = SourceMapping(table, f"{table}.csv" if file is None or isinstance(file, (dict, list)) else str(file),
                       _str_map(spec.get("columns"), f"{where}.columns", problems, path, lines, keys + ("columns",)),
                       _str_map(spec.get("constants"), f"{where}.constants", problems, path, lines,
                                keys + ("constants",)),
                       _str_map(spec.get("defaults"), f"{where}.defaults", problems, path, lines,
                                keys + ("defaults",)),
                       {}, str(spec.get("delimiter", ",")), str(spec.get("encoding", "utf-8")), name,
                       where=where, keys=keys)
    if not (sm.delimiter == "\t" or len(sm.delimiter) == 1 and sm.delimiter.isascii()
            and sm.delimiter.isprintable() and sm.delimiter != '"'):
        ctx.err(keys + ("delimiter",), f"{where}.delimiter must be one character",
                f"{_quote(sm.delimiter)}; use a plain character such as ',' ';' '|' or a tab, not a quote or "
                "a line break", prefix=False)
    try:  # a codec that can read a file's bytes into text (not idna, rot13, base64, ...)
        "".encode(sm.encoding)
        b"sale_id,price\n".decode(sm.encoding, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        ctx.err(keys + ("encoding",), f"{where}.encoding is not a known encoding", _quote(sm.encoding), prefix=False)
    for part in ("columns", "constants", "defaults"):
        for col in getattr(sm, part):
            if col not in cols:
                ctx.err(keys + (part, col), f"{where}.{part}: not a column of {table}",
                        f"columns: {', '.join(mappable_columns(table))}", column=col, prefix=False)
    for col in set(sm.columns) & set(sm.constants):
        ctx.err(keys + ("constants", col), f"{where}: column both mapped and constant", column=col, prefix=False)
    sm.transforms = _parse_transforms(spec.get("transforms"), keys + ("transforms",), where, table, cols, ctx)
    sm.computed = rules.parse_computed(spec.get("computed"), keys + ("computed",), ctx.err)
    sm.rows = rules.parse_rows(spec.get("rows"), keys + ("rows",), ctx.err, lines)
    for k in ("guest", "allow_large_exclusion"):
        v = spec.get(k, False)
        if not isinstance(v, bool):
            ctx.err(keys + (k,), "must be true or false", f"found {_quote(v)}")
    sm.guest = spec.get("guest") is True
    sm.allow_large_exclusion = spec.get("allow_large_exclusion") is True
    gv = spec.get("guest_values")
    if gv is not None:
        if not isinstance(gv, list) or not gv or not all(_single_value(v) or v == "" for v in gv):
            ctx.err(keys + ("guest_values",), "must be a list of buyer_id values that mean a guest",
                    f"found {_quote(gv)}; e.g. [\"\", \"0\", guest]")
        else:
            sm.guest_values = tuple(_scalar_text(v).strip() for v in gv)
    if (sm.guest or gv is not None) and table != "sales":
        ctx.err(keys + ("guest" if "guest" in spec else "guest_values",), f"only sales has guest lines, not {table}")
    if (sm.guest or sm.guest_values) and "buyer_id" in sm.constants:
        ctx.err(keys + ("constants", "buyer_id"), "a constant buyer_id leaves no guest line",
                "remove guest: / guest_values: or the constant")
    return sm


def _single_value(v: object) -> bool:
    return v is not None and not isinstance(v, (dict, list))


def _scalar_text(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _parse_derived(name: str, spec: dict, ctx: _Ctx) -> DerivedMapping | None:
    """A ``from:`` entry: products, brands or users built from another table's lines."""
    keys = ("tables", name)
    where = f"tables.{name}"
    ok = True
    for k in spec:
        if k not in _DERIVED_KEYS:
            ctx.err(keys + (str(k),), f"{where}: unknown key {_quote(k)}",
                    f"a table derived with from: has the keys {', '.join(sorted(_DERIVED_KEYS))}", prefix=False)
            ok = False
    if name not in DERIVABLE:
        ctx.err(keys + ("from",), f"{where}: only {', '.join(DERIVABLE)} can be derived from another table")
        return None
    src = spec.get("from")
    m = re.fullmatch(r"(\w+)(?:\.([A-Za-z0-9_\-]+))?", src) if isinstance(src, str) else None
    if m is None or m.group(1) != "sales":
        ctx.err(keys + ("from",), "from: must name the sales table (or one of its sources, e.g. sales.webshop)",
                f"found {_quote(src)}")
        return None
    key = spec.get("key")
    if not isinstance(key, str) or not key.strip():
        ctx.err(keys + ("key",) if "key" in spec else keys + ("from",),
                "a derived table needs key: the source column that identifies each row", "e.g. key: StockCode")
        return None
    cols = set(TABLES[name].column_names)
    dm = DerivedMapping(name, "sales", m.group(2), key.strip(),
                        _str_map(spec.get("columns"), f"{where}.columns", ctx.problems, ctx.path, ctx.lines),
                        _str_map(spec.get("constants"), f"{where}.constants", ctx.problems, ctx.path, ctx.lines),
                        _str_map(spec.get("defaults"), f"{where}.defaults", ctx.problems, ctx.path, ctx.lines))
    for part in ("columns", "constants", "defaults"):
        for col in getattr(dm, part):
            if col not in cols or col == dm.id_column:
                why = (f"the key feeds {dm.id_column}" if col == dm.id_column else f"not a column of {name}")
                ctx.err(keys + (part, col), f"{where}.{part}: {why}", f"columns: {', '.join(TABLES[name].column_names)}",
                        column=col, prefix=False)
    for col in set(dm.columns) & set(dm.constants):
        ctx.err(keys + ("constants", col), f"{where}: column both mapped and constant", column=col, prefix=False)
    dm.transforms = _parse_transforms(spec.get("transforms"), keys + ("transforms",), where, name, cols, ctx)
    pick = spec.get("pick", "most_frequent")
    hint = f"rules: {', '.join(rules.PICKS)}"
    if isinstance(pick, str):
        if pick not in rules.PICKS:
            ctx.err(keys + ("pick",), f"unknown pick rule {_quote(pick)}", hint)
        dm.default_pick = pick
    elif isinstance(pick, dict):
        for col, rule in pick.items():
            if col not in dm.columns:
                ctx.err(keys + ("pick", str(col)), "pick: names a column not listed under columns:",
                        f"columns: {', '.join(dm.columns) or 'none'}", column=str(col))
            elif rule not in rules.PICKS:
                ctx.err(keys + ("pick", str(col)), f"unknown pick rule {_quote(rule)}", hint, column=str(col))
            else:
                dm.pick[str(col)] = rule
    else:
        ctx.err(keys + ("pick",), "pick must be a rule or {column: rule}", hint)
    return dm if ok else None


def _with_preset(table: str, spec: dict, keys: tuple[str, ...], where: str, ctx: _Ctx) -> dict | None:
    """``spec`` with its ``preset:`` expanded (the keys beside it override the preset's, key by key), or
    None after reporting an unknown preset or one made for another table (docs/data-mapping.md, Presets)."""
    if "preset" not in spec:
        return spec
    name = spec["preset"]
    known = ", ".join(presets_mod.presets())
    preset = presets_mod.get(name) if isinstance(name, str) else None
    if preset is None:
        ctx.err(keys + ("preset",), f"{where}.preset: unknown preset {_quote(name)}", f"presets: {known}",
                prefix=False)
        return None
    if preset.table != table:
        ctx.err(keys + ("preset",), f"{where}.preset: {name} maps {preset.table}, not {table}",
                f"presets: {known}", prefix=False)
        return None
    return presets_mod.merge(preset, spec)


def _parse_table(name: str, spec: dict, ctx: _Ctx) -> TableMapping | None:
    keys = ("tables", name)
    if "from" in spec:
        dm = _parse_derived(name, spec, ctx)
        return None if dm is None else TableMapping(name, [], dm)
    for k in spec:
        if k not in _TABLE_KEYS:
            ctx.err(keys + (str(k),), f"tables.{name}: unknown key {_quote(k)}",
                    f"keys: {', '.join(sorted(_TABLE_KEYS))}", prefix=False)
    if "sources" not in spec:
        spec = _with_preset(name, spec, keys, f"tables.{name}", ctx)
        if spec is None:
            return None
        spec = {k: v for k, v in spec.items() if k != "name"}  # one source has no name
        return TableMapping(name, [_parse_source(name, spec, keys, f"tables.{name}", "", ctx)])
    beside = sorted(k for k in spec if k != "sources" and k in _TABLE_KEYS)
    if beside:
        ctx.err(keys + (beside[0],), f"tables.{name}: {beside[0]} belongs inside each source when sources: is given",
                prefix=False)
    srcs = spec["sources"]
    if not isinstance(srcs, list) or not srcs:
        ctx.err(keys + ("sources",), "must be a list of sources, each with name: and file:",
                "e.g. sources: [{name: whatnot, file: \"whatnot_*.csv\", columns: {...}}]")
        return None
    out, seen = [], set()
    for i, s in enumerate(srcs):
        k = keys + ("sources", str(i))
        w = f"tables.{name}.sources[{i + 1}]"
        if not isinstance(s, dict):
            ctx.err(k, f"{w} must be a mapping with name: and file:", prefix=False)
            continue
        s = _with_preset(name, s, k, w, ctx)
        if s is None:
            continue
        for key in s:
            if key not in _SOURCE_KEYS | {"name"}:
                ctx.err(k + (str(key),), f"{w}: unknown key {_quote(key)}",
                        f"keys: {', '.join(sorted(_SOURCE_KEYS | {'name'}))}", prefix=False)
        sname = s.get("name")
        if not isinstance(sname, str) or not _NAME.match(sname):
            ctx.err(k + ("name",) if "name" in s else k, f"{w} needs name: a short name of letters, digits, - or _",
                    f"found {_quote(sname)}; e.g. name: whatnot", prefix=False)
            sname = f"{i + 1}"
        elif sname in seen:
            ctx.err(k + ("name",), f"{w}: the name {sname!r} is used by another source", prefix=False)
        seen.add(sname)
        if "file" not in s:
            ctx.err(k, f"{w} needs file: a file name or pattern", prefix=False)
        out.append(_parse_source(name, s, k, w, sname, ctx))
    return TableMapping(name, out)


def parse_mapping(text: str, path: str = MAPPING_FILE) -> tuple[Mapping | None, list[Problem]]:
    """Parse and check mapping YAML text; problems name the key that is wrong (and its line).

    Aliases and anchors are refused and the text is capped (``MAX_MAPPING_BYTES``,
    ``MAX_MAPPING_NODES``, ``MAX_MAPPING_DEPTH``, ``MAX_STRING_CHARS``; docs/data-contract.md,
    Limits); every transform's, rule's and computed column's argument is checked here, so a
    mapping without problems can be applied to any file (docs/data-mapping.md, What is checked in
    the mapping itself).
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
    ctx = _Ctx(path, lines, problems)
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
        tm = _parse_table(name, spec, ctx)
        if tm is not None:
            tables[name] = tm
    for name, tm in tables.items():
        dm = tm.derived
        if dm is None:
            continue
        src = tables.get(dm.from_table)
        if src is None or src.derived is not None:
            ctx.err(("tables", name, "from"), f"{dm.from_table} has no sources in this mapping to derive {name} from",
                    f"map tables.{dm.from_table} first")
        elif dm.from_source is not None and dm.from_source not in [s.name for s in src.sources]:
            ctx.err(("tables", name, "from"), f"{dm.from_table} has no source named {dm.from_source!r}",
                    f"sources: {', '.join(s.name for s in src.sources if s.name) or 'none named'}")
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


def _integer_text(s: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``17850.0`` -> ``17850``; the mask of values with a fractional part (``17850.5``), left as they are."""
    t = pac.utf8_trim_whitespace(s)
    whole = pac.match_substring_regex(t, r"^[+-]?\d+\.0*$")
    frac = np.asarray(pac.fill_null(pac.and_not(pac.match_substring_regex(t, r"^[+-]?\d+\.\d+$"), whole), False),
                      dtype=bool)
    return pac.if_else(whole, pac.replace_substring_regex(t, r"\.0*$", ""), s), frac


def apply_table_mapping(tm: TableMapping | SourceMapping | DerivedMapping,
                        raw: RawTable) -> tuple[RawTable, list[Problem]]:
    """Rename, fill and transform one raw file's columns per the mapping; returns (raw, problems).

    ``raw`` is a single-file :class:`lib.data.raw.RawTable` with the source column names (its
    computed columns added and row rules applied already: :mod:`lib.data.rules`). A sales source
    that declares guests gets ``raw.guest``: buyer_id blank or one of its ``guest_values``
    (docs/data-contract.md, Guest sales).
    """
    if isinstance(tm, TableMapping):
        tm = tm._first()
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
            elif tname == "integer_text" and arg:
                s, frac = _integer_text(s)
                if frac.any():
                    ex = s[int(np.flatnonzero(frac)[0])].as_py()
                    problems.append(_problem_rows(raw, frac, col, "has a fractional part (integer_text expects "
                                                  "whole numbers written as 17850.0)", f"e.g. {_quote(ex)}", src))
            elif tname == "date_format":
                s2, failed = _date_format(s, arg)
                if failed.any():
                    ex = s[int(np.flatnonzero(failed)[0])].as_py()
                    problems.append(_problem_rows(raw, failed, col, f"does not match date_format {_quote(arg)}",
                                                  f"e.g. {_quote(ex)}", src))
                s = s2
        new[col] = pd.Series(s.to_pandas(), dtype="str", index=frame.index)
    guest = None
    if isinstance(tm, SourceMapping) and tm.guests:
        if "buyer_id" not in new.columns:
            new["buyer_id"] = _constant("", n, frame.index)
        b = pac.fill_null(pac.utf8_trim_whitespace(_to_arrow(new["buyer_id"])), pa.scalar("", pa.string()))
        guest = np.asarray(pac.is_in(b, value_set=pa.array(list(tm.guests), pa.string())), dtype=bool)
        if guest.any():
            new["buyer_id"] = pd.Series(pac.if_else(pa.array(guest), pa.scalar(""), b).to_pandas(), dtype="str",
                                        index=frame.index)
            shown = " or ".join("blank" if v == "" else repr(v) for v in tm.guests)
            quality.append(("read", f"guest lines (buyer_id {shown}) from {tm.label}", int(guest.sum())))
    headers = {label: tuple(new.columns)}
    raw2 = RawTable(raw.name, new.reset_index(drop=True), raw.lines, raw.files, raw.file_index, headers,
                    {**raw.source_columns, **source}, quality, guest)
    return raw2, problems
