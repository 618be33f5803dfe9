"""A database URL's credentials found by hand, for masking and scrubbing: no piece of a password is ever printed (docs/data-contract.md, SQL source).

``scheme://user:password@host:port/db?query``: the credentials are everything between ``://`` and the
LAST ``@`` (a password may hold ``@ : / # ?`` unencoded), the password is what follows the first ``:``
of them. SQLAlchemy splits at the first ``@`` instead (``p@ss@host`` = password ``p``, host ``ss@host``),
so :func:`lib.data.sql_source.database_url` hands the driver the credentials read here, and the masked
text covers every character the driver may receive as a password. An ``@`` inside the database name
or a URL parameter is written ``%40``. Without ``@`` (or with an empty host part, ``sqlite:///path``)
there are no credentials. URL parameters named like a password (``?password=...``) are masked too.
No SQLAlchemy here: every entry point imports this module.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

__all__ = ["Credentials", "split_credentials", "mask_source", "url_passwords", "scrub_password"]

#: URL parameters that carry a password to the driver (psycopg ``password``, PyMySQL ``passwd``...)
_SECRET_PARAM = re.compile(r"(?i)([?&;](?:password|passwd|pwd|sslpassword)=)([^&;#]*)")
MASK = "***"


@dataclass(frozen=True)
class Credentials:
    """The parts of a URL, as written (percent-encoding kept)."""

    scheme: str
    user: str | None  # None: no credentials in the URL
    password: str | None  # None: no ``:`` in the credentials
    rest: str  # host, port, database and query: everything after the last ``@``


def split_credentials(source: str) -> Credentials | None:
    """The credentials of ``source`` split at the last ``@``; None when it is not a URL (no ``://``)."""
    scheme, sep, rest = source.partition("://")
    if not sep:
        return None
    if rest.startswith("/") or "@" not in rest:  # sqlite:///path (no host part), or no credentials
        return Credentials(scheme, None, None, rest)
    userinfo, _, hostpart = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return Credentials(scheme, user, password if colon else None, hostpart)


def mask_source(source: str) -> str:
    """A source description safe to print: ``scheme://user:***@host/db?query`` (docs/data-contract.md, SQL source).

    A folder, or a URL without a password, is returned unchanged (apart from ``?password=`` parameters).
    """
    c = split_credentials(source)
    if c is None:
        return source
    if c.password:
        source = f"{c.scheme}://{c.user}:{MASK}@{c.rest}"
    return _SECRET_PARAM.sub(lambda m: m.group(1) + MASK if m.group(2) else m.group(0), source)


def url_passwords(source: str) -> list[str]:
    """Every spelling of the URL's passwords a message may quote (as written, decoded, encoded), longest first."""
    c = split_credentials(source)
    if c is None:
        return []
    found = [c.password] if c.password else []
    found += [m.group(2) for m in _SECRET_PARAM.finditer(source) if m.group(2)]
    forms: set[str] = set()
    for pw in found:
        for dec in (pw, urllib.parse.unquote(pw), urllib.parse.unquote_plus(pw)):
            forms |= {dec, urllib.parse.quote(dec, safe=""), urllib.parse.quote_plus(dec, safe="")}
    forms.discard("")
    forms.discard(MASK)
    return sorted(forms, key=lambda f: (-len(f), f))


def scrub_password(text: str, source: str) -> str:
    """``text`` (a driver's message) with every spelling of ``source``'s passwords replaced by ``***``."""
    for form in url_passwords(source):
        text = text.replace(form, MASK)
    return text
