"""Charts of the Recommendations report: slots, show lengths, aged stock, bundles, win-back lists, channel returns and
the top actions (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from lib.analytics.customers import WIN_BACK_VIP_LIST
from lib.analytics.rfm import WIN_BACK_SEGMENTS
from lib.config import CHURN_DAYS, MIN_SHOWS
from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe
from lib.report.plots.style import GREY, HATCH, PALETTE, PHONE_WIDTH_IN, legend_above, money_axis

__all__ = ["slot_ranking", "revenue_by_length", "bundle_lifts", "win_back_lists", "channel_roas",
           "top_actions"]

_SIZE = (PHONE_WIDTH_IN, 4.2)  # one chart per figure: readable on a phone


def _ax(ax: Axes | None, figsize: tuple[float, float] = _SIZE) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(PHONE_WIDTH_IN, figsize[1]))
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
        ax.plot(ranked["revenue_per_show_hour"], y, "o", color="0.2", ms=4, label="as measured, before adjusting for few shows")
        ax.set_yticks(y, ranked["slot"])
        ax.axvline(avg, color=PALETTE[2], ls="--", lw=1.2, label=f"average {money(avg, currency)}")
    money_axis(ax, "x", currency)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    ax.set_title(f"Top slots by revenue per show hour, adjusted for few shows ({level:.0%} range)")
    legend_above(ax, ncol=1)
    ax.set_xlabel(f"Revenue per show hour ({currency})")
    ax.set_ylabel("Show start slot")
    if not len(ranked):
        return describe(ax, "Top show slots: no slot has enough shows to rank.")
    return describe(ax, bars_alt(f"Top {len(ranked)} show slots by revenue per show hour, pulled towards the average of "
                                 f"{money(float(slots.attrs['prior_mean']), currency)}", ranked["slot"],
                                 ranked["revenue_per_show_hour_shrunk"], lambda v: money(v, currency)))


def revenue_by_length(by_length: pd.DataFrame, min_shows: int = MIN_SHOWS, currency: str = "USD",
                      ax: Axes | None = None) -> Axes:
    """Revenue per show hour by show length class, grey when too few shows (lib.analytics.shows.revenue_by_show_length)."""
    ax = _ax(ax)
    bl = by_length[by_length["shows"] > 0]
    ax.bar(bl["length"].astype(str), bl["revenue_per_show_hour"],
           color=[PALETTE[1] if s >= min_shows else GREY for s in bl["shows"]],
           hatch=["" if s >= min_shows else HATCH for s in bl["shows"]])
    money_axis(ax, "y", currency)
    ax.set_title("Revenue per show hour by show length (grey, hatched: too few shows)")
    ax.set_xlabel("Show length")
    ax.set_ylabel(f"Revenue per show hour ({currency})")
    few = bl.loc[bl["shows"] < min_shows, "length"].astype(str).tolist()
    return describe(ax, bars_alt("Revenue per show hour by show length", bl["length"].astype(str),
                                 bl["revenue_per_show_hour"], lambda v: money(v, currency))
                    + (f" Too few shows to judge: {', '.join(few)}." if few else ""))


def bundle_lifts(cands: pd.DataFrame, min_lift: float = 1.2, min_pair_occasions: int = 10,
                 ax: Axes | None = None) -> Axes:
    """Lift of the first 10 bundle candidates, green when recommended, with the threshold (lib.analytics.bundles)."""
    ax = _ax(ax)
    top_pairs = cands.head(10)
    if len(top_pairs):
        lab = (top_pairs["item_a"] + " + " + top_pairs["item_b"]).tolist()[::-1]
        ax.barh(lab, top_pairs["lift"].to_numpy()[::-1],
                color=[PALETTE[2] if r else GREY for r in top_pairs["recommended"]][::-1],
                hatch=["" if r else HATCH for r in top_pairs["recommended"]][::-1])
        ax.axvline(1.0, color="black", lw=1)
        ax.axvline(min_lift, color="black", ls="--", lw=1.2, label=f"threshold {min_lift:g}")
    ax.set_title(f"Pairs bought together: times more often than chance (green: recommended; grey, hatched: not; "
                 f"{min_pair_occasions}+ purchase days)")
    legend_above(ax, ncol=1)
    ax.set_xlabel("Times more often than chance (1 = as often as chance predicts)")
    ax.set_ylabel("Pair (category or brand)")
    if not len(top_pairs):
        return describe(ax, "Pairs bought together: no pair with enough purchase days.")
    rec = int(top_pairs["recommended"].sum())
    return describe(ax, bars_alt("Times more often than chance, for the pairs bought together most",
                                 top_pairs["item_a"] + " + "
                                 + top_pairs["item_b"], top_pairs["lift"], lambda v: f"{v:.2f}")
                    + f" {rec} of {len(top_pairs)} recommended.")


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
            ax.annotate(f"{n:,}", (v, i), xytext=(3, 0), textcoords="offset points", va="center")
        money_axis(ax, "x", currency)
        ax.xaxis.set_major_locator(plt.MaxNLocator(3))
        ax.set_xlim(0, float(g["revenue"].max()) * 1.3)
    ax.set_title(f"Win-back lists: lifetime revenue (away over {churn_days} days; number = customers)")
    ax.set_xlabel(f"Lifetime revenue ({currency})")
    ax.set_ylabel("List")
    if targets is None or not len(targets):
        return describe(ax, "Win-back lists: no customers to win back.")
    return describe(ax, bars_alt("Win-back lists by lifetime revenue", [f"{i} ({n:,} customers)" for i, n in
                                 zip(g.index.astype(str), g["customers"], strict=True)], g["revenue"],
                                 lambda v: money(v, currency), named=len(g)))


def channel_roas(boot: pd.DataFrame | None, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Return on ad spend by channel (gross profit, else sales, per ad dollar) with 90% bootstrap intervals and
    break-even (lib.analytics.marketing.bootstrap_roas); titles and labels in the glossary's words."""
    ax = _ax(ax)
    if boot is not None and len(boot):
        gp = boot["gp_roas"].notna().any()
        v, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gp else ("roas", "roas_low", "roas_high")
        b = boot.sort_values(v)
        y = np.arange(len(b))
        ax.errorbar(b[v], y, xerr=[b[v] - b[lo], b[hi] - b[v]], fmt="o", color=PALETTE[0], capsize=4)
        ax.axvline(1.0, color="black", ls="--", lw=1.2, label="break-even")
        ax.set_yticks(y, b["channel"].astype(str))
        ax.set_xlabel(f"{'Gross profit' if gp else 'Sales'} per {currency} spent (credited to the last contact)")
        ax.set_title(f"{'Gross profit' if gp else 'Sales'} per ad dollar by channel (90% range)")
    else:
        ax.set_xlabel(f"Return per {currency} spent")
        ax.set_title("Return on ad spend by channel (90% range)")
    legend_above(ax, ncol=1)
    ax.set_ylabel("Channel")
    if boot is None or not len(boot):
        return describe(ax, "Return on ad spend by channel: no campaign spend to measure.")
    ranges = "; ".join(f"{c} {money(m, currency, 2)} (90% range {money(lo_, currency, 2)} to "
                       f"{money(hi_, currency, 2)})" for c, m, lo_, hi_ in
                       zip(b["channel"].astype(str), b[v], b[lo], b[hi], strict=True))
    return describe(ax, f"{'Gross profit' if gp else 'Revenue'} per {money(1, currency)} of ad spend by channel, "
                        f"break-even at {money(1, currency, 2)}: {ranges}.")


def top_actions(top: pd.DataFrame, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Expected gross profit of the top actions with their 80% ranges, coloured by confidence; one-off effects
    marked (lib.analytics.recommendations.top_actions; docs/metrics.md, Recommendations' effects)."""
    ax = _ax(ax, (10, 0.95 * len(top) + 1.8))
    once = [" (once)" if k == "one-off" else "" for k in top["effect_kind"]]
    lab = [str(r) for r in top["rank"]][::-1]  # the rank on the axis, the action written over its bar
    colors = {"high": PALETTE[0], "medium": PALETTE[1], "low": GREY}
    hatches = {"high": "", "medium": HATCH, "low": ".."}
    v = top["expected_value"].to_numpy(dtype=float)
    err = np.vstack([v - top["expected_low"].to_numpy(dtype=float), top["expected_high"].to_numpy(dtype=float) - v])
    ax.barh(lab, v[::-1], xerr=err[:, ::-1].clip(min=0), capsize=3, height=0.4,
            color=[colors[c] for c in top["confidence"]][::-1], hatch=[hatches[c] for c in top["confidence"]][::-1])
    over = ax.get_yaxis_transform()  # x in axes fractions, y in bar positions
    for i, (a, o) in enumerate(zip(top["action"][::-1], once[::-1], strict=True)):
        lines = textwrap.wrap(f"{a}{o}", 46)
        ax.text(0.0, i + 0.24, "\n".join(lines[:2]) + ("..." if len(lines) > 2 else ""), transform=over,
                va="bottom", ha="left", clip_on=False)
    ax.set_ylim(-0.5, len(top) - 0.05)
    money_axis(ax, "x", currency)
    ax.xaxis.set_major_locator(plt.MaxNLocator(3))
    ax.set_title(f"Top {len(top)} actions by expected gross profit (80% range)")
    shown = [c for c in colors if c in set(top["confidence"])]
    legend_above(ax, [Patch(facecolor=colors[c], hatch=hatches[c]) for c in shown],
                 [f"{c} confidence" for c in shown], ncol=3)
    ax.set_xlabel(f"Expected gross profit a month, or once when marked ({currency})")
    ax.set_ylabel("Action")
    parts = "; ".join(f"{r} {a}{o}: {money(x, currency)} (80% range {money(lo_, currency)} to {money(hi_, currency)}, "
                      f"{c} confidence)" for r, a, o, x, lo_, hi_, c in
                      zip(top["rank"], top["action"], once, v, top["expected_low"], top["expected_high"],
                          top["confidence"], strict=True))
    return describe(ax, f"Top {len(top)} actions by expected gross profit: {parts}.")
