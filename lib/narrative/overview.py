"""The owner's sentences about the month's KPIs, channels, trend and data quality (docs/metrics.md, Overview)."""

from __future__ import annotations

import math

import pandas as pd

from lib.data.periods import Period
from lib.narrative import fmt

__all__ = ["kpi_comparison", "growth_sentence", "margin_sentence", "returns_sentences", "growth_actions",
           "trend_sentences", "channel_sentence", "channel_action", "quality_sentence", "quality_actions",
           "CHANNEL_TITLES"]

#: the channel table's column titles in the owner's words (lib.report.notebook.show_table ``titles``)
CHANNEL_TITLES = {"revenue_prev": "Revenue, month before", "share_pct": "Share of revenue %"}


def growth_sentence(k: dict, currency: str = "USD") -> str:
    """One sentence on the month's revenue against the month before (docs/metrics.md, Overview)."""
    rev = fmt.money(k["revenue_period"], currency)
    if k["revenue_growth_pct"] is None or (isinstance(k["revenue_growth_pct"], float)
                                           and math.isnan(k["revenue_growth_pct"])):
        return f"Revenue this month was {rev}; there is no revenue in the month before to compare with."
    g = k["revenue_growth_pct"]
    word = "up" if g > 0 else "down" if g < 0 else "flat"
    return (f"Revenue this month was {rev}, {word} {abs(g):.1f}% on the month before "
            f"({fmt.money(k['revenue_prev_period'], currency)}), from {fmt.count(k['orders_period'], 'order')} "
            f"bought by {fmt.count(k['active_customers_period'], 'customer')}, {k['new_customers_period']:,} of "
            "them new.")


def margin_sentence(k: dict, prev: dict) -> str:
    """The month's gross margin against the month before's, or why it cannot be computed (docs/metrics.md,
    Overview)."""
    margin = k["gross_margin_pct_period"]
    margin_prev = prev["gross_margin_pct_period"]
    if margin is None:
        return "Gross margin cannot be computed: the data has no inventory costs."
    return (f"Gross margin after cost, fees and shipping was {margin:.1f}%"
            + (f" against {margin_prev:.1f}% the month before." if margin_prev is not None else "."))


def returns_sentences(k: dict, r: dict, currency: str = "USD") -> list[str]:
    """The month's orders, refunds, returns and guest sales in the owner's words, from ``period_kpis`` (``k``) and
    ``kpis.returns_summary`` (``r``); empty when the month had none of them (docs/metrics.md, Overview;
    docs/data-contract.md, Return lines and Guest sales)."""
    out = []
    if k.get("orders_period") != k.get("order_lines_period"):
        out.append(f"The {fmt.count(k['orders_period'], 'order')} held "
                   f"{fmt.count(k['order_lines_period'], 'order line')} (lines of one invoice are one order).")
    rate = k.get("refund_rate_pct_period")
    if rate:
        parts = [f"{fmt.count(r['refunded_lines'], 'refunded sale')}"] if r["refunded_lines"] else []
        if r["returned_revenue"]:
            parts.append(f"returns worth {fmt.money(r['returned_revenue'], currency)}")
        out.append(f"{fmt.pct(rate)} of the month's gross sales came back ({' and '.join(parts)}); the revenue "
                   "above is net of them.")
    if r["cancelled_lines"]:
        out.append(f"{fmt.count(r['cancelled_lines'], 'line')} of the month {'was' if r['cancelled_lines'] == 1 else 'were'} "
                   "cancelled and count in no figure.")
    if r["late_return_lines"]:
        out.append(f"{fmt.count(r['late_return_lines'], 'return')} this month "
                   f"({fmt.money(r['late_returned_revenue'], currency)}) returned sales of earlier months and "
                   "are netted from those months.")
    if r["unmatched_return_lines"]:
        out.append(f"{fmt.count(r['unmatched_return_lines'], 'return line')} ({fmt.count(r['unmatched_units'], 'unit')}, "
                   f"{fmt.money(r['unmatched_revenue'], currency)}) matched no earlier sale of the same buyer and "
                   "product in the data, so they change no revenue or customer; check that the export starts early "
                   "enough or carries original_sale_id.")
    share = k.get("guest_revenue_share_pct_period")
    if share is not None:
        out.append(f"Guest checkouts (no customer id) brought {fmt.pct(share)} of the month's revenue; they count in "
                   "revenue and units but in no customer figure.")
    return out


def growth_actions(k: dict) -> tuple[str, list[str]]:
    """(meaning, actions) for the month at a glance: where to look for what moved revenue."""
    up = (k["revenue_growth_pct"] or 0) >= 0
    return (f"The month {'grew' if up else 'shrank'} against the month before; the reports below show where it "
            "came from.",
            ["Check the sales-timing report for which days and shows drove the change." if up else
             "Look at the customers report for slipping customers and the timing report for weaker show slots.",
             "Read the recommendations report for this month's top actions."])


def channel_sentence(ch: pd.DataFrame, currency: str = "USD") -> str:
    """Which channel brought most of the month's revenue, and the biggest mover (docs/metrics.md, Overview)."""
    if ch.empty or ch["revenue"].sum() == 0:
        return "No completed sales in this month, so there is no channel mix to report."
    top = ch.iloc[0]
    delta = (ch["revenue"] - ch["revenue_prev"])
    mover = ch.loc[delta.abs().idxmax()]
    change = mover["revenue"] - mover["revenue_prev"]
    head = (f"{top['channel']} brought {top['share_pct']:.0f}% of the month's revenue "
            f"({fmt.money(top['revenue'], currency)})")
    rest = ch.iloc[1:][ch.iloc[1:]["revenue"] > 0]
    if len(rest):  # every channel the month sold on, so a report across platforms names them all
        parts = [f"{r['channel']} {r['share_pct']:.0f}% ({fmt.money(r['revenue'], currency)})" for _, r in rest.iterrows()]
        head += ", " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])
    return (f"{head}; the biggest change was {mover['channel']} "
            f"({'+' if change >= 0 else '-'}{fmt.money(abs(change), currency)} against the month before).")


def quality_sentence(quality: pd.DataFrame) -> str:
    """How many rows were read, repaired, defaulted or excluded, in one sentence (docs/data-contract.md,
    Data-quality summary)."""
    if quality is None or quality.empty:
        return "No data-quality information was recorded."
    by = quality.groupby("action")["rows"].sum()
    read = int(quality.loc[(quality["action"] == "read")
                           & quality["reason"].astype(str).str.startswith("rows read"), "rows"].sum())
    rep, dfl, exc = (int(by.get(a, 0)) for a in ("repaired", "defaulted", "excluded"))
    return (f"{read:,} rows were read; {rep:,} cells were repaired (e.g. '$1,234.50' read as 1234.50), "
            f"{dfl:,} blank optional cells took their default and {exc:,} rows were excluded; "
            "none were dropped without being counted here.")


def quality_actions(quality: pd.DataFrame) -> tuple[str, list[str]]:
    """(meaning, actions) for the data-quality section: the repaired or defaulted cells to fix at the source
    (docs/data-contract.md, Data-quality summary)."""
    q = quality
    n_fix = int(q.loc[q["action"].isin(["repaired", "defaulted"]), "rows"].sum()) if len(q) else 0
    return ("Repairs are automatic fixes of harmless formatting; the numbers above already include them.",
            [f"Ask whoever exports the data to fix the {n_fix:,} repaired or defaulted cells at the source." if n_fix
             else "Nothing to fix: the export meets the data contract as it is."])


_KPI_LABELS = {
    "revenue_period": ("Revenue", "money"), "units_period": ("Units sold", "num"),
    "orders_period": ("Orders", "num"), "order_lines_period": ("Order lines", "num"),
    "gross_profit_period": ("Gross profit", "money"),
    "gross_margin_pct_period": ("Gross margin", "pct"), "active_customers_period": ("Active customers", "num"),
    "new_customers_period": ("New customers", "num"), "refund_rate_pct_period": ("Refunded or returned", "pct"),
    "guest_revenue_share_pct_period": ("Guest share of revenue", "pct"),
}


def kpi_comparison(cur: dict, prev: dict, currency: str = "USD") -> pd.DataFrame:
    """The KPI table: metric, this month, month before, change (formatted for the owner; docs/metrics.md,
    Overview)."""
    rows = []
    for key, (label, kind) in _KPI_LABELS.items():
        v, pv = cur.get(key), prev.get(key)
        if key == "guest_revenue_share_pct_period" and v is None and pv is None:
            continue  # the data has no guest line: nothing to show
        f = {"money": lambda x: fmt.money(x, currency), "num": fmt.num, "pct": fmt.pct}[kind]
        if v is None or pv is None:
            change = "n/a"
        elif kind == "pct":
            change = f"{v - pv:+.1f} pts"
        else:
            change = fmt.signed_pct((v - pv) / pv * 100.0) if pv else "n/a"
        rows.append({"metric": label, "this month": f(v), "month before": f(pv), "change": change})
    return pd.DataFrame(rows)


def trend_sentences(trend: pd.DataFrame, period: Period, currency: str = "USD") -> tuple[list[str], str]:
    """Findings on the monthly trend (best month, last 12 months against the 12 before, the same
    month a year ago) and a computed action (docs/metrics.md, Overview)."""
    if trend.empty:
        return ["There are no completed sales up to this period."], "Check that the export holds completed sales."
    t = trend.set_index("month")["revenue"]
    best = t.idxmax()
    out = [f"The best month so far was {best} with {fmt.money(t[best], currency)}."]
    last12 = t.iloc[-12:].sum()
    if len(t) >= 24:
        prev12 = t.iloc[-24:-12].sum()
        out.append(f"The last 12 months brought {fmt.money(last12, currency)}, "
                   f"{(last12 - prev12) / prev12 * 100:+.1f}% on the 12 months before.")
    else:
        out.append(f"The last {min(12, len(t))} months brought {fmt.money(last12, currency)}; "
                   "there are not yet 24 months to compare year on year.")
    cur = t.get(period.label)
    ly = f"{period.start.year - 1}-{period.start.month:02d}"
    prev = t.get(period.previous.label)
    action = "Compare next month with this one once it is complete."
    if cur is not None and ly in t.index and t[ly] > 0:
        yoy = (cur - t[ly]) / t[ly] * 100
        out.append(f"Against the same month last year ({ly}: {fmt.money(t[ly], currency)}) this month is "
                   f"{yoy:+.1f}%.")
        if prev is not None and cur < prev and yoy >= 0:
            action = (f"The drop against {period.previous.label} is seasonal: the month is {yoy:+.1f}% on "
                      f"{ly}, so keep the plan and do not cut prices to chase last month's level.")
        elif yoy < 0:
            action = (f"The month is {yoy:+.1f}% below {ly}: the decline is not only seasonal; look at the "
                      "customers and sales-timing reports for where it comes from.")
        else:
            action = f"The month is ahead of {ly} by {yoy:.1f}%: keep what is working."
    return out, action


def channel_action(ch: pd.DataFrame, currency: str = "USD") -> str:
    """The channel to look at first: the one whose revenue moved most against the month before."""
    if ch.empty or ch["revenue"].sum() == 0:
        return "No completed sales in this month: check that the data export is complete."
    delta = ch["revenue"] - ch["revenue_prev"]
    m = ch.loc[delta.abs().idxmax()]
    d = m["revenue"] - m["revenue_prev"]
    if d < 0:
        return (f"Find out why {m['channel']} fell by {fmt.money(-d, currency)}: fewer or weaker shows and "
                "listings show up in the sales-timing report.")
    return (f"{m['channel']} grew by {fmt.money(d, currency)}: give it the same or more shows and "
            "listings next month.")
