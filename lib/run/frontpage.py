"""The owner's front page, index.html: the month's profit after marketing, KPI cards, top actions with their effects, one card per report, data quality."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from lib.analytics.kpis import previous_month_kpis
from lib.config import DEFAULT_TZ, TEMPLATES_DIR
from lib.data.cache import table_column
from lib.data.periods import Period
from lib.narrative import fmt
from lib.narrative import marketing as marketing_text
from lib.narrative.recommendations import top_total_sentence
from lib.report.notebook import GLOSSARY_PAGE, method_html, sales_lines_read
from lib.report.privacy import page_text
from lib.report.registry import ADDITIONS, NOTEBOOKS, notebook_title

__all__ = ["KPI_CARDS", "card_value", "kpi_cards", "previous_metrics", "first_sentence", "actions_html", "index_html",
           "filled_columns", "more_data_lines",
           "write_index", "main", "ALL_TIME_CARDS", "header_block", "footer_block", "report_title"]

#: (metric, label in the glossary's words, kind, higher_is_better) shown as cards, in order
KPI_CARDS = (
    ("revenue_period", "Revenue", "money", True),
    ("gross_margin_pct_period", "Gross margin", "pct", True),
    ("gross_profit_after_marketing_period", "Gross profit after marketing", "money", True),
    ("orders_period", "Orders", "num", True),
    ("refund_rate_pct_period", "Refunded or returned", "pct", False),
    ("guest_revenue_share_pct_period", "Guest share of revenue", "pct", False),
    ("active_customers_period", "Active customers", "num", True),
    ("new_customers_period", "New customers", "num", True),
    ("repeat_customer_rate_pct", "Repeat customers", "pct", True),
    ("median_days_to_sell", "Median days to sell", "days", False),
    ("roas_period", "Sales per ad dollar", "per_dollar", True),
)


#: cards that count every sale up to the month's end, not the month alone: their label says so (docs/metrics.md)
ALL_TIME_CARDS = ("repeat_customer_rate_pct", "median_days_to_sell")


def card_value(v, kind: str, currency: str) -> str:
    """A card's value formatted by its kind (``money``, ``pct``, ``num``, ``days``, ``ratio``, ``per_dollar``: an
    amount per dollar spent, ``$1.69``); ``n/a`` when None."""
    if v is None:
        return "n/a"
    return {"money": lambda: fmt.money(v, currency), "pct": lambda: fmt.pct(v),
            "num": lambda: fmt.num(v), "days": lambda: fmt.days(v),
            "ratio": lambda: f"{v:,.2f}x", "per_dollar": lambda: fmt.money(v, currency, 2)}[kind]()


def kpi_cards(metrics: dict, previous: dict, currency: str = "USD") -> list[dict]:
    """Card values with the change against the previous month (None where unknown)."""
    cards = []
    for key, label, kind, up_good in KPI_CARDS:
        v, pv = metrics.get(key), previous.get(key)
        if key == "guest_revenue_share_pct_period" and v is None:
            continue  # a shop without guest checkouts gets no guest card
        delta, cls = "no previous month to compare", "ll-flat"
        if v is not None and pv is not None:
            if kind in ("pct", "days", "ratio", "per_dollar"):
                d = v - pv
                unit = {"pct": " pts", "days": " days", "ratio": "x", "per_dollar": ""}[kind]
                delta = {"ratio": f"{d:+,.2f}x vs last month",
                         "per_dollar": f"{'+' if d >= 0 else ''}{fmt.money(d, currency, 2)} vs last month"}.get(
                    kind, f"{d:+,.1f}{unit} vs last month")
            else:
                d = v - pv
                delta = (f"{d / pv * 100:+.1f}% vs last month" if pv else f"{d:+,.0f} vs last month")
            cls = "ll-flat" if d == 0 else ("ll-up" if (d > 0) == up_good else "ll-down")
        label = f"{label} (all time)" if key in ALL_TIME_CARDS else label
        cards.append({"key": key, "label": label, "value": card_value(v, kind, currency), "delta": delta, "cls": cls})
    return cards


def previous_metrics(prev_file: Path | None, ds, period: Period,
                     computed: dict | None = None) -> tuple[dict, str]:
    """The previous month's metrics from its run's metrics.json, else the KPIs computed from the data
    (``computed``, when a separate process already did it, as the pipeline does; otherwise
    lib.analytics.kpis.previous_month_kpis here), with where they came from."""
    if prev_file is not None:
        try:
            return json.loads(Path(prev_file).read_text())["metrics"], f"previous run ({prev_file.parent.name})"
        except (OSError, ValueError, KeyError):
            pass
    if computed is None:
        computed = previous_month_kpis(ds, period.previous)
    return computed, "computed from the data (no previous run found)"


def _workbook(run_dir: Path, period: Period) -> str:
    """The actions workbook's file name when the run writes one (it does from tables/*.csv, after this page:
    lib.run.workbook.write_workbook), else ""."""
    from lib.run.workbook import workbook_name

    return workbook_name(period.label) if any((run_dir / "tables").glob("*.csv")) else ""


def _actions(run_dir: Path) -> list[dict]:
    f = run_dir / "tables" / "top_actions.csv"
    if not f.exists():
        return []
    return pd.read_csv(f, dtype=str).fillna("").to_dict("records")


def first_sentence(payload: dict, currency: str = "USD") -> str | None:
    """What the front page says first: that the month lost money after ad spend, with the break-even ROAS
    (lib.narrative.marketing.profit_after_marketing_sentence); None when it did not (docs/metrics.md, Marketing)."""
    return marketing_text.profit_after_marketing_sentence(payload["metrics"], currency, payload.get("period"))


def _num(v) -> float | None:
    x = pd.to_numeric(v, errors="coerce")
    return None if pd.isna(x) else float(x)


def actions_html(actions: list[dict], metrics: dict, period: str, currency: str = "USD") -> str:
    """The top actions: each with its expected effect and 80% range (marked one-off where so), then their total
    as a share of the month's gross profit (lib.narrative.recommendations.top_total_sentence; docs/metrics.md,
    Recommendations' effects)."""
    e = page_text
    if not actions:
        return "<p>No action met its threshold this month, so none is recommended.</p>"
    acts = "".join(
        f"<li><b>{e(a.get('action', ''))}</b>"
        + (" <span class='ll-tag'>one-off</span>" if a.get("effect_kind") == "one-off" else "")
        + f" {e(a.get('expected_effect', ''))} "
        f"<span class='ll-note'>Evidence: {e(a.get('evidence', ''))} "
        f"(confidence {e(a.get('confidence', ''))}; from {e(report_title(a.get('source', '')))})</span>"
        + (method_html(str(a["method"])) if isinstance(a.get("method"), str) and a["method"].strip() else "")
        + "</li>"
        for a in actions[:5])
    html = f'<ol class="ll-actions">{acts}</ol>'
    top = pd.DataFrame(actions[:5])
    if {"expected_value", "expected_low", "expected_high", "unit", "effect_kind"} <= set(top.columns):
        for c in ("expected_value", "expected_low", "expected_high"):
            top[c] = top[c].map(_num)
        top = top.dropna(subset=["expected_value", "expected_low", "expected_high"])
        month = f"{pd.Period(period, 'M').start_time:%B}" if period else ""
        total = top_total_sentence(top, currency, _num(metrics.get("gross_profit_period")), month)
        if total:
            html += f"<p>{e(total)}</p>"
    return html


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _missing_inputs(inputs: tuple[str, ...], filled: dict[str, set[str]]) -> str:
    """The inputs of an addition that the data lacks, in words ("" when none): ``inventory.csv (unit_cost)``
    for an absent table, ``a list_price column to products.csv`` for an empty column of a present one."""
    by_table: dict[str, list[str]] = {}
    for i in inputs:
        table, _, col = i.partition(".")
        by_table.setdefault(table, [])
        if col:
            by_table[table].append(col)
    parts = []
    for table, cols in by_table.items():
        if table not in filled:
            parts.append(f"{table}.csv" + (f" ({', '.join(cols)})" if cols else ""))
            continue
        empty = [c for c in cols if c not in filled[table]]
        if empty:
            article = "an" if empty[0][0] in "aeiou" else "a"
            parts.append(f"{article} {empty[0]} column to {table}.csv" if len(empty) == 1
                         else f"the {_and(empty)} columns to {table}.csv")
    return _and(parts) if parts else ""


def more_data_lines(filled: dict[str, set[str]]) -> list[str]:
    """What more data would add (docs/data-contract.md, Partial data): the files that would run a skipped report,
    then, per missing input of a report that runs (lib.report.registry.ADDITIONS), what it would add there.

    ``filled`` maps each table present to its columns that hold a value (:func:`filled_columns`).
    """
    runs: dict[str, list[str]] = {}
    sees: dict[str, dict[str, list[str]]] = {}
    for nb in NOTEBOOKS:
        missing = [t for t in nb.needs if t not in filled]
        if missing:
            runs.setdefault(_and([f"{t}.csv" for t in missing]), []).append(nb.title)
            continue
        for a in ADDITIONS.get(nb.name, ()):
            what = _missing_inputs(a.inputs, filled)
            if what:
                sees.setdefault(what, {}).setdefault(nb.title, []).append(a.adds)
    out = [f"Add {files} to run the {titles[0]} report." if len(titles) == 1
           else f"Add {files} to run these reports: {', '.join(titles)}." for files, titles in runs.items()]
    for what, per_report in sees.items():
        by_text: dict[str, list[str]] = {}  # reports that gain the same, named together
        for title, adds in per_report.items():
            by_text.setdefault(", and ".join(adds), []).append(title)
        out.append(f"Add {what} to see " + "; ".join(f"{text} ({', '.join(titles)})" for text, titles in by_text.items())
                   + ".")
    return out


def filled_columns(ds) -> dict[str, set[str]]:
    """Each table of ``ds`` with those of its columns named in lib.report.registry.ADDITIONS that hold a value
    (one column read at a time from a cached dataset)."""
    wanted: dict[str, set[str]] = {}
    for adds in ADDITIONS.values():
        for a in adds:
            for i in a.inputs:
                table, _, col = i.partition(".")
                if col:
                    wanted.setdefault(table, set()).add(col)
    out: dict[str, set[str]] = {}
    for table in list(ds.tables):
        cols = set()
        for col in sorted(wanted.get(table, ())):
            try:
                if table_column(ds, table, col).notna().any():
                    cols.add(col)
            except (KeyError, ValueError):  # the column is not in the table
                continue
        out[table] = cols
    return out


def report_title(name: str) -> str:
    """A report as the owner knows it: ``sales_timing`` -> ``the Sales timing and live shows report``."""
    title = notebook_title(name)
    return f"the {title} report" if title != name else fmt.sheet_title(name)


def header_block(payload: dict, first_html: str = "", source_note: str = "", tz_name: str = DEFAULT_TZ,
                 sales_lines: int | None = None, workbook: str = "") -> str:
    """The front page's header: "Lace-Luxx: October 2026", the first sentence, the data by its short name and
    size, when the run was made in the business time zone (lib.narrative.fmt.moment), and the links to the
    actions workbook (``workbook``, when the run writes one) and the glossary."""
    e = page_text
    notes = [fmt.count(sales_lines, "sales line")] if sales_lines is not None else []
    notes += [source_note.strip()] if source_note.strip() else []
    size = f" ({'; '.join(notes)})" if notes else ""
    book = (f' &middot; <a href="{fmt.esc(workbook)}">Action lists for Excel</a>' if workbook else "")
    return (f'<header class="ll-header"><h1>Lace-Luxx: {e(fmt.month(payload["period"]))}</h1>{first_html}\n'
            f"<p><b>Data:</b> {e(fmt.source_label(payload.get('data_source', '')))}{e(size)} &middot; "
            f"<b>Made:</b> {e(fmt.moment(payload.get('generated_at'), tz_name))}{book} &middot; "
            f'<a href="{GLOSSARY_PAGE}">What the words mean</a></p></header>')


def footer_block(payload: dict, workbook: str = "") -> str:
    """The front page's small footer: machine-readable files, the data fingerprint and the code version."""
    e = page_text
    book = f'<a href="{fmt.esc(workbook)}">{e(workbook)}</a> (action lists); ' if workbook else ""
    return (f'<footer class="ll-footer"><p>For machines: <a href="metrics.json">metrics.json</a>; {book}the same '
            "tables as CSV files in tables/; executed notebooks for analysts in notebooks/.</p>"
            f"<p>Data fingerprint {e(payload.get('data_fingerprint', '')[:12])} &middot; code version "
            f"{e(payload.get('code_version', ''))}</p></footer>")


def index_html(payload: dict, findings: dict[str, list[str]], skipped: dict[str, str], quality: pd.DataFrame,
               previous: dict, previous_source: str, actions: list[dict], present: set[str],
               currency: str = "USD", source_note: str = "", more: list[str] | None = None,
               tz_name: str = DEFAULT_TZ, sales_lines: int | None = None, workbook: str = "") -> str:
    """The whole front page as one self-contained HTML string (all user text escaped, contact details masked);
    ``more`` is :func:`more_data_lines`."""
    e = page_text
    more_html = "".join(f"<li>{e(m)}</li>" for m in more or []) or \
        "<li>Every table and column the reports use is present.</li>"
    cards = "".join(
        f'<div class="ll-card"><div class="ll-label">{e(c["label"])}</div><div class="ll-value">{e(c["value"])}</div>'
        f'<div class="ll-delta {c["cls"]}">{e(c["delta"])}</div></div>'
        for c in kpi_cards(payload["metrics"], previous, currency))
    acts_html = actions_html(actions, payload["metrics"], payload.get("period", ""), currency)
    first = first_sentence(payload, currency)
    first_html = f'<p class="ll-alert" id="first">{e(first)}</p>' if first else ""
    rcards = []
    for nb in NOTEBOOKS:
        if nb.name not in present:
            continue
        fs = "".join(f"<li>{e(f)}</li>" for f in findings.get(nb.name, [])[:3])
        rcards.append(f'<div class="ll-report-card"><h3><a href="{nb.name}.html">{e(nb.title)}</a></h3>'
                      f'<p class="ll-note">{e(nb.summary)}</p><ul>{fs}</ul></div>')
    sk = "".join(f"<li><b>{e(notebook_title(k))}</b>: {e(v)}</li>" for k, v in skipped.items()) or "<li>Nothing was skipped.</li>"
    q = quality.copy() if quality is not None else pd.DataFrame(columns=["table", "action", "reason", "rows"])
    qrows = "".join(f"<tr><td>{e(r.table)}</td><td>{e(r.action)}</td><td>{e(r.reason)}</td>"
                    f"<td class=\"num\">{int(r.rows):,}</td></tr>" for r in q.itertuples())
    css = (TEMPLATES_DIR / "laceluxx" / "laceluxx.css").read_text()
    sort_js = (TEMPLATES_DIR / "laceluxx" / "tables.js").read_text()  # the reports' own: sortable tables
    payload = {**payload, "generated_at": payload.get("generated_at") or datetime.now(UTC).isoformat(timespec="seconds")}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lace-Luxx report, {e(fmt.month(payload['period']))}</title><style>{css}</style><script>{sort_js}</script></head>
<body class="ll-index">{header_block(payload, first_html, source_note, tz_name, sales_lines, workbook)}
<section><h2 id="kpis">This month at a glance</h2><div class="ll-cards">{cards}</div>
<p class="ll-note">Changes are against the previous month, {e(previous_source)}.</p></section>
<section><h2 id="actions">Top actions this month</h2>{acts_html}</section>
<section><h2 id="reports">Reports</h2><div class="ll-reports">{''.join(rcards)}</div></section>
<section><h2 id="skipped">What was skipped and why</h2><ul>{sk}</ul></section>
<section><h2 id="more-data">What more data would add</h2><ul>{more_html}</ul></section>
<section><h2 id="quality">Data quality</h2><p class="ll-note">Every row read, repaired, defaulted or excluded, by table
and reason. Nothing is dropped without being counted.</p>
<table class="ll-table"><thead><tr><th>Table</th><th>Action</th><th>Reason</th><th class="num">Rows</th></tr></thead>
<tbody>{qrows}</tbody></table>
</section>
{footer_block(payload, workbook)}
</body></html>"""


def write_index(run_dir: Path, payload: dict, findings: dict[str, list[str]], skipped: dict[str, str], ds,
                period: Period, prev_metrics_file: Path | None, currency: str = "USD",
                previous_computed: dict | None = None) -> Path:
    """Write ``index.html`` into the run folder; returns its path."""
    previous, prev_src = previous_metrics(prev_metrics_file, ds, period, previous_computed)
    present = {p.stem for p in Path(run_dir).glob("*.html")}
    mapping = f"read with {Path(ds.mapping).name}" if getattr(ds, "mapping", None) else ""
    page = index_html(payload, findings, skipped, ds.quality, previous, prev_src, _actions(Path(run_dir)),
                      present, currency, mapping, more_data_lines(filled_columns(ds)),
                      getattr(ds, "tz_name", DEFAULT_TZ), sales_lines_read(ds.quality), _workbook(Path(run_dir), period))
    from lib.run.glossary import write_glossary

    write_glossary(run_dir, period.label)
    out = Path(run_dir) / "index.html"
    out.write_text(page, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.run.frontpage --data D --period YYYY-MM --out F``: the previous month's KPIs as JSON.

    The pipeline runs this in its own process beside the notebooks, so the report process never
    holds the tables itself.
    """
    import argparse

    from lib.data.load import run_dataset
    from lib.data.periods import period_from_label
    from lib.run.logs import close_logging, detail, log, setup_logging

    ap = argparse.ArgumentParser(prog="python -m lib.run.frontpage")
    ap.add_argument("--data", required=True)
    ap.add_argument("--period", required=True, help="the run's month; its previous month is computed")
    ap.add_argument("--tz", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    setup_logging(detailed=True)  # the run points this process's output at its log file
    try:
        kpis = previous_month_kpis(run_dataset(a.data, a.tz), period_from_label(a.period).previous)
        Path(a.out).write_text(json.dumps(kpis, default=float))
    except Exception as e:  # noqa: BLE001 - the run reads the missing file as "nothing to compare"
        detail("the previous month's KPIs failed", exc_info=True)
        log.error(f"The previous month's KPIs could not be computed: {type(e).__name__}: {e}.")
        return 1
    finally:
        close_logging()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
