"""Tests of lib.data.load: the bad-input corpus through load_dataset, and the data-quality summary (docs/data-contract.md, When the input breaks the contract; Data-quality summary)."""

from __future__ import annotations

import json

import pytest

from lib.data.contract import TABLES
from lib.data.load import load_dataset, quality_summary, quality_text
from tests.data.corpus import BAD_CASES, CORPUS, TOLERATED_CASES, build_corpus, one_problem, write_base


def test_corpus_matches_generator(tmp_path):
    build_corpus(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert made == committed
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (CORPUS / rel).read_bytes(), rel


def test_base_dataset_is_clean(tmp_path):
    ds = load_dataset(write_base(tmp_path / "base"), use_cache=False)
    assert set(ds.tables) == set(TABLES)
    # nothing repaired or defaulted in the base: every blank is in a column without a default
    assert set(ds.quality["action"]) == {"read"}
    reads = ds.quality[ds.quality["reason"].str.startswith("rows read")].set_index("table")["rows"]
    assert reads.to_dict() == {"brands": 3, "products": 4, "inventory": 4, "sales": 4, "users": 3,
                               "shows": 2, "campaigns": 2, "touchpoints": 2}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_case(case):
    folder = CORPUS / case
    expect = json.loads((folder / "expect.json").read_text())
    p = one_problem(folder)
    assert p.file == expect["file"]
    if expect["line"] is not None:
        assert expect["line"] in p.lines
        assert f"line {expect['line']}" in p.message() or f", {expect['line']}" in p.message()
    assert p.column == expect["column"]
    assert expect["rule_contains"] in p.rule
    assert p.file in p.message() and expect["rule_contains"] in p.message()


@pytest.mark.parametrize("case", sorted(TOLERATED_CASES))
def test_tolerated_case(case):
    folder = CORPUS / "tolerated" / case
    expect = json.loads((folder / "expect.json").read_text())
    ds = load_dataset(folder, use_cache=False)
    q = ds.quality
    rep = q[q["action"] == "repaired"]
    expected_total = 0
    for table, reasons in expect["repairs"].items():
        for part, rows in reasons.items():
            got = rep[(rep["table"] == table) & rep["reason"].str.contains(part, regex=False)]["rows"].sum()
            assert got == rows, (table, part)
            expected_total += rows
    assert rep["rows"].sum() == expected_total  # no other repairs
    for table, cols in expect.get("extra_columns", {}).items():
        assert list(ds.tables[table].columns[-len(cols):]) == cols
    if "tables" in expect:
        assert sorted(ds.tables) == expect["tables"]


def test_exact_message_of_a_bad_cell():
    p = one_problem(CORPUS / "non_numeric_money")
    assert p.message() == "sales.csv, line 3, column 'sale_price': not a number (e.g. 'four hundred')"


def test_quality_summary_and_text(tmp_path):
    ds = load_dataset(CORPUS / "tolerated" / "dollar_money", use_cache=False)
    qs = quality_summary(ds)
    assert list(qs.columns) == ["table", "action", "reason", "rows"]
    assert qs["table"].is_monotonic_increasing
    text = quality_text(ds)
    assert text.startswith(f"Loaded 8 tables from {ds.source}: brands 3 rows, products 4 rows,")
    assert ("2 cells repaired (sales: sale_price: currency symbol or thousands separator removed (2))."
            in text)
    assert "Nothing defaulted." in text and "No rows excluded." in text
    ds = load_dataset(CORPUS / "tolerated" / "extra_columns", use_cache=False)
    assert "Noted: sales: 1 extra column kept, not used: notes (4)." in quality_text(ds)
