"""Report period windows: the month reported, the month before, the default period (docs/metrics.md, Period)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["Period", "period_from_label", "default_period", "months_spanned"]


@dataclass(frozen=True)
class Period:
    """A calendar month ``period_start``..``period_end`` inclusive (docs/metrics.md, Period).

    Timestamps are naive business-local; ``end`` is the last day at midnight and
    ``end_exclusive`` the first instant of the next month.
    """

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    @property
    def previous(self) -> Period:
        return period_from_label((self.start - pd.Timedelta(days=1)).strftime("%Y-%m"))

    @property
    def next(self) -> Period:
        return period_from_label(self.end_exclusive.strftime("%Y-%m"))

    def contains(self, ts: pd.Series) -> pd.Series:
        """Boolean mask of timestamps inside the period."""
        return (ts >= self.start) & (ts < self.end_exclusive)


def period_from_label(label: str) -> Period:
    """Parse ``YYYY-MM`` into a Period; a plain message on anything else."""
    if not isinstance(label, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label.strip()):
        raise ValueError(f"period must look like YYYY-MM (e.g. 2026-10), got {label!r}")
    start = pd.Timestamp(label.strip() + "-01")
    end = start + pd.offsets.MonthEnd(0)
    return Period(label.strip(), start, pd.Timestamp(end))


def default_period(timestamps: pd.Series) -> Period:
    """Last complete month in the data (docs/metrics.md, Period).

    The month of the latest timestamp counts as complete only when that
    timestamp falls on the month's last day; otherwise the month before it.
    """
    ts = pd.to_datetime(timestamps).dropna()
    if ts.empty:
        raise ValueError("no dated rows: cannot choose a default period; pass PERIOD=YYYY-MM")
    last = ts.max()
    p = period_from_label(last.strftime("%Y-%m"))
    return p if last.normalize() == p.end else p.previous


def months_spanned(timestamps: pd.Series) -> tuple[Period, Period] | None:
    """The months of the first and the last timestamp (docs/metrics.md, Period); None without a dated row.

    A report period must lie in this range unless an empty report is asked for (README, Parameters).
    """
    ts = pd.to_datetime(timestamps).dropna()
    if ts.empty:
        return None
    return period_from_label(ts.min().strftime("%Y-%m")), period_from_label(ts.max().strftime("%Y-%m"))
