"""The owner's sentences and actions about weekdays, weekends, growth, holidays and seasons (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import pandas as pd

from lib.narrative.fmt import count, money, p_value

__all__ = ["history_sentence", "closed_days_sentence", "closed_hours_sentence", "weekend_sentence",
           "weekend_test_sentence", "growth_sentence", "trend_actions", "q4_sentence", "holiday_sentence",
           "season_actions", "weekday_sentence", "weekday_finding", "weekday_actions", "weekday_method",
           "channel_mix_sentence", "peak_month_sentence", "WEEKDAY_TITLES", "WEEKDAY_CAPTION"]

#: the weekday table's column titles in the owner's words (lib.report.notebook.show_table ``titles``)
WEEKDAY_TITLES = {"revenue_mean": "Average revenue", "revenue_low": "Revenue, low end",
                  "revenue_high": "Revenue, high end", "units_mean": "Average units", "units_low": "Units, low end",
                  "units_high": "Units, high end"}
#: the weekday table's caption (the closed-days note is added by the page)
WEEKDAY_CAPTION = "Average daily revenue and units by weekday, with the 95% range of each average"


def history_sentence(daily: pd.DataFrame, completed_lines: int, tz_name: str) -> str:
    """The history window behind the report: first and last day, days, completed lines (docs/metrics.md, History).

    ``daily`` is lib.analytics.timing.daily_sales; ``completed_lines`` the number of completed sale lines.
    """
    return (f"History: {daily.index.min():%d %b %Y} to {daily.index.max():%d %b %Y}, {len(daily):,} days, "
            f"{completed_lines:,} completed sales lines; days without sales count as zero. "
            f"Times are business-local ({tz_name}).")


def _names(days: list[str]) -> str:
    """"Saturdays", "Saturdays and Sundays", "Mondays, Tuesdays and Sundays"."""
    plural = [f"{d}s" for d in days]
    return plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]


def closed_days_sentence(trading: pd.DataFrame) -> str | None:
    """The weekdays the shop does not trade on, in plain words; None when it trades on every weekday.

    ``trading`` is lib.analytics.timing.trading_weekdays (docs/metrics.md, Closed days).
    """
    shut = trading[trading["closed"]]
    if shut.empty:
        return None
    counts = "; ".join(f"no sale on {int(r.days_without_sales):,} of {count(int(r.days), r.weekday)}"
                       for r in shut.itertuples())
    names = _names(list(shut["weekday"]))
    return (f"The shop is closed on {names} ({counts}), so {names} are left out of the weekday and weekend "
            "comparisons.")


def _hour_ranges(hours: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive clock hours, wrapping at midnight: [1, 2, 3, 23, 0] -> [(23, 3)]."""
    hs = sorted(set(hours))
    if not hs:
        return []
    runs = [[hs[0], hs[0]]]
    for h in hs[1:]:
        if h == runs[-1][1] + 1:
            runs[-1][1] = h
        else:
            runs.append([h, h])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 23:
        runs[0][0] = runs.pop()[0]
    return [(a, b) for a, b in runs]


def closed_hours_sentence(trading: pd.DataFrame) -> str | None:
    """The clock hours without trade, in plain words ("no sales between 01:00 and 04:00"); None when every hour
    trades. ``trading`` is lib.analytics.timing.trading_hours (docs/metrics.md, Closed days)."""
    shut = trading[trading["closed"]]
    if shut.empty:
        return None
    spans = [f"between {a:02d}:00 and {(b + 1) % 24:02d}:00" for a, b in _hour_ranges(list(shut["hour"]))]
    spans = spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + " and " + spans[-1]
    days = int(shut["trading_days"].iloc[0])
    most = int(shut["days_with_sales"].max())
    seen = (f"on none of the {days:,} days with sales" if most == 0
            else f"on at most {most:,} of the {days:,} days with sales")
    return f"The shop does not trade {spans}: there was a sale in those hours {seen}."


def _sides(res: dict) -> tuple[str, str, str]:
    """How the two sides of the weekend comparison are named: (weekend side, weekday side, verb subject)."""
    closed = res.get("closed", [])
    we = res.get("weekend", ["Saturday", "Sunday"])
    weekend = "weekend day" if len(we) == 2 else we[0]
    subject = "weekends" if len(we) == 2 else f"{we[0]}s"
    weekday = "open weekday" if any(d in closed for d in ("Monday", "Tuesday", "Wednesday", "Thursday",
                                                          "Friday")) else "weekday"
    return weekend, weekday, subject


def weekend_sentence(res: dict, currency: str = "USD", belief_pct: float = 40.0, alpha: float = 0.05) -> str:
    """Weekend vs weekday in words, tested against the belief that weekends sell ``belief_pct`` more.

    ``res`` is lib.analytics.timing.weekend_uplift; closed days are left out and said (docs/metrics.md, Weekday
    means and weekend uplift).
    """
    closed_weekend = [d for d in res.get("closed", []) if d in ("Saturday", "Sunday")]
    if len(closed_weekend) == 2:
        return "The shop is closed on Saturdays and Sundays, so there is no weekend to compare with weekdays."
    if res["uplift_pct"] is None:
        return "There are not enough days to compare weekends with weekdays."
    weekend, weekday, subject = _sides(res)
    lead = ""
    if closed_weekend:
        lead = (f"The shop is closed on {closed_weekend[0]}s, so {subject} alone are compared with the "
                f"{weekday}s. ")
    article = "an" if weekday.startswith("open") else "a"
    text = (lead + f"An average {weekend} brings {money(res['weekend_mean'], currency)} against "
            f"{money(res['weekday_mean'], currency)} on {article} {weekday}: "
            f"{subject} sell {_difference(res, '.1f', alpha)}.")
    lo, hi = res["low"], res["high"]
    if lo is None:
        return text + f" Whether {subject} sell {belief_pct:.0f}% more cannot be judged from this data."
    where = "here" if subject == "weekends" else f"for {subject} here"
    if hi < belief_pct:
        verdict = f" The common belief that weekends sell {belief_pct:.0f}% more does not hold {where}."
    elif lo > belief_pct:
        verdict = f" {subject.capitalize()} sell even more than the common {belief_pct:.0f}%."
    else:
        verdict = f" The data is consistent with the common belief of {belief_pct:.0f}% more on {subject}."
    return text + verdict


def _difference(res: dict, digits: str, alpha: float) -> str:
    """"26.0% less, a clear difference (95% range -36% to -15%)": the weekend difference in words, its verdict from
    the test at ``alpha`` and its range (docs/metrics.md, Weekday means and weekend uplift)."""
    up, p = res["uplift_pct"], res["p_value"]
    text = f"{abs(up):{digits}}% {'more' if up >= 0 else 'less'}"
    if p is None:
        text += ", too few different days to tell whether that is more than chance"
    else:
        text += ", a clear difference" if p < alpha else ", within chance: no clear difference"
    if res["low"] is not None:
        text += f" (95% range {res['low']:+.0f}% to {res['high']:+.0f}%)"
    return text


def weekend_test_sentence(res: dict, alpha: float = 0.05) -> str | None:
    """The weekend test for the method block: its name, day counts, statistic and p-value, the Mann-Whitney U check
    and how the range is made (docs/metrics.md, Weekday means and weekend uplift); None when there is no weekend to
    compare."""
    if res["uplift_pct"] is None and len(res.get("weekend", ["Saturday", "Sunday"])) == 0:
        return None
    weekend, weekday, _ = _sides(res)
    text = f"Test: {res['test']}; {count(res['weekend_days'], weekend)} against {count(res['weekday_days'], weekday)}"
    p = res["p_value"]
    if p is None:
        return text + "; the test cannot be computed (fewer than two days on a side, or every day the same)."
    stat = f"t = {res['statistic']:.2f}, " if res.get("statistic") is not None else ""
    text += f"; {stat}{p_value(p, '.3f', 'p not computable')} (a difference counts as clear below {alpha:g})"
    mw = res.get("mw_p_value")
    if mw is not None:
        text += (f"; a Mann-Whitney U test {'agrees' if (mw < alpha) == (p < alpha) else 'does not agree'} "
                 f"(p = {mw:.3g})")
    if res["low"] is not None:
        text += ("; the 95% range of the difference is a delta-method interval of the ratio of the two daily "
                 "means")
    return text + "."


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
    shut = "closed" in means and bool(means["closed"].any())
    text = (_best_day(m, currency) + f" (95% range {money(best['revenue_low'], currency)} to "
            f"{money(best['revenue_high'], currency)}, {int(best['days'])} days)")
    if pd.notna(others) and others > 0:
        text += (f", {(best['revenue_mean'] / others - 1) * 100:.0f}% above the average of the other "
                 + ("open days" if shut else "days"))
    return text + (f"; {worst['weekday']} is the weakest at {money(worst['revenue_mean'], currency)}. "
                   + ("Closed days are left out; on open days, days without sales count as zero." if shut
                      else "Days without sales count as zero."))


def weekday_method(means: pd.DataFrame) -> str:
    """How the weekday ranges are made, for the method block (docs/metrics.md, Weekday means and weekend uplift).

    ``means`` is lib.analytics.timing.weekday_means.
    """
    days = means.loc[means["revenue_mean"].notna(), "days"]
    span = (f"{int(days.min()):,} to {int(days.max()):,} days of each weekday"
            if len(days) and days.min() != days.max()
            else f"{int(days.max()):,} days of each weekday" if len(days) else "no days")
    return (f"Each weekday's 95% range is a Student-t interval of its mean daily revenue (and units) over {span}; "
            "days without sales count as zero.")


def weekday_finding(means: pd.DataFrame, uplift: dict, currency: str = "USD", alpha: float = 0.05) -> str:
    """The report's finding: the best weekday and the weekend difference in words, with its verdict and range.

    ``means`` is lib.analytics.timing.weekday_means, ``uplift`` lib.analytics.timing.weekend_uplift
    (docs/metrics.md, Sales timing).
    """
    m = means.dropna(subset=["revenue_mean"])
    head = "There are no days to compare." if m.empty else _best_day(m, currency)
    closed = uplift.get("closed", [])
    if closed:
        head += f" (closed on {_names(closed)})"
    up = uplift["uplift_pct"]
    if up is None:
        why = ("the shop is closed at weekends" if not uplift.get("weekend", ["Saturday", "Sunday"])
               else "there are too few days")
        return head + f"; there is no weekend comparison: {why}."
    _, weekday, subject = _sides(uplift)
    diff = _difference(uplift, ".0f", alpha)
    more, verdict = diff.split(",", 1)
    return head + f"; {subject} sell {more} than {weekday}s,{verdict}."


def weekday_actions(means: pd.DataFrame, uplift: dict) -> tuple[str, list[str]]:
    """What the weekday pattern means and what to do about it (docs/metrics.md, Sales timing)."""
    m = means.dropna(subset=["revenue_mean"]).sort_values("revenue_mean", ascending=False)
    if m.empty:
        return "There are no sales days to learn from yet.", ["Collect a few weeks of sales first."]
    best, worst = m.iloc[0]["weekday"], m.iloc[-1]["weekday"]
    sig = uplift.get("p_value") is not None and uplift["p_value"] < 0.05
    up = uplift.get("uplift_pct")
    _, _, subject = _sides(uplift)
    if up is None:
        meaning = f"{best} sells best and {worst} least."
    elif sig and up < 0:
        meaning = f"Weekdays outsell {subject} here, and {best} leads."
    elif sig and up > 0:
        meaning = f"{subject.capitalize()} outsell weekdays here; {best} leads."
    else:
        meaning = f"{subject.capitalize()} and weekdays sell about the same; {best} leads."
    if uplift.get("closed"):
        meaning += f" The shop is closed on {_names(uplift['closed'])}."
    actions = [f"Put new arrivals and the strongest pieces on {best}s.",
               f"Use {worst}s for lower-cost work (photography, listing, sourcing) rather than big launches."]
    if up is not None and up < 0:
        actions.append(f"Do not plan the week around {subject[:-1] if subject.endswith('s') else subject} sales; "
                       "check weekend shows against their cost.")
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
    years = (f"in {int(moy.index[0])}" if moy.shape[0] == 1
             else f"over the years {int(moy.index[0])} to {int(moy.index[-1])}")
    return (f"On average {years}, {names[int(avg.idxmax())]} is the strongest month "
            f"({money(avg.max(), currency)}) and {names[int(avg.idxmin())]} the weakest ({money(avg.min(), currency)}).")
