"""Recommendations: the numbers of the rules (effect sizes, thresholds, confidence) and their ranking (docs/metrics.md, Recommendations).

Over 500 lines on purpose: the effect of every rule sits beside the others because they are ranked on
one scale; issue 17 (one verdict per thing, effects as monthly gross profit) reworks them together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.analytics import customers, inventory, products, rfm
from lib.analytics.effects import Effect
from lib.analytics.stats import mann_whitney_p_value, mann_whitney_vs_rest
from lib.config import AGING_DAYS, CHURN_DAYS, LIVE_CHANNELS, MIN_SHOWS

__all__ = ["TOP_ACTION_COLUMNS", "RETARGET_SEGMENTS", "VIP_LIST", "Recommendation", "SlotEffect", "LengthEffect",
           "MixEffect", "MixEvidence", "MarkdownEffect", "BundleEffect", "BrandBuyingEffect", "RetargetEffect",
           "BudgetEffect", "InventoryEvidence", "recent_months", "live_channel_lines", "show_lines",
           "show_mix_table", "show_mix_evidence", "show_mix_frame", "slot_effect",
           "length_effect", "mix_effect", "aged_sale_rate", "items_per_month", "markdown_effect",
           "aged_stock_value", "bundle_effects", "brand_buying_effects", "inventory_evidence", "retarget_table",
           "win_back_table", "retarget_effects", "budget_effect", "section_recommendations", "section_total",
           "section_totals", "recommendations_frame", "top_actions"]

#: columns of tables/top_actions.csv, read by the front page (lib.run.frontpage)
TOP_ACTION_COLUMNS = ["rank", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
#: RFM groups whose churn-risk members get a win-back message (issue 7)
RETARGET_SEGMENTS = rfm.WIN_BACK_SEGMENTS
#: the win-back list of churn-risk customers in the top revenue share (VIPs)
VIP_LIST = "Churn-risk VIP"
_CONF_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Recommendation:
    """One action that met its rule's thresholds (docs/metrics.md, Recommendations).

    ``effect`` is the expected gross profit a month (or once) with its 80% interval
    (lib.analytics.effects.Effect); ``expected_value`` is its ``gross_profit``, used for ranking.
    ``confidence`` is high/medium/low with its reason at the end of ``evidence``; ``source`` is the
    report the numbers come from. The text fields (``action``, ``expected_effect``, ``evidence``) are
    written by the narrative layer. During issue 17 a rule may still pass a bare ``expected_value``
    (its effect is then that value with a zero-width interval).
    """

    section: str
    action: str
    expected_effect: str
    evidence: str
    confidence: str
    source: str
    expected_value: float = np.nan
    effect: Effect | None = None

    def __post_init__(self) -> None:
        if self.confidence not in _CONF_ORDER:
            raise ValueError(f"confidence must be high, medium or low, got {self.confidence!r}")
        if self.effect is None:
            if not np.isfinite(self.expected_value):
                raise ValueError(f"expected_value must be a finite number, got {self.expected_value!r}")
            object.__setattr__(self, "effect", Effect(float(self.expected_value), float(self.expected_value),
                                                      float(self.expected_value)))
        object.__setattr__(self, "expected_value", float(self.effect.gross_profit))


def recent_months(frame: pd.DataFrame, period_end: pd.Timestamp, months: int = 3, col: str = "date") -> pd.DataFrame:
    """Rows of ``frame`` whose ``col`` falls in the ``months`` calendar months ending with period_end's month
    (docs/metrics.md, Recommendations)."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    end = pd.Timestamp(period_end).normalize()
    start = (end.to_period("M") - (months - 1)).to_timestamp()
    return frame[(frame[col] >= start) & (frame[col] < end + pd.Timedelta(days=1))]


# ---------------------------------------------------------------- live shows (sales_timing)


@dataclass(frozen=True)
class SlotEffect:
    """The best ranked start slot against the median ranked slot (:func:`slot_effect`)."""

    slot: str
    shows: int
    revenue_per_show_hour: float
    low: float
    high: float
    median: float
    ranked_slots: int
    hours: float
    gain: float
    confidence: str


@dataclass(frozen=True)
class LengthEffect:
    """The show length class earning most per show hour against the usual one (:func:`length_effect`)."""

    best_length: str
    usual_length: str
    best_revenue_per_show_hour: float
    usual_revenue_per_show_hour: float
    best_shows: int
    usual_shows: int
    p_value: float
    hours_month: float
    gain: float
    confidence: str


@dataclass(frozen=True)
class MixEffect:
    """The in-show group worth featuring (:func:`mix_effect`); ``key`` is the column of the group."""

    key: str
    group: str
    sales: int
    margin_pct: float
    median_days: float
    show_margin_pct: float
    show_median_days: float
    p_days: float
    p_margin: float
    aged_units: int
    gain: float
    confidence: str


@dataclass(frozen=True)
class MixEvidence:
    """One dimension of the show mix: :func:`show_mix_table`, in-show gross profit a month over the last 3
    months per group, aged units on hand per group (None when the stock lacks the column)."""

    table: pd.DataFrame
    recent_gross_profit: pd.Series
    aged_counts: pd.Series | None


def live_channel_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Sale lines sold on a live channel (``lib.config.LIVE_CHANNELS``, case-insensitive; docs/metrics.md,
    Recommendations)."""
    return lines[lines["channel"].astype("string").str.lower().isin(LIVE_CHANNELS).fillna(False)]


def show_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Sale lines sold in a show: those with a ``show_id`` when any has one, else :func:`live_channel_lines`
    (docs/metrics.md, Recommendations)."""
    return lines[lines["show_id"].notna()] if lines["show_id"].notna().any() else live_channel_lines(lines)


def show_mix_table(in_show: pd.DataFrame, key: str, min_group_sales: int = 30) -> pd.DataFrame:
    """Per ``key`` value among completed in-show sale lines (docs/metrics.md, Recommendations).

    Sales, revenue, gross profit, margin, median days to sell, and two-sided Mann-Whitney U
    tests against the rest of the show sales (days to sell; per-line margin).
    ``fast_and_profitable``: at least ``min_group_sales`` sales, margin at or above the show
    average and median days at or below the show median. Sorted by gross profit.
    """
    need = {key, "revenue", "gross_profit", "days_to_sell"}
    if missing := need - set(in_show.columns):
        raise ValueError(f"in-show sale lines lack column(s) {sorted(missing)}")
    c = in_show[in_show[key].notna() & in_show["gross_profit"].notna() & (in_show["revenue"] > 0)]
    cols = ["group", "sales", "revenue", "gross_profit", "margin_pct", "median_days", "p_days", "p_margin",
            "fast_and_profitable"]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="float64") for k in cols})
    line_margin = (c["gross_profit"] / c["revenue"]).to_numpy(dtype="float64")
    days = c["days_to_sell"].to_numpy(dtype="float64")
    keys = c[key].astype("string").to_numpy(dtype=object)
    all_margin = float(c["gross_profit"].sum() / c["revenue"].sum() * 100)
    all_days = float(np.nanmedian(days)) if np.isfinite(days).any() else np.nan
    groups = sorted(set(keys))
    p_days, p_margin = mann_whitney_vs_rest(days, keys, groups), mann_whitney_vs_rest(line_margin, keys, groups)
    rev_all, gp_all = c["revenue"].to_numpy(dtype="float64"), c["gross_profit"].to_numpy(dtype="float64")
    rows = []
    for g in groups:  # a handful of categories, brands or conditions
        m = keys == g
        gd = days[m]
        gd = gd[np.isfinite(gd)]
        rev, gp = float(rev_all[m].sum()), float(gp_all[m].sum())
        rows.append({"group": g, "sales": int(m.sum()), "revenue": rev, "gross_profit": gp,
                     "margin_pct": gp / rev * 100 if rev > 0 else np.nan,
                     "median_days": float(np.median(gd)) if len(gd) else np.nan, "p_days": p_days[g],
                     "p_margin": p_margin[g]})
    t = pd.DataFrame(rows)
    t["fast_and_profitable"] = ((t["sales"] >= min_group_sales) & (t["margin_pct"] >= all_margin)
                                & (t["median_days"] <= all_days))
    t.attrs.update(show_margin_pct=all_margin, show_median_days=all_days, key=key)
    return t.sort_values(["gross_profit", "group"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def show_mix_evidence(completed: pd.DataFrame, lifecycle: pd.DataFrame, period_end: pd.Timestamp,
                      aging_days: int = AGING_DAYS, min_group_sales: int = 30) -> dict[str, MixEvidence]:
    """The show mix by category, brand and condition (docs/metrics.md, Recommendations).

    In-show lines are :func:`show_lines` of the completed lines; per dimension:
    :func:`show_mix_table`, the in-show gross profit a month over the last 3 months and
    the aged units on hand (listed more than ``aging_days`` days) per group. Empty when
    the lines have no ``category`` or no in-show sale. The in-show copy of the lines and
    the stock are local: they go when this returns.
    """
    in_show = show_lines(completed)
    if "category" not in completed.columns or not len(in_show):
        return {}
    stock = inventory.stock_on_hand(lifecycle, period_end)
    aged_stock = stock[stock["days_listed"] > aging_days]
    recent = recent_months(in_show, period_end, 3)
    out: dict[str, MixEvidence] = {}
    for key, label in (("category", "category"), (products.brand_column(in_show), "brand"),
                       ("condition", "condition")):
        table = show_mix_table(in_show, key, min_group_sales)
        gp3 = recent.groupby(key, observed=True)["gross_profit"].sum() / 3
        gp3.index = gp3.index.astype("string")
        aged_n = aged_stock.groupby(key, observed=True)["units_on_hand"].sum() if key in aged_stock else None
        if aged_n is not None:
            aged_n.index = aged_n.index.astype("string")
        out[label] = MixEvidence(table, gp3, aged_n)
    return out


def show_mix_frame(mixes: dict[str, MixEvidence]) -> pd.DataFrame:
    """``show_mix.csv``: the non-empty mix tables of :func:`show_mix_evidence` stacked, with their
    ``dimension`` (docs/metrics.md, Recommendations); empty when none has a row."""
    rows = [m.table.assign(dimension=label) for label, m in mixes.items() if len(m.table)]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def slot_effect(slots: pd.DataFrame, shows: pd.DataFrame, shows_to_move: int = 4,
                min_shows: int = MIN_SHOWS) -> SlotEffect | None:
    """Moving shows into the best start slot, when its interval lies above the median ranked slot
    (docs/metrics.md, Recommendations).

    ``slots`` is lib.analytics.shows.slot_stats, ``shows`` lib.analytics.shows.show_sessions.
    None unless the best ranked slot's ``low`` exceeds the median revenue per show hour
    of the ranked slots. ``gain`` (revenue a month) = (best - median revenue per show
    hour) x mean show length in hours x ``shows_to_move``. Confidence high with at
    least 2 x ``min_shows`` shows in the slot, else medium.
    """
    if shows_to_move < 1:
        raise ValueError(f"shows_to_move must be at least 1, got {shows_to_move}")
    ranked = slots[slots["enough_shows"]].sort_values(["rank", "slot"], kind="mergesort")
    if len(ranked) < 2 or shows.empty:
        return None
    median = float(ranked["revenue_per_show_hour"].median())
    best = ranked.iloc[0]
    if not best["low"] > median:
        return None
    hours = float(shows.loc[shows["hours"] > 0, "hours"].mean())
    gain = (float(best["revenue_per_show_hour"]) - median) * hours * shows_to_move
    conf = "high" if best["shows"] >= 2 * min_shows else "medium"
    return SlotEffect(str(best["slot"]), int(best["shows"]), float(best["revenue_per_show_hour"]),
                      float(best["low"]), float(best["high"]), median, len(ranked), hours, gain, conf)


def length_effect(shows: pd.DataFrame, by_length: pd.DataFrame, period_end: pd.Timestamp, min_shows: int = MIN_SHOWS,
                  alpha: float = 0.05) -> LengthEffect | None:
    """Running shows of the length class that earns most per show hour, when it beats the usual length
    (docs/metrics.md, Recommendations).

    ``by_length`` is lib.analytics.shows.revenue_by_show_length(shows) (its classes are
    re-derived here with the same bins). Among classes with at least ``min_shows``
    shows, the best by revenue per show hour is compared with the most common
    class by a two-sided Mann-Whitney U test on each show's revenue per hour; None
    unless they differ, the best is higher and p < ``alpha``. ``gain`` (revenue a
    month) = difference in revenue per show hour x hours on air of usual-length
    shows per month (mean of the last 3 months): the same hours in longer or
    shorter shows. Confidence high when p < alpha / 5, else medium.
    """
    from lib.analytics.shows import LENGTH_BINS

    ok = by_length[(by_length["shows"] >= min_shows) & by_length["revenue_per_show_hour"].notna()]
    if len(ok) < 2 or shows.empty:
        return None
    best = ok.sort_values(["revenue_per_show_hour", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    usual = ok.sort_values(["shows", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    if best["length"] == usual["length"]:
        return None
    s = shows[shows["hours"] > 0]
    labels = list(by_length["length"].astype(str))
    cls = pd.cut(s["hours"] * 60.0, bins=list(LENGTH_BINS), labels=labels, right=True, include_lowest=True)
    rph = s["revenue"] / s["hours"]
    a, b = rph[cls == best["length"]], rph[cls == usual["length"]]
    if len(a) < 2 or len(b) < 2:
        return None
    p = mann_whitney_p_value(a, b)
    if not p < alpha:
        return None
    recent = recent_months(s.assign(date=s["start"].dt.normalize(), cls=cls), period_end, 3)
    hours_month = float(recent.loc[recent["cls"] == usual["length"], "hours"].sum()) / 3
    diff = float(best["revenue_per_show_hour"] - usual["revenue_per_show_hour"])
    gain = diff * hours_month
    conf = "high" if p < alpha / 5 else "medium"
    return LengthEffect(str(best["length"]), str(usual["length"]), float(best["revenue_per_show_hour"]),
                        float(usual["revenue_per_show_hour"]), int(best["shows"]), int(usual["shows"]), p,
                        hours_month, gain, conf)


def mix_effect(mix: pd.DataFrame, recent_gross_profit: pd.Series, aged_counts: pd.Series | None,
               feature_uplift_pct: float = 20.0, alpha: float = 0.05) -> MixEffect | None:
    """Featuring the in-show group (one ``key`` of :func:`show_mix_table`) that sells fastest at the best
    margin (docs/metrics.md, Recommendations).

    The best ``fast_and_profitable`` group (by expected value) whose days-to-sell and
    margin tests against the other show sales both have p < ``alpha`` (the claim is
    "faster and more profitable"); None when there is none. ``gain`` (gross profit a
    month) = ``feature_uplift_pct`` % x the group's in-show gross profit per month over
    the last 3 months (``recent_gross_profit``, indexed by group): an assumption.
    ``aged_counts`` (aged units on hand per group) gives the aged units worth featuring
    first. Confidence high when both tests have p < alpha / 5, else medium.
    """
    if mix.empty or not mix["fast_and_profitable"].any():
        return None
    cand = mix[mix["fast_and_profitable"] & (mix["p_days"] < alpha) & (mix["p_margin"] < alpha)].copy()
    if cand.empty:
        return None
    cand["ev"] = cand["group"].map(recent_gross_profit).fillna(0.0).astype("float64") * feature_uplift_pct / 100
    cand = cand.sort_values(["ev", "group"], ascending=[False, True], kind="mergesort")
    r = cand.iloc[0]
    if not r["ev"] > 0:
        return None
    conf = "high" if r["p_days"] < alpha / 5 and r["p_margin"] < alpha / 5 else "medium"
    aged = int(aged_counts.get(r["group"], 0)) if aged_counts is not None else 0
    return MixEffect(str(mix.attrs.get("key", "group")), str(r["group"]), int(r["sales"]), float(r["margin_pct"]),
                     float(r["median_days"]), float(mix.attrs["show_margin_pct"]),
                     float(mix.attrs["show_median_days"]), float(r["p_days"]), float(r["p_margin"]), aged,
                     float(r["ev"]), conf)


# ---------------------------------------------------------------- inventory (products_inventory, brands)


@dataclass(frozen=True)
class MarkdownEffect:
    """Marking down the aged items with a suggested markdown (:func:`markdown_effect`)."""

    items: int
    median_markdown_pct: float
    value: float
    sale_rate: float
    rate_items: int
    gain: float
    confidence: str


@dataclass(frozen=True)
class BundleEffect:
    """Offering one recommended pair as a bundle (:func:`bundle_effects`); ``share`` is the pair's
    confidence (share of item_a occasions that include item_b)."""

    kind: str
    item_a: str
    item_b: str
    occasions: int
    lift: float
    share: float
    p_value: float
    a_only_per_month: float
    gain: float
    confidence: str


@dataclass(frozen=True)
class BrandBuyingEffect:
    """Shifting buying towards (``direction`` 1) or away from (-1) brands of one map corner
    (:func:`brand_buying_effects`); the numbers after ``brands`` are those of the first brand."""

    quadrant: str
    direction: int
    brands: tuple[str, ...]
    pace: float
    profit_per_item: float
    overall_profit_per_item: float
    margin_pct: float
    margin_low: float
    margin_high: float
    margin_split: float
    km_median_days: object
    days_split: object
    evidence: str
    gain: float
    confidence: str


@dataclass(frozen=True)
class InventoryEvidence:
    """What the inventory rules need (:func:`inventory_evidence`): markdown candidates with the aged sale
    rate, and the brand map with shelf-day profit and the buying pace; None where not computed."""

    cands: pd.DataFrame | None = None
    rate: float | None = None
    rate_items: int = 0
    quad: pd.DataFrame | None = None
    shelf: pd.DataFrame | None = None
    brand_col: str | None = None
    pace: float = 0.0


def aged_sale_rate(lifecycle: pd.DataFrame, period_end: pd.Timestamp, aging_days: int = AGING_DAYS,
                   window_days: int = 30) -> tuple[float | None, int]:
    """Share of items still unsold after ``aging_days`` that sold within the next ``window_days``
    (docs/metrics.md, Recommendations).

    Only items whose window ended by period_end count (clock start + aging_days +
    window_days <= period_end), so every one was observed for the whole window.
    Returns (rate 0-1 or None when no item qualifies, number of items).
    """
    end = pd.Timestamp(period_end).normalize()
    lc = lifecycle[lifecycle["clock_start"] + pd.Timedelta(days=aging_days + window_days) <= end]
    at_risk = lc[lc["duration_days"] > aging_days]
    n = len(at_risk)
    if n == 0:
        return None, 0
    sold = at_risk["sold"] & (at_risk["duration_days"] <= aging_days + window_days)
    return float(sold.sum() / n), n


def items_per_month(lifecycle: pd.DataFrame, period_end: pd.Timestamp, months: int = 3) -> float:
    """Items whose clock started in the last ``months`` calendar months, per month (the buying pace;
    docs/metrics.md, Recommendations)."""
    return float(len(recent_months(lifecycle, period_end, months, col="clock_start")) / months)


def markdown_effect(cands: pd.DataFrame, rate: float | None, n_rate: int,
                    min_items: int = 30) -> MarkdownEffect | None:
    """Applying the data-derived markdowns to aged stock (lib.analytics.inventory.markdown_candidates;
    docs/metrics.md, Recommendations).

    None unless at least one candidate has a markdown above 0% and ``rate`` is known.
    ``gain`` (revenue a month) = sum of suggested price x units on hand of those items x
    ``rate``, the observed 30-day sale rate of aged items (:func:`aged_sale_rate`).
    Confidence high when the rate rests on at least ``min_items`` x 3 items, medium
    with at least ``min_items``, else low.
    """
    if cands.empty or rate is None:
        return None
    md = cands[cands["markdown_pct"] > 0]
    if md.empty:
        return None
    value = float((md["suggested_price"] * md["units_on_hand"]).sum())
    ev = value * rate
    conf = "high" if n_rate >= 3 * min_items else ("medium" if n_rate >= min_items else "low")
    return MarkdownEffect(len(md), float(md["markdown_pct"].median()), value, rate, n_rate, ev, conf)


def aged_stock_value(cands: pd.DataFrame | None, group: str = "category") -> pd.Series | None:
    """Value of the markdown candidates at their suggested prices per ``group``, smallest first
    (docs/metrics.md, Recommendations); None without candidates."""
    if cands is None or not len(cands):
        return None
    return cands.assign(value=cands["suggested_price"] * cands["units_on_hand"]).groupby(
        group, observed=True)["value"].sum().sort_values()


def bundle_effects(cands: pd.DataFrame, months: float, bundle_uptake_pct: float = 10.0,
                   alpha: float = 0.05) -> list[BundleEffect]:
    """The strongest recommended pair of each kind (category, brand) as a bundle (lib.analytics.bundles;
    docs/metrics.md, Recommendations).

    ``gain`` (revenue a month) = ``bundle_uptake_pct`` % (assumption) of the monthly
    occasions with item_a but without item_b (over ``months`` of history) x the mean
    revenue of an item_b purchase; pairs with no positive gain are left out. Confidence
    high when p < alpha / 50 and the pair has at least 30 joint occasions, else medium.
    """
    if cands.empty or months <= 0:
        return []
    out = []
    rec = cands[cands["recommended"]]
    for kind, grp in rec.groupby("kind", sort=True):
        r = grp.sort_values(["lift", "occasions"], ascending=False, kind="mergesort").iloc[0]
        a_only = (r["item_a_occasions"] - r["occasions"]) / months
        ev = float(a_only * bundle_uptake_pct / 100 * r["item_b_mean_revenue"])
        if not ev > 0:
            continue
        conf = "high" if r["p_value"] < alpha / 50 and r["occasions"] >= 30 else "medium"
        out.append(BundleEffect(str(kind), str(r["item_a"]), str(r["item_b"]), int(r["occasions"]),
                                float(r["lift"]), float(r["confidence"]), float(r["p_value"]), float(a_only), ev,
                                conf))
    return out


def brand_buying_effects(quad: pd.DataFrame, shelf: pd.DataFrame, bcol: str, pace: float,
                         buy_shift_pct: float = 10.0) -> list[BrandBuyingEffect]:
    """Buying more of the map's "buy more" brands and less of its "stop buying" brands
    (lib.analytics.brands; docs/metrics.md, Recommendations).

    Only brands placed beyond chance on at least one axis and not ``uncertain``
    count. ``shelf`` is lib.analytics.brands.shelf_day_profit by brand; profit per item =
    profit / items (unsold items earn 0). ``gain`` (gross profit, per month of buying) =
    ``buy_shift_pct`` % of the ``pace`` items bought a month x the profit-per-item gap
    to the average brand, kept only when that gap is positive (up to 3 brands named,
    the best first). Confidence high when the first brand's position is clear on both
    axes, else medium.
    """
    if quad.empty or shelf.empty or pace <= 0:
        return []
    sh = shelf.set_index(bcol)
    overall = float(sh["profit"].sum() / sh["items"].sum()) if sh["items"].sum() else np.nan
    sure = quad[~quad["uncertain"] & (quad["evidence"] != "within chance")]
    shift = pace * buy_shift_pct / 100
    out = []
    for label, sign in (("buy more", 1), ("stop buying", -1)):
        q = sure[sure["quadrant"] == label]
        if q.empty:
            continue
        ppi = pd.Series({b: sh.loc[b, "profit"] / sh.loc[b, "items"] for b in q["brand"] if b in sh.index
                         and sh.loc[b, "items"] > 0}, dtype="float64")
        gap = (ppi - overall) * sign
        gap = gap[gap > 0].sort_values(ascending=False)
        if gap.empty:
            continue
        names = tuple(gap.index[:3])
        ev = float(shift * gap.iloc[0])
        row = q.set_index("brand").loc[names[0]]
        conf = "high" if row["evidence"] == "clear" else "medium"
        out.append(BrandBuyingEffect(
            label, sign, names, pace, float(ppi[names[0]]), overall, float(row["margin_pct"]),
            float(row["margin_low"]), float(row["margin_high"]), quad.attrs.get("margin_split", np.nan),
            pd.to_numeric(row["km_median_days"], errors="coerce"), quad.attrs.get("days_split"),
            str(row["evidence"]), ev, conf))
    return out


def inventory_evidence(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, period_end: pd.Timestamp,
                       markdowns: bool = True, brand_map: bool = True, aging_days: int = AGING_DAYS,
                       markdown_group: str = "category", min_brand_sales: int = 20) -> InventoryEvidence:
    """The inputs of the inventory rules (docs/metrics.md, Recommendations).

    With ``markdowns`` and a lifecycle: the markdown candidates of the stock on hand
    (lib.analytics.inventory) and :func:`aged_sale_rate`; with ``brand_map``: the brand
    map and shelf-day profit (lib.analytics.brands) and :func:`items_per_month`. The
    stock on hand is local: it goes when this returns.
    """
    from lib.analytics import brands

    out: dict = {}
    if markdowns and lifecycle is not None:
        out["cands"] = inventory.markdown_candidates(inventory.stock_on_hand(lifecycle, period_end), completed,
                                                     aging_days, group=markdown_group)
        out["rate"], out["rate_items"] = aged_sale_rate(lifecycle, period_end, aging_days)
    if brand_map and lifecycle is not None:
        out["quad"] = brands.brand_map(completed, lifecycle, min_brand_sales)
        out["brand_col"] = products.brand_column(completed)
        out["shelf"] = brands.shelf_day_profit(completed, lifecycle, out["brand_col"], min_brand_sales)
        out["pace"] = items_per_month(lifecycle, period_end)
    return InventoryEvidence(**out)


# ---------------------------------------------------------------- marketing (customers, marketing)


@dataclass(frozen=True)
class RetargetEffect:
    """Winning back one list of :func:`retarget_table` (:func:`retarget_effects`)."""

    list: str
    customers: int
    median_days_since: float
    revenue: float
    revenue_per_day: float
    gain: float
    confidence: str


@dataclass(frozen=True)
class BudgetEffect:
    """Moving ad budget from the ``cut`` channels to ``best``, or raising ``best`` when ``cut`` is empty
    (:func:`budget_effect`); ``value``, ``low``, ``high``: the best channel's return per dollar."""

    best: str
    cut: tuple[str, ...]
    gross_profit: bool
    value: float
    low: float
    high: float
    amount: float
    pooled: float
    gain: float
    confidence: str


def retarget_table(at_risk: pd.DataFrame, vip_min: float | None,
                   segments: tuple[str, ...] = RETARGET_SEGMENTS) -> pd.DataFrame:
    """The win-back list without its messages (docs/metrics.md, Recommendations).

    Churn-risk customers (lib.analytics.customers.churn_risk on scored customers) who are
    VIPs (revenue >= ``vip_min``; list :data:`VIP_LIST`) or in ``segments`` (list = their
    group). No contact details (they are in churn_risk_customers.csv only). Sorted by
    lifetime revenue.
    """
    if at_risk.empty:
        return pd.DataFrame(columns=["buyer_id", "display_name", "list", "segment", "revenue", "occasions",
                                     "days_since", "last_purchase"])
    seg = at_risk["segment"].astype("string")
    vip = at_risk["revenue"] >= vip_min if vip_min is not None else pd.Series(False, index=at_risk.index)
    keep = vip | seg.isin(segments).fillna(False)
    t = at_risk[keep]
    lst = np.where(vip[keep], VIP_LIST, seg[keep].to_numpy(dtype=object))
    out = pd.DataFrame({"buyer_id": t["buyer_id"].to_numpy(), "display_name": t["display_name"].to_numpy(),
                        "list": pd.array(lst, dtype="string"), "segment": seg[keep].to_numpy(),
                        "revenue": t["revenue"].round(2).to_numpy(), "occasions": t["occasions"].to_numpy(),
                        "days_since": t["days_since"].to_numpy(),
                        "last_purchase": t["last_purchase"].dt.strftime("%Y-%m-%d").to_numpy()})
    return out.sort_values(["revenue", "buyer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def win_back_table(occasions: pd.DataFrame, period_end: pd.Timestamp, users: pd.DataFrame | None = None,
                   churn_days: int = CHURN_DAYS) -> pd.DataFrame | None:
    """:func:`retarget_table` of the customers scored from the purchase occasions, with the revenue of the
    smallest VIP as the VIP limit (lib.analytics.customers; docs/metrics.md, Recommendations); None without
    customers. The per-customer tables are local: they go when this returns."""
    scored = customers.score_customers(customers.customer_table(occasions, period_end, users))
    if scored.empty:
        return None
    return retarget_table(customers.churn_risk(scored, churn_days), customers.vip_threshold(scored))


def retarget_effects(targets: pd.DataFrame, response_pct: float = 5.0,
                     min_customers: int = 1) -> list[RetargetEffect]:
    """One win-back effect per list of :func:`retarget_table`: churn-risk VIPs, then each group
    (docs/metrics.md, Recommendations).

    For a list with at least ``min_customers`` customers, ``gain`` (revenue a month) =
    customers x ``response_pct`` % (assumption) x their mean revenue per purchase day.
    Confidence medium with at least 20 customers (the group's value is measured, the
    response is assumed), else low.
    """
    if targets.empty:
        return []
    out = []
    for name in [VIP_LIST, *RETARGET_SEGMENTS]:
        t = targets[targets["list"] == name]
        if len(t) < min_customers:
            continue
        per_day = float(t["revenue"].sum() / t["occasions"].sum())
        ev = len(t) * response_pct / 100 * per_day
        conf = "medium" if len(t) >= 20 else "low"
        out.append(RetargetEffect(name, len(t), float(t["days_since"].median()), float(t["revenue"].sum()),
                                  per_day, ev, conf))
    return out


def budget_effect(boot: pd.DataFrame, best: str | None, cut: list[str], gross_profit: bool,
                  spend_by_channel: pd.Series, models_agree: bool = False,
                  shift_pct: float = 20.0) -> BudgetEffect | None:
    """Shifting marketing budget from channels that lose money to the one that pays back
    (lib.analytics.marketing; docs/metrics.md, Recommendations).

    ``boot`` is lib.analytics.marketing.bootstrap_roas by channel; ``best`` the channel
    that pays back with confidence, ``cut`` those that do not, ``gross_profit`` whether
    the returns are gross-profit ROAS (else revenue ROAS); ``spend_by_channel`` the
    monthly spend per channel. With channels to cut: move ``shift_pct`` % of their
    spend; ``gain`` = amount x (return per dollar of the best - pooled return of the cut
    channels). Without: raise the best by ``shift_pct`` %, ``gain`` = amount x (return - 1).
    None when there is no best channel or no positive amount and gain. Confidence high
    when ``models_agree`` (the Markov model ranks the same channel first), else medium.
    """
    if boot.empty or best is None:
        return None
    val, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gross_profit else ("roas", "roas_low", "roas_high")
    b = boot.set_index("channel")
    row = b.loc[best]
    conf = "high" if models_agree else "medium"
    if cut:
        c = b.loc[cut]
        amount = float(spend_by_channel.reindex(cut).fillna(0).sum()) * shift_pct / 100
        pooled = float(c["gross_profit" if gross_profit else "revenue"].sum() / c["spend"].sum())
        ev = amount * (float(row[val]) - pooled)
    else:
        amount = float(spend_by_channel.get(best, 0.0)) * shift_pct / 100
        pooled = np.nan
        ev = amount * (float(row[val]) - 1.0)
    if not (amount > 0 and ev > 0):
        return None
    return BudgetEffect(str(best), tuple(cut), gross_profit, float(row[val]), float(row[lo]), float(row[hi]),
                        amount, pooled, ev, conf)


# ---------------------------------------------------------------- ranking


def section_recommendations(recs: list[Recommendation], section: str) -> list[Recommendation]:
    """The recommendations of one notebook section, highest expected value first (ties: source, action;
    docs/metrics.md, Recommendations)."""
    return sorted((r for r in recs if r.section == section), key=lambda r: (-r.expected_value, r.source, r.action))


def section_total(recs: list[Recommendation], section: str) -> float:
    """Sum of the expected values of one section's recommendations (docs/metrics.md, Recommendations)."""
    return sum(r.expected_value for r in recs if r.section == section)


def section_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per section of :func:`recommendations_frame`: ``size`` (actions) and ``sum`` (expected value a month;
    docs/metrics.md, Recommendations)."""
    return frame.groupby("section")["expected_value"].agg(["size", "sum"])


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    """All fired recommendations as a table (recommendations.csv), ranked like :func:`top_actions`
    (docs/metrics.md, Recommendations)."""
    cols = ["section", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
    if not recs:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "expected_value" else "string") for c in cols})
    df = pd.DataFrame([{c: getattr(r, c) for c in cols} for r in recs])[cols]
    df = df.sort_values(["expected_value", "source", "action"], ascending=[False, True, True], kind="mergesort")
    df["expected_value"] = df["expected_value"].round(2)
    return df.reset_index(drop=True)


def top_actions(recs: list[Recommendation], n: int = 5) -> pd.DataFrame:
    """``top_actions.csv`` for the front page: the ``n`` recommendations with the highest expected value,
    ties broken by source then action (deterministic), ranked 1..n; columns :data:`TOP_ACTION_COLUMNS`
    (docs/metrics.md, Recommendations)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    df = recommendations_frame(recs).head(n).drop(columns="section")
    df.insert(0, "rank", pd.array(range(1, len(df) + 1), dtype="int64"))
    return df[TOP_ACTION_COLUMNS].reset_index(drop=True)
