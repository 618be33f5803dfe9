"""Charts of the brands report: revenue and profit by brand, the brand map, trends, growth, profit per shelf day."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from lib.report.plots.style import PALETTE, bar, money_axis, new_ax, pct_axis

__all__ = ["QUADRANT_COLOURS", "brand_revenue_chart", "brand_profit_chart", "brand_map_chart", "brand_trend_chart",
           "brand_growth_chart", "shelf_day_profit_chart"]

#: colour of each brand map quadrant, by the quadrant keys of lib.analytics.brands.QUADRANTS (legend order)
QUADRANT_COLOURS = {"buy more": PALETTE[3], "price up": PALETTE[1], "mark down": PALETTE[4], "stop buying": PALETTE[0]}
#: the quadrants' corner labels, in axes coordinates
_CORNERS = {(0.01, 0.99): "BUY MORE", (0.99, 0.99): "MARK DOWN", (0.01, 0.01): "PRICE UP",
            (0.99, 0.01): "BUY LESS / STOP"}


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


def brand_map_chart(quad: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The brand map (lib.analytics.brands.brand_map / brand_quadrants): margin against KM median days to sell,
    bubble size = revenue, faded = within chance, split lines at ``quad.attrs`` ``margin_split`` and ``days_split``."""
    ax = new_ax(ax, (10.5, 6.5))
    margin_split, days_split = quad.attrs["margin_split"], quad.attrs["days_split"]
    size = 1500 * quad["revenue"] / quad["revenue"].max() + 40
    clear = quad["evidence"] != "within chance"
    ax.scatter(quad["days_plot"], quad["margin_pct"], s=size, c=[QUADRANT_COLOURS[q] for q in quad["quadrant"]],
               alpha=np.where(clear, 0.8, 0.3), edgecolors="black", linewidths=np.where(quad["uncertain"], 0.0, 0.7))
    for _, r in quad.iterrows():
        note = " (few sales)" if r["uncertain"] else ("" if r["median_reached"] else " (median not reached)")
        ax.annotate(f"{r['brand']}{note}", (r["days_plot"], r["margin_pct"]), fontsize=8, ha="center", va="bottom",
                    xytext=(0, 7), textcoords="offset points")
    ax.axvline(days_split, color="grey", ls="--", lw=1)
    ax.axhline(margin_split, color="grey", ls="--", lw=1)
    xs = np.r_[quad["days_plot"].dropna().to_numpy(), days_split]
    ys = np.r_[quad["margin_pct"].to_numpy(), margin_split]
    xpad, ypad = (xs.max() - xs.min()) * 0.2 + 1, (ys.max() - ys.min()) * 0.2 + 1
    ax.set_xlim(xs.min() - xpad, xs.max() + xpad)
    ax.set_ylim(ys.min() - ypad, ys.max() + ypad)
    for (hx, hy), txt in _CORNERS.items():
        ax.text(hx, hy, txt, transform=ax.transAxes, ha="left" if hx < 0.5 else "right",
                va="top" if hy > 0.5 else "bottom", fontsize=10, fontweight="bold", color="#777777")
    handles = [Line2D([], [], marker="o", ls="", ms=9, color=c, markeredgecolor="black", label=name)
               for name, c in QUADRANT_COLOURS.items()]
    handles.append(Line2D([], [], marker="o", ls="", ms=9, color="grey", alpha=0.3, label="within chance"))
    ax.legend(handles=handles, title="Quadrant", fontsize=8, loc="center right")
    pct_axis(ax, "y")
    ax.set_title("Brand map: gross margin vs median days to sell (bubble size = revenue; faded = within chance)")
    ax.set_xlabel("Median days to sell (Kaplan-Meier)")
    ax.set_ylabel("Gross margin (%)")
    return ax


def brand_trend_chart(monthly: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per month of the top brands and the rest (lib.analytics.brands.brand_monthly_revenue)."""
    ax = new_ax(ax, (11, 4.8))
    for i, col in enumerate(monthly.columns):
        ax.plot(monthly.index, monthly[col], marker="o", ms=3, lw=1.8, color=PALETTE[i % len(PALETTE)], label=col)
    money_axis(ax, "y", currency)
    ax.set_title(f"Revenue by brand and month, last {len(monthly)} months (top 6 brands, others summed)")
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Revenue ({currency}) per month")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(fontsize=8, ncol=2)
    return ax


def brand_growth_chart(ranked: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Revenue growth of the last 3 months against the 3 before, per ranked brand
    (lib.analytics.brands.ranked_growth); green for growth, red for decline."""
    ax = new_ax(ax, (10, 0.35 * len(ranked) + 1.5))
    colors = [PALETTE[3] if v >= 0 else PALETTE[0] for v in ranked["growth_3m_pct"]]
    ax.barh(ranked["brand"].astype(str)[::-1], ranked["growth_3m_pct"][::-1], color=colors[::-1])
    ax.axvline(0, color="black", lw=1)
    pct_axis(ax, "x")
    ax.set_title("Revenue growth: last 3 months vs the 3 months before")
    ax.set_xlabel("Revenue growth (%)")
    ax.set_ylabel("Brand")
    return ax


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
    ax.set_title("Gross profit per item-day on the shelf, by brand (95% interval)")
    ax.set_xlabel(f"Gross profit per item per day on the shelf ({currency})")
    ax.set_ylabel("Brand")
    return ax
