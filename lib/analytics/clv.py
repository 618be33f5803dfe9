"""Customer-lifetime-value models: BG/NBD for purchase occasions, gamma-gamma for spend, fitted by ML.

Over 500 lines on purpose: the two models share their optimiser, stability rule and discounting, and
their likelihoods are checked together against the published CDNOW estimates.

Adapted from Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way:
An Alternative to the Pareto/NBD Model", Marketing Science 24(2) (likelihood,
P(alive), conditional expectation), and Fader, Hardie and Lee (2005), "RFM and
CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), with
Fader and Hardie's note "The Gamma-Gamma Model of Monetary Value" (2013).
The gradients are derived by hand; the month-by-month discounted CLV sum
follows the `Lifetimes` package (MIT). Time is in the unit of the calibration
summary (weeks in this suite). Definitions: docs/metrics.md, BG/NBD and gamma-gamma.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "BGNBDFit", "GammaGammaFit", "FitDiagnostic", "DIAGNOSTIC_CODES", "MIN_CUSTOMERS", "MIN_REPEAT_CUSTOMERS",
    "MAX_LOG_SE", "PARAMETER_BOUNDS", "POLISH_OPTIONS", "count_diagnostics",
    "bgnbd_log_likelihood", "bgnbd_gradient", "bgnbd_total", "fit_bgnbd", "probability_alive",
    "expected_purchases", "expected_purchases_new", "gamma_gamma_gradient",
    "gamma_gamma_total", "fit_gamma_gamma", "expected_spend",
    "customer_lifetime_value", "holdout_comparison", "frequency_recency_matrix", "distinct_rows",
]

#: fewest customers, and fewest repeat customers, a fit is attempted on
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 5
#: a fit is called unstable when a log-parameter's standard error exceeds this (a factor e^1 = 2.7)
MAX_LOG_SE = 1.0
#: the optimiser keeps every parameter inside these bounds (natural scale); a fit that ends on one is degenerate
PARAMETER_BOUNDS = (1e-6, 1e6)
_LOG_BOUNDS = (np.log(PARAMETER_BOUNDS[0]), np.log(PARAMETER_BOUNDS[1]))

#: what a FitDiagnostic may report (docs/metrics.md, BG/NBD and gamma-gamma)
DIAGNOSTIC_CODES = ("too_few_customers", "too_few_repeat", "not_converged", "at_lower_bound", "at_upper_bound",
                    "undefined_se", "large_se", "infinite_mean_spend")


@dataclass(frozen=True)
class FitDiagnostic:
    """Why a fit cannot be used, as a code and its numbers (docs/metrics.md, BG/NBD and gamma-gamma).

    ``model`` is ``"purchase"`` (BG/NBD) or ``"spend"`` (gamma-gamma); ``code`` one of
    :data:`DIAGNOSTIC_CODES`. For a parameter code, ``parameter`` names it, ``value`` is its fitted value and
    ``limit`` the bound it reached (``at_*_bound``), the largest allowed log-scale standard error with ``se``
    the one found (``large_se``), or 1 for q (``infinite_mean_spend``). For a count code ``value`` is the count
    in the data and ``limit`` the count needed; ``repeat`` is the number of repeat buyers (``too_few_*``).
    The words are lib.narrative.customers.fit_diagnostic_sentence's.
    """

    model: str
    code: str
    parameter: str | None = None
    value: float | None = None
    limit: float | None = None
    se: float | None = None
    repeat: int | None = None

    def __post_init__(self) -> None:
        if self.model not in ("purchase", "spend"):
            raise ValueError(f"FitDiagnostic.model must be 'purchase' or 'spend', got {self.model!r}")
        if self.code not in DIAGNOSTIC_CODES:
            raise ValueError(f"FitDiagnostic.code must be one of {DIAGNOSTIC_CODES}, got {self.code!r}")


class _FitStatus:
    """A fit is stable when its checks found no problem (converged, inside the bounds, small errors)."""

    diagnostics: tuple[FitDiagnostic, ...]

    @property
    def stable(self) -> bool:
        return not self.diagnostics


@dataclass(frozen=True)
class BGNBDFit(_FitStatus):
    """Fitted BG/NBD parameters (docs/metrics.md, BG/NBD and gamma-gamma: bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b).

    ``log_likelihood`` is the total over customers; ``stable`` is False when the
    optimiser did not converge, a parameter sits at its bound or its
    log-scale standard error is undefined or exceeds MAX_LOG_SE; ``diagnostics`` says which.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    n_repeat: int
    converged: bool
    log_se: tuple[float, ...] = ()
    diagnostics: tuple[FitDiagnostic, ...] = field(default_factory=tuple)

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGammaFit(_FitStatus):
    """Fitted gamma-gamma spend parameters ``p, q, gamma``, mean spend per occasion pγ/(q-1).

    docs/metrics.md, BG/NBD and gamma-gamma.
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int
    converged: bool
    log_se: tuple[float, ...] = ()
    diagnostics: tuple[FitDiagnostic, ...] = field(default_factory=tuple)

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def mean_spend(self) -> float:
        """Population mean spend per occasion, pγ/(q-1); NaN when q <= 1 (infinite mean)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


def _arrays(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype="float64")
    t_x = np.asarray(t_x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    if not (x.shape == t_x.shape == T.shape):
        raise ValueError("x, t_x and T must have the same length")
    if len(x) and (np.isnan(x).any() or np.isnan(t_x).any() or np.isnan(T).any()):
        raise ValueError("x, t_x and T must not contain missing values")
    if len(x) and ((x < 0).any() or (t_x < 0).any() or (t_x > T + 1e-9).any()
                   or ((x == 0) & (t_x > 0)).any()):
        raise ValueError("need x >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0")
    return x, t_x, T


def _bgnbd_terms(params, x, t_x, T):
    """Per-customer log-likelihood and its gradient w.r.t. (r, alpha, a, b)."""
    r, alpha, a, b = params
    rep = x > 0
    lg = special.gammaln
    a1 = lg(r + x) - lg(r) + r * np.log(alpha)
    a2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    bx1 = np.where(rep, b + x - 1, 1.0)
    a4 = np.where(rep, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    mx = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - mx), np.exp(a4 - mx)
    ll = a1 + a2 + mx + np.log(e3 + e4)
    w4 = e4 / (e3 + e4)  # share of the "dropped out after the last purchase" term
    w3 = 1 - w4
    dg = special.digamma
    g_r = dg(r + x) - dg(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    g_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    g_a = dg(a + b) - dg(a + b + x) + w4 / a
    g_b = dg(a + b) + dg(b + x) - dg(b) - dg(a + b + x) - w4 / bx1
    return ll, np.vstack([g_r, g_alpha, g_a, g_b])


def bgnbd_log_likelihood(params: dict[str, float] | tuple, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie and Lee 2005, eq. 6)."""
    x, t_x, T = _arrays(x, t_x, T)
    return _bgnbd_terms(_bg_params(params), x, t_x, T)[0]


def bgnbd_gradient(params: dict[str, float] | tuple, x, t_x, T) -> np.ndarray:
    """Per-customer gradient of the BG/NBD log-likelihood w.r.t. (r, alpha, a, b): shape (4, customers)."""
    x, t_x, T = _arrays(x, t_x, T)
    return _bgnbd_terms(_bg_params(params), x, t_x, T)[1]


def bgnbd_total(params: dict[str, float] | tuple, x, t_x, T) -> tuple[float, np.ndarray]:
    """Total BG/NBD log-likelihood and its gradient w.r.t. (r, alpha, a, b), as the fit evaluates them.

    Computed once per distinct customer history and per distinct x, T and t_x (the factorised form
    ``fit_bgnbd`` optimises); equal to the sums of ``bgnbd_log_likelihood`` and ``bgnbd_gradient``.
    """
    x, t_x, T = _arrays(x, t_x, T)
    return _bgnbd_total(_bg_params(params), _BGData(x, t_x, T))


def _bg_params(params: dict[str, float] | tuple) -> tuple[float, ...]:
    if isinstance(params, dict):
        params = (params["r"], params["alpha"], params["a"], params["b"])
    return tuple(float(p) for p in params)


def _wsum(w: np.ndarray, v: np.ndarray) -> float:
    """Weighted sum of two 1-D arrays, elementwise then numpy's pairwise sum: a 1-D matrix product goes to BLAS,
    whose threads compete with the other kernel's when notebooks run in parallel (issue 20, README Speed)."""
    return float(np.multiply(w, v).sum())


class _BGData:
    """Distinct customer histories, factorised: x-, T- and t_x-only terms are computed once per distinct value."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
        (cx, ctx, cT), self.w = _compress(x, t_x, T)
        self.ux, self.ix = np.unique(cx, return_inverse=True)
        self.uT, self.iT = np.unique(cT, return_inverse=True)
        self.utx, self.itx = np.unique(ctx, return_inverse=True)
        self.x = cx
        self.rep = cx > 0
        self.wx = np.bincount(self.ix, weights=self.w, minlength=len(self.ux))  # weight per distinct x
        self.n = float(self.w.sum())


def _bgnbd_total(params, d: _BGData) -> tuple[float, np.ndarray]:
    """Total BG/NBD log-likelihood and its gradient w.r.t. (r, alpha, a, b); same maths as _bgnbd_terms."""
    r, alpha, a, b = params
    lg, dg = special.gammaln, special.digamma
    ux, ix = d.ux, d.ix
    # terms of x only (a few hundred distinct values)
    a12 = lg(r + ux) - lg(r) + r * np.log(alpha) + lg(a + b) + lg(b + ux) - lg(b) - lg(a + b + ux)
    bx1 = np.where(ux > 0, b + ux - 1, 1.0)
    log_a_bx1 = np.log(a) - np.log(bx1)
    gx_r = dg(r + ux) - dg(r) + np.log(alpha)
    gx_a = dg(a + b) - dg(a + b + ux)
    gx_b = dg(a + b) + dg(b + ux) - dg(b) - dg(a + b + ux)
    # terms of T and of t_x only
    lT, itT = np.log(alpha + d.uT), 1 / (alpha + d.uT)
    ltx, ittx = np.log(alpha + d.utx), 1 / (alpha + d.utx)
    # per distinct history
    rx = r + d.x
    a3 = -rx * lT[d.iT]
    a4 = np.where(d.rep, log_a_bx1[ix] - rx * ltx[d.itx], -np.inf)
    tail = np.logaddexp(a3, a4)
    w4 = np.exp(a4 - tail)
    w3 = 1 - w4
    w, wx = d.w, d.wx
    ll = _wsum(wx, a12) + _wsum(w, tail)
    g_r = _wsum(wx, gx_r) - _wsum(w, w3 * lT[d.iT] + w4 * ltx[d.itx])
    g_alpha = d.n * r / alpha - _wsum(w, rx * (w3 * itT[d.iT] + w4 * ittx[d.itx]))
    g_a = _wsum(wx, gx_a) + _wsum(w, w4) / a
    g_b = _wsum(wx, gx_b) - _wsum(w, w4 / bx1[ix])
    return ll, np.array([g_r, g_alpha, g_a, g_b])


class _GGData:
    """Distinct (x, zbar) pairs with the constant parts of the gamma-gamma likelihood precomputed."""

    def __init__(self, x: np.ndarray, z: np.ndarray):
        (cx, cz), self.w = _compress(x, z)
        self.ux, self.ix = np.unique(cx, return_inverse=True)
        self.wx = np.bincount(self.ix, weights=self.w, minlength=len(self.ux))
        self.xz = cx * cz
        self.n = float(self.w.sum())
        # sum of w (p x - 1) log z + p x log x = p * sum(w x (log z + log x)) - sum(w log z)
        self.c_p = _wsum(self.w, cx * (np.log(cz) + np.log(cx)))
        self.c_0 = -_wsum(self.w, np.log(cz))
        self.x = cx


def _gg_total(params, d: _GGData) -> tuple[float, np.ndarray]:
    """Total gamma-gamma log-likelihood and gradient w.r.t. (p, q, gamma); same maths as _gg_terms."""
    p, q, g = params
    lg, dg = special.gammaln, special.digamma
    pux = p * d.ux
    lgx = lg(pux + q) - lg(pux) - lg(q)
    L = np.log(g + d.xz)
    R = 1 / (g + d.xz)
    pxq = p * d.x + q
    w, wx = d.w, d.wx
    ll = _wsum(wx, lgx) + d.n * q * np.log(g) + p * d.c_p + d.c_0 - _wsum(w, pxq * L)
    g_p = _wsum(wx, d.ux * (dg(pux + q) - dg(pux))) + d.c_p - _wsum(w, d.x * L)
    g_q = _wsum(wx, dg(pux + q) - dg(q)) + d.n * np.log(g) - _wsum(w, L)
    g_g = d.n * q / g - _wsum(w, pxq * R)
    return ll, np.array([g_p, g_q, g_g])


def _compress(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows and their counts: the likelihood is evaluated once per distinct customer history."""
    uniq, inverse = distinct_rows(*cols)
    counts = np.bincount(inverse, minlength=len(uniq[0])).astype("float64")
    return uniq, counts


def distinct_rows(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of equal-length columns and the inverse index (one integer key, no row sort)."""
    key = np.zeros(len(cols[0]), dtype="int64")
    for c in cols:
        u, inv = np.unique(np.asarray(c), return_inverse=True)
        key = key * len(u) + inv  # mixed-radix key; sizes here stay far below 2**63
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return [np.asarray(c)[first] for c in cols], inverse


def _log_se(fun_grad, theta: np.ndarray, n: float) -> np.ndarray:
    """Standard errors of the log-parameters from a finite-difference Hessian.

    ``fun_grad`` is the mean negative log-likelihood over ``n`` customers, so
    the Hessian of the total is ``n`` times its Hessian.
    """
    k = len(theta)
    h = np.empty((k, k))
    eps = 1e-5
    for i in range(k):
        step = np.zeros(k)
        step[i] = eps
        h[:, i] = (fun_grad(theta + step)[1] - fun_grad(theta - step)[1]) / (2 * eps)
    h = (h + h.T) / 2 * n
    try:
        cov = np.linalg.inv(h)
    except np.linalg.LinAlgError:
        return np.full(k, np.inf)
    d = np.diag(cov)
    return np.where(d > 0, np.sqrt(np.abs(d)), np.inf)


def _fit(fun_grad, starts: list[np.ndarray], names: tuple[str, ...], n: float, model: str):
    """Minimise a total negative log-likelihood over log-parameters from several starts."""
    best = None
    for s in starts:  # later starts only when the first did not converge inside the bounds
        res = optimize.minimize(fun_grad, s, jac=True, method="L-BFGS-B",
                                bounds=[_LOG_BOUNDS] * len(s), options={"maxiter": 2000})
        if best is None or (np.isfinite(res.fun) and res.fun < best.fun):
            best = res
        inside = ((best.x > _LOG_BOUNDS[0] + 1e-3) & (best.x < _LOG_BOUNDS[1] - 1e-3)).all()
        if best.success and inside:
            break
    if best.success and inside:  # a usable fit is taken to the maximum
        fine = _polish(fun_grad, best)
        se = _log_se(fun_grad, fine.x, n)
        diags = _fit_diagnostics(model, names, fine.x, se, bool(fine.success))
        if not diags:
            return fine, fine.x, se, diags
    # an unusable fit keeps the point its diagnostics describe (a polish would only slide along its ridge)
    se = _log_se(fun_grad, best.x, n)
    return best, best.x, se, _fit_diagnostics(model, names, best.x, se, bool(best.success))


#: tolerances of the second, polishing run: L-BFGS-B's defaults (ftol 2.2e-9 on the mean, gtol 1e-5) stop
#: 9e-6 to 3.5e-5 of total log-likelihood short of the maximum on 23,570 customers (issue 20)
POLISH_OPTIONS = {"maxiter": 200, "ftol": 1e-15, "gtol": 1e-10}


def _polish(fun_grad, res):
    """Restart L-BFGS-B from a converged, stable ``res`` with tight tolerances; the better of the two points.

    The first run's convergence verdict stands: a polish that ends on a line-search stall at machine
    precision has still not moved uphill, and a point it does not improve is not taken. Unstable fits are
    not polished: on a flat ridge the polish would only slide along it, and their metrics are null anyway.
    """
    fine = optimize.minimize(fun_grad, res.x, jac=True, method="L-BFGS-B", bounds=[_LOG_BOUNDS] * len(res.x),
                             options=POLISH_OPTIONS)
    if np.isfinite(fine.fun) and fine.fun <= res.fun:
        fine.success, fine.nit, fine.nfev = res.success, res.nit + fine.nit, res.nfev + fine.nfev
        return fine
    return res


def _fit_diagnostics(model: str, names: tuple[str, ...], theta: np.ndarray, se: np.ndarray,
                     converged: bool) -> tuple[FitDiagnostic, ...]:
    """The checks of one fit as FitDiagnostics: convergence, bounds (first), then standard errors."""
    out = [] if converged else [FitDiagnostic(model, "not_converged")]
    for name, t, e in zip(names, theta, se, strict=True):
        if t <= _LOG_BOUNDS[0] + 1e-3:
            out.append(FitDiagnostic(model, "at_lower_bound", name, float(np.exp(t)), PARAMETER_BOUNDS[0], float(e)))
        elif t >= _LOG_BOUNDS[1] - 1e-3:
            out.append(FitDiagnostic(model, "at_upper_bound", name, float(np.exp(t)), PARAMETER_BOUNDS[1], float(e)))
    bounded = {d.parameter for d in out}
    for name, t, e in zip(names, theta, se, strict=True):
        if name in bounded:
            continue
        if not np.isfinite(e):
            out.append(FitDiagnostic(model, "undefined_se", name, float(np.exp(t)), MAX_LOG_SE, float(e)))
        elif e > MAX_LOG_SE:
            out.append(FitDiagnostic(model, "large_se", name, float(np.exp(t)), MAX_LOG_SE, float(e)))
    return tuple(out)


def count_diagnostics(n_customers: int, n_repeat: int, min_customers: int = MIN_CUSTOMERS,
                      min_repeat: int = MIN_REPEAT_CUSTOMERS, model: str = "purchase") -> tuple[FitDiagnostic, ...]:
    """``too_few_customers`` / ``too_few_repeat`` when the data are below the counts a fit needs
    (docs/metrics.md, BG/NBD and gamma-gamma); empty when a fit may be attempted. For the spend model
    ``n_repeat`` is the number of repeat buyers with a positive spend and only ``min_repeat`` applies."""
    out = []
    if model == "purchase" and n_customers < min_customers:
        out.append(FitDiagnostic(model, "too_few_customers", value=float(n_customers), limit=float(min_customers),
                                 repeat=int(n_repeat)))
    if n_repeat < min_repeat:
        out.append(FitDiagnostic(model, "too_few_repeat", value=float(n_repeat), limit=float(min_repeat),
                                 repeat=int(n_repeat)))
    return tuple(out)


def _log_objective(total, data, wsum: float):
    """Mean negative log-likelihood and its gradient in log-parameters, for L-BFGS-B.

    ``total(params, data)`` returns the log-likelihood and its gradient in the natural
    parameters; the chain rule gives the gradient in log space. Non-finite values become a
    large constant so the optimiser backs off instead of failing.
    """
    def fun_grad(theta):
        p = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, g = total(p, data)
        val = -ll / wsum
        grad = -g * p / wsum
        if not np.isfinite(val) or not np.isfinite(grad).all():
            return 1e10, np.zeros_like(theta)
        return val, grad

    return fun_grad


def fit_bgnbd(x, t_x, T, min_customers: int = MIN_CUSTOMERS,
              min_repeat: int = MIN_REPEAT_CUSTOMERS) -> BGNBDFit:
    """Maximum-likelihood BG/NBD fit (docs/metrics.md, BG/NBD and gamma-gamma).

    Parameters
    ----------
    x, t_x, T : repeat occasions, time of the last repeat and time observed, per
        customer (``lib.analytics.rfm.calibration_summary``).

    Raises
    ------
    ValueError
        With a plain message when there are fewer than ``min_customers`` customers
        or fewer than ``min_repeat`` of them with a repeat purchase: the model
        cannot be estimated from so little.
    """
    x, t_x, T = _arrays(x, t_x, T)
    n, n_rep = len(x), int((x > 0).sum())
    if n < min_customers or n_rep < min_repeat:
        raise ValueError(
            f"too few customers for the BG/NBD model: it needs at least {min_customers} customers of whom "
            f"{min_repeat} bought again; the data have {n} customer{'s' if n != 1 else ''} and {n_rep} "
            f"repeat buyer{'s' if n_rep != 1 else ''}")
    data = _BGData(x, t_x, T)
    wsum = data.n

    fun_grad = _log_objective(_bgnbd_total, data, wsum)

    scale = max(float(np.mean(T)), 1e-3)
    starts = [np.log([1.0, scale, 1.0, 1.0]), np.log([0.25, scale / 5, 0.8, 2.5]), np.log([2.0, scale * 2, 0.5, 5.0])]
    best, theta, se, diags = _fit(fun_grad, starts, ("r", "alpha", "a", "b"), wsum, "purchase")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    return BGNBDFit(r, alpha, a, b, float(-best.fun * wsum), n, n_rep, bool(best.success),
                    tuple(float(s) for s in se), diags)


def probability_alive(fit: BGNBDFit, x, t_x, T) -> np.ndarray:
    """P(customer still active | x, t_x, T) (Fader, Hardie and Lee 2005, eq. 11); 1 when x = 0."""
    x, t_x, T = _arrays(x, t_x, T)
    rep = x > 0
    bx1 = np.where(rep, fit.b + x - 1, 1.0)
    log_odds = np.log(fit.a) - np.log(bx1) + (fit.r + x) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x))
    return np.where(rep, special.expit(-log_odds), 1.0)


def expected_purchases(fit: BGNBDFit, t: float, x, t_x, T) -> np.ndarray:
    """Expected occasions in the next ``t`` time units given (x, t_x, T) (FHL 2005, eq. 10)."""
    x, t_x, T = _arrays(x, t_x, T)
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    return _purchases_if_alive(fit, t, x, T) * probability_alive(fit, x, t_x, T)


def _purchases_if_alive(fit: BGNBDFit, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The factor of :func:`expected_purchases` before P(alive): it depends on x and T only (FHL 2005, eq. 10)."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    if abs(a - 1) < 1e-6:  # the closed form divides by a - 1; its limit is continuous, step just off it
        a = 1 + 1e-6
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)


def expected_purchases_new(fit: BGNBDFit, t: float) -> float:
    """Expected occasions of a newly acquired customer in ``t`` time units, E[X(t)] (FHL 2005, eq. 9)."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    if abs(a - 1) < 1e-6:
        a = 1 + 1e-6
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


def gamma_gamma_gradient(params: dict[str, float] | tuple, x, zbar) -> np.ndarray:
    """Per-customer gradient of the gamma-gamma log-likelihood w.r.t. (p, q, gamma): shape (3, customers)."""
    return _gg_terms(_gg_params(params), np.asarray(x, "float64"), np.asarray(zbar, "float64"))[1]


def gamma_gamma_total(params: dict[str, float] | tuple, x, zbar) -> tuple[float, np.ndarray]:
    """Total gamma-gamma log-likelihood and its gradient w.r.t. (p, q, gamma), as the fit evaluates them.

    Computed once per distinct (x, zbar) and per distinct x (the factorised form ``fit_gamma_gamma``
    optimises); its gradient equals the sum of ``gamma_gamma_gradient`` over the customers.
    """
    return _gg_total(_gg_params(params), _GGData(np.asarray(x, "float64"), np.asarray(zbar, "float64")))


def _gg_params(params: dict[str, float] | tuple) -> tuple[float, ...]:
    if isinstance(params, dict):
        params = (params["p"], params["q"], params["gamma"])
    return tuple(float(v) for v in params)


def _gg_terms(params, x, z):
    p, q, g = params
    lg, dg = special.gammaln, special.digamma
    px = p * x
    ll = (lg(px + q) - lg(px) - lg(q) + q * np.log(g) + (px - 1) * np.log(z) + px * np.log(x)
          - (px + q) * np.log(g + x * z))
    g_p = x * (dg(px + q) - dg(px) + np.log(z) + np.log(x) - np.log(g + x * z))
    g_q = dg(px + q) - dg(q) + np.log(g) - np.log(g + x * z)
    g_g = q / g - (px + q) / (g + x * z)
    return ll, np.vstack([g_p, g_q, g_g])


def fit_gamma_gamma(x, zbar, min_customers: int = MIN_REPEAT_CUSTOMERS) -> GammaGammaFit:
    """Maximum-likelihood gamma-gamma spend fit on customers with positive repeat spend.

    ``x`` is the number of repeat occasions with a positive value and ``zbar``
    their mean value (``x_value`` and ``zbar`` of ``calibration_summary``);
    customers with ``x == 0`` or ``zbar <= 0`` are left out (the gamma
    likelihood needs positive amounts). Raises ValueError with a plain message
    when fewer than ``min_customers`` remain.
    """
    x = np.asarray(x, dtype="float64")
    z = np.asarray(zbar, dtype="float64")
    if x.shape != z.shape:
        raise ValueError("x and zbar must have the same length")
    keep = (x > 0) & (z > 0) & np.isfinite(z)
    n = int(keep.sum())
    if n < min_customers:
        raise ValueError(f"too few repeat buyers with a positive spend for the gamma-gamma spend model: it "
                         f"needs at least {min_customers}, the data have {n}")
    data = _GGData(x[keep], z[keep])
    wsum = data.n

    fun_grad = _log_objective(_gg_total, data, wsum)

    m = float(np.mean(z[keep]))
    starts = [np.log([1.0, 1.0, m]), np.log([5.0, 3.0, m]), np.log([2.0, 5.0, 2 * m])]
    best, theta, se, diags = _fit(fun_grad, starts, ("p", "q", "gamma"), wsum, "spend")
    p, q, g = (float(v) for v in np.exp(theta))
    return GammaGammaFit(p, q, g, float(-best.fun * wsum), n, bool(best.success),
                         tuple(float(s) for s in se), diags)


def expected_spend(fit: GammaGammaFit, x, zbar) -> np.ndarray:
    """Expected spend per future occasion: (γ + x zbar) p / (p x + q - 1); x = 0 gives the population mean."""
    x = np.asarray(x, dtype="float64")
    z = np.where(np.asarray(x) > 0, np.asarray(zbar, dtype="float64"), 0.0)
    if fit.q <= 1:
        raise ValueError(f"the spend model's q = {fit.q:.3g} <= 1 implies an infinite mean spend; no CLV")
    return (fit.gamma + x * z) * fit.p / (fit.p * x + fit.q - 1)


def customer_lifetime_value(bg: BGNBDFit, gg: GammaGammaFit, summary: pd.DataFrame, months: int = 12,
                            monthly_discount: float = 0.01, unit_days: float = 7.0) -> pd.Series:
    """Discounted expected revenue over the next ``months`` per customer (docs/metrics.md, BG/NBD and gamma-gamma).

    Sum over months m of (E[Y(m)] - E[Y(m-1)]) x expected spend / (1 + d)^m with
    months of 365.25/12 days, as in the Lifetimes package. ``summary`` is a
    calibration summary (x, t_x, T, x_value, zbar).
    """
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    if not 0 <= monthly_discount < 1:
        raise ValueError(f"monthly_discount must be in [0, 1), got {monthly_discount}")
    (x, t_x, T), inv = distinct_rows(summary["x"].to_numpy(), summary["t_x"].to_numpy(), summary["T"].to_numpy())
    spend = expected_spend(gg, summary["x_value"].to_numpy(), summary["zbar"].to_numpy())
    month = 365.25 / 12 / unit_days
    # discounted expected purchases per distinct history, then times each customer's expected spend
    x, t_x, T = _arrays(x, t_x, T)
    alive = probability_alive(bg, x, t_x, T)  # the same for every month: once
    (ux, uT), by_xT = distinct_rows(x, T)  # the month terms depend on x and T only: once per distinct pair
    disc = np.zeros(len(x))
    prev = np.zeros(len(x))
    for m in range(1, months + 1):  # 12 vectorised steps, not a per-customer loop
        cur = _purchases_if_alive(bg, m * month, ux, uT)[by_xT] * alive  # = expected_purchases(bg, m * month, ...)
        disc += (cur - prev) / (1 + monthly_discount) ** m
        prev = cur
    return pd.Series(disc[inv] * spend, index=summary.index, name="clv")


def holdout_comparison(bg: BGNBDFit, calibration: pd.DataFrame, actual_repeat: pd.Series, horizon: float,
                       max_x: int = 7) -> pd.DataFrame:
    """Predicted vs actual repeat occasions in a holdout, by calibration occasions (x capped at ``max_x``).

    ``calibration`` is the summary at the calibration cut-off (x, t_x, T),
    ``actual_repeat`` the occasions each of those customers made in the holdout
    (missing = 0), ``horizon`` the holdout length in time units. Returns one
    row per x group: ``x`` (label, last is ``"7+"``), ``customers``,
    ``actual`` and ``predicted`` mean occasions per customer.
    """
    x, t_x, T = calibration["x"].to_numpy(), calibration["t_x"].to_numpy(), calibration["T"].to_numpy()
    pred = expected_purchases(bg, horizon, x, t_x, T)
    act = actual_repeat.reindex(calibration.index).fillna(0).to_numpy(dtype="float64")
    grp = np.minimum(x, max_x).astype("int64")
    df = pd.DataFrame({"grp": grp, "actual": act, "predicted": pred})
    out = df.groupby("grp").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                predicted=("predicted", "mean")).reset_index()
    out["x"] = [f"{g}+" if g == max_x else str(g) for g in out["grp"]]
    return out[["x", "customers", "actual", "predicted"]]


def frequency_recency_matrix(bg: BGNBDFit, T: float, horizon: float, max_x: int = 20,
                             n_recency: int = 12) -> pd.DataFrame:
    """Expected occasions in the next ``horizon`` for a grid of x (rows) and t_x (columns) at a fixed ``T``.

    Rows are repeat occasions 0..max_x, columns recency t_x from 0 to T in
    ``n_recency`` steps (the time of the last purchase, in time units since the
    first). The cell x = 0 has t_x = 0 only; other cells of that row are NaN.
    """
    if T <= 0:
        raise ValueError(f"T must be positive, got {T}")
    xs = np.arange(max_x + 1, dtype="float64")
    ts = np.linspace(0, T, n_recency)
    gx, gt = np.meshgrid(xs, ts, indexing="ij")
    valid = (gx > 0) | (gt == 0)
    vals = np.full(gx.shape, np.nan)
    vals[valid] = expected_purchases(bg, horizon, gx[valid], gt[valid], np.full(valid.sum(), T))
    return pd.DataFrame(vals, index=pd.Index(xs.astype(int), name="x"),
                        columns=pd.Index(np.round(ts, 1), name="t_x"))
