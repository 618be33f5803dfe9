"""The words that remain in the reports, each explained once in the owner's terms (the run's glossary page)."""

from __future__ import annotations

from dataclasses import dataclass

from lib.analytics.rfm import PROSPECTS, SEGMENT_RULES
from lib.config import AGING_DAYS, CHURN_DAYS
from lib.narrative.rfm import SEGMENT_ACTIONS, SEGMENT_MEANINGS

__all__ = ["Term", "TERMS", "SECTIONS", "GROUPS_SECTION", "METHODS_SECTION", "term_anchor", "section_terms"]

#: the glossary's headings after its general words: the customer groups, then the methods named in the
#: "How this was worked out" blocks
GROUPS_SECTION = "Customer groups"
METHODS_SECTION = "Methods"
SECTIONS: tuple[str, ...] = ("", GROUPS_SECTION, METHODS_SECTION)


@dataclass(frozen=True)
class Term:
    """One glossary entry: the word as the pages write it, what it means for the shop, and its heading
    (``""`` for the general words, :data:`GROUPS_SECTION` or :data:`METHODS_SECTION`)."""

    term: str
    meaning: str
    section: str = ""


_WORDS: tuple[Term, ...] = (
    Term("Revenue", "What buyers paid for completed sales: sale price times quantity. Cancelled and returned "
                    "sales do not count."),
    Term("Gross profit", "Revenue minus what the items cost you, the platform fees and the shipping you paid. "
                         "Sales of items without a known cost are left out of gross profit and margin."),
    Term("Gross margin", "Gross profit as a share of the revenue of the same sales: 40% means $40 of every "
                         "$100 of sales is left after cost, fees and shipping."),
    Term("Gross profit after marketing", "The month's gross profit minus the month's marketing spend. Below "
                                         "zero, the month's ads cost more than the sales left over."),
    Term("Order line", "One item line of an order; an order of three different items has three lines."),
    Term("Purchase days", "The different days a customer bought on: two orders on the same day are one purchase "
                          "day. Items one buyer bought on the same day count as bought together."),
    Term("Active customer", "A buyer with at least one completed sale in the month."),
    Term("New customer", "A buyer whose first completed sale is in the month."),
    Term("Repeat customers", "The share of all customers so far who bought on two or more different days. "
                             "It counts every sale up to the end of the month, not the month alone."),
    Term("Probability still active", "The chance that a customer still buys from you (tables say \"chance still "
                                     "active\"), worked out from how often and how recently they bought: a "
                                     "regular buyer who has not bought for a long time scores low."),
    Term("Slipping customers", f"Customers whose last purchase is more than {CHURN_DAYS} days before the month "
                               "ends: the ones to win back before they are gone."),
    Term("Customer groups", "Customers sorted by how recently, how often and how much they bought (also called "
                            "segments); each group is explained under Customer groups below."),
    Term("Days to sell", "Days from listing an item (or buying it in, when the listing date is unknown) to its "
                         "sale. Items still unsold count as not sold yet, so the median is not flattered "
                         "by leaving the slow ones out. It covers everything listed so far, not the month alone."),
    Term("Still unsold", "Items listed and not sold by the end of the month. They count as \"not sold after so "
                         "many days\" rather than being left out, so slow sellers still pull the days to sell up."),
    Term("Sell-through", "Units sold in the month as a share of those units plus the units still on hand at "
                         "month end."),
    Term("Aged stock", f"Unsold units listed more than {AGING_DAYS} days before the month ends."),
    Term("Break-even", "The point where what comes in just covers what goes out: for a price, the item's cost, "
                       "fee and shipping; for ads, the sales per ad dollar whose gross profit pays for the ads."),
    Term("Break-even price", "The lowest price at which an item still covers its cost, the platform fee and "
                             "the shipping."),
    Term("Markdown", "A price cut for aged stock; the suggested price never goes below break-even unless the "
                     "page says so."),
    Term("Return on ad spend", "What marketing brings back for every dollar spent on it. The pages write it as "
                               "sales per ad dollar or as gross profit per ad dollar."),
    Term("Sales per ad dollar", "Sales credited to marketing for every $1 of marketing spend: $3.00 means $3 of "
                                "sales per $1 spent."),
    Term("Gross profit per ad dollar", "The gross profit of the sales credited to marketing for every $1 spent: "
                                       "above $1.00 the ads pay for themselves, below it they cost more than "
                                       "they bring."),
    Term("Break-even return on ad spend", "The sales per ad dollar at which the gross profit of the sales pays "
                                          "for the ads: 1 divided by the gross margin."),
    Term("Attribution", "How a sale is credited to the marketing contacts before it: all to the last one, all "
                        "to the first, shared out evenly, or weighted. Where the ways disagree, the pages say so."),
    Term("Revenue per show hour", "What a live show sold per hour on air; used to compare days and time slots."),
    Term("Bundle", "Two categories or brands one buyer bought on the same day more often than chance would "
                   "give."),
    Term("Times more often than chance", "How much more often two items are bought together than if buyers "
                                         "picked them independently: 2 means twice as often, 1 means no link."),
    Term("Forecast", "The expected revenue of next month with its range, from the months so far; tested on past "
                     "months it was not fitted on."),
    Term("Expected effect", "What an action is expected to add in gross profit, per month or once (marked "
                            "one-off), after what it costs and within what you can actually act on."),
    Term("One-off", "An effect that happens once, such as a markdown clearing stock or a win-back purchase, "
                    "not every month; it is counted once and never added to the monthly effects as if it "
                    "repeated."),
    Term("80% range", "The range that holds the true value in 8 cases out of 10. When it spans both gains and "
                      "losses, the pages say there is no clear difference and give no verdict."),
    Term("95% range", "Like the 80% range but wider: it holds the true value in 19 cases out of 20. A 90% range "
                      "reads the same way, 9 cases out of 10."),
    Term("A clear difference", "The gap is larger than chance alone would give in 5 cases out of 100, so the "
                               "pages give a verdict on it (such as buy more)."),
    Term("No clear difference", "The data cannot tell two things apart: the gap seen could be chance, so "
                                "nothing is ranked on it."),
    Term("May be chance", "The gap seen is small against how much the numbers vary from day to day, so it could "
                          "be luck: a hint, not a result."),
    Term("Confidence", "How firmly the data backs an action: high when the evidence is large and clear, medium "
                       "or low when it rests on few sales or a wide range."),
    Term("How this was worked out", "The folded block under a section: open it for the tests, models and "
                                    "figures behind the plain sentences. Nothing in it is needed to act."),
)


def _group_terms(churn_days: int = CHURN_DAYS) -> tuple[Term, ...]:
    """One entry per customer group (lib.analytics.rfm.SEGMENT_RULES, in their order, then the prospects): its
    status, what its customers did and what to do (lib.narrative.rfm; docs/metrics.md, RFM groups)."""
    out = []
    for r in SEGMENT_RULES:
        status = (f"Current customers (last purchase within {churn_days} days)" if r.current
                  else f"Lapsed customers (no purchase for more than {churn_days} days)")
        meaning = SEGMENT_MEANINGS[r.name].removeprefix("lapsed, ")
        out.append(Term(r.name, f"{status}: {meaning}. {SEGMENT_ACTIONS[r.name]}", GROUPS_SECTION))
    out.append(Term(PROSPECTS, "People signed up as buyers who have not completed a purchase yet; shown beside the "
                               f"groups, not counted in them. {SEGMENT_ACTIONS[PROSPECTS]}", GROUPS_SECTION))
    return tuple(out)


_METHODS: tuple[Term, ...] = tuple(Term(t, m, METHODS_SECTION) for t, m in (
    ("BG/NBD", "A model of how often each customer buys and how likely they are to have stopped, fitted to "
               "everyone's purchase days; it gives the probability still active and the purchases to expect."),
    ("Gamma-gamma", "A model of how much a customer spends per purchase day that pulls customers with few "
                    "purchases towards the shop's average; with BG/NBD it gives a customer's expected value."),
    ("Kaplan-Meier", "A way to count days to sell that treats items still unsold as not sold yet after so many "
                     "days instead of leaving them out; the median is the day by which half the items sold."),
    ("Log-rank test", "A test of whether groups of items (for example brands) sell at clearly different speeds, "
                      "counting the unsold items the same way as Kaplan-Meier."),
    ("Welch t-test", "A test of whether two averages (for example weekday and weekend sales) differ by more "
                     "than chance, without assuming both vary by the same amount."),
    ("Mann-Whitney U test", "A test of whether values in one group tend to be higher than in another (for "
                            "example revenue per hour of long and short shows); it compares ranks, so a few "
                            "huge values do not sway it."),
    ("Kruskal-Wallis test", "The same idea as Mann-Whitney for three or more groups at once: whether any group "
                            "tends to be higher than the others."),
    ("Fisher exact test with Benjamini-Hochberg", "Fisher's exact test checks whether two items are bought on the "
                                                  "same day more often than chance; Benjamini-Hochberg then raises "
                                                  "the bar because many pairs are tested at once (the q value), "
                                                  "so lucky pairs do not slip through."),
    ("Bootstrap", "Working a result out again on many random re-draws of the same sales to see how much it "
                  "moves; the middle 80% (or 90%, 95%) of the results is the range."),
    ("Delta method", "A formula that turns the uncertainty of the parts of a ratio (such as gross profit and "
                     "revenue for a margin) into a range for the ratio itself."),
    ("Exponential smoothing and seasonal naive", "Ways to forecast a month: seasonal naive repeats the same month "
                                                 "of last year (naive: the last month), exponential smoothing "
                                                 "follows the recent level and trend, weighing recent months most. "
                                                 "A model replaces the simple repeat only when it clearly did "
                                                 "better on past months."),
    ("MASE", "Mean absolute scaled error: a forecast's average miss on past months divided by that of the simple "
             "repeat forecast; below 1 it beats the simple forecast."),
    ("Diebold-Mariano test", "A test of whether one forecast's misses on the same past months are clearly "
                             "smaller than another's, or whether the gap may be chance."),
    ("Markov removal effect", "Credits sales to channels by how many purchases would be lost if a channel were "
                              "taken out of the customers' paths to purchase; a second opinion beside the "
                              "last-contact credit."),
    ("Shrinkage", "Pulling a value measured on few cases (a show slot with 3 shows) towards the overall "
                  "average, the more the fewer the cases, so a lucky small sample does not top a ranking."),
))

#: every term the glossary page explains, in reading order under its heading (docs/metrics.md names the
#: computation behind each)
TERMS: tuple[Term, ...] = _WORDS + _group_terms() + _METHODS


def section_terms(section: str) -> list[Term]:
    """The terms under one heading of the glossary (one of :data:`SECTIONS`), in reading order."""
    return [t for t in TERMS if t.section == section]


def term_anchor(term: str) -> str:
    """The page anchor of a term: ``Probability still active`` -> ``term-probability-still-active``."""
    return "term-" + "-".join("".join(ch if ch.isalnum() else " " for ch in term.lower()).split())
