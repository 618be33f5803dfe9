"""Guards that keep customer contact details out of the HTML reports and executed notebooks."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["EMAIL_PATTERN", "contact_leaks", "assert_no_contact_details"]

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def contact_leaks(text: str) -> list[str]:
    """E-mail addresses found in ``text``."""
    return sorted(set(EMAIL_PATTERN.findall(text)))


def assert_no_contact_details(run_dir: str | Path, ds: object = None) -> None:
    """Raise when an HTML report or executed notebook of the run holds an e-mail address.

    Action-list CSVs under ``tables/`` are meant to carry them and are not checked.
    """
    run = Path(run_dir)
    for f in sorted(run.glob("*.html")) + sorted(run.glob("notebooks/*.ipynb")):
        leaks = contact_leaks(f.read_text(encoding="utf-8", errors="replace"))
        if leaks:
            raise RuntimeError(f"{f.name} would show {len(leaks)} e-mail address(es); "
                               "the run was stopped so they are not shared")
