"""Charts of the Recommendations report: slots, show lengths, aged stock, bundles, win-back lists, channel returns and
the top actions (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from lib.analytics.customers import WIN_BACK_VIP_LIST
from lib.analytics.rfm import WIN_BACK_SEGMENTS
from lib.config import CHURN_DAYS, MIN_SHOWS
from lib.narrative.fmt import money
from lib.report.plots.style import PALETTE, money_axis

__all__ = ["slot_ranking", "revenue_by_length", "bundle_lifts", "win_back_lists", "channel_roas",
           "top_actions"]

_SIZE = (9, 4.2)  # one chart per figure: readable on a phone


def _ax(ax: Axes | None, figsize: tuple[float, float] = _SIZE) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def slot_ranking(slots: pd.DataFrame, currency: str = "USD", level: float = 0.80, ax: Axes | None = None) -> Axes:
    """The 10 best ranked start slots by revenue per show hour shrunk towards the average, with the ``level``
    interval of their difference from it, and the average (lib.analytics.shows.slot_stats; docs/metrics.md, Show
    slots)."""
    ax = _ax(ax)
    ranked = slots[slots["enough_shows"]].sort_values("rank").head(10)
    if len(ranked):
        avg = float(slots.attrs["prior_mean"])
        y = np.arange(len(ranked))[::-1]
        est = ranked["revenue_per_show_hour_shrunk"]
        ax.barh(y, est, color=PALETTE[0],
                xerr=np.vstack([est - avg - ranked["vs_mean_low"], ranked["vs_mean_high"] - est + avg]).clip(min=0),
                capsize=3)
        ax.plot(ranked["revenue_per_show_hour"], y, "o", color="0.2", ms=4, label="raw (before shrinking)")
        ax.set_yticks(y, ranked["slot"])
        ax.axvline(avg, color=PALETTE[2], ls="--", lw=1.2, label=f"average {money(avg, currency)}")
        ax.legend(loc="lower right", fontsize=8)
    money_axis(ax, "x", currency)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    ax.set_title(f"Top slots by revenue per show hour, shrunk by the number of shows ({level:.0%} interval)")
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
    """Lifetime revenue and customers of each win-back list (lib.narrative.customers.win_back_recommendations)."""
    ax = _ax(ax)
    if targets is not None and len(targets):
        g = targets.groupby("list", observed=True).agg(customers=("buyer_id", "size"), revenue=("revenue", "sum"))
        g = g.reindex([x for x in [WIN_BACK_VIP_LIST, *WIN_BACK_SEGMENTS] if x in g.index])
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
    """Expected gross profit of the top actions with their 80% ranges, coloured by confidence; one-off effects
    marked (lib.analytics.recommendations.top_actions; docs/metrics.md, Recommendations' effects)."""
    ax = _ax(ax, (10, 0.5 * len(top) + 1.6))
    once = [" (once)" if k == "one-off" else "" for k in top["effect_kind"]]
    lab = [f"{r} {a[:55]}{'...' if len(a) > 55 else ''}{o}"
           for r, a, o in zip(top["rank"], top["action"], once, strict=False)][::-1]
    colors = {"high": PALETTE[3], "medium": PALETTE[1], "low": "0.7"}
    v = top["expected_value"].to_numpy(dtype=float)
    err = np.vstack([v - top["expected_low"].to_numpy(dtype=float), top["expected_high"].to_numpy(dtype=float) - v])
    ax.barh(lab, v[::-1], xerr=err[:, ::-1].clip(min=0), capsize=3,
            color=[colors[c] for c in top["confidence"]][::-1])
    money_axis(ax, "x", currency)
    ax.set_title(f"Top {len(top)} actions by expected gross profit (80% range; green high, gold medium, grey low "
                 "confidence)")
    ax.set_xlabel(f"Expected gross profit a month, or once when marked ({currency})")
    ax.set_ylabel("Action")
    return ax
