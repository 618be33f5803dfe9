"""Markdown candidates computed once: the page's candidates give the same recommendation; amounts formatted once."""

import pandas as pd

from lib.analytics import inventory
from lib.narrative import inventory as inventory_text
from tests.analytics.test_inventory import aged_shop


def test_markdown_recommendations_from_the_pages_candidates():
    sold, lc, end = aged_shop()
    cands = inventory.markdown_candidates(inventory.stock_on_hand(lc, end), sold, 90, lifecycle=lc)
    mine = inventory_text.markdown_recommendations(sold, lc, end, "USD", cands=cands)
    assert mine == inventory_text.markdown_recommendations(sold, lc, end, "USD")
    assert len(mine) == 1 and mine[0].action.startswith("Mark down the 3 aged items")
    # the candidates are what is read: with only the two youngest, two items are marked down
    two = inventory_text.markdown_recommendations(sold, lc, end, "USD", cands=cands[cands["days_listed"] < 200])
    assert two[0].action.startswith("Mark down the 2 aged items")


def test_money_txt_hand_values():
    s = pd.Series([1234.5, None, 0.004, 1234.5, 61.115, -3.0, -0.001, 0.0], index=[7, 6, 5, 4, 3, 2, 1, 0])
    got = inventory_text._money_txt(s)
    # f"{v:,.2f}" of each value rounded to the cent (numpy's rounding: 61.115 -> 61.12); -0.001 rounds to -0.0
    assert got.tolist() == ["1,234.50", "", "0.00", "1,234.50", "61.12", "-3.00", "-0.00", "0.00"]
    assert got.index.tolist() == [7, 6, 5, 4, 3, 2, 1, 0]
    assert str(inventory_text._money_txt(s).dtype) == "string"
