"""Tests of lib.narrative.recommendations: the sections' and top actions' words (gross profit only, the top-5 total as a
share of the month's gross profit) and the marketing evidence."""

from __future__ import annotations

import pandas as pd

from lib.analytics import recommendations as rc
from lib.narrative import recommendations as rc_text
from tests.analytics.test_recommendations import recommendation


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
