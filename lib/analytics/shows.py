"""Live shows (shows.csv, else inferred from live-channel sales), revenue per show hour by slot (raw and shrunk) and the effects of moving, lengthening and featuring (docs/metrics.md, Show slots)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.analytics.effects import Effect, shrunk_means
from lib.analytics.stats import mann_whitney_p_value, mann_whitney_vs_rest, percentile_interval
from lib.config import AGING_DAYS, LIVE_CHANNELS, MIN_SHOWS, SHOW_GAP_MINUTES
from lib.data.dataset import Dataset
from lib.data.derived import WEEKDAYS, period_lifecycle_file
from lib.data.engine import Engine, period_engine
from lib.data.periods import Period

__all__ = ["MIN_SHOW_MINUTES", "SHOW_COLUMNS", "LENGTH_BINS", "SLOT_SHOWS_A_MONTH", "RECENT_MONTHS",
           "shows_from_table", "infer_shows", "show_sessions", "show_sessions_sql", "slot_label", "prior_shows", "slot_stats",
           "hour_stats", "best_show_hour", "best_show_slot", "show_schedule", "raw_revenue_grid", "show_hour_grid",
           "revenue_by_show_length", "revenue_by_show_channel", "live_channel_lines", "show_lines", "show_lines_sql",
           "in_show_margin", "SlotMove", "slot_move", "LengthEffect", "length_effect", "MixEvidence", "MixEffect",
           "show_mix_table", "recent_mix", "stock_by_group", "period_stock", "show_mix_evidence", "show_mix_frame", "mix_effect"]

#: minimum time on air of an inferred show (a show with one sale has no span of its own)
MIN_SHOW_MINUTES = 15
#: columns of every show table this module returns
SHOW_COLUMNS = ["show_id", "channel", "start", "end", "hours", "revenue", "sales", "units", "weekday",
                "hour", "source"]
#: show-length classes in minutes for revenue by show length
LENGTH_BINS = (0, 60, 90, 120, 180, np.inf)


def _finish(shows: pd.DataFrame, source: str) -> pd.DataFrame:
    shows = shows.copy()
    shows["hours"] = (shows["end"] - shows["start"]).dt.total_seconds().astype("float64") / 3600.0
    shows["weekday"] = shows["start"].dt.day_of_week.astype("int64")
    shows["hour"] = shows["start"].dt.hour.astype("int64")
    shows["source"] = source
    for c in ("revenue",):
        shows[c] = shows[c].astype("float64")
    for c in ("sales", "units"):
        shows[c] = shows[c].astype("int64")
    return shows[SHOW_COLUMNS].sort_values(["start", "channel"], kind="mergesort").reset_index(drop=True)


def shows_from_table(shows: pd.DataFrame, lines: pd.DataFrame,
                     end_exclusive: pd.Timestamp | None = None) -> pd.DataFrame:
    """Shows of shows.csv with the completed revenue of the sales carrying their show_id (docs/metrics.md, Show hour).

    Parameters
    ----------
    shows : the contract's shows table (``show_id, channel, start_time, end_time``; docs/data-contract.md, `shows` (shows.csv)).
    lines : sale lines (lib.data.derived.sale_lines) with ``show_id, revenue, quantity, is_completed``.
    end_exclusive : keep shows starting before this instant (the period end); None keeps all.

    Returns
    -------
    DataFrame with :data:`SHOW_COLUMNS`; ``hours`` is end_time - start_time in hours, ``weekday``
    (Monday=0) and ``hour`` are those of the start (business-local), ``source`` is ``shows.csv``.
    Sales whose show_id is not in shows.csv are not counted in any show.
    """
    need = {"show_id", "channel", "start_time", "end_time"}
    if missing := need - set(shows.columns):
        raise ValueError(f"shows table lacks column(s) {sorted(missing)}")
    c = lines.loc[lines["is_completed"] & lines["show_id"].notna(), ["show_id", "revenue", "quantity"]]
    per = c.groupby("show_id", observed=True).agg(revenue=("revenue", "sum"), sales=("revenue", "size"),
                                                  units=("quantity", "sum"))
    return _with_totals(shows, per, end_exclusive)


def _with_totals(shows: pd.DataFrame, per: pd.DataFrame, end_exclusive: pd.Timestamp | None) -> pd.DataFrame:
    """The shows of shows.csv (starting before ``end_exclusive``) with ``per``: revenue, sales, units by show_id."""
    s = shows[["show_id", "channel", "start_time", "end_time"]].rename(
        columns={"start_time": "start", "end_time": "end"})
    if end_exclusive is not None:
        s = s[s["start"] < end_exclusive]
    per = per.set_axis(per.index.astype(s["show_id"].dtype), axis=0)
    s = s.merge(per, left_on="show_id", right_index=True, how="left")
    s[["revenue", "sales", "units"]] = s[["revenue", "sales", "units"]].fillna(0)
    return _finish(s, "shows.csv")


def infer_shows(lines: pd.DataFrame, gap_minutes: float = SHOW_GAP_MINUTES,
                live_channels: tuple[str, ...] = LIVE_CHANNELS,
                min_minutes: float = MIN_SHOW_MINUTES) -> pd.DataFrame:
    """Shows inferred from sales on live channels (docs/data-contract.md, Inferred shows).

    Consecutive sales on one channel less than ``gap_minutes`` apart belong to one show
    (a gap of exactly ``gap_minutes`` starts a new show). Every sales line counts as
    evidence of being on air, whatever its status; revenue, sales and units count
    completed lines only. A show is on air from its first sale to its last, and at
    least ``min_minutes`` (so a one-sale show lasts ``min_minutes``).

    Returns
    -------
    DataFrame with :data:`SHOW_COLUMNS`, ``source`` = ``inferred``, ``show_id`` =
    ``<channel>-<YYYYmmdd-HHMMSS of the first sale>``. Channel names match live
    channels case-insensitively.
    """
    if gap_minutes <= 0 or min_minutes < 0:
        raise ValueError("gap_minutes must be > 0 and min_minutes >= 0")
    for col in ("channel", "date_sold", "revenue", "quantity", "is_completed"):
        if col not in lines.columns:
            raise ValueError(f"sale lines lack column {col!r}")
    ch = lines["channel"].astype("string").str.strip().str.lower()
    live_mask = ch.isin([c.lower() for c in live_channels]).fillna(False).to_numpy(dtype=bool)
    live = pd.DataFrame({
        "channel": ch[live_mask].to_numpy(),
        "t": lines["date_sold"].to_numpy()[live_mask],
        "done": lines["is_completed"].to_numpy(dtype=bool)[live_mask],
        "revenue": lines["revenue"].to_numpy(dtype="float64")[live_mask],
        "quantity": lines["quantity"].to_numpy(dtype="int64")[live_mask],
    }).dropna(subset=["t"])
    if live.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in SHOW_COLUMNS})
        empty["start"] = pd.Series(dtype="datetime64[ns]")
        empty["end"] = pd.Series(dtype="datetime64[ns]")
        empty["show_id"] = pd.Series(dtype="string")
        empty["channel"] = pd.Series(dtype="string")
        empty["source"] = pd.Series(dtype="string")
        for c in ("weekday", "hour", "sales", "units"):
            empty[c] = pd.Series(dtype="int64")
        return empty[SHOW_COLUMNS]
    live = live.sort_values(["channel", "t"], kind="mergesort")
    t = live["t"].to_numpy()
    chan = live["channel"].to_numpy()
    new = np.ones(len(live), dtype=bool)
    new[1:] = (chan[1:] != chan[:-1]) | ((t[1:] - t[:-1]) >= np.timedelta64(int(gap_minutes * 60e9), "ns"))
    live["show_no"] = np.cumsum(new)
    live["rev_done"] = np.where(live["done"], live["revenue"], 0.0)
    live["units_done"] = np.where(live["done"], live["quantity"], 0)
    g = live.groupby("show_no", sort=True)
    s = g.agg(channel=("channel", "first"), start=("t", "min"), last=("t", "max"),
              revenue=("rev_done", "sum"), sales=("done", "sum"), units=("units_done", "sum"))
    span = s["last"] - s["start"]
    s["end"] = s["start"] + span.clip(lower=pd.Timedelta(minutes=min_minutes))
    s["show_id"] = (s["channel"].astype("string") + "-" + s["start"].dt.strftime("%Y%m%d-%H%M%S")).astype("string")
    return _finish(s.reset_index(drop=True), "inferred")


def show_sessions(tables: dict[str, pd.DataFrame], lines: pd.DataFrame,
                  end_exclusive: pd.Timestamp | None = None, gap_minutes: float = SHOW_GAP_MINUTES,
                  min_minutes: float = MIN_SHOW_MINUTES) -> pd.DataFrame:
    """The shows of a dataset: shows.csv when present, else inferred from the sale lines given (docs/metrics.md, Show hour)."""
    if "shows" in tables and len(tables["shows"]):
        return shows_from_table(tables["shows"], lines, end_exclusive)
    if end_exclusive is not None:
        lines = lines[lines["date_sold"] < end_exclusive]
    return infer_shows(lines, gap_minutes=gap_minutes, min_minutes=min_minutes)


def _live_filter(channel: str = "channel") -> str:
    """SQL: the channel is a live channel (lib.config.LIVE_CHANNELS, trimmed, case-insensitive)."""
    return f"lower(trim({channel})) IN ({', '.join(repr(c.lower()) for c in LIVE_CHANNELS)})"


def show_sessions_sql(eng: Engine, tables: dict[str, pd.DataFrame], end_exclusive: pd.Timestamp | None = None,
                      gap_minutes: float = SHOW_GAP_MINUTES, min_minutes: float = MIN_SHOW_MINUTES) -> pd.DataFrame:
    """:func:`show_sessions` from the engine's ``lines`` view (lib.analytics.reductions.LINES) instead of a frame
    of sale lines: the same shows (docs/metrics.md, Show hour). With shows.csv the completed revenue, sales and
    units per show_id are one SQL group-by; without it only the live-channel lines' time, channel, status,
    revenue and quantity are read, and the shows are inferred from them (:func:`infer_shows`)."""
    end = {} if end_exclusive is None else {"end": end_exclusive}
    cut = "AND date_sold < $end" if end_exclusive is not None else ""
    if "shows" in tables and len(tables["shows"]):
        per = eng.query(f"""
        SELECT show_id, (SUM(revenue::DECIMAL(38,10)))::DOUBLE AS revenue, COUNT(*) AS sales, SUM(quantity)::BIGINT AS units FROM lines
        WHERE is_completed AND show_id IS NOT NULL {cut} GROUP BY show_id ORDER BY show_id""", end or None)
        return _with_totals(tables["shows"], per.set_index("show_id"), end_exclusive)
    live = eng.query(f"""
    SELECT channel, date_sold, is_completed, revenue, quantity FROM lines
    WHERE {_live_filter()} AND date_sold IS NOT NULL {cut}""", end or None)
    return infer_shows(live.astype({"revenue": "float64", "quantity": "int64", "is_completed": "bool"}),
                       gap_minutes=gap_minutes, min_minutes=min_minutes)


def slot_label(weekday: int, hour: int) -> str:
    """``"<Weekday> <HH>:00"``, the value of best_show_slot (docs/metrics.md, Sales timing)."""
    if not 0 <= int(weekday) <= 6 or not 0 <= int(hour) <= 23:
        raise ValueError(f"weekday must be 0-6 and hour 0-23, got {weekday}, {hour}")
    return f"{WEEKDAYS[int(weekday)]} {int(hour):02d}:00"


def prior_shows(shows: pd.DataFrame, keys: list[str], min_shows: int = MIN_SHOWS) -> float:
    """The prior weight (in shows) of the overall mean when slot means are shrunk (docs/metrics.md, Show slots).

    Bühlmann's credibility estimate by the method of moments: the within-group variance of a show's
    revenue per hour (``s2``) over the variance of the groups' true means (``t2`` = the between-group
    spread of the group means less what ``s2`` explains), floored at ``min_shows``. ``inf`` when the
    groups differ no more than their shows do (``t2 <= 0``): every group is then the overall mean.
    """
    s = shows[shows["hours"] > 0]
    if s.empty:
        return float(min_shows)
    x = (s["revenue"] / s["hours"]).to_numpy(dtype="float64")
    g = s.groupby(keys, sort=True)
    n = g.size().to_numpy(dtype="float64")
    m = (g["revenue"].sum() / g["hours"].sum()).to_numpy(dtype="float64")
    dof = float((n - 1).sum())
    if dof < 1 or len(n) < 2:
        return float(min_shows)
    s2 = float(pd.Series(x, index=s.index).groupby([s[k] for k in keys]).var(ddof=1).fillna(0.0)
               .to_numpy(dtype="float64") @ (n - 1)) / dof
    total = n.sum()
    xbar = float((n * m).sum() / total)
    t2 = (float((n * (m - xbar) ** 2).sum()) - (len(n) - 1) * s2) / (total - float((n ** 2).sum()) / total)
    if not t2 > 0:
        return float("inf")
    return float(max(min_shows, s2 / t2))


def _shrunk(means: np.ndarray, n: np.ndarray, prior_mean, prior_n: float) -> np.ndarray:
    """shrunk_means, with an infinite prior weight giving the prior mean itself."""
    if np.isinf(prior_n):
        return np.broadcast_to(prior_mean, np.broadcast_shapes(np.shape(means), np.shape(prior_mean))).astype(float)
    return shrunk_means(means, n, prior_mean, prior_n)


def _grouped_stats(shows: pd.DataFrame, keys: list[str], min_shows: int, level: float,
                   n_boot: int, seed: int, prior_n: float | None = None) -> pd.DataFrame:
    if min_shows < 1:
        raise ValueError(f"min_shows must be at least 1, got {min_shows}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    s = shows[shows["hours"] > 0]
    g = s.groupby(keys, sort=True)
    out = g.agg(shows=("show_id", "size"), show_hours=("hours", "sum"), revenue=("revenue", "sum"))
    out["revenue_per_show_hour"] = out["revenue"] / out["show_hours"]
    rng = np.random.default_rng(seed)
    lows, highs = [], []
    rev_d = np.empty((n_boot, len(out)))
    hrs_d = np.empty((n_boot, len(out)))
    # one bootstrap per slot (at most 168 groups), vectorised over shows and resamples; the same resamples give
    # the raw interval and, all slots together, the interval of each shrunk slot against the overall mean
    for j, (_key, grp) in enumerate(g):
        rev, hrs = grp["revenue"].to_numpy(float), grp["hours"].to_numpy(float)
        if len(rev) >= 2:
            idx = rng.integers(0, len(rev), size=(n_boot, len(rev)))
            rev_d[:, j], hrs_d[:, j] = rev[idx].sum(axis=1), hrs[idx].sum(axis=1)
            lo, hi = percentile_interval(rev_d[:, j] / hrs_d[:, j], level)
        else:
            rev_d[:, j], hrs_d[:, j] = rev.sum(), hrs.sum()
            lo, hi = np.nan, np.nan
        lows.append(float(lo))
        highs.append(float(hi))
    out["low"] = lows
    out["high"] = highs
    out["enough_shows"] = out["shows"] >= min_shows
    n = out["shows"].to_numpy(dtype="float64")
    prior_mean = float(out["revenue"].sum() / out["show_hours"].sum()) if len(out) else np.nan
    k = prior_shows(s, keys, min_shows) if prior_n is None else float(prior_n)
    out["revenue_per_show_hour_shrunk"] = _shrunk(out["revenue_per_show_hour"].to_numpy(float), n, prior_mean, k)
    out["vs_mean"] = out["revenue_per_show_hour_shrunk"] - prior_mean
    if len(out):
        prior_d = (rev_d.sum(axis=1) / hrs_d.sum(axis=1))[:, None]
        diff = _shrunk(rev_d / hrs_d, n, prior_d, k) - prior_d
        vlo, vhi = percentile_interval(diff, level, axis=0)
        out["vs_mean_low"] = np.minimum(vlo, out["vs_mean"].to_numpy())
        out["vs_mean_high"] = np.maximum(vhi, out["vs_mean"].to_numpy())
    else:
        out["vs_mean_low"] = out["vs_mean_high"] = pd.Series(dtype="float64")
    out["verdict"] = np.select(
        [~out["enough_shows"], out["vs_mean_low"] > 0, out["vs_mean_high"] < 0],
        ["too few shows", "better than average", "worse than average"], "no clear difference")
    ranked = out["revenue_per_show_hour_shrunk"].where(out["enough_shows"])
    out["rank"] = ranked.rank(ascending=False, method="min").astype("Int64")
    out["shows"] = out["shows"].astype("int64")
    out.attrs.update(prior_mean=prior_mean, prior_n=k)
    return out.reset_index()


def slot_stats(shows: pd.DataFrame, min_shows: int = MIN_SHOWS, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0, prior_n: float | None = None) -> pd.DataFrame:
    """Revenue per show hour by start slot (weekday x hour), raw and shrunk (docs/metrics.md, Show slots).

    Per slot: the shows starting in it, their hours on air and completed revenue;
    ``revenue_per_show_hour`` = revenue / hours on air; ``low``/``high`` a ``level``
    percentile-bootstrap interval resampling the slot's shows (``seed`` fixed; NaN for a
    single show); ``revenue_per_show_hour_shrunk`` = the slot's value shrunk towards the
    overall revenue per show hour with the prior weight ``prior_n`` shows (None:
    :func:`prior_shows`); ``vs_mean`` = shrunk - overall, with its ``level`` interval
    ``vs_mean_low``/``vs_mean_high`` (the same resamples, all slots at once);
    ``enough_shows`` = shows >= ``min_shows``; ``verdict`` better / worse than average
    when that interval excludes 0, else no clear difference (too few shows when not
    enough); ``rank`` 1 = best shrunk value among slots with enough shows (NA otherwise:
    marked, not ranked). Shows with zero hours are left out. ``attrs``: ``prior_mean``,
    ``prior_n``.
    """
    out = _grouped_stats(shows, ["weekday", "hour"], min_shows, level, n_boot, seed, prior_n)
    out.insert(0, "slot", [slot_label(w, h) for w, h in zip(out["weekday"], out["hour"], strict=True)])
    return out


def hour_stats(shows: pd.DataFrame, min_shows: int = MIN_SHOWS, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0, prior_n: float | None = None) -> pd.DataFrame:
    """Revenue per show hour by start hour of day, all weekdays pooled, raw and shrunk as in :func:`slot_stats`
    (docs/metrics.md, Show slots)."""
    return _grouped_stats(shows, ["hour"], min_shows, level, n_boot, seed, prior_n)


def _best(stats: pd.DataFrame) -> pd.Series | None:
    ok = stats[stats["enough_shows"]]
    if ok.empty:
        return None
    return ok.sort_values(["revenue_per_show_hour_shrunk", "shows"], ascending=[False, False],
                          kind="mergesort").iloc[0]


def best_show_hour(hours: pd.DataFrame) -> int | None:
    """Hour (0-23) with the highest shrunk revenue per show hour among hours with enough shows; None if none
    (docs/metrics.md, Show slots)."""
    b = _best(hours)
    return None if b is None else int(b["hour"])


def best_show_slot(slots: pd.DataFrame) -> str | None:
    """``"<Weekday> <HH>:00"`` with the highest shrunk revenue per show hour among slots with enough shows
    (docs/metrics.md, Show slots)."""
    b = _best(slots)
    return None if b is None else slot_label(int(b["weekday"]), int(b["hour"]))


def show_schedule(slots: pd.DataFrame, min_shows: int) -> pd.DataFrame:
    """The ``show_schedule.csv`` action list (docs/metrics.md, Action lists).

    Columns ``weekday, hour, revenue_per_show_hour, low, high, shows`` then
    ``show_hours, revenue, rank, note, revenue_per_show_hour_shrunk, vs_mean_low,
    vs_mean_high, verdict`` (:func:`slot_stats`). Ranked slots first (by shrunk revenue
    per show hour, best first), then slots with fewer than ``min_shows`` shows, marked
    in ``note`` and not ranked.
    """
    s = slots.copy()
    s["ranked"] = s["enough_shows"]
    s = s.sort_values(["ranked", "revenue_per_show_hour_shrunk", "shows"], ascending=[False, False, False],
                      kind="mergesort")
    note = np.where(s["enough_shows"], "ranked",
                    "too few shows (" + s["shows"].astype(str) + f" < {min_shows}): not ranked")
    out = pd.DataFrame({
        "weekday": [WEEKDAYS[w] for w in s["weekday"]],
        "hour": s["hour"].astype("int64").to_numpy(),
        "revenue_per_show_hour": s["revenue_per_show_hour"].round(2).to_numpy(),
        "low": s["low"].round(2).to_numpy(),
        "high": s["high"].round(2).to_numpy(),
        "shows": s["shows"].to_numpy(),
        "show_hours": s["show_hours"].round(2).to_numpy(),
        "revenue": s["revenue"].round(2).to_numpy(),
        "rank": s["rank"].astype("Int64").array,
        "note": note,
        "revenue_per_show_hour_shrunk": s["revenue_per_show_hour_shrunk"].round(2).to_numpy(),
        "vs_mean_low": s["vs_mean_low"].round(2).to_numpy(),
        "vs_mean_high": s["vs_mean_high"].round(2).to_numpy(),
        "verdict": s["verdict"].to_numpy(),
    })
    return out.reset_index(drop=True)


def raw_revenue_grid(completed: pd.DataFrame) -> pd.DataFrame:
    """Completed revenue by weekday (rows Monday..Sunday) x clock hour (columns 0-23), all channels
    (docs/metrics.md, Sales timing)."""
    grid = completed.groupby(["weekday", "hour"], observed=True)["revenue"].sum().unstack("hour")
    grid = grid.reindex(index=range(7), columns=range(24)).fillna(0.0)
    grid.index = WEEKDAYS
    return grid


def show_hour_grid(slots: pd.DataFrame, only_enough: bool = True,
                   value: str = "revenue_per_show_hour") -> pd.DataFrame:
    """Revenue per show hour (``value``: raw, or ``revenue_per_show_hour_shrunk``) by weekday (rows) x start hour
    (columns 0-23); NaN where no (or too few) shows (docs/metrics.md, Show slots)."""
    s = slots[slots["enough_shows"]] if only_enough else slots
    grid = s.set_index(["weekday", "hour"])[value].unstack("hour")
    grid = grid.reindex(index=range(7), columns=range(24))
    grid.index = WEEKDAYS
    return grid


def revenue_by_show_length(shows: pd.DataFrame, bins: tuple[float, ...] = LENGTH_BINS,
                           drop_empty: bool = False) -> pd.DataFrame:
    """Shows, mean revenue per show and revenue per show hour by show length (minutes, right-closed bins).

    ``drop_empty`` leaves out the length classes without shows (docs/metrics.md, Sales timing).
    """
    minutes = shows["hours"] * 60.0
    labels = []
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        labels.append(f"over {lo:.0f} min" if np.isinf(hi) else f"{lo:.0f}-{hi:.0f} min")
    cls = pd.cut(minutes, bins=list(bins), labels=labels, right=True, include_lowest=True)
    out = _by(shows.assign(length=cls), "length")
    return out[out["shows"] > 0] if drop_empty else out


def revenue_by_show_channel(shows: pd.DataFrame) -> pd.DataFrame:
    """Shows, mean revenue per show and revenue per show hour by channel (docs/metrics.md, Sales timing)."""
    return _by(shows, "channel")


def _by(shows: pd.DataFrame, key: str) -> pd.DataFrame:
    g = shows.groupby(key, observed=False, sort=True)
    out = g.agg(shows=("show_id", "size"), show_hours=("hours", "sum"), revenue=("revenue", "sum"))
    out["revenue_per_show"] = out["revenue"] / out["shows"].where(out["shows"] > 0)
    out["revenue_per_show_hour"] = out["revenue"] / out["show_hours"].where(out["show_hours"] > 0)
    return out.reset_index()




# ---------------------------------------------------------------- live-show effects (Recommendations)

#: shows one weekly start slot holds in a month: one a week (docs/metrics.md, Recommendations' effects)
SLOT_SHOWS_A_MONTH = 4
#: calendar months behind the "a month" rates of the live-show effects
RECENT_MONTHS = 3


def _recent(frame: pd.DataFrame, col: str, period_end: pd.Timestamp, months: int = RECENT_MONTHS) -> pd.DataFrame:
    end = pd.Timestamp(period_end).normalize()
    start = (end.to_period("M") - (months - 1)).to_timestamp()
    return frame[(frame[col] >= start) & (frame[col] < end + pd.Timedelta(days=1))]


def live_channel_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Sale lines sold on a live channel (``lib.config.LIVE_CHANNELS``, case-insensitive; docs/metrics.md,
    Recommendations)."""
    return lines[lines["channel"].astype("string").str.lower().isin(LIVE_CHANNELS).fillna(False)]


def show_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Sale lines sold in a show: those with a ``show_id`` when any has one, else :func:`live_channel_lines`
    (docs/metrics.md, Recommendations)."""
    return lines[lines["show_id"].notna()] if lines["show_id"].notna().any() else live_channel_lines(lines)


#: the columns of the in-show lines the show mix and the in-show margin read (:func:`show_lines_sql`)
_MIX_COLUMNS = ("show_id", "channel", "date", "revenue", "quantity", "gross_profit", "days_to_sell", "category",
                "brand_name", "brand_id", "condition")


def show_lines_sql(eng: Engine) -> pd.DataFrame:
    """:func:`show_lines` of the completed sale lines, from the engine's ``lines`` view, with only the columns
    :func:`in_show_margin` and :func:`show_mix_evidence` read (show_id, channel, date, revenue, quantity, gross
    profit, days to sell, category, brand, condition; those the lines have, the channel only when no line has a
    show id and brand_id only when none names its brand; docs/metrics.md, Recommendations)."""
    cols = set(eng.columns("lines"))
    any_show = bool(eng.query("SELECT EXISTS (SELECT 1 FROM lines WHERE is_completed AND show_id IS NOT NULL) AS x")
                    ["x"].iloc[0])
    where = "show_id IS NOT NULL" if any_show else f"lower(channel) IN ({', '.join(repr(c) for c in LIVE_CHANNELS)})"
    if any_show:  # the channel decides nothing then, and brand_id is read only where no line names its brand
        cols.discard("channel")
        if "brand_name" in cols and bool(eng.query(
                f"SELECT EXISTS (SELECT 1 FROM lines WHERE is_completed AND {where} AND brand_name IS NOT NULL) AS x")
                ["x"].iloc[0]):
            cols.discard("brand_id")
    keep = ", ".join(c for c in _MIX_COLUMNS if c in cols)
    return eng.query(f"SELECT {keep} FROM lines WHERE is_completed AND {where}")


def in_show_margin(completed: pd.DataFrame) -> float | None:
    """Gross profit / revenue of the completed in-show sale lines (:func:`show_lines`), 0-1; None without costs
    (docs/metrics.md, Recommendations' effects)."""
    if "gross_profit" not in completed.columns:
        return None
    s = show_lines(completed)
    s = s[s["gross_profit"].notna()]
    rev = float(s["revenue"].sum())
    return float(s["gross_profit"].sum()) / rev if rev > 0 else None


def _money_effect(rev: float, lo: float, hi: float, margin: float | None, capped_by: str | None = None) -> Effect:
    """Revenue a month (with its interval) as gross profit at ``margin``; revenue itself when margin is None."""
    m = 1.0 if margin is None else margin
    return Effect(rev * m, min(lo, rev) * m, max(hi, rev) * m, revenue=rev, capped_by=capped_by)


@dataclass(frozen=True)
class SlotMove:
    """Moving shows into the best ranked start slot (:func:`slot_move`); money is revenue per show hour except
    ``effect`` (gross profit a month, revenue when ``margin`` is None)."""

    slot: str
    shows: int
    revenue_per_show_hour: float
    shrunk: float
    overall: float
    prior_n: float
    vs_low: float
    vs_high: float
    ranked_slots: int
    in_slot_month: float
    outside_month: float
    moved: int
    hours: float
    margin: float | None
    effect: Effect
    confidence: str


def slot_move(slots: pd.DataFrame, shows: pd.DataFrame, period_end: pd.Timestamp, margin: float | None,
              shows_to_move: int = SLOT_SHOWS_A_MONTH, min_shows: int = MIN_SHOWS) -> SlotMove | None:
    """Moving the shows that can move into the best ranked slot, when its verdict is "better than average"
    (docs/metrics.md, Recommendations' effects).

    ``slots`` is :func:`slot_stats` (rank and verdict on the shrunk revenue per show hour), ``shows``
    :func:`show_sessions`. Shows a month are those of the last :data:`RECENT_MONTHS` months. The
    slot holds :data:`SLOT_SHOWS_A_MONTH` shows a month, so ``moved`` = whole shows of
    min(``shows_to_move``, that less the shows already in it, the shows run elsewhere); None when
    none can move. Effect = ``vs_mean`` (shrunk slot - overall revenue per show hour) x the mean
    hours of the shows run elsewhere x moved x ``margin`` (the in-show gross margin, or revenue
    when None), its interval the same product of the slot's ``vs_mean`` interval (a bootstrap over
    the shows); capped by "shows" when fewer than ``shows_to_move`` can move. Confidence high
    with at least 2 x ``min_shows`` shows in the slot, else medium.
    """
    if shows_to_move < 1:
        raise ValueError(f"shows_to_move must be at least 1, got {shows_to_move}")
    ranked = slots[slots["enough_shows"]].sort_values(["rank", "slot"], kind="mergesort")
    if ranked.empty or shows.empty:
        return None
    best = ranked.iloc[0]
    if best["verdict"] != "better than average":
        return None
    s = shows[shows["hours"] > 0]
    recent = _recent(s, "start", period_end)
    here = (recent["weekday"] == best["weekday"]) & (recent["hour"] == best["hour"])
    in_slot, outside = float(here.sum()) / RECENT_MONTHS, float((~here).sum()) / RECENT_MONTHS
    moved = int(np.floor(min(shows_to_move, SLOT_SHOWS_A_MONTH - in_slot, outside)))
    if moved < 1:
        return None
    away = s[(s["weekday"] != best["weekday"]) | (s["hour"] != best["hour"])]
    hours = float((away if len(away) else s)["hours"].mean())
    scale = hours * moved
    effect = _money_effect(float(best["vs_mean"]) * scale, float(best["vs_mean_low"]) * scale,
                           float(best["vs_mean_high"]) * scale, margin, "shows" if moved < shows_to_move else None)
    conf = "high" if best["shows"] >= 2 * min_shows else "medium"
    return SlotMove(str(best["slot"]), int(best["shows"]), float(best["revenue_per_show_hour"]),
                    float(best["revenue_per_show_hour_shrunk"]), float(slots.attrs["prior_mean"]),
                    float(slots.attrs["prior_n"]), float(best["vs_mean_low"]), float(best["vs_mean_high"]),
                    len(ranked), in_slot, outside, moved, hours, margin, effect, conf)


@dataclass(frozen=True)
class LengthEffect:
    """Shows of the length class earning most per show hour instead of the usual one (:func:`length_effect`)."""

    best_length: str
    usual_length: str
    best_revenue_per_show_hour: float
    usual_revenue_per_show_hour: float
    best_shows: int
    usual_shows: int
    p_value: float
    hours_month: float
    margin: float | None
    effect: Effect
    confidence: str


def length_effect(shows: pd.DataFrame, by_length: pd.DataFrame, period_end: pd.Timestamp, margin: float | None,
                  min_shows: int = MIN_SHOWS, alpha: float = 0.05, level: float = 0.80, n_boot: int = 1000,
                  seed: int = 0) -> LengthEffect | None:
    """Running the usual hours on air as shows of the length class that earns most per show hour, when it beats
    the usual length (docs/metrics.md, Recommendations' effects).

    ``by_length`` is :func:`revenue_by_show_length` (classes re-derived with the same bins).
    Among classes with at least ``min_shows`` shows, the best by revenue per show hour is
    compared with the most common class by a two-sided Mann-Whitney U test on each show's
    revenue per hour; None unless they differ, the best is higher and p < ``alpha``. Effect =
    the difference in revenue per show hour x the hours on air a month of usual-length shows
    (last :data:`RECENT_MONTHS` months) x ``margin`` (revenue when None); its ``level``
    interval from a bootstrap over the shows of the two classes. Confidence high when
    p < alpha / 5, else medium.
    """
    ok = by_length[(by_length["shows"] >= min_shows) & by_length["revenue_per_show_hour"].notna()]
    if len(ok) < 2 or shows.empty:
        return None
    best = ok.sort_values(["revenue_per_show_hour", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    usual = ok.sort_values(["shows", "length"], ascending=[False, True], kind="mergesort").iloc[0]
    if best["length"] == usual["length"]:
        return None
    s = shows[shows["hours"] > 0]
    labels = list(by_length["length"].astype(str))
    cls = pd.cut(s["hours"] * 60.0, bins=list(LENGTH_BINS), labels=labels, right=True, include_lowest=True)
    rph = s["revenue"] / s["hours"]
    a, b = cls == best["length"], cls == usual["length"]
    if a.sum() < 2 or b.sum() < 2:
        return None
    p = mann_whitney_p_value(rph[a], rph[b])
    if not p < alpha:
        return None
    recent = _recent(s.assign(cls=cls), "start", period_end)
    hours_month = float(recent.loc[recent["cls"] == usual["length"], "hours"].sum()) / RECENT_MONTHS
    if not hours_month > 0:
        return None
    rng = np.random.default_rng(seed)
    draws = np.zeros(n_boot)
    for sign, m in ((1.0, a), (-1.0, b)):
        rev, hrs = s.loc[m, "revenue"].to_numpy(float), s.loc[m, "hours"].to_numpy(float)
        idx = rng.integers(0, len(rev), size=(n_boot, len(rev)))
        draws += sign * rev[idx].sum(axis=1) / hrs[idx].sum(axis=1)
    diff = float(best["revenue_per_show_hour"] - usual["revenue_per_show_hour"])
    lo, hi = percentile_interval(draws, level)
    effect = _money_effect(diff * hours_month, float(lo) * hours_month, float(hi) * hours_month, margin)
    conf = "high" if p < alpha / 5 else "medium"
    return LengthEffect(str(best["length"]), str(usual["length"]), float(best["revenue_per_show_hour"]),
                        float(usual["revenue_per_show_hour"]), int(best["shows"]), int(usual["shows"]), p,
                        hours_month, margin, effect, conf)


@dataclass(frozen=True)
class MixEvidence:
    """One dimension of the show mix: :func:`show_mix_table` and, per group, the in-show gross profit, revenue and
    units a month over the last :data:`RECENT_MONTHS` months with the ``level`` bootstrap interval of the gross
    profit (over shows, or sale days when lines carry no show), and the units on hand and aged units on hand
    (None when the stock lacks the column)."""

    table: pd.DataFrame
    recent: pd.DataFrame
    stock_counts: pd.Series | None
    aged_counts: pd.Series | None


@dataclass(frozen=True)
class MixEffect:
    """The in-show group worth featuring (:func:`mix_effect`); ``key`` is the column of the group."""

    key: str
    group: str
    sales: int
    margin_pct: float
    median_days: float
    show_margin_pct: float
    show_median_days: float
    p_days: float
    p_margin: float
    aged_units: int
    extra_units: float
    stock_units: int | None
    effect: Effect
    confidence: str


def show_mix_table(in_show: pd.DataFrame, key: str, min_group_sales: int = 30) -> pd.DataFrame:
    """Per ``key`` value among completed in-show sale lines (docs/metrics.md, Recommendations).

    Sales, revenue, gross profit, margin, median days to sell, and two-sided Mann-Whitney U
    tests against the rest of the show sales (days to sell; per-line margin).
    ``fast_and_profitable``: at least ``min_group_sales`` sales, margin at or above the show
    average and median days at or below the show median. Sorted by gross profit.
    """
    need = {key, "revenue", "gross_profit", "days_to_sell"}
    if missing := need - set(in_show.columns):
        raise ValueError(f"in-show sale lines lack column(s) {sorted(missing)}")
    c = in_show.loc[in_show[key].notna() & in_show["gross_profit"].notna() & (in_show["revenue"] > 0),
                    [key, "revenue", "gross_profit", "days_to_sell"]]
    cols = ["group", "sales", "revenue", "gross_profit", "margin_pct", "median_days", "p_days", "p_margin",
            "fast_and_profitable"]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="float64") for k in cols})
    line_margin = (c["gross_profit"] / c["revenue"]).to_numpy(dtype="float64")
    days = c["days_to_sell"].to_numpy(dtype="float64")
    # groups as sorted integer codes: comparing codes is what makes the per-group masks cheap on many lines
    codes, uniques = pd.factorize(c[key].astype("string").to_numpy(dtype=object), sort=True)
    all_margin = float(c["gross_profit"].sum() / c["revenue"].sum() * 100)
    all_days = float(np.nanmedian(days)) if np.isfinite(days).any() else np.nan
    groups = [str(g) for g in uniques]
    ids = list(range(len(groups)))
    p_days = dict(zip(groups, mann_whitney_vs_rest(days, codes, ids).values(), strict=True))
    p_margin = dict(zip(groups, mann_whitney_vs_rest(line_margin, codes, ids).values(), strict=True))
    rev_all, gp_all = c["revenue"].to_numpy(dtype="float64"), c["gross_profit"].to_numpy(dtype="float64")
    rows = []
    for i, g in enumerate(groups):  # a handful of categories, brands or conditions
        m = codes == i
        gd = days[m]
        gd = gd[np.isfinite(gd)]
        rev, gp = float(rev_all[m].sum()), float(gp_all[m].sum())
        rows.append({"group": g, "sales": int(m.sum()), "revenue": rev, "gross_profit": gp,
                     "margin_pct": gp / rev * 100 if rev > 0 else np.nan,
                     "median_days": float(np.median(gd)) if len(gd) else np.nan, "p_days": p_days[g],
                     "p_margin": p_margin[g]})
    t = pd.DataFrame(rows)
    t["fast_and_profitable"] = ((t["sales"] >= min_group_sales) & (t["margin_pct"] >= all_margin)
                                & (t["median_days"] <= all_days))
    t.attrs.update(show_margin_pct=all_margin, show_median_days=all_days, key=key)
    return t.sort_values(["gross_profit", "group"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def recent_mix(in_show: pd.DataFrame, key: str, period_end: pd.Timestamp, level: float = 0.80,
               n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per ``key`` group, in-show ``gross_profit``, ``revenue`` and ``units`` a month over the last
    :data:`RECENT_MONTHS` months, with ``gp_low``/``gp_high``: a ``level`` bootstrap interval of the gross profit
    a month resampling whole shows (``show_id``; sale days when the lines carry none; docs/metrics.md,
    Recommendations' effects)."""
    r = _recent(in_show[in_show["gross_profit"].notna() & in_show[key].notna()], "date", period_end)
    cols = ["gross_profit", "revenue", "units", "gp_low", "gp_high"]
    if r.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    cluster = r["show_id"].astype("string") if r["show_id"].notna().all() else r["date"].dt.normalize().astype(str)
    grp = r[key].astype("string")
    per = r.assign(_c=cluster.to_numpy(), _g=grp.to_numpy()).pivot_table(
        index="_c", columns="_g", values="gross_profit", aggfunc="sum", fill_value=0.0, observed=True)
    m = per.to_numpy(dtype="float64")
    idx = np.random.default_rng(seed).integers(0, len(m), size=(n_boot, len(m)))
    draws = m[idx].sum(axis=1) / RECENT_MONTHS  # (n_boot, groups): at most a few hundred clusters and groups
    lo, hi = percentile_interval(draws, level, axis=0)
    out = pd.DataFrame({"gp_low": lo, "gp_high": hi}, index=per.columns.astype("string"))
    sums = r.groupby(grp, observed=True).agg(gross_profit=("gross_profit", "sum"), revenue=("revenue", "sum"),
                                             units=("quantity", "sum")) / RECENT_MONTHS
    sums.index = sums.index.astype("string")
    return sums.join(out)[cols]


#: the stock columns the show mix groups by (lib.analytics.inventory.stock_on_hand adds the missing ones as NA)
_STOCK_KEYS = ("category", "brand_name", "condition")


def stock_by_group(eng: Engine, period_end: pd.Timestamp, view: str = "lifecycle") -> pd.DataFrame:
    """Units on hand at period_end by category, brand, condition and days listed, from a product-lifecycle view
    (lib.data.derived.product_lifecycle; docs/metrics.md, Products and inventory: Aged stock and buckets): what
    :func:`show_mix_evidence` reads of lib.analytics.inventory.stock_on_hand, summed in SQL. Columns ``category,
    brand_name, condition`` (NA when the lifecycle lacks them), ``brand_id`` when it has it, ``days_listed``
    (whole days from the clock start to period_end) and ``units_on_hand``."""
    cols = set(eng.columns(view))
    keys = [c for c in (*_STOCK_KEYS, "brand_id") if c in cols]
    sel = ", ".join(keys + ["floor(epoch($end - clock_start) / 86400)::BIGINT AS days_listed"])
    t = eng.query(f"""
    SELECT {sel}, SUM(units_on_hand)::BIGINT AS units_on_hand FROM {view} WHERE units_on_hand > 0
    GROUP BY ALL""", {"end": pd.Timestamp(period_end).normalize()})
    for c in _STOCK_KEYS:
        if c not in t.columns:
            t[c] = pd.NA
    return t.astype({"days_listed": "int64", "units_on_hand": "int64"})


def period_stock(ds: Dataset, period: Period, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """:func:`stock_by_group` of the period's product lifecycles (docs/data-contract.md, Derived concepts), read
    from their cached Parquet file through an engine of their own (closed on return); ``compute()`` gives the
    lifecycles when they are not cached yet (lib.data.engine.Engine.register_derived)."""
    period_lifecycle_file(ds, period.label, period.end)  # built by DuckDB into the cache when it is not there
    eng = period_engine(ds, period.label, {"lifecycle": compute}, derived=("lifecycle",))
    try:
        return stock_by_group(eng, period.end)
    finally:
        eng.close()


def show_mix_evidence(completed: pd.DataFrame, lifecycle: pd.DataFrame | None, period_end: pd.Timestamp,
                      aging_days: int = AGING_DAYS, min_group_sales: int = 30,
                      level: float = 0.80, stock: pd.DataFrame | None = None) -> dict[str, MixEvidence]:
    """The show mix by category, brand and condition (docs/metrics.md, Recommendations).

    In-show lines are :func:`show_lines` of the completed lines (or :func:`show_lines_sql`: the same
    lines); per dimension: :func:`show_mix_table`, :func:`recent_mix`, the units on hand and the aged
    units on hand (listed more than ``aging_days`` days) per group, from ``stock`` (:func:`stock_by_group`)
    when given, else lib.analytics.inventory.stock_on_hand of ``lifecycle``. Empty when the lines have no
    ``category`` or no in-show sale. The in-show copy of the lines and the stock are local: they go when
    this returns.
    """
    from lib.analytics import inventory, products

    in_show = show_lines(completed)
    if "category" not in completed.columns or not len(in_show):
        return {}
    if stock is None:
        if lifecycle is None:
            raise ValueError("the show mix needs the product lifecycle or the stock by group")
        stock = inventory.stock_on_hand(lifecycle, period_end)
    aged_stock = stock[stock["days_listed"] > aging_days]
    out: dict[str, MixEvidence] = {}
    for key, label in (("category", "category"), (products.brand_column(in_show), "brand"),
                       ("condition", "condition")):
        counts = []
        for st in (stock, aged_stock):
            n = st.groupby(key, observed=True)["units_on_hand"].sum() if key in st else None
            if n is not None:
                n.index = n.index.astype("string")
            counts.append(n)
        out[label] = MixEvidence(show_mix_table(in_show, key, min_group_sales),
                                 recent_mix(in_show, key, period_end, level), *counts)
    return out


def show_mix_frame(mixes: dict[str, MixEvidence]) -> pd.DataFrame:
    """``show_mix.csv``: the non-empty mix tables of :func:`show_mix_evidence` stacked, with their
    ``dimension`` (docs/metrics.md, Recommendations); empty when none has a row."""
    rows = [m.table.assign(dimension=label) for label, m in mixes.items() if len(m.table)]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def mix_effect(ev: MixEvidence, feature_uplift_pct: float = 20.0, alpha: float = 0.05) -> MixEffect | None:
    """Featuring the in-show group (one dimension of :func:`show_mix_evidence`) that sells fastest at the best
    margin (docs/metrics.md, Recommendations' effects).

    The best ``fast_and_profitable`` group (by effect) whose days-to-sell and margin tests
    against the other show sales both have p < ``alpha``; None when there is none. Effect
    (gross profit a month) = ``feature_uplift_pct`` % (assumption) x the group's in-show
    gross profit a month (:func:`recent_mix`), its interval the same share of that gross
    profit's bootstrap interval; capped by "stock" when the extra units a month exceed the
    group's units on hand (then scaled down to them). Confidence high when both tests have
    p < alpha / 5, else medium.
    """
    mix = ev.table
    if mix.empty or not mix["fast_and_profitable"].any() or ev.recent.empty:
        return None
    cand = mix[mix["fast_and_profitable"] & (mix["p_days"] < alpha) & (mix["p_margin"] < alpha)]
    cand = cand[cand["group"].isin(ev.recent.index)]
    if cand.empty:
        return None
    rec = ev.recent.loc[cand["group"]]
    share = feature_uplift_pct / 100
    cand = cand.assign(ev=rec["gross_profit"].to_numpy() * share).sort_values(
        ["ev", "group"], ascending=[False, True], kind="mergesort")
    r = cand.iloc[0]
    if not r["ev"] > 0:
        return None
    g = str(r["group"])
    extra = float(ev.recent.loc[g, "units"]) * share
    stock = None if ev.stock_counts is None else int(ev.stock_counts.get(g, 0))
    f = min(1.0, stock / extra) if stock is not None and extra > 0 else 1.0
    gp, lo, hi = (float(ev.recent.loc[g, c]) * share * f for c in ("gross_profit", "gp_low", "gp_high"))
    effect = Effect(gp, min(lo, gp), max(hi, gp), revenue=float(ev.recent.loc[g, "revenue"]) * share * f,
                    capped_by="stock" if f < 1 else None)
    conf = "high" if r["p_days"] < alpha / 5 and r["p_margin"] < alpha / 5 else "medium"
    aged = int(ev.aged_counts.get(g, 0)) if ev.aged_counts is not None else 0
    return MixEffect(str(mix.attrs.get("key", "group")), g, int(r["sales"]), float(r["margin_pct"]),
                     float(r["median_days"]), float(mix.attrs["show_margin_pct"]),
                     float(mix.attrs["show_median_days"]), float(r["p_days"]), float(r["p_margin"]), aged,
                     extra * f, stock, effect, conf)
