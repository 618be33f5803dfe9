"""Folder layout and defaults of the report suite, as pathlib constants."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ROOT", "LIB_DIR", "NOTEBOOKS_DIR", "DATA_DIR", "SAMPLE_DIR",
    "CDNOW_DIR", "REPORTS_DIR", "CACHE_DIR", "BENCH_DIR", "TEMPLATES_DIR",
    "DEFAULT_TZ", "DEFAULT_CURRENCY", "LIVE_CHANNELS", "SHOW_GAP_MINUTES",
    "KERNEL_NAME", "CHURN_DAYS", "AGING_DAYS", "MIN_SHOWS", "SCATTER_SAMPLE", "TABLE_ROWS", "MAX_SHEET_ROWS",
    "DATE_RANGE",
]

ROOT = Path(__file__).resolve().parent.parent
LIB_DIR = ROOT / "lib"
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
CDNOW_DIR = DATA_DIR / "cdnow"
REPORTS_DIR = ROOT / "reports"
CACHE_DIR = Path(os.environ.get("LACELUXX_CACHE", ROOT / ".cache"))
BENCH_DIR = ROOT / "bench"
TEMPLATES_DIR = LIB_DIR / "run" / "templates"

DEFAULT_TZ = "America/New_York"
DEFAULT_CURRENCY = "USD"
#: the first and last day a date or timestamp of the input may fall on (docs/data-contract.md, Limits);
#: both YYYY-MM-DD and inside 1678-2261, the span a nanosecond timestamp can hold
DATE_RANGE = ("1900-01-01", "2100-12-31")
#: channels whose sales happen in live shows (docs/data-contract.md, shows)
LIVE_CHANNELS = ("whatnot", "instagram")
#: consecutive live sales less than this many minutes apart form one inferred show
SHOW_GAP_MINUTES = 30
#: a customer is at churn risk after more than this many days without a purchase (docs/metrics.md, Customers)
CHURN_DAYS = 90
#: stock is aged after more than this many days on the shelf (docs/metrics.md, Products and inventory)
AGING_DAYS = 90
#: a show slot or hour is ranked only with at least this many shows (docs/metrics.md, Sales timing)
MIN_SHOWS = 5
#: scatter charts draw at most this many points, a seeded random sample beyond it
SCATTER_SAMPLE = 5_000
#: rows a report table shows before saying how many there are
TABLE_ROWS = 25
#: rows of one sheet of the actions workbook at most (Excel holds 1,048,576; an owner's list is read from the top,
#: so a longer table keeps its first rows there, most valuable first, and all of them in its CSV)
MAX_SHEET_ROWS = 20_000
#: the Jupyter kernel registered for the project's virtualenv
KERNEL_NAME = "laceluxx"
