"""Tests of lib.narrative.recommendations: the sections' and top actions' words (gross profit only, the top-5 total as a
share of the month's gross profit) and the marketing evidence."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from lib.analytics import recommendations as rc
from lib.narrative import recommendations as rc_text
from tests.analytics.test_recommendations import recommendation
from tests.e2e.test_page_scan import JARGON


def test_section_summary_in_gross_profit():
    meaning, acts = rc_text.section_summary([], "Live shows", "USD")
    assert "nothing is recommended" in meaning and len(acts) == 1
    two = [recommendation("A.", 10, "brands"), recommendation("B.", 30, "brands", one_off=True)]
    meaning, acts = rc_text.section_summary(two, "Inventory", "USD")
    assert meaning == "2 inventory actions met their thresholds, worth about $10 gross profit a month and $30 once together."
    assert acts == ["B. effect.", "A. effect."]
    one = [recommendation("A.", 10, "sales_timing", "Live shows"),
           recommendation("R.", 900, "sales_timing", "Live shows", unit="revenue")]
    meaning1, _ = rc_text.section_summary(one, "Live shows", "USD")
    assert meaning1 == ("2 live-show actions met their thresholds, worth about $10 gross profit a month together. "
                        "1 effect is counted in revenue (the data have no costs) and not added.")


def test_top_actions_words_state_the_share_of_gross_profit():
    recs = [recommendation("A action.", 100.0, "brands"),
            recommendation("D action.", 500.0, "marketing", "Marketing"),
            recommendation("M action.", 200.0, "products_inventory", one_off=True),
            recommendation("U action.", 900.0, "brands", low=-1.0, high=1800.0)]
    frame = rc.recommendations_frame(recs)
    top = rc.top_actions(recs, 5)
    assert list(top["action"]) == ["D action.", "M action.", "A action."]
    lines = rc_text.top_actions_insight(frame, top, rc.section_totals(frame), "USD", 4000.0, "October")
    # 500 + 200 + 100 = 800 of 4,000 = 20%; ranges 0.5 x and 1.5 x: 400 to 1,200
    assert lines[0] == ("4 actions met their thresholds this month; 3 of them have an effect that rounds to at least $1 "
                        "with an 80% range above zero and can be top actions. The top 3: Together about $800 gross "
                        "profit a month (80% range $400 to $1,200), 20% of October's $4,000. 1 of them is one-off, "
                        "counted once.")
    assert lines[1].endswith(": U action.")
    assert lines[2] == ("Inventory: 3 actions, $1,000 gross profit a month and $200 once; "
                        "Marketing: 1 action, $500 gross profit a month.")
    assert rc_text.top_actions_findings(len(recs), top) == [
        "4 actions qualify this month; the top one: D action. effect.", "Next: M action. effect."]
    meaning, acts = rc_text.top_actions_todo(top, "USD")
    assert meaning == ("Work through the list from the top. Together about $800 gross profit a month (80% range $400 "
                       "to $1,200). 1 of them is one-off, counted once.")
    assert acts == ["1. D action.", "2. M action.", "3. A action."]
    assert rc_text.top_total_sentence(top.iloc[0:0], "USD") == ""


def test_marketing_evidence_when_nobody_to_win_back():
    empty = pd.DataFrame(columns=["buyer_id", "list"])
    assert rc_text.marketing_evidence([], empty, None, 90) == [
        "No high-value or slipping customer has been away more than 90 days: there is nobody to win back.", ""]


# -- plain words first, method on demand (issue 19, point 2) -------------------------------------------------


def _with_method(action: str, value: float, section: str, method: str) -> rc.Recommendation:
    return dataclasses.replace(recommendation(action, value, "brands", section), method=method)


def test_the_intro_says_the_threshold_in_words_and_the_method_names_the_test():
    intro = rc_text.intro_sentence(pd.Timestamp("2026-10-31"), "USD", 0.05)
    assert intro == ("Rules are applied to the history up to 31 October 2026; expected effects are gross profit a "
                     "month (or once, when marked so), in USD, with an 80% range, and each states the assumption it "
                     "rests on. A difference counts as clear only when chance alone would give one as large less "
                     "than 5% of the time.")
    assert "10% of the time" in rc_text.intro_sentence(pd.Timestamp("2026-10-31"), "USD", 0.1)
    how = rc_text.intro_method(0.01)
    assert how[0] == "Tests count a difference when p < 0.01." and "central 80% of simulated or bootstrap" in how[1]
    assert not JARGON.search(intro)


def test_each_recommendation_method_is_listed_under_its_section_by_action():
    recs = [_with_method("Small move.", 100.0, "Marketing", "Welch t-test p = 0.003."),
            _with_method("Big move.", 900.0, "Marketing", " Mann-Whitney U, p < 0.001 "),
            _with_method("No method.", 500.0, "Marketing", ""),
            _with_method("Elsewhere.", 50.0, "Inventory", "Kaplan-Meier.")]
    # highest gross profit first, as the section lists them; a recommendation without a method adds no line
    assert rc_text.section_method(recs, "Marketing") == ["Big move: Mann-Whitney U, p < 0.001",
                                                         "Small move: Welch t-test p = 0.003."]
    assert rc_text.section_method(recs, "Live shows") == []
    top = rc.top_actions(recs, 5)
    assert list(top["action"]) == ["Big move.", "No method.", "Small move.", "Elsewhere."]
    assert rc_text.top_actions_method(top) == ["1. Big move: Mann-Whitney U, p < 0.001",
                                               "3. Small move: Welch t-test p = 0.003.", "4. Elsewhere: Kaplan-Meier."]
    shown = rc_text.top_table_shown(top, {"brands": "Brands"})
    assert "method" not in shown.columns and "evidence" not in shown.columns
    assert set(shown["source"]) == {"Brands"} and list(shown["expected_value"]) == [900.0, 500.0, 100.0, 50.0]
    # the top table's titles in words: "confidence" is the action's, not the bundles' share of orders
    assert rc_text.TOP_TITLES["confidence"] == "Confidence" and rc_text.TOP_TITLES["expected_low"] == "80% range, low"


def test_the_inventory_and_marketing_method_blocks():
    bc = pd.DataFrame({"item_a": ["Bag"], "item_b": ["Wallet"], "pairs_tested": [106], "recommended": [True]})
    recs = [_with_method("Mark down.", 700.0, "Inventory", "Kaplan-Meier curve of the category."),
            _with_method("Win back.", 600.0, "Marketing", "Beta(k + 1/2, n - k + 1/2) draws.")]
    how = rc_text.inventory_method(recs, bc, 0.05)
    # the pair test first (lib.narrative.bundles.bundle_method names the 106 pairs), then each action's method
    assert len(how) == 2 and "Fisher exact test" in how[0] and "all 106 pairs tested" in how[0]
    assert how[1] == "Mark down: Kaplan-Meier curve of the category."
    assert rc_text.inventory_method([], bc.iloc[0:0]) == []
    budget = ["Verdicts rest on gross profit per ad dollar.", "Resamples: 400 draws of the buyers."]
    # without a budget move the block says how the channels were measured; with one, its own method says it
    assert rc_text.marketing_method(recs, budget) == ["Win back: Beta(k + 1/2, n - k + 1/2) draws.", *budget]
    moved = [*recs, dataclasses.replace(recs[1], action="Move budget.", source="marketing", method="Bootstrap.")]
    assert rc_text.marketing_method(moved, budget) == ["Win back: Beta(k + 1/2, n - k + 1/2) draws.",
                                                       "Move budget: Bootstrap."]
    titles = {**rc_text.TOP_TITLES, **rc_text.WIN_BACK_TITLES}
    assert not [t for t in titles.values() if JARGON.search(t)]


def test_the_win_back_list_shows_the_chance_in_percent_without_the_buyer_id():
    t = pd.DataFrame({"buyer_id": ["b1"], "display_name": ["Camila T."], "p_buy_30d": [0.0731], "revenue": [62640.0]})
    shown = rc_text.win_back_shown(t)
    assert list(shown.columns) == ["display_name", "p_buy_30d", "revenue"]
    assert shown["p_buy_30d"].iloc[0] == pytest.approx(7.31)


def test_the_page_sentences_hold_no_method_word():
    recs = [recommendation("A action.", 100.0, "brands"), recommendation("U action.", 900.0, "brands", low=-1.0,
                                                                         high=1800.0)]
    frame = rc.recommendations_frame(recs)
    top = rc.top_actions(recs, 5)
    lines = rc_text.top_actions_insight(frame, top, rc.section_totals(frame), "USD", 4000.0, "October")
    assert lines[-1] == ("Expected effects rest on stated assumptions (the settings of this report); the 80% range "
                         "shows how sure the measured part is, and confidence says how firm each action is.")
    words = [*lines, *rc_text.top_actions_todo(top, "USD")[0:1], rc_text.section_summary(recs, "Inventory", "USD")[0],
             rc_text.intro_sentence(pd.Timestamp("2026-10-31"), "USD")]
    assert words and not [w for w in words if JARGON.search(w)]
