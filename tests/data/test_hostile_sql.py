"""Hostile database sources (issue 16, items 3 and 13): no piece of a password is printed; SQLite files stay untouched."""

from __future__ import annotations

import sqlite3
import string
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.config import ROOT
from lib.data.load import load_dataset, mask_source
from lib.data.sql_source import masked_url
from tests.data.test_sql_source import _tiny_db

# --------------------------------------------------------------------------- item 3: masking

MASKED = [
    ("postgresql://reader:p@ss@host/db", "postgresql://reader:***@host/db"),
    ("postgresql://reader:p@ss@host/db?tables=sales:v_sales", "postgresql://reader:***@host/db?tables=sales:v_sales"),
    ("postgresql://reader:p@ss@127.0.0.1:1/db", "postgresql://reader:***@127.0.0.1:1/db"),
    ("postgresql://reader:p/s@s@host/db", "postgresql://reader:***@host/db"),
    ("postgresql://reader:p/ss@host:5432/db", "postgresql://reader:***@host:5432/db"),
    ("postgresql://reader:p#s?s@host/db", "postgresql://reader:***@host/db"),
    ("postgresql://reader:p%40ss@host/db", "postgresql://reader:***@host/db"),
    ("postgresql://reader:a:b@c@host/db", "postgresql://reader:***@host/db"),
    ("postgresql://us/er:pw@host/db", "postgresql://us/er:***@host/db"),  # SQLAlchemy reads 'er:pw@host' as the db
    ("postgres ql://reader:p@ss@host/db", "postgres ql://reader:***@host/db"),  # SQLAlchemy cannot parse it
    ("postgresql://:p@ss@host/db", "postgresql://:***@host/db"),  # no user name: the password is still hidden
    ("postgresql://reader@host/db?password=s3cret&x=1", "postgresql://reader@host/db?password=***&x=1"),
    ("postgresql://reader:***@host/db", "postgresql://reader:***@host/db"),  # masking twice changes nothing
    ("postgresql://reader:@host/db", "postgresql://reader:@host/db"),  # no password
    ("postgresql://reader@host/db", "postgresql://reader@host/db"),  # no password
    ("postgresql://host/db", "postgresql://host/db"),  # no user
    ("sqlite:///data/shop.db", "sqlite:///data/shop.db"),
    ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),  # no host part: an '@' in a path is not a password
    ("data/sample", "data/sample"),
]


@pytest.mark.parametrize(("url", "shown"), MASKED)
def test_mask_source_hides_every_character_of_the_password(url, shown):
    assert mask_source(url) == shown
    assert masked_url(url) == shown  # one masker behind both names


_SCHEME = st.sampled_from(["postgresql", "postgresql+psycopg2", "mysql+pymysql", "postgres ql"])
_USER = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12)
_HOST = st.sampled_from(["db.example", "localhost:5432", "127.0.0.1:1", "[::1]:5432"])
_TAIL = st.sampled_from(["/shop", "/shop?tables=sales:v_sales", "", "/shop?sslmode=require"])
_PRINTABLE = "".join(c for c in string.printable if c not in "\t\n\r\x0b\x0c")
#: characters of the URL around the password (scheme, user, host, tail, ':***@'): a password piece made only of
#: these could appear there by coincidence, so the substring check below looks at pieces with another character
_AROUND = set(string.ascii_lowercase + string.digits + "_.:/@*?=+[] ")


@settings(max_examples=300, deadline=None)
@given(scheme=_SCHEME, user=_USER, password=st.text(_PRINTABLE, min_size=1, max_size=40), host=_HOST, tail=_TAIL,
       encoded=st.booleans())
def test_no_piece_of_a_random_password_is_printed(scheme, user, password, host, tail, encoded):
    pw = urllib.parse.quote(password, safe="") if encoded else password
    url = f"{scheme}://{user}:{pw}@{host}{tail}"
    shown = mask_source(url)
    assert shown == f"{scheme}://{user}:***@{host}{tail}"  # everything but the password, as written
    for form in {password, pw}:
        for n in range(3, len(form) + 1):
            for i in range(len(form) - n + 1):
                piece = form[i:i + n]
                if set(piece) - _AROUND:
                    assert piece not in shown, (url, shown, piece)


@settings(max_examples=200, deadline=None)
@given(password=st.text(_PRINTABLE, min_size=3, max_size=40))
def test_driver_messages_lose_the_password_in_every_spelling(password):
    from lib.data.urls import scrub_password

    url = f"postgresql://reader:{password}@db.example/shop"
    encoded = urllib.parse.quote(password, safe="")
    message = f'FATAL: password "{password}" or {encoded} refused for "reader"'
    scrubbed = scrub_password(message, url)
    assert password not in scrubbed and encoded not in scrubbed
    assert scrubbed.endswith('refused for "reader"')


def test_the_connection_gets_the_credentials_that_are_masked():
    # SQLAlchemy alone splits at the first '@': password 'p', host 'ss@127.0.0.1' (echoed by the driver)
    from lib.data.sql_source import database_url

    u = database_url("postgresql://reader:p@ss@127.0.0.1:1/db?tables=sales:v_sales")
    assert (u.username, u.password, u.host, u.port, u.database) == ("reader", "p@ss", "127.0.0.1", 1, "db")
    assert dict(u.query) == {"tables": "sales:v_sales"}
    u = database_url("postgresql://reader:p%40ss/w%3Ard@db.example/shop")
    assert (u.username, u.password, u.host, u.database) == ("reader", "p@ss/w:rd", "db.example", "shop")
    u = database_url("postgresql://reader:s3cret@db.example:5432/shop")  # an ordinary URL: as SQLAlchemy reads it
    assert (u.username, u.password, u.host, u.port, u.database) == ("reader", "s3cret", "db.example", 5432, "shop")


def _pipeline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.run.pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("cmd", ["validate", "run"])
def test_a_refused_connection_prints_no_piece_of_the_password(cmd, tmp_path):
    url = "postgresql://reader:p@ss@127.0.0.1:1/db"  # port 1: connection refused at once
    args = ["--out", str(tmp_path / "out")] if cmd == "run" else []
    res = _pipeline(cmd, "--data", url, *args)
    logs = list((tmp_path / "out" / ".logs").glob("*.log")) if cmd == "run" else []
    assert len(logs) == (cmd == "run")
    texts = {"stdout": res.stdout, "stderr": res.stderr, **{str(p): p.read_text() for p in logs}}
    assert res.returncode == 2, texts
    for where, text in texts.items():
        assert "ss@" not in text and "p@ss" not in text, (where, text)
    assert "Source: postgresql://reader:***@127.0.0.1:1/db" in res.stdout
    assert "127.0.0.1" in res.stdout and "Traceback" not in res.stdout + res.stderr  # the refusal names the host


# --------------------------------------------------------------------------- item 13: SQLite stays untouched


def _wal_db(path: Path) -> Path:
    """A small valid database in WAL journal mode, closed (so no -wal file is left)."""
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    con.close()
    _tiny_db(path, [("s1", "u1", "2026-10-01 10:00:00", "100"), ("s2", "u1", "2026-10-02 10:00:00", "50.5")],
             with_users=True)
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    return path


def _state(db: Path) -> tuple[bytes, int, list[str]]:
    return db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in db.parent.iterdir())


@pytest.mark.parametrize("form", ["sqlite:///{db}", "sqlite:///file:{db}?mode=ro&uri=true", "sqlite:///file:{db}"])
def test_a_wal_database_is_read_without_writing_beside_it(form, tmp_path):
    db = _wal_db(tmp_path / "shop.db")
    before = _state(db)
    ds = load_dataset(form.format(db=db), use_cache=False)
    assert list(ds.tables["sales"]["sale_id"]) == ["s1", "s2"]
    assert _state(db) == before  # same bytes, same mtime, no shop.db-wal or shop.db-shm
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]


@pytest.mark.parametrize("form", ["sqlite:///{db}", "sqlite:///file:{db}?mode=ro&uri=true"])
def test_a_database_open_in_a_writing_program_is_read_with_its_latest_rows(form, tmp_path):
    # a -wal file beside the database: a program has it open; immutable would miss the rows in that file
    db = _wal_db(tmp_path / "shop.db")
    writer = sqlite3.connect(db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO sales VALUES ('s3', 'u1', '2026-10-03 10:00:00', '7')")
        writer.commit()
        assert Path(f"{db}-wal").stat().st_size > 0
        ds = load_dataset(form.format(db=db), use_cache=False)
    finally:
        writer.close()
    assert list(ds.tables["sales"]["sale_id"]) == ["s1", "s2", "s3"]
