"""Tests of the grouped validation output (issue 18, point 6): a summary first, problems grouped by rule across
files, each file with its own example value, a fix naming the mapping key, at most 40 lines on the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.data.dataset import ContractError, Problem
from lib.data.load import load_dataset
from lib.data.problem_groups import TERMINAL_LINES, fix_hint, group_problems, problem_report
from lib.run.pipeline import validate

MAPPING = """\
tables:
  sales:
    file: "day_*.csv"
    columns: {sale_id: Invoice, buyer_id: Customer, date_sold: Date, sale_price: Price}
"""
HEADER = "Invoice,Customer,Date,Price\n"


def daily(root: Path, days: int = 3) -> Path:
    """``days`` files; file d has a blank customer on lines 3 and 4 and a price 'x<d>' on line 5."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mapping.yaml").write_text(MAPPING)
    for d in range(days):
        rows = [f"{d}-1,c1,2026-10-01,1.00", f"{d}-2,,2026-10-01,1.00", f"{d}-3,,2026-10-01,1.00",
                f"{d}-4,c2,2026-10-01,x{d}"]
        (root / f"day_{d:03d}.csv").write_text(HEADER + "\n".join(rows) + "\n")
    return root


def _problems(root: Path) -> list[Problem]:
    with pytest.raises(ContractError) as ei:
        load_dataset(root, use_cache=False)
    return ei.value.problems


def test_each_file_keeps_its_own_example_value(tmp_path):
    probs = [p for p in _problems(daily(tmp_path / "d")) if p.rule == "not a number"]
    assert [(p.file, p.lines, p.detail) for p in probs] == [
        ("day_000.csv", (5,), "e.g. 'x0'"), ("day_001.csv", (5,), "e.g. 'x1'"), ("day_002.csv", (5,), "e.g. 'x2'")]


def test_problems_are_grouped_by_rule_with_a_summary_and_a_fix(tmp_path):
    term, full = problem_report(_problems(daily(tmp_path / "d")))
    assert term == full == [
        "The input breaks the data contract: 2 problems, 9 lines in 3 files.",
        "  - column 'buyer_id' (source 'Customer'): required value is blank: 6 lines in 3 files, first in "
        "day_000.csv lines 3, 4 ...",
        "      day_000.csv, lines 3, 4",
        "      day_001.csv, lines 3, 4",
        "      day_002.csv, lines 3, 4",
        "      fix: declare `guest: true` for the source if these are guest checkouts, fill them with "
        "`defaults: {buyer_id: ...}`, or drop the lines with `rows: [{exclude: {column: Customer, blank: true}}]`",
        "  - column 'sale_price' (source 'Price'): not a number: 3 lines in 3 files, first in day_000.csv line 5 ...",
        "      day_000.csv, line 5 (e.g. 'x0')",
        "      day_001.csv, line 5 (e.g. 'x1')",
        "      day_002.csv, line 5 (e.g. 'x2')",
        "      fix: amounts with currency signs take `transforms: {sale_price: {strip_currency: true}}`",
    ]


def test_a_problem_in_one_file_reads_as_before():
    p = Problem("sales.csv", "sale_price", "must be >= 0", (14,), 1, "e.g. '-80.00'")
    term, _ = problem_report([p])
    assert term[1] == "  - sales.csv, line 14, column 'sale_price': must be >= 0 (e.g. '-80.00')"
    assert term[2].startswith("      fix: negative values are returns or corrections: drop them with `rows: "
                              "[{exclude: {column: sale_price, less_than: 0}}]`")


def test_305_files_fit_in_40_terminal_lines_and_the_full_list_is_kept(tmp_path):
    probs = _problems(daily(tmp_path / "d", days=305))
    assert len(group_problems(probs)) == 2
    term, full = problem_report(probs)
    assert len(term) <= TERMINAL_LINES - 1 and len(full) == 1 + 2 * (1 + 305 + 1)
    assert term[0] == "The input breaks the data contract: 2 problems, 915 lines in 305 files."
    assert term[1] == ("  - column 'buyer_id' (source 'Customer'): required value is blank: 610 lines in 305 files, "
                       "first in day_000.csv lines 3, 4 ...")
    assert "      ... and 302 more files" in term
    assert sum(line.startswith("      fix: ") for line in term) == 2


def test_validate_prints_at_most_40_lines_and_writes_the_full_list(tmp_path, monkeypatch, capsys):
    import lib.run.pipeline as pl
    from lib.run.logs import close_logging, setup_logging

    monkeypatch.setattr(pl, "CACHE_DIR", tmp_path / "cache")
    setup_logging()
    try:
        assert validate(str(daily(tmp_path / "d", days=305))) == 2
    finally:
        close_logging()
    out = capsys.readouterr().out.splitlines()
    lines = out[1:]  # after "Source: ..."
    assert len(lines) <= TERMINAL_LINES
    assert lines[0] == "The input breaks the data contract: 2 problems, 915 lines in 305 files."
    assert lines[-1].startswith("The full list (615 lines) is in ")
    log = Path(lines[-1].removeprefix("The full list (615 lines) is in ").rstrip("."))
    assert log.read_text().count("day_") == 2 * 305 + 2
    assert "day_304.csv, line 5 (e.g. 'x304')" in log.read_text()


@pytest.mark.parametrize(("column", "rule", "key"), [
    ("buyer_id", "required value is blank", "guest: true"),
    ("product_name", "required value is blank", "defaults:"),
    ("sale_id", "duplicate value (must be unique)", "row_number:"),
    ("quantity", "must be >= 1", "exclude:"),
    ("buyer_id", "has a fractional part (integer_text expects whole numbers written as 17850.0)", "exclude:"),
    ("quantity", "not a whole number", "integer_text: true"),
    ("date_sold", "not an ISO 8601 timestamp", "date_format:"),
    ("status", "value not allowed (allowed: completed, refunded, cancelled)", "values:"),
    ("product_id", "value not found in products.csv (product_id)", "from: sales"),
    ("sale_price", "required column missing", "columns:"),
])
def test_each_fix_names_the_key_that_fixes_it(column, rule, key):
    assert key in fix_hint(column, rule, "Src")


def test_no_fix_is_invented_for_a_rule_without_one():
    assert fix_hint(None, "file is empty (no header row)") == ""
