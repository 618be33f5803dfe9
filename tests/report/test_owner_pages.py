"""Owner headers, honest table notes, yes/no cells, CSVs for Excel and the glossary (issue 19, points 1, 2, 5-7),
on hand-written values."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from lib.data.dataset import Dataset
from lib.data.periods import period_from_label
from lib.narrative import fmt
from lib.narrative.glossary import TERMS, term_anchor
from lib.report import notebook
from lib.report.outputs import RunOutput, column_precision, rounded_for_csv
from lib.run import frontpage
from lib.run.combined import combined_html
from lib.run.glossary import glossary_html, write_glossary

QUALITY = pd.DataFrame({"table": ["sales", "sales", "sales"], "action": ["read", "read", "repaired"],
                        "reason": ["rows read from sales.csv", "rows read from sales_2.csv", "sale_price: '$1' form"],
                        "rows": [4000, 2000, 7]})


def _report(out_dir="", title="Overview") -> notebook.Report:
    ds = Dataset({}, QUALITY, "3d804eda6366" + "0" * 52, "/home/ann/shops/sample", "America/New_York")
    return notebook.Report("overview", title, ds, period_from_label("2026-10"), "USD", RunOutput(out_dir, "overview"))


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """The HTML each display helper would show, in order."""
    pages: list[str] = []
    monkeypatch.setattr(notebook, "_display_html", lambda html, metadata=None: pages.append(html))
    monkeypatch.setattr(notebook, "_current", [])
    return pages


# -- fmt: one date format, the business time zone, plural-aware titles ------------------------------------------

def test_month_day_and_moment_in_the_business_time_zone():
    assert fmt.month("2026-10") == "October 2026" and fmt.month("2025-01") == "January 2025"
    assert fmt.month("2026-13") == "2026-13" and fmt.month("all") == "all"
    assert fmt.day(pd.Timestamp("2026-10-01")) == "1 Oct 2026" and fmt.day(pd.Timestamp("2026-10-31")) == "31 Oct 2026"
    # 14:30 UTC is 10:30 in New York in summer time (EDT, UTC-4) and 09:30 after the clocks go back (EST, UTC-5)
    assert fmt.moment("2026-10-15T14:30:00+00:00", "America/New_York") == "15 Oct 2026, 10:30 EDT"
    assert fmt.moment(datetime(2026, 11, 4, 14, 30, tzinfo=UTC), "America/New_York") == "4 Nov 2026, 09:30 EST"
    assert fmt.moment(datetime(2026, 11, 4, 23, 30), "Europe/Berlin") == "5 Nov 2026, 00:30 CET"  # naive = UTC
    assert fmt.moment(None, "UTC") == "n/a"


def test_yes_no_and_sheet_titles():
    assert [fmt.yes_no(v) for v in (True, False, None, math.nan, pd.NA)] == ["yes", "no", "–", "–", "–"]
    assert fmt.sheet_title("vip_customers") == "VIP customers"
    assert fmt.sheet_title("markdown_candidates") == "Markdown candidates"
    assert fmt.sheet("churn_risk_customers") == "the Churn risk customers sheet of the actions workbook"
    assert fmt.count(1, "pair") == "1 pair" and fmt.count(19, "slot") == "19 slots"


# -- CSVs for machines: UTF-8 with BOM, rounded by meaning -------------------------------------------------------

@pytest.mark.parametrize(("column", "rule"), [
    ("p_value", ("significant", 3)), ("weekend_uplift_p_value", ("significant", 3)), ("margin_pct", ("decimals", 1)),
    ("support", ("decimals", 3)), ("p_alive", ("decimals", 3)), ("revenue", ("decimals", 2)),
    ("expected_low", ("decimals", 2)), ("break_even_price", ("decimals", 2)), ("lift", ("significant", 4)),
])
def test_column_precision_by_name(column, rule):
    assert column_precision(column) == rule


def test_rounded_for_csv_keeps_meaningful_digits_only():
    df = pd.DataFrame({"revenue": [88.91752577319588, math.nan], "margin_pct": [26.04, 9.96], "p_value": [
        2.5999716554403334e-175, 0.041234], "support": [0.123456, 0.0004], "lift": [1.23456, 12345.678],
        "units": [3, 4], "brand": ["Hermès", "=HYPERLINK(1)"]})
    r = rounded_for_csv(df)
    assert r["revenue"].iloc[0] == 88.92 and math.isnan(r["revenue"].iloc[1])
    assert r["margin_pct"].tolist() == [26.0, 10.0]
    assert r["p_value"].tolist() == [2.6e-175, 0.0412]
    assert r["support"].tolist() == [0.123, 0.0]
    assert r["lift"].tolist() == [1.235, 12346.0]  # 4 significant digits, the whole part never rounded
    assert r["units"].tolist() == [3, 4] and r["brand"].tolist() == ["Hermès", "=HYPERLINK(1)"]
    assert df["revenue"].iloc[0] == 88.91752577319588  # the caller's frame is untouched


def test_write_table_writes_utf8_with_bom_rounded_and_neutralised(tmp_path):
    out = RunOutput(tmp_path, "brands")
    path = out.write_table("brand_performance", pd.DataFrame({
        "brand": ["Hermès", "=cmd"], "revenue": [88.91752577319588, 1.005], "buyer_id": ["000238", "000239"]}))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Hermès".encode() in raw
    assert raw.decode("utf-8-sig").splitlines() == ["brand,revenue,buyer_id", "Hermès,88.92,000238",
                                                    "'=cmd,1.0,000239"]
    back = pd.read_csv(path, dtype=str)
    assert back.columns.tolist() == ["brand", "revenue", "buyer_id"] and back["buyer_id"].tolist()[0] == "000238"
    assert out.written == {"brand_performance": (2, ("brand", "revenue", "buyer_id"))}
    assert RunOutput("", "x").write_table("t", pd.DataFrame({"a": [1]})) is None


# -- tables on a page: yes/no, and a note that names a CSV only when the run writes it ---------------------------

def test_show_table_shows_booleans_as_yes_no(shown):
    notebook.show_table(pd.DataFrame({"model": ["naive", "trend"], "chosen": [True, False],
                                      "beats_naive": pd.array([True, None], dtype="object")}))
    page = shown[0]
    assert "True" not in page and "False" not in page
    assert "<td>yes</td><td>yes</td>" in page and "<td>no</td><td>–</td>" in page


def test_a_cut_table_without_a_csv_says_only_how_many_rows_it_shows(shown):
    notebook.show_table(pd.DataFrame({"a": range(30)}), max_rows=25)
    assert '<p class="ll-note">Showing the first 25 of 30 rows.</p>' in shown[0] and "tables/" not in shown[0]


def test_a_cut_table_names_its_csv_and_sheet_in_a_run(shown, tmp_path, monkeypatch):
    rep = _report(tmp_path)
    monkeypatch.setattr(notebook, "_current", [rep])
    cands = pd.DataFrame({"product_id": [f"P{i:03d}" for i in range(30)], "days_listed": range(30)})
    notebook.show_table(cands, max_rows=25)  # nothing written yet: no claim
    rep.out.write_table("markdown_candidates", cands.assign(markdown_pct=10.0))
    notebook.show_table(cands, max_rows=25)  # the same rows, a subset of the columns: that table
    notebook.show_table(cands.head(29), max_rows=25)  # other rows: no claim
    notebook.show_table(cands.head(29), max_rows=25, csv="show_schedule")  # named by the notebook
    assert "Showing the first 25 of 30 rows.</p>" in shown[0]
    assert ("Showing the first 25 of 30 rows; all 30 are on the Markdown candidates sheet of the actions workbook "
            "(tables/markdown_candidates.csv).") in shown[1]
    assert "Showing the first 25 of 29 rows.</p>" in shown[2]
    assert "all 29 are on the Show schedule sheet of the actions workbook (tables/show_schedule.csv)" in shown[3]


def test_exploring_without_a_run_folder_never_claims_a_csv(shown, monkeypatch):
    monkeypatch.setattr(notebook, "_current", [_report("")])
    notebook.show_table(pd.DataFrame({"a": range(30)}), max_rows=25, csv="markdown_candidates")
    assert "tables/" not in shown[0] and "workbook" not in shown[0]


# -- owner headers and footers -----------------------------------------------------------------------------------

def test_report_header_speaks_the_owners_language():
    head = notebook.header_html(_report(), now=datetime(2026, 11, 4, 14, 30, tzinfo=UTC))
    assert "<h1>Overview: October 2026</h1>" in head
    assert "<b>Period:</b> 1 Oct 2026 to 31 Oct 2026" in head
    assert "<b>Data:</b> sample (6,000 sales lines)" in head and "/home/ann" not in head
    assert "<b>Made:</b> 4 Nov 2026, 09:30 EST" in head and "UTC" not in head
    assert "<b>Cells repaired or filled in:</b> 7" in head and 'href="glossary.html"' in head
    assert "3d804eda6366" not in head and "ode version" not in head and "2026-10" not in head
    foot = notebook.footer_html(_report())
    assert "Data fingerprint 3d804eda6366 &middot; code version " in foot and 'class="ll-footer"' in foot
    assert notebook.sales_lines_read(QUALITY) == 6000 and notebook.sales_lines_read(QUALITY.iloc[:0]) == 0


def test_front_page_header_footer_workbook_and_all_time_cards():
    payload = {"period": "2026-10", "generated_at": "2026-10-31T12:00:00+00:00", "data_fingerprint": "ab" * 32,
               "data_source": "/home/ann/sample", "code_version": "abc1234",
               "metrics": {"repeat_customer_rate_pct": 30.0, "median_days_to_sell": 40.0}}
    page = frontpage.index_html(payload, {}, {}, QUALITY, {}, "none", [{"action": "Feature Thursday", "source":
                                "sales_timing", "confidence": "medium"}], set(), tz_name="America/New_York",
                                sales_lines=6000, workbook="lace-luxx-2026-10-actions.xlsx")
    head = page[page.index("<header"):page.index("</header>")]
    assert "<h1>Lace-Luxx: October 2026</h1>" in head and "<title>Lace-Luxx report, October 2026</title>" in page
    assert "<b>Data:</b> sample (6,000 sales lines)" in head and "<b>Made:</b> 31 Oct 2026, 08:00 EDT" in head
    assert 'href="lace-luxx-2026-10-actions.xlsx">Action lists for Excel</a>' in head
    assert 'href="glossary.html"' in head and "abababababab" not in head
    foot = page[page.index("<footer"):page.index("</footer>")]
    assert "Data fingerprint abababababab &middot; code version abc1234" in foot and 'href="metrics.json"' in foot
    assert "Repeat customers (all time)" in page and "Median days to sell (all time)" in page
    assert "Revenue (all time)" not in page
    assert "from the Sales timing and live shows report" in page and "from sales_timing" not in page
    bare = frontpage.index_html({"period": "2026-10", "metrics": {}, "data_fingerprint": "f" * 64}, {}, {}, None,
                                {}, "none", [], set())
    assert "Action lists for Excel" not in bare and "sales line" not in bare
    mapped = frontpage.header_block(payload, source_note="read with mapping.yaml", sales_lines=421)
    assert "<b>Data:</b> sample (421 sales lines; read with mapping.yaml) &middot;" in mapped


# -- the glossary ------------------------------------------------------------------------------------------------

def test_glossary_has_each_term_once_with_its_anchor(tmp_path):
    names = [t.term for t in TERMS]
    assert len(names) == len(set(names)) and len({term_anchor(n) for n in names}) == len(names)
    for must in ("Probability still active", "Days to sell", "Return on ad spend", "Gross profit", "80% range"):
        assert must in names, must
    assert term_anchor("Probability still active") == "term-probability-still-active"
    assert term_anchor("80% range") == "term-80-range"
    page = write_glossary(tmp_path, "2026-10").read_text(encoding="utf-8")
    assert page == glossary_html("2026-10") and "What the words mean: October 2026" in page
    assert page.count("<dt ") == len(TERMS) and '<dt id="term-days-to-sell">Days to sell</dt>' in page
    assert "90 days" in page  # the churn and aging limits come from lib.config


def test_combined_file_carries_the_glossary_and_points_its_links_there(tmp_path):
    (tmp_path / "index.html").write_text('<html><head><style>.a{}</style></head><body><a href="glossary.html">G</a>'
                                         '<a href="overview.html">O</a></body></html>')
    (tmp_path / "overview.html").write_text('<html><head></head><body><main><p><a href="glossary.html">W</a></p>'
                                            "</main></body></html>")
    page = combined_html(tmp_path)
    assert 'href="glossary.html"' not in page and page.count('href="#glossary"') == 2
    assert page.count('id="glossary"') == 1 and '<dt id="term-gross-profit">Gross profit</dt>' in page
