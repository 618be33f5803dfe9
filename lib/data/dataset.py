"""The validated input tables, the errors reading them raises, and the data layer's shared constants (docs/data-contract.md, Column types)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ID_DTYPE", "TEXT_DTYPE", "MAX_LINES", "MAX_QUOTED", "MAX_FIELD_BYTES", "MAX_COLUMNS", "QUALITY_COLUMNS",
           "shorten_values", "Problem", "ContractError", "Dataset"]

#: dtype of id columns: text, missing = ``pd.NA`` ("00042" and "42" stay distinct)
ID_DTYPE = pd.StringDtype("pyarrow")
#: dtype of text columns: text, missing = ``NaN`` (pandas' "str")
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
#: a problem lists at most this many line numbers, then a count (docs/data-contract.md, When the input breaks the contract)
MAX_LINES = 20
#: a message quotes at most this many characters of a value, then its length (docs/data-contract.md, Limits)
MAX_QUOTED = 80
#: the most one cell may hold, in bytes (docs/data-contract.md, Limits)
MAX_FIELD_BYTES = 1_000_000
#: the most columns one file or table may have (docs/data-contract.md, Limits)
MAX_COLUMNS = 1_000
#: columns of Dataset.quality (docs/data-contract.md, Data-quality summary)
QUALITY_COLUMNS = ["table", "action", "reason", "rows"]


# a value quoted in a message: 'text' or "text" (as repr writes it), not an apostrophe inside a word
_QUOTED = re.compile(r"""(?<![\w'"])(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")(?!\w)""")


def _cut(m: re.Match) -> str:
    single = m.group(1) is not None
    text = m.group(1) if single else m.group(2)
    if len(text) <= MAX_QUOTED:
        return m.group(0)
    q = "'" if single else '"'
    return f"{q}{text[:MAX_QUOTED]}...{q} ({len(text):,} characters)"


def shorten_values(text: str) -> str:
    """``text`` with every quoted value longer than MAX_QUOTED characters cut: ``'aaaa...' (200,000 characters)``."""
    return _QUOTED.sub(_cut, text) if ("'" in text or '"' in text) else text


@dataclass(frozen=True)
class Problem:
    """One broken hard rule, located in the input (docs/data-contract.md, When the input breaks the contract)."""

    file: str
    column: str | None
    rule: str
    lines: tuple[int, ...] = ()
    n_lines: int = 0
    detail: str = ""
    source: str | None = None  # the user's column name when a mapping renamed it

    def message(self, max_lines: int = MAX_LINES) -> str:
        """Plain-language message naming file, line(s), column (and mapped source column) and rule.

        Every quoted value is cut to MAX_QUOTED characters (docs/data-contract.md, Limits).
        """
        where = self.file
        if self.lines:
            shown = ", ".join(str(n) for n in self.lines[:max_lines])
            more = self.n_lines - min(len(self.lines), max_lines)
            where += f", line{'s' if self.n_lines > 1 else ''} {shown}"
            if more > 0:
                where += f" and {more} more"
        col = f", column '{self.column}'" if self.column else ""
        if self.column and self.source:
            col += f" (source '{self.source}')"
        detail = f" ({self.detail})" if self.detail else ""
        return shorten_values(f"{where}{col}: {self.rule}{detail}")


class ContractError(Exception):
    """Input breaks the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.message() for p in self.problems))


@dataclass
class Dataset:
    """Typed contract tables plus what reading and validating did to them.

    Attributes
    ----------
    tables : dict of contract table name -> DataFrame, only the tables present.
        IDs are pandas ``string`` dtype, money ``float64``, integers ``int64``,
        dates ``datetime64[ns]`` at midnight, timestamps ``datetime64[ns]`` naive
        in business-local time (``tz_name``; offsets converted first).
    quality : DataFrame with columns ``table, action, reason, rows`` where action
        is ``read``, ``repaired``, ``defaulted`` or ``excluded``.
    fingerprint : sha256 hex of the input (files' bytes, mapping, tz).
    source : human description of the source (path or URL without password).
    mapping : path of the mapping.yaml used, or None.
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    fingerprint: str
    source: str
    tz_name: str
    mapping: str | None = None
    notes: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        """True when every named table is present."""
        return all(n in self.tables for n in names)
