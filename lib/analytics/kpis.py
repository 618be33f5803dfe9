"""Overview metrics: the month's KPIs against the month before, monthly trends, channel mix, the front page's KPIs."""

from __future__ import annotations

import pandas as pd

from lib.analytics import customers, marketing, products
from lib.data.cache import release_tables, table_rows_between
from lib.data.dataset import Dataset
from lib.data.derived import completed_lines, product_lifecycle, sale_lines
from lib.data.periods import Period

__all__ = ["period_kpis", "monthly_trend", "channel_revenue", "previous_month_kpis"]


def _completed_in(lines: pd.DataFrame, p: Period) -> pd.DataFrame:
    return lines[lines["is_completed"] & p.contains(lines["date_sold"])]


def period_kpis(lines: pd.DataFrame, period: Period) -> dict[str, float | int | None]:
    """Every metric of docs/metrics.md, Overview for ``period``.

    ``lines`` are sale lines (lib.data.derived.sale_lines) of any status, at least up
    to period_end. ``revenue_prev_period`` is null when the month before has no
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
    done = completed_lines(lines, ["buyer_id", "date_sold"], where=lines["date_sold"] < period.end_exclusive)
    first_buy = done.groupby("buyer_id", observed=True)["date_sold"].min()
    new = int(period.contains(first_buy).sum())
    return {
        "revenue_period": rev,
        "units_period": int(cur["quantity"].sum()),
        "orders_period": int(len(cur)),
        "gross_profit_period": gp,
        "gross_margin_pct_period": margin,
        "revenue_prev_period": prev_rev,
        "revenue_growth_pct": growth,
        "active_customers_period": int(cur["buyer_id"].nunique()),
        "new_customers_period": new,
    }


def monthly_trend(lines: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Completed revenue, units, order lines and gross profit per month up to period_end (docs/metrics.md,
    Overview)."""
    agg = {"revenue": ("revenue", "sum"), "units": ("quantity", "sum"), "orders": ("sale_id", "size")}
    if "gross_profit" in lines.columns:
        agg["gross_profit"] = ("gross_profit", "sum")
    c = completed_lines(lines, ["month", "revenue", "quantity", "sale_id"], optional=("gross_profit",),
                        where=lines["date_sold"] < period.end_exclusive)
    return c.groupby("month", observed=True).agg(**agg).reset_index().sort_values("month", ignore_index=True)


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
    (docs/metrics.md, Overview, Customers, Products and inventory, Marketing).

    Each KPI whose tables are missing stays absent (the card then says there is nothing to compare).
    Frames are dropped as soon as a KPI is computed, and only the touchpoints that can be credited
    with the month's sales (from ``lookback_days`` before it) are read: the month's last-touch ROAS
    does not depend on the others.
    """
    all_lines = sale_lines(ds.tables)
    out: dict = dict(period_kpis(all_lines, prev))
    lines = all_lines[all_lines["date_sold"] < prev.end_exclusive].reset_index(drop=True)
    del all_lines
    occ = customers.customer_occasions(ds.tables["sales"], prev.end)
    if len(occ):
        out["repeat_customer_rate_pct"] = customers.repeat_rate_pct(customers.customer_table(occ, prev.end))
    del occ
    release_tables(ds, "sales")
    if ds.has("inventory", "products"):
        lc = product_lifecycle(ds.tables, lines, prev.end)
        out.update(products.days_to_sell_metrics(products.days_to_sell_table(lc)))
        del lc
    release_tables(ds, "products", "inventory", "brands")
    if ds.has("campaigns"):
        out["gross_profit_after_marketing_period"] = marketing.gross_profit_after_marketing(
            out.get("gross_profit_period"), marketing.marketing_spend(ds.tables["campaigns"], prev))
    if ds.has("campaigns", "touchpoints", "users"):
        # a path holds the touches from its occasion's day minus lookback_days (attribution.conversion_paths)
        since = prev.start - pd.Timedelta(days=lookback_days)
        tables = {"campaigns": ds.tables["campaigns"]}
        touches = table_rows_between(ds, "touchpoints", "timestamp", since, prev.end_exclusive)
        md = marketing.prepare(tables, lines, prev, lookback_days=lookback_days, touchpoints=touches)
        if md is not None:
            out["roas_period"] = marketing.roas_period(md)[0]
    return out
