"""What a notebook writes into its run folder: metrics, action tables, key findings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RunOutput", "json_value", "neutralise_formulas", "PARTS_DIR"]

#: sub-folder of a run where notebooks leave their metrics and findings for the pipeline
PARTS_DIR = ".parts"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


class RunOutput:
    """Writer for one notebook's outputs into a run folder; a no-op when ``out_dir`` is empty.

    Notebooks opened for exploration leave ``output_dir`` empty and write nothing.
    """

    def __init__(self, out_dir: str | Path | None, notebook: str):
        self.dir = Path(out_dir) if out_dir else None
        self.notebook = notebook
        self.metrics: dict[str, object] = {}
        self.findings: list[str] = []

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

    def write_table(self, name: str, df: pd.DataFrame) -> Path | None:
        """Write ``tables/<name>.csv`` with formula-injection neutralised; returns the path."""
        if self.dir is None:
            return None
        path = self.dir / "tables" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_formulas(df).to_csv(path, index=False)
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
