"""Formatting for the owner: currency, percentages, counts, escaped text."""

from __future__ import annotations

import html
import math

__all__ = ["source_label", "count", "money", "pct", "num", "esc", "signed_pct", "days", "p_value"]

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(x: float | None, currency: str = "USD", decimals: int = 0) -> str:
    """``$12,345`` style amount; ``n/a`` for a missing value."""
    if _missing(x):
        return "n/a"
    sym = _SYMBOLS.get(currency.upper(), currency.upper() + " ")
    sign = "-" if x < 0 else ""
    return f"{sign}{sym}{abs(x):,.{decimals}f}"


def pct(x: float | None, decimals: int = 1) -> str:
    """``12.3%`` from a value already in percent (0-100)."""
    return "n/a" if _missing(x) else f"{x:,.{decimals}f}%"


def signed_pct(x: float | None, decimals: int = 1) -> str:
    """``+12.3%`` / ``-4.0%`` from a value in percent."""
    return "n/a" if _missing(x) else f"{x:+,.{decimals}f}%"


def num(x: float | None, decimals: int = 0) -> str:
    """``1,234`` style count."""
    return "n/a" if _missing(x) else f"{x:,.{decimals}f}"


def days(x: float | None) -> str:
    """``34 days`` or ``n/a``."""
    return "n/a" if _missing(x) else f"{x:,.0f} day{'s' if round(x) != 1 else ''}"


def count(n: float, word: str, plural: str | None = None) -> str:
    """``1 customer`` / ``3 customers`` / ``1,204 boxes`` (with ``plural="boxes"``), thousands separated."""
    return f"{num(n)} {word if n == 1 else (plural or word + 's')}"


def p_value(p: float | None, spec: str = ".2g", missing: str = "p not available") -> str:
    """``p < 0.001``, else ``p = `` and ``p`` formatted with ``spec`` (``.2g``: ``p = 0.042``); ``missing`` for None or NaN.

    The sales-timing sentences use ``spec=".3f", missing="p not computable"`` (``p = 0.410``).
    """
    if _missing(p):
        return missing
    return "p < 0.001" if p < 0.001 else f"p = {p:{spec}}"


def source_label(source: str) -> str:
    """The data source as a page shows it: a folder or file by its own name, never the machine's path.

    ``/home/ann/shop/data`` -> ``data``; ``sqlite:////srv/x/shop.db`` -> ``shop.db (SQLite)``; other database
    URLs (already masked) are kept, as they hold no path of this machine.
    """
    if source.startswith("sqlite:"):
        name = source.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return f"{name} (SQLite)" if name else "SQLite database"
    if "://" in source:
        return source
    return source.rstrip("/").rsplit("/", 1)[-1] or source


def esc(text: object) -> str:
    """HTML-escape user-supplied text (names, products, campaigns)."""
    return html.escape("" if text is None else str(text), quote=True)
