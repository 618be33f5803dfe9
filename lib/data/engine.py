"""An in-process DuckDB engine: cached tables and a period's derived frames as SQL views, small frames out (docs/data-contract.md, Derived concepts)."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from lib.data.cache import cached_derived, derived_file, table_file
from lib.data.dataset import Dataset

__all__ = ["THREADS_ENV", "MEMORY_ENV", "DEFAULT_MEMORY", "SQL_STATS_ENV", "engine_threads", "engine_memory", "connect",
           "kernel_connection", "sql_time", "timed_sql", "exact_sum", "Engine", "period_engine"]

#: environment variable that sets the engine's thread count (default: the machine's CPUs)
THREADS_ENV = "LACELUXX_ENGINE_THREADS"
#: environment variable that sets the engine's memory limit, e.g. ``2GB`` or ``512MB``
MEMORY_ENV = "LACELUXX_ENGINE_MEMORY"
#: the memory limit without the variable: the whole run aims at 4 GB at 10M sales lines (issue 20)
DEFAULT_MEMORY = "2GB"

#: environment variable naming a JSON file where this process keeps its time inside the engine (the pipeline sets
#: it per notebook; ``make bench`` reports the DuckDB and the pandas share of each notebook's time)
SQL_STATS_ENV = "LACELUXX_SQL_STATS"
#: this process's time inside DuckDB: seconds and statements (:func:`timed_sql`)
_SQL = {"seconds": 0.0, "queries": 0}

_VIEW_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
#: the kernel's one DuckDB database; every Engine is a cursor of it (views stay private to each Engine)
_kernel: list[duckdb.DuckDBPyConnection] = []


def engine_threads(value: str | None = None) -> int:
    """Threads for the engine: ``value`` (or the ``LACELUXX_ENGINE_THREADS`` variable), else the CPU count."""
    value = os.environ.get(THREADS_ENV) if value is None else value
    if value is None or not str(value).strip():
        return max(1, os.cpu_count() or 1)
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 1024:
        raise ValueError(f"{THREADS_ENV} must be a whole number of threads from 1 to 1024, got {value!r}")
    return int(text)


def engine_memory(value: str | None = None) -> str:
    """The engine's memory limit as DuckDB reads it (``2GB``): ``value``, the ``LACELUXX_ENGINE_MEMORY``
    variable, else :data:`DEFAULT_MEMORY`."""
    value = os.environ.get(MEMORY_ENV) if value is None else value
    if value is None or not str(value).strip():
        return DEFAULT_MEMORY
    m = _MEMORY.match(str(value))
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{MEMORY_ENV} must be an amount of memory such as 2GB or 512MB, got {value!r}")
    return f"{m.group(1)}{m.group(2).upper()}"


def connect(threads: int | None = None, memory: str | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-process DuckDB database with its thread count and memory limit (:func:`engine_threads`,
    :func:`engine_memory`); it spills to a private temporary folder, never the repo."""
    spill = Path(tempfile.gettempdir()) / f"laceluxx-duckdb-{os.getpid()}"
    return duckdb.connect(":memory:", config={
        "threads": engine_threads(None if threads is None else str(threads)),
        "memory_limit": engine_memory(memory), "temp_directory": str(spill),
        "preserve_insertion_order": False})  # every reduction orders its result itself


def kernel_connection() -> duckdb.DuckDBPyConnection:
    """The kernel's one DuckDB database (:func:`connect`, opened on first use with the environment's settings)."""
    if not _kernel:
        _kernel.append(connect())
    return _kernel[0]


def sql_time() -> dict[str, float]:
    """This process's time inside the engine so far: ``{"seconds": s, "queries": n}``."""
    return dict(_SQL)


def timed_sql(run: Callable[[], object]) -> object:
    """``run()`` (a DuckDB statement and the fetch of its result), its wall time added to :func:`sql_time`; with
    ``LACELUXX_SQL_STATS`` set, the totals are written to that file after each statement."""
    t0 = time.perf_counter()
    try:
        return run()
    finally:
        _SQL["seconds"] += time.perf_counter() - t0
        _SQL["queries"] += 1
        target = os.environ.get(SQL_STATS_ENV)
        if target:
            try:
                Path(target).write_text(json.dumps(_SQL))
            except OSError:  # a statistic: never fails a report
                pass


def exact_sum(expr: str, where: str | None = None) -> str:
    """SQL for the sum of a money expression that is the same on every run: the values as DECIMAL(38, 10) (exact
    to 1e-10, integer additions), the total back as DOUBLE. DuckDB adds doubles in whatever order its threads
    finish, so a plain ``SUM`` of doubles can differ in the last digit from one run to the next; the reports'
    numbers must not (docs/metrics.md, Run outputs). ``where``: an SQL condition (``FILTER (WHERE ...)``)."""
    flt = f" FILTER (WHERE {where})" if where else ""
    return f"(SUM(({expr})::DECIMAL(38,10)){flt})::DOUBLE"


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _VIEW_NAME.match(name):
        raise ValueError(f"a view is named by a lower-case word of letters, digits and _ (at most 41), got {name!r}")
    return name


def _literal(path: Path) -> str:
    """A path as an SQL string literal (a quote in it is doubled)."""
    return "'" + str(path).replace("'", "''") + "'"


class Engine:
    """One set of views - a dataset's tables, a period's derived frames - over the kernel's DuckDB database.

    A view is either ``read_parquet`` of a cache file (the dataset is cache-backed: nothing is held in memory)
    or a registered pandas frame (a dataset held in memory). Views are private to this Engine (temporary
    views of its own cursor), so two periods in one kernel never see each other's ``lines``.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self._con = (connection or kernel_connection()).cursor()
        self.views: dict[str, str] = {}  # name -> "parquet" or "frame"
        self._columns: dict[str, list[str]] = {}

    def _parquet(self, name: str, path: Path) -> None:
        self.drop(name)
        self._con.execute(f'CREATE TEMP VIEW "{name}" AS SELECT * FROM read_parquet({_literal(path)})')
        self.views[name] = "parquet"

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` the view ``name`` (held in memory by the caller's frame, not copied)."""
        _check_name(name)
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"view {name!r} needs a pandas DataFrame, got {type(frame).__name__}")
        self.drop(name)
        self._con.register(name, frame)
        self.views[name] = "frame"

    def register_tables(self, ds: Dataset, names: Iterable[str] | None = None) -> list[str]:
        """Register the dataset's tables (all, or ``names``) as views named like the tables (docs/data-contract.md,
        Tables at a glance): over their Parquet files in the cache, else over the frames in memory.
        Returns the names registered; a table the dataset lacks is an error."""
        wanted = list(ds.tables) if names is None else list(names)
        for name in wanted:
            _check_name(name)
            if name not in ds.tables:
                raise ValueError(f"the data has no {name!r} table (it has {', '.join(sorted(ds.tables)) or 'none'})")
            path = table_file(ds, name)
            if path is not None and path.exists():
                self._parquet(name, path)
            else:
                self.register_frame(name, ds.tables[name])
        return wanted

    def register_derived(self, ds: Dataset, period_label: str, name: str = "lines",
                         compute: Callable[[], pd.DataFrame] | None = None) -> str:
        """Register a period's derived frame (``lines``, ``occasions``, ``lifecycle``) as the view ``name``
        (docs/data-contract.md, Derived concepts): over its cached Parquet file when there is one; else
        ``compute()`` through lib.data.cache.cached_derived, which writes the file for every later reader,
        and the view reads that file (the computed frame is let go); a dataset that is not cache-backed keeps the
        computed frame. Returns ``"parquet"`` or ``"frame"``."""
        _check_name(name)
        path = derived_file(ds, period_label, name)
        if path is not None and path.exists():
            self._parquet(name, path)
            return "parquet"
        if compute is None:
            raise ValueError(f"the {name} of {period_label} are not in the cache yet: pass compute= to derive them")
        frame = cached_derived(ds, period_label, name, compute)
        if path is not None and path.exists():
            del frame
            self._parquet(name, path)
            return "parquet"
        self.register_frame(name, frame)
        return "frame"

    def drop(self, name: str) -> None:
        """Forget the view ``name`` (no error when there is none)."""
        kind = self.views.pop(name, None)
        self._columns.pop(name, None)
        if kind == "frame":
            self._con.unregister(name)
        elif kind == "parquet":
            self._con.execute(f'DROP VIEW IF EXISTS "{name}"')

    def has(self, name: str) -> bool:
        """Whether the view ``name`` is registered."""
        return name in self.views

    def columns(self, name: str) -> list[str]:
        """The column names of the view ``name``."""
        if name not in self.views:
            raise ValueError(f"no view {name!r} is registered (registered: {', '.join(sorted(self.views)) or 'none'})")
        if name not in self._columns:
            self._columns[name] = [r[0] for r in self._con.execute(f'DESCRIBE SELECT * FROM "{name}"').fetchall()]
        return self._columns[name]

    def query(self, sql: str, params: Mapping[str, object] | Sequence[object] | None = None) -> pd.DataFrame:
        """Run one SQL statement over the registered views, values passed as parameters (``$name`` with a dict,
        ``?`` with a list; never formatted into the text), and return the result as a pandas frame."""
        def run() -> pd.DataFrame:
            rel = self._con.sql(sql, params=_params(params) if params is not None else None)
            if rel is None:
                raise ValueError("the engine runs queries that return rows, not statements")
            frame = rel.to_arrow_table().to_pandas()  # through Arrow: about twice as fast as .df() on 1M rows
            if frame.empty:  # Arrow-backed columns of no chunk at all break pandas joins: the same, built anew
                frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in frame.dtypes.items()})
            return frame
        try:
            return timed_sql(run)
        except duckdb.Error as e:
            raise ValueError(f"the engine could not run a query: {str(e).splitlines()[0]}") from e

    def close(self) -> None:
        """Drop every view and close this Engine's cursor (the kernel's database stays open)."""
        for name in list(self.views):
            self.drop(name)
        self._con.close()


def _params(params: Mapping[str, object] | Sequence[object]) -> dict | list:
    """Parameters DuckDB binds: timestamps as Python datetimes."""
    def one(v: object) -> object:
        return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
    if isinstance(params, Mapping):
        return {k: one(v) for k, v in params.items()}
    return [one(v) for v in params]


def period_engine(ds: Dataset, period_label: str, compute: Mapping[str, Callable[[], pd.DataFrame]] | None = None,
                  derived: Sequence[str] = ("lines",), tables: Sequence[str] = ()) -> Engine:
    """An Engine with a period's derived frames (``derived``, default the sale lines, docs/data-contract.md, Sale
    lines) and the named input ``tables`` registered: read from the cache, or computed once by ``compute[name]``
    when missing (:meth:`Engine.register_derived`)."""
    eng = Engine()
    compute = compute or {}
    for name in derived:
        eng.register_derived(ds, period_label, name, compute.get(name))
    if tables:
        eng.register_tables(ds, tables)
    return eng
