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
from lib.report.alt_text import bars_alt, describe, grid_alt
from lib.report.plots.style import GREY, HATCH, PALETTE, legend_above, money_axis, new_ax

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
    ax.tick_params(axis="y", rotation=0)
    _hour_ticks(ax, raw.columns)
    return describe(ax, grid_alt("Completed revenue by weekday and clock hour of sale", raw.set_axis(
        [f"{int(h):02d}:00" for h in raw.columns], axis=1), lambda v: money(v, currency), "weekdays", "hours"))


def _hour_ticks(ax: Axes, hours) -> None:
    """Every third hour named on a heat map's hour axis (24 labels do not fit a phone's width)."""
    hours = list(hours)
    keep = {i for i, h in enumerate(hours) if int(h) % 3 == 0}
    ax.set_xticks([i + 0.5 for i in sorted(keep)], [f"{int(hours[i]):02d}" for i in sorted(keep)], rotation=0)


def show_hour_heatmap(slots: pd.DataFrame, min_shows: int, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show hour (adjusted for how few shows a slot has) by weekday and show start hour, slots with too
    few shows in grey.

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
    ax.set_title(f"Revenue per show hour by show start, adjusted for few shows\n(grey: fewer than {min_shows} shows)")
    ax.grid(False)
    ax.set_xlabel(_HOUR_LABEL)
    ax.set_ylabel("Weekday")
    ax.tick_params(axis="y", rotation=0)
    ok = grid[span].where(few[span].isna())
    return describe(ax, grid_alt("Revenue per show hour, adjusted for how few shows a slot has, by weekday and show start hour "
                                 f"(slots with {min_shows} or more shows)", ok.set_axis([f"{h:02d}:00" for h in span],
                                                                                       axis=1),
                                 lambda v: money(v, currency), "weekdays", "start hours"))


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
           capsize=2, color=[PALETTE[0] if e else GREY for e in hours["enough_shows"]],
           hatch=["" if e else HATCH for e in hours["enough_shows"]])
    ax.set_title(f"Per show hour, by start hour\n({level:.0%} range)")
    ax.set_xlabel("Show start hour (grey, hatched: too few shows)")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    enough = hours[hours["enough_shows"]]
    return describe(_money_ticks(ax, currency), bars_alt(
        "Revenue per show hour by show start hour (hours with enough shows)",
        [f"{h:02d}:00" for h in enough["hour"]], enough["revenue_per_show_hour"], lambda v: money(v, currency)))


def length_bars(by_length: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show by show length; ``by_length`` is lib.analytics.shows.revenue_by_show_length."""
    ax = new_ax(ax)
    ax.bar(by_length["length"].astype(str), by_length["revenue_per_show"], color=PALETTE[2])
    ax.set_title("Revenue per show,\nby show length")
    ax.set_xlabel("Show length")
    ax.set_ylabel(f"Revenue per show ({currency})")
    return describe(_money_ticks(ax, currency), bars_alt("Revenue per show by show length", by_length["length"],
                                                         by_length["revenue_per_show"], lambda v: money(v, currency)))


def channel_bars(by_channel: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per show hour by channel; ``by_channel`` is lib.analytics.shows.revenue_by_show_channel."""
    ax = new_ax(ax)
    ax.bar(by_channel["channel"].astype(str), by_channel["revenue_per_show_hour"], color=PALETTE[1])
    ax.set_title("Revenue per show hour,\nby channel")
    ax.set_xlabel("Channel")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    return describe(_money_ticks(ax, currency), bars_alt("Revenue per show hour by channel", by_channel["channel"],
                                                         by_channel["revenue_per_show_hour"],
                                                         lambda v: money(v, currency)))


def top_slots_bars(schedule: pd.DataFrame, level: float, currency: str, top: int = 12,
                   ax: Axes | None = None) -> Axes | None:
    """The ``top`` ranked slots by adjusted (shrunk) revenue per show hour (bars) with the raw value (dots), best on top;
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
            color=[PALETTE[0] if s else GREY for s in sure], hatch=["" if s else HATCH for s in sure],
            label="adjusted for how few shows a slot has")
    ax.plot(best["revenue_per_show_hour"].to_numpy()[::-1], labels, "o", color="0.2", ms=4, label="the slot's own")
    ax.set_title(f"Top show slots by revenue per show hour, adjusted for few shows (blue: clearly above "
                 f"average, {level:.0%} range; grey, hatched: not clearly)")
    legend_above(ax)
    ax.set_xlabel(f"Revenue per show hour ({currency})")
    ax.set_ylabel("Show start slot")
    money_axis(ax, "x", currency=currency)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(3))
    n_sure = int(sure.sum())
    return describe(ax, bars_alt(f"Top {len(best)} show slots by revenue per show hour, adjusted for few shows", labels[::-1],
                                 best["revenue_per_show_hour_shrunk"], lambda v: money(v, currency))
                    + f" {n_sure} of {len(best)} clearly above the average.")
