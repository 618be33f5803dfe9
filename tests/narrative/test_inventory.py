"""Inventory in words: aged stock, the markdown belief, each markdown's reason and the actions."""

import pandas as pd
import pytest

from lib.analytics import inventory
from lib.narrative import inventory as inventory_text
from lib.report.registry import ACTION_LISTS
from tests.analytics.test_inventory import curve_sales, fixture_stock, markdown_stock, stock_rows


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
    assert "went for 15.0% below list price on average (95% CI 13.9% to 16.1%, 6 sales): less than the 20%" in s
    assert "so waiting cost 5.0 extra points" in s
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
    assert "already below the cost" in m.loc["x4", "reason"]
    assert "no list price" in m.loc["x5", "reason"]
    assert "Bag items that sold at that age fetched 78% of list price" in m.loc["x1", "reason"]
    assert m.loc["x1", "reason"] == ("listed 120 days (over 90); Bag items that sold at that age fetched 78% of "
                                     "list price (line fitted on 201 sales); 20% off brings it to that level")
    assert m.loc["x2", "reason"].endswith("; the data suggest 20% off, capped at 15% so the price stays at or above "
                                          "the cost of 85.00")
    # median of 30, 20, 15, 0 (x5 has none) = 17.5; x2 alone is held at the cost floor
    assert inventory_text.markdown_sentence(cands, inventory.price_age_curve(curve_sales()), 90).endswith(
        "5 items qualify for a markdown (listed more than 90 days); the suggested markdown has a median of 18%, "
        "1 capped so they do not sell below cost.")


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


def test_aging_and_markdown_actions(stock):
    aged = inventory.aged_inventory(stock, 90)
    by_brand = inventory.aged_by(stock, "brand_name", 90)
    meaning, acts = inventory_text.aging_actions(aged, by_brand, 90)
    # 300 of 1,460 at cost = 20.5%
    assert meaning.startswith("$300 (20.5% of stock at cost) has waited more than 90 days")
    assert acts[1] == "Pause buying Chanel until its 1 aged units ($300) move."
    sent = inventory_text.aging_sentence(aged, 90, by_brand)
    assert sent.startswith("1 of 4 units on hand (25.0%) were listed more than 90 days ago; they cost $300")
    cands = inventory.markdown_candidates(stock_rows([("x1", 120, 50.0, 100.0), ("x5", 95, 50.0, float("nan"))]),
                                          curve_sales())
    _, acts = inventory_text.markdown_actions(cands, None)
    assert acts == ["Apply the markdowns in markdown_candidates.csv, oldest first (median 20% off).",
                    "Set a list price on the 1 aged items that have none."]
