"""Charts of the Overview report: revenue and units by month, revenue by sales channel."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from lib.data.periods import Period
from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, series_alt
from lib.report.plots.style import HATCH, PALETTE, date_axis, legend_above, money_axis, new_ax

__all__ = ["monthly_trend_lines", "channel_revenue_bars"]


def monthly_trend_lines(trend: pd.DataFrame, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Completed revenue (left axis) and units (right axis) per month (lib.analytics.kpis.monthly_trend;
    docs/metrics.md, Overview); returns the revenue Axes."""
    ax = new_ax(ax, figsize=(10, 4.2))
    ax.plot(trend["month"], trend["revenue"], marker="o", color=PALETTE[0], label="Revenue")
    money_axis(ax, "y", currency)
    ax.set_ylabel(f"Revenue ({currency}) per month")
    ax.set_xlabel("Month")
    ax2 = ax.twinx()
    ax2.plot(trend["month"], trend["units"], marker="s", ls="--", color=PALETTE[1], label="Units")
    ax2.set_ylabel("Units sold per month")
    ax2.grid(False)
    ax.set_title("Completed revenue and units by month")
    date_axis(ax)
    h1, _ = ax.get_legend_handles_labels()
    h2, _ = ax2.get_legend_handles_labels()
    legend_above(ax, h1 + h2, ["Revenue (left)", "Units (right)"])
    return describe(ax, series_alt("Revenue by month", trend["month"], trend["revenue"], lambda v: money(v, currency))
                    + " " + series_alt("Units sold by month", trend["month"], trend["units"], lambda v: f"{v:,.0f}"))


def channel_revenue_bars(ch: pd.DataFrame, period: Period, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Completed revenue per sales channel, the month before (hatched) beside this month
    (lib.analytics.kpis.channel_revenue; docs/metrics.md, Overview)."""
    ax = new_ax(ax, figsize=(9, 4))
    x = range(len(ch))
    ax.bar([i - 0.2 for i in x], ch["revenue_prev"], width=0.4, label=period.previous.label, color=PALETTE[1],
           hatch=HATCH)
    ax.bar([i + 0.2 for i in x], ch["revenue"], width=0.4, label=period.label, color=PALETTE[0])
    ax.set_xticks(list(x), ch["channel"].astype(str))
    if len(ch) > 3:
        ax.tick_params(axis="x", rotation=30)
    money_axis(ax, "y", currency)
    ax.set_title("Completed revenue by sales channel, this month and the month before")
    ax.set_xlabel("Sales channel")
    ax.set_ylabel(f"Revenue ({currency})")
    legend_above(ax)
    fmt = lambda v: money(v, currency)  # noqa: E731
    return describe(ax, bars_alt(f"Revenue by sales channel in {period.start:%B %Y}", ch["channel"], ch["revenue"], fmt)
                    + " " + bars_alt(f"In {period.previous.start:%B %Y}", ch["channel"], ch["revenue_prev"], fmt))
