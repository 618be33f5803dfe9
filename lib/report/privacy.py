"""Guards that keep customer contact details (e-mail addresses, phone numbers) out of the HTML reports and executed notebooks."""

from __future__ import annotations

import re
from pathlib import Path

from lib.narrative import fmt
from lib.narrative.fmt import esc

__all__ = ["EMAIL_PATTERN", "EMAIL_MASK", "PHONE_PATTERN", "PHONE_MASK", "PHONE_DIGITS", "phone_numbers",
           "mask_contacts", "page_text", "contact_leaks", "assert_no_contact_details"]

#: the one e-mail shape, for masking text shown in a report and for the leak check before publishing:
#: a local part of letters (any script), digits and ``. _ % + -``, a domain of labels and a top-level domain of
#: two or more letters
EMAIL_PATTERN = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
#: what a masked address reads as
EMAIL_MASK = "[e-mail hidden]"
#: a maximal run of the characters an address is made of: every address lies inside one and the pattern has no
#: look-around, so applying it run by run finds the same addresses, without rescanning each long run of a page's
#: embedded images from every position (seconds on a 4 MB page)
_EMAIL_RUN = re.compile(r"(?<![\w.%+@-])[\w.%+@-]+")

#: a candidate phone number: an optional ``+``, then digits and digit groups in closed parentheses, each joined to
#: the one before by at most one space, dot or dash (``+1 (212) 555-0147``, ``0044 20 7946 0958``). It starts a
#: token (not after a letter, digit, ``$ € £ # % . , : / @ -``, so no id such as ``P000123``, no order number
#: ``#1001``, no part of an amount ``$1,234,567``) and takes every digit that follows in the same shape, so a
#: longer run (a card number, digits joined by spaces) is judged whole. :func:`phone_numbers` then keeps only the
#: candidates shaped like a phone number.
PHONE_PATTERN = re.compile(
    r"(?<![\w+$€£¥#%.,:/@-])(?<!\d[ .-])"
    r"\+?(?:\(\d{1,5}\)|\d)(?:[ .-]?(?:\(\d{1,5}\)|\d))*"
    r"(?![\w%$€£¥:/]|[.,-]\d)"
)
#: how many digits a phone number has (the E.164 maximum is 15)
PHONE_DIGITS = (7, 15)
#: what a masked phone number reads as
PHONE_MASK = "[phone hidden]"

_GROUPS = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _is_phone(candidate: str) -> bool:
    """Whether a :data:`PHONE_PATTERN` candidate is shaped like a phone number.

    7 to 15 digits; with a leading ``+`` any grouping (``+447911123456``); without one the digits come in at
    least two groups (a run of bare digits is an id or a count), the first of 1 to 5 digits, the middle ones of
    2 to 4, the last of 2 to 8; dots only between three or more groups (a decimal number has one); and not a
    date (``2026-10-31``, ``31.10.2026``) nor a range of years (``2019-2026``).
    """
    groups = _GROUPS.findall(candidate)
    digits = sum(len(g) for g in groups)
    if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return False
    if candidate.startswith("+"):
        return True
    sizes = [len(g) for g in groups]
    if len(sizes) < 2 or not (1 <= sizes[0] <= 5 and 2 <= sizes[-1] <= 8 and all(2 <= s <= 4 for s in sizes[1:-1])):
        return False
    if "." in candidate and len(sizes) < 3:
        return False
    if len(sizes) == 3 and "(" not in candidate and (
            (sizes[0] == 4 and sizes[1] <= 2 and sizes[2] <= 2) or (sizes[0] <= 2 and sizes[1] <= 2)):
        return False  # a date: 2026-10-31, 31.10.2026, 10-31-26
    return not (len(sizes) == 2 and all(_YEAR.fullmatch(g) for g in groups))


def _emails(text: str) -> list[str]:
    """The e-mail addresses in ``text`` (:data:`EMAIL_PATTERN`), run by run."""
    return [e for r in _EMAIL_RUN.findall(text) if "@" in r for e in EMAIL_PATTERN.findall(r)]


def _mask_emails(m: re.Match[str]) -> str:
    run = m.group(0)
    return EMAIL_PATTERN.sub(EMAIL_MASK, run) if "@" in run else run


def phone_numbers(text: str) -> list[str]:
    """The phone numbers found in ``text``, in order (:data:`PHONE_PATTERN`, then the shape rules)."""
    return [m.group(0) for m in PHONE_PATTERN.finditer(text) if _is_phone(m.group(0))]


def _mask_phone(m: re.Match[str]) -> str:
    return PHONE_MASK if _is_phone(m.group(0)) else m.group(0)


def mask_contacts(text: str) -> str:
    """``text`` with every e-mail address replaced by :data:`EMAIL_MASK` and every phone number by
    :data:`PHONE_MASK`: the one masking step of everything a report page shows."""
    return PHONE_PATTERN.sub(_mask_phone, _EMAIL_RUN.sub(_mask_emails, text))


def page_text(text: object) -> str:
    """``text`` as a page shows it: contact details masked (:func:`mask_contacts`), then HTML-escaped.

    Every display helper of the notebooks (lib.report.notebook) and the front page pass their text through here,
    so none can show an e-mail address or a phone number (README, Reports: contact data only in action lists).
    """
    return esc(mask_contacts("" if text is None else str(text)))


def contact_leaks(text: str) -> list[str]:
    """E-mail addresses and phone numbers found in ``text``."""
    return sorted(set(_emails(text)) | set(phone_numbers(text)))


def assert_no_contact_details(run_dir: str | Path, ds: object = None) -> None:
    """Raise when an HTML report or executed notebook of the run holds an e-mail address or a phone number.

    Action-list CSVs under ``tables/`` are meant to carry them and are not checked.
    """
    run = Path(run_dir)
    for f in sorted(run.glob("*.html")) + sorted(run.glob("notebooks/*.ipynb")):
        text = f.read_text(encoding="utf-8", errors="replace")
        emails, phones = len(set(_emails(text))), len(set(phone_numbers(text)))
        if emails or phones:
            found = " and ".join(s for s in (fmt.count(emails, "e-mail address", "e-mail addresses") if emails else "",
                                             fmt.count(phones, "phone number") if phones else "") if s)
            raise RuntimeError(f"{f.name} would show {found}; the run was stopped so they are not shared")
