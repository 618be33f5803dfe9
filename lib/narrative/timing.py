"""The owner's sentences and actions about weekdays, weekends, growth, holidays and seasons (docs/metrics.md, Sales timing)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = ["weekend_sentence", "growth_sentence", "q4_sentence", "holiday_sentence", "weekday_sentence", "weekday_actions", "channel_mix_sentence", "peak_month_sentence"]


def _p(p: float | None) -> str:
    if p is None:
        return "p not computable"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def weekend_sentence(res: dict, money: Callable[[float], str], belief_pct: float = 40.0,
                     alpha: float = 0.05) -> str:
    """Weekend vs weekday in words, tested against the belief that weekends sell ``belief_pct`` more."""
    if res["uplift_pct"] is None:
        return "There are not enough days to compare weekends with weekdays."
    up = res["uplift_pct"]
    more = f"{abs(up):.1f}% {'more' if up >= 0 else 'less'}"
    sig = (res["p_value"] is not None and res["p_value"] < alpha)
    text = (f"An average weekend day brings {money(res['weekend_mean'])} against {money(res['weekday_mean'])} "
            f"on a weekday: weekends sell {more} ({'Welch t-test' if res['p_value'] is not None else 'no test'}, "
            f"two-sided, {_p(res['p_value'])}; the difference is "
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


def growth_sentence(g: dict, label: str, money: Callable[[float], str]) -> str:
    """Is the business growing? Month, year-over-year and trailing-12-month growth in words."""
    if g["revenue"] is None:
        return f"There is no revenue data for {label}."
    parts = [f"{label} brought {money(g['revenue'])}"]
    if g["mom_pct"] is not None:
        parts.append(f"{g['mom_pct']:+.1f}% on the month before")
    if g["yoy_pct"] is not None:
        parts.append(f"{g['yoy_pct']:+.1f}% on the same month last year")
    text = ", ".join(parts) + "."
    if g["ttm_pct"] is not None:
        trend = "growing" if g["ttm_pct"] > 0 else "shrinking"
        text += (f" Over the last 12 months revenue was {money(g['ttm_revenue'])}, {g['ttm_pct']:+.1f}% on the "
                 f"12 months before: the business is {trend}.")
    else:
        text += " There are fewer than 24 complete months, so year-on-year growth of a full year is not known."
    return text


def q4_sentence(q4: pd.DataFrame, monthly: pd.Series, belief_pct: float = 50.0) -> str:
    """Q4 share in words against the common belief that Q4 brings ``belief_pct`` of the year."""
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
    """The holiday windows that lift sales most and least, averaged over the years in the data."""
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


def weekday_sentence(means: pd.DataFrame, money: Callable[[float], str]) -> str:
    """The best and weakest weekday by mean daily revenue, days without sales counted as zero."""
    m = means.dropna(subset=["revenue_mean"])
    if m.empty:
        return "There are no days to compare."
    best = m.loc[m["revenue_mean"].idxmax()]
    worst = m.loc[m["revenue_mean"].idxmin()]
    others = m.loc[m["weekday"] != best["weekday"], "revenue_mean"].mean()
    text = (f"{best['weekday']} is the best day: an average {best['weekday']} brings "
            f"{money(best['revenue_mean'])} (95% interval {money(best['revenue_low'])} to "
            f"{money(best['revenue_high'])}, {int(best['days'])} days)")
    if pd.notna(others) and others > 0:
        text += f", {(best['revenue_mean'] / others - 1) * 100:.0f}% above the average of the other days"
    return text + (f"; {worst['weekday']} is the weakest at {money(worst['revenue_mean'])}. "
                   "Days without sales count as zero.")


def weekday_actions(means: pd.DataFrame, uplift: dict) -> tuple[str, list[str]]:
    """What the weekday pattern means and what to do about it (computed from the table and the test)."""
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
    """How the largest channel's share of revenue moved between the first and the last month."""
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


def peak_month_sentence(moy: pd.DataFrame, money: Callable[[float], str]) -> str:
    """The strongest and weakest month of the year, averaged over the years in the data."""
    avg = moy.mean(axis=0).dropna()
    if avg.empty:
        return "There are no complete months yet."
    names = {i: pd.Timestamp(2000, i, 1).strftime("%B") for i in range(1, 13)}
    return (f"On average over the {moy.shape[0]} calendar year(s) in the data, {names[int(avg.idxmax())]} is the strongest month "
            f"({money(avg.max())}) and {names[int(avg.idxmin())]} the weakest ({money(avg.min())}).")
