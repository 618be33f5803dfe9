"""Recommendations: rules with stated thresholds over the domain modules' results, ranked by expected value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import fmt, survival
from .rfm import SEGMENT_ACTIONS

__all__ = [
    "TOP_ACTION_COLUMNS", "RETARGET_SEGMENTS", "Recommendation", "show_slot_rule", "show_length_rule",
    "mann_whitney_vs_rest", "show_mix_table", "show_mix_rule", "aged_sale_rate", "markdown_rule", "bundle_rule", "brand_map",
    "items_per_month", "brand_buying_rule", "retarget_table", "retarget_rule", "budget_rule",
    "recommendations_frame", "top_actions", "section_summary", "recent_months",
]

#: columns of tables/top_actions.csv, read by the front page (lib.frontpage)
TOP_ACTION_COLUMNS = ["rank", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
#: RFM groups whose churn-risk members get a win-back message (issue 7)
RETARGET_SEGMENTS = ("Previously loyal", "At risk", "Almost lost")
_CONF_ORDER = {"high": 0, "medium": 1, "low": 2}

Money = Callable[[float], str]


@dataclass(frozen=True)
class Recommendation:
    """One action that met its rule's thresholds.

    ``expected_value`` is the expected revenue or gross-profit effect in one month,
    in the report currency (the sentence ``expected_effect`` says which), used for
    ranking; ``confidence`` is high/medium/low with its reason at the end of
    ``evidence``; ``source`` is the report the numbers come from.
    """

    section: str
    action: str
    expected_effect: str
    evidence: str
    confidence: str
    source: str
    expected_value: float

    def __post_init__(self) -> None:
        if self.confidence not in _CONF_ORDER:
            raise ValueError(f"confidence must be high, medium or low, got {self.confidence!r}")
        if not np.isfinite(self.expected_value):
            raise ValueError(f"expected_value must be a finite number, got {self.expected_value!r}")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def recent_months(frame: pd.DataFrame, period_end: pd.Timestamp, months: int = 3, col: str = "date") -> pd.DataFrame:
    """Rows of ``frame`` whose ``col`` falls in the ``months`` calendar months ending with period_end's month."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    end = pd.Timestamp(period_end).normalize()
    start = (end.to_period("M") - (months - 1)).to_timestamp()
    return frame[(frame[col] >= start) & (frame[col] < end + pd.Timedelta(days=1))]


# ---------------------------------------------------------------- live shows (sales_timing)


def show_slot_rule(slots: pd.DataFrame, shows: pd.DataFrame, money: Money, shows_to_move: int = 4,
                   min_shows: int = 5, level: float = 0.80) -> list[Recommendation]:
    """Move shows into the best start slot when its interval lies above the median ranked slot.

    ``slots`` is lib.shows.slot_stats, ``shows`` lib.shows.show_sessions. Fires when
    the best ranked slot's ``low`` exceeds the median revenue per show hour of the
    ranked slots. Expected value (revenue a month) = (best - median revenue per show
    hour) x mean show length in hours x ``shows_to_move``. Confidence high with at
    least 2 x ``min_shows`` shows in the slot, else medium.
    """
    if shows_to_move < 1:
        raise ValueError(f"shows_to_move must be at least 1, got {shows_to_move}")
    ranked = slots[slots["enough_shows"]].sort_values(["rank", "slot"], kind="mergesort")
    if len(ranked) < 2 or shows.empty:
        return []
    median = float(ranked["revenue_per_show_hour"].median())
    best = ranked.iloc[0]
    if not best["low"] > median:
        return []
    hours = float(shows.loc[shows["hours"] > 0, "hours"].mean())
    gain = (float(best["revenue_per_show_hour"]) - median) * hours * shows_to_move
    conf = "high" if best["shows"] >= 2 * min_shows else "medium"
    why = (f"{int(best['shows'])} shows in the slot" if conf == "high"
           else f"only {int(best['shows'])} shows in the slot")
    return [Recommendation(
        "Live shows", f"Move {shows_to_move} shows a month into the {best['slot']} slot.",
        f"About {money(gain)} more revenue a month than running them in an average slot.",
        f"{best['slot']} earned {money(best['revenue_per_show_hour'])} per show hour over "
        f"{int(best['shows'])} shows ({level:.0%} bootstrap interval {money(best['low'])} to "
        f"{money(best['high'])}), against {money(median)} for the median of {len(ranked)} ranked slots; "
        f"shows last {hours:.1f} hours on average. Confidence {conf}: the interval lies above the median, {why}.",
        conf, "sales_timing", gain)]


def show_length_rule(shows: pd.DataFrame, by_length: pd.DataFrame, money: Money, period_end: pd.Timestamp,
                     min_shows: int = 5, alpha: float = 0.05) -> list[Recommendation]:
    """Run shows of the length class that earns most per show hour, when it beats the usual length.

    ``by_length`` is lib.shows.revenue_by_show_length(shows) (its classes are
    re-derived here with the same bins). Among classes with at least ``min_shows``
    shows, the best by revenue per show hour is compared with the most common
    class by a two-sided Mann-Whitney U test on each show's revenue per hour; fires
    when they differ, the best is higher and p < ``alpha``. Expected value (revenue a
    month) = difference in revenue per show hour x hours on air of usual-length
    shows per month (mean of the last 3 months): the same hours in longer or
    shorter shows. Confidence high when p < alpha / 5, else medium.
    """
    from .shows import LENGTH_BINS

    ok = by_length[(by_length["shows"] >= min_shows) & by_length["revenue_per_show_hour"].notna()]
    if len(ok) < 2 or shows.empty:
        return []
    best = ok.sort_values(["revenue_per_show_hour", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    usual = ok.sort_values(["shows", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    if best["length"] == usual["length"]:
        return []
    s = shows[shows["hours"] > 0]
    labels = list(by_length["length"].astype(str))
    cls = pd.cut(s["hours"] * 60.0, bins=list(LENGTH_BINS), labels=labels, right=True, include_lowest=True)
    rph = s["revenue"] / s["hours"]
    a, b = rph[cls == best["length"]], rph[cls == usual["length"]]
    if len(a) < 2 or len(b) < 2:
        return []
    p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    if not p < alpha:
        return []
    recent = recent_months(s.assign(date=s["start"].dt.normalize(), cls=cls), period_end, 3)
    hours_month = float(recent.loc[recent["cls"] == usual["length"], "hours"].sum()) / 3
    diff = float(best["revenue_per_show_hour"] - usual["revenue_per_show_hour"])
    gain = diff * hours_month
    conf = "high" if p < alpha / 5 else "medium"
    return [Recommendation(
        "Live shows", f"Plan shows of {best['length']} instead of the usual {usual['length']}.",
        f"About {money(gain)} more revenue a month for the same {hours_month:.0f} hours on air.",
        f"{best['length']} shows earned {money(best['revenue_per_show_hour'])} per show hour "
        f"({int(best['shows'])} shows) against {money(usual['revenue_per_show_hour'])} for the "
        f"{int(usual['shows'])} {usual['length']} shows (Mann-Whitney U test on revenue per hour of each show, "
        f"{_p(p)}). Confidence {conf}: {_p(p)} against the {alpha:g} threshold.",
        conf, "sales_timing", gain)]


def mann_whitney_vs_rest(values: np.ndarray, keys: np.ndarray, groups: list) -> dict:
    """Two-sided Mann-Whitney U p-value of each group's values against all other values (NaN left out).

    Same result as ``scipy.stats.mannwhitneyu(group, rest)`` with its defaults, but the
    pooled ranks and the tie correction are computed once for all groups (normal
    approximation with continuity correction, as scipy uses when both samples have more
    than 8 values); scipy itself is called for smaller samples (its exact test). NaN
    when a side has fewer than 2 values; 1.0 when every value is tied.
    """
    ok = np.isfinite(values)
    v, k = values[ok], keys[ok]
    n = len(v)
    ranks = stats.rankdata(v) if n else v
    _, counts = np.unique(v, return_counts=True)
    tie = float((counts.astype("float64") ** 3 - counts).sum())
    out = {}
    for g in groups:
        m = k == g
        n1 = int(m.sum())
        n2 = n - n1
        if n1 < 2 or n2 < 2:
            out[g] = np.nan
        elif min(n1, n2) <= 8:
            out[g] = float(stats.mannwhitneyu(v[m], v[~m], alternative="two-sided").pvalue)
        else:
            u1 = float(ranks[m].sum()) - n1 * (n1 + 1) / 2
            u = max(u1, n1 * n2 - u1)
            sd = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1))))
            out[g] = 1.0 if sd == 0 else float(min(1.0, 2 * stats.norm.sf((u - n1 * n2 / 2 - 0.5) / sd)))
    return out


def show_mix_table(in_show: pd.DataFrame, key: str, min_group_sales: int = 30) -> pd.DataFrame:
    """Per ``key`` value among completed in-show sale lines: sales, revenue, gross profit, margin, median days
    to sell, and two-sided Mann-Whitney U tests against the rest of the show sales (days to sell; per-line
    margin). ``fast_and_profitable``: at least ``min_group_sales`` sales, margin at or above the show average
    and median days at or below the show median. Sorted by gross profit."""
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


def show_mix_rule(mix: pd.DataFrame, recent_gross_profit: pd.Series, money: Money, aged_counts: pd.Series | None,
                  feature_uplift_pct: float = 20.0, alpha: float = 0.05, label: str = "") -> list[Recommendation]:
    """Feature the in-show group (one ``key`` of :func:`show_mix_table`) that sells fastest at the best margin.

    Fires for the best ``fast_and_profitable`` group (by expected value) whose
    days-to-sell and margin tests against the other show sales both have p < ``alpha``
    (the claim is "faster and more profitable").
    Expected value (gross profit a month) = ``feature_uplift_pct`` % x the group's
    in-show gross profit per month over the last 3 months (``recent_gross_profit``,
    indexed by group): an assumption, stated in the sentence. ``aged_counts``
    (aged units on hand per group) names the aged items worth featuring first.
    Confidence high when both tests have p < alpha / 5, else medium.
    """
    if mix.empty or not mix["fast_and_profitable"].any():
        return []
    key = mix.attrs.get("key", "group")
    name = label or key.replace("_name", "")
    cand = mix[mix["fast_and_profitable"] & (mix["p_days"] < alpha) & (mix["p_margin"] < alpha)].copy()
    if cand.empty:
        return []
    cand["ev"] = cand["group"].map(recent_gross_profit).fillna(0.0).astype("float64") * feature_uplift_pct / 100
    cand = cand.sort_values(["ev", "group"], ascending=[False, True], kind="mergesort")
    r = cand.iloc[0]
    if not r["ev"] > 0:
        return []
    both = r["p_days"] < alpha / 5 and r["p_margin"] < alpha / 5
    conf = "high" if both else "medium"
    aged = int(aged_counts.get(r["group"], 0)) if aged_counts is not None else 0
    first = (f", starting with its {aged:,} aged units (listed over the aging limit, see markdown_candidates.csv)"
             if aged else "")
    return [Recommendation(
        "Live shows", f"Feature more {name} {r['group']} items in the next shows{first}.",
        f"About {money(r['ev'])} more gross profit a month if featuring lifts its show sales by "
        f"{feature_uplift_pct:g}% (assumption).",
        f"In shows, {name} {r['group']} sold in a median of {r['median_days']:.0f} days at a "
        f"{r['margin_pct']:.1f}% margin ({int(r['sales']):,} sales) against {mix.attrs['show_median_days']:.0f} days "
        f"and {mix.attrs['show_margin_pct']:.1f}% for all show sales (Mann-Whitney U tests: days {_p(r['p_days'])}, "
        f"margin {_p(r['p_margin'])}). Confidence {conf}: "
        + (f"both tests have p below {alpha / 5:g}." if both else f"both tests have p below {alpha:g}, "
           f"not both below {alpha / 5:g}."),
        conf, "sales_timing", float(r["ev"]))]


# ---------------------------------------------------------------- inventory (products_inventory, brands)


def aged_sale_rate(lifecycle: pd.DataFrame, period_end: pd.Timestamp, aging_days: int = 90,
                   window_days: int = 30) -> tuple[float | None, int]:
    """Share of items still unsold after ``aging_days`` that sold within the next ``window_days``.

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


def markdown_rule(cands: pd.DataFrame, rate: float | None, n_rate: int, money: Money, aging_days: int = 90,
                  min_items: int = 30) -> list[Recommendation]:
    """Apply the data-derived markdowns to aged stock (lib.inventory.markdown_candidates).

    Fires when at least one candidate has a markdown above 0%. Expected value
    (revenue a month) = sum of suggested price x units on hand of those items x
    ``rate``, the observed 30-day sale rate of items unsold after ``aging_days``
    (:func:`aged_sale_rate`). Confidence high when the rate rests on at least
    ``min_items`` x 3 items, medium with at least ``min_items``, else low.
    """
    if cands.empty or rate is None:
        return []
    md = cands[cands["markdown_pct"] > 0]
    if md.empty:
        return []
    value = float((md["suggested_price"] * md["units_on_hand"]).sum())
    ev = value * rate
    conf = "high" if n_rate >= 3 * min_items else ("medium" if n_rate >= min_items else "low")
    return [Recommendation(
        "Inventory", f"Mark down the {len(md):,} aged items in markdown_candidates.csv, oldest first "
                     f"(median {md['markdown_pct'].median():.0f}% off).",
        f"About {money(ev)} of revenue in the next month, and cash freed for fresh stock.",
        f"{len(md):,} items listed more than {aging_days} days are worth {money(value)} at the suggested prices; "
        f"items this old sold at a rate of {rate:.0%} in the following 30 days ({n_rate:,} items observed). "
        f"Confidence {conf}: the sale rate rests on {n_rate:,} items.",
        conf, "products_inventory", ev)]


def bundle_rule(cands: pd.DataFrame, months: float, money: Money, bundle_uptake_pct: float = 10.0,
                alpha: float = 0.05) -> list[Recommendation]:
    """Offer the strongest recommended pair of each kind (category, brand) as a bundle (lib.bundles).

    Expected value (revenue a month) = ``bundle_uptake_pct`` % (assumption) of the
    monthly occasions with item_a but without item_b (over ``months`` of history)
    x the mean revenue of an item_b purchase. Confidence high when p < alpha / 50
    and the pair has at least 30 joint occasions, else medium.
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
        what = {"category": "categories", "brand": "brands"}.get(str(kind), f"{kind} values")
        out.append(Recommendation(
            "Inventory", f"Offer {r['item_a']} + {r['item_b']} bundles ({what} bought together).",
            f"About {money(ev)} more revenue a month if {bundle_uptake_pct:g}% of the {a_only:,.0f} monthly "
            f"{r['item_a']}-only purchases add a {r['item_b']} (assumption).",
            f"{r['item_a']} and {r['item_b']} were bought together on {int(r['occasions']):,} occasions, "
            f"{r['lift']:.2f} times what chance predicts; {r['confidence']:.0%} of {r['item_a']} purchases "
            f"include {r['item_b']} (Fisher exact test {_p(r['p_value'])}). Confidence {conf}: "
            f"{int(r['occasions']):,} joint occasions.",
            conf, "recommendations", ev))
    return out


def brand_map(completed: pd.DataFrame, lifecycle: pd.DataFrame, min_brand_sales: int = 20) -> pd.DataFrame:
    """The brands report's map: lib.brands.brand_quadrants split at the overall margin and the overall
    Kaplan-Meier median days to sell, as notebooks/brands.ipynb computes them (section 2)."""
    from .brands import brand_performance, brand_quadrants

    perf = brand_performance(completed, lifecycle, min_brand_sales)
    known = completed[completed["gross_profit"].notna()]
    if perf["margin_pct"].notna().sum() < 2 or known["revenue"].sum() <= 0:
        return perf.iloc[0:0].assign(quadrant=pd.Series(dtype="string"), evidence=pd.Series(dtype="string"))
    margin_split = float(known["gross_profit"].sum() / known["revenue"].sum() * 100)
    days_split = survival.km_median(lifecycle["duration_days"], lifecycle["sold"])
    days_split = float(days_split) if days_split is not None else float(lifecycle["duration_days"].median())
    quad = brand_quadrants(perf, margin_split, days_split)
    quad.attrs.update(margin_split=margin_split, days_split=days_split)
    return quad


def items_per_month(lifecycle: pd.DataFrame, period_end: pd.Timestamp, months: int = 3) -> float:
    """Items whose clock started in the last ``months`` calendar months, per month (the buying pace)."""
    return float(len(recent_months(lifecycle, period_end, months, col="clock_start")) / months)


def brand_buying_rule(quad: pd.DataFrame, shelf: pd.DataFrame, bcol: str, pace: float, money: Money,
                      buy_shift_pct: float = 10.0) -> list[Recommendation]:
    """Buy more of the map's "buy more" brands and less of its "stop buying" brands (lib.brands).

    Only brands placed beyond chance on at least one axis and not ``uncertain``
    count (as lib.brands.map_actions). ``shelf`` is lib.brands.shelf_day_profit by
    brand; profit per item = profit / items (unsold items earn 0). Expected value
    (gross profit, per month of buying) = ``buy_shift_pct`` % of the ``pace`` items
    bought a month x the profit-per-item gap to the average brand. Fires only when
    that gap is positive. Confidence high when the brand's position is clear on
    both axes, else medium.
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
        names = list(gap.index[:3])
        ev = float(shift * gap.iloc[0])
        row = q.set_index("brand").loc[names[0]]
        conf = "high" if row["evidence"] == "clear" else "medium"
        verb = "Buy more" if sign > 0 else "Buy less"
        where = "instead of average brands" if sign > 0 else "and put the money into average or better brands"
        out.append(Recommendation(
            "Inventory", f"{verb} {', '.join(names)} {where}.",
            f"About {money(ev)} more gross profit per month of buying if {buy_shift_pct:g}% of the {pace:,.0f} "
            f"items bought a month move (first brand named).",
            f"{names[0]} earns {money(ppi[names[0]])} gross profit per item bought against {money(overall)} for all "
            f"brands; margin {row['margin_pct']:.1f}% (95% CI {row['margin_low']:.1f} to {row['margin_high']:.1f}) "
            f"against {quad.attrs.get('margin_split', np.nan):.1f}% overall, median "
            f"{fmt.days(pd.to_numeric(row['km_median_days'], errors='coerce'))} to sell against "
            f"{fmt.days(quad.attrs.get('days_split'))} (brand map quadrant '{label}'). Confidence {conf}: position "
            + ("clear on margin and speed." if conf == "high"
               else f"clear on one axis only ({row['evidence']})."),
            conf, "brands", ev))
    return out


# ---------------------------------------------------------------- marketing (customers, marketing)


def retarget_table(at_risk: pd.DataFrame, vip_min: float | None,
                   segments: tuple[str, ...] = RETARGET_SEGMENTS) -> pd.DataFrame:
    """The win-back list: churn-risk customers (lib.customers.churn_risk on scored customers) who are VIPs
    (revenue >= ``vip_min``) or in ``segments``, with their group's message. No contact details
    (they are in churn_risk_customers.csv only). Sorted by lifetime revenue."""
    if at_risk.empty:
        return pd.DataFrame(columns=["buyer_id", "display_name", "list", "segment", "revenue", "occasions",
                                     "days_since", "last_purchase", "message"])
    seg = at_risk["segment"].astype("string")
    vip = at_risk["revenue"] >= vip_min if vip_min is not None else pd.Series(False, index=at_risk.index)
    keep = vip | seg.isin(segments).fillna(False)
    t = at_risk[keep]
    lst = np.where(vip[keep], "Churn-risk VIP", seg[keep].to_numpy(dtype=object))
    msg = [("Personal message from the owner with hand-picked new arrivals" if s == "Churn-risk VIP"
            else SEGMENT_ACTIONS[s]) for s in lst]
    out = pd.DataFrame({"buyer_id": t["buyer_id"].to_numpy(), "display_name": t["display_name"].to_numpy(),
                        "list": pd.array(lst, dtype="string"), "segment": seg[keep].to_numpy(),
                        "revenue": t["revenue"].round(2).to_numpy(), "occasions": t["occasions"].to_numpy(),
                        "days_since": t["days_since"].to_numpy(),
                        "last_purchase": t["last_purchase"].dt.strftime("%Y-%m-%d").to_numpy(), "message": msg})
    return out.sort_values(["revenue", "buyer_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def retarget_rule(targets: pd.DataFrame, money: Money, churn_days: int = 90, response_pct: float = 5.0,
                  min_customers: int = 1) -> list[Recommendation]:
    """One win-back action per list of :func:`retarget_table` (churn-risk VIPs, then each group).

    Fires for a list with at least ``min_customers`` customers. Expected value
    (revenue a month) = customers x ``response_pct`` % (assumption) x their mean
    revenue per purchase day. Confidence medium with at least 20 customers (the
    group's value is measured, the response is assumed), else low.
    """
    if targets.empty:
        return []
    out = []
    order = ["Churn-risk VIP", *RETARGET_SEGMENTS]
    for name in order:
        t = targets[targets["list"] == name]
        if len(t) < min_customers:
            continue
        per_day = float(t["revenue"].sum() / t["occasions"].sum())
        ev = len(t) * response_pct / 100 * per_day
        conf = "medium" if len(t) >= 20 else "low"
        who = "churn-risk VIPs" if name == "Churn-risk VIP" else f"'{name}' customers"
        msg = t["message"].iloc[0]
        out.append(Recommendation(
            "Marketing", f"Win back the {len(t):,} {who}: {msg[0].lower()}{msg[1:].rstrip('.')}.",
            f"About {money(ev)} of revenue a month if {response_pct:g}% of them buy once more (assumption).",
            f"The {len(t):,} {who} have not bought for more than {churn_days} days (median "
            f"{t['days_since'].median():.0f} days), "
            f"spent {money(t['revenue'].sum())} in all and {money(per_day)} per purchase day. "
            f"Confidence {conf}: their value is measured on {len(t):,} customers but the response rate is assumed.",
            conf, "customers", ev))
    return out


def budget_rule(boot: pd.DataFrame, advice, spend_by_channel: pd.Series, money: Money,
                shift_pct: float = 20.0) -> list[Recommendation]:
    """Shift marketing budget from channels that lose money to the one that pays back (lib.marketing).

    ``boot`` is lib.marketing.bootstrap_roas by channel, ``advice`` its
    lib.marketing.budget_advice, ``spend_by_channel`` the monthly spend per channel.
    Fires when a channel pays back with confidence (``advice.best``) and others do
    not (``advice.cut``): move ``shift_pct`` % of their spend; expected value (gross
    profit a month, revenue when costs are unknown) = amount x (return per dollar
    of the best - pooled return of the cut channels). Without channels to cut it
    suggests raising the best by ``shift_pct`` % when that earns more than it costs.
    Confidence high when the Markov model ranks the same channel first (noted in
    the advice), else medium.
    """
    if boot.empty or advice.best is None:
        return []
    gp = advice.measure == "gross-profit ROAS"
    val, lo, hi = ("gp_roas", "gp_roas_low", "gp_roas_high") if gp else ("roas", "roas_low", "roas_high")
    b = boot.set_index("channel")
    best = b.loc[advice.best]
    agree = any("also ranks" in s for s in advice.sentences)
    conf = "high" if agree else "medium"
    unit = "gross profit" if gp else "revenue"
    base = (f"{advice.best} returned {best[val]:.2f} in {unit} per dollar (90% bootstrap interval "
            f"{best[lo]:.2f} to {best[hi]:.2f}, last touch)")
    if advice.cut:
        cut = b.loc[advice.cut]
        amount = float(spend_by_channel.reindex(advice.cut).fillna(0).sum()) * shift_pct / 100
        pooled = float(cut["gross_profit" if gp else "revenue"].sum() / cut["spend"].sum())
        ev = amount * (float(best[val]) - pooled)
        if not (amount > 0 and ev > 0):
            return []
        names = ", ".join(advice.cut[:3])
        return [Recommendation(
            "Marketing", f"Move {money(amount)} a month of ad budget from {names} to {advice.best}.",
            f"About {money(ev)} more {unit} a month for the same spend (average returns; the next dollar "
            "usually returns less).",
            f"{base}; {names} returned {pooled:.2f} per dollar and even the top of their interval is below "
            f"break-even. Confidence {conf}: "
            + ("the Markov model ranks the same channel first." if agree
               else "the ranking may change with the attribution model."),
            conf, "marketing", ev)]
    amount = float(spend_by_channel.get(advice.best, 0.0)) * shift_pct / 100
    ev = amount * (float(best[val]) - 1.0)
    if not (amount > 0 and ev > 0):
        return []
    return [Recommendation(
        "Marketing", f"Raise the {advice.best} budget by {shift_pct:g}% ({money(amount)} a month).",
        f"About {money(ev)} more {unit} a month after paying for the extra spend (average returns; the next "
        "dollar usually returns less).",
        f"{base}. Confidence {conf}: "
        + ("the Markov model ranks the same channel first." if agree
           else "the ranking may change with the attribution model."),
        conf, "marketing", ev)]


# ---------------------------------------------------------------- ranking


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    """All fired recommendations as a table (recommendations.csv), ranked like :func:`top_actions`."""
    cols = ["section", "action", "expected_effect", "evidence", "confidence", "source", "expected_value"]
    if not recs:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "expected_value" else "string") for c in cols})
    df = pd.DataFrame([asdict(r) for r in recs])[cols]
    df = df.sort_values(["expected_value", "source", "action"], ascending=[False, True, True], kind="mergesort")
    df["expected_value"] = df["expected_value"].round(2)
    return df.reset_index(drop=True)


def top_actions(recs: list[Recommendation], n: int = 5) -> pd.DataFrame:
    """``top_actions.csv`` for the front page: the ``n`` recommendations with the highest expected value,
    ties broken by source then action (deterministic), ranked 1..n; columns :data:`TOP_ACTION_COLUMNS`."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    df = recommendations_frame(recs).head(n).drop(columns="section")
    df.insert(0, "rank", pd.array(range(1, len(df) + 1), dtype="int64"))
    return df[TOP_ACTION_COLUMNS].reset_index(drop=True)


def section_summary(recs: list[Recommendation], section: str, money: Money,
                    nothing: str = "") -> tuple[str, list[str]]:
    """(meaning, actions) of a notebook section from the rules that fired in it; says so when none did."""
    mine = [r for r in recs if r.section == section]
    if not mine:
        return (nothing or f"No {section.lower()} rule met its threshold this month, so nothing is recommended "
                "here.", ["Keep the current plan; the rules are checked again next month."])
    total = sum(r.expected_value for r in mine)
    label = {"Live shows": "live-show"}.get(section, section.lower())
    n = len(mine)
    meaning = (f"{n} {label} action{'s' if n != 1 else ''} met {'their thresholds' if n != 1 else 'its threshold'}, "
               f"worth about {money(total)} a month {'together ' if n != 1 else ''}in revenue or gross profit "
               "(each estimate states what it counts and its assumption).")
    return meaning, [f"{r.action} {r.expected_effect}" for r in
                     sorted(mine, key=lambda r: (-r.expected_value, r.source, r.action))]
