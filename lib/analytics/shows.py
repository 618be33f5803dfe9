"""Live shows (shows.csv, else inferred from live-channel sales), hours on air and revenue per show hour by slot (docs/metrics.md, Sales timing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics.stats import percentile_interval
from lib.config import LIVE_CHANNELS, MIN_SHOWS, SHOW_GAP_MINUTES
from lib.data.derived import WEEKDAYS

__all__ = ["MIN_SHOW_MINUTES", "SHOW_COLUMNS", "LENGTH_BINS", "shows_from_table", "infer_shows", "show_sessions",
           "slot_label", "slot_stats", "hour_stats", "best_show_hour", "best_show_slot", "show_schedule",
           "raw_revenue_grid", "show_hour_grid", "revenue_by_show_length", "revenue_by_show_channel"]

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
    s = shows[["show_id", "channel", "start_time", "end_time"]].rename(
        columns={"start_time": "start", "end_time": "end"})
    if end_exclusive is not None:
        s = s[s["start"] < end_exclusive]
    c = lines.loc[lines["is_completed"] & lines["show_id"].notna(), ["show_id", "revenue", "quantity"]]
    per = c.groupby("show_id", observed=True).agg(revenue=("revenue", "sum"), sales=("revenue", "size"),
                                                  units=("quantity", "sum"))
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


def slot_label(weekday: int, hour: int) -> str:
    """``"<Weekday> <HH>:00"``, the value of best_show_slot (docs/metrics.md, Sales timing)."""
    if not 0 <= int(weekday) <= 6 or not 0 <= int(hour) <= 23:
        raise ValueError(f"weekday must be 0-6 and hour 0-23, got {weekday}, {hour}")
    return f"{WEEKDAYS[int(weekday)]} {int(hour):02d}:00"


def _ratio_interval(rev: np.ndarray, hrs: np.ndarray, level: float, n_boot: int,
                    rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap over shows of sum(revenue) / sum(hours)."""
    n = len(rev)
    if n < 2:
        return (np.nan, np.nan)
    idx = rng.integers(0, n, size=(n_boot, n))
    ratio = rev[idx].sum(axis=1) / hrs[idx].sum(axis=1)
    lo, hi = percentile_interval(ratio, level)
    return (float(lo), float(hi))


def _grouped_stats(shows: pd.DataFrame, keys: list[str], min_shows: int, level: float,
                   n_boot: int, seed: int) -> pd.DataFrame:
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
    # one bootstrap per slot (at most 168 groups), vectorised over shows and resamples
    for _key, grp in g:
        lo, hi = _ratio_interval(grp["revenue"].to_numpy(float), grp["hours"].to_numpy(float),
                                 level, n_boot, rng)
        lows.append(lo)
        highs.append(hi)
    out["low"] = lows
    out["high"] = highs
    out["enough_shows"] = out["shows"] >= min_shows
    ranked = out["revenue_per_show_hour"].where(out["enough_shows"])
    out["rank"] = ranked.rank(ascending=False, method="min").astype("Int64")
    out["shows"] = out["shows"].astype("int64")
    return out.reset_index()


def slot_stats(shows: pd.DataFrame, min_shows: int = MIN_SHOWS, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0) -> pd.DataFrame:
    """Revenue per show hour by start slot (weekday x hour) (docs/metrics.md, Sales timing).

    Per slot: the shows starting in it, their hours on air and completed revenue;
    ``revenue_per_show_hour`` = revenue / hours on air; ``low``/``high`` a ``level``
    percentile-bootstrap interval resampling the slot's shows (``seed`` fixed; NaN for a
    single show); ``enough_shows`` = shows >= ``min_shows``; ``rank`` 1 = best among
    slots with enough shows (NA otherwise: marked, not ranked). Shows with zero hours
    are left out.
    """
    out = _grouped_stats(shows, ["weekday", "hour"], min_shows, level, n_boot, seed)
    out.insert(0, "slot", [slot_label(w, h) for w, h in zip(out["weekday"], out["hour"], strict=True)])
    return out


def hour_stats(shows: pd.DataFrame, min_shows: int = MIN_SHOWS, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0) -> pd.DataFrame:
    """Revenue per show hour by start hour of day, all weekdays pooled (docs/metrics.md, Sales timing)."""
    return _grouped_stats(shows, ["hour"], min_shows, level, n_boot, seed)


def _best(stats: pd.DataFrame) -> pd.Series | None:
    ok = stats[stats["enough_shows"]]
    if ok.empty:
        return None
    return ok.sort_values(["revenue_per_show_hour", "shows"], ascending=[False, False], kind="mergesort").iloc[0]


def best_show_hour(hours: pd.DataFrame) -> int | None:
    """Hour (0-23) with the highest revenue per show hour among hours with enough shows; None if none
    (docs/metrics.md, Sales timing)."""
    b = _best(hours)
    return None if b is None else int(b["hour"])


def best_show_slot(slots: pd.DataFrame) -> str | None:
    """``"<Weekday> <HH>:00"`` with the highest revenue per show hour among slots with enough shows
    (docs/metrics.md, Sales timing)."""
    b = _best(slots)
    return None if b is None else slot_label(int(b["weekday"]), int(b["hour"]))


def show_schedule(slots: pd.DataFrame, min_shows: int) -> pd.DataFrame:
    """The ``show_schedule.csv`` action list (docs/metrics.md, Action lists).

    Columns ``weekday, hour, revenue_per_show_hour, low, high, shows`` then
    ``show_hours, revenue, rank, note``. Ranked slots first (by revenue per show hour,
    best first), then slots with fewer than ``min_shows`` shows, marked in ``note``
    and not ranked.
    """
    s = slots.copy()
    s["ranked"] = s["enough_shows"]
    s = s.sort_values(["ranked", "revenue_per_show_hour", "shows"], ascending=[False, False, False],
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
    })
    return out.reset_index(drop=True)


def raw_revenue_grid(completed: pd.DataFrame) -> pd.DataFrame:
    """Completed revenue by weekday (rows Monday..Sunday) x clock hour (columns 0-23), all channels
    (docs/metrics.md, Sales timing)."""
    grid = completed.groupby(["weekday", "hour"], observed=True)["revenue"].sum().unstack("hour")
    grid = grid.reindex(index=range(7), columns=range(24)).fillna(0.0)
    grid.index = WEEKDAYS
    return grid


def show_hour_grid(slots: pd.DataFrame, only_enough: bool = True) -> pd.DataFrame:
    """Revenue per show hour by weekday (rows) x start hour (columns 0-23); NaN where no (or too few) shows
    (docs/metrics.md, Sales timing)."""
    s = slots[slots["enough_shows"]] if only_enough else slots
    grid = s.set_index(["weekday", "hour"])["revenue_per_show_hour"].unstack("hour")
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


