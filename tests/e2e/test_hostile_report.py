"""A whole run on hostile names (issue 16, items 4 and 12): a `$$ Sale $$` brand and a phone number in a name."""

import subprocess
import sys

import pandas as pd
import pytest

from lib.config import ROOT, SAMPLE_DIR

PHONE_NAME = "Call +1 (212) 555-0147"
BRAND = "$$ Sale $$"


def _hostile_copy(dest):
    """The sample data with a phone number in the top customer's display name and a brand named `$$ Sale $$`."""
    dest.mkdir()
    for f in SAMPLE_DIR.iterdir():
        if f.is_file():
            (dest / f.name).write_bytes(f.read_bytes())
    sales = pd.read_csv(dest / "sales.csv", dtype=str, keep_default_na=False)
    s = sales[sales["status"] == "completed"].copy()
    s["rev"] = s["sale_price"].astype(float) * s["quantity"].replace("", "1").astype(float)
    top = s.groupby("buyer_id")["rev"].sum().sort_values(ascending=False).index[0]
    users = pd.read_csv(dest / "users.csv", dtype=str, keep_default_na=False)
    assert (users["user_id"] == top).sum() == 1
    users.loc[users["user_id"] == top, "display_name"] = PHONE_NAME
    users.to_csv(dest / "users.csv", index=False)
    brands = pd.read_csv(dest / "brands.csv", dtype=str, keep_default_na=False)
    assert (brands["brand_name"] == "Chanel").sum() == 1
    brands.loc[brands["brand_name"] == "Chanel", "brand_name"] = BRAND
    brands.to_csv(dest / "brands.csv", index=False)
    return dest


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = _hostile_copy(tmp_path_factory.mktemp("data") / "shop")
    out = tmp_path_factory.mktemp("reports")
    res = subprocess.run([sys.executable, "-m", "lib.run.pipeline", "run", "--data", str(data), "--out", str(out),
                          "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    runs = [d for d in out.iterdir() if d.is_dir() and not d.name.startswith(".")]
    return res, runs


def test_the_run_publishes(run):
    res, runs = run
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(runs) == 1 and (runs[0] / "brands.html").exists()


def test_no_page_or_executed_notebook_shows_the_phone_number(run):
    _, runs = run
    pages = sorted(runs[0].glob("*.html")) + sorted(runs[0].glob("notebooks/*.ipynb"))
    assert len(pages) >= 15
    for f in pages:
        text = f.read_text(encoding="utf-8")
        assert "555-0147" not in text and "212) 555" not in text, f.name
    # the name was shown, masked: the customer tables still name the customer
    assert "Call [phone hidden]" in (runs[0] / "customers.html").read_text(encoding="utf-8")


def test_the_action_lists_keep_the_name_for_the_owner(run):
    _, runs = run
    vip = pd.read_csv(runs[0] / "tables" / "vip_customers.csv", dtype=str)
    assert vip["display_name"].iloc[0] == PHONE_NAME


def test_the_dollar_brand_is_shown_as_written(run):
    _, runs = run
    assert f"<td>{BRAND}</td>" in (runs[0] / "brands.html").read_text(encoding="utf-8")
