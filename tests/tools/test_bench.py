"""make bench's bookkeeping and the pipeline's choice of how many notebooks run at once."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pandas as pd

from lib.run import executor
from lib.tools import bench


def _ds(sales_rows: int) -> SimpleNamespace:
    q = pd.DataFrame([["sales", "read", "rows read from sales.csv", sales_rows],
                      ["users", "read", "rows read from users.csv", 7],
                      ["sales", "repaired", "sale_price: currency symbol removed", 3]],
                     columns=["table", "action", "reason", "rows"])
    return SimpleNamespace(quality=q)


def test_workers_drop_to_one_when_two_kernels_would_not_fit(monkeypatch):
    free = 20e9
    monkeypatch.setattr(executor.psutil, "virtual_memory", lambda: SimpleNamespace(available=free))
    assert executor.sales_rows(_ds(1_000_000)) == 1_000_000
    assert executor.kernel_memory_estimate(1_000_000) == 2.8e9
    assert executor.workers_for(_ds(1_000_000), 2) == 2   # 2 x 2.8 GB within 70% of 20 GB
    assert executor.workers_for(_ds(3_000_000), 2) == 1   # 2 x 7.8 GB is not
    assert executor.workers_for(_ds(10_000_000), 2) == 1  # never fewer than one
    assert executor.workers_for(_ds(10_000), 4) == 4


def test_slower_steps_are_flagged_and_memory_rows_are_not_timed():
    prev = [{"sales_lines": "1000", "step": "notebook: brands", "seconds": "10.0"},
            {"sales_lines": "1000", "step": "whole run", "seconds": "40.0"},
            {"sales_lines": "1000", "step": "memory: kernels running at once", "seconds": ""}]
    rows = [{"sales_lines": 1000, "step": "notebook: brands", "seconds": 13.5},
            {"sales_lines": 1000, "step": "whole run", "seconds": 51.0},
            {"sales_lines": 1000, "step": "memory: kernels running at once", "seconds": ""}]
    flags = bench.compare_with_previous(rows, prev)
    assert flags == ["SLOWER: notebook: brands at 1,000 lines took 13.5 s, 35% more than the previous 10.0 s"]


def test_a_slower_floor_is_reported_as_the_machine_not_the_code():
    prev = [{"sales_lines": "1000", "step": "floor: empty notebook + HTML", "seconds": "1.7"}]
    same = [{"sales_lines": 1000, "step": "floor: empty notebook + HTML", "seconds": 2.1}]
    slow = [{"sales_lines": 1000, "step": "floor: empty notebook + HTML", "seconds": 2.4}]
    assert bench.machine_speed_note(same, prev) is None  # 24% slower: within the noise allowed
    note = bench.machine_speed_note(slow, prev)
    assert note is not None and "2.4 s against 1.7 s" in note and "41% more" in note
    assert bench.machine_speed_note(slow, []) is None


def test_size_rows_carry_the_whole_tree_and_kernel_memory():
    stats = {"load_seconds": 4.0, "wall_seconds": 30.0, "peak_rss_mb": 900.0, "tree_peak_rss_mb": 1500.0,
             "parent_peak_rss_mb": 600.0, "exit_code": 0,
             "notebooks": [{"name": "overview", "exec_seconds": 6.0, "html_seconds": 0.5, "peak_rss_mb": 400.0}]}
    rows = bench.size_rows(1000, stats, fl_run=2.0, fl_html=0.5, read_s=1.0, in_mb=12.0, jobs=2)
    by = {r["step"]: r for r in rows}
    assert by["notebook: overview"]["floor_ratio"] == 3.0 and by["notebook: overview"]["peak_rss_mb"] == 400
    assert by["load + validate (cold)"]["floor_ratio"] == 4.0
    assert by["whole run"]["peak_rss_mb"] == 1500 and by["whole run"]["floor_ratio"] == 30.0 / (2.5 / 2 + 1.0)
    assert by["memory: kernels running at once"]["peak_rss_mb"] == 900
    assert by["memory: report process (load, front page)"]["peak_rss_mb"] == 600
    assert "| memory: kernels running at once | 900 MB |" in bench.results_markdown(rows, "test machine")


def test_tree_peak_rss_sees_a_child_process():
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(300 * 2**20); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(1.5)'])")
    proc = subprocess.Popen([sys.executable, "-c", code])
    peak = bench.tree_peak_rss(proc, every=0.05)
    assert proc.returncode == 0 and 300 * 2**20 < peak < 600 * 2**20


def test_the_floor_of_a_one_at_a_time_run_counts_every_notebook():
    stats = {"load_seconds": 4.0, "wall_seconds": 30.0, "peak_rss_mb": 900.0, "workers": 1, "exit_code": 0,
             "notebooks": [{"name": n, "exec_seconds": 6.0, "html_seconds": 0.5, "peak_rss_mb": 400.0}
                           for n in ("overview", "brands")]}
    rows = bench.size_rows(1000, stats, fl_run=2.0, fl_html=0.5, read_s=1.0, in_mb=12.0, jobs=2)
    whole = next(r for r in rows if r["step"] == "whole run")
    assert whole["floor_ratio"] == 30.0 / (2 * 2.5 + 1.0)
