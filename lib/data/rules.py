"""Row rules and computed source columns of a mapping source: parsed and checked from mapping.yaml, applied to raw text (docs/data-mapping.md, Row rules).

A source's ``computed:`` columns are added to each raw file first (in the order written; each may
use the ones before it), then its ``rows:`` rules keep or exclude lines in order, then the column
mapping runs. Everything works on the cells as text (trimmed); comparisons read plain numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

__all__ = [
    "OPERATORS", "COMPUTED_OPS", "PICKS", "Condition", "RowRule", "Computed", "SourceState", "parse_condition",
    "parse_rows", "parse_computed", "condition_columns", "computed_columns", "needed_computed", "condition_mask", "apply_computed",
    "apply_rows", "text_array",
]

#: the tests of one condition (docs/data-mapping.md, Row rules)
OPERATORS = ("equals", "not_equals", "in", "starts_with", "matches", "blank", "less_than", "greater_than")
#: the operations of a computed column (docs/data-mapping.md, Computed columns)
COMPUTED_OPS = ("concat", "row_number", "abs", "extract", "split", "status_from")
#: how a derived dimension table picks one value among a key's several (docs/data-mapping.md, Derived tables)
PICKS = ("most_frequent", "first", "last", "min", "max")
_QUOTE = 80
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"

#: err(keys, rule, detail): report a problem at the mapping key below the source's path
Err = Callable[..., None]


def _q(v: object) -> str:
    t = repr(v)
    return t if len(t) <= _QUOTE else t[:_QUOTE] + "..."


def _single(v: object) -> bool:
    return v is not None and not isinstance(v, (dict, list))


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _text(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _regex_problem(p: str, groups: int | None = None) -> str | None:
    """Why a pattern cannot be used by the reader (Python's and RE2's syntax both), or None."""
    try:
        rx = re.compile(p)
    except re.error as e:
        return f"it is not a regular expression ({e})"
    try:
        pac.match_substring_regex(pa.array([""], pa.string()), p)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return "it uses a feature the reader does not support (back-references or look-around)"
    if groups is not None and rx.groups != groups:
        return f"it must have exactly one group in parentheses, found {rx.groups}"
    return None


@dataclass(frozen=True)
class Condition:
    """One test on a source column (``column op value``), or ``all``/``any`` of several."""

    op: str
    column: str | None = None
    value: object = None
    parts: tuple[Condition, ...] = ()

    def text(self) -> str:
        """The condition in words, e.g. ``InvoiceNo starts with 'A'``."""
        if self.op in ("all", "any"):
            joined = (" and " if self.op == "all" else " or ").join(p.text() for p in self.parts)
            return f"({joined})"
        if self.op == "blank":
            return f"{self.column} {'blank' if self.value else 'not blank'}"
        shown = _q(self.value) if not isinstance(self.value, (int, float)) or isinstance(self.value, bool) \
            else f"{self.value:g}"
        if self.op == "in":
            shown = "[" + ", ".join(_q(v) for v in self.value) + "]"
        return f"{self.column} {self.op.replace('_', ' ')} {shown}"


@dataclass(frozen=True)
class RowRule:
    """``exclude`` the lines matching ``cond``, or ``keep`` only them; ``number`` counts from 1."""

    action: str
    cond: Condition
    number: int
    line: int = 0

    def text(self) -> str:
        return f"{'excluded' if self.action == 'exclude' else 'not kept'} by rule {self.number}"


@dataclass(frozen=True)
class Computed:
    """One computed source column: ``name`` = ``op``(``args``)."""

    name: str
    op: str
    args: dict = field(default_factory=dict)


def parse_condition(x: object, keys: tuple[str, ...], err: Err) -> Condition | None:
    """A Condition from its YAML value, or None after reporting what is wrong (docs/data-mapping.md, Row rules)."""
    hint = f"e.g. {{column: InvoiceNo, starts_with: C}}; tests: {', '.join(OPERATORS)}, or all: / any: [...]"
    if not isinstance(x, dict) or not x:
        err(keys, "must be a condition", f"{_q(x)}; {hint}")
        return None
    if set(x) & {"all", "any"}:
        if len(x) != 1:
            err(keys, "all: or any: must stand alone in its condition", hint)
            return None
        op, items = next(iter(x.items()))
        if not isinstance(items, list) or not items:
            err(keys + (op,), f"{op}: needs a list of conditions", hint)
            return None
        parts = [parse_condition(c, keys + (op, str(i)), err) for i, c in enumerate(items)]
        return None if any(p is None for p in parts) else Condition(op, parts=tuple(parts))
    unknown = [k for k in x if k != "column" and k not in OPERATORS]
    if unknown:
        err(keys + (str(unknown[0]),), f"unknown test {_q(unknown[0])}", f"tests: {', '.join(OPERATORS)}")
        return None
    col = x.get("column")
    if not isinstance(col, str) or not col.strip():
        err(keys, "condition needs `column:` naming a column of the file", f"{_q(x)}; {hint}")
        return None
    ops = [k for k in x if k in OPERATORS]
    if len(ops) != 1:
        err(keys, f"condition needs exactly one test, found {len(ops)}", hint)
        return None
    op, v = ops[0], x[ops[0]]
    at = keys + (op,)
    if op in ("equals", "not_equals") and not _single(v):
        err(at, f"{op} needs a single value", f"found {_q(v)}")
    elif op == "in" and (not isinstance(v, list) or not v or not all(_single(i) for i in v)):
        err(at, "in needs a list of single values", f"found {_q(v)}; e.g. [UK, EIRE]")
    elif op == "starts_with" and (not _single(v) or _text(v) == ""):
        err(at, "starts_with needs some text", f"found {_q(v)}")
    elif op == "matches" and (not isinstance(v, str) or (why := _regex_problem(v))):
        err(at, "matches needs a usable regular expression in quotes",
            f"{_q(v)}: {why}" if isinstance(v, str) else f"found {_q(v)}")
    elif op == "blank" and not isinstance(v, bool):
        err(at, "blank needs true or false", f"found {_q(v)}")
    elif op in ("less_than", "greater_than") and not _number(v):
        err(at, f"{op} needs a number", f"found {_q(v)}")
    else:
        if op == "in":
            v = tuple(v)
        elif op in ("starts_with", "matches"):
            v = _text(v)
        return Condition(op, col.strip(), v)
    return None


def parse_rows(x: object, keys: tuple[str, ...], err: Err, lines: dict) -> list[RowRule]:
    """The ``rows:`` list of a source: ``- exclude: <condition>`` or ``- keep: <condition>``, in order."""
    if x is None:
        return []
    if not isinstance(x, list):
        err(keys, "rows must be a list of rules", "e.g. rows: [{exclude: {column: InvoiceNo, starts_with: A}}]")
        return []
    out = []
    for i, item in enumerate(x):
        at = keys + (str(i),)
        if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("exclude", "keep"):
            err(at, "a rule must be `exclude: <condition>` or `keep: <condition>`", f"found {_q(item)}")
            continue
        action, cond = next(iter(item.items()))
        c = parse_condition(cond, at + (action,), err)
        if c is not None:
            out.append(RowRule(action, c, i + 1, lines.get(at, 0)))
    return out


def _column_arg(v: object, at: tuple[str, ...], err: Err, what: str) -> bool:
    if not isinstance(v, str) or not v.strip():
        err(at, f"{what} needs a column name", f"found {_q(v)}")
        return False
    return True


def parse_computed(x: object, keys: tuple[str, ...], err: Err) -> list[Computed]:
    """The ``computed:`` mapping of a source: ``new column: {operation: argument}`` (docs/data-mapping.md, Computed columns)."""
    if x is None:
        return []
    if not isinstance(x, dict):
        err(keys, "computed must be a mapping of new column: {operation: argument}",
            "e.g. computed: {line: {row_number: {within: InvoiceNo}}}")
        return []
    out = []
    for name, spec in x.items():
        at = keys + (str(name),)
        if not isinstance(spec, dict) or not spec:
            err(at, "a computed column needs one operation", f"operations: {', '.join(COMPUTED_OPS)}")
            continue
        ops = [k for k in spec if k in COMPUTED_OPS]
        extra = [k for k in spec if k not in COMPUTED_OPS and not (k == "default" and "status_from" in spec)]
        if extra:
            err(at + (str(extra[0]),), f"unknown operation {_q(extra[0])}", f"operations: {', '.join(COMPUTED_OPS)}")
            continue
        if len(ops) != 1:
            err(at, f"a computed column needs exactly one operation, found {len(ops)}",
                f"operations: {', '.join(COMPUTED_OPS)}")
            continue
        op, arg = ops[0], spec[ops[0]]
        a = at + (op,)
        ok = True
        args: dict = {}
        if op == "concat":
            cols = arg.get("columns") if isinstance(arg, dict) else None
            sep = arg.get("sep", "") if isinstance(arg, dict) else None
            if not isinstance(arg, dict) or set(arg) - {"columns", "sep"} or not isinstance(cols, list) \
                    or len(cols) < 2 or not all(isinstance(c, str) and c.strip() for c in cols) or not _single(sep) \
                    and sep != "":
                err(a, "concat needs {columns: [two or more columns], sep: text}", f"found {_q(arg)}")
                ok = False
            else:
                args = {"columns": [c.strip() for c in cols], "sep": _text(sep)}
        elif op == "row_number":
            within = arg.get("within") if isinstance(arg, dict) else None
            within = [within] if isinstance(within, str) else within
            if not isinstance(arg, dict) or set(arg) - {"within"} or not isinstance(within, list) or not within \
                    or not all(isinstance(c, str) and c.strip() for c in within):
                err(a, "row_number needs {within: column} (or a list of columns)",
                    f"found {_q(arg)}; e.g. {{within: InvoiceNo}}")
                ok = False
            else:
                args = {"within": [c.strip() for c in within]}
        elif op == "abs":
            ok = _column_arg(arg, a, err, "abs")
            args = {"column": arg.strip()} if ok else {}
        elif op == "extract":
            pat = arg.get("pattern") if isinstance(arg, dict) else None
            why = _regex_problem(pat, groups=1) if isinstance(pat, str) else "it must be text in quotes"
            if not isinstance(arg, dict) or set(arg) - {"column", "pattern"} \
                    or not _column_arg(arg.get("column"), a + ("column",), err, "extract"):
                if not isinstance(arg, dict) or set(arg) - {"column", "pattern"}:
                    err(a, "extract needs {column: X, pattern: \"regex with one group\"}", f"found {_q(arg)}")
                ok = False
            elif why:
                err(a + ("pattern",), "extract needs a pattern with one group", f"{_q(pat)}: {why}")
                ok = False
            else:
                args = {"column": arg["column"].strip(), "pattern": pat}
        elif op == "split":
            sep, part = (arg.get("sep"), arg.get("part", 0)) if isinstance(arg, dict) else (None, None)
            if not isinstance(arg, dict) or set(arg) - {"column", "sep", "part"} or not isinstance(sep, str) \
                    or sep == "" or not isinstance(part, int) or isinstance(part, bool) or abs(part) > 1000:
                err(a, "split needs {column: X, sep: text, part: a whole number (0 = first, -1 = last)}",
                    f"found {_q(arg)}")
                ok = False
            elif not _column_arg(arg.get("column"), a + ("column",), err, "split"):
                ok = False
            else:
                args = {"column": arg["column"].strip(), "sep": sep, "part": part}
        else:  # status_from
            default = spec.get("default", "")
            if not isinstance(arg, list) or not arg:
                err(a, "status_from needs a list of {when: <condition>, value: ...}",
                    "e.g. [{when: {column: Quantity, less_than: 0}, value: refunded}]")
                ok = False
            elif not _single(default) and default != "":
                err(at + ("default",), "default needs a single value", f"found {_q(default)}")
                ok = False
            else:
                cases = []
                for i, case in enumerate(arg):
                    c_at = a + (str(i),)
                    if not isinstance(case, dict) or set(case) != {"when", "value"} or not _single(case["value"]):
                        err(c_at, "each case needs {when: <condition>, value: a single value}", f"found {_q(case)}")
                        ok = False
                        continue
                    cond = parse_condition(case["when"], c_at + ("when",), err)
                    ok = ok and cond is not None
                    cases.append((cond, _text(case["value"])))
                args = {"cases": cases, "default": _text(default)}
        if ok:
            out.append(Computed(str(name), op, args))
    return out


def condition_columns(c: Condition) -> list[str]:
    """The source columns a condition reads."""
    return [x for p in c.parts for x in condition_columns(p)] if c.parts else [c.column]


def computed_columns(c: Computed) -> list[str]:
    """The source columns a computed column reads."""
    if c.op == "concat":
        return list(c.args["columns"])
    if c.op == "row_number":
        return list(c.args["within"])
    if c.op == "status_from":
        return [x for cond, _ in c.args["cases"] for x in condition_columns(cond)]
    return [c.args["column"]]


# --------------------------------------------------------------------------- applying


def text_array(s: pd.Series) -> pa.Array:
    """The trimmed text of a raw column, blanks as ``""`` (never null)."""
    arr = pa.array(s.array) if isinstance(s.dtype, pd.StringDtype) else pa.array(s.astype("str").array)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pac.fill_null(pac.utf8_trim_whitespace(arr), pa.scalar("", pa.string()))


def _mask(a) -> np.ndarray:
    return np.asarray(pac.fill_null(a, pa.scalar(False)), dtype=bool)


def _numbers(t: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Values and mask of the cells that are plain numbers."""
    ok = _mask(pac.match_substring_regex(t, _NUMBER))
    vals = np.full(len(t), np.nan)
    if ok.any():
        vals[ok] = pac.cast(pac.filter(t, pa.array(ok)), pa.float64()).to_numpy(zero_copy_only=False)
    return vals, ok


def condition_mask(c: Condition, frame: pd.DataFrame, cache: dict | None = None) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` matching condition ``c`` (cells trimmed; docs/data-mapping.md, Row rules)."""
    cache = {} if cache is None else cache
    if c.parts:
        masks = [condition_mask(p, frame, cache) for p in c.parts]
        return np.logical_and.reduce(masks) if c.op == "all" else np.logical_or.reduce(masks)
    if c.column not in cache:
        cache[c.column] = text_array(frame[c.column])
    t = cache[c.column]
    v = c.value
    if c.op in ("equals", "not_equals"):
        if _number(v):
            vals, ok = _numbers(t)
            m = ok & (vals == float(v))
        else:
            m = _mask(pac.equal(t, pa.scalar(_text(v), pa.string())))
        return m if c.op == "equals" else ~m
    if c.op == "in":
        if all(_number(x) for x in v):
            vals, ok = _numbers(t)
            return ok & np.isin(vals, np.array([float(x) for x in v]))
        return _mask(pac.is_in(t, value_set=pa.array([_text(x) for x in v], pa.string())))
    if c.op == "starts_with":
        return _mask(pac.starts_with(t, pattern=v))
    if c.op == "matches":
        return _mask(pac.match_substring_regex(t, v))
    if c.op == "blank":
        m = _mask(pac.equal(t, pa.scalar("", pa.string())))
        return m if v else ~m
    vals, ok = _numbers(t)
    with np.errstate(invalid="ignore"):
        return ok & ((vals < float(v)) if c.op == "less_than" else (vals > float(v)))


@dataclass
class SourceState:
    """What one source's rules did across its files and pieces: lines read, lines each rule took out,
    and the running line count of each ``row_number`` key."""

    read: int = 0
    excluded: dict[int, int] = field(default_factory=dict)
    matched: dict[int, int] = field(default_factory=dict)
    counters: dict[str, pd.Series] = field(default_factory=dict)


def _row_number(name: str, keys: list[pa.Array], state: SourceState) -> pa.Array:
    """1, 2, ... within the key, in the order the lines are read (continuing across pieces and files)."""
    key = keys[0] if len(keys) == 1 else pac.binary_join_element_wise(*keys, "\x1f")
    enc = pac.dictionary_encode(key)
    codes = np.asarray(enc.indices, dtype=np.int64)
    uniques = pd.Index(enc.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    seq = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy() + 1
    prev = state.counters.get(name)
    counts = np.bincount(codes, minlength=len(uniques))
    if prev is not None and len(prev):
        before = prev.reindex(uniques).fillna(0).to_numpy(dtype=np.int64)
        seq = seq + before[codes]
        counts = counts + before
        merged = pd.concat([prev.drop(uniques, errors="ignore"), pd.Series(counts, index=uniques)])
    else:
        merged = pd.Series(counts, index=uniques)
    state.counters[name] = merged
    return pa.array(seq.astype(str), pa.string())


def _split(t: pa.Array, sep: str, part: int) -> pa.Array:
    lists = pac.split_pattern(t, pattern=sep)
    offsets = np.asarray(lists.offsets)
    length = np.diff(offsets)
    idx = offsets[:-1] + part if part >= 0 else offsets[1:] + part
    ok = (part < length) if part >= 0 else (-part <= length)
    out = np.full(len(t), "", dtype=object)
    if ok.any():
        vals = pac.take(lists.flatten(), pa.array(idx[ok]))
        out[ok] = np.asarray(pac.utf8_trim_whitespace(vals).to_numpy(zero_copy_only=False), dtype=object)
    return pa.array(out, pa.string())


def needed_computed(computed: list[Computed], wanted: set[str]) -> list[Computed]:
    """The computed columns that ``wanted`` columns need (directly or through each other), in order."""
    need, out = set(wanted), []
    for c in reversed(computed):
        if c.name in need:
            need |= set(computed_columns(c))
            out.append(c)
    return out[::-1]


def apply_computed(computed: list[Computed], frame: pd.DataFrame, state: SourceState) -> pd.DataFrame:
    """``frame`` with the computed columns appended, in the order written (columns checked to exist)."""
    if not computed:
        return frame
    cols = {c: frame[c] for c in frame.columns}
    for c in computed:
        get = lambda name: text_array(cols[name])  # noqa: E731 - a computed column may read an earlier one
        if c.op == "concat":
            out = pac.binary_join_element_wise(*[get(x) for x in c.args["columns"]], c.args["sep"])
        elif c.op == "row_number":
            out = _row_number(c.name, [get(x) for x in c.args["within"]], state)
        elif c.op == "abs":
            out = pac.replace_substring_regex(get(c.args["column"]), r"^[+-]\s*([0-9.])", r"\1")
        elif c.op == "extract":
            t = get(c.args["column"])
            hit = pac.match_substring_regex(t, c.args["pattern"])
            got = pac.replace_substring_regex(t, "^(?s:.*?)(?:" + c.args["pattern"] + ")(?s:.*)$", r"\1")
            out = pac.if_else(hit, got, pa.scalar("", pa.string()))
        elif c.op == "split":
            out = _split(get(c.args["column"]), c.args["sep"], c.args["part"])
        else:  # status_from: the first case that matches gives the value
            tmp = pd.DataFrame(cols)
            n = len(tmp)
            out_np = np.full(n, c.args["default"], dtype=object)
            done = np.zeros(n, dtype=bool)
            cache: dict = {}
            for cond, value in c.args["cases"]:
                m = condition_mask(cond, tmp, cache) & ~done
                out_np[m] = value
                done |= m
            out = pa.array(out_np, pa.string())
        cols[c.name] = pd.Series(pd.arrays.ArrowStringArray(out.cast(pa.string()) if out.type != pa.string()
                                                            else out), index=frame.index)
    return pd.DataFrame(cols, index=frame.index)


def apply_rows(rules: list[RowRule], frame: pd.DataFrame, state: SourceState) -> np.ndarray:
    """The mask of lines kept by the rules, applied in order; counts what each rule took out into ``state``."""
    keep = np.ones(len(frame), dtype=bool)
    cache: dict = {}
    for r in rules:
        m = condition_mask(r.cond, frame, cache)
        state.matched[r.number] = state.matched.get(r.number, 0) + int(m.sum())
        out = keep & (m if r.action == "exclude" else ~m)
        state.excluded[r.number] = state.excluded.get(r.number, 0) + int(out.sum())
        keep &= ~out
    return keep
