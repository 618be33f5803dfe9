"""Overview metrics: the month's KPIs against the month before, monthly trends, channel mix, the front page's KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import customers, marketing, products
from lib.data.cache import release_tables
from lib.data.dataset import Dataset
from lib.data.derived import completed_lines, period_lines_file, product_lifecycle, sale_lines
from lib.data.engine import period_engine
from lib.data.periods import Period

__all__ = ["period_kpis", "order_count", "returns_summary", "monthly_trend", "channel_revenue",
           "previous_month_kpis"]


def _completed_in(lines: pd.DataFrame, p: Period) -> pd.DataFrame:
    return lines[lines["is_completed"] & p.contains(lines["date_sold"])]


def order_count(completed: pd.DataFrame) -> int:
    """Distinct ``order_id`` of completed lines, each line without one an order of its own (docs/metrics.md,
    Overview, orders_period)."""
    if "order_id" not in completed.columns:
        return int(len(completed))
    ids = completed["order_id"]
    return int(ids.dropna().nunique() + ids.isna().sum())


def _returns_columns(lines: pd.DataFrame) -> bool:
    return {"is_return", "gross_revenue", "returned_revenue"} <= set(lines.columns)


def _refund_rate(lines: pd.DataFrame, period: Period) -> float | None:
    """Refunded or returned revenue / gross revenue of the period's sales, 0-100 (docs/metrics.md, Overview)."""
    if not _returns_columns(lines):
        return None
    in_p = period.contains(lines["date_sold"]).to_numpy() & ~lines["is_return"].to_numpy(dtype=bool)
    status = lines["status"].to_numpy()
    gross_qty = lines["gross_quantity"].to_numpy() if "gross_quantity" in lines else lines["quantity"].to_numpy()
    sold = in_p & (gross_qty > 0) & ((status == "completed") | (status == "refunded"))
    gross = float(lines["gross_revenue"].to_numpy()[sold].sum())
    if gross <= 0:
        return None
    back = float(lines["gross_revenue"].to_numpy()[sold & (status == "refunded")].sum()
                 + lines["returned_revenue"].to_numpy()[sold & (status == "completed")].sum())
    return back / gross * 100.0


def _guest_share(lines: pd.DataFrame, cur: pd.DataFrame, rev: float) -> float | None:
    """Revenue of the period's guest lines / revenue, 0-100; null when no line up to period_end is a guest's
    (docs/metrics.md, Overview)."""
    if "is_guest" not in lines.columns or not lines["is_guest"].to_numpy(dtype=bool).any():
        return None
    if not rev:
        return 0.0
    return float(cur.loc[cur["is_guest"].to_numpy(dtype=bool), "revenue"].sum()) / rev * 100.0


def returns_summary(lines: pd.DataFrame, period: Period) -> dict[str, float | int]:
    """The period's refunds and returns as counts and amounts, for the Overview's sentence (docs/data-contract.md,
    Return lines): ``refunded_lines``, ``cancelled_lines`` (sale lines of the period with that status),
    ``return_lines`` (return lines dated in the period), ``returned_revenue`` (netted from the period's sales),
    ``late_return_lines`` and ``late_returned_revenue`` (returns in the period of sales from earlier months, netted
    from those months), ``unmatched_return_lines``, ``unmatched_units`` and ``unmatched_revenue`` (returns in the
    period that matched no sale, in no revenue figure)."""
    in_p = period.contains(lines["date_sold"]).to_numpy()
    status = lines["status"].to_numpy()
    ret = lines["is_return"].to_numpy(dtype=bool) if "is_return" in lines else np.zeros(len(lines), bool)
    out: dict[str, float | int] = {
        "refunded_lines": int((in_p & ~ret & (status == "refunded")).sum()),
        "cancelled_lines": int((in_p & ~ret & (status == "cancelled")).sum()),
        "return_lines": int((in_p & ret).sum()),
        "returned_revenue": float(lines["returned_revenue"].to_numpy()[in_p & ~ret].sum())
        if "returned_revenue" in lines else 0.0,
        "late_return_lines": 0, "late_returned_revenue": 0.0,
        "unmatched_return_lines": 0, "unmatched_units": 0, "unmatched_revenue": 0.0,
    }
    r = lines[in_p & ret]
    if len(r):
        units = r["quantity"].abs().to_numpy()
        price = r["sale_price"].to_numpy(dtype="float64")
        um = r["unmatched_units"].to_numpy()
        out["unmatched_return_lines"] = int((um > 0).sum())
        out["unmatched_units"] = int(um.sum())
        out["unmatched_revenue"] = float((um * price).sum())
        sale_day = r["return_of"].map(lines.set_index("sale_id")["date_sold"]) if r["return_of"].notna().any() \
            else pd.Series(pd.NaT, index=r.index)
        late = (pd.to_datetime(sale_day) < period.start).to_numpy(dtype=bool)
        out["late_return_lines"] = int(late.sum())
        out["late_returned_revenue"] = float(((units - um) * price)[late].sum())
    return out


def period_kpis(lines: pd.DataFrame, period: Period) -> dict[str, float | int | None]:
    """Every metric of docs/metrics.md, Overview for ``period``.

    ``lines`` are sale lines (lib.data.derived.sale_lines, returns netted) of any status, at least up
    to period_end. Orders count distinct ``order_id`` (lines without one as orders of their own);
    guest lines count in revenue and units, never as customers. ``revenue_prev_period`` is null when the month before has no
    sales rows at all; ``revenue_growth_pct`` is null when that revenue is null
    or zero. Gross profit sums the lines with a known cost basis; margin divides
    it by the revenue of those same lines (null when no line has a cost basis).
    """
    cur = _completed_in(lines, period)
    prev_p = period.previous
    prev_rows = lines[prev_p.contains(lines["date_sold"])]
    rev = float(cur["revenue"].sum())
    prev_rev = None if prev_rows.empty else float(prev_rows.loc[prev_rows["is_completed"], "revenue"].sum())
    growth = None if not prev_rev else (rev - prev_rev) / prev_rev * 100.0
    gp = margin = None
    if "gross_profit" in cur.columns:
        known = cur[cur["gross_profit"].notna()]
        if len(known):
            gp = float(known["gross_profit"].sum())
            kr = float(known["revenue"].sum())
            margin = gp / kr * 100.0 if kr else None
    named = lines["buyer_id"].notna().to_numpy()  # guests are no customers (docs/data-contract.md, Guest sales)
    done = completed_lines(lines, ["buyer_id", "date_sold"], where=named & (lines["date_sold"] < period.end_exclusive))
    first_buy = done.groupby("buyer_id", observed=True)["date_sold"].min()
    new = int(period.contains(first_buy).sum())
    return {
        "revenue_period": rev,
        "units_period": int(cur["quantity"].sum()),
        "orders_period": order_count(cur),
        "order_lines_period": int(len(cur)),
        "gross_profit_period": gp,
        "gross_margin_pct_period": margin,
        "refund_rate_pct_period": _refund_rate(lines, period),
        "guest_revenue_share_pct_period": _guest_share(lines, cur, rev),
        "revenue_prev_period": prev_rev,
        "revenue_growth_pct": growth,
        "active_customers_period": int(cur["buyer_id"].dropna().nunique()),
        "new_customers_period": new,
    }


def monthly_trend(lines: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Completed revenue, units (net of returns), orders, order lines and gross profit per month up to period_end
    (docs/metrics.md, Overview)."""
    agg = {"revenue": ("revenue", "sum"), "units": ("quantity", "sum"), "order_lines": ("sale_id", "size")}
    if "gross_profit" in lines.columns:
        agg["gross_profit"] = ("gross_profit", "sum")
    c = completed_lines(lines, ["month", "revenue", "quantity", "sale_id"], optional=("gross_profit", "order_id"),
                        where=lines["date_sold"] < period.end_exclusive)
    t = c.groupby("month", observed=True).agg(**agg)
    if "order_id" in c.columns and c["order_id"].notna().any():  # lines without an order_id: orders of their own
        oid = c["order_id"]
        orders = (oid.groupby(c["month"], observed=True).nunique()
                  + oid.isna().groupby(c["month"], observed=True).sum()).astype("int64")
    else:
        orders = t["order_lines"]
    t.insert(2, "orders", orders)
    return t.reset_index().sort_values("month", ignore_index=True)


def channel_revenue(lines: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Completed revenue by channel in the period and the month before, with shares (0-100; docs/metrics.md,
    Overview)."""
    cur = _completed_in(lines, period).groupby("channel", observed=True)["revenue"].sum()
    prev = _completed_in(lines, period.previous).groupby("channel", observed=True)["revenue"].sum()
    t = pd.DataFrame({"revenue": cur, "revenue_prev": prev}).fillna(0.0)
    total = t["revenue"].sum()
    t["share_pct"] = t["revenue"] / total * 100.0 if total else 0.0
    t.index.name = "channel"
    return t.sort_values("revenue", ascending=False).reset_index()


def previous_month_kpis(ds: Dataset, prev: Period, lookback_days: int = 30) -> dict:
    """The front page's KPIs for an earlier month, computed with the same domain functions as its reports
    (docs/metrics.md, Overview, Customers, Products and inventory, Marketing), over a DuckDB engine: the month's
    sale lines are built by DuckDB into the cache (lib.data.engine.period_lines_file; in pandas for a dataset
    held in memory) and the KPIs are SQL reductions of them, so the lines are never held in pandas.

    Each KPI whose tables are missing stays absent (the card then says there is nothing to compare).
    """
    from lib.analytics import reductions  # reductions import the domain modules this one is imported by

    period_lines_file(ds, prev.label, prev.end_exclusive)
    eng = period_engine(ds, prev.label, {"lines": lambda: sale_lines(ds.tables, until=prev.end_exclusive)})
    try:
        out: dict = dict(reductions.period_kpis(eng, prev))
        ct = reductions.customer_table(eng, prev.end)
        if len(ct):
            out["repeat_customer_rate_pct"] = customers.repeat_rate_pct(ct)
        del ct
        if ds.has("inventory", "products"):
            lines = eng.query("SELECT product_id, date, quantity, is_completed FROM lines WHERE date <= $end",
                              {"end": prev.end.normalize()})
            lc = product_lifecycle(ds.tables, lines.astype({"product_id": "string"}), prev.end)
            out.update(products.days_to_sell_metrics(products.days_to_sell_table(lc)))
            del lc, lines
        release_tables(ds, "sales", "products", "inventory", "brands")
        if ds.has("campaigns"):
            out["gross_profit_after_marketing_period"] = marketing.gross_profit_after_marketing(
                out.get("gross_profit_period"), marketing.marketing_spend(ds.tables["campaigns"], prev))
        if ds.has("campaigns", "touchpoints", "users"):
            md = marketing.prepare_engine(eng, ds.tables["campaigns"], prev, marketing.touchpoints_source(eng, ds),
                                          lookback_days=lookback_days)
            if md is not None:
                out["roas_period"] = marketing.roas_period(md)[0]
    finally:
        eng.close()
    return out
