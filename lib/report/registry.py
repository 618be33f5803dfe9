"""The report notebooks, the tables each needs, and the metrics each writes (docs/metrics.md, Run outputs)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NotebookSpec", "Addition", "NOTEBOOKS", "ADDITIONS", "ALL_METRICS", "ACTION_LISTS", "notebook_spec", "notebook_title"]


@dataclass(frozen=True)
class NotebookSpec:
    """One report: file stem, title, required tables, metric names it owns."""

    name: str
    title: str
    needs: tuple[str, ...]
    metrics: tuple[str, ...]
    summary: str


NOTEBOOKS: tuple[NotebookSpec, ...] = (
    NotebookSpec("overview", "Overview", ("sales",), (
        "revenue_period", "units_period", "orders_period", "order_lines_period", "gross_profit_period",
        "gross_margin_pct_period", "refund_rate_pct_period", "guest_revenue_share_pct_period",
        "revenue_prev_period", "revenue_growth_pct", "active_customers_period", "new_customers_period"),
        "KPIs of the month against the month before, trends and data quality."),
    NotebookSpec("customers", "Customers", ("sales",), (
        "customers", "top20_revenue_share_pct", "repeat_customer_rate_pct",
        "repeat_vs_single_ltv_ratio", "churn_risk_customers", "churn_risk_revenue",
        "bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b", "expected_purchases_next_90d"),
        "Best and slipping customers, segments, cohorts and customer value."),
    NotebookSpec("sales_timing", "Sales timing and live shows", ("sales",), (
        "peak_weekday", "weekend_uplift_pct", "weekend_uplift_p_value", "best_show_hour",
        "best_show_slot", "forecast_revenue_next_period", "forecast_revenue_next_period_low",
        "forecast_revenue_next_period_high", "forecast_model", "forecast_backtest_mase", "forecast_baseline_mase"),
        "Which days and hours sell, trends, seasonality, the forecast and show slots."),
    NotebookSpec("products_inventory", "Products and inventory", ("sales", "products"), (
        "median_days_to_sell", "median_days_to_sell_S", "median_days_to_sell_A",
        "median_days_to_sell_B", "sell_through_rate_pct_period", "aged_inventory_units",
        "aged_inventory_cost", "top_category_by_revenue", "top_category_by_margin"),
        "What sells, how fast, at what margin, and what sits on the shelf."),
    NotebookSpec("brands", "Brands", ("sales", "products"), (
        "top_brand_by_revenue", "top_brand_by_gross_profit", "top_brand_by_margin",
        "top3_brand_revenue_share_pct"),
        "Brand performance, the brand map and what to buy more of."),
    NotebookSpec("marketing", "Marketing ROI", ("sales", "users"), (
        "marketing_spend_period", "roas_period", "best_campaign_by_roas", "best_channel_by_roas",
        "gross_profit_after_marketing_period"),
        "Which campaigns and channels pay back, under several attribution models."),
    NotebookSpec("recommendations", "Recommendations", ("sales",), ("recommendations_count",),
                 "What to do this month, with the evidence behind each action."),
)

ALL_METRICS: tuple[str, ...] = tuple(m for nb in NOTEBOOKS for m in nb.metrics)


@dataclass(frozen=True)
class Addition:
    """Input a report runs without, and what it adds when present (docs/data-contract.md, Partial data).

    ``inputs`` are tables (``"campaigns"``) or columns of a table (``"inventory.unit_cost"``); the addition is
    missing when one of its tables is absent or one of its columns holds no value. ``adds`` completes the
    sentence "Add ... to see ...".
    """

    inputs: tuple[str, ...]
    adds: str


_COSTS = ("inventory.unit_cost", "inventory.date_acquired")

#: per notebook: the inputs beyond its ``needs`` that add sections, and what each adds (the front page's
#: "What more data would add")
ADDITIONS: dict[str, tuple[Addition, ...]] = {
    "overview": (Addition(_COSTS, "gross profit and gross margin"),),
    "customers": (Addition(("users",), "registered buyers who never bought (prospects) and customers' names"),),
    "sales_timing": (Addition(("shows",), "each live show's own start and end instead of shows inferred from "
                                          "the gaps between sales"),),
    "products_inventory": (
        Addition(_COSTS, "margins, days to sell, sell-through, aged stock and markdown candidates"),
        Addition(("products.list_price",), "markdown candidates"),
        Addition(("brands.brand_name",), "brand names instead of brand ids")),
    "brands": (
        Addition(_COSTS, "brand gross profit and margins, days to sell, unsold stock, the brand map with one "
                         "verdict per brand, and what to buy more or less of"),
        Addition(("brands.brand_name",), "brand names instead of brand ids")),
    "marketing": (
        Addition(("campaigns", "touchpoints"), "which campaigns and channels pay back"),
        Addition(("users.acquisition_channel",), "what each acquisition channel's customers are worth")),
    "recommendations": (
        Addition(_COSTS, "the product mix for live shows and markdowns"),
        Addition(_COSTS + ("brands",), "what to buy more or less of by brand"),
        Addition(("campaigns", "touchpoints"), "budget shifts between marketing channels")),
}

#: action lists of docs/metrics.md and their fixed first columns
ACTION_LISTS: dict[str, tuple[str, ...]] = {
    "vip_customers": ("buyer_id", "display_name", "revenue", "occasions", "last_purchase", "segment"),
    "churn_risk_customers": ("buyer_id", "display_name", "email", "last_purchase", "days_since",
                             "lifetime_revenue", "action"),
    "markdown_candidates": ("product_id", "brand_name", "category", "condition", "days_listed",
                            "unit_cost", "list_price", "markdown_pct", "reason"),
    "show_schedule": ("weekday", "hour", "revenue_per_show_hour", "low", "high", "shows"),
    "bundle_candidates": ("item_a", "item_b", "support", "confidence", "lift", "occasions"),
}


def notebook_spec(name: str) -> NotebookSpec:
    """The spec of one notebook by name; a plain message when unknown."""
    for nb in NOTEBOOKS:
        if nb.name == name:
            return nb
    raise KeyError(f"unknown notebook {name!r}; known: {', '.join(n.name for n in NOTEBOOKS)}")


def notebook_title(name: str) -> str:
    """A report's title by its file stem (``sales_timing`` -> ``Sales timing and live shows``); other names as given."""
    return next((nb.title for nb in NOTEBOOKS if nb.name == name), name)
