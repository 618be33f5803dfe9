"""The owner's sentences, actions and table texts about customers (docs/metrics.md, Customers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import customers as cu
from lib.analytics import rfm
from lib.analytics.clv import FitDiagnostic
from lib.analytics.customers import (
    CohortTables,
    HoldoutCheck,
    RatioInterval,
    ValueModel,
    WinBackEffect,
    cohort_trend,
    top_count,
)
from lib.analytics.effects import LEVEL
from lib.analytics.recommendations import Recommendation
from lib.config import CHURN_DAYS
from lib.narrative import fmt
from lib.narrative import recommendations as rc_text
from lib.narrative.advice import Advice
from lib.narrative.effects import effect_phrase
from lib.narrative.rfm import SEGMENT_ACTIONS

__all__ = [
    "SEGMENT_ACTIONS", "PARAMETER_MEANINGS", "share_text", "money_strings", "intro_sentence", "pareto_sentence",
    "concentration_sentence", "pareto_advice", "repeat_sentences", "repeat_method", "repeat_advice", "segment_table",
    "segment_sentences", "segment_advice", "churn_actions", "churn_list", "churn_sentences", "churn_method",
    "churn_advice", "cohort_sentences", "cohort_advice", "cohort_method", "parameter_table", "value_sentences",
    "holdout_sentence", "value_method", "value_advice", "fit_diagnostic_sentence", "value_model_problem",
    "value_model_method", "TABLE_TITLES", "VIP_WIN_BACK_MESSAGE", "win_back_messages", "win_back_recommendation",
    "win_back_recommendations", "win_back_advice",
]

#: what each fitted parameter describes (clv_parameters.csv; lib.analytics.customers.model_parameters)
PARAMETER_MEANINGS: dict[str, str] = {
    "r": "shape of how often customers buy",
    "alpha": "scale of that (weeks)",
    "a": "dropout after a purchase, shape",
    "b": "dropout, second shape",
    "p": "spend per purchase day, shape",
    "q": "spread of spend between customers",
    "gamma": "spend scale",
}


#: column titles of the customers page's tables (``show_table(..., titles=TABLE_TITLES)``)
TABLE_TITLES: dict[str, str] = {"segment": "Group", "mean_days_since": "Average days since the last purchase",
                                "mean_occasions": "Average purchase days"}


def share_text(fraction: float) -> str:
    """A share as a percentage with two significant digits for small values: 62%, 2.6%, 0.03%."""
    v = fraction * 100
    if v == 0 or not np.isfinite(v):
        return fmt.pct(v if np.isfinite(v) else None, 0)
    d = 0 if abs(v) >= 10 else 1 if abs(v) >= 1 else 2 if abs(v) >= 0.1 else 3
    return fmt.pct(v, d)


def intro_sentence(n_customers: int, period_end: pd.Timestamp, churn_days: int) -> str:
    """The report's opening line: how many customers, up to when, and what churn risk means (docs/metrics.md, Customers)."""
    return (f"{fmt.num(n_customers)} customers bought at least once up to {period_end:%d %B %Y}; churn risk means more than "
            f"{churn_days} days without a purchase.")


def pareto_sentence(share_pct: float | None, k: int, n: int, tolerance: float = 5.0) -> str:
    """Whether the 80/20 rule holds: 'roughly' within ``tolerance`` points of 80%, else how far off.

    docs/metrics.md, Top 20% and VIPs.
    """
    if share_pct is None or n == 0:
        return "There is no customer revenue yet, so the 80/20 rule cannot be checked."
    lead = (f"The top 20% of customers ({fmt.num(k)} of {fmt.num(n)}) bring {fmt.pct(share_pct)} "
            f"of all revenue")
    if abs(share_pct - 80) <= tolerance:
        return lead + ", so the 80/20 rule roughly holds here."
    if share_pct < 80:
        return lead + ", not 80%: revenue is spread more evenly than the 80/20 rule says."
    return lead + ", more than 80%: revenue is even more concentrated than the 80/20 rule says."


def repeat_sentences(customers: pd.DataFrame, rate: float | None, ratio: RatioInterval,
                     gaps: pd.Series, currency: str = "USD") -> list[str]:
    """Insight sentences of the repeat-behaviour section (docs/metrics.md, Repeat vs single LTV ratio interval)."""
    n = len(customers)
    if n == 0 or rate is None:
        return ["No customer has a completed purchase yet."]
    out = [f"{fmt.pct(rate)} of customers ({fmt.num((customers['occasions'] >= 2).sum())} of {fmt.num(n)}) "
           f"came back for at least a second purchase day."]
    if ratio.estimate is not None:
        rep = customers["occasions"] >= 2
        m_rep, m_single = customers.loc[rep, "revenue"].mean(), customers.loc[~rep, "revenue"].mean()
        if ratio.low > 1:
            verdict = "clearly more than one-time buyers"
        elif ratio.high < 1:
            verdict = "clearly less than one-time buyers"
        else:
            verdict = "no clear difference from one-time buyers"
        dec = 1 if ratio.high - ratio.low >= 0.2 else 2
        out.append(f"A repeat customer has spent {fmt.money(m_rep, currency)} on average against "
                   f"{fmt.money(m_single, currency)} for a one-time buyer: {ratio.estimate:.{dec}f} times as much "
                   f"({fmt.pct(ratio.level * 100, 0)} range {ratio.low:.{dec}f} to {ratio.high:.{dec}f}), {verdict}.")
    else:
        out.append("The repeat-versus-one-time comparison needs both kinds of customers; this data has only one.")
    if len(gaps):
        out.append(f"Between two purchase days, half of the returning customers waited {fmt.days(gaps.median())} "
                   f"or less (a quarter within {fmt.days(gaps.quantile(0.25))}, "
                   f"three quarters within {fmt.days(gaps.quantile(0.75))}).")
    return out


def repeat_method(customers: pd.DataFrame, ratio: RatioInterval) -> list[str]:
    """How the range of the repeat-versus-one-time spend ratio was worked out: the bootstrap, its resamples and
    group sizes; empty without a ratio (docs/metrics.md, Repeat vs single LTV ratio interval)."""
    if ratio.estimate is None:
        return []
    rep = int((customers["occasions"] >= 2).sum())
    return [f"The ratio is the average lifetime revenue of repeat buyers (2 or more purchase days) over that of "
            f"one-time buyers. Its {fmt.pct(ratio.level * 100, 0)} range is a percentile bootstrap: "
            f"{fmt.num(ratio.resamples)} resamples, each drawing the {fmt.num(rep)} repeat buyers and the "
            f"{fmt.num(len(customers) - rep)} one-time buyers again with replacement, each group on its own; the "
            f"range holds the middle {fmt.pct(ratio.level * 100, 0)} of the resampled ratios, and a difference is "
            f"called clear when the whole range lies above or below 1."]


def segment_table(summary: pd.DataFrame) -> pd.DataFrame:
    """customer_segments.csv: ``lib.analytics.customers.segment_summary`` with what to do per group (``action``).

    docs/metrics.md, RFM groups and tables/.
    """
    return summary.assign(action=[SEGMENT_ACTIONS[s] for s in summary["segment"]])


def segment_sentences(summary: pd.DataFrame, currency: str = "USD", has_users: bool = True,
                      churn_days: int = CHURN_DAYS) -> list[str]:
    """Insight sentences of the customer-groups section: current against lapsed, the biggest group, where revenue sits,
    the lapsed customers with the strongest history (docs/metrics.md, RFM groups)."""
    buyers_ = summary[summary["segment"] != rfm.PROSPECTS]
    n = int(buyers_["customers"].sum())
    if n == 0:
        return ["No customer has a completed purchase yet, so there are no customer groups."]
    current = rfm.rule_table().set_index("segment")["current"]
    cur_n = int(buyers_.loc[buyers_["segment"].map(current).astype(bool), "customers"].sum())
    big = buyers_.loc[buyers_["customers"].idxmax()]
    rich = buyers_.loc[buyers_["revenue"].idxmax()]
    out = [f"{fmt.num(cur_n)} of {fmt.num(n)} customers ({fmt.pct(cur_n / n * 100, 0)}) bought within the last "
           f"{churn_days} days and are in the current groups; the other {fmt.num(n - cur_n)} are in the lapsed "
           f"groups ({', '.join(s for s in rfm.SEGMENTS if s in current.index and not current[s])}).",
           f"The largest group is {big['segment']} with {fmt.count(big['customers'], 'customer')} "
           f"({fmt.pct(big['share_of_customers_pct'])} of buyers).",
           f"{rich['segment']} bring the most revenue: {fmt.money(rich['revenue'], currency)} "
           f"({fmt.pct(rich['revenue_share_pct'])} of all revenue) from {fmt.pct(rich['share_of_customers_pct'])} "
           f"of customers."]
    top = rfm.WIN_BACK_SEGMENTS[0]
    risk = buyers_[buyers_["segment"] == top]
    if risk["customers"].sum() > 0:
        k = int(risk["customers"].sum())
        out.append(f"{fmt.count(k, 'customer')} with a very strong history {'has' if k == 1 else 'have'} not "
                   f"bought for more than {churn_days} days ({top}, on average {fmt.days(risk['mean_days_since'].iloc[0])} "
                   f"away); together they have spent {fmt.money(risk['revenue'].sum(), currency)}.")
    pro = summary[summary["segment"] == rfm.PROSPECTS]["customers"]
    if not has_users:
        out.append("Prospects (registered buyers who never bought) need users.csv; this data has sales only.")
    elif len(pro) and pro.iloc[0] > 0:
        out.append(f"{fmt.count(pro.iloc[0], 'registered buyer')} never bought (Prospects).")
    return out


def churn_actions(at_risk: pd.DataFrame, vip_threshold: float | None, currency: str = "USD") -> pd.Series:
    """One action per at-risk customer, with the numbers that put them there (docs/metrics.md, Churn risk and churn actions).

    VIPs (revenue at least ``vip_threshold``, the smallest revenue of the top
    20%) get a personal message from the owner; repeat buyers whose model
    probability of still being active (``p_alive``) is at least 50% get new
    arrivals; the rest a single win-back offer. One-time buyers always have
    p_alive = 1 in BG/NBD (no dropout can be seen yet), so their p_alive is
    not used. Without a model every non-VIP gets the offer.
    """
    if at_risk.empty:
        return pd.Series([], dtype="string", name="action")
    rev = at_risk["revenue"].to_numpy(dtype="float64")
    vip = rev >= vip_threshold if vip_threshold is not None else np.zeros(len(at_risk), bool)
    p = at_risk["p_alive"].to_numpy(dtype="float64") if "p_alive" in at_risk.columns else np.full(len(at_risk), np.nan)
    p = np.where(at_risk["occasions"].to_numpy() >= 2, p, np.nan)
    base = np.where(vip, "VIP: personal message from the owner with hand-picked new arrivals",
                    np.where(p >= 0.5, "Likely still interested: send new arrivals in the brands they bought",
                             "Win-back offer (one message); drop from the list if no reply"))
    occ = at_risk["occasions"].to_numpy()
    pal = pd.Series(np.round(p * 100), index=at_risk.index).astype("Int64").astype("string")
    pal = (", " + pal + "% likely still active").fillna("")
    spent = money_strings(rev, currency).set_axis(at_risk.index)
    txt = (pd.Series(base, index=at_risk.index, dtype="string") + " (spent " + spent + " over " + pd.Series(occ, index=at_risk.index).astype("string") + " purchase day"
           + pd.Series(np.where(occ != 1, "s", ""), index=at_risk.index, dtype="string")
           + ", last bought " + at_risk["days_since"].astype("string") + " days ago" + pal + ")")
    return txt.rename("action")


def money_strings(values: np.ndarray, currency: str = "USD") -> pd.Series:
    """Whole-unit money strings with thousands separators (``$12,345``): ``lib.narrative.fmt.money`` per value, vectorised."""
    v = np.round(np.abs(np.asarray(values, dtype="float64"))).astype("int64")
    sym = fmt.money(0, currency)[:-1]
    groups = []
    rest = v
    while True:  # at most a handful of passes: one per 3 digits of the largest value
        groups.append(rest % 1000)
        rest = rest // 1000
        if not rest.any():
            break
    out = pd.Series(groups[-1]).astype("string")
    nz = groups[-1] > 0
    for g in reversed(groups[:-1]):
        gs = pd.Series(g).astype("string")
        out = pd.Series(np.where(nz, out + "," + gs.str.zfill(3), gs), dtype="string")
        nz = nz | (g > 0)
    sign = pd.Series(np.where(np.asarray(values) < 0, "-", ""), dtype="string")
    return (sign + sym + out).set_axis(range(len(v)))


def churn_list(at_risk: pd.DataFrame, users: pd.DataFrame | None, vip_threshold: float | None,
               currency: str = "USD") -> pd.DataFrame:
    """The action list churn_risk_customers.csv: fixed first columns, then the evidence (docs/metrics.md, Action lists).

    ``email`` comes from users.csv (empty without it); the list is for the CSV
    only, never for the HTML report.
    """
    df = at_risk.copy()
    email = cu.user_column(df["buyer_id"], users, "email")
    out = pd.DataFrame({"buyer_id": df["buyer_id"], "display_name": df["display_name"], "email": email,
                        "last_purchase": df["last_purchase"].dt.strftime("%Y-%m-%d"),
                        "days_since": df["days_since"], "lifetime_revenue": df["revenue"].round(2),
                        "action": churn_actions(df, vip_threshold, currency)})
    for extra in ("occasions", "segment", "p_alive", "clv_12m"):
        if extra in df.columns:
            out[extra] = df[extra].round(3) if extra in ("p_alive",) else (
                df[extra].round(2) if extra == "clv_12m" else df[extra])
    return out


def churn_sentences(at_risk: pd.DataFrame, n_customers: int, churn_days: int, total_revenue: float,
                    currency: str = "USD") -> list[str]:
    """Insight sentences of the churn section (docs/metrics.md, Churn risk and churn actions)."""
    if n_customers == 0:
        return ["No customers yet."]
    k = len(at_risk)
    if k == 0:
        return [f"Every customer bought within the last {churn_days} days: nobody is at churn risk."]
    rev = float(at_risk["revenue"].sum())
    out = [f"{fmt.num(k)} of {fmt.num(n_customers)} customers ({fmt.pct(k / n_customers * 100, 0)}) have not bought for more "
           f"than {churn_days} days; together they have spent {fmt.money(rev, currency)}, "
           f"{fmt.pct(rev / total_revenue * 100, 0)} of all revenue." if total_revenue > 0 else
           f"{fmt.num(k)} of {fmt.num(n_customers)} customers have not bought for more than {churn_days} days."]
    if "p_alive" in at_risk.columns and at_risk["p_alive"].notna().any():
        rep = at_risk[at_risk["occasions"] >= 2]
        likely = int((rep["p_alive"] >= 0.5).sum())
        out.append(f"Of the {fmt.num(len(rep))} repeat buyers among them, {fmt.num(likely)} "
                   f"{'is' if likely == 1 else 'are'} more likely still active than not (chance still active 50% "
                   f"or more); they are the cheapest to bring back. For one-time buyers there is no such estimate, "
                   f"so time away is the only signal.")
    top = at_risk.head(10)
    out.append(f"The 10 most valuable of them have spent {fmt.money(top['revenue'].sum(), currency)} "
               f"({share_text(top['revenue'].sum() / rev)} of the at-risk revenue)." if k > 10 else
               f"The most valuable of them has spent {fmt.money(top['revenue'].iloc[0], currency)}.")
    return out


def churn_method(at_risk: pd.DataFrame, churn_days: int = CHURN_DAYS) -> list[str]:
    """Where the churn section's chance still active comes from (the BG/NBD probability alive) and why it is not
    used for one-time buyers; empty without it (docs/metrics.md, Churn risk and churn actions)."""
    if at_risk.empty or "p_alive" not in at_risk.columns or not at_risk["p_alive"].notna().any():
        return []
    once = int((at_risk["occasions"] < 2).sum())
    return [f"Churn risk is the days rule: no purchase for more than {churn_days} days; "
            f"{fmt.count(len(at_risk), 'customer')} {'meets' if len(at_risk) == 1 else 'meet'} it.",
            f"The chance still active is the probability alive (p alive) of the BG/NBD purchase model (the section "
            f"What a customer is worth), from each customer's repeat purchase days, the weeks from the first to the last purchase "
            f"and the weeks since the first. BG/NBD gives every one-time buyer p alive = 1 (no dropout can be seen "
            f"before a second purchase), so it is not used for the {fmt.count(once, 'one-time buyer')} on the "
            f"list; a repeat buyer with p alive of 0.5 or more gets the new-arrivals action."]


def cohort_sentences(t: CohortTables, currency: str = "USD") -> list[str]:
    """Insight sentences of the cohort section: month-1 and month-3 retention, best cohort by value.

    docs/metrics.md, Cohorts.
    """
    if t.retention_pct.empty:
        return ["No purchases yet, so there are no cohorts."]
    out = []
    for k in (1, 3):
        if k in t.retention_pct.columns:
            col = t.retention_pct[k]
            w = t.sizes[col.notna()]
            if len(w):
                avg = float(np.average(col.dropna(), weights=w))
                out.append(f"On average {fmt.pct(avg)} of a month's new customers buy again {k} month"
                           f"{'s' if k > 1 else ''} after their first purchase ({len(w)} cohorts observed).")
    full = t.summary[t.summary["customers"] >= max(5, t.summary["customers"].median() / 4)]
    if len(full):
        best = full["revenue_per_customer"].idxmax()
        worst = full["revenue_per_customer"].idxmin()
        out.append(f"The {best} cohort is worth the most per customer so far "
                   f"({fmt.money(full.loc[best, 'revenue_per_customer'], currency)}); the {worst} cohort the least "
                   f"({fmt.money(full.loc[worst, 'revenue_per_customer'], currency)}). Older cohorts have had more "
                   f"time to buy, so compare neighbouring months.")
    return out


def parameter_table(params: pd.DataFrame) -> pd.DataFrame:
    """clv_parameters.csv: ``lib.analytics.customers.model_parameters`` with what each parameter describes.

    docs/metrics.md, BG/NBD and gamma-gamma.
    """
    return params.assign(**{"what it describes": [PARAMETER_MEANINGS[p] for p in params["parameter"]]})


def holdout_sentence(h: HoldoutCheck) -> str:
    """How well the model fitted before the cut-off predicted the holdout (docs/metrics.md, BG/NBD and gamma-gamma)."""
    days = (h.end - h.cutoff).days
    return (f"Fitted on purchases up to {h.cutoff:%d %b %Y}, the model predicted {fmt.num(h.predicted_total)} repeat "
            f"purchase days in the following {days} days; customers actually made {fmt.num(h.actual_total)} "
            f"({fmt.signed_pct(h.error_pct)} off).")


def value_sentences(vm: ValueModel, horizon_days: int, months: int, currency: str = "USD",
                    holdout: HoldoutCheck | None = None) -> list[str]:
    """Insight sentences of the customer-value section in plain words, or why the models cannot be trusted on
    this data (the models' names and numbers are :func:`value_method`'s).

    With a ``holdout`` check of a usable model, its ``holdout_sentence`` comes last
    (docs/metrics.md, BG/NBD and gamma-gamma).
    """
    if not vm.usable:
        return ["The customer-value models are not shown: " + value_model_problem(vm)]
    s = vm.summary
    col = f"expected_{horizon_days}d"
    out = [f"The purchase model expects {fmt.num(s[col].sum())} purchase days from today's customers in the next "
           f"{horizon_days} days (about {s[col].sum() / len(s):.2f} per customer).",
           (f"It rates {fmt.pct((s.loc[s['x'] > 0, 'p_alive'] >= 0.5).mean() * 100, 0)} of repeat buyers as more likely still "
            f"active than not." if (s["x"] > 0).any() else "No customer has bought twice yet.")]
    if vm.spend_usable:
        top = s["clv_12m"].sort_values(ascending=False)
        k = top_count(len(top))
        out.append(f"Expected revenue from existing customers over the next {months} months: "
                   f"{fmt.money(top.sum(), currency)} (discounted); the top 20% by predicted value account for "
                   f"{fmt.pct(top.head(k).sum() / top.sum() * 100, 0)} of it.")
    else:
        out.append("The 12-month values are not shown: " + value_model_problem(vm))
    if holdout is not None:
        out.append(holdout_sentence(holdout))
    return out


def _fitted(params: dict[str, float]) -> str:
    """``r = 0.243, alpha = 4.41``: fitted values without exponent notation."""
    return ", ".join(f"{k} = {_plain(v)}" for k, v in params.items())


def value_method(vm: ValueModel, horizon_days: int, months: int, monthly_discount: float,
                 holdout: HoldoutCheck | None = None) -> list[str]:
    """How the customer-value section was worked out: the models (BG/NBD, gamma-gamma) with their fitted
    parameters and counts, the discounting, and the holdout check's method; with an unusable model
    :func:`value_model_method` (docs/metrics.md, BG/NBD and gamma-gamma)."""
    if not vm.usable:
        return value_model_method(vm)
    bg = vm.bg
    out = [f"Purchase model: BG/NBD (beta-geometric/negative binomial, Fader, Hardie and Lee 2005), fitted by "
           f"maximum likelihood on {fmt.count(bg.n_customers, 'customer')} ({fmt.num(bg.n_repeat)} of them repeat "
           f"buyers) with time in weeks: {_fitted(bg.params)}. For each customer it gives the probability alive "
           f"(p alive, shown as the chance still active) and the expected purchase days in the next "
           f"{horizon_days} days, from the repeat purchase days, the weeks from the first to the last purchase and "
           f"the weeks since the first."]
    if vm.spend_usable:
        out.append(f"Spend model: gamma-gamma, fitted on the average spend per purchase day of the "
                   f"{fmt.count(vm.gg.n_customers, 'repeat buyer')} with a spend above 0: {_fitted(vm.gg.params)}. "
                   f"The {months}-month value is expected purchase days x expected spend per purchase day, month by "
                   f"month, each month discounted by {fmt.pct(monthly_discount * 100, 1)}.")
    else:
        fitted = f" on {fmt.count(vm.gg.n_customers, 'repeat buyer')} with a spend above 0" if vm.gg else ""
        out.append(f"Spend model: gamma-gamma{fitted}; its fit is not used:")
        out += [fit_diagnostic_sentence(d) for d in vm.diagnostics]
    if holdout is not None:
        h = holdout
        out.append(f"Holdout check: BG/NBD fitted again on the purchases up to {h.cutoff:%d %b %Y} "
                   f"({fmt.count(h.fit.n_customers, 'customer')}), its expected repeat purchase days in the "
                   f"{(h.end - h.cutoff).days} days after ({fmt.num(h.predicted_total)}) against the actual ones "
                   f"({fmt.num(h.actual_total)}), by the repeat purchase days before the cut-off (the chart).")
    return out


def concentration_sentence(customers: pd.DataFrame, currency: str = "USD") -> str:
    """How much the single biggest customer and the top 10 weigh in revenue (docs/metrics.md, Top 20% and VIPs)."""
    total = float(customers["revenue"].sum())
    if customers.empty or total <= 0:
        return "No customer revenue yet."
    top = customers.iloc[0]
    ten = customers.head(10)["revenue"].sum()
    return (f"The biggest customer, {top['display_name']}, has spent {fmt.money(top['revenue'], currency)} "
            f"({share_text(top['revenue'] / total)} of revenue); the top {min(10, len(customers))} together "
            f"{share_text(ten / total)}.")


def pareto_advice(customers: pd.DataFrame, share_pct: float | None) -> tuple[str, list[str]]:
    """What the Pareto numbers mean and what to do: VIP care scaled to how concentrated revenue is.

    docs/metrics.md, Top 20% and VIPs.
    """
    n = len(customers)
    k = top_count(n)
    if n == 0 or share_pct is None:
        return "There are no customers yet.", ["Check that the sales export includes completed sales."]
    rest = customers["revenue"].iloc[k:].mean() if n > k else np.nan
    vip_mean = customers["revenue"].iloc[:k].mean()
    times = (f"an average VIP has spent as much as {vip_mean / rest:.0f} other customers"
             if rest and np.isfinite(rest) and rest > 0 else "the VIPs carry the business")
    meaning = (f"The {fmt.num(k)} VIPs (top 20%) bring {fmt.pct(share_pct)} of revenue: {times}. "
               f"Losing one VIP costs more than winning one new buyer brings.")
    actions = [f"Give the {fmt.count(k, 'customer')} on {fmt.sheet('vip_customers')} first look at new arrivals before each "
               f"live show.",
               f"Check the VIP list's segment column: VIPs in a lapsed group ({', '.join(rfm.WIN_BACK_SEGMENTS)} "
               "or Dormant) need a personal message this week."]
    return meaning, actions


def repeat_advice(rate: float | None, ratio: RatioInterval, gaps: pd.Series) -> tuple[str, list[str]]:
    """What repeat behaviour means for the owner, with the follow-up timing from the purchase gaps.

    docs/metrics.md, Repeat vs single LTV ratio interval.
    """
    if rate is None:
        return "There are no customers yet.", ["Check that the sales export includes completed sales."]
    worth = (f"a returning customer is worth {ratio.estimate:.1f} times a one-time buyer"
             if ratio.estimate is not None else "the data cannot yet compare returning and one-time buyers")
    meaning = f"{fmt.pct(rate)} of customers come back, and {worth}."
    actions = []
    if len(gaps):
        actions.append(f"Contact one-time buyers about {fmt.days(gaps.median())} after their first purchase "
                       f"(the median wait before a second purchase) with items like the one they bought.")
    actions.append("Make the second purchase easy: invite first-time buyers to the next live show by name.")
    return meaning, actions


def segment_advice(summary: pd.DataFrame) -> tuple[str, list[str]]:
    """The recommended action for the groups that matter most this month (docs/metrics.md, RFM groups)."""
    s = summary[summary["customers"] > 0]
    if s.empty:
        return "There are no customers yet.", ["Check that the sales export includes completed sales."]
    focus = ["Champions", *rfm.WIN_BACK_SEGMENTS[:2], "New", rfm.PROSPECTS]
    rows = s[s["segment"].isin(focus)].set_index("segment").reindex(focus).dropna(subset=["customers"])
    actions = [f"{seg} ({fmt.num(r['customers'])}): {SEGMENT_ACTIONS[seg]}" for seg, r in rows.iterrows()]
    slipping = s[s["segment"].isin(rfm.WIN_BACK_SEGMENTS[:2])]["customers"].sum()
    meaning = (f"Each group needs a different message; {fmt.count(slipping, 'lapsed customer')} with a strong or "
               f"moderate history ({' and '.join(rfm.WIN_BACK_SEGMENTS[:2])}) "
               f"{'is' if slipping == 1 else 'are'} worth a win-back message.")
    return meaning, actions or [SEGMENT_ACTIONS[str(s.iloc[0]["segment"])]]


def churn_advice(at_risk: pd.DataFrame, churn_days: int, currency: str = "USD") -> tuple[str, list[str]]:
    """What the churn list means and how to work through it (docs/metrics.md, Churn risk and churn actions)."""
    if at_risk.empty:
        return (f"Nobody has been away for more than {churn_days} days.",
                ["Nothing to win back this month; keep the regular live-show schedule."])
    top = at_risk.head(20)
    meaning = (f"{fmt.num(len(at_risk))} customers have been away for more than {churn_days} days; the 20 most "
               f"valuable of them alone have spent {fmt.money(top['revenue'].sum(), currency)}.")
    actions = [f"Work down {fmt.sheet('churn_risk_customers')} from the top: it is sorted by lifetime revenue and each row "
               "has its action.",
               "Start with VIPs the model still rates as likely active: a personal message is cheap and they "
               "are the most likely to come back."]
    return meaning, actions


def cohort_advice(t: CohortTables) -> tuple[str, list[str]]:
    """What the cohort table means: whether newer cohorts come back less or more than older ones (tested).

    docs/metrics.md, Cohorts.
    """
    tr = cohort_trend(t)
    if tr is None:
        return ("Too few monthly cohorts to compare old and new customers yet.",
                ["Come back when there are at least four monthly cohorts."])
    if tr["p_value"] >= COHORT_ALPHA:
        meaning = (f"Newer customers come back in their second month about as often as earlier ones "
                   f"({fmt.pct(tr['new_pct'])} for the {tr['new_cohorts']} recent cohorts against "
                   f"{fmt.pct(tr['old_pct'])} for the {tr['old_cohorts']} earlier ones; within chance: no clear "
                   f"change).")
        return meaning, ["Keep the welcome follow-up as it is; test a change on one month's new customers "
                         "before rolling it out."]
    worse = tr["new_pct"] < tr["old_pct"]
    meaning = (f"Newer customers come back in their second month {'less' if worse else 'more'} often than earlier "
               f"ones ({fmt.pct(tr['new_pct'])} against {fmt.pct(tr['old_pct'])}, a clear difference).")
    actions = ["Send every new customer a personal follow-up within their first month: that is where recent "
               "cohorts fall behind." if worse else
               "Whatever changed for recent customers works: keep it, and note what it was."]
    return meaning, actions


#: a change in month-1 return is claimed below this two-sided p (docs/metrics.md, Cohorts)
COHORT_ALPHA = 0.05


def cohort_method(t: CohortTables) -> list[str]:
    """The test behind the cohort verdict: two-proportion z-test of month-1 return, earlier against recent
    cohorts, with its p-value; empty with too few cohorts (docs/metrics.md, Cohorts)."""
    tr = cohort_trend(t)
    if tr is None:
        return []
    return [f"Month-1 return is the share of a cohort buying again in the calendar month after its first purchase. "
            f"The {tr['old_cohorts']} earlier cohorts ({fmt.pct(tr['old_pct'])}, pooled) are compared with the "
            f"{tr['new_cohorts']} recent ones ({fmt.pct(tr['new_pct'])}) by a two-proportion z-test: two-sided "
            f"{fmt.p_value(tr['p_value'], '.3f')}; a change is claimed only below p = {COHORT_ALPHA:g}."]


def value_advice(vm: ValueModel, h: HoldoutCheck | None) -> tuple[str, list[str]]:
    """What the value models mean and how far to trust them by the holdout error (docs/metrics.md, BG/NBD and gamma-gamma)."""
    if not vm.usable:
        fixes = list(dict.fromkeys(_diagnostic_parts(d)[1] for d in vm.diagnostics))
        return ("The customer-value model cannot be trusted on this data, for the reason above; the customer groups "
                "and the churn list do not depend on it.",
                [*(f[0].upper() + f[1:] + "." for f in fixes),
                 "Meanwhile use the customer groups and the churn list."])
    trust = (f"Checked on the last {(h.end - h.cutoff).days} days, its total was {fmt.signed_pct(h.error_pct)} off."
             if h is not None and np.isfinite(h.error_pct) else "There is not enough history for a holdout check.")
    meaning = "The model turns each customer's history into an expected number of future purchases. " + trust
    actions = ["Spend personal attention where the predicted 12-month value is highest, not only where past "
               "spend was (see the table above).",
               "Treat customers with a low probability of still being active as lost unless they reply."]
    return meaning, actions


# ---------------------------------------------------------------- why a value model is not shown

_MODEL_NAMES = {"purchase": "purchase model (BG/NBD)", "spend": "spend model (gamma-gamma)"}
#: (model, parameter, bound) -> what the data look like when the fit runs there, and what would fix it
_BOUND_REASONS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("purchase", "r", "upper"): (
        "customers buy at almost the same rate as each other, so the spread of purchase rates between them "
        "cannot be estimated", "check for repeat purchases on a fixed schedule (subscriptions, automatic "
        "re-orders) and leave them out; otherwise one purchase rate for everyone describes the data"),
    ("purchase", "alpha", "upper"): (
        "customers buy at almost the same rate as each other, so the spread of purchase rates between them "
        "cannot be estimated", "check for repeat purchases on a fixed schedule (subscriptions, automatic "
        "re-orders) and leave them out; otherwise one purchase rate for everyone describes the data"),
    ("purchase", "r", "lower"): (
        "a few customers buy far more often than everyone else",
        "check for resellers, staff or test accounts and leave them out"),
    ("purchase", "alpha", "lower"): (
        "purchase rates come out implausibly high", "check that the dates are purchase days, not import dates"),
    ("purchase", "a", "lower"): (
        "there is no sign that customers stop buying: the chance of dropping out after a purchase goes to zero",
        "use a longer history, a few times the usual gap between purchases, so that lapsed customers show; "
        "until then the churn list's days rule is the better signal"),
    ("purchase", "b", "upper"): (
        "there is no sign that customers stop buying: the chance of dropping out after a purchase goes to zero",
        "use a longer history, a few times the usual gap between purchases, so that lapsed customers show; "
        "until then the churn list's days rule is the better signal"),
    ("purchase", "a", "upper"): (
        "almost every customer looks like stopping after each purchase",
        "check that a customer keeps one buyer id across purchases (a new id per order makes everyone look "
        "like a one-off buyer)"),
    ("purchase", "b", "lower"): (
        "almost every customer looks like stopping after each purchase",
        "check that a customer keeps one buyer id across purchases (a new id per order makes everyone look "
        "like a one-off buyer)"),
    ("spend", "p", "upper"): (
        "spend per purchase day hardly varies between customers",
        "use the plain average spend per purchase day: the spend model adds nothing to it"),
    ("spend", "q", "upper"): (
        "spend per purchase day hardly varies between customers",
        "use the plain average spend per purchase day: the spend model adds nothing to it"),
    ("spend", "p", "lower"): (
        "a customer's spend varies wildly from one purchase day to the next",
        "check for refunds or near-zero prices counted as purchases"),
    ("spend", "q", "lower"): (
        "a few very large purchase days dominate spend",
        "check for wholesale or mistyped orders and leave them out"),
    ("spend", "gamma", "lower"): (
        "a few very large purchase days dominate spend",
        "check for wholesale or mistyped orders and leave them out"),
    ("spend", "gamma", "upper"): (
        "spend per purchase day is outside the range the model allows",
        "check the unit of the prices (cents instead of currency units)"),
}
_MORE_DATA = "more repeat buyers or a longer history"
#: short words for a parameter inside a sentence
_PARAMETER_WORDS = {"r": "shape of purchase rates", "alpha": "scale of purchase rates", "a": "dropout shape",
                    "b": "second dropout shape", "p": "spend shape", "q": "spread of spend between customers",
                    "gamma": "spend scale"}


def _diagnostic_parts(d: FitDiagnostic) -> tuple[str, str]:
    """(the reason with its numbers, what would fix it) of one diagnostic."""
    words = _PARAMETER_WORDS.get(d.parameter or "", "")
    name = f"{d.parameter} ({words})" if words else str(d.parameter)
    if d.code == "too_few_customers":
        return (f"the data have {fmt.count(d.value, 'customer')} and the model needs at least {fmt.num(d.limit)}",
                "a longer history with more customers")
    if d.code == "too_few_repeat":
        who = "with a positive spend " if d.model == "spend" else ""
        return (f"{fmt.num(d.value)} {'customer' if d.value == 1 else 'customers'} {who}bought again and the model "
                f"needs at least {fmt.num(d.limit)}", _MORE_DATA)
    if d.code == "not_converged":
        return "the optimiser stopped before it converged", _MORE_DATA
    if d.code in ("at_lower_bound", "at_upper_bound"):
        side = "lower" if d.code == "at_lower_bound" else "upper"
        why, fix = _BOUND_REASONS.get((d.model, str(d.parameter), side), ("the data do not pin it down", _MORE_DATA))
        edge = "smallest" if side == "lower" else "largest"
        return (f"{name} ran into its {side} bound ({d.parameter} = {_plain(d.value)}, the {edge} value the fit "
                f"allows): {why}", fix)
    if d.code == "undefined_se":
        return (f"{name} = {d.value:.3g} is not pinned down by the data: its standard error cannot be computed "
                f"(the likelihood is flat in its direction)", _MORE_DATA)
    if d.code == "large_se":
        spread = (f"known only within a factor of {np.exp(d.se):,.0f}" if d.se <= 7 else "not pinned down by the data")
        return (f"{name} = {d.value:.3g} is {spread} (standard error of its log {d.se:.1f}, the limit is "
                f"{d.limit:g})", _MORE_DATA)
    # infinite_mean_spend
    return (f"q = {d.value:.2f}, at most 1: the fitted spread of spend has no finite average, so no 12-month "
            f"value can be computed", "check for wholesale or mistyped orders and leave them out")


def _plain(v: float) -> str:
    """A fitted value without exponent notation: ``1,000,000``, ``0.000001``, ``2.61``."""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 0.01:
        return f"{v:.3g}"
    return f"{v:.7f}".rstrip("0")


def fit_diagnostic_sentence(d: FitDiagnostic) -> str:
    """One diagnostic of lib.analytics.clv in words: the model, the reason with its numbers, and what would fix it
    (docs/metrics.md, BG/NBD and gamma-gamma)."""
    why, fix = _diagnostic_parts(d)
    return f"The {_MODEL_NAMES[d.model]}: {why}. What would fix it: {fix}."


#: the models in the owner's words (the main text; their names are in the method block)
_PLAIN_MODELS = {"purchase": "purchase model (how often each customer buys, and whether they stopped)",
                 "spend": "spend model (how much a customer spends per purchase day)"}
_LOOSE = ("large_se", "undefined_se")


def _plain_reason(d: FitDiagnostic) -> str:
    """What the data look like for one diagnostic, in plain words (no parameter names or standard errors)."""
    if d.code in ("too_few_customers", "too_few_repeat"):
        return _diagnostic_parts(d)[0]
    if d.code == "not_converged":
        return "the fit did not settle on an answer"
    if d.code in ("at_lower_bound", "at_upper_bound"):
        side = "lower" if d.code == "at_lower_bound" else "upper"
        return _BOUND_REASONS.get((d.model, str(d.parameter), side), ("the data do not pin it down", ""))[0]
    # infinite_mean_spend
    return ("spend differs so widely between customers that no average spend per purchase day can be predicted, "
            "so no 12-month value can be computed")


def value_model_problem(vm: ValueModel) -> str:
    """Why the value models (or the spend model) are not shown, in plain words, starting in lower case to follow
    "... not shown: " or "... skipped: ": the counts behind the fit, what the data look like, and what would fix
    it; the parameters and standard errors are :func:`value_model_method`'s (docs/metrics.md, BG/NBD and
    gamma-gamma)."""
    s = vm.summary
    n, rep = len(s), int((s["x"] > 0).sum())
    reasons, fixes = [], []
    for model in ("purchase", "spend"):
        ds = [d for d in vm.diagnostics if d.model == model]
        if not ds:
            continue
        main = [d for d in ds if d.code not in _LOOSE]
        loose = [d for d in ds if d.code in _LOOSE]
        texts = list(dict.fromkeys(_plain_reason(d) for d in main))
        fixes += [_diagnostic_parts(d)[1] for d in main]
        if loose:
            k = len({d.parameter for d in loose})
            total = 4 if model == "purchase" else 3
            texts.append(f"the data {'also ' if main else ''}do not pin down {fmt.num(k)} of its "
                         f"{fmt.num(total)} fitted numbers")
            fixes.append(_MORE_DATA)
        reasons.append(f"the {_PLAIN_MODELS[model]}: {'; '.join(texts)}")
    fix = "; ".join(dict.fromkeys(fixes))
    why = ". ".join(r[0].upper() + r[1:] if i else r for i, r in enumerate(reasons))
    if any(d.code.startswith("too_few") for d in vm.diagnostics):
        return f"{why}. What would fix it: {fix}."
    return (f"fitted on {fmt.count(n, 'customer')} ({fmt.num(rep)} of them repeat buyers), but the fit is not "
            f"usable. {why[0].upper() + why[1:]}. What would fix it: {fix}.")


def value_model_method(vm: ValueModel) -> list[str]:
    """Why the fit is not usable in the models' terms: BG/NBD (purchase) and gamma-gamma (spend), the counts,
    and every diagnostic with its parameter, value, bound or standard error (:func:`fit_diagnostic_sentence`;
    docs/metrics.md, BG/NBD and gamma-gamma)."""
    if not vm.diagnostics:
        return []
    s = vm.summary
    n, rep = len(s), int((s["x"] > 0).sum())
    return [f"The purchase model is BG/NBD, the spend model gamma-gamma (Fader, Hardie and Lee 2005), fitted by "
            f"maximum likelihood on {fmt.count(n, 'customer')} ({fmt.num(rep)} of them repeat buyers). A fit is "
            f"used only when it converged, no parameter sits at a bound of the optimiser and every parameter's "
            f"standard error (of its log) is defined and small enough.",
            *(fit_diagnostic_sentence(d) for d in vm.diagnostics)]


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- win-back lists (Recommendations, Marketing)

#: the win-back message of churn-risk VIPs (the groups' messages are the RFM segment actions)
VIP_WIN_BACK_MESSAGE = "Personal message from the owner with hand-picked new arrivals"


def win_back_messages(targets: pd.DataFrame) -> pd.DataFrame:
    """``retargeting.csv``: lib.analytics.customers.win_back_targets with each list's ``message``
    (:data:`VIP_WIN_BACK_MESSAGE` or the group's RFM action; docs/metrics.md, Churn risk and churn actions)."""
    msg = [VIP_WIN_BACK_MESSAGE if s == cu.WIN_BACK_VIP_LIST else SEGMENT_ACTIONS[s] for s in targets["list"]]
    return targets.assign(message=pd.array(msg, dtype="string"),
                          p_buy_30d=targets["p_buy_30d"].round(4),
                          gross_profit_per_occasion=targets["gross_profit_per_occasion"].round(2))


def win_back_recommendation(e: WinBackEffect, message: str, rates: pd.DataFrame, currency: str,
                            churn_days: int = CHURN_DAYS, gross_profit_source: str = "gross profit",
                            horizon_days: int = 30) -> Recommendation:
    """The action, effect and evidence of one win-back list (docs/metrics.md, Churn risk and churn actions).

    ``gross_profit_source`` says where the gross profit per purchase day comes from (the costs, or the
    shop's margin x revenue); the effect sentence states that the message is assumed to secure the measured
    base rate, not to add to it.
    """
    one = e.customers == 1
    who = (f"churn-risk VIP{'' if one else 's'}" if e.list == cu.WIN_BACK_VIP_LIST else
           f"'{e.list}' customer{'' if one else 's'}")
    group = ("" if e.list == cu.WIN_BACK_VIP_LIST or e.group_customers == e.customers else
             f" (of the {fmt.num(e.group_customers)} in the group; the other "
             f"{fmt.num(e.group_customers - e.customers)} are on the VIP list)")
    rng = (fmt.pct(e.p_low * 100) if abs(e.p_high - e.p_low) < 1e-12 else
           f"{fmt.pct(e.p_low * 100)} to {fmt.pct(e.p_high * 100)}")
    obs = rates[rates["observations"] > 0]
    cut = int(rates["cutoffs"].iloc[0]) if len(rates) else 0
    bins = ", ".join(f"{fmt.pct(r.rate * 100)} after {r.lo:.0f}{'+' if not np.isfinite(r.hi) else f'-{r.hi:.0f}'} "
                     f"days ({fmt.num(r.customers)} customers)" for r in obs.itertuples())
    conf = "medium" if e.customers >= 20 else "low"
    effect = (f"{effect_phrase(e.effect, currency)} Counted as about {e.expected_buyers:.1f} of the "
              f"{fmt.num(e.customers)} buying once more within {horizon_days} days, at the measured rate of "
              f"customers away as long as each of them ({rng}); that the message secures these purchases is an "
              f"assumption, and what it adds on top is not measured (hold back a random fifth of the list to "
              f"measure it).")
    evidence = (f"The {fmt.num(e.customers)} {who}{group} {'has' if one else 'have'} not bought for more than {churn_days} days (median "
                f"{fmt.days(e.median_days_since)}) and {'has' if one else 'have'} spent "
                f"{fmt.money(e.revenue, currency)} in all, "
                f"{fmt.money(e.gross_profit_per_occasion, currency)} {gross_profit_source} per purchase day on "
                f"average. Share of lapsed customers buying again within {horizon_days} days, measured at the last "
                f"{fmt.count(cut, 'month end')}: {bins}. Confidence {conf}: the base rates are measured, "
                f"what a message adds to them is not.")
    pairs = "; ".join(f"{r.lo:.0f}{'+' if not np.isfinite(r.hi) else f'-{r.hi:.0f}'} days: {fmt.num(r.buyers)} of "
                      f"{fmt.num(r.observations)} customer-month-end pairs, {fmt.num(r.customers)} distinct customers"
                      for r in obs.itertuples())
    how = (f"Base rates: at each of the last {fmt.count(cut, 'month end')}, every customer away more than "
           f"{churn_days} days is put in a bin of days since the last purchase and counts as a buyer with a purchase "
           f"day in the {horizon_days} days after; the bin's rate is buyers / customer-month-end pairs ({pairs}). "
           f"Each customer on the list takes the rate of their own bin. The {fmt.pct(LEVEL * 100, 0)} range draws "
           f"each bin's rate from Beta(k + 1/2, n - k + 1/2), n its distinct customers and k = rate x n, so a "
           f"customer seen at several month ends counts once; the range is that of the summed gross profit.")
    return Recommendation("Marketing", f"Win back the {fmt.num(e.customers)} {who}: {message[0].lower()}"
                          f"{message[1:].rstrip('.')}.", effect, evidence, conf, "customers", effect=e.effect,
                          method=how)


def win_back_recommendations(occasions: pd.DataFrame, period_end: pd.Timestamp, users: pd.DataFrame | None,
                             currency: str, churn_days: int = CHURN_DAYS, horizon_days: int = 30,
                             margin: float | None = None, scored: pd.DataFrame | None = None,
                             ) -> tuple[list[Recommendation], pd.DataFrame | None]:
    """One win-back action per list (churn-risk VIPs, then each lib.analytics.rfm.WIN_BACK_SEGMENTS group) and
    the retargeting table (docs/metrics.md, Churn risk and churn actions).

    The customers are scored from ``occasions`` as on the customers page (lib.analytics.customers.customer_table
    and score_customers with the same ``churn_days``), so the groups count alike. Effects are one-off gross
    profit: per customer the measured share of customers at the same recency who bought again within
    ``horizon_days`` (lib.analytics.customers.recency_buy_rates) x the customer's own gross profit per purchase
    day, from the occasions' ``gross_profit`` when the costs are known, else ``margin`` x revenue; without
    either there is no effect and no action. Returns ``([], None)`` without customers. ``scored`` is that scored
    customer table when the caller has it already (the customers page), so it is not built twice.
    """
    end = pd.Timestamp(period_end).normalize()
    occ = occasions[(occasions["date"] <= end).to_numpy()]
    if scored is None:
        scored = cu.score_customers(cu.customer_table(occ, end, users), churn_days)
    if scored.empty:
        return [], None
    rates = cu.recency_buy_rates(occ, end, churn_days, horizon_days)
    targets = cu.win_back_targets(scored, occ, rates, churn_days, margin)
    table = win_back_messages(targets)
    source = ("gross profit" if "gross_profit" in occ.columns else
              f"gross profit (the shop's {fmt.pct(margin * 100)} margin x revenue)" if margin is not None else "")
    recs = []
    for e in cu.win_back_effects(targets, rates, scored):
        msg = str(table.loc[table["list"] == e.list, "message"].iloc[0])
        recs.append(win_back_recommendation(e, msg, rates, currency, churn_days, source, horizon_days))
    return recs, table


def win_back_advice(occasions: pd.DataFrame, period_end: pd.Timestamp, users: pd.DataFrame | None,
                    currency: str = "USD", *, churn_days: int = CHURN_DAYS,
                    scored: pd.DataFrame | None = None) -> Advice:
    """The recommendations page's win-backs (``win_back``), computed once by the customers page:
    :func:`win_back_recommendations` of the purchase ``occasions`` (lib.data.derived.purchase_occasions of the
    enriched lines, for their gross profit), with the evidence and the method lines (docs/metrics.md, Churn risk and
    churn actions).

    Tables: ``retargeting`` (retargeting.csv; absent without customers, then the part is skipped), the method lines
    and the settings (``churn_days``; lib.narrative.recommendations.section_advice). ``scored``: the page's scored
    customer table of the same occasions and ``churn_days`` (:func:`win_back_recommendations`).
    """
    recs, targets = win_back_recommendations(occasions, period_end, users, currency, churn_days, scored=scored)
    skips = [("Retargeting", "no completed sales up to the end of the period")] if targets is None else []
    return rc_text.section_advice("win_back", recs, {} if targets is None else {"retargeting": targets},
                                  rc_text.marketing_evidence(recs, targets, None, churn_days), skips,
                                  rc_text.section_method(recs, "Marketing"), {"churn_days": churn_days})
