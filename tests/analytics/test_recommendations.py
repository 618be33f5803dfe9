"""Tests of lib.recommendations: every rule fires on a fixture built to qualify and stays silent on one that does
not; expected values hand-computed; the top-5 ranking is deterministic."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lib.analytics import recommendations as rc
from lib.analytics import shows
from lib.narrative import marketing as marketing_text
from lib.narrative import recommendations as rc_text


def money(x: float) -> str:
    return f"${x:,.0f}"


END = pd.Timestamp("2026-10-31")


# ---------------------------------------------------------------- show slots


def _slots(best_low: float, best_shows: int = 10) -> pd.DataFrame:
    return pd.DataFrame({
        "slot": ["Thursday 21:00", "Monday 19:00", "Friday 20:00", "Sunday 10:00"],
        "weekday": [3, 0, 4, 6], "hour": [21, 19, 20, 10],
        "shows": [best_shows, 20, 8, 2],
        "revenue_per_show_hour": [300.0, 200.0, 100.0, 900.0],
        "low": [best_low, 150.0, 60.0, np.nan], "high": [400.0, 250.0, 140.0, np.nan],
        "enough_shows": [True, True, True, False],
        "rank": pd.array([1, 2, 3, pd.NA], dtype="Int64"),
    })


def _shows(hours: list[float], revenue: list[float], start: str = "2026-10-05 19:00") -> pd.DataFrame:
    st = pd.Timestamp(start) + pd.to_timedelta(np.arange(len(hours)), unit="D")
    return pd.DataFrame({"show_id": [f"s{i}" for i in range(len(hours))], "start": st,
                         "hours": np.array(hours, dtype=float), "revenue": np.array(revenue, dtype=float)})


def test_show_slot_rule_fires_with_hand_computed_value():
    # ranked slots 300, 200, 100 per show hour (the 900 slot has too few shows): median 200; best low 250 > 200.
    # mean show length (1 + 2) / 2 = 1.5 h; 4 shows moved: (300 - 200) x 1.5 x 4 = 600; 10 shows >= 2 x 5: high
    r = rc_text.show_slot_rule(_slots(250.0), _shows([1.0, 2.0], [100, 100]), money, shows_to_move=4, min_shows=5)
    assert len(r) == 1
    assert r[0].expected_value == pytest.approx(600.0)
    assert r[0].confidence == "high" and r[0].source == "sales_timing"
    assert "Thursday 21:00" in r[0].action and "$600" in r[0].expected_effect
    # 9 shows only: medium
    r9 = rc_text.show_slot_rule(_slots(250.0, best_shows=9), _shows([1.0, 2.0], [100, 100]), money, min_shows=5)
    assert r9[0].confidence == "medium"


def test_show_slot_rule_silent_when_interval_reaches_the_median():
    assert rc_text.show_slot_rule(_slots(150.0), _shows([1.0], [100]), money) == []
    one = _slots(250.0).iloc[[0, 3]]
    assert rc_text.show_slot_rule(one, _shows([1.0], [100]), money) == []  # one ranked slot: nothing to compare
    with pytest.raises(ValueError, match="shows_to_move"):
        rc_text.show_slot_rule(_slots(250.0), _shows([1.0], [100]), money, shows_to_move=0)


# ---------------------------------------------------------------- show length


def test_show_length_rule_fires():
    # six 30-minute shows at 100 per hour (usual, 0-60 min) and five 105-minute shows at 200 per hour (90-120 min).
    # Mann-Whitney U, complete separation of 5 vs 6: exact two-sided p = 2 / C(11, 5) = 2/462 < 0.05 / 5: high.
    # usual-length hours in the last 3 months: 6 x 0.5 = 3, per month 1; gain (200 - 100) x 1 = 100
    s = _shows([0.5] * 6 + [1.75] * 5, [50 + i for i in range(6)] + [350 + i for i in range(5)])
    r = rc_text.show_length_rule(s, shows.revenue_by_show_length(s), money, END, min_shows=5)
    assert len(r) == 1
    by_len = shows.revenue_by_show_length(s).set_index("length")
    diff = by_len.loc["90-120 min", "revenue_per_show_hour"] - by_len.loc["0-60 min", "revenue_per_show_hour"]
    assert r[0].expected_value == pytest.approx(diff * 1.0)
    assert r[0].confidence == "high"
    assert "90-120 min" in r[0].action and "0-60 min" in r[0].action


def test_show_length_rule_silent():
    # same revenue per hour in both classes: no difference beyond chance
    s = _shows([0.5] * 6 + [1.75] * 5, [50, 51, 52, 53, 54, 55] + [88, 90, 92, 94, 96])
    assert rc_text.show_length_rule(s, shows.revenue_by_show_length(s), money, END, min_shows=5) == []
    # the best class is the usual one
    s2 = _shows([0.5] * 6 + [1.75] * 5, [500] * 6 + [10] * 5)
    assert rc_text.show_length_rule(s2, shows.revenue_by_show_length(s2), money, END, min_shows=5) == []
    # too few shows in the other class
    assert rc_text.show_length_rule(s, shows.revenue_by_show_length(s), money, END, min_shows=6) == []


# ---------------------------------------------------------------- show product mix


def _in_show(b_margin: float = 0.2) -> pd.DataFrame:
    # condition S: 5 sales, days 10..14, margin 50%; condition B: 6 sales, days 50..55, margin b_margin
    return pd.DataFrame({
        "condition": pd.array(["S"] * 5 + ["B"] * 6, dtype="string"),
        "revenue": [100.0] * 11,
        "gross_profit": [50.0] * 5 + [100.0 * b_margin] * 6,
        "days_to_sell": [10, 11, 12, 13, 14, 50, 51, 52, 53, 54, 55],
    })


def test_show_mix_table_and_rule_fire():
    # all shows: margin (250 + 120) / 1100 = 33.64%, median days of 11 values = 50.
    # S: 50% >= 33.64 and 12 <= 50 with 5 >= 5 sales: fast and profitable.
    # days test: complete separation 5 vs 6, exact p = 2/462; margin test: complete separation with ties.
    t = rc.show_mix_table(_in_show(), "condition", min_group_sales=5)
    s = t.set_index("group").loc["S"]
    assert bool(s["fast_and_profitable"]) and not bool(t.set_index("group").loc["B", "fast_and_profitable"])
    assert s["margin_pct"] == pytest.approx(50.0) and s["median_days"] == 12
    assert s["p_days"] == pytest.approx(2 / 462)
    assert s["p_margin"] < 0.01
    assert t.attrs["show_margin_pct"] == pytest.approx(370 / 1100 * 100)
    # expected value: 20% of 30 gross profit a month = 6; 3 aged S units named; both p < 0.01: high
    r = rc_text.show_mix_rule(t, pd.Series({"S": 30.0}), money, pd.Series({"S": 3}), feature_uplift_pct=20, label="condition")
    assert len(r) == 1 and r[0].expected_value == pytest.approx(6.0)
    assert r[0].confidence == "high"
    assert "condition S" in r[0].action and "3 aged units" in r[0].action


def test_mann_whitney_vs_rest_matches_scipy():
    rng = np.random.default_rng(5)
    vals = np.round(rng.gamma(2.0, 20.0, 400))  # rounded: many ties
    vals[::37] = np.nan
    keys = np.array(["a"] * 150 + ["b"] * 200 + ["c"] * 44 + ["d"] * 6, dtype=object)
    vals[:150] += 20  # group a is shifted
    got = rc.mann_whitney_vs_rest(vals, keys, ["a", "b", "c", "d", "e"])
    ok = np.isfinite(vals)
    for g in ["a", "b", "c", "d"]:
        m = keys == g
        want = stats.mannwhitneyu(vals[m & ok], vals[~m & ok], alternative="two-sided").pvalue
        assert got[g] == pytest.approx(want, rel=1e-9)
    assert got["a"] < 0.05 and np.isnan(got["e"])
    assert rc.mann_whitney_vs_rest(np.ones(20), np.array(["x"] * 10 + ["y"] * 10, dtype=object), ["x"])["x"] == 1.0


def test_show_mix_rule_silent_without_a_margin_difference():
    # B at 50% margin too: S is fast but its margin does not differ beyond chance (p = 1)
    t = rc.show_mix_table(_in_show(b_margin=0.5), "condition", min_group_sales=5)
    assert rc_text.show_mix_rule(t, pd.Series({"S": 30.0}), money, None) == []
    # too few sales to qualify
    t6 = rc.show_mix_table(_in_show(), "condition", min_group_sales=6)
    assert not t6["fast_and_profitable"].any()
    assert rc_text.show_mix_rule(t6, pd.Series({"S": 30.0}), money, None) == []
    with pytest.raises(ValueError, match="days_to_sell"):
        rc.show_mix_table(_in_show().drop(columns="days_to_sell"), "condition")


# ---------------------------------------------------------------- markdowns


def _lifecycle() -> pd.DataFrame:
    jan, octo = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-10-01")
    return pd.DataFrame({
        "product_id": list("ABCDEFG"),
        "clock_start": [jan, jan, jan, jan, octo, jan, jan],
        "sold": [True, True, False, True, False, True, True],
        "duration_days": [100, 150, 303, 50, 30, 90, 120],
    })


def test_aged_sale_rate():
    # window ends by period end for clock starts <= 2026-07-03 (E is too recent). Unsold after 90 days:
    # A (sold day 100), B (day 150), C (unsold), G (day 120); D sold at 50 and F at exactly 90 are not aged.
    # Sold within days 91-120: A and G -> 2 / 4
    assert rc.aged_sale_rate(_lifecycle(), END, aging_days=90, window_days=30) == (0.5, 4)
    assert rc.aged_sale_rate(_lifecycle(), pd.Timestamp("2026-02-01"), 90) == (None, 0)


def _cands(md: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"product_id": ["p1", "p2"], "markdown_pct": md, "suggested_price": [80.0, 100.0],
                         "units_on_hand": [1, 2]})


def test_markdown_rule():
    # only p1 has a markdown > 0: value 80 x 1 = 80; rate 0.5 -> 40; 4 items observed < 30: low
    r = rc_text.markdown_rule(_cands([20.0, 0.0]), 0.5, 4, money, aging_days=90)
    assert len(r) == 1 and r[0].expected_value == pytest.approx(40.0) and r[0].confidence == "low"
    assert rc_text.markdown_rule(_cands([20.0, 0.0]), 0.5, 90, money)[0].confidence == "high"
    assert rc_text.markdown_rule(_cands([0.0, 0.0]), 0.5, 4, money) == []
    assert rc_text.markdown_rule(_cands([20.0, 0.0]), None, 0, money) == []
    assert rc_text.markdown_rule(_cands([20.0, 0.0]).iloc[0:0], 0.5, 4, money) == []


# ---------------------------------------------------------------- bundles


def _pairs(recommended: bool, occasions: int = 10) -> pd.DataFrame:
    return pd.DataFrame({"item_a": ["Bag"], "item_b": ["Wallet"], "kind": ["category"], "support": [0.1],
                         "confidence": [occasions / 130], "lift": [2.0], "occasions": [occasions],
                         "item_a_occasions": [130], "item_b_occasions": [40], "p_value": [1e-6],
                         "item_b_mean_revenue": [50.0], "recommended": [recommended]})


def test_bundle_rule():
    # Bag-only occasions (130 - 10) / 12 months = 10 a month; 10% add a Wallet worth 50: 10 x 0.1 x 50 = 50.
    # p < 0.05/50 but only 10 joint occasions (< 30): medium
    r = rc_text.bundle_rule(_pairs(True), 12.0, money, bundle_uptake_pct=10)
    assert len(r) == 1 and r[0].expected_value == pytest.approx(50.0) and r[0].confidence == "medium"
    assert r[0].action == "Offer Bag + Wallet bundles (categories bought together)."
    assert rc_text.bundle_rule(_pairs(True, occasions=30), 12.0, money)[0].confidence == "high"
    assert rc_text.bundle_rule(_pairs(False), 12.0, money) == []
    assert rc_text.bundle_rule(_pairs(True), 0.0, money) == []


# ---------------------------------------------------------------- brands


def _quad(x_quadrant: str = "buy more") -> pd.DataFrame:
    q = pd.DataFrame({
        "brand": pd.array(["X", "Y", "Z"], dtype="string"),
        "quadrant": [x_quadrant, "stop buying", "buy more"],
        "evidence": ["clear", "speed about average", "within chance"],
        "uncertain": [False, False, False],
        "margin_pct": [40.0, 10.0, 35.0], "margin_low": [38.0, 8.0, 20.0], "margin_high": [42.0, 12.0, 50.0],
        "km_median_days": [20, 80, 30],
    })
    q.attrs.update(margin_split=25.0, days_split=45.0)
    return q


def _shelf(x_profit: float = 1200.0) -> pd.DataFrame:
    return pd.DataFrame({"brand_name": pd.array(["X", "Y", "Z"], dtype="string"),
                         "profit": [x_profit, 200.0, 600.0], "items": [10, 10, 5]})


def test_brand_buying_rule():
    # profit per item: X 120, Y 20, Z 120 (Z within chance, left out); overall 2000 / 25 = 80.
    # 10% of 100 items a month = 10 items: buy more X: 10 x (120 - 80) = 400 (clear: high);
    # buy less Y: 10 x (80 - 20) = 600 (speed about average: medium)
    r = rc_text.brand_buying_rule(_quad(), _shelf(), "brand_name", 100.0, money, buy_shift_pct=10)
    assert [x.action.split()[:3] for x in r] == [["Buy", "more", "X"], ["Buy", "less", "Y"]]
    assert r[0].expected_value == pytest.approx(400.0) and r[0].confidence == "high"
    assert r[1].expected_value == pytest.approx(600.0) and r[1].confidence == "medium"
    assert all(x.source == "brands" for x in r)


def test_brand_buying_rule_silent():
    # X earns less per item than the average (40 < 1040/25 = 41.6): buying more of it would not pay
    r = rc_text.brand_buying_rule(_quad(), _shelf(x_profit=400.0), "brand_name", 100.0, money)
    assert [x.action.split()[1] for x in r] == ["less"]
    # no brand beyond chance in any corner
    q = _quad().assign(evidence="within chance")
    assert rc_text.brand_buying_rule(q, _shelf(), "brand_name", 100.0, money) == []
    assert rc_text.brand_buying_rule(_quad(), _shelf(), "brand_name", 0.0, money) == []


def test_items_per_month():
    lc = pd.DataFrame({"clock_start": pd.to_datetime(["2026-08-01", "2026-09-15", "2026-10-31", "2026-07-31"])})
    # August..October: 3 items / 3 months
    assert rc.items_per_month(lc, END, 3) == pytest.approx(1.0)


# ---------------------------------------------------------------- retargeting


def _at_risk() -> pd.DataFrame:
    return pd.DataFrame({
        "buyer_id": pd.array(["c1", "c2", "c3", "c4", "c5"], dtype="string"),
        "display_name": pd.array(["Ann", "Bob", "Cy", "Di", "Ed"], dtype="string"),
        "revenue": [1000.0, 300.0, 100.0, 50.0, 200.0], "occasions": [2, 3, 1, 1, 1],
        "days_since": [120, 200, 150, 300, 100],
        "last_purchase": pd.to_datetime(["2026-07-03", "2026-04-14", "2026-06-03", "2026-01-04", "2026-07-23"]),
        "segment": pd.Categorical(["Loyal", "At risk", "Almost lost", "Dormant", "At risk"]),
    })


def test_retarget_table_and_rule():
    t = rc.retarget_table(_at_risk(), vip_min=500.0)
    # c1 is a VIP (1000 >= 500); c2, c5 At risk; c3 Almost lost; c4 Dormant is left out
    assert list(t["buyer_id"]) == ["c1", "c2", "c5", "c3"]
    assert list(t["list"]) == ["Churn-risk VIP", "At risk", "At risk", "Almost lost"]
    assert "email" not in t.columns
    r = rc_text.retarget_rule(t, money, churn_days=90, response_pct=5)
    # VIP: 1 x 5% x (1000 / 2) = 25; At risk: 2 x 5% x (500 / 4) = 12.5; Almost lost: 1 x 5% x 100 = 5
    assert [x.expected_value for x in r] == pytest.approx([25.0, 12.5, 5.0])
    assert all(x.confidence == "low" for x in r)  # fewer than 20 customers each
    assert r[1].action.startswith("Win back the 2 'At risk' customers: win-back message")


def test_retarget_rule_silent():
    empty = rc.retarget_table(_at_risk().iloc[0:0], vip_min=500.0)
    assert empty.empty and rc_text.retarget_rule(empty, money) == []
    only_dormant = rc.retarget_table(_at_risk().iloc[[3]], vip_min=500.0)
    assert rc_text.retarget_rule(only_dormant, money) == []


# ---------------------------------------------------------------- budget


def _boot(email_low: float = 2.0, with_tiktok: bool = True) -> pd.DataFrame:
    rows = [("email", 100.0, 1000.0, 300.0, 3.0, email_low, 4.0)]
    if with_tiktok:
        rows.append(("tiktok", 500.0, 400.0, 100.0, 0.2, 0.1, 0.5))
    b = pd.DataFrame(rows, columns=["channel", "spend", "revenue", "gross_profit", "gp_roas", "gp_roas_low",
                                    "gp_roas_high"])
    b["channel"] = b["channel"].astype("string")
    b["roas"] = b["revenue"] / b["spend"]
    b["roas_low"], b["roas_high"], b["p_pays_back"] = b["roas"] * 0.8, b["roas"] * 1.2, 0.5
    return b


def test_budget_rule_moves_money_from_the_losing_channel():
    boot = _boot()
    adv = marketing_text.budget_advice(boot, "channel", other_model_best=("Markov", "email"))
    spend = pd.Series({"email": 100.0, "tiktok": 500.0})
    r = rc_text.budget_rule(boot, adv, spend, money, shift_pct=20)
    # 20% of tiktok's 500 = 100 moved; gross profit per dollar 3.0 - 100/500 = 2.8: 280; Markov agrees: high
    assert len(r) == 1 and r[0].expected_value == pytest.approx(280.0) and r[0].confidence == "high"
    assert r[0].action == "Move $100 a month of ad budget from tiktok to email."
    adv2 = marketing_text.budget_advice(boot, "channel", other_model_best=("Markov", "tiktok"))
    assert rc_text.budget_rule(boot, adv2, spend, money)[0].confidence == "medium"


def test_budget_rule_raise_and_silent():
    boot = _boot(with_tiktok=False)
    adv = marketing_text.budget_advice(boot, "channel")
    r = rc_text.budget_rule(boot, adv, pd.Series({"email": 100.0}), money, shift_pct=20)
    # raise email by 20 a month: 20 x (3.0 - 1) = 40 after paying for the spend
    assert r[0].expected_value == pytest.approx(40.0) and r[0].action.startswith("Raise the email budget")
    # no channel pays back with confidence (interval reaches below 1): nothing fires
    weak = _boot(email_low=0.9)
    assert rc_text.budget_rule(weak, marketing_text.budget_advice(weak, "channel"), pd.Series({"tiktok": 500.0}), money) == []
    # no spend this month to move
    assert rc_text.budget_rule(_boot(), marketing_text.budget_advice(_boot(), "channel"), pd.Series(dtype=float), money) == []


# ---------------------------------------------------------------- ranking


def _rec(action: str, value: float, source: str, section: str = "Inventory") -> rc.Recommendation:
    return rc.Recommendation(section, action, "effect.", "evidence.", "medium", source, value)


def test_top_actions_ranking_is_deterministic():
    recs = [_rec("B action.", 100.0, "brands"), _rec("A action.", 100.0, "brands"),
            _rec("C action.", 100.0, "customers"), _rec("D action.", 500.0, "marketing"),
            _rec("E action.", 50.0, "sales_timing"), _rec("F action.", 100.0, "brands"),
            _rec("G action.", 10.0, "brands")]
    first = rc.top_actions(recs, 5)
    assert list(first.columns) == rc.TOP_ACTION_COLUMNS
    # 500 first; the 100 ties by source (brands before customers), then action (A, B, F)
    assert list(first["action"]) == ["D action.", "A action.", "B action.", "F action.", "C action."]
    assert list(first["rank"]) == [1, 2, 3, 4, 5]
    rng = random.Random(3)
    for _ in range(5):
        shuffled = recs[:]
        rng.shuffle(shuffled)
        pd.testing.assert_frame_equal(rc.top_actions(shuffled, 5), first)
    assert len(rc.recommendations_frame(recs)) == 7
    assert rc.top_actions([], 5).empty and list(rc.top_actions([], 5).columns) == rc.TOP_ACTION_COLUMNS


def test_recommendation_validation_and_section_summary():
    with pytest.raises(ValueError, match="confidence"):
        rc.Recommendation("Inventory", "a", "b", "c", "certain", "brands", 1.0)
    with pytest.raises(ValueError, match="finite"):
        rc.Recommendation("Inventory", "a", "b", "c", "low", "brands", float("nan"))
    meaning, acts = rc_text.section_summary([], "Live shows", money)
    assert "nothing is recommended" in meaning and len(acts) == 1
    meaning, acts = rc_text.section_summary([_rec("A.", 10, "brands"), _rec("B.", 30, "brands")], "Inventory", money)
    assert meaning.startswith("2 inventory actions met their thresholds, worth about $40 a month together")
    meaning1, _ = rc_text.section_summary([_rec("A.", 10, "sales_timing", "Live shows")], "Live shows", money)
    assert meaning1.startswith("1 live-show action met its threshold, worth about $10 a month in")
    assert acts == ["B. effect.", "A. effect."]


def test_recent_months():
    f = pd.DataFrame({"date": pd.to_datetime(["2026-07-31", "2026-08-01", "2026-10-31 23:00", "2026-11-01"], format="ISO8601")})
    assert list(rc.recent_months(f, END, 3).index) == [1, 2]
    with pytest.raises(ValueError):
        rc.recent_months(f, END, 0)
