"""The Parquet cache of validated inputs, keyed by the input's fingerprint (docs/data-contract.md, Input forms).

An entry ``CACHE_DIR/tables/<fingerprint>/`` holds one ``<table>.parquet`` per table and a
``meta.json`` (time zone, mapping, notes, data-quality rows, dtypes). It is published with one
rename, only when every hard rule holds, and read back lazily (:class:`LazyTables`): a notebook
pays only for the tables and columns it touches.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, MutableMapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lib.config import CACHE_DIR
from lib.data.dataset import QUALITY_COLUMNS, Dataset

__all__ = [
    "LOADER_VERSION", "CACHE_KEEP", "CACHE_MIN_AGE_SECONDS", "fingerprint", "prune_cache", "write_cache",
    "load_cached", "LazyTables", "table_column", "table_rows_between", "release_tables", "DERIVED_DIR",
    "derived_file", "table_file", "table_dtypes", "cached_derived", "write_derived",
]

#: bump when parsing or validation changes: it is part of the cache key
LOADER_VERSION = "4"


def fingerprint(digests: dict[str, str], tz_name: str, mapping_digest: str | None) -> str:
    """sha256 hex of an input: each input's digest (file label or table -> sha256), the mapping's, tz_name and LOADER_VERSION."""
    h = hashlib.sha256()
    h.update(f"laceluxx-loader {LOADER_VERSION}\ntz {tz_name}\nmapping {mapping_digest or '-'}\n".encode())
    for label in sorted(digests):
        h.update(f"{label} {digests[label]}\n".encode())
    return h.hexdigest()


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


def write_cache(fp: str, description: str, tz_name: str, mapping: str | None, notes: list[str],
                validate: Callable[[_ParquetSink, list[str]], pd.DataFrame]) -> Dataset | None:
    """Validate into a new cache entry and return the cached Dataset, or None when the cache is not writable.

    ``validate(sink, notes)`` streams the typed pieces into ``sink`` and returns the data-quality
    rows (it may append to ``notes``); a ContractError from it leaves nothing behind. The entry is
    written to a temporary folder and published with one rename (the older entries are pruned);
    when another run published it first, or the disk is full, what is there is read.
    """
    final = _cache_path(fp)
    tmp = final.parent / f".tmp-{fp[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
    except OSError:
        return None  # the cache is not writable: validate in memory
    sink = _ParquetSink(tmp)
    kept_notes = list(notes)
    try:
        quality = validate(sink, kept_notes)
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
    return load_cached(fp, description)


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


#: sub-folder of a cache entry holding the derived frames of each report period:
#: ``derived/<code digest>/<YYYY-MM>/<name>.parquet``
DERIVED_DIR = "derived"
_PERIOD_LABEL = re.compile(r"^\d{4}-\d{2}$")
_DERIVED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def table_file(ds: Dataset, name: str) -> Path | None:
    """The validated Parquet file of table ``name`` of a cache-backed dataset, or None (a dataset in memory, or a
    table it does not have) (docs/data-contract.md, Input forms)."""
    if not isinstance(ds.tables, LazyTables) or name not in ds.tables:
        return None
    return ds.tables._path / f"{name}.parquet"


def table_dtypes(ds: Dataset, name: str) -> dict[str, str] | None:
    """The pandas dtypes of table ``name`` of a cache-backed dataset as the cache records them (column -> dtype
    name), or None (docs/data-contract.md, Input forms)."""
    if not isinstance(ds.tables, LazyTables) or name not in ds.tables:
        return None
    return dict(ds.tables._dtypes[name])


def derived_file(ds: Dataset, period_label: str, name: str) -> Path | None:
    """Where the derived frame ``name`` of a period lives beside the validated tables, or None for a dataset that
    is not read from the cache (docs/data-contract.md, Input forms)."""
    if not _PERIOD_LABEL.match(period_label) or not _DERIVED_NAME.match(name):
        raise ValueError(f"a derived frame is named by a period YYYY-MM and a lower-case name, got "
                         f"{period_label!r}, {name!r}")
    if not isinstance(ds.tables, LazyTables):
        return None
    return ds.tables._path / DERIVED_DIR / _derived_code_digest() / period_label / f"{name}.parquet"


@functools.cache
def _derived_code_digest() -> str:
    """A digest of the code that derives the frames (lib/data/derived.py): changed code never reads frames an
    older version derived."""
    return hashlib.sha256((Path(__file__).parent / "derived.py").read_bytes()).hexdigest()[:12]


def cached_derived(ds: Dataset, period_label: str, name: str, compute: Callable[[], pd.DataFrame],
                   columns: list[str] | None = None) -> pd.DataFrame:
    """A derived frame (sale lines, occasions, lifecycles of a period) computed once per input fingerprint and
    period: read from ``derived/<period>/<name>.parquet`` when a notebook (or the run's derive step) already
    wrote it, else ``compute()`` and written for the next reader (atomically; a read-only or full disk only
    loses the reuse) unless ``compute()`` wrote the file itself (lib.data.derived.period_lifecycle_file). ``columns`` reads only those columns of a cached frame."""
    path = derived_file(ds, period_label, name)
    if path is not None and path.exists():
        try:
            return pd.read_parquet(path, columns=columns)
        except (OSError, ValueError):
            pass  # half a file from a killed writer cannot be: written under another name, then renamed
    df = compute()
    if path is not None and not path.exists():  # compute() may have written it itself (an engine's COPY)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            df.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return df if columns is None else df[columns]


def write_derived(ds: Dataset, period_label: str, name: str, write: Callable[[Path], bool]) -> Path | None:
    """The file of the derived frame ``name`` of a period (:func:`derived_file`), written by ``write(tmp)`` when
    it is not there yet - an engine writing Parquet itself (``COPY ... TO``), so the frame is never held in
    pandas - then published with one rename. Returns the path, or None when there is no cache-backed file (a
    dataset in memory, ``write`` returned False, or the disk is read-only or full)."""
    path = derived_file(ds, period_label, name)
    if path is None:
        return None
    if path.exists():
        return path
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if write(tmp):
            os.replace(tmp, path)
    except OSError:
        pass  # a read-only or full disk only loses the reuse
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path if path.exists() else None


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


def load_cached(fingerprint: str, source: str) -> Dataset | None:
    """The dataset cached under ``fingerprint`` (validated earlier), or None when there is no complete entry.

    Reading touches the entry's ``meta.json`` (its last use, for :func:`prune_cache`). The
    pipeline validates the input once and hands the notebooks its fingerprint, so they skip
    hashing the input files again.
    """
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
