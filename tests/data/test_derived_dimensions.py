"""Tests of dimension tables derived from the sales export (issue 18, point 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.mapping import parse_mapping
from lib.data.sources import pick_values
from tests.data.test_row_rules import EXPORT, MAPPING

DERIVED = MAPPING + """\
  products:
    from: sales
    key: StockCode
    columns: {product_name: Description, brand_id: Brand}
    constants: {category: home, condition: A}
    defaults: {brand_id: house}
    pick: {product_name: most_frequent, brand_id: first}
  brands:
    from: sales
    key: Brand
    columns: {brand_name: Brand}
  users:
    from: sales
    key: CustomerID
    columns: {signup_date: InvoiceDate}
    transforms:
      user_id: {integer_text: true}
      signup_date: {date_format: "%m/%d/%Y %H:%M"}
    pick: min
"""
# a brand from the start of the description ("WHITE HANGING HEART" -> WHITE)
DERIVED = DERIVED.replace("      units: {abs: Quantity}\n",
                          "      units: {abs: Quantity}\n      Brand: {split: {column: Description, sep: ' ', part: 0}}\n")


def folder(root: Path, mapping: str = DERIVED, export: str = EXPORT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "online_retail.csv").write_text(export)
    (root / "mapping.yaml").write_text(mapping)
    return root


def test_products_brands_and_users_come_from_the_sales_lines(tmp_path):
    ds = load_dataset(folder(tmp_path / "d"), use_cache=False)
    p = ds.tables["products"].set_index("product_id")
    # 85123A: WHITE HANGING HEART on 3 kept lines, CREAM HANGING HEART on 1 -> the most frequent
    assert p.loc["85123A", "product_name"] == "WHITE HANGING HEART"
    assert p.loc["71053", "product_name"] == "WHITE METAL LANTERN"  # the blank on the adjustment line is excluded
    assert p.loc["85123A", "brand_id"] == "WHITE"  # first
    assert sorted(ds.tables["brands"]["brand_id"]) == ["CREAM", "WHITE"]
    u = ds.tables["users"].set_index("user_id")
    assert sorted(u.index) == ["13047", "17850"]  # guest (blank) lines make no user
    assert str(u.loc["17850", "signup_date"].date()) == "2010-12-01"
    q = ds.quality.set_index(["table", "reason"])["rows"]
    assert q[("products", "product_name: 1 product had several values; kept the most frequent (e.g. product "
              "85123A had 2 values of Description)")] == 1
    assert q[("products", "rows read from online_retail.csv")] == 2
    assert q[("users", "users from sales: lines without a CustomerID skipped")] == 1


def test_a_derived_row_with_a_blank_required_value_names_its_first_line(tmp_path):
    export = EXPORT.replace("536381,85123A,WHITE HANGING HEART", "536381,99999,")
    with pytest.raises(ContractError) as ei:
        load_dataset(folder(tmp_path / "d", export=export), use_cache=False)
    got = [(p.file, p.lines, p.column, p.rule) for p in ei.value.problems]
    assert ("online_retail.csv", (8,), "product_name", "required value is blank") in got


def test_pick_rules():
    codes = np.array([0, 0, 0, 1, 1, 0])
    vals = np.array(["b", "a", "a", "", "z", "b"], dtype=object)
    assert pick_values(codes, vals, 2, "most_frequent")[0].tolist() == ["b", "z"]  # tie: seen first
    assert pick_values(codes, vals, 2, "first")[0].tolist() == ["b", "z"]
    assert pick_values(codes, vals, 2, "last")[0].tolist() == ["b", "z"]
    assert pick_values(codes, vals[[1, 0, 2, 3, 4, 5]], 2, "last")[0].tolist() == ["b", "z"]
    assert pick_values(codes, vals, 2, "min")[0].tolist() == ["a", "z"]
    assert pick_values(codes, vals, 2, "max")[0].tolist() == ["b", "z"]
    assert pick_values(codes, vals, 2, "first")[1].tolist() == [2, 1]


@pytest.mark.parametrize(("entry", "rule"), [
    ("inventory: {from: sales, key: X}", "tables.inventory.from: tables.inventory: only products, brands, users "
     "can be derived from another table"),
    ("products: {from: users, key: X}", "tables.products.from: from: must name the sales table (or one of its "
     "sources, e.g. sales.webshop)"),
    ("products: {from: sales}", "tables.products.from: a derived table needs key: the source column that "
     "identifies each row"),
    ("products: {from: sales, key: X, file: p.csv}", "tables.products: unknown key 'file'"),
    ("products: {from: sales, key: X, pick: biggest}", "tables.products.pick: unknown pick rule 'biggest'"),
    ("products: {from: sales, key: X, columns: {product_id: X}}", "tables.products.columns: the key feeds "
     "product_id"),
    ("products: {from: sales, key: X, pick: {product_name: first}}", "tables.products.pick.product_name: pick: "
     "names a column not listed under columns:"),
    ("products: {from: sales.webshop, key: X}", "tables.products.from: sales has no source named 'webshop'"),
])
def test_bad_derived_keys_name_mapping_line_and_key(entry, rule):
    _, probs = parse_mapping(f"tables:\n  sales:\n    file: s.csv\n  {entry}\n")
    assert [(p.file, p.rule, p.lines) for p in probs][:1] == [("mapping.yaml", rule, (4,))]


def test_deriving_without_a_sales_mapping_is_an_error():
    _, probs = parse_mapping("tables:\n  products: {from: sales, key: X}\n")
    assert [p.rule for p in probs] == ["tables.products.from: sales has no sources in this mapping to derive "
                                       "products from"]
