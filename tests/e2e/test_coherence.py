"""Coherence of the advice over a full run of the sample data (issue 17): one verdict per thing, effects that fit
the month, markdowns at break-even, segments that agree with recency, a forecast no worse than its baseline."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from lib.config import CHURN_DAYS, SAMPLE_DIR

pytestmark = pytest.mark.skipif(not (SAMPLE_DIR / "sales.csv").exists(), reason="run `make sample-data` first")

#: verbs of the pages mapped to the verdict they state (docs/metrics.md, Verdicts)
VERBS = {"buy more": "buy more", "source more": "buy more", "buy less": "buy less", "stop buying": "buy less",
         "pause buying": "buy less", "mark down": "mark down", "raise prices on": "price up",
         "price up": "price up"}
#: verdicts that contradict each other when one thing gets both
OPPOSITE = ({"buy more", "buy less"}, {"price up", "mark down"}, {"buy more", "mark down"})
#: groups whose name says the customer is current (docs/metrics.md, RFM groups)
CURRENT_SEGMENTS = {"Champions", "Loyal", "Active", "New", "Promising"}


@pytest.fixture
def run(sample_run):
    """The shared full run of the sample (tests/e2e/conftest.py)."""
    return sample_run


def _text(page) -> str:
    """A page's visible text: scripts, styles and images dropped, tags removed, entities decoded."""
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    raw = re.sub(r"(?s)<[^>]+>", " ", raw)
    return re.sub(r"\s+", " ", html.unescape(raw))


def _pages(run_dir) -> dict[str, str]:
    return {p.name: _text(p) for p in sorted(run_dir.glob("*.html")) if not p.name.startswith("lace-luxx-")}


def _names(kind: str) -> list[str]:
    if kind == "brand":
        return sorted(pd.read_csv(SAMPLE_DIR / "brands.csv", dtype=str)["brand_name"].dropna().unique())
    return sorted(pd.read_csv(SAMPLE_DIR / "products.csv", dtype=str)["category"].dropna().unique())


def stated_verdicts(pages: dict[str, str], names: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Per name, the (verdict, page) pairs the pages state with one of :data:`VERBS` in front of it (also in
    lists such as "Buy more Hermès, Goyard and Cartier")."""
    found: dict[str, set[tuple[str, str]]] = {}
    dotted = {n: n.replace(".", "\u2024") for n in names if "." in n}  # "Tiffany & Co." must not end a sentence
    alt = "|".join(re.escape(v) for v in sorted(VERBS, key=len, reverse=True))
    for page, text in pages.items():
        for n, d in dotted.items():
            text = text.replace(n, d)
        for m in re.finditer(rf"(?i)\b({alt})\b(?: aged)?((?:[^.:;!?]){{0,160}})", text):
            verdict, tail = VERBS[m.group(1).lower()], m.group(2)
            for n in names:
                if re.match(rf"\s*(?:[^.:;!?]*?,\s*|[^.:;!?]*?\band\s+)?{re.escape(dotted.get(n, n))}", tail):
                    found.setdefault(n, set()).add((verdict, page))
    return found


def test_the_verdict_scanner_finds_what_a_page_says():
    pages = {"a.html": "Buy more Hermès, Goyard and Cartier: they sell fast. Mark down aged Coach.",
             "b.html": "Pause buying Louis Vuitton until stock clears. Keep Gucci. Source more Tiffany & Co., Prada."}
    got = stated_verdicts(pages, ["Hermès", "Goyard", "Cartier", "Coach", "Louis Vuitton", "Gucci", "Tiffany & Co.",
                                  "Prada"])
    assert got == {"Hermès": {("buy more", "a.html")}, "Goyard": {("buy more", "a.html")},
                   "Cartier": {("buy more", "a.html")}, "Coach": {("mark down", "a.html")},
                   "Louis Vuitton": {("buy less", "b.html")}, "Tiffany & Co.": {("buy more", "b.html")},
                   "Prada": {("buy more", "b.html")}}


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_no_brand_or_category_gets_opposite_verdicts(run, kind):
    found = stated_verdicts(_pages(run), _names(kind))
    clashes = {n: sorted(v) for n, v in found.items()
               if any(o <= {verdict for verdict, _ in v} for o in OPPOSITE)}
    assert not clashes, f"opposite verdicts for the same {kind}: {clashes}"


def test_pages_state_the_verdict_table_and_nothing_else(run):
    table = pd.read_csv(run / "tables" / "brand_verdicts.csv", dtype=str)
    first = table.columns[0]
    verdict = dict(zip(table[first], table["verdict"], strict=True))
    found = stated_verdicts(_pages(run), _names("brand"))
    wrong = {n: sorted(v) for n, v in found.items() if {x for x, _ in v} - {verdict.get(n)}}
    assert not wrong, f"pages state verdicts the verdict table does not hold: {wrong}"
    assert (table["verdict"] != "no verdict").any() or not found


def test_top_actions_fit_inside_the_months_gross_profit(run):
    top = pd.read_csv(run / "tables" / "top_actions.csv")
    gp = json.loads((run / "metrics.json").read_text())["metrics"]["gross_profit_period"]
    assert len(top) >= 1
    assert top["expected_value"].sum() <= gp, (top["expected_value"].sum(), gp)
    assert (top["expected_value"].round() >= 1).all(), top[["action", "expected_value"]]
    assert (top["expected_low"] > 0).all(), top[["action", "expected_low"]]
    assert (top["expected_low"] <= top["expected_value"]).all() and (top["expected_value"] <= top["expected_high"]).all()
    assert set(top["effect_kind"]) <= {"per month", "one-off"}


def test_no_markdown_below_break_even_without_saying_so(run):
    md = pd.read_csv(run / "tables" / "markdown_candidates.csv")
    below = md["suggested_price"] < md["break_even_price"] - 0.005
    flagged = md["below_break_even"].astype(str).str.lower().isin(["true", "1", "yes"])
    assert not (below & ~flagged).any(), md.loc[below & ~flagged].head()
    if flagged.any():
        assert "at a loss" in _pages(run)["products_inventory.html"]


def test_current_sounding_segments_hold_only_recent_customers(run):
    vip = pd.read_csv(run / "tables" / "vip_customers.csv", dtype={"buyer_id": str})
    current = vip[vip["segment"].isin(CURRENT_SEGMENTS)]
    assert len(current) > 0
    assert (current["days_since"] <= CHURN_DAYS).all(), current.loc[current["days_since"] > CHURN_DAYS].head()
    seg = pd.read_csv(run / "tables" / "customer_segments.csv")
    cur = seg[seg["segment"].isin(CURRENT_SEGMENTS)]
    assert (cur["mean_days_since"] <= CHURN_DAYS).all(), cur[["segment", "mean_days_since"]]


def test_the_retargeting_list_and_the_segment_table_count_alike(run):
    seg = pd.read_csv(run / "tables" / "customer_segments.csv").set_index("segment")["customers"]
    tgt = pd.read_csv(run / "tables" / "retargeting.csv", dtype={"buyer_id": str})
    per_segment = tgt.groupby("segment").size()
    for s, n in per_segment.items():
        assert n <= seg[s], (s, n, seg[s])
    assert not set(tgt["segment"]) & CURRENT_SEGMENTS


def test_the_forecast_is_no_worse_than_its_baseline(run):
    m = json.loads((run / "metrics.json").read_text())["metrics"]
    assert m["forecast_model"]
    assert m["forecast_backtest_mase"] <= m["forecast_baseline_mase"] + 1e-12


def test_profit_after_marketing_is_on_the_front_page_first_when_negative(run):
    m = json.loads((run / "metrics.json").read_text())["metrics"]
    after = m["gross_profit_after_marketing_period"]
    assert after == pytest.approx(m["gross_profit_period"] - m["marketing_spend_period"], abs=0.01)
    front = _pages(run)["index.html"]
    if after < 0:
        assert "lost money" in front[:4000].lower() or "loss" in front[:4000].lower()
