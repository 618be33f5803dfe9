"""Tests of row rules, computed columns and integer_text in mapping.yaml (issue 18, point 2 and Bad input)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.mapping import parse_mapping
from lib.data.rules import Condition, SourceState, apply_computed, condition_mask, parse_computed

# an invoice-line export: shared invoice numbers, a C-prefixed cancellation, a zero-price adjustment
# without customer, an A-prefixed bad-debt line, a guest line and customer ids written as floats
EXPORT = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
    "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n"
    "536366,85123A,CREAM HANGING HEART,2,12/1/2010 8:28,2.55,,United Kingdom\n"
    "C536379,85123A,WHITE HANGING HEART,-1,12/1/2010 9:41,2.55,17850.0,United Kingdom\n"
    "536380,71053,,5,12/1/2010 9:45,0,,United Kingdom\n"
    "A563185,B,Adjust bad debt,1,8/12/2011 14:50,11062.06,,United Kingdom\n"
    "536381,85123A,WHITE HANGING HEART,3,12/1/2010 9:50,2.55,13047.0,France\n"
)
MAPPING = """\
tables:
  sales:
    file: online_retail.csv
    computed:
      line: {row_number: {within: InvoiceNo}}
      line_id: {concat: {columns: [InvoiceNo, line], sep: "-"}}
      units: {abs: Quantity}
      Status:
        status_from:
          - when: {column: InvoiceNo, starts_with: C}
            value: refunded
        default: completed
    rows:
      - exclude: {column: InvoiceNo, starts_with: A}
      - exclude: {all: [{column: UnitPrice, equals: 0}, {column: CustomerID, blank: true}]}
      - exclude: {column: Country, equals: Narnia}
    columns:
      sale_id: line_id
      order_id: InvoiceNo
      product_id: StockCode
      buyer_id: CustomerID
      date_sold: InvoiceDate
      sale_price: UnitPrice
      quantity: units
      status: Status
    constants: {channel: website}
    transforms:
      buyer_id: {integer_text: true}
      date_sold: {date_format: "%m/%d/%Y %H:%M"}
    guest: true
"""


def folder(root: Path, mapping: str = MAPPING, export: str = EXPORT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "online_retail.csv").write_text(export)
    (root / "mapping.yaml").write_text(mapping)
    return root


def test_the_invoice_export_reads_by_mapping_alone(tmp_path):
    ds = load_dataset(folder(tmp_path / "d"), use_cache=False)
    s = ds.tables["sales"]
    assert s["sale_id"].tolist() == ["536365-1", "536365-2", "536366-1", "C536379-1", "536381-1"]
    assert s["buyer_id"].tolist()[:2] == ["17850", "17850"]
    assert s["quantity"].tolist() == [6, 6, 2, 1, 3]
    assert s["status"].tolist() == ["completed", "completed", "completed", "refunded", "completed"]
    assert s["order_id"].tolist() == ["536365", "536365", "536366", "C536379", "536381"]
    assert s["is_guest"].tolist() == [False, False, True, False, False]
    q = ds.quality.set_index(["action", "reason"])["rows"]
    assert q[("excluded", "by rule 1 of tables.sales.rows (InvoiceNo starts with 'A')")] == 1
    assert q[("excluded", "by rule 2 of tables.sales.rows ((UnitPrice equals 0 and CustomerID blank))")] == 1
    assert q[("read", "rows read from online_retail.csv")] == 7  # the excluded lines were read too
    assert any("rule 3 of tables.sales.rows (Country equals 'Narnia') matched no line" in n for n in ds.notes)


def test_row_number_continues_across_pieces_of_a_large_file(tmp_path, monkeypatch):
    import lib.data.csv_source as cs

    export = EXPORT.splitlines()[0] + "\n" + "".join(
        f"{536000 + i // 3},X{i},D,1,12/1/2010 8:26,1.00,1.0,UK\n" for i in range(3000))
    monkeypatch.setattr(cs, "PIECE_BYTES", 20_000)  # the file streams in about ten pieces
    text = MAPPING.replace("      - exclude: {column: Country, equals: Narnia}\n", "")
    s = load_dataset(folder(tmp_path / "d", text, export), use_cache=False).tables["sales"]
    assert len(s) == 3000 and s["sale_id"].is_unique
    assert s["sale_id"].tolist()[:4] == ["536000-1", "536000-2", "536000-3", "536001-1"]


def test_without_row_number_the_shared_invoice_is_a_duplicate_with_its_fix(tmp_path):
    text = MAPPING.replace("sale_id: line_id", "sale_id: InvoiceNo")
    with pytest.raises(ContractError) as ei:
        load_dataset(folder(tmp_path / "d", text), use_cache=False)
    (p,) = ei.value.problems
    assert (p.lines, p.column, p.rule, p.detail) == ((2, 3), "sale_id", "duplicate value (must be unique)",
                                                    "e.g. '536365'")


def test_more_than_half_excluded_stops_unless_allowed(tmp_path):
    text = MAPPING.replace("      - exclude: {column: Country, equals: Narnia}\n",
                           "      - keep: {column: Country, equals: France}\n")
    with pytest.raises(ContractError) as ei:
        load_dataset(folder(tmp_path / "d", text), use_cache=False)
    (p,) = ei.value.problems
    assert p.message() == (
        "mapping.yaml, line 13: the row rules of tables.sales.rows exclude 6 of its 7 lines (86%), more than half "
        "(lines excluded by rule 1 (InvoiceNo starts with 'A'): 1; rule 2 ((UnitPrice equals 0 and CustomerID "
        "blank)): 1; rule 3 (keep only Country equals 'France'): 4; check the rules, or add `allow_large_exclusion: true` "
        "to the source if that is intended)")
    ds = load_dataset(folder(tmp_path / "e", text.replace("    guest: true\n",
                                                          "    guest: true\n    allow_large_exclusion: true\n")),
                      use_cache=False)
    assert ds.tables["sales"]["sale_id"].tolist() == ["536381-1"]


def test_integer_text_refuses_a_fraction(tmp_path):
    with pytest.raises(ContractError) as ei:
        load_dataset(folder(tmp_path / "d", export=EXPORT.replace("13047.0", "13047.5")), use_cache=False)
    (p,) = ei.value.problems
    assert p.message() == ("online_retail.csv, line 8, column 'buyer_id' (source 'CustomerID'): has a fractional "
                           "part (integer_text expects whole numbers written as 17850.0) (e.g. '13047.5')")


def _frame(**cols) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in cols.items()})


@pytest.mark.parametrize(("cond", "expect"), [
    (Condition("equals", "q", 0), [False, True, True, False, False]),          # 0, 0.00 numerically
    (Condition("equals", "q", "0"), [False, True, False, False, False]),       # text
    (Condition("not_equals", "q", "0"), [True, False, True, True, True]),
    (Condition("in", "q", ("-2", "x")), [False, False, False, True, True]),
    (Condition("starts_with", "q", "-"), [False, False, False, True, False]),
    (Condition("matches", "q", r"^\d+\.\d+$"), [True, False, True, False, False]),
    (Condition("blank", "b", True), [False, True, False, True, False]),
    (Condition("blank", "b", False), [True, False, True, False, True]),
    (Condition("less_than", "q", 0), [False, False, False, True, False]),      # 'x' is no number
    (Condition("greater_than", "q", 0.5), [True, False, False, False, False]),
    (Condition("any", parts=(Condition("blank", "b", True), Condition("equals", "q", "x"))),
     [False, True, False, True, True]),
])
def test_each_test_fires_where_it_must_and_not_elsewhere(cond, expect):
    f = _frame(q=["1.5", "0", " 0.00 ", "-2", "x"], b=["a", "", "c", " ", "e"])
    assert condition_mask(cond, f).tolist() == expect


def test_computed_columns():
    errs = []
    spec = parse_computed({
        "n": {"row_number": {"within": ["inv"]}},
        "id": {"concat": {"columns": ["inv", "n"], "sep": "/"}},
        "qty": {"abs": "q"},
        "code": {"extract": {"column": "title", "pattern": r"#(\d+)"}},
        "brand": {"split": {"column": "title", "sep": " - ", "part": 0}},
        "name": {"split": {"column": "title", "sep": " - ", "part": -1}},
        "st": {"status_from": [{"when": {"column": "q", "less_than": 0}, "value": "refunded"},
                               {"when": {"column": "inv", "starts_with": "C"}, "value": "cancelled"}],
               "default": "completed"},
    }, ("computed",), lambda *a, **k: errs.append(a))
    assert errs == []
    f = _frame(inv=["A", "A", "C9", "A"], q=["2", "-1", "3", "+4"],
               title=["Gucci - Bag #12", "Prada", "", "Dior - Hat - Red"])
    out = apply_computed(spec, f, SourceState())
    assert out["n"].tolist() == ["1", "2", "1", "3"]
    assert out["id"].tolist() == ["A/1", "A/2", "C9/1", "A/3"]
    assert out["qty"].tolist() == ["2", "1", "3", "4"]
    assert out["code"].tolist() == ["12", "", "", ""]
    assert out["brand"].tolist() == ["Gucci", "Prada", "", "Dior"]
    assert out["name"].tolist() == ["Bag #12", "Prada", "", "Red"]
    assert out["st"].tolist() == ["completed", "refunded", "cancelled", "completed"]


def test_a_rule_or_computed_column_naming_a_missing_column_names_the_file(tmp_path):
    text = MAPPING.replace("exclude: {column: InvoiceNo, starts_with: A}", "exclude: {column: Invoice, starts_with: A}")
    with pytest.raises(ContractError) as ei:
        load_dataset(folder(tmp_path / "d", text), use_cache=False)
    (p,) = ei.value.problems
    assert (p.file, p.lines, p.rule) == ("online_retail.csv", (1,),
                                         "column 'Invoice' used by rule 1 of tables.sales.rows is not in the file")


@pytest.mark.parametrize(("rows", "rule"), [
    ("rows: {exclude: x}", "tables.sales.rows: rows must be a list of rules"),
    ("rows: [{drop: {column: A, blank: true}}]",
     "tables.sales.rows[1]: a rule must be `exclude: <condition>` or `keep: <condition>`"),
    ("rows: [{exclude: {column: A, startswith: C}}]", "tables.sales.rows[1].exclude.startswith: unknown test "
     "'startswith'"),
    ("rows: [{exclude: {starts_with: C}}]", "tables.sales.rows[1].exclude: condition needs `column:` naming a "
     "column of the file"),
    ("rows: [{exclude: {column: A, starts_with: C, blank: true}}]", "tables.sales.rows[1].exclude: condition "
     "needs exactly one test, found 2"),
    ("rows: [{exclude: {column: A, less_than: ten}}]", "tables.sales.rows[1].exclude.less_than: less_than needs "
     "a number"),
    ("rows: [{exclude: {column: A, matches: '(a'}}]", "tables.sales.rows[1].exclude.matches: matches needs a "
     "usable regular expression in quotes"),
    ("rows: [{exclude: {column: A, matches: '(a)\\1'}}]", "tables.sales.rows[1].exclude.matches: matches needs "
     "a usable regular expression in quotes"),
    ("rows: [{exclude: {column: A, in: []}}]", "tables.sales.rows[1].exclude.in: in needs a list of single values"),
    ("rows: [{exclude: {column: A, blank: 'yes'}}]", "tables.sales.rows[1].exclude.blank: blank needs true or "
     "false"),
    ("rows: [{keep: {all: {column: A, blank: true}}}]", "tables.sales.rows[1].keep.all: all: needs a list of "
     "conditions"),
    ("computed: {x: {concat: {columns: [A]}}}", "tables.sales.computed.x.concat: concat needs {columns: [two or "
     "more columns], sep: text}"),
    ("computed: {x: {row_number: {by: A}}}", "tables.sales.computed.x.row_number: row_number needs {within: "
     "column} (or a list of columns)"),
    ("computed: {x: {abs: [A]}}", "tables.sales.computed.x.abs: abs needs a column name"),
    ("computed: {x: {extract: {column: A, pattern: 'a(b)(c)'}}}", "tables.sales.computed.x.extract.pattern: "
     "extract needs a pattern with one group"),
    ("computed: {x: {split: {column: A, sep: '', part: 0}}}", "tables.sales.computed.x.split: split needs "
     "{column: X, sep: text, part: a whole number (0 = first, -1 = last)}"),
    ("computed: {x: {status_from: {when: 1}}}", "tables.sales.computed.x.status_from: status_from needs a list "
     "of {when: <condition>, value: ...}"),
    ("computed: {x: {status_from: [{when: {column: A, blank: true}}]}}",
     "tables.sales.computed.x.status_from[1]: each case needs {when: <condition>, value: a single value}"),
    ("computed: {x: {upper: A}}", "tables.sales.computed.x.upper: unknown operation 'upper'"),
    ("computed: {x: {abs: A, concat: {columns: [A, B]}}}", "tables.sales.computed.x: a computed column needs "
     "exactly one operation, found 2"),
    ("computed: [x]", "tables.sales.computed: computed must be a mapping of new column: {operation: argument}"),
    ("allow_large_exclusion: 1", "tables.sales.allow_large_exclusion: must be true or false"),
])
def test_bad_rule_and_computed_keys_name_mapping_line_and_key(rows, rule):
    _, probs = parse_mapping(f"tables:\n  sales:\n    file: s.csv\n    {rows}\n")
    assert [(p.file, p.rule, p.lines) for p in probs][:1] == [("mapping.yaml", rule, (4,))]


def test_integer_text_needs_true_or_false():
    _, probs = parse_mapping("tables:\n  sales:\n    transforms:\n      buyer_id: {integer_text: 1}\n")
    assert [(p.lines, p.rule, p.detail) for p in probs] == [
        ((4,), "transform 'integer_text' has a wrong argument",
         "tables.sales.transforms.buyer_id.integer_text is 1; it must be true or false")]
