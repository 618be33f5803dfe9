"""Tests of lib.narrative.bundles: each pair's reason (from the values before rounding), the candidate table with its
reason as the last column, and the owner's sentence."""

from __future__ import annotations

import pandas as pd

from lib.analytics import bundles
from lib.narrative import bundles as bundles_text
from tests.analytics.test_bundles import bundle_lines


def test_pair_reasons_say_why_a_pair_is_not_recommended():
    # Wallet+Shoes: lift 0.83 below 1.1; Bag+Wallet at min 2 occasions: p = 0.7 is not below 0.05
    t = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    reasons = bundles_text.pair_reasons(t, min_lift=1.1, alpha=0.8)
    assert reasons[0] == ("bought together on 2 occasions, 1.1 times what chance predicts (1.8); 67% of Bag "
                          "occasions include Wallet (Fisher exact p = 0.7)")
    assert "lift below" in reasons[1]
    t2 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=2, min_lift=1.1, alpha=0.05)
    assert "within chance" in bundles_text.pair_reasons(t2, min_lift=1.1, alpha=0.05)[0]


def test_bundle_candidates_end_with_the_reason_and_keep_the_rounded_numbers():
    c = bundles_text.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    assert list(c.columns) == bundles.BUNDLE_COLUMNS + bundles.EVIDENCE_COLUMNS + ["reason"]
    numbers = bundles.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    pd.testing.assert_frame_equal(c.drop(columns="reason"), numbers)
    assert c["reason"].iloc[0].startswith("bought together on 3 occasions, 1.5 times what chance predicts (2.0)")
    empty = bundles_text.bundle_candidates(bundle_lines(), min_pair_occasions=50)
    assert empty.empty and list(empty.columns)[-1] == "reason"


def test_bundle_sentence():
    t3 = bundles.pair_table(bundle_lines(), "category", min_pair_occasions=3)
    assert "No two categories" in bundles_text.bundle_sentence(t3, 3)
    c = bundles.bundle_candidates(bundle_lines(), min_pair_occasions=1, min_lift=1.1, alpha=0.8)
    s = bundles_text.bundle_sentence(c, 1)
    assert s.startswith("LV and Gucci (brand) are bought together on 3 occasions, 1.50 times")
