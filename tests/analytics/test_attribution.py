"""Tests of lib.attribution on hand-computed paths, a hand-solved Markov chain and ChannelAttribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import attribution as at

T = pd.Timestamp


def _touches(rows: list[tuple]) -> pd.DataFrame:
    """rows: (user_id, timestamp, channel, touch_type[, campaign_id])."""
    df = pd.DataFrame({
        "user_id": pd.array([r[0] for r in rows], dtype="string"),
        "timestamp": pd.to_datetime([r[1] for r in rows]),
        "channel": pd.array([r[2] for r in rows], dtype="string"),
        "touch_type": pd.array([r[3] for r in rows], dtype="string"),
        "campaign_id": pd.array([r[4] if len(r) > 4 else None for r in rows], dtype="string"),
    })
    return df


def _occasions(rows: list[tuple]) -> pd.DataFrame:
    """rows: (buyer_id, occasion_time, revenue)."""
    t = pd.to_datetime([r[1] for r in rows])
    return pd.DataFrame({"buyer_id": pd.array([r[0] for r in rows], dtype="string"), "date": t.normalize(),
                         "occasion_time": t, "revenue": [float(r[2]) for r in rows],
                         "gross_profit": [float(r[2]) / 2 for r in rows]})


@pytest.fixture
def one_buyer():
    """Buyer b1 buys for 700 on 2026-10-20 12:00 after three counted touches.

    Counted touches (ages to the purchase): email 6 days, instagram 4 days,
    tiktok 2 days. Not counted: a whatnot impression 1 day before, a whatnot
    click 31 calendar days before (outside the 30-day lookback), an email click
    the same day at 15:00 (after the purchase). Buyer b2 buys for 100 with no touch.
    """
    tp = _touches([
        ("b1", "2026-10-14 12:00", "email", "open", "c1"),
        ("b1", "2026-10-16 12:00", "instagram", "click", "c2"),
        ("b1", "2026-10-18 12:00", "tiktok", "visit", None),
        ("b1", "2026-10-19 12:00", "whatnot", "impression", "c3"),
        ("b1", "2026-09-19 23:59", "whatnot", "click", "c3"),
        ("b1", "2026-10-20 15:00", "email", "click", "c1"),
    ])
    occ = _occasions([("b1", "2026-10-20 12:00", 700), ("b2", "2026-10-20 09:00", 100)])
    return tp, occ


def test_three_touches_exact_credit_under_each_heuristic(one_buyer):
    tp, occ = one_buyer
    touches = at.eligible_touches(tp)
    paths = at.conversion_paths(occ, touches, lookback_days=30)
    assert list(paths["channel"]) == ["email", "instagram", "tiktok"]
    np.testing.assert_allclose(paths["age_days"], [6.0, 4.0, 2.0])
    cr = at.heuristic_credits(paths, half_life_days=2.0)
    # first/last: all to email/tiktok; linear 1/3 each;
    # position based, n=3: 0.4 first, 0.2 middle, 0.4 last;
    # time decay, half-life 2 days: weights 2^-3, 2^-2, 2^-1 = 1/8, 2/8, 4/8 -> /(7/8) = 1/7, 2/7, 4/7
    np.testing.assert_allclose(cr["first_touch"], [1, 0, 0])
    np.testing.assert_allclose(cr["last_touch"], [0, 0, 1])
    np.testing.assert_allclose(cr["linear"], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(cr["position_based"], [0.4, 0.2, 0.4])
    np.testing.assert_allclose(cr["time_decay"], [1 / 7, 2 / 7, 4 / 7])

    tab = at.credit_by(cr, occ, "channel").set_index(["channel", "model"])
    # revenue 700: time decay gives email 100, instagram 200, tiktok 400
    assert tab.loc[("email", "time_decay"), "revenue"] == pytest.approx(100.0)
    assert tab.loc[("instagram", "time_decay"), "revenue"] == pytest.approx(200.0)
    assert tab.loc[("tiktok", "time_decay"), "revenue"] == pytest.approx(400.0)
    assert tab.loc[("instagram", "position_based"), "revenue"] == pytest.approx(140.0)
    assert tab.loc[("tiktok", "last_touch"), "conversions"] == pytest.approx(1.0)
    assert tab.loc[("email", "last_touch"), "revenue"] == pytest.approx(0.0)
    # whatnot: only an impression (not counted), an old click and a click after the purchase -> no row
    assert "whatnot" not in tab.index.get_level_values(0)
    # b2 has no touch: "direct/unattributed", 1 conversion, 100 revenue under every model
    for m in at.HEURISTIC_MODELS:
        assert tab.loc[(at.UNATTRIBUTED, m), "conversions"] == 1.0
        assert tab.loc[(at.UNATTRIBUTED, m), "revenue"] == 100.0
    # every model hands out exactly the 800 of revenue and 2 conversions
    sums = tab.groupby(level="model")[["revenue", "conversions"]].sum()
    np.testing.assert_allclose(sums["revenue"], 800.0)
    np.testing.assert_allclose(sums["conversions"], 2.0)


def test_impressions_count_when_asked(one_buyer):
    tp, occ = one_buyer
    touches = at.eligible_touches(tp, touch_types=("click", "open", "visit", "impression"))
    paths = at.conversion_paths(occ, touches, lookback_days=30)
    assert list(paths["channel"]) == ["email", "instagram", "tiktok", "whatnot"]


def test_lookback_boundary_is_whole_calendar_days():
    # purchase 2026-10-31 10:00; lookback 30 days -> touch days 2026-10-01 .. 2026-10-31 (before 10:00)
    tp = _touches([
        ("b", "2026-09-30 23:59", "a", "click"),   # 31 days before: out
        ("b", "2026-10-01 00:00", "b", "click"),   # 30 days before: in
        ("b", "2026-10-31 09:59", "c", "click"),   # same day, before the sale: in
        ("b", "2026-10-31 10:00", "d", "click"),   # at the sale time: not before it, out
    ])
    occ = _occasions([("b", "2026-10-31 10:00", 50)])
    paths = at.conversion_paths(occ, at.eligible_touches(tp), lookback_days=30)
    assert list(paths["channel"]) == ["b", "c"]
    paths0 = at.conversion_paths(occ, at.eligible_touches(tp), lookback_days=0)
    assert list(paths0["channel"]) == ["c"]


def test_touch_in_two_windows_credits_both_occasions_and_users_do_not_mix():
    tp = _touches([("a", "2026-10-01 12:00", "email", "click"), ("b", "2026-10-02 12:00", "tiktok", "click"),
                   ("a", "2026-10-05 12:00", "instagram", "click")])
    occ = _occasions([("a", "2026-10-03 12:00", 10), ("a", "2026-10-10 12:00", 20), ("b", "2026-10-01 12:00", 5)])
    paths = at.conversion_paths(occ, at.eligible_touches(tp), lookback_days=30)
    # occasion 0 (a, Oct 3): email; occasion 1 (a, Oct 10): email, instagram; occasion 2 (b, Oct 1): none (touch after)
    assert paths.groupby("occasion")["channel"].apply(list).to_dict() == {0: ["email"], 1: ["email", "instagram"]}
    assert list(paths["n_touches"]) == [1, 2, 2]
    cr = at.heuristic_credits(paths)
    tab = at.credit_by(cr, occ, "channel").set_index(["channel", "model"])
    # first touch: email gets occasion 0 (10) and 1 (20) = 30; last touch: email 10, instagram 20
    assert tab.loc[("email", "first_touch"), "revenue"] == 30.0
    assert tab.loc[("email", "last_touch"), "revenue"] == 10.0
    assert tab.loc[("instagram", "last_touch"), "revenue"] == 20.0
    assert tab.loc[(at.UNATTRIBUTED, "linear"), "revenue"] == 5.0


def test_unsorted_touch_input_maps_back_to_the_callers_rows():
    tp = _touches([("z", "2026-10-02", "late", "click"), ("a", "2026-10-02", "x", "click"),
                   ("z", "2026-10-01", "early", "click")])
    occ = _occasions([("z", "2026-10-03 08:00", 1)])
    paths = at.conversion_paths(occ, tp, lookback_days=30)  # not pre-sorted on purpose
    assert list(paths["touch"]) == [2, 0]
    assert list(paths["channel"]) == ["early", "late"]


def test_position_based_short_and_long_paths():
    paths = pd.DataFrame({"occasion": [0, 1, 1, 2, 2, 2, 2], "position": [0, 0, 1, 0, 1, 2, 3],
                          "n_touches": [1, 2, 2, 4, 4, 4, 4], "age_days": [1.0] * 7})
    cr = at.heuristic_credits(paths)
    # one touch 100%; two touches 50/50; four touches 40/10/10/40
    np.testing.assert_allclose(cr["position_based"], [1, .5, .5, .4, .1, .1, .4])
    # equal ages: time decay = linear
    np.testing.assert_allclose(cr["time_decay"], cr["linear"])
    for m in at.HEURISTIC_MODELS:
        np.testing.assert_allclose(cr.groupby("occasion")[m].sum(), 1.0)


def test_markov_hand_verified_three_channel_example():
    """Paths: A>B converts, A>C null, B converts, C>A converts.

    Transitions: start->A 2/4, start->B 1/4, start->C 1/4; A->B 1/3, A->C 1/3,
    A->conv 1/3; B->conv 1; C->null 1/2, C->A 1/2.
    Conversion probability from each state: x_B = 1; x_A = 1/3 + x_B/3 + x_C/3;
    x_C = x_A/2  =>  x_A (1 - 1/6) = 2/3  =>  x_A = 4/5, x_C = 2/5.
    P(conv) = 1/2*4/5 + 1/4*1 + 1/4*2/5 = 2/5 + 1/4 + 1/10 = 3/4.
    Remove A (A -> null): x_C = 0; P = 1/4*1 = 1/4; removal effect 1 - (1/4)/(3/4) = 2/3.
    Remove B: x_A = 1/3 + x_C/3, x_C = x_A/2 => x_A = 2/5, x_C = 1/5;
              P = 1/5 + 0 + 1/20 = 1/4; removal effect 2/3.
    Remove C: x_A = 2/3; P = 1/3 + 1/4 = 7/12; removal effect 1 - 7/9 = 2/9.
    Shares: (2/3, 2/3, 2/9) / (14/9) = 3/7, 3/7, 1/7; 3 conversions -> 9/7, 9/7, 3/7.
    """
    path = np.array([0, 0, 1, 1, 2, 3, 3])
    state = np.array(["A", "B", "A", "C", "B", "C", "A"])
    converted = np.array([True, False, True, True])
    eff = at.markov_removal_effects(path, state, converted).set_index("state")
    assert eff.attrs["p_conversion"] == pytest.approx(3 / 4)
    np.testing.assert_allclose(eff.loc[["A", "B", "C"], "removal_effect"], [2 / 3, 2 / 3, 2 / 9])
    np.testing.assert_allclose(eff.loc[["A", "B", "C"], "share"], [3 / 7, 3 / 7, 1 / 7])

    # the same through markov_credit_by: converting paths = occasions, null journey A>C
    paths = pd.DataFrame({"occasion": [0, 0, 1, 2, 2], "channel": ["A", "B", "B", "C", "A"],
                          "revenue": [70.0, 70.0, 0.0, 0.0, 0.0], "gross_profit": [7.0, 7.0, 0, 0, 0]})
    nulls = pd.DataFrame({"journey": [0, 0], "channel": ["A", "C"]})
    credit, _ = at.markov_credit_by(paths, nulls, "channel")
    credit = credit.set_index("channel")
    np.testing.assert_allclose(credit.loc[["A", "B", "C"], "conversions"], [9 / 7, 9 / 7, 3 / 7])
    np.testing.assert_allclose(credit.loc[["A", "B", "C"], "revenue"], [30.0, 30.0, 10.0])


def test_markov_repeated_state_in_a_row_does_not_change_the_result():
    base = at.markov_removal_effects(np.array([0, 0, 1]), np.array(["A", "B", "B"]), np.array([True, False]))
    rep = at.markov_removal_effects(np.array([0, 0, 0, 1, 1]), np.array(["A", "A", "B", "B", "B"]),
                                    np.array([True, False]))
    np.testing.assert_allclose(base["removal_effect"], rep["removal_effect"])


def _random_paths(seed: int, n_paths: int = 400, channels: str = "ABCD"):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 5, size=n_paths)
    path = np.repeat(np.arange(n_paths), lengths)
    # channel D converts more often, A rarely
    state = rng.choice(list(channels), size=len(path), p=[0.4, 0.3, 0.2, 0.1][: len(channels)])
    has_d = pd.Series(state == "D").groupby(path).any().to_numpy()
    converted = rng.random(n_paths) < np.where(has_d, 0.6, 0.25)
    return path, state, converted


def _removal_by_resolving(path, state, converted):
    """Independent check: build the matrix with pandas and re-solve the chain without each state."""
    df = pd.DataFrame({"p": path, "s": state})
    df = df[(df["p"] != df["p"].shift()) | (df["s"] != df["s"].shift())]
    df["nxt"] = df.groupby("p")["s"].shift(-1)
    end = np.where(converted[df["p"]], "(conv)", "(null)")
    df["nxt"] = df["nxt"].fillna(pd.Series(end, index=df.index))
    starts = df.groupby("p")["s"].first().rename("nxt").to_frame().assign(s="(start)")
    tr = pd.concat([df[["s", "nxt"]], starts[["s", "nxt"]]])
    prob = pd.crosstab(tr["s"], tr["nxt"], normalize="index")
    states = sorted(set(state))

    def p_conv(removed=None):
        keep = [s for s in states if s != removed]
        q = prob.reindex(index=keep, columns=keep, fill_value=0.0).to_numpy()
        r = prob.reindex(index=keep)["(conv)"].to_numpy()
        x = np.linalg.solve(np.eye(len(keep)) - q, r)
        return float(prob.loc["(start)"].reindex(keep, fill_value=0.0).to_numpy() @ x)

    base = p_conv()
    return {s: 1 - p_conv(s) / base for s in states}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_markov_one_inverse_matches_resolving_without_each_state(seed):
    path, state, converted = _random_paths(seed)
    eff = at.markov_removal_effects(path, state, converted).set_index("state")["removal_effect"]
    want = _removal_by_resolving(path, state, converted)
    for s, v in want.items():
        assert eff[s] == pytest.approx(v, abs=1e-12)


def test_markov_matches_channelattribution_package():
    ca = pytest.importorskip("ChannelAttribution", reason="ChannelAttribution (test-only dependency) not installed")
    path, state, converted = _random_paths(7)
    eff = at.markov_removal_effects(path, state, converted).set_index("state")
    df = pd.DataFrame({"p": path, "s": state}).groupby("p")["s"].agg(" > ".join).to_frame("path")
    df["conv"] = converted.astype(int)
    df["null"] = 1 - df["conv"]
    # max_step large: the package's default step cap truncates long simulated loops
    res = ca.markov_model(df, "path", "conv", var_null="null", out_more=True, max_step=1000,
                          nsim_start=1e6, verbose=False, flg_pro=False, seed=1)
    theirs = res["removal_effects"].set_index("channel_name")
    col = [c for c in theirs.columns if c.startswith("removal_effect")][0]
    for s in "ABCD":
        assert eff.loc[s, "removal_effect"] == pytest.approx(theirs.loc[s, col], abs=0.01)
    conv = res["result"].set_index("channel_name")["total_conversions"]
    for s in "ABCD":
        assert eff.loc[s, "share"] * converted.sum() == pytest.approx(conv[s], rel=0.03)


def test_null_journeys_split_on_gaps_and_leave_open_journeys_out():
    tp = at.eligible_touches(_touches([
        ("u", "2026-01-01", "a", "click"), ("u", "2026-01-20", "b", "click"),   # one journey (gap 19 days)
        ("u", "2026-03-01", "c", "click"),                                       # gap 40 days: new journey
        ("v", "2026-03-02", "d", "click"),                                       # other user: new journey
        ("v", "2026-03-25", "e", "click"),                                       # converts (in occasion window)
        ("w", "2026-03-28", "f", "click"),                                       # ends < 30 days before as_of
    ]))
    occ = _occasions([("v", "2026-03-26 10:00", 40)])
    paths = at.conversion_paths(occ, tp, lookback_days=30)
    assert list(paths["channel"]) == ["d", "e"]
    nulls = at.null_journeys(tp, paths, lookback_days=30, as_of=T("2026-04-01"))
    assert nulls.groupby("journey")["channel"].apply(list).tolist() == [["a", "b"], ["c"]]
    assert list(nulls["position"]) == [0, 1, 0]
    every = at.null_journeys(tp, paths, lookback_days=30)
    assert every.groupby("journey")["channel"].apply(list).tolist() == [["a", "b"], ["c"], ["f"]]


def test_plain_errors():
    with pytest.raises(ValueError, match="touchpoints lacks column"):
        at.eligible_touches(pd.DataFrame({"user_id": ["a"]}))
    occ = _occasions([("a", "2026-10-01", 1)])
    with pytest.raises(ValueError, match="lookback_days"):
        at.conversion_paths(occ, at.eligible_touches(_touches([("a", "2026-09-01", "x", "click")])), -1)
    with pytest.raises(ValueError, match="half_life_days"):
        at.heuristic_credits(pd.DataFrame({"occasion": [0], "position": [0], "n_touches": [1],
                                           "age_days": [1.0]}), half_life_days=0)
    with pytest.raises(ValueError, match="same length"):
        at.markov_removal_effects(np.array([0]), np.array(["a", "b"]), np.array([True]))


def test_no_touches_at_all_gives_only_unattributed():
    occ = _occasions([("a", "2026-10-01 10:00", 30)])
    tp = at.eligible_touches(_touches([("a", "2026-10-01 11:00", "x", "click")]))
    paths = at.conversion_paths(occ, tp)
    assert paths.empty
    tab = at.credit_by(at.heuristic_credits(paths), occ, "channel")
    assert set(tab["channel"]) == {at.UNATTRIBUTED}
    credit, eff = at.markov_credit_by(paths, at.null_journeys(tp, paths), "channel")
    assert credit["conversions"].sum() == 0


def test_occasion_times_match_derived_purchase_occasions():
    from lib.data.derived import purchase_occasions

    ts = pd.to_datetime(["2026-10-01 15:00", "2026-10-01 09:30", "2026-10-02 10:00", "2026-10-01 11:00",
                         "2026-10-01 08:00"])
    lines = pd.DataFrame({"sale_id": _touches([("x", "2026-01-01", "c", "t")] * 5)["user_id"],
                          "buyer_id": pd.array(["b", "b", "b", "a", "a"], dtype="string"),
                          "date_sold": ts, "date": ts.normalize(), "quantity": [1, 2, 1, 1, 1],
                          "revenue": [10.0, 20.0, 5.0, 7.0, 1.0], "gross_profit": [1.0, 2.0, np.nan, 3.0, 0.5],
                          "is_completed": [True, True, True, True, False]})
    occ = at.occasion_times(lines)
    ref = purchase_occasions(lines)
    pd.testing.assert_frame_equal(occ[ref.columns].reset_index(drop=True), ref.reset_index(drop=True),
                                  check_dtype=False)
    # b on Oct 1: first completed sale 09:30; a's 08:00 sale is not completed -> 11:00
    assert list(occ["occasion_time"]) == [T("2026-10-01 11:00"), T("2026-10-01 09:30"), T("2026-10-02 10:00")]
    assert list(occ["first_occasion"]) == [True, True, False]


def test_eligible_touches_sorted_by_user_then_time_ties_in_input_order():
    tp = _touches([("b", "2026-10-02", "x1", "click"), ("a", "2026-10-03", "x2", "click"),
                   ("b", "2026-10-01", "x3", "click"), ("b", "2026-10-02", "x4", "visit"),
                   ("a", "2026-10-01", "x5", "impression")])
    assert list(at.eligible_touches(tp)["channel"]) == ["x2", "x3", "x1", "x4"]
    assert list(at.eligible_touches(tp, touch_types=None)["channel"]) == ["x5", "x2", "x3", "x1", "x4"]
    assert list(at.eligible_touches(tp, before=T("2026-10-02"))["channel"]) == ["x3"]


def test_categorical_user_ids_give_the_same_paths(one_buyer):
    tp, occ = one_buyer
    touches = at.eligible_touches(tp)
    coded = touches.assign(user_id=pd.Categorical(touches["user_id"]))
    a = at.conversion_paths(occ, touches)
    b = at.conversion_paths(occ, coded)   # b2 is not among the categories: no path, no error
    pd.testing.assert_frame_equal(a, b)


def test_counted_touch_types():
    assert at.counted_touch_types() == ("click", "open", "visit") == at.COUNTED_TOUCH_TYPES
    assert at.counted_touch_types(True) == ("click", "open", "visit", "impression")
