"""Shared start of every report notebook: load data, pick the period, display helpers."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from lib.config import DEFAULT_CURRENCY, DEFAULT_TZ, MAX_SHEET_ROWS, TABLE_ROWS
from lib.data import derived
from lib.data.cache import (
    cached_derived,
    release_tables,
)
from lib.data.dataset import Dataset
from lib.data.derived import LINE_TABLES, period_lifecycle_file, period_lines_file
from lib.data.engine import Engine, period_engine
from lib.data.load import run_dataset
from lib.data.periods import Period, default_period, period_from_label
from lib.narrative import fmt
from lib.narrative.advice import Advice
from lib.report.outputs import PARTS_DIR, RunOutput
from lib.report.privacy import page_text
from lib.report.results import advice_or_compute
from lib.report.version import code_version

__all__ = ["Report", "start_report", "say", "insight", "what_to_do", "show_table", "skipped", "header_html",
           "footer_html", "table_note", "sales_lines_read", "PRIVATE_COLUMNS", "GLOSSARY_PAGE", "table_html", "method",
           "method_html", "METHOD_SUMMARY"]

#: the run's page explaining the words that remain in the reports (lib.run.glossary writes it)
GLOSSARY_PAGE = "glossary.html"

#: input tables joined into the sale lines: their copies go once the lines are built (read again if asked for)
JOINED_INTO_LINES = LINE_TABLES
#: contact columns that never appear in HTML or executed notebooks (only in action CSVs), by lower-case name
PRIVATE_COLUMNS = ("email", "e_mail", "email_address", "phone", "phone_number", "mobile", "telephone", "address")


def _display_html(html: str, metadata: dict | None = None) -> None:
    from IPython.display import HTML, display
    display(HTML(html), metadata=metadata) if metadata else display(HTML(html))


#: the report of this kernel (set by start_report): show_table names a CSV only when this report wrote it
_current: list[Report] = []


@dataclass
class Report:
    """Everything a report notebook needs: data, period, outputs, formatting.

    The period's sale lines are built once per input and period by DuckDB straight into the cache
    (:meth:`lines_file`, docs/data-contract.md, Sale lines). Read what a section needs, not the whole wide
    frame: ``rep.engine`` for SQL reductions over the ``lines`` view, ``rep.lines_columns(["date", "revenue"])``
    (``completed=True`` for the completed lines only) for a few columns in pandas, ``rep.lines`` /
    ``rep.completed`` only where every column is needed.
    """

    name: str
    title: str
    ds: Dataset
    period: Period
    currency: str
    out: RunOutput
    params: dict = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.ds.tables

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """All sale lines up to period_end, enriched (lib.data.derived.sale_lines).

        Completed lines come first, then the others, each in the input order, so that
        :attr:`completed` is a slice of these lines rather than a second copy of a
        million rows (issue 8). The sales, products, inventory and brands tables are then released
        (``JOINED_INTO_LINES``): the lines hold what they gave, and a later use reads them again from the cache.
        """
        self.lines_file()
        lines = cached_derived(self.ds, self.period.label, "lines", self._compute_lines)
        self._n_completed = int(lines["is_completed"].sum())  # completed lines come first
        self.release(*JOINED_INTO_LINES)
        return lines

    def lines_columns(self, columns: list[str], completed: bool = False) -> pd.DataFrame:
        """Only ``columns`` of :attr:`lines` (``completed=True``: only the rows of :attr:`completed`), in the same
        order and with the same values and dtypes, read alone from the cached Parquet lines: a notebook that needs
        a few columns never holds the whole wide frame (issue 20). A column the lines lack is an error."""
        columns = list(columns)
        if "lines" in self.__dict__:
            src = self.completed if completed else self.lines
            return src[columns]
        path = self.lines_file()
        missing = [c for c in columns if path is not None and c not in pq.read_schema(path).names]
        if missing:  # an unknown column is an error, never a reason to derive the lines again
            raise KeyError(f"the sale lines have no column {', '.join(missing)}")
        read = columns if not completed or "is_completed" in columns else [*columns, "is_completed"]
        df = cached_derived(self.ds, self.period.label, "lines", self._compute_lines, columns=read)
        if completed:
            df = df.iloc[: int(df["is_completed"].to_numpy(dtype=bool).sum())]  # completed lines come first
        return df[columns]

    def lines_file(self) -> Path | None:
        """The period's cached sale lines as a Parquet file, built by DuckDB straight from the cached tables when
        it is not there yet (lib.data.derived.write_sale_lines: never held in pandas); None for a dataset held in
        memory, whose lines :attr:`lines` builds in pandas."""
        return period_lines_file(self.ds, self.period.label, self.period.end_exclusive)

    def _compute_lines(self) -> pd.DataFrame:
        s = derived.sale_lines(self.ds.tables, until=self.period.end_exclusive)
        keep = (s["date_sold"] < self.period.end_exclusive).to_numpy()
        done = s["is_completed"].to_numpy(dtype=bool)
        first, rest = np.flatnonzero(keep & done), np.flatnonzero(keep & ~done)
        lines = s.take(np.concatenate([first, rest])).reset_index(drop=True)
        del s
        return lines

    @functools.cached_property
    def completed(self) -> pd.DataFrame:
        """Completed sale lines up to period_end (history): the first rows of :attr:`lines`, no copy."""
        lines = self.lines
        return lines.iloc[: self._n_completed]

    @functools.cached_property
    def occasions(self) -> pd.DataFrame:
        """Purchase occasions up to period_end (computed once per input and period: lib.data.cache.cached_derived)."""
        return cached_derived(self.ds, self.period.label, "occasions", lambda: derived.purchase_occasions(self.lines))

    @functools.cached_property
    def lifecycle(self) -> pd.DataFrame:
        """Product lifecycles at period_end (needs inventory; computed once per input and period): built by DuckDB
        straight into the cache (:meth:`lifecycle_file`); in pandas from :attr:`lines` only for a dataset held in
        memory (lib.data.derived.product_lifecycle)."""
        self.lifecycle_file()
        return cached_derived(self.ds, self.period.label, "lifecycle",
                              lambda: derived.product_lifecycle(self.ds.tables, self.lines, self.period.end))

    def lifecycle_file(self) -> Path | None:
        """The period's cached product lifecycles as a Parquet file, built by DuckDB from the cached tables and
        sale lines when it is not there yet (lib.data.derived.write_product_lifecycle: never held in pandas); None
        for a dataset held in memory or without inventory, whose lifecycles :attr:`lifecycle` builds in pandas."""
        return period_lifecycle_file(self.ds, self.period.label, self.period.end)

    @functools.cached_property
    def engine(self) -> Engine:
        """A DuckDB engine over this period's cached sale lines (view ``lines``; lib.data.engine.period_engine):
        the SQL reductions of lib.analytics.reductions read it without holding the lines in memory (issue 20)."""
        self.lines_file()
        return period_engine(self.ds, self.period.label, {"lines": self._compute_lines})

    def forget(self, *names: str) -> None:
        """Drop the named derived frames (``lines``, ``completed``, ``occasions``, ``lifecycle``) once
        no later section needs them (issue 8); asking for one again recomputes it, same values."""
        for name in names:
            if name not in ("lines", "completed", "occasions", "lifecycle"):
                raise ValueError(f"Report.forget: {name!r} is not a derived frame of the report")
            self.__dict__.pop(name, None)
            if name == "lines":
                self.__dict__.pop("completed", None)  # a slice of the lines: it would keep them alive

    def take(self, name: str) -> pd.DataFrame | None:
        """Hand an input table over to the caller: it is returned and the dataset lets its copy go, so a
        notebook holds one copy of a large table such as the touchpoints (issue 8); ``None`` when absent."""
        table = self.ds.tables.get(name)
        self.release(name)
        return table

    def take_derived(self, name: str) -> pd.DataFrame:
        """Hand a derived frame (``lines``, ``completed``, ``occasions``, ``lifecycle``) over to the caller:
        it is returned (computed if need be) and the report forgets it (:meth:`forget`), so the frame goes
        as soon as the caller lets it go (issue 8); asking for it again recomputes it, same values."""
        frame = getattr(self, name) if name in ("lines", "completed", "occasions", "lifecycle") else None
        self.forget(name)
        return frame

    def release(self, *names: str) -> None:
        """Let the named input tables go once the derived frames no longer need them (issue 8).

        Tables are read lazily from the validated Parquet cache, so a released table is
        simply read again if something asks for it later: releasing never changes a
        result, it only lowers the kernel's memory. Tables held in a plain dict (no
        cache) are kept (lib.data.cache.release_tables).
        """
        release_tables(self.ds, *names)

    def money(self, x: float | None, decimals: int = 0) -> str:
        return fmt.money(x, self.currency, decimals)

    def save_advice(self, advice: Advice) -> None:
        """Hand one section of advice to the recommendations page and the front page (results flow once;
        docs/metrics.md, Run outputs); nothing is written without a run folder."""
        self.out.add_advice(advice, self.ds.fingerprint)

    def advice(self, section: str, compute: Callable[[], Advice]) -> Advice:
        """The advice of ``section`` its domain notebook saved in this run from the same data, else ``compute()``
        (the function that notebook calls, for a notebook opened on its own)."""
        parts = self.out.dir / PARTS_DIR if self.out.dir is not None else None
        return advice_or_compute(parts, section, compute, self.ds.fingerprint)


def start_report(name: str, title: str, data: str = "", period: str = "", output_dir: str = "",
                 tz_name: str = DEFAULT_TZ, currency: str = DEFAULT_CURRENCY,
                 show_header: bool = True, **params) -> Report:
    """Load the data (cached), resolve the period and show the report header.

    ``data`` empty means the shipped sample data; ``period`` empty means the
    last complete month in the data; ``output_dir`` empty writes nothing.
    """
    ds = run_dataset(data, tz_name)
    if period:
        p = period_from_label(period)
    else:
        p = default_period(ds.tables["sales"]["date_sold"])
    rep = Report(name=name, title=title, ds=ds, period=p, currency=currency or DEFAULT_CURRENCY,
                 out=RunOutput(output_dir, name), params=params)
    _current[:] = [rep]
    if show_header:  # the footer travels in the output's metadata: the page template puts it at the bottom
        _display_html(header_html(rep), {"ll_footer": footer_html(rep)})
    return rep


def sales_lines_read(quality: pd.DataFrame) -> int:
    """Sale lines read from the input, from the data-quality rows (no table is loaded) (docs/data-contract.md,
    Data-quality summary)."""
    if quality is None or not len(quality):
        return 0
    q = quality
    read = q[(q["table"] == "sales") & (q["action"] == "read") & q["reason"].astype(str).str.startswith("rows read")]
    return int(read["rows"].sum())


def header_html(rep: Report, now: datetime | None = None) -> str:
    """The report header as the owner reads it: title and month ("October 2026"), the period's days, the data
    by its short name and size ("sample (6,000 sales lines)"), when it was made in the business time zone
    (lib.narrative.fmt.moment), the cells repaired, and the glossary; the fingerprint and code version are in
    :func:`footer_html`."""
    q = rep.ds.quality
    rep_n = int(q.loc[q["action"].isin(["repaired", "defaulted"]), "rows"].sum()) if len(q) else 0
    when = fmt.moment(now or datetime.now(UTC), rep.ds.tz_name)
    size = fmt.count(sales_lines_read(q), "sales line")
    return (
        f'<div class="ll-header"><h1>{page_text(rep.title)}: {fmt.esc(fmt.month(rep.period.label))}</h1>'
        f"<p><b>Period:</b> {fmt.day(rep.period.start)} to {fmt.day(rep.period.end)} &middot; "
        f"<b>Data:</b> {page_text(fmt.source_label(rep.ds.source))} ({size}) &middot; "
        f"<b>Made:</b> {fmt.esc(when)} &middot; <b>Cells repaired or filled in:</b> {rep_n:,} &middot; "
        f'<a href="{GLOSSARY_PAGE}">What the words mean</a></p></div>'
    )


def footer_html(rep: Report) -> str:
    """The small footer of a report page: the data's fingerprint and the code version, for whoever checks a
    run against another (docs/metrics.md, Run outputs)."""
    return (f'<footer class="ll-footer"><p>Data fingerprint {fmt.esc(rep.ds.fingerprint[:12])} &middot; '
            f"code version {fmt.esc(code_version())} &middot; "
            f'<a href="{GLOSSARY_PAGE}">What the words mean</a> &middot; <a href="index.html">All reports</a></p>'
            "</footer>")


def say(text: str, kind: str = "p") -> None:
    """Show one escaped paragraph of plain text (contact details masked)."""
    _display_html(f"<{kind}>{page_text(text)}</{kind}>")


def insight(*sentences: str) -> None:
    """Show computed insight sentences as a highlighted list (contact details masked)."""
    items = "".join(f"<li>{page_text(s)}</li>" for s in sentences if s)
    _display_html(f'<div class="ll-insight"><b>What the data says</b><ul>{items}</ul></div>')


def what_to_do(meaning: str, actions: list[str] | str) -> None:
    """The section's closing box: what this means, what to do (both computed text, contact details masked)."""
    if isinstance(actions, str):
        actions = [actions]
    items = "".join(f"<li>{page_text(a)}</li>" for a in actions if a)
    _display_html(
        f'<div class="ll-todo"><p><b>What this means:</b> {page_text(meaning)}</p>'
        f"<p><b>What to do:</b></p><ul>{items}</ul></div>"
    )


def skipped(section: str, reason: str) -> None:
    """Say that a section cannot run on this data, and why (contact details masked)."""
    _display_html(f'<div class="ll-skip"><b>{page_text(section)} skipped:</b> {page_text(reason)}</div>')


def _written_table(df: pd.DataFrame, csv: str) -> str | None:
    """The name of the table of this run that holds every row of ``df``: ``csv`` when the report writes one
    (a run folder is set), else a table already written with the same rows and all of ``df``'s columns."""
    rep = _current[0] if _current else None
    if rep is None or rep.out.dir is None:
        return None
    if csv:
        return csv
    cols = {str(c) for c in df.columns}
    for name, (rows, written_cols) in rep.out.written.items():
        if rows == len(df) and cols <= set(written_cols):
            return name
    return None


def table_note(shown: int, total: int, table: str | None) -> str:
    """The line under a cut table: how many rows it shows, and where all of them are - the workbook sheet and
    the CSV by name - only when ``table`` (a table the run writes) is given; a sheet holds at most
    :data:`lib.config.MAX_SHEET_ROWS` rows, and the note says so when the table has more."""
    head = f"Showing the first {shown:,} of {total:,} rows"
    if not table:
        return head + "."
    if total > MAX_SHEET_ROWS:
        return (f"{head}; the first {MAX_SHEET_ROWS:,} are on the {fmt.sheet_title(table)} sheet of the actions "
                f"workbook, all {total:,} in tables/{table}.csv.")
    return (f"{head}; all {total:,} are on the {fmt.sheet_title(table)} sheet of the actions workbook "
            f"(tables/{table}.csv).")


def _shown_cell(v):
    """A cell as text: booleans as yes/no (never True/False on a page)."""
    return fmt.yes_no(v) if isinstance(v, (bool, np.bool_)) else v


def table_html(df: pd.DataFrame, money_cols: tuple[str, ...] = (), pct_cols: tuple[str, ...] = (),
               int_cols: tuple[str, ...] = (), currency: str = DEFAULT_CURRENCY,
               max_rows: int = TABLE_ROWS, caption: str = "", csv: str = "",
               titles: dict[str, str] | None = None) -> str:
    """A formatted, escaped table as HTML, at most ``max_rows`` rows with a note (:func:`table_note`) that names
    the CSV holding all rows - ``csv``, the name the notebook writes with ``rep.out.write_table``, or a table
    already written with the same rows - and only then; column headers in the owner's words
    (``titles``, else :func:`lib.narrative.fmt.column_title`); booleans as yes/no; contact columns
    (:data:`PRIVATE_COLUMNS`) dropped, contact details in headers, cells and caption masked."""
    d = df.drop(columns=[c for c in df.columns
                         if re.sub(r"[\s-]+", "_", str(c).strip().lower()) in PRIVATE_COLUMNS])
    n = len(d)
    table = _written_table(df, csv) if n > max_rows else None
    d = d.head(max_rows).copy()
    for c in d.columns:
        if pd.api.types.is_bool_dtype(d[c]) or d[c].dtype == object:
            d[c] = d[c].map(_shown_cell)
        if c in money_cols:
            d[c] = d[c].map(lambda v: fmt.money(v, currency))
        elif c in pct_cols:
            d[c] = d[c].map(fmt.pct)
        elif c in int_cols:
            d[c] = d[c].map(fmt.num)
        elif pd.api.types.is_datetime64_any_dtype(d[c]):
            d[c] = d[c].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(d[c]):
            d[c] = d[c].map(lambda v: fmt.num(v, 2))
    numeric = {c for c in df.columns if c in money_cols or c in pct_cols or c in int_cols
               or (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))}
    num_cls = ' class="num"'
    titles = titles or {}

    def _cell(v) -> str:
        return "–" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else page_text(v)

    head = "".join(f"<th{num_cls if c in numeric else ''}>{page_text(titles.get(c) or fmt.column_title(c))}</th>"
                   for c in d.columns)
    rows = []
    for rec in d.itertuples(index=False):
        tds = "".join(f"<td{num_cls if c in numeric else ''}>{_cell(v)}</td>"
                      for c, v in zip(d.columns, rec, strict=True))
        rows.append(f"<tr>{tds}</tr>")
    cap = f"<caption>{page_text(caption)}</caption>" if caption else ""
    body = f'<table class="ll-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    note = f'<p class="ll-note">{page_text(table_note(max_rows, n, table))}</p>' if n > max_rows else ""
    return body + note


def show_table(df: pd.DataFrame, money_cols: tuple[str, ...] = (), pct_cols: tuple[str, ...] = (),
               int_cols: tuple[str, ...] = (), currency: str = DEFAULT_CURRENCY,
               max_rows: int = TABLE_ROWS, caption: str = "", csv: str = "",
               titles: dict[str, str] | None = None) -> None:
    """Show :func:`table_html` of the arguments."""
    _display_html(table_html(df, money_cols, pct_cols, int_cols, currency, max_rows, caption, csv, titles))


#: the summary line of every method block
METHOD_SUMMARY = "How this was worked out"


def method_html(*sentences: str, tables: tuple[str, ...] | list[str] = ()) -> str:
    """A collapsed "How this was worked out" block (``<details>``): the statistical names, parameters and test
    statistics behind a section, as escaped sentences, then ``tables`` (HTML from :func:`table_html`)."""
    items = "".join(f"<li>{page_text(s)}</li>" for s in sentences if s)
    body = (f"<ul>{items}</ul>" if items else "") + "".join(tables)
    return f'<details class="ll-method"><summary>{METHOD_SUMMARY}</summary>{body}</details>'


def method(*sentences: str, tables: tuple[str, ...] | list[str] = ()) -> None:
    """Show :func:`method_html` under a section (plain words stay above it; docs/metrics.md, Report pages)."""
    if any(sentences) or tables:
        _display_html(method_html(*sentences, tables=tables))
