"""Large files are read and validated in pieces (lib.data.csv_source.PIECE_BYTES): same tables, same messages (docs/data-contract.md, CSV folder)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.config import SAMPLE_DIR
from lib.data import cache, csv_source
from lib.data.csv_source import complete_records_length
from lib.data.dataset import ContractError
from lib.data.load import load_dataset
from tests.data.corpus import BASE, write_base

SALES_HEADER = BASE["sales.csv"].splitlines()[0]


def _sales(n: int, edits: dict[int, str] | None = None) -> str:
    """sales.csv with n valid rows (file line i + 2 holds row i); ``edits`` replace whole rows by line."""
    rows = [f"S{i:06d},P00{1 + i % 4},00042,2026-10-03 20:15:00,{100 + i % 50}.00,1,whatnot,U7,SH1,4.00,1.00,completed"
            for i in range(n)]
    for line, row in (edits or {}).items():
        rows[line - 2] = row
    return SALES_HEADER + "\n" + "\n".join(rows) + "\n"


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of about 2 kB, so a few hundred rows span many pieces."""
    monkeypatch.setattr(csv_source, "PIECE_BYTES", 2048)


def test_the_sample_loads_identically_in_pieces(monkeypatch):
    whole = load_dataset(SAMPLE_DIR, use_cache=False)
    monkeypatch.setattr(csv_source, "PIECE_BYTES", 50_000)  # touchpoints.csv: about 30 pieces
    pieces = load_dataset(SAMPLE_DIR, use_cache=False)
    assert set(pieces.tables) == set(whole.tables)
    for name in whole.tables:
        pd.testing.assert_frame_equal(pieces.tables[name], whole.tables[name], check_exact=True)
    pd.testing.assert_frame_equal(pieces.quality, whole.quality)
    n = whole.quality.query("reason == 'rows read from touchpoints.csv'")["rows"].item()
    assert n == len(whole.tables["touchpoints"]) > 20_000


def test_pieces_stream_into_the_cache_and_read_back_lazily(tmp_path, small_pieces):
    folder = write_base(tmp_path / "d", sales=_sales(400))
    ds = load_dataset(folder)
    assert isinstance(ds.tables, cache.LazyTables)
    sales = ds.tables["sales"]
    assert len(sales) == 400 and sales["sale_id"].is_unique
    assert sales["sale_id"].iloc[[0, 399]].tolist() == ["S000000", "S000399"]
    assert ds.quality.query("reason == 'rows read from sales.csv'")["rows"].item() == 400


def test_a_bad_value_in_a_late_piece_names_its_file_line(tmp_path, small_pieces):
    bad = "S000350,P001,00042,2026-10-03 20:15:00,four hundred,1,whatnot,U7,SH1,4.00,1.00,completed"
    folder = write_base(tmp_path / "d", sales=_sales(400, {352: bad}))
    with pytest.raises(ContractError) as e:
        load_dataset(folder)
    assert [p.message() for p in e.value.problems] == [
        "sales.csv, line 352, column 'sale_price': not a number (e.g. 'four hundred')"]


def test_duplicates_in_different_pieces_are_found_with_both_lines(tmp_path, small_pieces):
    dup = "S000003,P001,00042,2026-10-03 20:15:00,100.00,1,whatnot,U7,SH1,4.00,1.00,completed"
    folder = write_base(tmp_path / "d", sales=_sales(400, {390: dup}))
    with pytest.raises(ContractError) as e:
        load_dataset(folder)
    (p,) = e.value.problems
    assert (p.file, p.column, p.lines, p.n_lines) == ("sales.csv", "sale_id", (5, 390), 2)


def test_orphans_and_bad_rows_across_pieces_are_counted_together(tmp_path, small_pieces):
    orphan = "S{:06d},P001,99,2026-10-03 20:15:00,100.00,1,whatnot,U7,SH1,4.00,1.00,completed"
    folder = write_base(tmp_path / "d", sales=_sales(400, {10: orphan.format(8), 300: orphan.format(298)}))
    with pytest.raises(ContractError) as e:
        load_dataset(folder)
    assert [p.message() for p in e.value.problems] == [
        "sales.csv, lines 10, 300, column 'buyer_id': value not found in users.csv (user_id) (e.g. '99')"]
    folder = write_base(tmp_path / "e", sales=_sales(400, {7: "S1,P001", 301: "S2,P001,extra"}))
    with pytest.raises(ContractError) as e:
        load_dataset(folder)
    (p,) = e.value.problems
    assert (p.file, p.lines, p.n_lines) == ("sales.csv", (7, 301), 2)
    assert p.rule == "row does not have 12 fields like the header"


def test_a_quoted_newline_never_splits_a_record(tmp_path, small_pieces):
    rows = [f'P{i:04d},B1,"Flap bag\nsize {i}",Bag,S,,100.00' for i in range(300)]
    products = BASE["products.csv"] + "\n".join(rows) + "\n"
    folder = write_base(tmp_path / "d", products=products.replace("P0299,B1", "P0299,B9"))
    with pytest.raises(ContractError) as e:
        load_dataset(folder, use_cache=False)
    (p,) = e.value.problems
    assert p.lines == (6 + 2 * 299,) and p.column == "brand_id"  # each product takes two lines
    ds = load_dataset(write_base(tmp_path / "ok", products=products), use_cache=False)
    names = ds.tables["products"]["product_name"]
    assert len(names) == 304 and names.iloc[-1] == "Flap bag\nsize 299"


def test_a_bom_and_a_mapping_problem_are_reported_once(tmp_path, small_pieces):
    folder = write_base(tmp_path / "d", sales=b"\xef\xbb\xbf" + _sales(400).encode())
    ds = load_dataset(folder, use_cache=False)
    assert ds.quality.query("reason == 'byte-order mark (BOM) removed from sales.csv'")["rows"].item() == 1
    (folder / "mapping.yaml").write_text("tables:\n  sales:\n    file: sales.csv\n    columns:\n"
                                         "      sale_price: Price\n")
    with pytest.raises(ContractError) as e:
        load_dataset(folder, use_cache=False)
    assert len(e.value.problems) == 1 and e.value.problems[0].lines == (1,)


def test_pieces_are_cut_after_whole_records():
    data = b'a,b\n1,"x\ny"\n2,z\n'
    assert complete_records_length(data) == len(data)
    assert complete_records_length(data[:9]) == 4  # the newline inside the quotes is not a record end
    assert complete_records_length(b'1,"x\ny') == 0 and complete_records_length(b"1,x") == 0
    for n in range(len(data) + 1):
        cut = complete_records_length(data[:n])
        assert data[:cut].count(b'"') % 2 == 0 and (cut == 0 or data[cut - 1:cut] == b"\n")
