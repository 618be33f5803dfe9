"""Products in words: profit per item, days to sell, p-values, and the actions, on the hand-computed fixture."""

import pandas as pd
import pytest

from lib.analytics import products, verdicts
from lib.data import derived
from lib.narrative import products as products_text
from tests.analytics.test_products import fixture_frames, fixture_tables
from tests.analytics.test_verdicts import PERIOD_END, verdict_fixture
from tests.e2e.test_page_scan import JARGON


@pytest.fixture()
def fx():
    return fixture_frames()


def test_profitability_sentence_counts_losses(fx):
    _, _, completed, _ = fx
    items = products.item_profit(completed)
    losses = products.loss_makers(items)
    sent = products_text.profitability_sentence(items, losses, products.sales_by(completed, "category"))
    assert "1 sales (33.3%) lost money, $15 in total; 1 of them were priced above cost" in sent[1]


def test_days_to_sell_sentence_explains_censoring():
    table = pd.DataFrame({"condition": ["All", "S", "B"], "n": [10, 5, 5], "sold": [6, 4, 2],
                          "censored": [4, 1, 3], "km_median": [40, 20, 90], "km_low": [30, 10, 60],
                          "km_high": [None, 30, None], "naive_median_sold": [25.0, 18.0, 50.0]})
    lr = {"statistic": 7.25, "df": 1, "p_value": 0.007}
    sent = products_text.days_to_sell_sentence(table, lr)
    assert sent[0].startswith("Half of all 10 items sell within 40 days of listing (range 30 to not reached days)")
    assert "(25 days) is 15 days shorter because it ignores the 4 items still on the shelf" in sent[0]
    assert sent[1] == "Median days to sell by condition: S 20 days, B 90 days (S sells fastest, B slowest: a clear difference)."
    assert len(sent) == 2
    # the test moves to the method block, with the same numbers
    how = products_text.days_to_sell_method(table, lr)
    assert "Kaplan-Meier estimate of the time from listing (else acquisition) to first sale over 10 items" in how[0]
    assert "the 4 items still unsold are censored at the period end" in how[0]
    assert how[1] == "Log-rank test across conditions: chi-square 7.2 with 1 df, p = 0.007; below 0.05 is a clear difference."
    # p = 0.2: no clear difference
    assert products_text.days_to_sell_sentence(table, {**lr, "p_value": 0.2})[1].endswith(
        "(S sells fastest, B slowest: the gap may be chance, no clear difference).")
    for s in sent:
        assert not JARGON.search(s), s


def test_profitability_test_in_the_method_block():
    by_cat = pd.DataFrame({"category": ["Bag", "Shoes"], "margin_pct": [30.0, 20.0]})
    items = pd.DataFrame({"gross_profit": [10.0, 20.0], "margin_pct": [25.0, 35.0], "revenue": [40.0, 60.0],
                          "cogs": [30.0, 40.0]})
    test = {"test": "Kruskal-Wallis", "statistic": 12.34, "p_value": 0.0004, "groups": 2}
    sent = products_text.profitability_sentence(items, items.iloc[0:0], by_cat, test=test)
    assert sent == ["The median item earns $15 gross profit, a median margin of 30.0% after fees and shipping "
                    "(2 sales).", "No sale lost money after fees and shipping.",
                    "Bag has the best margin (30.0%), Shoes the lowest (20.0%): a clear difference across the 2 "
                    "categories."]
    assert not any(JARGON.search(s) for s in sent)
    assert products_text.profitability_method(test) == [
        "Kruskal-Wallis test on per-item margins across 2 categories: statistic 12.3, p < 0.001; below 0.05 is a "
        "clear difference."]
    assert products_text.profitability_sentence(items, items.iloc[0:0], by_cat, test={**test, "p_value": 0.3})[2] \
        .endswith("Shoes the lowest (20.0%): across the 2 categories the gap may be chance, no clear difference.")
    assert products_text.profitability_method(None) == []


def test_p_text():
    assert products_text.p_text(0.0001) == "p < 0.001" and products_text.p_text(0.0423) == "p = 0.042"


def test_action_texts_are_computed(fx):
    _, _, completed, lc = fx
    by_cat = products.sales_by(completed, "category")
    by_brand = products.sales_by(completed, "brand_name")
    table = pd.DataFrame({"dimension": ["category", "category"], "group": ["Bag", "Wallet"],
                          "verdict": ["keep", "buy less"]})
    meaning, acts = products_text.top_sellers_actions(by_cat, by_brand, "Bag", table)
    assert meaning == "Bag carries the business (84.8% of revenue)."
    assert acts[0] == "Bag is where most of the money comes from; its verdict in the profitability section: keep."
    assert acts[1] == "Bag also has the best margin of the categories with enough sales."
    # Wallet as margin leader (hypothetical) is named with its own verdict, not a new one
    _, acts = products_text.top_sellers_actions(by_cat, by_brand, "Wallet", table)
    assert acts[1] == "Wallet earns the best margin (2.9%) on only 15.2% of revenue; its verdict: buy less."
    assert acts[2].startswith("Chanel brings the most revenue of the brands; the Brands report gives each brand")
    dts = products.days_to_sell_table(lc)
    meaning, acts = products_text.days_to_sell_actions(dts, 100 * 2 / 6)
    assert meaning == "A typical item waits 30 days for a buyer; cash is tied up that long."
    assert acts == ["Track sell-through monthly: 33.3% this month; a falling rate means stock is piling up faster "
                    "than it sells."]
    items = products.item_profit(completed)
    _, acts = products_text.profitability_actions(products.loss_makers(items))
    assert acts[0].startswith("Most loss-making sales went through poshmark (1 of 1)")


def test_condition_and_category_verdicts_on_the_products_page():
    c, lc = verdict_fixture()
    v = verdicts.verdict_tables(c, lc, PERIOD_END, ("category", "condition"))
    _, acts = products_text.days_to_sell_actions(products.days_to_sell_table(lc), None, v)
    # condition A is all items: exactly the shop -> no verdict
    assert acts == ["No verdict for condition A items: neither margin nor speed differs clearly from the shop's, so "
                    "nothing points to a change."]
    _, acts = products_text.profitability_actions(c.iloc[0:0], v)
    assert acts == ["No verdict for Bag and Wallet: neither margin nor speed differs clearly from the shop's, so "
                    "nothing points to a change."]
    # Bag and condition A both "buy more" -> the one combined line
    both = v.assign(verdict=["buy more", "no verdict", "buy more"], rule_verdict=["buy more", "no verdict", "buy more"],
                    margin_vs_shop=["higher", "no clear difference", "higher"])
    _, acts = products_text.profitability_actions(c.iloc[0:0], both)
    assert acts[0].startswith("Buy more Bag: higher margin, 30.0%")
    assert acts[-1] == "Buy more Bag in condition A: both the category and the condition have the verdict to buy more."


def test_labels_and_short_sentences(fx):
    _, _, completed, _ = fx
    named = products.top_products(completed, "revenue", 2, catalog=fixture_tables()["products"])
    assert products_text.product_labels(named).tolist() == ["Flap (p1)", "Card case (p2)"]
    assert products_text.product_labels(named.drop(columns="product_name")).tolist() == ["p1", "p2"]
    assert products_text.top_margin_category_sentence("Bag", 20) == \
        "Best margin among categories with at least 20 sales: Bag."
    assert products_text.top_margin_category_sentence(None, 20).endswith("at least 20 sales: none qualifies.")
    assert products_text.missing_tables_sentence(["products", "inventory"]) == \
        "Some sections are skipped: the data has no products or inventory table."
    assert products_text.missing_tables_sentence([]) == ""


def test_top_sellers_in_words_without_costs_or_brand_names():
    """Sales and products alone (no inventory.csv, no brands.csv): categories, conditions and brand ids by revenue
    and units, no margin sentence; fixture: Bag 1,950 of 2,300 (84.8%), S 1,800 (78.3%, 2 units), b1 2,150 (93.5%)."""
    t = {k: v for k, v in fixture_tables().items() if k in ("sales", "products")}
    completed = derived.completed_lines(derived.sale_lines(t))
    by_cat = products.sales_by(completed, "category")
    by_brand = products.sales_by(completed, products.brand_column(completed))
    assert not products_text.costs_known(by_cat)
    assert products_text.top_sellers_sentence(by_cat, by_brand) == (
        "Bag is the top category with $1,950 (84.8% of revenue, 3 units), ahead of Wallet (15.2%); the top brand "
        "is brand id b1 with 93.5% of revenue.")
    assert products_text.condition_sales_sentence(products.sales_by(completed, "condition")) == (
        "By condition, S brings the most revenue: $1,800 (78.3%, 2 units), then A 15.2% (1 unit), B 6.5% (1 unit).")
    assert products_text.top_margin_category_sentence(None, 20, costs=False) == ""
    meaning, acts = products_text.top_sellers_actions(by_cat, by_brand, None, None)
    assert meaning == "Bag carries the business (84.8% of revenue)."
    assert acts == ["Bag is where most of the money comes from.",
                    "Brand id b1 brings the most revenue of the brands; the Brands report ranks the brands by revenue, "
                    "units and growth."]
    # with unit costs the margin sentence and the verdict pointer stay
    _, _, full, _ = fixture_frames()
    assert products_text.costs_known(products.sales_by(full, "category"))
    assert products_text.condition_sales_sentence(by_cat.iloc[0:0]) == "No completed sale has a condition."
