"""Tests of lib.analytics.bundles: exact support, confidence and lift on a hand-computed fixture; planted pair recovery."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analytics import bundles
from lib.report.registry import ACTION_LISTS

__all__ = ["bundle_lines"]

D1, D2, D3, D4, D5 = (pd.Timestamp(f"2026-01-0{i}") for i in range(1, 6))


def bundle_lines() -> pd.DataFrame:
    """Sale lines of five buying occasions with a category, a refunded pair and one unknown category."""
    rows = [
        # occasion 1: b1 on day 1 buys a Bag and a Wallet
        ("b1", D1, "Bag", "LV", 100.0, True),
        ("b1", D1, "Wallet", "Gucci", 20.0, True),
        # occasion 2: b2 on day 1, two Wallet lines count once (revenue 40 + 10 = 50)
        ("b2", D1, "Bag", "LV", 200.0, True),
        ("b2", D1, "Wallet", "Gucci", 40.0, True),
        ("b2", D1, "Wallet", "Gucci", 10.0, True),
        # occasion 3: b1 again on another day: a separate occasion
        ("b1", D2, "Bag", "Hermes", 300.0, True),
        # occasion 4 and 5
        ("b3", D3, "Shoes", "Gucci", 60.0, True),
        ("b3", D3, "Wallet", "LV", 30.0, True),
        ("b4", D3, "Shoes", "Dior", 80.0, True),
        # refunded: not a purchase, its Bag + Shoes pair must not count
        ("b5", D4, "Bag", "LV", 500.0, False),
        ("b5", D4, "Shoes", "Dior", 90.0, False),
        # unknown category: the occasion is left out of N
        ("b6", D5, None, "LV", 70.0, True),
    ]
    df = pd.DataFrame(rows, columns=["buyer_id", "date", "category", "brand_name", "revenue", "is_completed"])
    df["buyer_id"] = df["buyer_id"].astype("string")
    df["category"] = df["category"].astype("string")
    df["brand_name"] = df["brand_name"].astype("string")
    return df


def test_pair_table_exact_values():
    # N = 5 occasions with a category; Bag in 3 (o1, o2, o3), Wallet in 3 (o1, o2, o4), Shoes in 2 (o4, o5).
    # Bag+Wallet together in 2: support 2/5 = 0.4, confidence 2/3, lift 0.4 / (0.6 * 0.6) = 1.1111,
    #   expected 3*3/5 = 1.8; Fisher one-sided P(X >= 2), X ~ Hypergeom(5, 3, 3): (6 + 1) / 10 = 0.7.
    #   Bag and Wallet tie on 3 occasions: the anchor is the first alphabetically, Bag.
    #   Wallet's mean revenue per occasion: (20 + 50 + 30) / 3 = 33.333.
    # Wallet+Shoes together in 1: anchor Wallet (3 > 2); support 0.2, confidence 1/3,
    #   lift 0.2 / (0.6 * 0.4) = 0.8333, confidence Shoes->Wallet 1/2; P(X >= 1) = 1 - C(2,2)/C(5,2) = 0.9.
    t = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert tuple(t.columns[:6]) == ACTION_LISTS["bundle_candidates"]
    assert len(t) == 2
    bw, ws = t.iloc[0], t.iloc[1]
    assert (bw["item_a"], bw["item_b"]) == ("Bag", "Wallet")
    assert bw["occasions"] == 2 and bw["total_occasions"] == 5
    assert bw["support"] == pytest.approx(0.4)
    assert bw["confidence"] == pytest.approx(2 / 3)
    assert bw["lift"] == pytest.approx(0.4 / 0.36)
    assert bw["expected_occasions"] == pytest.approx(1.8)
    assert bw["confidence_b_to_a"] == pytest.approx(2 / 3)
    assert bw["p_value"] == pytest.approx(0.7)
    assert bw["item_b_mean_revenue"] == pytest.approx(100 / 3)
    assert bool(bw["recommended"])  # lift 1.11 >= 1.1 and p 0.7 < 0.8
    assert (ws["item_a"], ws["item_b"]) == ("Wallet", "Shoes")
    assert ws["support"] == pytest.approx(0.2)
    assert ws["confidence"] == pytest.approx(1 / 3)
    assert ws["lift"] == pytest.approx(0.2 / 0.24)
    assert ws["confidence_b_to_a"] == pytest.approx(0.5)
    assert ws["p_value"] == pytest.approx(0.9)
    assert not bool(ws["recommended"])


def test_minimum_count_and_significance():
    # min 2 joint occasions keeps Bag+Wallet only; min 3 keeps nothing (no pair is recommended)
    t2 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=2, min_lift=1.1, alpha=0.05)
    assert list(zip(t2["item_a"], t2["item_b"], strict=True)) == [("Bag", "Wallet")]
    assert not bool(t2["recommended"].iloc[0])  # p = 0.7 is not below 0.05
    t3 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=3)
    assert t3.empty and list(t3.columns[:6]) == bundles.BUNDLE_COLUMNS


def test_bundle_candidates_both_kinds_and_sentence():
    c = bundles.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert set(c["kind"]) == {"category", "brand"}
    # brands count every occasion with a known brand, b6's too: N = 6; LV in o1, o2, o4, o6 (4), Gucci in
    # o1, o2, o4 (3), together 3: anchor LV, support 3/6 = 0.5, confidence 3/4, lift 0.5 / (4/6 * 3/6) = 1.5,
    # Fisher P(X >= 3), X ~ Hypergeom(6, 4, 3) = C(4,3)/C(6,3) = 0.2; highest lift, so listed first
    lg = c.iloc[0]
    assert (lg["kind"], lg["item_a"], lg["item_b"]) == ("brand", "LV", "Gucci")
    assert lg["occasions"] == 3 and lg["total_occasions"] == 6
    assert lg["support"] == pytest.approx(0.5) and lg["confidence"] == pytest.approx(0.75)
    assert lg["lift"] == pytest.approx(1.5) and lg["p_value"] == pytest.approx(0.2)


def test_bad_inputs():
    with pytest.raises(ValueError, match="min_pair_occasions"):
        bundles.pair_table(bundle_lines(), "category", min_pair_occasions=0)
    with pytest.raises(ValueError, match="condition"):
        bundles.pair_table(bundle_lines(), "condition")


def test_history_months():
    # completed days from 2026-01-01 to 2026-01-05: 5 days / 30.44
    assert bundles.history_months(bundle_lines()) == pytest.approx(5 / 30.44)


def test_planted_bundle_pair_is_recovered(planted, sample_report):
    from lib.data.derived import sale_lines

    a, b = planted["bundle_pair"]
    c = bundles.bundle_candidates(sale_lines(sample_report.ds.tables), min_pair_occasions=10)
    top = c[c["recommended"] & (c["kind"] == "category")].iloc[0]
    assert {top["item_a"], top["item_b"]} == {a, b}
    assert top["lift"] > 1.2 and top["p_value"] < 1e-6
