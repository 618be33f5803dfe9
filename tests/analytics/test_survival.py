"""Kaplan-Meier and log-rank: hand-computed fixtures, and checks against scipy and statsmodels."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.duration.survfunc import survdiff

from lib.analytics import survival

# Fixture: 7 items, days to sale or censoring; observed=1 sold, 0 still unsold (censored).
D = [1, 2, 2, 3, 5, 5, 8]
OBS = [1, 1, 0, 1, 0, 1, 0]
# Hand computation (product-limit):
#   t=1: at risk 7, 1 sale  -> S = 6/7           = 0.857143
#   t=2: at risk 6, 1 sale (1 censored at 2) -> S = 6/7*5/6 = 5/7 = 0.714286
#   t=3: at risk 4, 1 sale  -> S = 5/7*3/4 = 15/28 = 0.535714
#   t=5: at risk 3, 1 sale (1 censored at 5) -> S = 15/28*2/3 = 10/28 = 0.357143
#   t=8: at risk 1, 0 sales -> S unchanged
# KM median = first day with S <= 0.5 = 5. Naive median of the sold (1,2,3,5) = 2.5.


def test_km_table_hand_values():
    t = survival.km_table(D, OBS)
    assert t["time"].tolist() == [1, 2, 3, 5, 8]
    assert t["at_risk"].tolist() == [7, 6, 4, 3, 1]
    assert t["events"].tolist() == [1, 1, 1, 1, 0]
    assert t["censored"].tolist() == [0, 1, 0, 1, 1]
    assert t["survival"].to_numpy() == pytest.approx([6 / 7, 5 / 7, 15 / 28, 10 / 28, 10 / 28])


def test_km_median_hand_value_with_censoring():
    assert survival.km_median(D, OBS) == 5
    s = survival.km_summary(D, OBS)
    assert s["km_median"] == 5 and s["naive_median_sold"] == 2.5
    assert (s["n"], s["sold"], s["censored"]) == (7, 4, 3)


def test_km_median_not_reached_is_none():
    # 4 items, 1 sale at day 2 then all censored: S = 3/4 forever -> no median
    assert survival.km_median([2, 3, 3, 9], [1, 0, 0, 0]) is None


def test_km_median_exactly_half_counts():
    # 2 items: sale on day 4, censored on day 10 -> S(4) = 1/2 <= 0.5 -> median 4
    assert survival.km_median([4, 10], [1, 0]) == 4


def test_km_matches_scipy_ecdf_and_its_loglog_interval():
    rng = np.random.default_rng(3)
    d = rng.integers(0, 120, 500).astype(float)
    o = rng.random(500) < 0.7
    t = survival.km_table(d, o)
    res = stats.ecdf(stats.CensoredData(uncensored=d[o], right=d[~o]))
    assert t["time"].to_numpy() == pytest.approx(res.sf.quantiles)
    assert t["survival"].to_numpy() == pytest.approx(res.sf.probabilities)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = res.sf.confidence_interval(0.95, method="log-log")
    finite = np.isfinite(ci.low.probabilities) & (t["survival"].to_numpy() > 0)
    assert t["low"].to_numpy()[finite] == pytest.approx(ci.low.probabilities[finite])
    assert t["high"].to_numpy()[finite] == pytest.approx(ci.high.probabilities[finite])


def test_km_median_ci_brackets_median():
    rng = np.random.default_rng(5)
    d = rng.integers(0, 200, 400)
    o = rng.random(400) < 0.8
    med = survival.km_median(d, o)
    lo, hi = survival.km_median_ci(d, o)
    assert lo is not None and hi is not None and lo <= med <= hi and lo < hi


def test_km_validates_inputs():
    with pytest.raises(ValueError, match="same length"):
        survival.km_table([1, 2], [1])
    with pytest.raises(ValueError, match=">= 0"):
        survival.km_table([-1, 2], [1, 1])


def test_km_by_group_equals_per_group_median():
    # group x: the fixture above (median 5); group y: [4, 10] with [1, 0] (median 4);
    # group z: never reaches 0.5 -> None
    d = D + [4, 10] + [2, 3, 3, 9]
    o = OBS + [1, 0] + [1, 0, 0, 0]
    g = ["x"] * 7 + ["y"] * 2 + ["z"] * 4
    t = survival.km_by_group(d, o, g).set_index("group")
    assert t.loc["x", "km_median"] == 5
    assert t.loc["y", "km_median"] == 4
    assert t.loc["z", "km_median"] is None
    assert t["n"].tolist() == [7, 2, 4] and t["sold"].tolist() == [4, 1, 1]


def test_logrank_hand_calculation():
    # A: sold on days 1 and 3; B: sold on day 2, censored on day 4.
    # t=1: n=4 (A2,B2), d=1: E_A = 2/4 = 0.5,  V = 1*3/(16*3)*2*2 = 0.25
    # t=2: n=3 (A1,B2), d=1: E_A = 1/3,       V = 1*2/(9*2)*1*2  = 2/9
    # t=3: n=2 (A1,B1), d=1: E_A = 1/2,       V = 1*1/(4*1)*1*1  = 0.25
    # O_A = 2, E_A = 4/3, O-E = 2/3, V = 13/18 -> chi2 = (4/9)/(13/18) = 8/13
    r = survival.logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert r["statistic"] == pytest.approx(8 / 13)
    assert r["df"] == 1
    assert r["p_value"] == pytest.approx(stats.chi2.sf(8 / 13, 1))
    tab = r["table"].set_index("group")
    assert tab.loc["A", "expected"] == pytest.approx(4 / 3)
    assert tab.loc["B", "observed"] == 1


def test_logrank_three_groups_matches_statsmodels():
    rng = np.random.default_rng(11)
    g = rng.choice(["S", "A", "B"], 600)
    scale = np.select([g == "S", g == "A"], [30, 34], 38)  # weak effect: p away from 0
    d = np.floor(rng.exponential(scale)).astype(float)
    o = rng.random(600) < 0.75
    r = survival.logrank_test(d, o, g)
    stat, p = survdiff(d, o.astype(int), g)
    assert r["statistic"] == pytest.approx(stat, rel=1e-8)
    assert 1e-6 < p < 0.999 and r["p_value"] == pytest.approx(p, rel=1e-6)
    assert r["df"] == 2


def test_logrank_needs_two_groups():
    with pytest.raises(ValueError, match="two groups"):
        survival.logrank_test([1, 2], [1, 1], ["a", "a"])


def test_km_by_group_interval_matches_per_group_functions():
    rng = np.random.default_rng(17)
    g = rng.choice(["a", "b", "c"], 900)
    d = rng.integers(0, 150, 900)
    o = rng.random(900) < 0.7
    t = survival.km_by_group(d, o, g).set_index("group")
    for name in ["a", "b", "c"]:
        sel = g == name
        s = survival.km_summary(d[sel], o[sel])
        assert (t.loc[name, "km_median"], t.loc[name, "km_low"], t.loc[name, "km_high"]) == \
            (s["km_median"], s["km_low"], s["km_high"])
        assert t.loc[name, "naive_median_sold"] == s["naive_median_sold"]


def test_km_conditional_hand_values():
    # the fixture's curve: S(0) = 1, S(1) = 6/7, S(2) = 5/7, S(3) = 15/28, S(5) = S(8) = 10/28
    # window 2: age 0 -> 1 - S(2) / S(0) = 2/7; age 1 -> 1 - S(3) / S(1) = 1 - 15/24 = 3/8;
    # age 4 -> 1 - S(6) / S(4) = 1 - (10/28) / (15/28) = 1/3
    r = survival.km_conditional(D, OBS, [0, 1, 4], window=2, min_at_risk=1)
    assert r["p"].to_numpy() == pytest.approx([2 / 7, 3 / 8, 1 / 3])
    assert r["at_risk"].tolist() == [7, 6, 3]  # durations above 0, 1 and 4
    assert not r["held"].any()
    # age 7 + 2 lies past the last time (8): read at 8 - 2 = 6 -> 1 - S(8) / S(6) = 0
    t = survival.km_conditional(D, OBS, [7], window=2, min_at_risk=1)
    assert (t.loc[0, "age_used"], t.loc[0, "p"], bool(t.loc[0, "held"])) == (6.0, 0.0, True)
    # min_at_risk 3: the last time with 3 at risk is 5, so ages over 3 are read at 3: 1 - S(5) / S(3) = 1/3
    h = survival.km_conditional(D, OBS, [4, 7], window=2, min_at_risk=3)
    assert h["age_used"].tolist() == [3.0, 3.0] and h["p"].to_numpy() == pytest.approx([1 / 3, 1 / 3])
    with pytest.raises(ValueError, match="ages"):
        survival.km_conditional(D, OBS, [-1])


def test_km_conditional_matches_the_km_table():
    # 1 - S(a + w) / S(a) from the table itself, at every day of a random censored sample
    rng = np.random.default_rng(3)
    d = rng.integers(0, 120, 300).astype(float)
    o = rng.random(300) < 0.7
    t = survival.km_table(d, o)
    s = {int(a): float(t.loc[t["time"] <= a, "survival"].min()) if (t["time"] <= a).any() else 1.0
         for a in range(0, 90)}
    r = survival.km_conditional(d, o, np.arange(0, 60), window=30, min_at_risk=1)
    assert r["p"].to_numpy() == pytest.approx([1 - s[a + 30] / s[a] for a in range(0, 60)])


@pytest.mark.parametrize("d", [[3.0, 0.0, 3.0, 7.0, 1.0], [2.5, 0.0, 2.5, 1.0], [5.0], [0.0, 1e9, 4.0]])
def test_unique_times_is_np_unique(d):
    """Whole days are counted with a bincount, other durations sorted: either way the times and the inverse of
    np.unique (issue 20)."""
    from lib.analytics.survival import _unique_times
    d = np.asarray(d, dtype="float64")
    times, inv = _unique_times(d)
    want_t, want_i = np.unique(d, return_inverse=True)
    assert times.tolist() == want_t.tolist() and inv.tolist() == want_i.tolist()


def test_unique_times_whole_days_by_hand():
    from lib.analytics.survival import _unique_times
    times, inv = _unique_times(np.array([10.0, 12.0, 10.0, 15.0]))
    assert times.tolist() == [10.0, 12.0, 15.0] and inv.tolist() == [0, 1, 0, 2]
