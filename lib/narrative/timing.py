"""The owner's sentences and actions about weekdays, weekends, growth, holidays and seasons (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import pandas as pd

from lib.narrative.fmt import money, p_value

__all__ = ["history_sentence", "weekend_sentence", "weekend_test_sentence", "growth_sentence", "trend_actions",
           "q4_sentence", "holiday_sentence", "season_actions", "weekday_sentence", "weekday_finding",
           "weekday_actions", "channel_mix_sentence", "peak_month_sentence"]


def history_sentence(daily: pd.DataFrame, completed_lines: int, tz_name: str) -> str:
    """The history window behind the report: first and last day, days, completed lines (docs/metrics.md, History).

    ``daily`` is lib.analytics.timing.daily_sales; ``completed_lines`` the number of completed sale lines.
    """
    return (f"History: {daily.index.min():%d %b %Y} to {daily.index.max():%d %b %Y}, {len(daily):,} days, "
            f"{completed_lines:,} completed sales lines; days without sales count as zero. "
            f"Times are business-local ({tz_name}).")


def weekend_sentence(res: dict, currency: str = "USD", belief_pct: float = 40.0, alpha: float = 0.05) -> str:
    """Weekend vs weekday in words, tested against the belief that weekends sell ``belief_pct`` more.

    ``res`` is lib.analytics.timing.weekend_uplift (docs/metrics.md, Sales timing).
    """
    if res["uplift_pct"] is None:
        return "There are not enough days to compare weekends with weekdays."
    up = res["uplift_pct"]
    more = f"{abs(up):.1f}% {'more' if up >= 0 else 'less'}"
    sig = (res["p_value"] is not None and res["p_value"] < alpha)
    text = (f"An average weekend day brings {money(res['weekend_mean'], currency)} against "
            f"{money(res['weekday_mean'], currency)} "
            f"on a weekday: weekends sell {more} ({'Welch t-test' if res['p_value'] is not None else 'no test'}, "
            f"two-sided, {p_value(res['p_value'], '.3f', 'p not computable')}; the difference is "
            f"{'statistically clear' if sig else 'not statistically clear'}).")
    lo, hi = res["low"], res["high"]
    if lo is None:
        return text + f" Whether weekends sell {belief_pct:.0f}% more cannot be judged from this data."
    ci = f"95% interval {lo:+.0f}% to {hi:+.0f}%"
    if hi < belief_pct:
        verdict = (f" The common belief that weekends sell {belief_pct:.0f}% more does not hold here "
                   f"({ci}).")
    elif lo > belief_pct:
        verdict = f" Weekends sell even more than the common {belief_pct:.0f}% ({ci})."
    else:
        verdict = (f" The data is consistent with the common belief of {belief_pct:.0f}% more on weekends "
                   f"({ci}).")
    return text + verdict


def weekend_test_sentence(res: dict) -> str:
    """The weekend test named, with its day counts and the Mann-Whitney U check (docs/metrics.md, Sales timing)."""
    return (f"Test: {res['test']}; {res['weekend_days']} weekend days against {res['weekday_days']} weekdays"
            + (f"; a Mann-Whitney U test agrees (p = {res['mw_p_value']:.3g})." if res["mw_p_value"] is not None
               else "."))


def growth_sentence(g: dict | None, label: str, currency: str = "USD") -> str:
    """Is the business growing? Month, year-over-year and trailing-12-month growth in words.

    ``g`` is lib.analytics.timing.growth, None when there is no complete month (docs/metrics.md, Sales timing).
    """
    if g is None:
        return "There is no complete month to measure growth."
    if g["revenue"] is None:
        return f"There is no revenue data for {label}."
    parts = [f"{label} brought {money(g['revenue'], currency)}"]
    if g["mom_pct"] is not None:
        parts.append(f"{g['mom_pct']:+.1f}% on the month before")
    if g["yoy_pct"] is not None:
        parts.append(f"{g['yoy_pct']:+.1f}% on the same month last year")
    text = ", ".join(parts) + "."
    if g["ttm_pct"] is not None:
        trend = "growing" if g["ttm_pct"] > 0 else "shrinking"
        text += (f" Over the last 12 months revenue was {money(g['ttm_revenue'], currency)}, {g['ttm_pct']:+.1f}% "
                 f"on the 12 months before: the business is {trend}.")
    else:
        text += " There are fewer than 24 complete months, so year-on-year growth of a full year is not known."
    return text


def trend_actions(g: dict | None, mix: pd.DataFrame) -> tuple[str, list[str]]:
    """What the growth figures mean and what to do (docs/metrics.md, Sales timing).

    ``g`` is lib.analytics.timing.growth (None without a complete month), ``mix`` lib.analytics.timing.channel_mix.
    """
    if g is not None and g["ttm_pct"] is not None:
        meaning = (f"The last 12 months are {g['ttm_pct']:+.1f}% on the 12 before: "
                   + ("the business is growing." if g["ttm_pct"] > 0 else "the business is shrinking."))
    elif g is not None and g["mom_pct"] is not None:
        meaning = f"The month moved {g['mom_pct']:+.1f}% on the one before; a full year is needed to judge the trend."
    else:
        meaning = "There is too little history to judge the trend."
    top_ch = mix.iloc[-1].idxmax() if len(mix) else None
    actions = ["Read the rolling means, not single days: one big sale moves a day a lot."]
    if top_ch is not None:
        actions.append(f"Protect {top_ch}, the largest channel last month: keep its show or listing rhythm.")
    if g is not None and g["yoy_pct"] is not None and g["yoy_pct"] < 0:
        actions.append("Revenue is below the same month last year: check stock levels and show frequency.")
    return meaning, actions


def q4_sentence(q4: pd.DataFrame, monthly: pd.Series, belief_pct: float = 50.0) -> str:
    """Q4 share in words against the common belief that Q4 brings ``belief_pct`` of the year (docs/metrics.md, Sales timing)."""
    if len(q4):
        shares = ", ".join(f"{r.q4_share_pct:.1f}% in {r.year}" for r in q4.itertuples())
        mean = q4["q4_share_pct"].mean()
    else:
        last12 = monthly.iloc[-12:]
        if len(last12) < 12 or last12.sum() <= 0:
            return "There is no full year of data yet, so the Q4 share of a year is not known."
        q4m = last12[last12.index.month >= 10].sum()
        mean = q4m / last12.sum() * 100.0
        shares = f"{mean:.1f}% over the last 12 complete months (no full calendar year in the data)"
    if abs(mean - belief_pct) < 5:
        verdict = f"close to the common belief of {belief_pct:.0f}%"
    elif mean < belief_pct:
        verdict = (f"well below the common belief of {belief_pct:.0f}%: the year does not hinge on the "
                   "holiday quarter")
    else:
        verdict = f"above the common belief of {belief_pct:.0f}%"
    return (f"Q4 (October to December) share of annual revenue: {shares}; {verdict} "
            "(a flat year gives 25%).")


def holiday_sentence(hol: pd.DataFrame) -> str:
    """The holiday windows that lift sales most and least, averaged over the years (docs/metrics.md, Sales timing)."""
    if hol.empty:
        return "The data does not cover any full holiday window yet."
    m = hol.groupby("holiday")["index"].mean().dropna().sort_values(ascending=False)
    if m.empty:
        return "Holiday windows cannot be compared: the years around them have no revenue."
    top, low = m.index[0], m.index[-1]
    text = (f"{top} is the strongest holiday window: an average day there brings {m.iloc[0]:.0f}% of a usual "
            f"day of the same year")
    if low != top:
        text += f"; {low} the weakest at {m.iloc[-1]:.0f}%"
    return text + "."


def season_actions(q4: pd.DataFrame, hol: pd.DataFrame) -> tuple[str, list[str]]:
    """What the Q4 share and the holiday windows mean and what to do (docs/metrics.md, Sales timing).

    ``q4`` is lib.analytics.timing.q4_share, ``hol`` lib.analytics.timing.holiday_index.
    """
    share = q4["q4_share_pct"].mean() if len(q4) else None
    meaning = ("The holiday quarter matters but does not make the year." if share is not None and share < 40
               else "The holiday quarter carries a large part of the year." if share is not None
               else "A full calendar year is needed to size the holiday quarter.")
    best_hol = hol.groupby("holiday")["index"].mean().idxmax() if len(hol) else None
    actions = ["Buy stock ahead of the strongest months, and plan sourcing trips in the weakest."]
    if best_hol is not None:
        actions.append(f"Plan extra shows and new arrivals for {best_hol}.")
    return meaning, actions


def _best_day(m: pd.DataFrame, currency: str) -> str:
    best = m.loc[m["revenue_mean"].idxmax()]
    return (f"{best['weekday']} is the best day: an average {best['weekday']} brings "
            f"{money(best['revenue_mean'], currency)}")


def weekday_sentence(means: pd.DataFrame, currency: str = "USD") -> str:
    """The best and weakest weekday by mean daily revenue, days without sales counted as zero.

    ``means`` is lib.analytics.timing.weekday_means (docs/metrics.md, Sales timing).
    """
    m = means.dropna(subset=["revenue_mean"])
    if m.empty:
        return "There are no days to compare."
    best = m.loc[m["revenue_mean"].idxmax()]
    worst = m.loc[m["revenue_mean"].idxmin()]
    others = m.loc[m["weekday"] != best["weekday"], "revenue_mean"].mean()
    text = (_best_day(m, currency) + f" (95% interval {money(best['revenue_low'], currency)} to "
            f"{money(best['revenue_high'], currency)}, {int(best['days'])} days)")
    if pd.notna(others) and others > 0:
        text += f", {(best['revenue_mean'] / others - 1) * 100:.0f}% above the average of the other days"
    return text + (f"; {worst['weekday']} is the weakest at {money(worst['revenue_mean'], currency)}. "
                   "Days without sales count as zero.")


def weekday_finding(means: pd.DataFrame, uplift: dict, currency: str = "USD") -> str:
    """The report's finding: the best weekday and the weekend difference with its Welch p-value.

    ``means`` is lib.analytics.timing.weekday_means, ``uplift`` lib.analytics.timing.weekend_uplift
    (docs/metrics.md, Sales timing).
    """
    m = means.dropna(subset=["revenue_mean"])
    head = "There are no days to compare." if m.empty else _best_day(m, currency)
    up = uplift["uplift_pct"] or 0
    return (head + f"; weekends sell {abs(up):.0f}% " + ("less" if up < 0 else "more")
            + f" than weekdays (Welch t-test p = {uplift['p_value'] or float('nan'):.3g}).")


def weekday_actions(means: pd.DataFrame, uplift: dict) -> tuple[str, list[str]]:
    """What the weekday pattern means and what to do about it (docs/metrics.md, Sales timing)."""
    m = means.dropna(subset=["revenue_mean"]).sort_values("revenue_mean", ascending=False)
    if m.empty:
        return "There are no sales days to learn from yet.", ["Collect a few weeks of sales first."]
    best, worst = m.iloc[0]["weekday"], m.iloc[-1]["weekday"]
    sig = uplift.get("p_value") is not None and uplift["p_value"] < 0.05
    up = uplift.get("uplift_pct")
    if up is None:
        meaning = f"{best} sells best and {worst} least."
    elif sig and up < 0:
        meaning = f"Weekdays outsell weekends here, and {best} leads."
    elif sig and up > 0:
        meaning = f"Weekends outsell weekdays here; {best} leads."
    else:
        meaning = f"Weekends and weekdays sell about the same; {best} leads."
    actions = [f"Put new arrivals and the strongest pieces on {best}s.",
               f"Use {worst}s for lower-cost work (photography, listing, sourcing) rather than big launches."]
    if up is not None and up < 0:
        actions.append("Do not plan the week around weekend sales; check weekend shows against their cost.")
    return meaning, actions


def channel_mix_sentence(mix: pd.DataFrame) -> str:
    """How the largest channel's share of revenue moved between the first and the last month (docs/metrics.md, Sales timing)."""
    mix = mix.dropna(how="all")
    if mix.empty:
        return "There is no channel information."
    first, last = mix.index[0], mix.index[-1]
    if mix.shape[1] == 1:
        return f"All revenue is recorded under one channel ({mix.columns[0]}), so there is no channel mix to follow."
    top = mix.loc[last].idxmax()
    text = f"{top} is the largest channel in {last:%B %Y} with {mix.loc[last, top]:.0f}% of revenue"
    if first != last:
        text += f", against {mix.loc[first, top]:.0f}% in {first:%B %Y}"
        moved = (mix.loc[last] - mix.loc[first]).sort_values()
        text += (f"; the biggest gain is {moved.index[-1]} ({moved.iloc[-1]:+.0f} points), the biggest loss "
                 f"{moved.index[0]} ({moved.iloc[0]:+.0f} points)")
    return text + "."


def peak_month_sentence(moy: pd.DataFrame, currency: str = "USD") -> str:
    """The strongest and weakest month of the year, averaged over the years (docs/metrics.md, Sales timing).

    ``moy`` is lib.analytics.timing.month_of_year.
    """
    avg = moy.mean(axis=0).dropna()
    if avg.empty:
        return "There are no complete months yet."
    names = {i: pd.Timestamp(2000, i, 1).strftime("%B") for i in range(1, 13)}
    return (f"On average over the {moy.shape[0]} calendar year(s) in the data, {names[int(avg.idxmax())]} is the "
            f"strongest month ({money(avg.max(), currency)}) and {names[int(avg.idxmin())]} the weakest "
            f"({money(avg.min(), currency)}).")
