"""The multichannel and webshop examples (issue 18, point 8): validate, report, and headline numbers checked from the raw exports.

The expected numbers are computed here with plain pandas straight from the export files, as the
contract defines them (docs/data-contract.md, Return lines and Guest sales; docs/metrics.md,
Overview and Customers), independently of lib.data. ``test_*_contract_metrics`` hold the numbers
that depend on orders, returns and guests in the KPIs (issue 18, point 4).
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from lib.config import ROOT
from tests.e2e.test_examples import _csvs, _money, pipeline

EXAMPLES = ROOT / "data" / "examples"
MULTI = EXAMPLES / "multichannel"
WEBSHOP = EXAMPLES / "webshop"
PERIOD = "2026-10"  # both examples end on 2026-10-31: the last complete month
TZ = "America/New_York"


# the pipeline call and the raw-export readers are the ones the first examples' tests use
_read = _csvs


# --------------------------------------------------------------------------- the raw exports as lines


def multichannel_lines() -> pd.DataFrame:
    """Every sales line of the three exports: channel, order, buyer (None for a guest), product, price,
    quantity, status and local month, read by hand (see data/examples/multichannel/README.md)."""
    w = _read(MULTI, "whatnot_sales_*.csv")
    wn = pd.DataFrame({
        "channel": "whatnot", "order": "wn" + w["order id"], "buyer": "whatnot:" + w["buyer"],
        "product": w["product name"], "price": _money(w["sold price"]), "qty": pd.to_numeric(w["quantity"]),
        "status": w["order status"].map({"Completed": "completed", "Refunded": "refunded", "Cancelled": "cancelled"}),
        "when": pd.to_datetime(w["processed date"], format="%m/%d/%Y %I:%M:%S %p")})
    p = _read(MULTI, "poshmark_*.csv")
    pm = pd.DataFrame({
        "channel": "poshmark", "order": "pm" + p["Order Id"], "buyer": "poshmark:" + p["Buyer Username"],
        "product": p["Listing Title"], "price": _money(p["Order Price"]), "qty": 1, "status": "completed",
        "when": pd.to_datetime(p["Order Date"], format="%m/%d/%Y")})
    s = _read(MULTI, "orders_export_*.csv")
    # Financial Status is on an order's first line only
    status = s["Financial Status"].replace("", pd.NA).groupby(s["Name"]).transform("first")
    sh = pd.DataFrame({
        "channel": "website", "order": "sh" + s["Name"], "buyer": s["Email"].where(s["Email"] != "", None),
        "product": s["Lineitem sku"], "price": pd.to_numeric(s["Lineitem price"]),
        "qty": pd.to_numeric(s["Lineitem quantity"]),
        "status": status.map({"paid": "completed", "refunded": "refunded", "voided": "cancelled"}),
        "when": pd.to_datetime(s["Created at"], format="%Y-%m-%d %H:%M:%S %z", utc=True).dt.tz_convert(TZ)
        .dt.tz_localize(None)})
    out = pd.concat([wn, pm, sh], ignore_index=True)
    assert out["status"].notna().all()
    return out


def webshop_lines() -> pd.DataFrame:
    """The invoice lines as the mapping means them: A-invoices and zero-price lines without a customer
    dropped; a C-invoice or negative quantity is a return of abs(quantity); CustomerID 17850.0 -> 17850."""
    o = pd.read_csv(WEBSHOP / "online_retail.csv", dtype=str, keep_default_na=False)
    o = o[~o["InvoiceNo"].str.startswith("A")]
    o = o[~((pd.to_numeric(o["UnitPrice"]) == 0) & (o["CustomerID"] == ""))]
    qty = pd.to_numeric(o["Quantity"])
    ret = o["InvoiceNo"].str.startswith("C") | (qty < 0)
    return pd.DataFrame({
        "channel": "website", "order": o["InvoiceNo"],
        "buyer": o["CustomerID"].str.replace(r"\.0$", "", regex=True).where(o["CustomerID"] != "", None),
        "product": o["StockCode"], "price": pd.to_numeric(o["UnitPrice"]), "qty": qty.abs(),
        "status": ret.map({True: "refunded", False: "completed"}),
        "when": pd.to_datetime(o["InvoiceDate"], format="%m/%d/%Y %H:%M")}).reset_index(drop=True)


def contract_numbers(lines: pd.DataFrame, period: str = PERIOD) -> dict:
    """The headline numbers of ``period`` as the contract defines them (docs/data-contract.md, Return lines).

    A refunded line that follows a completed sale of the same buyer and product is a return: it nets
    against those sales, the latest first, each up to the units it has left, in the sale's month; a
    refunded line without one is a sale refunded as a whole. A sale returned in full is no longer a
    completed line. Gross revenue = the period's completed and refunded sales before returns; the
    refund rate = (refunded sales + the amount netted from the period's sales) / gross revenue.
    Guests count in revenue, never as customers; a buyer whose purchases were all returned is not one.
    """
    lines = lines.sort_values("when", kind="stable").reset_index(drop=True)
    lines["month"] = lines["when"].dt.strftime("%Y-%m")
    net = lines["qty"].where(lines["status"] == "completed", 0).astype(float)
    is_return = pd.Series(False, index=lines.index)
    for i, r in lines[lines["status"] == "refunded"].iterrows():
        if r["buyer"] is None:
            continue
        cand = lines.index[(lines["status"] == "completed") & (lines["buyer"] == r["buyer"])
                           & (lines["product"] == r["product"]) & (lines["when"] <= r["when"])]
        if not len(cand):
            continue  # a sale refunded as a whole
        is_return[i] = True
        left = r["qty"]
        for j in reversed(cand):
            take = min(left, net[j])
            net[j] -= take
            left -= take
    lines["net"] = net
    sale = (lines["status"] == "completed") | ((lines["status"] == "refunded") & ~is_return)
    inp = lines["month"] == period
    done = lines[(lines["status"] == "completed") & inp]
    kept = done[done["net"] > 0]
    revenue = (done["net"] * done["price"]).sum()
    gross = (lines.loc[sale & inp, "qty"] * lines.loc[sale & inp, "price"]).sum()
    refunded = lines[sale & inp & (lines["status"] == "refunded")]
    netted = ((done["qty"] - done["net"]) * done["price"]).sum()
    hist = lines[(lines["month"] <= period) & (lines["status"] == "completed") & lines["buyer"].notna()]
    return {
        "revenue_period": revenue, "units_period": int(done["net"].sum()),
        "orders_period": kept["order"].nunique(), "order_lines_period": len(kept),
        "refund_rate_pct_period": 100 * ((refunded["qty"] * refunded["price"]).sum() + netted) / gross,
        "guest_revenue_share_pct_period": 100 * (done["net"] * done["price"])[done["buyer"].isna()].sum() / revenue,
        "customers": hist.loc[hist["net"] > 0, "buyer"].nunique(),
        "active_customers_period": kept["buyer"].dropna().nunique(),
        "channels": sorted(kept["channel"].unique()),
        "returns_period": int((is_return & inp).sum()), "refunded_sales_period": len(refunded),
        "completed_revenue_prev_period": (lines.loc[(lines["status"] == "completed") & (lines["month"] == "2026-09"),
                                          "net"] * lines["price"]).sum(),
        "all_returned_buyers": int((hist.groupby("buyer")["net"].sum() == 0).sum()),
    }


# --------------------------------------------------------------------------- one run per example


def _run(run) -> dict:
    return {"metrics": run.metrics["metrics"], "period": run.period, "out": run.dir, "log": run.log}


@pytest.fixture(scope="module")
def multi_run(full_run):
    """The shared run of the multichannel example (tests/e2e/conftest.py)."""
    return _run(full_run("multichannel"))


@pytest.fixture(scope="module")
def webshop_run(full_run):
    return _run(full_run("webshop"))


# --------------------------------------------------------------------------- the data itself


def test_the_examples_have_the_traits_they_show():
    m = multichannel_lines()
    assert sorted(m["channel"].unique()) == ["poshmark", "website", "whatnot"]
    assert m["when"].min() >= pd.Timestamp("2026-07-01") and m["when"].max().strftime("%Y-%m-%d") == "2026-10-31"
    assert 300 <= len(m) <= 600
    assert m["order"].duplicated().any()  # Shopify orders and Poshmark bundles with several lines
    assert m["buyer"].isna().sum() == 3  # three Shopify point-of-sale orders without an e-mail, one on 2026-10-31
    w = pd.read_csv(WEBSHOP / "online_retail.csv", dtype=str, keep_default_na=False)
    assert 2000 <= len(w) <= 5000
    assert w["InvoiceNo"].duplicated().any()
    c = w[w["InvoiceNo"].str.startswith("C")]
    assert len(c) == 126 and (pd.to_numeric(c["Quantity"]) < 0).all()
    assert ((pd.to_numeric(w["UnitPrice"]) == 0) & (w["CustomerID"] == "")).sum() == 25
    assert w["InvoiceNo"].str.startswith("A").sum() == 2
    assert (w["CustomerID"] == "").sum() == 754 + 25 + 2
    assert w.loc[w["CustomerID"] != "", "CustomerID"].str.endswith(".0").all()
    sold = w[pd.to_numeric(w["UnitPrice"]) > 0]
    names = sold.groupby("StockCode")["Description"].nunique()
    assert names[names > 1].to_dict() == {"85099B": 3, "85123A": 2}


def test_the_generator_rewrites_the_same_files(tmp_path):
    from lib.tools.example_exports import write_multichannel, write_webshop

    write_multichannel(tmp_path / "multichannel")
    write_webshop(tmp_path / "webshop")
    for f in sorted((tmp_path / "multichannel").glob("*.csv")) + [tmp_path / "webshop" / "online_retail.csv"]:
        assert f.read_bytes() == (EXAMPLES / f.parent.name / f.name).read_bytes(), f.name


@pytest.mark.parametrize("folder", [MULTI, WEBSHOP], ids=["multichannel", "webshop"])
def test_validate_passes_with_mapping_only(folder):
    res = pipeline("validate", "--data", str(folder), timeout=300)
    text = res.stdout + res.stderr
    assert res.returncode == 0, text
    # the path as given on the first run of these bytes (the cache keeps it): absolute or relative to the repo
    assert f"Mapping: {folder / 'mapping.yaml'}" in text or f"Mapping: {folder.relative_to(ROOT) / 'mapping.yaml'}" in text
    assert "OK: the input meets the data contract" in text
    assert (folder / "README.md").read_text().count("Made-up data") == 1


def test_webshop_validation_counts_every_rule():
    text = pipeline("validate", "--data", str(WEBSHOP), timeout=300).stdout
    assert "sales 2,926 rows" in text  # 2,953 lines - 2 bad-debt - 25 stock adjustments
    assert "excluded by rule 1 of tables.sales.rows (InvoiceNo starts with 'A'): 2 lines" in text
    assert "excluded by rule 2 of tables.sales.rows ((UnitPrice equals 0 and CustomerID blank)): 25 lines" in text
    assert "guest lines (buyer_id blank) from tables.sales (754)" in text
    assert "products derived from sales: one row per StockCode, 36 from 2,899 lines" in text
    assert "product 85099B had 3 values of Description" in text


def test_multichannel_validation_derives_products_and_brands():
    text = pipeline("validate", "--data", str(MULTI), timeout=300).stdout
    lines = multichannel_lines()
    assert f"sales {len(lines)} rows" in text
    assert "guest lines (buyer_id blank) from source shopify (3)" in text
    n_products = pd.concat([_read(MULTI, "whatnot_sales_*.csv")["product name"],
                            _read(MULTI, "poshmark_*.csv")["Listing Title"],
                            _read(MULTI, "orders_export_*.csv")["Lineitem sku"]]).nunique()
    assert f"products derived from sales: one row per item_id, {n_products} from {len(lines)} lines" in text
    assert "brands derived from sales: one row per item_brand, 10 from" in text


def test_a_broken_webshop_copy_says_what_to_fix(tmp_path):
    """A first mapping as a new user writes it: the export's columns only, no line ids, guests or rules."""
    shutil.copy(WEBSHOP / "online_retail.csv", tmp_path / "online_retail.csv")
    (tmp_path / "mapping.yaml").write_text(
        "tables:\n  sales:\n    file: online_retail.csv\n    columns:\n      sale_id: InvoiceNo\n"
        "      product_id: StockCode\n      buyer_id: CustomerID\n      date_sold: InvoiceDate\n"
        "      sale_price: UnitPrice\n      quantity: Quantity\n"
        "    transforms:\n      date_sold: {date_format: \"%m/%d/%Y %H:%M\"}\n")
    res = pipeline("validate", "--data", str(tmp_path), timeout=300)
    out = res.stdout.splitlines()
    assert res.returncode == 2
    assert out[1].startswith("The input breaks the data contract: ")
    assert len(out) <= 41
    text = "\n".join(out[:15])
    assert "column 'buyer_id' (source 'CustomerID'): required value is blank" in text
    assert "`guest: true`" in text
    assert "column 'sale_id' (source 'InvoiceNo'): duplicate value (must be unique)" in text
    assert "row_number: {within: InvoiceNo}" in text


# --------------------------------------------------------------------------- the reports


def test_multichannel_report_headline_numbers(multi_run):
    """Numbers that do not depend on orders, returns or guests in the KPIs: no refunded line of this
    example nets against an earlier sale, so revenue and units are the completed lines'."""
    exp = contract_numbers(multichannel_lines())
    assert exp["returns_period"] == 0 and exp["refunded_sales_period"] > 0
    m = multi_run["metrics"]
    assert multi_run["period"] == PERIOD
    assert m["revenue_period"] == pytest.approx(exp["revenue_period"])
    assert m["units_period"] == exp["units_period"]
    assert m["revenue_prev_period"] == pytest.approx(exp["completed_revenue_prev_period"])
    html = (multi_run["out"] / "overview.html").read_text(encoding="utf-8").lower()
    for channel in exp["channels"]:
        assert channel in html, channel


def test_multichannel_contract_metrics(multi_run):
    """Orders, the refund rate, the guest share and customers (issue 18, point 4)."""
    exp = contract_numbers(multichannel_lines())
    m = multi_run["metrics"]
    assert m["orders_period"] == exp["orders_period"]
    assert m["order_lines_period"] == exp["order_lines_period"]
    assert m["refund_rate_pct_period"] == pytest.approx(exp["refund_rate_pct_period"])
    assert m["guest_revenue_share_pct_period"] == pytest.approx(exp["guest_revenue_share_pct_period"])
    assert m["customers"] == exp["customers"]
    assert m["active_customers_period"] == exp["active_customers_period"]


def test_webshop_report_runs_on_mapping_only(webshop_run):
    exp = contract_numbers(webshop_lines())
    assert webshop_run["period"] == PERIOD
    assert exp["returns_period"] > 0 and exp["refunded_sales_period"] == 0 and exp["all_returned_buyers"] == 1
    html = (webshop_run["out"] / "overview.html").read_text(encoding="utf-8").lower()
    assert "website" in html


def test_webshop_contract_metrics(webshop_run):
    """Every headline number of the webshop depends on returns netting against the sale (issue 18, point 4)."""
    exp = contract_numbers(webshop_lines())
    m = webshop_run["metrics"]
    assert m["revenue_period"] == pytest.approx(exp["revenue_period"])
    assert m["units_period"] == exp["units_period"]
    assert m["orders_period"] == exp["orders_period"]
    assert m["order_lines_period"] == exp["order_lines_period"]
    assert m["refund_rate_pct_period"] == pytest.approx(exp["refund_rate_pct_period"])
    assert m["guest_revenue_share_pct_period"] == pytest.approx(exp["guest_revenue_share_pct_period"])
    assert m["customers"] == exp["customers"]
    assert m["active_customers_period"] == exp["active_customers_period"]
