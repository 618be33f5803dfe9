"""Charts of the products and inventory report: top sellers, days to sell, margins, aged stock and markdowns."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from lib.analytics import products, survival
from lib.config import SCATTER_SAMPLE
from lib.narrative import products as products_text
from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, grid_alt, points_alt
from lib.report.plots.style import PALETTE, bar, legend_above, money_axis, new_ax, pct_axis

__all__ = ["top_products_chart", "category_units_chart", "category_share_chart", "brand_revenue_chart",
           "days_to_sell_curves", "price_margin_scatter", "margin_heatmap", "aged_units_chart", "aged_cost_chart",
           "aged_share_gauge", "aged_cost_by_chart", "price_by_age_chart"]


def top_products_chart(top: pd.DataFrame, n: int, currency: str, ax: Axes | None = None) -> Axes:
    """Revenue of the top ``n`` products (lib.analytics.products.top_products), one bar each."""
    ax = bar(top.set_index(products_text.product_labels(top))["revenue"], f"Top {n} products by revenue",
             f"Revenue ({currency})", "Product", ax=ax, currency=currency, horizontal=True)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    return ax


def category_units_chart(by_category: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Units sold per category, most first (``by_category`` from lib.analytics.products.sales_by)."""
    return bar(by_category.set_index("category")["units"].sort_values(ascending=False), "Units sold by category",
               "Units sold", "Category", ax=ax, horizontal=True, color=PALETTE[2])


def category_share_chart(by_category: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each category's share of revenue."""
    ax = bar(by_category.set_index("category")["revenue_share_pct"], "Share of revenue by category",
             "Share of revenue (%)", "Category", ax=ax, horizontal=True, value_fmt=lambda v: f"{v:.1f}%")
    return pct_axis(ax, "x")


def brand_revenue_chart(by_brand: pd.DataFrame, currency: str, n: int = 12, ax: Axes | None = None) -> Axes:
    """Revenue of the ``n`` brands with the most (``by_brand`` from lib.analytics.products.sales_by)."""
    bcol = products.brand_column(by_brand)
    ax = bar(by_brand.set_index(bcol)["revenue"].head(n), f"Revenue by brand (top {n})", f"Revenue ({currency})",
             "Brand", ax=ax, currency=currency, horizontal=True, color=PALETTE[1])
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    return ax


def days_to_sell_curves(lifecycle: pd.DataFrame, conditions: list[str], ax: Axes | None = None) -> Axes:
    """Kaplan-Meier share of items still unsold by days since listing: all items and each of ``conditions``
    (the order of lib.analytics.products.days_to_sell_table)."""
    ax = new_ax(ax, (10, 4.8))
    horizon = float(np.quantile(lifecycle["duration_days"], 0.98)) if len(lifecycle) else 365.0
    groups, medians = [("All", lifecycle)], []
    if "condition" in lifecycle.columns:
        groups += [(c, lifecycle.loc[lifecycle["condition"] == c, ["duration_days", "sold"]]) for c in conditions]
    for i, (name, sub) in enumerate(groups):
        kt = survival.km_table(sub["duration_days"], sub["sold"])
        x = np.concatenate([[0.0], kt["time"].to_numpy()])
        y = np.concatenate([[1.0], kt["survival"].to_numpy()]) * 100
        ax.step(x, y, where="post", lw=2.4 if name == "All" else 1.6, color="black" if name == "All" else PALETTE[i % 7],
                ls="-" if name == "All" else ["--", ":", "-.", (0, (5, 1, 1, 1))][i % 4],
                label="All items" if name == "All" else f"Condition {name}")
        half = kt.loc[kt["survival"] <= 0.5, "time"]
        medians.append(f"{'all items' if name == 'All' else f'condition {name}'} "
                       + (f"{float(half.iloc[0]):.0f} days" if len(half) else "not reached"))
    ax.axhline(50, color="grey", ls="--", lw=1)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 101)
    pct_axis(ax, "y")
    ax.set_title("Share of items still unsold by days since listing (unsold items counted while they wait)")
    ax.set_xlabel("Days since listing (else acquisition)")
    ax.set_ylabel("Items still unsold (%)")
    legend_above(ax)
    return describe(ax, f"Share of items still unsold by days since listing, {len(lifecycle):,} items; half sold "
                        "after: " + ", ".join(medians) + ".")


def price_margin_scatter(items: pd.DataFrame, currency: str, max_points: int = SCATTER_SAMPLE, ax: Axes | None = None) -> Axes:
    """Sale price (log scale) against gross margin per sale, coloured by category; a fixed random sample of
    ``max_points`` sales when there are more (lib.analytics.products.item_profit)."""
    ax = new_ax(ax, (10, 5))
    pts = items.sample(min(len(items), max_points), random_state=1) if len(items) > max_points else items
    cats = pts["category"].astype(str)
    sns.scatterplot(data=pts.assign(category=cats), x="sale_price", y="margin_pct", hue="category", style="category",
                    s=18, alpha=0.6, linewidth=0, ax=ax,
                    palette=[PALETTE[i % 7] for i in range(cats.nunique())])
    ax.axhline(0, color="black", lw=1)
    ax.set_xscale("log")
    money_axis(ax, "x", currency)
    pct_axis(ax, "y")
    ax.set_ylim(max(-100, float(pts["margin_pct"].min()) - 5), min(100, float(pts["margin_pct"].max()) + 5))
    ax.set_title(f"Sale price vs gross margin per sale ({len(pts):,} of {len(items):,} sales shown)")
    ax.set_xlabel(f"Sale price ({currency}, log scale)")
    ax.set_ylabel("Gross margin after fees and shipping (%)")
    legend_above(ax, ncol=3)
    return describe(ax, points_alt("Sale price against gross margin per sale", len(items), "sale price",
                                   items["sale_price"], lambda v: money(v, currency), "gross margin",
                                   items["margin_pct"], lambda v: f"{v:.0f}%")
                    + f" {(items['margin_pct'] < 0).sum():,} sales below zero margin.")


def margin_heatmap(by_category_condition: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Gross margin by category (rows) and condition (columns), centred on the median cell
    (``by_category_condition`` from lib.analytics.products.sales_by over both keys)."""
    ax = new_ax(ax, (8, 4))
    heat = by_category_condition.pivot(index="category", columns="condition", values="margin_pct")
    sns.heatmap(heat, annot=True, fmt=".0f", cmap="PuOr", center=float(np.nanmedian(heat.to_numpy())), ax=ax,
                cbar=False, linewidths=0.3)  # purple above the median cell, orange below; the numbers in the cells
    ax.set_title("Gross margin (%) by category and condition (purple above the middle cell, orange below)")
    ax.set_xlabel("Condition")
    ax.set_ylabel("Category")
    ax.tick_params(axis="y", rotation=0)
    return describe(ax, grid_alt("Gross margin by category and condition", heat, lambda v: f"{v:.1f}%", "categories",
                                 "conditions"))


def aged_units_chart(buckets: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Unsold units per age bucket (lib.analytics.inventory.aging_buckets)."""
    return bar(buckets.set_index("bucket")["units"], "Unsold units by days listed", "Days since listing",
               "Units on hand", ax=ax, value_fmt=lambda v: f"{v:,.0f} units")


def aged_cost_chart(buckets: pd.DataFrame, currency: str, ax: Axes | None = None) -> Axes:
    """Unsold stock at cost per age bucket."""
    return bar(buckets.set_index("bucket")["cost"], "Unsold stock at cost by days listed", "Days since listing",
               f"Cost ({currency})", ax=ax, currency=currency, color=PALETTE[1])


def aged_share_gauge(aged: dict, aging_days: int, ax: Axes | None = None) -> Axes:
    """Half-ring gauge of the share of stock cost listed over ``aging_days`` days
    (lib.analytics.inventory.aged_inventory)."""
    ax = new_ax(ax)
    share = aged["aged_cost_share_pct"] or 0.0
    ax.pie([share, 100 - share, 100], startangle=180, counterclock=False, colors=[PALETTE[0], "#e6e6e6", "white"],
           wedgeprops={"width": 0.35})
    ax.text(0, 0.12, f"{share:.0f}%", ha="center", va="center", fontsize=22, fontweight="bold")
    ax.text(0, -0.12, f"of stock cost is over {aging_days} days", ha="center", va="center")
    ax.set_ylim(-0.3, 1.05)
    ax.set_title(f"Share of stock (at cost) listed over {aging_days} days")
    return describe(ax, f"Gauge: {share:.0f}% of the stock's cost has been listed over {aging_days} days.")


def aged_cost_by_chart(aged_by: pd.DataFrame, what: str, aging_days: int, currency: str, n: int | None = None,
                       color: str = PALETTE[0], ax: Axes | None = None) -> Axes:
    """Aged stock at cost per group (lib.analytics.inventory.aged_by; its first column names the group), the
    first ``n`` groups; ``what`` names the group in the title and axis ("Brand", "Category")."""
    values = aged_by.set_index(aged_by.columns[0])["aged_cost"]
    ax = bar(values if n is None else values.head(n), f"Aged stock at cost by {what.lower()} (over {aging_days} days)",
             f"Cost ({currency})", what, ax=ax, currency=currency, horizontal=True, color=color)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    return ax


def price_by_age_chart(by_age: pd.DataFrame, curve: pd.DataFrame, aging_days: int, min_sales: int = 5,
                       ax: Axes | None = None) -> Axes:
    """Price fetched (% of list) by days on the shelf before sale: the mean of each bin with at least
    ``min_sales`` sales (lib.analytics.inventory.price_ratio_by_age), the overall least-squares line
    (lib.analytics.inventory.price_age_curve), the aging limit and the "20% off" belief."""
    ax = new_ax(ax, (10, 4.5))
    if len(by_age):
        ratio = by_age[by_age["size"] >= min_sales]
        ax.scatter(ratio.index + 7.5, ratio["mean"], s=np.sqrt(ratio["size"]) * 6, color=PALETTE[0], alpha=0.8,
                   label="Mean of sold items (15-day bins, size = sales)")
        allrow = curve[curve["group"] == "__all__"]
        if len(allrow):
            r = allrow.iloc[0]
            xs = np.linspace(0, float(r["days_p99"]), 50)
            ax.plot(xs, (r["intercept"] + r["slope_per_day"] * xs) * 100, color=PALETTE[1], lw=2,
                    label=f"Least-squares line ({r['slope_pct_per_30d']:+.1f} points per 30 days)")
        ax.axvline(aging_days, color="grey", ls="--", lw=1)
        ax.axhline(80, color=PALETTE[2], ls=":", lw=1.5, label="Belief: 20% off (80% of list)")
    pct_axis(ax, "y")
    ax.set_title("Price fetched (% of list price) by days on the shelf before sale")
    legend_above(ax, ncol=1)
    ax.set_xlabel("Days from listing to sale")
    ax.set_ylabel("Sale price as % of list price")
    if not len(by_age):
        return describe(ax, "Price fetched by days on the shelf: no sales with a list price.")
    shown = by_age[by_age["size"] >= min_sales]
    text = bars_alt(f"Price fetched as % of list price by 15-day bins of days on the shelf ({len(shown)} bins "
                    f"with {min_sales} or more sales)", [f"from day {int(i)}" for i in shown.index], shown["mean"],
                    lambda v: f"{v:.0f}%", named=1)
    allrow = curve[curve["group"] == "__all__"]
    if len(allrow):
        text += f" Fitted line: {float(allrow.iloc[0]['slope_pct_per_30d']):+.1f} points per 30 days."
    return describe(ax, text)
