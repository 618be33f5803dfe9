"""Items bought together in words: reasons, the owner's sentence, the bundle recommendation (docs/metrics.md, Recommendations)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import bundles
from lib.analytics.effects import LEVEL, draws_effect
from lib.analytics.recommendations import Recommendation
from lib.narrative import fmt
from lib.narrative.effects import effect_phrase

__all__ = ["KIND_WORDS", "PAIR_TITLES", "pair_reasons", "bundle_candidates", "bundle_sentence", "bundle_method",
           "pair_view", "pair_tests", "bundle_recommendations"]

#: column titles of :func:`pair_view` and :func:`pair_tests` on a page
PAIR_TITLES = {"item_a": "First item", "item_b": "Second item", "kind": "Kind",
               "support": "Share of purchase days with both %", "confidence": "Share of first-item days with the second %",
               "lift": "Times more often than chance", "occasions": "Purchase days together",
               "expected_occasions": "Expected by chance", "test": "Fisher exact test (p)",
               "q": "After Benjamini-Hochberg (q)", "recommended": "Recommended"}

#: what the items of a pair are, in the plural
KIND_WORDS = {"category": "categories", "brand": "brands", "product": "products"}


def _kinds(kind: str) -> str:
    return KIND_WORDS.get(kind, f"{kind} values")


def pair_reasons(pairs: pd.DataFrame, min_lift: float = 1.2, alpha: float = 0.05,
                 min_support: float = bundles.MIN_SUPPORT) -> list[str]:
    """Why each pair of lib.analytics.bundles.pair_table / bundle_pairs (values not rounded) is recommended or
    not: its joint occasions against chance, its confidence, its Fisher test and its false-discovery q-value over
    all pairs tested (docs/metrics.md, Recommendations)."""
    out = []
    for o, e, c, ia, ib, p, q, n, r, lf, s in zip(
            pairs["occasions"], pairs["expected_occasions"], pairs["confidence"], pairs["item_a"], pairs["item_b"],
            pairs["p_value"], pairs["q_value"], pairs["pairs_tested"], pairs["recommended"], pairs["lift"],
            pairs["support"], strict=True):
        text = (f"bought together on {fmt.count(o, 'occasion')}, {o / e:.1f} times what chance predicts ({e:,.1f}); "
                f"{c * 100:.0f}% of {ia} occasions include {ib} (Fisher exact p = {p:.2g}, Benjamini-Hochberg "
                f"q = {q:.2g} over {fmt.count(n, 'pair')} tested)")
        if not r:
            text += (f"; not recommended: lift below {min_lift:g}" if lf < min_lift
                     else f"; not recommended: on fewer than {min_support:.1%} of purchase days" if s < min_support
                     else f"; not recommended: q >= {alpha:g}, could be chance among the pairs tested")
        out.append(text)
    return out


def bundle_candidates(lines: pd.DataFrame, by: tuple[str, ...] = ("category", "brand_name"),
                      min_pair_occasions: int = 10, min_lift: float = 1.2, alpha: float = 0.05,
                      min_support: float = bundles.MIN_SUPPORT, max_basket: int = bundles.MAX_BASKET,
                      top_products: int = bundles.TOP_PRODUCTS, max_others: int = bundles.MAX_OTHERS) -> pd.DataFrame:
    """``bundle_candidates.csv``: lib.analytics.bundles.bundle_candidates (every recommended pair and the
    ``max_others`` others with the highest lift) with each pair's ``reason`` (:func:`pair_reasons`, from the values
    before rounding) as the last column (docs/metrics.md, Action lists)."""
    pairs = bundles.listed_pairs(bundles.bundle_pairs(lines, by, min_pair_occasions, min_lift, alpha, min_support,
                                                      max_basket, top_products), max_others)
    reasons = pd.array(pair_reasons(pairs, min_lift, alpha, min_support), dtype="string")
    return bundles.rounded_pairs(pairs).assign(reason=reasons)


def bundle_sentence(cands: pd.DataFrame, min_pair_occasions: int, alpha: float = 0.05) -> str:
    """The strongest recommended pair with its numbers, or why no pair is recommended, in plain words (the test is
    :func:`bundle_method`; docs/metrics.md, Recommendations)."""
    if cands.empty:
        return (f"No two categories or brands were bought together on at least "
                f"{fmt.count(min_pair_occasions, 'occasion')}, so no bundle is recommended.")
    tested = fmt.count(int(cands["pairs_tested"].iloc[0]), "pair")
    rec = cands[cands["recommended"]]
    if rec.empty:
        return (f"Of the {tested} of categories and brands tested, none is bought together clearly more often than "
                "chance would explain among so many pairs: no bundle is recommended.")
    r = rec.iloc[0]
    n = len(rec)
    return (f"{r['item_a']} and {r['item_b']} ({_kinds(r['kind'])}) are bought together on "
            f"{fmt.count(r['occasions'], 'occasion')}, {r['lift']:.2f} times what chance predicts; "
            f"{r['confidence'] * 100:.0f}% of {r['item_a']} purchases include {r['item_b']}. "
            f"{fmt.count(n, 'pair')} of the {tested} tested {'qualifies' if n == 1 else 'qualify'}: bought together "
            "clearly more often than chance, even among so many pairs.")


def bundle_method(cands: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """How the pairs were tested, for the method block under the bundles and a bundle recommendation's ``method``
    (lib.analytics.bundles.bundle_pairs; docs/metrics.md, Recommendations): empty without pairs."""
    if cands.empty:
        return []
    tested = fmt.count(int(cands["pairs_tested"].iloc[0]), "pair")
    return [f"Each pair: a one-sided Fisher exact test that the two are bought together (one buyer, one day) more "
            f"often than their separate shares predict; Benjamini-Hochberg false-discovery control at {alpha:.0%} over "
            f"all {tested} tested (q below {alpha:g} counts). Lift: joint purchase days over those expected by chance; "
            "support: share of purchase days with both; confidence: share of the first item's days that include the "
            "second."]


def pair_view(cands: pd.DataFrame) -> pd.DataFrame:
    """The bundle candidates as the page shows them in plain words: the pair, its kind, the share of purchase days
    with both and of the first item's days with the second (in percent), times more often than chance, purchase
    days together and whether it is recommended (titles in :data:`PAIR_TITLES`)."""
    return cands.assign(support=cands["support"] * 100, confidence=cands["confidence"] * 100)[
        ["item_a", "item_b", "kind", "support", "confidence", "lift", "occasions", "recommended"]]


def pair_tests(cands: pd.DataFrame) -> pd.DataFrame:
    """The tests behind :func:`pair_view`, for the method block: joint and expected purchase days, the Fisher
    p-value and the Benjamini-Hochberg q-value in words (titles in :data:`PAIR_TITLES`)."""
    return cands.assign(test=cands["p_value"].map(lambda p: fmt.p_value(None if pd.isna(p) else float(p))),
                        q=cands["q_value"].map(lambda q: fmt.p_value(None if pd.isna(q) else float(q))
                                               .replace("p", "q", 1)))[
        ["item_a", "item_b", "occasions", "expected_occasions", "test", "q"]]


def bundle_recommendations(cands: pd.DataFrame, months: float, currency: str, bundle_uptake_pct: float = 10.0,
                           alpha: float = 0.05, draws: int = 4000, seed: int = 0) -> list[Recommendation]:
    """Offer the strongest recommended pair of each kind (category, brand) as a bundle (docs/metrics.md,
    Recommendations).

    Effect (gross profit a month): ``bundle_uptake_pct`` % (an assumption, stated) of
    the monthly occasions with item_a but not item_b (over ``months`` of history) x the
    mean gross profit of an item_b sale; revenue beside it likewise. The 80% interval
    (lib.analytics.effects.draws_effect) comes from ``draws`` simulations: the a-only
    occasions are Poisson with the observed count as mean, the mean gross profit normal
    with its standard error (sd / sqrt of the sales it rests on); the uptake itself is
    not varied. The rule does not fire for a kind without a known, positive gross profit
    of item_b (no costs) or without a-only occasions. Confidence high when q < alpha / 50
    and the pair has at least 30 joint occasions, else medium.
    """
    need = {"item_b_mean_gross_profit", "item_b_gross_profit_sd", "item_b_profit_occasions"}
    if cands.empty or months <= 0 or bundle_uptake_pct <= 0 or not need <= set(cands.columns):
        return []
    share = bundle_uptake_pct / 100
    rng = np.random.default_rng(seed)
    out = []
    rec = cands[cands["recommended"]]
    for kind, grp in rec.groupby("kind", sort=True):
        r = grp.sort_values(["lift", "occasions"], ascending=False, kind="mergesort").iloc[0]
        a_only = int(r["item_a_occasions"] - r["occasions"])
        gp, sd, n_gp = float(r["item_b_mean_gross_profit"]), float(r["item_b_gross_profit_sd"]), \
            int(r["item_b_profit_occasions"])
        if a_only <= 0 or not np.isfinite(gp) or gp <= 0 or n_gp < 2 or not np.isfinite(sd):
            continue
        per_month = a_only / months
        sim = share * rng.poisson(a_only, draws) / months * rng.normal(gp, sd / np.sqrt(n_gp), draws)
        effect = draws_effect(sim, revenue=share * per_month * float(r["item_b_mean_revenue"]),
                              estimate=share * per_month * gp)
        a, b = str(r["item_a"]), str(r["item_b"])
        occ, q, tested = int(r["occasions"]), float(r["q_value"]), int(r["pairs_tested"])
        conf = "high" if q < alpha / 50 and occ >= 30 else "medium"
        why = (f"bought together on {fmt.count(occ, 'occasion')}, far more than chance explains even among "
               f"{fmt.count(tested, 'pair')} tested" if conf == "high" else
               f"{fmt.count(occ, 'joint occasion')}" + (", fewer than 30" if occ < 30 else
                                                         ", clear of chance but not by a wide margin"))
        out.append(Recommendation(
            "Inventory", f"Offer {a} + {b} bundles ({_kinds(str(kind))} bought together).",
            f"{effect_phrase(effect, currency)[:-1]}, if {bundle_uptake_pct:g}% of the {per_month:,.0f} {a} "
            f"purchases a month that do not include {b} add it (assumption).",
            f"{a} and {b} were bought together on {fmt.count(occ, 'occasion')}, {float(r['lift']):.2f} times what "
            f"chance predicts; {float(r['confidence']):.0%} of {a} purchases include {b}. {b} earns "
            f"{fmt.money(gp, currency)} gross profit per purchase on average ("
            f"{fmt.money(float(r['item_b_mean_revenue']), currency)} of sales; {fmt.count(n_gp, 'purchase')}). "
            f"Confidence {conf}: {why}.",
            conf, "products_inventory", effect=effect,
            method=(f"One-sided Fisher exact test, Benjamini-Hochberg q = {q:.2g} over {fmt.count(tested, 'pair')} "
                    f"tested (q below {alpha:g} counts). The effect's {LEVEL:.0%} range: {draws:,} simulations, "
                    "the purchases without the second item Poisson with the observed count as mean, its mean gross "
                    "profit normal with its standard error; the uptake is not varied.")))
    return out
