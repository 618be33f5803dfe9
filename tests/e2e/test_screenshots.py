"""A full sample run read as on a phone and a desktop: alt text on every chart, headless Chromium screenshots at 390
and 1280 px (saved to /tmp/shots/, or LACELUXX_SHOTS), and what the phone layout measures."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lib.report.plots.style import DPI, MIN_FONT_PT

NBCONVERT_DEFAULT = "No description has been provided for this image"
SHOTS = Path(os.environ.get("LACELUXX_SHOTS", "/tmp/shots"))
#: the front page and two reports
PAGES = ("index.html", "sales_timing.html", "products_inventory.html")
WIDTHS = {"phone": (390, 2400), "desktop": (1280, 2000)}
#: written into a copy of a page: what the browser laid out, as JSON in a <pre id="ll-measure">
MEASURE = """<script>window.addEventListener("load", function () {
  var imgs = Array.from(document.querySelectorAll("img")).map(function (i) {
    return {shown: i.getBoundingClientRect().width, natural: i.naturalWidth}; });
  var tables = Array.from(document.querySelectorAll("table.ll-table")).map(function (t) {
    var c = t.querySelector("td, th");
    return {wide: t.scrollWidth > t.clientWidth + 2, cue: t.classList.contains("ll-scrolls"),
            rows: t.tBodies.length ? t.tBodies[0].rows.length : 0, sortable: t.querySelectorAll("th.ll-sortable").length,
            sticky: c ? getComputedStyle(c).position : "", right: t.getBoundingClientRect().right}; });
  var p = document.createElement("pre"); p.id = "ll-measure";
  p.textContent = JSON.stringify({viewport: window.innerWidth, page: document.documentElement.scrollWidth,
                                  imgs: imgs, tables: tables});
  document.body.appendChild(p); });</script>"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture
def run(sample_run):
    """The shared full run of the sample (tests/e2e/conftest.py)."""
    return sample_run


def _browser(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    exe = _chromium()
    if exe is None:
        pytest.skip("no headless Chromium (Debian: apt-get install -y chromium)")
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--allow-file-access-from-files", "--virtual-time-budget=3000", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_every_image_on_every_page_has_alt_text_from_its_chart(run):
    pages = sorted(run.glob("*.html"))
    assert len(pages) >= 8
    counted = 0
    for page in pages:
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            alt = re.search(r'\balt="([^"]*)"', tag)
            assert alt, f"{page.name}: an image without alt text"
            text = html.unescape(alt.group(1)).strip()
            assert text and text != NBCONVERT_DEFAULT, f"{page.name}: {tag[:80]}"
            assert re.search(r"\d", text), f"{page.name}: alt text without a number from the data: {text}"
            counted += 1
    assert counted >= 30  # the sample run draws about 40 charts on the report pages (and again in the combined file)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("screen", sorted(WIDTHS))
def test_screenshot(run, page, screen):
    width, height = WIDTHS[screen]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{Path(page).stem}-{width}.png"
    res = _browser([f"--window-size={width},{height}", f"--screenshot={shot}", (run / page).as_uri()])
    assert shot.exists() and shot.stat().st_size > 10_000, res.stderr[-2000:]
    from PIL import Image

    assert Image.open(shot).size[0] == width


@pytest.mark.parametrize("page", PAGES)
def test_a_390_px_screen_shows_chart_text_at_11_px_and_tables_that_say_they_scroll(run, page, tmp_path):
    copy = run / f"measure-{page}"
    copy.write_text((run / page).read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
                    encoding="utf-8")
    try:
        res = _browser(["--window-size=390,900", "--dump-dom", copy.as_uri()])
    finally:  # the run folder is shared with other tests: leave it as it was, also when the test skips
        copy.unlink()
    found = re.search(r'<pre id="ll-measure">(.*?)</pre>', res.stdout, re.S)
    assert found, res.stderr[-2000:]
    m = json.loads(html.unescape(found.group(1)))
    assert m["page"] <= m["viewport"] + 1, "the page scrolls sideways on a phone"
    for img in m["imgs"]:
        assert img["shown"] <= m["viewport"]
        # the smallest chart text is MIN_FONT_PT at DPI in the image, scaled as the browser scales the image
        assert MIN_FONT_PT * DPI / 72 * img["shown"] / img["natural"] >= 11.0, img
    for t in m["tables"]:
        assert t["sticky"] == "sticky"  # the first column stays in view
        assert t["right"] <= m["viewport"] + 1
        if t["wide"]:
            assert t["cue"], "a table wider than the screen without the swipe note"
        if t["rows"] >= 2:
            assert t["sortable"] >= 1, "a table of several rows whose headers do not sort"
    if page != "index.html":
        assert m["imgs"], "a report page without charts"


#: a page with the report template's table script and one table; on load it clicks a header and records the order
SORT_PAGE = """<html><head><script>{script}</script></head><body>
<table class="ll-table"><thead><tr><th>brand</th><th>revenue</th><th>change</th><th>since</th></tr></thead><tbody>
<tr><td>Hermès</td><td>$1,234</td><td>-17.3%</td><td>2026-10-03</td></tr>
<tr><td>Coach</td><td>$99</td><td>+116.3%</td><td>2025-01-31</td></tr>
<tr><td>Dior</td><td>–</td><td>5.4%</td><td>2026-02-14</td></tr>
<tr><td>Chanel</td><td>$10,000</td><td>–</td><td>2026-10-01</td></tr></tbody></table>
<script>window.addEventListener("load", function () {{
  var order = [];
  function col(i) {{ return Array.from(document.querySelectorAll("tbody tr")).map(function (r) {{
    return r.cells[0].textContent; }}).join(","); }}
  var th = document.querySelectorAll("th");
  th[1].click(); order.push(col()); th[1].click(); order.push(col(), th[1].getAttribute("aria-sort"));
  th[2].click(); order.push(col()); th[3].click(); order.push(col()); th[0].click(); order.push(col());
  var p = document.createElement("pre"); p.id = "ll-sort"; p.textContent = JSON.stringify(order);
  document.body.appendChild(p); }});</script></body></html>"""


def test_a_click_on_a_column_header_sorts_the_rows_numbers_as_numbers_blanks_last(tmp_path):
    from lib.config import TEMPLATES_DIR

    page = tmp_path / "sort.html"
    script = (TEMPLATES_DIR / "laceluxx" / "tables.js").read_text(encoding="utf-8")
    page.write_text(SORT_PAGE.format(script=script), encoding="utf-8")
    res = _browser(["--dump-dom", page.as_uri()])
    found = re.search(r'<pre id="ll-sort">(.*?)</pre>', res.stdout, re.S)
    assert found, res.stderr[-2000:]
    assert json.loads(html.unescape(found.group(1))) == [
        "Coach,Hermès,Chanel,Dior",  # $99 < $1,234 < $10,000 (as numbers, not text), the blank last
        "Chanel,Hermès,Coach,Dior", "descending",  # again: reversed, the blank still last
        "Hermès,Dior,Coach,Chanel",  # -17.3% < 5.4% < +116.3%
        "Coach,Dior,Chanel,Hermès",  # ISO dates as text: 2025-01-31 first
        "Chanel,Coach,Dior,Hermès"]
