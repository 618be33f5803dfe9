"""Reports from what is there (issue 18, point 5): the sample without inventory.csv (and without brands.csv) runs
every report that can run; products and brands rank by revenue and units, every metric needing costs is null, and
the front page names the file and columns that would add the rest.

The expected numbers are computed here with plain pandas from the sample's CSV files, independently of lib.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.config import ROOT, SAMPLE_DIR

PERIOD = "2026-10"
#: metrics that need inventory.csv (unit costs, acquisition dates): null without it (docs/metrics.md)
NEED_INVENTORY = ("median_days_to_sell", "median_days_to_sell_S", "median_days_to_sell_A", "median_days_to_sell_B",
                  "sell_through_rate_pct_period", "aged_inventory_units", "aged_inventory_cost",
                  "top_category_by_margin", "top_brand_by_gross_profit", "top_brand_by_margin",
                  "gross_profit_period", "gross_margin_pct_period")
pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")


def _pipeline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def _copy_without(dest: Path, *tables: str) -> Path:
    shutil.copytree(SAMPLE_DIR, dest, ignore=shutil.ignore_patterns("planted.json", *(f"{t}.csv" for t in tables)))
    return dest


def _text(page: Path) -> str:
    s = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", s)))


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())["metrics"]


def _expected(with_brand_names: bool) -> dict:
    """Top category and brand by completed revenue over the whole history, and the top-3 brands' share, by hand."""
    s = pd.read_csv(SAMPLE_DIR / "sales.csv", dtype=str)
    p = pd.read_csv(SAMPLE_DIR / "products.csv", dtype=str)
    b = pd.read_csv(SAMPLE_DIR / "brands.csv", dtype=str)
    s = s[s["status"].str.lower() == "completed"]
    s = s.assign(revenue=pd.to_numeric(s["sale_price"]) * pd.to_numeric(s["quantity"])).merge(p, on="product_id")
    s = s.merge(b, on="brand_id") if with_brand_names else s
    brand = s.groupby("brand_name" if with_brand_names else "brand_id")["revenue"].sum().sort_values(ascending=False)
    return {"top_category_by_revenue": s.groupby("category")["revenue"].sum().idxmax(),
            "top_brand_by_revenue": brand.index[0],
            "top3_brand_revenue_share_pct": brand.head(3).sum() / brand.sum() * 100}


@pytest.fixture(scope="module")
def no_inventory(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    data = _copy_without(tmp_path_factory.mktemp("data") / "no_inventory", "inventory")
    out = tmp_path_factory.mktemp("reports")
    return _pipeline("run", "--data", str(data), "--out", str(out)), out / PERIOD


@pytest.fixture(scope="module")
def no_inventory_no_brands(tmp_path_factory) -> tuple[list[subprocess.CompletedProcess], Path]:
    data = _copy_without(tmp_path_factory.mktemp("data") / "no_inventory_no_brands", "inventory", "brands")
    out = tmp_path_factory.mktemp("reports")
    runs = [_pipeline("run", "--data", str(data), "--out", str(out), "--only", nb)
            for nb in ("products_inventory", "brands")]
    return runs, out / PERIOD


def test_without_inventory_every_report_runs(no_inventory):
    res, run_dir = no_inventory
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Skipping" not in res.stdout
    assert sorted(p.stem for p in run_dir.glob("*.html") if p.stem not in ("index", "glossary", f"lace-luxx-{PERIOD}")) \
        == ["brands", "customers", "marketing", "overview", "products_inventory", "recommendations", "sales_timing"]


def test_without_inventory_products_rank_and_costs_are_null(no_inventory):
    res, run_dir = no_inventory
    assert res.returncode == 0, res.stdout + res.stderr
    m = _metrics(run_dir)
    exp = _expected(with_brand_names=True)
    assert m["top_category_by_revenue"] == exp["top_category_by_revenue"]
    assert m["top_brand_by_revenue"] == exp["top_brand_by_revenue"]
    assert m["top3_brand_revenue_share_pct"] == pytest.approx(exp["top3_brand_revenue_share_pct"], abs=1e-9)
    assert {k: m[k] for k in NEED_INVENTORY} == dict.fromkeys(NEED_INVENTORY)
    page = _text(run_dir / "products_inventory.html")
    assert f"{exp['top_category_by_revenue']} is the top category with" in page
    for shown in ("Completed sales by category (history)", "Completed sales by condition (history)",
                  "Top 10 products by units", "By condition,"):
        assert shown in page, shown
    assert "Profitability per item skipped: needs inventory.csv (unit_cost)" in page
    assert "Inventory aging skipped: needs inventory.csv" in page
    assert "gross profit" not in _text(run_dir / "products_inventory.html").split("Completed sales by category")[1] \
        .split("Completed sales by condition")[0]  # no cost column in the category table
    brands = _text(run_dir / "brands.html")
    assert f"{exp['top_brand_by_revenue']} brings the most revenue" in brands
    assert "Brand map and verdicts skipped: needs inventory.csv (unit_cost, date_acquired)" in brands
    assert not (run_dir / "tables" / "brand_verdicts.csv").exists()
    perf = pd.read_csv(run_dir / "tables" / "brand_performance.csv")
    assert perf["gross_profit"].isna().all() and perf["unsold_cost"].isna().all() and perf["units"].sum() > 0


def test_without_inventory_front_page_says_what_it_would_add(no_inventory):
    res, run_dir = no_inventory
    assert res.returncode == 0, res.stdout + res.stderr
    page = _text(run_dir / "index.html")
    more = page.split("What more data would add")[1].split("Data quality")[0]
    assert "Add inventory.csv (unit_cost, date_acquired) to see gross profit and gross margin (Overview); margins, " \
           "days to sell, sell-through, aged stock and markdown candidates (Products and inventory)" in more
    assert "brands.csv" not in more.replace("inventory.csv (unit_cost, date_acquired) and brands.csv", "")
    assert "campaigns.csv" not in more  # the sample has them


def test_without_inventory_and_brands_brand_ids_rank(no_inventory_no_brands):
    runs, run_dir = no_inventory_no_brands
    for res in runs:
        assert res.returncode == 0, res.stdout + res.stderr
    m = _metrics(run_dir)
    exp = _expected(with_brand_names=False)
    assert m["top_brand_by_revenue"] == exp["top_brand_by_revenue"]
    assert m["top3_brand_revenue_share_pct"] == pytest.approx(exp["top3_brand_revenue_share_pct"], abs=1e-9)
    assert m["top_category_by_revenue"] == exp["top_category_by_revenue"]
    assert {k: m[k] for k in NEED_INVENTORY if k in m} == {k: None for k in NEED_INVENTORY if k in m}
    brands = _text(run_dir / "brands.html")
    assert "Brands are shown by their brand_id: the data has no brands.csv with their names." in brands
    assert f"the top brand is brand id {exp['top_brand_by_revenue']}" in _text(run_dir / "products_inventory.html")
    more = _text(run_dir / "index.html").split("What more data would add")[1].split("Data quality")[0]
    assert "Add brands.csv (brand_name) to see brand names instead of brand ids (Products and inventory, Brands)." \
        in more
    assert "Add inventory.csv (unit_cost, date_acquired) and brands.csv to see what to buy more or less of by brand " \
           "(Recommendations)." in more


def test_more_data_lines_name_the_file_or_column_and_what_it_adds():
    from lib.data.dataset import Dataset
    from lib.run.frontpage import filled_columns, more_data_lines

    full = {"sales": set(), "products": {"list_price"}, "inventory": {"unit_cost", "date_acquired"},
            "brands": {"brand_name"}, "users": {"acquisition_channel"}, "campaigns": set(), "touchpoints": set(),
            "shows": set()}
    assert more_data_lines(full) == []
    # sales alone: the files that would run the skipped reports come first, then what the rest would add
    lines = more_data_lines({"sales": set()})
    assert lines[:2] == ["Add products.csv to run these reports: Products and inventory, Brands.",
                         "Add users.csv to run the Marketing ROI report."]
    assert "Add campaigns.csv and touchpoints.csv to see budget shifts between marketing channels " \
           "(Recommendations)." in lines
    # an empty column of a present table is named as a column; one file present of two, only the other is named
    some = {**full, "products": set(), "users": set()}
    del some["touchpoints"]
    assert more_data_lines(some) == [
        "Add a list_price column to products.csv to see markdown candidates (Products and inventory).",
        "Add touchpoints.csv to see which campaigns and channels pay back (Marketing ROI); budget shifts between "
        "marketing channels (Recommendations).",
        "Add an acquisition_channel column to users.csv to see what each acquisition channel's customers are worth "
        "(Marketing ROI)."]
    # filled_columns: the registry's columns that hold a value, per table present
    ds = Dataset({"sales": pd.DataFrame({"sale_id": ["s1"]}),
                  "products": pd.DataFrame({"product_id": ["p1"], "list_price": [float("nan")]}),
                  "users": pd.DataFrame({"user_id": ["u1"], "acquisition_channel": ["email"]})},
                 pd.DataFrame(), "f", "test", "UTC")
    assert filled_columns(ds) == {"sales": set(), "products": set(), "users": {"acquisition_channel"}}
