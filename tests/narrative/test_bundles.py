"""Tests of lib.narrative.bundles: each pair's reason (from the values before rounding), the candidate table with its
reason as the last column, the owner's sentence, and the bundle recommendation's gross-profit effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import bundles
from lib.analytics.effects import worth_acting
from lib.narrative import bundles as bundles_text
from tests.analytics.test_bundles import bundle_lines, strong_pair_lines
from tests.e2e.test_page_scan import JARGON


def test_pair_reasons_say_why_a_pair_is_not_recommended():
    # Bag+Wallet: lift 1.11 >= 1.1, but q = 1 over the 3 pairs tested; Wallet+Shoes: lift 0.83 below 1.1
    t = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    reasons = bundles_text.pair_reasons(t, min_lift=1.1, alpha=0.8)
    assert reasons[0] == ("bought together on 2 occasions, 1.1 times what chance predicts (1.8); 67% of Bag "
                          "occasions include Wallet (Fisher exact p = 0.7, Benjamini-Hochberg q = 1 over 3 pairs "
                          "tested); not recommended: q >= 0.8, could be chance among the pairs tested")
    assert reasons[1].endswith("; not recommended: lift below 1.1")
    # A+B recommended: no "not recommended" clause; p = 1/4845, q = 153/4845
    s = bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1)
    assert bundles_text.pair_reasons(s)[0] == (
        "bought together on 4 occasions, 5.0 times what chance predicts (0.8); 100% of A occasions include B "
        "(Fisher exact p = 0.00021, Benjamini-Hochberg q = 0.032 over 153 pairs tested)")


def test_pair_reasons_name_the_minimum_support():
    # A+B's support 0.2 is below a 30% minimum (its lift 5 clears 1.2): the reason names the support
    t = bundles.pair_table(strong_pair_lines(), "category", min_pair_occasions=1).assign(recommended=False)
    assert bundles_text.pair_reasons(t, min_support=0.3)[0].endswith(
        "; not recommended: on fewer than 30.0% of purchase days")


def test_bundle_candidates_end_with_the_reason_and_keep_the_rounded_numbers():
    c = bundles_text.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert list(c.columns) == bundles.BUNDLE_COLUMNS + bundles.EVIDENCE_COLUMNS + ["reason"]
    numbers = bundles.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    pd.testing.assert_frame_equal(c.drop(columns="reason"), numbers)
    assert c["reason"].iloc[0].startswith("bought together on 3 occasions, 1.5 times what chance predicts (2.0)")
    # 3 pairs listed (none recommended); max_others 1 keeps the one with the highest lift
    assert len(c) == 3
    one = bundles_text.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8,
                                         max_others=1)
    assert list(zip(one["item_a"], one["item_b"], strict=True)) == [("LV", "Gucci")]
    empty = bundles_text.bundle_candidates(bundle_lines(), min_pair_occasions=50)
    assert empty.empty and list(empty.columns)[-1] == "reason"


def test_bundle_sentence():
    t3 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=3)
    assert bundles_text.bundle_sentence(t3, 3) == ("No two categories or brands were bought together on at least "
                                                   "3 occasions, so no bundle is recommended.")
    c = bundles.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert bundles_text.bundle_sentence(c, 1) == (
        "Of the 9 pairs of categories and brands tested, none is bought together clearly more often than chance "
        "would explain among so many pairs: no bundle is recommended.")
    # the test moves to the method block
    assert bundles_text.bundle_method(c)[0].startswith(
        "Each pair: a one-sided Fisher exact test that the two are bought together (one buyer, one day) more often "
        "than their separate shares predict; Benjamini-Hochberg false-discovery control at 5% over all 9 pairs "
        "tested (q below 0.05 counts).")
    assert bundles_text.bundle_method(t3) == []
    s = bundles.bundle_candidates(strong_pair_lines(), min_pair_occasions=1)
    text = bundles_text.bundle_sentence(s, 1)
    assert text.startswith("A and B (categories) are bought together on 4 occasions, 5.00 times what chance "
                           "predicts; 100% of A purchases include B. 1 pair of the 153 pairs tested qualifies: "
                           "bought together clearly more often than chance, even among so many pairs.")
    assert "(s)" not in text and not JARGON.search(text)


def test_pair_view_and_tests():
    c = cands_frame()
    view = bundles_text.pair_view(c)
    assert view.iloc[0].tolist() == ["Bag", "Wallet", "category", 2.0, pytest.approx(100 / 13), 1.6, 100, True]
    assert not any(JARGON.search(bundles_text.PAIR_TITLES.get(col, col)) for col in view.columns)
    tests = bundles_text.pair_tests(c)
    assert tests.iloc[0].tolist() == ["Bag", "Wallet", 100, 104.0, "p < 0.001", "q < 0.001"]
    assert bundles_text.pair_tests(cands_frame(p_value=0.04, q_value=0.12))[["test", "q"]].iloc[0].tolist() == \
        ["p = 0.04", "q = 0.12"]


def cands_frame(**over) -> pd.DataFrame:
    """One recommended category pair: Bag on 1,300 occasions, 100 of them with Wallet, over 12 months; a Wallet
    purchase brings $200 of sales and $50 gross profit (sd $40 over 400 purchases)."""
    row = {"item_a": "Bag", "item_b": "Wallet", "support": 0.02, "confidence": 100 / 1300, "lift": 1.6,
           "occasions": 100, "kind": "category", "p_value": 1e-9, "q_value": 2e-8, "recommended": True,
           "item_a_occasions": 1300, "item_b_occasions": 400, "total_occasions": 5000, "pairs_tested": 106,
           "expected_occasions": 104.0, "confidence_b_to_a": 0.25, "item_b_mean_revenue": 200.0,
           "item_b_mean_gross_profit": 50.0, "item_b_gross_profit_sd": 40.0, "item_b_profit_occasions": 400}
    return pd.DataFrame([row | over])


def test_bundle_recommendation_effect_is_gross_profit_a_month():
    # a-only: (1,300 - 100) / 12 = 100 Bag purchases a month without Wallet; 10% take Wallet: 10 a month
    # gross profit 10 x $50 = $500 (sales 10 x $200 = $2,000). Interval: relative sd
    # sqrt(1 / 1,200 + (40 / sqrt(400) / 50)^2) = sqrt(0.000833 + 0.0016) = 0.0493; 80%: +-1.2816 x 0.0493 x 500 = +-31.6
    (r,) = bundles_text.bundle_recommendations(cands_frame(), 12.0, "USD", bundle_uptake_pct=10)
    e = r.effect
    assert e.gross_profit == pytest.approx(500.0) and e.revenue == pytest.approx(2000.0) and not e.one_off
    assert e.low == pytest.approx(500 - 31.6, abs=3) and e.high == pytest.approx(500 + 31.6, abs=3)
    assert worth_acting(e) and r.expected_value == pytest.approx(500.0)
    assert (r.section, r.source, r.confidence) == ("Inventory", "products_inventory", "high")
    assert r.action == "Offer Bag + Wallet bundles (categories bought together)."
    assert r.expected_effect.startswith("About $500 more gross profit a month (80% range $4")
    assert r.expected_effect.endswith(", on about $2,000 of sales, if 10% of the 100 Bag purchases a month that "
                                      "do not include Wallet add it (assumption).")
    assert r.evidence.startswith("Bag and Wallet were bought together on 100 occasions, 1.60 times what chance "
                                 "predicts; 8% of Bag purchases include Wallet. Wallet earns $50 gross profit per "
                                 "purchase on average ($200 of sales; 400 purchases). Confidence high")
    assert not JARGON.search(r.evidence)
    assert r.method.startswith("One-sided Fisher exact test, Benjamini-Hochberg q = 2e-08 over 106 pairs tested "
                               "(q below 0.05 counts). The effect's 80% range: 4,000 simulations")
    # uptake scales the effect; the same seed gives the same interval
    (r20,) = bundles_text.bundle_recommendations(cands_frame(), 12.0, "USD", bundle_uptake_pct=20)
    assert r20.effect.gross_profit == pytest.approx(1000.0)
    assert bundles_text.bundle_recommendations(cands_frame(), 12.0, "USD")[0].effect == e


def test_bundle_recommendation_confidence_and_one_per_kind():
    # 25 joint occasions: medium
    (r,) = bundles_text.bundle_recommendations(cands_frame(occasions=25), 12.0, "USD")
    assert r.confidence == "medium" and r.evidence.endswith("Confidence medium: 25 joint occasions, fewer than 30.")
    # q 0.01 is not below alpha / 50 = 0.001: medium
    (r,) = bundles_text.bundle_recommendations(cands_frame(q_value=0.01), 12.0, "USD")
    assert r.confidence == "medium"
    # two category pairs and a brand pair: the highest lift of each kind
    two = pd.concat([cands_frame(), cands_frame(item_b="Shoes", lift=2.0),
                     cands_frame(kind="brand", item_a="LV", item_b="Gucci")], ignore_index=True)
    recs = bundles_text.bundle_recommendations(two, 12.0, "USD")
    assert [x.action for x in recs] == ["Offer LV + Gucci bundles (brands bought together).",
                                        "Offer Bag + Shoes bundles (categories bought together)."]


def test_bundle_recommendation_does_not_fire_without_gross_profit():
    no_costs = cands_frame().drop(columns=bundles.GROSS_PROFIT_COLUMNS)
    assert bundles_text.bundle_recommendations(no_costs, 12.0, "USD") == []
    assert bundles_text.bundle_recommendations(cands_frame(item_b_mean_gross_profit=np.nan), 12.0, "USD") == []
    assert bundles_text.bundle_recommendations(cands_frame(item_b_mean_gross_profit=-5.0), 12.0, "USD") == []
    assert bundles_text.bundle_recommendations(cands_frame(recommended=False), 12.0, "USD") == []
    assert bundles_text.bundle_recommendations(cands_frame(item_a_occasions=100), 12.0, "USD") == []  # no a-only
    assert bundles_text.bundle_recommendations(cands_frame(), 0.0, "USD") == []
    assert bundles_text.bundle_recommendations(cands_frame().iloc[:0], 12.0, "USD") == []
