"""Charts of the customers report: Pareto curve, repeat purchases, RFM groups, churn risk, cohorts, value models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from lib.analytics import rfm
from lib.analytics.customers import CohortTables, HoldoutCheck, PurchaseGrid
from lib.config import SCATTER_SAMPLE
from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, grid_alt, points_alt, series_alt
from lib.report.plots.style import GREY, HATCH, PALETTE, legend_above, money_axis, new_ax, pct_axis

__all__ = [
    "pareto_curve", "occasion_bars", "gap_histogram", "segment_customer_bars", "segment_revenue_bars",
    "churn_scatter", "cohort_heatmap", "cohort_value_bars", "holdout_bars", "purchase_heatmap",
]


def pareto_curve(curve: pd.DataFrame, top20_share: float, ax: Axes | None = None) -> Axes:
    """Cumulative share of revenue against share of customers (``lib.analytics.customers.pareto_curve``),
    with the equal-spend line, the 80/20 point and the top 20%'s share."""
    ax = new_ax(ax, (7.5, 4.5))
    ax.plot(curve["customer_share_pct"], curve["revenue_share_pct"], color=PALETTE[0], lw=2,
            label="Your customers")
    ax.plot([0, 100], [0, 100], color="grey", ls=":", label="Everyone spends the same")
    ax.scatter([20], [80], color=PALETTE[1], zorder=3, label="The 80/20 rule")
    ax.scatter([20], [top20_share], color=PALETTE[0], zorder=3)
    ax.annotate(f"Top 20%: {top20_share:.0f}% of revenue", (20, top20_share), xytext=(28, top20_share - 12),
                arrowprops={"arrowstyle": "->"})
    pct_axis(ax, "x")
    pct_axis(ax, "y")
    ax.set_xlabel("Share of customers, biggest spenders first (%)")
    ax.set_ylabel("Share of revenue (%)")
    ax.set_title("How much of the revenue the biggest customers bring")
    ax.legend(loc="lower right")
    half = curve.loc[curve["revenue_share_pct"] >= 50, "customer_share_pct"]
    return describe(ax, f"Share of revenue against share of customers, biggest spenders first: the top 20% of customers "
                        f"bring {top20_share:.0f}% of revenue" + (f"; half of the revenue comes from the top "
                        f"{float(half.iloc[0]):.0f}%" if len(half) else "") + ".")


def occasion_bars(distribution: pd.Series, ax: Axes | None = None) -> Axes:
    """Customers by number of purchase days (``lib.analytics.customers.occasion_distribution``)."""
    ax = new_ax(ax)
    ax.bar(distribution.index, distribution.to_numpy(), color=PALETTE[0])
    ax.set_title("Customers by number of purchase days")
    ax.set_xlabel("Purchase days (occasions) per customer")
    ax.set_ylabel("Customers")
    labels = [f"{k} purchase day{'' if str(k) == '1' else 's'}" for k in distribution.index]
    return describe(ax, bars_alt("Customers by number of purchase days", labels, distribution.to_numpy(),
                                 lambda v: f"{v:,.0f} customers"))


def gap_histogram(gaps: pd.Series, ax: Axes | None = None) -> Axes:
    """Days between two purchase days of a customer, weekly bins, a year or more in the last; the median marked."""
    ax = new_ax(ax)
    if len(gaps):
        ax.hist(gaps.clip(upper=365), bins=np.arange(0, 372, 7), color=PALETTE[2])
        ax.axvline(gaps.median(), color=PALETTE[1], lw=2, ls="--", label=f"Median {gaps.median():.0f} days")
        ax.legend()
    ax.set_title("Days between two purchase days of a customer")
    ax.set_xlabel("Days until the next purchase (365 = a year or more)")
    ax.set_ylabel("Repeat purchases")
    if not len(gaps):
        return describe(ax, "Days between two purchase days: no repeat purchases yet.")
    return describe(ax, f"Days between two purchase days of a customer, {len(gaps):,} repeat purchases: median "
                        f"{gaps.median():.0f} days, {(gaps <= 30).mean() * 100:.0f}% within 30 days, "
                        f"{(gaps >= 365).mean() * 100:.0f}% a year or more.")


def _status_colours(labels: list[str], current: str, lapsed: str) -> list[str]:
    """Bar colours by group status: current groups in ``current``, lapsed groups and Prospects in ``lapsed``."""
    now = set(rfm.rule_table().query("current")["segment"])
    return [current if x in now else lapsed for x in labels]


def _status_hatches(labels: list[str]) -> list[str]:
    """The second cue of the status colours: lapsed groups hatched."""
    now = set(rfm.rule_table().query("current")["segment"])
    return ["" if x in now else HATCH for x in labels]


def _status_legend(ax: Axes, current: str, lapsed: str) -> None:
    legend_above(ax, [Patch(color=current, label="current (bought within churn days)"),
                      Patch(facecolor=lapsed, hatch=HATCH, label="lapsed, or never bought")],
                 ["current (bought within churn days)", "lapsed, or never bought"], ncol=1)


def segment_customer_bars(segments: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers per RFM group, best group on top, current groups and lapsed ones in two colours
    (rows of ``lib.analytics.customers.segment_summary``)."""
    ax = new_ax(ax)
    labels = segments["segment"].astype(str).tolist()[::-1]
    ax.barh(labels, segments["customers"].to_numpy()[::-1], color=_status_colours(labels, PALETTE[0], GREY),
            hatch=_status_hatches(labels))
    ax.set_title("Customers per group")
    _status_legend(ax, PALETTE[0], GREY)
    ax.set_xlabel("Customers")
    ax.set_ylabel("Customer group")
    return describe(ax, bars_alt("Customers per group", segments["segment"].astype(str), segments["customers"],
                                 lambda v: f"{v:,.0f}"))


def segment_revenue_bars(segments: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Lifetime revenue per RFM group, best group on top, in ``currency``; current and lapsed groups in two colours."""
    ax = new_ax(ax)
    labels = segments["segment"].astype(str).tolist()[::-1]
    ax.barh(labels, segments["revenue"].to_numpy()[::-1], color=_status_colours(labels, PALETTE[1], GREY),
            hatch=_status_hatches(labels))
    money_axis(ax, "x", currency)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.set_title("Lifetime revenue per group")
    _status_legend(ax, PALETTE[1], GREY)
    ax.set_xlabel(f"Revenue ({currency})")
    ax.tick_params(axis="x", rotation=30)
    return describe(ax, bars_alt("Lifetime revenue per group", segments["segment"].astype(str), segments["revenue"],
                                 lambda v: money(v, currency)))


def churn_scatter(scored: pd.DataFrame, churn_days: int, currency: str, max_points: int = SCATTER_SAMPLE,
                  ax: Axes | None = None) -> Axes:
    """Days since the last purchase against lifetime revenue (log scale), repeat buyers coloured by p_alive.

    At most ``max_points`` customers are drawn (a fixed random sample, said in the title); the
    churn threshold ``churn_days`` is a dashed line.
    """
    ax = new_ax(ax, (9, 4.6))
    n = len(scored)
    pts = scored if n <= max_points else scored.sample(max_points, random_state=0)
    once = pts["occasions"] == 1
    has_p = pts["p_alive"].notna().any()
    ax.scatter(pts.loc[once, "days_since"], pts.loc[once, "revenue"].clip(lower=1), s=12, alpha=0.5, marker="x",
               color="#9a9a9a", label="One-time buyers")
    rp = pts[~once]
    sc = ax.scatter(rp["days_since"], rp["revenue"].clip(lower=1), s=14, alpha=0.75,
                    c=rp["p_alive"] if has_p else PALETTE[0], cmap="cividis" if has_p else None,
                    vmin=0 if has_p else None, vmax=1 if has_p else None, label="Repeat buyers")
    if has_p:
        ax.figure.colorbar(sc, ax=ax, label="Probability still active (repeat buyers)")
    ax.axvline(churn_days, color="black", ls="--", lw=1, label=f"{churn_days} days")
    ax.set_yscale("log")
    money_axis(ax, "y", currency)
    ax.set_xlabel("Days since the last purchase")
    ax.set_ylabel(f"Lifetime revenue ({currency}, log scale)")
    sub = f"\n(a random {len(pts):,} of {n:,} customers)" if len(pts) < n else ""
    ax.set_title("Days since the last purchase against lifetime revenue" + sub)
    legend_above(ax, ncol=2)
    text = points_alt("Customers by days since the last purchase and lifetime revenue", n, "days since the last "
                      "purchase", scored["days_since"], lambda v: f"{v:,.0f}", "lifetime revenue", scored["revenue"],
                      lambda v: money(v, currency))
    away = int((scored["days_since"] > churn_days).sum())
    return describe(ax, f"{text} {away:,} of {n:,} customers have not bought for over {churn_days} days.")


def cohort_heatmap(cohorts: CohortTables, max_months: int = 12, ax: Axes | None = None) -> Axes | None:
    """Share of each cohort buying again in months 1..``max_months`` after the first purchase (%).

    None, and nothing drawn, when no cohort has been observed a month after its start.
    """
    import seaborn as sns

    ret = cohorts.retention_pct.loc[:, [c for c in cohorts.retention_pct.columns if 1 <= c <= max_months]]
    if not ret.shape[1]:
        return None
    ax = new_ax(ax, (10, 0.3 * len(ret) + 1.8))
    annot = len(ret) <= 24  # the numbers in the cells say what the colour bar would
    sns.heatmap(ret, ax=ax, cmap="Blues", annot=annot, fmt=".0f", cbar=not annot, vmin=0, linewidths=0.3,
                **({} if annot else {"cbar_kws": {"label": "% buying"}}))
    ax.set_title("Share of each month's new customers buying again, by month after the first purchase (%)")
    ax.set_xlabel("Months after the first purchase")
    ax.set_ylabel("Month of first purchase (cohort)")
    ax.tick_params(axis="y", rotation=0)
    return describe(ax, grid_alt("Share of each month's new customers buying again, by month after the first "
                                 "purchase", ret, lambda v: f"{v:.0f}%", "cohorts", "months after"))


def cohort_value_bars(cohorts: CohortTables, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue per customer so far by cohort (month of first purchase), in ``currency``."""
    ax = new_ax(ax, (10, 3.8))
    summ = cohorts.summary
    ax.bar(summ.index, summ["revenue_per_customer"].to_numpy(), color=PALETTE[0])
    money_axis(ax, "y", currency)
    ax.set_title("Revenue per customer so far, by month of first purchase")
    ax.set_xlabel("Month of first purchase (cohort)")
    ax.set_ylabel(f"Revenue per customer ({currency})")
    ax.tick_params(axis="x", rotation=90)
    return describe(ax, series_alt("Revenue per customer so far, by month of first purchase", summ.index,
                                   summ["revenue_per_customer"], lambda v: money(v, currency)))


def holdout_bars(hold: HoldoutCheck, ax: Axes | None = None) -> Axes:
    """Actual against predicted purchase days per customer in the holdout, by repeat purchase days before it."""
    ax = new_ax(ax, (8, 4.2))
    bx = hold.by_x
    pos = np.arange(len(bx))
    ax.bar(pos - 0.2, bx["actual"], width=0.4, color=PALETTE[2], label="Actual")
    ax.bar(pos + 0.2, bx["predicted"], width=0.4, color=PALETTE[1], hatch=HATCH, label="Predicted by the model")
    ax.set_xticks(pos, bx["x"])
    ax.set_title(f"Check on past data: the model fitted before {hold.cutoff:%d %b %Y} against the last "
                 f"{(hold.end - hold.cutoff).days} days")
    ax.set_xlabel("Repeat purchase days before the cut-off")
    ax.set_ylabel("Purchase days per customer after it")
    legend_above(ax)
    pairs = "; ".join(f"{x} before: {a:.2f} actual, {p:.2f} predicted"
                      for x, a, p in zip(bx["x"], bx["actual"], bx["predicted"], strict=True))
    return describe(ax, f"Check of the purchase model on past data, purchase days per customer after the cut-off by "
                        f"repeat purchase days before it: {pairs}.")


def purchase_heatmap(grid: PurchaseGrid, ax: Axes | None = None) -> Axes:
    """Expected purchase days in the next ``grid.horizon_days`` by repeat purchase days and recency."""
    ax = new_ax(ax, (9, 4.6))
    mat = grid.expected
    im = ax.pcolormesh(mat.columns.to_numpy(), mat.index.to_numpy(), mat.to_numpy(), cmap="viridis",
                       shading="nearest")
    ax.figure.colorbar(im, ax=ax, label=f"Expected purchase days, next {grid.horizon_days} days")
    ax.set_title(f"Expected purchases in the next {grid.horizon_days} days for a customer known {grid.T:.0f} weeks")
    ax.set_xlabel("Weeks from the first to the last purchase (later = more recent)")
    ax.set_ylabel("Repeat purchase days")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    cols = pd.Index([f"{c:.0f} weeks" for c in mat.columns])
    return describe(ax, grid_alt(f"Expected purchase days in the next {grid.horizon_days} days", mat.set_axis(cols, axis=1),
                                 lambda v: f"{v:.2f}", "repeat purchase days", "weeks from the first to the last "
                                 "purchase"))
