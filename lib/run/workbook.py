"""The owner's Excel workbook of a run: every action list and supporting table as one formatted sheet (docs/metrics.md, Action lists)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pandas as pd

from lib.config import MAX_SHEET_ROWS
from lib.narrative import fmt
from lib.report.outputs import MONEY_COLUMN as _MONEY
from lib.report.outputs import P_VALUE_COLUMN as _P
from lib.report.outputs import PCT_COLUMN as _PCT
from lib.report.outputs import SHARE_COLUMN as _SHARE
from lib.report.registry import ACTION_LISTS

__all__ = ["SHEET_ORDER", "column_kind", "column_title", "workbook_name", "write_workbook"]

#: the sheets that come first, in this order; the other tables follow by name
SHEET_ORDER = ("top_actions", "recommendations", "retargeting", *ACTION_LISTS)
_ID = re.compile(r"(^|_)id$|^sku$|^(buyer|seller|product|sale|order|inventory|campaign|user)_")
_DATE = re.compile(r"(^|_)(date|purchase|start|end|month)($|_)|_at$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_FORMAT = {"date": "yyyy-mm-dd", "money": "#,##0.00", "pct": "0.0", "share": "0.0%", "p": "0.00E+00", "count": "#,##0",
                  "number": "#,##0.00"}


def workbook_name(period: str) -> str:
    """``lace-luxx-<period>-actions.xlsx`` (docs/metrics.md, Run outputs)."""
    return f"lace-luxx-{period}-actions.xlsx"


def column_kind(name: str, values: pd.Series) -> str:
    """How a column is written: ``id`` and ``text`` as text (leading zeros kept), ``bool`` as yes/no, ``date``
    (ISO days) as dates, else ``money``, ``pct`` (0-100),
    ``share`` (0-1, shown as a percentage), ``p`` (p-values, 3 significant digits), ``count`` or ``number``."""
    if _ID.search(name):
        return "id"
    known = values.dropna()
    if len(known) and known.isin(["True", "False"]).all():
        return "bool"
    if _DATE.search(name) and len(known) and known.str.match(_ISO_DAY).all():
        return "date"
    num = pd.to_numeric(values, errors="coerce")
    if values.notna().any() and num[values.notna()].isna().any():
        return "text"
    if _P.search(name):
        return "p"
    if _PCT.search(name):
        return "pct"
    if _SHARE.search(name):
        return "share"
    if _MONEY.search(name):
        return "money"
    finite = num.dropna()
    if len(finite) and (finite == finite.round()).all():
        return "count"
    return "number"


column_title = fmt.column_title


def _sheet_title(name: str, used: set[str]) -> str:
    title = fmt.sheet_title(name).replace("%", "pct")
    title = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Sheet"
    base, i = title, 2
    while title.lower() in used:
        title = f"{base[:28]} {i}"
        i += 1
    used.add(title.lower())
    return title


def _cell_value(kind: str, v: str):
    if v == "":
        return None
    if kind in ("id", "text"):
        return v
    if kind == "bool":
        return "yes" if v == "True" else "no"
    if kind == "date":
        return datetime.date.fromisoformat(v)
    x = float(v)
    return int(x) if kind == "count" and x == int(x) else x


def write_workbook(run_dir: str | Path, period: str, max_rows: int = MAX_SHEET_ROWS) -> Path | None:
    """Write the run's workbook from ``tables/*.csv`` beside them; None when there is no table.

    One sheet per table (:data:`SHEET_ORDER` first): ids and text as text cells (never formulas: a text starting
    with ``=`` stays text), money with 2 decimals, percentages with 1, shares as %, p-values in 3 significant
    digits; a frozen bold header with readable titles and column widths set from the content. A table longer
    than ``max_rows`` keeps its first ``max_rows`` rows, then a last row that says how many there are and names
    the CSV with all of them. Written row by row (XlsxWriter's constant-memory mode), so memory does not grow
    with the rows (docs/metrics.md, Action lists).
    """
    import xlsxwriter

    run = Path(run_dir)
    files = {f.stem: f for f in sorted((run / "tables").glob("*.csv"))}
    if not files:
        return None
    order = [n for n in SHEET_ORDER if n in files] + sorted(n for n in files if n not in SHEET_ORDER)
    path = run / workbook_name(period)
    tmp = path.with_suffix(".xlsx.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = wb.add_format({"bold": True})
    text = wb.add_format({"num_format": "@"})
    number = {kind: wb.add_format({"num_format": f}) for kind, f in _NUMBER_FORMAT.items()}
    used: set[str] = set()
    for name in order:
        total = _csv_rows(files[name])
        df = pd.read_csv(files[name], dtype=str, keep_default_na=False, encoding="utf-8-sig", nrows=max_rows)
        ws = wb.add_worksheet(_sheet_title(name, used))
        cols = list(df.columns)
        kinds = [column_kind(c, df[c].replace("", None)) for c in cols]
        titles = [column_title(c) for c in cols]
        for j, c in enumerate(cols):
            longest = max([len(titles[j])] + [len(str(v)) for v in df[c].head(500)])
            ws.set_column(j, j, min(60, max(8, longest + 2)))
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, titles, bold)
        writers = [_writer(ws, k, text, number) for k in kinds]
        for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
            for j, v in enumerate(row):
                if v != "":
                    writers[j](i, j, kinds[j], v)
        if total > len(df):
            ws.write_string(len(df) + 1, 0, f"The first {len(df):,} of {total:,} rows; all are in tables/{name}.csv.",
                            text)
    wb.close()
    tmp.replace(path)
    return path


def _writer(ws, kind: str, text, number: dict):
    """The call that writes one non-empty cell of a column of ``kind`` (text cells never become formulas)."""
    if kind in ("id", "text", "bool"):
        return lambda i, j, k, v: ws.write_string(i, j, _cell_value(k, v), text)
    if kind == "date":
        return lambda i, j, k, v: ws.write_datetime(
            i, j, datetime.datetime.combine(_cell_value(k, v), datetime.time()), number["date"])
    fmt_ = number.get(kind)
    return lambda i, j, k, v: ws.write_number(i, j, _cell_value(k, v), fmt_)


def _csv_rows(path: Path) -> int:
    """Data rows of a CSV the run wrote (its header left out; quoted line breaks inside a cell are one row)."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)
