"""The owner's words for the RFM groups: what each group means and what to do with it (docs/metrics.md, RFM groups)."""

from __future__ import annotations

import pandas as pd

from lib.analytics import rfm

__all__ = ["SEGMENT_MEANINGS", "SEGMENT_ACTIONS", "rule_table"]

#: what each group's scores say about its customers, in the owner's words (lib.analytics.rfm.SEGMENT_RULES)
SEGMENT_MEANINGS: dict[str, str] = {
    "Champions": "very recent, many occasions, the most spend",
    "Loyal": "recent, many occasions, the most spend",
    "Active": "recent, some occasions, moderate spend",
    "Promising": "recent, few occasions, low spend",
    "New": "very recent, few occasions, low spend",
    "Needs attention": "fairly recent, some occasions, moderate spend",
    "Previously loyal": "not recent, a very strong history",
    "At risk": "not recent, a strong history",
    "Almost lost": "not recent, fewer occasions, lower spend",
    "Dormant": "longest without a purchase, few occasions, low spend",
}

#: the recommended action per group (shown in the report and in the action lists)
SEGMENT_ACTIONS: dict[str, str] = {
    "Champions": "Thank them personally and give first look at new arrivals before the show.",
    "Loyal": "Invite them to VIP previews and ask for referrals; they already trust the shop.",
    "Active": "Recommend pieces from their favourite brands to turn them into loyal buyers.",
    "Promising": "Follow up with a second-purchase offer or a reminder of the next live show.",
    "New": "Send a welcome note with authenticity and care tips, and the live-show schedule.",
    "Needs attention": "Send a personal preview of items that match their past buys before they drift.",
    "Previously loyal": "Reach out one by one (call or DM): these were top buyers; ask what changed.",
    "At risk": "Win-back message with new arrivals in their brands and a time-limited perk.",
    "Almost lost": "One re-engagement e-mail with the best new arrivals; stop if no reply.",
    "Dormant": "Keep in the general newsletter only; do not spend on them.",
    rfm.PROSPECTS: "Convert with a first-purchase incentive and an invitation to a live show.",
}


def _score_range(low: float, high: float) -> str:
    """``5`` for one score, ``3-4`` for a range."""
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def rule_table() -> pd.DataFrame:
    """The report's RFM rule table: ``segment, R, (F+M)/2, meaning, action`` (docs/metrics.md, RFM groups).

    The score ranges come from ``lib.analytics.rfm.rule_table``; R is ``5`` or ``3-4``, (F+M)/2 always a range.
    """
    rules = rfm.rule_table()
    return pd.DataFrame({
        "segment": rules["segment"],
        "R": [_score_range(lo, hi) for lo, hi in zip(rules["r_min"], rules["r_max"], strict=True)],
        "(F+M)/2": [f"{lo:g}-{hi:g}" for lo, hi in zip(rules["fm_min"], rules["fm_max"], strict=True)],
        "meaning": [SEGMENT_MEANINGS[s] for s in rules["segment"]],
        "action": [SEGMENT_ACTIONS[s] for s in rules["segment"]],
    })
