"""Alt text of the charts, built from the numbers each chart draws: one sentence a screen reader reads out."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["describe", "described", "figure_alt", "series_alt", "bars_alt", "grid_alt", "points_alt", "label"]

#: the alt text each plot function attached to its Axes (weak keys: a closed figure takes its text with it)
_ALT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def describe(ax, text: str):
    """Attach ``text`` as the alt text of the chart drawn on ``ax``; returns ``ax`` (the plot functions' last call)."""
    _ALT[ax] = " ".join(str(text).split())
    return ax


def described(ax) -> str | None:
    """The alt text attached to ``ax`` by :func:`describe`, or None."""
    return _ALT.get(ax)


def _fallback(ax) -> str:
    """What an Axes without attached text says: its title and axis names (never empty for a titled chart)."""
    parts = [ax.get_title(), ax.get_xlabel() and f"across: {ax.get_xlabel()}",
             ax.get_ylabel() and f"up: {ax.get_ylabel()}"]
    return " ".join("; ".join(p.replace("\n", " ") for p in parts if p).split())


def figure_alt(fig) -> str:
    """The alt text of a figure: the text of each chart on it in reading order ("Chart 1 of 2: ..."), colour
    bars and twin axes left out; "Chart" when nothing on the figure is titled."""
    seen, texts = set(), []
    for ax in fig.axes:
        if ax in seen or getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>":
            continue
        twins = set(ax._twinned_axes.get_siblings(ax)) - {ax}
        seen |= twins | {ax}
        text = next((described(a) for a in [ax, *twins] if described(a)), None) or _fallback(ax)
        if text:
            texts.append(text)
    if len(texts) > 1:
        return " ".join(f"Chart {i} of {len(texts)}: {t}" for i, t in enumerate(texts, 1))
    return texts[0] if texts else "Chart"


def label(value) -> str:
    """A category or date as a reader says it: a month (or "2025-12") as "Dec 2025", a day as "3 Mar 2026", else
    its text."""
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return f"{ts:%b %Y}" if ts.day == 1 and ts.hour == 0 else f"{ts.day} {ts:%b %Y}"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):  # a month label, "2025-12"
        return f"{pd.Timestamp(value + '-01'):%b %Y}"
    return str(value)


def _pairs(labels: Sequence, values: Sequence[float]) -> list[tuple[str, float]]:
    vals = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(dtype=float)
    return [(label(lab), v) for lab, v in zip(labels, vals, strict=True) if np.isfinite(v)]


def series_alt(title: str, x: Sequence, y: Sequence[float], fmt: Callable[[float], str], last: bool = True) -> str:
    """A line or column series over time: "Revenue by month, Nov 2024 to Oct 2026, highest Dec 2025 at $388,880,
    lowest ... at ..., last ... at ..." (the span, the extremes and the latest value)."""
    p = _pairs(x, y)
    if not p:
        return f"{title}: no values to show."
    hi = max(p, key=lambda t: t[1])
    lo = min(p, key=lambda t: t[1])
    text = f"{title}, {p[0][0]} to {p[-1][0]}, highest {hi[0]} at {fmt(hi[1])}, lowest {lo[0]} at {fmt(lo[1])}"
    if last and p[-1][0] not in (hi[0], lo[0]):
        text += f", last {p[-1][0]} at {fmt(p[-1][1])}"
    return text + "."


def bars_alt(title: str, labels: Sequence, values: Sequence[float], fmt: Callable[[float], str],
             named: int = 3) -> str:
    """Bars by category: "Revenue by brand, 15 bars: highest Chanel at $12,400, then Gucci at $9,100 and Prada at
    $8,000; lowest Fendi at $1,200." (the ``named`` largest, and the smallest)."""
    p = _pairs(labels, values)
    if not p:
        return f"{title}: no values to show."
    ranked = sorted(p, key=lambda t: -t[1])
    top = [f"{lab} at {fmt(v)}" for lab, v in ranked[:named]]
    text = f"{title}, {len(p)} bar{'s' if len(p) != 1 else ''}: highest {top[0]}"
    if len(top) > 1:
        text += ", then " + (" and ".join(top[1:]) if len(top) == 2 else ", ".join(top[1:-1]) + " and " + top[-1])
    if len(ranked) > named:
        text += f"; lowest {ranked[-1][0]} at {fmt(ranked[-1][1])}"
    return text + "."


def grid_alt(title: str, grid: pd.DataFrame, fmt: Callable[[float], str], rows: str, cols: str) -> str:
    """A heat map: "<title>, <rows> <first> to <last> by <cols> <first> to <last>; highest <row>, <col> at v;
    lowest <row>, <col> at v." (empty cells left out)."""
    g = grid.apply(pd.to_numeric, errors="coerce")
    stacked = g.stack().dropna()
    if not len(stacked):
        return f"{title}: no values to show."
    (r_hi, c_hi), (r_lo, c_lo) = stacked.idxmax(), stacked.idxmin()
    return (f"{title}, {rows} {label(g.index[0])} to {label(g.index[-1])} by {cols} {label(g.columns[0])} to "
            f"{label(g.columns[-1])}; highest {label(r_hi)}, {label(c_hi)} at {fmt(stacked.max())}; lowest "
            f"{label(r_lo)}, {label(c_lo)} at {fmt(stacked.min())}.")


def points_alt(title: str, n: int, x_name: str, x: Sequence[float], x_fmt: Callable[[float], str], y_name: str,
               y: Sequence[float], y_fmt: Callable[[float], str]) -> str:
    """A scatter: "<title>, <n> points; <x name> from a to b (median m), <y name> from c to d (median e)."."""
    xs = pd.to_numeric(pd.Series(list(x), dtype="object"), errors="coerce").dropna()
    ys = pd.to_numeric(pd.Series(list(y), dtype="object"), errors="coerce").dropna()
    if not len(xs) or not len(ys):
        return f"{title}: no points to show."
    return (f"{title}, {n:,} point{'s' if n != 1 else ''}; {x_name} from {x_fmt(xs.min())} to {x_fmt(xs.max())} "
            f"(median {x_fmt(xs.median())}), {y_name} from {y_fmt(ys.min())} to {y_fmt(ys.max())} "
            f"(median {y_fmt(ys.median())}).")
