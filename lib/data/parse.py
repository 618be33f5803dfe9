"""Parse text columns into money, whole numbers, dates and timestamps (docs/data-contract.md, General rules).

Each parser takes the column's text (arrow, trimmed, blanks filled with ``""``) and its blank
mask, and reports what it repaired or could not read to a :class:`Findings` (the validator's
checker): money in docs/data-contract.md, Money; whole numbers in Quantities; dates and
timestamps in Dates, timestamps and the time zone.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

from lib.config import DATE_RANGE
from lib.data.contract import Column

__all__ = ["Findings", "arrow_strings", "mask_array", "sample_text", "parse_money", "parse_integer",
           "parse_date", "parse_timestamp", "check_date_range"]


class Findings(Protocol):
    """Where a parser reports bad cells and repairs (implemented by the validator's checker)."""

    def add(self, mask: np.ndarray, column: str | None, rule: str, detail: str = "",
            values: pa.Array | None = None) -> None:
        """One problem per file for the rows in ``mask``; with ``values``, each file's detail starts with
        that file's own first bad value (``e.g. '-80.00'``)."""

    def count(self, action: str, reason: str, rows: int) -> None:
        """Add ``rows`` to the data-quality row (action, reason)."""


def arrow_strings(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    """Arrow strings of a raw column (readers other than CSV may hand over non-text values)."""
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("str")
    arr = pa.array(series.array)
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def mask_array(mask) -> np.ndarray:
    """Boolean numpy array from an arrow boolean array (nulls = False)."""
    return np.asarray(pac.fill_null(mask, pa.scalar(False)), dtype=bool)


def sample_text(values: pa.Array, mask: np.ndarray) -> str:
    """``e.g. 'value'`` for the first row in ``mask`` (empty when there is none), for messages."""
    i = np.flatnonzero(mask)
    if not len(i):
        return ""
    v = values[int(i[0])].as_py()
    return f"e.g. {v!r}"


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_ZERO = pa.scalar("0", pa.string())
_EPOCH = pa.scalar("2000-01-01", pa.string())


def _fast_cast(s: pa.Array, blank: np.ndarray, filler: pa.Scalar, typ: pa.DataType) -> np.ndarray | None:
    """Cast the whole column at once (blanks filled) when every value parses; None otherwise."""
    if not blank.any():
        try:
            return pac.cast(s, typ).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    try:
        out = pac.cast(pac.if_else(pa.array(blank), filler, s), typ).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = out.copy() if not out.flags.writeable else out
    out[blank] = np.datetime64("NaT") if typ == pa.timestamp("ns") else (np.nan if typ == pa.float64() else 0)
    return out


_CURRENCY = r"(US\$|CA\$|AU\$|[A-Z]{3}|[$€£¥])"


def parse_money(chk: Findings, col: Column, s: pa.Array, blank: np.ndarray) -> np.ndarray:
    """Money as float64 (NaN where blank or unreadable); docs/data-contract.md, Money.

    A currency symbol or code (``$``, ``US$``, ``EUR``...), thousands separators ``1,234.50`` and
    accounting negatives ``(5.00)`` are repaired and counted; anything else is "not a number".
    """
    fast = _fast_cast(s, blank, _ZERO, pa.float64())
    if fast is not None and (np.isfinite(fast) | blank).all():
        return fast
    plain = mask_array(pac.match_substring_regex(s, _PLAIN_NUMBER))
    todo = ~plain & ~blank
    values = s
    if todo.any():
        t = pac.replace_substring_regex(s, r"^([+-]?)\s*" + _CURRENCY + r"\s*", r"\1")
        t = pac.replace_substring_regex(t, r"\s*" + _CURRENCY + r"$", "")
        t = pac.replace_substring_regex(t, r"^\((.*)\)$", r"-\1")
        grouped = mask_array(pac.match_substring_regex(t, r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"))
        t = pac.if_else(pa.array(grouped), pac.replace_substring(t, ",", ""), t)
        fixed = mask_array(pac.match_substring_regex(t, _PLAIN_NUMBER)) & todo
        bad = todo & ~fixed
        chk.add(bad, col.name, "not a number", values=s)
        chk.count("repaired", f"{col.name}: currency symbol or thousands separator removed", fixed.sum())
        values = pac.if_else(pa.array(fixed), t, s)
        plain = plain | fixed
    out = np.full(len(s), np.nan)
    if plain.any():
        out[plain] = pac.cast(pac.filter(values, pa.array(plain)), pa.float64()).to_numpy(zero_copy_only=False)
    return out


def parse_integer(chk: Findings, col: Column, s: pa.Array, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers as int64 (0 where not readable) and the mask of readable ones; docs/data-contract.md, Quantities."""
    fast = _fast_cast(s, blank, _ZERO, pa.int64())
    if fast is not None:
        return fast.astype(np.int64, copy=False), ~blank
    ok = mask_array(pac.match_substring_regex(s, r"^[+-]?\d{1,18}$"))
    bad = ~ok & ~blank
    chk.add(bad, col.name, "not a whole number", values=s)
    out = np.zeros(len(s), dtype=np.int64)
    if ok.any():
        digits = pac.replace_substring_regex(pac.filter(s, pa.array(ok)), r"^\+", "")
        out[ok] = pac.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    return out, ok


def check_date_range(chk: Findings, col: Column, s: pa.Array, blank: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Report dates and timestamps written outside ``DATE_RANGE`` and blank them (docs/data-contract.md, Limits).

    The check reads the written ``YYYY-MM-DD`` before any conversion, so a year like 2999 is
    an error and never reaches the nanosecond cast (which would wrap it to 1830). Returns the
    values and blank mask with the refused cells blanked, so no other rule reports them.
    Fast path: when the smallest and largest text lie inside the range, every value does
    (ISO text orders like its date).
    """
    lo, hi = DATE_RANGE
    filled = pac.filter(s, pa.array(~blank)) if blank.any() else s
    if len(filled) == 0:
        return s, blank
    mm = pac.min_max(filled)
    if mm["min"].as_py() >= lo and mm["max"].as_py()[:10] <= hi:
        return s, blank
    day = pac.utf8_slice_codeunits(s, 0, 10)
    shaped = mask_array(pac.match_substring_regex(day, r"^\d{4}-\d{2}-\d{2}$"))
    outside = shaped & ~blank & mask_array(pac.or_(pac.less(day, pa.scalar(lo)), pac.greater(day, pa.scalar(hi))))
    if not outside.any():
        return s, blank
    chk.add(outside, col.name, f"must be a date between {lo} and {hi}", values=s)
    return pac.if_else(pa.array(outside), pa.scalar("", pa.string()), s), blank | outside


_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATE_WITH_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"


def parse_date(chk: Findings, col: Column, s: pa.Array, blank: np.ndarray) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD``) as datetime64[ns] at midnight, NaT where blank or unreadable.

    A time of day after the date is dropped and counted as a repair (docs/data-contract.md,
    Dates, timestamps and the time zone); a date outside ``DATE_RANGE`` is an error.
    """
    s, blank = check_date_range(chk, col, s, blank)
    if (mask_array(pac.equal(pac.binary_length(s), pa.scalar(10, pa.int32()))) | blank).all():
        fast = _fast_cast(s, blank, _EPOCH, pa.timestamp("ns"))
        if fast is not None:
            return fast
    iso = mask_array(pac.match_substring_regex(s, _DATE))
    with_time = mask_array(pac.match_substring_regex(s, _DATE_WITH_TIME)) & ~iso
    if with_time.any():
        s = pac.if_else(pa.array(with_time), pac.utf8_slice_codeunits(s, 0, 10), s)
        chk.count("repaired", f"{col.name}: time of day dropped from a date", with_time.sum())
    ok = iso | with_time
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    if ok.any():
        out[ok] = _cast_ts(pac.filter(s, pa.array(ok)), None)  # NaT for 2026-02-30
    bad = (~ok & ~blank) | (ok & np.isnat(out))
    chk.add(bad, col.name, "not an ISO date (YYYY-MM-DD)", values=s)
    return out


_TS_NAIVE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_TS_ZONED_SHAPE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|UTC|GMT|[+-].*)$"
_OFFSET_OK = r"(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$"


def _cast_ts(s: pa.Array, tz: str | None) -> np.ndarray:
    """Cast ISO strings to datetime64[ns] (UTC when tz), NaT for impossible values."""
    typ = pa.timestamp("ns", tz) if tz else pa.timestamp("ns")
    try:
        return pac.cast(s, typ).cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        vals = pd.to_datetime(pd.Series(s.to_pylist(), dtype="object"), format="ISO8601", errors="coerce",
                              utc=bool(tz))
        if tz:
            vals = vals.dt.tz_localize(None)
        return vals.to_numpy(dtype="datetime64[ns]")


def _classify_timestamps(s: pa.Array, tz_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Regex path for timestamps that did not all cast: values, naive, zoned and bad-offset masks."""
    naive = mask_array(pac.match_substring_regex(s, _TS_NAIVE))
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    if naive.any():
        out[naive] = _cast_ts(pac.filter(s, pa.array(naive)), None)
    shaped = mask_array(pac.match_substring_regex(s, _TS_ZONED_SHAPE)) & ~naive
    zoned = np.zeros(len(s), dtype=bool)
    bad_offset = np.zeros(len(s), dtype=bool)
    if shaped.any():
        t = pac.replace_substring_regex(s, r"\s*(UTC|GMT)$", "Z")
        t = pac.replace_substring_regex(t, r"\s+([+\-]\d|Z$)", r"\1")
        zoned = mask_array(pac.match_substring_regex(t, _OFFSET_OK)) & shaped
        bad_offset = shaped & ~zoned
        if zoned.any():
            utc = _cast_ts(pac.filter(t, pa.array(zoned)), "UTC")
            local = pd.Series(utc).dt.tz_localize("UTC").dt.tz_convert(tz_name).dt.tz_localize(None)
            out[zoned] = local.to_numpy(dtype="datetime64[ns]")
    return out, naive, zoned, bad_offset


def parse_timestamp(chk: Findings, col: Column, s: pa.Array, blank: np.ndarray, tz_name: str) -> np.ndarray:
    """Timestamps as naive datetime64[ns] in business-local time (docs/data-contract.md, Dates, timestamps and the time zone).

    Naive ISO timestamps are business-local; ones with an offset are converted to tz_name, then naive.
    A date outside ``DATE_RANGE`` is an error (docs/data-contract.md, Limits).

    Fast path: the whole column casts as naive ISO. Otherwise the values that cannot carry an
    offset (no ``+``/``-`` after the date, no Z/UTC/GMT suffix) are cast at once and only the
    others go through the regular expressions.
    """
    s, blank = check_date_range(chk, col, s, blank)
    date_only = mask_array(pac.less_equal(pac.binary_length(s), pa.scalar(10, pa.int32()))) & ~blank
    chk.count("repaired", f"{col.name}: date without time of day, midnight assumed", date_only.sum())
    fast = _fast_cast(s, blank, _EPOCH, pa.timestamp("ns"))  # every value naive ISO: no regex needed
    if fast is not None:
        return fast
    n = len(s)
    tail = pac.utf8_slice_codeunits(s, 10)
    maybe_zoned = np.zeros(n, dtype=bool)
    for m in (pac.match_substring(tail, "+"), pac.match_substring(tail, "-"), pac.ends_with(s, "Z"),
              pac.ends_with(s, "UTC"), pac.ends_with(s, "GMT")):
        maybe_zoned |= mask_array(m)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    naive = np.zeros(n, dtype=bool)
    plain = ~maybe_zoned & ~blank
    quick = _fast_cast(pac.filter(s, pa.array(plain)), np.zeros(int(plain.sum()), dtype=bool), _EPOCH,
                       pa.timestamp("ns")) if plain.any() else None
    if quick is not None:
        out[plain], naive = quick, plain
        rest = maybe_zoned & ~blank
    else:
        rest = ~blank
    zoned = np.zeros(n, dtype=bool)
    bad_offset = np.zeros(n, dtype=bool)
    if rest.any():
        idx = np.flatnonzero(rest)
        vals, nv, zn, bo = _classify_timestamps(pac.filter(s, pa.array(rest)), tz_name)
        out[idx] = vals
        naive[idx[nv]] = True
        zoned[idx[zn]] = True
        bad_offset[idx[bo]] = True
    chk.add(bad_offset, col.name, "malformed timezone offset",
            "write offsets as +HH:MM or -HH:MM (at most 14 hours), "
            "e.g. 2026-10-03 20:15:00-04:00, or leave them out for local time", values=s)
    invalid = (~blank & ~naive & ~zoned & ~bad_offset) | ((naive | zoned) & np.isnat(out))
    chk.add(invalid, col.name, "not an ISO 8601 timestamp",
            "expected e.g. 2026-10-03 20:15:00 or 2026-10-03T20:15:00-04:00", values=s)
    if zoned.any():
        chk.count("read", f"{col.name}: timestamps with an offset converted to {tz_name}", zoned.sum())
        if naive.any():
            chk.count("read", f"{col.name}: timestamps without an offset taken as {tz_name} local time",
                      naive.sum())
    return out
