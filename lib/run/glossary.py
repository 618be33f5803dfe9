"""The run's glossary page, glossary.html: the words that remain in the reports and the methods, from lib.narrative.glossary."""

from __future__ import annotations

from pathlib import Path

from lib.config import TEMPLATES_DIR
from lib.narrative import fmt
from lib.narrative.glossary import GROUPS_SECTION, METHODS_SECTION, SECTIONS, section_terms, term_anchor
from lib.report.notebook import GLOSSARY_PAGE

__all__ = ["glossary_body", "glossary_html", "write_glossary"]


#: what each heading of the glossary says under it (the general words have the page's heading)
_HEADINGS = {GROUPS_SECTION: ("glossary-groups", "The groups the customer pages sort customers into, best first."),
             METHODS_SECTION: ("glossary-methods", "The tests and models named in the folded \"How this was worked "
                                                   "out\" blocks, each in a sentence or two (open to read)")}


def glossary_body() -> str:
    """The glossary's content, shared by the page and the combined file: its heading and one definition per
    general word, then the customer groups and the methods, each under its own heading
    (lib.narrative.glossary.SECTIONS); the methods folded in a ``<details>`` like the method blocks."""
    parts = ['<h2 id="glossary">What the words mean</h2><p class="ll-note">The words the reports use, each in a '
             "sentence or two.</p>"]
    for section in SECTIONS:
        items = "".join(f'<dt id="{term_anchor(t.term)}">{fmt.esc(t.term)}</dt><dd>{fmt.esc(t.meaning)}</dd>'
                        for t in section_terms(section))
        terms = f'<dl class="ll-glossary">{items}</dl>'
        if not section:
            parts.append(terms)
            continue
        anchor, note = _HEADINGS[section]
        parts.append(f'<h3 id="{anchor}">{fmt.esc(section)}</h3>')
        if section == METHODS_SECTION:  # folded like the method blocks they explain: plain words first
            parts.append(f'<details class="ll-method"><summary>{fmt.esc(note)}</summary>{terms}</details>')
        else:
            parts.append(f'<p class="ll-note">{fmt.esc(note)}</p>{terms}')
    return "".join(parts)


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
