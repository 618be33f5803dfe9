"""One section of advice as its domain page computed it, handed to the recommendations page (docs/metrics.md, Recommendations)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lib.analytics.recommendations import Recommendation

__all__ = ["Advice"]


@dataclass
class Advice:
    """One section of advice as its domain notebook computed it: the fired recommendations, the small tables the
    recommendations page shows or charts, the evidence sentences, and the parts it could not compute (title,
    reason). The recommendations page reads it instead of computing it again, so both pages show the same numbers
    by construction."""

    section: str
    recs: list[Recommendation] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notebook: str = ""

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``name``, or None when the section did not compute it."""
        return self.tables.get(name)
