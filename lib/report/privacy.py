"""Guards that keep customer contact details out of the HTML reports and executed notebooks."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["EMAIL_PATTERN", "EMAIL_MASK", "mask_contacts", "contact_leaks", "assert_no_contact_details"]

#: the one e-mail shape, for masking text shown in a report and for the leak check before publishing:
#: a local part of letters (any script), digits and ``. _ % + -``, a domain of labels and a top-level domain of
#: two or more letters
EMAIL_PATTERN = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
#: what a masked address reads as
EMAIL_MASK = "[e-mail hidden]"


def mask_contacts(text: str) -> str:
    """``text`` with every e-mail address replaced by :data:`EMAIL_MASK`."""
    return EMAIL_PATTERN.sub(EMAIL_MASK, text)


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
