"""Shared chart style and axis helpers: titled, labelled charts with currency axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.text as mtext
import matplotlib.ticker as mticker
import pandas as pd

from lib.narrative.fmt import money
from lib.report.privacy import mask_contacts

__all__ = ["setup_style", "mask_chart_text", "money_axis", "pct_axis", "new_ax", "bar", "PALETTE"]

PALETTE = ["#7b2d43", "#c9a227", "#2f4858", "#8fa998", "#d98e73", "#5c5470", "#a3b18a", "#3d5a80"]


def setup_style() -> None:
    """Seaborn whitegrid look, readable sizes, the suite's palette; every label drawn as plain text.

    Matplotlib reads text between two ``$`` as mathematics, so a brand called ``$$ Sale $$`` would stop the
    chart (and the report) with a parse error; with ``text.parse_math`` off, titles, axis and tick labels,
    legends and annotations show the name as written. Money ticks (``$1,000``) hold one ``$`` and look the same.
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (9, 4.2), "figure.dpi": 96, "axes.titleweight": "bold",
                         "axes.titlesize": 12, "savefig.bbox": "tight", "text.parse_math": False})
    mask_chart_text()


def mask_chart_text() -> None:
    """Mask contact details in every text a chart draws (titles, labels, ticks, legends, annotations).

    Charts are images, so the pages' leak check cannot read them: every matplotlib Text goes through
    lib.report.privacy.mask_contacts when its text is set, as the pages' own text does. Idempotent.
    """
    if getattr(mtext.Text.set_text, "_masks_contacts", False):
        return
    original = mtext.Text.set_text

    def set_text(self, s):
        return original(self, mask_contacts(s) if isinstance(s, str) and s else s)

    set_text._masks_contacts = True
    mtext.Text.set_text = set_text


def new_ax(ax=None, figsize: tuple[float, float] | None = None):
    """The given Axes, or a new figure's."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


class _MoneyLogMinorFormatter(mticker.LogFormatter):
    """Minor ticks of a log-scale money axis: the ticks matplotlib's default would label, as money.

    The default writes them in math text (``2\\times10^{2}``), which reads as code with math text off.
    """

    def __init__(self, currency: str):
        super().__init__(base=10.0, labelOnlyBase=False)
        self.currency = currency

    def __call__(self, x, pos=None) -> str:
        return money(x, self.currency) if super().__call__(x, pos) else ""


def money_axis(ax, axis: str = "y", currency: str = "USD"):
    """Format an axis as currency (on a log scale its labelled minor ticks too); returns the Axes."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(mticker.FuncFormatter(lambda v, _p: money(v, currency)))
    if target.get_scale() == "log":
        target.set_minor_formatter(_MoneyLogMinorFormatter(currency))
    return ax


def pct_axis(ax, axis: str = "y"):
    """Format an axis of 0-100 values as percent; returns the Axes."""
    f = mticker.FuncFormatter(lambda v, _p: f"{v:.0f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)
    return ax


def bar(values: pd.Series, title: str, xlabel: str, ylabel: str, ax=None, currency: str | None = None,
        horizontal: bool = False, color: str = PALETTE[0]):
    """A titled, labelled bar chart of a Series (index = categories, contact details masked); returns the Axes."""
    ax = new_ax(ax)
    labels = [mask_contacts(str(i)) for i in values.index]
    if horizontal:
        ax.barh(labels[::-1], values.to_numpy()[::-1], color=color)
        if currency:
            money_axis(ax, "x", currency)
    else:
        ax.bar(labels, values.to_numpy(), color=color)
        if currency:
            money_axis(ax, "y", currency)
        if len(values) > 6:
            ax.tick_params(axis="x", rotation=45)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
