"""The Sales timing and Overview charts name no statistical method in their titles, labels, legends or alt text
(issue 19, point 2: the method words live in the pages' "How this was worked out" blocks)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from lib.report import alt_text
from tests.e2e.test_page_scan import JARGON
from tests.report.test_plots import CHARTS

OWN = sorted(k for k in CHARTS if k.split(".")[0] in ("timing", "shows", "overview"))


def _words(ax) -> list[str]:
    legend = ax.get_legend()
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), alt_text.described(ax) or "",
            *([t.get_text() for t in legend.get_texts()] if legend else []),
            *[h.get_label() for h in ax.get_legend_handles_labels()[0]]]


@pytest.mark.parametrize("name", OWN)
def test_chart_words_are_plain(name):
    ax = CHARTS[name]()
    try:
        hits = [w for w in _words(ax) if JARGON.search(w)]
        assert hits == [], hits
    finally:
        plt.close("all")


def test_the_slot_charts_say_adjusted_and_range():
    ax = CHARTS["shows.top_slots_bars"]()
    try:
        assert ax.get_title() == ("Top show slots by revenue per show hour, adjusted for few shows (blue: clearly "
                                  "above average, 80% range; grey, hatched: not clearly)")
        assert sorted(ax.get_legend_handles_labels()[1]) == ["adjusted for how few shows a slot has", "the slot's own"]
    finally:
        plt.close("all")
    ax = CHARTS["timing.forecast_chart"]()
    try:
        assert "past months forecast as a test" in ax.get_title()
        assert any(lbl.startswith("Forecast, ") and lbl.endswith("% range")
                   for lbl in ax.get_legend_handles_labels()[1])
    finally:
        plt.close("all")
