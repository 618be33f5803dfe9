"""Marketing ROI: campaign and channel payback, acquisition-channel value, attribution models side by side, budget advice.

Over 500 lines on purpose: every measure here (campaign, channel, acquisition, model comparison, budget)
starts from the one prepared credit table of ``prepare``; split by measure, each module would need that
table's layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.analytics import attribution as at
from lib.analytics.effects import Effect, draws_effect
from lib.analytics.stats import percentile_interval
from lib.data.cache import table_file
from lib.data.dataset import Dataset
from lib.data.engine import Engine
from lib.data.periods import Period

__all__ = ["NO_CAMPAIGN", "MarketingData", "prepare", "touchpoints_source", "prepare_engine", "campaign_labels", "prorated_spend", "marketing_spend",
           "spend_by", "usual_monthly_spend", "gross_profit_after_marketing", "break_even_roas_period",
           "break_even_roas", "campaign_performance", "channel_performance", "best_by_roas",
           "roas_period", "marketing_metrics", "AcquisitionTests", "acquisition_value",
           "mature_acquisition_channels", "model_credit", "model_shares", "model_disagreement", "credit_by_model",
           "roas_by_model", "bootstrap_roas", "roas_draws", "best_under_model", "RESPONSE_EXPONENT", "MAX_GROWTH",
           "BudgetShift", "budget_shift"]

#: label suffix of touches without a known campaign (organic contacts)
NO_CAMPAIGN = "(no campaign)"


def _need(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


# ---------------------------------------------------------------- inputs


@dataclass
class MarketingData:
    """Everything the marketing analyses share, built once by :func:`prepare`.

    Attributes
    ----------
    occasions : purchase occasions up to period_end with ``occasion_time``,
        ``first_occasion`` and ``in_period``.
    reach : distinct users touched (impressions too) before period end, indexed by
        (``campaign`` | ``channel``, label).
    paths : conversion paths with the heuristic credits (lib.analytics.attribution), one row per (occasion,
        counted touch), with ``campaign`` (display label) and ``paid`` (campaign known in campaigns.csv).
    nulls : non-converting journeys (for the Markov model), counted: ``channel`` and ``campaign`` (the lists of
        states in time order) and ``journeys`` (how many journeys followed them).
    campaigns : campaigns.csv with ``campaign`` label, or None.
    """

    occasions: pd.DataFrame
    reach: pd.Series
    paths: pd.DataFrame
    nulls: pd.DataFrame
    campaigns: pd.DataFrame | None
    period: Period
    lookback_days: int
    half_life_days: float
    gp_known: bool
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def customers(self) -> int:
        return int(self.occasions["buyer_id"].nunique())


def campaign_labels(campaigns: pd.DataFrame) -> pd.Series:
    """The display label of each campaign: campaign_name, with the id appended where two campaigns share a
    name (docs/metrics.md, Marketing)."""
    name = campaigns["campaign_name"].astype("string").fillna(campaigns["campaign_id"])
    dup = name.duplicated(keep=False).to_numpy()
    return name.where(~dup, name + " (" + campaigns["campaign_id"].astype("string") + ")")


def _touch_labels(t: pd.DataFrame, campaigns: pd.DataFrame | None
                  ) -> tuple[pd.Categorical, np.ndarray, pd.Categorical]:
    """Per touch: the campaign label (``<channel> (no campaign)`` when unknown), paid flag, channel.

    Built on factorized codes (a few distinct campaigns and channels) so that
    millions of touches cost one pass each; labels and channels are Categoricals.
    """
    ch_codes, ch_uniq = pd.factorize(t["channel"])
    ch_uniq = [str(c) for c in ch_uniq]
    if (ch_codes < 0).any():  # missing channel: "unknown"
        if "unknown" not in ch_uniq:
            ch_uniq.append("unknown")
        ch_codes = np.where(ch_codes < 0, ch_uniq.index("unknown"), ch_codes)
    channel = pd.Categorical.from_codes(ch_codes, categories=pd.Index(np.asarray(ch_uniq, dtype=object)))
    organic = [f"{c} {NO_CAMPAIGN}" for c in ch_uniq]
    if campaigns is None or "campaign_id" not in t.columns:
        return pd.Categorical.from_codes(ch_codes, categories=pd.Index(organic)), np.zeros(len(t), dtype=bool), \
            channel
    labels = list(dict.fromkeys(campaign_labels(campaigns).astype(str)))
    lab_of_id = pd.Series(campaign_labels(campaigns).astype(str).to_numpy(),
                          index=campaigns["campaign_id"].astype(str).to_numpy())
    lab_of_id = lab_of_id[~lab_of_id.index.duplicated()]
    cc, cu = pd.factorize(t["campaign_id"])
    u_lab = pd.Index(labels).get_indexer(lab_of_id.reindex(np.asarray(cu, dtype=object).astype(str)).to_numpy())
    row_lab = np.where(cc >= 0, u_lab[np.maximum(cc, 0)] if len(u_lab) else -1, -1)
    paid = row_lab >= 0
    cats = labels + [o for o in organic if o not in set(labels)]
    org_idx = pd.Index(cats).get_indexer(organic)
    codes = np.where(paid, row_lab, org_idx[ch_codes] if len(org_idx) else -1)
    return pd.Categorical.from_codes(codes, categories=pd.Index(cats)), paid, channel


def _reach_level(reach: pd.Series, level: str) -> pd.Series:
    """Reached users by campaign or channel; empty when nobody was touched before period end."""
    if len(reach) and level in reach.index.get_level_values(0):
        return reach[level]
    return pd.Series([], index=pd.Index([], dtype=str), name="reached_users", dtype="int64")


def _reach(user_codes: np.ndarray, key: pd.Categorical) -> pd.Series:
    """Distinct users per key value, on integer codes (one sort instead of a string groupby)."""
    u = np.asarray(user_codes, dtype=np.int64)
    k = np.asarray(key.codes, dtype=np.int64)
    ok = (u >= 0) & (k >= 0)
    n_u = int(u.max()) + 1 if len(u) else 1
    pairs = np.sort(k[ok] * n_u + u[ok])
    first = np.r_[True, pairs[1:] != pairs[:-1]] if len(pairs) else np.array([], dtype=bool)
    counts = np.bincount(pairs[first] // n_u, minlength=len(key.categories))
    return pd.Series(counts, index=pd.Index(key.categories.astype(str)), name="reached_users")


def prepare(tables: dict[str, pd.DataFrame], lines: pd.DataFrame, period: Period, lookback_days: int = 30,
            half_life_days: float = 7.0,
            touch_types: tuple[str, ...] | None = at.COUNTED_TOUCH_TYPES,
            touchpoints: pd.DataFrame | None = None) -> MarketingData | None:
    """Paths, credits and journeys of the marketing analyses (docs/metrics.md, Marketing) from frames in memory:
    :func:`prepare_engine` over the ``lines`` and ``touchpoints`` frames registered in an engine; None without
    touchpoints.

    Parameters
    ----------
    tables : the dataset's tables (optionally campaigns; touchpoints when ``touchpoints`` is not given).
    lines : sale lines (lib.data.derived.sale_lines); only those before the period end count.
    period : the report period; history = everything before its end.
    lookback_days, half_life_days, touch_types : attribution settings (docs/metrics.md, Attribution).
    touchpoints : the touchpoints table handed over by the caller; None reads ``tables["touchpoints"]``.
    """
    if touchpoints is None:
        if "touchpoints" not in tables:
            return None
        touchpoints = tables["touchpoints"]
    cols = ["buyer_id", "date", "date_sold", "revenue", "quantity", "is_completed"] + \
        (["gross_profit"] if "gross_profit" in lines.columns else [])
    eng = Engine()
    try:
        eng.register_frame("lines", pd.DataFrame({c: lines[c].array for c in cols}))
        src = touchpoints_source(eng, touchpoints=touchpoints)
        return prepare_engine(eng, tables.get("campaigns"), period, src, lookback_days=lookback_days,
                              half_life_days=half_life_days, touch_types=touch_types)
    finally:
        eng.close()


#: separator of the states of a journey in the engine's counted journeys (the unit separator: in no label)
_SEP = "\x1f"
#: separator of a touch's channel and campaign label in one state of a counted journey (the record separator)
_PAIR = "\x1e"


def _sql_text(values: list[str]) -> str:
    """A list of strings as an SQL list of literals (quotes doubled)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def touchpoints_source(eng: Engine, ds: Dataset | None = None, touchpoints: pd.DataFrame | None = None) -> str:
    """The SQL table expression :func:`prepare_engine` reads the touchpoints from, with ``_row`` = the row's
    position in the table (the order that breaks ties between touches of one second, docs/metrics.md,
    Attribution): the cached Parquet file of ``ds`` read directly (nothing held in memory), else the frame
    ``touchpoints`` (or ``ds``'s table) registered as the view ``mk_touchpoints``."""
    path = table_file(ds, "touchpoints") if ds is not None else None
    if touchpoints is None and path is not None and path.exists():
        lit = "'" + str(path).replace("'", "''") + "'"
        return f"(SELECT * EXCLUDE (file_row_number), file_row_number AS _row " \
               f"FROM read_parquet({lit}, file_row_number = true))"
    tp = touchpoints if touchpoints is not None else ds.tables["touchpoints"]
    frame = pd.DataFrame({c: tp[c].array for c in tp.columns})
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    eng.register_frame("mk_touchpoints", frame)
    return "mk_touchpoints"


def prepare_engine(eng: Engine, campaigns: pd.DataFrame | None, period: Period, touchpoints: str,
                   lookback_days: int = 30, half_life_days: float = 7.0,
                   touch_types: tuple[str, ...] | None = at.COUNTED_TOUCH_TYPES) -> MarketingData:
    """:func:`prepare` in SQL (docs/metrics.md, Marketing and Attribution): occasions from the ``lines`` view of
    ``eng``, the touch-before-purchase join, reach and the non-converting journeys (counted per sequence of
    channels and of campaigns) run in the engine over ``touchpoints`` (:func:`touchpoints_source`); only the path
    rows, occasions and counts come back to pandas.

    Same frames as the pandas steps of lib.analytics.attribution (``occasion_times``, ``eligible_touches``,
    ``conversion_paths``, ``null_journeys``; checked in the tests): touches sorted by user, whole second and
    table row; ``paths["touch"]`` is the touch's row in the touchpoints table.
    """
    if lookback_days is None or int(lookback_days) != lookback_days or lookback_days < 0:
        raise ValueError(f"lookback_days must be a whole number of days >= 0, got {lookback_days!r}")
    lookback_days = int(lookback_days)
    end = period.end_exclusive
    if campaigns is not None:
        campaigns = campaigns.copy()
        campaigns["campaign"] = campaign_labels(campaigns).to_numpy()
    lcols = set(eng.columns("lines"))
    tcols = set(eng.query(f"SELECT * FROM {touchpoints} LIMIT 0").columns)
    gp = "gross_profit" in lcols
    gp_sql = ", COALESCE((SUM((CASE WHEN isnan(gross_profit) THEN NULL ELSE gross_profit END)::DECIMAL(38,10)))::DOUBLE, 0.0) AS gross_profit" \
        if gp else ""
    occ = eng.query(f"""
    SELECT buyer_id, date, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, SUM(quantity)::BIGINT AS units, COUNT(*) AS lines{gp_sql},
           MIN(date_sold) AS occasion_time
    FROM lines WHERE is_completed AND date_sold < $end AND buyer_id IS NOT NULL
    GROUP BY buyer_id, date ORDER BY buyer_id, date""", {"end": end})
    occ = occ.astype({"buyer_id": "string", "date": "datetime64[ns]", "revenue": "float64", "units": "int64",
                      "lines": "int64", "occasion_time": "datetime64[ns]", **({"gross_profit": "float64"} if gp else {})})
    b = occ["buyer_id"].to_numpy()
    occ["first_occasion"] = np.r_[True, b[1:] != b[:-1]][: len(occ)]
    occ["in_period"] = period.contains(occ["date"]).to_numpy()
    # campaign labels (campaigns.csv is small): the first label of each id; the touches carry the known id only
    has_cid = "campaign_id" in tcols and campaigns is not None
    lab_of_id: dict[str, str] = {}
    if has_cid:
        for cid, lab in zip(campaigns["campaign_id"].astype(str), campaigns["campaign"].astype(str), strict=True):
            lab_of_id.setdefault(cid, lab)
    known = f"CASE WHEN tp.campaign_id IN ({_sql_text(list(lab_of_id))}) THEN tp.campaign_id END" \
        if lab_of_id else "NULL::VARCHAR"
    # the campaign label of a touch (its channel's organic label when the id is unknown), made in the engine
    label = "CASE tp.campaign_id " + " ".join(f"WHEN {_sql_text([c])} THEN {_sql_text([lab])}"
                                              for c, lab in lab_of_id.items()) + " END" if lab_of_id else "NULL"
    label = f"COALESCE({label}, COALESCE(tp.channel, 'unknown') || ' {NO_CAMPAIGN}')"
    kind = "lower(COALESCE(tp.touch_type, 'click'))" if "touch_type" in tcols else "'click'"
    counted = "true" if touch_types is None else f"{kind} IN ({_sql_text([x.lower() for x in touch_types])})"
    eng.register_frame("mk_occasions", pd.DataFrame({
        "occ": np.arange(len(occ), dtype=np.int64), "buyer_id": occ["buyer_id"].astype("string[pyarrow]").array,
        "o_sec": at._seconds(occ["occasion_time"]),
        "w_sec": at._seconds(occ["date"] - pd.Timedelta(days=lookback_days))}))
    all_t = f"""
    all_t AS (
      SELECT tp.user_id, epoch_us(tp.timestamp) // 1000000 AS sec, COALESCE(tp.channel, 'unknown') AS channel,
             {known} AS cid, {label} AS label, tp._row, {counted} AND tp.user_id IS NOT NULL AS counted
      FROM {touchpoints} tp WHERE tp.timestamp < $end AND tp.timestamp IS NOT NULL)"""
    touches = f"""{all_t},
    t AS (SELECT user_id, sec, channel, cid, label, _row FROM all_t WHERE counted)"""
    # reach in one pass: per (user, channel) whether any touch had no known campaign and a bit mask of the known
    # campaigns (63 to a column), then users counted per channel, per organic channel and per campaign bit
    cids = list(lab_of_id)
    pos = f"list_position([{_sql_text(cids)}], cid) - 1" if cids else "NULL::BIGINT"
    chunks = range((len(cids) + 62) // 63)
    masks = "".join(f", bit_or(CASE WHEN cid IS NOT NULL AND ({pos}) // 63 = {c} THEN 1::UBIGINT << (({pos}) % 63) "
                    f"ELSE 0::UBIGINT END) AS m{c}" for c in chunks)
    bits = ", ".join(f"COALESCE(SUM(((m{i // 63} >> {i % 63}) & 1::UBIGINT)::BIGINT), 0)" for i in range(len(cids)))
    camp_rows = f"""
    UNION ALL
    SELECT 'campaign', NULL, unnest([{_sql_text(cids)}]), unnest([{bits}])
    FROM (SELECT user_id{''.join(f', bit_or(m{c}) AS m{c}' for c in chunks)} FROM cu WHERE user_id IS NOT NULL
          GROUP BY user_id)""" if cids else ""
    reach = eng.query(f"""WITH {all_t},
    cu AS (SELECT user_id, channel, bool_or(cid IS NULL) AS org{masks} FROM all_t GROUP BY user_id, channel)
    SELECT 'channel' AS level, channel AS key, NULL::VARCHAR AS cid, COUNT(user_id) AS n FROM cu GROUP BY channel
    UNION ALL
    SELECT 'organic', channel, NULL, COUNT(user_id) FILTER (org) FROM cu GROUP BY channel HAVING bool_or(org)
    {camp_rows}""", {"end": end})
    reach = _reach_frame(reach, campaigns, lab_of_id)
    paths = eng.query(f"""WITH {touches},
    p AS (SELECT o.occ, t._row AS touch, t.sec, t.channel, t.cid, t.label, o.o_sec
          FROM mk_occasions o JOIN t ON t.user_id = o.buyer_id AND t.sec >= o.w_sec AND t.sec < o.o_sec)
    SELECT occ, touch, (ROW_NUMBER() OVER (PARTITION BY occ ORDER BY sec, touch) - 1)::BIGINT AS position,
           COUNT(*) OVER (PARTITION BY occ) AS n_touches, (o_sec - sec) / 86400.0 AS age_days, channel,
           label AS campaign, cid IS NOT NULL AS paid
    FROM p ORDER BY occ, position""", {"end": end})
    o = paths["occ"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"occasion": o, "touch": paths["touch"].to_numpy(dtype=np.int64),
                        "position": paths["position"].to_numpy(dtype=np.int64),
                        "n_touches": paths["n_touches"].to_numpy(dtype=np.int64),
                        "age_days": paths["age_days"].to_numpy(dtype=float)})
    out["buyer_id"] = occ["buyer_id"].array.take(o)
    out["revenue"] = occ["revenue"].to_numpy(dtype=float)[o]
    out["gross_profit"] = occ["gross_profit"].to_numpy(dtype=float)[o] if gp else np.nan
    out["first_occasion"] = occ["first_occasion"].to_numpy(dtype=bool)[o]
    out["channel"] = paths["channel"].astype("string").to_numpy()
    out["campaign"] = pd.array(paths["campaign"].to_numpy(dtype=object), dtype="string")
    out["paid"] = paths["paid"].to_numpy(dtype=bool)
    del paths
    out = at.heuristic_credits(out, half_life_days=half_life_days)
    # the non-converting journeys: touches in no occasion's window, chained per user; a gap over the lookback starts a new one; journeys ending within
    # the lookback of the period end may still convert and are left out
    cutoff = int(at._seconds(pd.Series([pd.Timestamp(end) - pd.Timedelta(days=lookback_days)]))[0])
    eng.register_frame("mk_used", pd.DataFrame({"touch": out["touch"].to_numpy()}))  # repeats: same anti join
    nulls = eng.query(f"""WITH {touches},
    u AS (SELECT t.* FROM t ANTI JOIN mk_used ON t._row = mk_used.touch),
    g AS (SELECT *, CASE WHEN LAG(sec) OVER w IS NULL OR sec - LAG(sec) OVER w > $gap THEN 1 ELSE 0 END AS new
          FROM u WINDOW w AS (PARTITION BY user_id ORDER BY sec, _row)),
    j AS (SELECT *, SUM(new) OVER (PARTITION BY user_id ORDER BY sec, _row ROWS UNBOUNDED PRECEDING) AS jn FROM g),
    k AS (SELECT user_id, jn, string_agg(channel || $pair || label, $sep ORDER BY sec, _row) AS states
          FROM j GROUP BY user_id, jn HAVING MAX(sec) < $cutoff)
    SELECT states, COUNT(*) AS journeys FROM k GROUP BY states ORDER BY MIN(struct_pack(u := user_id, j := jn))""",
                      {"end": end, "gap": lookback_days * 86_400, "cutoff": cutoff, "sep": _SEP, "pair": _PAIR})
    nulls = _counted_journeys(nulls)
    for name in ("mk_occasions", "mk_used"):
        eng.drop(name)
    gp_known = gp and bool(occ["gross_profit"].notna().any())
    return MarketingData(occasions=occ, reach=reach, paths=out, nulls=nulls, campaigns=campaigns, period=period,
                         lookback_days=lookback_days, half_life_days=float(half_life_days), gp_known=gp_known)


def _counted_journeys(nulls: pd.DataFrame) -> pd.DataFrame:
    """The engine's counted journeys (``states``: channel ``_PAIR`` campaign label per touch, joined by ``_SEP``,
    in the order of each sequence's first journey: user, then time) as tuples of channels and of campaign labels
    with their ``journeys``."""
    pairs = [x.replace(_SEP, _PAIR).split(_PAIR) for x in nulls["states"]]
    return pd.DataFrame({"channel": [tuple(x[0::2]) for x in pairs], "campaign": [tuple(x[1::2]) for x in pairs],
                         "journeys": nulls["journeys"].to_numpy(dtype=np.int64)})


def _reach_frame(reach: pd.DataFrame, campaigns: pd.DataFrame | None, lab_of_id: dict[str, str]) -> pd.Series:
    """The reach Series of :class:`MarketingData` from the engine's (level, key, cid, n) rows: distinct users per
    channel and per campaign label (every label of campaigns.csv, 0 when nobody was reached; touches of unknown
    campaigns under their channel's organic label)."""
    ch = reach[reach["level"] == "channel"]
    chan = pd.Series(ch["n"].to_numpy(dtype=np.int64), index=pd.Index(ch["key"].astype(str).to_numpy()),
                     name="reached_users").sort_index()
    cp = reach[reach["level"] == "campaign"]
    org = reach[reach["level"] == "organic"]
    keys = [lab_of_id[c] for c in cp["cid"].astype(str)] + [f"{k} {NO_CAMPAIGN}" for k in org["key"].astype(str)]
    camp = pd.Series(np.r_[cp["n"].to_numpy(dtype=np.int64), org["n"].to_numpy(dtype=np.int64)],
                     index=pd.Index(keys, dtype=object), name="reached_users")
    if campaigns is not None:
        labels = list(dict.fromkeys(campaigns["campaign"].astype(str)))
        camp = camp.reindex(labels + [k for k in camp.index if k not in set(labels)]).fillna(0).astype(np.int64)
    return pd.concat({"campaign": camp, "channel": chan})


# ---------------------------------------------------------------- spend


def prorated_spend(campaigns: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp) -> pd.Series:
    """Spend of each campaign inside ``start..end`` (inclusive days), prorated by its days inside.

    docs/metrics.md, Attribution: campaign spend in a window = spend x (campaign days
    in the window / campaign days). ``start`` None means from the beginning.
    Returns a float Series indexed by campaign_id.
    """
    _need(campaigns, ("campaign_id", "start_date", "end_date", "spend"), "campaigns")
    s = campaigns["start_date"].dt.normalize()
    e = campaigns["end_date"].dt.normalize()
    if (e < s).any():
        raise ValueError("campaigns: end_date before start_date for "
                         + ", ".join(campaigns.loc[(e < s).to_numpy(), "campaign_id"].astype(str).head(5)))
    lo = s if start is None else s.clip(lower=pd.Timestamp(start).normalize())
    hi = e.clip(upper=pd.Timestamp(end).normalize())
    inside = ((hi - lo).dt.days + 1).clip(lower=0)
    total = (e - s).dt.days + 1
    out = campaigns["spend"].to_numpy(dtype=float) * inside.to_numpy() / total.to_numpy()
    return pd.Series(out, index=pd.Index(campaigns["campaign_id"].astype("string"), name="campaign_id"),
                     name="spend")


def marketing_spend(campaigns: pd.DataFrame, period: Period) -> float:
    """``marketing_spend_period`` (docs/metrics.md, Marketing): campaign spend prorated to the period's days."""
    return float(prorated_spend(campaigns, period.start, period.end).sum())


def spend_by(campaigns: pd.DataFrame, period: Period, by: str = "channel") -> pd.Series:
    """Period spend (prorated, docs/metrics.md, Attribution) summed per ``channel`` or per ``campaign`` label."""
    sp = prorated_spend(campaigns, period.start, period.end)
    keys = campaigns["channel"] if by == "channel" else campaign_labels(campaigns)
    return pd.Series(sp.to_numpy(), index=keys.astype(str).to_numpy()).groupby(level=0).sum()


def usual_monthly_spend(campaigns: pd.DataFrame, period: Period, by: str = "channel") -> pd.Series:
    """Average spend a month per ``channel`` (or campaign label) over the history (docs/metrics.md, Budget advice).

    Spend prorated up to period end (the spend behind lib.analytics.marketing.bootstrap_roas) divided by the
    calendar months from the month of its first campaign's start to the period's month, both included, so
    months without a campaign count as months without spend. Keys without spend before period end are left out.
    """
    _need(campaigns, ("campaign_id", "channel", "start_date", "end_date", "spend"), "campaigns")
    sp = prorated_spend(campaigns, None, period.end).to_numpy()
    keys = (campaigns["channel"] if by == "channel" else campaign_labels(campaigns)).astype(str).to_numpy()
    started = campaigns["start_date"].dt.to_period("M").to_numpy()
    t = pd.DataFrame({"key": keys, "spend": sp, "start": started})
    t = t[t["start"] <= pd.Period(period.end, "M")]
    g = t.groupby("key")
    first = g["start"].min()
    last = pd.Period(period.end, "M")
    months = pd.Series([(last - f).n + 1 for f in first], index=first.index, dtype=float)
    out = g["spend"].sum() / months
    out = out[out > 0]
    out.index.name = by
    return out.rename("usual_monthly_spend")


def gross_profit_after_marketing(gross_profit: float | None, spend: float | None) -> float | None:
    """``gross_profit_after_marketing_period`` (docs/metrics.md, Marketing): the period's gross profit
    (``gross_profit_period`` of lib.analytics.kpis.period_kpis) minus its marketing spend
    (:func:`marketing_spend`); None without campaigns (spend None) or without a known gross profit."""
    if spend is None or gross_profit is None or pd.isna(spend) or pd.isna(gross_profit):
        return None
    return float(gross_profit) - float(spend)


def break_even_roas_period(gross_margin_pct: float | None) -> float | None:
    """The period's break-even ROAS (docs/metrics.md, Marketing): revenue per unit of spend at which the gross
    profit of that revenue pays for the spend, at the period's gross margin: ``100 / gross_margin_pct_period``;
    None when the margin is unknown or not positive."""
    if gross_margin_pct is None or pd.isna(gross_margin_pct) or gross_margin_pct <= 0:
        return None
    return 100.0 / float(gross_margin_pct)


def break_even_roas(perf: pd.DataFrame) -> float | None:
    """Revenue ROAS at which attributed gross profit equals spend: revenue / gross profit of attributed sales
    (docs/metrics.md, Marketing)."""
    gp = perf["gross_profit"].sum(min_count=1)
    if gp is None or pd.isna(gp) or gp <= 0:
        return None
    return float(perf["revenue"].sum() / gp)


# ---------------------------------------------------------------- performance tables


def _last_touch(md: MarketingData) -> pd.DataFrame:
    p = md.paths
    return p[p["last_touch"].to_numpy() == 1.0]


def campaign_performance(md: MarketingData) -> pd.DataFrame:
    """Per campaign (history, last touch): spend, reach, converting buyers, revenue, ROAS, cost per new customer
    (docs/metrics.md, Marketing).

    Columns ``campaign_id, campaign, channel, start_date, end_date, window_end``
    (end_date + lookback, capped at period end), ``spend`` (prorated to period
    end), ``reached_users`` (any touch, impressions included),
    ``converting_buyers`` (buyers with an occasion whose path holds a counted
    touch of the campaign), ``conversion_rate_pct`` (converting / reached),
    ``conversions``, ``revenue``, ``gross_profit`` (last touch), ``roas``
    (revenue / spend), ``gp_roas`` (gross profit / spend),
    ``new_customers`` (last-touch credited first occasions) and
    ``cost_per_new_customer``. Sorted by ROAS, best first; campaigns without
    spend last.
    """
    c = md.campaigns
    if c is None:
        raise ValueError("campaign performance needs campaigns.csv")
    spend = prorated_spend(c, None, md.period.end).to_numpy()
    lt = _last_touch(md)
    g = lt.groupby("campaign", observed=True)
    rev = g["revenue"].sum()
    gp = g["gross_profit"].sum(min_count=1)
    conv = g.size()
    new = lt[lt["first_occasion"].to_numpy()].groupby("campaign", observed=True).size() \
        if "first_occasion" in lt.columns else pd.Series(dtype=float)
    buyers = md.paths.groupby("campaign", observed=True)["buyer_id"].nunique()
    reached = _reach_level(md.reach, "campaign")
    lab = c["campaign"]
    out = pd.DataFrame({
        "campaign_id": c["campaign_id"].to_numpy(), "campaign": lab.to_numpy(),
        "channel": c["channel"].astype("string").to_numpy(),
        "start_date": c["start_date"].to_numpy(), "end_date": c["end_date"].to_numpy(),
        "window_end": (c["end_date"] + pd.Timedelta(days=md.lookback_days)).clip(upper=md.period.end).to_numpy(),
        "spend": spend,
        "reached_users": reached.reindex(lab).fillna(0).to_numpy(dtype=np.int64),
        "converting_buyers": buyers.reindex(lab).fillna(0).to_numpy(dtype=np.int64),
        "conversions": conv.reindex(lab).fillna(0).to_numpy(dtype=float),
        "revenue": rev.reindex(lab).fillna(0.0).to_numpy(dtype=float),
        "gross_profit": gp.reindex(lab).to_numpy(dtype=float) if md.gp_known else np.nan,
        "new_customers": new.reindex(lab).fillna(0).to_numpy(dtype=np.int64),
    })
    if md.gp_known:
        out["gross_profit"] = out["gross_profit"].fillna(0.0)
    out["conversion_rate_pct"] = np.where(out["reached_users"] > 0,
                                          100.0 * out["converting_buyers"] / out["reached_users"].clip(lower=1),
                                          np.nan)
    pos = out["spend"] > 0
    out["roas"] = np.where(pos, out["revenue"] / out["spend"].where(pos, 1.0), np.nan)
    out["gp_roas"] = np.where(pos, out["gross_profit"] / out["spend"].where(pos, 1.0), np.nan)
    out["cost_per_new_customer"] = np.where(pos & (out["new_customers"] > 0),
                                            out["spend"] / out["new_customers"].clip(lower=1), np.nan)
    out = out.sort_values(["roas", "campaign"], ascending=[False, True], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def channel_performance(md: MarketingData, campaigns_perf: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per touch channel (history, last touch): reach, converting buyers, revenue, spend and paid ROAS
    (docs/metrics.md, Marketing).

    ``revenue`` / ``gross_profit`` / ``new_customers`` count every counted touch
    on the channel (campaign or organic); ``paid_revenue`` only touches of
    campaigns with spend > 0, grouped by the campaign's channel; ``roas`` =
    paid_revenue / spend (the definition of ``best_channel_by_roas``).
    Sorted by ROAS, best first.
    """
    lt = _last_touch(md)
    g = lt.groupby("channel", observed=True)
    reached = _reach_level(md.reach, "channel")
    buyers = md.paths.groupby("channel", observed=True)["buyer_id"].nunique()
    chans = sorted(set(reached.index.astype(str)) | set(buyers.index.astype(str)))
    out = pd.DataFrame({"channel": pd.array(chans, dtype="string")})
    out["reached_users"] = reached.reindex(chans).fillna(0).to_numpy(dtype=np.int64)
    out["converting_buyers"] = buyers.reindex(chans).fillna(0).to_numpy(dtype=np.int64)
    out["conversion_rate_pct"] = np.where(out["reached_users"] > 0,
                                          100.0 * out["converting_buyers"] / out["reached_users"].clip(lower=1),
                                          np.nan)
    out["conversions"] = g.size().reindex(chans).fillna(0).to_numpy(dtype=float)
    out["revenue"] = g["revenue"].sum().reindex(chans).fillna(0.0).to_numpy()
    out["gross_profit"] = g["gross_profit"].sum().reindex(chans).fillna(0.0).to_numpy() if md.gp_known else np.nan
    first = lt[lt["first_occasion"].to_numpy()] if "first_occasion" in lt.columns else lt.iloc[:0]
    out["new_customers"] = first.groupby("channel", observed=True).size().reindex(chans).fillna(0) \
        .to_numpy(dtype=np.int64)
    if campaigns_perf is None and md.campaigns is not None:
        campaigns_perf = campaign_performance(md)
    if campaigns_perf is not None:
        paid = campaigns_perf[campaigns_perf["spend"] > 0]
        pg = paid.groupby("channel", observed=True)[["spend", "revenue", "gross_profit", "new_customers"]].sum(
            min_count=1)
        allc = sorted(set(chans) | set(pg.index.astype(str)))
        out = out.set_index("channel").reindex(pd.Index(allc, dtype="string", name="channel")).reset_index()
        for col in ("reached_users", "converting_buyers", "new_customers"):
            out[col] = out[col].fillna(0).astype(np.int64)
        for col in ("conversions", "revenue"):
            out[col] = out[col].fillna(0.0)
        pg = pg.reindex(allc)
        out["spend"] = pg["spend"].fillna(0.0).to_numpy()
        out["paid_revenue"] = pg["revenue"].fillna(0.0).to_numpy()
        out["paid_gross_profit"] = pg["gross_profit"].to_numpy(dtype=float)
        pos = out["spend"] > 0
        out["roas"] = np.where(pos, out["paid_revenue"] / out["spend"].where(pos, 1.0), np.nan)
        out["gp_roas"] = np.where(pos, out["paid_gross_profit"] / out["spend"].where(pos, 1.0), np.nan)
        paid_new = pg["new_customers"].fillna(0).to_numpy()
        out["cost_per_new_customer"] = np.where(pos & (paid_new > 0), out["spend"] / np.maximum(paid_new, 1),
                                                np.nan)
        out = out.sort_values(["roas", "revenue"], ascending=[False, False], na_position="last", kind="stable")
    else:
        out = out.sort_values("revenue", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def best_by_roas(campaigns_perf: pd.DataFrame) -> tuple[str | None, str | None]:
    """``best_campaign_by_roas`` and ``best_channel_by_roas`` (docs/metrics.md, Marketing; history, last touch,
    spend > 0).

    The channel's ROAS pools its campaigns: sum of their last-touch revenue /
    sum of their spend. Ties go to the name first in alphabetical order; (None,
    None) when no campaign with spend has attributed revenue.
    """
    paid = campaigns_perf[campaigns_perf["spend"] > 0]
    if paid.empty or not (paid["revenue"] > 0).any():  # no attributed revenue: no "best" to name
        return None, None
    camp = paid.sort_values(["roas", "campaign"], ascending=[False, True], kind="stable").iloc[0]["campaign"]
    g = paid.groupby("channel", observed=True)[["revenue", "spend"]].sum()
    g["roas"] = g["revenue"] / g["spend"]
    g = g.reset_index().sort_values(["roas", "channel"], ascending=[False, True], kind="stable")
    return str(camp), str(g.iloc[0]["channel"])


def roas_period(md: MarketingData) -> tuple[float | None, float, float]:
    """``roas_period`` (docs/metrics.md, Marketing): last-touch revenue of the period's occasions credited to
    campaigns / period spend.

    Returns (roas or None when the period has no spend, attributed revenue, spend).
    """
    if md.campaigns is None:
        return None, 0.0, 0.0
    spend = marketing_spend(md.campaigns, md.period)
    lt = _last_touch(md)
    paid_ids = md.campaigns.loc[md.campaigns["spend"] > 0, "campaign"]
    sel = lt["paid"].to_numpy() & md.occasions["in_period"].to_numpy()[lt["occasion"].to_numpy()] \
        & lt["campaign"].isin(paid_ids).to_numpy()
    rev = float(lt.loc[sel, "revenue"].sum())
    return (rev / spend if spend > 0 else None), rev, spend


def marketing_metrics(md: MarketingData | None, campaigns: pd.DataFrame | None, period: Period,
                      campaigns_perf: pd.DataFrame | None = None,
                      gross_profit_period: float | None = None) -> dict[str, object]:
    """The metrics of docs/metrics.md, Marketing, and ``gross_profit_after_marketing_period``; None where the
    inputs are absent.

    ``gross_profit_period`` is the period's gross profit of lib.analytics.kpis.period_kpis (the same value as the
    Overview's); without it (or without campaigns) the profit after marketing is None.
    """
    out: dict[str, object] = {"marketing_spend_period": None, "roas_period": None,
                              "best_campaign_by_roas": None, "best_channel_by_roas": None,
                              "gross_profit_after_marketing_period": None}
    if campaigns is not None:
        out["marketing_spend_period"] = marketing_spend(campaigns, period)
        out["gross_profit_after_marketing_period"] = gross_profit_after_marketing(gross_profit_period,
                                                                                  out["marketing_spend_period"])
    if md is not None and md.campaigns is not None:
        out["roas_period"] = roas_period(md)[0]
        perf = campaigns_perf if campaigns_perf is not None else campaign_performance(md)
        out["best_campaign_by_roas"], out["best_channel_by_roas"] = best_by_roas(perf)
    return out


# ---------------------------------------------------------------- acquisition channels


@dataclass
class AcquisitionTests:
    """Tests of differences between acquisition channels among customers with a full horizon
    (docs/metrics.md, Marketing)."""

    kruskal_p: float | None
    chi2_p: float | None
    n_mature: int
    horizon_days: int


def acquisition_value(users: pd.DataFrame, occasions: pd.DataFrame, period_end: pd.Timestamp,
                      horizon_days: int = 365, min_customers: int = 5) -> tuple[pd.DataFrame, AcquisitionTests]:
    """Customers by users.acquisition_channel with their first-12-month revenue and repeat rate
    (docs/metrics.md, Marketing).

    A customer's 12-month revenue is the revenue of occasions within
    ``horizon_days`` of the first one; only customers whose first occasion is at
    least ``horizon_days`` before period_end ("mature") count, so every channel
    is measured over the same horizon. Repeat rate = mature customers with 2+
    occasions in the horizon. Tests: Kruskal-Wallis on 12-month revenue and a
    chi-square test of repeat rates across channels with >= ``min_customers``
    mature customers.

    Returns
    -------
    (table, tests): table columns ``acquisition_channel, users, customers,
    buying_pct, mature_customers, revenue_12m_per_customer, repeat_rate_12m_pct,
    lifetime_revenue_per_customer`` sorted by 12-month revenue per customer.
    """
    from scipy import stats

    _need(users, ("user_id",), "users")
    _need(occasions, ("buyer_id", "date", "revenue"), "occasions")
    end = pd.Timestamp(period_end).normalize()
    u = users[["user_id"]].copy()
    acq = users["acquisition_channel"] if "acquisition_channel" in users.columns else pd.Series(pd.NA, index=u.index)
    u["acquisition_channel"] = acq.astype("string").str.strip().replace("", pd.NA).fillna("unknown").to_numpy()
    occ = occasions[(occasions["date"] <= end).to_numpy()]
    # per customer on integer codes (a string groupby over every occasion is several times slower)
    b, b_uniq = pd.factorize(occ["buyer_id"])
    day = occ["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    first_day = np.full(len(b_uniq), np.iinfo(np.int64).max)
    np.minimum.at(first_day, b, day)
    in_h = (day - first_day[b]) < horizon_days
    rev = occ["revenue"].to_numpy(dtype=float)
    n = len(b_uniq)
    cust = pd.DataFrame({"revenue": np.bincount(b, weights=rev, minlength=n),
                         "rev_h": np.bincount(b, weights=np.where(in_h, rev, 0.0), minlength=n),
                         "occ_h": np.bincount(b, weights=in_h, minlength=n).astype(np.int64)},
                        index=pd.Index(b_uniq, name="buyer_id"))
    end_day = np.datetime64(end.date(), "D").astype(np.int64)
    cust["mature"] = (end_day - first_day) >= horizon_days
    ch_map = pd.Series(u["acquisition_channel"].to_numpy(), index=u["user_id"].astype("string"))
    ch_map = ch_map[~ch_map.index.duplicated()]
    cust["acquisition_channel"] = ch_map.reindex(pd.Index(b_uniq).astype("string")).fillna("unknown").to_numpy()
    users_n = u.groupby("acquisition_channel").size()
    cg = cust.groupby("acquisition_channel")
    m = cust[cust["mature"]]
    mg = m.groupby("acquisition_channel")
    chans = sorted(set(users_n.index) | set(cust["acquisition_channel"]))
    tab = pd.DataFrame({"acquisition_channel": chans})
    tab["users"] = users_n.reindex(chans).fillna(0).to_numpy(dtype=np.int64)
    tab["customers"] = cg.size().reindex(chans).fillna(0).to_numpy(dtype=np.int64)
    tab["buying_pct"] = np.where(tab["users"] > 0, 100.0 * tab["customers"] / tab["users"].clip(lower=1), np.nan)
    tab["mature_customers"] = mg.size().reindex(chans).fillna(0).to_numpy(dtype=np.int64)
    tab["revenue_12m_per_customer"] = mg["rev_h"].mean().reindex(chans).to_numpy(dtype=float)
    tab["repeat_rate_12m_pct"] = (100.0 * (m["occ_h"] >= 2).groupby(m["acquisition_channel"]).mean()) \
        .reindex(chans).to_numpy(dtype=float)
    tab["lifetime_revenue_per_customer"] = cg["revenue"].mean().reindex(chans).to_numpy(dtype=float)
    tab = tab.sort_values(["revenue_12m_per_customer", "customers"], ascending=[False, False],
                          na_position="last", kind="stable").reset_index(drop=True)
    big = [c for c in chans if (m["acquisition_channel"] == c).sum() >= min_customers]
    kp = cp = None
    if len(big) >= 2:
        groups = [m.loc[m["acquisition_channel"] == c, "rev_h"].to_numpy() for c in big]
        if np.ptp(np.concatenate(groups)) > 0:
            kp = float(stats.kruskal(*groups).pvalue)
        ct = pd.crosstab(m["acquisition_channel"], m["occ_h"] >= 2).reindex(big)
        if ct.shape[1] == 2 and (ct.sum(axis=0) > 0).all():
            cp = float(stats.chi2_contingency(ct.to_numpy()).pvalue)
    return tab, AcquisitionTests(kruskal_p=kp, chi2_p=cp, n_mature=int(len(m)), horizon_days=int(horizon_days))


def mature_acquisition_channels(tab: pd.DataFrame) -> pd.DataFrame:
    """The rows of an :func:`acquisition_value` table with at least one customer of a full horizon (charted)."""
    return tab[tab["mature_customers"] > 0]


# ---------------------------------------------------------------- attribution models side by side


def model_credit(md: MarketingData, by: str = "channel") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attributed conversions, revenue and gross profit per ``by`` value under all six models (history;
    docs/metrics.md, Marketing).

    ``by`` is ``channel`` or ``campaign``. Returns (long credit table with
    ``by, model, conversions, revenue, gross_profit`` including the
    ``direct/unattributed`` row, Markov removal effects).
    """
    if by not in ("channel", "campaign"):
        raise ValueError(f"by must be 'channel' or 'campaign', got {by!r}")
    heur = at.credit_by(md.paths, md.occasions, by)
    mk, eff = at.markov_credit_by(md.paths, md.nulls, by)
    un = heur[(heur[by] == at.UNATTRIBUTED) & (heur["model"] == "last_touch")].assign(model="markov")
    out = pd.concat([heur, mk, un], ignore_index=True)
    if not md.gp_known:
        out["gross_profit"] = np.nan
    return out, eff


def model_shares(credit: pd.DataFrame, by: str = "channel", value: str = "revenue") -> pd.DataFrame:
    """Wide table: share (%) of attributed ``value`` per ``by`` value (rows) and model (columns).

    The direct/unattributed row is left out: shares are of the revenue the touches earn.
    """
    c = credit[credit[by] != at.UNATTRIBUTED]
    w = c.pivot_table(index=by, columns="model", values=value, aggfunc="sum", fill_value=0.0, observed=True)
    w = w.reindex(columns=[m for m in at.MODELS if m in w.columns])
    tot = w.sum(axis=0).replace(0.0, np.nan)
    share = 100.0 * w / tot
    order = share.get("last_touch", share.iloc[:, 0]).sort_values(ascending=False).index if len(share) else share.index
    return share.reindex(order)


def model_disagreement(shares: pd.DataFrame) -> dict | None:
    """Where the models disagree most: the row whose revenue share varies most across models.

    Returns ``{"key", "high_model", "high_pct", "low_model", "low_pct", "spread_pts"}`` or None.
    """
    if shares.empty or shares.shape[1] < 2:
        return None
    spread = shares.max(axis=1) - shares.min(axis=1)
    key = spread.idxmax()
    row = shares.loc[key]
    return {"key": str(key), "high_model": str(row.idxmax()), "high_pct": float(row.max()),
            "low_model": str(row.idxmin()), "low_pct": float(row.min()), "spread_pts": float(spread.max())}


def credit_by_model(credit: pd.DataFrame, by: str = "channel", value: str = "revenue",
                    top: int | None = None) -> pd.DataFrame:
    """Wide table of a :func:`model_credit` table: ``value`` per ``by`` value (rows) and model (columns, in
    ``MODELS`` order), the direct/unattributed row included.

    ``top`` keeps the ``top`` rows with the most last-touch revenue, sorted by last-touch ``value``.
    """
    c = credit
    if top is not None:
        keep = credit[credit["model"] == "last_touch"].nlargest(top, "revenue")[by]
        c = credit[credit[by].isin(keep)]
    wide = c.pivot_table(index=by, columns="model", values=value, aggfunc="sum", observed=True)[list(at.MODELS)]
    return wide.sort_values("last_touch", ascending=False) if top is not None else wide


def roas_by_model(credit_campaign: pd.DataFrame, campaigns_perf: pd.DataFrame, by: str = "channel") -> pd.DataFrame:
    """ROAS of paid campaigns (spend > 0) under each model, pooled per ``by`` (``channel`` or ``campaign``).

    Returns a wide table (rows: channel or campaign; columns: models) of revenue / spend.
    """
    paid = campaigns_perf[campaigns_perf["spend"] > 0][["campaign", "channel", "spend"]]
    c = credit_campaign.merge(paid, on="campaign", how="inner")
    rev = c.pivot_table(index=by, columns="model", values="revenue", aggfunc="sum", fill_value=0.0, observed=True)
    spend = paid.groupby(by, observed=True)["spend"].sum()
    out = rev.div(spend.reindex(rev.index), axis=0)
    return out.reindex(columns=[m for m in at.MODELS if m in out.columns])


# ---------------------------------------------------------------- budget


def _boot_campaigns(md: MarketingData, camps: tuple[str, ...], n_boot: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Last-touch revenue and gross profit per campaign, and their ``n_boot`` resamples over buyers (cached).

    Each resample draws all customers with replacement (multinomial counts via
    one ``integers`` draw and ``bincount``); a credited row weighs its buyer's
    count. Pure numpy bincounts per resample, no per-buyer Python loop.
    """
    key = ("boot", camps, int(n_boot), int(seed))
    if key in md.cache:
        return md.cache[key]
    lt = _last_touch(md)
    lt = lt[lt["campaign"].isin(list(camps)).to_numpy()]
    c_codes = pd.Index(list(camps)).get_indexer(lt["campaign"].astype(str).to_numpy())
    b_codes, b_uniq = pd.factorize(lt["buyer_id"])
    k, n_cred = len(camps), len(b_uniq)
    n_total = max(md.customers, n_cred)
    rev = lt["revenue"].to_numpy(dtype=float)
    gp = np.nan_to_num(lt["gross_profit"].to_numpy(dtype=float)) if md.gp_known else np.zeros(len(lt))
    rng = np.random.default_rng(seed)
    boot_rev = np.empty((n_boot, k))
    boot_gp = np.empty((n_boot, k))
    for b in range(n_boot):  # loop over resamples only; each is a few vectorised numpy calls
        counts = np.bincount(rng.integers(0, n_total, n_total), minlength=n_total)[:n_cred]
        w = counts[b_codes]
        boot_rev[b] = np.bincount(c_codes, weights=w * rev, minlength=k)
        boot_gp[b] = np.bincount(c_codes, weights=w * gp, minlength=k)
    out = (np.bincount(c_codes, weights=rev, minlength=k), np.bincount(c_codes, weights=gp, minlength=k),
           boot_rev, boot_gp)
    md.cache[key] = out
    return out


def _boot_by(md: MarketingData, campaigns_perf: pd.DataFrame, by: str, n_boot: int, seed: int
             ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Per ``by`` value with spend: (keys, spend, revenue, gross profit, revenue-per-dollar and gross-profit-per-
    dollar resamples of shape (n_boot, keys)); None when no campaign has spend."""
    paid = campaigns_perf[campaigns_perf["spend"] > 0]
    if paid.empty:
        return None
    spend = paid.groupby(by, observed=True)["spend"].sum()
    keys = list(spend.index.astype(str))
    camps = [str(c) for c in paid["campaign"]]
    rev_c, gp_c, boot_rev_c, boot_gp_c = _boot_campaigns(md, tuple(camps), n_boot, seed)
    # a channel's resample = the sum of its campaigns' (same resamples of buyers)
    member = pd.Index(keys).get_indexer(paid[by].astype(str).to_numpy())
    agg = np.zeros((len(camps), len(keys)))
    agg[np.arange(len(camps)), member] = 1.0
    sp = spend.to_numpy(dtype=float)
    return keys, sp, rev_c @ agg, gp_c @ agg, (boot_rev_c @ agg) / sp, (boot_gp_c @ agg) / sp


def roas_draws(md: MarketingData, campaigns_perf: pd.DataFrame, by: str = "channel", n_boot: int = 400,
               seed: int = 0, value: str = "gross_profit") -> pd.DataFrame | None:
    """The bootstrap resamples behind :func:`bootstrap_roas` (same ``n_boot`` and ``seed``, same resamples):
    gross profit (``value="gross_profit"``) or revenue (``"revenue"``) per unit of spend, one row per resample and
    one column per ``by`` value with spend (docs/metrics.md, Budget advice); None when no campaign has spend or
    gross profit is asked for and unknown."""
    if value not in ("gross_profit", "revenue"):
        raise ValueError(f"value must be 'gross_profit' or 'revenue', got {value!r}")
    got = _boot_by(md, campaigns_perf, by, n_boot, seed)
    if got is None or (value == "gross_profit" and not md.gp_known):
        return None
    keys, _, _, _, r_b, g_b = got
    return pd.DataFrame(g_b if value == "gross_profit" else r_b, columns=pd.Index(keys, name=by))


def bootstrap_roas(md: MarketingData, campaigns_perf: pd.DataFrame, by: str = "channel", n_boot: int = 400,
                   level: float = 0.90, seed: int = 0) -> pd.DataFrame:
    """Last-touch ROAS per channel or campaign (spend > 0) with a bootstrap interval over buyers
    (docs/metrics.md, Marketing).

    Every customer (buyer with an occasion up to period end) is resampled with
    replacement ``n_boot`` times; spend is fixed. Percentile intervals at
    ``level``. ``p_pays_back`` = share of resamples whose gross-profit ROAS is at
    least 1 (revenue ROAS when gross profit is unknown).

    Returns columns ``<by>, spend, revenue, roas, roas_low, roas_high,
    gross_profit, gp_roas, gp_roas_low, gp_roas_high, p_pays_back``, best ROAS first.
    """
    if by not in ("channel", "campaign"):
        raise ValueError(f"by must be 'channel' or 'campaign', got {by!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    got = _boot_by(md, campaigns_perf, by, n_boot, seed)
    if got is None:
        return pd.DataFrame(columns=[by, "spend", "revenue", "roas", "roas_low", "roas_high", "gross_profit",
                                     "gp_roas", "gp_roas_low", "gp_roas_high", "p_pays_back"])
    keys, sp, m_rev, m_gp, r_b, g_b = got
    pay = g_b if md.gp_known else r_b
    out = pd.DataFrame({by: pd.array(keys, dtype="string"), "spend": sp, "revenue": m_rev,
                        "gross_profit": m_gp if md.gp_known else np.nan})
    out["roas"] = out["revenue"] / sp
    out["roas_low"], out["roas_high"] = percentile_interval(r_b, level, axis=0)
    out["gp_roas"] = out["gross_profit"] / sp
    out["gp_roas_low"], out["gp_roas_high"] = percentile_interval(g_b, level, axis=0) if md.gp_known \
        else (np.nan, np.nan)
    out["p_pays_back"] = (pay >= 1.0).mean(axis=0)
    out = out[[by, "spend", "revenue", "roas", "roas_low", "roas_high", "gross_profit", "gp_roas",
               "gp_roas_low", "gp_roas_high", "p_pays_back"]]
    return out.sort_values(["roas", by], ascending=[False, True], kind="stable").reset_index(drop=True)


def best_under_model(roas_models: pd.DataFrame | None, model: str = "markov") -> str | None:
    """The channel (or campaign) with the highest ROAS under ``model`` in a :func:`roas_by_model` table, if any."""
    if roas_models is None or model not in roas_models.columns or not roas_models[model].notna().any():
        return None
    return str(roas_models[model].idxmax())


# ---------------------------------------------------------------- budget shift with diminishing returns

#: gross profit (and revenue) of a channel grows with spend ** RESPONSE_EXPONENT (docs/metrics.md, Budget advice)
RESPONSE_EXPONENT = 0.5
#: a budget shift lets the receiving channel's monthly spend grow to at most this many times its usual month
MAX_GROWTH = 2.0


@dataclass(frozen=True)
class BudgetShift:
    """A move of monthly ad budget under diminishing returns (:func:`budget_shift`; docs/metrics.md, Budget advice).

    ``amount`` is moved a month from ``cut`` (each giving in proportion to its spend this month) to ``best``; with
    ``cut`` empty it is extra spend on ``best``. ``wanted`` is the amount before the cap on ``best``'s growth
    (``capped`` when the cap bound). Spend this month (``*_spend``), usual monthly spend (``*_usual``), average
    gross profit per unit of spend (``*_return``), the marginal return of ``best`` at its usual spend and at its
    new spend, and ``effect``: the change in the month's gross profit after paying for the spend.
    """

    best: str
    cut: tuple[str, ...]
    amount: float
    wanted: float
    capped: bool
    best_spend: float
    best_usual: float
    best_return: float
    best_marginal_usual: float
    best_marginal_after: float
    cut_spend: float
    cut_return: float | None
    cut_gross_profit_lost: float
    best_gross_profit_gained: float
    exponent: float
    max_growth: float
    effect: Effect


def _response(avg: np.ndarray, usual: float, x0: float, x1: float, exponent: float) -> np.ndarray:
    """Change in a channel's gross profit when its monthly spend goes from ``x0`` to ``x1`` under
    g(x) = avg x usual^(1 - exponent) x x^exponent (g(usual) = avg x usual: its measured average return)."""
    return np.asarray(avg, dtype=float) * usual ** (1.0 - exponent) * (x1 ** exponent - x0 ** exponent)


def budget_shift(boot: pd.DataFrame, draws: pd.DataFrame, best: str | None, cut: list[str] | tuple[str, ...],
                 month_spend: pd.Series, usual_spend: pd.Series, shift_pct: float = 20.0,
                 max_growth: float = MAX_GROWTH, exponent: float = RESPONSE_EXPONENT) -> BudgetShift | None:
    """Move ``shift_pct`` % of the ``cut`` channels' spend this month to ``best`` (or, without ``cut``, raise
    ``best`` by ``shift_pct`` % of its spend) under diminishing returns (docs/metrics.md, Budget advice).

    Each channel's monthly gross profit is g(x) = a x u^(1-e) x x^e with ``e`` = ``exponent``, fitted so that at
    its usual monthly spend u (lib.analytics.marketing.usual_monthly_spend) it earns its measured average
    gross profit per unit of spend a (``gp_roas`` of lib.analytics.marketing.bootstrap_roas, last touch); the
    last dollar at u returns e x a. The move is capped so that ``best``'s spend grows to at most
    ``max_growth`` x u. Effect: gross profit gained on ``best`` minus gross profit lost on ``cut`` (minus the
    extra spend when nothing is cut), a month, with the 80% interval of the same formula over ``draws``
    (lib.analytics.marketing.roas_draws), capped_by "budget" when the cap bound. None without gross profit,
    without a channel to move to or spend to move, or when the move does not pay (rounds below 1).
    """
    if not 0 < exponent < 1:
        raise ValueError(f"exponent must be between 0 and 1, got {exponent}")
    if max_growth <= 1:
        raise ValueError(f"max_growth must be above 1, got {max_growth}")
    if best is None or boot.empty or draws is None or "gp_roas" not in boot.columns:
        return None
    b = boot.set_index(boot["channel"].astype(str))
    cut = tuple(str(c) for c in cut if str(c) in b.index and str(c) in draws.columns)
    if best not in b.index or best not in draws.columns or not np.isfinite(b.loc[best, "gp_roas"]) \
            or any(not np.isfinite(b.loc[c, "gp_roas"]) for c in cut):
        return None
    usual = usual_spend.astype(float)
    month = month_spend.astype(float)
    u_b = float(usual.get(best, 0.0))
    s_b = float(month.get(best, 0.0))
    room = max_growth * u_b - s_b
    if u_b <= 0 or room <= 0:
        return None
    a_b, d_b = float(b.loc[best, "gp_roas"]), draws[best].to_numpy(dtype=float)
    r_b = float(b.loc[best, "roas"]) if "roas" in b.columns else np.nan
    s_cut = {c: float(month.get(c, 0.0)) for c in cut}
    total_cut = sum(s_cut.values())
    wanted = shift_pct / 100.0 * (total_cut if cut else (s_b if s_b > 0 else u_b))
    if wanted <= 0:
        return None
    amount = min(wanted, room)
    gained = _response(a_b, u_b, s_b, s_b + amount, exponent)
    gained_d = _response(d_b, u_b, s_b, s_b + amount, exponent)
    rev = _response(r_b, u_b, s_b, s_b + amount, exponent)
    lost = 0.0
    lost_d = np.zeros_like(d_b)
    if cut:
        for c in cut:
            m_c = amount * s_cut[c] / total_cut
            u_c = float(usual.get(c, 0.0))
            if m_c <= 0 or u_c <= 0:
                continue
            lost += float(_response(float(b.loc[c, "gp_roas"]), u_c, s_cut[c] - m_c, s_cut[c], exponent))
            lost_d = lost_d + _response(draws[c].to_numpy(dtype=float), u_c, s_cut[c] - m_c, s_cut[c], exponent)
            if "roas" in b.columns:
                rev -= float(_response(float(b.loc[c, "roas"]), u_c, s_cut[c] - m_c, s_cut[c], exponent))
        paid = 0.0
    else:
        paid = amount
    est = float(gained) - lost - paid
    if round(est) < 1:
        return None
    capped = amount < wanted
    eff = draws_effect(gained_d - lost_d - paid, revenue=float(rev) if np.isfinite(rev) else None,
                       capped_by="budget" if capped else None, estimate=est)
    cut_ret = (float((b.loc[list(cut), "gross_profit"]).sum() / b.loc[list(cut), "spend"].sum())
               if cut and "gross_profit" in b.columns else None)
    return BudgetShift(best=best, cut=cut, amount=float(amount), wanted=float(wanted), capped=capped,
                       best_spend=s_b, best_usual=u_b, best_return=a_b,
                       best_marginal_usual=exponent * a_b,
                       best_marginal_after=exponent * a_b * (u_b / (s_b + amount)) ** (1.0 - exponent),
                       cut_spend=float(total_cut), cut_return=cut_ret, cut_gross_profit_lost=float(lost),
                       best_gross_profit_gained=float(gained), exponent=float(exponent),
                       max_growth=float(max_growth), effect=eff)
