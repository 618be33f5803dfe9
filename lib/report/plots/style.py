"""Shared chart style and axis helpers: titled, labelled charts with currency axes, drawn for a phone screen."""

from __future__ import annotations

import base64
import io
import struct
import textwrap
import warnings

import matplotlib.category as mcategory
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.text as mtext
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib.gridspec import GridSpec, GridSpecFromSubplotSpec

from lib.narrative.fmt import money
from lib.report.alt_text import bars_alt, describe, figure_alt
from lib.report.privacy import mask_contacts

__all__ = ["setup_style", "mask_chart_text", "money_axis", "pct_axis", "new_ax", "bar", "PALETTE", "GREY",
           "HATCH", "PHONE_WIDTH_IN", "MIN_FONT_PT", "DPI", "SCREEN_PX", "MIN_TEXT_PX", "DESKTOP_SCALE",
           "phone_layout", "figure_png", "legend_above", "date_axis", "png_width", "text_px", "smallest_font_pt"]

#: Okabe-Ito colours (Okabe and Ito 2008, "Color Universal Design"): told apart with any colour vision; no red
#: against green. Blue, orange, bluish green, sky blue, vermillion, reddish purple, yellow, black.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#CC79A7", "#F0E442", "#000000"]
#: the "not enough data / not chosen" colour, always with a hatch as its second cue
GREY = "#BBBBBB"
#: the hatch that goes with a colour that carries meaning (a second cue besides the colour)
HATCH = "///"

#: figure width in inches; with MIN_FONT_PT text and DPI this keeps the smallest text at 11 px or more on a
#: 360 px wide screen: px = pt x DPI / 72 x 360 / image width px (issue 19, point 3)
PHONE_WIDTH_IN = 4.8
#: the smallest font size any chart text may have (tick labels, legends, annotations, colour-bar labels)
MIN_FONT_PT = 11.0
#: pixels per inch of the PNG (a 4.8 in chart is 720 px wide)
DPI = 150
#: the phone width the rule is checked at, and the smallest text size there
SCREEN_PX = 360
MIN_TEXT_PX = 11.0
#: CSS width of a chart on a wide screen, as a share of its pixel width (720 px shown at 540 px: 11 pt = 17 px)
DESKTOP_SCALE = 0.75


def setup_style() -> None:
    """Seaborn whitegrid look, phone-sized figures and fonts, the colour-blind-safe palette; every label drawn as
    plain text; figures reach the page through :func:`figure_png` (one column of charts, alt text).

    Matplotlib reads text between two ``$`` as mathematics, so a brand called ``$$ Sale $$`` would stop the
    chart (and the report) with a parse error; with ``text.parse_math`` off, titles, axis and tick labels,
    legends and annotations show the name as written. Money ticks (``$1,000``) hold one ``$`` and look the same.
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (PHONE_WIDTH_IN, 3.6), "figure.dpi": 96, "axes.titleweight": "bold",
                         "axes.titlesize": 12, "axes.labelsize": MIN_FONT_PT, "xtick.labelsize": MIN_FONT_PT,
                         "ytick.labelsize": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT,
                         "legend.title_fontsize": MIN_FONT_PT, "font.size": MIN_FONT_PT, "savefig.bbox": "tight",
                         "text.parse_math": False, "hatch.color": "#333333", "hatch.linewidth": 0.8})
    mask_chart_text()
    _register_png_formatter()


def _register_png_formatter() -> None:
    """Show every matplotlib figure in a notebook as :func:`figure_png` makes it (with its alt text)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    def _png(fig):
        data, meta = figure_png(fig)
        return base64.b64encode(data).decode("ascii"), meta

    shell.display_formatter.formatters["image/png"].for_type(Figure, _png)


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
    """The given Axes, or a new figure's: :data:`PHONE_WIDTH_IN` wide, as tall as ``figsize`` says."""
    if ax is None:
        _, ax = plt.subplots(figsize=(PHONE_WIDTH_IN, figsize[1]) if figsize else None)
    return ax


def _restack(fig) -> int:
    """Put the panels of a grid of charts (``plt.subplots(1, 3)``) one under the other, in reading order, each
    the figure's full width; colour bars and twin axes move with their chart. Returns the number of rows now."""
    cells: dict[tuple[int, int], list] = {}
    top_gs = None
    for ax in fig.axes:
        ss = ax.get_subplotspec()
        if ss is None:
            return 1
        top = ss.get_topmost_subplotspec()
        if top_gs is None:
            top_gs = top.get_gridspec()
        elif top.get_gridspec() is not top_gs:
            return 1
        cells.setdefault((top.rowspan.start, top.colspan.start), []).append(ax)
    if top_gs is None:
        return 1
    nrows, ncols = top_gs.get_geometry()
    if ncols == 1:
        return nrows
    new = GridSpec(len(cells), 1, figure=fig)
    for i, key in enumerate(sorted(cells)):
        for ax in cells[key]:
            gs = ax.get_subplotspec().get_gridspec()
            if gs is top_gs:
                ax.set_subplotspec(new[i, 0])
                continue
            while isinstance(gs, GridSpecFromSubplotSpec):  # a colour bar's split of the cell
                parent = gs._subplot_spec
                if parent.get_gridspec() is top_gs:
                    gs._subplot_spec = new[i, 0]
                    break
                gs = parent.get_gridspec()
            ax.set_subplotspec(ax.get_subplotspec())
    for ax in fig.axes:  # a shared axis hid the inner panels' tick labels; stacked, each chart needs its own
        if len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
            ax.tick_params(axis="y", labelleft=True)
        if len(ax.get_shared_x_axes().get_siblings(ax)) > 1:
            ax.tick_params(axis="x", labelbottom=True)
    return len(cells)


def _wrap(t: mtext.Text, width_pt: float) -> None:
    """Break a title or axis label into lines that fit ``width_pt`` (about 0.55 em a character)."""
    text = t.get_text()
    if not text:
        return
    bold = t.get_fontweight() in ("bold", 700, "heavy")
    chars = max(12, int(width_pt / ((0.62 if bold else 0.56) * t.get_fontsize())))
    wrapped = "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))
    if wrapped != text:
        t.set_text(wrapped)


def _wrap_tick_labels(ax, width_in: float) -> None:
    """Break long category names on the axes (product names, pairs) into two lines, the rest cut with "...";
    number and date ticks are left alone."""
    for axis, share in ((ax.yaxis, 0.42), (ax.xaxis, None)):
        if not isinstance(axis.get_major_formatter(), (mcategory.StrCategoryFormatter, mticker.FixedFormatter)):
            continue
        labels = axis.get_majorticklabels()
        texts = [t.get_text() for t in labels]
        if not texts or not any(texts):
            continue
        size = labels[0].get_fontsize()
        if share is None:  # across: each name gets its share of the width unless the names are turned
            if labels[0].get_rotation() != 0:
                continue
            room = width_in * 72 * 0.85 / len(texts)
        else:
            room = width_in * 72 * share
        chars = max(8, int(room / (0.56 * size)))
        if max(len(t) for t in texts) <= chars:
            continue
        wrapped = []
        for t in texts:
            lines = textwrap.wrap(t, chars) or [t]
            wrapped.append("\n".join(lines[:2]) + ("..." if len(lines) > 2 else ""))
        axis.set_ticks(axis.get_majorticklocs(), wrapped)


def phone_layout(fig, width_in: float = PHONE_WIDTH_IN) -> None:
    """Lay ``fig`` out for a phone (docs/metrics.md, Charts): panels one under the other, ``width_in`` wide, each
    panel as tall as before, no text below :data:`MIN_FONT_PT`, titles and axis labels wrapped to fit."""
    rows_before = fig.axes[0].get_subplotspec().get_topmost_subplotspec().get_gridspec().get_geometry()[0] \
        if fig.axes and fig.axes[0].get_subplotspec() is not None else 1
    panel_h = fig.get_figheight() / max(rows_before, 1)
    rows = _restack(fig)
    fig.set_size_inches(width_in, max(panel_h, 2.6) * rows if rows > 1 else fig.get_figheight())
    for t in fig.findobj(mtext.Text):
        if t.get_text() and t.get_fontsize() < MIN_FONT_PT:
            t.set_fontsize(MIN_FONT_PT)
    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None:
            _wrap(ax.yaxis.label, fig.get_figheight() * 72 * ax.get_position().height * 1.1)
            continue
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label):
            _wrap(t, width_in * 72 * 0.92)
        _wrap_tick_labels(ax, width_in)
        _wrap(ax.yaxis.label, fig.get_figheight() * 72 * ax.get_position().height)
    _fit_legends(fig)
    _tight(fig)


def _tight(fig) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()


def png_width(data: bytes) -> int:
    """The width in pixels of a PNG image (its IHDR header)."""
    return struct.unpack(">I", data[16:20])[0]


def text_px(pt: float, image_width_px: int, dpi: int = DPI, screen_px: int = SCREEN_PX) -> float:
    """How tall ``pt`` point text of an image ``image_width_px`` wide drawn at ``dpi`` shows on a ``screen_px``
    wide screen: pt x dpi / 72 x screen / width."""
    return pt * dpi / 72 * screen_px / image_width_px


def smallest_font_pt(fig) -> float:
    """The smallest font size of any text the last drawing of ``fig`` showed (tick labels in view included)."""
    tick_texts, sizes = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.majorTicks + axis.minorTicks:
                tick_texts |= {id(tick.label1), id(tick.label2)}
            sizes += [t.get_fontsize() for t in axis.get_ticklabels(which="both") if t.get_visible() and t.get_text()]
    sizes += [t.get_fontsize() for t in fig.findobj(mtext.Text)
              if id(t) not in tick_texts and t.get_visible() and t.get_text().strip()]
    return min(sizes) if sizes else MIN_FONT_PT


def figure_png(fig) -> tuple[bytes, dict]:
    """The figure as the pages show it: :func:`phone_layout`, a PNG at :data:`DPI` whose smallest text is at least
    :data:`MIN_TEXT_PX` on a :data:`SCREEN_PX` screen (narrowed when labels spill over), and its display metadata:
    the alt text built from the charts' data and the CSS width on a wide screen."""
    if fig.axes:
        phone_layout(fig)
    for _ in range(4):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08, facecolor="white")
        data = buf.getvalue()
        w = png_width(data)
        if not fig.axes:
            break
        allowed = smallest_font_pt(fig) * DPI / 72 * SCREEN_PX / MIN_TEXT_PX  # the widest image the rule allows
        if w <= allowed:
            break
        fig.set_size_inches(max(2.8, fig.get_figwidth() - (w - 0.97 * allowed) / DPI), fig.get_figheight())
        _tight(fig)
        _fit_legends(fig)
        _tight(fig)
    return _fewer_colours(data), {"alt": figure_alt(fig), "width": round(w * DESKTOP_SCALE)}


def _fewer_colours(data: bytes) -> bytes:
    """The PNG with at most 256 colours (a chart has a few, plus their anti-aliased edges): about a third of the
    bytes of the full-colour image (issue 19, point 3: chosen over SVG by measured size)."""
    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                               dither=Image.Dither.NONE)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def legend_above(ax, handles=None, labels=None, ncol: int = 2, **kw):
    """A legend between the title and the chart, out of the data's way (right-aligned with the chart, so a wide one
    reaches over the axis labels rather than past the figure); the title moves up to make room."""
    h, lab = ax.get_legend_handles_labels()
    handles, labels = handles if handles is not None else h, labels if labels is not None else lab
    if not handles:
        return None
    line = int(PHONE_WIDTH_IN * 72 * 0.9 / (0.56 * MIN_FONT_PT)) - 4  # characters a legend row holds
    labels = ["\n".join(textwrap.wrap(str(x), line)) or str(x) for x in labels]
    longest = max(len(x.split("\n")[0]) for x in labels) + 4  # a handle and the gap take about four characters
    ncol = max(1, min(ncol, len(handles), int(PHONE_WIDTH_IN * 72 * 0.9 / (0.56 * MIN_FONT_PT) // longest)))
    leg = ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.01), ncol=ncol, frameon=False,
                    borderaxespad=0.0, handlelength=1.6, columnspacing=1.0, **kw)
    leg._ll_above = True
    _title_over_legend(ax, leg)
    return leg


def _title_over_legend(ax, leg) -> None:
    rows = -(-len(leg.legend_handles) // leg._ncols) + (1 if leg.get_title().get_text() else 0)
    ax.set_title(ax.get_title(), pad=6 + rows * leg.get_texts()[0].get_fontsize() * 1.45)


def _fit_legends(fig) -> None:
    """Fewer columns for a legend above a chart that is wider than the figure (it would widen the image)."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is not None and not getattr(leg, "_ll_above", False) and \
                leg.get_window_extent(renderer).x1 > fig.get_figwidth() * fig.dpi:  # placed past the right edge
            leg = legend_above(ax, leg.legend_handles, [t.get_text() for t in leg.get_texts()], ncol=1)
        if leg is None or not getattr(leg, "_ll_above", False):
            continue
        limit = ax.get_position().x1 * fig.get_figwidth() * fig.dpi * 0.98  # from the figure's left to the chart's right
        while leg._ncols > 1 and leg.get_window_extent(renderer).width > limit:
            leg.set_ncols(leg._ncols - 1)
        _title_over_legend(ax, leg)


def date_axis(ax, axis: str = "x"):
    """Short date ticks that need no rotation ("Jan", "Apr", ... with the year under the first of each)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    loc = mdates.AutoDateLocator(minticks=3, maxticks=6)
    target.set_major_locator(loc)
    target.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
    ax.tick_params(axis=axis, rotation=0)
    return ax


class _MoneyLogMinorFormatter(mticker.LogFormatter):
    """Minor ticks of a log-scale money axis: the ticks matplotlib's default would label, as money.

    The default writes them in math text (``2\\times10^{2}``), which reads as code with math text off.
    """

    def __init__(self, currency: str):
        super().__init__(base=10.0, labelOnlyBase=False)
        self.currency = currency

    def __call__(self, x, pos=None) -> str:
        return tick_money(x, self.currency) if super().__call__(x, pos) else ""


def tick_money(v: float, currency: str = "USD") -> str:
    """A money tick label short enough for a phone: "$4,000" below 10,000, then "$300k", "$1.2M"."""
    a = abs(v)
    if a < 10_000:
        return money(v, currency)
    sym = money(0, currency)[:-1]
    sign = "-" if v < 0 else ""
    if a < 1_000_000:
        return f"{sign}{sym}{a / 1_000:,.0f}k"
    short = f"{a / 1_000_000:,.1f}".removesuffix(".0")
    return f"{sign}{sym}{short}M"


def money_axis(ax, axis: str = "y", currency: str = "USD"):
    """Format an axis as currency, short from 10,000 on (:func:`tick_money`; on a log scale its labelled minor ticks
    too); returns the Axes."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(mticker.FuncFormatter(lambda v, _p: tick_money(v, currency)))
    if target.get_scale() == "log":
        target.set_minor_formatter(_MoneyLogMinorFormatter(currency))
    return ax


def pct_axis(ax, axis: str = "y"):
    """Format an axis of 0-100 values as percent; returns the Axes."""
    f = mticker.FuncFormatter(lambda v, _p: f"{v:.0f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)
    return ax


def bar(values: pd.Series, title: str, xlabel: str, ylabel: str, ax=None, currency: str | None = None,
        horizontal: bool = False, color: str = PALETTE[0], value_fmt=None, what: str | None = None):
    """A titled, labelled bar chart of a Series (index = categories, contact details masked), with alt text from
    its values (``value_fmt``, else money in ``currency``, else a count; ``what`` names the bars in it, else the
    title); returns the Axes."""
    ax = new_ax(ax, figsize=(PHONE_WIDTH_IN, 0.32 * len(values) + 1.6) if horizontal else None)
    labels = [mask_contacts(str(i)) for i in values.index]
    if horizontal:
        ax.barh(labels[::-1], values.to_numpy()[::-1], color=color)
        if currency:
            money_axis(ax, "x", currency)
    else:
        ax.bar(labels, values.to_numpy(), color=color)
        if currency:
            money_axis(ax, "y", currency)
        if len(values) > 4:
            ax.tick_params(axis="x", rotation=45)
            plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fmt = value_fmt or ((lambda v: money(v, currency)) if currency else (lambda v: f"{v:,.0f}"))
    return describe(ax, bars_alt(what or title, labels, values.to_numpy(), fmt))
