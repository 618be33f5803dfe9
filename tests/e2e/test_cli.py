"""The commands on bad input: clear message naming file, line, column and rule; non-zero exit; reports untouched."""

import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lib.config import ROOT, SAMPLE_DIR

CORPUS = Path(__file__).parents[1] / "data" / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "tolerated") if CORPUS.exists() else []
TOLERATED = sorted((CORPUS / "tolerated").iterdir()) if (CORPUS / "tolerated").exists() else []


def _pipeline(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A reports folder holding an earlier, finished run that bad input must not touch."""
    out = tmp_path_factory.mktemp("reports")
    earlier = out / "2026-10"
    earlier.mkdir()
    (earlier / "index.html").write_text("earlier run")
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_stops_validate_and_report_cleanly(case, published):
    expect = json.loads((case / "expect.json").read_text())
    for args in (["validate", "--data", str(case)], ["run", "--data", str(case), "--out", str(published)]):
        res = _pipeline(*args)
        text = res.stdout + res.stderr
        assert res.returncode == 2, (args[0], text)
        assert "Traceback" not in text
        assert expect["file"] in text and expect["rule_contains"] in text, text
        if expect.get("column"):
            assert f"'{expect['column']}'" in text, text
        if expect.get("line"):
            assert re.search(rf"lines? [\d, ]*\b{expect['line']}\b", text), text
    assert (published / "2026-10" / "index.html").read_text() == "earlier run"
    assert sorted(p.name for p in published.iterdir() if not p.name.startswith(".")) == ["2026-10"]


@pytest.mark.parametrize("case", TOLERATED, ids=[c.name for c in TOLERATED])
def test_tolerated_input_validates_and_counts_repairs(case):
    res = _pipeline("validate", "--data", str(case))
    assert res.returncode == 0, res.stdout + res.stderr
    expect = json.loads((case / "expect.json").read_text())
    if expect.get("repairs"):
        assert "repaired" in res.stdout, res.stdout


def test_make_validate_names_the_problem(tmp_path):
    case = CORPUS / "negative_money"
    expect = json.loads((case / "expect.json").read_text())
    res = subprocess.run(["make", "-s", "validate", f"DATA={case}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode != 0
    assert f"{expect['file']}, line {expect['line']}, column '{expect['column']}'" in res.stdout, res.stdout
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")
def test_two_runs_on_one_period_do_not_corrupt_each_other(tmp_path):
    results = []

    def go():
        results.append(_pipeline("run", "--out", str(tmp_path), "--only", "overview", "--jobs", "1"))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
    period = json.loads((SAMPLE_DIR / "planted.json").read_text())["default_period"]
    run = tmp_path / period
    m = json.loads((run / "metrics.json").read_text())
    assert m["metrics"]["revenue_period"] > 0
    assert (run / "overview.html").stat().st_size > 10_000
    assert not list(tmp_path.glob(".tmp-*")) and not list(tmp_path.glob(".old-*"))
    shutil.rmtree(run)


def test_tolerated_tiny_input_runs_every_report(tmp_path):
    # four sales, one of them as '$1,234.50': every notebook copes with so little data
    case = CORPUS / "tolerated" / "dollar_money"
    res = _pipeline("run", "--data", str(case), "--out", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    run = next(p for p in tmp_path.iterdir() if p.name[:2] == "20")
    assert len(list(run.glob("*.html"))) == 10  # 7 reports, the front page, the glossary, the combined file
    assert "currency symbol or thousands separator removed" in (run / "index.html").read_text()
