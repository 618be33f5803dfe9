"""Deterministic sample-data generator for the Lace-Luxx suite, with planted, recoverable effects.

Over 500 lines on purpose: the planted effects interact (days, hours, shows, brands, channels, VIPs), so
the generator stays one module that can be read against ``planted.json`` from top to bottom.

``generate(out_dir, sales=6000, seed=7)`` writes every table of docs/data-contract.md
(brands, products, inventory, sales, users, shows, campaigns, touchpoints) as CSV
plus ``planted.json``, the list of effects a correct analysis must recover.
Command line: ``python -m lib.tools.sample_data --out DIR [--sales N] [--seed S] [--shape webshop]``.

Two shapes (``SHAPES``): ``resale`` (the default, the planted effects below; its bytes never change) and
``webshop``, a benchmark shape after a real web-shop export (issue 20): about 20 lines per order
(1 + a negative binomial of mean 19), buyers who come back far more often and drop out less (BG/NBD
r 1.5, alpha 8, a 1, b 9: about 10 orders a lifetime against 4), 0.5 touchpoints per line and fewer
sign-ups who never buy. Every other rule of the resale shape applies, including one product per line.

How it works (all vectorised numpy, no per-row Python loops):

* A calendar grid of 10-minute bins carries an intensity: non-live selling
  (poshmark, website) by weekday, month, trend and hour of day, plus live shows
  (whatnot, instagram) whose intensity per minute on air depends on the
  weekday and the show's start hour.
* Buyers follow a BG/NBD-like process (Fader, Hardie and Lee 2005) in
  "operational time": a gamma-distributed purchase rate, a beta-distributed
  dropout probability after each purchase. Operational time is mapped onto the
  calendar through the cumulative intensity of the grid (a time change), so the
  weekday, season and show-hour effects hold exactly in expectation while each
  buyer's purchase counts keep their BG/NBD shape.
* Each purchase occasion gets 1-3 lines (a Bag is often joined by a Wallet);
  every line sells one product whose listing date is the sale date minus a
  days-to-sell drawn by condition; the price is marked down with days listed.
* Marketing touches are planted before a share of occasions and campaign spend
  is set from the exact last-touch attributed revenue divided by a planted ROAS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

__all__ = ["id_matrix", "timestamp_matrix", "money_matrix", "with_utc_offsets", "arrow_column", "BRANDS", "CATEGORIES",
           "CAMPAIGNS", "Shape", "SHAPES", "generate", "main"]

# name, tier, price factor, cost share of list price, volume weight
BRANDS: tuple[tuple[str, str, float, float, float], ...] = (
    ("Louis Vuitton", "luxury", 1.00, 0.62, 0.22),
    ("Chanel", "luxury", 1.70, 0.63, 0.09),
    ("Hermès", "luxury", 2.60, 0.40, 0.05),
    ("Gucci", "premium", 0.75, 0.60, 0.10),
    ("Prada", "premium", 0.70, 0.60, 0.07),
    ("Dior", "luxury", 1.20, 0.62, 0.06),
    ("Celine", "premium", 0.95, 0.60, 0.05),
    ("Bottega Veneta", "premium", 1.00, 0.62, 0.04),
    ("Saint Laurent", "premium", 0.85, 0.61, 0.06),
    ("Fendi", "premium", 0.85, 0.60, 0.05),
    ("Goyard", "luxury", 1.10, 0.58, 0.04),
    ("Cartier", "luxury", 1.60, 0.60, 0.03),
    ("Tiffany & Co.", "luxury", 0.90, 0.58, 0.04),
    ("Coach", "contemporary", 0.30, 0.55, 0.10),
)
CATEGORIES = ("Bag", "Wallet", "Shoes", "Jewelry", "Accessory", "Clothing")
_CAT_PRICE = np.array([1500.0, 480.0, 520.0, 1100.0, 320.0, 650.0])
_BAG, _WALLET, _JEWELRY, _CLOTHING = 0, 1, 3, 5
# category of an occasion's first line, and of added lines (a Bag's second line is mostly a Wallet)
_CAT_FIRST = np.array([0.40, 0.04, 0.16, 0.14, 0.14, 0.12])
_CAT_ADDED = np.array([0.12, 0.10, 0.20, 0.20, 0.26, 0.12])
_P_MULTI_BAG, _P_MULTI_OTHER, _P_WALLET_AFTER_BAG = 0.60, 0.20, 0.90
CONDITIONS = ("S", "A", "AB", "B")
_COND_P = np.array([0.25, 0.45, 0.05, 0.25])
_COND_PRICE = np.array([1.20, 1.00, 0.90, 0.78])
_COND_MEDIAN_DAYS = np.array([20.0, 45.0, 60.0, 90.0])
_DTS_SIGMA, _STALE_P, _STALE_X = 0.6, 0.05, 3.0
MARKDOWN_PER_30_DAYS = 0.04  # sale price / list price falls 4 points per 30 days listed
_PRICE_FLOOR = 0.45
# weekday (Mon..Sun) and month (Jan..Dec) factors of selling intensity; trend per year
_WEEKDAY = np.array([1.00, 0.95, 1.05, 1.45, 1.00, 0.88, 0.85])
_MONTH = np.array([0.85, 0.80, 0.90, 0.92, 0.95, 0.90, 0.85, 0.88, 0.98, 1.02, 1.22, 1.50])
_TREND_PER_YEAR = 0.08
# non-live selling by hour of day (none 01:00-03:59, so offsets are never ambiguous at DST changes)
_HOUR_NONLIVE = np.array([0.3, 0, 0, 0, 0.2, 0.2, 0.2, 0.5, 0.8, 0.8, 0.8, 0.8,
                          1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 0.6])
_LIVE_SHARE = 0.6
# live shows: start hours 12..22, most at 19:00; revenue per show hour highest at 21:00
_SHOW_HOURS = np.arange(12, 23)
_SHOW_HOUR_P = np.array([0.04, 0.04, 0.04, 0.05, 0.05, 0.06, 0.10, 0.40, 0.08, 0.08, 0.06])
_SHOW_HOUR_BOOST = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.15, 2.4, 1.15])
_THURSDAY_21_BOOST = 1.8
_SHOW_DUR_MIN = np.array([60, 90, 120, 150, 180])
_SHOW_DUR_P = np.array([0.35, 0.25, 0.2, 0.1, 0.1])
_SHOW_CHANNELS = ("whatnot", "instagram")
_SHOW_P = np.array([0.70, 0.40])
_FEE_RATE = {"whatnot": 0.08, "instagram": 0.03, "poshmark": 0.20, "website": 0.029}
_FEE_FIXED = {"whatnot": 0.30, "instagram": 0.0, "poshmark": 0.0, "website": 0.30}
# BG/NBD-like buyer process (time in weeks of operational time)
_BG_R, _BG_ALPHA, _BG_A, _BG_B = 0.75, 6.0, 2.0, 6.0
_SPEND_SIGMA, _WHALE_P, _WHALE_X = 0.45, 0.02, 3.0
_PRE_WEEKS = 104.0


@dataclass(frozen=True)
class Shape:
    """How the sales look: the buyers' BG/NBD process, the basket size and the users and touches per line.

    ``basket`` is None for the resale baskets (1-3 lines, a Bag often joined by a Wallet), else
    ``(k, mean)``: 1 + a negative binomial with ``k`` successes and mean ``mean`` extra lines.
    """

    name: str
    bg: tuple[float, float, float, float]
    basket: tuple[float, float] | None
    users_per_line: float
    touch_ratio: float


SHAPES = {"resale": Shape("resale", (_BG_R, _BG_ALPHA, _BG_A, _BG_B), None, 0.25, 5.0),
          "webshop": Shape("webshop", (1.5, 8.0, 1.0, 9.0), (4.0, 19.0), 0.02, 0.5)}
_BIN_S = 600
_BINS_PER_DAY = 144

# (name, channel, planted last-touch ROAS, start offset days of 730, duration days, planned budget)
CAMPAIGNS: tuple[tuple[str, str, float, int, int, float], ...] = (
    ("Holiday Gift Guide Newsletter", "email", 10.0, 20, 45, 3000),
    ("VIP Early Access", "email", 30.0, 130, 40, 2500),
    ("Spring Drop Newsletter", "email", 9.0, 300, 35, 2500),
    ("Hermès Restock Alert", "email", 11.0, 400, 30, 2000),
    ("Anniversary Sale Email", "email", 8.0, 480, 30, 2500),
    ("Back to School Edit Email", "email", 9.0, 640, 30, 2500),
    ("Holiday Reels Push", "instagram", 5.0, 15, 50, 20000),
    ("Valentine's Day Edit", "instagram", 4.5, 95, 25, 12000),
    ("Summer Bags Boost", "instagram", 5.5, 240, 45, 18000),
    ("Black Friday Stories", "instagram", 5.0, 385, 35, 22000),
    ("New Arrivals Carousel", "instagram", 4.0, 500, 60, 15000),
    ("Fall Collection Ads", "instagram", 4.5, 660, 60, 18000),
    ("Whatnot Thursday Night Promo", "whatnot", 3.5, 60, 60, 14000),
    ("Whatnot Featured Show Boost", "whatnot", 3.0, 200, 45, 12000),
    ("Whatnot Holiday Giveaway", "whatnot", 3.5, 380, 45, 16000),
    ("Whatnot Spring Showcase", "whatnot", 3.0, 510, 40, 12000),
    ("Whatnot Summer Sale", "whatnot", 3.2, 600, 45, 12000),
    ("Whatnot Fall Kickoff", "whatnot", 3.0, 690, 35, 12000),
    ("TikTok Unboxing Series", "tiktok", 0.8, 40, 60, 25000),
    ("TikTok Creator Collab", "tiktok", 0.6, 170, 50, 22000),
    ("TikTok Holiday Haul", "tiktok", 0.9, 395, 40, 25000),
    ("TikTok Spring Trends", "tiktok", 0.7, 520, 40, 20000),
    ("TikTok Summer Lives", "tiktok", 0.8, 610, 45, 20000),
    ("TikTok Fall Finds", "tiktok", 0.7, 680, 45, 22000),
)
_P_TOUCHED = 0.35
_QUALIFYING = {"email": (("open", "click"), (0.6, 0.4)), "instagram": (("click", "visit"), (0.6, 0.4)),
               "whatnot": (("click", "visit"), (0.5, 0.5)), "tiktok": (("click", "visit"), (0.7, 0.3))}
_TOUCH_TYPES = ("impression", "click", "open", "visit")

_FIRST = np.array(["Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
                   "Abigail", "Emily", "Ella", "Madison", "Scarlett", "Victoria", "Aria", "Grace", "Chloe",
                   "Camila", "Penelope", "Riley", "Layla", "Lillian", "Nora", "Zoey", "Mila", "Aubrey",
                   "Hannah", "Lily", "Addison", "Eleanor", "Natalie", "Luna", "Savannah", "Brooklyn",
                   "Leah", "Zoe", "Stella", "Hazel", "Ellie", "Paisley", "Audrey", "Skylar", "Violet",
                   "Claire", "Bella", "Aurora", "Lucy", "Anna", "Samantha", "Caroline", "Genesis",
                   "Aaliyah", "Kennedy", "Kinsley", "Allison", "Maya", "Sarah", "Madelyn", "Adeline",
                   "James", "Michael", "Daniel", "David", "Noah", "Liam", "Ethan", "Lucas", "Mateo",
                   "Jordan", "Taylor", "Morgan", "Jasmine", "Priya", "Mei", "Sofia", "Valentina", "Ximena",
                   "Fatima", "Aisha", "Yuki", "Hana", "Nadia", "Imani", "Keisha", "Rosa", "Lucia", "Elena"])
_LAST = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWYZ"))
_ADJ = np.array(["Monogram", "Quilted", "Leather", "Canvas", "Mini", "Medium", "Large", "Vintage",
                 "Logo", "Embossed"])
_COLOR = np.array(["Black", "Beige", "Brown", "Red", "Navy", "White", "Gold", "Pink", "Green", "Tan"])
_MODELS = (("Tote", "Shoulder Bag", "Crossbody", "Top Handle", "Clutch", "Backpack"),
           ("Zippy Wallet", "Card Holder", "Compact Wallet", "Wallet on Chain", "Long Wallet", "Coin Purse"),
           ("Loafers", "Pumps", "Sneakers", "Ballet Flats", "Slides", "Ankle Boots"),
           ("Bracelet", "Necklace", "Ring", "Earrings", "Pendant", "Bangle"),
           ("Silk Scarf", "Belt", "Sunglasses", "Bag Charm", "Key Holder", "Twilly"),
           ("Blazer", "Cardigan", "Silk Blouse", "Trench Coat", "Dress", "Knit Sweater"))
_ACQ_CHANNELS = ("instagram", "whatnot", "tiktok", "email", "poshmark", "website", "referral")
_ACQ_P = np.array([0.30, 0.25, 0.10, 0.05, 0.12, 0.10, 0.08])


# ----------------------------------------------------------------------------- helpers

_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _digits(nums: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded ASCII digits of non-negative integers as a (n, width) uint8 matrix."""
    x = np.asarray(nums, dtype=np.int64)
    x = x.astype(np.uint32) if len(x) and x.max() < 2**32 else x.astype(np.uint64)
    out = np.empty((len(x), width), dtype=np.uint8)
    pos = width
    while pos >= 2:  # two digits per division, through a lookup table
        x, r = np.divmod(x, 100)
        out[:, pos - 2:pos] = _PAIRS[r]
        pos -= 2
    if pos == 1:
        out[:, 0] = (x % 10 + 48).astype(np.uint8)
    return out


def _const(text: str, n: int) -> np.ndarray:
    """A constant ASCII text repeated as a (n, len) uint8 matrix."""
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))


def id_matrix(prefix: str, n: int, width: int, sl: slice | None = None) -> np.ndarray:
    """IDs ``prefix`` + zero-padded 1..n (or the rows ``sl`` of them) as a (rows, w) uint8 matrix."""
    width = max(width, len(str(n)))
    sl = sl or slice(0, n)
    nums = np.arange(sl.start + 1, min(sl.stop, n) + 1)
    return np.ascontiguousarray(np.concatenate([_const(prefix, len(nums)), _digits(nums, width)], axis=1))


def _date_mat(days: np.ndarray, epoch_d: np.datetime64) -> np.ndarray:
    """ISO dates ``YYYY-MM-DD`` of ``epoch_d`` + days as a (n, 10) uint8 matrix (via a table of days)."""
    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return np.zeros((0, 10), dtype=np.uint8)
    lo, hi = int(days.min()), int(days.max())
    tab = np.datetime_as_string(epoch_d + np.arange(lo, hi + 1).astype("timedelta64[D]"), unit="D")
    tab = tab.astype("S10").view(np.uint8).reshape(-1, 10)
    return tab[days - lo]


_TOD = np.concatenate([_PAIRS[np.arange(86400) // 3600], np.full((86400, 1), ord(":"), np.uint8),
                       _PAIRS[np.arange(86400) // 60 % 60], np.full((86400, 1), ord(":"), np.uint8),
                       _PAIRS[np.arange(86400) % 60]], axis=1)


def timestamp_matrix(seconds: np.ndarray, epoch_d: np.datetime64) -> np.ndarray:
    """Naive ISO timestamps ``YYYY-MM-DD HH:MM:SS`` (seconds after ``epoch_d``) as a (n, 19) matrix."""
    day, sod = np.divmod(np.asarray(seconds, dtype=np.int64), 86400)
    out = np.empty((len(day), 19), dtype=np.uint8)
    out[:, :10] = _date_mat(day, epoch_d)
    out[:, 10] = ord(" ")
    out[:, 11:] = _TOD[sod]
    return out


def money_matrix(x: np.ndarray) -> np.ndarray:
    """Non-negative money with two decimals (``1234.50``) as a zero-padded (n, w) matrix."""
    cents = np.round(np.asarray(x, dtype=np.float64) * 100).astype(np.int64)
    if len(cents) and cents.min() < 0:
        raise ValueError("money must be >= 0")
    wi = max(len(str(int(cents.max()) // 100)) if len(cents) else 1, 1)
    ip = _digits(cents // 100, wi)
    lead = np.cumprod(ip == 48, axis=1).astype(bool)
    lead[:, -1] = False
    ip[lead] = 0
    return np.concatenate([ip, _const(".", len(cents)), _digits(cents % 100, 2)], axis=1)


def with_utc_offsets(ts: np.ndarray, seconds: np.ndarray, epoch_d: np.datetime64, pick: np.ndarray,
                  tz: str) -> np.ndarray:
    """Append the correct UTC offset of ``tz`` (``-04:00``) to the picked naive local timestamps."""
    out = np.zeros((len(ts), 25), dtype=np.uint8)
    out[:, :19] = ts
    idx = np.flatnonzero(pick)
    if len(idx) == 0:
        return out
    local = pd.DatetimeIndex(epoch_d + seconds[idx].astype("timedelta64[s]"))
    aware = local.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    ok = np.asarray(~aware.isna())
    off_min = np.asarray((local[ok] - aware[ok].tz_convert("UTC").tz_localize(None))
                         / pd.Timedelta(minutes=1)).astype(np.int64)
    k = len(off_min)
    a = np.abs(off_min)
    sign = np.where(off_min < 0, ord("-"), ord("+")).astype(np.uint8)[:, None]
    out[idx[ok], 19:] = np.concatenate([sign, _digits(a // 60, 2), _const(":", k), _digits(a % 60, 2)], axis=1)
    return out


def arrow_column(col) -> pa.Array:
    """A column for writing: uint8 text matrix (0 = padding), integer array, or an arrow array."""
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col
    col = np.asarray(col)
    if col.ndim == 1:
        return pa.array(col)
    mat = np.ascontiguousarray(col, dtype=np.uint8)
    keep = mat != 0
    data = mat[keep]
    off = np.zeros(len(mat) + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=off[1:])
    if off[-1] < 2**31 - 1:
        return pa.StringArray.from_buffers(len(mat), pa.py_buffer(off.astype(np.int32)), pa.py_buffer(data))
    return pa.LargeStringArray.from_buffers(len(mat), pa.py_buffer(off), pa.py_buffer(data))


def _text(labels, codes: np.ndarray) -> pa.Array:
    """Text column from a small list of labels and integer codes."""
    return pc.take(pa.array(list(labels), type=pa.string()), pa.array(np.asarray(codes, dtype=np.int64)))


_CHUNK_ROWS = 1_000_000
_NOISE_CHUNK = 1_000_000


def _write_table(path: Path, cols: dict, n: int | None = None, mode: str = "w",
                 chunk: int | None = None) -> int:
    """Write columns as CSV (UTF-8, comma, one header row, no quoting needed) in row chunks.

    A column is a uint8 text matrix, an integer array, an arrow array, or a function of a
    ``slice`` returning one of those (built chunk by chunk to bound memory). Returns rows written.
    """
    if n is None:
        n = len(next(v for v in cols.values() if not callable(v)))
    chunk = chunk or _CHUNK_ROWS
    opts = pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)
    with open(path, "wb" if mode == "w" else "ab") as f:
        if mode == "w":
            f.write((",".join(cols) + "\n").encode("utf-8"))
        for s0 in range(0, n, chunk):  # chunks bound memory, not a per-row loop
            sl = slice(s0, min(n, s0 + chunk))
            part = {}
            for k, v in cols.items():
                if callable(v):
                    part[k] = arrow_column(v(sl))
                elif isinstance(v, pa.Array):
                    part[k] = v.slice(sl.start, sl.stop - sl.start)
                else:
                    part[k] = arrow_column(v[sl])
            pcsv.write_csv(pa.table(part), f, opts)
    return n


def _choice_rows(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Sample one column per row from row-wise cumulative probabilities ``cum[rows]``."""
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    step = 2_000_000
    for s in range(0, len(rows), step):  # chunks bound memory, not a per-row loop
        c = cum[rows[s:s + step]]
        out[s:s + step] = (c < u[s:s + step, None] * c[:, -1:]).sum(axis=1)
    return np.minimum(out, cum.shape[1] - 1)


# ----------------------------------------------------------------------------- the calendar grid

def _calendar(rng: np.random.Generator, start: pd.Timestamp, n_days: int, sales: int) -> dict:
    """Day factors, live shows and the intensity rows of the 10-minute grid."""
    days = pd.date_range(start, periods=n_days, freq="D")
    dow = np.asarray(days.day_of_week)
    month = np.asarray(days.month) - 1
    years = np.arange(n_days) / 365.25
    day_f = _WEEKDAY[dow] * _MONTH[month] * (1.0 + _TREND_PER_YEAR * years)

    # shows: per day and live channel, Binomial(k, p) shows (k grows with the data size)
    k = int(np.clip(round(sales / 40000), 1, 6))
    counts = rng.binomial(k, _SHOW_P[None, :], size=(n_days, 2))
    n_shows = int(counts.sum())
    s_day = np.repeat(np.repeat(np.arange(n_days), 2), counts.ravel())
    s_ch = np.repeat(np.tile(np.arange(2), n_days), counts.ravel())
    hour_i = rng.choice(len(_SHOW_HOURS), size=n_shows, p=_SHOW_HOUR_P)
    s_hour = _SHOW_HOURS[hour_i]
    s_min = np.where(rng.random(n_shows) < 0.2, 30, 0)
    s_dur = _SHOW_DUR_MIN[rng.choice(len(_SHOW_DUR_MIN), size=n_shows, p=_SHOW_DUR_P)]
    start_min = s_hour * 60 + s_min
    end_min = np.minimum(start_min + s_dur, 23 * 60 + 50)
    order = np.lexsort((s_ch, start_min, s_day))
    s_day, s_ch, s_hour, start_min, end_min, hour_i = (a[order] for a in
                                                      (s_day, s_ch, s_hour, start_min, end_min, hour_i))
    boost = _SHOW_HOUR_BOOST[hour_i] * np.where((dow[s_day] == 3) & (s_hour == 21), _THURSDAY_21_BOOST, 1.0)
    s_bin0 = start_min // 10
    s_nb = (end_min - start_min) // 10

    # intensity rows: one non-live row per bin, one row per (show, bin on air)
    nb_total = n_days * _BINS_PER_DAY
    nl_w = np.repeat(day_f, _BINS_PER_DAY) * np.tile(np.repeat(_HOUR_NONLIVE, 6), n_days)
    show_of_row = np.repeat(np.arange(n_shows), s_nb)
    first = np.cumsum(s_nb) - s_nb
    within = np.arange(len(show_of_row)) - np.repeat(first, s_nb)
    live_bin = s_day[show_of_row] * _BINS_PER_DAY + s_bin0[show_of_row] + within
    live_w = day_f[s_day[show_of_row]] * boost[show_of_row]
    nl_w = nl_w * ((1 - _LIVE_SHARE) / nl_w.sum())
    live_w = live_w * (_LIVE_SHARE / live_w.sum()) if len(live_w) else live_w
    row_bin = np.concatenate([np.arange(nb_total), live_bin])
    row_show = np.concatenate([np.full(nb_total, -1), show_of_row])
    row_w = np.concatenate([nl_w, live_w])
    o = np.argsort(row_bin, kind="stable")
    row_bin, row_show, row_w = row_bin[o], row_show[o], row_w[o]
    cum = np.cumsum(row_w)
    cum /= cum[-1]
    return {"day_f": day_f, "dow": dow, "month": month, "n_shows": n_shows, "s_day": s_day, "s_ch": s_ch,
            "s_hour": s_hour, "start_min": start_min, "end_min": end_min, "row_bin": row_bin,
            "row_show": row_show, "row_w": row_w / row_w.sum(), "cum": cum}


def _to_calendar(cal: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map operational-time fractions x in [0, 1) to (bin, show or -1, fraction within bin)."""
    cum = cal["cum"]
    idx = np.minimum(np.searchsorted(cum, x, side="right"), len(cum) - 1)
    prev = np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0)
    u = np.clip((x - prev) / np.maximum(cal["row_w"][idx], 1e-300), 0.0, 0.999999)
    return cal["row_bin"][idx], cal["row_show"][idx], u


# ----------------------------------------------------------------------------- buyers and occasions

def _buyer_process(rng: np.random.Generator, n_buyers: int, t_op: float,
                   bg: tuple[float, float, float, float] = (_BG_R, _BG_ALPHA, _BG_A, _BG_B)) -> dict:
    """BG/NBD-like purchase times of ``n_buyers`` arrivals in operational weeks, window [0, t_op)."""
    r, alpha, a, b = bg
    arrive = rng.uniform(-_PRE_WEEKS, t_op, n_buyers)
    lam = rng.gamma(r, 1.0 / alpha, n_buyers)
    p = rng.beta(a, b, n_buyers)
    n_tx = np.minimum(rng.geometric(np.maximum(p, 1e-6)), 400)
    spend = rng.lognormal(0.0, _SPEND_SIGMA, n_buyers) * np.where(rng.random(n_buyers) < _WHALE_P,
                                                                  _WHALE_X, 1.0)
    # only as many purchases as can land before t_op are needed; bound the work per buyer
    buyer = np.repeat(np.arange(n_buyers), n_tx)
    first = np.cumsum(n_tx) - n_tx
    pos = np.arange(len(buyer)) - np.repeat(first, n_tx)
    gaps = rng.exponential(1.0, len(buyer)) / lam[buyer]
    gaps[pos == 0] = 0.0
    csum = np.cumsum(gaps)
    base = np.repeat(csum[first] - gaps[first], n_tx)
    t = arrive[buyer] + (csum - base)
    keep = (t >= 0) & (t < t_op)
    return {"arrive": arrive, "spend": spend, "buyer": buyer[keep], "t": t[keep], "pos": pos[keep],
            "n_arrivals": n_buyers}


# ----------------------------------------------------------------------------- main generator

def generate(out_dir: str | Path, sales: int = 6000, seed: int = 7, start: str = "2024-11-01",
             end: str = "2026-10-31", touch_ratio: float | None = None,
             tz_name: str = "America/New_York", shape: str = "resale") -> dict:
    """Write the sample tables as CSV under ``out_dir`` and return the planted effects.

    Parameters
    ----------
    out_dir : folder to create/overwrite (brands, products, inventory, sales, users,
        shows, campaigns, touchpoints .csv and planted.json).
    sales : exact number of sales lines (>= 500).
    seed : seed of the numpy Generator; same arguments give the same bytes.
    start, end : first and last calendar day of sales (at least 120 days apart).
    touch_ratio : touchpoints per sales line (default 5; 0.5 for the web-shop shape).
    tz_name : zone of the explicit UTC offsets written on ~5% of sale timestamps.
    shape : ``"resale"`` or ``"webshop"`` (``SHAPES``; the module docstring says how they differ).

    Returns
    -------
    dict written to planted.json: the effects planted in the data (see the module docstring).
    """
    t0 = time.perf_counter()
    sales = int(sales)
    if sales < 500:
        raise ValueError(f"sales must be at least 500, got {sales}")
    start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    n_days = int((end_ts - start_ts).days) + 1
    if n_days < 120:
        raise ValueError(f"end must be at least 120 days after start, got {start}..{end}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")
    sh = SHAPES[shape]
    touch_ratio = sh.touch_ratio if touch_ratio is None else float(touch_ratio)
    if touch_ratio < 0:
        raise ValueError(f"touch_ratio must be >= 0, got {touch_ratio}")
    final = Path(out_dir)
    final.mkdir(parents=True, exist_ok=True)
    out = final.parent / f".{final.name}.partial"  # written here, moved into place when complete
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    r_cal, r_pilot, r_buy, r_line, r_trim, r_prod, r_user, r_mkt, r_noise, r_ts = streams[:10]
    epoch_d = np.datetime64(start_ts.date(), "D")
    cal = _calendar(r_cal, start_ts, n_days, sales)
    t_op = n_days / 7.0

    # --- buyers: size the arrivals from a small pilot so that ~12% more lines than needed exist
    lines_per_occ = _mean_lines_per_occasion(sh)
    pilot_n = 20000
    pilot = _buyer_process(r_pilot, pilot_n, t_op, sh.bg)
    occ_per_arrival = max(len(pilot["t"]) / pilot_n, 1e-3)
    n_arr = int(np.ceil(1.12 * sales / (lines_per_occ * occ_per_arrival))) + 50
    for _attempt in range(6):
        bp = _buyer_process(r_buy, n_arr, t_op, sh.bg)
        occ = _occasions(cal, bp, t_op)
        ln = _lines(r_line, occ, bp, sh.basket)
        if len(ln["occ"]) >= sales:
            break
        n_arr = int(n_arr * 1.3)
    else:  # pragma: no cover - the pilot sizing makes this unreachable
        raise RuntimeError("could not generate enough sales lines")

    # --- plant churned VIPs, then thin random repeat occasions to exactly `sales` lines
    vip_buyers, keep_line = _plant_churn_and_trim(r_trim, occ, ln, sales, n_days)
    for k in list(ln):
        ln[k] = ln[k][keep_line]
    ln["status"][np.isin(occ["buyer"][ln["occ"]], vip_buyers)] = 0

    # --- timestamps of lines: the occasion's bin, lines a few seconds to minutes apart
    o_idx = ln["occ"]
    bin_start_s = occ["bin"][o_idx].astype(np.int64) * _BIN_S
    off = (occ["u"][o_idx] * 480).astype(np.int64) + ln["pos"] * r_ts.integers(15, 61, len(o_idx))
    sec = bin_start_s + np.minimum(off, _BIN_S - 1)
    order = np.lexsort((ln["pos"], o_idx, sec))
    for k in list(ln):
        ln[k] = ln[k][order]
    sec = sec[order]
    o_idx = ln["occ"]
    n = len(o_idx)
    sale_day = sec // 86400

    # --- products: one per sales line, plus unsold stock
    prod = _products(r_prod, ln, sale_day, n_days, sales, epoch_d)

    # --- users
    line_buyer = occ["buyer"][o_idx]
    users = _users(r_user, bp, line_buyer, sale_day, sales, n_days, epoch_d, sh.users_per_line)
    uids = users["uids"]
    line_user = users["uidx_of_buyer"][line_buyer]
    show = occ["show"][o_idx]
    is_live = show >= 0
    ch_idx = np.where(is_live, cal["s_ch"][np.maximum(show, 0)], 2 + occ["nl_channel"][o_idx])
    channels = ["whatnot", "instagram", "poshmark", "website"]
    rate = np.array([_FEE_RATE[c] for c in channels])[ch_idx]
    fixed = np.array([_FEE_FIXED[c] for c in channels])[ch_idx]
    revenue = ln["sale_price"] * ln["qty"]
    fees = np.round(revenue * rate + fixed, 2)
    shipping = np.round(r_ts.uniform(8.0, 25.0, n), 2)
    hosts = users["host_idx"]
    show_host = hosts[r_user.integers(0, len(hosts), cal["n_shows"])]
    seller = np.where(is_live, show_host[np.maximum(show, 0)], users["admin_idx"])
    show_ids = id_matrix("SH", cal["n_shows"], 5)
    pick = r_ts.random(n) < 0.05
    rows = {}
    sale_price, qty, status = ln["sale_price"], ln["qty"].astype(np.int64), ln["status"]
    pid = prod["product_id"]
    rows["sales"] = _write_table(out / "sales.csv", {
        "sale_id": lambda sl: id_matrix("S", n, 7, sl),
        "product_id": lambda sl: pid[sl],
        "buyer_id": lambda sl: uids[line_user[sl]],
        "date_sold": lambda sl: with_utc_offsets(timestamp_matrix(sec[sl], epoch_d), sec[sl], epoch_d, pick[sl], tz_name),
        "sale_price": lambda sl: money_matrix(sale_price[sl]),
        "quantity": qty,
        "channel": lambda sl: _text(channels, ch_idx[sl]),
        "seller_id": lambda sl: uids[seller[sl]],
        "show_id": lambda sl: np.where(is_live[sl, None], show_ids[np.maximum(show[sl], 0)], 0).astype(np.uint8),
        "fees": lambda sl: money_matrix(fees[sl]),
        "shipping_cost": lambda sl: money_matrix(shipping[sl]),
        "status": lambda sl: _text(["completed", "refunded", "cancelled"], status[sl]),
    }, n=n)

    # --- shows table
    s_start = cal["s_day"].astype(np.int64) * 86400 + cal["start_min"].astype(np.int64) * 60
    s_end = cal["s_day"].astype(np.int64) * 86400 + cal["end_min"].astype(np.int64) * 60
    rows["shows"] = _write_table(out / "shows.csv", {
        "show_id": show_ids, "channel": _text(_SHOW_CHANNELS, cal["s_ch"]),
        "start_time": timestamp_matrix(s_start, epoch_d), "end_time": timestamp_matrix(s_end, epoch_d),
        "host_id": uids[show_host]})

    # --- marketing: chains of touches before a share of occasions, spend from planted ROAS
    mk = _marketing(r_mkt, r_noise, line_user, sale_day, revenue * (ln["status"] == 0), users, n_days,
                    epoch_d, touch_ratio, sales, out)
    rows["touchpoints"] = mk["n_touchpoints"]
    rows["campaigns"] = len(CAMPAIGNS)

    # --- the other tables
    rows["brands"] = _write_table(out / "brands.csv", {
        "brand_id": id_matrix("B", len(BRANDS), 2), "brand_name": pa.array([b[0] for b in BRANDS]),
        "tier": pa.array([b[1] for b in BRANDS])})
    rows["products"] = _write_table(out / "products.csv", prod["products"], n=prod["n_products"])
    rows["inventory"] = _write_table(out / "inventory.csv", prod["inventory"], n=prod["n_lots"])
    rows["users"] = _write_table(out / "users.csv", users["cols"])
    rows = {k: rows[k] for k in ("brands", "products", "inventory", "sales", "users", "shows", "campaigns",
                                 "touchpoints")}
    vip_uids = sorted(bytes(r).decode("ascii") for r in uids[users["uidx_of_buyer"][vip_buyers]])
    planted = _planted(seed, sales, start_ts, end_ts, vip_uids, mk, prod["n_unsold"], rows, touch_ratio)
    if shape != "resale":  # the resale planted.json stays byte for byte as it was
        planted = {"shape": shape, **planted}
        planted["notes"].append(f"shape {shape}: a benchmark shape; the planted values above are checked on the "
                                "resale shape only.")
    (out / "planted.json").write_text(json.dumps(planted, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    # sales.csv last: `make sample-data` treats its presence as "the sample exists"
    for name in sorted(p.name for p in out.iterdir() if p.name != "sales.csv") + ["sales.csv"]:
        os.replace(out / name, final / name)
    out.rmdir()
    planted["generation_seconds"] = round(time.perf_counter() - t0, 2)
    return planted


def _mean_lines_per_occasion(sh: Shape = SHAPES["resale"]) -> float:
    """Expected lines per purchase occasion from the basket parameters."""
    if sh.basket is not None:
        return 1.0 + sh.basket[1]
    p_multi = _CAT_FIRST[_BAG] * _P_MULTI_BAG + (1 - _CAT_FIRST[_BAG]) * _P_MULTI_OTHER
    return 1.0 + p_multi * 1.3


def _occasions(cal: dict, bp: dict, t_op: float) -> dict:
    """Place each purchase on the calendar grid; returns occasion arrays."""
    x = bp["t"] / t_op
    b, show, u = _to_calendar(cal, x)
    nl_channel = (u * 1000).astype(np.int64) % 2  # poshmark / website, from the fraction's digits
    return {"buyer": bp["buyer"], "bin": b, "show": show, "u": u, "pos": bp["pos"], "nl_channel": nl_channel,
            "day": b // _BINS_PER_DAY}


def _lines(rng: np.random.Generator, occ: dict, bp: dict, basket: tuple[float, float] | None = None) -> dict:
    """Sales lines of every occasion: category, brand, condition, quantity, prices, days to sell."""
    n_occ = len(occ["buyer"])
    cat_first = rng.choice(len(CATEGORIES), size=n_occ, p=_CAT_FIRST)
    if basket is None:  # resale: 1-3 lines
        p_multi = np.where(cat_first == _BAG, _P_MULTI_BAG, _P_MULTI_OTHER)
        n_lines = 1 + (rng.random(n_occ) < p_multi) * (1 + (rng.random(n_occ) < 0.3))
    else:
        k, mean = basket
        n_lines = 1 + rng.negative_binomial(k, k / (k + mean), n_occ)
    o = np.repeat(np.arange(n_occ), n_lines)
    first = np.cumsum(n_lines) - n_lines
    pos = np.arange(len(o)) - np.repeat(first, n_lines)
    n = len(o)
    added = rng.choice(len(CATEGORIES), size=n, p=_CAT_ADDED)
    wallet = (pos == 1) & (cat_first[o] == _BAG) & (rng.random(n) < _P_WALLET_AFTER_BAG)
    cat = np.where(pos == 0, cat_first[o], np.where(wallet, _WALLET, added))

    # brand by category (jewelry houses for jewelry, none of them for clothing)
    w = np.array([b[4] for b in BRANDS])
    names = [b[0] for b in BRANDS]
    bw = np.tile(w, (len(CATEGORIES), 1))
    cartier, tiffany, goyard, coach = (names.index(x) for x in ("Cartier", "Tiffany & Co.", "Goyard", "Coach"))
    bw[:, cartier] *= 0.1
    bw[:, tiffany] *= 0.2
    bw[_JEWELRY, :] *= 0.3
    bw[_JEWELRY, cartier], bw[_JEWELRY, tiffany], bw[_JEWELRY, goyard] = 0.30, 0.30, 0.0
    bw[_JEWELRY, coach] *= 0.5
    bw[_CLOTHING, [cartier, tiffany, goyard]] = 0.0
    bcum = np.cumsum(bw / bw.sum(axis=1, keepdims=True), axis=1)
    brand = _choice_rows(rng, bcum, cat)

    cond = rng.choice(len(CONDITIONS), size=n, p=_COND_P)
    qty = np.where((cat != _BAG) & (rng.random(n) < 0.035), 2, 1)
    dts = _COND_MEDIAN_DAYS[cond] * np.exp(_DTS_SIGMA * rng.standard_normal(n))
    dts = np.where(rng.random(n) < _STALE_P, dts * _STALE_X, dts)
    dts = np.minimum(np.floor(dts), 720).astype(np.int64)
    pf = np.array([b[2] for b in BRANDS])
    buyer_spend = bp["spend"][occ["buyer"][o]]
    list_price = (_CAT_PRICE[cat] * pf[brand] * _COND_PRICE[cond] * rng.lognormal(0.0, 0.30, n)
                  * buyer_spend ** 0.8)
    list_price = np.maximum(np.round(list_price / 5.0) * 5.0, 25.0)
    ratio = np.maximum(_PRICE_FLOOR, 1.0 - MARKDOWN_PER_30_DAYS * dts / 30.0) * rng.lognormal(0.0, 0.04, n)
    sale_price = np.maximum(np.round(list_price * ratio), 10.0)
    u = rng.random(n)
    status = np.where(u < 0.03, 1, np.where(u < 0.05, 2, 0))
    return {"occ": o, "pos": pos, "cat": cat, "brand": brand, "cond": cond, "qty": qty, "dts": dts,
            "list_price": list_price, "sale_price": sale_price, "status": status}


def _plant_churn_and_trim(rng: np.random.Generator, occ: dict, ln: dict, sales: int,
                          n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Choose churned VIP buyers (last purchase 120-270 days before the end), then drop random
    repeat occasions so that exactly ``sales`` lines remain. Returns (vip buyer indices, line mask)."""
    n_occ = len(occ["buyer"])
    buyer, day = occ["buyer"], occ["day"]
    line_rev = ln["sale_price"] * ln["qty"] * (ln["status"] == 0)
    n_buy = int(buyer.max()) + 1 if n_occ else 0
    rev = np.bincount(buyer[ln["occ"]], weights=line_rev, minlength=n_buy)
    n_occ_b = np.bincount(buyer, minlength=n_buy)
    lo, hi = n_days - 1 - 270, n_days - 1 - 120
    in_w = (day >= lo) & (day <= hi)
    last_in_w = np.full(n_buy, -1)
    np.maximum.at(last_in_w, buyer[in_w], day[in_w])
    last_any = np.full(n_buy, -1)
    np.maximum.at(last_any, buyer, day)
    first_any = np.full(n_buy, n_days)
    np.minimum.at(first_any, buyer, day)
    buyers_seen = np.flatnonzero(n_occ_b > 0)
    # revenue a buyer keeps when cut off after the last purchase in the window: must stay high
    line_day, line_buyer = day[ln["occ"]], buyer[ln["occ"]]
    kept = (last_in_w[line_buyer] >= 0) & (line_day <= last_in_w[line_buyer])
    rev_kept = np.bincount(line_buyer[kept], weights=line_rev[kept], minlength=n_buy)
    top_cut = np.quantile(rev[buyers_seen], 0.90) if len(buyers_seen) else np.inf
    cand = np.flatnonzero((last_in_w >= 0) & (last_any > hi) & (n_occ_b >= 3) & (rev_kept >= top_cut)
                          & (first_any < lo))
    k = max(5, int(round(0.005 * len(buyers_seen))))
    vip = cand[np.argsort(-rev_kept[cand], kind="stable")][: 2 * k]
    vip = np.sort(rng.permutation(vip)[:k]) if len(vip) else vip
    is_vip = np.zeros(n_buy, dtype=bool)
    is_vip[vip] = True
    drop_occ = is_vip[buyer] & (day > last_in_w[buyer])

    # thin: first occasion of each buyer and the VIPs' occasions are protected
    order_t = np.lexsort((occ["u"], occ["bin"], buyer))
    is_first = np.zeros(n_occ, dtype=bool)
    b_sorted = buyer[order_t]
    is_first[order_t[np.r_[True, b_sorted[1:] != b_sorted[:-1]]]] = True
    lines_per_occ = np.bincount(ln["occ"], minlength=n_occ)
    total = int(lines_per_occ[~drop_occ].sum())
    excess = total - sales
    if excess < 0:
        raise RuntimeError("not enough lines after planting churn")
    droppable = np.flatnonzero(~drop_occ & ~is_first & ~is_vip[buyer])
    perm = rng.permutation(droppable)
    cum = np.cumsum(lines_per_occ[perm])
    n_full = int(np.searchsorted(cum, excess, side="right"))
    drop_occ[perm[:n_full]] = True
    left = excess - (int(cum[n_full - 1]) if n_full else 0)
    keep_line = ~drop_occ[ln["occ"]]
    if left > 0:
        part = perm[n_full]
        keep_line &= ~((ln["occ"] == part) & (ln["pos"] >= lines_per_occ[part] - left))
    return vip, keep_line


def _products(rng: np.random.Generator, ln: dict, sale_day: np.ndarray, n_days: int, sales: int,
              epoch_d: np.datetime64) -> dict:
    """Products and inventory lots: the sold lines' items plus unsold stock; returns DataFrames."""
    len(sale_day)
    # unsold stock: listed up to 120 days before the start, would sell after the end (consistent censoring)
    n_unsold = int(round(0.15 * sales))
    got = {k: [] for k in ("cat", "brand", "cond", "list_day", "list_price", "qty")}
    have = 0
    names = [b[0] for b in BRANDS]
    w = np.array([b[4] for b in BRANDS])
    while have < n_unsold:
        m = max(20 * (n_unsold - have), 1000)
        cat = rng.choice(len(CATEGORIES), size=m, p=_CAT_FIRST * 0.5 + _CAT_ADDED * 0.5)
        brand = rng.choice(len(BRANDS), size=m, p=w / w.sum())
        cond = rng.choice(len(CONDITIONS), size=m, p=_COND_P)
        dts = _COND_MEDIAN_DAYS[cond] * np.exp(_DTS_SIGMA * rng.standard_normal(m))
        dts = np.where(rng.random(m) < _STALE_P, dts * _STALE_X, dts)
        list_day = rng.integers(-120, n_days, m)
        ok = list_day + dts > n_days - 1
        ok &= ~((cat == _CLOTHING) & np.isin(brand, [names.index("Cartier"), names.index("Goyard")]))
        lp = (_CAT_PRICE[cat] * np.array([b[2] for b in BRANDS])[brand] * _COND_PRICE[cond]
              * rng.lognormal(0.0, 0.30, m) * rng.lognormal(0.0, _SPEND_SIGMA * 0.8, m))
        for key, val in (("cat", cat), ("brand", brand), ("cond", cond), ("list_day", list_day),
                         ("list_price", np.maximum(np.round(lp / 5.0) * 5.0, 25.0)),
                         ("qty", np.where((cat != _BAG) & (rng.random(m) < 0.035), 2, 1))):
            got[key].append(val[ok])
        have += int(ok.sum())
    un = {k: np.concatenate(v)[:n_unsold] for k, v in got.items()}

    cat = np.concatenate([ln["cat"], un["cat"]])
    brand = np.concatenate([ln["brand"], un["brand"]])
    cond = np.concatenate([ln["cond"], un["cond"]])
    list_day = np.concatenate([sale_day - ln["dts"], un["list_day"]])
    list_price = np.concatenate([ln["list_price"], un["list_price"]])
    units = np.concatenate([ln["qty"], un["qty"]])
    m = len(cat)
    acq_day = list_day - rng.integers(0, 15, m)
    # product ids follow acquisition order; sold lines keep their position through `rank`
    order = np.lexsort((np.arange(m), acq_day))
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    pid = id_matrix("P", m, 6)[rank]

    model = rng.integers(0, 6, m)
    name_tab = [f"{b[0]} {adj} {col} {_MODELS[c][mi]}" for b in BRANDS for c in range(len(CATEGORIES))
                for mi in range(6) for adj in _ADJ for col in _COLOR]
    n_adj, n_col = len(_ADJ), len(_COLOR)
    name_code = ((((brand * len(CATEGORIES) + cat) * 6 + model) * n_adj + rng.integers(0, n_adj, m)) * n_col
                 + rng.integers(0, n_col, m))
    cat3 = np.array([c[:3].upper() for c in CATEGORIES], dtype="S3").view(np.uint8).reshape(-1, 3)
    sku_blank = rng.random(m) < 0.05  # optional column, sometimes blank

    def sku(sl: slice) -> np.ndarray:
        o = order[sl]
        mat = np.concatenate([_const("LL-", len(o)), cat3[cat[o]], _const("-", len(o)), pid[o, 1:]], axis=1)
        mat[sku_blank[o]] = 0
        return mat

    brand_ids = id_matrix("B", len(BRANDS), 2)
    products = {"product_id": lambda sl: pid[order[sl]], "brand_id": lambda sl: brand_ids[brand[order[sl]]],
                "product_name": lambda sl: _text(name_tab, name_code[order[sl]]),
                "category": lambda sl: _text(CATEGORIES, cat[order[sl]]),
                "condition": lambda sl: _text(CONDITIONS, cond[order[sl]]), "sku": sku,
                "list_price": lambda sl: money_matrix(list_price[order[sl]])}

    share = np.array([b[3] for b in BRANDS])[brand]
    cost1 = list_price * share * rng.lognormal(0.0, 0.08, m)
    two = units == 2
    cost2 = cost1 * rng.uniform(0.8, 1.25, m)
    blank_listed = rng.random(m) < 0.10
    acq2 = acq_day + np.minimum(rng.integers(0, 8, m), list_day - acq_day)
    lot_prod = np.concatenate([np.arange(m), np.flatnonzero(two)])
    lot_cost = np.concatenate([cost1, cost2[two]])
    lot_acq = np.concatenate([acq_day, acq2[two]])
    lot_order = np.lexsort((lot_prod, lot_acq))
    lot_prod, lot_cost, lot_acq = lot_prod[lot_order], lot_cost[lot_order], lot_acq[lot_order]
    def listed(sl: slice) -> np.ndarray:
        mat = _date_mat(list_day[lot_prod[sl]], epoch_d)
        mat[blank_listed[lot_prod[sl]]] = 0
        return mat

    n_lots = len(lot_prod)
    inventory = {"inventory_id": lambda sl: id_matrix("I", n_lots, 6, sl), "product_id": lambda sl: pid[lot_prod[sl]],
                 "date_acquired": lambda sl: _date_mat(lot_acq[sl], epoch_d),
                 "unit_cost": lambda sl: money_matrix(lot_cost[sl]),
                 "quantity": np.ones(n_lots, dtype=np.int64), "date_listed": listed}
    return {"product_id": pid, "products": products, "inventory": inventory, "n_lots": n_lots,
            "n_products": m, "n_unsold": n_unsold}


def _users(rng: np.random.Generator, bp: dict, line_buyer: np.ndarray, sale_day: np.ndarray, sales: int,
           n_days: int, epoch_d: np.datetime64, users_per_line: float = 0.25) -> dict:
    """Users: the buyers, lapsed and never-buying sign-ups (~sales x users_per_line in all) and five hosts."""
    n_arr = bp["n_arrivals"]
    first_day = np.full(n_arr, n_days, dtype=np.int64)
    np.minimum.at(first_day, line_buyer, sale_day)
    buyers = np.flatnonzero(first_day < n_days)
    arrive = bp["arrive"]
    b_signup = np.where(arrive[buyers] >= 0, first_day[buyers], np.floor(arrive[buyers] * 7).astype(np.int64))
    b_signup = b_signup - rng.integers(0, 11, len(buyers))
    n_non = max(int(round(sales * users_per_line)) - len(buyers), int(round(0.1 * len(buyers))))
    lapsed_pool = np.flatnonzero((arrive < 0) & (first_day == n_days))
    n_lapsed = min(len(lapsed_pool), n_non // 2)
    lapsed = rng.choice(lapsed_pool, size=n_lapsed, replace=False) if n_lapsed else lapsed_pool[:0]
    l_signup = np.floor(arrive[lapsed] * 7).astype(np.int64) - rng.integers(0, 11, n_lapsed)
    n_fresh = n_non - n_lapsed
    f_signup = rng.integers(-365, n_days, n_fresh)
    h_signup = rng.integers(-700, -400, 5)
    signup = np.concatenate([h_signup, b_signup, l_signup, f_signup])
    kind = np.concatenate([np.full(5, 2), np.zeros(len(buyers), np.int64), np.ones(n_non, np.int64)])
    src = np.concatenate([np.full(5, -1), buyers, np.full(n_non, -1)])
    order = np.lexsort((np.arange(len(signup)), signup))
    signup, kind, src = signup[order], kind[order], src[order]
    n_u = len(signup)
    uids = id_matrix("", n_u, 6)
    uidx_of_buyer = np.full(n_arr, -1, dtype=np.int64)
    uidx_of_buyer[src[src >= 0]] = np.flatnonzero(src >= 0)
    fi = rng.integers(0, len(_FIRST), n_u)
    li = rng.integers(0, len(_LAST), n_u)
    display = pc.binary_join_element_wise(_text(_FIRST, fi), _text([f"{x}." for x in _LAST], li), " ")
    local = pc.binary_join_element_wise(_text([f.lower() for f in _FIRST], fi),
                                        _text([x.lower() for x in _LAST], li), ".")
    email = pc.binary_join_element_wise(local, arrow_column(uids), "@example.com", "")
    acq = rng.choice(len(_ACQ_CHANNELS), size=n_u, p=_ACQ_P)
    role = np.zeros(n_u, dtype=np.int64)
    hosts = np.flatnonzero(kind == 2)
    role[hosts[:4]] = 1
    role[hosts[4]] = 2
    acq[hosts] = len(_ACQ_CHANNELS)
    cols = {"user_id": uids, "signup_date": _date_mat(signup, epoch_d), "display_name": display,
            "email": email, "acquisition_channel": _text((*_ACQ_CHANNELS, ""), acq),
            "role": _text(("buyer", "seller", "admin"), role)}
    return {"cols": cols, "uids": uids, "uidx_of_buyer": uidx_of_buyer, "host_idx": hosts,
            "admin_idx": hosts[4], "nonbuyer_idx": np.flatnonzero(kind == 1),
            "buyer_role_idx": np.flatnonzero(kind != 2)}


def _touch_types(rng: np.random.Generator, channel_idx: np.ndarray, ch_names: np.ndarray,
                 p_impression: float) -> np.ndarray:
    """Touch type codes (index in _TOUCH_TYPES) by campaign channel; impressions with ``p_impression``."""
    out = np.zeros(len(channel_idx), dtype=np.int64)
    for ci, ch in enumerate(ch_names):  # loop over 4 channels, not rows
        m = np.flatnonzero(channel_idx == ci)
        types, p = _QUALIFYING[ch]
        codes = np.array([_TOUCH_TYPES.index(t) for t in types])
        out[m] = codes[rng.choice(len(types), size=len(m), p=p)]
    out[rng.random(len(out)) < p_impression] = 0
    return out


def _marketing(rng: np.random.Generator, rng_noise: np.random.Generator, line_user: np.ndarray,
               sale_day: np.ndarray, line_rev: np.ndarray, users: dict, n_days: int, epoch_d: np.datetime64,
               touch_ratio: float, sales: int, out: Path) -> dict:
    """Campaigns and touchpoints (written in chunks); spend = exact last-touch revenue / planted ROAS."""
    nc = len(CAMPAIGNS)
    scale = n_days / 730.0
    c_start = np.array([int(round(c[3] * scale)) for c in CAMPAIGNS])
    c_end = np.minimum(c_start + np.array([max(7, int(round(c[4] * scale))) for c in CAMPAIGNS]) - 1,
                       n_days - 1)
    roas = np.array([c[2] for c in CAMPAIGNS])
    budget = np.array([c[5] for c in CAMPAIGNS]) * sales / 6000.0
    ch_names = np.array(["email", "instagram", "whatnot", "tiktok"])
    c_ch = np.array([list(ch_names).index(c[1]) for c in CAMPAIGNS])
    c_order = np.lexsort((np.arange(nc), c_start))
    cid = np.empty((nc, 4), dtype=np.uint8)
    cid[c_order] = id_matrix("C", nc, 3)
    daily = budget / (c_end - c_start + 1)
    days = np.arange(n_days)
    active = (days[:, None] >= c_start[None, :]) & (days[:, None] <= c_end[None, :])
    cum_last = np.cumsum(active * (roas * daily)[None, :], axis=1)
    cum_early = np.cumsum(active * daily[None, :], axis=1)

    # purchase occasions (user, day); a share of them gets a chain of touches before it
    key = line_user.astype(np.int64) * (n_days + 1) + sale_day
    uk, inv = np.unique(key, return_inverse=True)
    occ_rev = np.bincount(inv, weights=line_rev)
    occ_user, occ_day = uk // (n_days + 1), uk % (n_days + 1)
    last_day = occ_day - rng.integers(1, 6, len(uk))
    ok = (rng.random(len(uk)) < _P_TOUCHED) & (last_day >= 0)
    ok[ok] = cum_last[last_day[ok], -1] > 0
    idx = np.flatnonzero(ok)
    camp_l = _choice_rows(rng, cum_last, last_day[idx])
    type_l = _touch_types(rng, c_ch[camp_l], ch_names, 0.0)
    n_early = rng.choice(3, size=len(idx), p=[0.4, 0.4, 0.2])
    e_occ = np.repeat(idx, n_early)
    e_day = occ_day[e_occ] - rng.integers(6, 29, len(e_occ))
    ok2 = e_day >= 0
    ok2[ok2] = cum_early[e_day[ok2], -1] > 0
    e_occ, e_day = e_occ[ok2], e_day[ok2]
    camp_e = _choice_rows(rng, cum_early, e_day)
    type_e = _touch_types(rng, c_ch[camp_e], ch_names, 0.4)
    t_user = np.concatenate([occ_user[idx], occ_user[e_occ]])
    t_day = np.concatenate([last_day[idx], e_day])
    t_sec = t_day * 86400 + rng.integers(8 * 3600, 23 * 3600, len(t_day))
    t_camp = np.concatenate([camp_l, camp_e])
    t_type = np.concatenate([type_l, type_e])

    # exact last-touch attribution (30 days before the occasion's day, impressions excluded)
    q = t_type != 0
    right = pd.DataFrame({"t": t_sec[q], "user": t_user[q], "camp": t_camp[q]}).sort_values("t", kind="stable")
    left = pd.DataFrame({"t": occ_day * 86400, "user": occ_user, "rev": occ_rev})
    left = left[left["rev"] > 0].sort_values("t", kind="stable")
    m = pd.merge_asof(left, right, on="t", by="user", direction="backward", allow_exact_matches=False,
                      tolerance=30 * 86400)
    m = m[m["camp"].notna()]
    attributed = np.bincount(m["camp"].to_numpy(dtype=np.int64), weights=m["rev"].to_numpy(), minlength=nc)
    spend = np.where(attributed > 0, np.round(attributed / roas, 2), np.round(budget, 2))
    o = c_order
    _write_table(out / "campaigns.csv", {
        "campaign_id": cid[o], "campaign_name": pa.array([CAMPAIGNS[i][0] for i in o]),
        "channel": _text(ch_names, c_ch[o]), "start_date": _date_mat(c_start[o], epoch_d),
        "end_date": _date_mat(c_end[o], epoch_d), "spend": money_matrix(spend[o])})

    # touchpoints: the chains, then non-converting noise in chunks
    uids = users["uids"]
    path = out / "touchpoints.csv"
    o = np.lexsort((t_user, t_sec))
    n_chain = _write_table(path, {"user_id": uids[t_user[o]], "timestamp": timestamp_matrix(t_sec[o], epoch_d),
                                  "channel": _text(ch_names, c_ch[t_camp[o]]), "campaign_id": cid[t_camp[o]],
                                  "touch_type": _text(_TOUCH_TYPES, t_type[o])})
    n_noise = max(0, int(round(touch_ratio * sales)) - n_chain)
    pool_all, pool_non = users["buyer_role_idx"], users["nonbuyer_idx"]
    p_budget = budget / budget.sum()
    ch_plus = [*ch_names.tolist(), "website"]
    cid_plus = np.concatenate([cid, np.zeros((1, cid.shape[1]), dtype=np.uint8)])
    step = _NOISE_CHUNK  # fixed, so that the bytes do not depend on the write chunk size
    for s0 in range(0, n_noise, step):  # chunks bound memory, not a per-row loop
        k = min(step, n_noise - s0)
        camp = rng_noise.choice(nc, size=k, p=p_budget)
        day = c_start[camp] + (rng_noise.random(k) * (c_end[camp] - c_start[camp] + 1)).astype(np.int64)
        sec = day * 86400 + rng_noise.integers(8 * 3600, 23 * 3600, k)
        qual = (rng_noise.random(k) < 0.3) & (len(pool_non) > 0)
        typ = _touch_types(rng_noise, c_ch[camp], ch_names, 0.0)
        typ[~qual] = 0
        user = pool_all[rng_noise.integers(0, len(pool_all), k)]
        if len(pool_non):
            user = np.where(qual, pool_non[rng_noise.integers(0, len(pool_non), k)], user)
        organic = qual & (rng_noise.random(k) < 0.05)
        ch = np.where(organic, len(ch_names), c_ch[camp])
        typ = np.where(organic, _TOUCH_TYPES.index("visit"), typ)
        camp_w = np.where(organic, nc, camp)
        o = np.argsort(sec, kind="stable")
        _write_table(path, {"user_id": uids[user[o]], "timestamp": timestamp_matrix(sec[o], epoch_d),
                            "channel": _text(ch_plus, ch[o]), "campaign_id": cid_plus[camp_w[o]],
                            "touch_type": _text(_TOUCH_TYPES, typ[o])}, mode="a")
    ch_spend = np.bincount(c_ch, weights=spend, minlength=4)
    ch_attr = np.bincount(c_ch, weights=attributed, minlength=4)
    return {"roas_campaign": dict(zip([c[0] for c in CAMPAIGNS],
                                                              np.round(attributed / spend, 3).tolist(), strict=False)),
            "roas_channel": dict(zip(ch_names.tolist(), np.round(ch_attr / ch_spend, 3).tolist(), strict=False)),
            "n_touchpoints": n_chain + n_noise}


def _planted(seed: int, sales: int, start_ts: pd.Timestamp, end_ts: pd.Timestamp, vip_uids: list[str],
             mk: dict, n_unsold: int, table_rows: dict, touch_ratio: float) -> dict:
    """The planted effects recorded in planted.json (only ones verified to be recoverable)."""
    full_years = [y for y in range(start_ts.year, end_ts.year + 1)
                  if start_ts <= pd.Timestamp(y, 1, 1) and pd.Timestamp(y, 12, 31) <= end_ts]
    best_campaign = max(mk["roas_campaign"], key=mk["roas_campaign"].get)
    best_channel = max(mk["roas_channel"], key=mk["roas_channel"].get)
    worst_channel = min(mk["roas_channel"], key=mk["roas_channel"].get)
    return {
        "seed": seed, "sales": sales, "start": str(start_ts.date()), "end": str(end_ts.date()),
        "default_period": end_ts.strftime("%Y-%m"), "touch_ratio": touch_ratio, "rows": table_rows,
        "peak_weekday": "Thursday", "weekend_uplift_sign": "negative",
        "best_show_hour": 21, "raw_revenue_peak_hour": 19, "most_common_show_start_hour": 19,
        "best_show_slot": "Thursday 21:00",
        "slowest_condition": "B", "fastest_condition": "S",
        "days_to_sell_draw_median": dict(zip(CONDITIONS, _COND_MEDIAN_DAYS.astype(int).tolist(), strict=True)),
        "top_brand_by_revenue": "Louis Vuitton", "top_brand_by_margin": "Hermès",
        "top_category_by_revenue": "Bag",
        "best_channel_by_roas": best_channel, "best_campaign_by_roas": best_campaign,
        "worst_channel_by_roas": worst_channel,
        "planted_roas_by_campaign": mk["roas_campaign"], "planted_roas_by_channel": mk["roas_channel"],
        "q4_share_pct_range": [28, 38], "q4_share_years": full_years,
        "top20_share_pct_range": [55, 70],
        "churned_vip_buyer_ids": vip_uids, "churned_vip_days_since_range": [120, 270],
        "bundle_pair": ["Bag", "Wallet"],
        "markdown_slope_pct_per_30_days": -round(MARKDOWN_PER_30_DAYS * 100, 2),
        "unsold_products_planted": n_unsold,
        "refunded_pct": 3, "cancelled_pct": 2, "offset_timestamps_pct": 5,
        "notes": [
            "Values are what a straightforward analysis recovers at 6k and 100k sales (tests/tools/test_sample_data.py).",
            "q4_share_pct_range: Q4 share of completed revenue in each full calendar year (q4_share_years).",
            "top20_share_pct_range: share of completed revenue (history) from the top 20% of buyers.",
            "churned_vip_buyer_ids: in the top 20% by revenue, last completed purchase 120-270 days before end.",
            "best_show_hour/best_show_slot: revenue per show hour by show start (shows.csv); raw revenue by "
            "clock hour peaks at raw_revenue_peak_hour instead, where most shows start.",
            "days_to_sell_draw_median: medians of the drawn days to sell; Kaplan-Meier medians on the data come "
            "out somewhat higher (sold items listed before the start are left-truncated): about S 22, A 51, B 107.",
            "markdown_slope_pct_per_30_days: sale_price/list_price falls this many points per 30 days listed "
            "(floor 45% of list).",
            "ROAS: last touch, click/open/visit within 30 days before the purchase day, per campaign; "
            "spend = attributed revenue / planted ROAS, so planted_roas_by_campaign is exact for that rule.",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lib.tools.sample_data --out DIR [--sales N] [--seed S] [--shape webshop]``."""
    ap = argparse.ArgumentParser(description="Write deterministic Lace-Luxx sample data with planted effects.")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--sales", type=int, default=6000, help="number of sales lines (default 6000)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--start", default="2024-11-01")
    ap.add_argument("--end", default="2026-10-31")
    ap.add_argument("--touch-ratio", type=float, default=None,
                    help="touchpoints per sales line (default 5; 0.5 for the web-shop shape)")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="resale",
                    help="resale (default: 1-3 lines per order, the planted effects) or webshop (about 20 lines "
                         "per order, many repeat buyers)")
    a = ap.parse_args(argv)
    planted = generate(a.out, sales=a.sales, seed=a.seed, start=a.start, end=a.end, touch_ratio=a.touch_ratio,
                       shape=a.shape)
    shape = "" if a.shape == "resale" else f" ({a.shape} shape)"
    print(f"wrote {a.sales} sales lines{shape} to {a.out} in {planted['generation_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
