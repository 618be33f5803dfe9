"""Front page and combined file: KPI changes, escaping, links, with and without a previous run."""

import json

import pandas as pd
import pytest

from lib.data.periods import period_from_label
from lib.report.registry import ALL_METRICS
from lib.run import frontpage
from lib.run.combined import combined_html
from tests.e2e.test_page_scan import JARGON, jargon_problems


def _payload(**metrics):
    m = {k: None for k in ALL_METRICS}
    m.update(metrics)
    return {"period": "2026-10", "generated_at": "2026-11-01T08:00:00+00:00", "data_fingerprint": "ab" * 32,
            "data_source": "/home/ann/<b>shop&co", "code_version": "abc1234", "metrics": m}


def _page(payload, previous, actions=(), skipped=None, findings=None):
    q = pd.DataFrame({"table": ["sales"], "action": ["repaired"], "reason": ["sale_price: '$1,234.50' form"],
                      "rows": [3]})
    return frontpage.index_html(payload, findings or {"overview": ["Revenue <script>alert(1)</script> up"]},
                                skipped or {}, q, previous, "previous run (2026-09)", list(actions),
                                {"overview", "customers"})


def test_kpi_cards_compare_with_previous_month():
    cards = {c["key"]: c for c in frontpage.kpi_cards(
        {"revenue_period": 1100.0, "gross_margin_pct_period": 30.0, "median_days_to_sell": 40},
        {"revenue_period": 1000.0, "gross_margin_pct_period": 32.5, "median_days_to_sell": 45})}
    assert cards["revenue_period"]["value"] == "$1,100"
    assert cards["revenue_period"]["delta"] == "+10.0% vs last month" and cards["revenue_period"]["cls"] == "ll-up"
    assert cards["gross_margin_pct_period"]["delta"] == "-2.5 pts vs last month"
    assert cards["gross_margin_pct_period"]["cls"] == "ll-down"
    # fewer days to sell is good news
    assert cards["median_days_to_sell"]["cls"] == "ll-up"
    assert cards["roas_period"]["value"] == "n/a"


def test_front_page_without_previous_run_says_so():
    html = _page(_payload(revenue_period=500.0), {})
    assert "no previous month to compare" in html
    assert "No action met its threshold this month" in html


def test_front_page_escapes_user_text_and_links_reports():
    actions = [{"action": "Feature <img src=x onerror=alert(1)>", "expected_effect": "+$500",
                "evidence": "12 shows", "confidence": "high", "source": "sales_timing"}]
    html = _page(_payload(revenue_period=500.0), {"revenue_period": 400.0}, actions,
                 skipped={"marketing": "needs campaigns.csv"})
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Data:</b> &lt;b&gt;shop&amp;co" in html and "/home/ann" not in html
    assert 'href="overview.html"' in html and 'href="customers.html"' in html
    assert "needs campaigns.csv" in html and "+25.0% vs last month" in html


def test_previous_metrics_read_from_previous_run(tmp_path):
    f = tmp_path / "2026-09" / "metrics.json"
    f.parent.mkdir()
    f.write_text(json.dumps(_payload(revenue_period=123.0)))
    prev, src = frontpage.previous_metrics(f, None, None)
    assert prev["revenue_period"] == 123.0 and "2026-09" in src


def test_combined_file_links_inside_itself(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><head><title>t</title><style>.a{}</style></head><body class="ll-index">'
        '<a href="overview.html">Overview</a></body></html>')
    (tmp_path / "overview.html").write_text(
        '<html><head><style>.b{}</style></head><body><main><nav class="ll-toc"><a href="#s1">S</a></nav>'
        '<h2 id="s1">S</h2></main></body></html>')
    page = combined_html(tmp_path)
    assert 'href="#report-overview"' in page and 'id="report-overview"' in page
    assert 'href="#overview--s1"' in page and 'id="overview--s1"' in page
    assert page.count(".a{}") == 1 and ".b{}" in page


@pytest.mark.parametrize("kind,value,text", [("money", 1234.5, "$1,234"), ("pct", 12.34, "12.3%"),
                                             ("ratio", 3.456, "3.46x"), ("days", 1, "1 day"),
                                             ("per_dollar", 1.694, "$1.69")])
def test_card_value_formats(kind, value, text):
    assert frontpage.card_value(value, kind, "USD") == text


def test_previous_metrics_computed_when_no_previous_run(tmp_path, monkeypatch):
    # the pipeline hands over the KPIs its own process computed; nothing is recomputed then
    monkeypatch.setattr(frontpage, "previous_month_kpis", lambda ds, prev: pytest.fail("recomputed"))
    prev, src = frontpage.previous_metrics(tmp_path / "missing" / "metrics.json", None, None, {"revenue_period": 9.0})
    assert prev == {"revenue_period": 9.0} and src == "computed from the data (no previous run found)"
    # without them the previous month's KPIs come from lib.analytics.kpis.previous_month_kpis
    monkeypatch.setattr(frontpage, "previous_month_kpis", lambda ds, prev: {"label": prev.label})
    prev, _ = frontpage.previous_metrics(None, "ds", period_from_label("2026-10"))
    assert prev == {"label": "2026-09"}


def test_front_page_says_first_that_the_month_lost_money_after_ads_and_states_the_top_total():
    p = _payload(revenue_period=1000.0, gross_profit_period=400.0, marketing_spend_period=500.0,
                 gross_profit_after_marketing_period=-100.0, gross_margin_pct_period=40.0, roas_period=2.0)
    actions = [{"rank": "1", "action": "Mark down.", "expected_effect": "About $30 once.", "evidence": "e",
                "confidence": "high", "source": "products_inventory", "expected_value": "30.0", "effect_kind": "one-off",
                "expected_low": "10.0", "expected_high": "50.0", "expected_revenue": "90.0", "unit": "gross profit"},
               {"rank": "2", "action": "Move shows.", "expected_effect": "About $70 a month.", "evidence": "e",
                "confidence": "medium", "source": "sales_timing", "expected_value": "70.0", "effect_kind": "per month",
                "expected_low": "20.0", "expected_high": "90.0", "expected_revenue": "", "unit": "gross profit"}]
    html = _page(p, {}, actions)
    first = html.index('<p class="ll-alert"')
    assert first < html.index('id="kpis"') and "lost money after ad spend" in html[first:first + 400]
    # the total of the top actions as a share of the month's gross profit: 100 of 400 = 25%
    assert ("Together about $100 gross profit a month (80% range $30 to $140), 25% of October&#x27;s $400." in html
            or "Together about $100 gross profit a month (80% range $30 to $140), 25% of October's $400." in html)
    assert "<span class='ll-tag'>one-off</span>" in html
    cards = {c["key"]: c for c in frontpage.kpi_cards(p["metrics"], {})}
    assert cards["gross_profit_after_marketing_period"]["value"] == "-$100"
    # a month that covered its ad spend says nothing first
    ok = _payload(gross_profit_period=400.0, marketing_spend_period=100.0, gross_profit_after_marketing_period=300.0)
    assert 'class="ll-alert"' not in _page(ok, {})


# -- plain words first, method on demand (issue 19, point 2) -------------------------------------------------


def test_the_ad_spend_card_reads_sales_per_ad_dollar():
    cards = {c["key"]: c for c in frontpage.kpi_cards({"roas_period": 1.69}, {"roas_period": 1.57})}
    roas = cards["roas_period"]
    assert roas["label"] == "Sales per ad dollar" and roas["value"] == "$1.69"
    assert roas["delta"] == "+$0.12 vs last month" and roas["cls"] == "ll-up"
    down = {c["key"]: c for c in frontpage.kpi_cards({"roas_period": 1.5}, {"roas_period": 1.55})}["roas_period"]
    assert down["delta"] == "-$0.05 vs last month" and down["cls"] == "ll-down"
    assert frontpage.card_value(2.0, "per_dollar", "EUR") == "€2.00"
    assert not [c["label"] for c in frontpage.kpi_cards({}, {}) if JARGON.search(c["label"])]


def test_each_top_action_shows_its_method_folded_and_the_page_has_no_method_word_outside():
    actions = [{"rank": "1", "action": "Move shows.", "expected_effect": "About $70 a month.",
                "evidence": "Thursday earns more, a clear difference.", "confidence": "high", "source": "sales_timing",
                "method": "Mann-Whitney U test, p < 0.001 <b>"},
               {"rank": "2", "action": "Mark down.", "expected_effect": "About $30 once.", "evidence": "e",
                "confidence": "medium", "source": "products_inventory", "method": ""}]
    html = frontpage.actions_html(actions, {}, "2026-10")
    cut = html.index("<li><b>Mark down.")
    first, second = html[:cut], html[cut:]
    assert ('<details class="ll-method"><summary>How this was worked out</summary><ul><li>Mann-Whitney U test, '
            "p &lt; 0.001 &lt;b&gt;</li></ul></details>") in first
    assert first.index("Evidence: Thursday earns more") < first.index("<details")
    assert "<details" not in second
    page = _page(_payload(revenue_period=500.0, roas_period=1.69), {"roas_period": 1.5}, actions)
    assert page.count("<details") == 1 and "Sales per ad dollar" in page
    assert jargon_problems(page, "index.html") == []


def test_the_quality_table_sorts_like_the_report_tables(tmp_path):
    html = _page(_payload(revenue_period=500.0), {})
    assert "<th>Table</th><th>Action</th><th>Reason</th><th class=\"num\">Rows</th></tr></thead>" in html
    assert '<tbody><tr><td>sales</td><td>repaired</td>' in html and '<td class="num">3</td>' in html
    assert html.count("<script>") == 1 and 'th.classList.add("ll-sortable")' in html
    # the combined file keeps one copy of the script, from the front page's head
    (tmp_path / "index.html").write_text(html)
    assert combined_html(tmp_path).count('th.classList.add("ll-sortable")') == 1
