"""Results that flow once: a domain notebook's advice saved in the run's parts for the recommendations page (docs/metrics.md, Run outputs)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lib.analytics.effects import Effect
from lib.analytics.recommendations import Recommendation
from lib.narrative.advice import Advice

__all__ = ["ADVICE_DIR", "save_advice", "load_advice", "advice_sections", "advice_or_compute"]

#: sub-folder of a run's parts where each domain notebook leaves its advice, one folder per section
ADVICE_DIR = "advice"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def _checked(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} must be a lower-case identifier (letters, digits, _), got {name!r}")
    return name


def _rec_json(r: Recommendation) -> dict:
    d = {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.init and f.name != "effect"}
    d["effect"] = dataclasses.asdict(r.effect)
    return d


def save_advice(parts_dir: str | Path, advice: Advice, fingerprint: str = "") -> Path:
    """Write ``advice`` under ``<parts>/advice/<section>/``: advice.json (recommendations, sentences, skipped parts,
    the input's ``fingerprint``) and one Parquet file per table (exact dtypes); written to a temporary folder
    first, so a reader never sees half of it. Returns the folder."""
    section = _checked(advice.section, "an advice section")
    root = Path(parts_dir) / ADVICE_DIR
    tmp, final = root / f".{section}.tmp", root / section
    tmp.mkdir(parents=True, exist_ok=True)
    for name, df in advice.tables.items():
        _checked(name, "an advice table name")
        df.to_parquet(tmp / f"{name}.parquet")
    (tmp / "advice.json").write_text(json.dumps({
        "section": section, "notebook": advice.notebook, "fingerprint": fingerprint, "recs": [_rec_json(r) for r in advice.recs],
        "sentences": list(advice.sentences), "skipped": [list(s) for s in advice.skipped],
        "tables": sorted(advice.tables)}, indent=1), encoding="utf-8")
    if final.exists():
        for f in final.iterdir():
            f.unlink()
        final.rmdir()
    tmp.replace(final)
    return final


def load_advice(parts_dir: str | Path, section: str, fingerprint: str = "") -> Advice | None:
    """The advice a domain notebook of this run saved for ``section`` from the input ``fingerprint``, or None when
    none did (or it was saved from other data: a later ``--only`` run keeps the parts of the run before)."""
    folder = Path(parts_dir) / ADVICE_DIR / _checked(section, "an advice section")
    meta = folder / "advice.json"
    if not meta.exists():
        return None
    d = json.loads(meta.read_text(encoding="utf-8"))
    if d.get("fingerprint", "") != fingerprint:
        return None
    recs = [Recommendation(**{**r, "effect": Effect(**r["effect"])}) for r in d["recs"]]
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in d["tables"]}
    return Advice(d["section"], recs, tables, d["sentences"], [tuple(s) for s in d["skipped"]], d["notebook"])


def advice_sections(parts_dir: str | Path) -> list[str]:
    """The sections of advice saved in this run, by name."""
    root = Path(parts_dir) / ADVICE_DIR
    return sorted(p.name for p in root.iterdir() if (p / "advice.json").exists()) if root.is_dir() else []


def advice_or_compute(parts_dir: str | Path | None, section: str, compute: Callable[[], Advice],
                      fingerprint: str = "") -> Advice:
    """The saved advice of ``section`` when this run has it from the same input (the pipeline runs the domain
    notebooks first), else ``compute()`` - the same function the domain notebook calls - for a notebook opened on
    its own or a domain notebook that did not run."""
    saved = load_advice(parts_dir, section, fingerprint) if parts_dir else None
    return saved if saved is not None else compute()
