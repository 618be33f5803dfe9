"""Charts of live shows: revenue by clock hour, revenue per show hour by slot, length and channel (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from lib.analytics.shows import show_hour_grid
from lib.narrative.fmt import money
from lib.report.plots.style import PALETTE, money_axis, new_ax

__all__ = ["raw_revenue_heatmap", "show_hour_heatmap", "hour_bars", "length_bars", "channel_bars",
           "top_slots_bars"]

_HOUR_LABEL = "Hour of day (business-local)"


def _money_format(currency: str) -> mticker.FuncFormatter:
    return mticker.FuncFormatter(lambda v, _p: money(v, currency))


def raw_revenue_heatmap(raw: pd.DataFrame, currency: str, ax: Axes | None = None,
                        beside_shows: bool = False) -> Axes:
    """Completed revenue by weekday and clock hour of sale, all channels.

    ``raw`` is lib.analytics.shows.raw_revenue_grid. ``beside_shows`` is the left panel next to
    :func:`show_hour_heatmap` (money colour-bar ticks, no grid); else the chart stands alone.
    """
    ax = new_ax(ax, figsize=(11, 3.6))
    cbar = {"label": f"Revenue ({currency})"}
    if beside_shows:
        cbar["format"] = _money_format(currency)
    sns.heatmap(raw, ax=ax, cmap="rocket_r", cbar_kws=cbar)
    if beside_shows:
        ax.set_title("Raw revenue by clock hour of sale (all channels)")
        ax.grid(False)
    else:
        ax.set_title("Raw revenue by weekday and clock hour (all channels)")
    ax.set_xlabel(_HOUR_LABEL)
    ax.set_ylabel("Weekday")
    return ax


def show_hour_heatmap(slots: pd.DataFrame, min_shows: int, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show hour (shrunk by the number of shows) by weekday and show start hour, slots with too few
    shows in grey.

    ``slots`` is lib.analytics.shows.slot_stats; the hours run from the first to the last start hour with shows.
    """
    ax = new_ax(ax)
    grid = show_hour_grid(slots, only_enough=False, value="revenue_per_show_hour_shrunk")
    few = show_hour_grid(slots.assign(enough_shows=~slots["enough_shows"]), only_enough=True)
    span = [h for h in range(24) if grid[h].notna().any()]
    span = list(range(min(span), max(span) + 1))
    sns.heatmap(few[span].notna().astype(float).where(few[span].notna()), ax=ax,
                cmap=ListedColormap(["0.85"]), cbar=False)
    sns.heatmap(grid[span].where(few[span].isna()), ax=ax, cmap="viridis",
                cbar_kws={"label": f"Revenue per show hour ({currency})", "format": _money_format(currency)})
    ax.set_title(f"Revenue per show hour by show start, shrunk\n(grey: fewer than {min_shows} shows)")
    ax.grid(False)
    ax.set_xlabel(_HOUR_LABEL)
    ax.set_ylabel("Weekday")
    return ax


def _money_ticks(ax: Axes, currency: str) -> Axes:
    money_axis(ax, currency=currency)
    ax.tick_params(axis="x", rotation=45)
    return ax


def hour_bars(hours: pd.DataFrame, level: float, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show hour by show start hour with its ``level`` interval, hours with too few shows in grey.

    ``hours`` is lib.analytics.shows.hour_stats.
    """
    ax = new_ax(ax)
    ax.bar(hours["hour"].map(lambda h: f"{h:02d}"), hours["revenue_per_show_hour"],
           yerr=np.vstack([hours["revenue_per_show_hour"] - hours["low"],
                           hours["high"] - hours["revenue_per_show_hour"]]),
           capsize=2, color=[PALETTE[0] if e else "0.75" for e in hours["enough_shows"]])
    ax.set_title(f"Per show hour, by start hour\n({level:.0%} interval)")
    ax.set_xlabel("Show start hour (grey: too few shows)")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    return _money_ticks(ax, currency)


def length_bars(by_length: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show by show length; ``by_length`` is lib.analytics.shows.revenue_by_show_length."""
    ax = new_ax(ax)
    ax.bar(by_length["length"].astype(str), by_length["revenue_per_show"], color=PALETTE[2])
    ax.set_title("Revenue per show,\nby show length")
    ax.set_xlabel("Show length")
    ax.set_ylabel(f"Revenue per show ({currency})")
    return _money_ticks(ax, currency)


def channel_bars(by_channel: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show hour by channel; ``by_channel`` is lib.analytics.shows.revenue_by_show_channel."""
    ax = new_ax(ax)
    ax.bar(by_channel["channel"].astype(str), by_channel["revenue_per_show_hour"], color=PALETTE[1])
    ax.set_title("Revenue per show hour,\nby channel")
    ax.set_xlabel("Channel")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    return _money_ticks(ax, currency)


def top_slots_bars(schedule: pd.DataFrame, level: float, currency: str, top: int = 12,
                   ax: Axes | None = None) -> Axes | None:
    """The ``top`` ranked slots by shrunk revenue per show hour (bars) with the raw value (dots), best on top;
    the slots clearly better than average in the darker colour (docs/metrics.md, Show slots).

    ``schedule`` is lib.analytics.shows.show_schedule; None (and no figure) when no slot is ranked.
    """
    best = schedule[schedule["rank"].notna()].head(top)
    if not len(best):
        return None
    ax = new_ax(ax, figsize=(10, 0.35 * len(best) + 1.5))
    labels = (best["weekday"] + " " + best["hour"].map(lambda h: f"{h:02d}:00")).tolist()[::-1]
    sure = (best["verdict"] == "better than average").to_numpy()[::-1]
    ax.barh(labels, best["revenue_per_show_hour_shrunk"].to_numpy()[::-1],
            color=[PALETTE[0] if s else "0.7" for s in sure], label="shrunk towards the average")
    ax.plot(best["revenue_per_show_hour"].to_numpy()[::-1], labels, "o", color="0.2", ms=4, label="raw")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Top show slots by revenue per show hour, shrunk by the number of shows\n(coloured: clearly above "
                 f"average, {level:.0%} interval)")
    ax.set_xlabel(f"Revenue per show hour ({currency})")
    ax.set_ylabel("Show start slot")
    money_axis(ax, "x", currency=currency)
    return ax
