"""One verdict per brand: the rule fires on clear differences and stays silent on overlapping intervals, growth holds
verdicts back, and the buying effect is the profit-per-item gap times the shifted pace (hand-built fixture)."""

import numpy as np
import pandas as pd
import pytest

from lib.analytics import verdicts

__all__ = ["verdict_fixture", "PERIOD_END"]

PERIOD_END = pd.Timestamp("2026-06-30")


def verdict_fixture(months: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Completed lines and lifecycle of five brands, every sale revenue 100 (docs/metrics.md, Verdicts):

    - F: 40 sales, gross profit 45/55 (margin 50%), sold after 10 or 12 days (20 each): clearly higher and faster;
    - S: 40 sales, 5/15 (10%), 100 or 110 days: clearly lower and slower;
    - N: 40 sales, 0/60 (30%, wide), 63 or 69 days: median 63, 2 days faster than the shop's 65, intervals overlap;
    - M: 20 sales, 25/35 (30%), all at 65 days: exactly the shop;
    - T: 5 sales at 30, 150 days: too few sales.

    Shop: gross profit 4,350 of revenue 14,500 = 30%; 145 items, all sold, the 73rd sells at 65 days.
    ``months`` gives each brand's sale months (default 2025-03, outside the growth windows); the first 60 items
    started their clock in 2026-04 (buying pace 20 a month), the rest in 2025-01.
    """
    spec = {"F": (40, (45.0, 55.0), (10, 12)), "S": (40, (5.0, 15.0), (100, 110)), "N": (40, (0.0, 60.0), (63, 69)),
            "M": (20, (25.0, 35.0), (65, 65)), "T": (5, (30.0, 30.0), (150, 150))}
    rows, items = [], []
    for b, (n, gps, durs) in spec.items():
        ms = (months or {}).get(b, ["2025-03"] * n)
        for i in range(n):
            pid = f"{b}{i}"
            rows.append({"product_id": pid, "brand_name": b, "category": "Bag" if b in "FS" else "Wallet",
                         "condition": "A", "revenue": 100.0, "gross_profit": gps[i % 2], "quantity": 1,
                         "month": ms[i], "date_sold": pd.Timestamp(ms[i] + "-15")})
            items.append({"product_id": pid, "brand_name": b, "category": "Bag" if b in "FS" else "Wallet",
                          "condition": "A", "duration_days": durs[0] if i < n / 2 else durs[1], "sold": True,
                          "cost_basis": 50.0 if b == "F" else 60.0, "units_on_hand": 0})
    lc = pd.DataFrame(items)
    lc["clock_start"] = [pd.Timestamp("2026-04-10") if i < 60 else pd.Timestamp("2025-01-10") for i in range(len(lc))]
    c = pd.DataFrame(rows)
    c["brand_name"] = c["brand_name"].astype("string")
    return c, lc


@pytest.fixture()
def table():
    c, lc = verdict_fixture()
    return verdicts.verdict_table(c, lc, PERIOD_END, "brand_name").set_index("group")


def test_shop_values_and_group_numbers(table):
    assert table["shop_margin_pct"].iloc[0] == pytest.approx(4350 / 14500 * 100)
    assert table["shop_median_days"].iloc[0] == 65.0
    assert table.loc["F", "margin_pct"] == pytest.approx(50.0) and table.loc["S", "margin_pct"] == pytest.approx(10.0)
    # delta method for F: residuals +-5 on 40 lines, se = sqrt(40 x 25 x 40/39) / 4000 = 0.0080064
    se = np.sqrt(1000 * 40 / 39) / 4000
    assert table.loc["F", "margin_low"] == pytest.approx((0.5 - 1.959964 * se) * 100, rel=1e-5)
    # KM: F half sold by day 10, the rest by 12 -> median 10, interval 10 to 12; N 63 with 63 to 69
    assert (table.loc["F", "km_median_days"], table.loc["F", "km_low"], table.loc["F", "km_high"]) == (10, 10, 12)
    assert (table.loc["N", "km_median_days"], table.loc["N", "km_low"], table.loc["N", "km_high"]) == (63, 63, 69)
    # profit per item bought: F (20 x 45 + 20 x 55) / 40 = 50; shop 4,350 / 145 = 30
    assert table.loc["F", "profit_per_item"] == pytest.approx(50.0)
    assert table["shop_profit_per_item"].iloc[0] == pytest.approx(30.0)
    assert table.loc["F", "cost_per_item"] == 50.0 and table["shop_cost_per_item"].iloc[0] == pytest.approx(
        (40 * 50 + 105 * 60) / 145)
    assert (table.loc["T", "sales"], table.loc["T", "items"]) == (5, 5)


def test_the_rule_fires_only_on_clear_differences(table):
    assert table.loc["F", "margin_vs_shop"] == "higher" and table.loc["F", "speed_vs_shop"] == "faster"
    assert table.loc["F", "verdict"] == "buy more"
    assert table.loc["S", "margin_vs_shop"] == "lower" and table.loc["S", "speed_vs_shop"] == "slower"
    assert table.loc["S", "verdict"] == "buy less"
    # N: 2 days faster than the shop, but its interval 63-69 holds 65; margin 30% +- 9.4 holds 30%
    assert table.loc["N", "speed_vs_shop"] == "no clear difference"
    assert table.loc["N", "margin_vs_shop"] == "no clear difference"
    assert table.loc["N", "verdict"] == "no verdict"
    assert table.loc["M", "verdict"] == "no verdict"
    assert table.loc["T", "margin_vs_shop"] == "too few sales" and table.loc["T", "verdict"] == "no verdict"
    # every sale outside the 6-month windows: no trend to weigh
    assert set(table["growth"]) == {"too few sales"}
    assert list(table.index) == ["F", "N", "S", "M", "T"]  # by revenue, ties by name


def test_growth_holds_verdicts_back():
    # S sells 10 in Jan-Mar and 30 in Apr-Jun (binomial p = 0.0022): its "buy less" becomes "keep";
    # F falls from 30 to 10: its "buy more" becomes "keep"
    months = {"S": ["2026-01"] * 10 + ["2026-05"] * 30, "F": ["2026-02"] * 30 + ["2026-06"] * 10}
    c, lc = verdict_fixture(months)
    t = verdicts.verdict_table(c, lc, PERIOD_END, "brand_name").set_index("group")
    assert t.loc["S", "growth"] == "growing" and t.loc["S", "growth_3m_pct"] == pytest.approx(200.0)
    assert (t.loc["S", "sales_prev_3m"], t.loc["S", "sales_last_3m"]) == (10, 30)
    assert t.loc["S", "rule_verdict"] == "buy less" and t.loc["S", "verdict"] == "keep"
    assert t.loc["F", "growth"] == "shrinking" and t.loc["F", "verdict"] == "keep"
    # a rise with 0.05 <= p < 0.10 is "not yet clear" and still holds a "buy less" back: 14 then 26 (p = 0.081)
    months = {"S": ["2026-01"] * 14 + ["2026-05"] * 26}
    t = verdicts.verdict_table(*verdict_fixture(months), PERIOD_END, "brand_name").set_index("group")
    assert 0.05 <= t.loc["S", "growth_p_value"] < 0.10
    assert t.loc["S", "growth"] == "growing, not yet clear" and t.loc["S", "verdict"] == "keep"
    # 17 then 23 (p = 0.43): no clear change, the verdict stands
    months = {"S": ["2026-01"] * 17 + ["2026-05"] * 23}
    t = verdicts.verdict_table(*verdict_fixture(months), PERIOD_END, "brand_name").set_index("group")
    assert t.loc["S", "growth"] == "no clear change" and t.loc["S", "verdict"] == "buy less"


def test_items_that_earn_more_hold_a_buy_less_back():
    # S sells for 1,000 instead of 100 at the same 10% margin: each item earns 100 against the shop's 7,950 / 145
    c, lc = verdict_fixture()
    c.loc[c["brand_name"] == "S", ["revenue", "gross_profit"]] *= 10
    t = verdicts.verdict_table(c, lc, PERIOD_END, "brand_name").set_index("group")
    assert t.loc["S", "shop_profit_per_item"] == pytest.approx(7950 / 145)
    half = 1.959964 * np.std([50.0, 150.0] * 20, ddof=1) / np.sqrt(40)
    assert (t.loc["S", "profit_low"], t.loc["S", "profit_high"]) == (pytest.approx(100 - half), pytest.approx(100 + half))
    assert t.loc["S", "margin_vs_shop"] == "lower" and t.loc["S", "profit_vs_shop"] == "higher"
    assert (t.loc["S", "rule_verdict"], t.loc["S", "verdict"], t.loc["S", "held_back_by"]) == \
        ("buy less", "keep", "profit per item")
    # and F, margin 50% but 50 profit per item (95% CI 48.4 to 51.6), now earns clearly less than the shop's 54.8
    assert t.loc["F", "profit_vs_shop"] == "lower"
    assert (t.loc["F", "rule_verdict"], t.loc["F", "verdict"], t.loc["F", "held_back_by"]) == \
        ("buy more", "keep", "profit per item")


def test_rule_table_and_open_intervals():
    assert len(verdicts.RULES) == 9 and set(verdicts.RULES.values()) <= set(verdicts.VERDICTS)
    assert verdicts.RULES[("no clear difference", "no clear difference")] == "no verdict"
    assert verdicts.RULES[("lower", "faster")] == "price up" and verdicts.RULES[("higher", "slower")] == "mark down"
    # S's items never sell: its median is not reached, the lower end of its interval neither -> clearly slower
    c, lc = verdict_fixture()
    lc.loc[lc["brand_name"] == "S", "sold"] = False
    t = verdicts.verdict_table(c, lc, PERIOD_END, "brand_name").set_index("group")
    assert np.isnan(t.loc["S", "km_median_days"]) and np.isnan(t.loc["S", "km_low"])
    assert t.loc["S", "speed_vs_shop"] == "slower"
    with pytest.raises(ValueError, match="min_sales"):
        verdicts.verdict_table(c, lc, PERIOD_END, "brand_name", min_sales=0)
    with pytest.raises(ValueError, match="no column 'colour'"):
        verdicts.verdict_table(c, lc, PERIOD_END, "colour")


def test_category_and_condition_tables():
    c, lc = verdict_fixture()
    t = verdicts.verdict_tables(c, lc, PERIOD_END, ("category", "condition"))
    assert list(t["dimension"].unique()) == ["category", "condition"]
    cat = t[t["dimension"] == "category"].set_index("group")
    # Bag = F + S: gross profit 2,400 of 8,000 = 30% -> no clear margin difference
    assert cat.loc["Bag", "margin_pct"] == pytest.approx(30.0)
    assert t.loc[t["dimension"] == "condition", "group"].tolist() == ["A"]
    named = verdicts.by_name(verdicts.verdict_table(c, lc, PERIOD_END, "brand_name"))
    assert named.columns[0] == "brand" and "dimension" not in named.columns and named.columns[1] == "verdict"
    with pytest.raises(ValueError, match="one dimension"):
        verdicts.by_name(t)


def test_buying_effect_is_the_gap_times_the_shifted_pace(table):
    c, lc = verdict_fixture()
    # 60 items started their clock in 2026-04: pace 20 a month, 10% = 2 items
    assert verdicts.buying_pace(lc, PERIOD_END) == pytest.approx(20.0)
    effs = {e.verdict: e for e in verdicts.buying_effects(table.reset_index(), c, lc, PERIOD_END, 10.0)}
    more, less = effs["buy more"], effs["buy less"]
    assert more.groups == ("F",) and less.groups == ("S",)
    # buy more F: 2 x (50 - 30) = 40; buy less S: 2 x (30 - 10) = 40
    assert more.effect.gross_profit == pytest.approx(40.0) and less.effect.gross_profit == pytest.approx(40.0)
    assert 0 < more.effect.low < 40.0 < more.effect.high
    assert more.effect.capped_by == "buying" and not more.effect.one_off
    assert (more.cost_per_item, more.shop_cost_per_item) == (50.0, pytest.approx((40 * 50 + 105 * 60) / 145))
    assert (more.group_pace, more.shift_items, more.capped) == (pytest.approx(40 / 3), pytest.approx(2.0), False)
    # all of the buying (100%) is capped by each brand's own pace: F takes 40 / 3 items a month and may grow by half
    # of that (20 / 3), S 20 / 3 (all of it stops)
    capped = {e.verdict: e for e in verdicts.buying_effects(table.reset_index(), c, lc, PERIOD_END, 100.0)}
    assert capped["buy more"].capped and capped["buy more"].shift_items == pytest.approx(40 / 3 * 0.5)
    assert capped["buy more"].effect.gross_profit == pytest.approx(40 / 3 * 0.5 * 20)
    assert capped["buy less"].effect.gross_profit == pytest.approx(20 / 3 * 20)
    # no buy more / buy less verdicts -> no effect
    none = table.reset_index().assign(verdict="no verdict")
    assert verdicts.buying_effects(none, c, lc, PERIOD_END) == []
    with pytest.raises(ValueError, match="buy_shift_pct"):
        verdicts.buying_effects(table.reset_index(), c, lc, PERIOD_END, 0.0)


def test_sample_verdicts_do_not_rest_on_speed_noise(sample_report):
    from lib.data import derived

    ds, p, lines = sample_report.ds, sample_report.period, sample_report.lines
    lc = derived.product_lifecycle(ds.tables, lines, p.end)
    t = verdicts.verdict_table(derived.completed_lines(lines), lc, p.end, "brand_name")
    # a brand named faster or slower has an interval that leaves out the shop's median
    fast = t[t["speed_vs_shop"] == "faster"]
    assert (fast["km_high"] < fast["shop_median_days"]).all()
    # "buy more" and "buy less" never go to a brand whose margin interval holds the shop's margin
    judged = t[t["verdict"].isin(["buy more", "buy less"])]
    assert ((judged["margin_low"] > judged["shop_margin_pct"]) | (judged["margin_high"] < judged["shop_margin_pct"])).all()
    assert t["verdict"].isin(verdicts.VERDICTS).all() and t["group"].is_unique


def test_group_codes_are_shared_sorted_and_keep_missing():
    """The group column is factorised once per frame into one sorted label set for lines and items (issue 20)."""
    lines = pd.DataFrame({"g": pd.array(["b", None, "a", "b"], dtype="string")})
    items = pd.DataFrame({"g": pd.array(["c", "a", None], dtype="string")})
    c, lc = verdicts._coded(lines, items, "g")
    assert list(c["g"].cat.categories) == ["a", "b", "c"] == list(lc["g"].cat.categories)
    assert c["g"].cat.codes.tolist() == [1, -1, 0, 1]
    assert lc["g"].cat.codes.tolist() == [2, 0, -1]


def test_verdict_table_same_on_text_and_categorical_groups():
    """Grouping on integer codes gives the table grouping on the text column gave, value for value: the fixture
    with its brand column as text and as a categorical with extra, unused labels."""
    completed, lifecycle = verdict_fixture()
    text = verdicts.verdict_table(completed, lifecycle, PERIOD_END, "brand_name")
    cats = pd.CategoricalDtype(sorted(set(completed["brand_name"].dropna())) + ["ZZ"])
    coded = verdicts.verdict_table(completed.astype({"brand_name": cats}), lifecycle.astype({"brand_name": cats}),
                                   PERIOD_END, "brand_name")
    pd.testing.assert_frame_equal(text, coded, check_exact=True)
    assert text.loc[text["group"] == "F", "verdict"].item() == "buy more"
