"""Faults during a run (issue 16, items 7, 9, 11): an unwritable or full disk, stale temp folders, periods outside the data.

The notebooks are replaced by a fake that writes a page in a thread, so each run takes a second or two; everything
else (loading, the period check, the front page, the combined file, the leak check, publishing, logging) is real.
"""

import errno
import json
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from lib.config import SAMPLE_DIR
from lib.run import pipeline
from lib.run.executor import NotebookRun

pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")

PLANTED = SAMPLE_DIR / "planted.json"
PERIOD = json.loads(PLANTED.read_text())["default_period"] if PLANTED.exists() else ""
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _ThreadPool(ThreadPoolExecutor):
    def __init__(self, max_workers=None, mp_context=None):
        super().__init__(max_workers=max_workers)


def _fake_execute(name, title, params, run_dir, env):
    (Path(run_dir) / f"{name}.html").write_text(f"<html><body><main><p>{title} {params['period']}</p></main></body>"
                                                "</html>", encoding="utf-8")
    (Path(run_dir) / "notebooks" / f"{name}.ipynb").write_text("{}")
    return NotebookRun(name, True, 0.1, 0.1)


def _fake_previous(params, out_file, env):
    Path(out_file).write_text("{}")
    return 0.0


@pytest.fixture(autouse=True)
def like_a_terminal(monkeypatch):
    """No pytest log capture: records reach only what the program set up, as in a real process."""
    monkeypatch.setattr(logging.getLogger("laceluxx"), "propagate", False)


@pytest.fixture
def fake_notebooks(monkeypatch):
    """Notebooks that write a page at once, in threads of this process."""
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", _ThreadPool)
    monkeypatch.setattr(pipeline, "warm", lambda: None)
    monkeypatch.setattr(pipeline, "execute_one", _fake_execute)
    monkeypatch.setattr(pipeline, "previous_one", _fake_previous)
    yield
    for h in list(logging.getLogger("laceluxx").handlers):  # the old code never closed its log file
        if isinstance(h, logging.FileHandler):
            try:
                h.close()
            except OSError:  # /dev/full refuses the last flush
                pass
            logging.getLogger("laceluxx").removeHandler(h)


def _main(capsys, *args) -> tuple[int, str]:
    code = pipeline.main(list(args))
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_trace(text: str) -> None:
    assert "Traceback" not in text and "Logging error" not in text and 'File "' not in text, text


@pytest.fixture
def earlier(tmp_path):
    """OUT holding an earlier published report that a failing run must leave byte-identical."""
    out = tmp_path / "reports"
    (out / "2020-01").mkdir(parents=True)
    (out / "2020-01" / "index.html").write_text("earlier run")
    return out


def _leftovers(out: Path) -> list[str]:
    """What OUT holds besides the log folder, the queue's lock files and the earlier report."""
    return sorted(p.name for p in out.iterdir() if p.name not in (".logs", "2020-01") and not p.name.endswith(".lock"))


# item 11: a period must overlap the data


def _sales_months() -> tuple[str, str]:
    from lib.data.cache import table_column
    from lib.data.load import load_dataset

    ts = table_column(load_dataset(str(SAMPLE_DIR)), "sales", "date_sold")
    return ts.min().strftime("%Y-%m"), ts.max().strftime("%Y-%m")


def _name(label: str) -> str:
    return pd.Timestamp(label + "-01").strftime("%B %Y")


def _month_before(label: str) -> str:
    y, m = map(int, label.split("-"))
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def _month_after(label: str) -> str:
    y, m = map(int, label.split("-"))
    return f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}"


@pytest.mark.parametrize("which", ["1900", "before-first-sale", "future"])
def test_period_outside_the_data_is_refused(which, fake_notebooks, earlier, capsys):
    first, last = _sales_months()
    period = {"1900": "1900-01", "before-first-sale": _month_before(first), "future": _month_after(last)}[which]
    code, text = _main(capsys, "run", "--out", str(earlier), "--period", period)
    assert code == 2, text
    assert (f"The data has sales from {_name(first)} to {_name(last)}; {period} has "
            "none. Choose a month in that range, or add --allow-empty-period (ALLOW_EMPTY_PERIOD=1 with make) for "
            "a deliberate empty report.") in text
    _no_trace(text)
    assert not (earlier / period).exists() and _leftovers(earlier) == []
    assert _tree(earlier / "2020-01") == {"index.html": b"earlier run"}


def test_allow_empty_period_runs_a_month_without_sales(fake_notebooks, earlier, capsys):
    code, text = _main(capsys, "run", "--out", str(earlier), "--period", "1900-01", "--allow-empty-period")
    assert code == 0, text
    assert (earlier / "1900-01" / "index.html").exists() and (earlier / "1900-01" / "overview.html").exists()
    assert json.loads((earlier / "1900-01" / "metrics.json").read_text())["period"] == "1900-01"


def test_first_and_last_month_of_the_data_run(fake_notebooks, earlier, capsys):
    first, last = _sales_months()
    for period in (first, last):
        code, text = _main(capsys, "run", "--out", str(earlier), "--period", period, "--only", "overview")
        assert code == 0, text
        assert (earlier / period / "overview.html").exists()


# item 7: one logging set-up; sentences, never a traceback


def test_unwritable_out_is_one_sentence(tmp_path, capsys):
    (tmp_path / "afile").write_text("a file where the reports folder's parent should be")
    out = tmp_path / "afile" / "out"
    code, text = _main(capsys, "run", "--out", str(out))
    assert code != 0
    _no_trace(text)
    assert f"Cannot write to the reports folder {out}" in text, text
    assert not out.exists()


def test_validate_on_an_unexpected_error_prints_a_sentence(monkeypatch, capsys):
    from lib.data import load

    def boom(*a, **k):
        raise RuntimeError("the loader broke")

    monkeypatch.setattr(load, "load_dataset", boom)
    code, text = _main(capsys, "validate", "--data", str(SAMPLE_DIR))
    assert code == 1, text
    _no_trace(text)
    assert "RuntimeError: the loader broke" in text, text


def test_full_disk_under_the_log_is_one_sentence(fake_notebooks, earlier, monkeypatch, capsys):
    monkeypatch.setattr(logging.FileHandler, "_open", lambda self: open("/dev/full", "a"))
    code, text = _main(capsys, "run", "--out", str(earlier), "--only", "overview")
    _no_trace(text)
    assert code == 0, text  # the reports were written; only the log could not be
    assert text.count("could not be written") == 1, text
    assert "the disk is full" in text and str(earlier / ".logs") in text, text
    assert (earlier / PERIOD / "overview.html").exists()


# item 9: a failed write leaves nothing but the log; stale temp folders go


def test_disk_full_at_publish_leaves_only_the_log(fake_notebooks, earlier, monkeypatch, capsys):
    def full(tmp, final):
        (tmp / "half-written.html").write_text("x")
        raise ENOSPC

    monkeypatch.setattr(pipeline, "_publish", full)
    code, text = _main(capsys, "run", "--out", str(earlier))
    assert code == 1, text
    _no_trace(text)
    assert f"The disk holding {earlier} is full" in text, text
    assert _leftovers(earlier) == [] and _tree(earlier / "2020-01") == {"index.html": b"earlier run"}
    assert list((earlier / ".logs").glob("run-*.log"))


def test_disk_full_in_a_notebooks_html_leaves_only_the_log(fake_notebooks, earlier, monkeypatch, capsys):
    def html_full(name, title, params, run_dir, env):
        (Path(run_dir) / f"{name}.html").write_text("<html><body><main>half")
        (Path(run_dir) / "notebooks" / f"{name}.ipynb").write_text("{}")
        return NotebookRun(name, False, 0.1, 0.1, f"HTML export failed: {ENOSPC}")

    def copy_full(*a, **k):
        raise ENOSPC

    monkeypatch.setattr(pipeline, "execute_one", html_full)
    monkeypatch.setattr(shutil, "copy2", copy_full)
    code, text = _main(capsys, "run", "--out", str(earlier), "--only", "brands")
    assert code == 1, text
    _no_trace(text)
    assert f"The disk holding {earlier} is full" in text, text
    assert _leftovers(earlier) == [] and _tree(earlier / "2020-01") == {"index.html": b"earlier run"}


def test_disk_full_while_copying_the_published_run_leaves_only_the_log(fake_notebooks, earlier, monkeypatch, capsys):
    final = earlier / PERIOD
    final.mkdir()
    (final / "index.html").write_text("published")
    before = _tree(final)
    real = shutil.copytree

    def copy_half(src, dst, *a, **k):
        real(src, dst, *a, **k)
        raise ENOSPC

    monkeypatch.setattr(shutil, "copytree", copy_half)
    code, text = _main(capsys, "run", "--out", str(earlier), "--only", "overview")
    assert code == 1, text
    _no_trace(text)
    assert _leftovers(earlier) == [PERIOD] and _tree(final) == before


def test_stale_temp_folders_are_removed_young_ones_kept(fake_notebooks, earlier, capsys):
    stale = [earlier / ".tmp-2026-10-abc", earlier / f".old-{PERIOD}-123"]
    young = earlier / ".tmp-2026-10-young"
    for d in (*stale, young):
        (d / "notebooks").mkdir(parents=True)
        (d / "overview.html").write_text("killed run")
    two_hours_ago, five_minutes_ago = time.time() - 7200, time.time() - 300
    for d in stale:
        os.utime(d, (two_hours_ago, two_hours_ago))
    os.utime(young, (five_minutes_ago, five_minutes_ago))
    code, text = _main(capsys, "run", "--out", str(earlier), "--only", "overview")
    assert code == 0, text
    assert not any(d.exists() for d in stale)
    assert (young / "overview.html").read_text() == "killed run"
    assert _leftovers(earlier) == [".tmp-2026-10-young", PERIOD]
