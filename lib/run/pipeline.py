"""The report run: validate input, execute notebooks with papermill, export HTML, publish atomically.

Command line (the Makefile calls it)::

    python -m lib.run.pipeline run [--data D] [--period YYYY-MM] [--out reports] [--only NAME] [--jobs 2]
    python -m lib.run.pipeline validate [--data D]

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
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from lib.config import DEFAULT_CURRENCY, DEFAULT_TZ, REPORTS_DIR, SAMPLE_DIR
from lib.data.dataset import ContractError
from lib.data.load import mask_source
from lib.report.outputs import PARTS_DIR
from lib.report.registry import ALL_METRICS, NOTEBOOKS, NotebookSpec
from lib.report.version import code_version
from lib.run.executor import (
    KERNEL_ALLOCATOR_ENV,
    NotebookRun,
    RssSampler,
    execute_one,
    kernel_memory_estimate,
    light,
    own_peak_mb,
    previous_one,
    sales_rows,
    warm,
    workers_for,
)

__all__ = ["RunResult", "run_reports", "main", "validate", "runnable_notebooks"]

log = logging.getLogger("laceluxx")
PARALLEL_LAST = ("recommendations",)  # runs after the others: it reads their results


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
            pool[0].submit(warm)
        return pool[0]

    try:
        return _run_reports(start_pool, data, period, out, tz_name, currency, jobs, only, params)
    finally:
        for p in pool:
            p.shutdown(wait=True, cancel_futures=True)


def _run_reports(start_pool, data: str, period: str, out: str | Path, tz_name: str,
                 currency: str, jobs: int, only: str | None, params: dict[str, dict] | None) -> RunResult:
    from lib.data.cache import table_column
    from lib.data.load import load_dataset
    from lib.data.periods import default_period, period_from_label

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
    ds = light(ds)  # keep memory for the kernels: the front page re-reads cached tables when it needs them
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
               "PYDEVD_DISABLE_FILE_VALIDATION": "1", "LACELUXX_LOG": str(logpath), **KERNEL_ALLOCATOR_ENV}
        base = {"data": shown, "period": p.label, "output_dir": str(tmp), "tz_name": tz_name, "currency": currency}
        sampler = RssSampler(include_self=False, kernels_only=True)  # the kernels running at once
        sampler.start()
        results: list[NotebookRun] = []
        first = [nb for nb in todo if nb.name not in PARALLEL_LAST]
        last = [nb for nb in todo if nb.name in PARALLEL_LAST]
        prev_metrics_file = out / p.previous.label / "metrics.json"
        prev_file, prev_fut = tmp / ".previous-kpis.json", None
        for stage in (first, last):
            futs = [pool.submit(execute_one, nb.name, nb.title,
                                {**base, **params.get("*", {}), **params.get(nb.name, {})}, str(tmp), env)
                    for nb in stage]
            if stage is first and not prev_metrics_file.exists():  # the front page's comparison month
                prev_fut = pool.submit(previous_one, base, str(prev_file), env)
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
            from lib.run.frontpage import write_index

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
            from lib.report.privacy import assert_no_contact_details
            from lib.run.combined import write_combined

            write_combined(tmp, p.label)

            assert_no_contact_details(tmp, ds)
            # .parts/ stays (hidden): a later `--only` run of one notebook merges with the others' results
            _publish(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    total = time.perf_counter() - t_start
    parent = own_peak_mb()
    _say(f"Done in {total:.1f} s (peak memory of the kernels running at once {peak:,.0f} MB; "
         f"this process {parent:,.0f} MB).")
    _say(f"Open: {final / 'index.html'}")
    return RunResult(0, p.label, final, results, skipped, load_s, total, peak, workers=n_workers)


def validate(data: str = "", tz_name: str = DEFAULT_TZ) -> int:
    """Check the input against the data contract and print the data-quality summary."""
    from lib.data.load import load_dataset, quality_text

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
    ap = argparse.ArgumentParser(prog="python -m lib.run.pipeline", description=__doc__.split("\n")[0])
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
                 "parent_peak_rss_mb": own_peak_mb(), "workers": res.workers,
                 "notebooks": [vars(n) for n in res.notebooks], "skipped": res.skipped}
        Path(a.stats).write_text(json.dumps(stats, indent=1))
    return res.exit_code


if __name__ == "__main__":
    sys.exit(main())
