"""Tests of lib.analytics.bundles: exact support, confidence, lift and false-discovery q-values on hand-computed
fixtures, pair counts against a brute-force count, bounded time and memory on 200,000 lines, no false alarms on
independent baskets; planted pair recovery."""

from __future__ import annotations

import itertools
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lib.analytics import bundles
from lib.report.registry import ACTION_LISTS

__all__ = ["bundle_lines", "strong_pair_lines"]

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
    # Tested: the 3 pairs of the 3 categories (Bag+Shoes never together: p = 1); Benjamini-Hochberg over
    #   p = 0.7, 0.9, 1: 0.7 x 3 / 1 = 2.1, 0.9 x 3 / 2 = 1.35, 1 x 3 / 3 = 1, running minimum from the top: all q = 1.
    t = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert tuple(t.columns[:6]) == ACTION_LISTS["bundle_candidates"]
    assert list(t.columns) == bundles.BUNDLE_COLUMNS + bundles.EVIDENCE_COLUMNS  # no costs: no gross-profit columns
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
    assert bw["q_value"] == pytest.approx(1.0) and bw["pairs_tested"] == 3
    assert not bool(bw["recommended"])  # lift 1.11 >= 1.1 and p 0.7 < 0.8, but q = 1 is not below 0.8
    assert (ws["item_a"], ws["item_b"]) == ("Wallet", "Shoes")
    assert ws["support"] == pytest.approx(0.2)
    assert ws["confidence"] == pytest.approx(1 / 3)
    assert ws["lift"] == pytest.approx(0.2 / 0.24)
    assert ws["confidence_b_to_a"] == pytest.approx(0.5)
    assert ws["p_value"] == pytest.approx(0.9) and ws["q_value"] == pytest.approx(1.0)
    assert not bool(ws["recommended"])


def test_minimum_count_and_significance():
    # min 2 joint occasions keeps Bag+Wallet only; min 3 keeps nothing (no pair is recommended)
    t2 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=2, min_lift=1.1, alpha=0.05)
    assert list(zip(t2["item_a"], t2["item_b"], strict=True)) == [("Bag", "Wallet")]
    assert not bool(t2["recommended"].iloc[0])  # p = 0.7 is not below 0.05
    # min 2 joint occasions: only items on 2+ occasions are tested, Bag, Wallet and Shoes: still 3 pairs
    assert t2["pairs_tested"].iloc[0] == 3
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
    # one family over both kinds: 3 category pairs + the 6 pairs of the 4 brands (LV, Gucci, Hermes, Dior) = 9;
    # p sorted 0.2, 0.7, 0.9 and six 1s: 0.2 x 9 = 1.8, 0.7 x 9 / 2, 0.9 x 9 / 3, ..., 1 x 9 / 9 = 1: all q = 1
    assert (c["pairs_tested"] == 9).all() and lg["q_value"] == pytest.approx(1.0)


def strong_pair_lines(fillers: int = 16) -> pd.DataFrame:
    """20 occasions: A and B always together (4 occasions), then ``fillers`` occasions of one distinct item each."""
    rows = [(f"ab{i}", "A") for i in range(4)] + [(f"ab{i}", "B") for i in range(4)]
    rows += [(f"f{i}", f"F{i:02d}") for i in range(fillers)]
    df = pd.DataFrame(rows, columns=["buyer_id", "category"]).astype("string")
    return df.assign(date=pd.Timestamp("2026-02-01"), revenue=10.0, is_completed=True)


def test_false_discovery_control_over_all_pairs_tested():
    # A+B: N = 20, n_A = n_B = n_AB = 4; Fisher p = P(X >= 4), X ~ Hypergeom(20, 4, 4) = 1 / C(20, 4) = 1 / 4845.
    # 18 items each on >= 1 occasion: C(18, 2) = 153 pairs tested, all others never together (p = 1):
    # q = p x 153 / 1 = 153 / 4845 = 0.031579. Lift = (4/20) / (4/20)^2 = 5, support 0.2.
    t = bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1, alpha=0.05)
    assert len(t) == 1
    r = t.iloc[0]
    assert (r["item_a"], r["item_b"], r["occasions"]) == ("A", "B", 4)
    assert r["p_value"] == pytest.approx(1 / 4845, rel=1e-9)
    assert r["pairs_tested"] == 153 and r["q_value"] == pytest.approx(153 / 4845, rel=1e-9)
    assert r["lift"] == pytest.approx(5.0) and bool(r["recommended"])  # q 0.0316 < 0.05
    # at alpha 0.03 a per-pair test would still pass (p = 0.0002) but the corrected q does not
    assert not bool(bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1,
                                       alpha=0.03)["recommended"].iloc[0])


def test_minimum_support_shrinks_the_family_and_gates_the_pair():
    # min_support 0.2 x N 20 = 4 occasions: only A and B (4 each) are frequent enough, 1 pair tested, q = p
    t = bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1, min_support=0.2)
    assert t["pairs_tested"].iloc[0] == 1 and t["q_value"].iloc[0] == pytest.approx(1 / 4845, rel=1e-9)
    assert bool(t["recommended"].iloc[0])  # support 0.2 >= 0.2
    # min_support 0.25: 5 occasions needed, no item has that many: nothing tested, nothing listed
    assert bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1, min_support=0.25).empty
    with pytest.raises(ValueError, match="min_support"):
        bundles.pair_table(strong_pair_lines(), "category", min_support=1.0)


def test_baskets_above_the_cap_are_left_out():
    # one extra occasion holding A, B and 3 more items (5 distinct): with max_basket 4 it is left out (N stays 20);
    # with max_basket 5 it counts: N 21, A and B on 5 occasions together
    extra = pd.DataFrame({"buyer_id": "big", "category": ["A", "B", "X1", "X2", "X3"]}).astype("string").assign(
        date=pd.Timestamp("2026-02-01"), revenue=10.0, is_completed=True)
    lines = pd.concat([strong_pair_lines(), extra], ignore_index=True)
    capped = bundles.pair_table(lines, "category", min_pair_occasions=1, max_basket=4)
    assert capped[["occasions", "total_occasions", "pairs_tested"]].iloc[0].tolist() == [4, 20, 153]
    kept = bundles.pair_table(lines, "category", min_pair_occasions=1, max_basket=5)
    ab = kept[(kept["item_a"] == "A") & (kept["item_b"] == "B")].iloc[0]
    assert (ab["occasions"], ab["total_occasions"], ab["pairs_tested"]) == (5, 21, 21 * 20 // 2)


def test_pair_counts_equal_a_brute_force_count():
    rng = np.random.default_rng(7)
    rows = []
    for o in range(400):
        # 1-6 lines, repeats allowed (a second line of the same category counts once)
        for c in rng.choice([f"c{i}" for i in range(12)], size=rng.integers(1, 7), p=np.arange(12, 0, -1) / 78):
            rows.append((f"b{o % 150}", pd.Timestamp("2026-01-01") + pd.Timedelta(days=o // 150), c,
                         float(rng.integers(5, 50))))
    lines = pd.DataFrame(rows, columns=["buyer_id", "date", "category", "revenue"])
    baskets = lines.groupby(["buyer_id", "date"])["category"].agg(lambda s: frozenset(s))
    n_total = len(baskets)
    single = {c: sum(c in b for b in baskets) for c in sorted(set(lines["category"]))}
    both = {}
    for b in baskets:
        for x, y in itertools.combinations(sorted(b), 2):
            both[(x, y)] = both.get((x, y), 0) + 1
    t = bundles.pair_table(lines, "category", min_pair_occasions=1, min_support=0.0, min_lift=0.0)
    got = {tuple(sorted((a, b))): k for a, b, k in zip(t["item_a"], t["item_b"], t["occasions"], strict=True)}
    assert got == both and (t["total_occasions"] == n_total).all()
    assert dict(zip(t["item_a"], t["item_a_occasions"], strict=True)) == {a: single[a] for a in t["item_a"]}
    ref_p = stats.hypergeom.sf(t["occasions"] - 1, n_total, t["item_a_occasions"], t["item_b_occasions"])
    np.testing.assert_allclose(t["p_value"], ref_p, rtol=1e-9, atol=1e-15)
    # q-values: statsmodels' Benjamini-Hochberg over every pair of the 12 categories (66; never together: p = 1)
    p_all = np.ones(66)
    p_all[: len(t)] = ref_p
    np.testing.assert_allclose(t["q_value"], multipletests(p_all, method="fdr_bh")[1][: len(t)], rtol=1e-9)


def test_fisher_p_value_matches_scipy_over_wide_ranges():
    rng = np.random.default_rng(3)
    for total in (5, 60, 3927, 200_000):
        na, nb = rng.integers(1, total + 1, 2000), rng.integers(1, total + 1, 2000)
        k = rng.integers(np.maximum(0, na + nb - total), np.minimum(na, nb) + 2)
        ref = stats.hypergeom.sf(k - 1, total, na, nb)
        got = bundles._hypergeom_sf(k, total, na, nb)
        np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-300)


def _independent_baskets(n_occ: int = 8000, basket: int = 25, n_brand: int = 300) -> pd.DataFrame:
    """200,000 sale lines: baskets of 25 distinct brands drawn at random, so no pair belongs together."""
    rng = np.random.default_rng(2)
    brand = np.argsort(rng.random((n_occ, n_brand)), axis=1)[:, :basket].ravel()
    occ = np.repeat(np.arange(n_occ), basket)
    return pd.DataFrame({
        "buyer_id": pd.array(np.char.add("u", occ.astype(str)), dtype="string"),
        "date": np.full(len(occ), np.datetime64("2026-03-02", "ns")),
        "revenue": rng.gamma(2.0, 30.0, len(occ)), "gross_profit": rng.normal(12.0, 6.0, len(occ)),
        "brand_name": pd.array(np.char.add("B", brand.astype(str)), dtype="string"),
        "category": pd.array(np.char.add("C", (brand % 40).astype(str)), dtype="string")})


def test_200k_lines_in_bounded_time_and_memory_without_false_alarms():
    lines = _independent_baskets()
    assert len(lines) == 200_000
    tracemalloc.start()
    start = time.perf_counter()
    try:
        t = bundles.bundle_pairs(lines)
        seconds = time.perf_counter() - start
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    # a self-join of the occasions needs 25 x 25 rows per occasion (about 180 MB here); the sparse product ~30 MB
    assert peak_mb < 100, f"peak {peak_mb:.0f} MB"
    assert seconds < 20, f"{seconds:.1f} s"
    # 300 brands: C(300, 2) = 44,850 pairs + C(40, 2) = 780 category pairs tested
    assert t["pairs_tested"].iloc[0] == 44_850 + 780
    # random baskets: a per-pair p < 0.05 with lift >= 1.2 passes some pairs by chance, the corrected rule none
    assert ((t["p_value"] < 0.05) & (t["lift"] >= 1.2)).sum() > 0
    assert not t["recommended"].any()
    assert list(t.columns) == bundles.BUNDLE_COLUMNS + bundles.EVIDENCE_COLUMNS + bundles.GROSS_PROFIT_COLUMNS


def test_product_level_pairs_only_the_top_products():
    # P1 on 4 occasions, P2 on 3, P3 on 2, P4 on 1; with top_products 2 only P1+P2 is a tested pair
    occ = {"o1": ["P1", "P2", "P3"], "o2": ["P1", "P2", "P3"], "o3": ["P1", "P2"], "o4": ["P1", "P4"]}
    lines = pd.DataFrame([(o, p) for o, ps in occ.items() for p in ps], columns=["buyer_id", "product_id"]).astype(
        "string").assign(date=pd.Timestamp("2026-02-01"), revenue=10.0)
    t = bundles.pair_table(lines, "product_id", min_pair_occasions=1, min_support=0.0, top_products=2)
    assert list(zip(t["kind"], t["item_a"], t["item_b"], t["occasions"], strict=True)) == [("product", "P1", "P2", 3)]
    assert t["pairs_tested"].iloc[0] == 1
    assert bundles.pair_table(lines, "product_id", min_pair_occasions=1, min_support=0.0,
                              top_products=4)["pairs_tested"].iloc[0] == 6


def test_item_b_gross_profit_per_occasion():
    # Wallet (item_b of Bag+Wallet) on o1 (gross profit 5), o2 (4 + 6 = 10), o4 (unknown cost: left out)
    lines = bundle_lines()
    lines["gross_profit"] = [40.0, 5.0, 80.0, 4.0, 6.0, 100.0, 20.0, np.nan, 30.0, 0.0, 0.0, 10.0]
    t = bundles.pair_table(lines, "category", min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert list(t.columns) == bundles.BUNDLE_COLUMNS + bundles.EVIDENCE_COLUMNS + bundles.GROSS_PROFIT_COLUMNS
    bw = t.iloc[0]
    assert (bw["item_a"], bw["item_b"]) == ("Bag", "Wallet")
    assert bw["item_b_mean_gross_profit"] == pytest.approx(7.5) and bw["item_b_profit_occasions"] == 2
    assert bw["item_b_gross_profit_sd"] == pytest.approx(np.std([5.0, 10.0], ddof=1))


def test_listed_pairs_keep_every_recommended_pair_and_the_top_others():
    pairs = pd.DataFrame({"recommended": [True, True, True, False, False, False, False, False],
                          "lift": [3.0, 2.5, 2.0, 1.9, 1.5, 1.1, 0.9, 0.5]})
    assert bundles.listed_pairs(pairs, max_others=2)["lift"].tolist() == [3.0, 2.5, 2.0, 1.9, 1.5]
    assert len(bundles.listed_pairs(pairs, max_others=100)) == 8
    assert bundles.listed_pairs(pairs, max_others=0)["recommended"].all()


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
    assert top["lift"] > 1.2 and top["p_value"] < 1e-6 and top["q_value"] < 1e-6
    # the only planted pair is the only recommended one; the list holds it and at most 100 others
    assert int(c["recommended"].sum()) == 1 and len(c) <= 101
