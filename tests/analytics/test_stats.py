"""Tests of lib.analytics.stats: hand-computed values for every function, and agreement with scipy where it wraps it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from lib.analytics.stats import (
    benjamini_hochberg,
    mann_whitney_p_value,
    mann_whitney_vs_rest,
    percentile_interval,
    t_interval,
    two_proportion_p_value,
    welch_t_test,
    z_critical,
)

__all__: list[str] = []


def test_z_critical_hand_values_and_scipy():
    # Phi^-1(0.975) = 1.959964 (the "1.96" of 95% intervals); Phi^-1(0.75) = 0.674490 (the quartile of N(0, 1))
    assert z_critical(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_critical(0.5) == pytest.approx(0.674490, abs=1e-6)
    assert isinstance(z_critical(0.95), float)
    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        # bit-identical to scipy's norm.ppf and to special.ndtri (which lib.analytics.survival used before)
        assert z_critical(level) == stats.norm.ppf(0.5 + level / 2) == special.ndtri(0.5 + level / 2)


def test_t_interval_hand_values_and_scipy():
    # mean 10, sd 2, n 4: t(0.975, 3 df) = 3.182446, half width = 3.182446 x 2 / sqrt(4) = 3.182446
    # -> (6.817554, 13.182446); n = 1 has no interval (NaN)
    mean = pd.Series([10.0, 5.0], index=["a", "b"])
    sd = pd.Series([2.0, np.nan], index=["a", "b"])
    n = pd.Series([4, 1], index=["a", "b"])
    low, high = t_interval(mean, sd, n, 0.95)
    assert low["a"] == pytest.approx(6.817554, abs=1e-6) and high["a"] == pytest.approx(13.182446, abs=1e-6)
    assert np.isnan(low["b"]) and np.isnan(high["b"])
    want = stats.t.interval(0.95, df=3, loc=10.0, scale=2.0 / math.sqrt(4))
    assert (low["a"], high["a"]) == pytest.approx(want, rel=1e-12)


def test_percentile_interval_hand_values():
    # 0..100: the linear quantile at q is 100 q, so the 90% interval (q = 0.05, 0.95) is (5, 95)
    lo, hi = percentile_interval(np.arange(101.0), 0.90)
    assert lo == pytest.approx(5.0, abs=1e-9) and hi == pytest.approx(95.0, abs=1e-9)
    # axis=0, one interval per column: 0..10 and 0..100 in steps of 10; 80% (q = 0.1, 0.9) -> (1, 9), (10, 90)
    x = np.column_stack([np.arange(11.0), 10 * np.arange(11.0)])
    lo, hi = percentile_interval(x, 0.80, axis=0)
    assert lo == pytest.approx([1.0, 10.0], abs=1e-9) and hi == pytest.approx([9.0, 90.0], abs=1e-9)


def test_percentile_interval_is_bit_identical_to_the_forms_it_replaced():
    rng = np.random.default_rng(3)
    boot = rng.gamma(2.0, 3.0, size=(400, 5))
    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        a = (1 - level) / 2
        # marketing.bootstrap_roas: two calls per column
        lo, hi = percentile_interval(boot, level, axis=0)
        assert np.array_equal(lo, np.quantile(boot, a, axis=0)) and np.array_equal(hi, np.quantile(boot, 1 - a, axis=0))
        # customers.bootstrap_ltv_ratio: the upper quantile written (1 + level) / 2
        lo, hi = percentile_interval(boot[:, 0], level)
        assert (lo, hi) == tuple(np.quantile(boot[:, 0], [(1 - level) / 2, (1 + level) / 2]))
    # 1 - (1 - level) / 2 and (1 + level) / 2 are the same double for every level from 0.25 up
    levels = np.linspace(0.25, 0.9999, 20_001)
    assert np.array_equal(1 - (1 - levels) / 2, (1 + levels) / 2)


def test_two_proportion_p_value_hand_values_and_statsmodels():
    # 30/100 vs 45/100: pooled p = 75/200 = 0.375, se = sqrt(0.375 x 0.625 x (1/100 + 1/100)) = 0.068465,
    # z = (0.45 - 0.30) / 0.068465 = 2.190890, two-sided p = erfc(2.190890 / sqrt 2) = 0.028460
    p = two_proportion_p_value(30, 100, 45, 100)
    assert p == pytest.approx(0.028460, abs=1e-6)
    assert p == pytest.approx(proportions_ztest([45, 30], [100, 100])[1], rel=1e-12)
    assert two_proportion_p_value(45, 100, 30, 100) == pytest.approx(p, rel=1e-15)  # two-sided: symmetric
    # no successes on either side: se = 0, z = 0, p = 1
    assert two_proportion_p_value(0, 10, 0, 10) == 1.0


def test_mann_whitney_p_value_hand_values_and_scipy():
    # [1, 2, 3] vs [4, 5, 6]: U = 0 is the most extreme of C(6, 3) = 20 equally likely rankings, so the exact
    # one-sided p is 1/20 and the two-sided p 2/20 = 0.1
    assert mann_whitney_p_value(np.array([1.0, 2, 3]), np.array([4.0, 5, 6])) == pytest.approx(0.1, abs=1e-12)
    rng = np.random.default_rng(7)
    a, b = rng.normal(0, 1, 30), rng.normal(0.5, 1, 40)
    assert mann_whitney_p_value(a, b) == stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    assert mann_whitney_p_value(pd.Series(a), pd.Series(b)) == mann_whitney_p_value(a, b)


def test_mann_whitney_vs_rest_hand_values():
    # group "a" = 1..10 against the rest 11..20 (no ties): U = max(u1, 100 - u1) = 100 with u1 = 55 - 55 = 0,
    # sd = sqrt(10 x 10 / 12 x 21) = 13.228757, z = (100 - 50 - 0.5) / 13.228757 = 3.741848,
    # p = erfc(3.741848 / sqrt 2) = 0.000182672
    values = np.concatenate([np.arange(1.0, 21.0), [np.nan]])
    keys = np.array(["a"] * 10 + ["b"] * 10 + ["a"], dtype=object)  # the NaN is left out
    got = mann_whitney_vs_rest(values, keys, ["a", "b", "c"])
    assert got["a"] == pytest.approx(0.000182672, rel=1e-5)
    assert got["a"] == pytest.approx(stats.mannwhitneyu(np.arange(1.0, 11.0), np.arange(11.0, 21.0)).pvalue,
                                     rel=1e-12)
    assert got["b"] == pytest.approx(got["a"], rel=1e-15)  # two groups: the same test from either side
    assert np.isnan(got["c"])  # no values: fewer than 2 on one side
    # a small group (3 values) goes to scipy's exact test: [1, 2, 3] vs [4, 5, 6] -> 0.1 as above
    small = mann_whitney_vs_rest(np.arange(1.0, 7.0), np.array(list("xxxyyy"), dtype=object), ["x"])
    assert small["x"] == pytest.approx(0.1, abs=1e-12)
    # every value tied: 1.0
    assert mann_whitney_vs_rest(np.ones(20), np.array(["x"] * 10 + ["y"] * 10, dtype=object), ["x"])["x"] == 1.0


def test_welch_t_test_hand_values_and_scipy():
    # a = 1..4: mean 2.5, variance 5/3; b = 2, 4, .., 10: mean 6, variance 10.
    # se^2 = (5/3)/4 + 10/5 = 2.416667, t = (2.5 - 6) / sqrt(2.416667) = -2.251436,
    # Welch df = 2.416667^2 / ((5/12)^2 / 3 + 2^2 / 4) = 5.520788
    a, b = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8, 10])
    t = welch_t_test(a, b)
    assert t.statistic == pytest.approx(-2.251436, abs=1e-6)
    assert t.df == pytest.approx(5.520788, abs=1e-6)
    assert t.pvalue == pytest.approx(2 * stats.t.sf(2.2514363, 5.520788), rel=1e-6)
    want = stats.ttest_ind(a, b, equal_var=False)
    assert (t.statistic, t.pvalue) == (want.statistic, want.pvalue)
    ci = t.confidence_interval(0.95)
    # the interval of the difference of means, -3.5 -/+ t(0.975, df) x se
    half = stats.t.ppf(0.975, t.df) * math.sqrt(5 / 12 + 2)
    assert (ci.low, ci.high) == pytest.approx((-3.5 - half, -3.5 + half), rel=1e-12)

def test_mann_whitney_vs_rest_matches_scipy():
    rng = np.random.default_rng(5)
    vals = np.round(rng.gamma(2.0, 20.0, 400))  # rounded: many ties
    vals[::37] = np.nan
    keys = np.array(["a"] * 150 + ["b"] * 200 + ["c"] * 44 + ["d"] * 6, dtype=object)
    vals[:150] += 20  # group a is shifted
    got = mann_whitney_vs_rest(vals, keys, ["a", "b", "c", "d", "e"])
    ok = np.isfinite(vals)
    for g in ["a", "b", "c", "d"]:
        m = keys == g
        want = stats.mannwhitneyu(vals[m & ok], vals[~m & ok], alternative="two-sided").pvalue
        assert got[g] == pytest.approx(want, rel=1e-9)
    assert got["a"] < 0.05 and np.isnan(got["e"])
    assert mann_whitney_vs_rest(np.ones(20), np.array(["x"] * 10 + ["y"] * 10, dtype=object), ["x"])["x"] == 1.0


def test_benjamini_hochberg_hand_values():
    # sorted 0.005, 0.01, 0.03, 0.04 with m = 4: x 4/1 = 0.02, x 4/2 = 0.02, x 4/3 = 0.04, x 4/4 = 0.04
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02])
    # the running minimum from the largest: 0.01 x 3 = 0.03 but 0.011 x 3/2 = 0.0165 is smaller, so both 0.0165
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.011, 0.5]), [0.0165, 0.0165, 0.5])
    # 4 more tests with p = 1 not listed (m = 8): every q doubles (0.04, 0.08, 0.08, 0.04)
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.04, 0.03, 0.005], n_tests=8), [0.04, 0.08, 0.08, 0.04])
    # a Series; 0.3 x 2 / 1 = 0.6 and 0.6 x 2 / 2 = 0.6; capped at 1: 0.7 x 2 / 1 = 1.4 -> 1
    np.testing.assert_allclose(benjamini_hochberg(pd.Series([0.6, 0.3])), [0.6, 0.6])
    np.testing.assert_allclose(benjamini_hochberg([0.7], n_tests=2), [1.0])
    assert benjamini_hochberg([]).shape == (0,)


def test_benjamini_hochberg_matches_statsmodels_and_checks_inputs():
    p = np.random.default_rng(5).uniform(0, 1, 500) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12)
    padded = np.concatenate([p, np.ones(250)])
    np.testing.assert_allclose(benjamini_hochberg(p, n_tests=750),
                               multipletests(padded, method="fdr_bh")[1][:500], rtol=1e-12)
    with pytest.raises(ValueError, match="n_tests"):
        benjamini_hochberg([0.1, 0.2], n_tests=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        benjamini_hochberg([0.1, np.nan])
    with pytest.raises(ValueError, match="between 0 and 1"):
        benjamini_hochberg([1.5])
