"""The owner's words for the RFM groups: what each group means and what to do with it (docs/metrics.md, RFM groups)."""

from __future__ import annotations

import pandas as pd

from lib.analytics import rfm
from lib.config import CHURN_DAYS

__all__ = ["SEGMENT_MEANINGS", "SEGMENT_ACTIONS", "rule_table", "segment_method", "RULE_TABLE_CAPTION"]

#: what each group's scores say about its customers, in the owner's words (lib.analytics.rfm.SEGMENT_RULES)
SEGMENT_MEANINGS: dict[str, str] = {
    "Champions": "bought very recently, many purchase days, the most spend",
    "Loyal": "bought recently, many purchase days, the most spend",
    "Active": "bought very recently, some purchase days, moderate spend",
    "Needs attention": "bought recently, some purchase days, moderate spend; not as recent as Active",
    "New": "bought very recently, few purchase days, low spend",
    "Promising": "bought recently, few purchase days, low spend",
    "Can't lose": "lapsed, a very strong history of purchase days and spend",
    "At risk": "lapsed, a moderate history",
    "Almost lost": "lapsed a shorter while, few purchase days, low spend",
    "Dormant": "lapsed longest, few purchase days, low spend",
}

#: the recommended action per group (shown in the report and in the action lists)
SEGMENT_ACTIONS: dict[str, str] = {
    "Champions": "Thank them personally and give first look at new arrivals before the show.",
    "Loyal": "Invite them to VIP previews and ask for referrals; they already trust the shop.",
    "Active": "Recommend pieces from their favourite brands to turn them into loyal buyers.",
    "Needs attention": "Send a personal preview of items that match their past buys before they drift.",
    "New": "Send a welcome note with authenticity and care tips, and the live-show schedule.",
    "Promising": "Follow up with a second-purchase offer or a reminder of the next live show.",
    "Can't lose": "Reach out one by one (call or DM): these were top buyers; ask what changed.",
    "At risk": "Win-back message with new arrivals in their brands and a time-limited perk.",
    "Almost lost": "One re-engagement e-mail with the best new arrivals; stop if no reply.",
    "Dormant": "Keep in the general newsletter only; do not spend on them.",
    rfm.PROSPECTS: "Convert with a first-purchase incentive and an invitation to a live show.",
}


def _score_range(low: float, high: float) -> str:
    """``5`` for one score, ``3-4`` for a range."""
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def rule_table(churn_days: int = CHURN_DAYS) -> pd.DataFrame:
    """The report's RFM rule table: ``segment, last purchase, R, (F+M)/2, meaning, action`` (docs/metrics.md, RFM groups).

    ``last purchase`` is "within 90 days" for current groups and "more than 90 days ago" for lapsed ones
    (``churn_days``); the score ranges come from ``lib.analytics.rfm.rule_table``.
    """
    rules = rfm.rule_table()
    return pd.DataFrame({
        "segment": rules["segment"],
        "last purchase": [f"within {churn_days} days" if c else f"more than {churn_days} days ago"
                          for c in rules["current"]],
        "R": [_score_range(lo, hi) for lo, hi in zip(rules["r_min"], rules["r_max"], strict=True)],
        "(F+M)/2": [f"{lo:g}-{hi:g}" for lo, hi in zip(rules["fm_min"], rules["fm_max"], strict=True)],
        "meaning": [SEGMENT_MEANINGS[s] for s in rules["segment"]],
        "action": [SEGMENT_ACTIONS[s] for s in rules["segment"]],
    })


#: the caption of :func:`rule_table` in the customer-groups section's method block
RULE_TABLE_CAPTION = "RFM rule table: the group of each status, R score and (F+M)/2"


def segment_method(churn_days: int = CHURN_DAYS) -> list[str]:
    """How the customer groups are made (RFM scoring; the method block above :func:`rule_table`;
    docs/metrics.md, RFM groups)."""
    return [f"The groups are RFM groups. A customer who bought within the last {churn_days} days is current, any "
            f"other lapsed (the churn-risk rule). Each customer also gets three scores from 1 to 5 by percentile rank "
            f"against the other customers: R for how recently, F for how many purchase days, M for how much spent "
            f"(5 = top 20%; tied customers share a score).",
            "The group follows from the status, R and the average of F and M, as in the table below, so a group "
            "that sounds current never holds a lapsed customer. The names follow Shopify's RFM groups, "
            "except Can't lose (Shopify's Previously loyal)."]
