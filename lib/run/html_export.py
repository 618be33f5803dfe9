"""Executed notebook to a self-contained HTML report: code hidden, no CDN, with a table of contents."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from lib.config import TEMPLATES_DIR

__all__ = ["notebook_to_html", "table_of_contents", "external_references"]

_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h2>', re.S)
_EXTERNAL = re.compile(r'<(script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["\']?(https?:)?//', re.I)


def _exporter():
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name="laceluxx", extra_template_basedirs=[str(TEMPLATES_DIR)])
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.embed_images = True
    return exp


def _drop_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The owner's view: no stderr streams (warnings, progress), no duplicate title."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = [o for o in cell.get("outputs", [])
                           if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    # an opening "# Title" markdown cell: the report header already shows the title, so keep only
    # its introduction and place it right under the header
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.get("cell_type") == "markdown" and first.source.lstrip().startswith("# "):
        intro = first.source.lstrip().split("\n", 1)[1].strip() if "\n" in first.source.strip() else ""
        header_at = next((i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"
                          and "ll-header" in str(c.get("outputs", ""))), None)
        nb.cells.pop(0)
        if intro and header_at is not None:
            first.source = intro
            nb.cells.insert(header_at, first)
    return nb


def table_of_contents(body: str) -> tuple[str, list[tuple[str, str]]]:
    """The section list (id, text) from the page's h2 headings, and the nav HTML."""
    items = [(m.group(1), re.sub(r"<[^>]+>", "", m.group(2)).strip()) for m in _H2.finditer(body)]
    if not items:
        return "", items
    lis = "".join(f'<li><a href="#{html.escape(i, quote=True)}">{html.escape(html.unescape(t))}</a></li>'
                  for i, t in items)
    return f'<nav class="ll-toc"><b>Contents</b><ul>{lis}</ul></nav>', items


def external_references(page: str) -> list[str]:
    """Script, link, img or iframe tags that load anything over the network (should be none)."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def notebook_to_html(nb_path: str | Path, html_path: str | Path, title: str) -> Path:
    """Write the executed notebook as one self-contained HTML page; returns its path."""
    nb = nbformat.read(str(nb_path), as_version=4)
    nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(_drop_noise(nb))
    toc, _ = table_of_contents(body)
    head_at = body.find('class="ll-header"')
    end_at = body.find("</div>", head_at) if head_at >= 0 else -1
    if end_at >= 0:  # contents right under the report header
        body = body[: end_at + 6] + toc + body[end_at + 6:]
        body = body.replace("<!--LL-TOC-->", "", 1)
    else:
        body = body.replace("<!--LL-TOC-->", toc, 1)
    bad = external_references(body)
    if bad:
        raise RuntimeError(f"{Path(nb_path).name}: HTML would load external resources: {bad[:3]}")
    out = Path(html_path)
    out.write_text(body, encoding="utf-8")
    return out
