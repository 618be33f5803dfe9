"""Tests of lib.analytics.recommendations: the numbers of every rule (hand-computed on fixtures built to qualify or
not), the tables behind them and the deterministic ranking."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from lib.analytics import recommendations as rc
from lib.analytics import shows

__all__ = ["slots_frame", "shows_frame", "in_show_frame", "markdown_frame", "pairs_frame", "quadrant_frame",
           "shelf_frame", "at_risk_frame", "boot_frame", "recommendation"]

END = pd.Timestamp("2026-10-31")


def slots_frame(best_low: float, best_shows: int = 10) -> pd.DataFrame:
    """Four slots as shows.slot_stats makes them: Thursday 21:00 first (low best_low), Sunday unranked."""
    return pd.DataFrame({
        "slot": ["Thursday 21:00", "Monday 19:00", "Friday 20:00", "Sunday 10:00"],
        "weekday": [3, 0, 4, 6], "hour": [21, 19, 20, 10],
        "shows": [best_shows, 20, 8, 2],
        "revenue_per_show_hour": [300.0, 200.0, 100.0, 900.0],
        "low": [best_low, 150.0, 60.0, np.nan], "high": [400.0, 250.0, 140.0, np.nan],
        "enough_shows": [True, True, True, False],
        "rank": pd.array([1, 2, 3, pd.NA], dtype="Int64"),
    })


def shows_frame(hours: list[float], revenue: list[float], start: str = "2026-10-05 19:00") -> pd.DataFrame:
    """One show a day from start with the given hours on air and revenue."""
    st = pd.Timestamp(start) + pd.to_timedelta(np.arange(len(hours)), unit="D")
    return pd.DataFrame({"show_id": [f"s{i}" for i in range(len(hours))], "start": st,
                         "hours": np.array(hours, dtype=float), "revenue": np.array(revenue, dtype=float)})


def in_show_frame(b_margin: float = 0.2) -> pd.DataFrame:
    """In-show sales: condition S 5 sales, days 10..14, margin 50%; B 6, days 50..55, margin b_margin."""
    return pd.DataFrame({
        "condition": pd.array(["S"] * 5 + ["B"] * 6, dtype="string"),
        "revenue": [100.0] * 11,
        "gross_profit": [50.0] * 5 + [100.0 * b_margin] * 6,
        "days_to_sell": [10, 11, 12, 13, 14, 50, 51, 52, 53, 54, 55],
    })


def _lifecycle() -> pd.DataFrame:
    jan, octo = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-10-01")
    return pd.DataFrame({
        "product_id": list("ABCDEFG"),
        "clock_start": [jan, jan, jan, jan, octo, jan, jan],
        "sold": [True, True, False, True, False, True, True],
        "duration_days": [100, 150, 303, 50, 30, 90, 120],
    })


def markdown_frame(md: list[float]) -> pd.DataFrame:
    """Two markdown candidates p1 (1 unit, 80) and p2 (2 units, 100) with the given markdowns."""
    return pd.DataFrame({"product_id": ["p1", "p2"], "markdown_pct": md, "suggested_price": [80.0, 100.0],
                         "units_on_hand": [1, 2]})


def pairs_frame(recommended: bool, occasions: int = 10) -> pd.DataFrame:
    """One Bag + Wallet category pair (130 Bag occasions, 40 Wallet, Wallet worth 50)."""
    return pd.DataFrame({"item_a": ["Bag"], "item_b": ["Wallet"], "kind": ["category"], "support": [0.1],
                         "confidence": [occasions / 130], "lift": [2.0], "occasions": [occasions],
                         "item_a_occasions": [130], "item_b_occasions": [40], "p_value": [1e-6],
                         "item_b_mean_revenue": [50.0], "recommended": [recommended]})


def quadrant_frame(x_quadrant: str = "buy more") -> pd.DataFrame:
    """Three brands' quadrants: X (x_quadrant, clear), Y stop buying, Z buy more within chance."""
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


def shelf_frame(x_profit: float = 1200.0) -> pd.DataFrame:
    """Profit and items on the shelf of brands X (x_profit, 10 items), Y (200, 10) and Z (600, 5)."""
    return pd.DataFrame({"brand_name": pd.array(["X", "Y", "Z"], dtype="string"),
                         "profit": [x_profit, 200.0, 600.0], "items": [10, 10, 5]})


def at_risk_frame() -> pd.DataFrame:
    """Five customers away 100..300 days, in segments Loyal, At risk (2), Almost lost and Dormant."""
    return pd.DataFrame({
        "buyer_id": pd.array(["c1", "c2", "c3", "c4", "c5"], dtype="string"),
        "display_name": pd.array(["Ann", "Bob", "Cy", "Di", "Ed"], dtype="string"),
        "revenue": [1000.0, 300.0, 100.0, 50.0, 200.0], "occasions": [2, 3, 1, 1, 1],
        "days_since": [120, 200, 150, 300, 100],
        "last_purchase": pd.to_datetime(["2026-07-03", "2026-04-14", "2026-06-03", "2026-01-04", "2026-07-23"]),
        "segment": pd.Categorical(["Loyal", "At risk", "Almost lost", "Dormant", "At risk"]),
    })


def boot_frame(email_low: float = 2.0, with_tiktok: bool = True) -> pd.DataFrame:
    """Bootstrap ROAS per channel: email pays back 3.0 gross profit per dollar (low email_low), tiktok 0.2."""
    rows = [("email", 100.0, 1000.0, 300.0, 3.0, email_low, 4.0)]
    if with_tiktok:
        rows.append(("tiktok", 500.0, 400.0, 100.0, 0.2, 0.1, 0.5))
    b = pd.DataFrame(rows, columns=["channel", "spend", "revenue", "gross_profit", "gp_roas", "gp_roas_low",
                                    "gp_roas_high"])
    b["channel"] = b["channel"].astype("string")
    b["roas"] = b["revenue"] / b["spend"]
    b["roas_low"], b["roas_high"], b["p_pays_back"] = b["roas"] * 0.8, b["roas"] * 1.2, 0.5
    return b


def recommendation(action: str, value: float, source: str, section: str = "Inventory") -> rc.Recommendation:
    """A recommendation of medium confidence worth value a month."""
    return rc.Recommendation(section, action, "effect.", "evidence.", "medium", source, value)




def test_aged_sale_rate():
    # window ends by period end for clock starts <= 2026-07-03 (E is too recent). Unsold after 90 days:
    # A (sold day 100), B (day 150), C (unsold), G (day 120); D sold at 50 and F at exactly 90 are not aged.
    # Sold within days 91-120: A and G -> 2 / 4
    assert rc.aged_sale_rate(_lifecycle(), END, aging_days=90, window_days=30) == (0.5, 4)
    assert rc.aged_sale_rate(_lifecycle(), pd.Timestamp("2026-02-01"), 90) == (None, 0)


def test_items_per_month():
    lc = pd.DataFrame({"clock_start": pd.to_datetime(["2026-08-01", "2026-09-15", "2026-10-31", "2026-07-31"])})
    # August..October: 3 items / 3 months
    assert rc.items_per_month(lc, END, 3) == pytest.approx(1.0)


def test_top_actions_ranking_is_deterministic():
    recs = [recommendation("B action.", 100.0, "brands"), recommendation("A action.", 100.0, "brands"),
            recommendation("C action.", 100.0, "customers"), recommendation("D action.", 500.0, "marketing"),
            recommendation("E action.", 50.0, "sales_timing"), recommendation("F action.", 100.0, "brands"),
            recommendation("G action.", 10.0, "brands")]
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


def test_recent_months():
    f = pd.DataFrame({"date": pd.to_datetime(["2026-07-31", "2026-08-01", "2026-10-31 23:00", "2026-11-01"], format="ISO8601")})
    assert list(rc.recent_months(f, END, 3).index) == [1, 2]
    with pytest.raises(ValueError):
        rc.recent_months(f, END, 0)


def test_slot_effect_numbers():
    # ranked slots 300, 200, 100 per show hour: median 200; mean show length 1.5 h; 4 shows: (300 - 200) x 1.5 x 4
    e = rc.slot_effect(slots_frame(250.0), shows_frame([1.0, 2.0], [100, 100]), shows_to_move=4, min_shows=5)
    assert (e.slot, e.shows, e.median, e.ranked_slots, e.hours) == ("Thursday 21:00", 10, 200.0, 3, 1.5)
    assert e.gain == pytest.approx(600.0) and e.confidence == "high"
    assert rc.slot_effect(slots_frame(150.0), shows_frame([1.0], [100])) is None


def test_length_effect_numbers():
    s = shows_frame([0.5] * 6 + [1.75] * 5, [50 + i for i in range(6)] + [350 + i for i in range(5)])
    e = rc.length_effect(s, shows.revenue_by_show_length(s), END, min_shows=5)
    assert (e.best_length, e.usual_length, e.best_shows, e.usual_shows) == ("90-120 min", "0-60 min", 5, 6)
    assert e.p_value == pytest.approx(2 / 462) and e.hours_month == pytest.approx(1.0)
    assert e.gain == pytest.approx(e.best_revenue_per_show_hour - e.usual_revenue_per_show_hour)


def test_show_mix_table_and_effect():
    t = rc.show_mix_table(in_show_frame(), "condition", min_group_sales=5)
    s = t.set_index("group").loc["S"]
    assert bool(s["fast_and_profitable"]) and not bool(t.set_index("group").loc["B", "fast_and_profitable"])
    assert s["margin_pct"] == pytest.approx(50.0) and s["median_days"] == 12
    assert s["p_days"] == pytest.approx(2 / 462)
    assert s["p_margin"] < 0.01
    assert t.attrs["show_margin_pct"] == pytest.approx(370 / 1100 * 100)
    # 20% of 30 gross profit a month = 6; 3 aged S units; both p < 0.01: high
    e = rc.mix_effect(t, pd.Series({"S": 30.0}), pd.Series({"S": 3}), feature_uplift_pct=20)
    assert (e.key, e.group, e.aged_units, e.confidence) == ("condition", "S", 3, "high")
    assert e.gain == pytest.approx(6.0)
    assert rc.mix_effect(rc.show_mix_table(in_show_frame(b_margin=0.5), "condition", 5),
                         pd.Series({"S": 30.0}), None) is None
    with pytest.raises(ValueError, match="days_to_sell"):
        rc.show_mix_table(in_show_frame().drop(columns="days_to_sell"), "condition")


def test_show_lines_and_live_channel_lines():
    lines = pd.DataFrame({"channel": pd.array(["Whatnot", "website", "instagram", None], dtype="string"),
                          "show_id": pd.array([None, None, None, None], dtype="string")})
    assert list(rc.live_channel_lines(lines).index) == [0, 2]
    assert list(rc.show_lines(lines).index) == [0, 2]  # no show ids: the live channels
    with_ids = lines.assign(show_id=pd.array(["s1", None, None, "s2"], dtype="string"))
    assert list(rc.show_lines(with_ids).index) == [0, 3]


def test_show_mix_frame_stacks_the_dimensions():
    t = rc.show_mix_table(in_show_frame(), "condition", min_group_sales=5)
    empty = rc.show_mix_table(in_show_frame().iloc[0:0], "condition")
    mixes = {"condition": rc.MixEvidence(t, pd.Series(dtype=float), None),
             "brand": rc.MixEvidence(empty, pd.Series(dtype=float), None)}
    f = rc.show_mix_frame(mixes)
    assert len(f) == 2 and set(f["dimension"]) == {"condition"}
    assert rc.show_mix_frame({}).empty


def test_markdown_effect_and_aged_value():
    # only p1 has a markdown > 0: value 80 x 1 = 80; rate 0.5 -> 40; 4 items observed < 30: low
    e = rc.markdown_effect(markdown_frame([20.0, 0.0]), 0.5, 4)
    assert (e.items, e.value, e.gain, e.confidence) == (1, 80.0, 40.0, "low")
    assert rc.markdown_effect(markdown_frame([0.0, 0.0]), 0.5, 4) is None
    v = rc.aged_stock_value(markdown_frame([20.0, 0.0]).assign(category=["Bag", "Shoes"]))
    assert v.to_dict() == {"Bag": 80.0, "Shoes": 200.0}
    assert rc.aged_stock_value(None) is None


def test_bundle_effects():
    # Bag-only occasions (130 - 10) / 12 months = 10 a month; 10% add a Wallet worth 50: 50; 10 joint occasions: medium
    (e,) = rc.bundle_effects(pairs_frame(True), 12.0, bundle_uptake_pct=10)
    assert (e.kind, e.item_a, e.item_b, e.a_only_per_month) == ("category", "Bag", "Wallet", 10.0)
    assert e.gain == pytest.approx(50.0) and e.confidence == "medium"
    assert rc.bundle_effects(pairs_frame(False), 12.0) == []


def test_brand_buying_effects():
    # profit per item: X 120, Y 20 (Z within chance); overall 80; 10 items shifted: X +400 (high), Y +600 (medium)
    more, less = rc.brand_buying_effects(quadrant_frame(), shelf_frame(), "brand_name", 100.0,
                                         buy_shift_pct=10)
    assert (more.brands, more.direction, more.confidence) == (("X",), 1, "high")
    assert more.gain == pytest.approx(400.0) and more.overall_profit_per_item == pytest.approx(80.0)
    assert (less.brands, less.direction, less.confidence) == (("Y",), -1, "medium")
    assert less.gain == pytest.approx(600.0)


def test_retarget_table_and_effects():
    t = rc.retarget_table(at_risk_frame(), vip_min=500.0)
    # c1 is a VIP (1000 >= 500); c2, c5 At risk; c3 Almost lost; c4 Dormant is left out
    assert list(t["buyer_id"]) == ["c1", "c2", "c5", "c3"]
    assert list(t["list"]) == ["Churn-risk VIP", "At risk", "At risk", "Almost lost"]
    assert "email" not in t.columns and "message" not in t.columns
    e = rc.retarget_effects(t, response_pct=5)
    # VIP: 1 x 5% x (1000 / 2) = 25; At risk: 2 x 5% x (500 / 4) = 12.5; Almost lost: 1 x 5% x 100 = 5
    assert [x.gain for x in e] == pytest.approx([25.0, 12.5, 5.0])
    assert [x.list for x in e] == ["Churn-risk VIP", "At risk", "Almost lost"]
    assert all(x.confidence == "low" for x in e)
    assert rc.retarget_effects(rc.retarget_table(at_risk_frame().iloc[0:0], vip_min=500.0)) == []


def test_budget_effect():
    spend = pd.Series({"email": 100.0, "tiktok": 500.0})
    # 20% of tiktok's 500 = 100 moved; 3.0 - 100/500 = 2.8 per dollar: 280
    e = rc.budget_effect(boot_frame(), "email", ["tiktok"], True, spend, models_agree=True, shift_pct=20)
    assert (e.amount, e.pooled, e.confidence) == (100.0, 0.2, "high")
    assert e.gain == pytest.approx(280.0)
    # raise email by 20 a month: 20 x (3.0 - 1) = 40
    r = rc.budget_effect(boot_frame(with_tiktok=False), "email", [], True, pd.Series({"email": 100.0}),
                         shift_pct=20)
    assert r.cut == () and r.gain == pytest.approx(40.0) and r.confidence == "medium"
    assert rc.budget_effect(boot_frame(), None, [], True, spend) is None
    assert rc.budget_effect(boot_frame(), "email", ["tiktok"], True, pd.Series(dtype=float)) is None


def test_recommendation_validation_and_section_totals():
    with pytest.raises(ValueError, match="confidence"):
        rc.Recommendation("Inventory", "a", "b", "c", "certain", "brands", 1.0)
    with pytest.raises(ValueError, match="finite"):
        rc.Recommendation("Inventory", "a", "b", "c", "low", "brands", float("nan"))
    recs = [recommendation("A.", 10, "brands"), recommendation("B.", 30, "brands"),
            recommendation("C.", 5, "sales_timing", "Live shows")]
    assert [r.action for r in rc.section_recommendations(recs, "Inventory")] == ["B.", "A."]
    assert rc.section_total(recs, "Inventory") == 40
    totals = rc.section_totals(rc.recommendations_frame(recs))
    assert totals.loc["Inventory", "size"] == 2 and totals.loc["Inventory", "sum"] == 40.0
