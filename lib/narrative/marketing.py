"""The owner's sentences and actions about campaigns, channels, acquisition and attribution models (docs/metrics.md, Marketing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
from lib.narrative.effects import effect_phrase

__all__ = ["MODEL_LABELS", "METRIC_LABELS", "BudgetAdvice", "roas_text", "missing_inputs_sentence", "history_sentence",
           "headline_sentence", "campaign_sentences", "campaign_actions", "channel_sentences", "channel_actions",
           "acquisition_sentences", "acquisition_actions", "models_sentences", "removal_effects_sentence",
           "models_actions", "budget_advice", "channel_budget_advice", "budget_meaning", "metrics_table",
           "settings_sentence", "profit_after_marketing_sentence", "budget_recommendations", "budget_actions",
           "response_phrase"]

#: the owner's name of each attribution model of lib.analytics.attribution.MODELS (docs/metrics.md, Marketing)
MODEL_LABELS: dict[str, str] = {
    "first_touch": "First touch", "last_touch": "Last touch", "linear": "Linear",
    "time_decay": "Time decay", "position_based": "Position based (40/20/40)",
    "markov": "Markov (removal effect)",
}


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


def roas_text(x: float | None) -> str:
    """A return on ad spend as ``4.25x`` (revenue per unit of spend); ``n/a`` when missing."""
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.2f}x"


def budget_advice(boot: pd.DataFrame, by: str = "channel", currency: str = "USD", model: str = "last touch",
                  other_model_best: tuple[str, str | None] | None = None, level: float = 0.90,
                  period_spend: pd.Series | None = None) -> BudgetAdvice:
    """Scale / cut / test from bootstrap ROAS intervals (break-even: gross-profit ROAS = 1; docs/metrics.md,
    Marketing).

    ``other_model_best`` = (model label, best ``by`` value under that model) to
    say whether the recommendation survives a change of attribution model.
    ``period_spend`` (per ``by`` value) states the losing channels' spend this month. The move of budget itself
    is :func:`budget_recommendations` (with diminishing returns).
    """
    if boot.empty:
        msg = "No campaign with spend, so there is no return on spend to compare."
        return BudgetAdvice("n/a", [], [], [], None, [msg], ["Record campaign spend in campaigns.csv."])
    gp = boot["gp_roas"].notna().any()
    measure = "gross-profit ROAS" if gp else "revenue ROAS"
    lo, hi, val = ("gp_roas_low", "gp_roas_high", "gp_roas") if gp else ("roas_low", "roas_high", "roas")
    b = boot.sort_values([lo, val], ascending=False, kind="stable")
    scale = [str(x) for x in b.loc[b[lo] >= 1.0, by]]
    cut = [str(x) for x in b.loc[b[hi] < 1.0, by]]
    unsure = [str(x) for x in b.loc[(b[lo] < 1.0) & (b[hi] >= 1.0), by]]
    best = scale[0] if scale else None
    pct = f"{level * 100:.0f}%"
    s: list[str] = []
    acts: list[str] = []
    if best is not None:
        r = b[b[by] == best].iloc[0]
        s.append(f"The next dollar is best spent on {best}: each {fmt.money(1, currency)} returned "
                 f"{r[val]:.2f} in {'gross profit' if gp else 'revenue'} ({pct} bootstrap interval over buyers "
                 f"{r[lo]:.2f} to {r[hi]:.2f}), under {model} attribution.")
    else:
        s.append(f"No {by} pays back its spend with confidence: no {pct} bootstrap interval of {measure} lies "
                 f"above 1 under {model} attribution.")
    if cut:
        rows = b[b[by].isin(cut)]
        worst = rows.sort_values(val).iloc[0]
        s.append(f"{len(cut)} {by}{'s' if len(cut) != 1 else ''} lose money on {measure} even at the top of "
                 f"the interval: {', '.join(cut[:5])}{' ...' if len(cut) > 5 else ''}; the worst, {worst[by]}, "
                 f"returns {worst[val]:.2f} per dollar (interval {worst[lo]:.2f} to {worst[hi]:.2f}).")
    if unsure:
        s.append(f"Too uncertain to call ({pct} interval spans break-even): {', '.join(unsure[:5])}"
                 f"{' ...' if len(unsure) > 5 else ''}.")
    if other_model_best is not None:
        label, other = other_model_best
        if other is None:
            pass
        elif best is not None and other == best:
            s.append(f"The {label} model also ranks {best} first, so the advice does not hinge on the "
                     f"attribution model.")
        else:
            s.append(f"The {label} model ranks {other} first instead, so the ranking depends on how credit "
                     f"is shared; test before moving large sums.")
    if cut:
        spent = None if period_spend is None else float(period_spend.reindex(cut).fillna(0).sum())
        this_month = f" ({fmt.money(spent, currency)} of spend this month)" if spent else ""
        acts.append(f"Cut or rework {', '.join(cut[:3])}{this_month}: they do not earn back their spend.")
    if unsure:
        acts.append(f"Run a holdout (pause {unsure[0]} for a random half of the audience for a month) to measure "
                    f"its true lift before deciding.")
    if not acts and best is None:
        acts.append("Keep the current split and re-check next month.")
    agree = None
    if other_model_best is not None and other_model_best[1] is not None and best is not None:
        agree = other_model_best[1] == best
    return BudgetAdvice(measure, scale, cut, unsure, best, s, acts, agree)


def missing_inputs_sentence(tables: dict[str, pd.DataFrame]) -> str | None:
    """Which marketing files are missing, what still runs and what each file would enable; None when both exist."""
    miss = [t for t in ("campaigns", "touchpoints") if t not in tables]
    if not miss:
        return None
    what = {"campaigns": "campaigns.csv (campaign spend: ROAS, cost per new customer, budget advice)",
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
    """The period's spend, ROAS and the best campaign and channel, from the metrics of docs/metrics.md,
    Marketing."""
    spend = metrics.get("marketing_spend_period")
    if spend is None:
        return None
    s = f"{period_label}: {fmt.money(spend, currency)} of campaign spend (prorated by campaign days in the month)"
    if metrics.get("roas_period") is not None:
        s += f", returning {roas_text(metrics['roas_period'])} in last-touch revenue."
    elif spend > 0:
        s += "; its return cannot be measured without touchpoints.csv." if metrics.get("best_channel_by_roas") \
            is None else "; no sale this month was credited to it."
    else:
        s += "."
    if metrics.get("best_campaign_by_roas"):
        s += (f" Best campaign by ROAS over the history: {metrics['best_campaign_by_roas']}; best channel: "
              f"{metrics['best_channel_by_roas']}.")
    return s


def campaign_sentences(perf: pd.DataFrame, currency: str = "USD") -> list[str]:
    """Insight sentences on campaign payback, built from campaign_performance."""
    paid = perf[perf["spend"] > 0]
    if paid.empty:
        return ["No campaign has spend recorded up to the period end, so ROAS cannot be computed."]
    tot_s, tot_r = paid["spend"].sum(), paid["revenue"].sum()
    s = [f"{len(paid)} campaigns spent {fmt.money(tot_s, currency)} up to the period end and earned "
         f"{fmt.money(tot_r, currency)} of last-touch revenue: {roas_text(tot_r / tot_s)} overall."]
    best, worst = paid.iloc[0], paid.sort_values("roas", kind="stable").iloc[0]
    s.append(f"Best: {best['campaign']} ({best['channel']}) at {roas_text(best['roas'])}; worst: "
             f"{worst['campaign']} ({worst['channel']}) at {roas_text(worst['roas'])}.")
    if paid["gp_roas"].notna().any():
        lose = paid[paid["gp_roas"] < 1]
        if len(lose):
            s.append(f"{len(lose)} of {len(paid)} campaigns did not earn their spend back in gross profit "
                     f"(gross-profit ROAS below 1), together {fmt.money(lose['spend'].sum(), currency)} of spend.")
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


def channel_sentences(ch: pd.DataFrame, currency: str = "USD", boot: pd.DataFrame | None = None) -> list[str]:
    """Insight sentences on channels: paid ROAS (with bootstrap intervals when given), organic share, conversion."""
    s = []
    if "roas" in ch.columns and ch["roas"].notna().any():
        paid = ch[ch["roas"].notna()].sort_values("roas", ascending=False)
        top, low = paid.iloc[0], paid.iloc[-1]
        iv = {}
        if boot is not None and len(boot):
            b = boot.set_index(boot["channel"].astype(str))
            iv = {c: f", 90% interval {roas_text(b.loc[c, 'roas_low'])} to {roas_text(b.loc[c, 'roas_high'])}"
                  for c in b.index}
        s.append(f"{top['channel']} returns the most per dollar ({roas_text(top['roas'])} on "
                 f"{fmt.money(top['spend'], currency)} of spend{iv.get(str(top['channel']), '')}); "
                 f"{low['channel']} the least ({roas_text(low['roas'])} on {fmt.money(low['spend'], currency)}"
                 f"{iv.get(str(low['channel']), '')}).")
        if len(paid) >= 2 and iv:
            b2 = boot.set_index(boot["channel"].astype(str))
            second = paid.iloc[1]
            if b2.loc[str(top["channel"]), "roas_low"] > b2.loc[str(second["channel"]), "roas_high"]:
                s.append(f"The lead of {top['channel']} over {second['channel']} is clear: the 90% bootstrap "
                         f"intervals do not overlap.")
            else:
                s.append(f"The lead of {top['channel']} over {second['channel']} is within the uncertainty: "
                         f"their 90% bootstrap intervals overlap.")
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
        if tests.kruskal_p < 0.05:
            s.append(f"The difference in 12-month revenue is statistically significant (Kruskal-Wallis test, "
                     f"p = {tests.kruskal_p:.3g}).")
        else:
            s.append(f"But the difference in 12-month revenue is within chance (Kruskal-Wallis test, "
                     f"p = {tests.kruskal_p:.2f}): the data does not show that one channel brings more "
                     f"valuable customers.")
    r_hi = known.sort_values("repeat_rate_12m_pct", ascending=False).iloc[0]
    r_lo = known.sort_values("repeat_rate_12m_pct").iloc[0]
    rp = (f"chi-square test, p = {tests.chi2_p:.3g}" if tests.chi2_p is not None else "no test possible")
    s.append(f"Repeat rate within 12 months: {fmt.pct(r_hi['repeat_rate_12m_pct'])} for "
             f"{r_hi['acquisition_channel']} against {fmt.pct(r_lo['repeat_rate_12m_pct'])} for "
             f"{r_lo['acquisition_channel']} ({rp}).")
    return s


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
    sig = tests.kruskal_p is not None and tests.kruskal_p < 0.05
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
    """Where the attribution models disagree and why it matters for the budget."""
    if dis is None:
        return ["Too few attributed sales to compare the attribution models."]
    lab = MODEL_LABELS
    s = [f"The models disagree most on {dis['key']}: {lab[dis['high_model']]} gives it "
         f"{fmt.pct(dis['high_pct'])} of touch-attributed revenue, {lab[dis['low_model']]} "
         f"{fmt.pct(dis['low_pct'])} ({dis['spread_pts']:.1f} points apart)."]
    if "first_touch" in shares.columns and "last_touch" in shares.columns:
        diff = shares["first_touch"] - shares["last_touch"]
        opener, closer = diff.idxmax(), diff.idxmin()
        if diff.max() > 1 and diff.min() < -1:
            s.append(f"{opener} tends to open journeys (first touch {fmt.pct(shares.loc[opener, 'first_touch'])} "
                     f"vs last touch {fmt.pct(shares.loc[opener, 'last_touch'])}) while {closer} closes them "
                     f"({fmt.pct(shares.loc[closer, 'last_touch'])} vs {fmt.pct(shares.loc[closer, 'first_touch'])}"
                     f"): a budget set on last touch alone would starve {opener}.")
    if "markov" in shares.columns:
        mk = shares["markov"].sort_values(ascending=False)
        s.append(f"The data-driven Markov model, which asks how many sales would be lost without each channel, "
                 f"credits {mk.index[0]} most ({fmt.pct(mk.iloc[0])}).")
    if roas_models is not None and not roas_models.empty and roas_models.shape[1] > 1:
        bests = roas_models.idxmax(axis=0)
        if bests.nunique() == 1:
            s.append(f"Every model gives {bests.iloc[0]} the best return on spend, so that conclusion is robust.")
        else:
            parts = ", ".join(f"{lab[m]}: {v}" for m, v in bests.items())
            s.append(f"The best return on spend depends on the model ({parts}).")
    return s


def removal_effects_sentence(effects: pd.DataFrame, by: str = "channel") -> str:
    """The Markov removal effect of every ``by`` value (share of conversions lost without it; docs/metrics.md,
    Marketing), from lib.analytics.marketing.model_credit."""
    return ("Markov removal effects (share of conversions lost without the channel): "
            + ", ".join(f"{k} {v * 100:.0f}%" for k, v in zip(effects[by], effects["removal_effect"], strict=False))
            + ".")


def models_actions(shares: pd.DataFrame, dis: dict | None, roas_models: pd.DataFrame | None = None,
                   break_even: float | None = None) -> tuple[str, list[str]]:
    """(meaning, actions) for the model comparison; with ``roas_models`` and ``break_even`` (revenue ROAS at
    which gross profit covers spend) it says whether the most disputed channel's verdict depends on the model."""
    if dis is None:
        return "Attribution cannot be compared yet.", ["Collect touchpoints for more purchases."]
    if dis["spread_pts"] < 5:
        return ("The models broadly agree, so the choice of attribution model does not change the budget "
                "picture.", ["Use last-touch ROAS (the headline metric) for budget decisions."])
    key = dis["key"]
    meaning = (f"Credit for {key} depends on the model by {dis['spread_pts']:.0f} points of revenue share, "
               f"so its budget should not rest on last touch alone.")
    acts = []
    if roas_models is not None and break_even is not None and key in roas_models.index:
        r = roas_models.loc[key].dropna()
        if len(r):
            hi_m, lo_m = r.idxmax(), r.idxmin()
            lab = MODEL_LABELS
            be = f"{roas_text(break_even)} at the margin of the sales credited to campaigns"
            if r.max() < break_even:
                acts.append(f"Even under its most generous model ({lab[hi_m]}) {key} returns "
                            f"{roas_text(r.max())} against a break-even of {be}: the case for cutting it holds "
                            f"whichever model is used.")
            elif r.min() >= break_even:
                acts.append(f"Even under its least generous model ({lab[lo_m]}) {key} returns "
                            f"{roas_text(r.min())}, above the break-even of {be}: keep funding it whichever model "
                            f"is used.")
            else:
                acts.append(f"{key} pays back under {lab[hi_m]} ({roas_text(r.max())}) but not under "
                            f"{lab[lo_m]} ({roas_text(r.min())}; break-even {be}): test it with a holdout before "
                            f"changing its budget.")
    if not acts:
        acts.append(f"Before cutting {key}, check its Markov and position-based credit: it may be opening "
                    f"journeys that other channels close.")
    acts.append("Use last touch for the headline ROAS and the Markov model as the cross-check.")
    return meaning, acts


def channel_budget_advice(boot: pd.DataFrame, roas_models: pd.DataFrame | None, campaigns: pd.DataFrame,
                          period: Period, currency: str = "USD") -> BudgetAdvice:
    """The budget advice per channel on last-touch gross-profit ROAS, checked against the Markov model's best
    channel and sized by the month's spend (docs/metrics.md, Marketing)."""
    return budget_advice(boot, "channel", currency, model="last touch",
                         other_model_best=("Markov", best_under_model(roas_models, "markov")),
                         period_spend=spend_by(campaigns, period, "channel"))


def budget_meaning(adv: BudgetAdvice) -> str:
    """What the budget advice rests on: the measure, and how many channels pay back, do not, or cannot be called."""
    return (f"Measured on {adv.measure} under last-touch attribution: "
            f"{fmt.count(len(adv.scale), 'channel')} {'pays' if len(adv.scale) == 1 else 'pay'} back with confidence, {len(adv.cut)} do not, "
            f"{len(adv.unsure)} cannot be called yet.")


#: the report's metrics as the owner reads them (docs/metrics.md, Marketing)
METRIC_LABELS = {"marketing_spend_period": "Marketing spend", "roas_period": "Return on ad spend (last touch)",
                 "best_campaign_by_roas": "Best campaign by return on ad spend",
                 "best_channel_by_roas": "Best channel by return on ad spend",
                 "gross_profit_after_marketing_period": "Gross profit after marketing"}


def metrics_table(metrics: dict, currency: str = "USD") -> pd.DataFrame:
    """The report's metrics (docs/metrics.md, Marketing) as ``metric, value`` rows formatted for the owner, each
    metric by its label (:data:`METRIC_LABELS`), never its name."""
    return pd.DataFrame({"metric": [METRIC_LABELS.get(k, fmt.sheet_title(k)) for k in metrics], "value": [
        fmt.money(v, currency) if k in ("marketing_spend_period", "gross_profit_after_marketing_period")
        else roas_text(v) if k == "roas_period"
        else ("n/a" if v is None else str(v)) for k, v in metrics.items()]})


def settings_sentence(lookback_days: int, touch_types: tuple[str, ...], half_life_days: float, n_boot: int) -> str:
    """The attribution and bootstrap settings the report ran with (docs/metrics.md, Marketing)."""
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
            text += f" (they brought {fmt.money(roas, currency, 2)}, last touch)"
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
        conf, why = "medium", f"the Markov model ranks the same channel first, but {assumed}."
    elif advice.models_agree is False:
        conf, why = "low", f"{assumed}, and the ranking changes with the attribution model."
    else:
        conf, why = "low", f"{assumed}, and no second attribution model was checked."
    evidence = (f"{e.best} returned {m(e.best_return, 2)} of gross profit per dollar on average (90% bootstrap "
                f"interval {m(row['gp_roas_low'], 2)} to {m(row['gp_roas_high'], 2)}, last touch) at its usual "
                f"{m(e.best_usual)} a month")
    if e.cut:
        evidence += (f"; {_and(e.cut)} returned {m(e.cut_return, 2)} per dollar, and even the top of their "
                     f"interval is below break-even")
    evidence += (f". With returns falling as spend grows, the last dollar on {e.best} at {m(new_spend)} a month "
                 f"returns {m(e.best_marginal_after, 2)}")
    evidence += (f"; the move is capped where {e.best}'s spend reaches {_times(e.max_growth)} its usual month, so "
                 f"the rest of the {shift_pct:g}% ({m(e.wanted - e.amount)}) stays where it is." if e.capped else ".")
    evidence += f" Confidence {conf}: {why}"
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
    return Recommendation("Marketing", action, effect, evidence, conf, "marketing", effect=e.effect)


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
