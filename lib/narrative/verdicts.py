"""The owner's sentences for the one verdict per brand, category and condition, and the brand buying actions (docs/metrics.md, Verdicts)."""

from __future__ import annotations

import math

import pandas as pd

from lib.analytics import verdicts
from lib.analytics.effects import LEVEL, worth_acting
from lib.analytics.recommendations import Recommendation
from lib.narrative import fmt
from lib.narrative.effects import effect_phrase

__all__ = ["ACTIONABLE", "TEST_TITLES", "group_label", "margin_clause", "speed_clause", "growth_clause",
           "profit_clause", "verdict_sentence", "verdict_lines", "verdict_actions", "verdict_view", "verdict_summary",
           "verdict_method", "verdict_tests", "buying_method", "buying_recommendations"]

#: verdicts that ask the owner to do something, in the order the pages list them
ACTIONABLE = ("buy more", "price up", "mark down", "buy less", "keep")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def group_label(name: object, dimension: str) -> str:
    """How a group is named in a sentence: the brand or category itself, ``condition S items`` for a condition."""
    return f"condition {name} items" if dimension == "condition" else str(name)


def margin_clause(row, level: float = 0.95) -> str:
    """``47.1% (95% range 45.9% to 48.3%) against the shop's 25.9%``."""
    if _missing(row["margin_pct"]):
        return "unknown (no cost basis)"
    ci = "" if _missing(row["margin_low"]) else \
        f" ({level:.0%} range {fmt.pct(row['margin_low'])} to {fmt.pct(row['margin_high'])})"
    return f"{fmt.pct(row['margin_pct'])}{ci} against the shop's {fmt.pct(row['shop_margin_pct'])}"


def speed_clause(row, level: float = 0.95) -> str:
    """``median 55 days to sell (95% range 48 to 63 days) against the shop's 56 days``; open ends said so."""
    lo = "?" if _missing(row["km_low"]) else f"{row['km_low']:.0f}"
    hi = "not reached" if _missing(row["km_high"]) else f"{row['km_high']:.0f} days"
    med = "not reached yet" if _missing(row["km_median_days"]) else fmt.days(row["km_median_days"])
    shop = "not reached" if _missing(row["shop_median_days"]) else fmt.days(row["shop_median_days"])
    return f"median {med} to sell ({level:.0%} range {lo} to {hi}) against the shop's {shop}"


def growth_clause(row) -> str:
    """The 3-month trend in words, its verdict without the test (that is :func:`verdict_tests`): ``47 sales in the
    last three months against 29 in the three before (+134.1% revenue, not yet clear)``."""
    g = row["growth"]
    if g == "too few sales":
        return "too few sales in the last six months to judge a trend"
    prev, last = int(row["sales_prev_3m"]), int(row["sales_last_3m"])
    how = {"growing": "a real rise", "shrinking": "a real fall", "growing, not yet clear": "not yet clear",
           "shrinking, not yet clear": "not yet clear"}.get(g, "no clear change")
    rev = "" if _missing(row["growth_3m_pct"]) else f"{fmt.signed_pct(row['growth_3m_pct'])} revenue, "
    return (f"{fmt.count(last, 'sale')} in the last three months against {prev} in the three before "
            f"({rev}{how})")


def _speed_words(row, level: float) -> str:
    s = row["speed_vs_shop"]
    if s in ("faster", "slower"):
        return f"sells {s}, {speed_clause(row, level)}"
    return f"sells at the shop's pace, {speed_clause(row, level)}, no clear difference"


def _margin_words(row, level: float) -> str:
    m = row["margin_vs_shop"]
    if m in ("higher", "lower"):
        return f"{m} margin, {margin_clause(row, level)}"
    return f"margin {margin_clause(row, level)}, no clear difference"


def profit_clause(row, currency: str = "USD", level: float = 0.95) -> str:
    """``$246 (95% range $221 to $271) against the shop's $207`` gross profit per item bought (unsold items earn 0)."""
    ci = "" if _missing(row["profit_low"]) else \
        f" ({level:.0%} range {fmt.money(row['profit_low'], currency)} to {fmt.money(row['profit_high'], currency)})"
    return (f"{fmt.money(row['profit_per_item'], currency)}{ci} against the shop's "
            f"{fmt.money(row['shop_profit_per_item'], currency)}")


def _keep_sentence(row, name: str, currency: str, level: float) -> str:
    up = row["rule_verdict"] == "buy less"
    held = str(row["held_back_by"])
    head = (f"Keep buying {name} as now{'' if up else ', no more'}: {_margin_words(row, level)}, and it "
            f"{_speed_words(row, level)}; but ")
    why = []
    if "profit" in held:
        why.append(f"each item bought earns {'more' if up else 'less'} gross profit, "
                   f"{profit_clause(row, currency, level)}")
    if "growth" in held:
        how = "is" if row["growth"] in ("growing", "shrinking") else "may be"
        why.append(f"demand {how} {'rising' if up else 'falling'}, {growth_clause(row)}")
    return head + "; and ".join(why) + "."


def verdict_sentence(row, currency: str = "USD", min_sales: int = 20, level: float = 0.95) -> str:
    """One group's verdict (a row of lib.analytics.verdicts.verdict_table) with the evidence behind it
    (docs/metrics.md, Verdicts); the verb comes first and names only this group."""
    name = group_label(row["group"], row["dimension"])
    v = row["verdict"]
    if v == "no verdict":
        if row["margin_vs_shop"] == "too few sales":
            return f"No verdict for {name}: {fmt.count(row['sales'], 'sale')}, fewer than the {min_sales} a verdict needs."
        return (f"No verdict for {name}: no clear difference from the shop in margin ({margin_clause(row, level)}) "
                f"or speed ({speed_clause(row, level)}).")
    if v == "keep":
        return _keep_sentence(row, name, currency, level)
    head = {"buy more": f"Buy more {name}", "buy less": f"Buy less {name}", "price up": f"Raise prices on {name}",
            "mark down": f"Mark down aged {name}"}[v]
    if v in ("buy more", "buy less"):
        body = (f"{_margin_words(row, level)}; it {_speed_words(row, level)}; each item bought earns a gross "
                f"profit of {profit_clause(row, currency, level)}")
    else:
        body = f"it {_speed_words(row, level)}; {_margin_words(row, level)}"
    return f"{head}: {body}; {growth_clause(row)}."


def verdict_lines(table: pd.DataFrame, currency: str = "USD", which: tuple[str, ...] = ACTIONABLE,
                  max_quiet: int = 12) -> list[str]:
    """The verdict table in sentences (docs/metrics.md, Verdicts): one :func:`verdict_sentence` per group whose
    verdict is in ``which`` (in that order, then by revenue), then one line naming the groups with no verdict
    (up to ``max_quiet`` names each for "no clear difference" and "too few sales")."""
    if table.empty:
        return ["Nothing to judge yet: no group has sales."]
    min_sales, level = table.attrs.get("min_sales", 20), table.attrs.get("level", 0.95)
    out = []
    for v in which:
        for _, r in table[table["verdict"] == v].iterrows():
            out.append(verdict_sentence(r, currency, min_sales, level))
    quiet = table[table["verdict"] == "no verdict"]
    if "no verdict" not in which and not quiet.empty:
        dim = str(table["dimension"].iloc[0])
        flat = quiet[quiet["margin_vs_shop"] != "too few sales"]
        few = quiet[quiet["margin_vs_shop"] == "too few sales"]
        if len(flat):
            names = _names([group_label(g, dim) for g in flat["group"]], max_quiet)
            out.append(f"No verdict for {names}: neither margin nor speed differs clearly from the shop's, so "
                       "nothing points to a change.")
        if len(few):
            names = _names([group_label(g, dim) for g in few["group"]], max_quiet)
            out.append(f"No verdict for {names}: fewer than {min_sales} sales each, too few to judge.")
    return out


def _names(names: list[str], limit: int) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1] if shown else ""
    return text + (f" and {more} more" if more > 0 else "")


def verdict_actions(table: pd.DataFrame, what: str, currency: str = "USD") -> tuple[str, list[str]]:
    """What the verdicts mean and what to do (docs/metrics.md, Verdicts): ``what`` names the groups
    ("brands", "categories", "conditions")."""
    min_sales = table.attrs.get("min_sales", 20)
    meaning = (f"Each of the {what} gets one verdict, the same on every page: a difference from the shop counts "
               f"only when its 95% range leaves out the shop's value (and the {what} have at least {min_sales} "
               "sales); growth can hold a verdict back.")
    acts = verdict_lines(table, currency)
    if not (table["verdict"].isin(ACTIONABLE)).any():
        acts.insert(0, f"None of the {what} differs clearly from the shop: keep the current mix.")
    return meaning, acts


def verdict_view(table: pd.DataFrame) -> pd.DataFrame:
    """The verdict table as shown on a page: the group (named after its dimension, or beside a ``dimension``
    column when the table has several), its verdict next to it, then the evidence (docs/metrics.md, Verdicts)."""
    dims = table["dimension"].dropna().unique()
    cols = ["group", "verdict", "margin_pct", "margin_vs_shop", "km_median_days", "speed_vs_shop", "growth_3m_pct",
            "growth", "profit_per_item", "profit_vs_shop", "sales"]
    if len(dims) > 1:
        return table[["dimension"] + cols]
    return table[cols].rename(columns={"group": str(dims[0]) if len(dims) else "group"})


#: column titles of :func:`verdict_tests` (shown in the method block)
TEST_TITLES = {"sales_prev_3m": "Sales, the three months before", "sales_last_3m": "Sales, last three months",
               "growth_3m_pct": "Revenue growth %", "growth": "Growth", "test": "Binomial test (p)"}


def verdict_method(table: pd.DataFrame) -> list[str]:
    """How the verdicts of ``table`` (lib.analytics.verdicts.verdict_table) were worked out, for the method block
    under the verdicts: the intervals, the median estimate, the growth test and the thresholds (docs/metrics.md,
    Verdicts)."""
    if table.empty:
        return []
    r = table.iloc[0]
    level = table.attrs.get("level", 0.95)
    min_sales, min_trend = table.attrs.get("min_sales", 20), table.attrs.get("min_trend_sales", 10)
    shop_days = "not reached" if _missing(r["shop_median_days"]) else fmt.days(r["shop_median_days"])
    return [f"Margin: summed gross profit over summed revenue of each group's sales, with a {level:.0%} confidence "
            f"interval by the delta method for a ratio, against the shop's {fmt.pct(r['shop_margin_pct'])} over all "
            "sales of known cost.",
            f"Days to sell: Kaplan-Meier median from listing (else acquisition) to first sale, items still unsold "
            f"censored at the period end, with its {level:.0%} confidence interval, against the shop's median of "
            f"{shop_days} over all items.",
            f"A margin or speed differs from the shop's only when its interval leaves out the shop's value, and only "
            f"for groups with at least {min_sales} sales.",
            f"Growth: two-sided exact binomial test that a group's sales split 50/50 between the last three months "
            f"and the three before (groups with at least {min_trend} sales in each window); "
            f"p < {verdicts.GROWTH_ALPHA:g} with revenue moving the same way is a real rise or fall, "
            f"p < {verdicts.BLOCK_ALPHA:g} is not yet clear and can still hold a buying verdict back to keep.",
            f"Gross profit per item bought: the mean over every item bought (unsold items earn 0) with a normal "
            f"{level:.0%} interval over items."]


def verdict_tests(table: pd.DataFrame) -> pd.DataFrame:
    """The growth tests behind the verdicts, one row per group that was tested (enough sales in both windows):
    group, verdict, sales in the two windows, revenue growth, growth label and the binomial test's p-value in words
    (``test``; titles in :data:`TEST_TITLES`; docs/metrics.md, Verdicts)."""
    t = table[table["growth"] != "too few sales"]
    dims = table["dimension"].dropna().unique()
    cols = ["group", "verdict", "sales_prev_3m", "sales_last_3m", "growth_3m_pct", "growth"]
    out = t[(["dimension"] if len(dims) > 1 else []) + cols].assign(
        test=[fmt.p_value(None if _missing(p) else float(p)) for p in t["growth_p_value"]])
    return out if len(dims) > 1 else out.rename(columns={"group": str(dims[0]) if len(dims) else "group"})


def verdict_summary(table: pd.DataFrame, one: str, many: str) -> str:
    """All verdicts of one table in one sentence, e.g. ``Verdicts for the 14 brands: buy more Hermès and Goyard;
    keep Louis Vuitton; no verdict for Coach.`` (docs/metrics.md, Verdicts)."""
    if table.empty:
        return f"No {many} to judge yet."
    dim = str(table["dimension"].iloc[0])
    parts = []
    for v in verdicts.VERDICTS:
        g = table.loc[table["verdict"] == v, "group"]
        if len(g):
            names = _names([group_label(x, dim) for x in g], 12)
            parts.append(f"{'no verdict for' if v == 'no verdict' else v} {names}")
    return f"Verdicts for the {fmt.count(len(table), one, many)}: " + \
        "; ".join(parts) + "."


def _move_words(e: verdicts.BuyingEffect, buy_shift_pct: float) -> str:
    """The assumption behind a buying effect, with the cap when the brands' own buying pace bounded it."""
    toward = "are these brands instead of average ones" if e.direction > 0 else "move from these brands to average ones"
    head = f"if {e.shift_items:,.0f} of the {e.pace:,.0f} items bought a month {toward}"
    if not e.capped:
        return f"{head} ({buy_shift_pct:g}%, an assumption)"
    if e.direction > 0:
        limit = (f"held to half as many again as the {e.group_pace:,.0f} a month these brands take now: good "
                 f"pieces of a strong brand are hard to source")
    else:
        limit = f"held to the {e.group_pace:,.0f} a month these brands take now, all of their buying"
    return (f"{head} (an assumption: {buy_shift_pct:g}% of the buying would be "
            f"{e.pace * buy_shift_pct / 100:,.0f} items, {limit})")


def buying_method(table: pd.DataFrame, draws: int = 2000, with_verdicts: bool = True) -> str:
    """The method text of a brand buying recommendation: how the verdicts were reached (:func:`verdict_method`;
    left out with ``with_verdicts`` False, for a page that shows it already) and where the effect's 80% range comes
    from (lib.analytics.verdicts.buying_effects; docs/metrics.md, Verdicts: brand buying effect)."""
    return " ".join((verdict_method(table) if with_verdicts else []) + [
        f"The effect's {LEVEL:.0%} range: {draws:,} bootstrap resamples of the items bought, drawn jointly for "
        "the brands named and the shop."])


def buying_recommendations(completed: pd.DataFrame, lifecycle: pd.DataFrame, period_end: pd.Timestamp,
                           currency: str, buy_shift_pct: float = 10.0, min_brand_sales: int = 20,
                           table: pd.DataFrame | None = None) -> list[Recommendation]:
    """Buy more of the "buy more" brands and less of the "buy less" brands of the brand verdict table
    (lib.analytics.verdicts.verdict_table and buying_effects; docs/metrics.md, Verdicts: brand buying effect).

    One recommendation per direction (section "Inventory", source "brands"); ``table`` is the brand verdict
    table when already computed. Confidence high when every brand named is clear on both margin and speed
    and the effect's interval excludes 0, medium when only the interval does, else low.
    """
    from lib.analytics.products import brand_column

    if table is None:
        table = verdicts.verdict_table(completed, lifecycle, period_end, brand_column(completed), min_brand_sales)
    out = []
    rows = table.set_index("group")
    draws = 2000
    for e in verdicts.buying_effects(table, completed, lifecycle, period_end, buy_shift_pct, draws):
        names = _names(list(e.groups), 12)
        if e.direction > 0:
            action = f"Buy more {names} instead of average brands."
        else:
            action = f"Buy less {names} and put the money into average or better brands."
        expected = (effect_phrase(e.effect, currency).rstrip(".") + f", {_move_words(e, buy_shift_pct)}; unsold "
                    "items count as earning nothing.")
        parts = []
        for g in e.groups[:5]:
            r = rows.loc[g]
            parts.append(f"{g}: margin {margin_clause(r)}, {speed_clause(r)}")
        both = all(rows.loc[g, "speed_vs_shop"] in ("faster", "slower") for g in e.groups)
        conf = "high" if both and worth_acting(e.effect) else ("medium" if worth_acting(e.effect) else "low")
        why = {"high": "every brand named differs clearly on margin and on speed, and the range excludes zero.",
               "medium": "the margin differs clearly and the range excludes zero, but speed shows no clear "
                         "difference for " + ("some of these brands." if len(e.groups) > 1 else "this brand."),
               "low": "the range of the effect includes zero."}[conf]
        evidence = ("; ".join(parts) + (f"; and {len(e.groups) - 5} more" if len(e.groups) > 5 else "") +
                    f". Gross profit per item bought: {fmt.money(e.profit_per_item, currency)} for these brands "
                    f"against {fmt.money(e.shop_profit_per_item, currency)} for the shop, and an item of these brands "
                    f"costs {fmt.money(e.cost_per_item, currency)} to buy against {fmt.money(e.shop_cost_per_item, currency)}"
                    f". Confidence {conf}: {why}")
        out.append(Recommendation("Inventory", action, expected, evidence, conf, "brands", effect=e.effect,
                                  method=buying_method(table, draws)))
    return out
