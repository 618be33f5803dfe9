"""The owner's words for an expected effect: gross profit a month (or once) with its 80% range (docs/metrics.md, Effects)."""

from __future__ import annotations

from lib.analytics.effects import LEVEL, Effect
from lib.narrative import fmt

__all__ = ["effect_phrase", "range_phrase"]


def range_phrase(effect: Effect, currency: str) -> str:
    """``80% range $1,200 to $3,400`` for an effect's interval (docs/metrics.md, Effects)."""
    return f"{LEVEL:.0%} range {fmt.money(effect.low, currency)} to {fmt.money(effect.high, currency)}"


def effect_phrase(effect: Effect, currency: str) -> str:
    """``About $2,300 more gross profit a month (80% range $1,200 to $3,400)``, or ``... once`` for a one-off,
    with the expected revenue beside it when known (docs/metrics.md, Effects)."""
    when = "once, in the next month" if effect.one_off else "a month"
    word = "more" if effect.gross_profit >= 0 else "less"
    text = (f"About {fmt.money(abs(effect.gross_profit), currency)} {word} gross profit {when} "
            f"({range_phrase(effect, currency)})")
    if effect.revenue is not None:
        text += f", on about {fmt.money(effect.revenue, currency)} of sales"
    return text + "."
