"""Property-based checks (hypothesis) of the metric functions: invariants that hold for any data."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.analytics import attribution, rfm, survival
from lib.analytics import kpis as overview
from lib.data import derived
from lib.data.periods import period_from_label

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PERIOD = period_from_label("2026-10")

sale_rows = st.lists(
    st.tuples(
        st.integers(0, 60),  # day offset from 2026-09-01 (September and October)
        st.integers(0, 23),  # hour
        st.sampled_from(["b1", "b2", "b3", "b4"]),
        st.floats(0, 5000, allow_nan=False).map(lambda x: round(x, 2)),
        st.integers(1, 3),
        st.sampled_from(["whatnot", "instagram", "website"]),
        st.sampled_from(["completed", "completed", "completed", "refunded", "cancelled"]),
    ),
    min_size=1, max_size=40)


def _lines(rows) -> pd.DataFrame:
    n = len(rows)
    sales = pd.DataFrame({
        "sale_id": [f"s{i}" for i in range(n)],
        "product_id": [f"p{i}" for i in range(n)],
        "buyer_id": [r[2] for r in rows],
        "date_sold": [pd.Timestamp("2026-09-01") + pd.Timedelta(days=r[0], hours=r[1]) for r in rows],
        "sale_price": [r[3] for r in rows], "quantity": [r[4] for r in rows],
        "channel": [r[5] for r in rows], "seller_id": [pd.NA] * n, "show_id": [pd.NA] * n,
        "fees": [0.0] * n, "shipping_cost": [0.0] * n, "status": [r[6] for r in rows],
    })
    return derived.sale_lines({"sales": sales})


@SETTINGS
@given(sale_rows)
def test_revenue_equals_sum_over_any_partition(rows):
    lines = _lines(rows)
    k = overview.period_kpis(lines, PERIOD)
    ch = overview.channel_revenue(lines, PERIOD)
    assert ch["revenue"].sum() == pytest.approx(k["revenue_period"])
    done = lines[lines["is_completed"] & PERIOD.contains(lines["date_sold"])]
    assert done.groupby("weekday")["revenue"].sum().sum() == pytest.approx(k["revenue_period"])
    assert done.groupby("buyer_id")["revenue"].sum().sum() == pytest.approx(k["revenue_period"])
    if k["revenue_period"] > 0:
        assert ch["share_pct"].sum() == pytest.approx(100.0)


@SETTINGS
@given(sale_rows, st.integers(0, 60), st.floats(1, 5000, allow_nan=False), st.sampled_from(["refunded", "cancelled"]))
def test_a_refunded_or_cancelled_sale_changes_no_revenue_metric(rows, day, price, status):
    before = overview.period_kpis(_lines(rows), PERIOD)
    after = overview.period_kpis(_lines(rows + [(day, 12, "b9", price, 1, "website", status)]), PERIOD)
    for key in ("revenue_period", "units_period", "orders_period", "active_customers_period",
                "new_customers_period", "revenue_growth_pct"):
        assert after[key] == before[key], key


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=60))
def test_km_median_lies_within_the_observed_range(obs):
    d = np.array([o[0] for o in obs])
    e = np.array([o[1] for o in obs])
    med = survival.km_median(d, e)
    if med is not None:
        assert d.min() <= med <= d.max()
        assert e.any()


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12), st.floats(1, 9000, allow_nan=False)),
                min_size=1, max_size=50))
def test_rfm_segments_partition_the_customers(custs):
    c = pd.DataFrame({"buyer_id": [f"c{i}" for i in range(len(custs))],
                      "days_since": [x[0] for x in custs], "occasions": [x[1] for x in custs],
                      "revenue": [x[2] for x in custs]})
    scored = rfm.rfm_scores(c)
    assert len(scored) == len(c) and scored["buyer_id"].is_unique
    assert scored["segment"].notna().all()
    assert set(scored["segment"]) <= set(rfm.rule_table()["segment"])
    for col in ("r_score", "f_score", "m_score"):
        assert scored[col].between(1, 5).all()


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40 * 24), st.sampled_from(["email", "tiktok", "ig"]),
                          st.sampled_from(["click", "open", "visit", "impression"])), max_size=30),
       st.floats(0.5, 30, allow_nan=False))
def test_attribution_credit_of_each_conversion_sums_to_one(touch_rows, half_life):
    buyers = ["u0", "u1", "u2", "u3"]
    touches = pd.DataFrame({
        "user_id": pd.array([buyers[t[0]] for t in touch_rows], dtype="string"),
        "timestamp": [pd.Timestamp("2026-09-01") + pd.Timedelta(hours=t[1]) for t in touch_rows],
        "channel": pd.array([t[2] for t in touch_rows], dtype="string"),
        "campaign_id": pd.array([pd.NA] * len(touch_rows), dtype="string"),
        "touch_type": pd.array([t[3] for t in touch_rows], dtype="string"),
    })
    occ = pd.DataFrame({"buyer_id": pd.array(buyers, dtype="string"),
                        "date": pd.to_datetime(["2026-10-05"] * 4),
                        "occasion_time": pd.to_datetime(["2026-10-05 20:00"] * 4),
                        "revenue": [100.0, 200.0, 300.0, 400.0]})
    paths = attribution.conversion_paths(occ, attribution.eligible_touches(touches), lookback_days=30)
    assert not (paths["touch_type"] == "impression").any() if "touch_type" in paths else True
    credits = attribution.heuristic_credits(paths, half_life_days=half_life)
    for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based"):
        per_occasion = credits.groupby("occasion")[model].sum()
        assert np.allclose(per_occasion.to_numpy(), 1.0), model
