"""Charts of the sales-timing report: weekdays, trends, channel mix, seasons and the forecast (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from lib.analytics.forecast import ForecastResult
from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, series_alt
from lib.report.alt_text import label as point_label
from lib.report.plots.style import HATCH, PALETTE, date_axis, legend_above, money_axis, new_ax, pct_axis

__all__ = ["MONTH_ABBR", "weekday_bars", "revenue_trend", "monthly_units", "channel_mix_area",
           "month_of_year_lines", "holiday_bars", "forecast_chart"]

#: month-of-year tick labels, January first
MONTH_ABBR = [m[:3] for m in ("January February March April May June July August September October "
                              "November December").split()]

_UNIT = {"D": "day", "W": "week", "M": "month"}
_WINDOW = {"D": "28-day", "W": "4-week", "M": "3-month"}


def weekday_bars(means: pd.DataFrame, currency: str, column: str = "revenue", ax: Axes | None = None) -> Axes:
    """Mean daily revenue (``column="revenue"``) or units (``"units"``) by weekday with 95% intervals, weekend in gold.

    ``means`` is lib.analytics.timing.weekday_means.
    """
    ax = new_ax(ax)
    is_money = column == "revenue"
    label = "Mean daily revenue" if is_money else "Mean daily units sold"
    err = np.vstack([means[f"{column}_mean"] - means[f"{column}_low"],
                     means[f"{column}_high"] - means[f"{column}_mean"]])
    colors = [PALETTE[0] if w < 5 else PALETTE[1] for w in range(7)]
    ticks = [w[:3] for w in means["weekday"]]
    ax.bar(ticks, means[f"{column}_mean"].fillna(0.0), yerr=np.nan_to_num(err), capsize=3, color=colors,
           hatch=[HATCH if w >= 5 else "" for w in range(7)])
    shut = means["closed"].to_numpy(bool) if "closed" in means else np.zeros(len(means), bool)
    for i in np.flatnonzero(shut):
        ax.text(i, 0, "closed", ha="center", va="bottom", color="0.35", rotation=90)
    ax.set_title(f"{label} by weekday (95% range)")
    ax.set_xlabel("Weekday (orange, hatched = weekend)" + ("; closed days left out" if shut.any() else ""))
    ax.set_ylabel(f"{label} ({currency})" if is_money else f"{label} (units)")
    if is_money:
        money_axis(ax, currency=currency)
    fmt = (lambda v: money(v, currency)) if is_money else (lambda v: f"{v:,.1f} units")
    open_days = ~shut
    return describe(ax, bars_alt(f"{label} by weekday", means["weekday"][open_days],
                                 means[f"{column}_mean"][open_days], fmt, named=7))


def revenue_trend(series: pd.DataFrame, freq: str, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per day, week or month (``freq`` ``D``/``W``/``M``) with its rolling mean.

    ``series`` is lib.analytics.timing.period_series of the same ``freq``.
    """
    ax = new_ax(ax)
    unit = _UNIT[freq]
    ax.plot(series.index, series["revenue"], color=PALETTE[3], lw=0.8 if freq == "D" else 1.2,
            label=f"Revenue per {unit}")
    ax.plot(series.index, series["revenue_rolling"], color=PALETTE[0], lw=2, label=f"{_WINDOW[freq]} rolling mean")
    ax.set_title(f"Revenue per {unit}")
    ax.set_xlabel("Date")
    ax.set_ylabel(f"Revenue per {unit} ({currency})")
    money_axis(ax, currency=currency)
    date_axis(ax)
    legend_above(ax)
    return describe(ax, series_alt(f"Revenue per {unit}", series.index, series["revenue"],
                                   lambda v: money(v, currency)))


def monthly_units(series: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Units sold per month with the 3-month rolling mean; ``series`` is lib.analytics.timing.period_series(..., "M")."""
    ax = new_ax(ax, figsize=(10, 3.4))
    ax.bar(series.index, series["units"], width=20, color=PALETTE[2], label="Units per month")
    ax.plot(series.index, series["units_rolling"], color=PALETTE[1], lw=2, label="3-month rolling mean")
    ax.set_title("Units sold per month")
    ax.set_xlabel("Month")
    ax.set_ylabel("Units sold")
    date_axis(ax)
    legend_above(ax)
    return describe(ax, series_alt("Units sold per month", series.index, series["units"], lambda v: f"{v:,.0f}"))


def channel_mix_area(mix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked share of revenue per channel and month; ``mix`` is lib.analytics.timing.channel_mix."""
    ax = new_ax(ax, figsize=(10, 3.8))
    areas = ax.stackplot(mix.index, mix.fillna(0).T.to_numpy(), labels=list(mix.columns),
                         colors=PALETTE[:len(mix.columns)] if len(mix.columns) <= len(PALETTE) else None)
    for i, area in enumerate(areas):  # a pattern per channel besides its colour
        area.set_hatch(["", "//", "..", "\\\\", "xx", "--", "oo", "++"][i % 8])
    ax.set_title("Channel mix: share of revenue per month")
    ax.set_xlabel("Month")
    ax.set_ylabel("Share of revenue (%)")
    ax.set_ylim(0, 100)
    pct_axis(ax)
    date_axis(ax)
    legend_above(ax, ncol=3)
    shares = mix.fillna(0)
    if not len(shares):
        return describe(ax, "Channel mix: no completed sales to show.")
    first, last = shares.iloc[0], shares.iloc[-1]
    return describe(ax, f"Channel mix, share of revenue per month, {point_label(shares.index[0])} to "
                        f"{point_label(shares.index[-1])}: in {point_label(shares.index[-1])} "
                        + ", ".join(f"{c} {v:.0f}%" for c, v in last.sort_values(ascending=False).items())
                        + f"; in {point_label(shares.index[0])} "
                        + ", ".join(f"{c} {v:.0f}%" for c, v in first.sort_values(ascending=False).items()) + ".")


def month_of_year_lines(moy: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue by month of year, one line per year; ``moy`` is lib.analytics.timing.month_of_year."""
    ax = new_ax(ax)
    for i, (year, row) in enumerate(moy.iterrows()):
        ax.plot(range(1, 13), row.to_numpy(), marker="osD^v<>P"[i % 8], color=PALETTE[i % len(PALETTE)],
                label=str(year))
    ax.set_xticks(range(1, 13), MONTH_ABBR)
    ax.set_title("Revenue by month of year")
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Revenue ({currency})")
    money_axis(ax, currency=currency)
    ax.tick_params(axis="x", rotation=90)
    legend_above(ax, ncol=4)
    parts = []
    for year, row in moy.iterrows():
        vals = pd.to_numeric(row, errors="coerce")
        if vals.notna().any():
            parts.append(f"{year} highest in {MONTH_ABBR[int(np.nanargmax(vals.to_numpy(dtype=float)))]} at "
                         f"{money(float(vals.max()), currency)}")
    return describe(ax, "Revenue by month of year, one line per year: " + ("; ".join(parts) or "no values") + ".")


def holiday_bars(hol: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each holiday window's index averaged over the years (100 = a usual day); an empty panel without windows.

    ``hol`` is lib.analytics.timing.holiday_index.
    """
    ax = new_ax(ax)
    if not len(hol):
        ax.set_axis_off()
        return describe(ax, "Holiday windows: none in the data.")
    hm = hol.groupby("holiday")["index"].mean().sort_values()
    ax.barh(hm.index, hm.to_numpy(), color=PALETTE[0])
    ax.axvline(100, color="0.3", ls="--", lw=1)
    ax.set_title("Holiday windows: an average day vs a usual day (100 = usual)")
    ax.set_xlabel("Index (mean daily revenue / year's mean day x 100)")
    ax.set_ylabel("Holiday window")
    return describe(ax, bars_alt("Holiday windows, average day against a usual day of 100", hm.index,
                                 hm.to_numpy(), lambda v: f"{v:.0f}"))


def forecast_chart(res: ForecastResult, currency: str, ax: Axes | None = None) -> Axes:
    """Monthly revenue, the backtest's one-month-ahead forecasts of the chosen model (and of the baseline when a
    model is chosen) and next month's forecast with its interval.

    ``res`` is lib.analytics.forecast.forecast_next_month.
    """
    ax = new_ax(ax, figsize=(10, 4.2))
    ax.plot(res.history.index, res.history.to_numpy(), marker="o", color=PALETTE[2], label="Revenue (history)")
    p = res.predictions
    if res.model in p:
        ax.plot(p.index, p[res.model].to_numpy(), ls="--", marker=".", color=PALETTE[3],
                label="Past months forecast by the " + ("simple rule" if res.baseline_used else "chosen model"))
    if not res.baseline_used and res.baseline in p:
        ax.plot(p.index, p[res.baseline].to_numpy(), ls=":", color=PALETTE[4],
                label="Past months forecast by the simple rule")
    ax.errorbar([res.target], [res.point], yerr=[[res.point - res.low], [res.high - res.point]], fmt="o",
                color=PALETTE[0], capsize=5, label=f"Forecast, {res.level:.0%} range")
    ax.set_title(f"Monthly revenue, past months forecast as a test, and the forecast for {res.target:%B %Y}")
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Revenue per month ({currency})")
    money_axis(ax, currency=currency)
    date_axis(ax)
    legend_above(ax, ncol=1)
    fmt = lambda v: money(v, currency)  # noqa: E731
    return describe(ax, series_alt("Monthly revenue", res.history.index, res.history.to_numpy(), fmt)
                    + f" Forecast for {res.target:%B %Y}: {fmt(res.point)} ({res.level:.0%} range {fmt(res.low)} "
                      f"to {fmt(res.high)}).")
