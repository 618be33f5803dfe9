"""Co-purchase analysis: categories and brands bought together by one buyer on one day (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse, special

from lib.analytics.stats import benjamini_hochberg

__all__ = ["BUNDLE_COLUMNS", "EVIDENCE_COLUMNS", "GROSS_PROFIT_COLUMNS", "MIN_SUPPORT", "MAX_BASKET", "TOP_PRODUCTS",
           "MAX_OTHERS", "occasion_items", "pair_table", "bundle_pairs", "listed_pairs", "rounded_pairs",
           "bundle_candidates", "history_months"]

#: fixed first columns of bundle_candidates.csv (docs/metrics.md, Action lists), then the evidence
BUNDLE_COLUMNS = ["item_a", "item_b", "support", "confidence", "lift", "occasions"]
#: the evidence columns after :data:`BUNDLE_COLUMNS` (bundle_candidates.csv then ends with the narrative's ``reason``)
EVIDENCE_COLUMNS = ["kind", "p_value", "q_value", "recommended", "item_a_occasions", "item_b_occasions",
                    "total_occasions", "pairs_tested", "expected_occasions", "confidence_b_to_a", "item_b_mean_revenue"]
#: added after :data:`EVIDENCE_COLUMNS` when the sale lines carry ``gross_profit`` (costs known)
GROSS_PROFIT_COLUMNS = ["item_b_mean_gross_profit", "item_b_gross_profit_sd", "item_b_profit_occasions"]
#: a pair is recommended only when it is on at least this share of all purchase occasions (0.1%)
MIN_SUPPORT = 0.001
#: occasions with more distinct items than this are left out of the pair counts (a bulk or trade order, not a basket)
MAX_BASKET = 30
#: at product level only the products on the most occasions are paired
TOP_PRODUCTS = 200
#: bundle_candidates.csv holds the recommended pairs and at most this many others, highest lift first
MAX_OTHERS = 100

_KINDS = {"brand_name": "brand", "brand_id": "brand", "product_id": "product"}


def _kind(by: str) -> str:
    """``category``, ``brand`` (from brand_name / brand_id) or ``product`` (product_id): what the pair's items are."""
    return _KINDS.get(by, by)


def _columns(with_profit: bool) -> list[str]:
    return BUNDLE_COLUMNS + EVIDENCE_COLUMNS + (GROSS_PROFIT_COLUMNS if with_profit else [])


def _empty(with_profit: bool = False) -> pd.DataFrame:
    """An empty candidate table with the right column types."""
    types = {"item_a": "string", "item_b": "string", "kind": "string", "recommended": "bool",
             "occasions": "int64", "item_a_occasions": "int64", "item_b_occasions": "int64",
             "total_occasions": "int64", "pairs_tested": "int64", "item_b_profit_occasions": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in _columns(with_profit)})


def _occasion_codes(lines: pd.DataFrame, by: str) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per purchase occasion and ``by`` value as integer codes (``occasion``, ``item``) with the summed
    ``revenue`` and, when the lines carry it, ``gross_profit`` (NaN when any line's cost is unknown); and the
    item names of the codes."""
    need = {"buyer_id", "date", "revenue", by}
    if missing := need - set(lines.columns):
        raise ValueError(f"sale lines lack column(s) {sorted(missing)} for the co-purchase analysis")
    keep = lines[by].notna().to_numpy(dtype=bool, copy=True)
    if "is_completed" in lines.columns:
        keep &= lines["is_completed"].to_numpy(dtype=bool)
    profit = "gross_profit" in lines.columns
    cols = ["buyer_id", "date", by, "revenue"] + (["gross_profit"] if profit else [])
    c = lines.loc[keep, cols]
    out = {"occasion": np.zeros(0, "int64"), "item": np.zeros(0, "int64"), "revenue": np.zeros(0)}
    if profit:
        out["gross_profit"] = np.zeros(0)
    if c.empty:
        return pd.DataFrame(out), np.zeros(0, dtype=object)
    # integer codes instead of a string groupby: buyer code x day number, then item codes
    buyer, _ = pd.factorize(c["buyer_id"])
    day = c["date"].to_numpy(dtype="datetime64[D]").astype("int64")
    occ, _ = pd.factorize(buyer.astype("int64") * 1_000_000 + (day - day.min()))
    item, names = pd.factorize(c[by].astype("string"))
    d = pd.DataFrame({"occasion": occ.astype("int64"), "item": item.astype("int64"),
                      "revenue": c["revenue"].to_numpy(dtype="float64")})
    agg = {"revenue": ("revenue", "sum")}
    if profit:
        gp = c["gross_profit"].to_numpy(dtype="float64")
        d["gross_profit"] = np.nan_to_num(gp)
        d["unknown"] = np.isnan(gp)
        agg |= {"gross_profit": ("gross_profit", "sum"), "unknown": ("unknown", "any")}
    d = d.groupby(["occasion", "item"], sort=True, as_index=False).agg(**agg)
    if profit:
        d["gross_profit"] = d["gross_profit"].where(~d.pop("unknown"))
    return d, np.asarray(names, dtype=object)


def occasion_items(lines: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Distinct ``by`` values per purchase occasion (one buyer, one local day; docs/metrics.md, Purchase occasion).

    Only completed lines count (``is_completed`` when present); lines whose ``by``
    value is unknown are left out. Returns columns ``occasion`` (int code),
    ``item`` (string), ``revenue`` (summed per occasion and item) and, when the lines
    carry it, ``gross_profit`` (summed; NaN when a line's cost is unknown).
    """
    d, names = _occasion_codes(lines, by)
    return d.assign(item=pd.array(names[d["item"].to_numpy()], dtype="string"))


def _item_stats(item: np.ndarray, values: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item code: mean, standard deviation (ddof 1; NaN below 2 values) and count of the finite ``values``."""
    ok = np.isfinite(values)
    n = np.bincount(item[ok], minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(item[ok], weights=values[ok], minlength=m) / n
        dev = np.bincount(item[ok], weights=(values[ok] - mean[item[ok]]) ** 2, minlength=m)
        sd = np.where(n > 1, np.sqrt(dev / np.maximum(n - 1, 1)), np.nan)
    return np.where(n > 0, mean, np.nan), sd, n


def _log_choose(n: np.ndarray, r: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1) - special.gammaln(r + 1) - special.gammaln(n - r + 1)


def _hypergeom_sf(k: np.ndarray, total: int, na: np.ndarray, nb: np.ndarray, tol: float = 1e-17) -> np.ndarray:
    """P(X >= k) for X ~ Hypergeometric(``total`` occasions, ``na`` with item_a, ``nb`` drawn): the one-sided
    Fisher exact p-value, as ``scipy.stats.hypergeom.sf(k - 1, total, na, nb)`` to 1e-8 relative or better, vectorised.

    Above the mode the upper tail is summed upwards from k, at or below it the lower tail downwards from k - 1
    (p = 1 - that sum), each term from the last by the pmf ratio, until a term adds less than ``tol`` of the sum:
    a few terms per pair instead of scipy's fixed cost per call (about 0.1 ms, 2 minutes for a million pairs).
    """
    k, na, nb = (np.asarray(v, dtype="int64") for v in (k, na, nb))
    k, na, nb = np.broadcast_arrays(k, na, nb)
    rest = total - na - nb  # occasions with neither, may be negative
    lo, hi = np.maximum(0, -rest), np.minimum(na, nb)
    out = np.where(k <= lo, 1.0, 0.0)
    mode = (na + 1) * (nb + 1) // (total + 2)
    inside = (k > lo) & (k <= hi)
    for up in (True, False):
        idx = np.flatnonzero(inside & ((k > mode) if up else (k <= mode)))
        if not len(idx):
            continue
        x = (k[idx] if up else k[idx] - 1).astype("float64")
        a, b, r = na[idx].astype("float64"), nb[idx].astype("float64"), rest[idx].astype("float64")
        log_first = _log_choose(a, x) + _log_choose(total - a, b - x) - _log_choose(np.float64(total), b)
        end = hi[idx] if up else lo[idx]
        term, total_sum = np.ones(len(idx)), np.ones(len(idx))
        act = np.flatnonzero(x != end)
        while len(act):
            xa = x[act]
            if up:
                term[act] *= (a[act] - xa) * (b[act] - xa) / ((xa + 1) * (r[act] + xa + 1))
                x[act] = xa + 1
            else:
                term[act] *= xa * (r[act] + xa) / ((a[act] - xa + 1) * (b[act] - xa + 1))
                x[act] = xa - 1
            total_sum[act] += term[act]
            act = act[(term[act] >= tol * total_sum[act]) & (x[act] != end[act])]
        tail = np.exp(log_first + np.log(total_sum))
        out[idx] = np.minimum(tail, 1.0) if up else np.clip(1.0 - tail, 0.0, 1.0)
    return out


def _kind_pairs(lines: pd.DataFrame, by: str, min_pair_occasions: int, min_support: float, max_basket: int,
                top_products: int) -> tuple[pd.DataFrame, int]:
    """Every pair of ``by`` values that could be recommended, with its counts and one-sided Fisher p-value, and the
    number of pairs tested (docs/metrics.md, Recommendations).

    Occasions with more than ``max_basket`` distinct values are left out. Pairs are
    counted with a sparse occasion x item incidence matrix X and its product X^T X, so
    time and memory grow with the sum of squared basket sizes (at most ``max_basket``
    times the sale lines), never with a self-join. The pairs tested are all pairs of
    items each on at least ``max(min_pair_occasions, min_support x N)`` occasions (only
    those can reach both thresholds; a filter on the items alone, not on the pair);
    at product level only the ``top_products`` most frequent of them. Pairs of tested
    items never bought together have p = 1 and are not listed.
    """
    d, names = _occasion_codes(lines, by)
    if d.empty:
        return pd.DataFrame(), 0
    occ = d["occasion"].to_numpy()
    item = d["item"].to_numpy()
    size = np.bincount(occ)
    kept = size[occ] <= max_basket
    small = size <= max_basket
    new_code = np.cumsum(small) - 1  # occasions renumbered without the big ones
    occ, item = new_code[occ[kept]], item[kept]
    n_total = int(small.sum())
    if n_total == 0:
        return pd.DataFrame(), 0
    m = len(names)
    n_item = np.bincount(item, minlength=m)
    rev_mean = _item_stats(item, d["revenue"].to_numpy()[kept], m)[0]
    profit = "gross_profit" in d.columns
    gp = _item_stats(item, d["gross_profit"].to_numpy()[kept], m) if profit else None
    k_min = max(min_pair_occasions, math.ceil(min_support * n_total - 1e-9))
    frequent = np.flatnonzero(n_item >= k_min)
    if _kind(by) == "product" and len(frequent) > top_products:
        order = np.lexsort((frequent, -n_item[frequent]))  # most occasions first, ties by first appearance
        frequent = np.sort(frequent[order[:top_products]])
    n_tests = len(frequent) * (len(frequent) - 1) // 2
    if n_tests == 0:
        return pd.DataFrame(), 0
    col = np.full(m, -1, dtype="int64")
    col[frequent] = np.arange(len(frequent))
    use = col[item] >= 0
    x = sparse.csr_matrix((np.ones(int(use.sum()), dtype="int32"), (occ[use], col[item[use]])),
                          shape=(n_total, len(frequent)))
    together = sparse.triu(x.T @ x, k=1).tocoo()  # n_ab for every pair bought together at least once
    i, j = frequent[together.row], frequent[together.col]
    k = together.data.astype("int64")
    ni, nj = n_item[i], n_item[j]
    i_first = (ni > nj) | ((ni == nj) & (names[i].astype(str) < names[j].astype(str)))
    a, b = np.where(i_first, i, j), np.where(i_first, j, i)
    na, nb = n_item[a].astype("int64"), n_item[b].astype("int64")
    support = k / n_total
    out = pd.DataFrame({
        "item_a": pd.array(names[a], dtype="string"), "item_b": pd.array(names[b], dtype="string"),
        "support": support, "confidence": k / na,
        "lift": support / ((na / n_total) * (nb / n_total)), "occasions": k,
        "kind": _kind(by), "p_value": _hypergeom_sf(k, n_total, na, nb),
        "item_a_occasions": na, "item_b_occasions": nb, "total_occasions": n_total,
        "expected_occasions": na * nb / n_total, "confidence_b_to_a": k / nb, "item_b_mean_revenue": rev_mean[b],
    })
    if gp is not None:
        out["item_b_mean_gross_profit"], out["item_b_gross_profit_sd"] = gp[0][b], gp[1][b]
        out["item_b_profit_occasions"] = gp[2][b].astype("int64")
    return out, n_tests


def bundle_pairs(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                 min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05,
                 min_support: float = MIN_SUPPORT, max_basket: int = MAX_BASKET,
                 top_products: int = TOP_PRODUCTS) -> pd.DataFrame:
    """Association of every pair of values of each available ``by`` column bought on one occasion, values not
    rounded (docs/metrics.md, Recommendations). Columns missing from the lines are skipped.

    With N occasions that have at least one known item (and at most ``max_basket``
    distinct ones), n_a and n_b the occasions holding each item and n_ab those holding
    both: ``support`` = n_ab / N, ``confidence`` = n_ab / n_a (share of item_a occasions
    that also hold item_b), ``lift`` = support / ((n_a / N) x (n_b / N)). ``item_a`` is
    the item in more occasions (ties: alphabetical), so the rule reads "buyers of item_a
    also take item_b"; ``confidence_b_to_a`` = n_ab / n_b. ``p_value``: one-sided Fisher
    exact (hypergeometric) test that the pair is bought together more often than by
    chance; ``q_value``: Benjamini-Hochberg over all ``pairs_tested`` pairs of every kind
    together (lib.analytics.stats.benjamini_hochberg). Listed: pairs with at least
    ``min_pair_occasions`` joint occasions. ``recommended`` = support >= ``min_support``,
    lift >= ``min_lift`` and q_value < ``alpha``. Item_b's mean revenue (and, with costs,
    gross profit, its standard deviation and the occasions it rests on) is per occasion
    holding item_b. Recommended pairs first, then by lift, occasions, kind and names.

    Adapted from the support/confidence/lift definitions of Agrawal, Imielinski
    and Swami (1993), restricted to pairs.
    """
    if min_pair_occasions < 1:
        raise ValueError(f"min_pair_occasions must be at least 1, got {min_pair_occasions}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if not 0 <= min_support < 1:
        raise ValueError(f"min_support must be at least 0 and below 1, got {min_support}")
    if max_basket < 2:
        raise ValueError(f"max_basket must be at least 2, got {max_basket}")
    with_profit = "gross_profit" in lines.columns
    parts, n_tests = [], 0
    for b in by:
        if b in lines.columns:
            p, n = _kind_pairs(lines, b, min_pair_occasions, min_support, max_basket, top_products)
            n_tests += n
            if len(p):
                parts.append(p)
    if not parts:
        return _empty(with_profit)
    out = pd.concat(parts, ignore_index=True)
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy(), n_tests=n_tests)
    out["pairs_tested"] = n_tests
    out = out[out["occasions"] >= min_pair_occasions]
    if out.empty:
        return _empty(with_profit)
    out = out.assign(recommended=(out["support"] >= min_support) & (out["lift"] >= min_lift)
                     & (out["q_value"] < alpha))
    out = out.sort_values(["recommended", "lift", "occasions", "kind", "item_a", "item_b"],
                          ascending=[False, False, False, True, True, True], kind="mergesort")
    return out[_columns(with_profit)].reset_index(drop=True)


def pair_table(lines: pd.DataFrame, by: str = "category", min_pair_occasions: int = 10,
               min_lift: float = 1.2, alpha: float = 0.05, min_support: float = MIN_SUPPORT,
               max_basket: int = MAX_BASKET, top_products: int = TOP_PRODUCTS) -> pd.DataFrame:
    """:func:`bundle_pairs` for the one column ``by``, which must be in the lines; its q-values are over the pairs
    of that column only (docs/metrics.md, Recommendations)."""
    if by not in lines.columns:
        raise ValueError(f"sale lines lack column(s) {[by]} for the co-purchase analysis")
    return bundle_pairs(lines, (by,), min_pair_occasions, min_lift, alpha, min_support, max_basket, top_products)


def listed_pairs(pairs: pd.DataFrame, max_others: int = MAX_OTHERS) -> pd.DataFrame:
    """The rows of bundle_candidates.csv from :func:`bundle_pairs`: every recommended pair, then the
    ``max_others`` other pairs with the highest lift (docs/metrics.md, Action lists)."""
    if max_others < 0:
        raise ValueError(f"max_others must be at least 0, got {max_others}")
    rec = pairs["recommended"].to_numpy(dtype=bool)
    keep = rec | ((np.cumsum(~rec) <= max_others) & ~rec)  # pairs is sorted: recommended first, then by lift
    return pairs[keep].reset_index(drop=True)


def rounded_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`bundle_pairs` rounded as bundle_candidates.csv holds them: shares to 4 decimals, lift to 3,
    expected occasions and item_b's mean revenue and gross profit to 2 (docs/metrics.md, Recommendations)."""
    out = pairs.copy()
    for c in ("support", "confidence", "confidence_b_to_a"):
        out[c] = out[c].round(4)
    out["lift"] = out["lift"].round(3)
    for c in ("expected_occasions", "item_b_mean_revenue", "item_b_mean_gross_profit", "item_b_gross_profit_sd"):
        if c in out.columns:
            out[c] = out[c].round(2)
    return out


def bundle_candidates(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                      min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05,
                      min_support: float = MIN_SUPPORT, max_basket: int = MAX_BASKET,
                      top_products: int = TOP_PRODUCTS, max_others: int = MAX_OTHERS) -> pd.DataFrame:
    """The numbers of ``bundle_candidates.csv``: :func:`bundle_pairs`, :func:`listed_pairs`, :func:`rounded_pairs`
    (docs/metrics.md, Recommendations); lib.narrative.bundles.bundle_candidates adds the ``reason``."""
    pairs = bundle_pairs(lines, by, min_pair_occasions, min_lift, alpha, min_support, max_basket, top_products)
    return rounded_pairs(listed_pairs(pairs, max_others))


def history_months(lines: pd.DataFrame) -> float:
    """Months of history covered by the completed lines (days from the first to the last day + 1, / 30.44)."""
    d = lines.loc[lines["is_completed"].to_numpy(dtype=bool), "date"] if "is_completed" in lines.columns \
        else lines["date"]
    if d.empty:
        return 0.0
    return float(((d.max() - d.min()).days + 1) / 30.44)
