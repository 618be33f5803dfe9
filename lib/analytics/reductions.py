"""The heavy reductions as SQL over a period's ``lines`` view: Overview KPIs, daily and hourly sales, occasions, customers (docs/metrics.md, Overview)."""

from __future__ import annotations

import pandas as pd

from lib.analytics import customers, timing
from lib.data.derived import GUEST_COLUMN
from lib.data.engine import Engine
from lib.data.periods import Period

__all__ = ["LINES", "period_kpis", "monthly_trend", "channel_revenue", "returns_summary", "daily_sales", "day_hour_sales",
           "weekday_hour_sales", "daily_channel_revenue", "purchase_occasions", "customer_table"]

#: the view every reduction reads: a period's sale lines (lib.data.derived.sale_lines, lib.data.engine)
LINES = "lines"
#: gross profit with NaN as unknown (a registered frame's NaN is NULL already; Parquet's too)
_GP = "CASE WHEN isnan(gross_profit) THEN NULL ELSE gross_profit END"


def _cols(eng: Engine) -> set[str]:
    return set(eng.columns(LINES))


def _between(p: Period) -> dict[str, pd.Timestamp]:
    return {"start": p.start, "end": p.end_exclusive}


def _num(v: object) -> float | None:
    """A float from a one-row result, None for SQL NULL (a NaN from the frame conversion)."""
    return None if v is None or pd.isna(v) else float(v)


def period_kpis(eng: Engine, period: Period) -> dict[str, float | int | None]:
    """lib.analytics.kpis.period_kpis in SQL: every metric of docs/metrics.md, Overview for ``period``, same keys
    and values, from the ``lines`` view (sale lines of any status, at least up to period_end).

    Orders count distinct ``order_id`` plus each completed line without one; guests count in revenue and units,
    never as customers (docs/data-contract.md, Guest sales); the refund rate is over the period's completed or
    refunded sales before returns; gross profit and margin are over the lines with a known cost basis; the month
    before is null when it has no rows at all.
    """
    cols = _cols(eng)
    prev = period.previous
    orders = ("COUNT(DISTINCT order_id) FILTER (WHERE cur) + COUNT(*) FILTER (WHERE cur AND order_id IS NULL)"
              if "order_id" in cols else "COUNT(*) FILTER (WHERE cur)")
    has_gp = "gross_profit" in cols
    refund = {"is_return", "gross_revenue", "returned_revenue"} <= cols
    gross_qty = "gross_quantity" if "gross_quantity" in cols else "quantity"
    guest = GUEST_COLUMN in cols
    sql = f"""
    WITH l AS (
      SELECT *, is_completed AND date_sold >= $start AND date_sold < $end AS cur,
             date_sold >= $prev_start AND date_sold < $start AS in_prev
             {f", {_GP} AS gp" if has_gp else ""}
             {f''', date_sold >= $start AND date_sold < $end AND NOT is_return AND {gross_qty} > 0
                    AND status IN ('completed', 'refunded') AS sold''' if refund else ""}
      FROM {LINES} WHERE date_sold >= $prev_start AND date_sold < $end)
    SELECT
      COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE cur))::DOUBLE, 0.0) AS revenue,
      COALESCE(SUM(quantity) FILTER (WHERE cur), 0)::BIGINT AS units,
      {orders} AS orders,
      COUNT(*) FILTER (WHERE cur) AS order_lines,
      COUNT(*) FILTER (WHERE in_prev) AS prev_rows,
      COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE in_prev AND is_completed))::DOUBLE, 0.0) AS prev_revenue,
      COUNT(DISTINCT buyer_id) FILTER (WHERE cur) AS active,
      {'''COUNT(*) FILTER (WHERE cur AND gp IS NOT NULL) AS known_lines,
      (SUM(gp::DECIMAL(38,10)) FILTER (WHERE cur))::DOUBLE AS gp_sum,
      (SUM(revenue::DECIMAL(38,10)) FILTER (WHERE cur AND gp IS NOT NULL))::DOUBLE AS known_revenue''' if has_gp else
      "0 AS known_lines, NULL AS gp_sum, NULL AS known_revenue"},
      {'''COALESCE((SUM(gross_revenue::DECIMAL(38,10)) FILTER (WHERE sold))::DOUBLE, 0.0) AS gross,
      COALESCE((SUM(gross_revenue::DECIMAL(38,10)) FILTER (WHERE sold AND status = 'refunded'))::DOUBLE, 0.0)
        + COALESCE((SUM(returned_revenue::DECIMAL(38,10)) FILTER (WHERE sold AND status = 'completed'))::DOUBLE, 0.0) AS back'''
      if refund else "NULL AS gross, NULL AS back"},
      {f'''EXISTS (SELECT 1 FROM {LINES} WHERE {GUEST_COLUMN}) AS any_guest,
      COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE cur AND {GUEST_COLUMN}))::DOUBLE, 0.0) AS guest_revenue'''
      if guest else "false AS any_guest, 0.0 AS guest_revenue"}
    FROM l"""
    r = eng.query(sql, {**_between(period), "prev_start": prev.start}).iloc[0]
    new = eng.query(f"""
    WITH cur AS (SELECT DISTINCT buyer_id FROM {LINES}
                 WHERE is_completed AND buyer_id IS NOT NULL AND date_sold >= $start AND date_sold < $end)
    SELECT COUNT(*) AS n FROM cur ANTI JOIN (
      SELECT buyer_id FROM {LINES} WHERE is_completed AND buyer_id IS NOT NULL AND date_sold < $start) b
    USING (buyer_id)""", _between(period))["n"].iloc[0]  # buyers of the period who bought nothing before it
    rev = float(r["revenue"])
    prev_rev = None if int(r["prev_rows"]) == 0 else float(r["prev_revenue"])
    gp = margin = None
    if has_gp and int(r["known_lines"]):
        gp = float(r["gp_sum"])
        kr = float(r["known_revenue"])
        margin = gp / kr * 100.0 if kr else None
    refund_rate = None
    if refund and _num(r["gross"]) is not None and float(r["gross"]) > 0:
        refund_rate = float(r["back"]) / float(r["gross"]) * 100.0
    guest_share = None
    if guest and bool(r["any_guest"]):
        guest_share = float(r["guest_revenue"]) / rev * 100.0 if rev else 0.0
    return {
        "revenue_period": rev,
        "units_period": int(r["units"]),
        "orders_period": int(r["orders"]),
        "order_lines_period": int(r["order_lines"]),
        "gross_profit_period": gp,
        "gross_margin_pct_period": margin,
        "refund_rate_pct_period": refund_rate,
        "guest_revenue_share_pct_period": guest_share,
        "revenue_prev_period": prev_rev,
        "revenue_growth_pct": None if not prev_rev else (rev - prev_rev) / prev_rev * 100.0,
        "active_customers_period": int(r["active"]),
        "new_customers_period": int(new),
    }


def monthly_trend(eng: Engine, period: Period) -> pd.DataFrame:
    """lib.analytics.kpis.monthly_trend in SQL: completed revenue, units (net of returns), orders, order lines and
    gross profit per month up to period_end (docs/metrics.md, Overview); columns ``month, revenue, units, orders,
    order_lines`` and ``gross_profit`` when the lines have it."""
    cols = _cols(eng)
    orders = ("COUNT(DISTINCT order_id) + COUNT(*) FILTER (WHERE order_id IS NULL)" if "order_id" in cols
              else "COUNT(*)")
    gp = f", COALESCE((SUM({_GP}::DECIMAL(38,10)))::DOUBLE, 0.0) AS gross_profit" if "gross_profit" in cols else ""
    t = eng.query(f"""
    SELECT month, COALESCE((SUM(revenue::DECIMAL(38,10)))::DOUBLE, 0.0) AS revenue, SUM(quantity)::BIGINT AS units, {orders} AS orders,
           COUNT(*) AS order_lines{gp}
    FROM {LINES} WHERE is_completed AND date_sold < $end GROUP BY month ORDER BY month""",
                  {"end": period.end_exclusive})
    types = {"month": "str", "revenue": "float64", "units": "int64", "orders": "int64", "order_lines": "int64"}
    if gp:
        types["gross_profit"] = "float64"
    return t.astype(types).reset_index(drop=True)


def channel_revenue(eng: Engine, period: Period) -> pd.DataFrame:
    """lib.analytics.kpis.channel_revenue in SQL: completed revenue by channel in the period and the month before,
    with shares (0-100; docs/metrics.md, Overview); columns ``channel, revenue, revenue_prev, share_pct``, largest
    first."""
    t = eng.query(f"""
    SELECT channel,
           COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE date_sold >= $start))::DOUBLE, 0.0) AS revenue,
           COALESCE((SUM(revenue::DECIMAL(38,10)) FILTER (WHERE date_sold < $start))::DOUBLE, 0.0) AS revenue_prev
    FROM {LINES}
    WHERE is_completed AND channel IS NOT NULL AND date_sold >= $prev_start AND date_sold < $end
    GROUP BY channel ORDER BY channel""", {**_between(period), "prev_start": period.previous.start})
    t = t.astype({"channel": "str", "revenue": "float64", "revenue_prev": "float64"}).set_index("channel")
    total = t["revenue"].sum()
    t["share_pct"] = t["revenue"] / total * 100.0 if total else 0.0
    return t.sort_values("revenue", ascending=False).reset_index()  # kpis.channel_revenue's order, ties by name


def returns_summary(eng: Engine, period: Period) -> dict[str, float | int]:
    """lib.analytics.kpis.returns_summary in SQL: the period's refunds and returns as counts and amounts
    (docs/data-contract.md, Return lines), same keys: refunded and cancelled sale lines, return lines, the amount
    netted from the period's sales, late returns (of sales from earlier months) and unmatched returns."""
    cols = _cols(eng)
    ret = "is_return" if "is_return" in cols else "false"
    returned = ("COALESCE((SUM(returned_revenue::DECIMAL(38,10)) FILTER (WHERE in_p AND NOT ret))::DOUBLE, 0.0)" if "returned_revenue" in cols
                else "0.0")
    r = eng.query(f"""
    WITH l AS (SELECT *, date_sold >= $start AND date_sold < $end AS in_p, {ret} AS ret FROM {LINES})
    SELECT COUNT(*) FILTER (WHERE in_p AND NOT ret AND status = 'refunded') AS refunded_lines,
           COUNT(*) FILTER (WHERE in_p AND NOT ret AND status = 'cancelled') AS cancelled_lines,
           COUNT(*) FILTER (WHERE in_p AND ret) AS return_lines,
           {returned} AS returned_revenue
    FROM l""", _between(period)).iloc[0]
    out: dict[str, float | int] = {
        "refunded_lines": int(r["refunded_lines"]), "cancelled_lines": int(r["cancelled_lines"]),
        "return_lines": int(r["return_lines"]), "returned_revenue": float(r["returned_revenue"]),
        "late_return_lines": 0, "late_returned_revenue": 0.0,
        "unmatched_return_lines": 0, "unmatched_units": 0, "unmatched_revenue": 0.0,
    }
    if out["return_lines"] == 0:
        return out
    u = eng.query(f"""
    SELECT COUNT(*) FILTER (WHERE unmatched_units > 0) AS lines, COALESCE(SUM(unmatched_units), 0)::BIGINT AS units,
           COALESCE((SUM((unmatched_units * sale_price)::DECIMAL(38,10)))::DOUBLE, 0.0) AS revenue
    FROM {LINES} WHERE is_return AND date_sold >= $start AND date_sold < $end""", _between(period)).iloc[0]
    late = eng.query(f"""
    SELECT COUNT(*) AS lines, COALESCE((SUM(((abs(r.quantity) - r.unmatched_units) * r.sale_price)::DECIMAL(38,10)))::DOUBLE, 0.0) AS revenue
    FROM {LINES} r JOIN {LINES} s ON s.sale_id = r.return_of
    WHERE r.is_return AND r.date_sold >= $start AND r.date_sold < $end AND s.date_sold < $start""",
                     _between(period)).iloc[0]
    out.update(unmatched_return_lines=int(u["lines"]), unmatched_units=int(u["units"]),
               unmatched_revenue=float(u["revenue"]), late_return_lines=int(late["lines"]),
               late_returned_revenue=float(late["revenue"]))
    return out


def daily_sales(eng: Engine, end: pd.Timestamp, start: pd.Timestamp | None = None) -> pd.DataFrame:
    """lib.analytics.timing.daily_sales in SQL: one row per calendar day from ``start`` (default the first day with
    a completed sale) to ``end``, days without sales as zero (docs/metrics.md, Sales timing).

    Indexed by ``date`` with ``revenue, units, orders`` (completed lines), ``weekday`` (Monday=0) and
    ``is_weekend``; what the weekday means, closed days, weekend test, trends and holiday index start from.
    """
    end = pd.Timestamp(end).normalize()
    agg = eng.query(f"""
    SELECT date, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS orders FROM {LINES}
    WHERE is_completed AND date <= $end {"AND date >= $start" if start is not None else ""}
    GROUP BY date ORDER BY date""", {"end": end, **({"start": pd.Timestamp(start).normalize()} if start is not None
                                                     else {})})
    start = timing.calendar_start(agg["date"].min() if len(agg) else None, start, end)
    agg["date"] = agg["date"].astype("datetime64[ns]")
    return timing.daily_calendar(agg.set_index("date"), start, end)


def day_hour_sales(eng: Engine, end: pd.Timestamp) -> pd.DataFrame:
    """Completed sales per local day and clock hour up to ``end`` (docs/metrics.md, Closed days): columns ``date,
    weekday, hour, revenue, units, lines``, hours without a sale left out.

    lib.analytics.timing.trading_hours and lib.analytics.shows.raw_revenue_grid take it in place of the completed
    lines, with the same results.
    """
    t = eng.query(f"""
    SELECT date, weekday, hour, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS lines
    FROM {LINES} WHERE is_completed AND date <= $end GROUP BY date, weekday, hour ORDER BY date, hour""",
                  {"end": pd.Timestamp(end).normalize()})
    return t.astype({"date": "datetime64[ns]", "weekday": "int8", "hour": "int8", "revenue": "float64",
                     "units": "int64", "lines": "int64"})


def weekday_hour_sales(eng: Engine, end: pd.Timestamp) -> pd.DataFrame:
    """Completed sales per weekday (Monday=0) and clock hour up to ``end``, all 168 slots (docs/metrics.md, Sales
    timing): columns ``weekday, hour, revenue, units, lines, days_with_sales`` (local days with a sale in that
    slot), zero where there was none."""
    t = eng.query(f"""
    SELECT weekday, hour, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS lines,
           COUNT(DISTINCT date) AS days_with_sales
    FROM {LINES} WHERE is_completed AND date <= $end GROUP BY weekday, hour""",
                  {"end": pd.Timestamp(end).normalize()})
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    t = t.astype({"weekday": "int64", "hour": "int64"}).set_index(["weekday", "hour"]).reindex(grid, fill_value=0)
    return t.reset_index().astype({"revenue": "float64", "units": "int64", "lines": "int64",
                                   "days_with_sales": "int64"})


def daily_channel_revenue(eng: Engine, end: pd.Timestamp) -> pd.DataFrame:
    """Completed revenue per local day and channel up to ``end`` (docs/metrics.md, Sales timing): columns ``date,
    channel, revenue`` (channel blank where the line has none); lib.analytics.timing.channel_mix takes it in place
    of the completed lines."""
    t = eng.query(f"""
    SELECT date, channel, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue FROM {LINES} WHERE is_completed AND date <= $end
    GROUP BY date, channel ORDER BY date, channel""", {"end": pd.Timestamp(end).normalize()})
    return t.astype({"date": "datetime64[ns]", "channel": "str", "revenue": "float64"})


def _occasions_sql(cols: set[str], until: bool) -> str:
    named = f" AND NOT COALESCE({GUEST_COLUMN}, false)" if GUEST_COLUMN in cols else ""
    gp = f", COALESCE((SUM({_GP}::DECIMAL(38,10)))::DOUBLE, 0.0) AS gross_profit" if "gross_profit" in cols else ""
    return f"""
    SELECT buyer_id, date, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS lines{gp}
    FROM {LINES} WHERE is_completed AND buyer_id IS NOT NULL{named} {"AND date <= $until" if until else ""}
    GROUP BY buyer_id, date"""


def purchase_occasions(eng: Engine, period_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """lib.data.derived.purchase_occasions in SQL: completed sales of one named buyer on one local day, net of
    returns, guest lines left out (docs/metrics.md, Purchase occasion). Columns ``buyer_id, date, revenue, units,
    lines`` and ``gross_profit`` when known, sorted by buyer then day; ``period_end`` keeps the days up to it."""
    cols = _cols(eng)
    params = {"until": pd.Timestamp(period_end).normalize()} if period_end is not None else None
    occ = eng.query(_occasions_sql(cols, period_end is not None) + " ORDER BY buyer_id, date", params)
    types = {"buyer_id": "string[pyarrow]", "date": "datetime64[ns]", "revenue": "float64", "units": "int64",
             "lines": "int64"}
    if "gross_profit" in occ.columns:
        types["gross_profit"] = "float64"
    return occ.astype(types)


def customer_table(eng: Engine, period_end: pd.Timestamp, users: pd.DataFrame | None = None,
                   occasions: pd.DataFrame | None = None) -> pd.DataFrame:
    """lib.analytics.customers.customer_table of the period's purchase occasions, in SQL: one row per customer up
    to period_end (docs/metrics.md, Customers) with ``buyer_id, display_name, revenue, occasions, items,
    first_purchase, last_purchase, days_since``, largest revenue first (ties by buyer_id); ``display_name`` is the
    users table's, else the buyer id. ``occasions``: the frame of :func:`purchase_occasions` when the caller has
    it already; the sums then run over it instead of building the occasions from the lines a second time (the
    same occasion revenues, so the same exact totals)."""
    end = pd.Timestamp(period_end).normalize()
    sql = """
    SELECT buyer_id, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, COUNT(*) AS occasions, SUM(units)::BIGINT AS items,
           MIN(date) AS first_purchase, MAX(date) AS last_purchase,
           date_diff('day', MAX(date)::DATE, $until::DATE) AS days_since
    FROM occ {where} GROUP BY buyer_id"""
    if occasions is None:
        c = eng.query(f"WITH occ AS ({_occasions_sql(_cols(eng), True)})" + sql.format(where=""), {"until": end})
    else:
        c = customers.query_frame(occasions[["buyer_id", "date", "revenue", "units"]],
                                  sql.format(where="WHERE date <= $until"), {"until": end})
    c = c.astype({"buyer_id": "string[pyarrow]", "revenue": "float64", "occasions": "int64", "items": "int64",
                  "first_purchase": "datetime64[ns]", "last_purchase": "datetime64[ns]", "days_since": "int64"})
    return customers.named_by_revenue(c, users)
