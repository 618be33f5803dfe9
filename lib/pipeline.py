"""The report run: validate input, execute notebooks with papermill, export HTML, publish atomically.

Command line (the Makefile calls it)::

    python -m lib.pipeline run [--data D] [--period YYYY-MM] [--out reports] [--only NAME] [--jobs 2]
    python -m lib.pipeline validate [--data D]

Exit status: 0 success, 2 input breaks the data contract, 1 a notebook or the run failed.
Previous reports are replaced only when every notebook succeeded.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from .config import DEFAULT_CURRENCY, DEFAULT_TZ, KERNEL_NAME, NOTEBOOKS_DIR, REPORTS_DIR, SAMPLE_DIR
from .dataset import ContractError
from .memory import return_freed_memory
from .outputs import PARTS_DIR
from .registry import ALL_METRICS, NOTEBOOKS, NotebookSpec
from .version import code_version

__all__ = ["RunResult", "run_reports", "main", "mask_source", "run_dataset", "runnable_notebooks"]

log = logging.getLogger("laceluxx")
PARALLEL_LAST = ("recommendations",)  # runs after the others: it reads their results


@dataclass
class NotebookRun:
    """Timing and outcome of one notebook."""

    name: str
    ok: bool
    exec_seconds: float = 0.0
    html_seconds: float = 0.0
    error: str = ""
    peak_rss_mb: float = 0.0


@dataclass
class RunResult:
    """What a run did; ``exit_code`` is the process status."""

    exit_code: int
    period: str = ""
    run_dir: Path | None = None
    notebooks: list[NotebookRun] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    load_seconds: float = 0.0
    total_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    message: str = ""
    workers: int = 0


def _own_peak_mb() -> float:
    """Peak RSS of this process (the report process: load, validation, front page), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mask_source(source: str) -> str:
    """A source description safe to print: a database URL's password replaced by ***."""
    if "://" in source:
        try:
            from sqlalchemy.engine import make_url

            return make_url(source).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - any unparsable URL is shown without its credentials part
            scheme, rest = source.split("://", 1)
            return f"{scheme}://***@{rest.split('@', 1)[-1]}" if "@" in rest else source
    return source


def run_dataset(data: str, tz_name: str = DEFAULT_TZ):
    """The dataset a notebook (or the previous-KPI process) of a run reads.

    The other side of the environment the run sets for its workers: ``data`` equal to the
    masked database URL means the real one (``LACELUXX_DATA``, password included); when that is
    the run's input in the run's time zone, the tables the run validated a moment ago are read
    from the cache by fingerprint, without hashing the input again. Anything else (an analyst in
    JupyterLab) is loaded and validated here. ``data`` empty means the shipped sample data.
    """
    from .loader import load_cached, load_dataset

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


def runnable_notebooks(present: set[str], only: str | None = None) -> tuple[list[NotebookSpec], dict[str, str]]:
    """The notebooks whose required tables are present, and the skipped ones with the reason."""
    run, skipped = [], {}
    for nb in NOTEBOOKS:
        if only and nb.name != only:
            continue
        missing = [t for t in nb.needs if t not in present]
        if missing:
            skipped[nb.name] = f"needs {', '.join(m + '.csv' for m in missing)}, which the data does not have"
        else:
            run.append(nb)
    if only and not run and not skipped:
        raise ValueError(f"unknown notebook {only!r}; known: {', '.join(n.name for n in NOTEBOOKS)}")
    return run, skipped


class _RssSampler(threading.Thread):
    """Samples the summed RSS of this process and its descendants (workers and kernels)."""

    def __init__(self, interval: float = 0.25, include_self: bool = True, kernels_only: bool = False):
        super().__init__(daemon=True)
        self.interval, self.peak, self._halt = interval, 0.0, threading.Event()
        self.include_self, self.kernels_only = include_self, kernels_only

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._halt.is_set():
            total = me.memory_info().rss if self.include_self else 0
            for p in me.children(recursive=True):
                try:
                    cmd = " ".join(p.cmdline()) if self.kernels_only else ""
                    if self.kernels_only and "ipykernel" not in cmd and "lib.frontpage" not in cmd:
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


def _warm() -> None:
    """Worker start-up: import papermill and nbconvert while the parent loads the data."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _previous_one(params: dict, out_file: str, env: dict) -> float:
    """Worker: the front page's previous-month KPIs, computed in a process of their own (lib.frontpage)."""
    import subprocess

    t0 = time.perf_counter()
    with open(env["LACELUXX_LOG"], "a") if env.get("LACELUXX_LOG") else open(os.devnull, "w") as err:
        subprocess.run([sys.executable, "-m", "lib.frontpage", "--data", params["data"], "--period", params["period"],
                        "--tz", params["tz_name"], "--out", out_file], env={**os.environ, **env},
                       stdout=err, stderr=err, check=True, cwd=str(NOTEBOOKS_DIR.parent))
    return time.perf_counter() - t0


def _execute_one(name: str, title: str, params: dict, run_dir: str, env: dict) -> NotebookRun:
    """Worker: run one notebook with papermill, then export it to HTML."""
    os.environ.update(env)
    if env.get("LACELUXX_LOG"):  # kernels inherit this stderr: their noise goes to the run log
        fd = os.open(env["LACELUXX_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.dup2(fd, 2)
        os.close(fd)
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .html_export import notebook_to_html

    nb_in = NOTEBOOKS_DIR / f"{name}.ipynb"
    nb_out = Path(run_dir) / "notebooks" / f"{name}.ipynb"
    sampler = _RssSampler(include_self=False)  # this notebook's kernel
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
    try:
        notebook_to_html(nb_out, Path(run_dir) / f"{name}.html", title)
    except Exception as e:  # noqa: BLE001
        return NotebookRun(name, False, t1 - t0, time.perf_counter() - t1, f"HTML export failed: {e}", peak)
    return NotebookRun(name, True, t1 - t0, time.perf_counter() - t1, peak_rss_mb=peak)


def _parse_params(items: list[str]) -> dict[str, dict]:
    """``[nb:]name=value`` items into {notebook or '*': {name: value}}; values parsed as JSON when possible."""
    out: dict[str, dict] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--param needs name=value, got {item!r}")
        key, raw = item.split("=", 1)
        nb, _, name = key.rpartition(":")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(nb or "*", {})[name] = value
    return out


def _setup_logging(out: Path) -> Path:
    logs = out / ".logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def _say(msg: str) -> None:
    print(msg, flush=True)
    log.info(msg)


def _merge_parts(run_dir: Path) -> tuple[dict, dict[str, list[str]]]:
    metrics: dict = {m: None for m in ALL_METRICS}
    findings: dict[str, list[str]] = {}
    parts = run_dir / PARTS_DIR
    for f in sorted(parts.glob("*.json")) if parts.exists() else []:
        payload = json.loads(f.read_text())
        metrics.update(payload.get("metrics", {}))
        findings[payload.get("notebook", f.stem)] = payload.get("findings", [])
    return metrics, findings


#: a notebook kernel's memory: about 300 MB of imports plus 2.5 kB per sale line (measured at 1M lines)
KERNEL_BASE_BYTES = 300e6
KERNEL_BYTES_PER_LINE = 2_500


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


def _light(ds):
    """The same dataset with its tables re-opened lazily from the cache (frees the parsed copy)."""
    import gc

    from .loader import load_cached

    lazy = load_cached(ds.fingerprint, ds.source)
    if lazy is None:
        return ds
    lazy.source, lazy.mapping = ds.source, ds.mapping
    del ds
    gc.collect()
    return_freed_memory()
    return lazy


def _publish(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames, so readers never see a half-written folder."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        final.rename(old)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_reports(data: str = "", period: str = "", out: str | Path = REPORTS_DIR, tz_name: str = DEFAULT_TZ,
                currency: str = DEFAULT_CURRENCY, jobs: int = 2, only: str | None = None,
                params: dict[str, dict] | None = None) -> RunResult:
    """Run the suite for one period into ``out/<period>/``; never raises on bad input."""
    pool: list[ProcessPoolExecutor] = []

    def start_pool(n_workers: int) -> ProcessPoolExecutor:
        """Worker processes, started once the input is known to be good."""
        ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
        pool.append(ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx))
        for _ in range(n_workers):
            pool[0].submit(_warm)
        return pool[0]

    try:
        return _run_reports(start_pool, data, period, out, tz_name, currency, jobs, only, params)
    finally:
        for p in pool:
            p.shutdown(wait=True, cancel_futures=True)


def _run_reports(start_pool, data: str, period: str, out: str | Path, tz_name: str,
                 currency: str, jobs: int, only: str | None, params: dict[str, dict] | None) -> RunResult:
    from .loader import load_dataset, table_column
    from .periods import default_period, period_from_label

    t_start = time.perf_counter()
    out = Path(out).resolve()
    source = data or str(SAMPLE_DIR)
    if "://" not in source:  # notebooks run in notebooks/: hand them an absolute folder
        source = str(Path(source).expanduser().resolve())
    shown = mask_source(source)
    logpath = _setup_logging(out)
    _say(f"Source: {shown}")
    try:
        t0 = time.perf_counter()
        ds = load_dataset(source, tz_name=tz_name)
        load_s = time.perf_counter() - t0
        p = period_from_label(period) if period else default_period(table_column(ds, "sales", "date_sold"))
    except ContractError as e:
        msg = "\n".join(f"  - {pr.message()}" for pr in e.problems)
        _say(f"The input breaks the data contract; no reports were written, earlier reports are untouched:\n{msg}")
        return RunResult(2, message=msg)
    except (ValueError, OSError) as e:
        log.error(traceback.format_exc())
        _say(f"Cannot run: {e}\nNo reports were written; earlier reports are untouched. Details: {logpath}")
        return RunResult(2, message=str(e))
    if ds.mapping:
        _say(f"Mapping: {ds.mapping}")
    _say(f"Loaded and validated in {load_s:.1f} s; period {p.label}; fingerprint {ds.fingerprint[:12]}")
    todo, skipped = runnable_notebooks(set(ds.tables), only)
    ds = _light(ds)  # keep memory for the kernels: the front page re-reads cached tables when it needs them
    n_workers = 1 if only else workers_for(ds, jobs)
    if not only and n_workers < jobs:
        _say(f"Running the notebooks one at a time: {sales_rows(ds):,} sale lines need about "
             f"{kernel_memory_estimate(sales_rows(ds)) / 1e9:.1f} GB per notebook, and "
             f"{psutil.virtual_memory().available / 1e9:.1f} GB is free.")
    pool = start_pool(n_workers)
    for name, why in skipped.items():
        _say(f"Skipping {name}: {why}")
    final = out / p.label
    lock_path = out / f".{p.label}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{p.label}-", dir=out))
        (tmp / "notebooks").mkdir()
        if only and final.exists():  # one notebook: start from the published run, replace that report only
            shutil.copytree(final, tmp, dirs_exist_ok=True)
        params = params or {}
        env = {"LACELUXX_DATA": source, "LACELUXX_DATA_MASKED": shown, "LACELUXX_CODE_VERSION": code_version(),
               "LACELUXX_FINGERPRINT": ds.fingerprint, "LACELUXX_TZ": tz_name,
               "PYDEVD_DISABLE_FILE_VALIDATION": "1", "LACELUXX_LOG": str(logpath)}
        base = {"data": shown, "period": p.label, "output_dir": str(tmp), "tz_name": tz_name, "currency": currency}
        sampler = _RssSampler(include_self=False, kernels_only=True)  # the kernels running at once
        sampler.start()
        results: list[NotebookRun] = []
        first = [nb for nb in todo if nb.name not in PARALLEL_LAST]
        last = [nb for nb in todo if nb.name in PARALLEL_LAST]
        prev_metrics_file = out / p.previous.label / "metrics.json"
        prev_file, prev_fut = tmp / ".previous-kpis.json", None
        for stage in (first, last):
            futs = [pool.submit(_execute_one, nb.name, nb.title,
                                {**base, **params.get("*", {}), **params.get(nb.name, {})}, str(tmp), env)
                    for nb in stage]
            if stage is first and not prev_metrics_file.exists():  # the front page's comparison month
                prev_fut = pool.submit(_previous_one, base, str(prev_file), env)
            for fut in as_completed(futs):
                r = fut.result()
                results.append(r)
                status = "ok" if r.ok else f"FAILED: {r.error}"
                _say(f"[{len(results)}/{len(todo)}] {r.name}: {r.exec_seconds:.1f} s run, "
                     f"{r.html_seconds:.1f} s HTML, kernel {r.peak_rss_mb:,.0f} MB - {status}")
            if not all(r.ok for r in results):
                break
        previous_computed = None
        if prev_fut is not None:
            try:
                prev_s = prev_fut.result()
                previous_computed = json.loads(prev_file.read_text())
                _say(f"Previous month's KPIs for the front page: {prev_s:.1f} s")
            except Exception:  # noqa: BLE001 - the cards then say there is nothing to compare
                log.error(traceback.format_exc())
                previous_computed = {}
            finally:
                prev_file.unlink(missing_ok=True)
        peak = sampler.stop()
        failed = [r for r in results if not r.ok]
        if failed:
            keep = out / ".failed" / f"{p.label}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
            keep.mkdir(parents=True, exist_ok=True)
            for r in failed:
                src = tmp / "notebooks" / f"{r.name}.ipynb"
                if src.exists():
                    shutil.copy2(src, keep / src.name)
            shutil.rmtree(tmp, ignore_errors=True)
            names = ", ".join(f"{r.name} ({r.error})" for r in failed)
            _say(f"Notebook failed: {names}.\nThe executed notebook with the error is kept in {keep}; "
                 f"{final} was left as it was.")
            return RunResult(1, p.label, None, results, skipped, load_s, time.perf_counter() - t_start, peak)
        try:
            metrics, findings = _merge_parts(tmp)
            from .frontpage import write_index

            payload = {"period": p.label, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                       "data_fingerprint": ds.fingerprint, "data_source": shown, "code_version": code_version(),
                       "metrics": metrics}
            (tmp / "metrics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
            all_skipped = {**skipped}
            if only and final.exists():
                all_skipped = {}
            t_index = time.perf_counter()
            write_index(tmp, payload, findings, all_skipped, ds, p,
                        prev_metrics_file if prev_metrics_file.exists() else None, currency, previous_computed)
            log.info("front page written in %.1f s", time.perf_counter() - t_index)
            from .combined import write_combined
            from .privacy import assert_no_contact_details

            write_combined(tmp, p.label)

            assert_no_contact_details(tmp, ds)
            # .parts/ stays (hidden): a later `--only` run of one notebook merges with the others' results
            _publish(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    total = time.perf_counter() - t_start
    parent = _own_peak_mb()
    _say(f"Done in {total:.1f} s (peak memory of the kernels running at once {peak:,.0f} MB; "
         f"this process {parent:,.0f} MB).")
    _say(f"Open: {final / 'index.html'}")
    return RunResult(0, p.label, final, results, skipped, load_s, total, peak, workers=n_workers)


def validate(data: str = "", tz_name: str = DEFAULT_TZ) -> int:
    """Check the input against the data contract and print the data-quality summary."""
    from .loader import load_dataset, quality_text

    source = data or str(SAMPLE_DIR)
    print(f"Source: {mask_source(source)}")
    try:
        ds = load_dataset(source, tz_name=tz_name)  # streams into the cache: a later run starts from it
    except ContractError as e:
        print("The input breaks the data contract:")
        for pr in e.problems:
            print(f"  - {pr.message()}")
        return 2
    except (ValueError, OSError) as e:
        print(f"Cannot read the input: {e}")
        return 2
    if ds.mapping:
        print(f"Mapping: {ds.mapping}")
    print(quality_text(ds))
    print("OK: the input meets the data contract.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m lib.pipeline", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the reports")
    v = sub.add_parser("validate", help="check the input only")
    for p in (r, v):
        p.add_argument("--data", default="")
        p.add_argument("--tz", default=DEFAULT_TZ)
    r.add_argument("--period", default="")
    r.add_argument("--out", default=str(REPORTS_DIR))
    r.add_argument("--currency", default=DEFAULT_CURRENCY)
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--only", default=None)
    r.add_argument("--param", action="append", default=[], help="[notebook:]name=value, repeatable")
    r.add_argument("--stats", default=None, help="write run timings as JSON to this file")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "validate":
            return validate(a.data, a.tz or DEFAULT_TZ)
        res = run_reports(a.data, a.period, a.out or REPORTS_DIR, a.tz or DEFAULT_TZ,
                          a.currency or DEFAULT_CURRENCY, a.jobs, a.only, _parse_params(a.param))
    except Exception as e:  # noqa: BLE001 - the owner sees one line, the log keeps the traceback
        log.error(traceback.format_exc())
        print(f"The run failed: {type(e).__name__}: {e}. Earlier reports are untouched.", file=sys.stderr)
        return 1
    if a.stats:
        stats = {"exit_code": res.exit_code, "period": res.period, "load_seconds": res.load_seconds,
                 "total_seconds": res.total_seconds, "peak_rss_mb": res.peak_rss_mb,
                 "parent_peak_rss_mb": _own_peak_mb(), "workers": res.workers,
                 "notebooks": [vars(n) for n in res.notebooks], "skipped": res.skipped}
        Path(a.stats).write_text(json.dumps(stats, indent=1))
    return res.exit_code


if __name__ == "__main__":
    sys.exit(main())
