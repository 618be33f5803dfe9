"""``make bench``: time and memory of the report suite on generated data of several sizes.

For each size and shape (the resale shape of the sample data, and the web-shop shape: about 20
lines per order, many repeat buyers; lib.tools.sample_data --shape) it generates (once, cached
under bench/data/) a dataset, runs the full pipeline on it in a fresh process, and measures
beside it the floor: a papermill run of an empty parameterised notebook plus its HTML export
(the fixed cost per notebook) and the raw CSV read time of the inputs. On the same customers,
in the same run, it times the suite's BG/NBD fit against a plain scipy reference fit (per
customer likelihood, Nelder-Mead), with both log-likelihoods. Results go to bench/results.csv
and bench/results.md; a step more than 30% slower than in the previous results file is flagged.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from scipy import optimize, special

from lib.config import BENCH_DIR, CDNOW_DIR, KERNEL_NAME, ROOT

__all__ = ["results_markdown", "machine_description", "floor_seconds", "csv_read_seconds", "compare_with_previous",
           "machine_speed_note", "size_rows", "column_label", "SIZES", "FULL_SIZES", "REFERENCE_MAX_CUSTOMERS",
           "reference_bgnbd_fit", "bgnbd_side_by_side", "bench_customers", "fits_in_kernel_env", "fits_markdown",
           "suite_floor_seconds", "sample_suite_rows", "rerun_rows", "RERUN_SIZES", "SUITE_NOTEBOOKS", "main"]

FIELDS = ["shape", "sales_lines", "step", "seconds", "peak_rss_mb", "input_mb", "floor_ratio", "sql_seconds"]
SLOWER = 1.30
#: the sizes benchmarked by default, by shape, and the ones BENCH_FULL=1 adds (the web shop's: the real export's)
SIZES = {"resale": [10_000, 100_000, 1_000_000], "webshop": [100_000]}
FULL_SIZES = {"resale": [5_000_000, 10_000_000], "webshop": [540_000]}
#: the sizes at which each notebook is also re-run alone on the warm cache (an analyst's re-run in JupyterLab)
RERUN_SIZES = {1_000_000}
#: the sample data's warm suite is compared with this many empty notebooks importing pandas and matplotlib
SUITE_NOTEBOOKS = 7
#: the plain reference fit takes about 0.5 ms per customer and likelihood evaluation, some 1,000 evaluations:
#: above this many customers it is left out (the suite's fit is still timed)
REFERENCE_MAX_CUSTOMERS = 50_000
_SHAPE_NAMES = {"resale": "", "webshop": " (web shop)"}


def column_label(shape: str, sales: int) -> str:
    """The results table's column for one dataset: ``100,000 lines`` or ``100,000 lines (web shop)``."""
    return f"{int(sales):,} lines{_SHAPE_NAMES.get(shape, f' ({shape})')}"


def _shape(r: dict) -> str:
    return r.get("shape") or "resale"  # results written before the web-shop shape have no shape column


def machine_description() -> str:
    """Cores, memory and Python of this machine, for the results table."""
    mem = f"{psutil.virtual_memory().total / 2**30:.0f} GB"
    return f"{os.cpu_count()} cores, {mem}, {platform.processor() or platform.machine()}, Python {platform.python_version()}"


def _empty_notebook(source: str | None = None) -> tuple[float, float]:
    """Papermill run and HTML export of an empty parameterised notebook (with one more cell, ``source``, when
    given): the seconds of each."""
    import nbformat
    import papermill as pm
    from nbformat.v4 import new_code_cell, new_notebook

    from lib.run.html_export import notebook_to_html

    with tempfile.TemporaryDirectory() as d:
        params = new_code_cell("data = ''\nperiod = ''")
        params.metadata["tags"] = ["parameters"]
        cells = [params] + ([new_code_cell(source)] if source else [])
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": KERNEL_NAME, "display_name": KERNEL_NAME,
                                                                "language": "python"}})
        src, out = Path(d) / "empty.ipynb", Path(d) / "empty-out.ipynb"
        nbformat.write(nb, src)
        t0 = time.perf_counter()
        pm.execute_notebook(str(src), str(out), parameters={"data": "x"}, kernel_name=KERNEL_NAME,
                            progress_bar=False, shutdown_kernel="immediate")
        t1 = time.perf_counter()
        notebook_to_html(out, Path(d) / "empty.html", "empty")
        return t1 - t0, time.perf_counter() - t1


def floor_seconds() -> tuple[float, float]:
    """Papermill run and HTML export of an empty parameterised notebook: the fixed cost per notebook."""
    return _empty_notebook()


def _empty_notebook_once(source: str) -> float:
    """Worker: :func:`_empty_notebook` with ``source``, run and HTML export together."""
    return sum(_empty_notebook(source))


def suite_floor_seconds(workers: int = 2, notebooks: int = SUITE_NOTEBOOKS) -> float:
    """Wall time of ``notebooks`` empty notebooks that import pandas and matplotlib (and draw nothing), each run
    by papermill and exported to HTML, ``workers`` at a time: the floor of the sample suite (issue 20)."""
    from concurrent.futures import ProcessPoolExecutor

    from lib.run.executor import KERNEL_ALLOCATOR_ENV, kernel_thread_env

    env = {**KERNEL_ALLOCATOR_ENV, **kernel_thread_env(workers)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_empty_notebook_once, ["import json"] * workers))  # start the workers: not timed
            t0 = time.perf_counter()
            list(pool.map(_empty_notebook_once,
                          ["import matplotlib.pyplot as plt\nimport pandas as pd\n%matplotlib inline"] * notebooks))
            return time.perf_counter() - t0
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _pipeline(args: list[str], cache: Path, stats: Path) -> dict:
    """One ``lib.run.pipeline run`` in a process of its own with ``cache`` as its cache folder; its statistics
    (``--stats``) with the wall time and exit code."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lib.run.pipeline", "run", *args, "--stats", str(stats)], cwd=ROOT,
                          env={**os.environ, "LACELUXX_CACHE": str(cache)}, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    s = json.loads(stats.read_text()) if stats.exists() else {"notebooks": []}
    return {**s, "wall_seconds": wall, "exit_code": proc.returncode}


def sample_suite_rows(jobs: int = 2) -> list[dict]:
    """The sample data's whole suite with a warm cache (the second of two runs, as ``make report`` twice),
    against :func:`suite_floor_seconds` measured just before it."""
    from lib.config import SAMPLE_DIR

    runs = BENCH_DIR / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    cache, out, stats = runs / "cache-sample", runs / "sample", runs / "stats-sample.json"
    floor = suite_floor_seconds(jobs)
    args = ["--data", str(SAMPLE_DIR), "--out", str(out), "--jobs", str(jobs)]
    _pipeline(args, cache, stats)  # warms the cache
    s = _pipeline(args, cache, stats)
    step = "sample suite, warm" + ("" if s["exit_code"] == 0 else f" (FAILED, exit {s['exit_code']})")
    n = sum(1 for _ in (SAMPLE_DIR / "sales.csv").open()) - 1
    return [{"shape": "resale", "sales_lines": n, "step": f"floor: {SUITE_NOTEBOOKS} empty notebooks with pandas and "
             f"matplotlib, {jobs} at a time", "seconds": floor, "peak_rss_mb": "", "input_mb": "", "floor_ratio": "",
             "sql_seconds": ""},
            {"shape": "resale", "sales_lines": n, "step": step, "seconds": s["wall_seconds"],
             "peak_rss_mb": round(s.get("peak_rss_mb", 0.0)) or "", "input_mb": "",
             "floor_ratio": s["wall_seconds"] / floor if floor else "",
             "sql_seconds": sum(nb.get("sql_seconds", 0.0) for nb in s["notebooks"])}]


def rerun_rows(folder: Path, sales: int, shape: str, names: list[str], fl_run: float) -> list[dict]:
    """Each notebook run again alone on the warm cache of the dataset's run (``--only``: what an analyst's re-run
    of one notebook costs), its kernel time against the empty notebook's."""
    runs = BENCH_DIR / "runs"
    key = _key(shape, sales)
    cache = runs / f"cache-{key.removeprefix('sales-')}"
    rows = []
    for name in names:
        s = _pipeline(["--data", str(folder), "--out", str(runs / f"rerun-{key}"), "--only", name], cache,
                      runs / f"stats-rerun-{key}.json")
        nb = next((n for n in s["notebooks"] if n["name"] == name), None)
        if nb is None:
            continue
        rows.append({"shape": shape, "sales_lines": sales,
                     "step": f"re-run alone: {name}" + ("" if nb.get("ok", True) else " (FAILED)"),
                     "seconds": nb["exec_seconds"], "peak_rss_mb": round(nb.get("peak_rss_mb", 0.0)) or "",
                     "input_mb": "", "floor_ratio": nb["exec_seconds"] / fl_run if fl_run else "",
                     "sql_seconds": nb.get("sql_seconds", 0.0)})
    return rows


def csv_read_seconds(folder: Path) -> float:
    """Raw read time of every CSV in the folder with pyarrow (no validation), in a process of its own
    so the memory of the tables read never adds to the suite's run."""
    code = ("import sys, time, pathlib, pyarrow.csv as c\n"
            "t = time.perf_counter()\n"
            "for f in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):\n"
            "    c.read_csv(f)\n"
            "print(time.perf_counter() - t)\n")
    res = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    return float(res.stdout.strip())


def _key(shape: str, sales: int) -> str:
    """Folder and file name part of one dataset: ``sales-100000`` (resale, as before) or ``webshop-100000``."""
    return f"sales-{sales}" if shape == "resale" else f"{shape}-{sales}"


def _dataset(sales: int, shape: str = "resale") -> Path:
    folder = BENCH_DIR / "data" / _key(shape, sales)
    if not (folder / "planted.json").exists():
        print(f"Generating {column_label(shape, sales)} into {folder} (cached for next time) ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lib.tools.sample_data", "--out", str(folder), "--sales", str(sales),
                        "--shape", shape], cwd=ROOT, check=True)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def _stats_file(shape: str, sales: int) -> Path:
    return BENCH_DIR / "runs" / f"stats-{_key(shape, sales).removeprefix('sales-')}.json"


def _run_suite(folder: Path, sales: int, jobs: int, shape: str = "resale") -> dict:
    out = BENCH_DIR / "runs" / _key(shape, sales)
    stats = _stats_file(shape, sales)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LACELUXX_CACHE": str(BENCH_DIR / "runs" / f"cache-{_key(shape, sales).removeprefix('sales-')}")}
    import shutil

    shutil.rmtree(env["LACELUXX_CACHE"], ignore_errors=True)  # cold: the run parses the CSVs itself
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "lib.run.pipeline", "run", "--data", str(folder), "--out", str(out),
                             "--jobs", str(jobs), "--stats", str(stats)], cwd=ROOT, env=env)
    tree_peak = tree_peak_rss(proc)
    wall = time.perf_counter() - t0
    s = json.loads(stats.read_text()) if stats.exists() else {"notebooks": []}
    s["wall_seconds"] = wall
    s["exit_code"] = proc.returncode
    s["tree_peak_rss_mb"] = tree_peak / 2**20
    stats.write_text(json.dumps(s, indent=1))
    return s


def tree_peak_rss(proc: subprocess.Popen, every: float = 0.25) -> float:
    """Wait for ``proc``; the peak of the summed RSS of it and all its descendants (bytes)."""
    root = psutil.Process(proc.pid)
    peak = 0.0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(every)
    return peak


def compare_with_previous(rows: list[dict], previous: list[dict]) -> list[str]:
    """Steps more than 30% slower than the same step and size in the previous results."""
    old = {(_shape(r), str(r["sales_lines"]), r["step"]): float(r["seconds"]) for r in previous
           if r["seconds"] not in ("", None)}
    flags = []
    for r in rows:
        key = (_shape(r), str(r["sales_lines"]), r["step"])
        if r["seconds"] in ("", None) or old.get(key) is None:
            continue
        if old[key] > 0.5 and float(r["seconds"]) > SLOWER * old[key]:
            flags.append(f"SLOWER: {r['step']} at {column_label(key[0], int(r['sales_lines']))} took "
                         f"{float(r['seconds']):.1f} s, {(float(r['seconds']) / old[key] - 1) * 100:.0f}% more than "
                         f"the previous {old[key]:.1f} s")
    return flags


def machine_speed_note(rows: list[dict], previous: list[dict]) -> str | None:
    """A warning when the floor itself (an empty notebook) got more than 30% slower: the machine, not the code."""
    def floor(rs: list[dict]) -> float | None:
        vals = [float(r["seconds"]) for r in rs
                if r["step"] == "floor: empty notebook + HTML" and r["seconds"] not in ("", None)]
        return vals[0] if vals else None
    now, before = floor(rows), floor(previous)
    if now is None or not before or now <= SLOWER * before:
        return None
    return (f"NOTE: the floor itself (an empty notebook + HTML) took {now:.1f} s against {before:.1f} s before "
            f"({(now / before - 1) * 100:.0f}% more): this machine is slower in this run, so re-run on an idle "
            "machine before reading the SLOWER lines as regressions of the code.")


def results_markdown(rows: list[dict], machine: str, fits: list[dict] | None = None) -> str:
    """The results table (a column per dataset, resale sizes first, then the web shop's), and the BG/NBD fits."""
    order = list(_SHAPE_NAMES)
    sizes = sorted({(_shape(r), int(r["sales_lines"])) for r in rows},
                   key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[0], k[1]))
    steps = list(dict.fromkeys(r["step"] for r in rows))
    by = {(_shape(r), int(r["sales_lines"]), r["step"]): r for r in rows}
    head = "| step | " + " | ".join(column_label(*k) for k in sizes) + " |"
    lines = [f"Machine: {machine}", "", head, "|" + " --- |" * (len(sizes) + 1)]
    for st in steps:
        cells = []
        for s in sizes:
            r = by.get((*s, st))
            if r is None:
                cells.append("")
                continue
            extra = f" ({float(r['floor_ratio']):.1f}x floor)" if r.get("floor_ratio") not in ("", None) else ""
            mem = f", {float(r['peak_rss_mb']):,.0f} MB" if r.get("peak_rss_mb") not in ("", None) else ""
            secs = f"{float(r['seconds']):.1f} s" if r.get("seconds") not in ("", None) else ""
            sql = (f", DuckDB {float(r['sql_seconds']):.1f} s" if r.get("sql_seconds") not in ("", None)
                   and float(r["sql_seconds"]) > 0 else "")
            cells.append(f"{secs}{extra}{sql}{mem}".lstrip(", "))
        lines.append(f"| {st} | " + " | ".join(cells) + " |")
    if fits:
        lines += ["", fits_markdown(fits).rstrip("\n")]
    return "\n".join(lines) + "\n"


def size_rows(n: int, s: dict, fl_run: float, fl_html: float, read_s: float, in_mb: float,
              jobs: int, shape: str = "resale") -> list[dict]:
    """The results rows of one dataset (size and shape) from the pipeline's run statistics."""
    n_nb = max(1, len(s["notebooks"]))
    workers = s.get("workers") or jobs  # the pipeline runs one notebook at a time when memory is short
    floor_total = n_nb * (fl_run + fl_html) / max(1, workers) + read_s
    rows = [
        {"sales_lines": n, "step": "floor: empty notebook + HTML", "seconds": fl_run + fl_html,
         "peak_rss_mb": "", "input_mb": "", "floor_ratio": ""},
        {"sales_lines": n, "step": "floor: raw CSV read", "seconds": read_s, "peak_rss_mb": "",
         "input_mb": round(in_mb, 1), "floor_ratio": ""},
        {"sales_lines": n, "step": "load + validate (cold)", "seconds": s.get("load_seconds", 0.0),
         "peak_rss_mb": "", "input_mb": round(in_mb, 1),
         "floor_ratio": s.get("load_seconds", 0.0) / read_s if read_s else ""},
    ]
    for nb in s["notebooks"]:
        rows.append({"sales_lines": n, "step": f"notebook: {nb['name']}", "seconds": nb["exec_seconds"],
                     "peak_rss_mb": round(nb.get("peak_rss_mb", 0.0)) or "", "input_mb": "",
                     "floor_ratio": nb["exec_seconds"] / fl_run, "sql_seconds": nb.get("sql_seconds", 0.0)})
        rows.append({"sales_lines": n, "step": f"html: {nb['name']}", "seconds": nb["html_seconds"],
                     "peak_rss_mb": "", "input_mb": "", "floor_ratio": nb["html_seconds"] / fl_html})
    wall = s.get("wall_seconds", s.get("total_seconds", 0.0))
    step = "whole run" if s.get("exit_code", 0) == 0 else f"whole run (FAILED, exit {s.get('exit_code')})"
    rows.append({"sales_lines": n, "step": step, "seconds": wall,
                 "peak_rss_mb": round(s.get("tree_peak_rss_mb", s.get("peak_rss_mb", 0.0))),
                 "input_mb": round(in_mb, 1), "floor_ratio": wall / floor_total})
    exec_total = sum(nb["exec_seconds"] for nb in s["notebooks"])
    sql_total = sum(nb.get("sql_seconds", 0.0) for nb in s["notebooks"])
    if exec_total:
        rows.append({"sales_lines": n, "step": "notebooks' time summed, of it in DuckDB (the rest: pandas, models, charts)",
                     "seconds": exec_total, "peak_rss_mb": "", "input_mb": "", "floor_ratio": "",
                     "sql_seconds": sql_total})
    mem = [("memory: kernels running at once", s.get("peak_rss_mb")),
           ("memory: report process (load, front page)", s.get("parent_peak_rss_mb"))]
    rows += [{"sales_lines": n, "step": step, "seconds": "", "peak_rss_mb": round(v), "input_mb": "",
              "floor_ratio": ""} for step, v in mem if v]
    return [{"shape": shape, **r} for r in rows]


# ----------------------------------------------------------------------------- BG/NBD: ours against a plain fit

def _reference_ll(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    """Total BG/NBD log-likelihood, customer by customer, in the textbook form (FHL 2005, eq. 6)."""
    r, alpha, a, b = np.exp(theta)
    lg = special.gammaln
    a1 = lg(r + x) - lg(r) + r * np.log(alpha)
    a2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
                      -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def reference_bgnbd_fit(x, t_x, T) -> tuple[dict[str, float], float]:
    """A plain scipy BG/NBD fit: per-customer likelihood, no gradient, Nelder-Mead on the log-parameters from the
    suite's first start, tolerances tight enough to reach the maximum. Returns (parameters, log-likelihood)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    n = len(x)

    def nll(theta):
        v = -_reference_ll(theta, x, t_x, T) / n
        return v if np.isfinite(v) else 1e10

    start = np.log([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000})
    return dict(zip(("r", "alpha", "a", "b"), (float(v) for v in np.exp(res.x)), strict=True)), -res.fun * n


def bgnbd_side_by_side(name: str, x, t_x, T, reps: int = 3,
                       max_reference: int = REFERENCE_MAX_CUSTOMERS) -> dict:
    """The suite's BG/NBD fit (lib.analytics.clv.fit_bgnbd) and the plain reference on the same customers.

    Seconds are the best of ``reps`` runs (the reference's: of one run above 1,000 customers); the reference is
    left out (None) above ``max_reference`` customers. ``ll_gap`` is ours minus the reference's log-likelihood
    (>= 0 when ours reached at least the reference's maximum), ``param_gap`` the largest relative difference.
    """
    from lib.analytics import clv

    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    out = {"data": name, "customers": len(x), "repeat": int((x > 0).sum())}
    secs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fit = clv.fit_bgnbd(x, t_x, T)
        secs.append(time.perf_counter() - t0)
    out.update(ours_seconds=min(secs), ours_ll=fit.log_likelihood, ours=fit.params, ref_seconds=None, ref_ll=None,
               ref=None, ll_gap=None, param_gap=None)
    if len(x) > max_reference:
        return out
    secs = []
    for _ in range(reps if len(x) <= 1000 else 1):
        t0 = time.perf_counter()
        ref, ref_ll = reference_bgnbd_fit(x, t_x, T)
        secs.append(time.perf_counter() - t0)
    out.update(ref_seconds=min(secs), ref_ll=ref_ll, ref=ref, ll_gap=fit.log_likelihood - ref_ll,
               param_gap=max(abs(fit.params[k] / ref[k] - 1) for k in ref))
    return out


def bench_customers(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) in weeks of every customer of a generated dataset: completed lines, one occasion per buyer
    and day, to the last sale day (lib.analytics.rfm.calibration_summary)."""
    from lib.analytics import rfm

    s = pd.read_csv(folder / "sales.csv", usecols=["buyer_id", "date_sold", "sale_price", "quantity", "status"],
                    engine="pyarrow")
    s = s[s["status"] == "completed"]
    tr = pd.DataFrame({"buyer_id": s["buyer_id"], "date": pd.to_datetime(s["date_sold"].str.slice(0, 10)),
                       "revenue": s["sale_price"] * s["quantity"]})
    sm = rfm.calibration_summary(tr, tr["date"].max())
    return sm["x"].to_numpy("float64"), sm["t_x"].to_numpy("float64"), sm["T"].to_numpy("float64")


def _cdnow_customers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    return s["x"].to_numpy("float64"), s["t_x"].to_numpy("float64"), s["T"].to_numpy("float64")


def fits_in_kernel_env(name: str, folder: Path | None) -> dict:
    """``bgnbd_side_by_side`` on a dataset's customers (CDNOW's when ``folder`` is None), in a process of its own
    with the kernels' environment (lib.run.executor.KERNEL_ALLOCATOR_ENV: one BLAS thread each on 2 cores), so
    the figures are what a notebook sees and no other process's BLAS threads compete with it."""
    from lib.run.executor import KERNEL_ALLOCATOR_ENV

    code = ("import json, sys\nfrom pathlib import Path\nfrom lib.tools import bench\n"
            "name, folder = sys.argv[1], sys.argv[2]\n"
            "cust = bench.bench_customers(Path(folder)) if folder else bench._cdnow_customers()\n"
            "print(json.dumps(bench.bgnbd_side_by_side(name, *cust)))\n")
    res = subprocess.run([sys.executable, "-c", code, name, str(folder or "")], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**os.environ, **KERNEL_ALLOCATOR_ENV})
    return json.loads(res.stdout.strip().splitlines()[-1])


def fits_markdown(fits: list[dict]) -> str:
    """The side-by-side table of the BG/NBD fits: seconds, log-likelihoods and how far apart they are."""
    head = ["BG/NBD fit, same customers, same run (ours: lib.analytics.clv.fit_bgnbd; reference: per-customer "
            "likelihood, scipy Nelder-Mead)", "",
            "| data | customers | repeat buyers | ours | reference | reference / ours | ours LL | reference LL "
            "| LL ours - reference | largest parameter difference |",
            "|" + " --- |" * 10]
    for f in fits:
        if f["ref_seconds"] is None:
            ref, ratio, ref_ll, gap, pgap = f"left out (over {REFERENCE_MAX_CUSTOMERS:,} customers)", "", "", "", ""
        else:
            ref, ratio = f"{f['ref_seconds']:.3f} s", f"{f['ref_seconds'] / f['ours_seconds']:,.0f}x"
            ref_ll, gap, pgap = f"{f['ref_ll']:,.4f}", f"{f['ll_gap']:+.1e}", f"{f['param_gap']:.1e}"
        head.append(f"| {f['data']} | {f['customers']:,} | {f['repeat']:,} | {f['ours_seconds']:.3f} s | {ref} "
                    f"| {ratio} | {f['ours_ll']:,.4f} | {ref_ll} | {gap} | {pgap} |")
    return "\n".join(head) + "\n"


def _write(rows: list[dict], previous: list[dict], machine: str, fits: list[dict] | None = None) -> str:
    BENCH_DIR.mkdir(exist_ok=True)
    with (BENCH_DIR / "results.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    md = results_markdown(rows, machine, fits)
    (BENCH_DIR / "results.md").write_text(md)
    return md


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (slower steps are flagged in the output, not failed)."""
    ap = argparse.ArgumentParser(prog="python -m lib.tools.bench")
    ap.add_argument("--sales", type=int, action="append",
                    help="resale-shape sales lines (repeatable); default 10k, 100k, 1M")
    ap.add_argument("--webshop", type=int, action="append",
                    help="web-shop-shape sales lines (repeatable); default 100k, none when --sales is given")
    ap.add_argument("--full", action="store_true", help="also 5M and 10M resale lines and 540k web-shop lines")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rebuild", action="store_true",
                    help="rebuild the results from the last runs' statistics in bench/runs/ without running them")
    a = ap.parse_args(argv)
    runs = [("resale", n) for n in (a.sales or SIZES["resale"])]
    runs += [("webshop", n) for n in (a.webshop or ([] if a.sales else SIZES["webshop"]))]
    if a.full:
        runs += [(shape, n) for shape, ns in FULL_SIZES.items() for n in ns]
    machine = machine_description()
    print(f"Machine: {machine}", flush=True)
    fl_run, fl_html = floor_seconds()
    print(f"Floor per notebook: papermill {fl_run:.1f} s + HTML {fl_html:.1f} s", flush=True)
    results = BENCH_DIR / "results.csv"
    previous = list(csv.DictReader(results.open())) if results.exists() else []
    if results.exists():
        results.replace(BENCH_DIR / "results.previous.csv")
    rows: list[dict] = []
    fits = [fits_in_kernel_env("CDNOW sample (FHL 2005)", None)]
    if not a.sales:  # the sample data's suite, warm, against empty notebooks that import pandas and matplotlib
        saved = BENCH_DIR / "runs" / "rows-sample.json"
        if not a.rebuild:
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(sample_suite_rows(a.jobs)))
        if saved.exists():
            rows += json.loads(saved.read_text())
            print(f"Sample suite, warm: {rows[-1]['seconds']:.1f} s against {rows[-2]['seconds']:.1f} s for "
                  f"{SUITE_NOTEBOOKS} empty notebooks", flush=True)
    for shape, n in runs:
        stats_file = _stats_file(shape, n)
        if a.rebuild and not stats_file.exists():
            continue
        folder = _dataset(n, shape)
        in_mb = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
        read_s = csv_read_seconds(folder)
        s = json.loads(stats_file.read_text()) if a.rebuild else _run_suite(folder, n, a.jobs, shape)
        rows += size_rows(n, s, fl_run, fl_html, read_s, in_mb, a.jobs, shape)
        if shape == "resale" and n in RERUN_SIZES:  # each notebook again, alone, on the warm cache
            saved = BENCH_DIR / "runs" / f"rows-rerun-{_key(shape, n)}.json"
            if not a.rebuild:
                saved.write_text(json.dumps(rerun_rows(folder, n, shape, [nb["name"] for nb in s["notebooks"]],
                                                       fl_run)))
            if saved.exists():
                rows += json.loads(saved.read_text())
        fits.append(fits_in_kernel_env(column_label(shape, n), folder))
        md = _write(rows, previous, machine, fits)  # after every size, so a later failure keeps what was measured
        status = "ok" if s.get("exit_code", 0) == 0 else f"FAILED (exit {s['exit_code']})"
        print(f"{column_label(shape, n)}: whole run {s.get('wall_seconds', s.get('total_seconds', 0)):.1f} s, "
              f"peak {s.get('peak_rss_mb', 0):,.0f} MB, {status}; BG/NBD fit {fits[-1]['ours_seconds']:.3f} s",
              flush=True)
    md = _write(rows, previous, machine, fits)
    print(md)
    flags = compare_with_previous(rows, previous)
    for fl in flags:
        print(fl)
    note = machine_speed_note(rows, previous)
    if note:
        print(note)
    if not flags and previous:
        print("No step is more than 30% slower than in the previous results.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
