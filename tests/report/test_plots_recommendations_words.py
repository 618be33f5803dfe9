"""The Recommendations charts speak the pages' plain words (issue 19, point 2): no method name in a title, an axis
label, a legend or the alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from lib.report import alt_text
from tests.e2e.test_page_scan import JARGON
from tests.report.test_plots import CHARTS, _boot


def _words(ax) -> list[str]:
    legend = ax.get_legend()
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), alt_text.described(ax),
            *([t.get_text() for t in legend.get_texts()] if legend else [])]


@pytest.mark.parametrize("name", sorted(n for n in CHARTS if n.startswith("recommendations.")))
def test_recommendation_charts_hold_no_method_word(name):
    ax = CHARTS[name]()
    try:
        words = _words(ax)
        assert words[0] and not [w for w in words if JARGON.search(w)], words
    finally:
        plt.close(ax.figure)


def test_the_channel_chart_names_what_it_counts_per_ad_dollar():
    from lib.report.plots import recommendations

    gp = recommendations.channel_roas(_boot())
    sales = recommendations.channel_roas(_boot().assign(gp_roas=float("nan")))
    try:
        assert gp.get_title() == "Gross profit per ad dollar by channel (90% range)"
        assert sales.get_title() == "Sales per ad dollar by channel (90% range)"
        assert sales.get_xlabel() == "Sales per USD spent (credited to the last contact)"
    finally:
        plt.close(gp.figure)
        plt.close(sales.figure)
