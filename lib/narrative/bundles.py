"""Items bought together in words: each pair's reason and the owner's sentence (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import pandas as pd

from lib.analytics import bundles
from lib.narrative import fmt

__all__ = ["pair_reasons", "bundle_candidates", "bundle_sentence"]


def pair_reasons(pairs: pd.DataFrame, min_lift: float = 1.2, alpha: float = 0.05) -> list[str]:
    """Why each pair of lib.analytics.bundles.pair_table / bundle_pairs (values not rounded) is recommended or
    not: its joint occasions against chance, its confidence and its Fisher test (docs/metrics.md, Recommendations)."""
    return [
        (f"bought together on {o:,} occasions, {o / e:.1f} times what chance predicts ({e:,.1f}); "
         f"{c * 100:.0f}% of {ia} occasions include {ib} (Fisher exact p = {p:.2g})")
        + ("" if r else (f"; not recommended: lift below {min_lift:g}" if lf < min_lift
                         else f"; not recommended: p >= {alpha:g}, within chance"))
        for o, e, c, ia, ib, p, r, lf in zip(pairs["occasions"], pairs["expected_occasions"], pairs["confidence"],
                                              pairs["item_a"], pairs["item_b"], pairs["p_value"],
                                              pairs["recommended"], pairs["lift"], strict=True)]


def bundle_candidates(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                      min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05) -> pd.DataFrame:
    """``bundle_candidates.csv``: lib.analytics.bundles.bundle_candidates with each pair's ``reason``
    (:func:`pair_reasons`, from the values before rounding) as the last column (docs/metrics.md, Action lists)."""
    pairs = bundles.bundle_pairs(lines, by, min_pair_occasions, min_lift, alpha)
    reasons = pd.array(pair_reasons(pairs, min_lift, alpha), dtype="string")
    return bundles.rounded_pairs(pairs).assign(reason=reasons)


def bundle_sentence(cands: pd.DataFrame, min_pair_occasions: int) -> str:
    """The strongest recommended pair with its numbers, or why no pair is recommended (docs/metrics.md,
    Recommendations)."""
    if cands.empty:
        return (f"No two categories or brands were bought together on at least {min_pair_occasions} occasions, "
                "so no bundle is recommended.")
    rec = cands[cands["recommended"]]
    if rec.empty:
        return (f"{fmt.num(len(cands))} pairs were bought together on at least {min_pair_occasions} occasions, "
                "but none more often than chance predicts by a clear margin: no bundle is recommended.")
    r = rec.iloc[0]
    return (f"{r['item_a']} and {r['item_b']} ({r['kind']}) are bought together on "
            f"{fmt.num(r['occasions'])} occasions, {r['lift']:.2f} times what chance predicts; "
            f"{r['confidence'] * 100:.0f}% of {r['item_a']} purchases include {r['item_b']} "
            f"(Fisher exact p = {r['p_value']:.2g}). {fmt.num(len(rec))} pair(s) qualify in all.")
