"""Recommendations: one action with its effect (gross profit a month or once, 80% interval) and their ranking (docs/metrics.md, Recommendations' effects).

Each domain computes its own rule's effect (lib.analytics.effects.Effect) in its own modules; this
module only holds the action and ranks them on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.analytics.effects import LEVEL, Effect, effects_total, worth_acting

__all__ = ["TOP_ACTION_COLUMNS", "RECOMMENDATION_COLUMNS", "UNITS", "Recommendation", "top_action_note",
           "section_recommendations", "section_total", "section_totals", "recommendations_frame", "top_actions",
           "top_total"]

#: columns of tables/top_actions.csv, read by the front page (lib.run.frontpage); the effect's columns follow
TOP_ACTION_COLUMNS = ["rank", "action", "expected_effect", "evidence", "confidence", "source", "expected_value",
                      "effect_kind", "expected_low", "expected_high", "expected_revenue", "capped_by", "unit", "method"]
#: columns of tables/recommendations.csv
RECOMMENDATION_COLUMNS = ["section", "action", "expected_effect", "evidence", "confidence", "source",
                          "expected_value", "effect_kind", "expected_low", "expected_high", "expected_revenue",
                          "capped_by", "unit", "top_action", "note", "method"]
#: what an effect counts: gross profit, or revenue when the data have no costs
UNITS = ("gross profit", "revenue")
_CONF_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Recommendation:
    """One action that met its rule's thresholds (docs/metrics.md, Recommendations).

    ``effect`` is the expected gross profit a month (or once) with its 80% interval
    (lib.analytics.effects.Effect); ``expected_value`` is its ``gross_profit``, used for ranking.
    ``unit`` is "gross profit", or "revenue" when the data have no costs (the effect then
    counts revenue, says so, and is left out of every gross-profit total). ``confidence`` is
    high/medium/low with its reason at the end of ``evidence``; ``source`` is the report the
    numbers come from. The text fields (``action``, ``expected_effect``, ``evidence`` in plain words,
    ``method``: the tests and models behind it, shown on demand) are written by the narrative layer.
    """

    section: str
    action: str
    expected_effect: str
    evidence: str
    confidence: str
    source: str
    effect: Effect
    unit: str = "gross profit"
    method: str = ""
    expected_value: float = field(init=False)

    def __post_init__(self) -> None:
        if self.confidence not in _CONF_ORDER:
            raise ValueError(f"confidence must be high, medium or low, got {self.confidence!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {self.unit!r}")
        if not isinstance(self.effect, Effect):
            raise TypeError(f"effect must be a lib.analytics.effects.Effect, got {type(self.effect).__name__}")
        object.__setattr__(self, "expected_value", float(self.effect.gross_profit))


# ---------------------------------------------------------------- ranking


def _order(r: Recommendation) -> tuple:
    return (-r.expected_value, r.source, r.action)


def top_action_note(r: Recommendation) -> str:
    """Why an action may not be a top action, or "" when it may: its effect must round to at least 1 and its
    interval exclude 0 (lib.analytics.effects.worth_acting; docs/metrics.md, Recommendations' effects)."""
    if round(r.effect.gross_profit) < 1:
        return "not a top action: its effect rounds to zero or less"
    if not worth_acting(r.effect):
        return f"not a top action: its {LEVEL:.0%} range includes zero"
    return ""


def section_recommendations(recs: list[Recommendation], section: str) -> list[Recommendation]:
    """The recommendations of one notebook section, highest expected gross profit first (ties: source, action;
    docs/metrics.md, Recommendations)."""
    return sorted((r for r in recs if r.section == section), key=_order)


def section_total(recs: list[Recommendation], section: str) -> tuple[float, float]:
    """(gross profit a month, gross profit once) of one section's recommendations counted in gross profit;
    revenue-only effects are never added (docs/metrics.md, Recommendations' effects)."""
    mine = [r for r in recs if r.section == section and r.unit == "gross profit"]
    return (float(sum(r.expected_value for r in mine if not r.effect.one_off)),
            float(sum(r.expected_value for r in mine if r.effect.one_off)))


def section_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per section of :func:`recommendations_frame`: ``size`` (actions), ``monthly`` and ``one_off`` (expected
    gross profit of the actions counted in gross profit) and ``revenue_only`` (actions counted in revenue, never
    summed; docs/metrics.md, Recommendations' effects)."""
    gp = frame["unit"] == "gross profit"
    once = frame["effect_kind"] == "one-off"
    t = pd.DataFrame({"section": frame["section"], "monthly": frame["expected_value"].where(gp & ~once, 0.0),
                      "one_off": frame["expected_value"].where(gp & once, 0.0), "revenue_only": ~gp})
    return t.groupby("section").agg(size=("monthly", "size"), monthly=("monthly", "sum"),
                                    one_off=("one_off", "sum"), revenue_only=("revenue_only", "sum"))


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    """All fired recommendations as a table (recommendations.csv; columns :data:`RECOMMENDATION_COLUMNS`),
    ranked by expected gross profit (ties: source, action); ``top_action`` says whether it may be a top action
    and ``note`` why not (:func:`top_action_note`; docs/metrics.md, Recommendations' effects)."""
    money = ("expected_value", "expected_low", "expected_high", "expected_revenue")
    if not recs:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in money else ("bool" if c == "top_action"
                                                                                else "string"))
                             for c in RECOMMENDATION_COLUMNS})
    rows = []
    for r in sorted(recs, key=_order):
        e, note = r.effect, top_action_note(r)
        rows.append({"section": r.section, "action": r.action, "expected_effect": r.expected_effect,
                     "evidence": r.evidence, "confidence": r.confidence, "source": r.source,
                     "expected_value": round(e.gross_profit, 2),
                     "effect_kind": "one-off" if e.one_off else "per month",
                     "expected_low": round(e.low, 2), "expected_high": round(e.high, 2),
                     "expected_revenue": np.nan if e.revenue is None else round(e.revenue, 2),
                     "capped_by": e.capped_by or "", "unit": r.unit, "top_action": not note, "note": note, "method": r.method})
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)


def top_actions(recs: list[Recommendation], n: int = 5) -> pd.DataFrame:
    """``top_actions.csv`` for the front page: the ``n`` recommendations with the highest expected gross profit
    among those that may be top actions (:func:`top_action_note`), ties broken by source then action, ranked
    1..n; columns :data:`TOP_ACTION_COLUMNS` (docs/metrics.md, Recommendations' effects)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    df = recommendations_frame(recs)
    df = df[df["top_action"].astype(bool)].head(n)
    df.insert(0, "rank", pd.array(range(1, len(df) + 1), dtype="int64"))
    return df[TOP_ACTION_COLUMNS].reset_index(drop=True)


def top_total(top: pd.DataFrame) -> tuple[float, float, float]:
    """(gross profit, low, high) of the top actions counted in gross profit, monthly and one-off alike (one
    month's worth; lib.analytics.effects.effects_total; docs/metrics.md, Recommendations' effects)."""
    gp = top[top["unit"] == "gross profit"]
    return effects_total([Effect(float(r.expected_value), float(r.expected_low), float(r.expected_high))
                          for r in gp.itertuples()])
