"""The owner's sentences and actions about campaigns, channels, acquisition and attribution models (docs/metrics.md, Marketing)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.analytics import attribution
from lib.analytics import marketing as mk
from lib.analytics.effects import LEVEL
from lib.analytics.marketing import (
    MAX_GROWTH,
    RESPONSE_EXPONENT,
    AcquisitionTests,
    BudgetShift,
    MarketingData,
    best_under_model,
    break_even_roas_period,
    budget_shift,
    spend_by,
)
from lib.analytics.recommendations import Recommendation
from lib.data.periods import Period, period_from_label
from lib.narrative import fmt
from lib.narrative import recommendations as rc_text
from lib.narrative.advice import Advice
from lib.narrative.effects import effect_phrase

__all__ = ["ALPHA", "MODEL_LABELS", "MODEL_METHODS", "METRIC_LABELS", "MEASURE_WORDS", "BudgetAdvice", "roas_text",
           "per_dollar", "missing_inputs_sentence", "history_sentence", "headline_sentence", "campaign_sentences",
           "campaign_actions", "campaign_method", "channel_sentences", "channel_actions", "channel_method",
           "acquisition_sentences", "acquisition_actions", "acquisition_method", "models_sentences",
           "removal_effects_sentence", "models_actions", "models_method", "budget_advice", "channel_budget_advice",
           "budget_meaning", "budget_method", "metrics_table", "settings_sentence", "profit_after_marketing_sentence",
           "budget_recommendations", "budget_actions", "response_phrase", "budget_move_advice"]

#: a test's p below this is a clear difference (the tests of lib.analytics.marketing.acquisition_value)
ALPHA = 0.05
#: the owner's name of each attribution model of lib.analytics.attribution.MODELS (docs/metrics.md, Marketing)
MODEL_LABELS: dict[str, str] = {
    "first_touch": "First touch", "last_touch": "Last touch", "linear": "Linear",
    "time_decay": "Time decay", "position_based": "Position based (40/20/40)",
    "markov": "Data-driven",
}
#: the method behind each owner's name of :data:`MODEL_LABELS`, for the "How this was worked out" blocks
MODEL_METHODS: dict[str, str] = {
    "first_touch": "first-touch attribution", "last_touch": "last-touch attribution",
    "linear": "linear attribution", "time_decay": "time-decay attribution",
    "position_based": "position-based attribution", "markov": "Markov removal-effect attribution",
}
#: the owner's words for a budget measure (:attr:`BudgetAdvice.measure`)
MEASURE_WORDS: dict[str, str] = {"gross-profit ROAS": "gross profit per ad dollar",
                                 "revenue ROAS": "sales per ad dollar", "n/a": "return on ad spend"}


@dataclass
class BudgetAdvice:
    """Where the next dollar goes and where spend should be cut, with the evidence (docs/metrics.md, Marketing)."""

    measure: str            # "gross-profit ROAS" or "revenue ROAS"
    scale: list[str]        # pays back with confidence, best first
    cut: list[str]          # does not pay back with confidence
    unsure: list[str]       # interval straddles break-even
    best: str | None        # the first place for the next dollar
    sentences: list[str]
    actions: list[str]      # cut, test or keep; the budget move itself is budget_recommendations'
    models_agree: bool | None = None  # the other attribution model ranks ``best`` first too (None: not checked)
    method: list[str] = field(default_factory=list)  # the measure, the intervals and the cross-check, named


def roas_text(x: float | None) -> str:
    """A return on ad spend as ``4.25x`` (revenue per unit of spend), for method blocks; ``n/a`` when missing."""
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.2f}x"


def per_dollar(x: float | None, currency: str = "USD") -> str:
    """An amount per ad dollar as the owner reads it, ``$4.25`` (docs/metrics.md, Marketing); ``n/a`` when missing."""
    return fmt.money(None if x is None or (isinstance(x, float) and np.isnan(x)) else x, currency, 2)


def budget_advice(boot: pd.DataFrame, by: str = "channel", currency: str = "USD", model: str = "last touch",
                  other_model_best: tuple[str, str | None] | None = None, level: float = 0.90,
                  period_spend: pd.Series | None = None) -> BudgetAdvice:
    """Scale / cut / test from bootstrap ROAS intervals (break-even: gross-profit ROAS = 1; docs/metrics.md,
    Marketing).

    ``model`` names the attribution the intervals rest on and ``other_model_best`` = (the other model's owner
    name, best ``by`` value under it) says whether the recommendation survives a change of attribution model;
    both are named in ``method``, the sentences stay in plain words.
    ``period_spend`` (per ``by`` value) states the losing channels' spend this month. The move of budget itself
    is :func:`budget_recommendations` (with diminishing returns).
    """
    if boot.empty:
        msg = "No campaign with spend, so there is no return on spend to compare."
        return BudgetAdvice("n/a", [], [], [], None, [msg], ["Record campaign spend in campaigns.csv."])
    gp = boot["gp_roas"].notna().any()
    measure = "gross-profit ROAS" if gp else "revenue ROAS"
    words = MEASURE_WORDS[measure]
    lo, hi, val = ("gp_roas_low", "gp_roas_high", "gp_roas") if gp else ("roas_low", "roas_high", "roas")
    b = boot.sort_values([lo, val], ascending=False, kind="stable")
    scale = [str(x) for x in b.loc[b[lo] >= 1.0, by]]
    cut = [str(x) for x in b.loc[b[hi] < 1.0, by]]
    unsure = [str(x) for x in b.loc[(b[lo] < 1.0) & (b[hi] >= 1.0), by]]
    best = scale[0] if scale else None
    pct = f"{level * 100:.0f}%"
    d = lambda x: per_dollar(x, currency)  # noqa: E731
    s: list[str] = []
    acts: list[str] = []
    if best is not None:
        r = b[b[by] == best].iloc[0]
        s.append(f"The next dollar is best spent on {best}: each {fmt.money(1, currency)} brought "
                 f"{d(r[val])} of {'gross profit' if gp else 'sales'} ({pct} range {d(r[lo])} to {d(r[hi])}).")
    else:
        s.append(f"No {by} pays back its spend with confidence: no {by}'s {pct} range of {words} lies above "
                 f"{fmt.money(1, currency)}.")
    if cut:
        rows = b[b[by].isin(cut)]
        worst = rows.sort_values(val).iloc[0]
        s.append(f"{fmt.count(len(cut), by)} {'loses' if len(cut) == 1 else 'lose'} money even at the top of "
                 f"{'its' if len(cut) == 1 else 'their'} range: {', '.join(cut[:5])}{' ...' if len(cut) > 5 else ''}"
                 f"; the worst, {worst[by]}, brings {d(worst[val])} of {'gross profit' if gp else 'sales'} per ad "
                 f"dollar (range {d(worst[lo])} to {d(worst[hi])}).")
    if unsure:
        s.append(f"Too uncertain to call (the {pct} range spans break-even): {', '.join(unsure[:5])}"
                 f"{' ...' if len(unsure) > 5 else ''}.")
    how = [f"Verdicts rest on {measure} ({'gross profit' if gp else 'revenue'} credited to the {by} / its spend; "
           f"break-even 1) under {model} attribution.",
           f"Ranges: {pct} percentile bootstrap intervals over buyers (spend held fixed); pays back with confidence "
           f"= the low end at or above 1, does not pay back = the high end below 1, otherwise too uncertain to "
           f"call; chance it pays back = share of resamples whose {measure} is at least 1."]
    if other_model_best is not None:
        label, other = other_model_best
        way = f"The {label.lower()} way of crediting sales"
        named = {v: MODEL_METHODS[k] for k, v in MODEL_LABELS.items()}.get(label, label)
        if other is None:
            pass
        elif best is not None and other == best:
            s.append(f"{way} also ranks {best} first, so the advice does not hinge on how sales are credited.")
            how.append(f"Cross-check: {named} ranks {best} first too.")
        else:
            s.append(f"{way} ranks {other} first instead, so the ranking depends on how credit is shared; test "
                     f"before moving large sums.")
            how.append(f"Cross-check: {named} ranks {other} first"
                       f"{f', not {best}' if best is not None else ''}.")
    if cut:
        spent = None if period_spend is None else float(period_spend.reindex(cut).fillna(0).sum())
        this_month = f" ({fmt.money(spent, currency)} of spend this month)" if spent else ""
        acts.append(f"Cut or rework {', '.join(cut[:3])}{this_month}: they do not earn back their spend.")
    if unsure:
        acts.append(f"Run a holdout (pause {unsure[0]} for a random half of the audience for a month) to measure "
                    f"what it really adds before deciding.")
    if not acts and best is None:
        acts.append("Keep the current split and re-check next month.")
    agree = None
    if other_model_best is not None and other_model_best[1] is not None and best is not None:
        agree = other_model_best[1] == best
    return BudgetAdvice(measure, scale, cut, unsure, best, s, acts, agree, how)


def missing_inputs_sentence(tables: dict[str, pd.DataFrame]) -> str | None:
    """Which marketing files are missing, what still runs and what each file would enable; None when both exist."""
    miss = [t for t in ("campaigns", "touchpoints") if t not in tables]
    if not miss:
        return None
    what = {"campaigns": "campaigns.csv (campaign spend: sales per ad dollar, cost per new customer, budget advice)",
            "touchpoints": "touchpoints.csv (marketing contacts: attribution of sales to campaigns and channels)"}
    if len(miss) == 2:
        runs = "only acquisition channels from users.csv can be reported"
    elif miss == ["campaigns"]:
        runs = "channels and attribution models are reported, but no return on spend"
    else:
        runs = "only spend and acquisition channels from users.csv can be reported"
    return ("This data has no " + " and no ".join(what[t] for t in miss) + f"; {runs}. Add "
            + " and ".join(f"{t}.csv" for t in miss) + " to see the rest of this report.")


def history_sentence(md: MarketingData, touch_types: tuple[str, ...]) -> str:
    """What the marketing analyses cover: the history, the attribution rule and how many occasions follow a
    counted touch (docs/metrics.md, Attribution)."""
    return (f"History: everything up to {md.period.end:%d %b %Y}. A purchase occasion (one buyer, one day) is "
            f"credited to that buyer's {', '.join(touch_types)} touches in the {md.lookback_days} days before it; "
            f"{md.customers:,} customers, {len(md.occasions):,} occasions, of which "
            f"{md.paths['occasion'].nunique():,} follow at least one counted touch.")


def headline_sentence(metrics: dict, period_label: str, currency: str = "USD") -> str | None:
    """The period's spend, its sales per ad dollar and the best campaign and channel, from the metrics of
    docs/metrics.md, Marketing (sales credited to the last marketing contact before each sale)."""
    spend = metrics.get("marketing_spend_period")
    if spend is None:
        return None
    s = (f"{_month(period_label)}: {fmt.money(spend, currency)} of campaign spend (prorated by campaign days in the "
         f"month)")
    if metrics.get("roas_period") is not None:
        s += (f", bringing {per_dollar(metrics['roas_period'], currency)} of sales per ad dollar (each sale credited "
              f"to the last ad contact before it).")
    elif spend > 0:
        s += "; its return cannot be measured without touchpoints.csv." if metrics.get("best_channel_by_roas") \
            is None else "; no sale this month was credited to it."
    else:
        s += "."
    if metrics.get("best_campaign_by_roas"):
        s += (f" Best campaign by sales per ad dollar over the history: {metrics['best_campaign_by_roas']}; best "
              f"channel: {metrics['best_channel_by_roas']}.")
    return s


def campaign_sentences(perf: pd.DataFrame, currency: str = "USD") -> list[str]:
    """Insight sentences on campaign payback, built from campaign_performance (docs/metrics.md, Marketing)."""
    paid = perf[perf["spend"] > 0]
    if paid.empty:
        return ["No campaign has spend recorded up to the period end, so sales per ad dollar cannot be worked out."]
    d = lambda x: per_dollar(x, currency)  # noqa: E731
    tot_s, tot_r = paid["spend"].sum(), paid["revenue"].sum()
    s = [f"{len(paid)} campaigns spent {fmt.money(tot_s, currency)} up to the period end and were credited with "
         f"{fmt.money(tot_r, currency)} of sales: {d(tot_r / tot_s)} of sales per ad dollar overall."]
    best, worst = paid.iloc[0], paid.sort_values("roas", kind="stable").iloc[0]
    s.append(f"Best: {best['campaign']} ({best['channel']}) at {d(best['roas'])} of sales per ad dollar; worst: "
             f"{worst['campaign']} ({worst['channel']}) at {d(worst['roas'])}.")
    if paid["gp_roas"].notna().any():
        lose = paid[paid["gp_roas"] < 1]
        if len(lose):
            s.append(f"{len(lose)} of {len(paid)} campaigns did not earn their spend back in gross profit (less "
                     f"than {fmt.money(1, currency)} of gross profit per ad dollar), together "
                     f"{fmt.money(lose['spend'].sum(), currency)} of spend.")
        else:
            s.append(f"All {len(paid)} campaigns earned their spend back in gross profit.")
    cac = paid["cost_per_new_customer"].dropna()
    if len(cac):
        lo_row = paid.loc[cac.idxmin()]
        hi_row = paid.loc[cac.idxmax()]
        s.append(f"A new customer cost {fmt.money(lo_row['cost_per_new_customer'], currency)} through "
                 f"{lo_row['campaign']} and {fmt.money(hi_row['cost_per_new_customer'], currency)} through "
                 f"{hi_row['campaign']}.")
    return s


def campaign_method(lookback_days: int, touch_types: tuple[str, ...]) -> list[str]:
    """How the campaign and channel figures are credited, for the section's method block (docs/metrics.md,
    Marketing, Attribution)."""
    return [f"Last-touch attribution: each purchase occasion is credited in full to the buyer's last "
            f"{', '.join(touch_types)} touch in the {lookback_days} days before it; a campaign's window is its run "
            f"plus the {lookback_days}-day lookback.",
            "Sales per ad dollar = revenue ROAS (credited revenue / spend); gross profit per ad dollar = gross-profit "
            "ROAS (credited gross profit / spend), break-even 1; spend is prorated by campaign days up to the "
            "period end."]


def campaign_actions(perf: pd.DataFrame) -> tuple[str, list[str]]:
    """(meaning, actions) for the campaign section."""
    paid = perf[perf["spend"] > 0]
    if paid.empty:
        return ("Without spend the campaigns cannot be judged.", ["Record each campaign's spend in campaigns.csv."])
    col = "gp_roas" if paid["gp_roas"].notna().any() else "roas"
    good = paid[paid[col] >= 1]
    bad = paid[paid[col] < 1]
    meaning = (f"{len(good)} of {len(paid)} campaigns paid back their spend in "
               f"{'gross profit' if col == 'gp_roas' else 'revenue'}.")
    acts = []
    if len(good):
        acts.append(f"Repeat the format of {good.iloc[0]['campaign']} ({good.iloc[0]['channel']}), the best return.")
    if len(bad):
        acts.append(f"Stop or rework {', '.join(bad.sort_values(col)['campaign'].head(3))}: "
                    f"each returned less than it cost.")
    return meaning, acts or ["Keep the current campaigns and re-check next month."]


def channel_sentences(ch: pd.DataFrame, currency: str = "USD", boot: pd.DataFrame | None = None,
                      level: float = 0.90) -> list[str]:
    """Insight sentences on channels: sales per ad dollar (with the ``level`` ranges of ``boot``,
    lib.analytics.marketing.bootstrap_roas, when given), organic share, conversion (docs/metrics.md, Marketing)."""
    s = []
    pct = f"{level * 100:.0f}%"
    d = lambda x: per_dollar(x, currency)  # noqa: E731
    if "roas" in ch.columns and ch["roas"].notna().any():
        paid = ch[ch["roas"].notna()].sort_values("roas", ascending=False)
        top, low = paid.iloc[0], paid.iloc[-1]
        iv = {}
        if boot is not None and len(boot):
            b = boot.set_index(boot["channel"].astype(str))
            iv = {c: f", {pct} range {d(b.loc[c, 'roas_low'])} to {d(b.loc[c, 'roas_high'])}" for c in b.index}
        s.append(f"{top['channel']} brings the most sales per ad dollar ({d(top['roas'])} on "
                 f"{fmt.money(top['spend'], currency)} of spend{iv.get(str(top['channel']), '')}); "
                 f"{low['channel']} the least ({d(low['roas'])} on {fmt.money(low['spend'], currency)}"
                 f"{iv.get(str(low['channel']), '')}).")
        if len(paid) >= 2 and iv:
            b2 = boot.set_index(boot["channel"].astype(str))
            second = paid.iloc[1]
            if b2.loc[str(top["channel"]), "roas_low"] > b2.loc[str(second["channel"]), "roas_high"]:
                s.append(f"{top['channel']} has a clear lead over {second['channel']}: their {pct} ranges do not "
                         f"overlap.")
            else:
                s.append(f"No clear difference between {top['channel']} and {second['channel']}: their {pct} "
                         f"ranges overlap, so the lead may be chance.")
        big = paid.sort_values("spend", ascending=False).iloc[0]
        share = 100 * big["spend"] / paid["spend"].sum()
        if big["channel"] != top["channel"]:
            s.append(f"The largest budget, {fmt.pct(share, 0)} of spend, goes to {big['channel']}, not to the "
                     f"best-returning channel.")
        org = ch["revenue"].sum() - ch.get("paid_revenue", pd.Series(dtype=float)).sum()
        if ch["revenue"].sum() > 0 and org > 0:
            s.append(f"{fmt.pct(100 * org / ch['revenue'].sum(), 0)} of touch-attributed revenue comes from "
                     f"touches outside paid campaigns (organic posts, visits).")
    cr = ch[ch["reached_users"] >= 20]
    if len(cr) >= 2:
        hi = cr.sort_values("conversion_rate_pct", ascending=False).iloc[0]
        lo = cr.sort_values("conversion_rate_pct").iloc[0]
        s.append(f"Of the users reached on {hi['channel']}, {fmt.pct(hi['conversion_rate_pct'])} later bought "
                 f"after a counted touch there, against {fmt.pct(lo['conversion_rate_pct'])} on {lo['channel']}.")
    return s or ["No channel has enough touches to compare."]


def channel_method(n_boot: int | None, level: float = 0.90) -> list[str]:
    """How the channels' ranges and the clear lead are worked out, for the section's method block; without
    ``n_boot`` (no ranges computed) only what the revenue counts (docs/metrics.md, Budget advice)."""
    ranges = [] if n_boot is None else [
        f"Ranges: {level * 100:.0f}% percentile bootstrap intervals of revenue ROAS, {n_boot} resamples of buyers "
        f"with replacement, spend held fixed; a lead is clear when the two intervals do not overlap."]
    return [*ranges, "Revenue counts every counted touch (paid or not); ROAS counts the touches of paid campaigns "
                     "only (last-touch attribution)."]


def channel_actions(ch: pd.DataFrame) -> tuple[str, list[str]]:
    """(meaning, actions) for the channel section."""
    if "roas" not in ch.columns or not ch["roas"].notna().any():
        return ("Without spend per channel the channels can only be compared on reach and conversion.",
                ["Add campaigns.csv with spend per campaign and channel."])
    paid = ch[ch["roas"].notna()].sort_values("roas", ascending=False)
    col = "gp_roas" if paid["gp_roas"].notna().any() else "roas"
    losing = paid[paid[col] < 1]["channel"].tolist()
    meaning = (f"{paid.iloc[0]['channel']} is the channel that pays back best"
               + (f"; {', '.join(losing)} {'does' if len(losing) == 1 else 'do'} not earn back "
                  f"{'its' if len(losing) == 1 else 'their'} spend." if losing else "."))
    acts = [f"Give {paid.iloc[0]['channel']} the first claim on any extra budget (see section 4 for the "
            f"uncertainty)."]
    if losing:
        acts.append(f"Review {', '.join(losing)}: cut spend or change the offer until it pays back.")
    return meaning, acts


def acquisition_sentences(tab: pd.DataFrame, tests: AcquisitionTests, currency: str = "USD") -> list[str]:
    """Which acquisition channel brings valuable customers, with the test behind the claim."""
    known = tab[(tab["acquisition_channel"] != "unknown") & (tab["mature_customers"] >= 5)]
    if known.empty:
        return [f"Too few customers with {tests.horizon_days} days of history per acquisition channel "
                f"({tests.n_mature} in all) to compare their value."]
    top, low = known.iloc[0], known.iloc[-1]
    s = [f"Customers who came through {top['acquisition_channel']} spent "
         f"{fmt.money(top['revenue_12m_per_customer'], currency)} each in their first 12 months against "
         f"{fmt.money(low['revenue_12m_per_customer'], currency)} for {low['acquisition_channel']} "
         f"({tests.n_mature:,} customers with a full 12 months)."]
    if tests.kruskal_p is not None:
        if tests.kruskal_p < ALPHA:
            s.append("The difference in 12-month revenue between the channels is a clear difference, not chance.")
        else:
            s.append("But the difference in 12-month revenue may be chance, so there is no clear difference: the data "
                     "does not show that one channel brings more valuable customers.")
    r_hi = known.sort_values("repeat_rate_12m_pct", ascending=False).iloc[0]
    r_lo = known.sort_values("repeat_rate_12m_pct").iloc[0]
    rp = ("too few customers to test" if tests.chi2_p is None
          else "a clear difference" if tests.chi2_p < ALPHA else "no clear difference")
    s.append(f"Repeat rate within 12 months: {fmt.pct(r_hi['repeat_rate_12m_pct'])} for "
             f"{r_hi['acquisition_channel']} against {fmt.pct(r_lo['repeat_rate_12m_pct'])} for "
             f"{r_lo['acquisition_channel']} ({rp}).")
    return s


def acquisition_method(tests: AcquisitionTests) -> list[str]:
    """The tests behind the acquisition sentences, for the section's method block (docs/metrics.md, Marketing)."""
    n = f"{tests.n_mature:,} customers with {tests.horizon_days} days of history"
    return [f"12-month revenue per customer across acquisition channels: Kruskal-Wallis test, "
            f"{fmt.p_value(tests.kruskal_p, missing='not computable')} ({n}).",
            f"12-month repeat rate across channels: chi-square test, {fmt.p_value(tests.chi2_p, '.3g', 'not computable')}.",
            f"A difference counts as clear when p < {ALPHA:g}; channels with fewer than 5 such customers are left out."]


def acquisition_actions(tab: pd.DataFrame, tests: AcquisitionTests) -> tuple[str, list[str]]:
    """(meaning, actions) for acquisition channels."""
    known = tab[(tab["acquisition_channel"] != "unknown") & (tab["mature_customers"] >= 5)]
    unknown = tab[tab["acquisition_channel"] == "unknown"]
    acts = []
    if len(unknown) and unknown["users"].iloc[0] > 0 and tab["users"].sum() > 0:
        share = 100 * unknown["users"].iloc[0] / tab["users"].sum()
        if share >= 10:
            acts.append(f"Record where each new user came from: {fmt.pct(share, 0)} of users have no "
                        f"acquisition channel.")
    if known.empty:
        return "Acquisition channels cannot be compared yet.", acts or ["Re-check when customers have 12 months."]
    sig = tests.kruskal_p is not None and tests.kruskal_p < ALPHA
    top = known.iloc[0]["acquisition_channel"]
    if sig:
        meaning = f"Customers won through {top} are worth the most over their first year."
        acts.insert(0, f"Weigh first-year value, not only first orders: a customer from {top} justifies a higher "
                       f"cost to acquire.")
    else:
        meaning = "First-year value does not differ clearly between acquisition channels."
        acts.insert(0, "Judge channels on the cost of a new customer rather than on an assumed difference in "
                       "customer quality.")
    return meaning, acts


def models_sentences(shares: pd.DataFrame, dis: dict | None, roas_models: pd.DataFrame | None = None) -> list[str]:
    """Where the ways of crediting sales (attribution models) disagree and why it matters for the budget
    (docs/metrics.md, Attribution models)."""
    if dis is None:
        return ["Too few credited sales to compare the ways of crediting them."]
    s = [f"The ways of crediting sales disagree most on {dis['key']}: {_way(dis['high_model'])} gives it "
         f"{fmt.pct(dis['high_pct'])} of the sales credited to marketing, {_way(dis['low_model'])} "
         f"{fmt.pct(dis['low_pct'])} ({dis['spread_pts']:.1f} points apart)."]
    if "first_touch" in shares.columns and "last_touch" in shares.columns:
        diff = shares["first_touch"] - shares["last_touch"]
        opener, closer = diff.idxmax(), diff.idxmin()
        if diff.max() > 1 and diff.min() < -1:
            s.append(f"{opener} tends to open journeys (first touch {fmt.pct(shares.loc[opener, 'first_touch'])} "
                     f"vs last touch {fmt.pct(shares.loc[opener, 'last_touch'])}) while {closer} closes them "
                     f"({fmt.pct(shares.loc[closer, 'last_touch'])} vs {fmt.pct(shares.loc[closer, 'first_touch'])}"
                     f"): a budget set on the last contact alone would starve {opener}.")
    if "markov" in shares.columns:
        mk = shares["markov"].sort_values(ascending=False)
        s.append(f"The data-driven way, which asks how many sales would be lost without each channel, credits "
                 f"{mk.index[0]} most ({fmt.pct(mk.iloc[0])}).")
    if roas_models is not None and not roas_models.empty and roas_models.shape[1] > 1:
        bests = roas_models.idxmax(axis=0)
        if bests.nunique() == 1:
            s.append(f"Every way of crediting sales puts {bests.iloc[0]} first for sales per ad dollar, so that "
                     f"conclusion holds.")
        else:
            parts = ", ".join(f"{_way(m)}: {v}" for m, v in bests.items())
            s.append(f"Which channel brings the most sales per ad dollar depends on how sales are credited "
                     f"({parts}).")
    return s


def _way(model: str) -> str:
    """A model's owner name inside a sentence: ``data-driven``, ``position based (40/20/40)``."""
    return MODEL_LABELS[model].lower()


def removal_effects_sentence(effects: pd.DataFrame, by: str = "channel") -> str:
    """The Markov removal effect of every ``by`` value (share of conversions lost without it; docs/metrics.md,
    Marketing), from lib.analytics.marketing.model_credit; for the method block."""
    return ("Markov removal effects (share of conversions lost without the channel): "
            + ", ".join(f"{k} {v * 100:.0f}%" for k, v in zip(effects[by], effects["removal_effect"], strict=False))
            + ".")


def models_actions(shares: pd.DataFrame, dis: dict | None, roas_models: pd.DataFrame | None = None,
                   break_even: float | None = None, currency: str = "USD") -> tuple[str, list[str]]:
    """(meaning, actions) for the model comparison; with ``roas_models`` and ``break_even`` (revenue ROAS at
    which gross profit covers spend) it says whether the most disputed channel's verdict depends on the model
    (docs/metrics.md, Profit after marketing)."""
    if dis is None:
        return "The ways of crediting sales cannot be compared yet.", ["Collect touchpoints for more purchases."]
    if dis["spread_pts"] < 5:
        return ("The ways of crediting sales broadly agree, so the choice does not change the budget picture.",
                ["Judge the budget on sales per ad dollar credited to the last ad contact (the headline figure)."])
    key = dis["key"]
    meaning = (f"Credit for {key} changes by {dis['spread_pts']:.0f} points of revenue share with the way sales "
               f"are credited, so its budget should not rest on the last contact alone.")
    acts = []
    d = lambda x: per_dollar(x, currency)  # noqa: E731
    if roas_models is not None and break_even is not None and key in roas_models.index:
        r = roas_models.loc[key].dropna()
        if len(r):
            hi_m, lo_m = r.idxmax(), r.idxmin()
            be = f"{d(break_even)} of sales per ad dollar at the margin of the sales credited to campaigns"
            if r.max() < break_even:
                acts.append(f"Even under its most generous way of crediting ({_way(hi_m)}) {key} brings "
                            f"{d(r.max())} of sales per ad dollar against a break-even of {be}: the case for "
                            f"cutting it holds whichever way sales are credited.")
            elif r.min() >= break_even:
                acts.append(f"Even under its least generous way of crediting ({_way(lo_m)}) {key} brings "
                            f"{d(r.min())} of sales per ad dollar, above the break-even of {be}: keep funding it "
                            f"whichever way sales are credited.")
            else:
                acts.append(f"{key} pays back under {_way(hi_m)} ({d(r.max())} of sales per ad dollar) but not "
                            f"under {_way(lo_m)} ({d(r.min())}; break-even {be}): test it with a holdout before "
                            f"changing its budget.")
    if not acts:
        acts.append(f"Before cutting {key}, check its data-driven and position-based credit: it may be opening "
                    f"journeys that other channels close.")
    acts.append("Keep judging the budget on the last ad contact before each sale, and check the data-driven "
                "credit before cutting a channel.")
    return meaning, acts


def models_method(half_life_days: float, lookback_days: int, break_even: float | None = None) -> list[str]:
    """The attribution models behind the owner's names of :data:`MODEL_LABELS`, for the section's method block
    (docs/metrics.md, Attribution models)."""
    out = ["Attribution models: first touch and last touch give all credit to one touch; linear shares it evenly; "
           f"time decay weights a touch by 2^(-age in days / {half_life_days:g}); position based gives 40% to the "
           "first and the last touch and 20% to the middle ones.",
           "Data-driven = Markov removal effect (Anderl et al. 2016): a first-order Markov chain over channels (or "
           f"campaigns) with non-converting journeys split by gaps of more than {lookback_days} days; a channel's "
           "removal effect is the share of conversions lost when it is removed, and credit is split by "
           "removal-effect share."]
    if break_even is not None:
        out.append(f"Break-even ROAS of the model comparison: {roas_text(break_even)}, the revenue ROAS at which "
                   f"the gross profit of the sales credited to campaigns covers their spend.")
    return out


def channel_budget_advice(boot: pd.DataFrame, roas_models: pd.DataFrame | None, campaigns: pd.DataFrame,
                          period: Period, currency: str = "USD") -> BudgetAdvice:
    """The budget advice per channel on last-touch gross-profit ROAS, checked against the data-driven (Markov)
    model's best channel and sized by the month's spend (docs/metrics.md, Marketing)."""
    return budget_advice(boot, "channel", currency, model="last touch",
                         other_model_best=(MODEL_LABELS["markov"], best_under_model(roas_models, "markov")),
                         period_spend=spend_by(campaigns, period, "channel"))


def budget_meaning(adv: BudgetAdvice) -> str:
    """What the budget advice rests on: the measure, and how many channels pay back, do not, or cannot be called."""
    n_cut, n_unsure = len(adv.cut), len(adv.unsure)
    return (f"Measured on {MEASURE_WORDS[adv.measure]}, each sale credited to the last ad contact before it: "
            f"{fmt.count(len(adv.scale), 'channel')} {'pays' if len(adv.scale) == 1 else 'pay'} back with "
            f"confidence, {n_cut} {'does' if n_cut == 1 else 'do'} not, {n_unsure} cannot be called yet.")


def budget_method(adv: BudgetAdvice, n_boot: int, recs: list[Recommendation] | tuple = ()) -> list[str]:
    """The measure, the intervals and the cross-check behind :func:`budget_advice`, then what the budget move of
    ``recs`` (:func:`budget_recommendations`) adds, for the section's method block (docs/metrics.md, Budget
    advice)."""
    shared = " ".join(adv.method)
    return [*adv.method, f"Resamples: {n_boot} draws of the buyers with replacement, the same for every channel.",
            *[r.method.removeprefix(shared).strip() for r in recs]]


#: the report's metrics as the owner reads them (docs/metrics.md, Marketing)
METRIC_LABELS = {"marketing_spend_period": "Marketing spend", "roas_period": "Sales per ad dollar",
                 "best_campaign_by_roas": "Best campaign by sales per ad dollar",
                 "best_channel_by_roas": "Best channel by sales per ad dollar",
                 "gross_profit_after_marketing_period": "Gross profit after marketing"}


def metrics_table(metrics: dict, currency: str = "USD") -> pd.DataFrame:
    """The report's metrics (docs/metrics.md, Marketing) as ``metric, value`` rows formatted for the owner, each
    metric by its label (:data:`METRIC_LABELS`), never its name."""
    return pd.DataFrame({"metric": [METRIC_LABELS.get(k, fmt.sheet_title(k)) for k in metrics], "value": [
        fmt.money(v, currency) if k in ("marketing_spend_period", "gross_profit_after_marketing_period")
        else per_dollar(v, currency) if k == "roas_period"
        else ("n/a" if v is None else str(v)) for k, v in metrics.items()]})


def settings_sentence(lookback_days: int, touch_types: tuple[str, ...], half_life_days: float, n_boot: int) -> str:
    """The attribution and bootstrap settings the report ran with, for the method block (docs/metrics.md,
    Marketing)."""
    return (f"Settings: lookback {lookback_days} days; counted touch types {', '.join(touch_types)}; time-decay "
            f"half-life {half_life_days:g} days; position based 40/20/40; Markov: first-order chain over channels "
            f"(or campaigns), removal effect (Anderl et al. 2016); bootstrap {n_boot} resamples of buyers.")


def _month(period: str | None) -> str:
    """``October 2026`` for a ``YYYY-MM`` period label; ``This month`` without one."""
    return "This month" if not period else f"{period_from_label(period).start:%B %Y}"


def profit_after_marketing_sentence(metrics: dict, currency: str, period: str | None = None,
                                    when_positive: bool = False) -> str | None:
    """The month's gross profit against its ad spend, with the break-even ROAS (docs/metrics.md, Marketing).

    Reads ``gross_profit_after_marketing_period``, ``gross_profit_period``, ``marketing_spend_period``,
    ``gross_margin_pct_period`` (break-even = 100 / margin, lib.analytics.marketing.break_even_roas_period) and
    ``roas_period`` from ``metrics`` (metrics.json's names); ``period`` is its ``YYYY-MM`` label. Returns the
    sentence the front page puts first when the month lost money after ad spend, else None (with
    ``when_positive``, the sentence that the gross profit covered the spend; None when the metric is null).
    """
    after = metrics.get("gross_profit_after_marketing_period")
    gp, spend = metrics.get("gross_profit_period"), metrics.get("marketing_spend_period")
    if after is None or gp is None or spend is None or (after >= 0 and not when_positive):
        return None
    month = _month(period)
    if after >= 0:
        return (f"{month}'s gross profit of {fmt.money(gp, currency)} covered its {fmt.money(spend, currency)} of "
                f"ad spend, leaving {fmt.money(after, currency)}.")
    text = (f"{month} lost money after ad spend: {fmt.money(gp, currency)} of gross profit against "
            f"{fmt.money(spend, currency)} of spend, {fmt.money(-after, currency)} short")
    be = break_even_roas_period(metrics.get("gross_margin_pct_period"))
    if be is not None:
        text += (f"; at this month's gross margin of {fmt.pct(metrics['gross_margin_pct_period'])}, ads need to bring "
                 f"{fmt.money(be, currency, 2)} of sales per dollar to break even")
        roas = metrics.get("roas_period")
        if roas is not None:
            text += f" (they brought {fmt.money(roas, currency, 2)}, each sale credited to the last ad contact before it)"
    return text + "."


def response_phrase(exponent: float) -> str:
    """The assumed response of gross profit to spend in plain words (docs/metrics.md, Budget advice)."""
    shape = "the square root of spend" if exponent == 0.5 else f"spend to the power {exponent:g}"
    part = "half" if exponent == 0.5 else f"{exponent:.0%} of"
    return (f"gross profit grows with {shape}, so each extra dollar returns less (at a channel's usual spend the "
            f"last dollar returns {part} the average)")


def _and(names: tuple[str, ...] | list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _times(x: float) -> str:
    return "twice" if x == 2 else f"{x:g} times"


def _shift_recommendation(e: BudgetShift, boot: pd.DataFrame, advice: BudgetAdvice, currency: str,
                          shift_pct: float) -> Recommendation:
    m = lambda x, d=0: fmt.money(x, currency, d)  # noqa: E731
    row = boot.set_index(boot["channel"].astype(str)).loc[e.best]
    new_spend = e.best_spend + e.amount
    assumed = "how fast returns fall with spend is assumed"
    if advice.models_agree:
        conf, why = "medium", f"the data-driven way of crediting sales ranks the same channel first, but {assumed}."
    elif advice.models_agree is False:
        conf, why = "low", f"{assumed}, and the ranking changes with the way sales are credited."
    else:
        conf, why = "low", f"{assumed}, and no second way of crediting sales was checked."
    evidence = (f"{e.best} brought {m(e.best_return, 2)} of gross profit per ad dollar on average (90% range "
                f"{m(row['gp_roas_low'], 2)} to {m(row['gp_roas_high'], 2)}) at its usual {m(e.best_usual)} a month")
    if e.cut:
        evidence += (f"; {_and(e.cut)} brought {m(e.cut_return, 2)} per ad dollar, and even the top of their "
                     f"range is below break-even")
    evidence += (f". With returns falling as spend grows, the last dollar on {e.best} at {m(new_spend)} a month "
                 f"returns {m(e.best_marginal_after, 2)}")
    evidence += (f"; the move is capped where {e.best}'s spend reaches {_times(e.max_growth)} its usual month, so "
                 f"the rest of the {shift_pct:g}% ({m(e.wanted - e.amount)}) stays where it is." if e.capped else ".")
    evidence += f" Confidence {conf}: {why}"
    how = " ".join([*advice.method,
                    f"Response: monthly gross profit g(x) = a u^(1-e) x^e with e = {e.exponent:g}, a = "
                    f"{e.best_return:.2f} (gross-profit ROAS of {e.best}) and u = {m(e.best_usual)} (its usual month); "
                    f"{e.best}'s spend capped at {e.max_growth:g}x u.",
                    f"Expected effect: gross profit gained minus gross profit lost a month, its {LEVEL:.0%} range "
                    f"from the same formula over the bootstrap resamples."])
    effect = effect_phrase(e.effect, currency)
    if e.cut:
        action = f"Move {m(e.amount)} a month of ad budget from {_and(e.cut)} to {e.best}"
        action += (f" ({_times(e.max_growth)} {e.best}'s usual {m(e.best_usual)} a month, not the full "
                   f"{shift_pct:g}% of {m(e.wanted)})." if e.capped else ".")
        effect += (f" Total spend stays the same: about {m(e.best_gross_profit_gained)} of gross profit gained on "
                   f"{e.best}, about {m(e.cut_gross_profit_lost)} lost on {_and(e.cut)}")
    else:
        action = f"Raise the {e.best} budget by {m(e.amount)} a month."
        effect += f" After paying for the extra {m(e.amount)} of spend"
    effect += f". Assumption: {response_phrase(e.exponent)}."
    return Recommendation("Marketing", action, effect, evidence, conf, "marketing", effect=e.effect, method=how)


def budget_recommendations(boot: pd.DataFrame, advice: BudgetAdvice, spend_by_channel: pd.Series, currency: str,
                           budget_shift_pct: float = 20.0, *, draws: pd.DataFrame | None,
                           usual_spend: pd.Series, max_growth: float = MAX_GROWTH,
                           exponent: float = RESPONSE_EXPONENT) -> list[Recommendation]:
    """The budget move of ``advice`` under diminishing returns, as a recommendation (docs/metrics.md, Budget
    advice; section Marketing, source marketing).

    ``boot`` and ``draws``: lib.analytics.marketing.bootstrap_roas and roas_draws by channel (same resamples);
    ``advice``: :func:`channel_budget_advice` of ``boot``; ``spend_by_channel``: spend this month
    (lib.analytics.marketing.spend_by); ``usual_spend``: lib.analytics.marketing.usual_monthly_spend. Moves
    ``budget_shift_pct`` % of the losing channels' spend this month to the best channel (or raises it by that
    share without losing channels), capped at ``max_growth`` x its usual month (lib.analytics.marketing.budget_shift).
    Empty when there is no best channel, no gross profit, or the move does not pay under diminishing returns.
    """
    if boot.empty or advice.best is None or advice.measure != "gross-profit ROAS" or draws is None:
        return []
    e = budget_shift(boot, draws, advice.best, advice.cut, spend_by_channel, usual_spend, budget_shift_pct,
                     max_growth, exponent)
    return [] if e is None else [_shift_recommendation(e, boot, advice, currency, budget_shift_pct)]


def budget_actions(advice: BudgetAdvice, recs: list[Recommendation], exponent: float = RESPONSE_EXPONENT) -> list[str]:
    """What to do with the budget on the Marketing page: the move of :func:`budget_recommendations` with its
    effect, or why no move is advised, then the advice's cut and test actions (docs/metrics.md, Budget advice)."""
    out = [f"{r.action} {r.expected_effect}" for r in recs]
    if not recs and advice.best is not None:
        out.append(f"Keep the budget split: if {response_phrase(exponent)}, moving budget to {advice.best} does "
                   f"not pay. Re-check next month.")
    return out + advice.actions


def budget_move_advice(tables: dict[str, pd.DataFrame], period: Period, currency: str = "USD", *,
                       lines: pd.DataFrame | None = None, touchpoints: pd.DataFrame | None = None,
                       md: MarketingData | None = None, lookback_days: int = 30, half_life_days: float = 7.0,
                       count_impressions: bool = False, n_boot: int = 400, budget_shift_pct: float = 20.0,
                       camp_perf: pd.DataFrame | None = None, boot: pd.DataFrame | None = None,
                       roas_models: pd.DataFrame | None = None,
                       budget: tuple[BudgetAdvice, list[Recommendation]] | None = None) -> Advice:
    """The recommendations page's budget move (``budget``), computed once by the marketing page: the channels'
    bootstrapped ROAS, :func:`channel_budget_advice` and :func:`budget_recommendations` (docs/metrics.md, Budget
    advice).

    ``md``: lib.analytics.marketing.prepare of the sale ``lines`` and ``touchpoints`` (``lookback_days``,
    ``half_life_days``, ``count_impressions``), prepared here from ``lines`` when not given. What the caller already
    has from the same settings is not computed again: ``camp_perf`` (campaign_performance), ``boot``
    (bootstrap_roas by channel, ``n_boot`` resamples), ``roas_models`` (roas_by_model of the campaign credit) and
    ``budget`` (the advice and its recommendations). Tables: ``channels`` (``boot``, when some campaign has spend),
    the method lines and the settings (``n_boot``, ``budget_shift_pct``; lib.narrative.recommendations.section_advice).
    """
    settings = {"n_boot": n_boot, "budget_shift_pct": budget_shift_pct}
    if md is None and lines is not None:
        md = mk.prepare(tables, lines, period, lookback_days=lookback_days, half_life_days=half_life_days,
                        touch_types=attribution.counted_touch_types(count_impressions), touchpoints=touchpoints)
    if md is None or md.campaigns is None:
        why = missing_inputs_sentence(tables) or "needs campaigns and touchpoints"
        return rc_text.section_advice("budget", [], {}, [], [("Budget shifts", why)], [], settings)
    camp_perf = mk.campaign_performance(md) if camp_perf is None else camp_perf
    if not (camp_perf["spend"] > 0).any():
        return rc_text.section_advice("budget", [], {}, [], [("Budget shifts", "no campaign has spend")], [], settings)
    boot = mk.bootstrap_roas(md, camp_perf, "channel", n_boot=n_boot) if boot is None else boot
    if budget is None:
        if roas_models is None:
            roas_models = mk.roas_by_model(mk.model_credit(md, "campaign")[0], camp_perf, "channel")
        campaigns = tables["campaigns"]
        adv = channel_budget_advice(boot, roas_models, campaigns, period, currency)
        recs = budget_recommendations(  # the budget move, with diminishing returns
            boot, adv, spend_by(campaigns, period, "channel"), currency, budget_shift_pct,
            draws=mk.roas_draws(md, camp_perf, "channel", n_boot=n_boot),
            usual_spend=mk.usual_monthly_spend(campaigns, period, "channel"))
    else:
        adv, recs = budget
    return rc_text.section_advice("budget", recs, {"channels": boot}, rc_text.marketing_evidence(recs, None, boot),
                                  [], rc_text.marketing_method(recs, budget_method(adv, n_boot)), settings)
