"""make bench's bookkeeping, the BG/NBD side-by-side fits, and the kernels' workers and thread limits."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from lib.config import CDNOW_DIR
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
    assert executor.kernel_memory_estimate(1_000_000) == 1.9e9
    assert executor.workers_for(_ds(1_000_000), 2) == 2   # 2 x 1.9 GB within 70% of 20 GB
    assert executor.workers_for(_ds(3_000_000), 2) == 2   # 2 x 5.1 GB too (5,013 MB measured at 3M)
    assert executor.workers_for(_ds(5_000_000), 2) == 1   # 2 x 8.3 GB is not
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


# ------------------------------------------------------------------ threads, the web-shop shape, the BG/NBD figure


def test_kernel_thread_limits_share_the_cores_and_leave_the_users_choice():
    assert executor.kernel_thread_env(2, cpus=2, environ={}) == {v: "1" for v in executor.THREAD_VARS}
    assert executor.kernel_thread_env(2, cpus=8, environ={})["OPENBLAS_NUM_THREADS"] == "4"
    assert executor.kernel_thread_env(3, cpus=2, environ={})["OMP_NUM_THREADS"] == "1"  # never 0
    mine = executor.kernel_thread_env(1, cpus=2, environ={"OMP_NUM_THREADS": "7"})
    assert "OMP_NUM_THREADS" not in mine and mine["MKL_NUM_THREADS"] == "2"
    # the kernels' environment carries them for two notebooks at once (but the ones this shell set itself)
    share = str(max(1, executor._cpus() // 2))
    assert {v: executor.KERNEL_ALLOCATOR_ENV[v] for v in executor.THREAD_VARS if v not in os.environ} == {
        v: share for v in executor.THREAD_VARS if v not in os.environ}


def test_the_web_shop_column_stands_beside_the_resale_sizes_and_is_compared_with_itself():
    def row(shape, n, step, sec):
        r = {"sales_lines": n, "step": step, "seconds": sec, "peak_rss_mb": "", "input_mb": "", "floor_ratio": ""}
        return r if shape is None else {"shape": shape, **r}
    rows = [row("webshop", 100000, "whole run", 60.0), row("resale", 100000, "whole run", 30.0),
            row("resale", 10000, "whole run", 20.0)]
    md = bench.results_markdown(rows, "test machine")
    assert "| step | 10,000 lines | 100,000 lines | 100,000 lines (web shop) |" in md
    assert "| whole run | 20.0 s | 30.0 s | 60.0 s |" in md
    # a results file from before the shapes (no shape column) is the resale shape: the web shop's 60 s is not
    # "slower" than the resale 100k run's 40 s, the resale run's 60 s is
    prev = [row(None, "100000", "whole run", "40.0")]
    assert bench.compare_with_previous(rows, prev) == []
    assert bench.compare_with_previous([row("resale", 100000, "whole run", 60.0)], prev) == [
        "SLOWER: whole run at 100,000 lines took 60.0 s, 50% more than the previous 40.0 s"]
    assert bench.column_label("webshop", 540000) == "540,000 lines (web shop)"
    assert bench.size_rows(1000, {"notebooks": []}, 2.0, 0.5, 1.0, 1.0, 2, "webshop")[0]["shape"] == "webshop"


def _cdnow():
    s = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    return s["x"].to_numpy(float), s["t_x"].to_numpy(float), s["T"].to_numpy(float)


def test_reference_fit_and_ours_reach_the_same_maximum_on_cdnow():
    f = bench.bgnbd_side_by_side("CDNOW", *_cdnow(), reps=1)
    assert (f["customers"], f["repeat"]) == (2357, 946)
    # both reach the published fit (FHL 2005: -9582.4) and agree far below its rounding
    assert f["ref_ll"] == pytest.approx(-9582.4256, abs=1e-4)
    assert abs(f["ll_gap"]) < 1e-6 and f["param_gap"] < 1e-4
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert f["ref"][k] == pytest.approx(v, rel=0.01)
    md = bench.fits_markdown([f])
    assert "| CDNOW | 2,357 | 946 |" in md and "-9,582.4256 | -9,582.4256 |" in md


def test_reference_is_left_out_above_its_customer_cap():
    f = bench.bgnbd_side_by_side("CDNOW", *_cdnow(), reps=1, max_reference=1000)
    assert f["ref_seconds"] is None and f["ours_ll"] == pytest.approx(-9582.4256, abs=1e-4)
    assert "| CDNOW | 2,357 | 946 |" in bench.fits_markdown([f]) and "left out (over 50,000" in bench.fits_markdown([f])


def test_bench_customers_are_the_buyers_of_completed_lines_by_day(tmp_path):
    pd.DataFrame({"buyer_id": ["u1", "u1", "u1", "u2", "u3"],
                  "date_sold": ["2026-01-01 10:00:00", "2026-01-01 18:00:00-05:00", "2026-01-15 09:00:00",
                                "2026-01-08 12:00:00", "2026-01-29 12:00:00"],
                  "sale_price": [10.0, 5.0, 8.0, 3.0, 4.0], "quantity": [1, 2, 1, 1, 1],
                  "status": ["completed", "completed", "completed", "completed", "refunded"]}).to_csv(
        tmp_path / "sales.csv", index=False)
    x, t_x, T = bench.bench_customers(tmp_path)
    # u1: 2 occasions (Jan 1 twice, Jan 15), t_x = 2 weeks, T = 2 weeks to the last sale day (Jan 15);
    # u2: 1 occasion on Jan 8, T = 1 week; u3's only line is refunded
    assert sorted(zip(x, t_x, T, strict=True)) == [(0.0, 0.0, 1.0), (1.0, 2.0, 2.0)]


# ------------------------------------------------------------------ the DuckDB share, the sample suite's floor


def test_each_notebook_row_and_the_summed_row_carry_the_duckdb_seconds():
    stats = {"load_seconds": 4.0, "wall_seconds": 30.0, "peak_rss_mb": 900.0, "exit_code": 0,
             "notebooks": [{"name": "overview", "exec_seconds": 10.0, "html_seconds": 0.5, "sql_seconds": 1.5},
                           {"name": "brands", "exec_seconds": 5.0, "html_seconds": 0.5, "sql_seconds": 0.5}]}
    rows = bench.size_rows(1000, stats, fl_run=2.0, fl_html=0.5, read_s=1.0, in_mb=12.0, jobs=2)
    by = {r["step"]: r for r in rows}
    summed = next(r for step, r in by.items() if step.startswith("notebooks' time summed"))
    assert summed["seconds"] == 15.0 and summed["sql_seconds"] == 2.0
    assert by["notebook: overview"]["sql_seconds"] == 1.5
    md = bench.results_markdown(rows, "test machine")
    assert "| notebook: overview | 10.0 s (5.0x floor), DuckDB 1.5 s |" in md
    assert "15.0 s, DuckDB 2.0 s |" in md


def test_a_kernels_duckdb_seconds_are_read_once_and_the_file_goes(tmp_path):
    f = tmp_path / ".sql-overview.json"
    f.write_text('{"seconds": 2.25, "queries": 7}')
    assert executor.sql_seconds(f) == 2.25 and not f.exists()
    assert executor.sql_seconds(f) == 0.0  # no file: nothing measured
    f.write_text("not json")
    assert executor.sql_seconds(f) == 0.0 and not f.exists()


def test_the_engine_counts_its_statements_and_keeps_them_in_the_named_file(tmp_path, monkeypatch):
    import json

    import duckdb

    from lib.data import engine

    target = tmp_path / "sql.json"
    monkeypatch.setenv(engine.SQL_STATS_ENV, str(target))
    before = engine.sql_time()
    eng = engine.Engine(duckdb.connect(":memory:"))
    eng.register_frame("t", pd.DataFrame({"x": [1, 2, 3]}))
    assert eng.query("SELECT SUM(x) AS s FROM t")["s"].iloc[0] == 6
    assert eng.query("SELECT COUNT(*) AS n FROM t")["n"].iloc[0] == 3
    after = engine.sql_time()
    assert after["queries"] == before["queries"] + 2 and after["seconds"] > before["seconds"]
    assert json.loads(target.read_text()) == after
