"""Charts of the Recommendations report: slots, show lengths, aged stock, bundles, win-back lists, channel returns and
the top actions (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from lib.analytics.recommendations import RETARGET_SEGMENTS, VIP_LIST
from lib.config import AGING_DAYS, CHURN_DAYS, MIN_SHOWS
from lib.narrative.fmt import money
from lib.report.plots.style import PALETTE, money_axis

__all__ = ["slot_ranking", "revenue_by_length", "aged_stock_value", "bundle_lifts", "win_back_lists", "channel_roas",
           "top_actions"]

_SIZE = (9, 4.2)  # one chart per figure: readable on a phone


def _ax(ax: Axes | None, figsize: tuple[float, float] = _SIZE) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def slot_ranking(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80, ax: Axes | None = None) -> Axes:
    """The 10 best ranked start slots by revenue per show hour with their intervals and the median ranked slot
    (lib.analytics.shows.slot_stats)."""
    ax = _ax(ax)
    ranked = slots[slots["enough_shows"]].sort_values("rank").head(10)
    if len(ranked):
        med = float(slots.loc[slots["enough_shows"], "revenue_per_show_hour"].median())
        y = np.arange(len(ranked))[::-1]
        ax.barh(y, ranked["revenue_per_show_hour"], color=PALETTE[0],
                xerr=np.vstack([ranked["revenue_per_show_hour"] - ranked["low"],
                                ranked["high"] - ranked["revenue_per_show_hour"]]).clip(min=0), capsize=3)
        ax.set_yticks(y, ranked["slot"])
        ax.axvline(med, color=PALETTE[2], ls="--", lw=1.2, label=f"median slot {money(med, currency)}")
        ax.legend(loc="lower right", fontsize=8)
    money_axis(ax, "x", currency)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    ax.set_title(f"Top slots by revenue per show hour ({level:.0%} interval)")
    ax.set_xlabel(f"Revenue per show hour ({currency})")
    ax.set_ylabel("Show start slot")
    return ax


def revenue_by_length(by_length: pd.DataFrame, min_shows: int = MIN_SHOWS, currency: str = "USD",
                      ax: Axes | None = None) -> Axes:
    """Revenue per show hour by show length class, grey when too few shows (lib.analytics.shows.revenue_by_show_length)."""
    ax = _ax(ax)
    bl = by_length[by_length["shows"] > 0]
    ax.bar(bl["length"].astype(str), bl["revenue_per_show_hour"],
           color=[PALETTE[1] if s >= min_shows else "0.75" for s in bl["shows"]])
    money_axis(ax, "y", currency)
    ax.set_title("Revenue per show hour by show length (grey: too few shows)")
    ax.set_xlabel("Show length")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    return ax


def aged_stock_value(value: pd.Series | None, group: str = "category", aging_days: int = AGING_DAYS, currency: str = "USD",
                     ax: Axes | None = None) -> Axes:
    """Aged stock at suggested prices per group (lib.analytics.recommendations.aged_stock_value); empty axes when
    there is none."""
    ax = _ax(ax)
    if value is not None and len(value):
        ax.barh(value.index.astype(str), value.to_numpy(), color=PALETTE[0])
        money_axis(ax, "x", currency)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    ax.set_title(f"Aged stock (over {aging_days} days) at suggested prices")
    ax.set_xlabel(f"Value at suggested price ({currency})")
    ax.set_ylabel(group.replace("_", " ").capitalize())
    return ax


def bundle_lifts(cands: pd.DataFrame, min_lift: float = 1.2, min_pair_occasions: int = 10,
                 ax: Axes | None = None) -> Axes:
    """Lift of the first 10 bundle candidates, green when recommended, with the threshold (lib.analytics.bundles)."""
    ax = _ax(ax)
    top_pairs = cands.head(10)
    if len(top_pairs):
        lab = (top_pairs["item_a"] + " + " + top_pairs["item_b"]).tolist()[::-1]
        ax.barh(lab, top_pairs["lift"].to_numpy()[::-1],
                color=[PALETTE[3] if r else "0.75" for r in top_pairs["recommended"]][::-1])
        ax.axvline(1.0, color="black", lw=1)
        ax.axvline(min_lift, color=PALETTE[2], ls="--", lw=1.2, label=f"threshold {min_lift:g}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Pairs bought together: lift (green: recommended; {min_pair_occasions}+ occasions)")
    ax.set_xlabel("Lift (1 = as often as chance predicts)")
    ax.set_ylabel("Pair (category or brand)")
    return ax


def win_back_lists(targets: pd.DataFrame | None, churn_days: int = CHURN_DAYS, currency: str = "USD",
                   ax: Axes | None = None) -> Axes:
    """Lifetime revenue and customers of each win-back list (lib.narrative.recommendations.win_back_list)."""
    ax = _ax(ax)
    if targets is not None and len(targets):
        g = targets.groupby("list", observed=True).agg(customers=("buyer_id", "size"), revenue=("revenue", "sum"))
        g = g.reindex([x for x in [VIP_LIST, *RETARGET_SEGMENTS] if x in g.index])
        ax.barh(g.index.astype(str)[::-1], g["revenue"].to_numpy()[::-1], color=PALETTE[0])
        for i, (v, n) in enumerate(zip(g["revenue"].to_numpy()[::-1], g["customers"].to_numpy()[::-1],
                                       strict=False)):
            ax.annotate(f"{n:,} customers", (v, i), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8)
        money_axis(ax, "x", currency)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
        ax.set_xlim(0, float(g["revenue"].max()) * 1.3)
    ax.set_title(f"Win-back lists: lifetime revenue (away over {churn_days} days)")
    ax.set_xlabel(f"Lifetime revenue ({currency})")
    ax.set_ylabel("List")
    return ax


def channel_roas(boot: pd.DataFrame | None, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Return on ad spend by channel with 90% bootstrap intervals and break-even (lib.analytics.marketing.bootstrap_roas)."""
    ax = _ax(ax)
    if boot is not None and len(boot):
        gp = boot["gp_roas"].notna().any()
        v, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gp else ("roas", "roas_low", "roas_high")
        b = boot.sort_values(v)
        y = np.arange(len(b))
        ax.errorbar(b[v], y, xerr=[b[v] - b[lo], b[hi] - b[v]], fmt="o", color=PALETTE[0], capsize=4)
        ax.axvline(1.0, color=PALETTE[4], ls="--", lw=1.2, label="break-even")
        ax.set_yticks(y, b["channel"].astype(str))
        ax.legend(loc="lower right", fontsize=8)
        ax.set_xlabel(f"{'Gross profit' if gp else 'Revenue'} per {currency} spent (last touch)")
    else:
        ax.set_xlabel(f"Return per {currency} spent")
    ax.set_title("Return on ad spend by channel (90% bootstrap interval)")
    ax.set_ylabel("Channel")
    return ax


def top_actions(top: pd.DataFrame, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Expected effect per month of the top actions, coloured by confidence
    (lib.analytics.recommendations.top_actions)."""
    ax = _ax(ax, (10, 0.5 * len(top) + 1.6))
    lab = [f"{r} {a[:60]}{'...' if len(a) > 60 else ''}" for r, a in zip(top["rank"], top["action"], strict=False)][::-1]
    colors = {"high": PALETTE[3], "medium": PALETTE[1], "low": "0.7"}
    ax.barh(lab, top["expected_value"].to_numpy()[::-1], color=[colors[c] for c in top["confidence"]][::-1])
    money_axis(ax, "x", currency)
    ax.set_title(f"Top {len(top)} actions by expected effect per month (green high, gold medium, grey low confidence)")
    ax.set_xlabel(f"Expected revenue or gross-profit effect per month ({currency})")
    ax.set_ylabel("Action")
    return ax
