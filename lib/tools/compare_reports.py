"""Whether two report runs hold the same numbers: metrics.json and tables/*.csv, for refactors (docs/metrics.md, Run outputs).

Command line::

    python -m lib.tools.compare_reports reports_before/2026-10 reports/2026-10

Exit status 0 when the metrics (all but the run's own ``generated_at`` and ``code_version``) and every table's
bytes are the same, 1 otherwise, with one line per difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["RUN_STAMPS", "report_differences", "main"]

#: metrics.json keys that describe the run, not the data: they differ between any two runs
RUN_STAMPS = ("generated_at", "code_version")


def report_differences(before: str | Path, after: str | Path) -> list[str]:
    """One line per difference between two run folders' metrics.json and tables/*.csv; empty when identical."""
    a, b = Path(before), Path(after)
    out: list[str] = []
    ma, mb = (json.loads((d / "metrics.json").read_text(encoding="utf-8")) for d in (a, b))
    for key in sorted(set(ma) | set(mb)):
        if key in RUN_STAMPS or key == "metrics":
            continue
        if ma.get(key) != mb.get(key):
            out.append(f"{key}: {ma.get(key)!r} -> {mb.get(key)!r}")
    va, vb = ma.get("metrics", {}), mb.get("metrics", {})
    out += [f"metric {k}: {va.get(k)!r} -> {vb.get(k)!r}" for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
    ta = {p.name for p in (a / "tables").glob("*.csv")}
    tb = {p.name for p in (b / "tables").glob("*.csv")}
    out += [f"table {t}: only in {a if t in ta else b}" for t in sorted(ta ^ tb)]
    out += [f"table {t}: contents differ" for t in sorted(ta & tb)
            if (a / "tables" / t).read_bytes() != (b / "tables" / t).read_bytes()]
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m lib.tools.compare_reports", description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    a = ap.parse_args(argv)
    diffs = report_differences(a.before, a.after)
    n_metrics = len(json.loads((Path(a.after) / "metrics.json").read_text(encoding="utf-8")).get("metrics", {}))
    n_tables = len(list((Path(a.after) / "tables").glob("*.csv")))
    for d in diffs:
        print(d)
    print(f"{'identical' if not diffs else 'DIFFERENT'}: {n_metrics} metrics and {n_tables} tables compared")
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
