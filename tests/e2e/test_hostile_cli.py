"""No command runs from a make variable (issue 16, item 1): every value reaches the program as text and is checked."""

import subprocess

import pytest

from lib.config import ROOT, SAMPLE_DIR

pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")


def _make(*args, timeout=300):
    res = subprocess.run(["make", "-s", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return res.returncode, res.stdout + res.stderr


def _clean(text: str) -> None:
    assert "Traceback" not in text and "Logging error" not in text, text


@pytest.mark.parametrize("payload", ["$(touch {f})", "`touch {f}`", "$(shell touch {f})", '"; touch {f}; echo "'],
                         ids=["dollar-paren", "backticks", "make-shell", "double-quote"])
def test_make_report_runs_no_command_from_period(payload, tmp_path):
    pwned = tmp_path / "pwned"
    code, text = _make("report", f"PERIOD={payload.format(f=pwned)}", f"OUT={tmp_path / 'out'}")
    assert not pwned.exists(), text
    assert code == 2, text
    assert "PERIOD must be a month written YYYY-MM, for example PERIOD=2026-10" in text, text
    assert payload.format(f=pwned)[:20] in text  # the value is quoted as typed
    _clean(text)
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_make_validate_runs_no_command_from_data(tmp_path):
    pwned = tmp_path / "pwned"
    data = f"{tmp_path}/`touch {pwned}`"
    code, text = _make("validate", f"DATA={data}")
    assert not pwned.exists(), text
    assert code == 2, text
    assert data in text, text  # the folder is named as typed: it does not exist
    _clean(text)


@pytest.mark.parametrize("var,payload,rule", [
    ("JOBS", "x; touch {f}", "JOBS must be a whole number from 1 to 32"),
    ("TZ_NAME", 'UTC"; touch {f}; echo "', "TZ_NAME must be a time-zone name such as America/New_York"),
    ("CURRENCY", 'USD"; touch {f}; echo "', "CURRENCY must be a three-letter currency code such as USD or EUR"),
])
def test_make_report_runs_no_command_from_other_variables(var, payload, rule, tmp_path):
    pwned = tmp_path / "pwned"
    code, text = _make("report", f"{var}={payload.format(f=pwned)}", f"OUT={tmp_path / 'out'}")
    assert not pwned.exists(), text
    assert code == 2 and rule in text, text
    _clean(text)


def test_make_report_takes_out_as_a_folder_name(tmp_path):
    # a quote and a ';' in OUT: the folder is created with that very name, and no command runs
    pwned = tmp_path / "pwned"
    out = tmp_path / f'o"; touch {pwned}; echo "'
    code, text = _make("report", f"OUT={out}", "PERIOD=1900-01")
    assert not pwned.exists(), text
    assert code == 2, text
    assert "1900-01 has none" in text and "ALLOW_EMPTY_PERIOD=1" in text, text
    assert (out / ".logs").is_dir() and not (out / "1900-01").exists()
    _clean(text)


def test_make_report_one_notebook_passes_the_variables(tmp_path):
    code, text = _make("report-overview", "PERIOD=1900-01", f"OUT={tmp_path}")
    assert code == 2 and "1900-01 has none" in text, text
    assert list((tmp_path / ".logs").glob("run-*.log"))


def test_make_bench_runs_no_command_from_sales(tmp_path):
    pwned = tmp_path / "pwned"
    code, text = _make("bench", f"SALES=x; touch {pwned}")
    assert not pwned.exists(), text
    assert code == 2 and "--sales" in text and "invalid int value" in text, text


def test_make_recipes_hold_no_user_text():
    # a dry run prints the commands make would give the shell: the values never appear in them
    res = subprocess.run(["make", "-n", "report", "validate", "report-customers", "bench", "PERIOD=`PWNMARK`",
                          "DATA=$$(PWNMARK)", "OUT=o`PWNMARK`", "TZ_NAME=`PWNMARK`", "CURRENCY=`PWNMARK`",
                          "JOBS=`PWNMARK`", "SALES=`PWNMARK`"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "lib.run.pipeline run --from-make" in res.stdout
    assert "PWNMARK" not in res.stdout, res.stdout
