"""Tests of hostile mapping.yaml files and paths (issue 16, items 5, 6, 8): alias bombs, size caps, symlinks, broken transforms."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from lib.data.mapping import MAX_MAPPING_BYTES, MAX_STRING_CHARS, parse_mapping
from tests.data.test_mapping import MAPPING, ORDERS_09, shop_folder

# the classic "billion laughs": 9 levels of 9 references, 10**9 strings once expanded (under 600 bytes)
BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
tables:
  sales:
    file: *i
"""

SALES = "sale_id,buyer_id,date_sold,sale_price\n1,b,2026-10-01,12.50\n"


def _messages(folder: Path) -> list[str]:
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    return [p.message() for p in ei.value.problems]


# --------------------------------------------------------------------------- item 5: aliases and size caps


def test_billion_laughs_is_refused_quickly_naming_the_file_and_aliases(tmp_path):
    assert len(BOMB) < 700
    folder = shop_folder(tmp_path / "d", mapping=BOMB)
    t0 = time.perf_counter()
    msgs = _messages(folder)
    assert time.perf_counter() - t0 < 0.5
    assert msgs == ["mapping.yaml, line 1: YAML aliases and anchors (&name, *name) are not allowed "
                    "(write each value out in full)"]


def test_a_single_anchor_or_merge_key_is_refused():
    _, probs = parse_mapping("tables:\n  sales: &s {file: s.csv}\n")
    assert [(p.file, p.lines, p.rule) for p in probs] == [
        ("mapping.yaml", (2,), "YAML aliases and anchors (&name, *name) are not allowed")]
    m, probs = parse_mapping("base: {file: s.csv}\ntables:\n  sales:\n    <<: *x\n")
    assert m is None and [(p.lines, p.rule) for p in probs] == [
        ((4,), "YAML aliases and anchors (&name, *name) are not allowed")]


def test_a_2_mb_mapping_is_refused(tmp_path):
    big = MAPPING + "# padding\n" * (2_000_000 // 10)
    assert len(big) > 2_000_000
    folder = shop_folder(tmp_path / "d", mapping=big)
    assert _messages(folder) == [
        f"mapping.yaml: mapping file is larger than {MAX_MAPPING_BYTES // 1_000_000} MB "
        "(found 2.0 MB; a mapping needs only a few kB)"]


def test_too_many_entries_too_deep_and_too_long_strings_are_refused():
    many = "tables:\n  sales:\n    transforms:\n      status:\n        values: {" + ", ".join(
        f"v{i}: completed" for i in range(30_000)) + "}\n"
    assert len(many) < MAX_MAPPING_BYTES
    _, probs = parse_mapping(many)
    assert [(p.file, p.rule) for p in probs] == [("mapping.yaml", "mapping has more than 20000 entries")]
    _, probs = parse_mapping("tables:\n  sales:\n    file: " + "[" * 60 + "]" * 60 + "\n")
    assert [(p.lines, p.rule) for p in probs] == [((3,), "mapping is nested more than 20 levels deep")]
    fmt = "%Y" + "x" * 200_000
    _, probs = parse_mapping("tables:\n  sales:\n    transforms:\n      date_sold: {date_format: '" + fmt + "'}\n")
    (p,) = probs
    assert (p.lines, p.rule) == ((4,), f"a value is longer than {MAX_STRING_CHARS} characters")
    assert p.detail == f"found {len(fmt)} characters, starting {fmt[:80]!r}"
    assert len(p.message()) < 250


def test_a_normal_mapping_still_parses_clean_and_loads(tmp_path):
    m, probs = parse_mapping(MAPPING)
    assert probs == [] and sorted(m.tables) == ["sales", "users"]
    assert m.tables["sales"].transforms["status"] == {
        "values": {"paid": "completed", "refunded": "refunded", "voided": "cancelled"}}
    ds = load_dataset(shop_folder(tmp_path / "d"), use_cache=False)
    assert ds.tables["sales"]["sale_id"].tolist() == ["#1001", "#1002", "#1003"]


# --------------------------------------------------------------------------- item 6: symlinks


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A folder beside the data folder holding a perfectly valid sales file (a stand-in for /etc)."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "passwd").write_text(SALES)
    return out


def _data(tmp_path: Path, mapping: str | None) -> Path:
    folder = tmp_path / "d"
    folder.mkdir()
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping)
    return folder


def test_a_symlinked_directory_is_refused(tmp_path, outside):
    folder = _data(tmp_path, "tables:\n  sales:\n    file: etcdir/passwd\n")
    (folder / "etcdir").symlink_to(outside, target_is_directory=True)
    assert _messages(folder) == [
        "mapping.yaml, line 3: tables.sales.file: files must be inside the data folder; "
        "etcdir/passwd points outside it"]


def test_a_symlinked_file_is_refused(tmp_path, outside):
    folder = _data(tmp_path, "tables:\n  sales:\n    file: orders.csv\n")
    (folder / "orders.csv").symlink_to(outside / "passwd")
    assert _messages(folder) == [
        "mapping.yaml, line 3: tables.sales.file: files must be inside the data folder; "
        "orders.csv points outside it"]


def test_a_glob_matching_a_symlink_is_refused(tmp_path, outside):
    folder = _data(tmp_path, "tables:\n  sales:\n    file: 'orders_*.csv'\n")
    (folder / "orders_09.csv").write_text(SALES)
    (folder / "orders_10.csv").symlink_to(outside / "passwd")
    assert _messages(folder) == [
        "mapping.yaml, line 3: tables.sales.file: files must be inside the data folder; "
        "orders_10.csv points outside it"]


def test_a_plain_folder_with_a_symlinked_contract_file_is_refused(tmp_path, outside):
    folder = _data(tmp_path, None)
    (folder / "sales.csv").symlink_to(outside / "passwd")
    assert _messages(folder) == ["sales.csv: files must be inside the data folder; sales.csv points outside it"]


def test_a_symlinked_mapping_file_pointing_outside_is_refused(tmp_path, outside):
    folder = _data(tmp_path, None)
    (folder / "sales.csv").write_text(SALES)
    (outside / "mapping.yaml").write_text("tables:\n  sales: {file: sales.csv}\n")
    (folder / "mapping.yaml").symlink_to(outside / "mapping.yaml")
    assert _messages(folder) == [
        "mapping.yaml: files must be inside the data folder; mapping.yaml points outside it"]


def test_symlinks_that_stay_inside_the_folder_are_allowed(tmp_path):
    folder = _data(tmp_path, "tables:\n  sales:\n    file: current/orders.csv\n")
    (folder / "archive").mkdir()
    (folder / "archive" / "orders_2026-10.csv").write_text(SALES)
    (folder / "current").symlink_to(folder / "archive", target_is_directory=True)
    (folder / "archive" / "orders.csv").symlink_to(folder / "archive" / "orders_2026-10.csv")
    ds = load_dataset(folder, use_cache=False)
    assert ds.tables["sales"]["sale_price"].tolist() == [12.5]
    # a data folder reached through a symlink is fine too
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    assert load_dataset(tmp_path / "link", use_cache=False).tables["sales"]["sale_id"].tolist() == ["1"]


# --------------------------------------------------------------------------- item 8: broken transforms


def _shop_with(tmp_path: Path, old: str, new: str) -> list:
    assert old in MAPPING
    folder = shop_folder(tmp_path / "d", mapping=MAPPING.replace(old, new))
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    return ei.value.problems


def test_values_without_an_argument_is_reported(tmp_path):
    (p,) = _shop_with(tmp_path, "status: {values: {paid: completed, refunded: refunded, voided: cancelled}}",
                      "status: {values: }")
    assert p.message() == (
        "mapping.yaml, line 19, column 'status': transform 'values' has a wrong argument "
        "(tables.sales.transforms.status.values is empty; it needs {source value: contract value}, "
        "e.g. {paid: completed})")


def test_multiply_minus_is_reported(tmp_path):
    (p,) = _shop_with(tmp_path, "fees: {multiply: -1}", "fees: {multiply: minus}")
    assert p.message() == (
        "mapping.yaml, line 18, column 'fees': transform 'multiply' has a wrong argument "
        "(tables.sales.transforms.fees.multiply is 'minus'; it must be a number other than 0, e.g. -1 or 0.01)")


def test_a_date_format_repeating_a_directive_is_reported(tmp_path):
    (p,) = _shop_with(tmp_path, '"%m/%d/%Y %H:%M"', '"%Y-%m-%d %Y"')
    assert p.message() == (
        "mapping.yaml, line 16, column 'date_sold': transform 'date_format' has a wrong argument "
        "(tables.sales.transforms.date_sold.date_format '%Y-%m-%d %Y' is not usable: the directive %Y "
        "appears twice)")


@pytest.mark.parametrize("fmt, reason", [
    ("%Q-%m", "'Q' is a bad directive in format '%Q-%m'"),
    ("%Y %", "stray % in format '%Y %'"),
    ("ymd", "it has no directive such as %Y, %m or %d"),
])
def test_other_unusable_date_formats_are_reported(fmt, reason):
    _, probs = parse_mapping(f"tables:\n  sales:\n    transforms:\n      date_sold: {{date_format: '{fmt}'}}\n")
    assert [p.detail for p in probs] == [
        f"tables.sales.transforms.date_sold.date_format {fmt!r} is not usable: {reason}"]


def test_all_problems_of_one_mapping_are_reported_together_and_nothing_is_applied(tmp_path):
    mapping = (MAPPING.replace("status: {values: {paid: completed, refunded: refunded, voided: cancelled}}",
                               "status: {values: }")
               .replace("fees: {multiply: -1}", "fees: {multiply: minus}")
               .replace('"%m/%d/%Y %H:%M"', '"%Y-%m-%d %Y"')
               .replace("acquisition_channel: website", "acquisition_chanel: website"))
    folder = shop_folder(tmp_path / "d", mapping=mapping,
                         **{"orders_2026-09__csv": ORDERS_09.replace("$1,234.50", "-1")})
    with pytest.raises(ContractError) as ei:
        load_dataset(folder, use_cache=False)
    got = [(p.file, p.lines, p.column) for p in ei.value.problems]
    # grouped by table in the file's order; the data's own error (a negative price) is not reached
    assert got == [("mapping.yaml", (16,), "date_sold"), ("mapping.yaml", (18,), "fees"),
                   ("mapping.yaml", (19,), "status"), ("mapping.yaml", (26,), "acquisition_chanel")]
    assert all("tables.sales.transforms." in p.detail for p in ei.value.problems[:3])
    assert ei.value.problems[3].rule == "tables.users.defaults: not a column of users"


def test_other_wrong_arguments_are_reported_with_the_key():
    text = ("tables:\n  sales:\n    transforms:\n"
            "      fees: {multiply: .nan}\n"
            "      shipping_cost: {multiply: 0}\n"
            "      sale_price: {strip_currency: 'yes'}\n"
            "      status: {values: {paid: [completed]}}\n")
    _, probs = parse_mapping(text)
    assert [(p.lines, p.column, p.detail) for p in probs] == [
        ((4,), "fees", "tables.sales.transforms.fees.multiply is nan; it must be a number other than 0, e.g. -1 or 0.01"),
        ((5,), "shipping_cost",
         "tables.sales.transforms.shipping_cost.multiply is 0; it must be a number other than 0, e.g. -1 or 0.01"),
        ((6,), "sale_price", "tables.sales.transforms.sale_price.strip_currency is 'yes'; it must be true or false"),
        ((7,), "status", "tables.sales.transforms.status.values: 'paid' must map to a single value, not ['completed']"),
    ]


@pytest.mark.parametrize("delimiter", ["é", "\\n", "\\r", "\\0", "\\x7f", "';;'"])
def test_a_delimiter_the_csv_reader_cannot_use_is_reported(delimiter):
    _, probs = parse_mapping(f'tables:\n  sales: {{delimiter: "{delimiter}"}}\n')
    assert [(p.lines, p.rule) for p in probs] == [((2,), "tables.sales.delimiter must be one character")]


@pytest.mark.parametrize("text, line", [("{", 1), ("tables:\n  sales: [", 2), ("tables: {\n", 1)])
def test_a_yaml_error_at_the_end_names_the_last_line(text, line):
    (p,) = parse_mapping(text)[1]
    assert (p.rule, p.lines) == ("not valid YAML", (line,))


@pytest.mark.parametrize("encoding", ["idna", "rot13", "base64", "no-such-codec"])
def test_an_encoding_that_cannot_read_a_file_is_reported(encoding):
    _, probs = parse_mapping(f"tables:\n  sales: {{encoding: {encoding}}}\n")
    assert [(p.lines, p.rule) for p in probs] == [((2,), "tables.sales.encoding is not a known encoding")]
