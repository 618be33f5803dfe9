"""Markdowns computed once and fast: numpy's binomial draws from the same seed, the page's curve reused."""

import numpy as np
import pandas as pd
import pytest

from lib.analytics import inventory
from lib.data import derived
from tests.analytics.test_inventory import aged_shop


def _loop_sims(units: np.ndarray, p: np.ndarray, margin: np.ndarray, draws: int = 4000, seed: int = 0) -> np.ndarray:
    """The simulation as numpy draws it: blocks of 2,000 items, ``rng.binomial`` of each block."""
    rng = np.random.default_rng(seed)
    sims = np.zeros(draws)
    for lo in range(0, len(units), 2000):
        sl = slice(lo, lo + 2000)
        sims += rng.binomial(units[sl], p[sl], size=(draws, len(units[sl]))) @ margin[sl]
    return sims


def test_inversion_draws_equal_numpy_binomial():
    # every branch: n 0 and p 0 (no uniform drawn), p above 0.5 (mirrored), p 0.5 and 1, n up to 7
    n = np.array([1, 1, 2, 0, 3, 1, 7, 2, 1, 5])
    p = np.array([0.1, 0.0, 0.3, 0.4, 0.8, 1.0, 0.5, 0.999, 1e-9, 0.25])
    got = inventory._inversion_draws(np.random.default_rng(7), n, p, 500)
    want = np.random.default_rng(7).binomial(n, p, size=(500, len(n)))
    assert got.dtype == np.float64 and np.array_equal(got, want)
    assert (got[:, [1, 3]] == 0).all() and (got[:, 5] == 1).all()
    # the generator moves on exactly as numpy's: the next uniform is the same
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    inventory._inversion_draws(a, n, p, 500)
    b.binomial(n, p, size=(500, len(n)))
    assert a.random() == b.random()


def test_inversion_draws_leave_the_generator_when_numpy_would_not_invert():
    # n x p = 40 > 30: numpy uses BTPE; nothing is drawn and the caller draws the numpy way
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    assert inventory._inversion_draws(rng, np.array([1, 80]), np.array([0.2, 0.5]), 10) is None
    assert rng.bit_generator.state == before
    with pytest.raises(ValueError):  # numpy's own error for a chance outside 0-1
        inventory._binomial_sims(np.array([1, 1]), np.array([0.2, 1.5]), np.array([3.0, 1.0]), 10, 0)
    sims = inventory._binomial_sims(np.array([1, 80]), np.array([0.2, 0.5]), np.array([3.0, -1.5]), 50, 3)
    assert np.array_equal(sims, _loop_sims(np.array([1, 80]), np.array([0.2, 0.5]), np.array([3.0, -1.5]), 50, 3))


def test_binomial_sims_equal_the_numpy_loop_over_several_blocks():
    rng = np.random.default_rng(11)
    units = rng.choice([1, 1, 1, 2, 3], 4500)
    p = np.where(rng.random(4500) < 0.05, 0.0, rng.random(4500) * 0.6)
    margin = rng.normal(20, 30, 4500)
    assert np.array_equal(inventory._binomial_sims(units, p, margin, 300, 0), _loop_sims(units, p, margin, 300, 0))


def test_markdown_sale_effect_unchanged_on_the_sample(sample_report):
    lc = derived.product_lifecycle(sample_report.ds.tables, sample_report.lines, sample_report.period.end)
    c = derived.completed_lines(sample_report.lines)
    cands = inventory.markdown_candidates(inventory.stock_on_hand(lc, sample_report.period.end), c, 90, lifecycle=lc)
    m = cands[(cands["markdown_pct"] > 0) & cands["p_sell_30d"].notna()]
    assert len(m) > 100 and (m["units_on_hand"] > 1).any()
    price = m["suggested_price"].to_numpy(dtype="float64")
    margin = price * (1 - m["fee_share"].to_numpy()) - m["shipping_per_unit"].to_numpy() - m["unit_cost"].to_numpy()
    units, p = m["units_on_hand"].to_numpy(dtype="int64"), m["p_sell_30d"].to_numpy(dtype="float64")
    sims = _loop_sims(units, p, margin)
    e = inventory.markdown_sale_effect(cands)
    lo, hi = np.quantile(sims, [0.1, 0.9])
    assert (e.low, e.high) == (min(lo, e.gross_profit), max(hi, e.gross_profit))
    assert e.gross_profit == pytest.approx(float((units * p * margin).sum()))
    assert np.array_equal(inventory._binomial_sims(units, p, margin, 4000, 0), sims)


def test_markdown_candidates_from_the_pages_curve():
    sold, lc, end = aged_shop()
    stock = inventory.stock_on_hand(lc, end)
    own = inventory.markdown_candidates(stock, sold, 90, lifecycle=lc)
    curve = inventory.price_age_curve(sold)
    pd.testing.assert_frame_equal(inventory.markdown_candidates(stock, sold, 90, lifecycle=lc, curve=curve), own)
    # the curve passed is the one read: a flat line at 0.6 of list price asks 40% off every item; u120's 60 is below
    # its break-even 61.12, so it is capped at floor((1 - 61.12 / 100) x 100) = 38%
    flat = curve.assign(intercept=0.6, slope_per_day=0.0)
    m = inventory.markdown_candidates(stock, sold, 90, lifecycle=lc, curve=flat).set_index("product_id")
    assert m["data_markdown_pct"].tolist() == [40.0, 40.0, 40.0]
    assert m.loc["u120", "markdown_pct"] == 38 and m.loc["u300", "markdown_pct"] == 40
