"""Attribution of purchase occasions to marketing touchpoints: five heuristic models and a Markov removal-effect model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.data.derived import completed_lines

__all__ = [
    "COUNTED_TOUCH_TYPES", "UNATTRIBUTED", "HEURISTIC_MODELS", "MODELS", "counted_touch_types", "eligible_touches", "occasion_times", "conversion_paths", "heuristic_credits",
    "null_journeys", "markov_removal_effects", "credit_by", "markov_credit_by",
]

#: touch types that earn credit by default (docs/metrics.md, Attribution); impressions do not
COUNTED_TOUCH_TYPES: tuple[str, ...] = ("click", "open", "visit")
#: label of the occasions with no counted touch in their lookback window
UNATTRIBUTED = "direct/unattributed"
HEURISTIC_MODELS: tuple[str, ...] = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
MODELS: tuple[str, ...] = HEURISTIC_MODELS + ("markov",)
_DAY_S = 86_400
_KEY_SHIFT = 2 ** 35  # seconds span per buyer in the composite (buyer, time) sort key (~1,000 years)


def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _seconds(ts: pd.Series) -> np.ndarray:
    """Naive timestamps as int64 seconds since the epoch, whatever the datetime64 unit."""
    return ts.to_numpy(dtype="datetime64[ns]").astype("datetime64[s]").astype(np.int64)


def counted_touch_types(count_impressions: bool = False) -> tuple[str, ...]:
    """The touch types that earn credit: COUNTED_TOUCH_TYPES, plus ``impression`` when ``count_impressions``
    (docs/metrics.md, Attribution)."""
    return COUNTED_TOUCH_TYPES + (("impression",) if count_impressions else ())


def eligible_touches(touchpoints: pd.DataFrame, touch_types: tuple[str, ...] | None = COUNTED_TOUCH_TYPES,
                     before: pd.Timestamp | None = None) -> pd.DataFrame:
    """Touchpoints that can earn credit, sorted by user and time (docs/metrics.md, Attribution).

    Parameters
    ----------
    touchpoints : the contract table (``user_id, timestamp, channel``; ``campaign_id``
        and ``touch_type`` optional, touch_type defaulting to ``click``).
    touch_types : touch types that count; ``None`` counts every type.
    before : keep only touches strictly before this instant (e.g. the period's end).

    Returns
    -------
    The kept rows with ``campaign_id`` and ``touch_type`` always present, sorted by
    ``user_id, timestamp`` (ties keep the input order), index reset.
    """
    _need(touchpoints, ("user_id", "timestamp", "channel"), "touchpoints")
    t = touchpoints.copy(deep=False)
    if "campaign_id" not in t.columns:
        t["campaign_id"] = pd.Series(pd.NA, index=t.index, dtype="string")
    if "touch_type" not in t.columns:
        t["touch_type"] = "click"
    keep = t["user_id"].notna() & t["timestamp"].notna()
    if touch_types is not None:
        types = [x.lower() for x in touch_types]
        keep &= t["touch_type"].fillna("click").str.lower().isin(types).to_numpy()
    if before is not None:
        keep &= (t["timestamp"] < pd.Timestamp(before)).to_numpy()
    t = t[np.asarray(keep, dtype=bool)]
    # sort by (user, time) on integer codes: a string sort of millions of ids is many times slower
    codes = pd.factorize(t["user_id"], sort=True)[0]
    order = np.lexsort((_seconds(t["timestamp"]), codes))
    return t.take(order).reset_index(drop=True)


def occasion_times(lines: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions with the time of their first completed sale (docs/metrics.md, Purchase occasion).

    Same occasions and sums as lib.data.derived.purchase_occasions (checked in the
    tests), grouped on integer codes for speed. Returns ``buyer_id, date,
    revenue, units, lines``, ``gross_profit`` when known, ``occasion_time`` and
    ``first_occasion`` (the buyer's first occasion in the data), sorted by buyer
    and date.
    """
    _need(lines, ("buyer_id", "date", "date_sold", "revenue", "is_completed", "quantity"), "sale lines")
    c = completed_lines(lines, ["buyer_id", "date", "date_sold", "revenue", "quantity"], optional=("gross_profit",))
    codes, uniq = pd.factorize(c["buyer_id"], sort=True)
    cols = {"b": codes, "date": c["date"].to_numpy(), "revenue": c["revenue"].to_numpy(dtype=float),
            "units": c["quantity"].to_numpy(), "occasion_time": c["date_sold"].to_numpy()}
    agg = {"revenue": ("revenue", "sum"), "units": ("units", "sum"), "lines": ("revenue", "size"),
           "occasion_time": ("occasion_time", "min")}
    if "gross_profit" in c.columns:
        cols["gross_profit"] = c["gross_profit"].to_numpy(dtype=float)
        agg["gross_profit"] = ("gross_profit", "sum")
    occ = pd.DataFrame(cols).groupby(["b", "date"], sort=True).agg(**agg).reset_index()
    b = occ["b"].to_numpy()
    occ.insert(0, "buyer_id", pd.Series(uniq.take(b), dtype="string") if len(occ)
               else pd.Series([], dtype="string"))
    occ["first_occasion"] = np.r_[True, b[1:] != b[:-1]][: len(occ)]
    occ = occ.drop(columns="b")
    order = ["buyer_id", "date", "revenue", "units", "lines"] + \
        (["gross_profit"] if "gross_profit" in occ.columns else []) + ["occasion_time", "first_occasion"]
    return occ[order]


def conversion_paths(occasions: pd.DataFrame, touches: pd.DataFrame, lookback_days: int = 30) -> pd.DataFrame:
    """Each purchase occasion's path: the buyer's counted touches in its lookback window.

    A touch belongs to an occasion when it is the buyer's, strictly before the
    occasion's first completed sale (``occasion_time``) and its calendar day is
    at most ``lookback_days`` days before the occasion's day (docs/metrics.md,
    Attribution). A touch may sit in the windows of several occasions.

    Vectorised: touches are sorted by a (buyer, second) key and every window is
    one ``searchsorted`` range, so cost is O((touches + path rows) log touches).

    Parameters
    ----------
    occasions : ``buyer_id, date, occasion_time, revenue`` (``gross_profit``,
        ``first_occasion`` optional), e.g. from :func:`occasion_times`.
    touches : from :func:`eligible_touches` (sorted by user and time).
    lookback_days : window length in whole days (>= 0).

    Returns
    -------
    One row per (occasion, touch): ``occasion`` (row position in ``occasions``),
    ``touch`` (row position in ``touches``), ``position`` (0 = first touch),
    ``n_touches``, ``age_days`` (days from touch to the occasion's first sale,
    fractional), ``buyer_id``, ``revenue``, ``gross_profit``, ``first_occasion``
    and every touch column except ``user_id``.
    """
    _need(occasions, ("buyer_id", "date", "occasion_time", "revenue"), "occasions")
    _need(touches, ("user_id", "timestamp"), "touches")
    if lookback_days is None or lookback_days < 0:
        raise ValueError(f"lookback_days must be a whole number of days >= 0, got {lookback_days!r}")
    if isinstance(touches["user_id"].dtype, pd.CategoricalDtype):
        # ids already coded once for millions of touches: look the buyers up in the categories
        t_code = touches["user_id"].cat.codes.to_numpy().astype(np.int64)
        o_code = touches["user_id"].cat.categories.get_indexer(occasions["buyer_id"]).astype(np.int64)
    else:
        codes, _uniq = pd.factorize(pd.concat([touches["user_id"].astype("string"),
                                               occasions["buyer_id"].astype("string")], ignore_index=True))
        t_code = codes[: len(touches)].astype(np.int64)
        o_code = codes[len(touches):].astype(np.int64)
    t_sec = _seconds(touches["timestamp"])
    o_sec = _seconds(occasions["occasion_time"])
    w_sec = _seconds(occasions["date"] - pd.Timedelta(days=int(lookback_days)))
    base = min(t_sec.min() if len(t_sec) else 0, w_sec.min() if len(w_sec) else 0)
    t_key = t_code * _KEY_SHIFT + (t_sec - base)
    order = np.argsort(t_key, kind="stable")
    if not np.array_equal(order, np.arange(len(order))):
        # touches not sorted by (buyer code, time): keep positions pointing at the caller's rows
        t_key = t_key[order]
    lo = np.searchsorted(t_key, o_code * _KEY_SHIFT + (w_sec - base), side="left")
    hi = np.searchsorted(t_key, o_code * _KEY_SHIFT + (o_sec - base), side="left")
    n = np.where(o_code >= 0, np.maximum(hi - lo, 0), 0)
    total = int(n.sum())
    occ_idx = np.repeat(np.arange(len(occasions)), n)
    pos = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    sorted_idx = np.repeat(lo, n) + pos
    touch_idx = order[sorted_idx]
    out = pd.DataFrame({
        "occasion": occ_idx, "touch": touch_idx, "position": pos.astype(np.int64),
        "n_touches": np.repeat(n, n).astype(np.int64),
        "age_days": (np.repeat(o_sec, n) - t_sec[touch_idx]) / _DAY_S,
    })
    out["buyer_id"] = occasions["buyer_id"].to_numpy()[occ_idx]
    out["revenue"] = occasions["revenue"].to_numpy(dtype=float)[occ_idx]
    gp = occasions["gross_profit"].to_numpy(dtype=float) if "gross_profit" in occasions.columns \
        else np.full(len(occasions), np.nan)
    out["gross_profit"] = gp[occ_idx]
    if "first_occasion" in occasions.columns:
        out["first_occasion"] = occasions["first_occasion"].to_numpy(dtype=bool)[occ_idx]
    for col in touches.columns:
        if col != "user_id":
            out[col] = touches[col].array.take(touch_idx)
    return out


def heuristic_credits(paths: pd.DataFrame, half_life_days: float = 7.0) -> pd.DataFrame:
    """Credit of each path row under the five heuristic models; each occasion's credits sum to 1
    (docs/metrics.md, Marketing).

    - ``first_touch`` / ``last_touch``: all credit to the first / last touch.
    - ``linear``: 1/n to each of the n touches.
    - ``time_decay``: weight 2^(-age_days / half_life_days), normalised per occasion
      (the half-life form used by Google Analytics' time-decay model).
    - ``position_based`` (40/20/40): 40% to the first and the last touch, 20% split
      evenly over the middle ones; a path of two touches gets 50/50, one touch 100%.

    Parameters
    ----------
    paths : from :func:`conversion_paths` (``occasion, position, n_touches, age_days``).
    half_life_days : time-decay half-life in days (> 0).

    Returns
    -------
    ``paths`` with one float column per model of HEURISTIC_MODELS added.
    """
    _need(paths, ("occasion", "position", "n_touches", "age_days"), "paths")
    if not half_life_days or half_life_days <= 0:
        raise ValueError(f"half_life_days must be > 0, got {half_life_days!r}")
    out = paths.copy()
    pos = out["position"].to_numpy()
    n = out["n_touches"].to_numpy()
    first = pos == 0
    last = pos == n - 1
    out["first_touch"] = first.astype(float)
    out["last_touch"] = last.astype(float)
    out["linear"] = 1.0 / n if len(n) else np.array([], dtype=float)
    w = np.power(0.5, out["age_days"].to_numpy(dtype=float) / float(half_life_days))
    occ = out["occasion"].to_numpy()
    sums = np.bincount(occ, weights=w, minlength=int(occ.max()) + 1 if len(occ) else 0)
    out["time_decay"] = w / sums[occ] if len(occ) else w
    middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
    ends = np.where(n == 1, 1.0, np.where(n == 2, 0.5, 0.4))
    out["position_based"] = np.where(first | last, ends, middle)
    return out


def null_journeys(touches: pd.DataFrame, paths: pd.DataFrame, lookback_days: int = 30,
                  as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Touch journeys that ended without a purchase: the non-converting paths of the Markov model
    (docs/metrics.md, Marketing).

    Touches in no occasion's window are chained per user in time order; a gap of
    more than ``lookback_days`` days starts a new journey. Journeys whose last
    touch is within ``lookback_days`` of ``as_of`` may still convert and are left out.

    Returns
    -------
    ``journey`` (int id), ``touch`` (row position in ``touches``), ``position`` and
    every touch column except ``user_id``, ordered by journey and time.
    """
    _need(touches, ("user_id", "timestamp"), "touches")
    used = np.zeros(len(touches), dtype=bool)
    used[paths["touch"].to_numpy()] = True
    rest = np.flatnonzero(~used)
    t = touches.iloc[rest]
    sec = _seconds(t["timestamp"])
    codes = pd.factorize(t["user_id"])[0]
    new = np.ones(len(t), dtype=bool)
    if len(t) > 1:
        new[1:] = (codes[1:] != codes[:-1]) | ((sec[1:] - sec[:-1]) > lookback_days * _DAY_S)
    journey = np.cumsum(new) - 1
    out = pd.DataFrame({"journey": journey, "touch": rest})
    for col in touches.columns:
        if col != "user_id":
            out[col] = t[col].array
    if as_of is not None and len(out):
        last_sec = pd.Series(sec).groupby(journey).transform("max").to_numpy()
        cutoff = _seconds(pd.Series([pd.Timestamp(as_of) - pd.Timedelta(days=int(lookback_days))]))[0]
        out = out[last_sec < cutoff]
        out["journey"] = pd.factorize(out["journey"])[0]
    start = np.r_[True, out["journey"].to_numpy()[1:] != out["journey"].to_numpy()[:-1]] if len(out) \
        else np.array([], dtype=bool)
    idx = np.arange(len(out))
    out["position"] = idx - np.maximum.accumulate(np.where(start, idx, 0)) if len(out) else idx
    return out.reset_index(drop=True)


def markov_removal_effects(path: np.ndarray, state: np.ndarray, converted: np.ndarray,
                           weights: np.ndarray | None = None) -> pd.DataFrame:
    """Removal effect of every state in a first-order absorbing Markov chain (Anderl et al. 2016).

    Each path runs ``start -> s1 -> ... -> sn -> conversion|null``. Transition
    probabilities are counted from the paths (repeats of a state in a row are
    collapsed: a self-loop does not change absorption probabilities). With Q the
    transient block, r the one-step conversion probabilities and s the start
    distribution, P(conversion) = s (I - Q)^-1 r. Removing state c sends every
    visit to c to null; by the first-passage decomposition
    P(conv without c) = P(conv) - (s N)_c x_c / N_cc with N = (I - Q)^-1 and
    x = N r, so all removal effects come from one inverse (checked against a
    re-solve per state and ChannelAttribution in the tests).

    Parameters
    ----------
    path : int array, one per step, steps of a path contiguous and in time order.
    state : labels (channel, campaign...) aligned with ``path``.
    converted : bool per path id (indexed by the values of ``path``).
    weights : optional count per path id: a path that stands for that many identical journeys (counted paths).

    Returns
    -------
    ``state, removal_effect, share`` (share = removal effect / sum of removal
    effects), with ``attrs["p_conversion"]`` the chain's conversion probability.
    """
    path = np.asarray(path)
    converted = np.asarray(converted, dtype=bool)
    if len(path) != len(state):
        raise ValueError("path and state must have the same length")
    codes, labels = pd.factorize(pd.Series(state), sort=True)
    k = len(labels)
    if k == 0 or not converted.any():
        out = pd.DataFrame({"state": pd.Series(labels, dtype=object), "removal_effect": 0.0, "share": 0.0})
        out.attrs["p_conversion"] = 0.0
        return out
    if (codes < 0).any():
        raise ValueError("state has missing values")
    keep = np.ones(len(path), dtype=bool)
    keep[1:] = (path[1:] != path[:-1]) | (codes[1:] != codes[:-1])
    p, c = path[keep], codes[keep].astype(np.int64)
    start_s, conv_s, null_s = k, k + 1, k + 2
    first = np.r_[True, p[1:] != p[:-1]]
    last = np.r_[p[1:] != p[:-1], True]
    nxt = np.r_[c[1:], 0]
    to = np.where(last, np.where(converted[p], conv_s, null_s), nxt)
    m = k + 3
    frm = np.r_[np.full(int(first.sum()), start_s), c]
    dst = np.r_[c[first], to]
    w = None
    if weights is not None:
        wp = np.asarray(weights, dtype=float)
        w = np.r_[wp[p[first]], wp[p]]
    counts = np.bincount(frm * m + dst, weights=w, minlength=m * m).reshape(m, m).astype(float)
    rows = counts.sum(axis=1, keepdims=True)
    prob = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    q, r, s = prob[:k, :k], prob[:k, conv_s], prob[start_s, :k]
    n_mat = np.linalg.inv(np.eye(k) - q)
    x = n_mat @ r
    base = float(s @ x)
    hit = s @ n_mat  # (s N)_c
    effect = hit * x / np.diag(n_mat) / base if base > 0 else np.zeros(k)
    effect = np.clip(effect, 0.0, 1.0)
    total = effect.sum()
    out = pd.DataFrame({"state": pd.Series(labels, dtype=object), "removal_effect": effect,
                        "share": effect / total if total > 0 else np.zeros(k)})
    out.attrs["p_conversion"] = base
    return out


def credit_by(credits: pd.DataFrame, occasions: pd.DataFrame, key: str,
              models: tuple[str, ...] = HEURISTIC_MODELS, mask: np.ndarray | None = None) -> pd.DataFrame:
    """Attributed conversions and revenue per ``key`` value under each heuristic model.

    Occasions with no path are credited to UNATTRIBUTED (docs/metrics.md, Attribution).

    Parameters
    ----------
    credits : from :func:`heuristic_credits` (has ``occasion, revenue`` and model columns).
    occasions : the occasions the paths were built from (for the unattributed row).
    key : touch column to group by (``channel``, a campaign key...).
    mask : optional bool per occasion row: only these occasions count (e.g. in a period).

    Returns
    -------
    Long table ``key, model, conversions, revenue, gross_profit``.
    """
    _need(credits, ("occasion", "revenue", key) + tuple(models), "credits")
    cr = credits if mask is None else credits[mask[credits["occasion"].to_numpy()]]
    codes, labels = pd.factorize(cr[key].astype("string").fillna("(none)"), sort=True)
    k = len(labels)
    rev = cr["revenue"].to_numpy(dtype=float)
    gp = cr["gross_profit"].to_numpy(dtype=float) if "gross_profit" in cr.columns else np.full(len(cr), np.nan)
    gp_known = np.bincount(codes, weights=~np.isnan(gp), minlength=k) > 0
    frames = []
    for m in models:
        w = cr[m].to_numpy(dtype=float)
        g_gp = np.bincount(codes, weights=np.nan_to_num(w * gp), minlength=k)
        frames.append(pd.DataFrame({key: pd.array(labels, dtype="string"), "model": m,
                                    "conversions": np.bincount(codes, weights=w, minlength=k),
                                    "revenue": np.bincount(codes, weights=w * rev, minlength=k),
                                    "gross_profit": np.where(gp_known, g_gp, np.nan)}))
    has_path = np.zeros(len(occasions), dtype=bool)
    has_path[credits["occasion"].to_numpy()] = True
    sel = ~has_path if mask is None else (~has_path & mask)
    un = occasions[sel]
    un_gp = float(un["gross_profit"].sum()) if "gross_profit" in occasions.columns else np.nan
    for m in models:
        frames.append(pd.DataFrame({key: pd.array([UNATTRIBUTED], dtype="string"), "model": [m],
                                    "conversions": [float(len(un))], "revenue": [float(un["revenue"].sum())],
                                    "gross_profit": [un_gp]}))
    return pd.concat(frames, ignore_index=True)


def markov_credit_by(paths: pd.DataFrame, nulls: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Markov removal-effect credit per ``key`` value (conversions and revenue split by removal-effect share;
    docs/metrics.md, Marketing).

    Converting paths are the occasions' paths; non-converting ones the null
    journeys: one row per touch (:func:`null_journeys`), or counted (``journeys`` = how many journeys followed
    the sequence of states in the list ``key``, lib.analytics.marketing.prepare_engine). Attributed conversions of state c = removal-effect share of c x
    number of converting paths (ChannelAttribution's convention); revenue and
    gross profit are split by the same shares.

    Returns
    -------
    (credit, effects): the long credit table (``key, model='markov', conversions,
    revenue, gross_profit``) without the unattributed row, and the removal effects.
    """
    _need(paths, ("occasion", "revenue", key), "paths")
    _need(nulls, ("journeys" if "journeys" in nulls.columns else "journey", key), "null journeys")
    occ_codes, occ_uniq = pd.factorize(paths["occasion"])
    n_conv = len(occ_uniq)
    weights = None
    if "journeys" in nulls.columns:  # counted sequences: one path id per distinct sequence, weighted
        seqs = [list(x) for x in nulls[key]]
        n_null = len(seqs)
        journey = np.repeat(np.arange(n_null), [len(x) for x in seqs])
        null_states = pd.Series([v for x in seqs for v in x], dtype="string")
        weights = np.r_[np.ones(n_conv), nulls["journeys"].to_numpy(dtype=float)]
    else:
        n_null = int(nulls["journey"].max()) + 1 if len(nulls) else 0
        journey = nulls["journey"].to_numpy()
        null_states = nulls[key].astype("string")
    pid = np.r_[occ_codes, journey + n_conv].astype(np.int64)
    st = pd.concat([paths[key].astype("string"), null_states], ignore_index=True)
    st_codes, st_labels = pd.factorize(st.fillna("(none)"))
    converted = np.r_[np.ones(n_conv, dtype=bool), np.zeros(n_null, dtype=bool)]
    eff = markov_removal_effects(pid, st_codes, converted, weights)
    eff["state"] = pd.array(np.asarray(st_labels, dtype=object)[eff["state"].to_numpy(dtype=np.int64)],
                            dtype="string") if len(eff) else pd.array([], dtype="string")
    first = ~pd.Series(occ_codes).duplicated().to_numpy()
    rev = float(paths["revenue"].to_numpy(dtype=float)[first].sum())
    gp = float(np.nansum(paths["gross_profit"].to_numpy(dtype=float)[first])) \
        if "gross_profit" in paths.columns else np.nan
    credit = pd.DataFrame({key: eff["state"], "model": "markov",
                           "conversions": eff["share"] * n_conv, "revenue": eff["share"] * rev,
                           "gross_profit": eff["share"] * gp})
    return credit, eff.rename(columns={"state": key})
