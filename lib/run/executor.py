"""Notebook execution: worker processes, kernels, their memory budget, allocator and thread settings (docs/metrics.md, Run outputs)."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from lib.config import KERNEL_NAME, NOTEBOOKS_DIR
from lib.data.engine import SQL_STATS_ENV, THREADS_ENV

__all__ = ["NotebookRun", "KERNEL_ALLOCATOR_ENV", "THREAD_VARS", "kernel_thread_env", "kernel_memory_estimate",
           "workers_for", "sales_rows", "return_freed_memory", "own_peak_mb", "RssSampler", "warm", "previous_one",
           "execute_one", "sql_seconds", "light"]

#: mallopt parameters from glibc's malloc.h
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

#: The BLAS and OpenMP libraries' thread counts (OpenBLAS, MKL, Apple Accelerate, numexpr and every OpenMP
#: runtime): each starts one thread per core by default, so two kernels on two cores run four busy threads
#: that spin waiting for each other. Measured (issue 20, README Speed): a BG/NBD fit on 2,357 CDNOW customers,
#: two fits in parallel on 2 cores, took 0.08-1.4 s with the default threads against 0.018-0.08 s with one
#: thread each, depending on the machine's load; most of it inside L-BFGS-B's own BLAS calls.
#: DuckDB's own pool (lib.data.engine.THREADS_ENV) is shared out the same way.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS", THREADS_ENV)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def kernel_thread_env(workers: int, cpus: int | None = None, environ: dict | None = None) -> dict[str, str]:
    """Thread limits for kernels when ``workers`` notebooks run at once: the cores shared out, at least 1 each.

    A variable already set in ``environ`` (default ``os.environ``) is the user's choice and is left out, so it
    reaches the kernels unchanged. README, Speed.
    """
    environ = os.environ if environ is None else environ
    n = str(max(1, (cpus or _cpus()) // max(1, workers)))
    return {v: n for v in THREAD_VARS if v not in environ}


#: Kernels hand freed memory back to the system at once (issue 8). Arrow's default pool (mimalloc) and
#: glibc's malloc keep freed blocks for reuse, so a kernel's resident memory grows with every temporary
#: frame: about 400 MB at 1M sales lines. With these settings Arrow allocates through malloc, and malloc
#: maps blocks of 256 kB and more on their own pages, which go back to the system when freed. Measured on
#: the 1M-line marketing notebook: about 10% slower, about 190 MB less. Set in the kernels' environment
#: by the run (glibc and Arrow read them at start), so no notebook has to. With them the thread limits
#: for JOBS=2 notebooks at once, the default (``kernel_thread_env(n)`` gives them for n at once).
KERNEL_ALLOCATOR_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_MMAP_THRESHOLD_": str(256 * 1024),
                        "MALLOC_TRIM_THRESHOLD_": str(256 * 1024), **kernel_thread_env(2)}


def _glibc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): the system allocator's own policy applies
        return None


def return_freed_memory() -> None:
    """Hand back, now, the memory already freed (Arrow's pool and glibc's heap keep it otherwise)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@dataclass
class NotebookRun:
    """Timing and outcome of one notebook."""

    name: str
    ok: bool
    exec_seconds: float = 0.0
    html_seconds: float = 0.0
    error: str = ""
    peak_rss_mb: float = 0.0
    sql_seconds: float = 0.0  # of exec_seconds, the time inside DuckDB (lib.data.engine.sql_time)


def own_peak_mb() -> float:
    """Peak RSS of this process (the report process: load, validation, front page), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler(threading.Thread):
    """Samples the summed RSS of this process and its descendants (workers and kernels)."""

    def __init__(self, interval: float = 0.25, include_self: bool = True, kernels_only: bool = False):
        super().__init__(daemon=True)
        self.interval, self.peak, self._halt = interval, 0.0, threading.Event()
        self.include_self, self.kernels_only = include_self, kernels_only

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.is_set():
            total = me.memory_info().rss if self.include_self else 0
            for p in me.children(recursive=True):
                try:
                    cmd = " ".join(p.cmdline()) if self.kernels_only else ""
                    if self.kernels_only and "ipykernel" not in cmd and "lib.run.frontpage" not in cmd:
                        continue
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total / 2**20)
            self._halt.wait(self.interval)

    def stop(self) -> float:
        self._halt.set()
        self.join(timeout=2)
        return self.peak


def warm() -> None:
    """Worker start-up: import papermill and nbconvert while the parent loads the data."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def previous_one(params: dict, out_file: str, env: dict) -> float:
    """Worker: the front page's previous-month KPIs, computed in a process of their own (lib.run.frontpage)."""

    t0 = time.perf_counter()
    with open(env["LACELUXX_LOG"], "a") if env.get("LACELUXX_LOG") else open(os.devnull, "w") as err:
        subprocess.run([sys.executable, "-m", "lib.run.frontpage", "--data", params["data"], "--period", params["period"],
                        "--tz", params["tz_name"], "--out", out_file], env={**os.environ, **env},
                       stdout=err, stderr=err, check=True, cwd=str(NOTEBOOKS_DIR.parent))
    return time.perf_counter() - t0


def execute_one(name: str, title: str, params: dict, run_dir: str, env: dict) -> NotebookRun:
    """Worker: run one notebook with papermill, then export it to HTML."""
    os.environ.update(env)
    if env.get("LACELUXX_LOG"):  # kernels inherit this stderr: their noise goes to the run log
        fd = os.open(env["LACELUXX_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.dup2(fd, 2)
        os.close(fd)
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from lib.run.html_export import notebook_to_html

    nb_in = NOTEBOOKS_DIR / f"{name}.ipynb"
    nb_out = Path(run_dir) / "notebooks" / f"{name}.ipynb"
    sql_file = Path(run_dir) / f".sql-{name}.json"  # the kernel's time inside DuckDB (lib.data.engine.timed_sql)
    os.environ[SQL_STATS_ENV] = str(sql_file)
    sampler = RssSampler(include_self=False)  # this notebook's kernel
    sampler.start()
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(nb_in), str(nb_out), parameters=params, kernel_name=KERNEL_NAME,
                            progress_bar=False, log_output=False, cwd=str(NOTEBOOKS_DIR),
                            shutdown_kernel="immediate")
    except PapermillExecutionError as e:
        return NotebookRun(name, False, time.perf_counter() - t0,
                           error=f"cell {e.exec_count} raised {e.ename}: {e.evalue}", peak_rss_mb=sampler.stop())
    except Exception as e:  # noqa: BLE001 - kernel death, timeouts: reported, not raised
        return NotebookRun(name, False, time.perf_counter() - t0, error=f"{type(e).__name__}: {e}",
                           peak_rss_mb=sampler.stop())
    t1 = time.perf_counter()
    peak = sampler.stop()
    sql = sql_seconds(sql_file)
    try:
        notebook_to_html(nb_out, Path(run_dir) / f"{name}.html", title)
    except Exception as e:  # noqa: BLE001
        return NotebookRun(name, False, t1 - t0, time.perf_counter() - t1, f"HTML export failed: {e}", peak, sql)
    return NotebookRun(name, True, t1 - t0, time.perf_counter() - t1, peak_rss_mb=peak, sql_seconds=sql)


def sql_seconds(stats_file: Path) -> float:
    """A kernel's seconds inside DuckDB from the file it kept (lib.data.engine.SQL_STATS_ENV), 0 without one; the
    file is removed so it never reaches the report folder."""
    try:
        seconds = float(json.loads(stats_file.read_text())["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        seconds = 0.0
    stats_file.unlink(missing_ok=True)
    return seconds


#: a notebook kernel's memory: about 300 MB of imports plus 1.6 kB per sale line, the largest kernel of the run as
#: measured by `make bench` (README, Speed): 402 MB at 100k lines, 1,264 MB at 1M, 5,013 MB at 3M (sales timing,
#: which computes the live-show advice from the enriched lines since results flow once), 10,533 MB at 10M (before
#: that change); the web-shop shape (20 lines an order) measured the same per line (405 MB at 100k)
KERNEL_BASE_BYTES = 300e6


KERNEL_BYTES_PER_LINE = 1_600


def sales_rows(ds) -> int:
    """Sale lines read (from the data-quality rows, so no table is loaded)."""
    q = ds.quality
    read = q[(q["table"] == "sales") & (q["action"] == "read") & q["reason"].str.startswith("rows read from")]
    return int(read["rows"].sum())


def kernel_memory_estimate(lines: int) -> float:
    """Bytes one notebook kernel is expected to need for ``lines`` sale lines."""
    return KERNEL_BASE_BYTES + KERNEL_BYTES_PER_LINE * lines


def workers_for(ds, jobs: int) -> int:
    """How many notebooks run at once: ``jobs``, fewer when their kernels would not fit in 70% of free memory."""
    fit = int(0.7 * psutil.virtual_memory().available // kernel_memory_estimate(sales_rows(ds)))
    return max(1, min(jobs, fit))


def light(ds):
    """The same dataset with its tables re-opened lazily from the cache (frees the parsed copy)."""
    import gc

    from lib.data.cache import load_cached

    lazy = load_cached(ds.fingerprint, ds.source)
    if lazy is None:
        return ds
    lazy.source, lazy.mapping = ds.source, ds.mapping
    del ds
    gc.collect()
    return_freed_memory()
    return lazy
