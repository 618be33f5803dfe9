"""Nothing of Python on a page (issue 19): every HTML page and executed notebook of a full run - the sample and
both worked examples - is scanned for reprs, NaN, True/False cells, "(s)" plurals, machine paths, metric, notebook
and table identifiers in prose, and "full table" notes that name a CSV or sheet the run does not have.

``LACELUXX_SCAN_RUN=<run folder>`` scans that run instead of making the sample's (for a quick look at a run).
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest

from lib.config import ROOT
from lib.report.registry import ALL_METRICS, NOTEBOOKS

EXAMPLES = ROOT / "data" / "examples"

_HIDDEN = re.compile(r"<style.*?</style>|<script.*?</script>|<!--.*?-->|<img\b[^>]*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
#: what Python prints and a page must never show
REPRS = re.compile(r"np\.(float|int|bool|str)_?\d*\(|\{'[A-Za-z_]+': |\b(Timestamp|Timedelta|Period|array)\(|"
                   r"\bdtype[:=]|<NA>|\bNaT\b|(?<![\w.-])(nan|NaN|inf)(?![\w-])")
PLURAL_S = re.compile(r"[A-Za-z]\((s|es)\)")
BOOL_CELL = re.compile(r"<td[^>]*>\s*(True|False)\s*</td>")
BOOL_WORD = re.compile(r"(?<![\w-])(True|False)(?![\w-])")
PATHS = re.compile(r"(?<![\w.])/(home|tmp|work|srv|Users|root|var|opt|mnt)/|[A-Z]:\\\\|" + re.escape(str(ROOT)))
CONTRACT_DOCS = re.compile(r"\b(metrics|data-contract|data-mapping)\.md\b|\bdocs/")
#: statistical names, parameters and test statistics: only inside a "How this was worked out" block
JARGON = re.compile(r"BG/NBD|Pareto/NBD|gamma-gamma|\bp[ _]alive\b|\bWelch\b|\bt-test|Mann-Whitney|Kruskal|\bFisher\b|"
                    r"delta method|Kaplan|\bKM\b|censor|log-rank|chi-square|\bETS\b|ARIMA|\bMAPE\b|\bMASE\b|Markov|"
                    r"removal effect|\bROAS\b|\bgp roas\b|\broas\b|Diebold|Benjamini|bootstrap|\bRFM\b|z-test|"
                    r"binomial|least squares|regression|(?<![\w-])[pq] ?[=<>] ?\d|\bCI\b|exponential smoothing|"
                    r"seasonal naive|\bshrunk\b|shrinkage|Poisson|standard error|\bdf\b|resamples", re.I)
_METHOD = re.compile(r"<details\b.*?</details>", re.S | re.I)
FILE_REF = re.compile(r"\btables/([\w-]+)\.csv\b")
SHEET_REF = re.compile(r"\bthe ((?:(?!\bthe\b)[\w%-]+ )+)sheet of the actions workbook")


def visible_text(page_html: str) -> str:
    """A page's visible text: styles, scripts, comments and images dropped, tags removed, entities decoded."""
    return html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page_html)))


def identifiers(table_names: set[str]) -> set[str]:
    """Internal names that must not reach the owner's prose: metric, notebook and output-table names written
    with an underscore (plain words such as ``customers`` are words)."""
    names = set(ALL_METRICS) | {nb.name for nb in NOTEBOOKS} | set(table_names)
    return {n for n in names if "_" in n}


def jargon_problems(page_html: str, where: str) -> list[str]:
    """Statistical names and test statistics in a page's main text, outside its "How this was worked out"
    blocks (issue 19, point 2)."""
    text = visible_text(_METHOD.sub(" ", page_html))
    return [f"{where}: method words outside 'How this was worked out' {text[max(0, m.start() - 60):m.end() + 30]!r}"
            for m in JARGON.finditer(text)]


def html_problems(page_html: str, where: str, tables: set[str], sheets: set[str] | None) -> list[str]:
    """What of Python or of the machine one page (or notebook output) shows; ``tables`` are the run's CSV stems,
    ``sheets`` its workbook's sheet titles (lower case; None: no workbook to check against)."""
    out = []
    text = visible_text(page_html)

    def hits(pattern: re.Pattern, body: str, what: str) -> None:
        for m in list(pattern.finditer(body))[:3]:
            out.append(f"{where}: {what} {body[max(0, m.start() - 50):m.end() + 30]!r}")

    hits(REPRS, text, "Python repr or missing value")
    hits(PLURAL_S, text, "'(s)' plural")
    hits(BOOL_CELL, page_html, "True/False table cell")
    hits(BOOL_WORD, text, "True/False in the text")
    hits(PATHS, text, "machine path")
    hits(CONTRACT_DOCS, text, "internal document name")
    for m in FILE_REF.finditer(text):
        if m.group(1) not in tables:
            out.append(f"{where}: names tables/{m.group(1)}.csv, which the run did not write")
    if sheets is not None:
        for m in SHEET_REF.finditer(text):
            title = m.group(1).strip()
            if title.lower() not in sheets:
                out.append(f"{where}: names the {title} sheet, which the workbook does not have")
    if "the full table is in tables/" in text:
        out.append(f"{where}: a 'full table' note that names no file")
    prose = FILE_REF.sub(" ", text)  # an explicit tables/<name>.csv is a file reference, not a name in prose
    for name in sorted(identifiers(tables)):
        for m in list(re.finditer(rf"(?<![\w/.-]){re.escape(name)}(?![\w-])", prose))[:2]:
            out.append(f"{where}: internal name {name!r} in {prose[max(0, m.start() - 50):m.end() + 30]!r}")
    for stem in sorted(tables):
        if re.search(rf"(?<![\w/]){re.escape(stem)}\.csv\b", prose):
            out.append(f"{where}: a bare {stem}.csv (point to its sheet, or write tables/{stem}.csv)")
    return out


def notebook_problems(nb_path: Path, tables: set[str], sheets: set[str] | None) -> list[str]:
    """The executed notebook's outputs: no value printed by a cell's last line, no stdout, and each HTML
    output as clean as a page (:func:`html_problems`)."""
    out = []
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            where = f"{nb_path.name} cell {i}"
            if o.get("output_type") == "execute_result":
                out.append(f"{where}: a cell prints its last value {''.join(o['data'].get('text/plain', ''))[:80]!r}")
            elif o.get("output_type") == "stream" and o.get("name") == "stdout":
                out.append(f"{where}: printed text {''.join(o.get('text', ''))[:80]!r}")
            elif o.get("output_type") == "display_data" and "text/html" in o.get("data", {}):
                out += html_problems("".join(o["data"]["text/html"]), where, tables, sheets)
    return out


def workbook_sheets(run_dir: Path) -> set[str] | None:
    books = sorted(run_dir.glob("*-actions.xlsx"))
    if not books:
        return None
    from openpyxl import load_workbook

    wb = load_workbook(books[0], read_only=True)
    try:
        return {name.lower() for name in wb.sheetnames}
    finally:
        wb.close()


def run_problems(run_dir: Path) -> list[str]:
    """Every problem of every page and executed notebook of a run folder."""
    tables = {f.stem for f in (run_dir / "tables").glob("*.csv")}
    sheets = workbook_sheets(run_dir)
    out = []
    for page in sorted(run_dir.glob("*.html")):
        out += html_problems(page.read_text(encoding="utf-8"), page.name, tables, sheets)
    for nb in sorted((run_dir / "notebooks").glob("*.ipynb")):
        out += notebook_problems(nb, tables, sheets)
    return out


def run_jargon(run_dir: Path) -> list[str]:
    """Method words outside the method blocks on every page of a run but the glossary, which explains words."""
    out = []
    for page in sorted(run_dir.glob("*.html")):
        if page.name != "glossary.html":
            out += jargon_problems(page.read_text(encoding="utf-8"), page.name)
    return out


# -- the scan itself finds what it looks for ------------------------------------------------------------------

BAD = {
    "repr": "<p>Peak {'peak_weekday': 'Thursday', 'weekend_uplift_pct': np.float64(-25.98)}</p>",
    "timestamp": "<p>since Timestamp('2026-10-01 00:00:00')</p>",
    "nan": "<td>nan</td>",
    "plural": "<li>1 pair(s) of brands</li>",
    "bool cell": "<table><tr><td>True</td></tr></table>",
    "path": "<p>Data: /home/ann/shop</p>",
    "metric": "<p>marketing_spend_period $60,804</p>",
    "notebook": "<p>(confidence medium; from products_inventory)</p>",
    "doc": "<p>as defined in metrics.md</p>",
    "bare csv": "<p>Work down churn_risk_customers.csv from the top</p>",
    "missing csv": "<p>Showing 25 of 334 rows; all are in tables/bundle_pairs.csv.</p>",
    "old note": "<p>Showing 25 of 334 rows; the full table is in tables/.</p>",
    "missing sheet": "<p>all 334 are on the Pair list sheet of the actions workbook</p>",
    "missing sheet after a column": "<p>in the Below break even column of the Pair list sheet of the actions workbook</p>",
}
GOOD = ('<div class="ll-header"><h1>Overview: October 2026</h1><p>Data: sample (6,000 sales lines)</p></div>'
        "<p>Showing the first 25 of 482 rows; all 482 are on the Markdown candidates sheet of the actions workbook "
        "(tables/markdown_candidates.csv).</p><p>marked in the Below break even column of the Markdown candidates "
        "sheet of the actions workbook</p><table><tr><td>yes</td><td>$1,234</td></tr></table>"
        '<p>1 pair, 19 slots; Nancy (nan-free) bought; the Sales timing and live shows report.</p>'
        '<img alt="x" src="data:image/png;base64,nan/True/home/">')


@pytest.mark.parametrize("kind", sorted(BAD))
def test_the_scan_finds_each_kind_of_leak(kind):
    found = html_problems(BAD[kind], "page.html", {"markdown_candidates", "churn_risk_customers"},
                          {"markdown candidates"})
    assert len(found) >= 1, kind


JARGON_BAD = ["<p>weekends sell 26% less (Welch t-test p = 1.55e-05)</p>", "<h2>6. What a customer is worth "
              "(BG/NBD and gamma-gamma models)</h2>", "<th>gp roas</th>", "<li>Kaplan-Meier median 56 days</li>",
              "<p>a real rise (p = 0.0077)</p>", "<p>80% bootstrap interval</p>", "<p>Marketing ROAS 1.69x</p>"]


@pytest.mark.parametrize("page", JARGON_BAD)
def test_the_jargon_scan_finds_method_words_in_the_main_text(page):
    assert len(jargon_problems(page, "page.html")) >= 1


def test_the_jargon_scan_leaves_method_blocks_and_plain_words_alone():
    page = ("<p>Weekends sell 26% less than weekdays, a clear difference (80% range -36% to -15%). Half the items "
            "sell within 56 days; Probability still active 62%; return on ad spend 1.7x; deeper markdowns.</p>"
            "<details class='ll-method'><summary>How this was worked out</summary><ul><li>Welch t-test "
            "p = 1.55e-05; BG/NBD; Kaplan-Meier; gp roas</li></ul></details>")
    assert jargon_problems(page, "page.html") == []


def test_the_scan_passes_owner_text():
    assert html_problems(GOOD, "page.html", {"markdown_candidates"}, {"markdown candidates"}) == []


def test_the_scan_reads_notebook_outputs(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "rep.out.add_metrics(m)", "outputs": [
        {"output_type": "execute_result", "data": {"text/plain": "{'a': 1}"}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/html": "<li>2 slot(s)</li>"}, "metadata": {}}]},
        {"cell_type": "markdown", "source": "roas_period in a markdown cell is the analyst's"}]}
    f = tmp_path / "x.ipynb"
    f.write_text(json.dumps(nb))
    found = notebook_problems(f, set(), None)
    assert len(found) == 2 and "prints its last value" in found[0] and "'(s)' plural" in found[1]


# -- full runs ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sample", "shopify", "whatnot", "multichannel", "webshop"])
def run_dir(request, full_run) -> Path:
    """The run folder of each source (tests/e2e/conftest.py), or ``LACELUXX_SCAN_RUN``."""
    given = os.environ.get("LACELUXX_SCAN_RUN")
    if given:
        if request.param != "sample":
            pytest.skip("LACELUXX_SCAN_RUN scans the one run given")
        return Path(given)
    return full_run(request.param).dir


def test_no_page_or_notebook_shows_python_or_machine_names(run_dir):
    problems = run_problems(run_dir)
    assert problems == [], "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_statistical_names_only_in_how_this_was_worked_out(run_dir):
    problems = run_jargon(run_dir)
    assert problems == [], "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_every_page_links_the_glossary_and_the_glossary_exists(run_dir):
    assert (run_dir / "glossary.html").stat().st_size > 2_000
    for page in sorted(run_dir.glob("*.html")):
        if page.name != "glossary.html":
            assert 'href="glossary.html"' in page.read_text(encoding="utf-8") or page.name.startswith("lace-luxx"), \
                page.name
