"""Inventory in words: aged stock, the markdown belief, each markdown's reason and the actions."""

import pandas as pd
import pytest

from lib.analytics import inventory
from lib.narrative import inventory as inventory_text
from lib.report.registry import ACTION_LISTS
from tests.analytics.test_inventory import aged_shop, curve_sales, fixture_stock, markdown_stock, stock_rows
from tests.e2e.test_page_scan import JARGON


@pytest.fixture()
def stock():
    return fixture_stock()


def _belief_sales() -> pd.DataFrame:
    # 6 fresh sales (<= 30 days) at 9% / 11% off (mean 10%), 6 old (> 90 days) at 14% / 16% off (mean 15%)
    d = [5, 10, 15, 20, 25, 30, 100, 110, 120, 130, 140, 150]
    price = [91.0, 89.0] * 3 + [86.0, 84.0] * 3
    return pd.DataFrame({"sale_price": price, "list_price": 100.0, "days_to_sell": d})


def test_markdown_belief_sentence():
    c = _belief_sales()
    r = inventory.markdown_belief_check(c)
    s = inventory_text.markdown_belief_sentence(r)
    assert "went for 15.0% below list price on average (95% range 13.9% to 16.1%, 6 sales): less than the 20%" in s
    # 15% - 10% = 5 points; Welch t = 5 / sqrt(2 x 1.2 / 6) = 7.9, p = 1.3e-05: a clear difference
    assert s.endswith("so waiting cost 5.0 extra points (95% range 3.6 to 6.4), a clear difference.")
    assert not JARGON.search(s)
    how = inventory_text.markdown_method(r, inventory.price_age_curve(curve_sales()))
    assert how[1] == ("Discount of the 6 sales after more than 90 days: mean with a 95% t confidence interval; against "
                      "the 6 sales within 30 days: Welch t-test on the extra discount, p < 0.001, with its 95% "
                      "confidence interval.")
    assert "may be chance, no clear difference." in inventory_text.markdown_belief_sentence(dict(r, p_value=0.3))
    near = c.assign(sale_price=[91.0, 89.0] * 3 + [78.0, 82.0] * 3)  # old at 22% / 18% off: mean 20
    # sd = sqrt(6 x 4 / 5) = 2.191, se = 0.894, t(5) = 2.5706 -> 20 +- 2.30: spans 20, not within 2 points
    assert "consistent with the common belief of 20% off" in \
        inventory_text.markdown_belief_sentence(inventory.markdown_belief_check(near))
    # a narrow interval 20.6 to 21.2 sits within 2 points of 20: practically the belief
    narrow = dict(r, discount_old_pct=20.9, discount_old_low=20.6, discount_old_high=21.2)
    assert "practically the 20% off the common belief says" in inventory_text.markdown_belief_sentence(narrow)


def test_markdown_reasons_hand_values():
    stock = markdown_stock()
    cands = inventory.markdown_candidates(stock, curve_sales(), aging_days=90)
    m = inventory_text.markdown_table(cands, 90).set_index("product_id")
    assert "capped at 15%" in m.loc["x2", "reason"]
    assert "already below the break-even of 120.00" in m.loc["x4", "reason"]
    assert "no list price" in m.loc["x5", "reason"]
    assert "Bag items that sold at that age fetched 78% of list price" in m.loc["x1", "reason"]
    # no fees or shipping in the fixture: break-even = cost, the shop's average channel
    assert m.loc["x1", "reason"] == ("listed 120 days (over 90); Bag items that sold at that age fetched 78% of "
                                     "list price (line fitted on 201 sales); 20% off brings it to that level, above "
                                     "the break-even of 50.00 (cost 50.00 plus the shop's average fees of 0.0% and "
                                     "shipping of 0.00)")
    assert m.loc["x2", "reason"].endswith("; the data suggest 20% off (80.00), below the break-even of 85.00 (cost "
                                          "85.00 plus the shop's average fees of 0.0% and shipping of 0.00): capped "
                                          "at 15% so the price stays at or above break-even; at its age it sells "
                                          "only at a loss")
    # x1, x2 and x3 have a markdown (20, 15, 30: median 20); x2 alone is held at break-even; x2 and x4 sell at their
    # age only at a loss: x2 at 80, x4 at 100 x (1 - 0.25) = 75 (95 days: 0.805 -> 20% -> 80 for x4 too)
    curve = inventory.price_age_curve(curve_sales())
    sent = inventory_text.markdown_sentence(cands, curve, 90)
    # 201 sales on the line 0.9 - 0.001 x days: -3.0 points per 30 days, exact, so p = 0
    assert sent.startswith("Across 201 sales, the price fetched relative to list falls by 3.0 points per 30 days on "
                           "the shelf, a clear trend. ")
    assert not JARGON.search(sent)
    assert inventory_text.markdown_method(None, curve)[0] == (
        "Price against age: least-squares line of sale price / list price on days listed at sale over 201 sales, "
        "slope -3.00 points per 30 days, p < 0.001; each candidate's markdown is read off the line of its category "
        "(1 line fitted).")
    assert inventory_text.markdown_method(None, curve)[1].startswith(
        "Chance of selling in the next 30 days: Kaplan-Meier curve of days to sell of the item's category")
    assert ("3 of the 5 aged units (3 of 5 items, listed more than 90 days) have a suggested markdown, median 20%; "
            "1 item is held at break-even") in sent
    assert "2 items would sell at a loss to free cash: $160 after fees and shipping" in sent
    assert "against $205 they cost" in sent


def test_markdown_reason_without_a_line():
    cands = inventory.markdown_candidates(stock_rows([("x1", 120, 50.0, 100.0), ("x2", 95, 50.0, 100.0)]),
                                          curve_sales(n=20))
    assert inventory_text.markdown_reasons(cands, 90).tolist() == [
        "listed 120 days (over 90); too few sales with a list price (< 30) to derive a markdown",
        "listed 95 days (over 90); too few sales with a list price (< 30) to derive a markdown"]


def test_markdown_table_fixed_columns():
    cands = inventory.markdown_candidates(stock_rows([("x1", 120, 50.0, 100.0)]), curve_sales())
    m = inventory_text.markdown_table(cands, 90)
    assert tuple(m.columns[:len(ACTION_LISTS["markdown_candidates"])]) == ACTION_LISTS["markdown_candidates"]
    assert list(m.columns[len(ACTION_LISTS["markdown_candidates"]):]) == inventory.MARKDOWN_EXTRA
    assert list(m.columns[9:13]) == ["break_even_price", "suggested_price", "p_sell_30d", "below_break_even"]


def test_aging_and_markdown_actions(stock):
    aged = inventory.aged_inventory(stock, 90)
    by_brand = inventory.aged_by(stock, "brand_name", 90)
    meaning, acts = inventory_text.aging_actions(aged, by_brand, 90)
    # 300 of 1,460 at cost = 20.5%
    assert meaning.startswith("$300 (20.5% of stock at cost) has waited more than 90 days")
    assert acts[0] == "Price the 1 unit listed more than 90 days item by item (the Markdown candidates sheet of the actions workbook, next section)."
    # a neutral count per brand, no buying verdict
    assert acts[1] == ("Aged units by brand, most money first: Chanel 1 unit ($300 at cost); each brand's buying "
                       "verdict is on the Brands page.")
    assert not any("buying Chanel" in a or "Pause" in a for a in acts)
    # with the one verdict table of the brands, its verdict is named beside the count
    v = pd.DataFrame({"group": ["Chanel", "Coach"], "verdict": ["no verdict", "buy more"]})
    assert inventory_text.aging_actions(aged, by_brand, 90, brand_verdicts=v)[1][1] == (
        "Aged units by brand, most money first: Chanel 1 unit ($300 at cost, verdict: no verdict); the verdicts are "
        "the Brands page's.")
    sent = inventory_text.aging_sentence(aged, 90, by_brand)
    assert sent.startswith("1 of 4 units on hand (25.0%) were listed more than 90 days ago; they cost $300")
    # 3 units of 2 items over 84 days: units and items both named
    aged84 = inventory.aged_inventory(stock, 84)
    assert "3 of 4 units on hand (75.0%, 2 items)" in inventory_text.aging_sentence(aged84, 84, by_brand)
    assert inventory_text.aging_actions(aged84, by_brand, 84)[1][0].startswith("Price the 3 units (2 items) listed")
    cands = inventory.markdown_candidates(stock_rows([("x1", 120, 50.0, 100.0), ("x5", 95, 50.0, float("nan"))]),
                                          curve_sales())
    _, acts = inventory_text.markdown_actions(cands, None)
    assert acts == ["Apply the markdowns on the Markdown candidates sheet of the actions workbook, oldest first (median 20% off).",
                    "Set a list price on the 1 aged item that has none."]
    loss = inventory.markdown_candidates(stock_rows([("x2", 120, 85.0, 100.0)]), curve_sales())
    _, acts = inventory_text.markdown_actions(loss, None)
    assert acts[1].startswith("1 item would sell at a loss to free cash: $80 after fees and shipping")


def test_markdown_recommendations_on_the_aged_shop():
    sold, lc, end = aged_shop()
    recs = inventory_text.markdown_recommendations(sold, lc, end, "USD")
    assert len(recs) == 1
    r = recs[0]
    assert (r.section, r.source, r.confidence) == ("Inventory", "products_inventory", "high")
    e = r.effect
    # hand values (tests/analytics/test_inventory.py, aged shop): p = 30/81, 60/101, 60/89 at prices 80, 84, 70
    gp = 30 / 81 * 17 + 60 / 101 * 0.6 + 60 / 89 * 18
    assert e.gross_profit == pytest.approx(gp) and r.expected_value == pytest.approx(gp)
    assert e.one_off and e.capped_by == "stock" and e.low <= gp <= e.high
    assert e.revenue == pytest.approx(30 / 81 * 80 + 60 / 101 * 84 + 60 / 89 * 70)
    assert r.action == ("Mark down the 3 aged items on the Markdown candidates sheet of the actions workbook, oldest "
                        "first (median 20% off, never below break-even).")
    assert r.expected_effect.startswith("About $19 more gross profit once, in the next month (80% range")
    assert "on about $127 of sales" in r.expected_effect
    # mean chance (30/81 + 60/101 + 60/89) / 3 = 54.6%; 30/81 + 60/101 + 60/89 = 1.64 units expected to sell
    assert r.evidence.startswith("3 of the 3 aged units (3 of 3 items listed more than 90 days) have a suggested "
                                 "markdown; at their own ages (median 150 days) they have on average a 54.6% chance")
    assert "About 2 units are expected to sell" in r.expected_effect
    assert "1 item would sell at a loss to free cash: $62 after fees and shipping" in r.evidence
    assert "(from how fast items of their category sold at the same age)" in r.evidence
    assert not JARGON.search(r.evidence)
    assert r.method.startswith("Chance of selling in the next 30 days: Kaplan-Meier curve of days to sell of the "
                               "item's category") and "1 - S(age + 30) / S(age)" in r.method
    # nothing to act on without stock
    assert inventory_text.markdown_recommendations(sold, None, end, "USD") == []
