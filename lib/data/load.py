"""Entry points of the data layer: load a CSV folder or a database into a validated, typed, cached Dataset (docs/data-contract.md, Input forms).

Two steps, so any reader can be plugged in front of the second one:

1. read: :func:`lib.data.csv_source.read_csv_tables` or :func:`lib.data.sql_source.read_sql_tables`
   -> :class:`~lib.data.raw.RawSource` of :class:`~lib.data.raw.RawTable` (every cell as text, the
   physical line number of each row, header = line 1, and a file label);
2. validate: :func:`lib.data.validate.validate_tables` / :func:`lib.data.validate.dataset_from_raw`
   -> typed tables + data-quality rows, raising one :class:`~lib.data.dataset.ContractError` that
   carries every broken hard rule.

:func:`load_dataset` runs both (a CSV folder streams through in pieces) and caches the result
under ``CACHE_DIR/tables/<fingerprint>/`` (:mod:`lib.data.cache`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from lib.config import DEFAULT_TZ, SAMPLE_DIR
from lib.data import mapping as mapping_mod
from lib.data.cache import fingerprint, load_cached
from lib.data.contract import TABLES
from lib.data.csv_source import csv_feeds, csv_inputs
from lib.data.dataset import Dataset
from lib.data.urls import mask_source  # the one masker (also behind sql_source.masked_url)
from lib.data.validate import check_tz, dataset_from_feeds

__all__ = ["load_dataset", "dataset_fingerprint", "quality_summary", "quality_text", "mask_source", "run_dataset"]


def load_dataset(source: str | Path, tz_name: str = DEFAULT_TZ, use_cache: bool = True) -> Dataset:
    """Load, validate and type a folder of contract CSVs or a database URL, cached as Parquet.

    Parameters
    ----------
    source : folder with ``<table>.csv`` files (and optionally ``mapping.yaml``; docs/data-contract.md,
        CSV folder), or a SQLAlchemy URL (docs/data-contract.md, SQL source; read by
        :func:`lib.data.sql_source.load_sql_dataset`).
    tz_name : business time zone; timestamps with an offset are converted to it.
    use_cache : read/write ``CACHE_DIR/tables/<fingerprint>/``; the key is the sha256 of
        every input file's bytes, the mapping file, tz_name and LOADER_VERSION.

    Raises
    ------
    ContractError : every broken hard rule, each naming file, lines, column and rule.
    ValueError : unknown time zone.
    """
    check_tz(tz_name)
    if "://" in str(source):  # a SQLAlchemy URL: same validation, tables read from the database
        # imported here, not at the top: SQLAlchemy costs every kernel about 0.3 s, and only a database
        # source needs it (import-linter checks this import too: there is no cycle behind it)
        from lib.data.sql_source import load_sql_dataset

        return load_sql_dataset(str(source), tz_name=tz_name, use_cache=use_cache)
    inp = csv_inputs(source)
    fp = fingerprint(inp.digests, tz_name, inp.mapping.digest if inp.mapping else None)
    if use_cache and not inp.problems:
        ds = load_cached(fp, str(inp.folder))
        if ds is not None:  # the mapping as this call found it (the cached copy may name another path to it)
            ds.mapping = str(inp.folder / mapping_mod.MAPPING_FILE) if inp.mapping else None
            return ds
    feeds, failed = csv_feeds(inp)
    return dataset_from_feeds(feeds, failed, list(inp.problems), list(inp.notes), str(inp.folder),
                              str(inp.folder / mapping_mod.MAPPING_FILE) if inp.mapping else None,
                              fp, tz_name, use_cache)


def dataset_fingerprint(source: str | Path, tz_name: str = DEFAULT_TZ) -> str:
    """sha256 of a CSV folder's input: every file's bytes, the mapping file, tz_name and LOADER_VERSION."""
    inp = csv_inputs(source)
    return fingerprint(inp.digests, tz_name, inp.mapping.digest if inp.mapping else None)


def quality_summary(ds: Dataset) -> pd.DataFrame:
    """The data-quality summary: one row per table, action and reason with a row count (docs/data-contract.md, Data-quality summary)."""
    q = ds.quality.copy()
    order = {"read": 0, "repaired": 1, "defaulted": 2, "excluded": 3}
    q["_o"] = q["action"].map(order).fillna(9)
    return q.sort_values(["table", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _count(n: int, word: str) -> str:
    """``1 table`` / ``8 tables`` (the data layer's messages; lib.narrative.fmt.count is the pages' twin, a layer up)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def quality_text(ds: Dataset) -> str:
    """One plain paragraph for the command line: what was loaded, repaired and defaulted."""
    q = ds.quality
    read = q[(q["action"] == "read") & q["reason"].str.startswith("rows read from")]
    per_table = read.groupby("table", sort=False)["rows"].sum()
    parts = [f"{t} {n:,} rows" for t, n in per_table.items()]
    text = f"Loaded {_count(len(ds.tables), 'table')} from {ds.source}: {', '.join(parts)}."
    for action, verb in (("repaired", "repaired"), ("defaulted", "defaulted")):
        sub = q[q["action"] == action]
        if len(sub):
            detail = "; ".join(f"{r.table}: {r.reason} ({r.rows:,})" for r in sub.itertuples())
            text += f" {_count(int(sub['rows'].sum()), 'cell')} {verb} ({detail})."
        else:
            text += f" Nothing {verb}."
    noted = q[(q["action"] == "read") & ~q["reason"].str.startswith("rows read from")]
    if len(noted):
        text += " Noted: " + "; ".join(f"{r.table}: {r.reason} ({r.rows:,})" for r in noted.itertuples()) + "."
    excl = q[q["action"] == "excluded"]
    if len(excl):
        detail = "; ".join(f"{r.table}: excluded {r.reason}: {_count(r.rows, 'line')}" for r in excl.itertuples())
        text += f" {_count(int(excl['rows'].sum()), 'row')} excluded ({detail})."
    else:
        text += " No rows excluded."
    missing = [t for t in TABLES if t not in ds.tables]
    if missing:
        text += f" Tables not present: {', '.join(missing)}."
    if ds.notes:
        text += " " + " ".join(ds.notes)
    return text


def run_dataset(data: str, tz_name: str = DEFAULT_TZ) -> Dataset:
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
