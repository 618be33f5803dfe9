"""Tests of lib.analytics.marketing on a hand-computed fixture, plus recovery of the sample data's planted ROAS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import attribution as at
from lib.analytics import kpis
from lib.analytics import marketing as mk
from lib.data.periods import period_from_label

T = pd.Timestamp
OCT = period_from_label("2026-10")


def _s(values) -> pd.array:
    return pd.array(values, dtype="string")


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """rows: (buyer_id, date_sold, revenue, gross_profit[, status]) -> sale lines as lib.derived makes them."""
    ts = pd.to_datetime([r[1] for r in rows])
    return pd.DataFrame({
        "sale_id": _s([f"s{i}" for i in range(len(rows))]), "buyer_id": _s([r[0] for r in rows]),
        "date_sold": ts, "date": ts.normalize(), "quantity": np.ones(len(rows), dtype=np.int64),
        "revenue": [float(r[2]) for r in rows], "gross_profit": [float(r[3]) for r in rows],
        "is_completed": [(r[4] if len(r) > 4 else "completed") == "completed" for r in rows],
    })


def marketing_tables() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Four campaigns, five buyers and one non-buyer; the hand computations are in the tests."""
    campaigns = pd.DataFrame({
        "campaign_id": _s(["C1", "C2", "C3", "C4"]),
        "campaign_name": ["Alpha", "Beta", "Gamma", "Zero"],
        "channel": ["email", "tiktok", "instagram", "email"],
        "start_date": pd.to_datetime(["2026-09-21", "2026-10-01", "2026-08-01", "2026-10-01"]),
        "end_date": pd.to_datetime(["2026-10-10", "2026-10-31", "2026-08-31", "2026-10-05"]),
        "spend": [2000.0, 3100.0, 500.0, 0.0],
    })
    tp = pd.DataFrame({
        "user_id": _s(["b1", "b1", "b2", "b3", "b4", "b5", "u6"]),
        "timestamp": pd.to_datetime(["2026-10-05 10:00", "2026-10-08 10:00", "2026-10-02 10:00",
                                     "2026-08-10 10:00", "2026-10-20 10:00", "2026-10-25 10:00",
                                     "2026-10-15 10:00"]),
        "channel": ["email", "tiktok", "email", "instagram", "tiktok", "instagram", "tiktok"],
        "campaign_id": _s(["C1", "C2", "C1", "C3", "C2", None, "C2"]),
        "touch_type": ["click", "click", "open", "click", "impression", "visit", "click"],
    })
    users = pd.DataFrame({"user_id": _s(["b1", "b2", "b3", "b4", "b5", "u6"]),
                          "acquisition_channel": ["email", "email", "tiktok", None, "tiktok", "email"]})
    lines = _lines([
        ("b1", "2026-10-09 12:00", 1000, 300),   # path Alpha(email) > Beta(tiktok); b1's first purchase
        ("b2", "2026-06-01 12:00", 200, 50),     # no touch: unattributed
        ("b2", "2026-10-03 15:00", 500, 100),    # path Alpha; not b2's first purchase
        ("b3", "2026-08-20 12:00", 400, 200),    # path Gamma(instagram); first purchase
        ("b4", "2026-10-21 12:00", 300, 60),     # only an impression before: unattributed
        ("b5", "2026-10-26 12:00", 100, 30),     # organic instagram visit
        ("b5", "2026-10-27 12:00", 999, 99, "refunded"),  # not completed: no occasion
    ])
    return {"campaigns": campaigns, "touchpoints": tp, "users": users}, lines


def october_marketing(tables: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> mk.MarketingData | None:
    """The fixture's marketing data for October (marketing_tables()): 30-day lookback, 7-day half-life."""
    t, lines = tables
    return mk.prepare(t, lines, OCT, lookback_days=30, half_life_days=7.0)


@pytest.fixture
def tables():
    return marketing_tables()


@pytest.fixture
def md(tables):
    return october_marketing(tables)


def test_prorated_spend_by_campaign_days_inside_the_window(tables):
    t, _ = tables
    # Alpha: 20 days (Sep 21 - Oct 10), 10 in October -> 2000 * 10/20 = 1000; Beta all 31 days -> 3100;
    # Gamma (August) -> 0; Zero -> 0. October total 4100.
    sp = mk.prorated_spend(t["campaigns"], OCT.start, OCT.end)
    assert sp.to_dict() == pytest.approx({"C1": 1000.0, "C2": 3100.0, "C3": 0.0, "C4": 0.0})
    assert mk.marketing_spend(t["campaigns"], OCT) == pytest.approx(4100.0)
    # up to Oct 5 from the start: Alpha 15/20*2000 = 1500, Beta 5/31*3100 = 500, Gamma 500
    sp5 = mk.prorated_spend(t["campaigns"], None, T("2026-10-05"))
    assert sp5.to_dict() == pytest.approx({"C1": 1500.0, "C2": 500.0, "C3": 500.0, "C4": 0.0})
    bad = t["campaigns"].assign(end_date=T("2026-01-01"))
    with pytest.raises(ValueError, match="end_date before start_date"):
        mk.prorated_spend(bad, None, T("2026-10-31"))


def test_campaign_performance_hand_computed(md):
    cp = mk.campaign_performance(md).set_index("campaign")
    # last touch, history: Alpha gets b2's 500, Beta b1's 1000 (tiktok touch is last), Gamma b3's 400
    assert cp.loc[["Alpha", "Beta", "Gamma", "Zero"], "revenue"].tolist() == [500.0, 1000.0, 400.0, 0.0]
    assert cp.loc[["Alpha", "Beta", "Gamma"], "gross_profit"].tolist() == [100.0, 300.0, 200.0]
    # ROAS: 500/2000 = 0.25, 1000/3100 = 0.32258, 400/500 = 0.8; Zero has no spend -> NaN, listed last
    assert cp.loc["Alpha", "roas"] == pytest.approx(0.25)
    assert cp.loc["Beta", "roas"] == pytest.approx(1000 / 3100)
    assert cp.loc["Gamma", "gp_roas"] == pytest.approx(0.4)
    assert np.isnan(cp.loc["Zero", "roas"])
    assert list(cp.index) == ["Gamma", "Beta", "Alpha", "Zero"]
    # reach counts impressions and non-buyers: Alpha b1,b2; Beta b1,b4 (impression),u6; Gamma b3
    assert cp.loc[["Alpha", "Beta", "Gamma", "Zero"], "reached_users"].tolist() == [2, 3, 1, 0]
    # converting buyers: any counted touch in the path: Alpha b1,b2; Beta b1; Gamma b3
    assert cp.loc[["Alpha", "Beta", "Gamma"], "converting_buyers"].tolist() == [2, 1, 1]
    assert cp.loc["Beta", "conversion_rate_pct"] == pytest.approx(100 / 3)
    # new customers (last touch on a first purchase): b1 -> Beta, b3 -> Gamma; b2's was not her first
    assert cp.loc[["Alpha", "Beta", "Gamma"], "new_customers"].tolist() == [0, 1, 1]
    assert cp.loc["Beta", "cost_per_new_customer"] == pytest.approx(3100.0)
    assert np.isnan(cp.loc["Alpha", "cost_per_new_customer"])
    # window end: end_date + 30 days, capped at the period end
    assert cp.loc["Alpha", "window_end"] == T("2026-10-31")
    assert cp.loc["Gamma", "window_end"] == T("2026-09-30")


def test_metrics_hand_computed(md, tables):
    t, _ = tables
    m = mk.marketing_metrics(md, t["campaigns"], OCT)
    # October: last-touch paid revenue = b1 1000 (Beta) + b2 500 (Alpha) = 1500; spend 4100
    assert m["marketing_spend_period"] == pytest.approx(4100.0)
    assert m["roas_period"] == pytest.approx(1500 / 4100)
    # history: Gamma 0.8 is the best campaign; channels pool campaigns with spend:
    # email 500/2000 = 0.25, tiktok 0.32, instagram 0.8 -> instagram
    assert m["best_campaign_by_roas"] == "Gamma"
    assert m["best_channel_by_roas"] == "instagram"
    assert set(m) == {"marketing_spend_period", "roas_period", "best_campaign_by_roas", "best_channel_by_roas",
                      "gross_profit_after_marketing_period"}
    assert m["gross_profit_after_marketing_period"] is None  # no gross profit of the month handed over


def test_metrics_without_marketing_files_are_null():
    m = mk.marketing_metrics(None, None, OCT, gross_profit_period=490.0)
    assert m == {"marketing_spend_period": None, "roas_period": None, "best_campaign_by_roas": None,
                 "best_channel_by_roas": None, "gross_profit_after_marketing_period": None}
    assert mk.prepare({"users": pd.DataFrame()}, pd.DataFrame(), OCT) is None


def test_touchpoints_without_campaigns(tables):
    t, lines = tables
    md = mk.prepare({"touchpoints": t["touchpoints"]}, lines, OCT)
    m = mk.marketing_metrics(md, None, OCT)
    assert m["roas_period"] is None and m["best_channel_by_roas"] is None
    ch = mk.channel_performance(md).set_index("channel")
    # last touch per channel: email b2 500, tiktok b1 1000, instagram b3 400 + b5 100 (organic label)
    assert ch.loc[["email", "tiktok", "instagram"], "revenue"].tolist() == [500.0, 1000.0, 500.0]
    assert "roas" not in ch.columns


def test_channel_performance_hand_computed(md):
    ch = mk.channel_performance(md).set_index("channel")
    # touch revenue counts the organic instagram visit (b5, 100); paid revenue only campaigns with spend
    assert ch.loc["instagram", "revenue"] == 500.0
    assert ch.loc["instagram", "paid_revenue"] == 400.0
    assert ch.loc["email", "spend"] == pytest.approx(2000.0)   # Alpha 2000 + Zero 0
    assert ch.loc["instagram", "roas"] == pytest.approx(0.8)
    assert ch.loc["tiktok", "reached_users"] == 3
    assert ch.loc["instagram", "reached_users"] == 2           # b3 (Gamma) and b5 (organic)
    assert list(ch.index[:3]) == ["instagram", "tiktok", "email"]


def test_campaign_labels_organic_and_duplicate_names(md, tables):
    assert set(md.paths["campaign"]) == {"Alpha", "Beta", "Gamma", "instagram (no campaign)"}
    t, _ = tables
    c = t["campaigns"].assign(campaign_name=["Same", "Same", "Gamma", "Zero"])
    assert mk.campaign_labels(c).tolist() == ["Same (C1)", "Same (C2)", "Gamma", "Zero"]


def test_model_credit_side_by_side(md):
    credit, eff = mk.model_credit(md, "channel")
    c = credit.set_index(["channel", "model"])
    # first touch: b1's purchase goes to email (Alpha first), last touch to tiktok
    assert c.loc[("email", "first_touch"), "revenue"] == 1500.0
    assert c.loc[("tiktok", "last_touch"), "revenue"] == 1000.0
    # linear: b1's 1000 split 500/500
    assert c.loc[("email", "linear"), "revenue"] == 1000.0
    # unattributed: b2's June 200 and b4's 300, for every model including Markov
    for m in at.MODELS:
        assert c.loc[(at.UNATTRIBUTED, m), "revenue"] == 500.0
    # every model hands out the 2500 of completed revenue (1000+200+500+400+300+100)
    sums = credit.groupby("model")["revenue"].sum()
    np.testing.assert_allclose(sums.reindex(list(at.MODELS)), 2500.0)
    shares = mk.model_shares(credit)
    np.testing.assert_allclose(shares.sum(axis=0), 100.0)
    assert at.UNATTRIBUTED not in shares.index
    with pytest.raises(ValueError, match="by must be"):
        mk.model_credit(md, "brand")


def test_model_disagreement():
    shares = pd.DataFrame({"first_touch": [60.0, 40.0], "last_touch": [30.0, 70.0], "markov": [50.0, 50.0]},
                          index=pd.Index(["email", "tiktok"], name="channel"))
    d = mk.model_disagreement(shares)
    # both rows spread 30 points; the first (email) wins the tie
    assert d == {"key": "email", "high_model": "first_touch", "high_pct": 60.0, "low_model": "last_touch",
                 "low_pct": 30.0, "spread_pts": 30.0}
    assert mk.model_disagreement(pd.DataFrame()) is None


def test_roas_by_model(md):
    credit, _ = mk.model_credit(md, "campaign")
    r = mk.roas_by_model(credit, mk.campaign_performance(md))
    # first touch: email (Alpha) gets b1 1000 + b2 500 = 1500 over 2000 spend = 0.75; last touch 0.25
    assert r.loc["email", "first_touch"] == pytest.approx(0.75)
    assert r.loc["email", "last_touch"] == pytest.approx(0.25)
    assert r.loc["tiktok", "first_touch"] == pytest.approx(0.0)


def test_bootstrap_roas_point_estimates_and_intervals(md):
    cp = mk.campaign_performance(md)
    b = mk.bootstrap_roas(md, cp, "campaign", n_boot=300, seed=1).set_index("campaign")
    assert b.loc["Gamma", "roas"] == pytest.approx(0.8)
    assert b.loc["Beta", "gp_roas"] == pytest.approx(300 / 3100)
    assert (b["roas_low"] <= b["roas"]).all() and (b["roas"] <= b["roas_high"]).all()
    # one credited buyer among 5 customers: a resample holds her 0, 1, 2... times, so the interval is wide
    assert b.loc["Gamma", "roas_low"] == 0.0 and b.loc["Gamma", "roas_high"] >= 1.6
    assert "Zero" not in b.index  # no spend
    again = mk.bootstrap_roas(md, cp, "campaign", n_boot=300, seed=1).set_index("campaign")
    pd.testing.assert_frame_equal(b, again)
    ch = mk.bootstrap_roas(md, cp, "channel", n_boot=50).set_index("channel")
    assert ch.loc["email", "roas"] == pytest.approx(0.25)


def acquisition_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five users (one without and one with a blank channel) and their occasions."""
    users = pd.DataFrame({"user_id": _s(["a", "b", "c", "d", "e"]),
                          "acquisition_channel": ["email", "email", "tiktok", None, ""]})
    occ = pd.DataFrame({"buyer_id": _s(["a", "a", "a", "b", "c", "c", "d"]),
                        "date": pd.to_datetime(["2025-01-01", "2025-06-01", "2026-03-01", "2025-02-01",
                                                "2025-03-01", "2025-03-05", "2026-10-01"]),
                        "revenue": [100.0, 50.0, 1000.0, 200.0, 300.0, 30.0, 80.0]})
    return users, occ


def test_acquisition_value_hand_computed():
    users, occ = acquisition_inputs()
    tab, tests = mk.acquisition_value(users, occ, T("2026-10-31"), horizon_days=365, min_customers=1)
    t = tab.set_index("acquisition_channel")
    # a: 12 months from 2025-01-01 hold 100 + 50 (2026-03-01 is 424 days later); b: 200 -> email mean 175
    assert t.loc["email", "revenue_12m_per_customer"] == pytest.approx(175.0)
    assert t.loc["email", "repeat_rate_12m_pct"] == pytest.approx(50.0)   # a repeats, b does not
    assert t.loc["email", "lifetime_revenue_per_customer"] == pytest.approx((1150 + 200) / 2)
    assert t.loc["tiktok", "revenue_12m_per_customer"] == pytest.approx(330.0)
    # d (no channel) and e (blank) are "unknown"; d's first purchase is too recent to be mature
    assert t.loc["unknown", "users"] == 2 and t.loc["unknown", "customers"] == 1
    assert t.loc["unknown", "mature_customers"] == 0
    assert list(tab["acquisition_channel"][:2]) == ["tiktok", "email"]
    assert tests.n_mature == 3
    # the chart shows the channels with a mature customer: d (unknown) is too recent
    assert mk.mature_acquisition_channels(tab)["acquisition_channel"].tolist() == ["tiktok", "email"]


@pytest.fixture
def sample(planted, sample_report):
    ds, p = sample_report.ds, sample_report.period
    return planted, ds, mk.prepare(ds.tables, sample_report.lines, p), p


def test_recovers_planted_best_campaign_and_channel(sample):
    planted, ds, md, p = sample
    cp = mk.campaign_performance(md)
    m = mk.marketing_metrics(md, ds.tables["campaigns"], p, cp)
    assert m["best_campaign_by_roas"] == planted["best_campaign_by_roas"]
    assert m["best_channel_by_roas"] == planted["best_channel_by_roas"]
    ch = mk.channel_performance(md, cp).set_index("channel")
    assert ch["roas"].idxmin() == planted["worst_channel_by_roas"]
    # the planted ROAS per channel is recovered within 5%
    for name, roas in planted["planted_roas_by_channel"].items():
        assert ch.loc[name, "roas"] == pytest.approx(roas, rel=0.05)


def test_spend_by_channel_and_break_even(md, tables):
    t, _ = tables
    # October: Alpha 1000 + Zero 0 (email), Beta 3100 (tiktok), Gamma 0 (instagram)
    assert mk.spend_by(t["campaigns"], OCT, "channel").to_dict() == pytest.approx(
        {"email": 1000.0, "tiktok": 3100.0, "instagram": 0.0})
    assert mk.spend_by(t["campaigns"], OCT, "campaign")["Beta"] == pytest.approx(3100.0)
    # attributed revenue 1900, gross profit 600 -> break-even at 1900/600 = 3.17x revenue per dollar
    assert mk.break_even_roas(mk.campaign_performance(md)) == pytest.approx(1900 / 600)
    assert mk.break_even_roas(pd.DataFrame({"revenue": [1.0], "gross_profit": [np.nan]})) is None


def test_channel_bootstrap_is_the_sum_of_its_campaigns_resamples(md):
    cp = mk.campaign_performance(md)
    camp = mk.bootstrap_roas(md, cp, "campaign", n_boot=200, seed=3)
    chan = mk.bootstrap_roas(md, cp, "channel", n_boot=200, seed=3).set_index("channel")
    # each channel here has one campaign with spend, so the intervals coincide with the campaign's
    for c, ch in (("Alpha", "email"), ("Beta", "tiktok"), ("Gamma", "instagram")):
        row = camp.set_index("campaign").loc[c]
        assert chan.loc[ch, "roas_low"] == pytest.approx(row["roas_low"])
        assert chan.loc[ch, "roas_high"] == pytest.approx(row["roas_high"])
    with pytest.raises(ValueError, match="level"):
        mk.bootstrap_roas(md, cp, "channel", level=1.5)


def test_no_completed_sale_does_not_crash(tables):
    t, lines = tables
    md = mk.prepare(t, lines.assign(is_completed=False), OCT)
    assert md.paths.empty and md.occasions.empty
    cp = mk.campaign_performance(md)
    assert cp["revenue"].sum() == 0 and cp.loc[cp["campaign"] == "Beta", "reached_users"].item() == 3
    m = mk.marketing_metrics(md, t["campaigns"], OCT, cp)
    assert m["roas_period"] == 0.0 and m["marketing_spend_period"] == pytest.approx(4100.0)
    assert m["best_campaign_by_roas"] is None and m["best_channel_by_roas"] is None  # nothing earned
    b = mk.bootstrap_roas(md, cp, "channel", n_boot=20)
    assert (b["roas"] == 0).all()
    credit, _ = mk.model_credit(md, "channel")
    assert credit["revenue"].sum() == 0


def test_prepare_takes_the_touchpoints_handed_over(tables):
    t, lines = tables
    handed = mk.prepare({"campaigns": t["campaigns"]}, lines, OCT, touchpoints=t["touchpoints"])
    read = mk.prepare(t, lines, OCT)
    pd.testing.assert_frame_equal(handed.paths, read.paths)
    pd.testing.assert_frame_equal(handed.nulls, read.nulls)
    assert mk.campaign_performance(handed)["revenue"].tolist() == [400.0, 1000.0, 500.0, 0.0]
    assert mk.prepare({"campaigns": t["campaigns"]}, lines, OCT) is None


def test_credit_by_model_wide_tables(md):
    credit_ch, _ = mk.model_credit(md, "channel")
    wide = mk.credit_by_model(credit_ch, "channel")
    assert list(wide.columns) == list(at.MODELS)
    assert wide.loc["email", "first_touch"] == 1500.0 and wide.loc["tiktok", "last_touch"] == 1000.0
    assert wide.loc[at.UNATTRIBUTED, "markov"] == 500.0
    conv = mk.credit_by_model(credit_ch, "channel", "conversions")
    assert conv.loc["email", "linear"] == pytest.approx(1.5)   # b1's occasion split 1/2, b2's whole
    credit_cp, _ = mk.model_credit(md, "campaign")
    top = mk.credit_by_model(credit_cp, "campaign", top=2)
    # last touch: Beta 1000, Alpha 500 and unattributed 500 (a tie: the campaign rows come first), Gamma 400
    assert list(top.index) == ["Beta", "Alpha"]
    assert top.loc["Alpha", "first_touch"] == 1500.0


def test_best_under_model():
    roas = pd.DataFrame({"last_touch": [10.0, 0.7], "markov": [8.0, 11.0]}, index=["email", "tiktok"])
    assert mk.best_under_model(roas) == "tiktok"
    assert mk.best_under_model(roas, "last_touch") == "email"
    assert mk.best_under_model(roas.drop(columns="markov")) is None
    assert mk.best_under_model(None) is None
    assert mk.best_under_model(roas.assign(markov=np.nan)) is None


# ---------------------------------------------------------------- profit after marketing (issue 17)


def test_gross_profit_after_marketing_hand_computed(md, tables):
    t, lines = tables
    # October's completed lines: b1 300 + b2 100 + b4 60 + b5 30 = 490 of gross profit (b5's refund is not
    # completed), the same value as the Overview's gross_profit_period; spend 1000 + 3100 = 4100
    gp = kpis.period_kpis(lines, OCT)["gross_profit_period"]
    assert gp == pytest.approx(490.0)
    m = mk.marketing_metrics(md, t["campaigns"], OCT, gross_profit_period=gp)
    assert m["gross_profit_after_marketing_period"] == pytest.approx(490.0 - 4100.0)  # negative: -3610
    assert mk.gross_profit_after_marketing(5000.0, 4100.0) == pytest.approx(900.0)  # positive
    assert mk.gross_profit_after_marketing(490.0, 0.0) == pytest.approx(490.0)  # campaigns, no spend this month
    # null without campaigns (no spend known) or without a known gross profit
    assert mk.gross_profit_after_marketing(490.0, None) is None
    assert mk.gross_profit_after_marketing(None, 4100.0) is None
    no_campaigns = mk.marketing_metrics(mk.prepare({"touchpoints": t["touchpoints"]}, lines, OCT), None, OCT,
                                        gross_profit_period=gp)
    assert no_campaigns["gross_profit_after_marketing_period"] is None


def test_break_even_roas_of_the_period():
    # margin 25%: a dollar of spend needs 1 / 0.25 = 4 dollars of sales to pay for itself
    assert mk.break_even_roas_period(25.0) == pytest.approx(4.0)
    assert mk.break_even_roas_period(24.615462551) == pytest.approx(4.0625, abs=1e-3)
    assert mk.break_even_roas_period(None) is None and mk.break_even_roas_period(0.0) is None
    assert mk.break_even_roas_period(-5.0) is None


def test_usual_monthly_spend_counts_months_without_campaigns(tables):
    t, _ = tables
    # email: Alpha 2000 (all before Oct 31) + Zero 0 since September: 2 months -> 1000 a month;
    # tiktok: Beta 3100 in October only -> 3100; instagram: Gamma 500 since August (Aug, Sep, Oct) -> 166.67
    u = mk.usual_monthly_spend(t["campaigns"], OCT)
    assert u.to_dict() == pytest.approx({"email": 1000.0, "instagram": 500.0 / 3, "tiktok": 3100.0})
    # at the end of September: Alpha's 10 of 20 days (1000) over 1 month; Beta not started
    sep = mk.usual_monthly_spend(t["campaigns"], period_from_label("2026-09"))
    assert sep.to_dict() == pytest.approx({"email": 1000.0, "instagram": 250.0})


def test_roas_draws_are_the_bootstrap_resamples(md):
    cp = mk.campaign_performance(md)
    d = mk.roas_draws(md, cp, "channel", n_boot=200, seed=3)
    b = mk.bootstrap_roas(md, cp, "channel", n_boot=200, seed=3).set_index("channel")
    assert d.shape == (200, 3) and set(d.columns) == {"email", "tiktok", "instagram"}
    for ch in d.columns:  # the 90% interval of bootstrap_roas is the 5%-95% quantiles of the same draws
        assert np.quantile(d[ch], 0.05) == pytest.approx(b.loc[ch, "gp_roas_low"])
        assert np.quantile(d[ch], 0.95) == pytest.approx(b.loc[ch, "gp_roas_high"])
    rev = mk.roas_draws(md, cp, "channel", n_boot=200, seed=3, value="revenue")
    assert np.quantile(rev["tiktok"], 0.95) == pytest.approx(b.loc["tiktok", "roas_high"])


def two_channels(email_gp: float = 3.0, tiktok_gp: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """email pays back, tiktok does not; five resamples of email's return around it, tiktok's fixed."""
    boot = pd.DataFrame({"channel": _s(["email", "tiktok"]), "spend": [1000.0, 4000.0],
                         "revenue": [10000.0, 2000.0], "roas": [10.0, 0.5], "gross_profit": [1000.0 * email_gp,
                                                                                               4000.0 * tiktok_gp],
                         "gp_roas": [email_gp, tiktok_gp]})
    draws = pd.DataFrame({"email": email_gp + np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), "tiktok": [tiktok_gp] * 5})
    return boot, draws


def test_budget_shift_with_diminishing_returns_hand_computed():
    boot, draws = two_channels()
    usual = pd.Series({"email": 100.0, "tiktok": 400.0})
    month = pd.Series({"email": 100.0, "tiktok": 500.0})
    e = mk.budget_shift(boot, draws, "email", ["tiktok"], month, usual, shift_pct=20.0)
    # 20% of tiktok's 500 = 100 moved; email may grow to 2 x 100 = 200, so the cap does not bind.
    # email: g(x) = 3.0 x 100^0.5 x x^0.5 -> gain 30 (sqrt(200) - 10) = 124.26
    # tiktok: 0.2 x 400^0.5 x (sqrt(500) - sqrt(400)) = 4 (22.3607 - 20) = 9.443 lost
    gain, lost = 30 * (np.sqrt(200) - 10), 4 * (np.sqrt(500) - 20)
    assert (e.amount, e.capped) == (pytest.approx(100.0), False)
    assert e.best_gross_profit_gained == pytest.approx(gain) and e.cut_gross_profit_lost == pytest.approx(lost)
    assert e.effect.gross_profit == pytest.approx(gain - lost)  # 114.82, against 100 x (3.0 - 0.2) = 280 flat
    assert e.effect.capped_by is None and not e.effect.one_off
    # the interval: 10% and 90% quantiles of email's draws 2..4 are 2.2 and 3.8; the gain scales with the return
    assert e.effect.low == pytest.approx(2.2 / 3 * gain - lost)
    assert e.effect.high == pytest.approx(3.8 / 3 * gain - lost)
    # the last dollar at the usual spend returns half the average; at 200 a month 3.0 x 0.5 x sqrt(100/200)
    assert e.best_marginal_usual == pytest.approx(1.5)
    assert e.best_marginal_after == pytest.approx(1.5 / np.sqrt(2))
    # revenue beside it: 10 x 10 (sqrt(200) - 10) - 0.5 x 20 (sqrt(500) - 20)
    assert e.effect.revenue == pytest.approx(100 * (np.sqrt(200) - 10) - 10 * (np.sqrt(500) - 20))


def test_budget_shift_is_capped_by_the_receiving_channels_growth():
    boot, draws = two_channels()
    usual = pd.Series({"email": 100.0, "tiktok": 400.0})
    month = pd.Series({"email": 0.0, "tiktok": 2000.0})  # email has no campaign this month
    e = mk.budget_shift(boot, draws, "email", ["tiktok"], month, usual, shift_pct=20.0)
    # wanted 20% of 2000 = 400; email may reach 2 x 100 = 200 -> 200 moved, capped by the budget
    assert (e.wanted, e.amount, e.capped, e.effect.capped_by) == (pytest.approx(400.0), pytest.approx(200.0),
                                                                   True, "budget")
    # email 30 x sqrt(200) = 424.26 gained; tiktok 4 x (sqrt(2000) - sqrt(1800)) = 9.18 lost
    assert e.effect.gross_profit == pytest.approx(30 * np.sqrt(200) - 4 * (np.sqrt(2000) - np.sqrt(1800)))
    three = mk.budget_shift(boot, draws, "email", ["tiktok"], month, usual, shift_pct=20.0, max_growth=3.0)
    assert three.amount == pytest.approx(300.0)
    # already at twice its usual month: nothing can move
    assert mk.budget_shift(boot, draws, "email", ["tiktok"], pd.Series({"email": 200.0, "tiktok": 2000.0}), usual) is None


def test_budget_shift_that_pays_only_at_constant_returns_is_not_made():
    # email 1.2, tiktok 0.95 a dollar: at constant returns moving 100 earns 100 x 0.25 = 25, but under
    # diminishing returns email gains 1.2 x 10 (sqrt(200) - 10) = 49.71 and tiktok loses
    # 0.95 x sqrt(500) (sqrt(500) - 20) = 50.15: -0.45 a month -> no move
    boot, draws = two_channels(email_gp=1.2, tiktok_gp=0.95)
    month = usual = pd.Series({"email": 100.0, "tiktok": 500.0})
    assert mk.budget_shift(boot, draws, "email", ["tiktok"], month, usual) is None
    # with a lower tiktok return (0.5) the same move pays: 49.71 - 0.5 x sqrt(500) (sqrt(500) - 20) = 23.32
    boot2, draws2 = two_channels(email_gp=1.2, tiktok_gp=0.5)
    e = mk.budget_shift(boot2, draws2, "email", ["tiktok"], month, usual)
    assert e.effect.gross_profit == pytest.approx(12 * (np.sqrt(200) - 10) - 0.5 * np.sqrt(500) * (np.sqrt(500) - 20))


def test_budget_raise_pays_for_its_extra_spend():
    boot, draws = two_channels(email_gp=3.0)
    month = usual = pd.Series({"email": 100.0})
    # no channel to cut: raise email by 20% of 100 = 20; gain 30 (sqrt(120) - 10) = 28.63, minus the 20 spent
    e = mk.budget_shift(boot, draws, "email", [], month, usual, shift_pct=20.0)
    assert e.effect.gross_profit == pytest.approx(30 * (np.sqrt(120) - 10) - 20)
    # at 1.6 a dollar the raise pays at constant returns (20 x 0.6 = 12) but not here: 16 (sqrt(120) - 10) < 20
    boot16, draws16 = two_channels(email_gp=1.6)
    assert mk.budget_shift(boot16, draws16, "email", [], month, usual, shift_pct=20.0) is None
    with pytest.raises(ValueError, match="exponent"):
        mk.budget_shift(boot, draws, "email", [], month, usual, exponent=1.0)


def _pandas_steps(tables: dict[str, pd.DataFrame], lines: pd.DataFrame, period, lookback: int = 30):
    """The pandas reference of prepare_engine: lib.analytics.attribution's occasion_times, eligible_touches,
    conversion_paths and null_journeys (touch labels as lib.analytics.marketing gives them)."""
    end = period.end_exclusive
    occ = at.occasion_times(lines[(lines["date_sold"] < end).to_numpy()])
    tp = tables["touchpoints"]
    tp = tp[(tp["timestamp"] < end).to_numpy()].reset_index(drop=True)
    camps = tables["campaigns"].assign(campaign=mk.campaign_labels(tables["campaigns"]).to_numpy())
    lab = dict(zip(camps["campaign_id"].astype(str), camps["campaign"].astype(str), strict=True))
    cid = tp["campaign_id"].astype(object)
    t = tp.assign(row=np.arange(len(tp)), channel=tp["channel"].fillna("unknown"),
                  campaign=[lab.get(c, f"{ch} {mk.NO_CAMPAIGN}") if isinstance(c, str) else f"{ch} {mk.NO_CAMPAIGN}"
                            for c, ch in zip(cid, tp["channel"].fillna("unknown"), strict=True)])
    touches = at.eligible_touches(t)
    paths = at.heuristic_credits(at.conversion_paths(occ, touches, lookback_days=lookback))
    nulls = at.null_journeys(touches, paths, lookback_days=lookback, as_of=end)
    return occ, touches, paths, nulls


def _tie_tables() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """b1: two touches in the same second (tiktok first in the table), a purchase; u2: two null journeys split by a
    gap of 40 days and an open one near the period end; an unknown campaign id and an impression."""
    tables, lines = marketing_tables()
    tp = pd.DataFrame({
        "user_id": _s(["b1", "b1", "b1", "u2", "u2", "u2", "u2", "u2"]),
        "timestamp": pd.to_datetime(["2026-10-05 10:00:00.700", "2026-10-05 10:00:00.200", "2026-10-01 09:00",
                                     "2026-07-01 10:00", "2026-07-03 10:00", "2026-08-12 10:00",
                                     "2026-10-25 10:00", "2026-08-13 10:00"], format="ISO8601"),
        "channel": ["tiktok", "email", "instagram", "email", "tiktok", "tiktok", "email", "email"],
        "campaign_id": _s(["C2", "C1", "X9", "C1", None, "C2", "C1", "C1"]),
        "touch_type": ["click", "click", "visit", "open", "click", "click", "click", "impression"],
    })
    return {**tables, "touchpoints": tp}, lines


def test_prepare_engine_matches_the_pandas_steps_on_ties_gaps_and_unknown_campaigns():
    tables, lines = _tie_tables()
    md = mk.prepare(tables, lines, OCT)
    occ, _, paths, nulls = _pandas_steps(tables, lines, OCT)
    pd.testing.assert_frame_equal(md.occasions.drop(columns="in_period"), occ, check_dtype=False)
    # b1's occasion of 9 Oct: instagram (unknown campaign X9: organic), then the same-second pair in table order
    b1 = md.paths[md.paths["buyer_id"] == "b1"]
    assert b1["campaign"].tolist() == ["instagram (no campaign)", "Beta", "Alpha"]
    assert b1["paid"].tolist() == [False, True, True] and b1["touch"].tolist() == [2, 0, 1]
    assert b1["age_days"].tolist() == pytest.approx([8 + 3 / 24, 4 + 2 / 24, 4 + 2 / 24])
    cols = ["occasion", "position", "n_touches", "age_days", "buyer_id", "revenue", "gross_profit",
            "first_occasion", "channel", "campaign"] + list(at.HEURISTIC_MODELS)
    pd.testing.assert_frame_equal(md.paths[cols], paths[cols], check_dtype=False)
    assert md.paths["touch"].tolist() == paths["row"].tolist()
    # u2: email > tiktok (1-3 Jul), then tiktok alone (12 Aug, 40 days later); 25 Oct may still convert
    assert md.nulls["channel"].tolist() == [("email", "tiktok"), ("tiktok",)]
    assert md.nulls["campaign"].tolist() == [("Alpha", "tiktok (no campaign)"), ("Beta",)]
    assert md.nulls["journeys"].tolist() == [1, 1]
    assert nulls["journey"].tolist() == [0, 0, 1]
    for by in ("channel", "campaign"):
        credit, eff = at.markov_credit_by(md.paths, md.nulls, by)
        ref_credit, ref_eff = at.markov_credit_by(paths, nulls, by)
        pd.testing.assert_frame_equal(credit, ref_credit)
        pd.testing.assert_frame_equal(eff, ref_eff)
    reach = md.reach
    assert reach["channel"].to_dict() == {"email": 2, "instagram": 1, "tiktok": 2}
    assert reach["campaign"][["Alpha", "Beta", "Gamma", "Zero"]].tolist() == [2, 2, 0, 0]


def test_prepare_engine_matches_the_pandas_steps_on_the_sample():
    from lib.report.notebook import start_report

    rep = start_report("marketing", "Marketing ROI", show_header=False)
    eng = rep.engine
    md = mk.prepare_engine(eng, rep.tables.get("campaigns"), rep.period, mk.touchpoints_source(eng, rep.ds))
    occ, _, paths, nulls = _pandas_steps(rep.tables, rep.lines, rep.period)
    pd.testing.assert_frame_equal(md.occasions.drop(columns="in_period"), occ, check_dtype=False)
    cols = ["occasion", "position", "n_touches", "age_days", "buyer_id", "revenue", "channel", "campaign",
            "time_decay", "position_based"]
    pd.testing.assert_frame_equal(md.paths[cols], paths[cols], check_dtype=False)
    assert len(md.paths) == 2071 and int(md.nulls["journeys"].sum()) == nulls["journey"].nunique() == 818
    for by in ("channel", "campaign"):
        pd.testing.assert_frame_equal(at.markov_credit_by(md.paths, md.nulls, by)[0],
                                      at.markov_credit_by(paths, nulls, by)[0])


def _pandas_reach(tables: dict[str, pd.DataFrame], period) -> tuple[dict, dict]:
    """The pandas reference of prepare_engine's reach: distinct users per channel and per campaign label over every
    touch (impressions too) before the period end; unknown campaign ids under their channel's organic label."""
    tp = tables["touchpoints"]
    tp = tp[(tp["timestamp"] < period.end_exclusive).to_numpy()]
    camps = tables["campaigns"]
    lab = dict(zip(camps["campaign_id"].astype(str), mk.campaign_labels(camps).astype(str), strict=True))
    ch = tp["channel"].astype(object).where(tp["channel"].notna(), "unknown")
    cid = tp["campaign_id"].astype(object)
    label = [lab[c] if isinstance(c, str) and c in lab else f"{h} {mk.NO_CAMPAIGN}" for c, h in zip(cid, ch, strict=True)]
    d = pd.DataFrame({"user": tp["user_id"].astype(object), "channel": ch, "campaign": label})
    camp = d.groupby("campaign")["user"].nunique()
    return d.groupby("channel")["user"].nunique().to_dict(), camp[camp > 0].to_dict()


def test_prepare_engine_reach_masks_over_63_campaigns_and_missing_users():
    tables, lines = marketing_tables()
    ids = [f"K{i:02d}" for i in range(70)]  # 70 campaigns: two mask columns (63 + 7)
    tables["campaigns"] = pd.DataFrame({
        "campaign_id": ids, "campaign_name": [f"Camp {i}" for i in range(70)],
        "channel": ["email"] * 70, "start_date": pd.Timestamp("2026-09-01"), "end_date": pd.Timestamp("2026-10-31"),
        "spend": 10.0})
    # u1 and u2 both reached by K00, K62 (the last bit of the first mask) and K63 (the first of the second); a
    # touch without a user (counted by nobody); K69 by u3 only, over two channels; X1 unknown: u3's organic email
    users = ["u1", "u2", "u1", "u2", "u1", "u2", None, "u3", "u3", "u3", "u1"]
    camp = ["K00", "K00", "K62", "K62", "K63", "K63", "K05", "K69", "K69", "X1", None]
    chan = ["email", "email", "email", "tiktok", "email", "email", "email", "email", "tiktok", "email", None]
    tables["touchpoints"] = pd.DataFrame({
        "user_id": _s(users), "timestamp": pd.Timestamp("2026-10-02 10:00"), "channel": _s(chan),
        "campaign_id": _s(camp), "touch_type": "impression"})
    md = mk.prepare(tables, lines, OCT)
    reach = md.reach
    assert reach["channel"].to_dict() == {"email": 3, "tiktok": 2, "unknown": 1}
    camp_reach = reach["campaign"]
    assert camp_reach[["Camp 0", "Camp 62", "Camp 63", "Camp 69", "Camp 5", "Camp 1"]].tolist() == [2, 2, 2, 1, 0, 0]
    assert camp_reach["email (no campaign)"] == 1 and camp_reach["unknown (no campaign)"] == 1
    assert "tiktok (no campaign)" not in camp_reach.index and len(camp_reach) == 72
    ref_ch, ref_camp = _pandas_reach(tables, OCT)
    assert reach["channel"].to_dict() == ref_ch
    assert {k: v for k, v in camp_reach.items() if v} == ref_camp


def test_prepare_engine_reach_matches_pandas_on_the_sample():
    from lib.report.notebook import start_report

    rep = start_report("marketing", "Marketing ROI", show_header=False)
    eng = rep.engine
    md = mk.prepare_engine(eng, rep.tables.get("campaigns"), rep.period, mk.touchpoints_source(eng, rep.ds))
    ref_ch, ref_camp = _pandas_reach(rep.tables, rep.period)
    assert md.reach["channel"].to_dict() == ref_ch
    assert {k: v for k, v in md.reach["campaign"].items() if v} == ref_camp
