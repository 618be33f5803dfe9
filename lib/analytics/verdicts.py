"""One verdict per brand, category or condition, decided once from margin, speed and growth (docs/metrics.md, Verdicts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.analytics import survival
from lib.analytics.brands import group_growth, lifecycle_profit, lifecycle_with_profit, margin_interval
from lib.analytics.effects import Effect, draws_effect
from lib.analytics.products import brand_column, sales_by
from lib.analytics.stats import z_critical

__all__ = ["MAX_MORE_BUYING", "VERDICTS", "RULES", "COLUMNS", "TEXT_COLUMNS", "GROWTH_ALPHA", "BLOCK_ALPHA", "GROWTH_LABELS",
           "dimension_of", "verdict_table", "by_name", "verdict_tables", "buying_pace", "BuyingEffect",
           "buying_effects"]

#: "buy more" groups' buying grows by at most this share of their own pace (sourcing a strong brand is limited)
MAX_MORE_BUYING = 0.5

#: the verdicts, in the order the pages list them (docs/metrics.md, Verdicts)
VERDICTS = ("buy more", "price up", "mark down", "buy less", "keep", "no verdict")
#: (margin vs shop, speed vs shop) -> verdict before growth is weighed (docs/metrics.md, Verdicts: rule table)
RULES = {("higher", "faster"): "buy more", ("higher", "no clear difference"): "buy more",
         ("higher", "slower"): "mark down", ("no clear difference", "faster"): "price up",
         ("no clear difference", "no clear difference"): "no verdict", ("no clear difference", "slower"): "mark down",
         ("lower", "faster"): "price up", ("lower", "no clear difference"): "buy less", ("lower", "slower"): "buy less"}
#: the columns of :func:`verdict_table`, in order
COLUMNS = ("dimension", "group", "verdict", "sales", "items", "revenue", "margin_pct", "margin_low", "margin_high",
           "shop_margin_pct", "margin_vs_shop", "km_median_days", "km_low", "km_high", "shop_median_days",
           "speed_vs_shop", "sales_prev_3m", "sales_last_3m", "growth_3m_pct", "growth_p_value", "growth",
           "profit_per_item", "profit_low", "profit_high", "shop_profit_per_item", "profit_vs_shop", "cost_per_item",
           "shop_cost_per_item", "rule_verdict", "held_back_by")
TEXT_COLUMNS = ("dimension", "group", "verdict", "margin_vs_shop", "speed_vs_shop", "growth", "profit_vs_shop",
                "rule_verdict", "held_back_by")
#: a 3-month change in sales counts as clear growth (or decline) when the binomial test gives p below this
GROWTH_ALPHA = 0.05
#: growth (or decline) with p below this holds back a "buy less" (or "buy more"): evidence against a verdict
#: needs less than evidence for one
BLOCK_ALPHA = 0.10
#: the ``growth`` labels of :func:`verdict_table`
GROWTH_LABELS = ("growing", "shrinking", "growing, not yet clear", "shrinking, not yet clear", "no clear change",
                 "too few sales")


def dimension_of(completed: pd.DataFrame, key: str) -> str:
    """``brand`` for the brand column (lib.analytics.products.brand_column), else ``key`` itself."""
    return "brand" if key in ("brand_name", "brand_id") and key == brand_column(completed) else key


def _nums(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")


def _coded(completed: pd.DataFrame, lifecycle: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``completed`` and ``lifecycle`` with only the columns :func:`verdict_table` reads and ``key`` as one
    categorical (sorted labels shared by both, missing stays missing; the lines' ``month`` too), factorised once
    per frame: the group-bys then work on integer codes, not on text."""
    completed = completed[[col for col in dict.fromkeys((key, "revenue", "quantity", "gross_profit", "month",
                                                          "product_id")) if col in completed.columns]]
    lifecycle = lifecycle[[col for col in dict.fromkeys((key, "duration_days", "sold", "cost_basis", "profit",
                                                         "product_id")) if col in lifecycle.columns]]
    lines_codes, lines_labels = pd.factorize(completed[key], use_na_sentinel=True)
    item_codes, item_labels = pd.factorize(lifecycle[key], use_na_sentinel=True)
    labels = pd.Index(lines_labels).append(pd.Index(item_labels)).unique().sort_values()

    def recode(codes: np.ndarray, own) -> pd.Categorical:
        where = labels.get_indexer(pd.Index(own))
        return pd.Categorical.from_codes(np.where(codes >= 0, where[np.maximum(codes, 0)], -1) if len(where)
                                         else codes, categories=labels)

    coded = {key: recode(lines_codes, lines_labels)}
    if "month" in completed.columns and key != "month":
        coded["month"] = completed["month"].astype("category")
    return (completed.assign(**coded),
            lifecycle.assign(**{key: recode(item_codes, item_labels)}))


def _relabel(values: pd.Series, labels: pd.Index) -> pd.Series:
    """A per-code series indexed by its group labels (as text), for mapping onto a table's group column."""
    return pd.Series(values.to_numpy(), index=labels[values.index.to_numpy()])


def verdict_table(completed: pd.DataFrame, lifecycle: pd.DataFrame, period_end: pd.Timestamp, key: str,
                  min_sales: int = 20, level: float = 0.95, min_trend_sales: int = 10) -> pd.DataFrame:
    """One row and one verdict per ``key`` group (docs/metrics.md, Verdicts).

    Per group: ``sales`` (completed lines), ``revenue``, ``items`` (lifecycle products), ``margin_pct`` with its
    ``level`` interval (``margin_low/high``, delta method) against the shop's margin (``shop_margin_pct``, all
    lines of known cost); Kaplan-Meier median days to sell (unsold items censored) with its interval
    (``km_median_days``, ``km_low``, ``km_high``; NaN = not reached) against the shop's median
    (``shop_median_days``, all items); 3-month growth (lib.analytics.brands.group_growth: ``sales_prev_3m``,
    ``sales_last_3m``, ``growth_3m_pct`` of revenue, ``growth_p_value``); gross profit per item bought
    (``profit_per_item``, unsold items earn 0) and mean cost basis per item (``cost_per_item``), each beside
    the shop's.

    ``margin_vs_shop`` is higher / lower only when the margin interval excludes the shop's margin, and
    ``speed_vs_shop`` faster / slower only when the median's interval excludes the shop's median; otherwise
    "no clear difference", and "too few sales" for groups with fewer than ``min_sales`` sales. ``growth`` is
    growing / shrinking when sales and revenue moved the same way with p < :data:`GROWTH_ALPHA`, "..., not yet
    clear" with p < :data:`BLOCK_ALPHA`, else no clear change (too few sales: under ``min_trend_sales`` in a
    window). ``profit_vs_shop`` compares the gross profit per item bought with the shop's, by its ``level``
    normal interval over items (``profit_low/high``). ``rule_verdict`` follows :data:`RULES`; ``verdict`` is it
    after two checks that can only hold a buying verdict back to "keep" (``held_back_by`` says which): a "buy
    less" whose items clearly earn more gross profit each than the shop's, or that shows any growth label; a
    "buy more" whose items clearly earn less, or that shows any decline label. Sorted by revenue, highest first;
    ``dimension`` is :func:`dimension_of` and the group is in column ``group``.
    """
    if min_sales < 1:
        raise ValueError(f"min_sales must be >= 1, got {min_sales}")
    for name, df in (("completed sale lines", completed), ("product lifecycle", lifecycle)):
        if key not in df.columns:
            raise ValueError(f"{name} have no column {key!r} (needs products.csv)")
    dim = dimension_of(completed, key)
    # the group column factorised once (one label set for lines and items): every group-by below is on codes
    completed, lifecycle = _coded(completed, lifecycle, key)
    c = completed[completed[key].notna()]
    lc = lifecycle[lifecycle[key].notna()]
    t = sales_by(c, key)[[key, "revenue", "sales", "gross_profit", "margin_pct"]]
    t[key] = t[key].astype("string")
    t = t.merge(margin_interval(c, key, level), left_on=key, right_index=True, how="left")
    km = survival.km_by_group(lc["duration_days"], lc["sold"], lc[key], confidence=level) \
        .rename(columns={"group": key, "n": "items", "km_median": "km_median_days"})
    km[key] = km[key].astype("string")
    t = t.merge(km[[key, "items", "km_median_days", "km_low", "km_high"]], on=key, how="outer")
    profit = lifecycle_profit(completed, lifecycle)
    lcodes = lc[key].cat.codes.to_numpy()
    labels = lc[key].cat.categories.astype("string")
    pg = pd.Series(profit[lifecycle[key].notna().to_numpy()]).groupby(lcodes)
    t["profit_per_item"] = t[key].map(_relabel(pg.mean(), labels)).astype("float64")
    half = z_critical(level) * t[key].map(_relabel(pg.std(ddof=1) / np.sqrt(pg.size()), labels)).astype("float64")
    t["profit_low"], t["profit_high"] = t["profit_per_item"] - half, t["profit_per_item"] + half
    t["cost_per_item"] = t[key].map(_relabel(lc["cost_basis"].groupby(lcodes).mean(), labels)).astype("float64")
    for col in ("revenue", "sales", "items"):
        t[col] = t[col].fillna(0)
    t["sales"], t["items"] = t["sales"].astype("int64"), t["items"].astype("int64")
    for col in ("km_median_days", "km_low", "km_high"):
        t[col] = _nums(t[col])

    known = completed[completed["gross_profit"].notna()] if "gross_profit" in completed.columns else completed.iloc[0:0]
    shop_margin = float(known["gross_profit"].sum() / known["revenue"].sum() * 100) \
        if len(known) and known["revenue"].sum() > 0 else np.nan
    shop_days = survival.km_median(lifecycle["duration_days"], lifecycle["sold"]) if len(lifecycle) else None
    shop_days = np.nan if shop_days is None else float(shop_days)
    t["shop_margin_pct"], t["shop_median_days"] = shop_margin, shop_days
    t["shop_profit_per_item"] = float(profit.sum() / len(lifecycle)) if len(lifecycle) else np.nan
    t["shop_cost_per_item"] = float(lifecycle["cost_basis"].mean()) if len(lifecycle) else np.nan

    few = (t["sales"] < min_sales).to_numpy()
    lo, hi = _nums(t["margin_low"]), _nums(t["margin_high"])
    t["margin_vs_shop"] = np.select([few, lo > shop_margin, hi < shop_margin],
                                    ["too few sales", "higher", "lower"], "no clear difference")
    # NaN bounds: km_low not reached = the median is beyond the data (slow); km_high not reached = open upwards
    klo, khi = np.nan_to_num(_nums(t["km_low"]), nan=np.inf), _nums(t["km_high"])
    t["speed_vs_shop"] = np.select([few, khi < shop_days, (klo > shop_days) & np.isfinite(shop_days)],
                                   ["too few sales", "faster", "slower"], "no clear difference")

    g = group_growth(completed, period_end, key, min_trend_sales).set_index(key)
    gr = t[key].map(g["growth_3m_pct"]).astype("float64")
    gp = t[key].map(g["p_value"]).astype("float64")
    d_sales = (t[key].map(g["sales_last_3m"]) - t[key].map(g["sales_prev_3m"])).astype("float64")
    eligible = t[key].map(g["eligible"]).fillna(False).astype(bool)
    up, down = eligible & (d_sales > 0) & (gr > 0), eligible & (d_sales < 0) & (gr < 0)
    t["growth_3m_pct"], t["growth_p_value"] = gr, gp
    t["sales_prev_3m"] = t[key].map(g["sales_prev_3m"]).fillna(0).astype("int64")
    t["sales_last_3m"] = t[key].map(g["sales_last_3m"]).fillna(0).astype("int64")
    t["growth"] = np.select([~eligible, up & (gp < GROWTH_ALPHA), down & (gp < GROWTH_ALPHA),
                             up & (gp < BLOCK_ALPHA), down & (gp < BLOCK_ALPHA)],
                            list(GROWTH_LABELS[5:] + GROWTH_LABELS[:4]), GROWTH_LABELS[4])

    shop_ppi = t["shop_profit_per_item"].to_numpy(dtype="float64")
    t["profit_vs_shop"] = np.select([few, t["profit_low"].to_numpy() > shop_ppi, t["profit_high"].to_numpy() < shop_ppi],
                                    ["too few sales", "higher", "lower"], "no clear difference")
    rule = [("no verdict" if f else RULES[(m, s)])
            for f, m, s in zip(few, t["margin_vs_shop"], t["speed_vs_shop"], strict=True)]
    t["rule_verdict"] = rule
    more, less = t["rule_verdict"] == "buy more", t["rule_verdict"] == "buy less"
    by_profit = (more & (t["profit_vs_shop"] == "lower")) | (less & (t["profit_vs_shop"] == "higher"))
    by_growth = (more & t["growth"].str.startswith("shrinking")) | (less & t["growth"].str.startswith("growing"))
    t["held_back_by"] = np.select([by_profit & by_growth, by_profit, by_growth],
                                  ["profit per item and growth", "profit per item", "growth"], "")
    t["verdict"] = np.where(by_profit | by_growth, "keep", t["rule_verdict"])
    t = t.rename(columns={key: "group"}).assign(dimension=dim)
    t = t.sort_values(["revenue", "group"], ascending=[False, True], kind="mergesort")[list(COLUMNS)]
    t = t.reset_index(drop=True)
    t.attrs.update(min_sales=min_sales, level=level, min_trend_sales=min_trend_sales)
    return t


def by_name(table: pd.DataFrame) -> pd.DataFrame:
    """A one-dimension verdict table with the group first, named after its dimension (``brand``, ``category``,
    ``condition``), and no ``dimension`` column: the layout of ``brand_verdicts.csv`` (docs/metrics.md, Verdicts)."""
    dims = table["dimension"].dropna().unique()
    if len(dims) > 1:
        raise ValueError(f"by_name needs one dimension, got {', '.join(map(str, dims))}")
    name = str(dims[0]) if len(dims) else "group"
    return table.drop(columns="dimension").rename(columns={"group": name})


def verdict_tables(completed: pd.DataFrame, lifecycle: pd.DataFrame, period_end: pd.Timestamp,
                   keys: tuple[str, ...] = ("category", "condition"), min_sales: int = 20,
                   level: float = 0.95) -> pd.DataFrame:
    """:func:`verdict_table` for each of ``keys`` present in the data, one table with the ``dimension`` column
    (docs/metrics.md, Verdicts)."""
    keys = tuple(k for k in keys if k in completed.columns and k in lifecycle.columns and completed[k].notna().any())
    if keys and "profit" not in lifecycle.columns:
        # each item's gross profit matched once (by product id) for all the dimensions
        lifecycle = lifecycle_with_profit(completed, lifecycle)
    parts = [verdict_table(completed, lifecycle, period_end, k, min_sales, level) for k in keys]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c not in TEXT_COLUMNS else "object") for c in COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(parts[0].attrs)
    return out


def buying_pace(lifecycle: pd.DataFrame, period_end: pd.Timestamp, months: int = 3) -> float:
    """Items bought a month: items whose clock started in the ``months`` calendar months ending with period_end's
    month, / ``months`` (docs/metrics.md, Verdicts: brand buying effect)."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    end = pd.Timestamp(period_end).normalize()
    start = (end.to_period("M") - (months - 1)).to_timestamp()
    cs = lifecycle["clock_start"]
    return float(((cs >= start) & (cs < end + pd.Timedelta(days=1))).sum() / months)


def _gap_draws(profit: np.ndarray, mask: np.ndarray, draws: int, rng: np.random.Generator,
               max_cells: int = 2_000_000, max_total: int = 50_000_000) -> np.ndarray:
    """Bootstrap draws of mean(profit[mask]) - mean(profit): items resampled with replacement, in chunks of at
    most ``max_cells`` item draws; beyond ``max_total`` item draws in all, normal draws with the same means and
    standard errors (the central limit theorem; the group and the shop then drawn independently)."""
    n = len(profit)
    if n * draws > max_total:
        g, k = profit[mask], int(mask.sum())
        gd = g.mean() + rng.standard_normal(draws) * (g.std(ddof=1) / np.sqrt(k) if k > 1 else 0.0)
        sd = profit.mean() + rng.standard_normal(draws) * profit.std(ddof=1) / np.sqrt(n)
        return gd - sd
    out, step = [], max(1, max_cells // n)
    for start in range(0, draws, step):
        idx = rng.integers(0, n, size=(min(step, draws - start), n))
        p, m = profit[idx], mask[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((p * m).sum(axis=1) / m.sum(axis=1) - p.mean(axis=1))
    return np.concatenate(out)


@dataclass(frozen=True)
class BuyingEffect:
    """Moving buying towards the "buy more" groups (``direction`` 1) or away from the "buy less" ones (-1)
    (:func:`buying_effects`); ``groups`` by revenue, ``group_pace`` their own items bought a month,
    ``profit_per_item`` pooled over them; ``capped`` when the groups' own pace bounded the shift."""

    verdict: str
    direction: int
    groups: tuple[str, ...]
    pace: float
    group_pace: float
    shift_items: float
    capped: bool
    profit_per_item: float
    shop_profit_per_item: float
    cost_per_item: float
    shop_cost_per_item: float
    effect: Effect


def buying_effects(table: pd.DataFrame, completed: pd.DataFrame, lifecycle: pd.DataFrame,
                   period_end: pd.Timestamp, buy_shift_pct: float = 10.0, draws: int = 2000,
                   seed: int = 17) -> list[BuyingEffect]:
    """Expected gross profit a month of moving ``buy_shift_pct`` % of the buying pace towards the "buy more"
    groups of ``table`` (:func:`verdict_table`) or away from its "buy less" groups (docs/metrics.md, Verdicts:
    brand buying effect).

    Effect = shift x (profit per item bought of the groups, pooled - the shop's) x direction, where the shift
    is ``buy_shift_pct`` % of :func:`buying_pace`, capped by the groups' own buying pace (buying of "buy
    more" groups grows by at most :data:`MAX_MORE_BUYING` of itself: good stock of a strong brand is scarce;
    buying of "buy less" groups at most stops), and unsold items earn 0; its 80%
    interval comes from ``draws`` bootstrap resamples of the items (jointly for the groups and the shop).
    A direction whose pooled gap has the wrong sign (a "buy more" group earning less per item than the shop)
    is left out.
    """
    if not 0 < buy_shift_pct <= 100:
        raise ValueError(f"buy_shift_pct must be in (0, 100], got {buy_shift_pct}")
    if table.empty or lifecycle.empty:
        return []
    dim = str(table["dimension"].iloc[0])
    key = brand_column(completed) if dim == "brand" else dim
    pace = buying_pace(lifecycle, period_end)
    if pace <= 0:
        return []
    wanted = pace * buy_shift_pct / 100
    profit = lifecycle_profit(completed, lifecycle)
    groups = lifecycle[key].astype("string")
    shop = float(profit.mean())
    out = []
    for verdict, sign in (("buy more", 1), ("buy less", -1)):
        names = tuple(str(g) for g in table.loc[table["verdict"] == verdict, "group"])
        if not names:
            continue
        mask = groups.isin(names).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            continue
        ppi = float(profit[mask].mean())
        gap = (ppi - shop) * sign
        if not gap > 0:
            continue
        own = buying_pace(lifecycle[mask], period_end)
        shift = min(wanted, own * (MAX_MORE_BUYING if sign > 0 else 1.0))
        if not shift > 0:
            continue
        boot = _gap_draws(profit, mask, draws, np.random.default_rng(seed))
        eff = draws_effect(shift * boot * sign, capped_by="buying", estimate=shift * gap)
        cost = lifecycle["cost_basis"].to_numpy(dtype="float64")
        out.append(BuyingEffect(verdict, sign, names, pace, own, shift, bool(shift < wanted), ppi, shop,
                                float(np.nanmean(cost[mask])),
                                float(np.nanmean(cost)), eff))
    return out
