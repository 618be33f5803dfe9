"""The words that remain in the reports, each explained once in the owner's terms (the run's glossary page)."""

from __future__ import annotations

from dataclasses import dataclass

from lib.config import AGING_DAYS, CHURN_DAYS

__all__ = ["Term", "TERMS", "term_anchor"]


@dataclass(frozen=True)
class Term:
    """One glossary entry: the word as the pages write it, and what it means for the shop."""

    term: str
    meaning: str


#: every term the glossary page explains, in reading order (docs/metrics.md names the computation behind each)
TERMS: tuple[Term, ...] = (
    Term("Revenue", "What buyers paid for completed sales: sale price times quantity. Cancelled and returned "
                    "sales do not count."),
    Term("Gross profit", "Revenue minus what the items cost you, the platform fees and the shipping you paid. "
                         "Sales of items without a known cost are left out of gross profit and margin."),
    Term("Gross margin", "Gross profit as a share of the revenue of the same sales: 40% means $40 of every "
                         "$100 of sales is left after cost, fees and shipping."),
    Term("Gross profit after marketing", "The month's gross profit minus the month's marketing spend. Below "
                                         "zero, the month's ads cost more than the sales left over."),
    Term("Order line", "One item line of an order; an order of three different items has three lines."),
    Term("Active customer", "A buyer with at least one completed sale in the month."),
    Term("New customer", "A buyer whose first completed sale is in the month."),
    Term("Repeat customers", "The share of all customers so far who bought on two or more different days. "
                             "It counts every sale up to the end of the month, not the month alone."),
    Term("Probability still active", "The chance that a customer still buys from you, worked out from how "
                                     "often and how recently they bought: a regular buyer who has not bought for "
                                     "a long time scores low."),
    Term("Slipping customers", f"Customers whose last purchase is more than {CHURN_DAYS} days before the month "
                               "ends: the ones to win back before they are gone."),
    Term("Segment", "A group of customers with a similar pattern of how recently, how often and how much they "
                    "bought (for example best customers, or customers slipping away)."),
    Term("Days to sell", "Days from listing an item (or buying it in, when the listing date is unknown) to its "
                         "sale. Items still on the shelf count as not sold yet, so the median is not flattered "
                         "by leaving the slow ones out. It covers everything listed so far, not the month alone."),
    Term("Sell-through", "Units sold in the month as a share of those units plus the units still on hand at "
                         "month end."),
    Term("Aged stock", f"Unsold units listed more than {AGING_DAYS} days before the month ends."),
    Term("Break-even price", "The lowest price at which an item still covers its cost, the platform fee and "
                             "the shipping."),
    Term("Markdown", "A price cut for aged stock; the suggested price never goes below break-even unless the "
                     "page says so."),
    Term("Return on ad spend", "Sales credited to marketing for every dollar of marketing spend: 3.0x means $3 "
                               "of sales per $1 spent."),
    Term("Break-even return on ad spend", "The return on ad spend at which the gross profit of the sales pays "
                                          "for the ads: 1 divided by the gross margin."),
    Term("Attribution", "How a sale is credited to the marketing contacts before it: all to the last one, all "
                        "to the first, shared out evenly, or weighted. Where the ways disagree, the pages say so."),
    Term("Revenue per show hour", "What a live show sold per hour on air; used to compare days and time slots."),
    Term("Bundle", "Two categories or brands one buyer bought on the same day more often than chance would "
                   "give."),
    Term("Forecast", "The expected revenue of next month with its range, from the months so far; tested on past "
                     "months it was not fitted on."),
    Term("Expected effect", "What an action is expected to add in gross profit, per month or once (marked "
                            "one-off), after what it costs and within what you can actually act on."),
    Term("80% range", "The range that holds the true value in 8 cases out of 10. When it spans both gains and "
                      "losses, the pages say there is no clear difference and give no verdict."),
    Term("No clear difference", "The data cannot tell two things apart: the gap seen could be chance, so "
                                "nothing is ranked on it."),
    Term("Confidence", "How firmly the data backs an action: high when the evidence is large and clear, medium "
                       "or low when it rests on few sales or a wide range."),
)


def term_anchor(term: str) -> str:
    """The page anchor of a term: ``Probability still active`` -> ``term-probability-still-active``."""
    return "term-" + "-".join("".join(ch if ch.isalnum() else " " for ch in term.lower()).split())
