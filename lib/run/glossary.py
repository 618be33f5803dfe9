"""The run's glossary page, glossary.html: the words that remain in the reports, from lib.narrative.glossary."""

from __future__ import annotations

from pathlib import Path

from lib.config import TEMPLATES_DIR
from lib.narrative import fmt
from lib.narrative.glossary import TERMS, term_anchor
from lib.report.notebook import GLOSSARY_PAGE

__all__ = ["glossary_body", "glossary_html", "write_glossary"]


def glossary_body() -> str:
    """The glossary's content (heading and one definition per term), shared by the page and the combined file."""
    items = "".join(f'<dt id="{term_anchor(t.term)}">{fmt.esc(t.term)}</dt><dd>{fmt.esc(t.meaning)}</dd>'
                    for t in TERMS)
    return (f'<h2 id="glossary">What the words mean</h2><p class="ll-note">The words the reports use, each in a '
            f'sentence or two.</p><dl class="ll-glossary">{items}</dl>')


def glossary_html(period: str) -> str:
    """The whole glossary page for the run of ``period`` (``2026-10``), self-contained like the reports."""
    css = (TEMPLATES_DIR / "laceluxx" / "laceluxx.css").read_text()
    month = fmt.esc(fmt.month(period))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Lace-Luxx {month}: what the words mean</title><style>{css}</style></head>"
            f'<body class="ll-report"><nav class="ll-topnav"><a href="index.html">&larr; All reports</a></nav>'
            f'<main><div class="ll-header"><h1>What the words mean: {month}</h1></div>{glossary_body()}</main>'
            "</body></html>")


def write_glossary(run_dir: str | Path, period: str) -> Path:
    """Write ``glossary.html`` into the run folder; returns its path."""
    out = Path(run_dir) / GLOSSARY_PAGE
    out.write_text(glossary_html(period), encoding="utf-8")
    return out
