"""Tests of lib.narrative.recommendations: every rule fires on a fixture built to qualify and stays silent on one that
does not, with hand-computed expected values and its sentences; the sections' words."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analytics import recommendations as rc
from lib.analytics import shows
from lib.narrative import marketing as marketing_text
from lib.narrative import recommendations as rc_text
from tests.analytics.test_recommendations import (
    at_risk_frame,
    boot_frame,
    in_show_frame,
    markdown_frame,
    pairs_frame,
    quadrant_frame,
    recommendation,
    shelf_frame,
    shows_frame,
    slots_frame,
)

END = pd.Timestamp("2026-10-31")


def test_show_slot_rule_fires_with_hand_computed_value():
    # ranked slots 300, 200, 100 per show hour (the 900 slot has too few shows): median 200; best low 250 > 200.
    # mean show length (1 + 2) / 2 = 1.5 h; 4 shows moved: (300 - 200) x 1.5 x 4 = 600; 10 shows >= 2 x 5: high
    r = rc_text.show_slot_rule(slots_frame(250.0), shows_frame([1.0, 2.0], [100, 100]), "USD",
                               shows_to_move=4, min_shows=5)
    assert len(r) == 1
    assert r[0].expected_value == pytest.approx(600.0)
    assert r[0].confidence == "high" and r[0].source == "sales_timing"
    assert "Thursday 21:00" in r[0].action and "$600" in r[0].expected_effect
    # 9 shows only: medium
    r9 = rc_text.show_slot_rule(slots_frame(250.0, best_shows=9), shows_frame([1.0, 2.0], [100, 100]), "USD",
                                min_shows=5)
    assert r9[0].confidence == "medium"


def test_show_slot_rule_silent_when_interval_reaches_the_median():
    assert rc_text.show_slot_rule(slots_frame(150.0), shows_frame([1.0], [100]), "USD") == []
    one = slots_frame(250.0).iloc[[0, 3]]
    # one ranked slot: nothing to compare
    assert rc_text.show_slot_rule(one, shows_frame([1.0], [100]), "USD") == []
    with pytest.raises(ValueError, match="shows_to_move"):
        rc_text.show_slot_rule(slots_frame(250.0), shows_frame([1.0], [100]), "USD", shows_to_move=0)


def test_show_length_rule_fires():
    # six 30-minute shows at 100 per hour (usual, 0-60 min) and five 105-minute shows at 200 per hour (90-120 min).
    # Mann-Whitney U, complete separation of 5 vs 6: exact two-sided p = 2 / C(11, 5) = 2/462 < 0.05 / 5: high.
    # usual-length hours in the last 3 months: 6 x 0.5 = 3, per month 1; gain (200 - 100) x 1 = 100
    s = shows_frame([0.5] * 6 + [1.75] * 5, [50 + i for i in range(6)] + [350 + i for i in range(5)])
    r = rc_text.show_length_rule(s, shows.revenue_by_show_length(s), "USD", END, min_shows=5)
    assert len(r) == 1
    by_len = shows.revenue_by_show_length(s).set_index("length")
    diff = by_len.loc["90-120 min", "revenue_per_show_hour"] - by_len.loc["0-60 min", "revenue_per_show_hour"]
    assert r[0].expected_value == pytest.approx(diff * 1.0)
    assert r[0].confidence == "high"
    assert "90-120 min" in r[0].action and "0-60 min" in r[0].action


def test_show_length_rule_silent():
    # same revenue per hour in both classes: no difference beyond chance
    s = shows_frame([0.5] * 6 + [1.75] * 5, [50, 51, 52, 53, 54, 55] + [88, 90, 92, 94, 96])
    assert rc_text.show_length_rule(s, shows.revenue_by_show_length(s), "USD", END, min_shows=5) == []
    # the best class is the usual one
    s2 = shows_frame([0.5] * 6 + [1.75] * 5, [500] * 6 + [10] * 5)
    assert rc_text.show_length_rule(s2, shows.revenue_by_show_length(s2), "USD", END, min_shows=5) == []
    # too few shows in the other class
    assert rc_text.show_length_rule(s, shows.revenue_by_show_length(s), "USD", END, min_shows=6) == []


def test_show_mix_table_and_rule_fire():
    # all shows: margin (250 + 120) / 1100 = 33.64%, median days of 11 values = 50.
    # S: 50% >= 33.64 and 12 <= 50 with 5 >= 5 sales: fast and profitable.
    # days test: complete separation 5 vs 6, exact p = 2/462; margin test: complete separation with ties.
    t = rc.show_mix_table(in_show_frame(), "condition", min_group_sales=5)
    s = t.set_index("group").loc["S"]
    assert bool(s["fast_and_profitable"]) and not bool(t.set_index("group").loc["B", "fast_and_profitable"])
    assert s["margin_pct"] == pytest.approx(50.0) and s["median_days"] == 12
    assert s["p_days"] == pytest.approx(2 / 462)
    assert s["p_margin"] < 0.01
    assert t.attrs["show_margin_pct"] == pytest.approx(370 / 1100 * 100)
    # expected value: 20% of 30 gross profit a month = 6; 3 aged S units named; both p < 0.01: high
    r = rc_text.show_mix_rule(t, pd.Series({"S": 30.0}), "USD", pd.Series({"S": 3}), feature_uplift_pct=20, label="condition")
    assert len(r) == 1 and r[0].expected_value == pytest.approx(6.0)
    assert r[0].confidence == "high"
    assert "condition S" in r[0].action and "3 aged units" in r[0].action


def test_show_mix_rule_silent_without_a_margin_difference():
    # B at 50% margin too: S is fast but its margin does not differ beyond chance (p = 1)
    t = rc.show_mix_table(in_show_frame(b_margin=0.5), "condition", min_group_sales=5)
    assert rc_text.show_mix_rule(t, pd.Series({"S": 30.0}), "USD", None) == []
    # too few sales to qualify
    t6 = rc.show_mix_table(in_show_frame(), "condition", min_group_sales=6)
    assert not t6["fast_and_profitable"].any()
    assert rc_text.show_mix_rule(t6, pd.Series({"S": 30.0}), "USD", None) == []
    with pytest.raises(ValueError, match="days_to_sell"):
        rc.show_mix_table(in_show_frame().drop(columns="days_to_sell"), "condition")


def test_markdown_rule():
    # only p1 has a markdown > 0: value 80 x 1 = 80; rate 0.5 -> 40; 4 items observed < 30: low
    r = rc_text.markdown_rule(markdown_frame([20.0, 0.0]), 0.5, 4, "USD", aging_days=90)
    assert len(r) == 1 and r[0].expected_value == pytest.approx(40.0) and r[0].confidence == "low"
    assert rc_text.markdown_rule(markdown_frame([20.0, 0.0]), 0.5, 90, "USD")[0].confidence == "high"
    assert rc_text.markdown_rule(markdown_frame([0.0, 0.0]), 0.5, 4, "USD") == []
    assert rc_text.markdown_rule(markdown_frame([20.0, 0.0]), None, 0, "USD") == []
    assert rc_text.markdown_rule(markdown_frame([20.0, 0.0]).iloc[0:0], 0.5, 4, "USD") == []


def test_bundle_rule():
    # Bag-only occasions (130 - 10) / 12 months = 10 a month; 10% add a Wallet worth 50: 10 x 0.1 x 50 = 50.
    # p < 0.05/50 but only 10 joint occasions (< 30): medium
    r = rc_text.bundle_rule(pairs_frame(True), 12.0, "USD", bundle_uptake_pct=10)
    assert len(r) == 1 and r[0].expected_value == pytest.approx(50.0) and r[0].confidence == "medium"
    assert r[0].action == "Offer Bag + Wallet bundles (categories bought together)."
    assert rc_text.bundle_rule(pairs_frame(True, occasions=30), 12.0, "USD")[0].confidence == "high"
    assert rc_text.bundle_rule(pairs_frame(False), 12.0, "USD") == []
    assert rc_text.bundle_rule(pairs_frame(True), 0.0, "USD") == []


def test_brand_buying_rule():
    # profit per item: X 120, Y 20, Z 120 (Z within chance, left out); overall 2000 / 25 = 80.
    # 10% of 100 items a month = 10 items: buy more X: 10 x (120 - 80) = 400 (clear: high);
    # buy less Y: 10 x (80 - 20) = 600 (speed about average: medium)
    r = rc_text.brand_buying_rule(quadrant_frame(), shelf_frame(), "brand_name", 100.0, "USD",
                                  buy_shift_pct=10)
    assert [x.action.split()[:3] for x in r] == [["Buy", "more", "X"], ["Buy", "less", "Y"]]
    assert r[0].expected_value == pytest.approx(400.0) and r[0].confidence == "high"
    assert r[1].expected_value == pytest.approx(600.0) and r[1].confidence == "medium"
    assert all(x.source == "brands" for x in r)


def test_brand_buying_rule_silent():
    # X earns less per item than the average (40 < 1040/25 = 41.6): buying more of it would not pay
    r = rc_text.brand_buying_rule(quadrant_frame(), shelf_frame(x_profit=400.0), "brand_name", 100.0, "USD")
    assert [x.action.split()[1] for x in r] == ["less"]
    # no brand beyond chance in any corner
    q = quadrant_frame().assign(evidence="within chance")
    assert rc_text.brand_buying_rule(q, shelf_frame(), "brand_name", 100.0, "USD") == []
    assert rc_text.brand_buying_rule(quadrant_frame(), shelf_frame(), "brand_name", 0.0, "USD") == []


def test_retarget_table_and_rule():
    t = rc_text.with_messages(rc.retarget_table(at_risk_frame(), vip_min=500.0))
    # c1 is a VIP (1000 >= 500); c2, c5 At risk; c3 Almost lost; c4 Dormant is left out
    assert list(t["buyer_id"]) == ["c1", "c2", "c5", "c3"]
    assert list(t["list"]) == ["Churn-risk VIP", "At risk", "At risk", "Almost lost"]
    assert "email" not in t.columns
    r = rc_text.retarget_rule(t, "USD", churn_days=90, response_pct=5)
    # VIP: 1 x 5% x (1000 / 2) = 25; At risk: 2 x 5% x (500 / 4) = 12.5; Almost lost: 1 x 5% x 100 = 5
    assert [x.expected_value for x in r] == pytest.approx([25.0, 12.5, 5.0])
    assert all(x.confidence == "low" for x in r)  # fewer than 20 customers each
    assert r[1].action.startswith("Win back the 2 'At risk' customers: win-back message")


def test_retarget_rule_silent():
    empty = rc_text.with_messages(rc.retarget_table(at_risk_frame().iloc[0:0], vip_min=500.0))
    assert empty.empty and rc_text.retarget_rule(empty, "USD") == []
    only_dormant = rc_text.with_messages(rc.retarget_table(at_risk_frame().iloc[[3]], vip_min=500.0))
    assert rc_text.retarget_rule(only_dormant, "USD") == []


def test_budget_rule_moves_money_from_the_losing_channel():
    boot = boot_frame()
    adv = marketing_text.budget_advice(boot, "channel", other_model_best=("Markov", "email"))
    spend = pd.Series({"email": 100.0, "tiktok": 500.0})
    r = rc_text.budget_rule(boot, adv, spend, "USD", shift_pct=20)
    # 20% of tiktok's 500 = 100 moved; gross profit per dollar 3.0 - 100/500 = 2.8: 280; Markov agrees: high
    assert len(r) == 1 and r[0].expected_value == pytest.approx(280.0) and r[0].confidence == "high"
    assert r[0].action == "Move $100 a month of ad budget from tiktok to email."
    adv2 = marketing_text.budget_advice(boot, "channel", other_model_best=("Markov", "tiktok"))
    assert rc_text.budget_rule(boot, adv2, spend, "USD")[0].confidence == "medium"


def test_budget_rule_raise_and_silent():
    boot = boot_frame(with_tiktok=False)
    adv = marketing_text.budget_advice(boot, "channel")
    r = rc_text.budget_rule(boot, adv, pd.Series({"email": 100.0}), "USD", shift_pct=20)
    # raise email by 20 a month: 20 x (3.0 - 1) = 40 after paying for the spend
    assert r[0].expected_value == pytest.approx(40.0) and r[0].action.startswith("Raise the email budget")
    # no channel pays back with confidence (interval reaches below 1): nothing fires
    weak = boot_frame(email_low=0.9)
    assert rc_text.budget_rule(weak, marketing_text.budget_advice(weak, "channel"), pd.Series({"tiktok": 500.0}), "USD") == []
    # no spend this month to move
    assert rc_text.budget_rule(boot_frame(), marketing_text.budget_advice(boot_frame(), "channel"),
                               pd.Series(dtype=float), "USD") == []


def test_section_summary():
    meaning, acts = rc_text.section_summary([], "Live shows", "USD")
    assert "nothing is recommended" in meaning and len(acts) == 1
    two = [recommendation("A.", 10, "brands"), recommendation("B.", 30, "brands")]
    meaning, acts = rc_text.section_summary(two, "Inventory", "USD")
    assert meaning.startswith("2 inventory actions met their thresholds, worth about $40 a month together")
    one = [recommendation("A.", 10, "sales_timing", "Live shows")]
    meaning1, _ = rc_text.section_summary(one, "Live shows", "USD")
    assert meaning1.startswith("1 live-show action met its threshold, worth about $10 a month in")
    assert acts == ["B. effect.", "A. effect."]


def test_with_messages_and_win_back_words():
    t = rc_text.with_messages(rc.retarget_table(at_risk_frame(), vip_min=500.0))
    assert list(t.columns)[-1] == "message"
    assert t["message"].iloc[0] == rc_text.VIP_MESSAGE
    assert rc_text.marketing_evidence([], t.iloc[0:0], None, 90) == [
        "No high-value or slipping customer has been away more than 90 days: there is nobody to win back.", ""]


def test_top_actions_words():
    recs = [recommendation("A action.", 100.0, "brands"),
            recommendation("D action.", 500.0, "marketing", "Marketing")]
    top = rc.top_actions(recs, 5)
    totals = rc.section_totals(rc.recommendations_frame(recs))
    lines = rc_text.top_actions_insight(len(recs), top, totals, "USD")
    assert lines[0] == ("2 actions met their thresholds this month; the top 2 are worth about $600 a month together, "
                        "the first alone $500.")
    assert lines[1] == "Inventory: 1 action(s), $100; Marketing: 1 action(s), $500."
    assert rc_text.top_actions_findings(len(recs), top) == [
        "2 actions qualify this month; the top one: D action. effect.", "Next: A action. effect."]
    assert rc_text.top_actions_todo(top, "USD") == (
        "Work through the list from the top; together the 2 actions are worth about $600 a month.",
        ["1. D action.", "2. A action."])
