"""The report run: validate input, execute notebooks with papermill, export HTML, publish atomically.

Command line (the Makefile calls it)::

    python -m lib.run.pipeline run [--data D] [--period YYYY-MM] [--out reports] [--only NAME] [--jobs 2]
                                   [--allow-empty-period]
    python -m lib.run.pipeline validate [--data D]
    python -m lib.run.pipeline run|validate --from-make   # the values from LACELUXX_MAKE_<VARIABLE>

Exit status: 0 success, 2 a parameter is not valid or the input breaks the data contract, 1 a notebook or the
run failed. Previous reports are replaced only when every notebook succeeded; a failed run leaves only its log.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from lib.config import CACHE_DIR, DEFAULT_CURRENCY, DEFAULT_TZ, REPORTS_DIR, SAMPLE_DIR
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
from lib.run.logs import LogFolderError, close_logging, detail, disk_full, log, log_file, say, setup_logging

__all__ = ["RunResult", "run_reports", "main", "validate", "runnable_notebooks", "check_parameters", "period_refusal",
           "remove_stale", "MAKE_VARIABLES", "MAX_JOBS", "STALE_AFTER_SECONDS"]

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


_say = say  # one sentence for the owner: the terminal and the log (lib.run.logs)

#: the Makefile hands each variable over unexpanded as LACELUXX_MAKE_<VARIABLE> (README, Parameters)
MAKE_VARIABLES = {"data": "DATA", "period": "PERIOD", "out": "OUT", "tz": "TZ_NAME", "currency": "CURRENCY",
                  "jobs": "JOBS", "allow_empty_period": "ALLOW_EMPTY_PERIOD"}
MAKE_ENV_PREFIX = "LACELUXX_MAKE_"
MAX_JOBS = 32
#: a hidden temp folder this old belongs to a killed run (a running one renews its folder as reports finish)
STALE_AFTER_SECONDS = 3600
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TZ_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


def _quoted(value: str) -> str:
    """A value as typed, at most 80 characters of it."""
    return repr(value if len(value) <= 80 else value[:80] + "...")


def check_parameters(a: argparse.Namespace, from_make: bool = False) -> list[str]:
    """Problems with the run's parameters, one sentence each (README, Parameters); normalises ``a.jobs`` to int.

    PERIOD is YYYY-MM, JOBS a whole number from 1 to 32, TZ_NAME a known time zone, CURRENCY three letters,
    DATA and OUT without control characters. Names are the make variables when the Makefile called.
    """
    def name(opt: str) -> str:
        return MAKE_VARIABLES[opt] if from_make else "--" + opt.replace("_", "-")

    def example(opt: str, value: str) -> str:
        return f"{name(opt)}={value}" if from_make else f"{name(opt)} {value}"

    problems = []
    period = getattr(a, "period", "")
    if period and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        problems.append(f"{name('period')} must be a month written YYYY-MM, for example {example('period', '2026-10')}"
                        f"; got {_quoted(period)}.")
    jobs = getattr(a, "jobs", None)
    if jobs is not None:
        text = str(jobs).strip() or "2"
        if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_JOBS:
            problems.append(f"{name('jobs')} must be a whole number from 1 to {MAX_JOBS} (the notebooks run at once); "
                            f"got {_quoted(str(jobs))}.")
        else:
            a.jobs = int(text)
    if a.tz and not _known_zone(a.tz):
        problems.append(f"{name('tz')} must be a time-zone name such as America/New_York or Europe/Berlin; "
                        f"got {_quoted(a.tz)}.")
    currency = getattr(a, "currency", "")
    if currency and not re.fullmatch(r"[A-Za-z]{3}", currency):
        problems.append(f"{name('currency')} must be a three-letter currency code such as USD or EUR; "
                        f"got {_quoted(currency)}.")
    for opt in ("data", "out"):
        value = getattr(a, opt, "")
        if value and _CONTROL.search(value):
            problems.append(f"{name(opt)} must not contain a line break or another control character; "
                            f"got {_quoted(value)}.")
    only = getattr(a, "only", None)
    if only is not None and only not in {nb.name for nb in NOTEBOOKS}:
        problems.append(f"--only must name a report: {', '.join(nb.name for nb in NOTEBOOKS)}; got {_quoted(only)}.")
    return problems


def _known_zone(tz: str) -> bool:
    from zoneinfo import ZoneInfo

    if len(tz) > 64 or not _TZ_NAME.fullmatch(tz):
        return False
    try:
        ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - unknown key, not a zone file, unreadable: not a zone
        return False
    return True


def _from_make(a: argparse.Namespace) -> list[str]:
    """Take the values the Makefile exported (LACELUXX_MAKE_<VARIABLE>); problems with ALLOW_EMPTY_PERIOD."""
    problems = []
    for opt, var in MAKE_VARIABLES.items():
        if not hasattr(a, opt) or MAKE_ENV_PREFIX + var not in os.environ:
            continue
        value = os.environ[MAKE_ENV_PREFIX + var]
        if opt == "allow_empty_period":
            flag = value.strip().lower()
            if flag not in ("", "0", "1", "yes", "no", "true", "false"):
                problems.append(f"ALLOW_EMPTY_PERIOD must be 1 (or left out); got {_quoted(value)}.")
            value = flag in ("1", "yes", "true")
        setattr(a, opt, value)
    return problems


def _month_name(p) -> str:
    return p.start.strftime("%B %Y")


def period_refusal(p, timestamps) -> str | None:
    """Why ``p`` cannot be reported: it does not overlap the months from the first to the last sale (None if it does)."""
    from lib.data.periods import months_spanned

    span = months_spanned(timestamps)
    if span is not None and span[0].start <= p.start <= span[1].start:
        return None
    has = (f"The data has sales from {_month_name(span[0])} to {_month_name(span[1])}" if span is not None
           else "The data has no dated sales")
    return (f"{has}; {p.label} has none. Choose a month in that range, or add --allow-empty-period "
            "(ALLOW_EMPTY_PERIOD=1 with make) for a deliberate empty report.")


def _period_busy(out: Path, label: str) -> bool:
    """Whether a run holds the period's lock now (its temp folders are in use, however old)."""
    lock_path = out / f".{label}.lock"
    if not lock_path.exists():
        return False
    try:
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lock, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    return False


def remove_stale(out: Path, max_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove the hidden ``.tmp-<period>-*`` and ``.old-<period>-*`` folders of killed runs, older than ``max_age``.

    Younger ones, and those of a period whose lock is held, may belong to a run in progress: kept. An
    ``.old-`` folder whose report is missing (a run killed between the two renames) is put back instead.
    """
    now, gone = time.time(), []
    for d in sorted([*out.glob(".tmp-*"), *out.glob(".old-*")]):
        label = d.name[5:12]
        try:
            if not d.is_dir() or d.is_symlink() or now - d.stat().st_mtime <= max_age or _period_busy(out, label):
                continue
            if d.name.startswith(".old-") and re.fullmatch(r"\d{4}-\d{2}", label) and not (out / label).exists():
                d.rename(out / label)
                detail("put back %s as %s (a run was killed while publishing)", d, out / label)
                continue
            shutil.rmtree(d)
            gone.append(d)
            detail("removed %s, left by a killed run", d)
        except OSError as e:
            detail("could not remove %s: %s", d, e)
    return gone


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
                params: dict[str, dict] | None = None, allow_empty_period: bool = False) -> RunResult:
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
        return _run_reports(start_pool, data, period, out, tz_name, currency, jobs, only, params, allow_empty_period)
    finally:
        for p in pool:
            p.shutdown(wait=True, cancel_futures=True)


def _disk_full_message(out: Path) -> str:
    return (f"The disk holding {out} is full (no space left on the device): no reports were written and earlier "
            "reports are untouched. Free some space and run again.")


def _run_reports(start_pool, data: str, period: str, out: str | Path, tz_name: str, currency: str, jobs: int,
                 only: str | None, params: dict[str, dict] | None, allow_empty_period: bool) -> RunResult:
    from lib.data.cache import table_column
    from lib.data.load import load_dataset
    from lib.data.periods import default_period, period_from_label

    t_start = time.perf_counter()
    out = Path(out).expanduser().resolve()
    source = data or str(SAMPLE_DIR)
    if "://" not in source:  # notebooks run in notebooks/: hand them an absolute folder
        source = str(Path(source).expanduser().resolve())
    shown = mask_source(source)
    try:
        logpath = setup_logging(out)
    except LogFolderError as e:
        _say(str(e))
        return RunResult(2, message=str(e))
    _say(f"Source: {shown}")
    remove_stale(out)
    refusal = None
    try:
        t0 = time.perf_counter()
        ds = load_dataset(source, tz_name=tz_name)
        load_s = time.perf_counter() - t0
        dates = table_column(ds, "sales", "date_sold")
        if period:
            p = period_from_label(period)
            refusal = None if allow_empty_period else period_refusal(p, dates)
        else:
            p = default_period(dates)
        del dates
    except ContractError as e:
        msg = "\n".join(f"  - {pr.message()}" for pr in e.problems)
        _say(f"The input breaks the data contract; no reports were written, earlier reports are untouched:\n{msg}")
        return RunResult(2, message=msg)
    except (ValueError, OSError) as e:
        detail("cannot run", exc_info=True)
        _say(f"Cannot run: {e}\nNo reports were written; earlier reports are untouched. Details: {logpath}")
        return RunResult(2, message=str(e))
    if refusal:
        _say(refusal)
        return RunResult(2, p.label, message=refusal)
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
    try:
        return _write_run(pool, out, final, p, ds, todo, skipped, only, params, source, shown, tz_name, currency,
                          logpath, t_start, load_s, n_workers)
    except OSError as e:
        if not disk_full(e):
            raise
        detail("the disk is full", exc_info=True)
        _say(_disk_full_message(out))
        return RunResult(1, p.label, message=str(e))


def _write_run(pool, out: Path, final: Path, p, ds, todo, skipped, only, params, source: str, shown: str,
               tz_name: str, currency: str, logpath: Path | None, t_start: float, load_s: float,
               n_workers: int) -> RunResult:
    """Build the run in a hidden temp folder and publish it; on any failure the temp folder goes."""
    lock_path = out / f".{p.label}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tmp = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{p.label}-", dir=out))
            failure, peak, results = _build(pool, tmp, out, final, p, ds, todo, skipped, only, params, source,
                                            shown, tz_name, currency, logpath, t_start, load_s)
            if failure is not None:
                return failure
            # .parts/ stays (hidden): a later `--only` run of one notebook merges with the others' results
            _publish(tmp, final)
            tmp = None
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - t_start
    parent = own_peak_mb()
    _say(f"Done in {total:.1f} s (peak memory of the kernels running at once {peak:,.0f} MB; "
         f"this process {parent:,.0f} MB).")
    _say(f"Open: {final / 'index.html'}")
    return RunResult(0, p.label, final, results, skipped, load_s, total, peak, workers=n_workers)


def _build(pool, tmp: Path, out: Path, final: Path, p, ds, todo, skipped, only, params, source: str, shown: str,
           tz_name: str, currency: str, logpath: Path | None, t_start: float,
           load_s: float) -> tuple[RunResult | None, float, list[NotebookRun]]:
    """Run the notebooks into ``tmp`` and write the front page: (the failure or None, kernels' peak MB, results)."""
    (tmp / "notebooks").mkdir()
    if only and final.exists():  # one notebook: start from the published run, replace that report only
        shutil.copytree(final, tmp, dirs_exist_ok=True)
    params = params or {}
    env = {"LACELUXX_DATA": source, "LACELUXX_DATA_MASKED": shown, "LACELUXX_CODE_VERSION": code_version(),
           "LACELUXX_FINGERPRINT": ds.fingerprint, "LACELUXX_TZ": tz_name,
           "PYDEVD_DISABLE_FILE_VALIDATION": "1", **KERNEL_ALLOCATOR_ENV}
    if logpath is not None:
        env["LACELUXX_LOG"] = str(logpath)
    base = {"data": shown, "period": p.label, "output_dir": str(tmp), "tz_name": tz_name, "currency": currency}
    sampler = RssSampler(include_self=False, kernels_only=True)  # the kernels running at once
    sampler.start()
    results: list[NotebookRun] = []
    first = [nb for nb in todo if nb.name not in PARALLEL_LAST]
    last = [nb for nb in todo if nb.name in PARALLEL_LAST]
    prev_metrics_file = out / p.previous.label / "metrics.json"
    prev_file, prev_fut = tmp / ".previous-kpis.json", None
    try:
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
                detail("the previous month's KPIs failed", exc_info=True)
                previous_computed = {}
            finally:
                prev_file.unlink(missing_ok=True)
    finally:
        peak = sampler.stop()
    failed = [r for r in results if not r.ok]
    if any(f"[Errno {errno.ENOSPC}]" in r.error or f"[Errno {errno.EDQUOT}]" in r.error for r in failed):
        _say(f"Notebook failed: {', '.join(r.name for r in failed)}.")
        _say(_disk_full_message(out))
        return RunResult(1, p.label, None, results, skipped, load_s, time.perf_counter() - t_start, peak), peak, results
    if failed:
        keep = out / ".failed" / f"{p.label}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
        kept = "is kept in"
        try:
            keep.mkdir(parents=True, exist_ok=True)
            for r in failed:
                src = tmp / "notebooks" / f"{r.name}.ipynb"
                if src.exists():
                    shutil.copy2(src, keep / src.name)
        except OSError as e:
            if disk_full(e):
                shutil.rmtree(keep, ignore_errors=True)
                raise
            detail("could not keep the failed notebooks in %s", keep, exc_info=True)
            kept = "could not be kept in"
        names = ", ".join(f"{r.name} ({r.error})" for r in failed)
        _say(f"Notebook failed: {names}.\nThe executed notebook with the error {kept} {keep}; "
             f"{final} was left as it was.")
        return RunResult(1, p.label, None, results, skipped, load_s, time.perf_counter() - t_start, peak), peak, results
    metrics, findings = _merge_parts(tmp)
    from lib.run.frontpage import write_index

    payload = {"period": p.label, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "data_fingerprint": ds.fingerprint, "data_source": shown, "code_version": code_version(),
               "metrics": metrics}
    (tmp / "metrics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    all_skipped = {**skipped}
    if only and final.exists():
        all_skipped = {}
    from lib.run.workbook import write_workbook

    t_book = time.perf_counter()
    write_workbook(tmp, p.label)  # before the front page, which links it
    detail("actions workbook written in %.1f s", time.perf_counter() - t_book)
    t_index = time.perf_counter()
    write_index(tmp, payload, findings, all_skipped, ds, p,
                prev_metrics_file if prev_metrics_file.exists() else None, currency, previous_computed)
    detail("front page written in %.1f s", time.perf_counter() - t_index)
    from lib.report.privacy import assert_no_contact_details
    from lib.run.combined import write_combined

    write_combined(tmp, p.label)

    assert_no_contact_details(tmp, ds)
    return None, peak, results


def _say_problems(problems: list) -> None:
    """The problems grouped by rule across files, a summary line first, at most 40 lines on the terminal;
    the full list goes to the log (docs/data-mapping.md, Reading the validation output)."""
    from lib.data.problem_groups import problem_report

    term, full = problem_report(problems)
    for line in term:
        _say(line)
    if len(term) == len(full):
        return
    for line in full:
        detail("%s", line)
    where = log_file()
    if where is None:
        path = CACHE_DIR / "logs" / f"validate-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(full) + "\n", encoding="utf-8")
            where = path
        except OSError:
            where = None
    _say(f"The full list ({len(full):,} lines) is in {where}." if where else
         f"The full list has {len(full):,} lines; it could not be written to a log file.")


def _unread_files(folder: Path) -> tuple[list[Path], bool]:
    """The CSV files of ``folder`` that nothing reads (neither a contract file name nor a source of its
    mapping.yaml), and whether the folder has a mapping.yaml that parsed clean."""
    from lib.data import mapping as mapping_mod
    from lib.data.contract import TABLES

    used: set[Path] = set()
    mp = None
    if (folder / mapping_mod.MAPPING_FILE).is_file():
        mp, problems = mapping_mod.load_mapping(folder / mapping_mod.MAPPING_FILE)
        mp = None if problems else mp
    for table in TABLES:
        if mp is not None and table in mp.tables:
            per, _ = mp.source_files(table, folder)
            used |= {f.resolve() for _, files in per for f in files}
        else:
            used.add((folder / f"{table}.csv").resolve())
    return sorted(p for p in folder.glob("*.csv") if p.is_file() and p.resolve() not in used), mp is not None


def validate(data: str = "", tz_name: str = DEFAULT_TZ) -> int:
    """Check the input against the data contract and print the data-quality summary."""
    from lib.data.load import load_dataset, quality_text
    from lib.data.presets import folder_hints

    source = data or str(SAMPLE_DIR)
    _say(f"Source: {mask_source(source)}")
    try:
        # which preset each file nothing reads looks like (docs/data-mapping.md, Presets)
        hints = folder_hints(*_unread_files(Path(source))) if Path(source).is_dir() else []
    except OSError:
        hints = []
    try:
        ds = load_dataset(source, tz_name=tz_name)  # streams into the cache: a later run starts from it
    except ContractError as e:
        _say_problems(e.problems)
        for hint in hints:
            _say(hint)
        return 2
    except (ValueError, OSError) as e:
        _say(f"Cannot read the input: {e}")
        return 2
    if ds.mapping:
        _say(f"Mapping: {ds.mapping}")
    _say(quality_text(ds))
    for hint in hints:
        _say(hint)
    _say("OK: the input meets the data contract.")
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
        p.add_argument("--from-make", action="store_true",
                       help="take the values from the variables the Makefile exports (LACELUXX_MAKE_DATA, ...)")
    r.add_argument("--period", default="")
    r.add_argument("--out", default=str(REPORTS_DIR))
    r.add_argument("--currency", default=DEFAULT_CURRENCY)
    r.add_argument("--jobs", default="2", help=f"notebooks run at once, 1 to {MAX_JOBS}")
    r.add_argument("--only", default=None)
    r.add_argument("--allow-empty-period", action="store_true",
                   help="run a period outside the months of the data (a deliberate empty report)")
    r.add_argument("--param", action="append", default=[], help="[notebook:]name=value, repeatable")
    r.add_argument("--stats", default=None, help="write run timings as JSON to this file")
    a = ap.parse_args(argv)
    setup_logging()  # sentences on the terminal; the run adds its log file under OUT/.logs
    try:
        return _main(a)
    finally:
        close_logging()


def _main(a: argparse.Namespace) -> int:
    problems = _from_make(a) if a.from_make else []
    problems += check_parameters(a, a.from_make)
    if problems:
        for problem in problems:
            _say(problem)
        _say("Nothing was run or written.")
        return 2
    try:
        if a.cmd == "validate":
            return validate(a.data, a.tz or DEFAULT_TZ)
        res = run_reports(a.data, a.period, a.out or REPORTS_DIR, a.tz or DEFAULT_TZ,
                          a.currency or DEFAULT_CURRENCY, a.jobs, a.only, _parse_params(a.param),
                          a.allow_empty_period)
    except Exception as e:  # noqa: BLE001 - the owner sees one line, the log keeps the traceback
        detail("unexpected error", exc_info=True)
        where = log_file()
        what = "The check" if a.cmd == "validate" else "The run"
        log.error(f"{what} failed: {type(e).__name__}: {e}. Earlier reports are untouched."
                  + (f" Details: {where}" if where else ""))
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
