"""Formatting for the owner: currency, percentages, counts, escaped text."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["source_label", "count", "money", "pct", "num", "esc", "signed_pct", "days", "p_value", "month", "day",
           "moment", "yes_no", "sheet_title", "sheet", "column_title", "COLUMN_TITLES"]

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


def month(label: str) -> str:
    """``October 2026`` for a period label ``2026-10``; any other text is returned as it is."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(label).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return str(label)
    return f"{date(int(m.group(1)), int(m.group(2)), 1):%B %Y}"


def day(d: date | datetime) -> str:
    """``31 Oct 2026``: the one date format of every page header and footer."""
    return f"{d.day} {d:%b %Y}"


def moment(when: datetime | str | None, tz_name: str) -> str:
    """``4 Nov 2026, 09:30 EST``: a time (aware, or naive UTC, or ISO text) in the business time zone ``tz_name``,
    in the :func:`day` format; ``n/a`` when missing."""
    if when is None or when == "":
        return "n/a"
    t = datetime.fromisoformat(when) if isinstance(when, str) else when
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    local = t.astimezone(ZoneInfo(tz_name))
    return f"{day(local)}, {local:%H:%M} {local.tzname()}"


def yes_no(v: object) -> str:
    """A true/false value as the owner reads it: ``yes`` / ``no`` (``–`` when missing)."""
    if v is None or _missing(v):
        return "–"
    try:
        return "yes" if bool(v) else "no"
    except (TypeError, ValueError):  # pd.NA
        return "–"


#: words a sheet or column title spells its own way
_TITLE_WORDS = {"id": "ID", "vip": "VIP", "roas": "ROAS", "pct": "%", "clv": "value", "12m": "12 months",
                "30d": "30 days", "90d": "90 days"}


def sheet_title(name: str) -> str:
    """The title a table is known by on a page and in the actions workbook: ``vip_customers`` -> ``VIP customers``."""
    words = [_TITLE_WORDS.get(w, w) for w in str(name).split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


#: whole column names an owner reads in other words (pages and the actions workbook; a page may pass its own)
COLUMN_TITLES = {
    "roas": "sales per ad dollar", "roas_low": "sales per ad dollar, low", "roas_high": "sales per ad dollar, high",
    "gp_roas": "gross profit per ad dollar", "gp_roas_low": "gross profit per ad dollar, low",
    "gp_roas_high": "gross profit per ad dollar, high",
    "p_pays_back": "chance it pays back", "p_alive": "chance still active", "p_sell_30d": "chance to sell in 30 days",
    "p_buy_30d": "chance to buy in 30 days", "expected_90d": "expected purchases in 90 days",
    "clv_12m": "expected value, 12 months", "km_median_days": "median days to sell", "censored": "still unsold",
    "ci_low": "low end", "ci_high": "high end", "lift": "times more often than chance", "support": "share of orders",
    "confidence": "share of first-item orders with the second", "occasions": "purchase days",
    "display_name": "customer", "days_since": "days since last purchase", "mape_pct": "average miss %",
    "conversion_rate_pct": "conversion %", "p_value": "test (p)", "q_value": "test after many tries (q)",
}
_COLUMN_WORDS = {"id": "ID", "pct": "%", "roas": "sales per ad dollar", "gp": "gross profit", "km": "",
                 "clv": "value", "12m": "12 months", "30d": "30 days", "90d": "90 days", "vip": "VIP"}


def column_title(name: object) -> str:
    """The column title an owner reads, on a page and in the actions workbook: :data:`COLUMN_TITLES`, else the
    name's words (``buyer_id`` -> ``Buyer ID``, ``margin_pct`` -> ``Margin %``)."""
    key = str(name)
    if key in COLUMN_TITLES:
        text = COLUMN_TITLES[key]
    else:
        text = " ".join(w for w in (_COLUMN_WORDS.get(w, w) for w in key.split("_") if w) if w)
    return text[:1].upper() + text[1:]


def sheet(name: str) -> str:
    """Where a page points for all rows of a table the run writes: ``the Markdown candidates sheet of the actions
    workbook`` (the workbook holds every table of tables/ as a sheet; docs/metrics.md, Action lists)."""
    return f"the {sheet_title(name)} sheet of the actions workbook"


def esc(text: object) -> str:
    """HTML-escape user-supplied text (names, products, campaigns)."""
    return html.escape("" if text is None else str(text), quote=True)
