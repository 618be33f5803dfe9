"""``make bench``: time and memory of the report suite on generated data of several sizes.

For each size it generates (once, cached under bench/data/) a sample dataset, runs the full
pipeline on it in a fresh process, and measures beside it the floor: a papermill run of an
empty parameterised notebook plus its HTML export (the fixed cost per notebook) and the raw
CSV read time of the inputs. Results go to bench/results.csv and bench/results.md; a step more
than 30% slower than in the previous results file is flagged.
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

import psutil

from lib.config import BENCH_DIR, KERNEL_NAME, ROOT

__all__ = ["results_markdown", "machine_description", "floor_seconds", "csv_read_seconds", "compare_with_previous", "machine_speed_note",
           "size_rows", "main"]

FIELDS = ["sales_lines", "step", "seconds", "peak_rss_mb", "input_mb", "floor_ratio"]
SLOWER = 1.30


def machine_description() -> str:
    """Cores, memory and Python of this machine, for the results table."""
    mem = f"{psutil.virtual_memory().total / 2**30:.0f} GB"
    return f"{os.cpu_count()} cores, {mem}, {platform.processor() or platform.machine()}, Python {platform.python_version()}"


def floor_seconds() -> tuple[float, float]:
    """Papermill run and HTML export of an empty parameterised notebook: the fixed cost per notebook."""
    import nbformat
    import papermill as pm
    from nbformat.v4 import new_code_cell, new_notebook

    from lib.run.html_export import notebook_to_html

    with tempfile.TemporaryDirectory() as d:
        cell = new_code_cell("data = ''\nperiod = ''")
        cell.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[cell], metadata={"kernelspec": {"name": KERNEL_NAME, "display_name": KERNEL_NAME,
                                                                 "language": "python"}})
        src, out = Path(d) / "empty.ipynb", Path(d) / "empty-out.ipynb"
        nbformat.write(nb, src)
        t0 = time.perf_counter()
        pm.execute_notebook(str(src), str(out), parameters={"data": "x"}, kernel_name=KERNEL_NAME,
                            progress_bar=False, shutdown_kernel="immediate")
        t1 = time.perf_counter()
        notebook_to_html(out, Path(d) / "empty.html", "empty")
        return t1 - t0, time.perf_counter() - t1


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


def _dataset(sales: int) -> Path:
    folder = BENCH_DIR / "data" / f"sales-{sales}"
    if not (folder / "planted.json").exists():
        print(f"Generating {sales:,} sales lines into {folder} (cached for next time) ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lib.tools.sample_data", "--out", str(folder), "--sales", str(sales)],
                       cwd=ROOT, check=True)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def _run_suite(folder: Path, sales: int, jobs: int) -> dict:
    out = BENCH_DIR / "runs" / f"sales-{sales}"
    stats = BENCH_DIR / "runs" / f"stats-{sales}.json"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LACELUXX_CACHE": str(BENCH_DIR / "runs" / f"cache-{sales}")}
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
    old = {(r["sales_lines"], r["step"]): float(r["seconds"]) for r in previous if r["seconds"] not in ("", None)}
    flags = []
    for r in rows:
        key = (str(r["sales_lines"]), r["step"])
        if r["seconds"] in ("", None) or old.get(key) is None:
            continue
        if old[key] > 0.5 and float(r["seconds"]) > SLOWER * old[key]:
            flags.append(f"SLOWER: {r['step']} at {int(r['sales_lines']):,} lines took {float(r['seconds']):.1f} s, "
                         f"{(float(r['seconds']) / old[key] - 1) * 100:.0f}% more than the previous {old[key]:.1f} s")
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


def results_markdown(rows: list[dict], machine: str) -> str:
    sizes = sorted({int(r["sales_lines"]) for r in rows})
    steps = list(dict.fromkeys(r["step"] for r in rows))
    by = {(int(r["sales_lines"]), r["step"]): r for r in rows}
    head = "| step | " + " | ".join(f"{s:,} lines" for s in sizes) + " |"
    lines = [f"Machine: {machine}", "", head, "|" + " --- |" * (len(sizes) + 1)]
    for st in steps:
        cells = []
        for s in sizes:
            r = by.get((s, st))
            if r is None:
                cells.append("")
                continue
            extra = f" ({float(r['floor_ratio']):.1f}x floor)" if r.get("floor_ratio") not in ("", None) else ""
            mem = f", {float(r['peak_rss_mb']):,.0f} MB" if r.get("peak_rss_mb") not in ("", None) else ""
            secs = f"{float(r['seconds']):.1f} s" if r.get("seconds") not in ("", None) else ""
            cells.append(f"{secs}{extra}{mem}".lstrip(", "))
        lines.append(f"| {st} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def size_rows(n: int, s: dict, fl_run: float, fl_html: float, read_s: float, in_mb: float,
              jobs: int) -> list[dict]:
    """The results rows of one dataset size from the pipeline's run statistics."""
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
                     "floor_ratio": nb["exec_seconds"] / fl_run})
        rows.append({"sales_lines": n, "step": f"html: {nb['name']}", "seconds": nb["html_seconds"],
                     "peak_rss_mb": "", "input_mb": "", "floor_ratio": nb["html_seconds"] / fl_html})
    wall = s.get("wall_seconds", s.get("total_seconds", 0.0))
    step = "whole run" if s.get("exit_code", 0) == 0 else f"whole run (FAILED, exit {s.get('exit_code')})"
    rows.append({"sales_lines": n, "step": step, "seconds": wall,
                 "peak_rss_mb": round(s.get("tree_peak_rss_mb", s.get("peak_rss_mb", 0.0))),
                 "input_mb": round(in_mb, 1), "floor_ratio": wall / floor_total})
    mem = [("memory: kernels running at once", s.get("peak_rss_mb")),
           ("memory: report process (load, front page)", s.get("parent_peak_rss_mb"))]
    rows += [{"sales_lines": n, "step": step, "seconds": "", "peak_rss_mb": round(v), "input_mb": "",
              "floor_ratio": ""} for step, v in mem if v]
    return rows


def _write(rows: list[dict], previous: list[dict], machine: str) -> str:
    BENCH_DIR.mkdir(exist_ok=True)
    with (BENCH_DIR / "results.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    md = results_markdown(rows, machine)
    (BENCH_DIR / "results.md").write_text(md)
    return md


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (slower steps are flagged in the output, not failed)."""
    ap = argparse.ArgumentParser(prog="python -m lib.tools.bench")
    ap.add_argument("--sales", type=int, action="append", help="sales lines (repeatable); default 10k,100k,1M")
    ap.add_argument("--full", action="store_true", help="also 10M lines")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rebuild", action="store_true",
                    help="rebuild the results from the last runs' statistics in bench/runs/ without running them")
    a = ap.parse_args(argv)
    sizes = a.sales or [10_000, 100_000, 1_000_000]
    if a.full:
        sizes = sizes + [10_000_000]
    machine = machine_description()
    print(f"Machine: {machine}", flush=True)
    fl_run, fl_html = floor_seconds()
    print(f"Floor per notebook: papermill {fl_run:.1f} s + HTML {fl_html:.1f} s", flush=True)
    results = BENCH_DIR / "results.csv"
    previous = list(csv.DictReader(results.open())) if results.exists() else []
    if results.exists():
        results.replace(BENCH_DIR / "results.previous.csv")
    rows: list[dict] = []
    for n in sizes:
        stats_file = BENCH_DIR / "runs" / f"stats-{n}.json"
        if a.rebuild and not stats_file.exists():
            continue
        folder = _dataset(n)
        in_mb = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
        read_s = csv_read_seconds(folder)
        s = json.loads(stats_file.read_text()) if a.rebuild else _run_suite(folder, n, a.jobs)
        rows += size_rows(n, s, fl_run, fl_html, read_s, in_mb, a.jobs)
        md = _write(rows, previous, machine)  # after every size, so a later failure keeps what was measured
        status = "ok" if s.get("exit_code", 0) == 0 else f"FAILED (exit {s['exit_code']})"
        print(f"{n:,} lines: whole run {s.get('wall_seconds', s.get('total_seconds', 0)):.1f} s, "
              f"peak {s.get('peak_rss_mb', 0):,.0f} MB, {status}", flush=True)
    md = _write(rows, previous, machine)
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
