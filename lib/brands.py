"""Brand metrics: performance table, top brands, brand map quadrants, trends and profit per shelf day."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import fmt, survival
from .periods import Period
from .products import brand_column, sales_by

__all__ = [
    "QUADRANTS", "brand_performance", "top_brand_metrics", "top3_share_interval", "top3_sentence",
    "brand_quadrants", "brand_map_sentence", "brand_monthly_revenue", "brand_growth", "growth_sentence",
    "shelf_day_profit", "lifecycle_profit", "buying_recommendations", "performance_actions", "map_actions", "growth_actions",
]

#: brand map quadrants: (high margin?, fast?) -> label
QUADRANTS = {(True, True): "buy more", (False, True): "price up", (True, False): "mark down",
             (False, False): "stop buying"}


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def brand_performance(completed: pd.DataFrame, lifecycle: pd.DataFrame, min_sales: int = 20) -> pd.DataFrame:
    """One row per brand (metrics.md, Brands): revenue, units, sales, gross profit, margin, revenue share,
    KM median days to sell, unsold units and their cost, and ``uncertain`` (fewer than ``min_sales``
    completed sales). ``completed`` and ``lifecycle`` come from lib.derived; sorted by revenue."""
    if min_sales < 1:
        raise ValueError(f"min_sales must be >= 1, got {min_sales}")
    bcol = brand_column(completed)
    perf = sales_by(completed[completed[bcol].notna()], bcol).rename(columns={bcol: "brand"})
    lcol = brand_column(lifecycle) if len(lifecycle) else bcol
    lc = lifecycle[lifecycle[lcol].notna()] if lcol in lifecycle.columns else lifecycle.iloc[0:0]
    km = survival.km_by_group(lc["duration_days"], lc["sold"], lc[lcol]) if len(lc) else \
        pd.DataFrame({"group": pd.Series(dtype="string"), "km_median": pd.Series(dtype="object"),
                      "n": pd.Series(dtype="int64"), "km_low": pd.Series(dtype="object"),
                      "km_high": pd.Series(dtype="object")})
    km = km.rename(columns={"group": "brand", "km_median": "km_median_days", "n": "items"})
    km["brand"] = km["brand"].astype("string")
    stock = lc.assign(unsold_cost=lc["cost_basis"] * lc["units_on_hand"]) \
        .groupby(lcol, observed=True).agg(unsold_units=("units_on_hand", "sum"),
                                          unsold_cost=("unsold_cost", "sum"))
    stock.index = stock.index.astype("string")
    perf["brand"] = perf["brand"].astype("string")
    perf = perf.merge(km[["brand", "items", "km_median_days", "km_low", "km_high"]], on="brand", how="outer")
    perf = perf.merge(stock, left_on="brand", right_index=True, how="left")
    for c in ["revenue", "units", "sales", "unsold_units", "unsold_cost", "items"]:
        perf[c] = perf[c].fillna(0)
    for c in ["units", "sales", "unsold_units", "items"]:
        perf[c] = perf[c].astype("int64")
    perf["revenue_share_pct"] = perf["revenue_share_pct"].fillna(0.0)
    perf["uncertain"] = perf["sales"] < min_sales
    mi = _margin_interval(completed[completed[bcol].notna()], bcol)
    perf = perf.merge(mi, left_on="brand", right_index=True, how="left")
    perf = perf.sort_values(["revenue", "brand"], ascending=[False, True], kind="mergesort")
    return perf.reset_index(drop=True)


def _margin_interval(completed: pd.DataFrame, bcol: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per brand: 95% interval of the margin (ratio estimator gross profit / revenue, delta method)."""
    c = completed.loc[completed["gross_profit"].notna(), [bcol, "gross_profit", "revenue"]] \
        if "gross_profit" in completed.columns else completed.iloc[0:0][[bcol, "revenue"]].assign(gross_profit=0.0)
    g = c.groupby(bcol, observed=True)
    t = g.agg(gp=("gross_profit", "sum"), rev=("revenue", "sum"), n=("revenue", "size"))
    m = t["gp"] / t["rev"].where(t["rev"] > 0)
    c = c.join(m.rename("m"), on=bcol)
    ss = ((c["gross_profit"] - c["m"] * c["revenue"]) ** 2).groupby(c[bcol], observed=True).sum()
    n = t["n"].astype("float64")
    se = np.sqrt(ss * n / (n - 1).where(n > 1)) / t["rev"].where(t["rev"] > 0)
    z = _z(confidence)
    out = pd.DataFrame({"margin_low": (m - z * se) * 100, "margin_high": (m + z * se) * 100})
    out.index = out.index.astype("string")
    return out


def top_brand_metrics(perf: pd.DataFrame, min_sales: int = 20) -> dict[str, object]:
    """``top_brand_by_revenue``, ``top_brand_by_gross_profit``, ``top_brand_by_margin`` (among brands
    with at least ``min_sales`` completed sales) and ``top3_brand_revenue_share_pct`` (metrics.md)."""
    out: dict[str, object] = {"top_brand_by_revenue": None, "top_brand_by_gross_profit": None,
                              "top_brand_by_margin": None, "top3_brand_revenue_share_pct": None}
    sold = perf[perf["sales"] > 0]
    if sold.empty:
        return out
    out["top_brand_by_revenue"] = str(sold.sort_values(["revenue", "brand"], ascending=[False, True])
                                      .iloc[0]["brand"])
    gp = sold[sold["gross_profit"].notna()]
    if not gp.empty:
        out["top_brand_by_gross_profit"] = str(gp.sort_values(["gross_profit", "brand"],
                                                              ascending=[False, True]).iloc[0]["brand"])
    m = sold[(sold["sales"] >= min_sales) & sold["margin_pct"].notna()]
    if not m.empty:
        out["top_brand_by_margin"] = str(m.sort_values(["margin_pct", "brand"], ascending=[False, True])
                                         .iloc[0]["brand"])
    total = sold["revenue"].sum()
    if total > 0:
        out["top3_brand_revenue_share_pct"] = float(sold["revenue"].nlargest(3).sum() / total * 100.0)
    return out


def top3_share_interval(completed: pd.DataFrame, perf: pd.DataFrame, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for the top-3 brands' revenue share (ratio estimator, delta method over sale lines).

    With r_i the revenue of line i and I_i = 1 for the top-3 brands, share =
    sum r_i I_i / sum r_i and Var = n/(n-1) sum (r_i (I_i - share))^2 / (sum r_i)^2.
    """
    bcol = brand_column(completed)
    top = set(perf.sort_values("revenue", ascending=False)["brand"].head(3))
    r = completed["revenue"].to_numpy(dtype="float64")
    ind = completed[bcol].isin(top).fillna(False).to_numpy()
    tot = r.sum()
    n = r.size
    if tot <= 0 or n < 2:
        return (float("nan"), float("nan"))
    share = (r * ind).sum() / tot
    se = np.sqrt(n / (n - 1) * np.sum((r * (ind - share)) ** 2)) / tot
    z = _z(confidence)
    return (float(max(0.0, share - z * se) * 100), float(min(1.0, share + z * se) * 100))


def top3_sentence(perf: pd.DataFrame, interval: tuple[float, float], belief_pct: float = 70.0) -> str:
    """Top-3 brands' revenue share against the belief "three brands make 70% of revenue"."""
    sold = perf[perf["revenue"] > 0]
    if sold.empty:
        return "No brand revenue yet."
    top = sold.head(3)
    share = float(top["revenue"].sum() / sold["revenue"].sum() * 100)
    lo, hi = interval
    names = ", ".join(str(b) for b in top["brand"])
    s = (f"The top three brands ({names}) bring {fmt.pct(share)} of revenue "
         f"(95% CI {fmt.pct(lo)} to {fmt.pct(hi)}, delta method)")
    if hi < belief_pct:
        s += f", well below the {belief_pct:.0f}% the common belief says: revenue is spread across brands"
    elif lo > belief_pct:
        s += f", even more than the {belief_pct:.0f}% the common belief says"
    else:
        s += f", in line with the belief that three brands make {belief_pct:.0f}%"
    return s + "."


def brand_quadrants(perf: pd.DataFrame, margin_split: float, days_split: float) -> pd.DataFrame:
    """Brand map: each brand's quadrant from its margin vs ``margin_split`` (overall margin) and its
    KM median days vs ``days_split`` (overall KM median).

    A brand whose median is not reached counts as slow and is plotted beyond the
    slowest known median. ``evidence`` says which side is beyond chance: the
    margin interval (``margin_low/high``) or the KM median interval
    (``km_low/high``) excludes the split: ``clear`` (both), ``margin only``,
    ``speed only`` or ``within chance``. ``uncertain`` brands (few sales) keep
    their label but are flagged.
    """
    p = perf[(perf["sales"] > 0) & perf["margin_pct"].notna()].copy()
    days = pd.to_numeric(p["km_median_days"], errors="coerce").astype("float64")
    known_max = days.max() if days.notna().any() else days_split
    p["days_plot"] = days.fillna(max(known_max, days_split) * 1.1 if pd.notna(known_max) else np.nan)
    p["median_reached"] = days.notna()
    high = p["margin_pct"] >= margin_split
    fast = days.le(days_split).fillna(False)
    p["quadrant"] = [QUADRANTS[(bool(h), bool(f))] for h, f in zip(high, fast, strict=True)]
    lo = pd.to_numeric(p.get("margin_low"), errors="coerce") if "margin_low" in p else pd.Series(np.nan, p.index)
    hi = pd.to_numeric(p.get("margin_high"), errors="coerce") if "margin_high" in p else pd.Series(np.nan, p.index)
    klo = pd.to_numeric(p["km_low"], errors="coerce") if "km_low" in p else pd.Series(np.nan, p.index)
    khi = pd.to_numeric(p["km_high"], errors="coerce") if "km_high" in p else pd.Series(np.nan, p.index)
    m_clear = (lo > margin_split) | (hi < margin_split)
    # clearly slow: the interval's lower end is above the split; clearly fast: its upper end is below
    d_clear = (klo > days_split) | (khi < days_split)
    p["evidence"] = np.select([m_clear & d_clear, m_clear, d_clear],
                              ["clear", "speed about average", "margin about average"], "within chance")
    return p.reset_index(drop=True)


def _names(values) -> str:
    return ", ".join(str(v) for v in values).rstrip(".")


def brand_map_sentence(quad: pd.DataFrame, margin_split: float, days_split: float) -> list[str]:
    """Which brands fall in which quadrant, with the splits used and which positions are beyond chance."""
    out = [f"The map splits brands at the overall margin ({fmt.pct(margin_split)}) and the overall "
           f"median days to sell ({fmt.days(days_split)}); a position counts as beyond chance when the brand's 95% "
           "interval (delta method for margin, Kaplan-Meier interval for the median) excludes the split."]
    for label in ["buy more", "price up", "mark down", "stop buying"]:
        q = quad[quad["quadrant"] == label]
        if q.empty:
            continue
        names = []
        for b, u, e in zip(q["brand"], q["uncertain"], q["evidence"], strict=True):
            note = [] if e == "clear" else [e]
            if u:
                note.append("few sales")
            names.append(f"{b}{' (' + '; '.join(note) + ')' if note else ''}")
        out.append(f"{label.capitalize()}: {_names(names)}.")
    return out
def brand_monthly_revenue(completed: pd.DataFrame, months: int = 12, top: int = 6) -> pd.DataFrame:
    """Revenue per month (rows, ``YYYY-MM``) and brand (columns) for the last ``months`` months;
    brands beyond the ``top`` by revenue in that window are summed as ``Other``."""
    bcol = brand_column(completed)
    c = completed[completed[bcol].notna()]
    keep_months = sorted(c["month"].unique())[-months:]
    c = c[c["month"].isin(keep_months)]
    piv = c.pivot_table(index="month", columns=bcol, values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True)
    order = piv.sum().sort_values(ascending=False).index
    out = piv[order[:top]].copy()
    if len(order) > top:
        out["Other"] = piv[order[top:]].sum(axis=1)
    out.columns = [str(x) for x in out.columns]
    return out


def brand_growth(completed: pd.DataFrame, period: Period, min_sales: int = 10) -> pd.DataFrame:
    """Brand trends: revenue of the last four months, month-over-month growth of the last three, and
    growth of the last three months against the three before.

    A brand is ranked (``eligible``) only with at least ``min_sales`` completed
    sales in each of the two 3-month windows. ``p_value``: two-sided exact
    binomial test that its sales are split evenly between the windows
    (p = 0.5), i.e. that its sales rate did not change. Sorted by ``growth_3m_pct``.
    """
    bcol = brand_column(completed)
    months = [(period.start - pd.DateOffset(months=k)).strftime("%Y-%m") for k in range(5, -1, -1)]
    c = completed[completed["month"].isin(months) & completed[bcol].notna()]
    rev = c.pivot_table(index=bcol, columns="month", values="revenue", aggfunc="sum", fill_value=0.0,
                        observed=True).reindex(columns=months, fill_value=0.0)
    cnt = c.pivot_table(index=bcol, columns="month", values="revenue", aggfunc="size", fill_value=0,
                        observed=True).reindex(columns=months, fill_value=0)
    out = pd.DataFrame(index=rev.index)
    for m in months[2:]:
        out[m] = rev[m]
    for a, b in zip(months[2:5], months[3:6], strict=True):
        out[f"mom_{b}_pct"] = (rev[b] - rev[a]) / rev[a].where(rev[a] > 0) * 100
    prev, last = rev[months[:3]].sum(axis=1), rev[months[3:]].sum(axis=1)
    n_prev, n_last = cnt[months[:3]].sum(axis=1), cnt[months[3:]].sum(axis=1)
    out["revenue_prev_3m"], out["revenue_last_3m"] = prev, last
    out["sales_prev_3m"], out["sales_last_3m"] = n_prev.astype("int64"), n_last.astype("int64")
    out["growth_3m_pct"] = (last - prev) / prev.where(prev > 0) * 100
    tot = (n_prev + n_last).to_numpy(dtype="int64")
    pv = [stats.binomtest(int(k), int(n), 0.5).pvalue if n > 0 else np.nan
          for k, n in zip(n_last.to_numpy(dtype="int64"), tot, strict=True)]
    out["p_value"] = pv
    out["eligible"] = (n_prev >= min_sales) & (n_last >= min_sales)
    out.index = out.index.astype("string")
    out = out.reset_index().rename(columns={bcol: "brand"})
    return out.sort_values(["eligible", "growth_3m_pct", "brand"], ascending=[False, False, True],
                           na_position="last", kind="mergesort").reset_index(drop=True)


def growth_sentence(growth: pd.DataFrame, min_sales: int, currency: str = "USD") -> str:
    """The fastest-growing brand (and the fastest shrinking) with its test, and the volume rule."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    rule = f"brands with at least {min_sales} sales in each of the two 3-month windows"
    if e.empty:
        return f"No brand has enough sales to rank growth ({rule})."
    top, low = e.iloc[0], e.iloc[-1]
    sig = "a real change" if top["p_value"] < 0.05 else "which may be chance"
    s = (f"Among {rule}, {top['brand']} grew fastest: {fmt.signed_pct(top['growth_3m_pct'])} revenue in the "
         f"last three months against the three before ({fmt.money(top['revenue_prev_3m'], currency)} to "
         f"{fmt.money(top['revenue_last_3m'], currency)}; sales {int(top['sales_prev_3m'])} to "
         f"{int(top['sales_last_3m'])}, binomial test p = {top['p_value']:.2g}, {sig})")
    if len(e) > 1 and low["growth_3m_pct"] < 0:
        within = "" if low["p_value"] < 0.05 else ", within chance"
        s += (f"; {low['brand']} shrank most ({fmt.signed_pct(low['growth_3m_pct'])}, "
              f"p = {low['p_value']:.2g}{within})")
    return s + "."


def shelf_day_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame, keys: str | list[str],
                     min_sales: int = 20, confidence: float = 0.95) -> pd.DataFrame:
    """Gross profit per day on the shelf per group (brand, brand x condition...).

    Items are products of lib.derived.product_lifecycle; an item's shelf days run
    from its clock start to its first sale, or to period_end when unsold (at
    least 1); its profit is the gross profit of its completed sales (0 when
    unsold). ``profit_per_shelf_day`` = sum profit / sum shelf days, with a
    delta-method interval for a ratio estimator. ``eligible``: at least
    ``min_sales`` sold items. Sorted by profit per shelf day.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    lc = lifecycle.dropna(subset=keys)
    profit = lc["profit"].to_numpy(dtype="float64") if "profit" in lc.columns else lifecycle_profit(completed, lc)
    days = lc["duration_days"].clip(lower=1).to_numpy(dtype="float64")
    gid = lc.groupby(keys, observed=True, sort=True).ngroup().to_numpy()
    k = int(gid.max()) + 1 if len(gid) else 0
    t = lc.groupby(keys, observed=True, sort=True).size().rename("items").to_frame()
    t["sold"] = np.bincount(gid, weights=lc["sold"].to_numpy(dtype="float64"), minlength=k)
    t["profit"] = np.bincount(gid, weights=profit, minlength=k)
    t["shelf_days"] = np.bincount(gid, weights=days, minlength=k)
    ratio = t["profit"].to_numpy() / t["shelf_days"].to_numpy()
    ss = np.bincount(gid, weights=(profit - ratio[gid] * days) ** 2, minlength=k)
    n = t["items"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(ss * n / np.where(n > 1, n - 1, np.nan)) / t["shelf_days"].to_numpy()
    z = _z(confidence)
    t["profit_per_shelf_day"] = ratio
    t["low"], t["high"] = ratio - z * se, ratio + z * se
    m = sales_by(completed[completed[keys].notna().all(axis=1)], keys).set_index(keys)
    t = t.join(m[["revenue", "margin_pct"]], how="left")
    t["sold"] = t["sold"].astype("int64")
    t["eligible"] = t["sold"] >= min_sales
    t = t.reset_index()
    for k in keys:
        t[k] = t[k].astype("string")
    return t.sort_values(["eligible", "profit_per_shelf_day"], ascending=[False, False],
                         kind="mergesort").reset_index(drop=True)


def lifecycle_profit(completed: pd.DataFrame, lifecycle: pd.DataFrame) -> np.ndarray:
    """Gross profit of each lifecycle product's completed sales (0 when unsold), aligned with ``lifecycle``."""
    c = completed[completed["gross_profit"].notna()]
    codes, uniq = pd.factorize(pd.concat([lifecycle["product_id"], c["product_id"]], ignore_index=True))
    nl = len(lifecycle)
    total = np.bincount(codes[nl:], weights=c["gross_profit"].to_numpy(dtype="float64"), minlength=len(uniq))
    return total[codes[:nl]]


def buying_recommendations(by_brand: pd.DataFrame, by_combo: pd.DataFrame, bcol: str, n: int = 3,
                           currency: str = "USD") -> list[str]:
    """Buying recommendations with evidence: the best brands and brand x condition by profit per shelf day."""
    out = []
    b = by_brand[by_brand["eligible"]]
    if b.empty:
        return ["No brand has enough sold items to recommend buying on evidence."]
    overall = b["profit"].sum() / b["shelf_days"].sum()
    for _, r in b.head(n).iterrows():
        better = "clearly above" if r["low"] > overall else "not clearly above"
        out.append(f"Buy more {r[bcol]}: {fmt.money(r['profit_per_shelf_day'], currency, 2)} gross profit per "
                   f"item-day on the shelf (95% CI {fmt.money(r['low'], currency, 2)} to "
                   f"{fmt.money(r['high'], currency, 2)}; {fmt.num(r['sold'])} sold of {fmt.num(r['items'])}, "
                   f"margin {fmt.pct(r['margin_pct'])}), {better} the {fmt.money(overall, currency, 2)} average.")
    c = by_combo[by_combo["eligible"]]
    if not c.empty:
        best = c.iloc[0]
        out.append(f"Best brand and condition: {best[bcol]} in condition {best['condition']}, "
                   f"{fmt.money(best['profit_per_shelf_day'], currency, 2)} per item-day "
                   f"(95% CI {fmt.money(best['low'], currency, 2)} to {fmt.money(best['high'], currency, 2)}, "
                   f"{fmt.num(best['sold'])} sold).")
    return out


def performance_actions(perf: pd.DataFrame, metrics: dict, currency: str = "USD") -> tuple[str, list[str]]:
    """What the brand performance table means and what to do."""
    if not metrics.get("top_brand_by_revenue"):
        return "No brand has sales yet.", ["Check that products.csv and brands.csv match the sales export."]
    rev, mar = metrics["top_brand_by_revenue"], metrics.get("top_brand_by_margin")
    meaning = (f"{rev} brings the most revenue" + (f", {mar} the best margin" if mar else "") +
               "; revenue and profit leaders are not always the same brand.")
    acts = []
    if mar and mar != rev:
        r = perf[perf["brand"] == mar].iloc[0]
        acts.append(f"Source more {mar}: {fmt.pct(r['margin_pct'])} margin on {fmt.num(r['sales'])} sales.")
    stuck = perf[perf["unsold_cost"] > 0].sort_values("unsold_cost", ascending=False)
    if not stuck.empty:
        s = stuck.iloc[0]
        acts.append(f"{s['brand']} ties up the most money in unsold stock ({fmt.money(s['unsold_cost'], currency)}, "
                    f"{fmt.num(s['unsold_units'])} units): sell through before buying more.")
    few = perf[perf["uncertain"] & (perf["sales"] > 0)]
    if not few.empty:
        acts.append(f"Treat {_names(few['brand'].head(5))} with care: too few sales to judge.")
    return meaning, acts


def map_actions(quad: pd.DataFrame) -> tuple[str, list[str]]:
    """One action per quadrant, only for brands placed beyond chance on at least one axis."""
    meaning = "Fast and profitable brands deserve the buying budget; slow and thin ones tie up cash."
    verbs = {"buy more": "Buy more", "price up": "Raise prices on", "mark down": "Mark down aged",
             "stop buying": "Buy less"}
    acts = []
    sure = quad[~quad["uncertain"] & (quad["evidence"] != "within chance")]
    for label in ["buy more", "price up", "mark down", "stop buying"]:
        q = sure[sure["quadrant"] == label]
        if not q.empty:
            names = [f"{b}{'' if e == 'clear' else ' (' + e + ')'}" for b, e in zip(q["brand"], q["evidence"], strict=True)]
            acts.append(f"{verbs[label]} {_names(names)}.")
    rest = quad[quad["uncertain"] | (quad["evidence"] == "within chance")]
    if not rest.empty:
        acts.append(f"Keep buying {_names(rest['brand'])} as now: their margin and speed are within chance of "
                    "the average (or they have few sales).")
    return meaning, acts or ["Not enough brands with sales to place on the map."]


def growth_actions(growth: pd.DataFrame) -> tuple[str, list[str]]:
    """What the trend section means and what to do (only changes with p < 0.05 are acted on)."""
    e = growth[growth["eligible"] & growth["growth_3m_pct"].notna()]
    meaning = "Brand demand shifts over months; act only on changes larger than chance."
    up = e[(e["growth_3m_pct"] > 0) & (e["p_value"] < 0.05)]
    down = e[(e["growth_3m_pct"] < 0) & (e["p_value"] < 0.05)]
    acts = []
    if not up.empty:
        acts.append(f"Source more {_names(up['brand'])}: sales grew beyond chance.")
    if not down.empty:
        acts.append(f"Buy less {_names(down['brand'])} until demand returns.")
    return meaning, acts or ["No brand's sales changed beyond chance: keep the current buying mix."]
