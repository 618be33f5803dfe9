"""What a notebook writes into its run folder: metrics, action tables, key findings."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from lib.narrative.advice import Advice
from lib.report.results import save_advice

__all__ = ["RunOutput", "json_value", "neutralise_formulas", "rounded_for_csv", "column_precision", "PARTS_DIR",
           "CSV_ENCODING", "P_VALUE_COLUMN", "PCT_COLUMN", "SHARE_COLUMN", "MONEY_COLUMN"]

#: sub-folder of a run where notebooks leave their metrics and findings for the pipeline
PARTS_DIR = ".parts"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: UTF-8 with a byte-order mark: Excel then reads "Hermès" as written (issue 19); pandas and the workbook skip it
CSV_ENCODING = "utf-8-sig"
#: column-name rules shared by the CSV rounding and the workbook's number formats (lib.run.workbook.column_kind)
_P = re.compile(r"(^|_)(p|q)_value$")
_PCT = re.compile(r"_pct($|_)|^pct_")
_SHARE = re.compile(r"^(support|confidence|share|p_alive|p_sell_30d|p_buy_30d|rate)$")
_MONEY = re.compile(r"(revenue|price|cost|profit|spend|value|amount|fees|shipping|clv|ltv)(_|$)"
                    r"|^expected_(value|low|high)$|^(low|high)$")


def json_value(x):
    """A metric value as plain JSON: numpy scalars unwrapped, NaN/NaT/NA as null."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return None if math.isnan(float(x)) or math.isinf(float(x)) else float(x)
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with ``= + - @`` with a quote (spreadsheet formula injection)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            txt = s.astype("string")
            bad = txt.str.startswith(_FORMULA_START).fillna(False)
            if bad.any():
                out[col] = txt.where(~bad, "'" + txt)
    return out


def column_precision(name: str) -> tuple[str, int]:
    """How a float column of an action CSV is rounded, by its name: ``("significant", 3)`` for p-values,
    ``("decimals", 1)`` for percentages (0-100), ``("decimals", 3)`` for shares (0-1, a tenth of a point),
    ``("decimals", 2)`` for money, else ``("significant", 4)`` (never rounding the whole part)
    (docs/metrics.md, Action lists)."""
    n = str(name).lower()
    if _P.search(n):
        return "significant", 3
    if _PCT.search(n):
        return "decimals", 1
    if _SHARE.search(n):
        return "decimals", 3
    if _MONEY.search(n):
        return "decimals", 2
    return "significant", 4


def _significant(x: float, digits: int) -> float:
    if not math.isfinite(x) or x == 0:
        return x
    whole = math.floor(math.log10(abs(x))) + 1
    return round(x, max(0, digits - whole)) if whole >= digits else float(f"{x:.{digits}g}")


def rounded_for_csv(df: pd.DataFrame) -> pd.DataFrame:
    """The float columns rounded to the precision that means something (:func:`column_precision`): money to
    cents, percentages to a tenth, p-values to 3 significant digits; other columns untouched."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        how, digits = column_precision(col)
        if how == "decimals":
            out[col] = out[col].round(digits)
        else:
            out[col] = out[col].map(lambda v, d=digits: v if pd.isna(v) else _significant(float(v), d))
    return out


class RunOutput:
    """Writer for one notebook's outputs into a run folder; a no-op when ``out_dir`` is empty.

    Notebooks opened for exploration leave ``output_dir`` empty and write nothing.
    """

    def __init__(self, out_dir: str | Path | None, notebook: str):
        self.dir = Path(out_dir) if out_dir else None
        self.notebook = notebook
        self.metrics: dict[str, object] = {}
        self.findings: list[str] = []
        #: the tables written so far: name -> (rows, columns), so that a page names a CSV only when it exists
        self.written: dict[str, tuple[int, tuple[str, ...]]] = {}

    def add_metrics(self, values: dict[str, object]) -> None:
        """Record headline metrics (docs/metrics.md names) and save them for metrics.json.

        Returns nothing, so that as the last line of a notebook cell it prints nothing on the page (issue 19).
        """
        self.metrics.update({k: json_value(v) for k, v in values.items()})
        self._save()

    def add_finding(self, text: str) -> None:
        """Record a key finding sentence (plain text) for the front page card; returns nothing (see add_metrics)."""
        self.findings.append(text)
        self._save()

    def add_advice(self, advice: Advice, fingerprint: str = "") -> None:
        """Save one section of advice (lib.report.results.Advice) for the recommendations page; returns nothing."""
        if self.dir is None:
            return
        advice.notebook = self.notebook
        save_advice(self.dir / PARTS_DIR, advice, fingerprint)

    def write_table(self, name: str, df: pd.DataFrame) -> Path | None:
        """Write ``tables/<name>.csv`` for machines: UTF-8 with a byte-order mark (:data:`CSV_ENCODING`), floats
        rounded (:func:`rounded_for_csv`), formula-injection neutralised; returns the path (None without a run
        folder) (docs/metrics.md, Action lists)."""
        if self.dir is None:
            return None
        path = self.dir / "tables" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_formulas(rounded_for_csv(df)).to_csv(path, index=False, encoding=CSV_ENCODING)
        self.written[name] = (len(df), tuple(str(c) for c in df.columns))
        return path

    def _save(self) -> None:
        if self.dir is None:
            return
        parts = self.dir / PARTS_DIR
        parts.mkdir(parents=True, exist_ok=True)
        payload = {"notebook": self.notebook, "metrics": self.metrics, "findings": self.findings}
        tmp = parts / f"{self.notebook}.json.tmp"
        tmp.write_text(json.dumps(payload, indent=1, sort_keys=True))
        tmp.replace(parts / f"{self.notebook}.json")


P_VALUE_COLUMN, PCT_COLUMN, SHARE_COLUMN, MONEY_COLUMN = _P, _PCT, _SHARE, _MONEY
