"""The worked mapping examples (data/examples/): validate and report, with metrics checked from the source files.

The expected numbers are computed here with plain pandas straight from the export files, the way
an analyst would by hand, independently of lib.mapping and lib.loader.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.config import ROOT

EXAMPLES = ROOT / "data" / "examples"
SHOPIFY = EXAMPLES / "shopify"
WHATNOT = EXAMPLES / "whatnot"
PERIOD = "2026-10"  # the examples end on 2026-10-31: the last complete month


def pipeline(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _csvs(folder: Path, pattern: str) -> pd.DataFrame:
    files = sorted(folder.glob(pattern))
    assert files, pattern
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


def _money(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(r"[$,]", "", regex=True))


def shopify_expected() -> dict:
    """Overview metrics of 2026-10 from the Shopify orders export, by hand."""
    o = _csvs(SHOPIFY, "orders_export_*.csv")
    # Financial Status is on an order's first line only: every line of the order shares it
    status = o["Financial Status"].replace("", pd.NA)
    o["status"] = status.groupby(o["Name"]).transform("first")
    # "2026-10-31 21:00:00 -0400" -> New York local time
    local = pd.to_datetime(o["Created at"], format="%Y-%m-%d %H:%M:%S %z", utc=True).dt.tz_convert(
        "America/New_York").dt.tz_localize(None)
    done = o[o["status"].isin(["paid", "partially_refunded"]) & (local.dt.strftime("%Y-%m") == PERIOD)]
    revenue = (pd.to_numeric(done["Lineitem price"]) * pd.to_numeric(done["Lineitem quantity"])).sum()
    cost = _money(pd.read_csv(SHOPIFY / "purchase_log.csv", dtype=str).set_index("SKU")["Paid"])
    cogs = (cost.reindex(done["Lineitem sku"]).to_numpy() * pd.to_numeric(done["Lineitem quantity"])).sum()
    return {"revenue_period": revenue, "orders_period": len(done), "units_period":
            int(pd.to_numeric(done["Lineitem quantity"]).sum()), "active_customers_period": done["Email"].nunique(),
            "gross_profit_period": revenue - cogs}


def whatnot_expected() -> dict:
    """Overview metrics of 2026-10 and 2026-09 from the Whatnot monthly files, by hand."""
    w = _csvs(WHATNOT, "whatnot_sales_*.csv")
    month = pd.to_datetime(w["processed date"], format="%m/%d/%Y %I:%M:%S %p").dt.strftime("%Y-%m")
    done = w[w["order status"] == "Completed"]
    oct_, sep = done[month[done.index] == PERIOD], done[month[done.index] == "2026-09"]
    return {"revenue_period": _money(oct_["sold price"]).sum(), "orders_period": len(oct_),
            "revenue_prev_period": _money(sep["sold price"]).sum(), "active_customers_period": oct_["buyer"].nunique()}


@pytest.mark.parametrize("folder", [SHOPIFY, WHATNOT], ids=["shopify", "whatnot"])
def test_validate_prints_the_mapping_and_passes(folder):
    res = pipeline("validate", "--data", str(folder), timeout=300)
    text = res.stdout + res.stderr
    assert res.returncode == 0, text
    assert f"Mapping: {folder / 'mapping.yaml'}" in text, text
    assert "OK: the input meets the data contract" in text, text


def test_examples_are_small_and_documented():
    for folder in (SHOPIFY, WHATNOT):
        assert (folder / "README.md").read_text().count("Made-up data") == 1
        assert (folder / "mapping.yaml").is_file()
    assert 200 <= len(_csvs(SHOPIFY, "orders_export_*.csv")) <= 2000
    assert len(list(WHATNOT.glob("whatnot_sales_*.csv"))) >= 2  # monthly files combined by the glob


def test_hand_computed_numbers_are_not_trivial():
    # guards the fixtures: the checked month has sales, refunds exist, multi-line orders exist
    s, w = shopify_expected(), whatnot_expected()
    assert s["orders_period"] >= 10 and w["orders_period"] >= 30
    o = _csvs(SHOPIFY, "orders_export_*.csv")
    assert (o["Name"].value_counts() > 1).any() and (o["Financial Status"] == "refunded").any()


def test_shopify_report_runs_and_its_numbers_match_the_export(full_run):
    run = full_run("shopify")  # the shared run (tests/e2e/conftest.py)
    m, text = json.loads((run.dir / "metrics.json").read_text()), run.log
    assert m["period"] == PERIOD
    assert "Skipping marketing: needs users.csv" in text and "Skipping brands" not in text, text
    exp = shopify_expected()
    got = m["metrics"]
    assert got["revenue_period"] == pytest.approx(exp["revenue_period"], abs=0.005)
    assert got["gross_profit_period"] == pytest.approx(exp["gross_profit_period"], abs=0.005)
    for k in ("orders_period", "units_period", "active_customers_period"):
        assert got[k] == exp[k], k
    assert got["median_days_to_sell"] is not None  # products and purchase log were mapped
    index = (run.dir / "index.html").read_text()
    assert "@example.com" not in index


def test_whatnot_report_runs_and_its_numbers_match_the_export(full_run):
    run = full_run("whatnot")
    m, text = json.loads((run.dir / "metrics.json").read_text()), run.log
    assert m["period"] == PERIOD
    for name in ("products_inventory", "brands", "marketing"):
        assert f"Skipping {name}: needs" in text, text
    exp = whatnot_expected()
    got = m["metrics"]
    assert got["revenue_period"] == pytest.approx(exp["revenue_period"], abs=0.005)
    assert got["revenue_prev_period"] == pytest.approx(exp["revenue_prev_period"], abs=0.005)
    for k in ("orders_period", "active_customers_period"):
        assert got[k] == exp[k], k
