"""Tests of lib.analytics.clv: hand-computed formulas, gradients and too-little-data messages.

The fits against the published CDNOW estimates are in tests/reference/test_cdnow.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import clv
from lib.config import CDNOW_DIR

#: plausible parameters for the formula tests: the published CDNOW fit (tests/reference/test_cdnow.py)
CDNOW_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


# ------------------------------------------------------------------ hand-computed formulas


def _fit(r, alpha, a, b) -> clv.BGNBDFit:
    return clv.BGNBDFit(r, alpha, a, b, log_likelihood=0.0, n_customers=0, n_repeat=0, converged=True)


def test_probability_alive_by_hand():
    # r=1, alpha=1, a=1, b=2, x=1, t_x=1, T=2:
    # odds of having dropped out = a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) = 1/2 * (3/2)^2 = 9/8
    # P(alive) = 1 / (1 + 9/8) = 8/17; a customer without repeats is alive with probability 1
    p = clv.probability_alive(_fit(1, 1, 1, 2), [1, 0], [1, 0], [2, 5])
    assert p[0] == pytest.approx(8 / 17, abs=1e-12)
    assert p[1] == 1.0


def test_bgnbd_likelihood_by_hand():
    # r=1, alpha=1, a=1, b=2 and x=0, T=1: L = B(a, b)/B(a, b) * alpha^r / (alpha+T)^r = 1/2
    # x=1, t_x=1, T=2: Gamma(2)/Gamma(1) = 1; B(1,3)/B(1,2) = (1/3)/(1/2) = 2/3;
    #   first term 2/3 * 1/(3^2) = 2/27; second term B(2,2)/B(1,2) * 1/(2^2) = (1/6)/(1/2)/4 = 1/12
    #   L = 2/27 + 1/12 = 17/108
    ll = clv.bgnbd_log_likelihood((1, 1, 1, 2), [0, 1], [0, 1], [1, 2])
    assert np.exp(ll) == pytest.approx([1 / 2, 17 / 108], abs=1e-12)


def test_conditional_expectation_of_a_brand_new_customer_equals_unconditional():
    # with x = 0 and T = 0 nothing has been observed yet: E[Y(t) | 0, 0, 0] = E[X(t)] (FHL 2005 eq. 9 vs 10)
    f = _fit(**CDNOW_BG)
    assert clv.expected_purchases(f, 39, [0], [0], [0])[0] == pytest.approx(clv.expected_purchases_new(f, 39))


def test_bgnbd_gradient_matches_finite_differences():
    p = np.array([0.5, 3.0, 0.8, 2.5])
    x, tx, T = np.array([0.0, 1, 4]), np.array([0.0, 2, 10]), np.array([5.0, 8, 12])
    g = clv.bgnbd_gradient(tuple(p), x, tx, T)
    for i in range(4):
        h = np.zeros(4)
        h[i] = 1e-6
        num = (clv.bgnbd_log_likelihood(tuple(p + h), x, tx, T)
               - clv.bgnbd_log_likelihood(tuple(p - h), x, tx, T)) / 2e-6
        assert g[i] == pytest.approx(num, rel=1e-5, abs=1e-8)


def test_gamma_gamma_gradient_matches_finite_differences():
    p = np.array([3.0, 4.0, 12.0])
    x, z = np.array([1.0, 3, 7]), np.array([20.0, 35, 8])
    g = clv.gamma_gamma_gradient(tuple(p), x, z)
    for i in range(3):
        h = np.zeros(3)
        h[i] = 1e-6
        num = (clv.gamma_gamma_total(tuple(p + h), x, z)[0]
               - clv.gamma_gamma_total(tuple(p - h), x, z)[0]) / 2e-6
        assert g[i].sum() == pytest.approx(num, rel=1e-5)


def test_expected_spend_by_hand():
    # p=2, q=3, gamma=10: x=2, zbar=5 -> (10 + 2*5) * 2 / (2*2 + 3 - 1) = 40/6; x=0 -> population mean
    # p*gamma/(q-1) = 20/2 = 10
    gg = clv.GammaGammaFit(2, 3, 10, 0.0, 0, True)
    assert clv.expected_spend(gg, [2, 0], [5, 0]) == pytest.approx([40 / 6, 10.0])
    assert gg.mean_spend == 10.0


def test_clv_one_month_without_discount_is_expected_purchases_times_spend():
    bg, gg = _fit(**CDNOW_BG), clv.GammaGammaFit(2, 3, 10, 0.0, 0, True)
    s = pd.DataFrame({"x": [2], "t_x": [30.0], "T": [38.0], "x_value": [2], "zbar": [5.0]})
    month = 365.25 / 12 / 7
    want = clv.expected_purchases(bg, month, [2], [30.0], [38.0])[0] * 40 / 6
    assert clv.customer_lifetime_value(bg, gg, s, months=1, monthly_discount=0).iloc[0] == pytest.approx(want)
    # discounting 1% a month divides the first month by 1.01
    assert clv.customer_lifetime_value(bg, gg, s, months=1, monthly_discount=0.01).iloc[0] == pytest.approx(
        want / 1.01)


def test_clv_sums_expected_purchases_month_by_month_exactly():
    # customers sharing (x, T) with different t_x, and repeated rows: the month terms are computed once per (x, T)
    # and P(alive) once, the same floats as the monthly expected_purchases differences (not just close)
    bg, gg = _fit(**CDNOW_BG), clv.GammaGammaFit(2, 3, 10, 0.0, 0, True)
    s = pd.DataFrame({"x": [2, 2, 0, 2, 5], "t_x": [30.0, 12.0, 0.0, 30.0, 20.0], "T": [38.0, 38.0, 10.0, 38.0, 38.0],
                      "x_value": [2, 2, 0, 2, 4], "zbar": [5.0, 5.0, 0.0, 5.0, 9.0]})
    month = 365.25 / 12 / 7
    x, t_x, T = (s[c].to_numpy() for c in ("x", "t_x", "T"))
    want, prev = np.zeros(len(s)), np.zeros(len(s))
    for m in range(1, 13):
        cur = clv.expected_purchases(bg, m * month, x, t_x, T)
        want += (cur - prev) / 1.01 ** m
        prev = cur
    want *= clv.expected_spend(gg, s["x_value"], s["zbar"])
    got = clv.customer_lifetime_value(bg, gg, s).to_numpy()
    assert got.tolist() == want.tolist()
    assert got[0] == got[3] and got[0] > got[1] > 0  # same history, same value; an older last purchase, less


def test_frequency_recency_matrix_shape_and_monotone_in_recency():
    m = clv.frequency_recency_matrix(_fit(**CDNOW_BG), T=38.0, horizon=13.0, max_x=5, n_recency=6)
    assert m.shape == (6, 6)
    assert np.isnan(m.iloc[0, 1:]).all() and m.iloc[0, 0] > 0
    # for a given x, a more recent last purchase means more expected purchases
    assert (np.diff(m.iloc[3].to_numpy()) > 0).all()


# ------------------------------------------------------------------ too little data: clear messages


@pytest.mark.parametrize("n", [1, 2])
def test_fit_on_one_or_two_customers_fails_with_a_clear_message(n):
    x, tx, T = [1, 3][:n], [2.0, 5.0][:n], [10.0, 10.0][:n]
    with pytest.raises(ValueError, match=rf"too few customers for the BG/NBD model.*{n} customer"):
        clv.fit_bgnbd(x, tx, T)
    with pytest.raises(ValueError, match="too few repeat buyers"):
        clv.fit_gamma_gamma(x, [10.0, 12.0][:n])


def test_fit_rejects_impossible_histories():
    with pytest.raises(ValueError, match="t_x <= T"):
        clv.fit_bgnbd([1] * 30, [5.0] * 30, [4.0] * 30)


def test_small_fit_is_flagged_unstable_rather_than_shown():
    # 20 customers, 5 with one repeat: the four parameters cannot be pinned down
    x = np.array([1] * 5 + [0] * 15)
    tx = np.array([3.0] * 5 + [0.0] * 15)
    T = np.full(20, 10.0)
    fit = clv.fit_bgnbd(x, tx, T)
    assert not fit.stable
    # every parameter is flagged with its code and numbers: r and alpha loose, a and b without a standard error
    got = {d.parameter: d.code for d in fit.diagnostics}
    assert got == {"r": "large_se", "alpha": "large_se", "a": "undefined_se", "b": "undefined_se"}
    for d in fit.diagnostics:
        assert d.model == "purchase" and d.limit == clv.MAX_LOG_SE and d.value == fit.params[d.parameter]
        assert (d.se > clv.MAX_LOG_SE) if d.code == "large_se" else not np.isfinite(d.se)


def test_regular_buyers_drive_alpha_to_its_bound_and_identical_spend_loosens_p_and_q():
    # 300 customers who buy every 2 weeks up to the end: one purchase rate for everyone, no dropout
    rng = np.random.default_rng(1)
    T = rng.integers(20, 60, 300).astype(float)
    fit = clv.fit_bgnbd(np.floor(T / 2), T.copy(), T)
    bound = {d.parameter: (d.code, d.limit) for d in fit.diagnostics if d.code.startswith("at_")}
    assert bound == {"alpha": ("at_upper_bound", 1e6), "a": ("at_lower_bound", 1e-6)}
    assert fit.alpha == pytest.approx(1e6, rel=1e-3) and fit.a == pytest.approx(1e-6, rel=1e-3)
    # the same spend on every purchase day: p and q cannot be told apart (no standard error), gamma can
    gg = clv.fit_gamma_gamma(rng.integers(1, 5, 200).astype(float), np.full(200, 100.0))
    assert [(d.parameter, d.code) for d in gg.diagnostics] == [("p", "undefined_se"), ("q", "undefined_se")]


def test_count_diagnostics_and_codes():
    assert clv.count_diagnostics(25, 5) == ()
    few = clv.count_diagnostics(12, 3)
    assert [(d.code, d.value, d.limit, d.repeat) for d in few] == [("too_few_customers", 12.0, 20.0, 3),
                                                                   ("too_few_repeat", 3.0, 5.0, 3)]
    # the spend model needs repeat buyers with a positive spend only
    assert [d.code for d in clv.count_diagnostics(3, 4, model="spend")] == ["too_few_repeat"]
    with pytest.raises(ValueError, match="code"):
        clv.FitDiagnostic("purchase", "too_few_stars")


def test_expected_purchases_continuous_at_a_equal_one():
    # the closed form divides by a - 1: a = 1 exactly must give the limit, between a = 1 -/+ 1e-4
    x, tx, T = [0, 3], [0.0, 20.0], [30.0, 30.0]
    lo = clv.expected_purchases(_fit(0.5, 4.0, 1 - 1e-4, 3.0), 13, x, tx, T)
    mid = clv.expected_purchases(_fit(0.5, 4.0, 1.0, 3.0), 13, x, tx, T)
    hi = clv.expected_purchases(_fit(0.5, 4.0, 1 + 1e-4, 3.0), 13, x, tx, T)
    assert np.isfinite(mid).all()
    assert ((np.minimum(lo, hi) - 1e-4 <= mid) & (mid <= np.maximum(lo, hi) + 1e-4)).all()


def test_factorised_totals_equal_the_per_customer_sums():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, 300).astype(float)
    T = rng.integers(10, 60, 300).astype(float)
    tx = np.where(x > 0, np.floor(rng.random(300) * T), 0.0)
    p = (0.4, 5.0, 0.7, 2.2)
    ll, g = clv.bgnbd_log_likelihood(p, x, tx, T), clv.bgnbd_gradient(p, x, tx, T)
    tot, gtot = clv.bgnbd_total(p, x, tx, T)
    assert tot == pytest.approx(ll.sum(), rel=1e-12)
    assert gtot == pytest.approx(g.sum(axis=1), rel=1e-10)
    xs, z = x[x > 0], rng.gamma(3.0, 10.0, int((x > 0).sum()))
    g2 = clv.gamma_gamma_gradient((3.0, 4.0, 12.0), xs, z)
    _, gtot2 = clv.gamma_gamma_total((3.0, 4.0, 12.0), xs, z)
    assert gtot2 == pytest.approx(g2.sum(axis=1), rel=1e-10)


def test_distinct_rows_by_hand():
    # rows (1, 5), (1, 5), (2, 5), (1, 7): three distinct, the first two the same
    (a, b), inv = clv.distinct_rows(np.array([1, 1, 2, 1]), np.array([5.0, 5.0, 5.0, 7.0]))
    rows = list(zip(a.tolist(), b.tolist(), strict=True))
    assert sorted(rows) == [(1, 5.0), (1, 7.0), (2, 5.0)]
    assert [rows[i] for i in inv] == [(1, 5.0), (1, 5.0), (2, 5.0), (1, 7.0)]


# ------------------------------------------------------------------ optimiser precision and threads (issue 20)


def _cdnow_times_ten():
    """The 2,357 CDNOW customers ten times, copy k observed k days less (k = 0..9): 23,570 customers."""
    s = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    k = np.repeat(np.arange(10), len(s)) / 7
    x = np.tile(s["x"].to_numpy(float), 10)
    T = np.tile(s["T"].to_numpy(float), 10) - k
    t_x = np.where(x > 0, np.minimum(np.tile(s["t_x"].to_numpy(float), 10), T), 0.0)
    return x, t_x, T


def test_bgnbd_fit_reaches_the_maximum_not_just_near_it():
    # L-BFGS-B's default tolerances stopped 9e-6 (3.5e-5 from other starts) short of the maximum on these 23,570
    # customers; -95473.2733447563 is where L-BFGS-B with ftol 1e-15 from three starts and Nelder-Mead on the
    # per-customer likelihood all end
    x, t_x, T = _cdnow_times_ten()
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.stable and fit.n_customers == 23570
    assert fit.log_likelihood == pytest.approx(-95473.2733447563, abs=2e-7)
    # the polish never ends below the first run's point, and agrees with the per-customer sum
    assert fit.log_likelihood == pytest.approx(clv.bgnbd_log_likelihood(fit.params, x, t_x, T).sum(), abs=1e-6)


def test_gamma_gamma_fit_reaches_the_maximum_on_cdnow():
    s = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    fit = clv.fit_gamma_gamma(s["x"], s["zbar"])
    # the default tolerances ended at -4055.92324351547; the maximum is 1.3e-8 higher
    assert fit.log_likelihood == pytest.approx(-4055.9232435029, abs=2e-9)


def test_likelihood_sums_are_elementwise_not_blas_products():
    # a 1-D matrix product goes to BLAS, whose threads made a fit 20-50 times slower with two kernels on two cores
    import inspect
    for f in (clv._bgnbd_total, clv._gg_total, clv._GGData.__init__):
        src = inspect.getsource(f)
        assert " @ " not in src and "np.dot" not in src, f.__qualname__
