"""The charts' colours stay apart for readers with red-green (and blue-yellow) colour blindness."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lib.report.plots import brands, style  # noqa: E402

#: Machado, Oliveira and Fernandes (2009) simulation matrices at full severity, applied to linear RGB
CVD = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: the smallest CIE76 colour difference two chart colours may have for every viewer (about 5x a just noticeable
#: one; matplotlib's own red and green, #d62728 and #2ca02c, are 7 apart for a deuteranope)
MIN_DELTA_E = 12.0
#: colours that carry a meaning on a chart besides the palette (the verdicts)
MEANING = {"verdicts": list(brands.VERDICT_COLOURS.values())}


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def seen(colours, vision: str | None) -> np.ndarray:
    """CIE Lab of ``colours`` as a viewer with ``vision`` (None: typical colour vision) sees them."""
    lin = _linear(np.array([mcolors.to_rgb(c) for c in colours]))
    if vision:
        lin = np.clip(lin @ CVD[vision].T, 0, 1)
    return _lab(lin)


def closest_pair(colours, vision: str | None) -> tuple[float, tuple[str, str]]:
    lab = seen(colours, vision)
    return min((float(np.linalg.norm(lab[i] - lab[j])), (colours[i], colours[j]))
               for i, j in itertools.combinations(range(len(colours)), 2))


@pytest.mark.parametrize("vision", [None, *CVD])
@pytest.mark.parametrize("name, colours", [("palette", style.PALETTE + [style.GREY]), *MEANING.items()])
def test_no_two_chart_colours_look_alike(name, colours, vision):
    d, pair = closest_pair(colours, vision)
    assert d >= MIN_DELTA_E, f"{name}: {pair} are {d:.1f} apart for {vision or 'typical'} vision"


def test_the_check_catches_a_red_green_pair():
    # matplotlib's default red and green: plainly different to typical vision, alike to a deuteranope
    assert closest_pair(["#d62728", "#2ca02c"], None)[0] > 100
    assert closest_pair(["#d62728", "#2ca02c"], "deuteranopia")[0] < MIN_DELTA_E


def _scale_ends(cmap) -> np.ndarray:
    return np.array([cmap(0.0)[:3], cmap(0.5)[:3], cmap(1.0)[:3]])


@pytest.mark.parametrize("vision", [None, *CVD])
def test_every_colour_scale_on_a_chart_keeps_its_ends_apart(vision):
    from tests.report import test_plots

    style.setup_style()
    cmaps = {}
    for name, draw in test_plots.CHARTS.items():
        ax = draw()
        for artist in ax.figure.findobj(lambda a: hasattr(a, "get_cmap") and hasattr(a, "get_array")):
            cmap = artist.get_cmap()
            if cmap.N > 1:  # a one-colour map marks a state (grey: too few shows), not a scale
                cmaps[cmap.name if cmap.name != "unnamed" else f"{name} scale"] = cmap
        plt.close("all")
    assert {"cividis", "viridis", "Blues"} <= set(cmaps)  # the scales the charts use were found (PuOr, recentred by
    # seaborn, has no name)
    for name, cmap in cmaps.items():
        lo, mid, hi = seen(_scale_ends(cmap), vision)
        assert np.linalg.norm(lo - hi) >= 3 * MIN_DELTA_E, f"{name}: ends look alike for {vision or 'typical'} vision"
        if name in ("PuOr", "RdBu", "BrBG"):  # a diverging scale: each end apart from the middle too
            assert min(np.linalg.norm(lo - mid), np.linalg.norm(hi - mid)) >= 2 * MIN_DELTA_E, name


def test_red_yellow_green_would_fail_the_scale_check():
    lo, _, hi = seen(_scale_ends(matplotlib.colormaps["RdYlGn"]), "deuteranopia")
    assert np.linalg.norm(lo - hi) < 3 * MIN_DELTA_E
