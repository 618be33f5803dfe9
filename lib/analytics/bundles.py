"""Co-purchase analysis: categories and brands bought together by one buyer on one day (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["BUNDLE_COLUMNS", "EVIDENCE_COLUMNS", "occasion_items", "pair_table", "bundle_pairs", "rounded_pairs",
           "bundle_candidates", "history_months"]

#: fixed first columns of bundle_candidates.csv (docs/metrics.md, Action lists), then the evidence
BUNDLE_COLUMNS = ["item_a", "item_b", "support", "confidence", "lift", "occasions"]
#: the evidence columns after :data:`BUNDLE_COLUMNS` (bundle_candidates.csv then ends with the narrative's ``reason``)
EVIDENCE_COLUMNS = ["kind", "item_a_occasions", "item_b_occasions", "total_occasions", "expected_occasions",
                    "confidence_b_to_a", "p_value", "item_b_mean_revenue", "recommended"]


def _kind(by: str) -> str:
    """``category`` or ``brand`` (from brand_name / brand_id): what the pair's items are."""
    return "brand" if by in ("brand_name", "brand_id") else by


def _empty() -> pd.DataFrame:
    """An empty candidate table with the right column types."""
    types = {"item_a": "string", "item_b": "string", "kind": "string", "recommended": "bool",
             "occasions": "int64", "item_a_occasions": "int64", "item_b_occasions": "int64",
             "total_occasions": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in BUNDLE_COLUMNS + EVIDENCE_COLUMNS})


def occasion_items(lines: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Distinct ``by`` values per purchase occasion (one buyer, one local day; docs/metrics.md, Purchase occasion).

    Only completed lines count (``is_completed`` when present); lines whose ``by``
    value is unknown are left out. Returns columns ``occasion`` (int code),
    ``item`` (string) and ``revenue`` (summed per occasion and item).
    """
    need = {"buyer_id", "date", "revenue", by}
    if missing := need - set(lines.columns):
        raise ValueError(f"sale lines lack column(s) {sorted(missing)} for the co-purchase analysis")
    keep = lines[by].notna().to_numpy(dtype=bool, copy=True)
    if "is_completed" in lines.columns:
        keep &= lines["is_completed"].to_numpy(dtype=bool)
    c = lines.loc[keep, ["buyer_id", "date", by, "revenue"]]
    if c.empty:
        return pd.DataFrame({"occasion": pd.Series(dtype="int64"), "item": pd.Series(dtype="string"),
                             "revenue": pd.Series(dtype="float64")})
    # integer codes instead of a string groupby: buyer code x day number, then item codes
    buyer, _ = pd.factorize(c["buyer_id"])
    day = c["date"].to_numpy(dtype="datetime64[D]").astype("int64")
    occ, _ = pd.factorize(buyer.astype("int64") * 1_000_000 + (day - day.min()))
    item, names = pd.factorize(c[by].astype("string"))
    d = pd.DataFrame({"occasion": occ.astype("int64"), "item": item.astype("int64"),
                      "revenue": c["revenue"].to_numpy(dtype="float64")})
    d = d.groupby(["occasion", "item"], sort=True, as_index=False)["revenue"].sum()
    d["item"] = pd.array(np.asarray(names, dtype=object)[d["item"].to_numpy()], dtype="string")
    return d


def pair_table(lines: pd.DataFrame, by: str = "category", min_pair_occasions: int = 10,
               min_lift: float = 1.2, alpha: float = 0.05) -> pd.DataFrame:
    """Association of every pair of ``by`` values bought on one occasion (docs/metrics.md, Recommendations).

    With N occasions that have at least one known item, n_a and n_b the occasions
    holding each item and n_ab those holding both: ``support`` = n_ab / N,
    ``confidence`` = n_ab / n_a (share of item_a occasions that also hold item_b),
    ``lift`` = support / ((n_a / N) x (n_b / N)). ``item_a`` is the item in more
    occasions (ties: alphabetical), so the rule reads "buyers of item_a also take
    item_b"; ``confidence_b_to_a`` = n_ab / n_b. ``p_value``: one-sided Fisher exact
    (hypergeometric) test that the pair is bought together more often than by
    chance. Pairs with fewer than ``min_pair_occasions`` joint occasions are left
    out (too few to recommend); ``recommended`` = lift >= ``min_lift`` and
    p_value < ``alpha``. Sorted by lift, then occasions, then names.

    Adapted from the support/confidence/lift definitions of Agrawal, Imielinski
    and Swami (1993), restricted to pairs.
    """
    if min_pair_occasions < 1:
        raise ValueError(f"min_pair_occasions must be at least 1, got {min_pair_occasions}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    oi = occasion_items(lines, by)
    n_total = int(oi["occasion"].nunique())
    if n_total == 0:
        return _empty()
    counts = oi.groupby("item", observed=True)["occasion"].size()
    mean_rev = oi.groupby("item", observed=True)["revenue"].mean()
    left = oi[["occasion", "item"]]
    pairs = left.merge(left, on="occasion", suffixes=("_x", "_y"))
    pairs = pairs[pairs["item_x"] < pairs["item_y"]]
    if pairs.empty:
        return _empty()
    n_ab = pairs.groupby(["item_x", "item_y"], observed=True).size().rename("occasions").reset_index()
    n_ab = n_ab[n_ab["occasions"] >= min_pair_occasions]
    if n_ab.empty:
        return _empty()
    nx = counts.reindex(n_ab["item_x"]).to_numpy()
    ny = counts.reindex(n_ab["item_y"]).to_numpy()
    x_first = nx >= ny  # the more frequent item is the anchor; ties keep alphabetical order (x < y)
    a = np.where(x_first, n_ab["item_x"], n_ab["item_y"])
    b = np.where(x_first, n_ab["item_y"], n_ab["item_x"])
    na = np.where(x_first, nx, ny).astype("int64")
    nb = np.where(x_first, ny, nx).astype("int64")
    k = n_ab["occasions"].to_numpy(dtype="int64")
    support = k / n_total
    out = pd.DataFrame({
        "item_a": pd.array(a, dtype="string"), "item_b": pd.array(b, dtype="string"),
        "support": support, "confidence": k / na,
        "lift": support / ((na / n_total) * (nb / n_total)), "occasions": k,
        "kind": _kind(by), "item_a_occasions": na, "item_b_occasions": nb, "total_occasions": n_total,
        "expected_occasions": na * nb / n_total, "confidence_b_to_a": k / nb,
        "p_value": stats.hypergeom.sf(k - 1, n_total, na, nb),
        "item_b_mean_revenue": mean_rev.reindex(b).to_numpy(),
    })
    out["recommended"] = (out["lift"] >= min_lift) & (out["p_value"] < alpha)
    out = out.sort_values(["lift", "occasions", "item_a", "item_b"], ascending=[False, False, True, True],
                          kind="mergesort")
    return out[BUNDLE_COLUMNS + EVIDENCE_COLUMNS].reset_index(drop=True)


def bundle_pairs(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                 min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`pair_table` for each available ``by`` column, recommended pairs first, then by lift, values not
    rounded (docs/metrics.md, Recommendations). Columns missing from the lines are skipped."""
    parts = [pair_table(lines, b, min_pair_occasions, min_lift, alpha) for b in by if b in lines.columns]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["recommended", "lift", "occasions", "kind", "item_a", "item_b"],
                          ascending=[False, False, False, True, True, True], kind="mergesort")
    return out.reset_index(drop=True)


def rounded_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`bundle_pairs` rounded as bundle_candidates.csv holds them: shares to 4 decimals, lift to 3,
    expected occasions and item_b's mean revenue to 2 (docs/metrics.md, Recommendations)."""
    out = pairs.copy()
    for c in ("support", "confidence", "confidence_b_to_a"):
        out[c] = out[c].round(4)
    out["lift"] = out["lift"].round(3)
    out["expected_occasions"] = out["expected_occasions"].round(2)
    out["item_b_mean_revenue"] = out["item_b_mean_revenue"].round(2)
    return out


def bundle_candidates(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                      min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05) -> pd.DataFrame:
    """The numbers of ``bundle_candidates.csv``: :func:`bundle_pairs`, :func:`rounded_pairs`
    (docs/metrics.md, Recommendations); lib.narrative.bundles.bundle_candidates adds the ``reason``."""
    return rounded_pairs(bundle_pairs(lines, by, min_pair_occasions, min_lift, alpha))


def history_months(lines: pd.DataFrame) -> float:
    """Months of history covered by the completed lines (days from the first to the last day + 1, / 30.44)."""
    d = lines.loc[lines["is_completed"].to_numpy(dtype=bool), "date"] if "is_completed" in lines.columns \
        else lines["date"]
    if d.empty:
        return 0.0
    return float(((d.max() - d.min()).days + 1) / 30.44)


