"""The four sections of advice the domain pages hand to the recommendations page (lib.narrative.*_advice): the sample's
values, the parts skipped without their inputs, and the frames a domain page passes in giving the same advice."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from lib.analytics import marketing as mk
from lib.analytics import shows as sh
from lib.config import SAMPLE_DIR
from lib.data import derived
from lib.data.load import load_dataset
from lib.data.periods import default_period
from lib.narrative import customers as cu_text
from lib.narrative import marketing as mk_text
from lib.narrative import recommendations as rc_text
from lib.narrative import shows as shows_text
from lib.narrative.advice import Advice


@pytest.fixture(scope="module")
def sample() -> SimpleNamespace:
    """The sample with the frames the report builds: lines up to the period end, completed ones, occasions and the
    lifecycle (lib.report.notebook.Report)."""
    ds = load_dataset(SAMPLE_DIR)
    p = default_period(ds.tables["sales"]["date_sold"])
    s = derived.sale_lines(ds.tables, until=p.end_exclusive)
    lines = s[s["date_sold"] < p.end_exclusive].reset_index(drop=True)
    completed = lines[lines["is_completed"]]
    return SimpleNamespace(tables=ds.tables, period=p, lines=lines, completed=completed,
                           occasions=derived.purchase_occasions(lines),
                           lifecycle=derived.product_lifecycle(ds.tables, lines, p.end))


def _gp(adv: Advice) -> list[float]:
    return [round(r.effect.gross_profit, 2) for r in adv.recs]


def test_section_advice_keeps_method_and_settings_as_tables():
    adv = rc_text.section_advice("shows", [], {"a": pd.DataFrame({"x": [1]})}, ["One.", ""], [("Part", "why")],
                                 ["First.", "", "Second."], {"min_shows": 5, "level": 0.8, "group": "category"})
    assert sorted(adv.tables) == ["a", "method", "settings"]
    assert adv.sentences == ["One."]
    assert rc_text.advice_method(adv) == ["First.", "Second."]
    st = rc_text.advice_settings(adv)
    assert st == {"min_shows": 5, "level": 0.8, "group": "category"}
    assert type(st["min_shows"]) is int  # not 5.0: the charts print it
    assert rc_text.advice_method(Advice("x")) == [] and rc_text.advice_settings(Advice("x")) == {}


def test_shows_advice_on_the_sample(sample):
    adv = shows_text.shows_advice(sample.tables, sample.lines, sample.completed, sample.lifecycle, sample.period)
    assert adv.section == "shows" and adv.skipped == []
    # slot move, show length, then the mix by brand and by condition (the sample's recommendations.csv)
    assert _gp(adv) == [7587.97, 2107.33, 418.94, 3241.68]
    assert adv.recs[0].action == "Move 2 shows a month into the Thursday 21:00 slot."
    assert {r.section for r in adv.recs} == {"Live shows"}
    assert sorted(adv.tables) == ["by_length", "method", "settings", "show_mix", "slots"]
    assert adv.table("slots").attrs["prior_n"] == 5.0  # the sentences and charts read the adjustment from it
    assert adv.sentences[0].startswith("The best slot is Thursday 21:00: $10,690 per show hour")
    assert len(adv.sentences) == 2 + 4  # schedule, adjustment, one evidence per action
    method = rc_text.advice_method(adv)
    assert method[0].startswith("Slot values are shrunk") and len(method) == 1 + 4
    assert rc_text.advice_settings(adv) == {"min_shows": 5, "level": 0.8, "alpha": 0.05}


def test_shows_advice_reuses_the_shows_and_slots_given(sample):
    live = sh.show_sessions(sample.tables, sample.lines, sample.period.end_exclusive)
    slots = sh.slot_stats(live)
    given = shows_text.shows_advice(sample.tables, sample.lines.iloc[:0], sample.completed, sample.lifecycle,
                                    sample.period, live=live, slots=slots)
    assert _gp(given) == [7587.97, 2107.33, 418.94, 3241.68]
    assert given.table("slots") is slots
    # the assumption moves the effect: one show a month instead of two
    one = shows_text.shows_advice(sample.tables, sample.lines, sample.completed, sample.lifecycle, sample.period,
                                  live=live, slots=slots, shows_to_move=1)
    assert one.recs[0].action == "Move 1 show a month into the Thursday 21:00 slot."
    assert one.recs[0].effect.gross_profit == pytest.approx(7587.97 / 2, abs=0.01)


def test_shows_advice_without_inventory_or_shows(sample):
    no_stock = shows_text.shows_advice(sample.tables, sample.lines, sample.completed, None, sample.period)
    assert _gp(no_stock) == [7587.97, 2107.33]  # slot and length; no mix without the stock
    assert no_stock.skipped == [("Product mix for shows", "needs products.csv and inventory.csv (categories and "
                                                          "costs)")]
    assert "show_mix" not in no_stock.tables
    none = shows_text.shows_advice(sample.tables, sample.lines, sample.completed, sample.lifecycle, sample.period,
                                   live=sh.show_sessions(sample.tables, sample.lines).iloc[:0])
    assert none.recs == [] and [s[0] for s in none.skipped] == ["Live shows"] and none.table("slots") is None


def test_inventory_advice_on_the_sample(sample):
    adv = rc_text.inventory_advice(sample.tables, sample.lines, sample.completed, sample.lifecycle, sample.period.end)
    assert adv.section == "inventory" and adv.skipped == []
    # markdowns (once), the Bag + Wallet bundle, buy more and buy less by brand
    assert _gp(adv) == [7055.81, 454.58, 6763.62, 2210.6]
    assert [r.source for r in adv.recs] == ["products_inventory", "products_inventory", "brands", "brands"]
    assert adv.recs[1].action == "Offer Bag + Wallet bundles (categories bought together)."
    b = adv.table("bundle_candidates")
    assert int(b["recommended"].sum()) == 1 and tuple(b.iloc[0][["item_a", "item_b"]]) == ("Bag", "Wallet")
    assert adv.sentences[0].startswith("Bag and Wallet (categories) are bought together on 817 occasions")
    assert rc_text.advice_settings(adv) == {"min_pair_occasions": 10, "min_lift": 1.2, "alpha": 0.05}
    assert rc_text.advice_method(adv)[0].startswith("Each pair: a one-sided Fisher exact test")


def test_inventory_advice_skips_what_its_inputs_do_not_allow(sample):
    no_brands = {k: v for k, v in sample.tables.items() if k != "brands"}
    adv = rc_text.inventory_advice(no_brands, sample.lines, sample.completed, sample.lifecycle, sample.period.end)
    assert _gp(adv) == [7055.81, 454.58]
    assert adv.skipped == [("Buying by brand", "needs products.csv, inventory.csv and brands.csv")]
    no_stock = rc_text.inventory_advice(sample.tables, sample.lines, sample.completed, None, sample.period.end)
    assert _gp(no_stock) == [454.58]  # the bundle needs no stock
    assert [s[0] for s in no_stock.skipped] == ["Markdowns", "Buying by brand"]
    strict = rc_text.inventory_advice(sample.tables, sample.lines, sample.completed, None, sample.period.end,
                                      min_pair_occasions=1000)
    assert strict.recs == [] and not strict.table("bundle_candidates")["recommended"].any()


def test_win_back_advice_on_the_sample(sample):
    adv = cu_text.win_back_advice(sample.occasions, sample.period.end, sample.tables.get("users"))
    assert adv.section == "win_back" and adv.skipped == []
    assert _gp(adv) == [4483.22, 1081.01, 6009.17, 1002.18]  # VIPs, Can't lose, At risk, Almost lost (one-off)
    assert all(r.effect.one_off and r.section == "Marketing" for r in adv.recs)
    t = adv.table("retargeting")
    assert t.groupby("list").size().to_dict() == {"Almost lost": 131, "At risk": 394, "Can't lose": 107,
                                                  "Churn-risk VIP": 179}
    assert adv.sentences[0].startswith("The 179 churn-risk VIPs have not bought for more than 90 days")
    assert rc_text.advice_settings(adv) == {"churn_days": 90}
    empty = cu_text.win_back_advice(sample.occasions.iloc[:0], sample.period.end, None)
    assert empty.recs == [] and empty.table("retargeting") is None
    assert empty.skipped == [("Retargeting", "no completed sales up to the end of the period")]


def test_budget_move_advice_on_the_sample(sample):
    adv = mk_text.budget_move_advice(sample.tables, sample.period, lines=sample.lines)
    assert adv.section == "budget" and adv.skipped == []
    assert _gp(adv) == [5880.49]
    assert adv.recs[0].action.startswith("Move $3,113 a month of ad budget from whatnot and tiktok to email")
    assert set(adv.table("channels")["channel"]) >= {"email", "tiktok", "whatnot"}
    assert adv.sentences[0].startswith("email brought $2.86 of gross profit per ad dollar")
    assert rc_text.advice_settings(adv) == {"n_boot": 400, "budget_shift_pct": 20.0}
    # what the marketing page already computed is taken as it is: the same advice
    md = mk.prepare(sample.tables, sample.lines, sample.period)
    cp = mk.campaign_performance(md)
    boot = mk.bootstrap_roas(md, cp, "channel", n_boot=400)
    given = mk_text.budget_move_advice(sample.tables, sample.period, md=md, camp_perf=cp, boot=boot)
    assert _gp(given) == [5880.49] and given.table("channels") is boot
    half = mk_text.budget_move_advice(sample.tables, sample.period, md=md, camp_perf=cp, boot=boot,
                                      budget_shift_pct=10.0)
    # the move is capped at twice email's usual month, below 10% of the losing channels' $4,953 as well
    assert half.recs[0].action.endswith("(twice email's usual $1,557 a month, not the full 10% of $4,953).")
    assert _gp(half) == [5880.49] and half.recs[0].effect.capped_by == "budget"


def test_budget_move_advice_skips_without_touchpoints_or_spend(sample):
    no_touch = {k: v for k, v in sample.tables.items() if k != "touchpoints"}
    adv = mk_text.budget_move_advice(no_touch, sample.period, lines=sample.lines)
    assert adv.recs == [] and [s[0] for s in adv.skipped] == ["Budget shifts"]
    assert "touchpoints" in adv.skipped[0][1]
    free = {**sample.tables, "campaigns": sample.tables["campaigns"].assign(spend=0.0)}
    adv0 = mk_text.budget_move_advice(free, sample.period, lines=sample.lines)
    assert adv0.skipped == [("Budget shifts", "no campaign has spend")] and adv0.table("channels") is None
