"""Live shows (shows.csv, else inferred from live-channel sales), hours on air and revenue per show hour by slot."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .config import LIVE_CHANNELS, SHOW_GAP_MINUTES
from .derived import WEEKDAYS

__all__ = [
    "MIN_SHOW_MINUTES", "SHOW_COLUMNS", "LENGTH_BINS", "shows_from_table", "infer_shows", "show_sessions",
    "slot_label", "slot_stats", "hour_stats", "best_show_hour", "best_show_slot", "show_schedule",
    "raw_revenue_grid", "show_hour_grid", "revenue_by_show_length", "revenue_by_show_channel",
    "power_hour_sentence", "show_source_sentence", "schedule_sentence", "schedule_actions",
]

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
    """Shows of shows.csv with the completed revenue of the sales carrying their show_id (metrics.md, show hour).

    Parameters
    ----------
    shows : the contract's shows table (``show_id, channel, start_time, end_time``).
    lines : sale lines (lib.derived.sale_lines) with ``show_id, revenue, quantity, is_completed``.
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
    """Shows inferred from sales on live channels (data-contract.md, shows.csv).

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
    """The shows of a dataset: shows.csv when present, else inferred from the sale lines given."""
    if "shows" in tables and len(tables["shows"]):
        return shows_from_table(tables["shows"], lines, end_exclusive)
    if end_exclusive is not None:
        lines = lines[lines["date_sold"] < end_exclusive]
    return infer_shows(lines, gap_minutes=gap_minutes, min_minutes=min_minutes)


def slot_label(weekday: int, hour: int) -> str:
    """``"<Weekday> <HH>:00"`` (metrics.md, best_show_slot)."""
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
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(ratio, [a, 1.0 - a])
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


def slot_stats(shows: pd.DataFrame, min_shows: int = 5, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0) -> pd.DataFrame:
    """Revenue per show hour by start slot (weekday x hour) (metrics.md, show hour; best_show_slot).

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


def hour_stats(shows: pd.DataFrame, min_shows: int = 5, level: float = 0.80, n_boot: int = 1000,
               seed: int = 0) -> pd.DataFrame:
    """Revenue per show hour by start hour of day, all weekdays pooled (metrics.md, best_show_hour)."""
    return _grouped_stats(shows, ["hour"], min_shows, level, n_boot, seed)


def _best(stats: pd.DataFrame) -> pd.Series | None:
    ok = stats[stats["enough_shows"]]
    if ok.empty:
        return None
    return ok.sort_values(["revenue_per_show_hour", "shows"], ascending=[False, False], kind="mergesort").iloc[0]


def best_show_hour(hours: pd.DataFrame) -> int | None:
    """Hour (0-23) with the highest revenue per show hour among hours with enough shows; None if none."""
    b = _best(hours)
    return None if b is None else int(b["hour"])


def best_show_slot(slots: pd.DataFrame) -> str | None:
    """``"<Weekday> <HH>:00"`` with the highest revenue per show hour among slots with enough shows."""
    b = _best(slots)
    return None if b is None else slot_label(int(b["weekday"]), int(b["hour"]))


def show_schedule(slots: pd.DataFrame, min_shows: int) -> pd.DataFrame:
    """The ``show_schedule.csv`` action list (metrics.md, action lists).

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
    """Completed revenue by weekday (rows Monday..Sunday) x clock hour (columns 0-23), all channels."""
    grid = completed.groupby(["weekday", "hour"], observed=True)["revenue"].sum().unstack("hour")
    grid = grid.reindex(index=range(7), columns=range(24)).fillna(0.0)
    grid.index = WEEKDAYS
    return grid


def show_hour_grid(slots: pd.DataFrame, only_enough: bool = True) -> pd.DataFrame:
    """Revenue per show hour by weekday (rows) x start hour (columns 0-23); NaN where no (or too few) shows."""
    s = slots[slots["enough_shows"]] if only_enough else slots
    grid = s.set_index(["weekday", "hour"])["revenue_per_show_hour"].unstack("hour")
    grid = grid.reindex(index=range(7), columns=range(24))
    grid.index = WEEKDAYS
    return grid


def revenue_by_show_length(shows: pd.DataFrame, bins: tuple[float, ...] = LENGTH_BINS) -> pd.DataFrame:
    """Shows, mean revenue per show and revenue per show hour by show length (minutes, right-closed bins)."""
    minutes = shows["hours"] * 60.0
    labels = []
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        labels.append(f"over {lo:.0f} min" if np.isinf(hi) else f"{lo:.0f}-{hi:.0f} min")
    cls = pd.cut(minutes, bins=list(bins), labels=labels, right=True, include_lowest=True)
    return _by(shows.assign(length=cls), "length")


def revenue_by_show_channel(shows: pd.DataFrame) -> pd.DataFrame:
    """Shows, mean revenue per show and revenue per show hour by channel."""
    return _by(shows, "channel")


def _by(shows: pd.DataFrame, key: str) -> pd.DataFrame:
    g = shows.groupby(key, observed=False, sort=True)
    out = g.agg(shows=("show_id", "size"), show_hours=("hours", "sum"), revenue=("revenue", "sum"))
    out["revenue_per_show"] = out["revenue"] / out["shows"].where(out["shows"] > 0)
    out["revenue_per_show_hour"] = out["revenue"] / out["show_hours"].where(out["show_hours"] > 0)
    return out.reset_index()


def power_hour_sentence(raw: pd.DataFrame, hours: pd.DataFrame, money: Callable[[float], str]) -> str:
    """Explain raw revenue by clock hour against revenue per show hour (computed, no canned numbers).

    ``raw`` is :func:`raw_revenue_grid`, ``hours`` is :func:`hour_stats`, ``money`` a formatter.
    """
    by_hour = raw.sum(axis=0)
    if by_hour.sum() <= 0 or hours.empty:
        return "There are not enough live shows to compare clock hours with hours on air."
    raw_peak = int(by_hour.idxmax())
    best = best_show_hour(hours)
    n_all = int(hours["shows"].sum())
    at_raw = hours.loc[hours["hour"] == raw_peak]
    n_raw = int(at_raw["shows"].iloc[0]) if len(at_raw) else 0
    if best is None:
        return (f"Raw revenue peaks at {raw_peak:02d}:00, but no start hour has enough shows "
                "to rank revenue per show hour.")
    b = hours.loc[hours["hour"] == best].iloc[0]
    if best == raw_peak:
        return (f"Raw revenue and revenue per show hour both peak at {raw_peak:02d}:00 "
                f"({money(b['revenue_per_show_hour'])} per show hour from {int(b['shows'])} shows).")
    rph_raw = at_raw["revenue_per_show_hour"].iloc[0] if len(at_raw) else np.nan
    raw_part = (f"{money(rph_raw)} per show hour at {raw_peak:02d}:00" if len(at_raw)
                else f"no shows starting at {raw_peak:02d}:00")
    return (f"Raw revenue peaks at {raw_peak:02d}:00 because that is when most selling happens "
            f"({n_raw} of {n_all} shows started then); per hour on air, shows starting at "
            f"{best:02d}:00 earn most: {money(b['revenue_per_show_hour'])} per show hour from "
            f"{int(b['shows'])} shows, against {raw_part}.")


def show_source_sentence(shows: pd.DataFrame, gap_minutes: float = SHOW_GAP_MINUTES,
                         min_minutes: float = MIN_SHOW_MINUTES,
                         money: Callable[[float], str] = lambda x: f"{x:,.0f}") -> str:
    """Where the shows come from, how many and how many hours on air."""
    if shows.empty:
        return "No live shows were found (no shows.csv and no sales on live channels)."
    n, hrs = len(shows), shows["hours"].sum()
    if (shows["source"] == "inferred").all():
        src = (f"inferred from live-channel sales (sales less than {gap_minutes:g} minutes apart on one "
               f"channel form one show, on air at least {min_minutes:g} minutes)")
    else:
        src = "from shows.csv"
    text = (f"{n:,} live shows {src}, {hrs:,.0f} hours on air in all, "
            f"{money(shows['revenue'].sum() / hrs)} of revenue per show hour on average.")
    if (shows["source"] == "inferred").all():
        text += (" Inferred shows last only from their first to their last sale, so short shows with few "
                 "sales can look better per hour than they were; a shows.csv export gives exact hours.")
    return text


def schedule_sentence(slots: pd.DataFrame, money: Callable[[float], str], level: float = 0.80) -> str:
    """The best ranked slot with its interval and the busiest slot for comparison."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return "No slot has enough past shows to be ranked yet."
    b = ranked.iloc[0]
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    text = (f"The best slot is {b['slot']}: {money(b['revenue_per_show_hour'])} per show hour "
            f"({level * 100:.0f}% interval {money(b['low'])} to {money(b['high'])}, {int(b['shows'])} shows)")
    if busiest["slot"] != b["slot"]:
        text += (f"; the busiest slot, {busiest['slot']} ({int(busiest['shows'])} shows), earns "
                 f"{money(busiest['revenue_per_show_hour'])} per show hour")
    n_few = int((~slots["enough_shows"]).sum())
    if n_few:
        text += f". {n_few} slot(s) have too few shows to rank"
    return text + "."


def schedule_actions(slots: pd.DataFrame, money: Callable[[float], str], top: int = 3,
                     level: float = 0.80) -> tuple[str, list[str]]:
    """What the slot ranking means and which slots to add, move or test."""
    ranked = slots[slots["enough_shows"]].sort_values("rank")
    if ranked.empty:
        return ("The show history is too short to compare slots.",
                ["Keep running shows at varied times so the slots can be compared."])
    median = float(ranked["revenue_per_show_hour"].median())
    sure = ranked[ranked["low"] > median].head(top)
    busiest = slots.sort_values(["shows", "revenue_per_show_hour"], ascending=False).iloc[0]
    actions = []
    if len(sure):
        actions.append("Schedule more shows in " + ", ".join(sure["slot"]) +
                       f": their {level * 100:.0f}% intervals sit above the median slot "
                       f"({money(median)} per show hour).")
    else:
        actions.append(f"No slot is clearly above the median slot ({money(median)} per show hour); "
                       f"keep the current times and test {ranked.iloc[0]['slot']} more often.")
    best = ranked.iloc[0]
    if busiest["slot"] != best["slot"] and busiest["revenue_per_show_hour"] < best["revenue_per_show_hour"]:
        actions.append(f"Try moving some of the {int(busiest['shows'])} {busiest['slot']} shows to "
                       f"{best['slot']} and compare after a month.")
    few = slots[~slots["enough_shows"]]
    if len(few):
        promising = few.sort_values("revenue_per_show_hour", ascending=False).head(2)
        actions.append("Test " + ", ".join(promising["slot"]) +
                       ": few shows so far, so their numbers are not reliable yet.")
    meaning = ("Show hours are worth different amounts depending on when the show starts; "
               "plan the calendar on revenue per show hour, not on raw revenue by clock hour.")
    return meaning, actions
