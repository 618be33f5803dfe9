"""Inventory on hand: aging buckets, aged stock, the price-vs-age curve, break-even and markdown candidates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from lib.analytics.effects import Effect, draws_effect
from lib.analytics.stats import welch_t_test
from lib.analytics.survival import km_conditional
from lib.config import AGING_DAYS

__all__ = ["AGE_BUCKETS", "MAX_MARKDOWN_PCT", "SALE_WINDOW_DAYS", "MARKDOWN_COLUMNS", "MARKDOWN_EXTRA",
           "MARKDOWN_BASIS", "MARKDOWN_RULES", "SHOP_CHANNEL", "stock_on_hand", "aging_buckets", "aged_inventory",
           "aged_by", "aged_by_brand", "price_age_curve", "price_ratio_by_age", "markdown_belief_check",
           "channel_costs", "sale_channels", "break_even_prices", "sale_chance", "markdown_candidates",
           "loss_sales", "markdown_sale_effect"]

#: (label, lowest day, highest day) of the aging buckets; days are whole days since listing
AGE_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("over 90", 91, math.inf))
#: the largest markdown ever suggested, in percent of list price
MAX_MARKDOWN_PCT = 50
#: the horizon of an aged item's sale chance (``p_sell_30d``) and of the markdown effect, in days
SALE_WINDOW_DAYS = 30
#: columns of markdown_candidates.csv before ``reason`` (docs/metrics.md, Action lists); ``reason`` follows them
MARKDOWN_COLUMNS = ["product_id", "brand_name", "category", "condition", "days_listed", "unit_cost",
                    "list_price", "markdown_pct"]
#: columns of markdown_candidates.csv after ``reason`` (docs/metrics.md, Action lists)
MARKDOWN_EXTRA = ["break_even_price", "suggested_price", "p_sell_30d", "below_break_even", "price_at_age",
                  "sale_channel", "units_on_hand", "clock_start", "expected_price_ratio"]
#: how each candidate's markdown and sale chance came about (not in the CSV): see :func:`markdown_candidates`
MARKDOWN_BASIS = ["markdown_rule", "fit_group", "fit_n", "data_markdown_pct", "fee_share", "shipping_per_unit",
                  "channel_basis", "p_group", "p_at_risk", "p_held"]
#: ``markdown_rule`` values: no line to read (too few sales with a list price); no list price; list price
#: already below break-even (no markdown); the break-even floor cut the line's markdown; the line asks for none;
#: the line's markdown applies as it is
MARKDOWN_RULES = ("no_curve", "no_list_price", "list_below_break_even", "break_even_floor", "none_needed", "curve")
#: ``sale_channel`` of an item whose fees and shipping are the shop's average over every channel
SHOP_CHANNEL = "shop average"


def stock_on_hand(lifecycle: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    """Products with units on hand at period_end, with ``days_listed`` and ``stock_cost``
    (docs/metrics.md, Products and inventory: Aged stock and buckets).

    From lib.data.derived.product_lifecycle: ``days_listed`` = whole days from the
    clock start (date_listed, else date_acquired) to period_end; ``stock_cost``
    = cost basis x units on hand.
    """
    need = ["product_id", "clock_start", "units_on_hand", "cost_basis"]
    miss = [c for c in need if c not in lifecycle.columns]
    if miss:
        raise ValueError(f"product lifecycle is missing column(s) {', '.join(miss)}")
    end_day = pd.Timestamp(period_end).normalize()
    s = lifecycle[lifecycle["units_on_hand"] > 0].copy()
    s["days_listed"] = (end_day - s["clock_start"]).dt.days.astype("int64")
    s["stock_cost"] = s["cost_basis"] * s["units_on_hand"]
    for c in ["brand_name", "category", "condition", "list_price"]:
        if c not in s.columns:
            s[c] = pd.NA
    return s.reset_index(drop=True)


def _bucket(days: pd.Series) -> pd.Categorical:
    edges = [-math.inf] + [hi for _, _, hi in AGE_BUCKETS]
    return pd.cut(days, bins=edges, right=True, labels=[b[0] for b in AGE_BUCKETS])


def aging_buckets(stock: pd.DataFrame) -> pd.DataFrame:
    """Units and cost of unsold stock in the day buckets 0-30, 31-60, 61-90, over 90 (all four rows;
    docs/metrics.md, Products and inventory)."""
    s = stock.assign(bucket=_bucket(stock["days_listed"]))
    t = s.groupby("bucket", observed=False).agg(units=("units_on_hand", "sum"), cost=("stock_cost", "sum"),
                                                 items=("product_id", "size")).reset_index()
    t["bucket"] = t["bucket"].astype("string")
    tu, tc = t["units"].sum(), t["cost"].sum()
    t["units_share_pct"] = t["units"] / tu * 100.0 if tu else float("nan")
    t["cost_share_pct"] = t["cost"] / tc * 100.0 if tc else float("nan")
    return t


def aged_inventory(stock: pd.DataFrame, aging_days: int = AGING_DAYS) -> dict[str, float | int | None]:
    """``aged_inventory_units`` and ``aged_inventory_cost`` (docs/metrics.md, Products and inventory): unsold units, and their cost,
    listed more than ``aging_days`` (strictly greater) before period_end; plus their shares in percent and
    ``aged_items``, the products those units belong to (a product may hold several units)."""
    if aging_days < 0:
        raise ValueError(f"aging_days must be >= 0, got {aging_days}")
    aged = stock[stock["days_listed"] > aging_days]
    units, cost = int(aged["units_on_hand"].sum()), float(aged["stock_cost"].sum())
    tu, tc = int(stock["units_on_hand"].sum()), float(stock["stock_cost"].sum())
    return {"aged_inventory_units": units, "aged_inventory_cost": cost, "aged_items": int(len(aged)),
            "aged_units_share_pct": units / tu * 100.0 if tu else None,
            "aged_cost_share_pct": cost / tc * 100.0 if tc else None,
            "stock_units": tu, "stock_cost": tc}


def aged_by(stock: pd.DataFrame, key: str, aging_days: int = AGING_DAYS) -> pd.DataFrame:
    """Aged units and cost per ``key`` (brand_name, category...) with the share of that group's stock."""
    s = stock.assign(aged_units=stock["units_on_hand"].where(stock["days_listed"] > aging_days, 0),
                     aged_cost=stock["stock_cost"].where(stock["days_listed"] > aging_days, 0.0))
    t = s.groupby(key, observed=True).agg(aged_units=("aged_units", "sum"), aged_cost=("aged_cost", "sum"),
                                          stock_units=("units_on_hand", "sum"),
                                          stock_cost=("stock_cost", "sum")).reset_index()
    t["aged_share_pct"] = t["aged_units"] / t["stock_units"].where(t["stock_units"] > 0) * 100.0
    return t.sort_values(["aged_cost", key], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def aged_by_brand(stock: pd.DataFrame, aging_days: int = AGING_DAYS) -> pd.DataFrame:
    """:func:`aged_by` brand (``brand_name``), or by ``product_id`` when no brand name is known."""
    key = "brand_name" if stock["brand_name"].notna().any() else "product_id"
    return aged_by(stock, key, aging_days)


def _sold_price_ratio(completed: pd.DataFrame) -> pd.DataFrame:
    need = ["sale_price", "list_price", "days_to_sell"]
    miss = [c for c in need if c not in completed.columns]
    if miss:
        raise ValueError(f"completed sale lines are missing column(s) {', '.join(miss)} "
                         "(needs products with list_price and inventory)")
    c = completed[(completed["list_price"] > 0) & completed["days_to_sell"].notna()
                  & (completed["days_to_sell"] >= 0)]
    return c.assign(price_ratio=c["sale_price"] / c["list_price"], days=c["days_to_sell"].astype("float64"))


def price_age_curve(completed: pd.DataFrame, group: str | None = "category", min_n: int = 30) -> pd.DataFrame:
    """Least-squares line of sale price / list price against days listed at sale, per group
    (docs/metrics.md, Products and inventory: Markdown).

    Closed-form OLS from grouped sums (vectorised). Returns one row per group
    (``__all__`` for every sale) with ``n, intercept, slope_per_day,
    slope_pct_per_30d, slope_p_value, days_p99`` (the 99th percentile of days at
    sale, the limit for extrapolation). Groups with fewer than ``min_n`` sales
    are dropped (callers fall back to the overall line).
    """
    c = _sold_price_ratio(completed)
    keyed = [("__all__", c.assign(_g="__all__"))]
    if group is not None and group in c.columns:
        keyed.append((group, c[c[group].notna()].assign(_g=c[group].astype("string"))))
    parts = []
    for _, d in keyed:
        d = d.assign(xx=d["days"] ** 2, xy=d["days"] * d["price_ratio"], yy=d["price_ratio"] ** 2)
        g = d.groupby("_g", observed=True)
        a = g.agg(n=("days", "size"), sx=("days", "sum"), sy=("price_ratio", "sum"), sxx=("xx", "sum"),
                  sxy=("xy", "sum"), syy=("yy", "sum"))
        a["days_p99"] = g["days"].quantile(0.99)
        parts.append(a)
    a = pd.concat(parts)
    a = a[a["n"] >= min_n]
    n = a["n"].astype("float64")
    sxx_c = a["sxx"] - a["sx"] ** 2 / n
    sxy_c = a["sxy"] - a["sx"] * a["sy"] / n
    syy_c = a["syy"] - a["sy"] ** 2 / n
    slope = (sxy_c / sxx_c.where(sxx_c > 0)).fillna(0.0)
    intercept = a["sy"] / n - slope * a["sx"] / n
    sse = (syy_c - slope * sxy_c).clip(lower=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(sse / (n - 2) / sxx_c.where(sxx_c > 0))
        tstat = slope / se
    p = 2 * stats.t.sf(np.abs(tstat.to_numpy(dtype="float64")), (n - 2).clip(lower=1).to_numpy())
    out = pd.DataFrame({"group": a.index.astype("string"), "n": a["n"].to_numpy(),
                        "intercept": intercept.to_numpy(), "slope_per_day": slope.to_numpy(),
                        "slope_pct_per_30d": slope.to_numpy() * 30 * 100,
                        "slope_p_value": p, "days_p99": a["days_p99"].to_numpy()})
    return out.reset_index(drop=True)


def price_ratio_by_age(completed: pd.DataFrame, bin_days: int = 15, max_days: int = 360) -> pd.DataFrame:
    """Mean sale price as % of list price of sold items by days from listing to sale, in ``bin_days`` bins
    (docs/metrics.md, Products and inventory: Markdown).

    Index: the bin's first day (days beyond ``max_days`` in the last bin); columns ``mean`` (0-100) and
    ``size`` (sales). Empty when no sold item has a list price.
    """
    c = _sold_price_ratio(completed)
    bins = (c["days_to_sell"] // bin_days * bin_days).clip(upper=max_days)
    return (c["sale_price"] / c["list_price"] * 100).groupby(bins).agg(["mean", "size"])


def markdown_belief_check(completed: pd.DataFrame, over_days: int = 90, fresh_days: int = 30,
                          belief_pct: float = 20.0) -> dict | None:
    """Check "items over 90 days need 20% off to move" against sold items (docs/metrics.md, Products and
    inventory: Markdown).

    Discount = 1 - sale price / list price, in percent. For sales after more
    than ``over_days`` days: the mean discount with a 95% t interval (compared
    with ``belief_pct``); against sales within ``fresh_days`` days: the extra
    discount with a Welch t interval and p-value. None when either group has
    fewer than 5 sales.
    """
    c = _sold_price_ratio(completed)
    disc = (1 - c["price_ratio"]) * 100.0
    old = disc[c["days"] > over_days].to_numpy(dtype="float64")
    new = disc[c["days"] <= fresh_days].to_numpy(dtype="float64")
    if len(old) < 5 or len(new) < 5:
        return None
    one = stats.ttest_1samp(old, belief_pct)
    ci_old = one.confidence_interval(0.95)
    t = welch_t_test(old, new)
    ci = t.confidence_interval(0.95)
    return {"over_days": over_days, "fresh_days": fresh_days, "belief_pct": belief_pct,
            "n_old": len(old), "n_fresh": len(new), "discount_old_pct": float(old.mean()),
            "discount_old_low": float(ci_old.low), "discount_old_high": float(ci_old.high),
            "discount_fresh_pct": float(new.mean()), "extra_pct": float(old.mean() - new.mean()),
            "extra_low": float(ci.low), "extra_high": float(ci.high), "p_value": float(t.pvalue),
            "test": "Welch t-test"}


def channel_costs(completed: pd.DataFrame) -> pd.DataFrame:
    """Fees as a share of revenue and shipping per unit of the completed sales of each channel, plus the shop
    average over every channel (row ``SHOP_CHANNEL``; docs/metrics.md, Products and inventory: Markdown).

    ``fee_share`` = sum of ``fees`` / sum of revenue, ``shipping_per_unit`` = sum of
    ``shipping_cost`` / units; missing columns count as 0 (the data contract's
    defaults). Columns ``sales, fee_share, shipping_per_unit``, indexed by channel.
    """
    n = len(completed)
    fees = completed["fees"].astype("float64") if "fees" in completed else pd.Series(0.0, index=completed.index)
    ship = (completed["shipping_cost"].astype("float64") if "shipping_cost" in completed
            else pd.Series(0.0, index=completed.index))
    units = (completed["quantity"].astype("float64") if "quantity" in completed
             else pd.Series(1.0, index=completed.index))
    rev = completed["revenue"].astype("float64") if "revenue" in completed else completed["sale_price"] * units
    chan = (completed["channel"].astype("string") if "channel" in completed
            else pd.Series(pd.NA, index=completed.index, dtype="string"))
    f = pd.DataFrame({"channel": chan, "fees": fees.fillna(0.0), "ship": ship.fillna(0.0), "units": units,
                      "rev": rev})
    by = f[f["channel"].notna()].groupby("channel", observed=True)[["fees", "ship", "units", "rev"]].sum()
    by["sales"] = f[f["channel"].notna()].groupby("channel", observed=True).size()
    allrow = pd.DataFrame({"fees": [f["fees"].sum()], "ship": [f["ship"].sum()], "units": [f["units"].sum()],
                           "rev": [f["rev"].sum()], "sales": [n]}, index=[SHOP_CHANNEL])
    t = pd.concat([by, allrow])
    t.index = pd.Index(t.index.astype(str), name="channel")
    t["fee_share"] = (t["fees"] / t["rev"].where(t["rev"] > 0)).fillna(0.0)
    t["shipping_per_unit"] = (t["ship"] / t["units"].where(t["units"] > 0)).fillna(0.0)
    return t[["sales", "fee_share", "shipping_per_unit"]].astype({"sales": "int64"})


def _modal_channel(completed: pd.DataFrame, key: str, min_n: int) -> pd.Series:
    """The channel most completed sales of each ``key`` value went through (ties: first by name), for values
    with at least ``min_n`` sales."""
    c = completed[completed[key].notna() & completed["channel"].notna()]
    g = c.groupby([c[key].astype("string"), c["channel"].astype("string")], observed=True).size()
    if g.empty:
        return pd.Series(dtype="string")
    g = g.rename("n").reset_index()
    g.columns = ["key", "channel", "n"]
    tot = g.groupby("key")["n"].transform("sum")
    g = g[tot >= min_n].sort_values(["key", "n", "channel"], ascending=[True, False, True], kind="mergesort")
    return g.drop_duplicates("key").set_index("key")["channel"]


def sale_channels(stock: pd.DataFrame, completed: pd.DataFrame, group: str = "category",
                  min_n: int = 30) -> pd.DataFrame:
    """The channel whose fees and shipping each unsold item is expected to cost (docs/metrics.md, Products and
    inventory: Markdown).

    The data contract has no listing channel for an item, so it is the channel
    most completed sales of the item's ``group`` went through (groups with at
    least ``min_n`` sales), else that of its brand, else ``SHOP_CHANNEL`` (every
    channel together). Returns ``sale_channel, channel_basis`` (``group``,
    ``brand`` or ``shop``), ``fee_share, shipping_per_unit`` aligned with ``stock``.
    """
    costs = channel_costs(completed)
    chan = pd.Series(pd.NA, index=stock.index, dtype="string")
    basis = pd.Series(pd.NA, index=stock.index, dtype="string")
    if "channel" in completed:
        for key, label in ((group, "group"), ("brand_name", "brand")):
            if key not in stock.columns or key not in completed.columns:
                continue
            modal = _modal_channel(completed, key, min_n)
            hit = stock[key].astype("string").map(modal).astype("string")
            take = chan.isna() & hit.notna()
            chan, basis = chan.where(~take, hit), basis.where(~take, label)
    basis = basis.fillna("shop")
    chan = chan.fillna(SHOP_CHANNEL)
    c = costs.reindex(chan.to_numpy())
    return pd.DataFrame({"sale_channel": chan, "channel_basis": basis,
                         "fee_share": c["fee_share"].to_numpy(), "shipping_per_unit": c["shipping_per_unit"].to_numpy()},
                        index=stock.index)


def break_even_prices(unit_cost, fee_share, shipping_per_unit) -> np.ndarray:
    """Lowest price, rounded up to the cent, at which a sale covers the unit cost, the channel's fees (a share of
    the price) and its shipping: ``(cost + shipping) / (1 - fee_share)`` (docs/metrics.md, Products and inventory:
    Markdown); infinite when fees take the whole price."""
    cost = np.asarray(unit_cost, dtype="float64")
    f = np.asarray(fee_share, dtype="float64")
    ship = np.asarray(shipping_per_unit, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        be = np.where(f < 1, (cost + ship) / (1 - f), np.inf)
    return np.ceil(np.round(be * 100, 6)) / 100


def sale_chance(lifecycle: pd.DataFrame, items: pd.DataFrame, group: str | None = "category", min_n: int = 30,
                window: int = SALE_WINDOW_DAYS, min_at_risk: int = 30) -> pd.DataFrame:
    """Each unsold item's chance of selling within ``window`` days at its own age (``days_listed``), from the
    Kaplan-Meier curve of its ``group`` (all items when the group has fewer than ``min_n`` items;
    lib.analytics.survival.km_conditional; docs/metrics.md, Products and inventory: Markdown).

    Returns ``p_sell_30d`` (0-1), ``p_group`` (the group whose curve was read;
    missing for the curve of all items), ``p_at_risk`` (items the chance rests on)
    and ``p_held`` (the age lies beyond the curve's tail, the last time with at
    least ``min_at_risk`` items at risk, and was read there), aligned with ``items``.
    """
    out = pd.DataFrame({"p_sell_30d": np.nan, "p_group": pd.Series(pd.NA, index=items.index, dtype="string"),
                        "p_at_risk": 0, "p_held": False}, index=items.index)
    lc = lifecycle[lifecycle["duration_days"].notna()]
    if lc.empty or items.empty:
        return out
    keys = (items[group].astype("string") if group is not None and group in items.columns
            else pd.Series(pd.NA, index=items.index, dtype="string"))
    sizes = (lc[group].astype("string").value_counts() if group is not None and group in lc.columns
             else pd.Series(dtype="int64"))
    own = keys.isin(sizes.index[sizes >= min_n]).fillna(False).to_numpy(dtype=bool)
    ages = items["days_listed"].to_numpy(dtype="float64")
    lc_keys = lc[group].astype("string") if own.any() else None  # once, not once per group
    parts = [(None, ~own, lc)] + [(k, (keys == k).fillna(False).to_numpy(dtype=bool),
                                   lc[(lc_keys == k).fillna(False).to_numpy(dtype=bool)])
                                  for k in pd.unique(keys[own])]
    for k, mask, d in parts:
        if not mask.any():
            continue
        r = km_conditional(d["duration_days"], d["sold"], ages[mask], window, min_at_risk)
        idx = items.index[mask]
        out.loc[idx, "p_sell_30d"] = r["p"].to_numpy()
        out.loc[idx, "p_at_risk"] = r["at_risk"].to_numpy()
        out.loc[idx, "p_held"] = r["held"].to_numpy()
        if k is not None:
            out.loc[idx, "p_group"] = k
    return out


def markdown_candidates(stock: pd.DataFrame, completed: pd.DataFrame, aging_days: int = AGING_DAYS,
                        group: str = "category", min_n: int = 30,
                        lifecycle: pd.DataFrame | None = None, curve: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every unsold item listed more than ``aging_days`` days before period_end, with a suggested markdown
    derived from the data, floored at break-even (docs/metrics.md, Products and inventory: Markdown; the rows of
    ``markdown_candidates.csv``, whose ``reason`` column lib.narrative.inventory adds).

    The markdown the data suggest is 1 - (expected sale price / list price at the
    item's age), the ratio read off :func:`price_age_curve` for the item's
    ``group`` (the overall line when the group has fewer than ``min_n`` sales),
    ages beyond the 99th percentile of observed days held at that percentile,
    capped at ``MAX_MARKDOWN_PCT`` and rounded to 5 points; ``price_at_age`` is
    the list price after it. The suggested markdown never takes the price below
    ``break_even_price`` (:func:`break_even_prices` with the fees and shipping of
    :func:`sale_channels`): where ``price_at_age`` is below break-even the markdown
    is cut to the largest whole percent that keeps break-even (none when the list
    price is already below it) and ``below_break_even`` is True: the item sells at
    its age only at a loss. With ``lifecycle``, ``p_sell_30d`` is the item's chance
    of selling in the next 30 days at its age (:func:`sale_chance`). Sorted by
    days listed (oldest first), then product_id.

    Besides the columns of the CSV, each row says how it came about (``MARKDOWN_BASIS``):
    ``markdown_rule`` (one of ``MARKDOWN_RULES``), ``fit_group`` (the group whose
    line was read; missing when the overall line was), ``fit_n`` (the sales that
    line was fitted on), ``data_markdown_pct`` (the markdown the line suggests
    before the break-even floor), the channel costs and the basis of the sale chance. ``curve``: the
    :func:`price_age_curve` of ``completed`` with the same ``group`` and ``min_n`` when computed already.
    """
    cand = stock[stock["days_listed"] > aging_days].copy()
    cand["unit_cost"] = cand["cost_basis"]
    chans = sale_channels(cand, completed, group, min_n)
    cand = pd.concat([cand, chans], axis=1)
    cost = cand["unit_cost"].to_numpy(dtype="float64")
    be = break_even_prices(cost, cand["fee_share"], cand["shipping_per_unit"])
    cand["break_even_price"] = be
    curve = (price_age_curve(completed, group=group, min_n=min_n) if curve is None else curve).set_index("group")
    overall = curve.loc["__all__"] if "__all__" in curve.index else None
    keys = cand[group].astype("string") if group in cand.columns else pd.Series(pd.NA, index=cand.index)
    use_group = keys.isin(curve.index.drop("__all__", errors="ignore")).fillna(False)
    fit_key = keys.where(use_group, "__all__")
    lp = cand["list_price"].astype("float64").to_numpy()
    if overall is None:
        cand["markdown_pct"] = np.nan
        cand["expected_price_ratio"] = np.nan
        cand["markdown_rule"] = "no_curve"
        cand["fit_group"] = pd.Series(pd.NA, index=cand.index, dtype="string")
        cand["fit_n"] = np.nan
        cand["data_markdown_pct"] = np.nan
        cand["price_at_age"] = np.nan
        below = np.zeros(len(cand), dtype=bool)
    else:
        f = curve.reindex(fit_key.to_numpy())
        age = np.minimum(cand["days_listed"].to_numpy(dtype="float64"), f["days_p99"].to_numpy())
        ratio = f["intercept"].to_numpy() + f["slope_per_day"].to_numpy() * age
        raw = np.clip((1 - ratio) * 100, 0, MAX_MARKDOWN_PCT)
        suggested = np.round(raw / 5) * 5
        at_age = np.round(lp * (1 - suggested / 100), 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = np.floor((1 - be / lp) * 100)
            # float rounding must never let the floored price slip below break-even
            cap = np.where(np.round(lp * (1 - cap / 100), 2) < be, cap - 1, cap)
        no_list = ~(lp > 0)
        below = ~no_list & (at_age < be)
        md = np.where(below, np.maximum(cap, 0), suggested)
        md = np.where(no_list, np.nan, md)
        cand["markdown_pct"] = md
        cand["expected_price_ratio"] = ratio
        cand["markdown_rule"] = np.select([no_list, below & (lp < be), below, suggested == 0],
                                          ["no_list_price", "list_below_break_even", "break_even_floor",
                                           "none_needed"], "curve")
        cand["fit_group"] = keys.where(use_group).astype("string")
        cand["fit_n"] = f["n"].to_numpy()
        cand["data_markdown_pct"] = suggested
        cand["price_at_age"] = np.where(no_list, np.nan, at_age)
    cand["below_break_even"] = below
    cand["suggested_price"] = (cand["list_price"].astype("float64") * (1 - cand["markdown_pct"] / 100)).round(2)
    if lifecycle is not None:
        cand = pd.concat([cand, sale_chance(lifecycle, cand, group, min_n)], axis=1)
    else:
        cand = cand.assign(p_sell_30d=np.nan, p_group=pd.Series(pd.NA, index=cand.index, dtype="string"),
                           p_at_risk=0, p_held=False)
    cand = cand.sort_values(["days_listed", "product_id"], ascending=[False, True], kind="mergesort")
    return cand[MARKDOWN_COLUMNS + MARKDOWN_EXTRA + MARKDOWN_BASIS].reset_index(drop=True)


def loss_sales(cands: pd.DataFrame) -> dict[str, float | int]:
    """The candidates that sell at their age only below break-even (``below_break_even``), and the cash selling
    them at ``price_at_age`` would free after the channel's fees and shipping (never below 0), beside what they
    cost (docs/metrics.md, Products and inventory: Markdown)."""
    b = cands[cands["below_break_even"].astype(bool)]
    units = b["units_on_hand"].astype("float64")
    net = (b["price_at_age"] * (1 - b["fee_share"]) - b["shipping_per_unit"]).clip(lower=0)
    return {"items": int(len(b)), "units": int(units.sum()), "cash": float((net * units).sum()),
            "cost": float((b["unit_cost"] * units).sum())}


#: items per block of the markdown effect's simulation (the draws of one block are held at once)
_SIM_BLOCK = 2000


def _inversion_draws(rng: np.random.Generator, n: np.ndarray, p: np.ndarray, draws: int) -> np.ndarray | None:
    """``rng.binomial(n, p, size=(draws, len(n)))`` as float64, the same values from the same generator state,
    vectorised; None (the generator untouched) when a draw would leave numpy's inversion method.

    numpy draws a binomial with n x min(p, 1 - p) <= 30 by inversion: one uniform per draw (none when n or p is
    0), the result the number of pmf terms the uniform exceeds in turn, from the mirrored tail when p > 0.5.
    This replays those steps with the same floating-point operations (the first term exp(n log q) from the
    C library, as numpy takes it) on uniforms drawn in the same order; only a uniform past the bound numpy
    draws again for (about 1e-16 of draws) sends it back (None), so the caller draws the numpy way.
    """
    if (n < 0).any() or not ((p >= 0) & (p <= 1)).all():
        return None  # numpy refuses these: its error, not a draw
    use = (n > 0) & (p != 0)
    if not use.any():
        return np.zeros((draws, len(n)))
    nu, pu = n[use].astype("int64"), p[use].astype("float64")
    flip = pu > 0.5
    pe = np.where(flip, 1.0 - pu, pu)
    if (nu * pe > 30.0).any():
        return None
    q = 1.0 - pe
    qn = np.array([math.exp(float(a) * math.log(b)) for a, b in zip(nu.tolist(), q.tolist(), strict=True)])
    bound = np.array([int(min(a, b + 10.0 * math.sqrt(b * c + 1))) for a, b, c in
                      zip(nu.tolist(), (nu * pe).tolist(), q.tolist(), strict=True)], dtype="int64")
    state = rng.bit_generator.state
    u_all = rng.random((draws, len(nu)))
    hit = u_all > qn
    x = hit.astype("float64")
    idx = np.flatnonzero(hit)
    del hit
    col = idx % len(nu)
    u = u_all.ravel()[idx] - qn[col]
    del u_all
    px, s = qn, 1
    while len(idx):
        px = ((nu - s + 1) * pe * px) / (s * q)  # the pmf term after s successes, as numpy computes it
        more = u > px[col]
        idx, col, u = idx[more], col[more], u[more]
        if not len(idx):
            break
        s += 1
        if (s > bound[col]).any():
            rng.bit_generator.state = state
            return None
        x.ravel()[idx] = s
        u = u - px[col]
    if flip.any():
        x[:, flip] = nu[flip] - x[:, flip]
    if use.all():
        return x
    out = np.zeros((draws, len(n)))
    out[:, use] = x
    return out


def _binomial_sims(units: np.ndarray, p: np.ndarray, margin: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Gross profit of ``draws`` simulated months: each unit sells with its item's chance ``p`` (binomial of its
    ``units``), seeded ``seed``; blocks of :data:`_SIM_BLOCK` items in turn, each block's draws numpy's
    ``rng.binomial(units, p, size=(draws, block))`` (:func:`_inversion_draws` when it can give the same values)."""
    rng = np.random.default_rng(seed)
    sims = np.zeros(draws)
    for lo in range(0, len(units), _SIM_BLOCK):
        sl = slice(lo, lo + _SIM_BLOCK)
        b = _inversion_draws(rng, units[sl], p[sl], draws)
        if b is None:
            b = rng.binomial(units[sl], p[sl], size=(draws, len(units[sl])))
        sims += b.astype("float64", copy=False) @ margin[sl]  # as numpy casts int64 @ float64, only faster
    return sims


def markdown_sale_effect(cands: pd.DataFrame, draws: int = 4000, seed: int = 0) -> Effect | None:
    """Expected gross profit, once, of the aged items with a suggested markdown selling in the next 30 days
    (docs/metrics.md, Products and inventory: Markdown).

    Sum over the items with ``markdown_pct`` above 0 and a known ``p_sell_30d``
    of units x ``p_sell_30d`` x (``suggested_price`` - unit cost - the channel's
    fees and shipping at that price); revenue = the same sum of units x
    ``p_sell_30d`` x ``suggested_price``. The 80% interval comes from ``draws``
    simulated months in which each unit sells with its item's chance (binomial);
    capped by the stock on hand. None when no item qualifies.
    """
    m = cands[(cands["markdown_pct"] > 0) & cands["p_sell_30d"].notna()]
    if m.empty:
        return None
    price = m["suggested_price"].to_numpy(dtype="float64")
    margin = (price * (1 - m["fee_share"].to_numpy(dtype="float64")) - m["shipping_per_unit"].to_numpy(dtype="float64")
              - m["unit_cost"].to_numpy(dtype="float64"))
    units = m["units_on_hand"].to_numpy(dtype="int64")
    p = m["p_sell_30d"].to_numpy(dtype="float64")
    sims = _binomial_sims(units, p, margin, draws, seed)
    gp = float((units * p * margin).sum())
    return draws_effect(sims, one_off=True, revenue=float((units * p * price).sum()), capped_by="stock",
                        estimate=gp)
