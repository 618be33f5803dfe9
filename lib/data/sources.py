"""Dimension tables derived from the sales export: one row per key, duplicates resolved by a stated rule and counted (docs/data-mapping.md, Derived tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.data.dataset import TEXT_DTYPE
from lib.data.mapping import DerivedMapping
from lib.data.raw import RawTable
from lib.data.rules import text_array

__all__ = ["derive_table", "pick_values"]

_WHAT = {"products": ("product", "products"), "brands": ("brand", "brands"), "users": ("user", "users")}
_RULE_WORDS = {"most_frequent": "the most frequent", "first": "the first", "last": "the last",
               "min": "the smallest", "max": "the largest"}


def _text(values: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, pa.string()), dtype=TEXT_DTYPE), index=index)


def pick_values(codes: np.ndarray, values: np.ndarray, n_keys: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """One value per key code among the non-blank ``values`` by ``rule`` (docs/data-mapping.md, Derived tables).

    ``most_frequent`` breaks ties by the value seen first; ``first``/``last`` follow the file order;
    ``min``/``max`` compare the text (ISO dates order correctly). Returns the picked value per key
    ("" where a key has no value) and the number of distinct values each key had.
    """
    out = np.full(n_keys, "", dtype=object)
    distinct = np.zeros(n_keys, dtype=np.int64)
    filled = values != ""
    if not filled.any():
        return out, distinct
    df = pd.DataFrame({"k": codes[filled], "v": values[filled]})
    df["order"] = np.arange(len(df))
    pairs = df.groupby(["k", "v"], sort=False).agg(n=("order", "size"), first=("order", "min"),
                                                     last=("order", "max")).reset_index()
    distinct_per = pairs.groupby("k").size()
    distinct[distinct_per.index.to_numpy()] = distinct_per.to_numpy()
    if rule == "most_frequent":
        chosen = pairs.sort_values(["k", "n", "first"], ascending=[True, False, True], kind="stable")
    elif rule == "first":
        chosen = pairs.sort_values(["k", "first"], kind="stable")
    elif rule == "last":
        chosen = pairs.sort_values(["k", "last"], ascending=[True, False], kind="stable")
    else:
        chosen = pairs.sort_values(["k", "v"], ascending=[True, rule == "min"], kind="stable")
    chosen = chosen.drop_duplicates("k")
    out[chosen["k"].to_numpy()] = chosen["v"].to_numpy(dtype=object)
    return out, distinct


def derive_table(dm: DerivedMapping, parts: list[RawTable], source_name: str) -> RawTable:
    """One row per key of the mapped lines in ``parts`` (single-file RawTables whose key column is
    already the table's id), each value picked by its rule; constants and defaults are applied to
    the derived rows. Each row carries the file and line where its key first appears.
    """
    one, many = _WHAT[dm.table]
    idc = dm.id_column
    files = tuple(p.files[0] for p in parts)
    frame = pd.concat([p.frame for p in parts], ignore_index=True, sort=False) if len(parts) > 1 else parts[0].frame
    lines = np.concatenate([p.lines for p in parts]) if parts else np.empty(0, np.int64)
    file_idx = np.concatenate([np.full(len(p.frame), i, np.int32) for i, p in enumerate(parts)])
    n_lines = len(frame)
    key = np.asarray(text_array(frame[idc]).to_numpy(zero_copy_only=False), dtype=object)
    has_key = key != ""
    quality: list[tuple[str, str, int]] = []
    if (~has_key).sum():
        quality.append(("read", f"{dm.table} from {source_name}: lines without a {dm.key} skipped",
                        int((~has_key).sum())))
    codes, uniques = pd.factorize(pd.Series(key[has_key], dtype=object), sort=False)
    k = len(uniques)
    pos = np.flatnonzero(has_key)
    # the first line of each key: positions increase, so the smallest per code is where it is first seen
    first_pos = pd.Series(pos).groupby(codes).min().to_numpy()
    cols: dict[str, pd.Series] = {idc: _text(np.asarray(uniques, dtype=object))}
    for col in dm.columns:
        if col not in frame.columns:
            continue
        vals = np.asarray(text_array(frame[col]).to_numpy(zero_copy_only=False), dtype=object)[has_key]
        rule = dm.pick.get(col, dm.default_pick)
        picked, distinct = pick_values(codes, vals, k, rule)
        cols[col] = _text(picked)
        several = distinct > 1
        if several.any():
            worst = int(np.argmax(distinct))
            quality.append(("read", f"{col}: {int(several.sum()):,} {many if several.sum() > 1 else one} had "
                            f"several values; kept {_RULE_WORDS[rule]} (e.g. {one} {uniques[worst]} had "
                            f"{int(distinct[worst])} values of {dm.columns[col]})", int(several.sum())))
    for col, value in dm.constants.items():
        cols[col] = _text(np.full(k, value, dtype=object))
    for col, value in dm.defaults.items():
        if col not in cols:
            cols[col] = _text(np.full(k, value, dtype=object))
            quality.append(("defaulted", f"column {col} absent; set to '{value}' (mapping default)", k))
            continue
        blank = np.asarray(text_array(cols[col]).to_numpy(zero_copy_only=False), dtype=object) == ""
        if blank.any():
            v = np.asarray(cols[col].to_numpy(dtype=object, na_value=""), dtype=object)
            v[blank] = value
            cols[col] = _text(v)
            quality.append(("defaulted", f"blank {col} set to '{value}' (mapping default)", int(blank.sum())))
    quality.append(("read", f"{dm.table} derived from {source_name}: one row per {dm.key}, "
                    f"{k:,} from {n_lines:,} lines", k))
    out = pd.DataFrame(cols)
    src = {idc: dm.key, **{c: s for c, s in dm.columns.items()}}
    headers = {f: tuple(out.columns) for f in files}
    fi = file_idx[first_pos] if len(first_pos) else np.empty(0, np.int32)
    return RawTable(dm.table, out, lines[first_pos] if len(first_pos) else np.empty(0, np.int64), files,
                    fi if len(files) > 1 else None, headers, src, quality)
