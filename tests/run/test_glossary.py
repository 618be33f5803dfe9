"""The glossary (issue 19, point 2): the words that remain on the pages in the owner's terms, the customer groups,
and the methods of the "How this was worked out" blocks folded under a Methods heading; the combined file carries it
without method words in its main text."""

from __future__ import annotations

import re

from lib.analytics.rfm import PROSPECTS, SEGMENTS
from lib.narrative.glossary import GROUPS_SECTION, METHODS_SECTION, TERMS, section_terms, term_anchor
from lib.run.combined import combined_html
from lib.run.glossary import glossary_body, glossary_html
from tests.e2e.test_page_scan import JARGON, jargon_problems

#: the words the pages keep, which the glossary must explain (the task's list)
PAGE_WORDS = ("Probability still active", "Days to sell", "Return on ad spend", "Sales per ad dollar",
              "Gross profit per ad dollar", "80% range", "95% range", "A clear difference", "No clear difference",
              "May be chance", "Purchase days", "Still unsold", "Customer groups", "Break-even", "Gross profit",
              "One-off")
#: the methods the method blocks name
METHODS = ("BG/NBD", "Gamma-gamma", "Kaplan-Meier", "Log-rank test", "Welch t-test", "Mann-Whitney U test",
           "Kruskal-Wallis test", "Fisher exact test with Benjamini-Hochberg", "Bootstrap", "Delta method",
           "Exponential smoothing and seasonal naive", "MASE", "Diebold-Mariano test", "Markov removal effect",
           "Shrinkage")


def test_every_page_word_and_method_has_one_entry_under_its_heading():
    by_name = {t.term: t for t in TERMS}
    assert len(by_name) == len(TERMS) and len({term_anchor(t.term) for t in TERMS}) == len(TERMS)
    for word in PAGE_WORDS:
        assert by_name[word].section == "", word
    assert [t.term for t in section_terms(METHODS_SECTION)] == list(METHODS)
    # the groups in their display order, Prospects last, each with its status and the churn limit
    assert [t.term for t in section_terms(GROUPS_SECTION)] == list(SEGMENTS) and SEGMENTS[-1] == PROSPECTS
    assert by_name["Champions"].meaning.startswith("Current customers (last purchase within 90 days): bought very "
                                                   "recently")
    assert by_name["Can't lose"].meaning.startswith("Lapsed customers (no purchase for more than 90 days): a very "
                                                    "strong history")
    # one or two plain sentences a method; the general words explain without method names
    assert all(1 <= len(re.findall(r"[.!?](?:\s|$)", t.meaning)) <= 2 for t in section_terms(METHODS_SECTION))
    assert not [t.term for t in TERMS if t.section != METHODS_SECTION and JARGON.search(t.term + " " + t.meaning)]


def test_the_methods_are_folded_under_their_heading_on_the_page():
    body = glossary_body()
    heading = body.index('<h3 id="glossary-methods">Methods</h3>')
    fold = body.index('<details class="ll-method">', heading)
    assert body.index("<summary>The tests and models named in the folded", fold) == fold + len(
        '<details class="ll-method">')
    assert fold < body.index('<dt id="term-bg-nbd">BG/NBD</dt>') < body.index("</details>", fold)
    assert body.index('<h3 id="glossary-groups">Customer groups</h3>') < heading
    assert body.count("<dt ") == len(TERMS)
    page = glossary_html("2026-10")
    assert body in page and jargon_problems(page, "glossary.html") == []


def test_the_combined_file_carries_the_glossary_without_method_words_in_its_main_text(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><head><style>.a{}</style></head><body class="ll-index"><p>Sales per ad dollar $1.69</p>'
        '<a href="glossary.html">What the words mean</a></body></html>')
    (tmp_path / "overview.html").write_text(
        '<html><head></head><body><main><p>Weekends sell less, a clear difference.</p><details class="ll-method">'
        "<summary>How this was worked out</summary><ul><li>Welch t-test p = 0.001</li></ul></details></main>"
        "</body></html>")
    page = combined_html(tmp_path)
    assert jargon_problems(page, "lace-luxx-2026-10.html") == []
    assert '<dt id="term-diebold-mariano-test">Diebold-Mariano test</dt>' in page and 'href="#glossary"' in page
