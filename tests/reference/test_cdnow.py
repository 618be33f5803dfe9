"""The CDNOW sample against published results: calibration summary, BG/NBD and gamma-gamma fits.

Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2), and
"RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); data in data/cdnow
(SOURCE.md). Definitions: docs/metrics.md, BG/NBD and gamma-gamma.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analytics import clv, rfm
from lib.config import CDNOW_DIR

PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def cdnow_transactions() -> pd.DataFrame:
    t = pd.read_csv(CDNOW_DIR / "CDNOW_sample.txt", sep=r"\s+", header=None,
                    names=["master_id", "id", "ymd", "cds", "value"], dtype={"ymd": "string"})
    t["date"] = pd.to_datetime(t["ymd"], format="%Y%m%d")
    return t


@pytest.fixture(scope="module")
def published_summary() -> pd.DataFrame:
    return pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv").set_index("ID")


@pytest.fixture(scope="module")
def own_summary() -> pd.DataFrame:
    return rfm.calibration_summary(cdnow_transactions(), "1997-09-30", customer_col="id", value_col="value")


def _within_1pct(fit_params: dict, published: dict) -> None:
    for k, v in published.items():
        assert fit_params[k] == pytest.approx(v, rel=0.01), k


def _fit(r, alpha, a, b) -> clv.BGNBDFit:
    return clv.BGNBDFit(r, alpha, a, b, log_likelihood=0.0, n_customers=0, n_repeat=0, converged=True)


# ------------------------------------------------------------------ calibration summary, customer by customer


def test_cdnow_calibration_summary_matches_published_customer_by_customer(own_summary, published_summary):
    ours, pub = own_summary, published_summary
    assert len(ours) == len(pub) == 2357
    assert set(ours.index) == set(pub.index)
    ours = ours.reindex(pub.index)
    assert (ours["x"].to_numpy() == pub["x"].to_numpy()).all()
    # the published file rounds weeks to 2 decimals: differences up to 0.005 week
    assert np.abs(ours["t_x"] - pub["t_x"]).max() <= 0.01
    assert np.abs(ours["T"] - pub["T"]).max() <= 0.01
    assert np.abs(ours["zbar"] - pub["zbar"]).max() <= 0.01
    assert int((ours["x"] > 0).sum()) == 946


def test_cdnow_zero_value_first_purchases_still_count_as_customers(own_summary):
    # 8 customers have one $0.00 transaction, all of them their only purchase (e.g. sample id 87)
    row = own_summary.loc[87]
    assert (row["x"], row["t_x"], row["x_value"], row["zbar"]) == (0, 0.0, 0, 0.0)
    assert row["T"] == pytest.approx((pd.Timestamp("1997-09-30") - pd.Timestamp("1997-01-05")).days / 7)


# ------------------------------------------------------------------ BG/NBD: Fader, Hardie and Lee (2005)


def test_bgnbd_fit_on_published_cdnow_summary(published_summary):
    s = published_summary
    fit = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    _within_1pct(fit.params, PUBLISHED_BG)
    assert fit.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.5)
    assert fit.stable and fit.converged and fit.n_customers == 2357 and fit.n_repeat == 946


def test_bgnbd_fit_on_summary_computed_from_raw_cdnow(own_summary):
    s = own_summary
    fit = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    _within_1pct(fit.params, PUBLISHED_BG)
    assert fit.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.5)


def test_bgnbd_log_likelihood_at_published_parameters(published_summary):
    s = published_summary
    ll = clv.bgnbd_log_likelihood(PUBLISHED_BG, s["x"], s["t_x"], s["T"]).sum()
    assert ll == pytest.approx(PUBLISHED_LL, abs=0.5)


def test_expected_purchases_cdnow_customer():
    # published parameters, customer 1 of the summary (x=2, t_x=30.43, T=38.86), next 39 weeks: 1.226,
    # the value the Lifetimes documentation shows for this customer
    f = _fit(**PUBLISHED_BG)
    assert clv.expected_purchases(f, 39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=0.002)


# ------------------------------------------------------------------ gamma-gamma: Fader, Hardie and Lee (2005, 2013)


def test_gamma_gamma_fit_on_cdnow(published_summary, own_summary):
    s = published_summary
    fit = clv.fit_gamma_gamma(s["x"], s["zbar"])
    assert fit.n_customers == 946
    _within_1pct(fit.params, PUBLISHED_GG)
    own = clv.fit_gamma_gamma(own_summary["x_value"], own_summary["zbar"])
    assert own.n_customers == 946
    _within_1pct(own.params, PUBLISHED_GG)
