"""Charts of the Marketing ROI report: campaign ROAS, channel spend and revenue, acquisition value, model shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from lib.data.periods import Period
from lib.narrative.fmt import money
from lib.narrative.marketing import MODEL_LABELS
from lib.report.alt_text import bars_alt, describe
from lib.report.plots.style import HATCH, PALETTE, legend_above, money_axis, new_ax, pct_axis

__all__ = ["campaign_roas_bars", "channel_spend_revenue_bars", "acquisition_value_bars", "model_share_bars",
           "roas_interval_dots"]


def campaign_roas_bars(perf: pd.DataFrame, period: Period, currency: str = "USD", top: int = 25,
                       ax: Axes | None = None) -> Axes:
    """Gross profit per unit of spend of the ``top`` best-returning campaigns with spend (lib.analytics.marketing.
    campaign_performance), coloured by whether it covers the spend, against the break-even of 1; revenue per unit
    of spend when gross profit is unknown (docs/metrics.md, Marketing)."""
    paid = perf[perf["spend"] > 0]
    gp = bool(paid["gp_roas"].notna().any())
    col = "gp_roas" if gp else "roas"
    paid = paid.sort_values([col, "campaign"], ascending=[False, True], kind="stable").head(top)
    val = paid[col].fillna(0.0).to_numpy()
    what = "Gross profit" if gp else "Revenue"
    ax = new_ax(ax, figsize=(9, 0.32 * len(paid) + 1.6))
    colors = [PALETTE[0] if v >= 1 else PALETTE[1] for v in val]
    ax.barh(paid["campaign"].astype(str)[::-1], val[::-1], color=colors[::-1],
            hatch=["" if v >= 1 else HATCH for v in val][::-1])
    ax.axvline(1.0, color="black", ls="--", lw=1.2, label=f"break-even: {what.lower()} = spend")
    handles = ax.get_legend_handles_labels()[0] + [
        Patch(color=PALETTE[0], label=f"{what.lower()} covers its spend"),
        Patch(facecolor=PALETTE[1], hatch=HATCH, label=f"{what.lower()} below its spend")]
    ax.set_title(f"{what} per {money(1, currency)} of ad spend by campaign (sales credited to the last ad contact, "
                 f"to {period.end:%b %Y})")
    legend_above(ax, handles, [h.get_label() for h in handles], ncol=1)
    ax.set_xlabel(f"{what} ({currency}) per {currency} spent")
    ax.set_ylabel("Campaign")
    above = int((val >= 1).sum())
    return describe(ax, bars_alt(f"{what} per {money(1, currency)} of spend, {len(val)} campaigns with spend",
                                 paid["campaign"].astype(str), val, lambda v: money(v, currency, 2))
                    + f" {above} of {len(val)} at or above break-even.")


def channel_spend_revenue_bars(chan_perf: pd.DataFrame, period: Period, currency: str = "USD",
                               ax: Axes | None = None) -> Axes:
    """Spend beside last-touch revenue per channel (lib.analytics.marketing.channel_performance); revenue only
    when the data has no campaign spend (docs/metrics.md, Marketing)."""
    ax = new_ax(ax)
    x = np.arange(len(chan_perf))
    if "spend" in chan_perf.columns:
        ax.bar(x - 0.2, chan_perf["spend"], 0.4, label="Spend", color=PALETTE[1], hatch=HATCH)
        ax.bar(x + 0.2, chan_perf["revenue"], 0.4, label="Sales credited to the last ad contact", color=PALETTE[0])
    else:
        ax.bar(x, chan_perf["revenue"], 0.6, label="Sales credited to the last ad contact", color=PALETTE[0])
    ax.set_xticks(x, chan_perf["channel"].astype(str))
    money_axis(ax, "y", currency)
    ax.set_title(f"Spend and credited sales by channel (history to {period.end:%b %Y})")
    ax.set_xlabel("Marketing channel")
    ax.set_ylabel(f"Amount ({currency})")
    if len(chan_perf) > 3:
        ax.tick_params(axis="x", rotation=30)
    legend_above(ax)
    fmt = lambda v: money(v, currency)  # noqa: E731
    text = bars_alt("Sales credited to the last ad contact by channel", chan_perf["channel"].astype(str), chan_perf["revenue"], fmt)
    if "spend" in chan_perf.columns:
        text += " " + bars_alt("Spend by channel", chan_perf["channel"].astype(str), chan_perf["spend"], fmt)
    return describe(ax, text)


def acquisition_value_bars(shown: pd.DataFrame, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """First-12-month revenue per customer by acquisition channel, annotated with the 12-month repeat rate
    (lib.analytics.marketing.mature_acquisition_channels; docs/metrics.md, Marketing)."""
    ax = new_ax(ax)
    ax.bar(shown["acquisition_channel"].astype(str), shown["revenue_12m_per_customer"], color=PALETTE[1])
    for i, (v, r) in enumerate(zip(shown["revenue_12m_per_customer"], shown["repeat_rate_12m_pct"], strict=False)):
        ax.annotate(f"{r:.0f}%", (i, v), ha="center", va="bottom")
    money_axis(ax, "y", currency)
    ax.set_title("First-12-month revenue per customer by acquisition channel (on each bar: share who bought again)")
    ax.set_xlabel("Acquisition channel (users.csv)")
    ax.set_ylabel(f"Revenue per customer ({currency})")
    if len(shown) > 3:
        ax.tick_params(axis="x", rotation=30)
    labels = [f"{c} ({r:.0f}% bought again)" for c, r in zip(shown["acquisition_channel"].astype(str),
                                                                shown["repeat_rate_12m_pct"], strict=True)]
    return describe(ax, bars_alt("First-12-month revenue per customer by acquisition channel", labels,
                                 shown["revenue_12m_per_customer"], lambda v: money(v, currency)))


def model_share_bars(shares: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of touch-attributed revenue per channel under each attribution model, side by side
    (lib.analytics.marketing.model_shares; docs/metrics.md, Marketing)."""
    ax = new_ax(ax, figsize=(9, 4.6))
    n_m = shares.shape[1]
    x = np.arange(len(shares))
    w = 0.8 / n_m
    for j, m in enumerate(shares.columns):
        ax.bar(x + (j - (n_m - 1) / 2) * w, shares[m], w, label=MODEL_LABELS[m],
               color=PALETTE[j % len(PALETTE)], hatch=["", "//", "..", "\\\\", "xx", "--"][j % 6])
    ax.set_xticks(x, shares.index.astype(str))
    pct_axis(ax, "y")
    ax.set_title("Share of credited sales by channel under each way of crediting them")
    ax.set_xlabel("Marketing channel")
    ax.set_ylabel("Share of credited sales (%)")
    if len(shares) > 3:
        ax.tick_params(axis="x", rotation=30)
    legend_above(ax, ncol=2)
    parts = []
    for ch, row in shares.iterrows():
        vals = pd.to_numeric(row, errors="coerce")
        if vals.notna().any():
            parts.append(f"{ch} from {vals.min():.0f}% to {vals.max():.0f}%")
    return describe(ax, f"Share of credited sales by channel under {n_m} ways of crediting them: "
                        + "; ".join(parts) + ".")


def roas_interval_dots(boot: pd.DataFrame, measure: str, currency: str = "USD", ax: Axes | None = None) -> Axes:
    """Last-touch ROAS per channel with its 90% bootstrap interval and the break-even line
    (lib.analytics.marketing.bootstrap_roas); gross profit per unit of spend when ``measure`` is
    ``gross-profit ROAS`` (the budget advice's measure), revenue otherwise (docs/metrics.md, Marketing)."""
    gp = measure == "gross-profit ROAS"
    val, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gp else ("roas", "roas_low", "roas_high")
    b = boot.sort_values(val)
    ax = new_ax(ax)
    y = np.arange(len(b))
    ax.errorbar(b[val], y, xerr=[b[val] - b[lo], b[hi] - b[val]], fmt="o", color=PALETTE[0], capsize=4)
    ax.axvline(1.0, color="black", ls="--", lw=1.2, label="break-even (returns its spend)")
    ax.set_yticks(y, b["channel"].astype(str))
    ax.set_title(f"{'Gross profit' if gp else 'Revenue'} per {money(1, currency)} of spend by channel, "
                 "with its 90% range (sales credited to the last ad contact)")
    ax.set_xlabel(f"{'Gross profit' if gp else 'Sales'} per {currency} of ad spend")
    ax.set_ylabel("Channel")
    legend_above(ax, ncol=1)
    text = bars_alt(f"{'Gross profit' if gp else 'Revenue'} per {money(1, currency)} of spend by channel", b["channel"],
                    b[val], lambda v: money(v, currency, 2), named=len(b))
    ranges = "; ".join(f"{c} {money(lo_, currency, 2)} to {money(hi_, currency, 2)}"
                       for c, lo_, hi_ in zip(b["channel"].astype(str), b[lo], b[hi], strict=True))
    return describe(ax, f"{text} 90% ranges: {ranges}.")
