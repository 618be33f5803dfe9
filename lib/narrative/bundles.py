"""The owner's sentence about items bought together (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import pandas as pd

from lib.narrative import fmt

__all__ = ["bundle_sentence"]


def bundle_sentence(cands: pd.DataFrame, min_pair_occasions: int) -> str:
    """The strongest recommended pair with its numbers, or why no pair is recommended."""
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
