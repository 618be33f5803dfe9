"""The owner's sentences of the Marketing ROI report (lib.narrative.marketing) on the hand-computed fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import attribution as at
from lib.analytics import marketing as mk
from lib.analytics.effects import worth_acting
from lib.data.periods import period_from_label
from lib.narrative import marketing as mk_text
from tests.analytics.test_marketing import (
    acquisition_inputs,
    marketing_tables,
    october_marketing,
    two_channels,
)
from tests.e2e.test_page_scan import JARGON

T = pd.Timestamp
OCT = period_from_label("2026-10")


@pytest.fixture
def md():
    return october_marketing(marketing_tables())


def _boot() -> pd.DataFrame:
    return pd.DataFrame({"channel": ["email", "instagram", "tiktok"], "spend": [100.0, 200.0, 300.0],
                         "revenue": [900.0, 500.0, 90.0], "roas": [9.0, 2.5, 0.3],
                         "roas_low": [7.0, 1.5, 0.2], "roas_high": [11.0, 3.5, 0.4],
                         "gross_profit": [300.0, 200.0, 30.0], "gp_roas": [3.0, 1.0, 0.1],
                         "gp_roas_low": [2.0, 0.7, 0.05], "gp_roas_high": [4.0, 1.4, 0.2],
                         "p_pays_back": [1.0, 0.5, 0.0]})


def test_models_sentences():
    shares = pd.DataFrame({"first_touch": [60.0, 40.0], "last_touch": [30.0, 70.0], "markov": [50.0, 50.0]},
                          index=pd.Index(["email", "tiktok"], name="channel"))
    d = mk.model_disagreement(shares)
    s = mk_text.models_sentences(shares, d)
    # email spreads 60 (first touch) - 30 (last touch) = 30 points; tiktok 70 - 40 = 30 points too, email first
    assert s[0] == ("The ways of crediting sales disagree most on email: first touch gives it 60.0% of the sales "
                    "credited to marketing, last touch 30.0% (30.0 points apart).")
    assert s[1] == ("email tends to open journeys (first touch 60.0% vs last touch 30.0%) while tiktok closes them "
                    "(70.0% vs 40.0%): a budget set on the last contact alone would starve email.")
    assert s[2] == ("The data-driven way, which asks how many sales would be lost without each channel, credits "
                    "email most (50.0%).")
    assert list(mk_text.MODEL_LABELS) == list(at.MODELS) == list(mk_text.MODEL_METHODS)  # every model named twice
    roas = pd.DataFrame({"last_touch": [9.0, 0.3], "markov": [2.0, 5.0]}, index=["email", "tiktok"])
    assert mk_text.models_sentences(shares, d, roas)[-1] == (
        "Which channel brings the most sales per ad dollar depends on how sales are credited (last touch: email, "
        "data-driven: tiktok).")
    same = roas.assign(markov=[6.0, 5.0])
    assert mk_text.models_sentences(shares, d, same)[-1] == (
        "Every way of crediting sales puts email first for sales per ad dollar, so that conclusion holds.")
    assert not any(JARGON.search(x) for x in [*s, *mk_text.models_sentences(shares, d, roas)])


def test_models_method_names_the_models_and_the_break_even():
    how = mk_text.models_method(7.0, 30, break_even=4.0)
    assert how[0].startswith("Attribution models: first touch and last touch give all credit to one touch")
    assert "2^(-age in days / 7)" in how[0] and "40% to the first and the last touch" in how[0]
    assert how[1].startswith("Data-driven = Markov removal effect (Anderl et al. 2016)") and "more than 30 days" in how[1]
    assert how[2] == ("Break-even ROAS of the model comparison: 4.00x, the revenue ROAS at which the gross profit of "
                      "the sales credited to campaigns covers their spend.")
    assert len(mk_text.models_method(7.0, 30)) == 2


def test_budget_advice_scale_cut_unsure():
    boot = _boot()
    adv = mk_text.budget_advice(boot, "channel", other_model_best=("Data-driven", "email"),
                                period_spend=pd.Series({"tiktok": 1000.0}))
    assert (adv.scale, adv.cut, adv.unsure, adv.best) == (["email"], ["tiktok"], ["instagram"], "email")
    assert adv.sentences == [
        "The next dollar is best spent on email: each $1 brought $3.00 of gross profit (90% range $2.00 to $4.00).",
        "1 channel loses money even at the top of its range: tiktok; the worst, tiktok, brings $0.10 of gross profit "
        "per ad dollar (range $0.05 to $0.20).",
        "Too uncertain to call (the 90% range spans break-even): instagram.",
        "The data-driven way of crediting sales also ranks email first, so the advice does not hinge on how sales "
        "are credited."]
    assert not any(JARGON.search(x) for x in adv.sentences)  # the front page shows the first
    assert adv.method[0] == ("Verdicts rest on gross-profit ROAS (gross profit credited to the channel / its spend; "
                             "break-even 1) under last touch attribution.")
    assert adv.method[1].startswith("Ranges: 90% percentile bootstrap intervals over buyers (spend held fixed)")
    assert adv.method[2] == "Cross-check: Markov removal-effect attribution ranks email first too."
    assert adv.actions[0] == "Cut or rework tiktok ($1,000 of spend this month): they do not earn back their spend."
    assert adv.models_agree is True  # the move of budget itself is budget_recommendations'
    other = mk_text.budget_advice(boot, "channel", other_model_best=("Data-driven", "tiktok"))
    assert other.sentences[-1] == ("The data-driven way of crediting sales ranks tiktok first instead, so the "
                                   "ranking depends on how credit is shared; test before moving large sums.")
    assert other.method[-1] == "Cross-check: Markov removal-effect attribution ranks tiktok first, not email."
    assert other.models_agree is False
    assert mk_text.budget_advice(boot, "channel").models_agree is None
    none = mk_text.budget_advice(boot.iloc[0:0], "channel")
    assert none.best is None and "No campaign with spend" in none.sentences[0]


def test_budget_meaning():
    adv = mk_text.budget_advice(_boot(), "channel")
    assert mk_text.budget_meaning(adv) == ("Measured on gross profit per ad dollar, each sale credited to the last "
                                           "ad contact before it: 1 channel pays back with confidence, 1 does not, "
                                           "1 cannot be called yet.")
    assert not JARGON.search(mk_text.budget_meaning(adv))
    assert mk_text.budget_method(adv, 400) == [*adv.method, "Resamples: 400 draws of the buyers with replacement, "
                                                            "the same for every channel."]


def test_channel_budget_advice_is_checked_against_markov_and_states_the_months_spend():
    t, _ = marketing_tables()
    roas = pd.DataFrame({"last_touch": [9.0, 0.3], "markov": [2.0, 5.0]}, index=["email", "tiktok"])
    adv = mk_text.channel_budget_advice(_boot(), roas, t["campaigns"], OCT, "EUR")
    assert "The data-driven way of crediting sales ranks tiktok first instead" in " ".join(adv.sentences)
    # October spend on tiktok: Beta 3100
    assert adv.actions[0].startswith("Cut or rework tiktok (€3,100 of spend this month)")
    same = mk_text.budget_advice(_boot(), "channel", "EUR", model="last touch",
                                 other_model_best=("Data-driven", "tiktok"),
                                 period_spend=mk.spend_by(t["campaigns"], OCT, "channel"))
    assert adv == same
    no_markov = mk_text.channel_budget_advice(_boot(), None, t["campaigns"], OCT)
    assert not any("data-driven" in s for s in no_markov.sentences + no_markov.method)


def test_acquisition_sentences():
    users, occ = acquisition_inputs()
    tab, tests = mk.acquisition_value(users, occ, T("2026-10-31"), horizon_days=365, min_customers=1)
    s = mk_text.acquisition_sentences(tab, tests)
    assert "Too few customers" in s[0]  # fewer than 5 mature customers per channel


def _acquisition_table() -> pd.DataFrame:
    return pd.DataFrame({"acquisition_channel": ["whatnot", "tiktok", "website", "unknown"],
                         "users": [40, 20, 30, 10], "mature_customers": [20, 10, 15, 0],
                         "revenue_12m_per_customer": [4191.0, 4117.0, 3509.0, np.nan],
                         "repeat_rate_12m_pct": [60.1, 67.1, 55.1, np.nan]})


def test_acquisition_sentences_say_no_clear_difference_and_the_method_names_the_tests():
    tab = _acquisition_table()
    tests = mk.AcquisitionTests(kruskal_p=0.82, chi2_p=0.524, n_mature=45, horizon_days=365)
    s = mk_text.acquisition_sentences(tab, tests)
    assert s == ["Customers who came through whatnot spent $4,191 each in their first 12 months against $3,509 for "
                 "website (45 customers with a full 12 months).",
                 "But the difference in 12-month revenue may be chance, so there is no clear difference: the data "
                 "does not show that one channel brings more valuable customers.",
                 "Repeat rate within 12 months: 67.1% for tiktok against 55.1% for website (no clear difference)."]
    assert not any(JARGON.search(x) for x in s)
    assert mk_text.acquisition_method(tests) == [
        "12-month revenue per customer across acquisition channels: Kruskal-Wallis test, p = 0.82 (45 customers "
        "with 365 days of history).",
        "12-month repeat rate across channels: chi-square test, p = 0.524.",
        "A difference counts as clear when p < 0.05; channels with fewer than 5 such customers are left out."]
    clear = mk.AcquisitionTests(kruskal_p=0.0004, chi2_p=0.012, n_mature=45, horizon_days=365)
    s2 = mk_text.acquisition_sentences(tab, clear)
    assert s2[1] == "The difference in 12-month revenue between the channels is a clear difference, not chance."
    assert s2[2].endswith("(a clear difference).")
    assert mk_text.acquisition_method(clear)[0].endswith("test, p < 0.001 (45 customers with 365 days of history).")
    assert mk_text.acquisition_actions(tab, clear)[0] == ("Customers won through whatnot are worth the most over "
                                                          "their first year.")
    untested = mk.AcquisitionTests(kruskal_p=None, chi2_p=None, n_mature=45, horizon_days=365)
    assert mk_text.acquisition_sentences(tab, untested)[-1].endswith("(too few customers to test).")
    assert "chi-square test, not computable" in mk_text.acquisition_method(untested)[1]


def test_sentences_carry_the_computed_numbers(md):
    cp = mk.campaign_performance(md)
    sentences = mk_text.campaign_sentences(cp)
    s = " ".join(sentences)
    # 1,900 / 5,600 = 0.339 sales per ad dollar
    assert sentences[0] == ("3 campaigns spent $5,600 up to the period end and were credited with $1,900 of sales: "
                            "$0.34 of sales per ad dollar overall.")
    assert sentences[1] == ("Best: Gamma (instagram) at $0.80 of sales per ad dollar; worst: Alpha (email) at "
                            "$0.25.")
    assert "3 of 3 campaigns did not earn their spend back in gross profit (less than $1 of gross profit" in s
    assert not any(JARGON.search(x) for x in sentences)
    meaning, acts = mk_text.campaign_actions(cp)
    assert meaning.startswith("0 of 3") and "Alpha" in acts[-1]
    ch = mk.channel_performance(md, cp)
    cs = " ".join(mk_text.channel_sentences(ch))
    assert "instagram brings the most sales per ad dollar ($0.80 on $500" in cs
    # touch-attributed revenue 500 + 1000 + 500 = 2000, paid 1900 -> organic 100 = 5%
    assert "5% of touch-attributed revenue comes from touches outside paid campaigns" in cs


def test_history_sentence(md):
    # 5 customers, 6 occasions (b2 bought twice); b1, b2's October, b3 and b5 follow a counted touch
    assert mk_text.history_sentence(md, at.COUNTED_TOUCH_TYPES) == (
        "History: everything up to 31 Oct 2026. A purchase occasion (one buyer, one day) is credited to that "
        "buyer's click, open, visit touches in the 30 days before it; 5 customers, 6 occasions, of which 4 follow "
        "at least one counted touch.")


def test_removal_effects_sentence():
    eff = pd.DataFrame({"channel": ["email", "tiktok"], "removal_effect": [0.254, 0.5], "share": [0.34, 0.66]})
    assert mk_text.removal_effects_sentence(eff) == (
        "Markov removal effects (share of conversions lost without the channel): email 25%, tiktok 50%.")


def test_missing_inputs_sentence():
    assert mk_text.missing_inputs_sentence({"campaigns": 1, "touchpoints": 1}) is None
    s = mk_text.missing_inputs_sentence({"users": 1})
    assert "campaigns.csv" in s and "touchpoints.csv" in s
    assert "only acquisition channels" in s
    no_tp = mk_text.missing_inputs_sentence({"campaigns": 1})
    assert "no touchpoints.csv" in no_tp and "campaigns.csv (" not in no_tp and "only spend" in no_tp
    assert "attribution models are reported" in mk_text.missing_inputs_sentence({"touchpoints": 1})


def test_headline_sentence():
    m = {"marketing_spend_period": 4100.0, "roas_period": 1500 / 4100, "best_campaign_by_roas": "Gamma",
         "best_channel_by_roas": "instagram"}
    # 1,500 / 4,100 = 0.366 sales per ad dollar
    assert mk_text.headline_sentence(m, "2026-10") == (
        "October 2026: $4,100 of campaign spend (prorated by campaign days in the month), bringing $0.37 of sales "
        "per ad dollar (each sale credited to the last ad contact before it). Best campaign by sales per ad dollar "
        "over the history: Gamma; best channel: instagram.")
    assert not JARGON.search(mk_text.headline_sentence(m, "2026-10"))
    no_tp = {"marketing_spend_period": 10.0, "roas_period": None, "best_campaign_by_roas": None,
             "best_channel_by_roas": None}
    assert mk_text.headline_sentence(no_tp, "2026-10").endswith("cannot be measured without touchpoints.csv.")
    assert mk_text.headline_sentence({"marketing_spend_period": None}, "2026-10") is None


def test_roas_text():
    assert mk_text.roas_text(4.256) == "4.26x"
    assert mk_text.roas_text(None) == "n/a" and mk_text.roas_text(float("nan")) == "n/a"
    assert mk_text.per_dollar(4.256, "EUR") == "€4.26"
    assert mk_text.per_dollar(None) == "n/a" and mk_text.per_dollar(float("nan")) == "n/a"


def test_metrics_table_and_settings_sentence():
    m = {"marketing_spend_period": 4100.0, "roas_period": 1500 / 4100, "best_campaign_by_roas": "Gamma",
         "best_channel_by_roas": None}
    t = mk_text.metrics_table(m, "GBP")
    assert t.to_dict("list") == {"metric": ["Marketing spend", "Sales per ad dollar",
                                            "Best campaign by sales per ad dollar", "Best channel by sales per ad dollar"],
                                 "value": ["£4,100", "£0.37", "Gamma", "n/a"]}
    assert mk_text.settings_sentence(30, ("click", "open"), 7.0, 400) == (
        "Settings: lookback 30 days; counted touch types click, open; time-decay half-life 7 days; position based "
        "40/20/40; Markov: first-order chain over channels (or campaigns), removal effect (Anderl et al. 2016); "
        "bootstrap 400 resamples of buyers.")


def test_channel_sentences_quote_bootstrap_intervals():
    ch = pd.DataFrame({"channel": ["email", "tiktok"], "reached_users": [5, 5], "conversion_rate_pct": [1.0, 2.0],
                       "revenue": [100.0, 50.0], "paid_revenue": [100.0, 50.0], "spend": [10.0, 100.0],
                       "roas": [10.0, 0.5], "gp_roas": [3.0, 0.1]})
    boot = pd.DataFrame({"channel": ["email", "tiktok"], "roas_low": [8.0, 0.3], "roas_high": [12.0, 0.7]})
    s = mk_text.channel_sentences(ch, boot=boot)
    assert s[0] == ("email brings the most sales per ad dollar ($10.00 on $10 of spend, 90% range $8.00 to $12.00); "
                    "tiktok the least ($0.50 on $100, 90% range $0.30 to $0.70).")
    assert s[1] == "email has a clear lead over tiktok: their 90% ranges do not overlap."  # 8.00 > 0.70
    boot2 = boot.assign(roas_low=[0.6, 0.3])  # 0.60 < 0.70: the ranges overlap
    s2 = mk_text.channel_sentences(ch, boot=boot2)
    assert s2[1] == "No clear difference between email and tiktok: their 90% ranges overlap, so the lead may be chance."
    assert not any(JARGON.search(x) for x in [*s, *s2])
    how = mk_text.channel_method(400)
    assert how[0] == ("Ranges: 90% percentile bootstrap intervals of revenue ROAS, 400 resamples of buyers with "
                      "replacement, spend held fixed; a lead is clear when the two intervals do not overlap.")
    assert mk_text.channel_method(None) == how[1:]


def test_models_actions_say_whether_the_verdict_depends_on_the_model():
    shares = pd.DataFrame({"last_touch": [60.0, 40.0], "markov": [45.0, 55.0]},
                          index=pd.Index(["email", "tiktok"], name="channel"))
    d = mk.model_disagreement(shares)   # both rows spread 15 points: email first
    roas = pd.DataFrame({"last_touch": [10.0, 0.7], "markov": [8.0, 1.1]}, index=["email", "tiktok"])
    meaning, acts = mk_text.models_actions(shares, d, roas, break_even=4.0)
    assert meaning == ("Credit for email changes by 15 points of revenue share with the way sales are credited, so "
                       "its budget should not rest on the last contact alone.")
    assert acts[0] == ("Even under its least generous way of crediting (data-driven) email brings $8.00 of sales per "
                       "ad dollar, above the break-even of $4.00 of sales per ad dollar at the margin of the sales "
                       "credited to campaigns: keep funding it whichever way sales are credited.")
    d2 = dict(d, key="tiktok")
    assert "cutting it holds whichever way sales are credited" in mk_text.models_actions(shares, d2, roas, 4.0)[1][0]
    hold = mk_text.models_actions(shares, d2, roas, 0.9, "GBP")[1][0]  # 0.70 < 0.90 <= 1.10
    assert hold == ("tiktok pays back under data-driven (£1.10 of sales per ad dollar) but not under last touch "
                    "(£0.70; break-even £0.90 of sales per ad dollar at the margin of the sales credited to "
                    "campaigns): test it with a holdout before changing its budget.")
    assert "broadly agree" in mk_text.models_actions(shares, dict(d, spread_pts=2.0))[0]
    assert not any(JARGON.search(x) for x in [meaning, *acts, hold])


# ---------------------------------------------------------------- profit after marketing and the budget move


def test_profit_after_marketing_sentence_first_when_the_month_lost_money():
    m = {"gross_profit_after_marketing_period": 57580.0 - 60804.0, "gross_profit_period": 57580.0,
         "marketing_spend_period": 60804.0, "gross_margin_pct_period": 25.0, "roas_period": 1.69}
    # margin 25% -> a dollar of ads needs 1 / 0.25 = 4 dollars of sales
    assert mk_text.profit_after_marketing_sentence(m, "USD", "2026-10") == (
        "October 2026 lost money after ad spend: $57,580 of gross profit against $60,804 of spend, $3,224 short; "
        "at this month's gross margin of 25.0%, ads need to bring $4.00 of sales per dollar to break even (they "
        "brought $1.69, each sale credited to the last ad contact before it).")
    no_touch = dict(m, roas_period=None)
    assert mk_text.profit_after_marketing_sentence(no_touch, "EUR").startswith("This month lost money")
    assert mk_text.profit_after_marketing_sentence(no_touch, "EUR").endswith("€4.00 of sales per dollar to break even.")
    up = dict(m, gross_profit_after_marketing_period=900.0, gross_profit_period=5000.0, marketing_spend_period=4100.0)
    assert mk_text.profit_after_marketing_sentence(up, "USD", "2026-10") is None
    assert mk_text.profit_after_marketing_sentence(up, "USD", "2026-10", when_positive=True) == (
        "October 2026's gross profit of $5,000 covered its $4,100 of ad spend, leaving $900.")
    null = dict(m, gross_profit_after_marketing_period=None)
    assert mk_text.profit_after_marketing_sentence(null, "USD", when_positive=True) is None


def _advice(boot: pd.DataFrame, markov_best: str | None = "email") -> mk_text.BudgetAdvice:
    b = boot.assign(gp_roas_low=boot["gp_roas"] * 0.9, gp_roas_high=boot["gp_roas"] * 1.02,
                    roas_low=boot["roas"], roas_high=boot["roas"], p_pays_back=[1.0, 0.0])
    return mk_text.budget_advice(b, "channel", other_model_best=("Data-driven", markov_best)), b


def test_budget_recommendations_move_capped_budget_with_its_interval():
    boot, draws = two_channels()
    adv, b = _advice(boot)
    assert (adv.best, adv.cut) == ("email", ["tiktok"])
    recs = mk_text.budget_recommendations(b, adv, pd.Series({"email": 0.0, "tiktok": 2000.0}), "USD", 20.0,
                                          draws=draws, usual_spend=pd.Series({"email": 100.0, "tiktok": 400.0}))
    assert len(recs) == 1
    r = recs[0]
    # hand computed in tests/analytics/test_marketing.py: 200 moved (the cap), 424.26 - 9.18 = 415.08 a month
    gp = 30 * np.sqrt(200) - 4 * (np.sqrt(2000) - np.sqrt(1800))
    assert (r.section, r.source, r.confidence) == ("Marketing", "marketing", "medium")
    assert r.expected_value == pytest.approx(gp) and r.effect.capped_by == "budget" and worth_acting(r.effect)
    assert r.action == ("Move $200 a month of ad budget from tiktok to email (twice email's usual $100 a month, "
                        "not the full 20% of $400).")
    assert r.expected_effect.startswith(f"About ${gp:,.0f} more gross profit a month (80% range $")
    assert "about $424 of gross profit gained on email, about $9 lost on tiktok" in r.expected_effect
    assert "Assumption: gross profit grows with the square root of spend" in r.expected_effect
    assert "the rest of the 20% ($200) stays where it is" in r.evidence
    assert "last dollar on email at $200 a month returns $1.06" in r.evidence  # 3.0 x 0.5 x sqrt(100/200)
    assert r.evidence.startswith("email brought $3.00 of gross profit per ad dollar on average (90% range $2.70 to "
                                 "$3.06) at its usual $100 a month")  # 3.0 x 0.9, 3.0 x 1.02
    assert r.evidence.endswith("Confidence medium: the data-driven way of crediting sales ranks the same channel "
                               "first, but how fast returns fall with spend is assumed.")
    assert not JARGON.search(r.evidence) and not JARGON.search(r.action) and not JARGON.search(r.expected_effect)
    assert r.method.startswith(" ".join(adv.method))
    assert ("Response: monthly gross profit g(x) = a u^(1-e) x^e with e = 0.5, a = 3.00 (gross-profit ROAS of email) "
            "and u = $100 (its usual month); email's spend capped at 2x u.") in r.method
    assert mk_text.budget_method(adv, 400, recs)[-1] == r.method.removeprefix(" ".join(adv.method)).strip()
    assert mk_text.budget_method(adv, 400, recs)[-1].startswith("Response: monthly gross profit")
    other, b2 = _advice(boot, "tiktok")
    low = mk_text.budget_recommendations(b2, other, pd.Series({"email": 0.0, "tiktok": 2000.0}), "USD",
                                         draws=draws, usual_spend=pd.Series({"email": 100.0, "tiktok": 400.0}))
    assert low[0].confidence == "low" and "ranking changes with the way sales are credited" in low[0].evidence
    assert mk_text.budget_actions(adv, recs)[0] == f"{r.action} {r.expected_effect}"


def test_budget_recommendations_none_when_diminishing_returns_eat_the_gain():
    boot, draws = two_channels(email_gp=1.2, tiktok_gp=0.95)  # pays only at constant returns (analytics test)
    adv, b = _advice(boot)
    spend = pd.Series({"email": 100.0, "tiktok": 500.0})
    assert adv.best == "email"
    assert mk_text.budget_recommendations(b, adv, spend, "USD", draws=draws, usual_spend=spend) == []
    acts = mk_text.budget_actions(adv, [])
    assert acts[0].startswith("Keep the budget split: if gross profit grows with the square root of spend")
    # without gross profit (revenue ROAS only) there is no gross-profit effect to state
    rev_only = b.assign(gp_roas=np.nan, gp_roas_low=np.nan, gp_roas_high=np.nan)
    adv_rev = mk_text.budget_advice(rev_only, "channel")
    assert mk_text.budget_recommendations(rev_only, adv_rev, spend, "USD", draws=draws, usual_spend=spend) == []


def test_campaign_method_names_last_touch_and_roas():
    how = mk_text.campaign_method(30, ("click", "open"))
    assert how[0] == ("Last-touch attribution: each purchase occasion is credited in full to the buyer's last click, "
                      "open touch in the 30 days before it; a campaign's window is its run plus the 30-day lookback.")
    assert how[1].startswith("Sales per ad dollar = revenue ROAS (credited revenue / spend); gross profit per ad "
                             "dollar = gross-profit ROAS")
