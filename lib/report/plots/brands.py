"""Charts of the brands report: revenue and profit by brand, the brand map coloured by verdict, trends, growth, profit per shelf day."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, label, series_alt
from lib.report.plots.style import (
    GREY,
    HATCH,
    PALETTE,
    bar,
    date_axis,
    legend_above,
    money_axis,
    new_ax,
    pct_axis,
)

__all__ = ["VERDICT_COLOURS", "VERDICT_MARKERS", "brand_revenue_chart", "brand_profit_chart", "brand_map_chart", "brand_trend_chart",
           "brand_growth_chart", "shelf_day_profit_chart"]

#: colour of each verdict (lib.analytics.verdicts.VERDICTS, legend order); no verdict is neutral grey
VERDICT_COLOURS = {"buy more": PALETTE[2], "price up": PALETTE[1], "mark down": PALETTE[5], "buy less": PALETTE[4],
                   "keep": PALETTE[0], "no verdict": GREY}
#: the second cue of each verdict: its marker shape
VERDICT_MARKERS = {"buy more": "^", "price up": "D", "mark down": "v", "buy less": "s", "keep": "o", "no verdict": "X"}
#: the map's corners in axes coordinates: where each side of the shop's margin and median lies (not a verdict)
_CORNERS = {(0.01, 0.99): "higher margin, faster", (0.99, 0.99): "higher margin, slower",
            (0.01, 0.01): "lower margin, faster", (0.99, 0.01): "lower margin, slower"}


def brand_revenue_chart(perf: pd.DataFrame, currency: str, n: int = 15, ax: Axes | None = None) -> Axes:
    """Revenue of the ``n`` brands with the most (lib.analytics.brands.brand_performance)."""
    ax = bar(perf.set_index("brand")["revenue"].head(n), "Revenue by brand", f"Revenue ({currency})", "Brand",
             ax=ax, currency=currency, horizontal=True)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    return ax


def brand_profit_chart(perf: pd.DataFrame, currency: str, n: int = 15, ax: Axes | None = None) -> Axes:
    """Gross profit of the ``n`` brands with the most (brands of unknown cost left out)."""
    gp = perf.dropna(subset=["gross_profit"]).sort_values("gross_profit", ascending=False).head(n)
    ax = bar(gp.set_index("brand")["gross_profit"], "Gross profit by brand", f"Gross profit ({currency})", "Brand",
             ax=ax, currency=currency, horizontal=True, color=PALETTE[2])
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    return ax


def brand_map_chart(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The brand map of the verdict table (lib.analytics.verdicts.verdict_table by brand): margin against KM median
    days to sell with their 95% intervals as error bars, bubble size = revenue, colour = the brand's verdict (no
    verdict grey), dashed lines at the shop's margin and median."""
    ax = new_ax(ax, (10.5, 6.5))
    t = table[table["margin_pct"].notna()].reset_index(drop=True)
    margin_split, days_split = float(t["shop_margin_pct"].iloc[0]), float(t["shop_median_days"].iloc[0])
    days = pd.to_numeric(t["km_median_days"], errors="coerce")
    beyond = max(float(np.nanmax(np.r_[days.to_numpy(dtype="float64"), days_split])), 1.0) * 1.1
    x = days.fillna(beyond).to_numpy(dtype="float64")
    y = t["margin_pct"].to_numpy(dtype="float64")
    xlo = x - pd.to_numeric(t["km_low"], errors="coerce").fillna(0).to_numpy(dtype="float64")
    xhi = pd.to_numeric(t["km_high"], errors="coerce").fillna(beyond).to_numpy(dtype="float64") - x
    ylo = y - pd.to_numeric(t["margin_low"], errors="coerce").fillna(pd.Series(y)).to_numpy(dtype="float64")
    yhi = pd.to_numeric(t["margin_high"], errors="coerce").fillna(pd.Series(y)).to_numpy(dtype="float64") - y
    ax.errorbar(x, y, xerr=[np.clip(xlo, 0, None), np.clip(xhi, 0, None)],
                yerr=[np.clip(ylo, 0, None), np.clip(yhi, 0, None)], fmt="none", ecolor="#999999", lw=0.8,
                capsize=2, zorder=1)
    size = (600 * t["revenue"] / max(float(t["revenue"].max()), 1e-9) + 30).to_numpy(dtype="float64")
    verdicts = t["verdict"].where(t["verdict"].isin(list(VERDICT_COLOURS)), "no verdict")
    for v in VERDICT_COLOURS:
        m = (verdicts == v).to_numpy()
        if m.any():
            ax.scatter(x[m], y[m], s=size[m], c=VERDICT_COLOURS[v], marker=VERDICT_MARKERS[v], alpha=0.8,
                       edgecolors="black", linewidths=0.7, zorder=2)
    ax.axvline(days_split, color="grey", ls="--", lw=1)
    ax.axhline(margin_split, color="grey", ls="--", lw=1)
    xs, ys = np.r_[x - xlo, x + xhi, days_split], np.r_[y - ylo, y + yhi, margin_split]
    xpad, ypad = (np.nanmax(xs) - np.nanmin(xs)) * 0.08 + 1, (np.nanmax(ys) - np.nanmin(ys)) * 0.08 + 1
    ax.set_xlim(max(0.0, np.nanmin(xs) - xpad), np.nanmax(xs) + xpad)
    ax.set_ylim(np.nanmin(ys) - ypad, np.nanmax(ys) + ypad)
    for (hx, hy), txt in _CORNERS.items():
        ax.text(hx, hy, txt, transform=ax.transAxes, ha="left" if hx < 0.5 else "right",
                va="top" if hy > 0.5 else "bottom", color="#777777")
    shown = [v for v in VERDICT_COLOURS if v in set(verdicts)]
    handles = [Line2D([], [], marker=VERDICT_MARKERS[v], ls="", ms=9, color=VERDICT_COLOURS[v],
                      markeredgecolor="black", label=v) for v in shown]
    pct_axis(ax, "y")
    ax.set_title("Brand map: gross margin vs median days to sell, 95% ranges (bubble size = revenue; colour and "
                 "shape = verdict)")
    legend_above(ax, handles, shown, ncol=3)
    ax.set_xlabel("Median days to sell (unsold items counted); dashed: the shop's median")
    ax.set_ylabel("Gross margin (%); dashed: the shop's margin")
    names = [f"{r['group']}" + ("" if pd.notna(days.iloc[i]) else " (median not reached)") for i, r in t.iterrows()]
    _place_labels(ax, x, y, names, t["revenue"].to_numpy(dtype="float64"))
    groups = "; ".join(f"{v}: " + ", ".join(str(g) for g in t.loc[(verdicts == v).to_numpy(), "group"])
                       for v in shown)
    return describe(ax, f"Brand map of {len(t)} brands, gross margin against median days to sell, shop margin "
                        f"{margin_split:.1f}% and shop median {days_split:.0f} days. Verdicts: {groups}.")


def _place_labels(ax: Axes, x: np.ndarray, y: np.ndarray, names: list[str], weight: np.ndarray) -> None:
    """Name the points, biggest first, each beside its point where it overlaps no name already placed (above,
    below, right or left); a name with no free place is left off the chart (the alt text and the table have it)."""
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.canvas.draw()
    placed = []
    for i in np.argsort(-np.nan_to_num(weight)):
        for dx, dy, ha, va in ((0, 9, "center", "bottom"), (0, -9, "center", "top"), (9, 0, "left", "center"),
                               (-9, 0, "right", "center")):
            txt = ax.annotate(names[i], (x[i], y[i]), ha=ha, va=va, xytext=(dx, dy), textcoords="offset points",
                              zorder=3)
            box = txt.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and \
                ax.get_window_extent(renderer).contains(box.x1, box.y1)
            if inside and not any(box.overlaps(b) for b in placed):
                placed.append(box)
                break
            txt.remove()


def brand_trend_chart(monthly: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per month of the top brands and the rest (lib.analytics.brands.brand_monthly_revenue)."""
    ax = new_ax(ax, (11, 4.8))
    for i, col in enumerate(monthly.columns):
        ax.plot(monthly.index, monthly[col], marker="osD^v<>P"[i % 8], ms=5, lw=1.8, color=PALETTE[i % len(PALETTE)],
                ls=["-", "--", ":", "-."][i // len(PALETTE) % 4], label=col)
    money_axis(ax, "y", currency)
    ax.set_title(f"Revenue by brand and month, last {len(monthly)} months (top 6 brands, others summed)")
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Revenue ({currency}) per month")
    if pd.api.types.is_datetime64_any_dtype(monthly.index):
        date_axis(ax)
    else:  # "YYYY-MM" labels
        ax.tick_params(axis="x", rotation=90)
    legend_above(ax, ncol=2)
    if not len(monthly):
        return describe(ax, "Revenue by brand and month: no months to show.")
    last = monthly.iloc[-1].sort_values(ascending=False)
    return describe(ax, series_alt("Revenue of all brands shown together by month", monthly.index,
                                   monthly.sum(axis=1), lambda v: money(v, currency))
                    + f" In {label(monthly.index[-1])}: " + ", ".join(f"{c} {money(v, currency)}" for c, v in last.items())
                    + ".")


def brand_growth_chart(ranked: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Revenue growth of the last 3 months against the 3 before, per ranked brand
    (lib.analytics.brands.ranked_growth); blue for growth, orange and hatched for decline."""
    ax = new_ax(ax, (10, 0.35 * len(ranked) + 1.5))
    colors = [PALETTE[0] if v >= 0 else PALETTE[1] for v in ranked["growth_3m_pct"]]
    hatches = ["" if v >= 0 else HATCH for v in ranked["growth_3m_pct"]]
    ax.barh(ranked["brand"].astype(str)[::-1], ranked["growth_3m_pct"][::-1], color=colors[::-1],
            hatch=hatches[::-1])
    ax.axvline(0, color="black", lw=1)
    pct_axis(ax, "x")
    ax.set_title("Revenue growth: last 3 months vs the 3 months before")
    ax.set_xlabel("Revenue growth (%); blue grew, orange hatched fell")
    ax.set_ylabel("Brand")
    return describe(ax, bars_alt("Revenue growth of the last 3 months against the 3 before, by brand", ranked["brand"],
                                 ranked["growth_3m_pct"], lambda v: f"{v:+.0f}%"))


def shelf_day_profit_chart(by_brand: pd.DataFrame, bcol: str, currency: str, n: int = 15,
                           ax: Axes | None = None) -> Axes:
    """Gross profit per item-day on the shelf of the first ``n`` eligible brands, with 95% intervals
    (lib.analytics.brands.shelf_day_profit by ``bcol``)."""
    e = by_brand[by_brand["eligible"]].head(n)
    ax = new_ax(ax, (10, 0.38 * max(len(e), 3) + 1.5))
    y = np.arange(len(e))[::-1]
    ax.barh(y, e["profit_per_shelf_day"], color=PALETTE[0], alpha=0.85)
    ax.errorbar(e["profit_per_shelf_day"], y, xerr=[e["profit_per_shelf_day"] - e["low"], e["high"] - e["profit_per_shelf_day"]],
                fmt="none", ecolor="black", capsize=3, lw=1)
    ax.set_yticks(y, e[bcol].astype(str))
    money_axis(ax, "x", currency)
    ax.set_title("Gross profit per item-day on the shelf, by brand (95% range)")
    ax.set_xlabel(f"Gross profit per item per day on the shelf ({currency})")
    ax.set_ylabel("Brand")
    return describe(ax, bars_alt("Gross profit per item-day on the shelf, by brand", e[bcol].astype(str),
                                 e["profit_per_shelf_day"], lambda v: money(v, currency, 2)))
