"""Derived tables computed once from the contract tables: sale lines, occasions, product lifecycles."""

from __future__ import annotations

import pandas as pd

__all__ = [
    "WEEKDAYS", "cost_basis", "sale_lines", "completed_lines", "purchase_occasions",
    "product_lifecycle", "buyers",
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def cost_basis(inventory: pd.DataFrame) -> pd.DataFrame:
    """Per product: quantity-weighted mean unit_cost of its lots (data-contract.md, inventory).

    Returns columns ``product_id, cost_basis, units_acquired, date_acquired,
    date_listed, clock_start`` where dates are the earliest of the product's
    lots and ``clock_start`` is date_listed, else date_acquired (metrics.md,
    Kaplan-Meier median).
    """
    inv = inventory[["product_id", "unit_cost", "quantity", "date_acquired", "date_listed"]].copy()
    inv["cost_x_qty"] = inv["unit_cost"] * inv["quantity"]
    g = inv.groupby("product_id", sort=False, observed=True)
    out = g.agg(cost_x_qty=("cost_x_qty", "sum"), units_acquired=("quantity", "sum"),
                date_acquired=("date_acquired", "min"), date_listed=("date_listed", "min"))
    out["cost_basis"] = out["cost_x_qty"] / out["units_acquired"]
    out["clock_start"] = out["date_listed"].fillna(out["date_acquired"])
    return out.drop(columns="cost_x_qty").reset_index()


def sale_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every sales row enriched for analysis (metrics.md, revenue and gross profit).

    Adds ``revenue`` (sale_price x quantity), ``is_completed``, ``date`` (local
    calendar day), ``weekday`` (Monday=0), ``hour``, ``month`` (``YYYY-MM``) and,
    when products/brands/inventory are present, ``brand_id, brand_name,
    category, condition, list_price, cost_basis, cogs, gross_profit,
    clock_start, days_to_sell``. Gross profit is NaN where the cost basis is
    unknown. ``days_to_sell`` is whole calendar days from clock_start to the
    sale day.
    """
    s = tables["sales"].copy()
    s["revenue"] = s["sale_price"] * s["quantity"]
    s["is_completed"] = s["status"].eq("completed").to_numpy()
    s["date"] = s["date_sold"].dt.normalize()
    s["weekday"] = s["date_sold"].dt.day_of_week.astype("int8")
    s["hour"] = s["date_sold"].dt.hour.astype("int8")
    s["month"] = s["date_sold"].dt.strftime("%Y-%m")
    if "products" in tables:
        cols = ["product_id", "brand_id", "category", "condition", "list_price"]
        p = tables["products"][[c for c in cols if c in tables["products"].columns]]
        s = s.merge(p, on="product_id", how="left")
        if "brands" in tables:
            s = s.merge(tables["brands"][["brand_id", "brand_name"]], on="brand_id", how="left")
    if "inventory" in tables:
        cb = cost_basis(tables["inventory"])[["product_id", "cost_basis", "clock_start"]]
        s = s.merge(cb, on="product_id", how="left")
        s["cogs"] = s["cost_basis"] * s["quantity"]
        s["gross_profit"] = s["revenue"] - s["cogs"] - s["fees"] - s["shipping_cost"]
        s["days_to_sell"] = (s["date"] - s["clock_start"]).dt.days
    return s


def completed_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Only completed sale lines: the ones that count as revenue (metrics.md, completed sale)."""
    return lines[lines["is_completed"]]


def purchase_occasions(lines: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions: completed sales of one buyer on one local calendar day (metrics.md).

    Columns ``buyer_id, date, revenue, units, lines`` and ``gross_profit`` when known.
    """
    c = completed_lines(lines)
    agg = {"revenue": ("revenue", "sum"), "units": ("quantity", "sum"), "lines": ("sale_id", "size")}
    if "gross_profit" in c.columns:
        agg["gross_profit"] = ("gross_profit", "sum")
    occ = c.groupby(["buyer_id", "date"], sort=True, observed=True).agg(**agg).reset_index()
    return occ


def product_lifecycle(tables: dict[str, pd.DataFrame], lines: pd.DataFrame,
                      period_end: pd.Timestamp) -> pd.DataFrame:
    """Per product known by period_end: its clock start, first completed sale and censoring.

    A product's clock starts at its earliest date_listed (else date_acquired) and
    stops at its first completed sale on or before period_end; unsold products are
    censored at period_end (metrics.md, Kaplan-Meier median). Products whose clock
    starts after period_end are left out. Columns ``product_id, clock_start,
    sold_date, sold, duration_days, cost_basis, units_acquired, units_sold,
    units_on_hand`` plus product attributes.
    """
    end_day = pd.Timestamp(period_end).normalize()
    cb = cost_basis(tables["inventory"])
    cb = cb[cb["clock_start"] <= end_day]
    c = completed_lines(lines)
    c = c[c["date"] <= end_day]
    first = c.groupby("product_id", observed=True).agg(sold_date=("date", "min"),
                                                       units_sold=("quantity", "sum"))
    lc = cb.merge(first, left_on="product_id", right_index=True, how="left")
    lc["sold"] = lc["sold_date"].notna()
    stop = lc["sold_date"].where(lc["sold"], end_day)
    lc["duration_days"] = (stop - lc["clock_start"]).dt.days.clip(lower=0).astype("int64")
    lc["units_sold"] = lc["units_sold"].fillna(0).astype("int64")
    lc["units_on_hand"] = (lc["units_acquired"] - lc["units_sold"]).clip(lower=0).astype("int64")
    if "products" in tables:
        pcols = [c_ for c_ in ["product_id", "brand_id", "product_name", "category", "condition",
                               "list_price", "sku"] if c_ in tables["products"].columns]
        lc = lc.merge(tables["products"][pcols], on="product_id", how="left")
        if "brands" in tables:
            lc = lc.merge(tables["brands"][["brand_id", "brand_name"]], on="brand_id", how="left")
    return lc


def buyers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Users who can be customers: role ``buyer`` (or every user when role is absent)."""
    u = tables["users"]
    if "role" in u.columns:
        return u[u["role"].fillna("buyer").eq("buyer")]
    return u


