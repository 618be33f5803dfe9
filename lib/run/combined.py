"""One shareable file: the front page, every report and the glossary in a single HTML with working in-page links."""

from __future__ import annotations

import re
from pathlib import Path

from lib.report.notebook import GLOSSARY_PAGE
from lib.report.registry import NOTEBOOKS
from lib.run.glossary import glossary_body

__all__ = ["combined_html", "write_combined"]

_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S | re.I)
_MAIN = re.compile(r"<main>(.*)</main>", re.S | re.I)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\bhref="#([^"]+)"')


def _prefixed(fragment: str, prefix: str) -> str:
    """Make ids unique per report and point in-page links at them."""
    fragment = _ID.sub(lambda m: f'id="{prefix}--{m.group(1)}"', fragment)
    return _HREF.sub(lambda m: f'href="#{prefix}--{m.group(1)}"', fragment)


def combined_html(run_dir: str | Path) -> str:
    """The front page followed by each report's body and the glossary, sharing one copy of the styles; links to
    the glossary page point at the glossary section."""
    run = Path(run_dir)
    index = (run / "index.html").read_text(encoding="utf-8")
    styles: list[str] = list(dict.fromkeys(_STYLE.findall(index)))
    sections = []
    names = []
    for nb in NOTEBOOKS:
        page = run / f"{nb.name}.html"
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        for st in _STYLE.findall(text):
            if st not in styles:
                styles.append(st)
        m = _MAIN.search(text)
        body = m.group(1) if m else ""
        nav = re.search(r'<nav class="ll-toc">.*?</nav>', text, re.S)
        body = body if nav is None or nav.group(0) in body else nav.group(0) + body
        sections.append(f'<section class="ll-combined-report" id="report-{nb.name}">'
                        f'<p class="ll-topnav"><a href="#top">&uarr; Front page</a></p>'
                        f"{_prefixed(body, nb.name)}</section>")
        names.append(nb.name)
    front = _BODY.search(index).group(1)
    for name in names:
        front = front.replace(f'href="{name}.html"', f'href="#report-{name}"')
    head = re.search(r"<head>(.*?)</head>", index, re.S).group(1)
    head = _STYLE.sub("", head)
    glossary = (f'<section class="ll-combined-report" id="report-glossary"><p class="ll-topnav"><a href="#top">'
                f"&uarr; Front page</a></p>{glossary_body()}</section>")
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head>{head}{''.join(styles)}</head>"
            f'<body class="ll-index jp-Notebook"><div id="top"></div>{front}{"".join(sections)}{glossary}</body></html>')
    return page.replace(f'href="{GLOSSARY_PAGE}"', 'href="#glossary"')


def write_combined(run_dir: str | Path, period: str) -> Path:
    """Write ``lace-luxx-<period>.html`` beside index.html; returns its path."""
    out = Path(run_dir) / f"lace-luxx-{period}.html"
    out.write_text(combined_html(run_dir), encoding="utf-8")
    return out
