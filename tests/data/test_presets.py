"""Presets for platform exports (issue 18, point 7): each preset reads a small file in its platform's layout,
keys beside ``preset:`` override it key by key, bad presets are reported, and a file's header names its preset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.config import ROOT
from lib.data import presets
from lib.data.load import load_dataset
from lib.data.mapping import parse_mapping

# small exports in each platform's layout (invented buyers; e-mails at example.com)
SHOPIFY = (
    "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Vendor\n"
    "#1001,ann@example.com,paid,2026-10-03 20:15:00 -0400,1,Chanel Flap Bag - Excellent,4730.00,SK-1,Chanel\n"
    "#1001,ann@example.com,,2026-10-03 20:15:00 -0400,2,Prada Wallet - Good,\"1,200.00\",SK-2,Prada\n"
    "#1002,,refunded,2026-10-04 10:00:00 -0400,1,Gucci Scarf - Good,150.00,SK-3,Gucci\n"
    "#1003,bo@example.com,pending,2026-10-05 11:30:00 -0400,1,Dior Ring - Good,300.00,SK-4,Dior\n"
)
WHATNOT = (
    "order id,buyer,seller,product name,product category,processed date,order status,sold price,quantity,"
    "commission,seller paid shipping,show id\n"
    "700013,prelover992,shop,Chanel Black Ring (Good),Jewelry,10/02/2026 06:11:53 PM,Completed,\"$3,478.00\",1,"
    "-278.24,-14.99,show-1\n"
    "700026,chic291,shop,Celine Bag (Excellent),Designer Bags,10/02/2026 06:18:31 PM,Refunded,$549.00,1,-43.92,"
    "0.00,\n"
)
POSHMARK = (
    "Order Date,Order Id,Listing Title,Brand,Category,Order Price,Net Earnings,Buyer Username\n"
    "10/03/2026,6a001,Gucci Bag - Good,Gucci,Bags,120.00,96.00,closetqueen\n"
    "10/03/2026,6a001,Prada Belt - Good,Prada,Accessories,$45.00,36.00,closetqueen\n"
    "10/04/2026,6a002,Dior Scarf - Excellent,Dior,Accessories,80.00,64.00,prelover992\n"
)
EBAY = (
    "Sales Record Number,Order Number,Buyer Username,Buyer Email,Item Number,Item Title,Quantity,Sold For,"
    "Sale Date,Transaction ID\n"
    "101,12-34567-89012,vintagefan,x1@members.example.com,334455667788,Hermes Scarf,1,$310.00,Oct-03-26,2001\n"
    "102,12-34567-89013,vintagefan,x2@members.example.com,334455667799,Hermes Belt,2,$95.50,Oct-04-26,2002\n"
)
ETSY = (
    "Sale Date,Item Name,Buyer,Quantity,Price,Transaction ID,Listing ID,Order ID,SKU\n"
    "10/05/26,Vintage Silk Scarf,etsyfan1,1,48.00,3001,953074300,23289835,\n"
    "10/05/26,Brass Ring,etsyfan1,3,12.50,3002,953074301,23289835,\n"
)
FILES = {"shopify-orders": ("orders_export_1.csv", SHOPIFY), "whatnot-sales": ("whatnot_sales_2026-10.csv", WHATNOT),
         "poshmark-sales": ("poshmark_2026-10.csv", POSHMARK), "ebay-orders": ("eBay-OrdersReport-Oct.csv", EBAY),
         "etsy-sold-orders": ("EtsySoldOrderItems2026.csv", ETSY)}


def _folder(tmp_path: Path, mapping: str, *names: str) -> Path:
    for n in names:
        fname, text = FILES[n]
        (tmp_path / fname).write_text(text, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path


def _sales(tmp_path: Path, mapping: str, *names: str) -> pd.DataFrame:
    ds = load_dataset(_folder(tmp_path, mapping, *names), use_cache=False)
    return ds.tables["sales"].set_index("sale_id")


def test_the_five_presets_parse_clean_and_name_their_source():
    assert sorted(presets.presets()) == ["ebay-orders", "etsy-sold-orders", "poshmark-sales", "shopify-orders",
                                         "whatnot-sales"]
    for name, p in presets.presets().items():
        assert p.table == "sales" and p.title.startswith(("a ", "an "))
        assert "\n# " in "\n" + (presets.PRESET_DIR / f"{name}.yaml").read_text().split("title:")[0]  # the source
        mp, problems = parse_mapping(f"tables:\n  sales:\n    preset: {name}\n")
        assert problems == [], (name, problems)
        assert mp.tables["sales"].sources[0].name == ""  # a table entry without sources: has no source name


def test_shopify_preset_reads_lines_orders_guests_and_statuses(tmp_path):
    s = _sales(tmp_path, "tables:\n  sales:\n    preset: shopify-orders\n", "shopify-orders")
    assert list(s.index) == ["#1001-1", "#1001-2", "#1002-1", "#1003-1"]
    assert s["order_id"].tolist() == ["#1001", "#1001", "#1002", "#1003"]
    assert s["status"].tolist() == ["completed", "completed", "refunded", "cancelled"]  # blank -> paid; pending
    assert s.loc["#1001-2", "sale_price"] == 1200.0 and s.loc["#1001-2", "quantity"] == 2
    assert s.loc["#1001-1", "date_sold"] == pd.Timestamp("2026-10-03 20:15:00")
    assert pd.isna(s.loc["#1002-1", "buyer_id"]) and bool(s.loc["#1002-1", "is_guest"])
    assert s["channel"].unique().tolist() == ["website"] and s.loc["#1001-2", "product_id"] == "SK-2"


def test_whatnot_preset_keys_buyers_by_platform_and_reads_costs(tmp_path):
    s = _sales(tmp_path, "tables:\n  sales:\n    preset: whatnot-sales\n", "whatnot-sales")
    assert s.loc["700013", "buyer_id"] == "whatnot:prelover992"
    assert s.loc["700013", "sale_price"] == 3478.0 and s.loc["700013", "fees"] == 278.24
    assert s.loc["700013", "shipping_cost"] == 14.99 and s.loc["700026", "shipping_cost"] == 0.0
    assert s.loc["700013", "date_sold"] == pd.Timestamp("2026-10-02 18:11:53")
    assert s["status"].tolist() == ["completed", "refunded"] and s.loc["700013", "show_id"] == "show-1"
    assert s.loc["700026", "product_id"] == "Celine Bag (Excellent)"


def test_poshmark_ebay_and_etsy_presets(tmp_path):
    m = ("tables:\n  sales:\n    sources:\n      - preset: poshmark-sales\n      - preset: ebay-orders\n"
         "      - preset: etsy-sold-orders\n")
    s = _sales(tmp_path, m, "poshmark-sales", "ebay-orders", "etsy-sold-orders")
    assert s.loc["6a001-2", "sale_price"] == 45.0 and s.loc["6a001-2", "order_id"] == "6a001"  # a bundle
    assert s.loc["6a002-1", "buyer_id"] == "poshmark:prelover992"
    assert s.loc["334455667799-2002", "quantity"] == 2 and s.loc["334455667799-2002", "sale_price"] == 95.5
    assert s.loc["334455667799-2002", "buyer_id"] == "ebay:vintagefan"
    assert s.loc["334455667799-2002", "date_sold"] == pd.Timestamp("2026-10-04")
    assert s.loc["3002", "buyer_id"] == "etsy:etsyfan1" and s.loc["3002", "product_id"] == "953074301"
    assert s.loc["3002", "date_sold"] == pd.Timestamp("2026-10-05") and s.loc["3002", "quantity"] == 3
    assert sorted(s["channel"].unique()) == ["ebay", "etsy", "poshmark"]
    # the same username on Whatnot/Poshmark stays two buyers
    assert s["buyer_id"].str.startswith(("poshmark:", "ebay:", "etsy:")).all()


def test_keys_beside_the_preset_override_it_key_by_key():
    p = presets.get("shopify-orders")
    merged = presets.merge(p, {"preset": "shopify-orders", "file": "shop_*.csv", "columns": {"channel": "Source",
                               "product_id": None}, "constants": {"seller_id": "me"}, "guest": False})
    assert merged["file"] == "shop_*.csv" and merged["guest"] is False and merged["name"] == "shopify"
    assert merged["columns"]["channel"] == "Source" and "product_id" not in merged["columns"]
    assert merged["columns"]["buyer_id"] == "Email"  # untouched keys stay the preset's
    assert "channel" not in merged["constants"] and merged["constants"]["seller_id"] == "me"
    assert merged["transforms"] == p.mapping["transforms"] and "preset" not in merged
    assert "channel" not in p.mapping["columns"]  # the preset itself is unchanged


def test_override_in_a_real_mapping(tmp_path):
    m = ("tables:\n  sales:\n    preset: whatnot-sales\n    file: \"whatnot_sales_*.csv\"\n"
         "    columns: {buyer_id: buyer, show_id: ~}\n    constants: {channel: live}\n")
    s = _sales(tmp_path, m, "whatnot-sales")
    assert s.loc["700013", "buyer_id"] == "prelover992" and s["channel"].unique().tolist() == ["live"]
    assert "show_id" not in s.columns or s["show_id"].isna().all()


def test_unknown_or_misplaced_presets_are_reported_with_the_known_ones():
    _, problems = parse_mapping("tables:\n  sales:\n    sources:\n      - preset: shopify\n"
                                "      - preset: whatnot-sales\n  products:\n    preset: ebay-orders\n")
    known = "presets: ebay-orders, etsy-sold-orders, poshmark-sales, shopify-orders, whatnot-sales"
    assert [(p.rule, p.lines, p.detail) for p in problems] == [
        ("tables.sales.sources[1].preset: unknown preset 'shopify'", (4,), known),
        ("tables.products.preset: ebay-orders maps sales, not products", (7,), known)]
    _, problems = parse_mapping("tables:\n  sales:\n    preset: [shopify-orders]\n")
    assert problems[0].rule == "tables.sales.preset: unknown preset ['shopify-orders']"
    _, problems = parse_mapping("tables:\n  sales:\n    preset: shopify-orders\n    colums: {buyer_id: x}\n")
    assert problems[0].rule == "tables.sales: unknown key 'colums'"
    _, problems = parse_mapping("tables:\n  sales:\n    preset: shopify-orders\n    columns: {buyer_idd: Email}\n")
    assert problems[0].rule == "tables.sales.columns: not a column of sales"


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_header_names_its_preset(tmp_path, name):
    fname, text = FILES[name]
    (tmp_path / fname).write_text(text, encoding="utf-8")
    assert [p.name for p in presets.looks_like(presets.header_of(tmp_path / fname))] == [name]
    assert presets.preset_hint(tmp_path / fname) == (
        f"{fname} looks like {presets.get(name).title}: add a mapping.yaml with 'preset: {name}'")


def test_a_header_missing_one_column_fits_no_preset(tmp_path):
    (tmp_path / "x.csv").write_text(SHOPIFY.replace("Lineitem sku", "SKU"), encoding="utf-8")
    assert presets.looks_like(presets.header_of(tmp_path / "x.csv")) == []
    assert presets.preset_hint(tmp_path / "x.csv") is None
    assert presets.header_of(tmp_path / "missing.csv") == []


def test_folder_hints_group_files_and_skip_what_the_mapping_reads(tmp_path):
    (tmp_path / "orders_export_1.csv").write_text(SHOPIFY, encoding="utf-8")
    (tmp_path / "orders_export_2.csv").write_text(SHOPIFY, encoding="utf-8")
    (tmp_path / "whatnot_sales_2026-10.csv").write_text(WHATNOT, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    from lib.run.pipeline import _unread_files

    assert presets.folder_hints(*_unread_files(tmp_path)) == [
        "orders_export_1.csv and orders_export_2.csv look like a Shopify orders export: add a mapping.yaml "
        "with 'preset: shopify-orders'",
        "whatnot_sales_2026-10.csv looks like a Whatnot sales history: add a mapping.yaml with "
        "'preset: whatnot-sales'",
        "For all of them in one report: tables: {sales: {sources: [{preset: shopify-orders}, "
        "{preset: whatnot-sales}]}} (docs/data-mapping.md, Presets)"]
    (tmp_path / "mapping.yaml").write_text("tables:\n  sales:\n    preset: shopify-orders\n", encoding="utf-8")
    assert presets.folder_hints(*_unread_files(tmp_path)) == [
        "whatnot_sales_2026-10.csv looks like a Whatnot sales history: add a source with "
        "'preset: whatnot-sales' to mapping.yaml"]


def test_validate_on_a_folder_of_unmapped_exports_names_the_presets(tmp_path):
    (tmp_path / "orders_export_1.csv").write_text(SHOPIFY, encoding="utf-8")
    (tmp_path / "EtsySoldOrderItems2026.csv").write_text(ETSY, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "lib.run.pipeline", "validate", "--data", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert ("orders_export_1.csv looks like a Shopify orders export: add a mapping.yaml with "
            "'preset: shopify-orders'") in res.stdout
    assert ("EtsySoldOrderItems2026.csv looks like an Etsy sold order items download: add a mapping.yaml with "
            "'preset: etsy-sold-orders'") in res.stdout
    assert res.stdout.index("required table missing") < res.stdout.index("looks like")
