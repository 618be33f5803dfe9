"""The actions workbook: ids as text, numbers formatted, formulas neutralised, one sheet per table."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from lib.run.workbook import column_kind, column_title, write_workbook

openpyxl = pytest.importorskip("openpyxl")


def _tables(tmp_path):
    t = tmp_path / "tables"
    t.mkdir()
    (t / "vip_customers.csv").write_text(
        "buyer_id,display_name,revenue,occasions,last_purchase,segment,p_alive,margin_pct\n"
        "000238,Camila T.,62640.5,32,2026-06-30,Loyal,0.045,26.25\n"
        "17850,'=HYPERLINK(\"http://x\"),1.5,1,2026-10-01,New,0.9,10\n", encoding="utf-8")
    (t / "bundle_candidates.csv").write_text("item_a,item_b,p_value,recommended\nBag,Wallet,2.5999716554403334e-175,True\n",
                                             encoding="utf-8")
    (t / "top_actions.csv").write_text("rank,action,expected_value\n1,Mark down Hermès bags,1234.567\n", encoding="utf-8")
    return tmp_path


def test_workbook_keeps_ids_as_text_and_formats_numbers(tmp_path):
    path = write_workbook(_tables(tmp_path), "2026-10")
    assert path.name == "lace-luxx-2026-10-actions.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Top actions", "VIP customers", "Bundle candidates"]
    ws = wb["VIP customers"]
    assert [c.value for c in ws[1]] == ["Buyer ID", "Customer", "Revenue", "Purchase days", "Last purchase",
                                        "Segment", "Chance still active", "Margin %"]
    row = [c.value for c in ws[2]]
    assert row[0] == "000238" and ws["A2"].data_type == "s"
    assert row[2] == 62640.5 and ws["C2"].number_format == "#,##0.00"
    assert row[3] == 32 and ws["D2"].number_format == "#,##0"
    assert row[4] == datetime.datetime(2026, 6, 30) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["G2"].number_format == "0.0%" and ws["H2"].number_format == "0.0"
    assert ws["B3"].value == "'=HYPERLINK(\"http://x\")" and ws["B3"].data_type == "s"
    assert ws.freeze_panes == "A2"
    b = wb["Bundle candidates"]
    assert b["C2"].number_format == "0.00E+00" and b["D2"].value == "yes"
    assert wb["Top actions"]["B2"].value == "Mark down Hermès bags"


def test_no_tables_no_workbook(tmp_path):
    (tmp_path / "tables").mkdir()
    assert write_workbook(tmp_path, "2026-10") is None


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("buyer_id", ["000238"], "id"), ("product_id", ["P1"], "id"), ("revenue", ["1.5"], "money"),
    ("gross_margin_pct", ["20.1"], "pct"), ("support", ["0.2"], "share"), ("p_value", ["0.01"], "p"),
    ("occasions", ["3"], "count"), ("lift", ["1.25"], "number"), ("segment", ["Loyal"], "text"),
    ("last_purchase", ["2026-01-02"], "date"), ("recommended", ["True", "False"], "bool")])
def test_column_kinds(name, values, kind):
    import pandas as pd

    assert column_kind(name, pd.Series(values)) == kind


def test_column_titles():
    assert column_title("buyer_id") == "Buyer ID"
    assert column_title("median_days_to_sell") == "Median days to sell"
    assert column_title("gp_roas") == "Gross profit per ad dollar"
    assert column_title("gp_roas_low") == "Gross profit per ad dollar, low"
    assert column_title("km_median_days") == "Median days to sell"
    assert column_title("margin_pct") == "Margin %"


def test_a_table_longer_than_a_sheet_keeps_its_first_rows_and_says_where_all_are(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    n = 1_205
    pd.DataFrame({"buyer_id": [f"{i:06d}" for i in range(n)], "note": ["line one\nline two"] * n,
                  "revenue": [float(i) for i in range(n)]}).to_csv(folder / "vip_customers.csv", index=False,
                                                                    encoding="utf-8-sig")
    path = write_workbook(tmp_path, "2026-10", max_rows=1_000)
    ws = openpyxl.load_workbook(path)["VIP customers"]
    assert ws.max_row == 1 + 1_000 + 1  # header, the first 1,000 rows, the note
    assert ws["A2"].value == "000000" and ws["A1001"].value == "000999" and ws["C1001"].value == 999.0
    assert ws["A1002"].value == "The first 1,000 of 1,205 rows; all are in tables/vip_customers.csv."
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_the_page_note_of_a_table_longer_than_a_sheet_says_the_sheet_holds_the_first_rows():
    from lib.config import MAX_SHEET_ROWS
    from lib.report.notebook import table_note

    assert table_note(25, 482, "markdown_candidates") == (
        "Showing the first 25 of 482 rows; all 482 are on the Markdown candidates sheet of the actions workbook "
        "(tables/markdown_candidates.csv).")
    big = MAX_SHEET_ROWS + 1
    assert table_note(25, big, "markdown_candidates") == (
        f"Showing the first 25 of {big:,} rows; the first {MAX_SHEET_ROWS:,} are on the Markdown candidates sheet "
        f"of the actions workbook, all {big:,} in tables/markdown_candidates.csv.")
