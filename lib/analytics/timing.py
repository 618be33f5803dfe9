"""Sales timing: daily calendar, weekday means, weekend test, trends, growth, channel mix and seasonality (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lib.analytics.stats import mann_whitney_p_value, t_interval, welch_t_test, z_critical
from lib.data.derived import WEEKDAYS, sale_lines

__all__ = ["WEEKEND_TEST", "CLOSED_DAY_SHARE", "CLOSED_HOUR_SHARE", "MIN_WEEKDAY_DAYS", "MIN_TRADING_DAYS",
           "timing_lines", "daily_sales", "calendar_start", "daily_calendar", "trading_weekdays", "closed_weekdays", "trading_hours", "closed_hours",
           "weekday_means", "peak_weekday", "weekend_uplift",
           "period_series", "monthly_revenue", "growth", "channel_mix", "month_of_year", "q4_share",
           "holiday_windows", "holiday_index"]

#: the two-sided test behind weekend_uplift_p_value, named in the result (docs/metrics.md, Sales timing)
WEEKEND_TEST = "Welch two-sample t-test (two-sided) on daily revenue, weekend days vs weekdays"
#: a weekday without any sale on at least this share of its days is a closed day (docs/metrics.md, Closed days)
CLOSED_DAY_SHARE = 0.95
#: an hour of the day without any sale on at least this share of trading days is a closed hour
CLOSED_HOUR_SHARE = 0.99
#: fewest days of a weekday in the history before it can be called closed (8 weeks)
MIN_WEEKDAY_DAYS = 8
#: fewest trading days before an hour can be called closed
MIN_TRADING_DAYS = 30


def timing_lines(tables: dict[str, pd.DataFrame], end_exclusive: pd.Timestamp) -> pd.DataFrame:
    """Sale lines (lib.data.derived.sale_lines) of the sales table alone, before ``end_exclusive``.

    The same definition and period cut as the report's lines (lib.report.notebook.Report.lines),
    in input order and without the product, brand and inventory columns: timing needs none of
    them, and skipping those joins saves most of the enrichment time at 1M lines (about 5x)
    (docs/data-contract.md, Sale lines).
    """
    if "sales" not in tables:
        raise ValueError("the sales table is missing")
    s = tables["sales"]
    return sale_lines({"sales": s[s["date_sold"] < end_exclusive]}).reset_index(drop=True)


def daily_sales(completed: pd.DataFrame, end: pd.Timestamp, start: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per calendar day from ``start`` to ``end`` inclusive, days without sales as zero (docs/metrics.md, Sales timing).

    Parameters
    ----------
    completed : completed sale lines (``date, revenue, quantity``), business-local days.
    end : last day of the history window (period_end).
    start : first day; default the first day with a completed sale.

    Returns
    -------
    DataFrame indexed by ``date`` with ``revenue, units, orders`` (completed lines),
    ``weekday`` (Monday=0) and ``is_weekend`` (Saturday, Sunday).
    """
    end = pd.Timestamp(end).normalize()
    c = completed[completed["date"] <= end]
    start = calendar_start(c["date"].min() if len(c) else None, start, end)
    c = c[c["date"] >= start]
    agg = c.groupby("date").agg(revenue=("revenue", "sum"), units=("quantity", "sum"),
                                orders=("revenue", "size"))
    return daily_calendar(agg, start, end)


def calendar_start(first_sale: pd.Timestamp | None, start: pd.Timestamp | None, end: pd.Timestamp) -> pd.Timestamp:
    """The first day of the daily calendar: ``start``, else the first completed sale's day; an error when there is
    no sale to start from or ``start`` is after ``end`` (docs/metrics.md, Sales timing)."""
    if start is None:
        if first_sale is None or pd.isna(first_sale):
            raise ValueError("no completed sales up to the period end: cannot build the daily calendar")
        start = first_sale
    start = pd.Timestamp(start).normalize()
    if start > end:
        raise ValueError(f"start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    return start


def daily_calendar(agg: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per-day sums (``revenue, units, orders`` indexed by day) as the full calendar from ``start`` to ``end``, days
    without sales as zero, with ``weekday`` and ``is_weekend`` (docs/metrics.md, Sales timing)."""
    days = pd.date_range(start, end, freq="D", name="date")
    d = agg[["revenue", "units", "orders"]].reindex(days, fill_value=0)
    d["revenue"] = d["revenue"].astype("float64")
    d["units"] = d["units"].astype("int64")
    d["orders"] = d["orders"].astype("int64")
    d["weekday"] = days.day_of_week.astype("int64")
    d["is_weekend"] = d["weekday"] >= 5
    return d


def trading_weekdays(daily: pd.DataFrame, share: float = CLOSED_DAY_SHARE,
                     min_days: int = MIN_WEEKDAY_DAYS) -> pd.DataFrame:
    """Which weekdays the shop trades on (docs/metrics.md, Closed days).

    A weekday is closed when it has no completed sale on at least ``share`` of its days in the
    calendar (``daily`` is :func:`daily_sales`), it occurs at least ``min_days`` times, and the
    other weekdays trade: at least one has a sale on half of its days or more (so a shop that sells
    once a month has no closed days). Rows Monday..Sunday; columns ``weekday, days,
    days_without_sales, without_sales_pct, closed``.
    """
    n = daily.groupby("weekday").size().reindex(range(7), fill_value=0).astype("int64")
    empty = (daily["orders"] == 0).groupby(daily["weekday"]).sum().reindex(range(7), fill_value=0).astype("int64")
    pct = (empty / n.where(n > 0) * 100.0).to_numpy()
    closed = (n.to_numpy() >= min_days) & (np.nan_to_num(pct) >= share * 100.0)
    if not (np.nan_to_num(pct, nan=100.0) <= 50.0).any():
        closed[:] = False
    return pd.DataFrame({"weekday": WEEKDAYS, "days": n.to_numpy(), "days_without_sales": empty.to_numpy(),
                         "without_sales_pct": pct, "closed": closed}, index=range(7))


def closed_weekdays(daily: pd.DataFrame, share: float = CLOSED_DAY_SHARE,
                    min_days: int = MIN_WEEKDAY_DAYS) -> list[int]:
    """Weekday numbers (Monday=0) the shop does not trade on, by :func:`trading_weekdays` (docs/metrics.md, Closed days)."""
    t = trading_weekdays(daily, share, min_days)
    return [int(i) for i in t.index[t["closed"]]]


def trading_hours(completed: pd.DataFrame, share: float = CLOSED_HOUR_SHARE,
                  min_days: int = MIN_TRADING_DAYS) -> pd.DataFrame:
    """Which clock hours (business-local) the shop trades in (docs/metrics.md, Closed days).

    Over the trading days (days with a completed sale), an hour is closed when it has no completed
    sale on at least ``share`` of them, given at least ``min_days`` trading days (``completed`` has
    ``date, hour``). Rows 0..23; columns ``hour, trading_days, days_with_sales, without_sales_pct,
    closed``.
    """
    days = int(completed["date"].nunique())
    with_sales = completed.groupby("hour")["date"].nunique().reindex(range(24), fill_value=0).astype("int64")
    pct = (1.0 - with_sales / days) * 100.0 if days else pd.Series(np.nan, index=range(24))
    closed = (days >= min_days) & (pct.fillna(0) >= share * 100.0)
    return pd.DataFrame({"hour": range(24), "trading_days": days, "days_with_sales": with_sales.to_numpy(),
                         "without_sales_pct": pct.to_numpy(), "closed": closed.to_numpy()}, index=range(24))


def closed_hours(completed: pd.DataFrame, share: float = CLOSED_HOUR_SHARE,
                 min_days: int = MIN_TRADING_DAYS) -> list[int]:
    """Clock hours (0-23) the shop does not trade in, by :func:`trading_hours` (docs/metrics.md, Closed days)."""
    t = trading_hours(completed, share, min_days)
    return [int(h) for h in t.index[t["closed"]]]


def weekday_means(daily: pd.DataFrame, level: float = 0.95, closed: list[int] | tuple[int, ...] = ()) -> pd.DataFrame:
    """Mean daily revenue and units per weekday with t-intervals (docs/metrics.md, Weekday means and weekend uplift).

    Days without sales count as zero (``daily`` is :func:`daily_sales`). Rows Monday..Sunday;
    columns ``weekday, days, closed, revenue_mean, revenue_low, revenue_high, units_mean, units_low,
    units_high``. Intervals are Student-t ``level`` intervals of the mean (NaN for one day). The
    ``closed`` weekdays (:func:`closed_weekdays`) are left out of the comparison: their means and
    intervals are NaN.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    g = daily.groupby("weekday")
    n = g.size().reindex(range(7), fill_value=0).astype("int64")
    shut = np.isin(np.arange(7), list(closed))
    out = pd.DataFrame({"weekday": WEEKDAYS, "days": n.to_numpy(), "closed": shut}, index=range(7))
    for col, name in (("revenue", "revenue"), ("units", "units")):
        mean = g[col].mean().reindex(range(7))
        sd = g[col].std(ddof=1).reindex(range(7))
        lo, hi = t_interval(mean, sd, n, level)
        out[f"{name}_mean"] = np.where(shut, np.nan, mean.to_numpy())
        out[f"{name}_low"] = np.where(shut, np.nan, lo.to_numpy())
        out[f"{name}_high"] = np.where(shut, np.nan, hi.to_numpy())
    return out


def peak_weekday(means: pd.DataFrame) -> str | None:
    """Weekday (``Monday``..``Sunday``) with the highest mean daily revenue (docs/metrics.md, Sales timing)."""
    m = means.dropna(subset=["revenue_mean"])
    if m.empty:
        return None
    return str(m.loc[m["revenue_mean"].idxmax(), "weekday"])


def weekend_uplift(daily: pd.DataFrame, level: float = 0.95, closed: list[int] | tuple[int, ...] = ()) -> dict:
    """Weekend vs weekday mean daily revenue and a two-sided test (docs/metrics.md, Weekday means and weekend uplift).

    ``uplift_pct`` = (mean Sat+Sun day / mean Mon-Fri day - 1) x 100; ``p_value`` from
    :data:`WEEKEND_TEST` (scipy.stats.ttest_ind, equal_var=False); ``low``/``high`` a
    ``level`` delta-method interval of the uplift (log ratio of the two means);
    ``mw_p_value`` a Mann-Whitney U two-sided p-value as a robustness check.
    Values are None where not computable (fewer than two days on either side). The ``closed``
    weekdays (:func:`closed_weekdays`) are left out of both sides: with one weekend day closed the
    open one is compared; with both closed there is no comparison. ``weekend`` and ``weekdays`` list
    the weekday names compared, ``closed`` the names left out.
    """
    shut = set(closed)
    keep = ~daily["weekday"].isin(shut)
    we = daily.loc[daily["is_weekend"] & keep, "revenue"].to_numpy(float)
    wd = daily.loc[~daily["is_weekend"] & keep, "revenue"].to_numpy(float)
    res = {"test": WEEKEND_TEST, "weekend_days": len(we), "weekday_days": len(wd),
           "weekend": [WEEKDAYS[i] for i in (5, 6) if i not in shut],
           "weekdays": [WEEKDAYS[i] for i in range(5) if i not in shut],
           "closed": [WEEKDAYS[i] for i in sorted(shut)],
           "weekend_mean": float(we.mean()) if len(we) else None,
           "weekday_mean": float(wd.mean()) if len(wd) else None,
           "uplift_pct": None, "low": None, "high": None, "statistic": None, "p_value": None,
           "mw_p_value": None}
    if len(we) and len(wd) and wd.mean() > 0:
        res["uplift_pct"] = (we.mean() / wd.mean() - 1.0) * 100.0
    if len(we) < 2 or len(wd) < 2:
        return res
    if np.ptp(np.concatenate([we, wd])) > 0:
        t = welch_t_test(we, wd)
        res["statistic"] = float(t.statistic) if np.isfinite(t.statistic) else None
        res["p_value"] = float(t.pvalue) if np.isfinite(t.pvalue) else None
        res["mw_p_value"] = mann_whitney_p_value(we, wd)
    if we.mean() > 0 and wd.mean() > 0:
        se = math.sqrt(we.var(ddof=1) / len(we) / we.mean() ** 2 + wd.var(ddof=1) / len(wd) / wd.mean() ** 2)
        z = z_critical(level)
        lr = math.log(we.mean() / wd.mean())
        res["low"] = (math.exp(lr - z * se) - 1.0) * 100.0
        res["high"] = (math.exp(lr + z * se) - 1.0) * 100.0
    return res


def period_series(daily: pd.DataFrame, freq: str = "D", window: int | None = None) -> pd.DataFrame:
    """Revenue and units per day (``D``), week (``W``, weeks ending Sunday) or month (``M``) with a rolling mean
    (docs/metrics.md, Sales timing).

    ``window`` defaults to 28 days, 4 weeks or 3 months; the rolling mean needs a full
    window (NaN before). Weeks cut by the history window are partial sums.
    """
    rule = {"D": "D", "W": "W-SUN", "M": "MS"}.get(freq)
    if rule is None:
        raise ValueError(f"freq must be 'D', 'W' or 'M', got {freq!r}")
    window = window or {"D": 28, "W": 4, "M": 3}[freq]
    s = daily[["revenue", "units"]].resample(rule).sum()
    s["revenue_rolling"] = s["revenue"].rolling(window, min_periods=window).mean()
    s["units_rolling"] = s["units"].rolling(window, min_periods=window).mean()
    return s


def monthly_revenue(daily: pd.DataFrame) -> pd.Series:
    """Completed revenue per calendar month (index = month start), complete months only (docs/metrics.md, Sales timing).

    The first month is dropped when the calendar starts after its first day (a partial
    month would look like a drop in sales); the last month ends at period_end.
    """
    m = daily["revenue"].resample("MS").sum()
    first = daily.index.min()
    if len(m) and first.day != 1:
        m = m.iloc[1:]
    last = daily.index.max()
    if len(m) and (last + pd.Timedelta(days=1)).day != 1:
        m = m.iloc[:-1]
    m.index.name = "month"
    m.name = "revenue"
    return m


def _growth_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or not before > 0:
        return None
    return (now / before - 1.0) * 100.0


def growth(monthly: pd.Series, period_start: pd.Timestamp) -> dict:
    """Month-over-month, year-over-year and trailing-12-month growth of the period month, in percent.

    None where the earlier window is missing or has no revenue (docs/metrics.md, Sales timing).
    """
    p = pd.Timestamp(period_start).normalize().replace(day=1)

    def at(ts: pd.Timestamp) -> float | None:
        return float(monthly.loc[ts]) if ts in monthly.index else None

    prev, ly = p - pd.DateOffset(months=1), p - pd.DateOffset(months=12)
    res = {"revenue": at(p), "prev_revenue": at(prev), "last_year_revenue": at(ly)}
    res["mom_pct"] = _growth_pct(res["revenue"], res["prev_revenue"])
    res["yoy_pct"] = _growth_pct(res["revenue"], res["last_year_revenue"])
    last12 = monthly[(monthly.index > p - pd.DateOffset(months=12)) & (monthly.index <= p)]
    prior12 = monthly[(monthly.index > p - pd.DateOffset(months=24)) & (monthly.index <= ly)]
    res["ttm_revenue"] = float(last12.sum()) if len(last12) == 12 else None
    res["prior_ttm_revenue"] = float(prior12.sum()) if len(prior12) == 12 else None
    res["ttm_pct"] = _growth_pct(res["ttm_revenue"], res["prior_ttm_revenue"])
    return res


def channel_mix(completed: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Share of completed revenue by channel per month (``M``) or quarter (``Q``), rows summing to 100
    (docs/metrics.md, Sales timing)."""
    if freq not in ("M", "Q"):
        raise ValueError(f"freq must be 'M' or 'Q', got {freq!r}")
    key = completed["date"].dt.to_period(freq).dt.start_time
    t = completed.groupby([key, completed["channel"].fillna("unknown")], observed=True)["revenue"].sum()
    t = t.unstack(fill_value=0.0)
    total = t.sum(axis=1)
    share = t.div(total.where(total > 0), axis=0) * 100.0
    share.index.name = "month" if freq == "M" else "quarter"
    return share[share.sum().sort_values(ascending=False).index]


def month_of_year(monthly: pd.Series) -> pd.DataFrame:
    """Revenue by year (rows) x month of year (columns 1-12); NaN where the month is outside the data
    (docs/metrics.md, Sales timing)."""
    df = pd.DataFrame({"year": monthly.index.year, "month": monthly.index.month, "revenue": monthly.to_numpy()})
    return df.pivot(index="year", columns="month", values="revenue").reindex(columns=range(1, 13))


def q4_share(monthly: pd.Series) -> pd.DataFrame:
    """Q4 (Oct-Dec) share of annual revenue for every complete calendar year, in percent.

    Columns ``year, revenue, q4_revenue, q4_share_pct``; years with fewer than 12
    complete months are left out (docs/metrics.md, Sales timing).
    """
    moy = month_of_year(monthly)
    full = moy.dropna(how="any")
    out = pd.DataFrame({"year": full.index.astype("int64"), "revenue": full.sum(axis=1).to_numpy(),
                        "q4_revenue": full[[10, 11, 12]].sum(axis=1).to_numpy()})
    out["q4_share_pct"] = out["q4_revenue"] / out["revenue"].where(out["revenue"] > 0) * 100.0
    return out


def holiday_windows(years: list[int] | range) -> pd.DataFrame:
    """US retail holiday windows per year: ``year, holiday, start, end`` (dates inclusive).

    Valentine's Day (Feb 1-14), Mother's Day week (the 7 days up to the second Sunday of
    May), Black Friday to Cyber Monday (day after the 4th Thursday of November to the
    Monday after), Christmas shopping (Dec 1-24) and the week after Christmas (Dec 26-31)
    (docs/metrics.md, Sales timing).
    """
    rows = []
    for y in years:
        may1 = pd.Timestamp(y, 5, 1)
        mothers = may1 + pd.Timedelta(days=(6 - may1.day_of_week) % 7 + 7)
        nov1 = pd.Timestamp(y, 11, 1)
        thanks = nov1 + pd.Timedelta(days=(3 - nov1.day_of_week) % 7 + 21)
        rows += [
            (y, "Valentine's Day", pd.Timestamp(y, 2, 1), pd.Timestamp(y, 2, 14)),
            (y, "Mother's Day week", mothers - pd.Timedelta(days=6), mothers),
            (y, "Black Friday to Cyber Monday", thanks + pd.Timedelta(days=1), thanks + pd.Timedelta(days=4)),
            (y, "Christmas shopping", pd.Timestamp(y, 12, 1), pd.Timestamp(y, 12, 24)),
            (y, "After Christmas", pd.Timestamp(y, 12, 26), pd.Timestamp(y, 12, 31)),
        ]
    return pd.DataFrame(rows, columns=["year", "holiday", "start", "end"])


def holiday_index(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean daily revenue in each holiday window against the same year's mean day, as an index (100 = usual).

    Only windows wholly inside the calendar count. Columns ``year, holiday, start, end,
    days, revenue, mean_daily_revenue, year_mean_daily_revenue, index`` (docs/metrics.md, Sales timing).
    """
    first, last = daily.index.min(), daily.index.max()
    w = holiday_windows(range(first.year, last.year + 1))
    w = w[(w["start"] >= first) & (w["end"] <= last)].reset_index(drop=True)
    rev = daily["revenue"]
    year_mean = rev.groupby(rev.index.year).mean()
    csum = pd.Series(np.concatenate([[0.0], rev.cumsum().to_numpy()]))
    i0 = (w["start"] - first).dt.days.to_numpy()
    i1 = (w["end"] - first).dt.days.to_numpy() + 1
    w["days"] = i1 - i0
    w["revenue"] = csum.to_numpy()[i1] - csum.to_numpy()[i0]
    w["mean_daily_revenue"] = w["revenue"] / w["days"]
    w["year_mean_daily_revenue"] = w["year"].map(year_mean).astype("float64")
    w["index"] = w["mean_daily_revenue"] / w["year_mean_daily_revenue"].where(w["year_mean_daily_revenue"] > 0) * 100
    return w


