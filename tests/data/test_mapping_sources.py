"""Tests of several sources per table in mapping.yaml (issue 18, point 1), guests and order_id."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.mapping import parse_mapping

WHATNOT = (
    "order id,buyer,processed date,sold price,quantity,order status\n"
    "W1,anna,10/01/2026 08:11:10 PM,$120.00,1,Completed\n"
    "W2,bob,10/02/2026 09:00:00 PM,\"$1,080.00\",2,Completed\n"
)
POSHMARK = (
    "Order Id;Buyer Username;Order Date;Order Price;Listing Title\n"
    "P1;carol;2026-10-03;45.00;Gucci - Bag\n"
    "P2;;2026-10-04;30.00;Prada - Shoe\n"
    "P3;guest;2026-10-05;12.50;Prada - Belt\n"
)
MAPPING = """\
tables:
  sales:
    sources:
      - name: whatnot
        file: "whatnot_*.csv"
        columns: {sale_id: order id, buyer_id: buyer, date_sold: processed date, sale_price: sold price,
                  quantity: quantity, status: order status}
        constants: {channel: whatnot}
        transforms:
          date_sold: {date_format: "%m/%d/%Y %I:%M:%S %p"}
          sale_price: {strip_currency: true}
          status: {values: {Completed: completed}}
      - name: poshmark
        file: "poshmark_*.csv"
        delimiter: ";"
        columns: {sale_id: Order Id, buyer_id: Buyer Username, date_sold: Order Date, sale_price: Order Price}
        constants: {channel: poshmark}
        guest: true
        guest_values: [guest]
"""


def folder(root: Path, mapping: str = MAPPING, **files: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    content = {"whatnot_2026-10.csv": WHATNOT, "poshmark_2026.csv": POSHMARK, "mapping.yaml": mapping, **files}
    for name, text in content.items():
        if text is not None:
            (root / name).write_text(text)
    return root


def _problems(root: Path):
    with pytest.raises(ContractError) as ei:
        load_dataset(root, use_cache=False)
    return ei.value.problems


def test_two_layouts_stack_into_one_sales_table_with_their_channels(tmp_path):
    ds = load_dataset(folder(tmp_path / "d"), use_cache=False)
    s = ds.tables["sales"]
    assert s["sale_id"].tolist() == ["W1", "W2", "P1", "P2", "P3"]
    assert s["channel"].tolist() == ["whatnot", "whatnot", "poshmark", "poshmark", "poshmark"]
    assert s["sale_price"].tolist() == [120.0, 1080.0, 45.0, 30.0, 12.5]
    assert s["quantity"].tolist() == [1, 2, 1, 1, 1]  # poshmark has no quantity: the contract default
    assert str(s["date_sold"].iloc[0]) == "2026-10-01 20:11:10"
    q = ds.quality.set_index(["table", "action", "reason"])["rows"]
    assert q[("sales", "read", "rows read from whatnot_2026-10.csv [whatnot]")] == 2
    assert q[("sales", "read", "rows read from poshmark_2026.csv [poshmark]")] == 3


def test_guest_lines_have_no_buyer_and_are_marked(tmp_path):
    s = load_dataset(folder(tmp_path / "d"), use_cache=False).tables["sales"]
    assert s["is_guest"].tolist() == [False, False, False, True, True]
    assert s["buyer_id"].isna().tolist() == [False, False, False, True, True]
    assert s["buyer_id"].iloc[2] == "carol"


def test_a_blank_buyer_without_guest_is_still_an_error_naming_the_source_file(tmp_path):
    text = MAPPING.replace("        guest: true\n        guest_values: [guest]\n", "")
    (p,) = _problems(folder(tmp_path / "d", mapping=text))
    assert p.message() == ("poshmark_2026.csv [poshmark], line 3, column 'buyer_id' (source 'Buyer Username'): "
                           "required value is blank")


def test_guest_values_alone_count_only_the_listed_values(tmp_path):
    text = MAPPING.replace("        guest: true\n", "")
    (p,) = _problems(folder(tmp_path / "d", mapping=text))
    assert (p.file, p.lines, p.column) == ("poshmark_2026.csv [poshmark]", (3,), "buyer_id")  # 'guest' passed


def test_messages_name_the_right_source_file(tmp_path):
    bad = WHATNOT.replace("$120.00", "-$5.00")
    probs = _problems(folder(tmp_path / "d", **{"whatnot_2026-10.csv": bad}))
    assert [p.message() for p in probs] == [
        "whatnot_2026-10.csv [whatnot], line 2, column 'sale_price' (source 'sold price'): must be >= 0 "
        "(e.g. '-5.00')"]


def test_a_source_matching_no_file_is_an_error(tmp_path):
    probs = _problems(folder(tmp_path / "d", **{"poshmark_2026.csv": None}))
    assert [(p.file, p.lines, p.rule) for p in probs] == [
        ("mapping.yaml", (14,), "tables.sales.sources[2].file matches no file")]


def test_a_file_read_by_two_sources_is_an_error(tmp_path):
    text = MAPPING.replace('file: "poshmark_*.csv"', 'file: "*.csv"')
    probs = _problems(folder(tmp_path / "d", mapping=text))
    assert [p.rule for p in probs] == [
        "tables.sales.sources[2].file: whatnot_2026-10.csv is also read by source whatnot"]


def test_order_id_maps_onto_sales_as_a_kept_column(tmp_path):
    text = MAPPING.replace("columns: {sale_id: Order Id,", "columns: {order_id: Listing Title, sale_id: Order Id,")
    s = load_dataset(folder(tmp_path / "d", mapping=text), use_cache=False).tables["sales"]
    assert s["order_id"].tolist()[2:] == ["Gucci - Bag", "Prada - Shoe", "Prada - Belt"]
    assert s["order_id"].isna().tolist()[:2] == [True, True]


@pytest.mark.parametrize(("text", "rule", "line"), [
    ("tables:\n  sales:\n    sources: whatnot.csv\n", "tables.sales.sources: must be a list of sources, each with "
     "name: and file:", 3),
    ("tables:\n  sales:\n    sources:\n      - {file: a.csv}\n", "tables.sales.sources[1] needs name: a short name "
     "of letters, digits, - or _", 4),
    ("tables:\n  sales:\n    sources:\n      - {name: a, file: a.csv}\n      - {name: a, file: b.csv}\n",
     "tables.sales.sources[2]: the name 'a' is used by another source", 5),
    ("tables:\n  sales:\n    sources:\n      - {name: a}\n", "tables.sales.sources[1] needs file: a file name or "
     "pattern", 4),
    ("tables:\n  sales:\n    file: x.csv\n    sources:\n      - {name: a, file: a.csv}\n",
     "tables.sales: file belongs inside each source when sources: is given", 3),
    ("tables:\n  sales:\n    sources:\n      - {name: a, file: a.csv, colums: {}}\n",
     "tables.sales.sources[1]: unknown key 'colums'", 4),
    ("tables:\n  sales:\n    sources:\n      - {name: a, file: a.csv, columns: {sale_idd: X}}\n",
     "tables.sales.sources[1].columns: not a column of sales", 4),
    ("tables:\n  sales:\n    guest: 'yes'\n", "tables.sales.guest: must be true or false", 3),
    ("tables:\n  sales:\n    guest_values: guest\n", "tables.sales.guest_values: must be a list of buyer_id values "
     "that mean a guest", 3),
    ("tables:\n  users:\n    guest: true\n", "tables.users.guest: only sales has guest lines, not users", 3),
])
def test_bad_source_keys_name_mapping_line_and_key(text, rule, line):
    _, probs = parse_mapping(text)
    assert (probs[0].file, probs[0].rule, probs[0].lines) == ("mapping.yaml", rule, (line,))
