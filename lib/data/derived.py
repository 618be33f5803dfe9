"""Derived tables computed once from the contract tables: sale lines, occasions, product lifecycles (docs/data-contract.md, Derived concepts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "WEEKDAYS", "cost_basis", "positions", "month_labels", "sale_lines", "completed_lines", "purchase_occasions",
    "product_lifecycle", "buyers",
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def cost_basis(inventory: pd.DataFrame) -> pd.DataFrame:
    """Per product: quantity-weighted mean unit_cost of its lots (docs/data-contract.md, Cost basis).

    Returns columns ``product_id, cost_basis, units_acquired, date_acquired,
    date_listed, clock_start`` where dates are the earliest of the product's
    lots and ``clock_start`` is date_listed, else date_acquired (docs/metrics.md,
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


def positions(keys: pd.Series, index_keys: pd.Series) -> np.ndarray:
    """Row position of each key in ``index_keys`` (-1 when absent), by an Arrow hash lookup.

    Much faster than a pandas merge on string keys at a million rows; ``index_keys`` are unique.
    """
    pos = pc.index_in(pa.array(keys.astype("string"), type=pa.string()),
                      value_set=pa.array(index_keys.astype("string"), type=pa.string()))
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _take(frame: pd.DataFrame, pos: np.ndarray, cols: list[str], index: pd.Index) -> dict[str, pd.Series]:
    """Columns of ``frame`` at row positions ``pos`` (missing where pos is -1)."""
    return {c: pd.Series(frame[c].array.take(pos, allow_fill=True), index=index) for c in cols if c in frame}


def month_labels(ts: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each timestamp, computed on the few distinct months (strftime is slow at 1M rows)."""
    ym = ts.dt.year.to_numpy() * 12 + ts.dt.month.to_numpy() - 1
    uniq, inv = np.unique(ym, return_inverse=True)
    labels = np.array([f"{u // 12:04d}-{u % 12 + 1:02d}" for u in uniq], dtype=object)
    return pd.Series(labels[inv] if len(uniq) else [], index=ts.index, dtype="str")


def sale_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every sales row enriched for analysis (docs/metrics.md, Revenue and gross profit).

    Adds ``revenue`` (sale_price x quantity), ``is_completed``, ``date`` (local
    calendar day), ``weekday`` (Monday=0), ``hour``, ``month`` (``YYYY-MM``) and,
    when products/brands/inventory are present, ``brand_id, brand_name,
    category, condition, list_price, cost_basis, cogs, gross_profit,
    clock_start, days_to_sell``. Gross profit is NaN where the cost basis is
    unknown. ``days_to_sell`` is whole calendar days from clock_start to the
    sale day.
    """
    s = tables["sales"].copy(deep=False)  # copy-on-write: the sales columns are shared, not duplicated
    s["revenue"] = s["sale_price"] * s["quantity"]
    s["is_completed"] = s["status"].eq("completed").to_numpy()
    s["date"] = s["date_sold"].dt.normalize()
    s["weekday"] = s["date_sold"].dt.day_of_week.astype("int8")
    s["hour"] = s["date_sold"].dt.hour.astype("int8")
    s["month"] = month_labels(s["date_sold"])
    if "products" in tables and "product_id" in s:
        p = tables["products"]
        pos = positions(s["product_id"], p["product_id"])
        for c, v in _take(p, pos, ["brand_id", "category", "condition", "list_price"], s.index).items():
            s[c] = v
        if "brands" in tables:
            b = tables["brands"]
            bpos = positions(s["brand_id"], b["brand_id"])
            s["brand_name"] = _take(b, bpos, ["brand_name"], s.index)["brand_name"]
    if "inventory" in tables and "product_id" in s:
        cb = cost_basis(tables["inventory"])
        pos = positions(s["product_id"], cb["product_id"])
        for c, v in _take(cb, pos, ["cost_basis", "clock_start"], s.index).items():
            s[c] = v
        s["cogs"] = s["cost_basis"] * s["quantity"]
        s["gross_profit"] = s["revenue"] - s["cogs"] - s["fees"] - s["shipping_cost"]
        s["days_to_sell"] = (s["date"] - s["clock_start"]).dt.days
    return s


def completed_lines(lines: pd.DataFrame, columns: list[str] | None = None, optional: tuple[str, ...] = (),
                    where: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
    """Only completed sale lines: the ones that count as revenue (docs/metrics.md, Completed sale).

    ``columns`` keeps only those columns (and the ``optional`` ones the lines have) before the
    rows are filtered, so a million wide lines are not copied for a few columns (issue 8);
    ``where`` is a further row condition. The index of the lines is kept.
    """
    keep = lines["is_completed"].to_numpy(dtype=bool)
    if where is not None:
        keep = keep & np.asarray(where, dtype=bool)
    if columns is not None:
        lines = lines[list(columns) + [c for c in optional if c in lines.columns and c not in columns]]
    return lines[keep]


def purchase_occasions(lines: pd.DataFrame, period_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchase occasions: completed sales of one buyer on one local calendar day (docs/metrics.md, Purchase occasion).

    Columns ``buyer_id, date, revenue, units, lines`` and ``gross_profit`` when known, sorted by
    buyer then day. ``period_end`` keeps only the days on or before it (default: every line).
    """
    agg = {"revenue": ("revenue", "sum"), "units": ("quantity", "sum"), "lines": ("sale_id", "size")}
    if "gross_profit" in lines.columns:
        agg["gross_profit"] = ("gross_profit", "sum")
    where = None if period_end is None else (lines["date"] <= pd.Timestamp(period_end).normalize()).to_numpy()
    c = completed_lines(lines, ["buyer_id", "date", "revenue", "quantity", "sale_id"], optional=("gross_profit",),
                        where=where)
    occ = c.groupby(["buyer_id", "date"], sort=True, observed=True).agg(**agg).reset_index()
    return occ


def product_lifecycle(tables: dict[str, pd.DataFrame], lines: pd.DataFrame,
                      period_end: pd.Timestamp) -> pd.DataFrame:
    """Per product known by period_end: its clock start, first completed sale and censoring.

    A product's clock starts at its earliest date_listed (else date_acquired) and
    stops at its first completed sale on or before period_end; unsold products are
    censored at period_end (docs/metrics.md, Kaplan-Meier median). Products whose clock
    starts after period_end are left out. Columns ``product_id, clock_start,
    sold_date, sold, duration_days, cost_basis, units_acquired, units_sold,
    units_on_hand`` plus product attributes.
    """
    end_day = pd.Timestamp(period_end).normalize()
    cb = cost_basis(tables["inventory"])
    cb = cb[cb["clock_start"] <= end_day]
    cb = cb.reset_index(drop=True)
    c = completed_lines(lines, ["product_id", "date", "quantity"], where=(lines["date"] <= end_day).to_numpy())
    # first completed sale and units sold per product, grouped on integer positions (fast at 1M rows)
    pos = positions(c["product_id"], cb["product_id"])
    known = pos >= 0
    first = pd.DataFrame({"pos": pos[known], "date": c["date"].to_numpy()[known],
                          "qty": c["quantity"].to_numpy()[known]}).groupby("pos").agg(
        sold_date=("date", "min"), units_sold=("qty", "sum"))
    lc = cb
    lc["sold_date"] = pd.Series(first["sold_date"]).reindex(lc.index)
    lc["units_sold"] = pd.Series(first["units_sold"]).reindex(lc.index)
    lc["sold"] = lc["sold_date"].notna()
    stop = lc["sold_date"].where(lc["sold"], end_day)
    lc["duration_days"] = (stop - lc["clock_start"]).dt.days.clip(lower=0).astype("int64")
    lc["units_sold"] = lc["units_sold"].fillna(0).astype("int64")
    lc["units_on_hand"] = (lc["units_acquired"] - lc["units_sold"]).clip(lower=0).astype("int64")
    if "products" in tables:
        p = tables["products"]
        ppos = positions(lc["product_id"], p["product_id"])
        for col, v in _take(p, ppos, ["brand_id", "product_name", "category", "condition", "list_price", "sku"],
                            lc.index).items():
            lc[col] = v
        if "brands" in tables:
            b = tables["brands"]
            lc["brand_name"] = _take(b, positions(lc["brand_id"], b["brand_id"]), ["brand_name"],
                                     lc.index)["brand_name"]
    return lc


def buyers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Users who can be customers: role ``buyer`` (or every user when role is absent)."""
    u = tables["users"]
    if "role" in u.columns:
        return u[u["role"].fillna("buyer").eq("buyer")]
    return u


